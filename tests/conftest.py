"""Shared fixtures: one ``db`` fixture parametrised over SQLite and PostgreSQL.

SQLite: a real file per test, copied from a template migrated once per session.
PostgreSQL: a fresh database per test session (so parallel runs never collide), migrated
once, emptied between tests. PostgreSQL tests skip with a reason when
``CALLCOACH_TEST_PG_URL`` is not set or the server does not answer.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from callcoach.clock import FakeClock
from callcoach.config import Settings
from callcoach.storage.db import Database, open_database
from callcoach.storage.models import ALL_TABLES
from tests.support.pg import PG_ENV, scratch_pg_database


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    """Never touch the developer's real data directory, config or database."""
    base = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("CALLCOACH_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("CALLCOACH_CONFIG", str(base / "config.toml"))
    monkeypatch.delenv("CALLCOACH_DATABASE_URL", raising=False)


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock at Monday 2026-11-23 14:00 UTC (09:00 in New York)."""
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Default settings with invites written under the test's tmp dir."""
    return Settings(ics_dir=tmp_path / "invites")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = open_database(f"sqlite:///{path}")
    _remove_starters(db)
    db.dispose()
    return path


def _remove_starters(db: Database) -> None:
    """Empty the tables the migrations seed with the starter library: tests start from empty
    tables on both engines (the PostgreSQL truncate does the same); the seeding itself is
    tested on brand-new databases (tests/storage/test_starters.py)."""
    with db.engine.begin() as conn:
        for table in ("talk_track_objection", "talk_track", "objection"):
            conn.exec_driver_sql(f'DELETE FROM "{table}"')


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test session, migrated to head."""
    with scratch_pg_database(
        "cc_test",
        f"PostgreSQL tests need {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)",
        lambda admin_url: f"PostgreSQL at {make_url(admin_url).host} not usable",
    ) as url:
        db = open_database(url)
        db.dispose()
        yield url


def _truncate_pg(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in ALL_TABLES.sorted_tables)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def _sqlite_db(tmp_path: Path, template: Path) -> Database:
    path = tmp_path / "callcoach.db"
    shutil.copyfile(template, path)
    return open_database(f"sqlite:///{path}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """An empty, migrated database on each engine."""
    if request.param == "sqlite":
        database = _sqlite_db(tmp_path, sqlite_template)
    else:
        url = request.getfixturevalue("pg_database_url")
        database = open_database(url)
        _truncate_pg(database)
    yield database
    database.dispose()


@pytest.fixture
def pg_db(pg_database_url: str) -> Iterator[Database]:
    """The session's PostgreSQL test database, emptied (for tests of PostgreSQL's own path)."""
    database = open_database(pg_database_url)
    _truncate_pg(database)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """An empty, migrated SQLite database (for tests that are about SQLite itself or the TUI)."""
    database = _sqlite_db(tmp_path, sqlite_template)
    yield database
    database.dispose()


@pytest.fixture
def history(db: Database) -> dict[str, int]:
    """The report fixture history (tests/support/report_fixture.py) written into ``db``."""
    from tests.support import report_fixture

    return report_fixture.build(db)
