"""The one place that opens databases.

SQLite (the zero-setup default) gets WAL, foreign keys, a busy timeout and explicit
``BEGIN`` handling so callers can ask for ``BEGIN IMMEDIATE``; PostgreSQL (teams) is any
``postgresql+psycopg://`` URL. The schema is created and upgraded only by Alembic.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.orm import sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session

from callcoach import paths
from callcoach.errors import CallcoachError

ENV_URL = "CALLCOACH_DATABASE_URL"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseError(CallcoachError):
    """A database could not be opened or used; the message is one line for the user."""


def default_database_url() -> str:
    """SQLite file in the user data directory."""
    return f"sqlite:///{paths.data_dir() / 'callcoach.db'}"


def resolve_database_url(cli_value: str | None = None) -> str:
    """``--db`` wins, then ``CALLCOACH_DATABASE_URL``, then the embedded default."""
    url = cli_value or os.environ.get(ENV_URL) or default_database_url()
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        # The only PostgreSQL driver we ship is psycopg 3.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def safe_url(url: str | sa.URL) -> str:
    """The URL with any password masked, fit to print."""
    try:
        return make_url(str(url)).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as a placeholder
        return "<unparsable database URL>"


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
    """Create an engine for ``url`` with callcoach's connection settings."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # noqa: BLE001
        raise DatabaseError(f"invalid database URL {url!r}: {exc}") from None
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
            folder = Path(database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(
                    f"cannot create the folder {folder} for {safe_url(url)}: {exc.strerror}"
                ) from None
        engine = sa.create_engine(parsed, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
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
    guard = _StallGuard(PG_STALL_SECONDS)
    event.listen(engine, "checkout", guard.checkout)
    event.listen(engine, "checkin", guard.checkin)
    _STALL_GUARDS[engine] = guard
    return engine


#: Seconds a watched thread (see :meth:`Database.watched`) may hold one PostgreSQL
#: connection before it counts as lost. ``tcp_user_timeout`` catches a server that stops
#: acknowledging; this catches one that acknowledges and never answers: a hung server or a
#: proxy in front of it (pgbouncer, an SSH tunnel) that stalls. The block screen's writes
#: take milliseconds; a connection cut here fails its statement like a dropped one, which
#: the outcome journal handles (an outcome is idempotent by its client_uuid).
PG_STALL_SECONDS = 5.0


class _StallGuard:
    """Cuts the socket of a PostgreSQL connection that a watched thread has held for more
    than ``seconds``: the statement waiting on it fails at once as a lost connection."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._watched: set[int] = set()
        self._held: dict[int, tuple[float, Any]] = {}  # id(dbapi conn) -> (deadline, conn)
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, on: bool) -> None:
        """Watch (or stop watching) the calling thread's connections."""
        ident = threading.get_ident()
        with self._changed:
            if on:
                self._watched.add(ident)
            else:
                self._watched.discard(ident)

    def checkout(self, dbapi_conn: Any, _record: Any, _proxy: Any) -> None:  # noqa: ANN401
        if threading.get_ident() not in self._watched:
            return
        with self._changed:
            self._held[id(dbapi_conn)] = (time.monotonic() + self.seconds, dbapi_conn)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="callcoach-stall-guard", daemon=True
                )
                self._thread.start()
            self._changed.notify()

    def checkin(self, dbapi_conn: Any, _record: Any) -> None:  # noqa: ANN401
        if self._held:
            with self._changed:
                self._held.pop(id(dbapi_conn), None)

    def _run(self) -> None:
        with self._changed:
            while True:
                now = time.monotonic()
                for key, (deadline, conn) in list(self._held.items()):
                    if deadline <= now:
                        del self._held[key]
                        _cut(conn)
                soonest = min((d for d, _ in self._held.values()), default=None)
                self._changed.wait(None if soonest is None else max(soonest - now, 0.01))


def _cut(dbapi_conn: Any) -> None:  # noqa: ANN401 - a psycopg connection
    """Shut a connection's socket down: whatever waits on it gets an error at once."""
    try:
        fd = os.dup(dbapi_conn.pgconn.socket)
    except Exception:  # noqa: BLE001 - closed meanwhile: nothing to cut
        return
    sock = socket.socket(fileno=fd)
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()


_STALL_GUARDS: weakref.WeakKeyDictionary[Engine, _StallGuard] = weakref.WeakKeyDictionary()


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
        except Exception as exc:  # noqa: BLE001 - any failure: reconnect
            raise sa.exc.InvalidatePoolError(str(exc)) from None

    event.listen(engine, "connect", stamp)
    event.listen(engine, "checkin", stamp)
    event.listen(engine, "checkout", check)


def _has_news(dbapi_conn) -> bool:  # noqa: ANN001 - a psycopg connection
    """True when an idle connection's socket is readable or broken (closed by the server)."""
    try:
        fd = dbapi_conn.pgconn.socket
    except Exception:  # noqa: BLE001 - closed or unusable: let the ping decide
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def describe_connect_error(url: str, exc: BaseException) -> str:
    """One line naming the host and the cause of a connection failure, never the password."""
    parsed = make_url(url)
    where = parsed.host or parsed.database or "database"
    if parsed.port:
        where = f"{where}:{parsed.port}"
    cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = cause[0] if cause else type(exc).__name__
    if parsed.password:
        first = first.replace(parsed.password, "***")
    return f"cannot connect to {parsed.get_backend_name()} at {where}: {first}"


def alembic_config(engine: Engine, connection: sa.Connection | None = None):  # noqa: ANN201
    """An Alembic config bound to ``engine`` (or one open connection) using the packaged
    migrations."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


#: The newest migration. Start-up compares the database's ``alembic_version`` with this by
#: one SELECT instead of importing Alembic (about a tenth of a second); a test keeps it equal
#: to the migrations' head, and any other answer falls through to the full Alembic check.
SCHEMA_HEAD: tuple[str, ...] = ("0008",)


def _is_at_head_fast(engine: Engine) -> bool:
    """True when the database's schema version is :data:`SCHEMA_HEAD` (no Alembic import)."""
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    except sa.exc.DBAPIError:
        return False  # no version table yet (an empty database): the full check decides
    return tuple(sorted(rows)) == SCHEMA_HEAD


def _script():  # noqa: ANN202 - alembic.script.ScriptDirectory
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR))


