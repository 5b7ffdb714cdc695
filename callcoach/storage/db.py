"""The one place that opens databases: :func:`open_database` gives a :class:`Database`,
through which every session, transaction and engine-dependent choice goes.

URLs live in :mod:`~callcoach.storage.urls`, engine settings in
:mod:`~callcoach.storage.engine` (with the stall watchdog in :mod:`~callcoach.storage.stall`),
schema versions and Alembic in :mod:`~callcoach.storage.schema`, the compiled hot-path
statements in :mod:`~callcoach.storage.raw` and SQLite backups in
:mod:`~callcoach.storage.backup`: import each name from the module that defines it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from callcoach.storage import stall
from callcoach.storage.engine import connect_or_fail, make_engine, new_sqlite_file
from callcoach.storage.errors import DatabaseError
from callcoach.storage.schema import Progress, bring_to_head
from callcoach.storage.starters import SEEDED_TABLES
from callcoach.storage.urls import default_database_url, describe_connect_error, resolve_database_url

__all__ = ["Database", "open_database"]


@dataclass
class Database:
    """An opened database: its engine and a session factory."""

    url: str
    engine: Engine
    #: The SQLite file this process created by opening it (it did not exist before).
    new_file: Path | None = None

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
                except Exception:  # a broken connection: never reuse it
                    conn.invalidate()

    @contextmanager
    def watched(self) -> Iterator[None]:
        """For the calling thread's database work inside: on PostgreSQL a connection held
        longer than :data:`~callcoach.storage.stall.PG_STALL_SECONDS` is cut, so a stalled server fails the
        statement instead of holding the thread (see :mod:`callcoach.storage.stall`)."""
        guard = stall.guard_of(self.engine)
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

    def discard_if_unused(self) -> bool:
        """Delete the SQLite file this process created when nothing was written to it (a
        command that failed before writing leaves no database behind); True if deleted."""
        if self.new_file is None:
            return False
        try:
            with self.engine.connect() as conn:
                tables = [t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"]
                for table in tables:
                    quoted = conn.dialect.identifier_preparer.quote(table)
                    if table in SEEDED_TABLES:  # the starter library is not a user's write
                        written = SEEDED_TABLES[table]
                        if written is None:
                            continue
                        query = f"SELECT 1 FROM {quoted} WHERE {written} LIMIT 1"
                    else:
                        query = f"SELECT 1 FROM {quoted} LIMIT 1"
                    if conn.exec_driver_sql(query).first():
                        return False
        except sa.exc.SQLAlchemyError:
            return False  # cannot tell: keep it
        self.engine.dispose()
        try:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.new_file}{suffix}").unlink(missing_ok=True)
        except OSError:
            return False  # a file we cannot remove stays; the command's own error is reported
        self.new_file = None
        return True


def open_database(
    url: str | None = None,
    *,
    migrate: bool = True,
    upgrade_older: bool | None = None,
    progress: Progress | None = None,
) -> Database:
    """Open the database at ``url``, creating an empty one at the current schema.

    A schema older than this release is upgraded only for the embedded default SQLite file
    (``upgrade_older=None``: one rep, zero setup); a database given explicitly (a team's
    PostgreSQL) is refused until someone runs ``callcoach db upgrade``. A newer schema is
    always refused. Every refusal and connection failure is a one-line
    :class:`DatabaseError` naming both versions or the host and cause. ``progress`` hears
    what creating or upgrading the schema is doing (nothing when it is already current).
    """
    url = resolve_database_url(url)
    engine = make_engine(url)
    database = Database(url=url, engine=engine, new_file=new_sqlite_file(url))
    try:
        connect_or_fail(url, engine)
        if migrate:
            if upgrade_older is None:
                upgrade_older = url == default_database_url()
            bring_to_head(url, engine, upgrade_older, progress)
    except DatabaseError:
        database.discard_if_unused()
        engine.dispose()
        raise
    except sa.exc.OperationalError as exc:
        database.discard_if_unused()
        engine.dispose()
        raise DatabaseError(describe_connect_error(url, exc)) from None
    return database
