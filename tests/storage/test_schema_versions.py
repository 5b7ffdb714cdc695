"""Schema versions: empty databases are created at head, the embedded default upgrades
itself, an explicitly given older database is refused until ``callcoach db upgrade``, a
newer one is always refused, and upgrading keeps the data (both engines)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlmodel import select

from callcoach.cli import main
from callcoach.storage import schema as storage_schema
from callcoach.storage.db import Database, open_database
from callcoach.storage.engine import make_engine
from callcoach.storage.errors import DatabaseError
from callcoach.storage.models import CallAttempt, Contact, Rep
from callcoach.storage.schema import current_revision, head_revision, upgrade
from callcoach.storage.urls import default_database_url

FUTURE = "9999"
WHEN = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@pytest.fixture
def future_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Pretend this callcoach is a later release: its migrations end in one more (no-op)
    revision, so databases at today's head are *older* than it expects. Returns the head
    it had before."""
    old_head = head_revision()
    old_heads = tuple(ScriptDirectory(str(storage_schema.MIGRATIONS_DIR)).get_heads())
    copy = tmp_path / "migrations"
    shutil.copytree(storage_schema.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    down = repr(old_heads[0] if len(old_heads) == 1 else old_heads)
    (copy / "versions" / f"{FUTURE}_future.py").write_text(
        f'"""a later release"""\nrevision = "{FUTURE}"\ndown_revision = {down}\n'
        "branch_labels = None\ndepends_on = None\n\n\n"
        "def upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n"
    )
    monkeypatch.setattr(storage_schema, "MIGRATIONS_DIR", copy)
    monkeypatch.setattr(storage_schema, "SCHEMA_HEAD", (FUTURE,))
    assert head_revision() == FUTURE
    return old_head


def _first_revision() -> str:
    return ScriptDirectory(str(storage_schema.MIGRATIONS_DIR)).get_base()


def _ts(engine: sa.Engine) -> datetime | str:
    # What the first migration's UTCDateTime column holds: naive UTC text on SQLite.
    return "2026-11-23 14:00:00.000000" if engine.dialect.name == "sqlite" else WHEN


def _insert_first_revision_rows(engine: sa.Engine) -> None:
    """Rows written with plain SQL against the FIRST migration's tables and columns."""
    t = _ts(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO rep (id, name, role, active, created_at) "
                "VALUES (1, 'Ana', 'sdr', true, :t), (2, 'Max', 'manager', true, :t)"
            ),
            {"t": t},
        )
        conn.execute(
            sa.text(
                "INSERT INTO call_list (id, name, cluster_dimension, archived, created_at) "
                "VALUES (1, 'Dentists NY', 'vertical', false, :t)"
            ),
            {"t": t},
        )
        conn.execute(
            sa.text(
                "INSERT INTO contact (id, list_id, first_name, last_name, title, role_family, "
                "company, vertical, region, country, size_band, phone, extension, email, "
                "timezone, status, attempts, do_not_call, external_id, created_at) VALUES "
                "(1, 1, 'Dana', 'Reyes', 'Owner', '', 'Smile Co', 'dental', 'NY', 'US', '', "
                "'+12125550100', '', '', 'America/New_York', 'retry', 1, false, '', :t)"
            ),
            {"t": t},
        )
        conn.execute(
            sa.text(
                "INSERT INTO call_attempt (id, client_uuid, rep_id, contact_id, list_id, "
                "attempt_number, dialed_at, logged_at, outcome, connected, conversation, notes) "
                "VALUES (1, 'u-1', 1, 1, 1, 1, :t, :t, 'no_answer', false, false, 'rang out')"
            ),
            {"t": t},
        )
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("rep", "call_list", "contact", "call_attempt"):
                conn.execute(
                    sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)")
                )


def _assert_first_rows_intact(db: Database) -> None:
    with db.session() as s:
        assert [r.name for r in s.exec(select(Rep).order_by(Rep.id))] == ["Ana", "Max"]
        contact = s.exec(select(Contact)).one()
        assert (contact.full_name, contact.status, contact.attempts) == ("Dana Reyes", "retry", 1)
        assert contact.created_at == WHEN
        attempt = s.exec(select(CallAttempt)).one()
        assert (attempt.client_uuid, attempt.outcome) == ("u-1", "no_answer")
        assert attempt.notes == "rang out"
        assert attempt.logged_at == WHEN
        # The upgraded database still takes new rows.
        s.add(Rep(name="Bo"))
        s.commit()


def test_upgrade_from_first_migration_to_head_keeps_data(empty_database_url):
    """Upgrade to the first revision, write rows with raw SQL, upgrade to head, read them."""
    engine = make_engine(empty_database_url)
    try:
        upgrade(engine, _first_revision())
        assert current_revision(engine) == _first_revision()
        _insert_first_revision_rows(engine)
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    db = open_database(empty_database_url)
    try:
        _assert_first_rows_intact(db)
    finally:
        db.dispose()


def test_empty_database_is_created_at_head(empty_database_url):
    """An empty database given explicitly is created at this release's schema."""
    db = open_database(empty_database_url)
    try:
        assert current_revision(db.engine) == head_revision()
    finally:
        db.dispose()


