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


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Run the schema migrations on the database."""
    from callcoach.storage.db import current_revision, head_revision, safe_url

    db = _open(args)
    print(f"{safe_url(db.url)}: schema at {current_revision(db.engine)} (head {head_revision()})")
    return 0


# --- manager review: report, plan, goals, dashboard (issue 4) -----------------------------

REPORT_FORMATS = ("table", "csv", "json", "html")


def _number(text: str, flag: str, whole: bool = False) -> float:
    """A number from a flag's text, or a one-line error naming flag and value."""
    try:
        value = float(text.replace(",", "").replace("_", "")) if not whole else int(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise UserError(f"{flag} {text!r}: expected {kind}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise UserError(f"{flag} {text!r}: expected a finite number")
    return value


def _write_output(text: str, output: str | None) -> None:
    """Print, or write ``output`` atomically (never a half-written file)."""
    import os
    import tempfile

    if not output:
        sys.stdout.write(text)
        return
    path = Path(output).expanduser()
    if path.is_dir():
        raise UserError(f"--output {output}: is a directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".callcoach-", dir=path.parent or Path("."))
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise UserError(f"--output {output}: cannot write ({exc.strerror})") from None
    print(f"wrote {path}", file=sys.stderr)


def cmd_report(args: argparse.Namespace) -> int:
    """Print or write the scorecard for one breakdown (same figures as the dashboard)."""
    from callcoach.clock import SystemClock
    from callcoach.core import export
    from callcoach.core.reports import breakdown_names, build_report, resolve_filter

    if args.format not in REPORT_FORMATS:
        raise UserError(f"--format {args.format!r}: expected one of {', '.join(REPORT_FORMATS)}")
    if args.by not in breakdown_names():
        raise UserError(f"--by {args.by!r}: expected one of {', '.join(breakdown_names())}")
    clock = SystemClock()
    db = _open(args)
    with db.session() as session:
        f = resolve_filter(session, clock.now(), args.tz, args.period, args.since, args.until,
                           args.report_rep or (), args.list or ())
        if args.format == "html":
            from callcoach.core.scorecard_html import build_scorecard

            text = build_scorecard(session, args.by, f, clock.now())
        else:
            table = build_report(session, args.by, f)
            render = {"table": export.render_text, "csv": export.render_csv,
                      "json": export.render_json}[args.format]
            text = render(table)
    _write_output(text, args.output)
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    """Work back from a quota to the call blocks per week it needs."""
    from callcoach.clock import SystemClock
    from callcoach.core.planner import PlanInput, make_plan
    from callcoach.core.reports import parse_zone, resolve_rep_ids

    mto = args.meeting_to_opportunity
    inputs = PlanInput(
        quota=_number(args.quota, "--quota"),
        deal_size=_number(args.deal_size, "--deal-size"),
        close_ratio=_number(args.close_ratio, "--close-ratio"),
        weeks=int(_number(args.weeks, "--weeks", whole=True)),
        closed=_number(args.closed, "--closed"),
        meeting_to_opportunity=None if mto is None else _number(mto, "--meeting-to-opportunity"),
    )
    inputs.validate()
    lookback = int(_number(args.lookback_weeks, "--lookback-weeks", whole=True))
    if not 1 <= lookback <= 104:
        raise UserError(f"--lookback-weeks {lookback}: expected 1 to 104")
    zone = parse_zone(args.tz).key
    db = _open(args)
    with db.session() as session:
        rep_ids = resolve_rep_ids(session, [args.plan_rep] if args.plan_rep else [])
        plan = make_plan(session, inputs, SystemClock().now(), zone, rep_ids,
                         scope=args.plan_rep or "the team", lookback_weeks=lookback)
    print("\n".join(plan.lines()))
    return 0


def cmd_goals_set(args: argparse.Namespace) -> int:
    """Set one rep's goals for a week."""
    from callcoach.core.goals import set_goal
    from callcoach.core.reports import parse_date, resolve_rep_ids

    week = parse_date(args.week, "--week")
    values = [int(_number(v, flag, whole=True)) for v, flag in
              ((args.blocks, "--blocks"), (args.dials, "--dials"), (args.meetings, "--meetings"))]
    db = _open(args)
    with db.session() as session:
        (rep_id,) = resolve_rep_ids(session, [args.goal_rep])
        goal = set_goal(session, rep_id, week, *values)
    print(f"goal for {args.goal_rep}, week of {goal.week_start}: {goal.blocks} blocks, "
          f"{goal.dials} dials, {goal.meetings} meetings")
    return 0


def cmd_goals_show(args: argparse.Namespace) -> int:
    """Show each rep's progress against the week's goals."""
    from callcoach.clock import SystemClock
    from callcoach.core.goals import goal_progress, monday_of
    from callcoach.core.reports import parse_date, parse_zone, resolve_rep_ids

    zone = parse_zone(args.tz)
    week = parse_date(args.week, "--week") if args.week else SystemClock().now().astimezone(
        zone).date()
    db = _open(args)
    with db.session() as session:
        rep_ids = resolve_rep_ids(session, [args.goal_rep] if args.goal_rep else [])
        rows = goal_progress(session, week, zone.key, rep_ids)
    print(f"Goals, week of {monday_of(week)} ({zone.key})")
    if not rows:
        print("(no goals and no calls this week)")
    for p in rows:
        print(f"{p.rep:<20} blocks {p.cell('blocks'):<14} dials {p.cell('dials'):<16} "
              f"meetings {p.cell('meetings')}")
    return 0


def cmd_recount(args: argparse.Namespace) -> int:
    """Recompute stored connect/conversation flags from outcomes and objections."""
    from callcoach.core.metrics import flag_mismatches, sync_flags

    db = _open(args)
    with db.session() as session:
        wrong = flag_mismatches(session)
        fixed = sync_flags(session) if wrong and not args.check else 0
    if args.check:
        print(f"{wrong} call attempts have connect/conversation flags that disagree with the "
              "definitions")
        return 1 if wrong else 0
    print(f"recounted: {fixed} call attempts corrected")
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Open the TUI on the manager dashboard."""
    from callcoach.clock import SystemClock
    from callcoach.core.reports import parse_zone
    from callcoach.tui.screens.dashboard import make_dashboard_app

    zone = parse_zone(args.tz).key
    settings = _settings(args)
    db = _open(args)
    app = make_dashboard_app(db, settings, SystemClock(), args.rep or settings.rep, zone)
    app.run()
    return app.return_code or 0


def add_review_commands(sub: argparse._SubParsersAction) -> None:
    """``report``, ``plan``, ``goals`` and ``dashboard``: the manager's commands."""
    p = sub.add_parser("report", help="scorecard by rep, list, cluster, week, hour, weekday, "
                       "objection (table, csv, json, html)")
    p.add_argument("--by", default="rep", metavar="WHAT",
                   help="rep | list | cluster | week | hour | weekday | objection (default rep)")
    p.add_argument("--period", default="this-week", metavar="NAME",
                   help="this-week | last-week | this-month | last-month (default this-week; "
                   "--since/--until win)")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="first day (inclusive)")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="last day (inclusive)")
    p.add_argument("--rep", dest="report_rep", action="append", metavar="NAME",
                   help="only this rep (repeatable)")
    p.add_argument("--list", action="append", metavar="NAME", help="only this list (repeatable)")
    p.add_argument("--tz", metavar="ZONE", help="display time zone (default: this machine's)")
    p.add_argument("--format", default="table", metavar="FMT", help="table | csv | json | html")
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of printing")
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser("plan", help="pipeline planner: quota -> call blocks per week")
    p.add_argument("--quota", required=True, metavar="AMOUNT")
    p.add_argument("--deal-size", required=True, metavar="AMOUNT")
    p.add_argument("--close-ratio", required=True, metavar="N",
                   help="opportunities per win (4), or a win rate below 1 (0.25)")
    p.add_argument("--meeting-to-opportunity", metavar="RATE",
                   help="share of meetings that become opportunities (default: measured held "
                   "rate, else 0.5)")
    p.add_argument("--weeks", default="13", metavar="N", help="weeks left (default 13)")
    p.add_argument("--closed", default="0", metavar="AMOUNT", help="revenue already won")
    p.add_argument("--rep", dest="plan_rep", metavar="NAME", help="use this rep's rates")
    p.add_argument("--lookback-weeks", default="12", metavar="N",
                   help="weeks of history to measure rates over (default 12)")
    p.add_argument("--tz", metavar="ZONE", help="display time zone (default: this machine's)")
    p.set_defaults(handler=cmd_plan)

    p = sub.add_parser("goals", help="weekly goals per rep")
    gsub = p.add_subparsers(title="goals commands", metavar="ACTION", required=True)
    q = gsub.add_parser("set", help="set a rep's goals for a week")
    q.add_argument("--rep", dest="goal_rep", required=True, metavar="NAME")
    q.add_argument("--week", required=True, metavar="YYYY-MM-DD", help="any day of the week")
    q.add_argument("--blocks", default="0", metavar="N")
    q.add_argument("--dials", default="0", metavar="N")
    q.add_argument("--meetings", default="0", metavar="N")
    q.set_defaults(handler=cmd_goals_set)
    q = gsub.add_parser("show", help="progress against this week's goals")
    q.add_argument("--rep", dest="goal_rep", metavar="NAME")
    q.add_argument("--week", metavar="YYYY-MM-DD", help="any day of the week (default today)")
    q.add_argument("--tz", metavar="ZONE", help="display time zone (default: this machine's)")
    q.set_defaults(handler=cmd_goals_show)

    p = sub.add_parser("recount", help="recompute connect/conversation flags of past calls "
                       "from their outcomes and objections")
    p.add_argument("--check", action="store_true", help="only count disagreeing calls")
    p.set_defaults(handler=cmd_recount)

    p = sub.add_parser("dashboard", help="open the manager dashboard in the TUI")
    p.add_argument("--tz", metavar="ZONE", help="display time zone (default: this machine's)")
    p.set_defaults(handler=cmd_dashboard)


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

    p = sub.add_parser("lists", help="show call lists with contacts and callable-now counts")
    p.set_defaults(handler=cmd_lists)

    p = sub.add_parser("tracks", help="talk tracks and objections")
    tsub = p.add_subparsers(title="tracks commands", metavar="ACTION", required=True)
    q = tsub.add_parser("load", help="load talk tracks/objections from a TOML file")
    q.add_argument("file", metavar="FILE")
    q.set_defaults(handler=cmd_tracks_load)

    p = sub.add_parser("db", help="database maintenance")
    dsub = p.add_subparsers(title="db commands", metavar="ACTION", required=True)
    q = dsub.add_parser("upgrade", help="apply schema migrations")
    q.set_defaults(handler=cmd_db_upgrade)
    add_review_commands(sub)
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


if __name__ == "__main__":
    raise SystemExit(main())
