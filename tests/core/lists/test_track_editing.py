"""Talk tracks edited in place (create, copy, save, assign, the library) and exported as
TOML that loads back into a fresh database unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import col, select

from callcoach.core.lists.track_editing import (
    TrackDraft,
    TrackEditError,
    add_objection,
    assign_to_cluster,
    assign_to_list,
    complete_merge_field,
    copy_track,
    draft_of,
    merge_field_problems,
    sample_contact,
    save_track,
    track_rows,
    update_objection,
)
from callcoach.core.lists.track_export import checked_export, toml_string
from callcoach.core.lists.tracks import load_tracks_file
from callcoach.storage.db import Database, open_database
from callcoach.storage.models import CallList, Contact, Objection, TalkTrack, TalkTrackObjection
from tests.support.paths import BUNDLED_DATA

BUNDLED = BUNDLED_DATA / "talk_tracks.toml"


def snapshot(db: Database) -> dict:
    """Every stored field of every track, its objections and the library (ids and times aside)."""
    with db.session() as s:
        objections = {o.id: o for o in s.exec(select(Objection))}
        library = [
            (o.key, o.text, o.rebuttal)
            for o in sorted(objections.values(), key=lambda o: (o.position, o.id))
        ]
        tracks = {}
        for t in s.exec(select(TalkTrack)):
            fields = t.model_dump(exclude={"id", "updated_at"})
            links = [
                (objections[link.objection_id].key, link.rebuttal_override, link.position)
                for link in s.exec(
                    select(TalkTrackObjection)
                    .where(TalkTrackObjection.talk_track_id == t.id)
                    .order_by(col(TalkTrackObjection.position))
                )
            ]
            tracks[t.name] = (fields, links)
    return {"library": library, "tracks": tracks}


def fresh_sqlite(tmp_path: Path, template: Path, name: str) -> Database:
    """Another empty migrated SQLite database."""
    path = tmp_path / name
    shutil.copyfile(template, path)
    return open_database(f"sqlite:///{path}")


def hard_draft() -> TrackDraft:
    """A track whose text needs every kind of TOML escaping."""
    return TrackDraft(
        name='Odd "Quotes" \\ Track',
        cluster_dimension="region",
        cluster_value="Québec",
        engage_statement='Hi {first_name}, it\'s {rep_name} - "quoted" and \\back\\slashed\ttab',
        impact_question='Line one\nline two with """ triple quotes and {{literal}} braces?',
        meeting_ask="20 minutes? ✓",
        voicemail_script="",
        third_party_reference="Ré Co",
        parking_lot_line="Park it.\n",
        greeting="",
        objections=[("no_budget", 'Budget "is" fine \\ {company}'), ("send_info", None)],
    )


def test_export_then_load_into_a_fresh_database_is_identical(db, clock, tmp_path, sqlite_template):
    """Every field of every track and objection survives export -> load, and loading the
    export back into the source changes nothing."""
    load_tracks_file(db, BUNDLED, clock)
    save_track(db, hard_draft(), clock)
    add_objection(db, "We're mid-merger.", 'Timing "matters": Tuesday?', key="merger")
    before = snapshot(db)
    assert before["tracks"]['Odd "Quotes" \\ Track'][0]["impact_question"].count("\n") == 1

    target = tmp_path / "export.toml"
    with db.session() as s:
        text, tracks, objections = checked_export(s, None, target)
    target.write_text(text, encoding="utf-8")
    assert tracks == len(before["tracks"]) and objections == len(before["library"])

    fresh = fresh_sqlite(tmp_path, sqlite_template, "fresh.db")
    try:
        load_tracks_file(fresh, target, clock)
        assert snapshot(fresh) == before
    finally:
        fresh.dispose()
    load_tracks_file(db, target, clock)
    assert snapshot(db) == before


def test_export_of_named_tracks_carries_the_objections_they_use(db, clock, tmp_path, sqlite_template):
    """Exporting one track writes it and only its objections; loading that alone works."""
    load_tracks_file(db, BUNDLED, clock)
    with db.session() as s:
        name = track_rows(s)[0].name
        draft = draft_of(s, name)
        text, tracks, objections = checked_export(s, [name.upper()], tmp_path / "one.toml")
    assert tracks == 1 and objections == len(draft.objections)
    (tmp_path / "one.toml").write_text(text, encoding="utf-8")
    fresh = fresh_sqlite(tmp_path, sqlite_template, "one.db")
    try:
        load_tracks_file(fresh, tmp_path / "one.toml", clock)
        assert snapshot(fresh)["tracks"] == {name: snapshot(db)["tracks"][name]}
    finally:
        fresh.dispose()


