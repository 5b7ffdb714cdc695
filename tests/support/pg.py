"""Throw-away PostgreSQL databases for tests, on the server named by ``CALLCOACH_TEST_PG_URL``."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy.engine import make_url

from callcoach.storage.engine import make_engine

#: The environment variable with the admin URL of the PostgreSQL server tests may use.
PG_ENV = "CALLCOACH_TEST_PG_URL"


@contextmanager
def scratch_pg_database(
    prefix: str, needs: str, unusable: Callable[[str], str]
) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database ``<prefix>_<pid>_<random>``, dropped on
    the way out; the test is skipped with ``needs`` when no server is configured, or with
    ``unusable(admin_url)`` and the cause when the database cannot be made."""
    admin_url = os.environ.get(PG_ENV) or None
    if not admin_url:
        pytest.skip(needs)
    admin = make_engine(admin_url)
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        admin.dispose()
        pytest.skip(f"{unusable(admin_url)}: {str(exc).splitlines()[0]}")
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()
