"""Engines: callcoach's connection settings for SQLite and PostgreSQL.

SQLite (the zero-setup default) gets WAL, foreign keys, a busy timeout and explicit
``BEGIN`` handling so callers can ask for ``BEGIN IMMEDIATE``; PostgreSQL (teams) is any
``postgresql+psycopg://`` URL, with dead pooled connections found cheaply at checkout and a
stall watchdog (:mod:`callcoach.storage.stall`).
"""

from __future__ import annotations

import select
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from callcoach.storage import stall
from callcoach.storage.errors import DatabaseError
from callcoach.storage.urls import (
    default_database_url,
    describe_connect_error,
    parse_database_url,
    safe_url,
)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
    # Take over transaction control from the sqlite3 module so BEGIN can be IMMEDIATE.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())


#: Milliseconds sent data may stay unacknowledged before a PostgreSQL connection counts as
#: lost (libpq ``tcp_user_timeout``; Linux).
PG_TCP_USER_TIMEOUT_MS = 3000


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` with callcoach's connection settings.

    Nothing is created here: a SQLite file's folder must exist (only the default data
    directory is made, on first use), and a URL that names no PostgreSQL database or holds
    an unencoded ``@`` is refused in one line, before any connection.
    """
    parsed = parse_database_url(url)
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql") or parsed.get_driver_name() not in (
        "pysqlite",
        "psycopg",
    ):
        raise DatabaseError(
            f"database URL {safe_url(url)}: unsupported engine {parsed.drivername!r}; "
            "use sqlite:///FILE or postgresql+psycopg://USER@HOST/DB"
        )
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            _sqlite_folder(url, Path(database).expanduser().parent)
        engine = sa.create_engine(parsed, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.host and "@" in parsed.host:
        raise DatabaseError(
            f"database URL {safe_url(url)}: the password holds an '@'; write it as %40"
        )
    if not parsed.database:
        raise DatabaseError(
            f"database URL {safe_url(url)}: no database name; "
            "use postgresql+psycopg://USER@HOST/DBNAME"
        )
    # No just-in-time compilation: callcoach's statements run in well under a second, and
    # a year-long report's estimated cost made PostgreSQL spend 0.2-1.8 s compiling it.
    # A server that silently stops answering (host gone, network cut) would otherwise hold
    # a query for as long as TCP retransmits (many minutes): data it never acknowledges
    # for PG_TCP_USER_TIMEOUT_MS fails the connection, which the journal then handles.
    engine = sa.create_engine(
        parsed,
        connect_args={
            "connect_timeout": 5,
            "options": "-c jit=off",
            "tcp_user_timeout": PG_TCP_USER_TIMEOUT_MS,
        },
    )
    _check_on_checkout(engine)
    stall.install(engine)
    return engine


def new_sqlite_file(url: str) -> Path | None:
    """The file a SQLite ``url`` names when it does not exist yet (opening it would create
    it), else None (it exists, in memory, or not SQLite)."""
    try:
        parsed = make_url(url)
    except Exception:  # make_engine reports it
        return None
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    path = Path(database).expanduser()
    return None if path.exists() else path


def _sqlite_folder(url: str, folder: Path) -> None:
    """Make sure the SQLite file's folder exists: the default data directory is created on
    first use; any other missing folder is a one-line error (a mistyped path must not grow a
    tree of folders)."""
    if folder.is_dir():
        return
    default_folder = Path(make_url(default_database_url()).database or "").parent
    if folder != default_folder:
        raise DatabaseError(f"database URL {safe_url(url)}: no such folder {folder}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(
            f"cannot create the folder {folder} for {safe_url(url)}: {exc.strerror}"
        ) from None


#: A pooled connection idle for longer than this is pinged (one round trip) before reuse.
PING_AFTER_IDLE_SECONDS = 2.0


def _check_on_checkout(engine: Engine) -> None:
    """Detect a dead pooled PostgreSQL connection before it is handed out, cheaply.

    ``pool_pre_ping`` costs a round trip on every checkout. Instead: a connection the server
    closed (backend terminated, server restarted) has something to read on its socket, so
    one ``poll`` without waiting finds it; only such a connection, or one idle for more
    than :data:`PING_AFTER_IDLE_SECONDS`, is pinged. A failed ping invalidates the pool
    and the checkout reconnects, as with ``pool_pre_ping``; a connection that dies in the
    instant between the check and its use fails that statement, which the outcome journal
    retries (see core.journal).
    """
    dialect = engine.dialect

    def stamp(_dbapi_conn, record, *_args) -> None:  # noqa: ANN001
        record.info["cc_used_at"] = time.monotonic()

    def check(dbapi_conn, record, _proxy) -> None:  # noqa: ANN001
        used_at = record.info.get("cc_used_at")
        if used_at is not None and time.monotonic() - used_at <= PING_AFTER_IDLE_SECONDS:
            if not _has_news(dbapi_conn):
                return
        try:
            dialect.do_ping(dbapi_conn)
        except Exception as exc:  # any failure: reconnect
            raise sa.exc.InvalidatePoolError(str(exc)) from None

    event.listen(engine, "connect", stamp)
    event.listen(engine, "checkin", stamp)
    event.listen(engine, "checkout", check)


def _has_news(dbapi_conn) -> bool:  # noqa: ANN001 - a psycopg connection
    """True when an idle connection's socket is readable or broken (closed by the server)."""
    try:
        fd = dbapi_conn.pgconn.socket
    except Exception:  # closed or unusable: let the ping decide
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def connect_or_fail(url: str, engine: Engine) -> None:
    """Connect once; a failure disposes the engine and becomes a one-line DatabaseError."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # reported as one line
        engine.dispose()
        raise DatabaseError(describe_connect_error(url, exc)) from None
