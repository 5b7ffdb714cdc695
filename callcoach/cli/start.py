"""Opening the TUI: the home screen (``callcoach`` with no command), and the collector pause
every command that opens the TUI starts under."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from callcoach.cli.args import check_rep_flag, open_db, settings_of


@contextmanager
def gc_paused_until_first_screen() -> Iterator[None]:
    """Start-up builds hundreds of thousands of objects that all stay alive (modules, models,
    CSS): the cyclic collector would scan them again and again for nothing (about a tenth of
    a second). The app turns it back on once its first screen is painted; on any other way
    out it is turned back on here."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def cmd_tui(args: argparse.Namespace) -> int:
    """Open the TUI on the home screen (seeding the demo data into a brand-new database)."""
    with gc_paused_until_first_screen():
        from callcoach.clock import SystemClock
        from callcoach.core.demo.seed import seed_demo_if_empty
        from callcoach.tui.app import make_app

        settings = settings_of(args)
        db = open_db(args)
        clock = SystemClock()
        check_rep_flag(db, args.rep)  # before seeding: a refused name leaves no database
        seed_demo_if_empty(db, clock)
        app = make_app(db=db, settings=settings, clock=clock, rep_name=args.rep or settings.rep)
        app.run()
    return app.return_code or 0
