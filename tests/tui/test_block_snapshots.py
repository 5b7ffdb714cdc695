"""Snapshots of the call block screen in its main states (fake clock, fixed data)."""

from __future__ import annotations

import pytest

from callcoach.tui.app import make_app
from tests.support.blockkit import make_list, make_rep, seed_library

#: A laptop terminal or tmux split, and a large one (the layout changes between them).
SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])


@pytest.fixture
def app(sqlite_db, clock, settings):
    make_rep(sqlite_db)
    lib = seed_library(sqlite_db)
    people = [
        {"first_name": "Ada", "last_name": "Byron", "company": "Molar Works",
         "title": "Practice Owner"},
        {"first_name": "Ben", "last_name": "Cole", "company": "Bright Teeth"},
        {"first_name": "Cy", "last_name": "Dunn", "company": "Gum Care"},
        {"first_name": "Di", "last_name": "Ek", "company": "Smile Lab"},
    ]
    make_list(sqlite_db, contacts=people, overrides={lib["no_budget"]: "Budget? {first_name}, "
                                                     "the meeting is to prove the ROI first."})
    application = make_app(sqlite_db, settings, clock, rep_name="Sam")
    application.test_clock = clock
    return application


async def _start(pilot) -> None:
    await pilot.press("b")
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


@SIZES
def test_waiting_to_dial(app, snap_compare, size):
    assert snap_compare(app, run_before=_start, terminal_size=size)


@SIZES
def test_in_call_with_objections(app, snap_compare, size):
    async def run(pilot):
        await _start(pilot)
        await pilot.press("d")
        app.test_clock.advance(84)
        app.screen.tick()
        await pilot.press("o", *"budget", "enter", "y", "o", *"info", "enter")
        await pilot.pause()

    assert snap_compare(app, run_before=run, terminal_size=size)


@SIZES
def test_meeting_form(app, snap_compare, size):
    async def run(pilot):
        await _start(pilot)
        await pilot.press("d")
        app.test_clock.advance(70)
        await pilot.press("7")
        await pilot.pause()

    assert snap_compare(app, run_before=run, terminal_size=size)


@SIZES
def test_summary(app, snap_compare, size):
    async def run(pilot):
        await _start(pilot)
        for key, secs in [("1", 25), ("5", 140)]:
            await pilot.press("d")
            app.test_clock.advance(secs)
            await pilot.press(key)
            app.test_clock.advance(8)
        await pilot.press("d")
        app.test_clock.advance(95)
        await pilot.press("o", *"busy", "enter", "6", "enter")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()

    assert snap_compare(app, run_before=run, terminal_size=size)
