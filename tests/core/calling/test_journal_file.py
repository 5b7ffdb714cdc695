"""The outcome journal on disk: fsync'd JSON lines, one file per database, torn writes and
unreadable lines handled without losing anything."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from callcoach.core.calling.journal import replay_journal
from callcoach.core.calling.journal_file import JournalEntry, OutcomeJournal, journal_path

WHEN = datetime(2026, 11, 23, 14, 5, 7, 123456, tzinfo=UTC)


def _entry(journal: OutcomeJournal, n: int = 1, **kw) -> JournalEntry:
    fields = dict(
        client_uuid=f"00000000-0000-0000-0000-{n:012d}",
        database=journal.database,
        block_id=3,
        contact_id=40 + n,
        outcome="callback",
        logged_at=WHEN,
        note="asked for Tuesday",
        callback_at=WHEN + timedelta(days=1),
        meeting=None,
    )
    fields.update(kw)
    return JournalEntry(**fields)


def test_append_is_durable_json_lines_and_round_trips(tmp_path):
    """Each outcome is one JSON line; reading gives back the same aware instants."""
    journal = OutcomeJournal.for_database("sqlite:///x.db", tmp_path)
    assert not journal.has_pending()
    paris = timezone(timedelta(hours=1))
    first = _entry(journal, 1, logged_at=WHEN.astimezone(paris))
    second = _entry(
        journal, 2, outcome="meeting", callback_at=None,
        meeting={"starts_at": "2026-11-30T15:00:00+00:00", "kind": "web",
                 "email": "d@x.com", "parked_questions": ["price?"], "duration_minutes": 30},
    )
    journal.append(first)
    journal.append(second)
    assert journal.has_pending()
    lines = journal.path.read_text().splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0])["client_uuid"].endswith("1")
    got = journal.pending()
    assert [e.client_uuid for e in got] == [first.client_uuid, second.client_uuid]
    assert got[0].logged_at == WHEN and got[0].logged_at.tzinfo is not None
    assert got[0].callback_at == WHEN + timedelta(days=1)
    assert got[1].meeting["parked_questions"] == ["price?"]


def test_one_journal_per_database_without_password(tmp_path):
    """The file is keyed by the URL minus password: same team database, same journal."""
    a = journal_path("postgresql+psycopg://ana:secret1@db.example/team", tmp_path)
    b = journal_path("postgresql+psycopg://ana:other@db.example/team", tmp_path)
    c = journal_path("postgresql+psycopg://ana:secret1@db.example/other", tmp_path)
    assert a == b != c
    url = "postgresql+psycopg://ana:secret1@db.example/team"
    journal = OutcomeJournal.for_database(url, tmp_path)
    journal.append(_entry(journal))
    assert "secret1" not in journal.path.read_text()
    assert "secret1" not in str(journal.path)


def test_torn_last_line_is_ignored_and_bad_lines_are_set_aside(sqlite_db, settings, tmp_path):
    """A crash mid-append leaves a torn last line (never confirmed to the rep): skipped.
    A damaged line in the middle and an entry for another database go to .rejected."""
    journal = OutcomeJournal.for_database(sqlite_db.url, tmp_path)
    foreign = _entry(journal, 7, database="postgresql+psycopg://u@elsewhere/db")
    journal.path.parent.mkdir(parents=True)
    with open(journal.path, "w") as fh:
        fh.write("{not json\n")
        fh.write(foreign.to_json() + "\n")
        fh.write('{"v":1,"client_uuid":"torn')
    assert journal.pending() == [foreign]
    report = replay_journal(sqlite_db, settings, journal)
    assert (report.written, report.already, report.pending) == (0, 0, 0)
    assert len(report.rejected) == 2
    assert "unreadable journal line" in report.rejected[0]
    assert ":1:" in report.rejected[0]
    assert "belongs to postgresql+psycopg://u@elsewhere/db, not sqlite:" in report.rejected[1]
    assert not journal.has_pending()
    rejected = [json.loads(x) for x in journal.rejected_path.read_text().splitlines()]
    assert rejected[0]["entry"] == "{not json"
    assert JournalEntry.from_json(rejected[1]["entry"]) == foreign


def test_connection_errors_are_told_apart_from_bugs():
    """Dropped/refused connections and a locked SQLite file are worth journaling; a schema
    mistake or a constraint violation is not."""
    import sqlite3

    import sqlalchemy as sa

    from callcoach.storage.errors import is_connection_error

    def op(orig: Exception) -> sa.exc.OperationalError:
        return sa.exc.OperationalError("SELECT 1", {}, orig)

    assert is_connection_error(op(Exception("server closed the connection unexpectedly")))
    assert is_connection_error(op(sqlite3.OperationalError("database is locked")))
    assert not is_connection_error(op(sqlite3.OperationalError("no such table: contact")))
    assert not is_connection_error(
        sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key value"))
    )
    assert not is_connection_error(ValueError("bad"))


def test_damaged_line_is_set_aside_once_while_others_wait(
    sqlite_db, settings, tmp_path, monkeypatch
):
    """With the server away, good entries stay pending and a damaged line is moved to
    .rejected at the first replay only."""
    import sqlalchemy as sa

    from callcoach.core.calling import outcomes

    def log_outcome(*args, **kwargs):
        raise sa.exc.OperationalError("UPDATE", {}, Exception("connection refused"))

    monkeypatch.setattr(outcomes, "log_outcome", log_outcome)
    journal = OutcomeJournal.for_database(sqlite_db.url, tmp_path)
    journal.path.parent.mkdir(parents=True)
    journal.path.write_text("garbage\n" + _entry(journal).to_json() + "\n")
    first = replay_journal(sqlite_db, settings, journal)
    second = replay_journal(sqlite_db, settings, journal)
    assert (len(first.rejected), first.pending) == (1, 1)
    assert (len(second.rejected), second.pending) == (0, 1)
    assert "connection refused" in second.error
    assert len(journal.rejected_path.read_text().splitlines()) == 1
    assert [e.client_uuid for e in journal.pending()] == [_entry(journal).client_uuid]
