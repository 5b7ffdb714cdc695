"""Undo (u), skip (s) and find (/) on the block screen, driven like a rep: screen and database."""

from __future__ import annotations

import re

from sqlmodel import select
from textual.widgets import Input

from callcoach.storage.models import AttemptObjection, CallAttempt, Contact, DoNotCall
from callcoach.tui.app import make_app
from callcoach.tui.screens.block import BlockScreen
from callcoach.tui.screens.block_dialogs import ConfirmDialog, ObjectionPicker
from callcoach.tui.screens.block_find import FindContactDialog
from tests.support.blockkit import make_list, make_rep, seed_library
from tests.support.helpers import SIZE, count_rows, wait_for_workers
from tests.support.helpers import screen_text as text_of
from tests.tui.test_block_tui import start


def _world(db):
    make_rep(db)
    seed_library(db)
    people = [
        {"first_name": "Ada", "last_name": "Byron", "company": "Molar Works"},
        {"first_name": "Ben", "last_name": "Cole", "company": "Bright Teeth"},
        {"first_name": "Cy", "last_name": "Dunn", "company": "Gum Care", "phone": "+12125559876"},
        {"first_name": "Di", "last_name": "Ek", "company": "Smile Lab"},
    ]
    return make_list(db, contacts=people)


def _contact(db, contact_id) -> Contact:
    with db.session() as s:
        return s.get(Contact, contact_id)


async def test_undo_reopens_the_call_with_its_objections_and_notes(sqlite_db, clock, settings):
    db = sqlite_db
    _, ids = _world(db)
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(app, pilot)
        assert screen.contact.first_name == "Ada"
        await pilot.press("u")  # nothing logged yet
        await pilot.pause()
        assert "nothing to undo" in text_of(app)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, ObjectionPicker)
        await pilot.press(*"budget", "enter")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"owner is away", "enter")
        await pilot.pause()
        clock.advance(40)
        await pilot.press("8")  # do not call: confirm
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert screen.contact.first_name == "Ben"
        assert count_rows(db, "do_not_call") == 1
        assert screen.tally == [1, 1, 1, 0]
        # u: Ada's call is back on screen, open, with its objection and note; Ben is free.
        await pilot.press("u")
        await pilot.pause()
        assert screen.contact.first_name == "Ada" and screen.attempt is not None
        shown = text_of(app)
        assert "Undone: do not call" in shown and "owner is away" in shown
        assert [o.key for o in screen.objections] == ["no_budget"]
        assert screen.objections[0].overcome is None  # the DNC had marked it lost
        assert screen.tally == [0, 0, 0, 0]  # the DNC with an objection had counted 1, 1, 1, 0
        assert count_rows(db, "do_not_call") == 0
        assert _contact(db, ids[0]).status == "new" and not _contact(db, ids[0]).do_not_call
        assert _contact(db, ids[1]).reserved_by_block_id is None
        with db.session() as s:
            attempt = s.exec(select(CallAttempt)).one()
            assert attempt.outcome is None and attempt.notes == "owner is away"
            assert attempt.undone_outcome == "do_not_call"
            assert s.exec(select(AttemptObjection)).one().overcome is None
        # u again while the call is open: refused, says why.
        await pilot.press("u")
        await pilot.pause()
        assert "A call is open" in text_of(app)
        # Logged again: counted once.
        clock.advance(10)
        await pilot.press("5")
        await pilot.pause()
        assert screen.contact.first_name == "Ben" and screen.tally[0] == 1
        with db.session() as s:
            assert s.exec(select(CallAttempt)).one().outcome == "not_interested"
            assert s.exec(select(DoNotCall)).first() is None


async def test_skip_is_not_a_dial_and_the_contact_comes_back_later(sqlite_db, clock, settings):
    db = sqlite_db
    _, ids = _world(db)
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(app, pilot)
        assert screen.contact.first_name == "Ada"
        await pilot.press("s")
        await pilot.pause()
        assert screen.contact.first_name == "Ben"
        assert "Skipped Ada Byron" in text_of(app)
        assert count_rows(db, "call_attempt") == 0 and screen.tally[0] == 0
        ada = _contact(db, ids[0])
        assert ada.attempts == 0 and ada.status == "new" and ada.reserved_by_block_id is None
        # During a call s does not skip.
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert "instead of skipping" in text_of(app) and screen.contact.first_name == "Ben"
        # The rest of the list comes first; half an hour later Ada is due again.
        for expected in ("Cy", "Di"):
            clock.advance(20)
            await pilot.press("1")
            await pilot.pause()
            assert screen.contact.first_name == expected
            await pilot.press("d")
            await pilot.pause()
        clock.advance(31 * 60)
        await pilot.press("1")
        await pilot.pause()
        assert screen.contact.first_name == "Ada"


