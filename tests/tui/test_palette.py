"""The command palette knows the app: each screen and each key of the current screen is
found by its name and runs."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette

from callcoach.tui.app import make_app
from callcoach.tui.palette import key_commands
from callcoach.tui.screens.block import BlockScreen
from callcoach.tui.screens.block_dialogs import NoteDialog, StartBlockDialog
from callcoach.tui.screens.dashboard import DashboardScreen
from callcoach.tui.screens.drills import DrillsScreen
from callcoach.tui.screens.goals import GoalsScreen
from callcoach.tui.screens.help import HelpScreen
from callcoach.tui.screens.home import HomeScreen
from callcoach.tui.screens.planner import PlannerScreen
from callcoach.tui.screens.studio import StudioScreen
from tests.support.blockkit import make_list, make_rep, seed_library
from tests.support.helpers import SIZE
from tests.support.helpers import screen_text as text_of
from tests.support.helpers import stored_attempts as attempts


@pytest.fixture
def world(sqlite_db):
    make_rep(sqlite_db)
    seed_library(sqlite_db)
    make_list(sqlite_db, contacts=[{"first_name": n} for n in ("Ada", "Ben", "Cy")])
    return sqlite_db


async def run_command(app, pilot, name: str) -> None:
    """ctrl+p, type ``name``, wait for it to be found, Enter."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(app.screen, CommandPalette)
    await pilot.press(*name)
    for _ in range(100):  # the palette searches in a worker
        await pilot.pause(0.05)
        shown = [str(o.prompt) for o in app.screen.query("CommandList").first().options]
        if shown and name.lower() in str(shown[0]).lower():
            break
    else:
        raise AssertionError(f"{name!r} not found in the palette: {shown}")
    await pilot.press("enter")
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize(
    ("name", "screen"),
    [
        ("Dashboard", DashboardScreen),
        ("Pipeline planner", PlannerScreen),
        ("Objection drills", DrillsScreen),
        ("Weekly goals", GoalsScreen),
        ("Talk tracks (studio)", StudioScreen),
        ("Help: keys of this screen", HelpScreen),
        ("Call block", StartBlockDialog),
    ],
)
async def test_every_screen_is_found_by_name_and_opens(world, clock, settings, name, screen):
    app = make_app(world, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await run_command(app, pilot, name)
        assert isinstance(app.screen, screen)
        await run_command(app, pilot, "Call lists")
        assert isinstance(app.screen, HomeScreen)


async def test_the_block_screens_keys_are_found_by_name_and_run(world, clock, settings):
    app = make_app(world, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await run_command(app, pilot, "Call block")
        await pilot.press("enter")
        await pilot.pause()
        block = app.screen
        assert isinstance(block, BlockScreen)
        names = [c.name for c in key_commands(app, block)]
        for expected in ("Dial", "Obj", "Note", "Pause", "End", "no answer", "meeting set"):
            assert any(expected.lower() in n.lower() for n in names), (expected, names)
        await run_command(app, pilot, "Dial")
        assert len(attempts(world)) == 1 and attempts(world)[0].outcome is None
        await run_command(app, pilot, "no answer")
        assert attempts(world)[0].outcome == "no_answer"
        assert "Ben" in text_of(app)
        await run_command(app, pilot, "Note")
        assert isinstance(app.screen, NoteDialog)
        await pilot.press("escape")
        # Another screen over the block, and back to the block by name.
        await run_command(app, pilot, "Dashboard")
        assert isinstance(app.screen, DashboardScreen)
        await run_command(app, pilot, "Call block")
        assert app.screen is block
        await run_command(app, pilot, "Pause")
        assert "paused" in text_of(app).lower()


async def test_the_dashboards_keys_are_in_the_palette_on_the_dashboard(world, clock, settings):
    app = make_app(world, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await run_command(app, pilot, "Dashboard")
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        names = [c.name for c in key_commands(app, dashboard)]
        assert any(n.startswith("Last week") for n in names)
        assert any(n.startswith("Rep view") for n in names)
        for _ in range(50):
            await pilot.pause(0.05)
            if dashboard.filter is not None:
                break
        this_week = dashboard.filter.since
        await run_command(app, pilot, "Last week")
        assert app.screen is dashboard
        assert (this_week - dashboard.filter.since).days == 7