@pytest.mark.parametrize(
    "value",
    ["plain", 'a "b" c', "back\\slash", "new\nline", "ends with quote\"", "\x01ctl", "tab\tx"],
)
def test_toml_string_reads_back(value):
    """Whatever a field holds, the TOML string written reads back as the same text."""
    import tomllib

    assert tomllib.loads(f"v = {toml_string(value)}")["v"] == value


def test_unknown_merge_field_is_refused_with_its_name(db, clock):
    """Saving a track with {frist_name} fails naming the field and writes nothing."""
    draft = TrackDraft(name="Typo", engage_statement="Hi {frist_name}", impact_question="Q?",
                       meeting_ask="Tuesday?")
    with pytest.raises(TrackEditError, match=r"engage_statement: unknown merge field \{frist_name\}"
                       r" \(did you mean \{first_name\}\?\)"):
        save_track(db, draft, clock)
    with db.session() as s:
        assert s.exec(select(TalkTrack)).first() is None
    assert merge_field_problems("Hi {first_name}, {company}") == []
    assert merge_field_problems("Hi {oops") and "bad braces" in merge_field_problems("Hi {oops")[0]


def test_completion_of_a_merge_field_being_typed():
    """The field being typed at the end of the text is completed; nothing else is."""
    assert complete_merge_field("Hi {fir") == "Hi {first_name}"
    assert complete_merge_field("at {co") == "at {company}"
    assert complete_merge_field("at {") == "at {first_name}"
    assert complete_merge_field("done {company}") is None
    assert complete_merge_field("{{lit") is None
    assert complete_merge_field("{zzz") is None


def test_create_copy_rename_and_duplicate_names(db, clock):
    """A copy has the text and objections but no cluster; names stay unique, case-blind."""
    load_tracks_file(db, BUNDLED, clock)
    with db.session() as s:
        original = track_rows(s)[0].name
        source = draft_of(s, original)
    copy_track(db, original, "My copy", clock)
    with db.session() as s:
        copied = draft_of(s, "my COPY")
    assert copied.objections == source.objections
    assert copied.engage_statement == source.engage_statement and copied.cluster_value is None
    with pytest.raises(TrackEditError, match="already exists"):
        copy_track(db, original, original.upper(), clock)
    copied.name = "Renamed"
    save_track(db, copied, clock, original="My copy")
    with db.session() as s:
        assert {r.name for r in track_rows(s)} >= {"Renamed"}
        assert "My copy" not in {r.name for r in track_rows(s)}
    with pytest.raises(TrackEditError, match="no talk track named 'Nope'"):
        copy_track(db, "Nope", "x", clock)


def test_assign_to_cluster_and_list(db, clock):
    """A cluster assignment claims the cluster and relinks its lists; a list assignment one list."""
    load_tracks_file(db, BUNDLED, clock)
    with db.transaction() as s:
        s.add(CallList(name="Dental East", cluster_dimension="vertical", cluster_value="dental"))
        s.add(CallList(name="Texas", cluster_dimension="region", cluster_value="TX"))
    save_track(db, TrackDraft(name="Dental v2", engage_statement="Hi {first_name}",
                              impact_question="Q?", meeting_ask="Tue?"), clock)
    result = assign_to_cluster(db, "dental v2", "vertical", "Dental")
    assert result.changed and result.changed[0][0] == "Dental East"
    with db.session() as s:
        rows = {r.name: r for r in track_rows(s)}
    assert rows["Dental v2"].lists == ("Dental East",) and rows["Dental v2"].cluster == "vertical: Dental"
    assert all(r.cluster != "vertical: Dental" for n, r in rows.items() if n != "Dental v2")
    assign_to_list(db, "Dental v2", "texas")
    with db.session() as s:
        assert {r.name: r for r in track_rows(s)}["Dental v2"].lists == ("Dental East", "Texas")
    with pytest.raises(TrackEditError, match="no call list named 'Nowhere'"):
        assign_to_list(db, "Dental v2", "Nowhere")


