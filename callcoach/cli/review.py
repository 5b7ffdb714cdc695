"""``callcoach report``, ``plan``, ``goals``, ``recount`` and ``dashboard``: the manager's
commands."""

from __future__ import annotations

import argparse

from callcoach.cli.args import UserError, check_rep_flag, number, open_db, settings_of
from callcoach.cli.output import say, write_output
from callcoach.cli.start import gc_paused_until_first_screen

REPORT_FORMATS = ("table", "csv", "json", "html")


def cmd_report(args: argparse.Namespace) -> int:
    """Print or write the scorecard for one breakdown (same figures as the dashboard)."""
    from callcoach.clock import SystemClock
    from callcoach.core.review import export
    from callcoach.core.review.breakdowns import breakdown_names, build_report
    from callcoach.core.review.filters import resolve_filter

    if args.format not in REPORT_FORMATS:
        raise UserError(f"--format {args.format!r}: expected one of {', '.join(REPORT_FORMATS)}")
    if args.by not in breakdown_names():
        raise UserError(f"--by {args.by!r}: expected one of {', '.join(breakdown_names())}")
    clock = SystemClock()
    db = open_db(args)
    with db.session() as session:
        f = resolve_filter(session, clock.now(), args.tz, args.period, args.since, args.until,
                           args.report_rep or (), args.list or ())
        if args.format == "html":  # the scorecard always shows the previous period
            from callcoach.core.review.scorecard_html import build_scorecard

            text = build_scorecard(session, args.by, f, clock.now())
        else:
            if args.compare:
                from callcoach.core.review.comparisons import compared_report

                table = compared_report(session, args.by, f, clock.now())
            else:
                table = build_report(session, args.by, f)
            if args.format == "json":
                from callcoach.core.review.notes import attach_notes

                attach_notes(session, table)  # each rep's coaching notes in the period
            render = {"table": export.render_text, "csv": export.render_csv,
                      "json": export.render_json}[args.format]
            text = render(table)
    if args.format == "table":
        # A text table is read in a terminal; CSV, JSON and HTML keep the data as it is.
        from callcoach.textsafe import for_terminal

        text = for_terminal(text)
    write_output(text, args.output)
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    """Work back from a quota to the call blocks per week it needs."""
    from callcoach.clock import SystemClock
    from callcoach.core.review.filters import parse_zone, resolve_rep_ids
    from callcoach.core.review.planner import PlanInput, make_plan

    mto = args.meeting_to_opportunity
    inputs = PlanInput(
        quota=number(args.quota, "--quota"),
        deal_size=number(args.deal_size, "--deal-size"),
        close_ratio=number(args.close_ratio, "--close-ratio"),
        weeks=int(number(args.weeks, "--weeks", whole=True)),
        closed=number(args.closed, "--closed"),
        meeting_to_opportunity=None if mto is None else number(mto, "--meeting-to-opportunity"),
    )
    inputs.validate()
    lookback = int(number(args.lookback_weeks, "--lookback-weeks", whole=True))
    if not 1 <= lookback <= 104:
        raise UserError(f"--lookback-weeks {lookback}: expected 1 to 104")
    zone = parse_zone(args.tz).key
    db = open_db(args)
    with db.session() as session:
        rep_ids = resolve_rep_ids(session, [args.plan_rep] if args.plan_rep else [])
        plan = make_plan(session, inputs, SystemClock().now(), zone, rep_ids,
                         scope=args.plan_rep or "the team", lookback_weeks=lookback)
    say("\n".join(plan.lines()))
    return 0


def cmd_goals_set(args: argparse.Namespace) -> int:
    """Set one rep's goals for a week."""
    from callcoach.core.review.filters import parse_date, resolve_rep_ids
    from callcoach.core.review.goals import set_goal

    week = parse_date(args.week, "--week")
    given = ((args.blocks, "--blocks"), (args.dials, "--dials"), (args.meetings, "--meetings"))
    if all(v is None for v, _ in given):
        raise UserError("goals set: give --blocks, --dials or --meetings (the others stay as they are)")
    values = [None if v is None else int(number(v, flag, whole=True)) for v, flag in given]
    db = open_db(args)
    with db.session() as session:
        (rep_id,) = resolve_rep_ids(session, [args.goal_rep])
        goal = set_goal(session, rep_id, week, *values)
    say(f"goal for {args.goal_rep}, week of {goal.week_start}: {goal.blocks} blocks, "
          f"{goal.dials} dials, {goal.meetings} meetings")
    return 0


def cmd_goals_show(args: argparse.Namespace) -> int:
    """Show each rep's progress against the week's goals."""
    from callcoach.clock import SystemClock
    from callcoach.core.review.filters import parse_date, parse_zone, resolve_rep_ids
    from callcoach.core.review.goals import goal_progress, monday_of

    zone = parse_zone(args.tz)
    week = parse_date(args.week, "--week") if args.week else SystemClock().now().astimezone(
        zone).date()
    db = open_db(args)
    with db.session() as session:
        rep_ids = resolve_rep_ids(session, [args.goal_rep] if args.goal_rep else [])
        rows = goal_progress(session, week, zone.key, rep_ids)
    say(f"Goals, week of {monday_of(week)} ({zone.key})")
    if not rows:
        say("(no goals and no calls this week)")
    for p in rows:
        say(f"{p.rep:<20} blocks {p.cell('blocks'):<14} dials {p.cell('dials'):<16} "
              f"meetings {p.cell('meetings')}")
    return 0