def expected_revisions() -> tuple[str, ...]:
    """The schema version(s) this release expects: the head(s) of its migrations."""
    return tuple(sorted(_script().get_heads()))


def head_revision() -> str:
    """The newest migration this release knows (heads joined by '+' if ever more than one)."""
    return "+".join(expected_revisions())


def _current_heads(conn: sa.Connection) -> tuple[str, ...]:
    from alembic.runtime.migration import MigrationContext

    return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    with engine.connect() as conn:
        heads = _current_heads(conn)
    return "+".join(heads) if heads else None


def _version_text(heads: tuple[str, ...] | None) -> str:
    return "+".join(heads) if heads else "none"


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[sa.Connection]:
    """A connection holding the schema lock: on PostgreSQL an advisory lock, so twenty reps
    starting at once against an empty team database create it once; on SQLite the write
    lock of the one transaction Alembic runs in."""
    with engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            yield conn
            return
        conn.exec_driver_sql("SELECT pg_advisory_lock(72736118)")
        conn.commit()
        try:
            yield conn
        finally:
            try:
                conn.rollback()
                conn.exec_driver_sql("SELECT pg_advisory_unlock(72736118)")
                conn.commit()
            except sa.exc.DBAPIError:
                pass  # the connection died: the server released the lock with it


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Run Alembic migrations up to ``revision`` (all heads by default)."""
    from alembic import command

    with _migration_lock(engine) as conn:
        command.upgrade(alembic_config(engine, conn), revision)


@dataclass(frozen=True)
class SchemaCheck:
    """Where a database's schema stands against this release."""

    current: tuple[str, ...]  # empty for a database callcoach never touched
    expected: tuple[str, ...]
    state: str  # "empty" | "current" | "older" | "newer" | "foreign"

    @property
    def current_text(self) -> str:
        """The database's version for messages ("none" when empty)."""
        return _version_text(self.current)

    @property
    def expected_text(self) -> str:
        """This release's version for messages."""
        return _version_text(self.expected)


