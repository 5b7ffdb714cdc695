"""The App factory's start parameter, and the block screen's save pipeline on its worker."""

from __future__ import annotations

import threading
import time
from contextlib import nullcontext
from functools import partial

from textual.app import App
from textual.screen import Screen
from textual.widgets import Static

from callcoach.tui.app import make_app
from callcoach.tui.screens.block import BlockScreen
from callcoach.tui.screens.block_dialogs import StartBlockDialog
from callcoach.tui.screens.block_saving import SAVE_GROUP, SaveDone, SavePipeline
from callcoach.tui.screens.block_start import start_block_flow
from callcoach.tui.screens.home import HomeScreen
from callcoach.tui.screens.planner import PlannerScreen
from tests.support.blockkit import make_list, make_rep, seed_library
from tests.support.helpers import SIZE


async def test_start_screen_opens_over_home(sqlite_db, settings, clock):
    app = make_app(sqlite_db, settings, clock, start=PlannerScreen())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PlannerScreen)
        assert [type(s) for s in app.screen_stack[1:]] == [HomeScreen, PlannerScreen]
        assert app.take_start_flow() is None  # a screen is not a flow
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_start_flow_runs_once_when_home_is_up(sqlite_db, settings, clock):
    """``callcoach block``: the start dialog for the asked list and length, then the block."""
    make_rep(sqlite_db)
    seed_library(sqlite_db)
    list_id, _ = make_list(sqlite_db, contacts=[{"first_name": "Ada"}])
    flow = partial(start_block_flow, list_id=list_id, minutes=25)
    app = make_app(sqlite_db, settings, clock, rep_name="Sam", start=flow)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, StartBlockDialog)
        assert app.take_start_flow() is None  # taken by home already
        dialog.dismiss(25.0)
        await pilot.pause()
        assert isinstance(app.screen, BlockScreen)
        assert app.screen.contact.first_name == "Ada"
        assert app.screen.block.planned_seconds == 25 * 60


class _PipelineScreen(Screen):
    """A bare screen with a save pipeline, its messages and lines recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.finished = False
        self.saves = SavePipeline(
            self,
            say=lambda text, level="": self.lines.append(text),
            trouble=lambda exc: None,
            watched=nullcontext,
            expected=(ValueError,),
            finished=lambda: self.finished,
        )

    def compose(self):
        yield Static("pipeline")

    def on_mount(self) -> None:
        self.saves.start()

    def on_unmount(self) -> None:
        self.saves.stop()

    def on_save_done(self, message: SaveDone) -> None:
        self.saves.done(message)


async def test_slow_jobs_run_one_at_a_time_in_order_on_one_worker():
    runs: list[tuple[str, float, float, str]] = []
    done: list[str] = []

    def job(name: str, seconds: float) -> str:
        start = time.perf_counter()
        time.sleep(seconds)
        runs.append((name, start, time.perf_counter(), threading.current_thread().name))
        return name

    app = App()
    async with app.run_test() as pilot:
        screen = _PipelineScreen()
        await app.push_screen(screen)
        await pilot.pause()
        for name in ("dial", "outcome", "note"):
            screen.saves.submit(partial(job, name, 0.15), done.append, name, f"the {name}")
        assert screen.lines[-1] == "Saving: note ..."
        assert screen.saves.busy()
        assert screen.lines[-1].startswith("Saving the note - one moment")
        for _ in range(100):
            if len(done) == 3:
                break
            await pilot.pause(0.02)
        assert done == ["dial", "outcome", "note"]
        assert [r[0] for r in runs] == ["dial", "outcome", "note"]
        for before, after in zip(runs, runs[1:], strict=False):
            assert before[2] <= after[1]  # never two at once
        assert len({r[3] for r in runs}) == 1 and runs[0][3] != threading.main_thread().name
        (worker,) = [w for w in app.workers if w.group == SAVE_GROUP]
        assert worker.is_running and screen.saves.saving is None

        # A fast job is done inline (no "Saving"); an expected error is its own line.
        screen.lines.clear()
        screen.saves.submit(lambda: "quick", done.append, "quick", "the quick one")
        assert done[-1] == "quick" and screen.lines == []
        screen.saves.submit(_raise, done.append, "bad", "the bad one")
        assert screen.lines == ["no such contact"] and done[-1] == "quick"

        app.pop_screen()
        for _ in range(50):
            if worker.is_finished:
                break
            await pilot.pause(0.02)
        assert worker.is_finished  # the worker ends with its screen


def _raise() -> None:
    raise ValueError("no such contact")
