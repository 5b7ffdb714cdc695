"""Command line: ``callcoach`` opens the TUI; subcommands import, list, report and more.

Heavy libraries (Textual, SQLAlchemy, phonenumbers) are imported inside the handlers so
``callcoach --help`` stays instant. Every expected failure ends as one line on stderr and
exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from callcoach import __version__
from callcoach.errors import CallcoachError


class UserError(CallcoachError):
    """A problem with the command line itself; printed as one line."""


def _open(args: argparse.Namespace):  # noqa: ANN202 - storage.db.Database
    from callcoach.storage.db import open_database

    return open_database(args.db)


def _settings(args: argparse.Namespace):  # noqa: ANN202 - config.Settings
    from callcoach.config import load_settings

    return load_settings(Path(args.config) if args.config else None)


def cmd_tui(args: argparse.Namespace) -> int:
    """Open the TUI on the home screen (seeding the demo data into a brand-new database)."""
    from callcoach.clock import SystemClock
    from callcoach.core.seed import seed_demo_if_empty
    from callcoach.tui.app import make_app

    settings = _settings(args)
    db = _open(args)
    clock = SystemClock()
    seed_demo_if_empty(db, clock)
    app = make_app(db=db, settings=settings, clock=clock, rep_name=args.rep or settings.rep)
    app.run()
    return app.return_code or 0


def cmd_block(args: argparse.Namespace) -> int:
    """Open the TUI straight into a call block on one list."""
    from callcoach.clock import SystemClock
    from callcoach.core.lists import find_list
    from callcoach.tui.app import make_app

    if args.minutes is not None and not 1 <= args.minutes <= 240:
        raise UserError(f"--minutes {args.minutes:g}: expected 1 to 240")
    settings = _settings(args)
    db = _open(args)
    with db.session() as session:
        found = find_list(session, args.list)
        if found is None:
            from callcoach.core.lists import list_summaries

            names = [r.name for r in list_summaries(session, SystemClock().now(), settings.window)]
            known = ", ".join(names[:8]) + (" ..." if len(names) > 8 else "")
            raise UserError(f"--list {args.list!r}: no such call list (known: {known or 'none'})")
    rep_name = args.block_rep or args.rep or settings.rep
    app = make_app(db=db, settings=settings, clock=SystemClock(), rep_name=rep_name)
    app.block_request = (found.id, args.minutes)
    app.run()
    return app.return_code or 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import a CSV of contacts into one or more clustered call lists."""
    from callcoach.clock import SystemClock
    from callcoach.core.importer import ImportOptions, import_file

    db = _open(args)
    options = ImportOptions(
        list_name=args.list,
        cluster_by=args.cluster_by,
        default_region=args.default_region,
        skip_invalid=args.skip_invalid,
        min_cluster_size=args.min_cluster,
    )
    report = import_file(db, Path(args.file), options, SystemClock())
    print(report.render())
    return 0 if report.ok else 1


