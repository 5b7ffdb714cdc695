"""Type-ahead: keys pressed right after the key that opens a form land in the form's fields,
in order, whether they come in one burst or ~10 ms apart (no waiting for the screen)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlmodel import select
from textual import events
from textual.app import _character_to_key
from textual.widgets import Input

from callcoach.clock import FakeClock
from callcoach.storage.models import CallAttempt, Meeting
from callcoach.tui.app import make_app
from callcoach.tui.screens.block import BlockScreen
from callcoach.tui.screens.block_dialogs import MeetingForm, NoteDialog, StartBlockDialog
from tests.support.blockkit import make_list, make_rep, seed_library
from tests.support.helpers import SIZE

MONDAY_NY_0900 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@pytest.fixture
def world(sqlite_db):
    make_rep(sqlite_db)
    seed_library(sqlite_db)
    make_list(sqlite_db, contacts=[{"first_name": "Ada"}, {"first_name": "Ben"}])
    return sqlite_db, FakeClock(MONDAY_NY_0900)


async def type_keys(app, keys: list[str], gap: float) -> None:
    """Send keys the way a terminal does, from outside the app's loop: ``gap`` seconds apart
    (0: all at once), with no waiting for the screen in between."""
    for key in keys:
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        event = events.Key(name, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)
        if gap:
            await asyncio.sleep(gap)


async def settle(pilot, done, seconds: float = 5.0) -> None:
    """Let the app work through the keys (up to ``seconds`` on a busy machine); the
    assertions after it say what landed where."""
    for _ in range(int(seconds / 0.05)):
        await pilot.pause(0.05)
        try:
            if done():
                break
        except Exception:  # the form is not up yet
            continue
    await pilot.pause(0.05)


async def open_block(app, pilot) -> BlockScreen:
    await pilot.press("b")
    await pilot.pause()
    assert isinstance(app.screen, StartBlockDialog)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, BlockScreen)
    return app.screen


@pytest.mark.parametrize("gap", [0.0, 0.01], ids=["burst", "10ms"])
async def test_meeting_form_type_ahead_lands_in_the_right_fields(world, settings, gap):
    db, clock = world
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await open_block(app, pilot)
        await pilot.press("d")
        keys = ["7", "+", "3", "tab", "1", "1", ":", "1", "5", "tab", "4", "5"]
        await type_keys(app, keys, gap)
        await settle(pilot, lambda: app.screen.query_one("#mtg-minutes", Input).value == "45")
        form = app.screen
        assert isinstance(form, MeetingForm)
        values = {i.id: i.value for i in form.query(Input)}
        assert values["mtg-date"] == "+3"  # the typed text replaced the suggested day
        assert values["mtg-time"] == "11:15"
        assert values["mtg-minutes"] == "45"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BlockScreen)
        with db.session() as s:
            m = s.exec(select(Meeting)).one()
            outcomes = [a.outcome for a in s.exec(select(CallAttempt)).all()]
        assert m.starts_at == datetime(2026, 11, 26, 16, 15, tzinfo=UTC)  # Thu 11:15 New York
        assert m.duration_minutes == 45
        assert outcomes == ["meeting"]  # no typed digit was taken for an outcome key


@pytest.mark.parametrize("gap", [0.0, 0.01], ids=["burst", "10ms"])
async def test_note_type_ahead_keeps_every_letter(world, settings, gap):
    db, clock = world
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await open_block(app, pilot)
        await type_keys(app, ["n", *"ask 4 Ada"], gap)
        await settle(pilot, lambda: app.screen.query_one("#note-text", Input).value.endswith("a"))
        assert isinstance(app.screen, NoteDialog)
        assert app.screen.query_one("#note-text", Input).value == "ask 4 Ada"


@pytest.mark.parametrize("gap", [0.0, 0.01], ids=["burst", "10ms"])
async def test_a_confirmation_typed_ahead_answers_the_question(world, settings, gap):
    db, clock = world
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await open_block(app, pilot)
        await pilot.press("d")
        await type_keys(app, ["8", "y"], gap)  # do not call - yes, before the question shows

        def outcome():
            with db.session() as s:
                return s.exec(select(CallAttempt)).one().outcome

        await settle(pilot, lambda: outcome() is not None)
        assert outcome() == "do_not_call"
        assert isinstance(app.screen, BlockScreen)
