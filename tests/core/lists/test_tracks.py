"""Talk tracks and objections from TOML: the bundled file, upserts, one-line errors, rendering."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from callcoach.core.lists.tracks import (
    TracksFileError,
    load_tracks_file,
    merge_fields_in,
    render_track_text,
    track_objections,
)
from callcoach.storage.models import CallList, Contact, Objection, TalkTrack, TalkTrackObjection
from tests.support.helpers import count_rows
from tests.support.paths import BUNDLED_DATA

BUNDLED = BUNDLED_DATA / "talk_tracks.toml"
STARTER_KEYS = [
    "send_info", "not_interested", "happy_with_current", "no_budget", "call_back_later",
    "who_are_you", "in_house", "talk_to_someone_else",
]

GOOD = """
[[objection]]
key = "send_info"
text = "Send me something."
rebuttal = "Sure - 20 minutes Tuesday?"

[[objection]]
key = "too_small"
text = "We're too small."
rebuttal = "Most of {reference}'s peers were too. Thursday?"

[[track]]
name = "Dental"
cluster_dimension = "vertical"
cluster_value = "Dental"
engage_statement = "Hi {first_name}, {rep_name} here."
impact_question = "Where is {company} on recall rate?"
meeting_ask = "20 minutes Tuesday?"
voicemail_script = "Hi {first_name}, like {reference} ..."
third_party_reference = "Smile Co"
objections = ["too_small", "send_info"]

[track.rebuttals]
send_info = "For {company}, the one-pager won't show the gap. Tuesday?"

[[drill_set]]
name = "ignored here"
objections = ["whatever"]
"""


def write(tmp_path: Path, text: str, name: str = "tracks.toml") -> Path:
    """Write a tracks file."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_file_loads_the_starter_library(db, clock):
    """The shipped file has exactly the starter objections and a track per demo vertical."""
    summary = load_tracks_file(db, BUNDLED, clock)
    assert summary.objections_new == STARTER_KEYS
    assert len(summary.tracks_new) >= 5
    with db.session() as s:
        objections = s.exec(select(Objection).order_by(Objection.position)).all()
        tracks = s.exec(select(TalkTrack)).all()
        overrides = s.exec(
            select(TalkTrackObjection).where(TalkTrackObjection.rebuttal_override.is_not(None))
        ).all()
    assert [o.key for o in objections] == STARTER_KEYS
    for track in tracks:
        assert track.cluster_dimension == "vertical" and track.cluster_value
        assert track.impact_question and track.meeting_ask and track.greeting
        assert "{reference}" in track.voicemail_script and track.third_party_reference
        assert track.parking_lot_line
    assert {o.talk_track_id for o in overrides} == {t.id for t in tracks}
    assert "loaded 8 objection(s) (8 new, 0 updated)" in summary.render()


def test_loading_again_updates_in_place(db, clock, tmp_path):
    """Upsert by key and by name: no duplicates, new text wins, links replaced."""
    load_tracks_file(db, BUNDLED, clock)
    path = write(tmp_path, GOOD)
    summary = load_tracks_file(db, path, clock)
    assert summary.objections_updated == ["send_info"] and summary.objections_new == ["too_small"]
    assert summary.tracks_new == ["Dental"]
    summary = load_tracks_file(db, write(tmp_path, GOOD.replace("Sure - 20", "OK - 20")), clock)
    assert summary.tracks_updated == ["Dental"] and summary.objections_updated == ["send_info", "too_small"]
    assert count_rows(db, "objection") == 9
    with db.session() as s:
        dental = s.exec(select(TalkTrack).where(TalkTrack.name == "Dental")).one()
        send_info = s.exec(select(Objection).where(Objection.key == "send_info")).one()
        pairs = track_objections(s, dental.id)
    assert send_info.rebuttal == "OK - 20 minutes Tuesday?"
    assert [(o.key, r) for o, r in pairs] == [
        ("too_small", "Most of {reference}'s peers were too. Thursday?"),
        ("send_info", "For {company}, the one-pager won't show the gap. Tuesday?"),
    ]


