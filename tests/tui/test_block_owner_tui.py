"""The same rep's block in two windows, on screen: the second window is told the block is
live elsewhere (host, since when) and may only take it over explicitly; the first window,
once taken over, says so on its next key, stops serving and writes nothing."""

from __future__ import annotations

from callcoach.core.calling import lifecycle
from callcoach.core.calling.hold import BlockHold
from callcoach.storage.models import CallBlock
from callcoach.tui.app import make_app
from callcoach.tui.screens.block import BlockScreen
from callcoach.tui.screens.block_dialogs import ChoiceDialog
from callcoach.tui.screens.home import HomeScreen
from tests.support.blockkit import make_list, make_rep, seed_library
from tests.support.helpers import SIZE, screen_text, stored_attempts, wait_for_save

OTHER = BlockHold("f" * 32, "desk-7", 4242)
LOST = "This block was taken over in another window (desk-7 pid 4242, since "


def _world(db):
    rep = make_rep(db)
    seed_library(db)
    list_id, _ = make_list(db, contacts=[{} for _ in range(3)])
    return rep, list_id


def _owner(db, block_id: int) -> str | None:
    with db.session() as s:
        return s.get(CallBlock, block_id).owner_token


async def _block_on_screen(app, pilot, clock, rep: int, list_id: int):
    """This window starts a block (holding it) and shows its screen."""
    b = app.service.block.start_block(clock, rep, list_id, 52)
    app.push_screen(BlockScreen(b.id))
    await pilot.pause()
    return b, app.screen


async def test_second_window_is_told_the_block_is_live_elsewhere(sqlite_db, clock, settings):
    db = sqlite_db
    rep, list_id = _world(db)
    b = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id, hold=OTHER)
    clock.advance(4)
    lifecycle.touch_block(db, clock, b.id, owner=OTHER.token)  # the first window is alive
    clock.advance(3)
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        text = screen_text(app)
        assert "Call block live in another window" in text
        assert (
            f"live in another window (desk-7 pid 4242, since {clock.now():%Y-%m-%d} "
        ) in text
        assert "Taking it over here ends that window's hold" in text
        assert "Resume it" not in text  # no plain resume while the other window serves
        await pilot.press("enter")  # the first option leaves the block where it is
        await pilot.pause()
        assert not isinstance(app.screen, (ChoiceDialog, BlockScreen))
        assert _owner(db, b.id) == OTHER.token

    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("down", "enter")  # take it over, warned
        await pilot.pause()
        assert isinstance(app.screen, BlockScreen)
        assert _owner(db, b.id) == app.service.block.hold.token


async def test_lapsed_heartbeat_offers_the_plain_resume(sqlite_db, clock, settings):
    db = sqlite_db
    rep, list_id = _world(db)
    b = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id, hold=OTHER)
    clock.advance(lifecycle.HEARTBEAT_SECONDS + 1)  # the first window died
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        text = screen_text(app)
        assert "Unfinished call block" in text and "another window" not in text
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BlockScreen)
        assert _owner(db, b.id) == app.service.block.hold.token


async def test_window_taken_over_stops_serving_on_its_next_key(sqlite_db, clock, settings):
    db = sqlite_db
    rep, list_id = _world(db)
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        b, screen = await _block_on_screen(app, pilot, clock, rep, list_id)
        on_screen = screen.contact.id
        await pilot.press("d")
        await wait_for_save(pilot, screen)
        assert screen.attempt is not None
        clock.advance(2)
        # The rep starts callcoach in another window and takes the block over there.
        lifecycle.recover_block(db, clock, b.id, hold=OTHER, take_over=True)
        before = [(a.id, a.contact_id, a.outcome) for a in stored_attempts(db)]
        clock.advance(5)
        await pilot.press("1")  # this window's next key: an outcome
        await wait_for_save(pilot, screen)
        assert LOST in screen_text(app)
        assert "UTC); this window stopped serving." in screen_text(app)
        assert screen.lost is not None and screen.contact is None
        await pilot.press("d")  # and every key after it
        await wait_for_save(pilot, screen)
        assert LOST in screen_text(app)
        assert [(a.id, a.contact_id, a.outcome) for a in stored_attempts(db)] == before
        assert before == [(before[0][0], on_screen, None)]  # the call is left to the new window
        assert _owner(db, b.id) == OTHER.token
        await pilot.press("e")  # leaves the screen
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_heartbeat_finds_the_hold_lost_and_the_window_stops(sqlite_db, clock, settings):
    db = sqlite_db
    rep, list_id = _world(db)
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        b, screen = await _block_on_screen(app, pilot, clock, rep, list_id)
        assert screen.contact is not None
        clock.advance(20)  # this window was asleep: its heartbeat lapsed
        lifecycle.recover_block(db, clock, b.id, hold=OTHER)  # no takeover needed
        screen._last_beat = 0.0  # the next tick beats
        screen.tick()
        await app.workers.wait_for_complete([w for w in app.workers if w.group == "heartbeat"])
        await pilot.pause()
        assert screen.lost is not None and screen.contact is None
        assert LOST in screen_text(app)
        assert _owner(db, b.id) == OTHER.token
