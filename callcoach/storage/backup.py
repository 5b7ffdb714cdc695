"""Backups of the embedded SQLite database."""

from __future__ import annotations

import os
from pathlib import Path

from callcoach.storage.errors import DatabaseError
from callcoach.storage.urls import parse_database_url, resolve_database_url, safe_url


def backup_sqlite(url: str | None, target: Path) -> Path:
    """Copy a SQLite database to ``target`` with SQLite's online backup API (consistent
    even while reps are logging); PostgreSQL is refused with the pg_dump hint."""
    import sqlite3

    url = resolve_database_url(url)
    parsed = parse_database_url(url)
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
