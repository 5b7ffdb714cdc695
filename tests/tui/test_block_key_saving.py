"""Every key of the block screen reaches the database off the UI thread, in order.

Dial, objection, overcome, note, pause/resume, list switch and ending run on the block's
save worker (a Textual thread worker), after the outcome saves before them, like an
outcome does: a database that keeps the write waiting (a silent team server, a SQLite
file locked by another process) never freezes the screen. After SAVE_INLINE_SECONDS the
screen says what it is saving, keeps its clock running and holds the keys; when the write
is done the screen shows it, and a failed write is one line.
"""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager
from types import ModuleType

import sqlalchemy as sa
from sqlmodel import select
from textual import events

from callcoach.core.calling import dialling, lifecycle, objections, outcomes, serving
from callcoach.storage.models import AttemptObjection, CallBlock
from callcoach.tui.app import make_app
from callcoach.tui.screens import block_saving
from callcoach.tui.screens.block import BlockScreen
from callcoach.tui.screens.block_dialogs import ChoiceDialog, ObjectionPicker
from callcoach.tui.screens.block_summary import SummaryScreen
from tests.support.blockkit import make_list, start_named_block
from tests.support.helpers import SIZE, wait_for_save
from tests.support.helpers import screen_text as text_of
from tests.support.helpers import stored_attempts as attempts

#: Longest a held write waits for the test to release it. If the write ran on the UI
#: thread the test could not release it: the wait runs out and the test fails.
HOLD_LIMIT = 3.0


def lost_connection() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("UPDATE", {}, Exception("server closed the connection"))


#: The core modules whose functions the block screen calls.
CORE = (lifecycle, serving, dialling, objections, outcomes)


def core_module(name: str) -> ModuleType:
    """The core module that defines the function ``name`` (where the screen looks it up)."""
    return next(m for m in CORE if getattr(getattr(m, name, None), "__module__", "") == m.__name__)


class Held:
    """A core function of ``callcoach.core.calling`` held until the test releases it, as a
    silent server would hold it; then it runs for real, or raises ``fail``."""

    def __init__(self, monkeypatch, name: str, fail: Exception | None = None) -> None:
        self.release = threading.Event()
        self.fail = fail
        self.on_ui_thread: list[bool] = []
        self.waited_out = False
        module = core_module(name)
        self.real = getattr(module, name)
        monkeypatch.setattr(module, name, self._call)

    def _call(self, *args, **kwargs):
        self.on_ui_thread.append(threading.current_thread() is threading.main_thread())
        if not self.release.wait(HOLD_LIMIT):
            self.waited_out = True
        if self.fail is not None:
            raise self.fail
        return self.real(*args, **kwargs)


class Spy:
    """Counts the calls of a core function (which still runs)."""

    def __init__(self, monkeypatch, name: str) -> None:
        self.calls = 0
        module = core_module(name)
        real = getattr(module, name)

        def call(*args, **kwargs):
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, call)


def start_block(db, clock) -> int:
    """A block on a list of Ada, Ben and Cy; returns its id."""
    return start_named_block(db, clock).id


@asynccontextmanager
async def running_block(db, clock, settings):
    """The app on the block screen of a new block on Ada, Ben and Cy: (app, pilot, screen)."""
    block_id = start_block(db, clock)
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(BlockScreen(block_id))
        await pilot.pause()
        yield app, pilot, app.screen


