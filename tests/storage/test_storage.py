"""Storage: migrations match the models on both engines; aware datetimes round-trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import select

from callcoach.storage.db import open_database
from callcoach.storage.errors import DatabaseError
from callcoach.storage.models import ALL_TABLES, CallList, Contact, Rep
from callcoach.storage.schema import current_revision, head_revision
from callcoach.storage.urls import resolve_database_url, safe_url


def test_migrated_schema_matches_models(db):
    """Upgrading an empty database to head gives exactly the tables the models declare."""
    assert current_revision(db.engine) == head_revision()
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), ALL_TABLES
        )
    assert diff == []


def test_datetimes_round_trip_aware_utc(db):
    """An aware instant in any zone comes back as the same instant in UTC."""
    paris = timezone(timedelta(hours=1))
    with db.session() as s:
        rep = Rep(name="Ana", created_at=datetime(2026, 1, 5, 10, 0, tzinfo=paris))
        s.add(rep)
        s.commit()
    with db.session() as s:
        got = s.exec(select(Rep)).one()
    assert got.created_at == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert got.created_at.tzinfo is not None


def test_naive_datetime_is_refused(db):
    """A naive datetime never reaches the database."""
    with db.session() as s:
        s.add(Rep(name="Bo", created_at=datetime(2026, 1, 5, 10, 0)))
        with pytest.raises(sa.exc.StatementError, match="naive datetime"):
            s.commit()


def test_foreign_keys_enforced(db):
    """A contact cannot point at a list that does not exist (SQLite pragma is on)."""
    with db.session() as s:
        s.add(Contact(list_id=999, phone="+12125550100"))
        with pytest.raises(sa.exc.IntegrityError):
            s.commit()


def test_sqlite_pragmas(sqlite_db):
    """The embedded default runs with WAL, foreign keys and a busy timeout."""
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_default_url_is_sqlite_in_data_dir(tmp_path, monkeypatch):
    """With no flag and no env, the database is a SQLite file in the user data directory."""
    monkeypatch.setenv("CALLCOACH_DATA_DIR", str(tmp_path / "d"))
    url = resolve_database_url(None)
    assert url == f"sqlite:///{tmp_path / 'd' / 'callcoach.db'}"
    db = open_database()
    try:
        assert (tmp_path / "d" / "callcoach.db").exists()
        with db.session() as s:
            assert s.exec(select(CallList)).all() == []
    finally:
        db.dispose()


def test_env_url_and_flag_precedence(monkeypatch):
    """--db beats CALLCOACH_DATABASE_URL; postgresql:// gets the psycopg driver."""
    monkeypatch.setenv("CALLCOACH_DATABASE_URL", "postgresql://u:secret@h/db")
    assert resolve_database_url(None) == "postgresql+psycopg://u:secret@h/db"
    assert resolve_database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert "secret" not in safe_url(resolve_database_url(None))


def test_unreachable_server_is_one_line_without_password():
    """A dead server yields a one-line error naming host and cause, not the password."""
    with pytest.raises(DatabaseError) as err:
        open_database("postgresql+psycopg://bob:hunter2@127.0.0.1:1/nope")
    message = str(err.value)
    assert "\n" not in message
    assert "127.0.0.1:1" in message
    assert "hunter2" not in message


def test_fast_schema_check_constant_is_the_migrations_head():
    """SCHEMA_HEAD (start-up's one-SELECT check) names exactly Alembic's head revision(s)."""
    from callcoach.storage.schema import SCHEMA_HEAD, expected_revisions

    assert SCHEMA_HEAD == expected_revisions()