def test_older_explicit_database_refused_until_db_upgrade(
    empty_database_url, future_release, capsys
):
    """A team database at an older schema is refused (both versions named, one line); the
    CLI's ``db status`` and ``db upgrade`` report and fix it, keeping the data."""
    url = empty_database_url
    engine = make_engine(url)
    upgrade(engine, _first_revision())
    _insert_first_revision_rows(engine)
    upgrade(engine, future_release)  # today's head: older than the "future" release
    engine.dispose()

    with pytest.raises(DatabaseError) as err:
        open_database(url)
    message = str(err.value)
    assert "\n" not in message
    assert f"schema version {future_release}, older than" in message
    assert f"expects ({FUTURE})" in message
    assert "callcoach db upgrade" in message

    # Refusing changed nothing; every CLI path gives the same one line.
    assert main(["--db", url, "reps"]) == 2
    assert capsys.readouterr().err.strip() == f"callcoach: error: {message}"
    assert main(["--db", url, "db", "status"]) == 1
    out = capsys.readouterr().out
    assert f"schema {future_release}, callcoach expects {FUTURE}" in out

    assert main(["--db", url, "db", "upgrade"]) == 0
    assert f"schema upgraded {future_release} -> {FUTURE}" in capsys.readouterr().out
    assert main(["--db", url, "db", "upgrade"]) == 0
    assert f"schema already at {FUTURE}, nothing to do" in capsys.readouterr().out
    assert main(["--db", url, "db", "status"]) == 0

    db = open_database(url)
    try:
        assert current_revision(db.engine) == FUTURE
        _assert_first_rows_intact(db)
    finally:
        db.dispose()


def _stamp(url: str, revision: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
    engine.dispose()


def test_newer_database_always_refused(empty_database_url, capsys):
    """A database written by a later callcoach is refused by open and by db upgrade."""
    url = empty_database_url
    open_database(url).dispose()
    _stamp(url, "0042")
    for attempt in (lambda: open_database(url), lambda: open_database(url, upgrade_older=True)):
        with pytest.raises(DatabaseError) as err:
            attempt()
        message = str(err.value)
        assert "\n" not in message
        assert "schema version 0042, newer than this callcoach expects" in message
        assert f"({head_revision()})" in message
    assert main(["--db", url, "db", "upgrade"]) == 2
    assert "schema version 0042, newer than" in capsys.readouterr().err
    engine = make_engine(url)
    assert current_revision(engine) == "0042"
    engine.dispose()


def test_embedded_default_is_created_and_upgraded_without_setup(tmp_path, monkeypatch):
    """No --db, no env: the SQLite file in the data dir is created, and upgraded by itself
    when a newer callcoach opens it; the same file named explicitly is refused."""
    monkeypatch.setenv("CALLCOACH_DATA_DIR", str(tmp_path / "data"))
    db = open_database()
    assert db.url == default_database_url()
    with db.session() as s:
        s.add(Rep(name="Solo"))
        s.commit()
    today = current_revision(db.engine)
    db.dispose()

    copy = tmp_path / "migrations"
    shutil.copytree(storage_schema.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "versions" / f"{FUTURE}_future.py").write_text(
        f'revision = "{FUTURE}"\ndown_revision = "{today}"\nbranch_labels = None\n'
        "depends_on = None\n\n\ndef upgrade() -> None:\n    pass\n"
    )
    monkeypatch.setattr(storage_schema, "MIGRATIONS_DIR", copy)
    monkeypatch.setattr(storage_schema, "SCHEMA_HEAD", (FUTURE,))
    explicit = f"sqlite:///{tmp_path / 'data' / 'copy.db'}"
    shutil.copyfile(tmp_path / "data" / "callcoach.db", tmp_path / "data" / "copy.db")
    with pytest.raises(DatabaseError, match=f"schema version {today}, older than"):
        open_database(explicit)

    db = open_database()
    try:
        assert current_revision(db.engine) == FUTURE
        with db.session() as s:
            assert s.exec(select(Rep.name)).all() == ["Solo"]
    finally:
        db.dispose()


def test_database_with_foreign_tables_refused(empty_database_url):
    """A database holding someone else's tables is not silently migrated over."""
    engine = make_engine(empty_database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(DatabaseError, match="has tables but no callcoach schema version"):
        open_database(empty_database_url)


def test_db_backup_copies_sqlite_consistently(sqlite_db, tmp_path, capsys):
    """``callcoach db backup FILE`` writes a usable copy; an existing file is not overwritten;
    PostgreSQL gets the pg_dump hint."""
    with sqlite_db.session() as s:
        s.add(Rep(name="Ana"))
        s.commit()
    target = tmp_path / "backup.db"
    assert main(["--db", sqlite_db.url, "db", "backup", str(target)]) == 0
    assert f"backed up to {target}" in capsys.readouterr().out
    copy = open_database(f"sqlite:///{target}")
    try:
        with copy.session() as s:
            assert s.exec(select(Rep.name)).all() == ["Ana"]
    finally:
        copy.dispose()
    assert main(["--db", sqlite_db.url, "db", "backup", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["--db", "postgresql+psycopg://u:pw@h/team", "db", "backup", "x.db"]) == 2
    err = capsys.readouterr().err
    assert "pg_dump" in err and "pw" not in err.replace("pg_dump", "")
