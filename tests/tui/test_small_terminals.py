"""The other screens at 80x24 (a laptop terminal, a tmux split): every footer key visible,
nothing essential cut."""

from __future__ import annotations

import pytest
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from callcoach.core.demo.seed import seed_demo_if_empty
from callcoach.tui.app import make_app
from callcoach.tui.screens.dashboard import DashboardScreen
from callcoach.tui.screens.drills import DrillsScreen
from callcoach.tui.screens.planner import PlannerScreen
from callcoach.tui.screens.rep_view import RepViewScreen
from tests.support import report_fixture as fx

SMALL = (80, 24)


def footer_keys(app) -> list[str]:
    """The keys the footer shows whole within the terminal's width."""
    footer = app.screen.query_one(Footer)
    return [
        k.key
        for k in footer.query(FooterKey)
        if k.region.width and k.region.right <= app.size.width
    ]


def screen_rows(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def shown_bindings(screen) -> list[str]:
    return [b.key for b in screen.BINDINGS if getattr(b, "show", False) and b.description]


@pytest.fixture
def fixture_db(sqlite_db, monkeypatch):
    monkeypatch.setenv("TZ", fx.ZONE)
    fx.build(sqlite_db)
    return sqlite_db


async def test_home_footer_at_80x24(sqlite_db, settings, clock):
    seed_demo_if_empty(sqlite_db, clock)
    app = make_app(sqlite_db, settings, clock)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        keys = footer_keys(app)
        for key in ("r", "b", "m", "l", "t", "ctrl+q"):
            assert key in keys, (key, keys)
        assert any("6 lists" in row for row in screen_rows(app))


async def test_dashboard_and_rep_view_at_80x24(fixture_db, settings, clock):
    app = make_app(fixture_db, settings, clock, rep_name="Mia")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("m", "p")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        keys = footer_keys(app)
        for key in [*shown_bindings(screen), "ctrl+q"]:
            assert key in keys, (key, keys)
        # Every filter is on screen, whole (two rows under 100 columns).
        for widget in screen.query_one("#dash-filters").children:
            assert widget.region.width >= 12 and widget.region.right <= 80, widget
        rows = "\n".join(screen_rows(app))
        assert "All reps" in rows and "All lists" in rows and "until YYYY-MM-DD" in rows
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, RepViewScreen)
        keys = footer_keys(app)
        assert "escape" in keys and "ctrl+q" in keys


async def test_planner_at_80x24(fixture_db, settings, clock):
    app = make_app(fixture_db, settings, clock, rep_name="Mia")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, PlannerScreen)
        rows = screen_rows(app)
        text = "\n".join(rows)
        # The plan keeps its columns (one row per stage), the form its labels.
        assert any("call blocks" in r and r.rstrip().endswith("34.2") for r in rows), text
        assert "stage              total  per week" in text
        assert "measured)" in text and "Rates of" in text
        keys = footer_keys(app)
        for key in ("ctrl+r", "escape", "ctrl+q"):
            assert key in keys, (key, keys)


async def test_drills_at_80x24(sqlite_db, settings, clock):
    seed_demo_if_empty(sqlite_db, clock)
    app = make_app(sqlite_db, settings, clock)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("t")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, DrillsScreen)
        text = "\n".join(screen_rows(app))
        assert "Trainer (blank: the trainee" in text and " scores)" in text
        assert "Progress (per objection" in text
        keys = footer_keys(app)
        for key in ("enter", "ctrl+t", "f5", "escape", "ctrl+q"):
            assert key in keys, (key, keys)