async def test_find_serves_the_chosen_contact_next(sqlite_db, clock, settings):
    db = sqlite_db
    _, ids = _world(db)
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(app, pilot)
        assert screen.contact.first_name == "Ada"
        await pilot.press("slash")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, FindContactDialog)
        await wait_for_workers(app, "find")
        await pilot.pause()
        assert len(dialog.shown) == 4
        for typed, expected in (("gum", ["Cy Dunn"]), ("9876", ["Cy Dunn"]), ("ek", ["Di Ek"])):
            dialog.query_one("#find-filter", Input).value = ""
            await pilot.press(*typed)
            await wait_for_workers(app, "find")
            await pilot.pause()
            assert [f.name for f in dialog.shown] == expected, typed
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BlockScreen)
        assert screen.contact.first_name == "Di" and "Next: Di Ek" in text_of(app)
        assert _contact(db, ids[3]).reserved_by_block_id == screen.block_id
        assert _contact(db, ids[0]).reserved_by_block_id is None  # Ada back in the queue
        await pilot.press("d")
        await pilot.pause()
        with db.session() as s:
            assert s.exec(select(CallAttempt)).one().contact_id == ids[3]
        # During a call / does not open.
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, BlockScreen) and "before finding another" in text_of(app)


async def test_summary_credits_every_list_dialled_after_a_switch(sqlite_db, clock, settings):
    from textual.widgets import DataTable

    from callcoach.tui.screens.block_dialogs import ChoiceDialog
    from callcoach.tui.screens.block_summary import SummaryScreen

    db = sqlite_db
    software, _ = _world(db)
    health, _ = make_list(
        db, "Healthcare", track=False,
        contacts=[{"first_name": "Vic", "last_name": "Tor", "phone": "+13125550111"},
                  {"first_name": "Wes", "last_name": "Uhl", "phone": "+13125550112"},
                  {"first_name": "Xi", "last_name": "Vo", "phone": "+13125550113"}],
    )
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(app, pilot)
        for key in ("1", "5", "2"):  # three calls on the first list
            await pilot.press("d")
            clock.advance(30)
            await pilot.press(key)
            await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("enter")  # the other list (first option)
        await pilot.pause()
        assert screen.contact.first_name == "Vic"
        for _ in range(2):  # two calls on Healthcare
            await pilot.press("d")
            clock.advance(30)
            await pilot.press("1")
            await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        shown = text_of(app)
        assert "Block summary - Dental US East, Healthcare" in shown
        assert re.search(r"By list\s+dials", shown)
        assert re.search(r"Dental US East\s+3\s+1\s+0\s+0\s+0", shown)
        assert re.search(r"Healthcare\s+2\s+0\s+0\s+0\s+0", shown)
        await pilot.press("enter")  # home: "Last block" set for both lists
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        last = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[-1])
                for i in range(table.row_count)}
        assert last["Dental US East"] != "-" and last["Healthcare"] != "-"
        assert last["Dental US East"] == last["Healthcare"]


async def test_undo_skip_and_find_are_in_the_palette(sqlite_db, clock, settings):
    from callcoach.tui.palette import key_commands
    from tests.tui.test_palette import run_command

    db = sqlite_db
    _world(db)
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(app, pilot)
        names = [c.name for c in key_commands(app, screen)]
        for expected in ("Undo", "Skip", "Find"):
            assert any(expected.lower() in n.lower() for n in names), (expected, names)
        await pilot.press("d")
        clock.advance(20)
        await pilot.press("2")
        await pilot.pause()
        assert screen.contact.first_name == "Ben"
        await run_command(app, pilot, "Undo")
        assert screen.contact.first_name == "Ada" and screen.attempt is not None
        clock.advance(5)
        await pilot.press("1")
        await pilot.pause()
        await run_command(app, pilot, "Skip")
        assert screen.contact.first_name == "Cy"
        await run_command(app, pilot, "Find")
        assert isinstance(app.screen, FindContactDialog)
