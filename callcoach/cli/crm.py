"""``callcoach export activities``: logged calls and meetings as CRM import files."""

from __future__ import annotations

import argparse
from pathlib import Path

from callcoach.cli.args import UserError, open_db
from callcoach.cli.output import say


def cmd_export_activities(args: argparse.Namespace) -> int:
    """Write the calls and meetings not exported before (or all with ``--all``)."""
    from callcoach.clock import SystemClock
    from callcoach.core.review.activities import TARGETS, ExportRequest, export_activities
    from callcoach.core.review.filters import parse_date, parse_zone, resolve_rep_ids

    if args.format not in TARGETS:
        raise UserError(f"--format {args.format!r}: expected one of {', '.join(TARGETS)}")
    zone = parse_zone(args.tz).key
    since = parse_date(args.since, "--since") if args.since else None
    until = parse_date(args.until, "--until") if args.until else None
    db = open_db(args)
    with db.session() as session:
        rep_ids = resolve_rep_ids(session, args.export_rep or ())
    request = ExportRequest(
        target=args.format, zone=zone, since=since, until=until, rep_ids=rep_ids,
        include_exported=args.all,
        output=Path(args.output).expanduser() if args.output else None,
    )
    result = export_activities(db, request, SystemClock().now())
    if not result.files:
        before = (f" ({result.earlier} calls in this period were exported to {args.format} "
                  "before; --all writes them again)") if result.earlier else ""
        say(f"nothing new to export to {args.format}{before}")
        return 0
    for path, count in result.files:
        say(f"wrote {count} rows to {path}")
    say(f"{result.calls} calls and {result.meetings} meetings recorded as exported to "
        f"{args.format}")
    return 0


def add_export(sub: argparse._SubParsersAction) -> None:
    """``export activities``."""
    p = sub.add_parser("export", help="write logged calls and meetings for a CRM import")
    esub = p.add_subparsers(title="what to export", metavar="WHAT", required=True)
    q = esub.add_parser(
        "activities",
        help="calls and meetings as HubSpot, Salesforce or plain CSV import files",
        description="Write each logged call and each meeting in the column layout of a CRM's "
        "activity import. By default only what was not exported to that CRM before.",
    )
    q.add_argument("--format", default="csv", metavar="FORMAT",
                   help="hubspot (calls + meetings files), salesforce (tasks + events files) "
                   "or csv (one file; the default)")
    q.add_argument("--since", metavar="DATE", help="first day (YYYY-MM-DD) of calls to export")
    q.add_argument("--until", metavar="DATE", help="last day (YYYY-MM-DD) of calls to export")
    q.add_argument("--rep", dest="export_rep", action="append", metavar="NAME",
                   help="only this rep's calls (repeatable)")
    q.add_argument("--output", metavar="FILE",
                   help="file to write (HubSpot and Salesforce write FILE-STEM-calls.csv and "
                   "-meetings.csv, or -tasks.csv and -events.csv, beside it); default "
                   "callcoach-FORMAT-DATE-TIME.csv here")
    q.add_argument("--all", action="store_true",
                   help="export everything in the period again, exported before or not")
    q.add_argument("--tz", metavar="ZONE", help="zone of --since/--until and the csv times "
                   "(default: this machine's)")
    q.set_defaults(handler=cmd_export_activities)
