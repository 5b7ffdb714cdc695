"""The one place that opens databases.

SQLite (the zero-setup default) gets WAL, foreign keys, a busy timeout and explicit
``BEGIN`` handling so callers can ask for ``BEGIN IMMEDIATE``; PostgreSQL (teams) is any
``postgresql+psycopg://`` URL. The schema is created and upgraded only by Alembic.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker
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


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` with callcoach's connection settings."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # noqa: BLE001
        raise DatabaseError(f"invalid database URL {url!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return sa.create_engine(
            parsed,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 5},
        )
    return sa.create_engine(parsed)


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


def alembic_config(engine: Engine):  # noqa: ANN201 - alembic.config.Config, imported lazily
    """An Alembic config bound to ``engine`` using the packaged migrations."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """The newest migration this release knows."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return script.get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run Alembic migrations up to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


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

    def session(self) -> Session:
        """A new session; objects stay usable after commit."""
        return self._factory()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        with self.session() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_database(url: str | None = None, *, migrate: bool = True) -> Database:
    """Open (and by default create or upgrade) the database at ``url``.

    Raises :class:`DatabaseError` with a one-line message when it cannot be reached or
    its schema is newer than this release.
    """
    url = resolve_database_url(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - reported as one line
        engine.dispose()
        raise DatabaseError(describe_connect_error(url, exc)) from None
    if migrate:
        current = current_revision(engine)
        head = head_revision()
        if current != head:
            from alembic.script import ScriptDirectory

            known = {rev.revision for rev in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}
            if current is not None and current not in known:
                engine.dispose()
                raise DatabaseError(
                    f"database {safe_url(url)} has schema version {current}, newer than this "
                    f"callcoach ({head}); upgrade callcoach"
                )
            upgrade(engine)
    return Database(url=url, engine=engine)
