"""Database URLs: which database to open, and how to show one (never its password)."""

from __future__ import annotations

import os

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from callcoach import paths

ENV_URL = "CALLCOACH_DATABASE_URL"


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
