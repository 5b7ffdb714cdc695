"""The starter library in every database: whichever command opens a brand-new database
first (SQLite and PostgreSQL), it holds the starter objections and the starter talk track;
an upgrade inserts only what is missing and keeps a team's edits; a list with no track of
its own calls with the starter track."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa

from callcoach import paths
from callcoach.cli import main
from callcoach.clock import FakeClock
from callcoach.core.calling.objections import objection_choices
from callcoach.core.lists.importer import ImportOptions, import_file
from callcoach.core.lists.tracks import list_track_id, load_tracks_file
from callcoach.storage.db import open_database
from callcoach.storage.engine import make_engine
from callcoach.storage.schema import upgrade
from callcoach.storage.starters import STARTER_TRACK_NAME, load_starter_document, starter_file
from tests.support.paths import TEST_DATA
from tests.support.schema import before_starters

STARTER = load_starter_document()
STARTER_KEYS = [o["key"] for o in STARTER["objection"]]


def _starters(url: str) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]], list[str]]:
    """(key, origin, text) of every objection, (name, origin, engage) of every track, and the
    starter track's likely objections in order."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            objections = [tuple(r) for r in conn.exec_driver_sql(
                "SELECT key, origin, text FROM objection ORDER BY position")]
            tracks = [tuple(r) for r in conn.exec_driver_sql(
                "SELECT name, origin, engage_statement FROM talk_track ORDER BY id")]
            likely = list(conn.execute(sa.text(
                "SELECT o.key FROM talk_track_objection l JOIN objection o ON o.id = l.objection_id"
                " JOIN talk_track t ON t.id = l.talk_track_id WHERE t.name = :name"
                " ORDER BY l.position"), {"name": STARTER_TRACK_NAME}).scalars())
    finally:
        engine.dispose()
    return objections, tracks, likely  # type: ignore[return-value]


def _assert_has_the_starters(url: str) -> None:
    objections, tracks, likely = _starters(url)
    assert [(k, origin) for k, origin, _ in objections] == [(k, "starter") for k in STARTER_KEYS]
    assert [(name, origin) for name, origin, _ in tracks] == [(STARTER_TRACK_NAME, "starter")]
    assert likely == STARTER["track"][0]["objections"]


def test_the_starter_file_is_a_valid_talk_track_file(db):
    """The bundled file passes the same checks as a team's own (merge fields, keys), and the
    starter track has every part of the method's call shape."""
    summary = load_tracks_file(db, starter_file())
    assert summary.objections_new == STARTER_KEYS
    assert summary.tracks_new == [STARTER_TRACK_NAME]
    track = STARTER["track"][0]
    for part in ("engage_statement", "impact_question", "meeting_ask", "voicemail_script",
                 "third_party_reference", "parking_lot_line"):
        assert track[part].strip(), part
    assert "{reference}" in track["voicemail_script"]  # the third-party reference placeholder
    assert "gap" in track["impact_question"]


def test_the_demo_library_keeps_the_starter_wording():
    """The demo loads data/talk_tracks.toml over the starters: same keys and words, so the
    demo does not turn the starters into edits."""
    with (paths.bundled_data_dir() / "talk_tracks.toml").open("rb") as fh:
        demo = tomllib.load(fh)
    assert [(o["key"], o["text"], o["rebuttal"]) for o in demo["objection"]] == [
        (o["key"], o["text"], o["rebuttal"]) for o in STARTER["objection"]
    ]


class _NoApp:
    """Stands in for the TUI app: the command opens (and seeds) the database, then exits."""

    return_code = 0

    def run(self) -> None:
        """Nothing to show in a test."""


ENTRY_COMMANDS = {
    "tui": [],
    "import": ["import", str(TEST_DATA / "import" / "hubspot.csv"), "--cluster-by", "vertical"],
    "lists": ["lists"],
    "drill sets": ["drill", "sets"],
    "drill": ["drill", "--no-voice"],
    "db upgrade": ["db", "upgrade"],
    "report": ["report"],
    "tracks load": ["tracks", "load", str(paths.bundled_data_dir() / "talk_tracks.toml")],
}


@pytest.mark.parametrize("command", sorted(ENTRY_COMMANDS))
def test_every_entry_command_gives_a_new_database_the_starters(
    command, empty_database_url, monkeypatch, capsys
):
    import callcoach.tui.app

    monkeypatch.setattr(callcoach.tui.app, "make_app", lambda *_a, **_k: _NoApp())
    assert main(["--db", empty_database_url, *ENTRY_COMMANDS[command]]) == 0, capsys.readouterr()
    objections, tracks, likely = _starters(empty_database_url)
    assert [k for k, _, _ in objections] == STARTER_KEYS
    assert STARTER_TRACK_NAME in [name for name, _, _ in tracks]
    if command in ("tui", "tracks load"):
        return  # the demo / the file loaded over the starters: checked below
    _assert_has_the_starters(empty_database_url)


def test_tui_first_start_seeds_the_demo_over_the_starters(empty_database_url, monkeypatch):
    """The home screen's demo still arrives in a brand-new database (the starters do not
    count as the user's data) and leaves the starter objections as starters."""
    import callcoach.tui.app

    monkeypatch.setattr(callcoach.tui.app, "make_app", lambda *_a, **_k: _NoApp())
    assert main(["--db", empty_database_url]) == 0
    objections, tracks, _ = _starters(empty_database_url)
    assert {origin for _, origin, _ in objections} == {"starter"}
    assert len(tracks) == 7 and tracks[0][:2] == (STARTER_TRACK_NAME, "starter")