async def test_held_dial_keeps_the_screen_live_then_the_call_starts(
    sqlite_db, clock, settings, monkeypatch
):
    db = sqlite_db
    async with running_block(db, clock, settings) as (app, pilot, screen):
        held = Held(monkeypatch, "dial")
        pressed_at = clock.now()
        await pilot.press("d")
        await pilot.pause()
        # The key returned while the database still holds the dial.
        assert not held.waited_out and held.on_ui_thread == [False]
        assert screen.saving is not None
        assert "Saving: dial - Ada" in text_of(app)
        assert attempts(db) == []
        # The screen is alive: the block clock moves on while the dial waits.
        before = screen._countdown.value
        clock.advance(7)
        screen.tick()
        await pilot.pause()
        assert screen._countdown.value != before
        assert screen._countdown.value == "51:53"

        held.release.set()
        await wait_for_save(pilot, screen)
        shown = text_of(app)
        assert "Dialling +12125550000: call timer on." in shown
        assert screen.attempt is not None
        # The call started at the key press, not when the database answered.
        assert "Call 0:07" in shown
        stored = attempts(db)
        assert len(stored) == 1 and stored[0].outcome is None
        assert stored[0].dialed_at == pressed_at
        assert stored[0].contact_id == screen.contact.id


async def test_outcome_key_waits_for_the_dial_and_logs_that_dial(
    sqlite_db, clock, settings, monkeypatch
):
    db = sqlite_db
    async with running_block(db, clock, settings) as (app, pilot, screen):
        ada = screen.contact.id
        logs = Spy(monkeypatch, "log_outcome")
        held = Held(monkeypatch, "dial")
        await pilot.press("d")
        await pilot.pause()
        assert screen.saving is not None
        # An outcome key while the dial is saving is held, never raced ahead of the dial.
        await pilot.press("2")
        await pilot.pause()
        assert "Saving the dial - one moment" in text_of(app)
        assert logs.calls == 0 and attempts(db) == []

        held.release.set()
        await wait_for_save(pilot, screen)
        clock.advance(30)
        await pilot.press("2")
        await wait_for_save(pilot, screen)
        stored = attempts(db)
        assert [(a.contact_id, a.outcome) for a in stored] == [(ada, "voicemail")]
        assert logs.calls == 1
        assert "Saved: voicemail left - Ada" in text_of(app)
        assert screen.contact.first_name == "Ben"


async def test_outcome_pressed_right_after_dial_logs_that_dial(
    sqlite_db, clock, settings, monkeypatch
):
    """d and 2 at once: the dial is done (inline) before the 2 is read, so the outcome
    goes to that dial - never "no call in progress", never a second attempt."""
    monkeypatch.setattr(block_saving, "SAVE_INLINE_SECONDS", 10.0)  # a loaded machine
    db = sqlite_db
    async with running_block(db, clock, settings) as (app, pilot, screen):
        ada = screen.contact.id
        # Typed in one burst: both keys are queued before the first one is handled.
        for key in ("d", "2"):
            event = events.Key(key, key)
            event.set_sender(app)
            app._driver.send_message(event)
        await pilot.pause()
        await wait_for_save(pilot, screen)
        stored = attempts(db)
        assert [(a.contact_id, a.outcome) for a in stored] == [(ada, "voicemail")]
        assert screen.contact.first_name == "Ben"


async def test_failing_dial_is_one_line_and_keys_work_again(
    sqlite_db, clock, settings, monkeypatch
):
    db = sqlite_db
    async with running_block(db, clock, settings) as (app, pilot, screen):
        held = Held(monkeypatch, "dial", fail=lifecycle.BlockError("Ada is not callable right now"))
        await pilot.press("d")
        await pilot.pause()
        assert screen.saving is not None
        held.release.set()
        await wait_for_save(pilot, screen)
        assert "Ada is not callable right now" in text_of(app)
        assert "Saving" not in text_of(app)
        assert screen.attempt is None and attempts(db) == []

        # The connection lost meanwhile: one line, the app's usual notice, no crash.
        held.fail = lost_connection()
        await pilot.press("d")
        await wait_for_save(pilot, screen)
        assert "server closed the connection" in text_of(app)
        notes = [n.message for n in app._notifications]
        assert any(m.startswith("cannot connect to sqlite at ") for m in notes), notes
        assert app.is_running and app.screen is screen and screen.attempt is None

        held.fail = None
        await pilot.press("d")
        await wait_for_save(pilot, screen)
        assert screen.attempt is not None and len(attempts(db)) == 1


