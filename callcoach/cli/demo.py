"""``callcoach demo history``: a made-up team's last weeks of call blocks on the demo lists."""

from __future__ import annotations

import argparse
import sys

from callcoach.cli.args import number, open_db, settings_of


def cmd_demo_history(args: argparse.Namespace) -> int:
    """Fill the demo lists with a made-up team's last weeks of blocks (once)."""
    from callcoach.clock import SystemClock
    from callcoach.core.demo.history import generate_demo_history
    from callcoach.core.demo.seed import seed_demo_if_empty

    weeks = int(number(args.weeks, "--weeks", whole=True))
    settings = settings_of(args)
    db = open_db(args)
    clock = SystemClock()
    if seed_demo_if_empty(db, clock):
        print("seeded the demo lists, talk tracks and objections into a new database")
    tty = sys.stdout.isatty()

    def progress(line: str) -> None:
        if tty:
            print(f"\r{line:<60}", end="", flush=True)

    stats = generate_demo_history(db, clock, settings, weeks=weeks, progress=progress)
    if tty:
        print()
    print(
        f"demo history: {stats.reps} demo reps, {stats.blocks} blocks, {stats.dials} dials, "
        f"{stats.meetings} meetings, {stats.callbacks} callbacks, {stats.drills} drills "
        f"({stats.first_day} .. {stats.last_day}); open the dashboard with: callcoach dashboard"
    )
    return 0


def add_demo(sub: argparse._SubParsersAction) -> None:
    """``demo history [--weeks N]``."""
    p = sub.add_parser("demo", help="demo data: a made-up team's call history on the demo lists")
    dsub = p.add_subparsers(title="demo commands", metavar="ACTION", required=True)
    q = dsub.add_parser(
        "history",
        help="play four demo reps through the last weeks of call blocks on the demo lists, "
        "so the dashboard, scorecard and planner have figures (once per database)",
    )
    q.add_argument("--weeks", default="4", metavar="N", help="weeks of history, 1-12 (default 4)")
    q.set_defaults(handler=cmd_demo_history)