def check_schema(engine: Engine) -> SchemaCheck:
    """Compare the database's schema version with the one this release expects."""
    script = _script()
    expected = tuple(sorted(script.get_heads()))
    with engine.connect() as conn:
        current = _current_heads(conn)
        has_tables = bool(current) or bool(sa.inspect(conn).get_table_names())
    if not current:
        return SchemaCheck(current, expected, "foreign" if has_tables else "empty")
    if current == expected:
        return SchemaCheck(current, expected, "current")
    known = {rev.revision for rev in script.walk_revisions()}
    if any(rev not in known for rev in current):
        return SchemaCheck(current, expected, "newer")
    return SchemaCheck(current, expected, "older")


def schema_refusal(url: str, check: SchemaCheck) -> str | None:
    """The one-line refusal for a schema this release must not run on, else None."""
    where = safe_url(url)
    if check.state == "newer":
        return (
            f"database {where} has schema version {check.current_text}, newer than this "
            f"callcoach expects ({check.expected_text}); install the newer callcoach"
        )
    if check.state == "older":
        return (
            f"database {where} has schema version {check.current_text}, older than this "
            f"callcoach expects ({check.expected_text}); back it up, then run: "
            f"callcoach db upgrade"
        )
    if check.state == "foreign":
        return (
            f"database {where} has tables but no callcoach schema version; "
            f"point callcoach at an empty database or a callcoach one"
        )
    return None


