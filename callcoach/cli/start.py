"""Opening the TUI: the home screen (``callcoach`` with no command), and the collector pause
every command that opens the TUI starts under."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from callcoach.cli.args import check_rep_flag, open_db, progress_line, settings_of

if TYPE_CHECKING:
    from callcoach.storage.db import Database


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
    """Open the TUI on the home screen (seeding the demo data into a brand-new database).

    In a terminal, home is painted before the database stack is even imported: the app
    opens the database (migrating and seeding it the first time) in a thread once home is
    up, then fills it. An error there ends the app and is raised here, after the terminal
    is restored, so it is still one line on stderr. Not in a terminal, it opens first.
    """
    with gc_paused_until_first_screen():
        from callcoach.clock import SystemClock

        settings = settings_of(args)
        clock = SystemClock()
        rep_name = args.rep or settings.rep

        def opened(progress: Callable[[str], None] = progress_line) -> Database:
            """Open (creating, migrating and seeding a new database, told through
            ``progress``: stderr before the TUI is up, the home screen's hint line after)."""
            from callcoach.core.demo.seed import seed_demo_if_empty

            db = open_db(args, progress=progress)
            check_rep_flag(db, args.rep)  # before seeding: a refused name leaves no database
            seed_demo_if_empty(db, clock, progress=progress)
            return db

        if sys.stdin.isatty() and sys.stdout.isatty():
            from callcoach.tui.app import make_lazy_app

            app = make_lazy_app(opened, settings, clock, rep_name)
            app.run()
            if app.load_error is not None:
                raise app.load_error
        else:
            from callcoach.tui.app import make_app

            app = make_app(db=opened(), settings=settings, clock=clock, rep_name=rep_name)
            app.run()
    return app.return_code or 0