def test_opening_a_current_database_does_not_import_alembic(sqlite_db):
    """Re-opening an up-to-date database checks the version without loading Alembic."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom callcoach.storage.db import open_database\n"
        f"db = open_database({sqlite_db.url!r})\n"
        "print('alembic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("nosuchdriver://x", "unsupported engine 'nosuchdriver'"),
        ("mysql://bob:hunter2@127.0.0.1/db", "unsupported engine 'mysql'"),
        ("postgresql+asyncpg://u@h/db", "unsupported engine 'postgresql+asyncpg'"),
        ("sqlite:////proc/no/such/x.db", "no such folder /proc/no/such"),
        ("sqlite:////no/such/dir/x.db", "no such folder /no/such/dir"),
        ("postgresql+psycopg://bob:hunter2@127.0.0.1:5432", "no database name"),
        ("postgresql://bob:hunter2@127.0.0.1:5432/", "no database name"),
        ("postgresql+psycopg://bob:hunter2@127.0.0.1:abc/x", "invalid database URL"),
        ("postgresql+psycopg://bob:hun@ter2@127.0.0.1:5432/x", "write it as %40"),
    ],
)
def test_unusable_database_urls_are_one_line(url, expected, capsys):
    """An engine callcoach does not ship, a missing folder, no database name: one line, no
    password, nothing created."""
    from callcoach.cli import main

    assert main(["--db", url, "lists"]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert err.count("\n") == 1
    assert "hunter2" not in err and "ter2" not in err
    assert not Path("/no").exists()


def test_postgresql_connections_give_up_on_a_silent_server(pg_database_url):
    """A server that stops acknowledging (host gone, network cut) fails the connection after
    PG_TCP_USER_TIMEOUT_MS, instead of holding a query while TCP retransmits for minutes."""
    from callcoach.storage.engine import PG_TCP_USER_TIMEOUT_MS

    db = open_database(pg_database_url)
    try:
        raw = db.engine.raw_connection()
        try:
            options = {i.keyword: i.val for i in raw.driver_connection.pgconn.info}
        finally:
            raw.close()
    finally:
        db.dispose()
    assert options[b"tcp_user_timeout"] == str(PG_TCP_USER_TIMEOUT_MS).encode()
    assert options[b"connect_timeout"] == b"5"


class _StallingProxy:
    """A TCP proxy to PostgreSQL that can stall: it stops passing bytes on while its
    sockets stay open (the kernel still acknowledges), as a hung server or proxy does."""

    def __init__(self, host: str, port: int) -> None:
        import socket
        import threading

        self.upstream = (host, port)
        self.stalled = threading.Event()
        self.closed = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket
        import threading

        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src, dst) -> None:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                return
            if not data:
                return
            while self.stalled.is_set() and not self.closed.is_set():
                self.closed.wait(0.05)
            try:
                dst.sendall(data)
            except OSError:
                return

    def close(self) -> None:
        self.closed.set()
        for s in [self.listener, *self.sockets]:
            s.close()


@pytest.mark.pg
def test_a_stalled_server_fails_a_watched_thread_instead_of_holding_it(
    pg_database_url, monkeypatch
):
    """A server that acknowledges but never answers (hung, or a stalled proxy before it):
    in a watched thread (the block screen's saves) the statement fails as a lost
    connection after PG_STALL_SECONDS; other threads (reports) are never cut."""
    import threading
    import time

    from sqlalchemy.engine import make_url

    from callcoach.storage import stall

    monkeypatch.setattr(stall, "PG_STALL_SECONDS", 0.5)
    target = make_url(pg_database_url)
    proxy = _StallingProxy(target.host, target.port or 5432)
    db = open_database(target.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
    try:
        with db.watched(), db.session() as s:  # a slow statement, under the limit: kept
            assert s.execute(sa.text("SELECT 1 FROM pg_sleep(0.2)")).scalar() == 1
        with db.session() as s:  # not watched: a statement may take as long as it takes
            assert s.execute(sa.text("SELECT 2 FROM pg_sleep(0.8)")).scalar() == 2
        proxy.stalled.set()
        failed: list[BaseException] = []

        def stalled_statement() -> None:  # a thread of its own: a regression fails, not hangs
            with db.watched():
                try:
                    with db.session() as s:
                        s.execute(sa.text("SELECT 3"))
                except sa.exc.OperationalError as exc:
                    failed.append(exc)

        started = time.monotonic()
        thread = threading.Thread(target=stalled_statement, daemon=True)
        thread.start()
        thread.join(5)
        assert not thread.is_alive(), "a stalled server held the watched thread"
        assert time.monotonic() - started < 3
        assert failed and failed[0].connection_invalidated
        proxy.stalled.clear()
        with db.watched(), db.session() as s:  # back: a new connection works
            assert s.execute(sa.text("SELECT 4")).scalar() == 4
        assert threading.active_count() < 50
    finally:
        proxy.close()
        db.dispose()