async def test_held_pause_keeps_ticking_and_stops_the_clock_at_the_key_press(
    sqlite_db, clock, settings, monkeypatch
):
    db = sqlite_db
    async with running_block(db, clock, settings) as (app, pilot, screen):
        clock.advance(60)
        screen.tick()
        held = Held(monkeypatch, "pause_block")
        await pilot.press("p")
        await pilot.pause()
        assert not held.waited_out and held.on_ui_thread == [False]
        assert "Saving: pause" in text_of(app)
        clock.advance(5)
        screen.tick()
        await pilot.pause()
        assert screen._countdown.value == "50:55"  # still running while the pause saves
        await pilot.press("d")
        await pilot.pause()
        assert "Saving the pause - one moment" in text_of(app)

        held.release.set()
        await wait_for_save(pilot, screen)
        assert "Paused: the block clock is stopped" in text_of(app)
        assert screen._countdown.value == "51:00"  # stopped at the key press
        with db.session() as s:
            assert s.get(CallBlock, screen.block_id).status == "paused"
        assert screen.attempt is None and attempts(db) == []  # the held d did nothing

        # Resume goes the same way.
        await pilot.press("p")
        await wait_for_save(pilot, screen)
        assert "Resumed." in text_of(app)
        with db.session() as s:
            assert s.get(CallBlock, screen.block_id).status == "running"


async def test_failing_pause_is_one_line(sqlite_db, clock, settings, monkeypatch):
    db = sqlite_db
    async with running_block(db, clock, settings) as (app, pilot, screen):
        held = Held(monkeypatch, "pause_block", fail=lost_connection())
        await pilot.press("p")
        await pilot.pause()
        assert screen.saving is not None
        held.release.set()
        await wait_for_save(pilot, screen)
        shown = text_of(app)
        assert "cannot connect to sqlite at " in shown and "server closed the connection" in shown
        assert "Saving" not in shown
        assert screen.block.paused_at is None
        with db.session() as s:
            assert s.get(CallBlock, screen.block_id).status == "running"
        assert app.is_running and app.screen is screen


async def test_held_note_is_saved_after_the_wait_and_a_failing_one_is_one_line(
    sqlite_db, clock, settings, monkeypatch
):
    db = sqlite_db
    async with running_block(db, clock, settings) as (app, pilot, screen):
        await pilot.press("d")
        await wait_for_save(pilot, screen)
        held = Held(monkeypatch, "add_note")
        await pilot.press("n", *"asked for a brochure", "enter")
        await pilot.pause()
        assert not held.waited_out and held.on_ui_thread == [False]
        assert app.screen is screen and "Saving: note" in text_of(app)
        before = screen._countdown.value
        clock.advance(3)
        screen.tick()
        await pilot.pause()
        assert screen._countdown.value != before
        assert attempts(db)[0].notes in (None, "")
        held.release.set()
        await wait_for_save(pilot, screen)
        assert "Note saved." in text_of(app)
        assert attempts(db)[0].notes == "asked for a brochure"

        held.release.clear()
        held.fail = lifecycle.BlockError("no call in progress: the note will go with the next outcome")
        await pilot.press("n", *"second", "enter")
        await pilot.pause()
        assert screen.saving is not None
        held.release.set()
        await wait_for_save(pilot, screen)
        assert "no call in progress: the note will go with the next outcome" in text_of(app)
        assert attempts(db)[0].notes == "asked for a brochure"


