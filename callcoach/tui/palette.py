"""The command palette knows the app: every screen by name, and the keys of the screen it
was opened on.

``ctrl+p`` (Textual's palette) lists, beside Textual's own commands, the app's screens -
call lists, the call block, dashboard, planner, drills, weekly goals, the key help - and
every key the current screen describes (its footer and help: "Dial", "Objection",
"Undo"... once a screen binds them), found by name and run as if the key was pressed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen


@dataclass(frozen=True)
class PaletteCommand:
    """One palette entry: its name, a line of help, and what it runs."""

    name: str
    help: str
    run: Callable[[], Awaitable[object] | object]


def _home(app: Any) -> Screen | None:
    from callcoach.tui.screens.home import HomeScreen

    return next((s for s in app.screen_stack if isinstance(s, HomeScreen)), None)


def _block(app: Any) -> Screen | None:
    from callcoach.tui.screens.block import BlockScreen

    return next((s for s in app.screen_stack if isinstance(s, BlockScreen)), None)


def _back_to(app: Any, screen: Screen) -> None:
    """Close the screens above ``screen`` (never the block under them)."""
    while app.screen_stack and app.screen_stack[-1] is not screen:
        app.pop_screen()


def _call_lists(app: Any) -> None:
    home, block = _home(app), _block(app)
    if block is not None:
        app.notify("A call block is running: end it (e) to get back to the lists.")
        _back_to(app, block)
    elif home is not None:
        _back_to(app, home)


def _call_block(app: Any) -> None:
    block, home = _block(app), _home(app)
    if block is not None:
        _back_to(app, block)
        return
    if home is None:
        return
    _back_to(app, home)
    home.action_start_block()


def _dashboard(app: Any) -> None:
    from callcoach.tui.screens.dashboard import DashboardScreen

    app.push_screen(DashboardScreen())


def _planner(app: Any) -> None:
    from callcoach.tui.screens.planner import PlannerScreen

    app.push_screen(PlannerScreen())


def _drills(app: Any) -> None:
    from callcoach.tui.screens.drills import DrillsScreen

    app.push_screen(DrillsScreen())


def _studio(app: Any) -> None:
    from callcoach.tui.screens.studio import StudioScreen

    app.push_screen(StudioScreen())


def _goals(app: Any) -> None:
    from callcoach.tui.screens.goals import GoalsScreen

    def saved(done: bool | None) -> None:
        if done:
            app.notify("Goal saved.")

    today = app.clock.now().astimezone().date()
    app.push_screen(GoalsScreen(today, app.rep.id), saved)


def _when_ready(app: Any, open_screen: Callable[[Any], None]) -> None:
    """Open a screen once the database is open (start-up opens it after home is painted)."""
    if not app.ready:
        app.notify("Opening the database - one moment.")
        return
    open_screen(app)


def screen_commands(app: Any) -> list[PaletteCommand]:
    """Every screen of the app, reachable from anywhere."""
    return [
        PaletteCommand(
            "Call lists (home)",
            "the lists; a call block starts from one",
            partial(_when_ready, app, _call_lists),
        ),
        PaletteCommand(
            "Call block",
            "back to the block in progress, or start one on the selected list",
            partial(_when_ready, app, _call_block),
        ),
        PaletteCommand(
            "Dashboard",
            "the funnel, leaderboard and trends (managers)",
            partial(_when_ready, app, _dashboard),
        ),
        PaletteCommand(
            "Pipeline planner",
            "from a revenue gap to call blocks per week",
            partial(_when_ready, app, _planner),
        ),
        PaletteCommand(
            "Objection drills",
            "practise the answers until they are reflexes",
            partial(_when_ready, app, _drills),
        ),
        PaletteCommand(
            "Talk tracks (studio)",
            "write, time and assign talk tracks; edit the objection library",
            partial(_when_ready, app, _studio),
        ),
        PaletteCommand("Weekly goals", "set your goals for this week", partial(_when_ready, app, _goals)),
        PaletteCommand("Help: keys of this screen", "every key the screen offers", app.action_help),
    ]


def _bindings(screen: Screen) -> Iterator[Binding]:
    """The screen's described bindings, in the order it declares them (its class first)."""
    seen: set[str] = set()
    for cls in type(screen).__mro__:
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.description and binding.action not in seen:
                seen.add(binding.action)
                yield binding


def _action_doc(screen: Screen, action: str) -> str:
    """The first line of the action method's docstring, without its full stop."""
    method = getattr(screen, f"action_{action.split('(')[0]}", None)
    doc = (getattr(method, "__doc__", None) or "").strip().splitlines()
    return doc[0].strip().rstrip(".;") if doc else ""


def key_commands(app: Any, screen: Screen) -> list[PaletteCommand]:
    """The keys ``screen`` describes, each by its name and what it does ("Dial: Start the
    call ..."), run on that screen as if the key was pressed."""
    screens = [c.name.lower() for c in screen_commands(app)]
    commands = []
    for binding in _bindings(screen):
        label = binding.tooltip or binding.description
        if any(name == label.lower() or name.endswith(f" {label.lower()}") for name in screens):
            continue  # the screen list has it already (home's "Dashboard" key)
        doc = _action_doc(screen, binding.action)
        name = f"{label}: {doc}" if doc and doc.lower() != label.lower() else label
        key = app.get_key_display(binding)
        commands.append(
            PaletteCommand(
                name[:70],
                f"key {key} on this screen",
                partial(app.run_action, binding.action, screen),
            )
        )
    return commands


class AppCommands(Provider):
    """The palette's callcoach commands: screens, then the current screen's keys."""

    def _commands(self) -> list[PaletteCommand]:
        return screen_commands(self.app) + key_commands(self.app, self.screen)

    async def discover(self) -> Hits:
        """With nothing typed: every command."""
        for command in self._commands():
            yield DiscoveryHit(command.name, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        """The commands whose name matches what was typed, best first."""
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(score, matcher.highlight(command.name), command.run, help=command.help)
