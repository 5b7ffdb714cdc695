"""``callcoach db``: schema upgrade and status, SQLite backup."""

from __future__ import annotations

import argparse
from pathlib import Path


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Run the schema migrations on the database and say from which version to which."""
    from callcoach.storage.schema import upgrade_database
    from callcoach.storage.urls import resolve_database_url, safe_url

    url = resolve_database_url(args.db)
    before, after = upgrade_database(url)
    if before == after:
        print(f"{safe_url(url)}: schema already at {after}, nothing to do")
    else:
        print(f"{safe_url(url)}: schema upgraded {before} -> {after}")
    return 0


def cmd_db_status(args: argparse.Namespace) -> int:
    """Print the database's schema version beside the one this callcoach expects."""
    from callcoach.storage.schema import inspect_schema, schema_refusal
    from callcoach.storage.urls import resolve_database_url, safe_url

    url = resolve_database_url(args.db)
    check = inspect_schema(url)
    print(f"{safe_url(url)}: schema {check.current_text}, callcoach expects {check.expected_text}")
    hint = schema_refusal(url, check)
    if check.state == "empty":
        hint = "empty: it is created when callcoach first opens it (or by callcoach db upgrade)"
    if hint:
        print(hint)
    return 0 if check.state == "current" else 1


def cmd_db_backup(args: argparse.Namespace) -> int:
    """Copy the SQLite database to FILE with SQLite's backup API (safe while in use)."""
    from callcoach.storage.backup import backup_sqlite

    target = backup_sqlite(args.db, Path(args.file))
    print(f"backed up to {target} ({target.stat().st_size // 1024} KiB)")
    return 0


def add_db(sub: argparse._SubParsersAction) -> None:
    """``db upgrade``, ``db status``, ``db backup FILE``."""
    p = sub.add_parser("db", help="database maintenance")
    dsub = p.add_subparsers(title="db commands", metavar="ACTION", required=True)
    q = dsub.add_parser("upgrade", help="apply schema migrations (back up first)")
    q.set_defaults(handler=cmd_db_upgrade)
    q = dsub.add_parser("status", help="show the schema version against the expected one")
    q.set_defaults(handler=cmd_db_status)
    q = dsub.add_parser("backup", help="copy the SQLite database to FILE (PostgreSQL: pg_dump)")
    q.add_argument("file", metavar="FILE")
    q.set_defaults(handler=cmd_db_backup)