async def test_note_kept_for_the_dial_goes_with_the_outcome_when_it_cannot_be_saved(
    sqlite_db, clock, settings, monkeypatch
):
    db = sqlite_db
    async with running_block(db, clock, settings) as (app, pilot, screen):
        await pilot.press("n", *"ask for Ada", "enter")
        assert "Note kept for this contact's call." in text_of(app)
        Held(monkeypatch, "add_note", fail=lost_connection()).release.set()
        await pilot.press("d")
        await wait_for_save(pilot, screen)
        assert screen.attempt is not None
        assert "Note kept for the outcome" in text_of(app)
        assert screen.pending_note == "ask for Ada"
        await pilot.press("1")
        await wait_for_save(pilot, screen)
        assert attempts(db)[0].outcome == "no_answer"
        assert attempts(db)[0].notes == "ask for Ada"


async def test_held_objection_and_a_failing_overcome(sqlite_db, clock, settings, monkeypatch):
    db = sqlite_db
    async with running_block(db, clock, settings) as (app, pilot, screen):
        await pilot.press("d")
        await wait_for_save(pilot, screen)
        held = Held(monkeypatch, "log_objection")
        await pilot.press("o")
        assert isinstance(app.screen, ObjectionPicker)
        await pilot.press(*"budget", "enter")
        await pilot.pause()
        assert app.screen is screen and held.on_ui_thread == [False]
        assert "Saving: objection" in text_of(app)
        await pilot.press("y")  # held: nothing to mark yet
        await pilot.pause()
        assert "Saving the objection - one moment" in text_of(app)
        held.release.set()
        await wait_for_save(pilot, screen)
        assert "1st objection logged: No budget." in text_of(app)
        assert [o.key for o in screen.objections] == ["no_budget"]

        marks = Held(monkeypatch, "set_overcome", fail=lost_connection())
        await pilot.press("y")
        await pilot.pause()
        assert screen.saving is not None
        marks.release.set()
        await wait_for_save(pilot, screen)
        assert "server closed the connection" in text_of(app)
        assert screen.objections[0].overcome is None
        marks.fail = None
        await pilot.press("y")
        await wait_for_save(pilot, screen)
        assert screen.objections[0].overcome is True
        with db.session() as s:
            assert [r.overcome for r in s.exec(select(AttemptObjection)).all()] == [True]


async def test_held_list_switch_serves_the_other_list(sqlite_db, clock, settings, monkeypatch):
    db = sqlite_db
    async with running_block(db, clock, settings) as (app, pilot, screen):
        other, _ = make_list(db, name="Dental US West", contacts=[{"first_name": "Zed"}])
        await pilot.press("l")
        await wait_for_save(pilot, screen)
        assert isinstance(app.screen, ChoiceDialog)
        held = Held(monkeypatch, "switch_list")
        await pilot.press("enter")  # the first option: the other list
        await pilot.pause()
        assert app.screen is screen and "Saving: switching lists" in text_of(app)
        assert screen.contact.first_name == "Ada"
        held.release.set()
        await wait_for_save(pilot, screen)
        assert "Now calling Dental US West." in text_of(app)
        assert screen.block.list_id == other and screen.contact.first_name == "Zed"


async def test_held_end_opens_the_summary_when_done_and_a_failing_one_stays(
    sqlite_db, clock, settings, monkeypatch
):
    db = sqlite_db
    async with running_block(db, clock, settings) as (app, pilot, screen):
        held = Held(monkeypatch, "end_block", fail=lost_connection())
        await pilot.press("e", "y")
        await pilot.pause()
        assert app.screen is screen and "Saving: ending the block" in text_of(app)
        held.release.set()
        await wait_for_save(pilot, screen)
        assert app.screen is screen and not screen.finished
        assert "server closed the connection" in text_of(app)

        held.release.clear()
        held.fail = None
        await pilot.press("e", "y")
        await pilot.pause()
        assert app.screen is screen and screen.saving is not None
        held.release.set()
        for _ in range(100):
            if isinstance(app.screen, SummaryScreen):
                break
            await pilot.pause(0.02)
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        with db.session() as s:
            assert s.get(CallBlock, screen.block_id).status == "finished"