def cmd_lists(args: argparse.Namespace) -> int:
    """Print every call list with its cluster, contacts and callable-now count."""
    from callcoach.clock import SystemClock
    from callcoach.core.lists import list_summaries

    settings = _settings(args)
    db = _open(args)
    with db.session() as session:
        rows = list_summaries(session, SystemClock().now(), settings.window)
    if not rows:
        print("No call lists yet. Import one with: callcoach import FILE --cluster-by vertical")
        return 0
    header = ("List", "Cluster", "Contacts", "Callable now", "Last block")
    table = [
        (
            r.name,
            f"{r.dimension}: {r.value}" if r.value else r.dimension,
            str(r.contacts),
            str(r.callable_now),
            r.last_block_at.astimezone().strftime("%Y-%m-%d %H:%M") if r.last_block_at else "-",
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    return 0


def cmd_tracks_load(args: argparse.Namespace) -> int:
    """Load talk tracks and objections from a TOML file (insert or update by name)."""
    from callcoach.core.tracks import load_tracks_file

    db = _open(args)
    summary = load_tracks_file(db, Path(args.file))
    print(summary.render())
    return 0


def _print_table(header: Sequence[str], table: Sequence[Sequence[str]]) -> None:
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def cmd_reps_list(args: argparse.Namespace) -> int:
    """Print every rep with their role and activity."""
    from callcoach.core.reps import list_reps

    db = _open(args)
    with db.session() as session:
        rows = list_reps(session)
    if not rows:
        print("No reps yet. Add one with: callcoach reps add NAME --role sdr")
        return 0
    table = [
        (
            r.name,
            r.role,
            r.email or "-",
            str(r.blocks),
            str(r.dials),
            r.last_call_at.astimezone().strftime("%Y-%m-%d %H:%M") if r.last_call_at else "-",
            "" if r.active else "inactive",
        )
        for r in rows
    ]
    _print_table(("Rep", "Role", "Email", "Blocks", "Dials", "Last call", ""), table)
    return 0


def cmd_reps_add(args: argparse.Namespace) -> int:
    """Add a rep with a role."""
    from callcoach.core.reps import add_rep

    db = _open(args)
    with db.session() as session:
        rep = add_rep(session, args.name, args.role, args.email)
    print(f"added {rep.name} ({rep.role})")
    return 0


def cmd_reps_set(args: argparse.Namespace) -> int:
    """Change a rep's role, email or active flag."""
    from callcoach.core.reps import update_rep

    if args.role is None and args.email is None and args.active is None:
        raise UserError("reps set: give --role, --email, --active or --inactive")
    db = _open(args)
    with db.session() as session:
        rep = update_rep(session, args.name, role=args.role, email=args.email, active=args.active)
    state = "" if rep.active else ", inactive"
    print(f"{rep.name}: {rep.role}{', ' + rep.email if rep.email else ''}{state}")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Run the schema migrations on the database and say from which version to which."""
    from callcoach.storage.db import resolve_database_url, safe_url, upgrade_database

    url = resolve_database_url(args.db)
    before, after = upgrade_database(url)
    if before == after:
        print(f"{safe_url(url)}: schema already at {after}, nothing to do")
    else:
        print(f"{safe_url(url)}: schema upgraded {before} -> {after}")
    return 0


def cmd_db_status(args: argparse.Namespace) -> int:
    """Print the database's schema version beside the one this callcoach expects."""
    from callcoach.storage.db import inspect_schema, resolve_database_url, safe_url, schema_refusal

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
    from callcoach.storage.db import backup_sqlite

    target = backup_sqlite(args.db, Path(args.file))
    print(f"backed up to {target} ({target.stat().st_size // 1024} KiB)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = argparse.ArgumentParser(
        prog="callcoach",
        description="Coach phone prospecting call blocks in the terminal. "
        "With no command, opens the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"callcoach {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $CALLCOACH_DATABASE_URL, else SQLite in the data dir)",
    )
    parser.add_argument("--config", metavar="FILE", help="settings file (TOML)")
    parser.add_argument("--rep", metavar="NAME", help="who is using callcoach")
    parser.set_defaults(handler=cmd_tui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser("import", help="import contacts from a CSV into clustered call lists")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--list", metavar="NAME", help="list name (prefix when clustering)")
    p.add_argument("--cluster-by", choices=["vertical", "region", "size", "role"])
    p.add_argument(
        "--default-region", metavar="CC", default="US",
        help="country for numbers without +country code (default US)",
    )
    p.add_argument("--skip-invalid", action="store_true", help="import valid rows, list the rest")
    p.add_argument(
        "--min-cluster", type=int, default=5, metavar="N",
        help="clusters smaller than N merge into an 'Other' list (default 5)",
    )
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("block", help="start a timed call block on a list (opens the TUI)")
    p.add_argument("--list", required=True, metavar="NAME", help="the call list to work")
    p.add_argument(
        "--minutes", type=float, metavar="N", help="block length (default from settings: 52)"
    )
    p.add_argument("--rep", dest="block_rep", metavar="NAME", help="who is calling")
    p.set_defaults(handler=cmd_block)

    p = sub.add_parser("lists", help="show call lists with contacts and callable-now counts")
    p.set_defaults(handler=cmd_lists)

    p = sub.add_parser("tracks", help="talk tracks and objections")
    tsub = p.add_subparsers(title="tracks commands", metavar="ACTION", required=True)
    q = tsub.add_parser("load", help="load talk tracks/objections from a TOML file")
    q.add_argument("file", metavar="FILE")
    q.set_defaults(handler=cmd_tracks_load)

    p = sub.add_parser("reps", help="list reps with their role; add a rep")
    p.set_defaults(handler=cmd_reps_list)
    rsub = p.add_subparsers(title="reps commands", metavar="ACTION")
    q = rsub.add_parser("list", help="list reps with role and activity (the default)")
    q.set_defaults(handler=cmd_reps_list)
    q = rsub.add_parser("add", help="add a rep")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--role", choices=["sdr", "manager", "trainer"], default="sdr")
    q.add_argument("--email", metavar="ADDRESS")
    q.set_defaults(handler=cmd_reps_add)
    q = rsub.add_parser("set", help="change a rep's role, email or active flag")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--role", choices=["sdr", "manager", "trainer"])
    q.add_argument("--email", metavar="ADDRESS", help="empty string clears it")
    q.add_argument("--active", dest="active", action="store_true", default=None)
    q.add_argument("--inactive", dest="active", action="store_false")
    q.set_defaults(handler=cmd_reps_set)

    p = sub.add_parser("db", help="database maintenance")
    dsub = p.add_subparsers(title="db commands", metavar="ACTION", required=True)
    q = dsub.add_parser("upgrade", help="apply schema migrations (back up first)")
    q.set_defaults(handler=cmd_db_upgrade)
    q = dsub.add_parser("status", help="show the schema version against the expected one")
    q.set_defaults(handler=cmd_db_status)
    q = dsub.add_parser("backup", help="copy the SQLite database to FILE (PostgreSQL: pg_dump)")
    q.add_argument("file", metavar="FILE")
    q.set_defaults(handler=cmd_db_backup)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``callcoach`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("callcoach: interrupted", file=sys.stderr)
        return 130
    except CallcoachError as exc:
        print(f"callcoach: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        # The server went away after the database was opened: still one line, no password.
        message = _connection_trouble(args, exc)
        if message is None:
            raise
        print(f"callcoach: error: {message}", file=sys.stderr)
        return 2


def _connection_trouble(args: argparse.Namespace, exc: Exception) -> str | None:
    """One line for a lost database connection, else None (a real bug: let it show)."""
    if not type(exc).__module__.startswith("sqlalchemy"):
        return None
    from callcoach.core.journal import connection_trouble
    from callcoach.storage.db import resolve_database_url

    return connection_trouble(resolve_database_url(args.db), exc)


if __name__ == "__main__":
    raise SystemExit(main())