def _connect_or_fail(url: str, engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - reported as one line
        engine.dispose()
        raise DatabaseError(describe_connect_error(url, exc)) from None


class RawStatement:
    """A SQLAlchemy statement compiled once for PostgreSQL and run straight on the psycopg
    connection of a pooled :class:`sa.Connection` - the hot path's way to the server.

    Per execution SQLAlchemy would rebuild the statement's cache key, expand its IN lists,
    process parameters and result metadata (for the outcome statement: ~0.3 ms of CPU); and
    psycopg re-parses a query longer than 4 kB at every call. Here the SQL is rendered once
    with ``$n`` placeholders and run through a psycopg ``RawCursor`` (no parsing, prepared
    on the server at its first run on a connection); only the columns' bind and result
    processors are applied (e.g. :class:`UTCDateTime`). Errors are raised as SQLAlchemy's
    (``OperationalError``, ``IntegrityError``...) and a dropped connection is invalidated,
    as ``Connection.execute`` does, so callers (the outcome journal) see no difference.

    The statement (or a function building it on first use, keeping it off the import
    path) must return rows (a SELECT, or RETURNING). Every ``bindparam`` without a
    value must be given at each run; IN lists and other valued parameters are fixed at
    compile time.
    """

    def __init__(self, statement: sa.Select[Any] | Callable[[], sa.Select[Any]]) -> None:
        self._statement = statement  # or a function building it, called on first use
        self._compiled: tuple | None = None

    @property
    def statement(self) -> sa.Select[Any]:
        """The SQLAlchemy statement (built now if it was given as a function)."""
        if callable(self._statement):
            self._statement = self._statement()
        return self._statement

    def compile(self, dialect: sa.Dialect) -> None:
        """Render the SQL now (else at the first run); ``dialect``: a PostgreSQL one."""
        if self._compiled is None:
            self._compile(dialect)

    def _compile(self, dialect: sa.Dialect) -> tuple:
        assert isinstance(dialect, DefaultDialect)
        positional = type(dialect)(paramstyle="numeric_dollar")
        compiled = self.statement.compile(dialect=positional)
        assert isinstance(compiled, SQLCompiler)
        binds = compiled.binds
        variable = {name for name, bind in binds.items() if bind.required}
        state = compiled.construct_expanded_state(dict.fromkeys(variable))
        order: list[tuple[str | None, Any, Callable[[Any], Any] | None]] = []
        assert state.positiontup is not None  # a positional paramstyle
        for name in state.positiontup:
            bind = binds.get(name)
            process = None
            if bind is not None:
                process = positional.type_descriptor(bind.type).bind_processor(positional)
            if name in variable:
                order.append((name, None, process))
            else:
                value = state.parameters[name]
                order.append((None, process(value) if process else value, None))
        self._compiled = (state.statement.encode(), order, None)
        self._dialect = positional
        return self._compiled

    def _result_processors(self, description: Any) -> list:  # noqa: ANN401 - psycopg's
        """(index, processor) of the result columns that have one, from the first run's
        column type codes (what SQLAlchemy asks the dialect for)."""
        columns = list(getattr(self.statement, "selected_columns", ()))
        processed = []
        for i, (column, described) in enumerate(zip(columns, description, strict=False)):
            kind = self._dialect.type_descriptor(column.type)
            process = kind.result_processor(self._dialect, described.type_code)
            if process is not None:
                processed.append((i, process))
        assert self._compiled is not None  # compiled before its first run
        sql, order, _ = self._compiled
        self._compiled = (sql, order, processed)
        return processed

    def rows(self, conn: sa.Connection, params: Mapping[str, Any]) -> list[tuple]:
        """Run on ``conn`` (PostgreSQL) with ``params``; every result row, processed."""
        from psycopg import RawCursor

        sql, order, processed = self._compiled or self._compile(conn.dialect)
        values = []
        for name, value, process in order:
            if name is not None:
                value = params[name]
                if process is not None:
                    value = process(value)
            values.append(value)
        raw = conn.connection.driver_connection
        assert raw is not None  # a live pooled connection
        try:
            with RawCursor(raw) as cursor:
                # Prepared at the first run on this connection: the server parses and
                # plans a statement of this size in about a millisecond, every time.
                cursor.execute(sql, values, prepare=True)
                rows = cursor.fetchall()
                if processed is None:  # first run: psycopg builds the description anew
                    processed = self._result_processors(cursor.description)
        except conn.dialect.loaded_dbapi.Error as exc:
            gone = conn.dialect.is_disconnect(exc, raw, None)
            if gone:
                conn.invalidate(exc)
            raise sa.exc.DBAPIError.instance(
                sql.decode(), values, exc, conn.dialect.loaded_dbapi.Error,
                connection_invalidated=gone, dialect=conn.dialect,
            ) from exc
        if processed and rows:
            out = []
            for row in rows:
                row = list(row)
                for i, process in processed:
                    row[i] = process(row[i])
                out.append(tuple(row))
            rows = out
        return rows

    def first(self, conn: sa.Connection, params: Mapping[str, Any]) -> tuple | None:
        """The first result row, or None."""
        rows = self.rows(conn, params)
        return rows[0] if rows else None


@dataclass
class Database:
    """An opened database: its engine and a session factory."""

    url: str
    engine: Engine

    def __post_init__(self) -> None:
        self._factory = sessionmaker(self.engine, class_=Session, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite engine."""
        return self.engine.dialect.name == "sqlite"

    @property
    def writes_in_one_statement(self) -> bool:
        """True when a call's writes can run as one atomic statement on a connection without
        BEGIN and COMMIT round trips (PostgreSQL: data-modifying CTEs, :meth:`autocommit`)."""
        return not self.is_sqlite

    def session(self) -> Session:
        """A new session; objects stay usable after commit."""
        return self._factory()

    def begin_write(self, session: Session) -> None:
        """Begin ``session``'s next transaction as a write transaction.

        On SQLite that is ``BEGIN IMMEDIATE``: the write lock is taken up front (waiting up
        to the busy timeout), so a transaction that reads and then writes never fails with
        "database is locked" because another process wrote in between. Elsewhere the
        transaction begins as usual. Call it before the session's first statement (again
        after each commit).
        """
        if self.is_sqlite:
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error.

        On SQLite it begins IMMEDIATE (takes the write lock up front, waiting up to the
        busy timeout): a deferred transaction that reads and then writes fails at once with
        "database is locked" when another process wrote in between, so with several reps
        on one file every read-then-write must start this way.
        """
        with self.session() as session:
            self.begin_write(session)
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def autocommit(self) -> Iterator[sa.Connection]:
        """A pooled PostgreSQL connection where each statement commits on its own (no BEGIN
        and COMMIT round trips): for hot paths written as single atomic statements.

        The switch is made on the psycopg connection (an attribute, no round trip) rather
        than with SQLAlchemy's ``isolation_level`` option, which costs as much again as the
        checkout itself; it is switched back before the connection returns to the pool.
        """
        if self.is_sqlite:
            raise DatabaseError("autocommit connections are for PostgreSQL")
        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None  # a live pooled connection
            raw.autocommit = True
            try:
                yield conn
            finally:
                try:
                    raw.autocommit = False
                except Exception:  # noqa: BLE001 - a broken connection: never reuse it
                    conn.invalidate()

    @contextmanager
    def watched(self) -> Iterator[None]:
        """For the calling thread's database work inside: on PostgreSQL a connection held
        longer than :data:`PG_STALL_SECONDS` is cut, so a stalled server fails the
        statement instead of holding the thread (see :class:`_StallGuard`)."""
        guard = _STALL_GUARDS.get(self.engine)
        if guard is None:  # SQLite: a local file, its busy timeout bounds every wait
            yield
            return
        guard.watch(True)
        try:
            yield
        finally:
            guard.watch(False)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_database(
    url: str | None = None, *, migrate: bool = True, upgrade_older: bool | None = None
) -> Database:
    """Open the database at ``url``, creating an empty one at the current schema.

    A schema older than this release is upgraded only for the embedded default SQLite file
    (``upgrade_older=None``: one rep, zero setup); a database given explicitly (a team's
    PostgreSQL) is refused until someone runs ``callcoach db upgrade``. A newer schema is
    always refused. Every refusal and connection failure is a one-line
    :class:`DatabaseError` naming both versions or the host and cause.
    """
    url = resolve_database_url(url)
    engine = make_engine(url)
    _connect_or_fail(url, engine)
    if migrate:
        if upgrade_older is None:
            upgrade_older = url == default_database_url()
        try:
            _bring_to_head(url, engine, upgrade_older)
        except DatabaseError:
            engine.dispose()
            raise
        except sa.exc.OperationalError as exc:
            engine.dispose()
            raise DatabaseError(describe_connect_error(url, exc)) from None
    return Database(url=url, engine=engine)


def _bring_to_head(url: str, engine: Engine, upgrade_older: bool) -> None:
    if _is_at_head_fast(engine):
        return
    check = check_schema(engine)
    if check.state == "current":
        return
    if check.state == "empty" or (check.state == "older" and upgrade_older):
        upgrade(engine)
        # Another process may have created or upgraded it meanwhile: check once more.
        check = check_schema(engine)
        if check.state == "current":
            return
    message = schema_refusal(url, check)
    if message:
        raise DatabaseError(message)


def inspect_schema(url: str | None = None) -> SchemaCheck:
    """Connect to ``url`` and compare its schema version with this release's, changing nothing."""
    url = resolve_database_url(url)
    engine = make_engine(url)
    _connect_or_fail(url, engine)
    try:
        return check_schema(engine)
    except sa.exc.OperationalError as exc:
        raise DatabaseError(describe_connect_error(url, exc)) from None
    finally:
        engine.dispose()


def upgrade_database(url: str | None = None) -> tuple[str, str]:
    """Upgrade the database at ``url`` to this release's schema; returns (from, to).

    An empty database is created; a newer or foreign one is refused (one line).
    """
    url = resolve_database_url(url)
    engine = make_engine(url)
    _connect_or_fail(url, engine)
    try:
        before = check_schema(engine)
        if before.state in ("newer", "foreign"):
            raise DatabaseError(schema_refusal(url, before))
        if before.state != "current":
            upgrade(engine)
        after = check_schema(engine)
        return before.current_text, after.current_text
    except sa.exc.OperationalError as exc:
        raise DatabaseError(describe_connect_error(url, exc)) from None
    finally:
        engine.dispose()


def backup_sqlite(url: str | None, target: Path) -> Path:
    """Copy a SQLite database to ``target`` with SQLite's online backup API (consistent
    even while reps are logging); PostgreSQL is refused with the pg_dump hint."""
    import sqlite3

    url = resolve_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise DatabaseError(
            f"callcoach db backup copies SQLite files; for {safe_url(url)} use: "
            f"pg_dump -Fc -f callcoach.dump DBNAME"
        )
    source = Path(parsed.database or "").expanduser()
    if not parsed.database or not source.is_file():
        raise DatabaseError(f"no SQLite database at {source}")
    target = Path(target).expanduser()
    if target.exists():
        raise DatabaseError(f"{target} already exists: choose a new file name")
    if not target.parent.is_dir():
        raise DatabaseError(f"{target.parent}: no such folder")
    tmp = target.with_name(target.name + ".part")
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=10)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
        os.replace(tmp, target)
    except (sqlite3.Error, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise DatabaseError(f"backup of {source} to {target} failed: {exc}") from None
    return target
