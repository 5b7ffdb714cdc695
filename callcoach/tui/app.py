"""The Textual application, built by :func:`make_app` so tests and the CLI agree."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from callcoach.clock import Clock, SystemClock
from callcoach.config import Settings
from callcoach.tui import typeahead
from callcoach.tui.palette import AppCommands
from callcoach.tui.text import markup, plain

if TYPE_CHECKING:
    from callcoach.core.service import CoachService, Database
    from callcoach.core.service.drills import Speaker
    from callcoach.storage.models import Rep

#: Opens the database and the session's service in a thread once home is painted:
#: ``callcoach`` shows its first screen before importing the database stack.
#: It is given a function that shows a progress line (migrating, seeding) on home.
Loader = Callable[[Callable[[str], None]], tuple["CoachService", "Rep"]]

#: What a command opens on, over home: a screen, or a flow started once home is up (e.g.
#: ``callcoach block``: the start dialog, or the offer to resume an unfinished block).
StartFlow = Callable[["CallcoachApp"], object]
Start = Screen | StartFlow | None


class CallcoachApp(App[int]):
    """callcoach: clustered lists, timed call blocks, reviews and drills."""

    TITLE = "callcoach"
    CSS_PATH = "app.tcss"
    #: Every screen gets -narrow (under 100 columns) or -wide, and -short (under 32 rows)
    #: or -tall, for its CSS to fit laptop terminals, tmux splits and wide monitors.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    #: Textual's commands plus the app's screens and the current screen's keys (ctrl+p)
    COMMANDS = App.COMMANDS | {AppCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("ctrl+q", "quit", "Quit", id="quit"),
    ]

    def __init__(
        self,
        service: CoachService | None,
        settings: Settings,
        clock: Clock,
        rep: Rep | None,
        start: Start = None,
        speaker: Speaker | None = None,
        loader: Loader | None = None,
    ) -> None:
        super().__init__()
        #: the screens' only way to the core and the database (None until ``loader`` ran)
        self.service: CoachService = service  # type: ignore[assignment]
        self.settings = settings
        self.clock = clock
        self.rep: Rep = rep  # type: ignore[assignment]
        self.start = start
        #: the drills' speaker, made on first use from the settings unless given
        self.drill_speaker = speaker
        self._loader = loader
        #: why the database could not be opened (the app then exits with status 2)
        self.load_error: BaseException | None = None
        if rep is not None:
            self.sub_title = plain(f"{rep.name} ({rep.role})")
        #: keys typed ahead of a form that is still opening
        self.type_ahead = typeahead.TypeAhead()

    @property
    def ready(self) -> bool:
        """The database is open and the rep known (always, unless a loader still runs)."""
        return self.service is not None

    def on_mount(self) -> None:
        """Write outcomes a previous run saved offline, then open on home (and the start
        screen over it, in the same step: home never shows before it). With a loader, home
        is painted first and the database opened after, in a thread."""
        from callcoach.tui.screens.home import HomeScreen

        if not self.ready:
            self.push_screen(HomeScreen())
            self.call_after_refresh(self._load)
            return
        self._replay_offline()
        self.push_screen(HomeScreen())
        if isinstance(self.start, Screen):
            self.push_screen(self.start)
            self.start = None
        self.call_after_refresh(_resume_gc)

    def _replay_offline(self) -> None:
        replayed = self.service.replay_offline_outcomes()
        if replayed:
            self.notify(markup(replayed), title="Offline outcomes", timeout=10)

    def _load(self) -> None:
        self.run_worker(self._open_database, thread=True, name="callcoach-open", exit_on_error=False)

    def _open_database(self) -> None:
        """The loader's thread: import the database stack, open, migrate, seed, find the rep."""
        assert self._loader is not None
        try:
            service, rep = self._loader(self._progress_from_thread)
        except BaseException as exc:  # shown by the CLI once the terminal is back
            self.call_from_thread(self._not_opened, exc)
            return
        self.call_from_thread(self._opened, service, rep)

    def _progress_from_thread(self, text: str) -> None:
        """A first start's progress (creating, migrating, seeding) on home's hint line."""
        self.call_from_thread(self._show_progress, text)

    def _show_progress(self, text: str) -> None:
        from callcoach.tui.screens.home import HomeScreen

        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen):
                screen.show_progress(text)

    def _opened(self, service: CoachService, rep: Rep) -> None:
        """The database is open: fill home and carry on as a start with it open would."""
        from callcoach.tui.screens.home import HomeScreen

        self.service, self.rep = service, rep
        self.sub_title = plain(f"{rep.name} ({rep.role})")
        self._replay_offline()
        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen):
                screen.database_ready()
        self.call_after_refresh(_resume_gc)

    def _not_opened(self, exc: BaseException) -> None:
        self.load_error = exc
        self.exit(return_code=2)

    def take_start_flow(self) -> StartFlow | None:
        """The flow the command asked for, once (home runs it when it is up)."""
        flow, self.start = self.start, None
        return flow if callable(flow) else None

    async def run_action(self, action: str, default_namespace: object = None) -> bool:
        """Run a key's action; a database connection lost meanwhile becomes one line and
        the app carries on (the block screen keeps outcomes in the journal)."""
        try:
            return await super().run_action(action, default_namespace)
        except Exception as exc:
            message = self.service.connection_trouble(exc)
            if message is None:
                raise
            self.notify(markup(message), title="Database unreachable", severity="error", timeout=10)
            return True

    async def action_quit(self) -> None:
        """Quit; in the middle of a call, ask first (the call would be left without an
        outcome until the block is resumed)."""
        from callcoach.tui.screens.block import BlockScreen
        from callcoach.tui.screens.block_dialogs import ConfirmDialog

        if isinstance(self.screen, ConfirmDialog) and self.screen.about_quitting:
            self.exit()  # ctrl+q again on the question itself: the rep means it
            return
        if any(isinstance(s, BlockScreen) and s.call_in_progress() for s in self.screen_stack):
            self.push_screen(
                ConfirmDialog(
                    "A call is in progress. Quit now? The call stays open without an outcome: "
                    "log it when you resume the block.",
                    about_quitting=True,
                ),
                lambda yes: self.exit() if yes else None,
            )
            return
        self.exit()

    async def on_event(self, event: events.Event) -> None:
        """Keys typed while a form opens wait for it (see :mod:`callcoach.tui.typeahead`)."""
        if self.type_ahead.take(event):
            return
        await super().on_event(event)

    async def on_key(self, event: events.Key) -> None:
        """A key typed on a screen a form has covered since goes to the form (type-ahead)."""
        if await self.type_ahead.hand_on(self, event):
            event.prevent_default()
            event.stop()

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
    start: Start = None,
    speaker: Speaker | None = None,
) -> CallcoachApp:
    """Build the app on an opened database, opening on home with ``start`` over it (a
    screen, or a flow run once home is up); the one constructor for CLI and tests."""
    from callcoach.core.service import CoachService

    settings = settings or Settings()
    clock = clock or SystemClock()
    service = CoachService(db, settings, clock)
    return CallcoachApp(
        service=service,
        settings=settings,
        clock=clock,
        rep=service.rep(rep_name),
        start=start,
        speaker=speaker,
    )


def make_lazy_app(
    open_db: Callable[[Callable[[str], None]], Database],
    settings: Settings,
    clock: Clock,
    rep_name: str | None = None,
) -> CallcoachApp:
    """The app for ``callcoach`` in a terminal: home is painted at once and ``open_db`` (which
    imports the database stack, opens, migrates and seeds) runs in a thread after it; an
    error there ends the app with ``load_error`` set, for the CLI to print as one line."""

    def load(progress: Callable[[str], None]) -> tuple[CoachService, Rep]:
        from callcoach.core.service import CoachService

        service = CoachService(open_db(progress), settings, clock)
        return service, service.rep(rep_name)

    return CallcoachApp(service=None, settings=settings, clock=clock, rep=None, loader=load)
