"""``callcoach block``: open the TUI straight into a timed call block on one list."""

from __future__ import annotations

import argparse

from callcoach.cli.args import UserError, check_rep_flag, open_db, settings_of
from callcoach.cli.start import gc_paused_until_first_screen


def cmd_block(args: argparse.Namespace) -> int:
    """Open the TUI straight into a call block on one list."""
    with gc_paused_until_first_screen():
        return _run_block(args)


def _run_block(args: argparse.Namespace) -> int:
    from functools import partial

    from callcoach.clock import SystemClock
    from callcoach.core.lists.call_lists import find_list
    from callcoach.tui.app import make_app
    from callcoach.tui.screens.block_start import start_block_flow

    if args.minutes is not None and not 1 <= args.minutes <= 240:
        raise UserError(f"--minutes {args.minutes:g}: expected 1 to 240")
    settings = settings_of(args)
    db = open_db(args, announce=True)
    with db.session() as session:
        found = find_list(session, args.list)
        if found is None:
            from callcoach.core.lists.call_lists import list_summaries

            names = [r.name for r in list_summaries(session, SystemClock().now(), settings.window)]
            known = ", ".join(names[:8]) + (" ..." if len(names) > 8 else "")
            raise UserError(f"--list {args.list!r}: no such call list (known: {known or 'none'})")
    check_rep_flag(db, args.block_rep or args.rep)
    rep_name = args.block_rep or args.rep or settings.rep
    start = partial(start_block_flow, list_id=found.id, minutes=args.minutes)
    app = make_app(db=db, settings=settings, clock=SystemClock(), rep_name=rep_name, start=start)
    app.run()
    return app.return_code or 0


def add_block(sub: argparse._SubParsersAction) -> None:
    """``block --list NAME [--minutes N] [--rep NAME]``."""
    p = sub.add_parser("block", help="start a timed call block on a list (opens the TUI)")
    p.add_argument("--list", required=True, metavar="NAME", help="the call list to work")
    p.add_argument(
        "--minutes", type=float, metavar="N", help="block length (default from settings: 52)"
    )
    p.add_argument("--rep", dest="block_rep", metavar="NAME", help="who is calling")
    p.set_defaults(handler=cmd_block)