def test_loading_links_tracks_to_existing_lists(db, clock, tmp_path):
    """A list clustered on the track's value without a track gets it."""
    with db.transaction() as s:
        s.add(CallList(name="Q4 - Dental", cluster_dimension="vertical", cluster_value="dental"))
    summary = load_tracks_file(db, write(tmp_path, GOOD), clock)
    assert summary.lists_linked == ["Q4 - Dental"]
    with db.session() as s:
        call_list = s.exec(select(CallList)).one()
    assert call_list.talk_track_id is not None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[track]]\nname = "X"\nengage_statement = "a\n', "tracks.toml:3: invalid TOML"),
        (
            GOOD.replace("Hi {first_name}, {rep_name}", "Hi {frist_name}"),
            "tracks.toml:16: track 'Dental': engage_statement: unknown merge field {frist_name}",
        ),
        (
            GOOD.replace('["too_small", "send_info"]', '["too_small", "no_such"]'),
            "tracks.toml:21: track 'Dental': unknown objection key 'no_such'",
        ),
        (
            GOOD.replace('meeting_ask = "20 minutes Tuesday?"\n', ""),
            "tracks.toml:13: track 'Dental': missing meeting_ask",
        ),
        (
            GOOD.replace('key = "too_small"', 'key = "Too Small"'),
            "tracks.toml: objection #2: key 'Too Small'",
        ),
        (
            GOOD.replace('cluster_dimension = "vertical"', 'cluster_dimension = "colour"'),
            "tracks.toml:14: track 'Dental': cluster_dimension 'colour'",
        ),
        (
            GOOD.replace("Hi {first_name}", "Hi {first_name"),
            "tracks.toml:16: track 'Dental': engage_statement: bad braces",
        ),
        (
            GOOD.replace("voicemail_script", "voicemial_script"),
            "tracks.toml:19: track 'Dental': unknown field 'voicemial_script'",
        ),
        ("[[tracks]]\nname = 'x'\n", "tracks.toml: unknown top-level key 'tracks'"),
        ("", "tracks.toml: no [[objection]] or [[track]] tables found"),
    ],
)
def test_bad_files_fail_with_one_line_and_write_nothing(db, clock, tmp_path, text, message):
    """Each mistake names file, line where possible, and key; nothing is loaded."""
    with pytest.raises(TracksFileError) as err:
        load_tracks_file(db, write(tmp_path, text), clock)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    assert count_rows(db, "objection") == 0 and count_rows(db, "talk_track") == 0


def test_unreadable_files(db, clock, tmp_path):
    """Missing, directory, non-UTF-8."""
    with pytest.raises(TracksFileError, match="no such file"):
        load_tracks_file(db, tmp_path / "nope.toml", clock)
    with pytest.raises(TracksFileError, match="is a directory"):
        load_tracks_file(db, tmp_path, clock)
    bad = tmp_path / "latin.toml"
    bad.write_bytes('[[objection]]\nkey = "x"\ntext = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(TracksFileError, match="not UTF-8"):
        load_tracks_file(db, bad, clock)


def test_render_track_text_fills_and_falls_back():
    """Merge fields fill from the contact; blanks read naturally; odd braces never raise."""
    track = TalkTrack(name="t", engage_statement="", impact_question="", meeting_ask="",
                      third_party_reference="Smile Co")
    ada = Contact(list_id=1, phone="+1", first_name="Ada", company="Birch", title="CEO",
                  vertical="Dental", region="Texas")
    template = "Hi {first_name}, {rep_name} here. Like {reference}, {company} in {region}..."
    assert render_track_text(template, ada, "Sam", track) == (
        "Hi Ada, Sam here. Like Smile Co, Birch in Texas..."
    )
    blank = Contact(list_id=1, phone="+1")
    assert render_track_text(template, blank, None, None) == (
        "Hi there, me here. Like a team like yours, your team in your area..."
    )
    assert render_track_text("{{literal}} {unknown} {", None) == "{literal} {unknown} {"
    assert render_track_text("{first_name.__class__}", ada) == "{first_name.__class__}"
    assert merge_fields_in("a {company} b {reference}") == ["company", "reference"]


def test_track_objections_without_a_track_is_the_library(db, clock):
    """No track: the whole library in order with default rebuttals."""
    load_tracks_file(db, BUNDLED, clock)
    with db.session() as s:
        pairs = track_objections(s, None)
    assert [o.key for o, _ in pairs] == STARTER_KEYS
    assert all(r == o.rebuttal for o, r in pairs)