def test_library_add_rename_rewrite(db, clock):
    """New objections get a fresh key at the end; rename and rewrite check merge fields."""
    load_tracks_file(db, BUNDLED, clock)
    key = add_objection(db, "We're mid-merger!", "Timing matters: {company}, Tuesday?")
    assert key == "we_re_mid_merger"
    assert add_objection(db, "We're mid-merger!", "Again?") == "we_re_mid_merger_2"
    update_objection(db, key, "We're merging.", "Then {company} needs it most. Tuesday?")
    with db.session() as s:
        last = s.exec(select(Objection).order_by(col(Objection.position).desc())).first()
        renamed = s.exec(select(Objection).where(Objection.key == key)).one()
    assert last is not None and last.key == "we_re_mid_merger_2"
    assert renamed.text == "We're merging."
    with pytest.raises(TrackEditError, match=r"unknown merge field \{compnay\}"):
        update_objection(db, key, "x", "for {compnay}")
    with pytest.raises(TrackEditError, match="already in the library"):
        add_objection(db, "x", "y", key="send_info")


def test_sample_contact_comes_from_the_chosen_list(db, clock):
    """The preview contact is a real contact of the named list."""
    with db.transaction() as s:
        cl = CallList(name="L1")
        s.add(cl)
        s.flush()
        s.add(Contact(list_id=cl.id, first_name="Ada", company="Acme", phone="+15555550100"))
    with db.session() as s:
        contact = sample_contact(s, "L1", None)
        assert contact is not None and contact.first_name == "Ada"
        assert sample_contact(s, None, None) is None


def test_round_trip_between_brand_new_databases_keeps_the_starters(tmp_path, clock):
    """Brand-new databases carry the starter library: an export of one with the team's
    tracks loads into another brand-new one identically, origin included (the untouched
    starter track stays a starter), and loading it back into the source changes nothing."""
    from callcoach.storage.starters import STARTER_TRACK_NAME

    source = open_database(f"sqlite:///{tmp_path / 'source.db'}")
    target = open_database(f"sqlite:///{tmp_path / 'target.db'}")
    try:
        load_tracks_file(source, BUNDLED, clock)
        save_track(source, hard_draft(), clock)
        before = snapshot(source)
        assert before["tracks"][STARTER_TRACK_NAME][0]["origin"] == "starter"
        with source.session() as s:
            text, _, _ = checked_export(s, None, tmp_path / "all.toml")
        (tmp_path / "all.toml").write_text(text, encoding="utf-8")
        load_tracks_file(target, tmp_path / "all.toml", clock)
        assert snapshot(target) == before
        load_tracks_file(source, tmp_path / "all.toml", clock)
        assert snapshot(source) == before
    finally:
        source.dispose()
        target.dispose()


def test_editing_a_starter_makes_it_the_team_s(tmp_path, clock):
    """Saving the starter track unchanged keeps it a starter; rewriting it (or a starter
    objection) marks it the team's, so an upgrade never overwrites it."""
    from callcoach.storage.starters import STARTER_TRACK_NAME

    db = open_database(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        with db.session() as s:
            draft = draft_of(s, STARTER_TRACK_NAME)
            rows = {r.name: r for r in track_rows(s)}
        assert rows[STARTER_TRACK_NAME].label.endswith("(starter)")
        save_track(db, draft, clock, original=STARTER_TRACK_NAME)
        with db.session() as s:
            assert s.exec(select(TalkTrack)).one().origin == "starter"
        draft.meeting_ask = "Our own ask: Tuesday at 10?"
        save_track(db, draft, clock, original=STARTER_TRACK_NAME)
        key = draft.objections[0][0]
        with db.session() as s:
            assert s.exec(select(TalkTrack)).one().origin == "library"
            objection = s.exec(select(Objection).where(Objection.key == key)).one()
        update_objection(db, key, objection.text, objection.rebuttal)
        with db.session() as s:
            assert s.exec(select(Objection).where(Objection.key == key)).one().origin == "starter"
        update_objection(db, key, objection.text, "Our own rebuttal. Tuesday?")
        with db.session() as s:
            assert s.exec(select(Objection).where(Objection.key == key)).one().origin == "library"
    finally:
        db.dispose()
