"""``callcoach import``, ``lists`` and ``tracks``: call lists in, call lists shown, talk
tracks loaded."""

from __future__ import annotations

import argparse
from pathlib import Path

from callcoach.cli.args import in_session, open_db, settings_of
from callcoach.cli.output import local_minute, print_table, say


def cmd_import(args: argparse.Namespace) -> int:
    """Import a CSV of contacts into one or more clustered call lists."""
    from callcoach.clock import SystemClock
    from callcoach.core.lists.importer import ImportOptions, import_file

    db = open_db(args)
    options = ImportOptions(
        list_name=args.list,
        cluster_by=args.cluster_by,
        default_region=args.default_region,
        skip_invalid=args.skip_invalid,
        min_cluster_size=args.min_cluster,
    )
    report = import_file(db, Path(args.file), options, SystemClock())
    say(report.render())
    return 0 if report.ok else 1


def cmd_lists(args: argparse.Namespace) -> int:
    """Print every call list with its cluster, contacts and callable-now count."""
    from callcoach.clock import SystemClock
    from callcoach.core.lists.call_lists import list_summaries

    settings = settings_of(args)
    rows = in_session(args, lambda session: list_summaries(session, SystemClock().now(), settings.window))
    if not rows:
        say("No call lists yet. Import one with: callcoach import FILE --cluster-by vertical")
        return 0
    header = ("List", "Cluster", "Contacts", "Callable now", "Last block")
    table = [
        (
            r.name,
            f"{r.dimension}: {r.value}" if r.value else r.dimension,
            str(r.contacts),
            str(r.callable_now),
            local_minute(r.last_block_at),
        )
        for r in rows
    ]
    print_table(header, table)
    return 0


def cmd_tracks_load(args: argparse.Namespace) -> int:
    """Load talk tracks and objections from a TOML file (insert or update by name)."""
    from callcoach.core.lists.tracks import load_tracks_file

    db = open_db(args)
    summary = load_tracks_file(db, Path(args.file))
    say(summary.render())
    return 0


def add_import(sub: argparse._SubParsersAction) -> None:
    """``import FILE [--list NAME] [--cluster-by WHAT] ...``."""
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


def add_lists(sub: argparse._SubParsersAction) -> None:
    """``lists``."""
    p = sub.add_parser("lists", help="show call lists with contacts and callable-now counts")
    p.set_defaults(handler=cmd_lists)


def add_tracks(sub: argparse._SubParsersAction) -> None:
    """``tracks load FILE``."""
    p = sub.add_parser("tracks", help="talk tracks and objections")
    tsub = p.add_subparsers(title="tracks commands", metavar="ACTION", required=True)
    q = tsub.add_parser("load", help="load talk tracks/objections from a TOML file")
    q.add_argument("file", metavar="FILE")
    q.set_defaults(handler=cmd_tracks_load)
