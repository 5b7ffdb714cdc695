"""The schema version: Alembic migrations, where a database stands against this release,
and bringing it to the head (or refusing, in one line).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from callcoach.storage.engine import connect_or_fail, make_engine, new_sqlite_file
from callcoach.storage.errors import DatabaseError
from callcoach.storage.urls import describe_connect_error, resolve_database_url, safe_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: Where a long step reports what it is doing (one line each; the CLI prints them to stderr).
Progress = Callable[[str], None]


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
SCHEMA_HEAD: tuple[str, ...] = ("0019",)


def _is_at_head_fast(engine: Engine) -> bool:
    """True when the database's schema version is :data:`SCHEMA_HEAD` (no Alembic import)."""
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    except sa.exc.DBAPIError:
        return False  # no version table yet (an empty database): the full check decides
    return tuple(sorted(rows)) == SCHEMA_HEAD


def _script():  # alembic.script.ScriptDirectory
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


def bring_to_head(
    url: str, engine: Engine, upgrade_older: bool, progress: Progress | None = None
) -> None:
    """Create or upgrade the database to this release's schema where allowed, else refuse;
    ``progress`` hears one line before the migrations run and one when they are done."""
    if _is_at_head_fast(engine):
        return
    check = check_schema(engine)
    if check.state == "current":
        return
    if check.state == "empty" or (check.state == "older" and upgrade_older):
        if progress is not None:
            if check.state == "empty":
                progress(
                    f"creating the database {safe_url(url)} (schema {check.expected_text}) "
                    "with the starter objections and talk track ..."
                )
            else:
                progress(
                    f"upgrading the database {safe_url(url)} from schema {check.current_text} "
                    f"to {check.expected_text} ..."
                )
        upgrade(engine)
        # Another process may have created or upgraded it meanwhile: check once more.
        check = check_schema(engine)
        if check.state == "current":
            if progress is not None:
                progress(f"database ready at schema {check.current_text}")
            return
    message = schema_refusal(url, check)
    if message:
        raise DatabaseError(message)


def inspect_schema(url: str | None = None) -> SchemaCheck:
    """Connect to ``url`` and compare its schema version with this release's, changing nothing."""
    url = resolve_database_url(url)
    engine = make_engine(url)
    if new_sqlite_file(url) is not None:  # looking must not create the file
        engine.dispose()
        return SchemaCheck((), expected_revisions(), "empty")
    connect_or_fail(url, engine)
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
    connect_or_fail(url, engine)
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