def test_block_on_an_older_default_database_upgrades_it_with_the_starters(
    tmp_path, monkeypatch
):
    """``block`` on the embedded default database of an older release: upgraded, starters
    added, and the list (with no track of its own) calls with the starter track."""
    import callcoach.tui.app
    from callcoach.storage.urls import default_database_url

    url = default_database_url()
    engine = make_engine(url)
    upgrade(engine, before_starters())
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO call_list (name, cluster_dimension, archived, created_at) "
            "VALUES ('Mine', 'none', 0, '2026-11-23 14:00:00')"
        )
    engine.dispose()
    seen: dict[str, object] = {}

    def fake_app(**kwargs: object) -> _NoApp:
        seen.update(kwargs)
        return _NoApp()

    monkeypatch.setattr(callcoach.tui.app, "make_app", fake_app)
    assert main(["block", "--list", "Mine"]) == 0
    _assert_has_the_starters(url)
    db = open_database(url)
    try:
        with db.session() as s:
            track_id = list_track_id(s, 1)
            choices = objection_choices(s, 1)
            name = s.execute(sa.text("SELECT name FROM talk_track WHERE id = :i"), {"i": track_id})
            assert name.scalar_one() == STARTER_TRACK_NAME
        assert [c.key for c in choices if c.likely] == STARTER["track"][0]["objections"]
    finally:
        db.dispose()


def test_an_upgrade_keeps_edited_starters_and_adds_only_what_is_missing(empty_database_url):
    """A database from before the starters, with its own wording for two starter keys and
    its own track of the starter's name: the upgrade adds the six missing objections and
    changes nothing that was there."""
    url = empty_database_url
    engine = make_engine(url)
    upgrade(engine, before_starters())
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO objection (key, text, rebuttal, position) VALUES "
            "('send_info', 'Email me a PDF.', 'Our own words.', 1), "
            "('no_budget', 'Too pricey.', 'Our budget answer.', 2)"
        ))
        conn.execute(sa.text(
            "INSERT INTO talk_track (name, engage_statement, impact_question, meeting_ask, "
            "voicemail_script, third_party_reference, parking_lot_line, greeting, updated_at) "
            "VALUES (:name, 'Our engage.', 'Our impact?', 'Our ask.', '', '', '', '', "
            "'2026-11-23 14:00:00')"
        ), {"name": STARTER_TRACK_NAME})
    upgrade(engine)
    engine.dispose()
    objections, tracks, likely = _starters(url)
    mine = {k: (origin, text) for k, origin, text in objections}
    assert mine["send_info"] == ("library", "Email me a PDF.")
    assert mine["no_budget"] == ("library", "Too pricey.")
    assert sorted(mine) == sorted(STARTER_KEYS)
    assert {k for k, (origin, _) in mine.items() if origin == "starter"} == set(STARTER_KEYS) - {
        "send_info", "no_budget"
    }
    assert tracks == [(STARTER_TRACK_NAME, "library", "Our engage.")]
    assert likely == []  # the team's own track keeps its own (empty) objection list


def test_edits_made_after_seeding_survive_another_upgrade(empty_database_url):
    """Edit a seeded starter, go back below the seeding migration and up again: the edit
    stays and nothing is doubled."""
    url = empty_database_url
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "UPDATE objection SET rebuttal = 'Rewritten by the team.', origin = 'library' "
            "WHERE key = 'not_interested'"))
        conn.execute(sa.text(
            "UPDATE talk_track SET impact_question = 'Our own impact question?' WHERE name = :n"
        ), {"n": STARTER_TRACK_NAME})
    from alembic import command

    from callcoach.storage.schema import alembic_config

    command.downgrade(alembic_config(engine), before_starters())
    upgrade(engine)
    with engine.connect() as conn:
        rebuttals = dict(conn.execute(sa.text("SELECT key, rebuttal FROM objection")).all())
        impact = conn.execute(sa.text(
            "SELECT impact_question FROM talk_track WHERE name = :n"), {"n": STARTER_TRACK_NAME}
        ).scalar_one()
    engine.dispose()
    assert rebuttals["not_interested"] == "Rewritten by the team."
    assert len(rebuttals) == len(STARTER_KEYS)
    assert impact == "Our own impact question?"


def test_import_says_which_lists_use_the_starter_track(tmp_path: Path):
    """The import summary names the starter track and how to write a real one; a list whose
    cluster has a track gets that track instead."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    db = open_database(url)
    try:
        csv = tmp_path / "contacts.csv"
        csv.write_text(
            "First Name,Last Name,Company,Phone,Industry\n"
            "Ada,Byron,Acme,+1 212 555 0101,Software\n"
            "Bob,Smith,Beta,+1 212 555 0102,Mining\n"
        )
        load_tracks_file(db, paths.bundled_data_dir() / "talk_tracks.toml")
        report = import_file(db, csv, ImportOptions(list_name="Mine", cluster_by="vertical",
                                                    min_cluster_size=1), FakeClock())
        text = report.render()
        assert "Mine - Mining: 1 contacts (new, talk track: Starter track (rewrite me))" in text
        assert "Mine - Software: 1 contacts (new, talk track: Software)" in text
        assert "1 list(s) have no talk track of their own and use the starter track" in text
        assert "callcoach tracks load FILE" in text
    finally:
        db.dispose()
