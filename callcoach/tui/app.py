"""The Textual application, built by :func:`make_app` so tests and the CLI agree."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from callcoach.clock import Clock, SystemClock
from callcoach.config import Settings
from callcoach.core.reps import default_rep
from callcoach.storage.db import Database
from callcoach.storage.models import Rep


class CallcoachApp(App[int]):
    """callcoach: clustered lists, timed call blocks, reviews and drills."""

    TITLE = "callcoach"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("ctrl+q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, db: Database, settings: Settings, clock: Clock, rep: Rep) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.clock = clock
        self.rep = rep
        #: (list_id, minutes) to start a call block on at launch (``callcoach block``).
        self.block_request: tuple[int, float | None] | None = None
        self.sub_title = f"{rep.name} ({rep.role})"

    def on_mount(self) -> None:
        """Write outcomes a previous run saved offline, then open on the home screen."""
        from callcoach.core.calling.journal import OutcomeJournal, replay_at_start
        from callcoach.tui.screens.home import HomeScreen

        replayed = replay_at_start(self.db, self.settings, OutcomeJournal.for_database(self.db.url))
        if replayed:
            self.notify(replayed, title="Offline outcomes", timeout=10)
        self.push_screen(HomeScreen())
        self.push_start_screen()
        self.call_after_refresh(_resume_gc)

    def push_start_screen(self) -> None:
        """Push the screen a command opens on, over home (none: home itself)."""

    async def run_action(self, action: str, default_namespace: object = None) -> bool:
        """Run a key's action; a database connection lost meanwhile becomes one line and
        the app carries on (the block screen keeps outcomes in the journal)."""
        from callcoach.core.calling.journal import connection_trouble

        try:
            return await super().run_action(action, default_namespace)
        except Exception as exc:
            message = connection_trouble(self.db.url, exc)
            if message is None:
                raise
            self.notify(message, title="Database unreachable", severity="error", timeout=10)
            return True

    def action_help(self) -> None:
        """Show the key reference for the current screen."""
        from callcoach.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))


def _resume_gc() -> None:
    """After the first screen is painted: turn the cyclic garbage collector back on if the
    CLI paused it for start-up, keeping everything built so far out of its scans."""
    import gc

    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def make_app(
    db: Database,
    settings: Settings | None = None,
    clock: Clock | None = None,
    rep_name: str | None = None,
) -> CallcoachApp:
    """Build the app on an opened database; the one constructor for CLI and tests."""
    settings = settings or Settings()
    with db.session() as session:
        rep = default_rep(session, rep_name)
    return CallcoachApp(db=db, settings=settings, clock=clock or SystemClock(), rep=rep)