def cmd_recount(args: argparse.Namespace) -> int:
    """Recompute stored connect/conversation flags from outcomes and objections."""
    from callcoach.core.review.metrics import flag_mismatches, sync_flags

    db = open_db(args)
    with db.session() as session:
        wrong = flag_mismatches(session)
        fixed = sync_flags(session) if wrong and not args.check else 0
    if args.check:
        say(f"{wrong} call attempts have connect/conversation flags that disagree with the "
              "definitions")
        return 1 if wrong else 0
    say(f"recounted: {fixed} call attempts corrected")
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Open the TUI on the manager dashboard."""
    with gc_paused_until_first_screen():
        from callcoach.clock import SystemClock
        from callcoach.core.review.filters import parse_zone
        from callcoach.tui.app import make_app
        from callcoach.tui.screens.dashboard import DashboardScreen

        zone = parse_zone(args.tz).key
        settings = settings_of(args)
        db = open_db(args, announce=True)
        check_rep_flag(db, args.rep)
        app = make_app(db, settings, SystemClock(), args.rep or settings.rep, DashboardScreen(zone))
        app.run()
    return app.return_code or 0


class _BreakdownChoices:
    """The ``--by`` values from the breakdown registry, read only when help is shown (building
    the parser must not import the report modules: ``callcoach --help`` stays fast)."""

    def __str__(self) -> str:
        from callcoach.core.review.breakdowns import breakdown_help

        return breakdown_help()


def add_report(sub: argparse._SubParsersAction) -> None:
    """``report [--by WHAT] [--period NAME] ... [--format FMT] [--output FILE]``."""
    p = sub.add_parser("report", help="scorecard by rep, list, week or another breakdown "
                       "(table, csv, json, html)")
    by = p.add_argument("--by", default="rep", metavar="WHAT", help="%(breakdowns)s (default rep)")
    by.breakdowns = _BreakdownChoices()  # type: ignore[attr-defined]  # read on --help only
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
    p.add_argument("--compare", action="store_true",
                   help="beside each figure, the previous comparable period's and the change "
                   "(week or month to date against the same point of the previous one; "
                   "the HTML scorecard always compares)")
    p.set_defaults(handler=cmd_report)


def add_plan(sub: argparse._SubParsersAction) -> None:
    """``plan --quota AMOUNT --deal-size AMOUNT --close-ratio N ...``."""
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


def add_goals(sub: argparse._SubParsersAction) -> None:
    """``goals [show]`` (the default: progress against the week's goals) and ``goals set``."""
    p = sub.add_parser("goals", help="weekly goals per rep (default: show this week's)")

    def show_options(parser: argparse.ArgumentParser, default: object) -> None:
        # SUPPRESS on the action's copies: options given before ``show`` are not reset by it
        parser.add_argument("--rep", dest="goal_rep", metavar="NAME", default=default)
        parser.add_argument("--week", metavar="YYYY-MM-DD", default=default,
                            help="any day of the week (default today)")
        parser.add_argument("--tz", metavar="ZONE", default=default,
                            help="display time zone (default: this machine's)")

    show_options(p, None)
    p.set_defaults(handler=cmd_goals_show)
    gsub = p.add_subparsers(title="goals commands", metavar="ACTION")
    q = gsub.add_parser("set", help="set a rep's goals for a week")
    q.add_argument("--rep", dest="goal_rep", required=True, metavar="NAME")
    q.add_argument("--week", required=True, metavar="YYYY-MM-DD", help="any day of the week")
    q.add_argument("--blocks", metavar="N", help="call blocks (unchanged when not given)")
    q.add_argument("--dials", metavar="N", help="dials (unchanged when not given)")
    q.add_argument("--meetings", metavar="N", help="meetings set (unchanged when not given)")
    q.set_defaults(handler=cmd_goals_set)
    q = gsub.add_parser("show", help="progress against this week's goals (the default)")
    show_options(q, argparse.SUPPRESS)
    q.set_defaults(handler=cmd_goals_show)


def add_recount(sub: argparse._SubParsersAction) -> None:
    """``recount [--check]``."""
    p = sub.add_parser("recount", help="recompute connect/conversation flags of past calls "
                       "from their outcomes and objections")
    p.add_argument("--check", action="store_true", help="only count disagreeing calls")
    p.set_defaults(handler=cmd_recount)


def add_dashboard(sub: argparse._SubParsersAction) -> None:
    """``dashboard [--tz ZONE]``."""
    p = sub.add_parser("dashboard", help="open the manager dashboard in the TUI")
    p.add_argument("--tz", metavar="ZONE", help="display time zone (default: this machine's)")
    p.set_defaults(handler=cmd_dashboard)
