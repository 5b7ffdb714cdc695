"""The Textual application, built by :func:`make_app` so tests and the CLI agree."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from callcoach.clock import Clock, SystemClock
from callcoach.config import Settings
from callcoach.core.service import CoachService, Database
from callcoach.tui.text import markup, plain

if TYPE_CHECKING:
    from callcoach.core.service.drills import Speaker
    from callcoach.storage.models import Rep

#: What a command opens on, over home: a screen, or a flow started once home is up (e.g.
#: ``callcoach block``: the start dialog, or the offer to resume an unfinished block).
StartFlow = Callable[["CallcoachApp"], object]
Start = Screen | StartFlow | None


class CallcoachApp(App[int]):
    """callcoach: clustered lists, timed call blocks, reviews and drills."""

    TITLE = "callcoach"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("ctrl+q", "quit", "Quit", id="quit"),
    ]

    def __init__(
        self,
        service: CoachService,
        settings: Settings,
        clock: Clock,
        rep: Rep,
        start: Start = None,
        speaker: Speaker | None = None,
    ) -> None:
        super().__init__()
        #: the screens' only way to the core and the database
        self.service = service
        self.settings = settings
        self.clock = clock
        self.rep = rep
        self.start = start
        #: the drills' speaker, made on first use from the settings unless given
        self.drill_speaker = speaker
        self.sub_title = plain(f"{rep.name} ({rep.role})")

    def on_mount(self) -> None:
        """Write outcomes a previous run saved offline, then open on home (and the start
        screen over it, in the same step: home never shows before it)."""
        from callcoach.tui.screens.home import HomeScreen

        replayed = self.service.replay_offline_outcomes()
        if replayed:
            self.notify(markup(replayed), title="Offline outcomes", timeout=10)
        self.push_screen(HomeScreen())
        if isinstance(self.start, Screen):
            self.push_screen(self.start)
            self.start = None
        self.call_after_refresh(_resume_gc)

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

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette: Textual's commands, then every key of the current screen by
        its footer name (so "Talk tracks" on home opens the studio)."""
        yield from super().get_system_commands(screen)
        for binding in screen.BINDINGS:
            if isinstance(binding, Binding) and binding.show and binding.description:
                action = binding.action

                async def run(action: str = action, screen: Screen = screen) -> None:
                    await self.run_action(action, screen)

                help_text = binding.tooltip or f"key {binding.key.split(',')[0]}"
                yield SystemCommand(binding.description, help_text, run)

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
