"""``callcoach import``, ``lists`` and ``tracks``: call lists in, call lists shown, talk
tracks loaded, listed, shown, assigned and exported."""

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


def cmd_tracks_list(args: argparse.Namespace) -> int:
    """Every talk track with its cluster and the call lists it serves."""
    from callcoach.core.lists.track_editing import track_rows

    rows = in_session(args, track_rows)
    if not rows:
        say("No talk tracks yet. Load some with: callcoach tracks load FILE")
        return 0
    table = [
        (r.label, r.cluster or "-", ", ".join(r.serves()) or "-", str(r.objections)) for r in rows
    ]
    print_table(("Track", "Cluster", "Lists", "Objections"), table)
    return 0


def cmd_tracks_show(args: argparse.Namespace) -> int:
    """One talk track: cluster, lists, every text field, likely objections and rebuttals."""
    from callcoach.core.lists.track_editing import FIELD_LABELS, draft_of, library, track_rows

    draft, rows, entries = in_session(
        args, lambda s: (draft_of(s, args.name), track_rows(s), library(s))
    )
    row = next(r for r in rows if r.name == draft.name)
    by_key = {e.key: e for e in entries}
    cluster = (
        f"{draft.cluster_dimension}={draft.cluster_value}" if draft.cluster_value else "-"
    )
    lines = [
        f"Talk track: {row.label}",
        f"Cluster: {cluster}",
        f"Lists: {', '.join(row.serves()) or '-'}",
    ]
    for name, label in FIELD_LABELS.items():
        lines.append(f"{label}: {draft.text(name) or '-'}")
    lines.append(f"Likely objections: {len(draft.objections) or 'none (the whole library is offered)'}")
    for n, (key, override) in enumerate(draft.objections, 1):
        entry = by_key.get(key)
        lines.append(f"  {n}. [{key}] {entry.text if entry else ''}")
        if override:
            lines.append(f"     rebuttal (this track): {override}")
        elif entry:
            lines.append(f"     rebuttal (library): {entry.rebuttal}")
    say("\n".join(lines))
    return 0


def cmd_tracks_assign(args: argparse.Namespace) -> int:
    """Make a call list, or every list of a cluster, use a talk track."""
    from callcoach.cli.args import UserError
    from callcoach.core.lists.track_editing import assign_to_cluster, assign_to_list, parse_cluster

    if bool(args.list) == bool(args.cluster):
        raise UserError("tracks assign: give exactly one of --list NAME or --cluster DIMENSION=VALUE")
    if args.cluster:
        dimension, value = parse_cluster(args.cluster)
        result = assign_to_cluster(open_db(args), args.name, dimension, value)
    else:
        result = assign_to_list(open_db(args), args.name, args.list)
    say(result.render())
    return 0


def cmd_tracks_export(args: argparse.Namespace) -> int:
    """Write talk tracks and their objections as the TOML ``tracks load`` reads."""
    from callcoach.cli.output import write_output
    from callcoach.core.lists.track_export import checked_export

    target = Path(args.output).expanduser()
    text, tracks, objections = in_session(
        args, lambda session: checked_export(session, args.names, target)
    )
    write_output(text, args.output)
    say(f"{tracks} talk track(s) and {objections} objection(s) exported")
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
    """``tracks load FILE | list | show NAME | assign NAME ... | export [NAME...] --output FILE``."""
    p = sub.add_parser("tracks", help="talk tracks and objections")
    tsub = p.add_subparsers(title="tracks commands", metavar="ACTION", required=True)
    q = tsub.add_parser("load", help="load talk tracks/objections from a TOML file")
    q.add_argument("file", metavar="FILE")
    q.set_defaults(handler=cmd_tracks_load)
    q = tsub.add_parser("list", help="every talk track with its cluster and the lists it serves")
    q.set_defaults(handler=cmd_tracks_list)
    q = tsub.add_parser("show", help="one talk track's text, lists and objections")
    q.add_argument("name", metavar="NAME", help="talk track name")
    q.set_defaults(handler=cmd_tracks_show)
    q = tsub.add_parser(
        "assign", help="make a call list, or every list of a cluster, use a talk track",
        description="--list gives one call list the track; --cluster makes the track the one "
        "for a cluster value: every list in it uses the track, now and when imported later.",
    )
    q.add_argument("name", metavar="NAME", help="talk track name")
    q.add_argument("--list", metavar="LIST", help="call list name")
    q.add_argument("--cluster", metavar="DIM=VALUE", help="e.g. vertical=Dental (vertical, "
                   "region, size or role)")
    q.set_defaults(handler=cmd_tracks_assign)
    q = tsub.add_parser(
        "export", help="write talk tracks and their objections as a TOML file tracks load reads",
    )
    q.add_argument("names", metavar="NAME", nargs="*", help="tracks to export (default: all, "
                   "with the whole objection library)")
    q.add_argument("--output", metavar="FILE", required=True, help="the TOML file to write")
    q.set_defaults(handler=cmd_tracks_export)
