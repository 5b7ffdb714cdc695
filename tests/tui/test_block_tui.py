"""The call block screen driven like a rep would, with the fake clock: screen AND database."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from sqlmodel import select
from textual.widgets import Input, Static, TextArea

from callcoach.core.calling import dialling, lifecycle, serving
from callcoach.storage.models import AttemptObjection, Callback, CallBlock, Contact, Meeting
from callcoach.tui.app import make_app
from callcoach.tui.screens.block import BlockScreen
from callcoach.tui.screens.block_dialogs import (
    CallbackDialog,
    ChoiceDialog,
    ConfirmDialog,
    MeetingForm,
    ObjectionPicker,
    StartBlockDialog,
)
from callcoach.tui.screens.block_summary import SummaryScreen
from tests.support.blockkit import make_list, make_rep, seed_library
from tests.support.helpers import SIZE, count_rows
from tests.support.helpers import screen_text as text_of
from tests.support.helpers import stored_attempts as attempts


@pytest.fixture
def world(sqlite_db, clock):
    rep = make_rep(sqlite_db)
    lib = seed_library(sqlite_db)
    people = [
        {"first_name": "Ada", "last_name": "Byron", "company": "Molar Works"},
        {"first_name": "Ben", "last_name": "Cole", "company": "Bright Teeth"},
        {"first_name": "Cy", "last_name": "Dunn", "company": "Gum Care"},
        {"first_name": "Di", "last_name": "Ek", "company": "Smile Lab"},
        {"first_name": "Ed", "last_name": "Fox", "company": "Root Co"},
        {"first_name": "Flo", "last_name": "Gee", "company": "Crown Ltd"},
    ]
    list_id, ids = make_list(
        sqlite_db,
        contacts=people,
        overrides={lib["no_budget"]: "Budget? {first_name}, the meeting proves the ROI."},
    )
    return {"db": sqlite_db, "rep": rep, "lib": lib, "list_id": list_id, "ids": ids}


async def start(app, pilot, minutes: str | None = None) -> BlockScreen:
    await pilot.press("b")
    await pilot.pause()
    assert isinstance(app.screen, StartBlockDialog)
    assert "Engage" in text_of(app)
    if minutes:
        app.screen.query_one("#start-minutes", Input).value = minutes
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, BlockScreen)
    return app.screen


async def advance(app, pilot, clock, seconds: float) -> None:
    clock.advance(seconds)
    app.screen.tick()
    await pilot.pause()


async def test_whole_block_with_phases_pause_and_end_at_zero(world, clock, settings):
    db = world["db"]
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(app, pilot)
        assert "52:00" in text_of(app) and "Ada Byron" in text_of(app)
        assert "Attempt 1 of 6" in text_of(app) and "Mon 09:00 local" in text_of(app)
        assert "Hi Ada, Sam here" not in text_of(app)  # track text is the list's, filled:
        assert "Ada, what share of your chairs" in text_of(app)
        # An outcome key before dialling logs nothing and says why.
        await pilot.press("1")
        assert "press d to dial" in text_of(app) and count_rows(db, "call_attempt") == 0
        await pilot.press("d")
        assert "Call 0:00" in text_of(app) and count_rows(db, "call_attempt") == 1
        checkpoints = [
            (44, "Engage + impact"),
            (1, "Ask"),
            # No objection logged: still the ask, whatever the clock says (the cue follows
            # the call: see test_block_layout's phase test).
            (15, "0:45-2:00 Ask"),
            (20, "0:45-2:00 Ask"),
            (20, "0:45-2:00 Ask"),
            (20, "Diminishing returns"),
            (59, "Diminishing returns"),
            (1, "End the call"),
        ]
        for step, label in checkpoints:
            await advance(app, pilot, clock, step)
            assert label in text_of(app), (step, label)
        assert "Past 2:00" not in text_of(app) and "Past 3:00" in text_of(app)
        assert screen.query_one("#call-timer").has_class("stop")
        await pilot.press("5")
        rows = attempts(db)
        assert rows[0].outcome == "not_interested" and rows[0].duration_seconds == 180
        assert rows[0].connected and not rows[0].conversation
        assert "Saved: connected - not interested - Ada Byron" in text_of(app)
        assert "Ben Cole" in text_of(app) and "Dials 1" in text_of(app)
        assert "49:00" in text_of(app)
        # Double press: the next contact is not logged by a bounce.
        await pilot.press("5")
        assert count_rows(db, "call_attempt") == 1
        # Pause: time does not count.
        await pilot.press("p")
        await advance(app, pilot, clock, 600)
        assert "49:00" in text_of(app) and "paused" in text_of(app).lower()
        await pilot.press("d")
        assert "paused" in text_of(app) and count_rows(db, "call_attempt") == 1
        await pilot.press("p")
        await advance(app, pilot, clock, 60)
        assert "48:00" in text_of(app)
        # A few quick unreached calls.
        for key, outcome in [("1", "no_answer"), ("2", "voicemail"), ("3", "gatekeeper")]:
            await pilot.press("d")
            await advance(app, pilot, clock, 25)
            await pilot.press(key)
            assert attempts(db)[-1].outcome == outcome
            await advance(app, pilot, clock, 5)
        with db.session() as s:
            ben = s.get(Contact, world["ids"][1])
        assert ben.status == "retry" and ben.attempts == 1
        assert attempts(db)[2].gap_seconds == 5
        # Run the clock to zero while waiting to dial: the block closes, summary opens.
        await advance(app, pilot, clock, 48 * 60)
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert "Block summary" in text_of(app) and "52:00 of calling" in text_of(app)
        with db.session() as s:
            b = s.exec(select(CallBlock)).one()
        assert b.status == "finished" and b.paused_seconds == 600
        assert lifecycle.remaining_seconds(b, clock.now()) == 0
        assert count_rows(db, "call_attempt") == 4
        await pilot.press("enter")
        assert app.screen.__class__.__name__ == "HomeScreen"


async def test_time_up_lets_the_current_call_finish(world, clock, settings):
    db = world["db"]
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, minutes="2")
        await pilot.press("d")
        await advance(app, pilot, clock, 150)
        assert isinstance(app.screen, BlockScreen)
        assert "Time's up" in text_of(app) and "0:00" in text_of(app)
        await pilot.press("d")
        assert count_rows(db, "call_attempt") == 1
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert attempts(db)[0].duration_seconds == 150


def _marks(db):
    """The overcome marks of the logged objections, in the order raised."""
    with db.session() as s:
        rows = s.exec(select(AttemptObjection).order_by(AttemptObjection.position)).all()
        return [r.overcome for r in rows]


async def test_y_and_x_mark_the_latest_unmarked_objection_and_say_so(world, clock, settings):
    db = world["db"]
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("d")
        await advance(app, pilot, clock, 62)
        for word in ("budget", "info"):
            await pilot.press("o", *word, "enter")
        await pilot.press("y")
        await pilot.pause()
        assert "Marked 2nd objection overcome" in text_of(app)
        assert _marks(db) == [None, True]  # the latest, not the oldest
        await pilot.press("x")
        await pilot.pause()
        assert "Marked 1st objection not overcome" in text_of(app)
        assert _marks(db) == [False, True]


async def test_objections_and_meeting_form_write_invite(world, clock, settings):
    db = world["db"]
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("o")
        assert "dial first" in text_of(app)
        await pilot.press("d")
        await advance(app, pilot, clock, 62)
        await pilot.press("o")
        assert isinstance(app.screen, ObjectionPicker)
        await pilot.press(*"budget")
        await pilot.press("enter")
        t = text_of(app)
        assert "Objections: 1" in t and "reflex" in t
        assert "Budget? Ada, the meeting proves the ROI." in t
        await pilot.press("y")
        assert "overcome" in text_of(app)
        for word, cue in [("info", "2nd objection"), ("busy", "decide"), ("house", "last one")]:
            await pilot.press("o", *word, "enter")
            assert cue in text_of(app), word
        await pilot.press("7")
        assert isinstance(app.screen, MeetingForm)
        form = app.screen
        form.query_one("#mtg-date", Input).value = "2026-11-25"
        form.query_one("#mtg-time", Input).value = "10:30"
        form.query_one("#mtg-email", Input).value = "bad"
        form.query_one("#mtg-parking", TextArea).text = "What does it cost?\n\nHow long to set up?"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, MeetingForm)
        assert "does not look like" in str(form.query_one("#mtg-error", Static).content)
        form.query_one("#mtg-email", Input).value = "ada@molar.example"
        await pilot.click("#kind-phone")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BlockScreen)
        with db.session() as s:
            m = s.exec(select(Meeting)).one()
            rows = s.exec(
                select(AttemptObjection).order_by(AttemptObjection.position)
            ).all()
        assert m.starts_at == datetime(2026, 11, 25, 15, 30, tzinfo=UTC)  # 10:30 New York
        assert m.kind == "phone" and m.email == "ada@molar.example"
        assert m.parked_questions == "What does it cost?\nHow long to set up?"
        assert [r.overcome for r in rows] == [True, True, True, True]
        a = attempts(db)[0]
        assert a.outcome == "meeting" and a.conversation
        assert "Invite:" in text_of(app) and m.ics_path in text_of(app)
        ev = Calendar.from_ical(open(m.ics_path, "rb").read()).walk("VEVENT")[0]
        assert "1. What does it cost?" in str(ev.get("description"))
        assert "Ben Cole" in text_of(app)


async def test_callback_quick_pick_note_and_dnc_confirm(world, clock, settings):
    db = world["db"]
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("n", *"ask for Ada", "enter")
        assert "New note: ask for Ada" in text_of(app)
        await pilot.press("d", "6")
        assert isinstance(app.screen, CallbackDialog)
        await pilot.press("escape")
        assert count_rows(db, "callback") == 0 and attempts(db)[0].outcome is None
        await pilot.press("6", "down", "enter")  # "tomorrow 09:00"
        with db.session() as s:
            cb = s.exec(select(Callback)).one()
        assert cb.due_at == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
        assert attempts(db)[0].notes == "ask for Ada"
        await pilot.press("d", "8")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert attempts(db)[-1].outcome is None
        await pilot.press("8", "y")
        assert attempts(db)[-1].outcome == "do_not_call" and count_rows(db, "do_not_call") == 1
        assert "Cy Dunn" in text_of(app)


async def test_resume_after_crash_offers_block_and_logs_open_call(world, clock, settings):
    db = world["db"]
    b = lifecycle.start_block(db, clock, rep_id=world["rep"], list_id=world["list_id"])
    c = serving.serve_next(db, clock, settings, b)
    clock.advance(300)
    dialling.dial(db, clock, b.id, c.id)
    clock.advance(40)
    lifecycle.touch_block(db, clock, b.id)
    clock.advance(3600)  # the process was killed; an hour later callcoach starts again
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        assert "46:20 left, a call was in progress" in text_of(app)
        assert "End it (that call stays without an outcome)" in text_of(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BlockScreen)
        t = text_of(app)
        assert "46:20" in t and "Ada Byron" in t and "interrupted" in t
        assert "Call 0:40" in t
        await pilot.press("2")
        a = attempts(db)[0]
        assert a.outcome == "voicemail" and a.duration_seconds == 40
        assert "Ben Cole" in text_of(app)


async def test_list_runs_out_and_another_list_is_offered(world, clock, settings):
    db = world["db"]
    other, other_ids = make_list(
        db,
        "Vets Midwest",
        track=False,
        contacts=[{"first_name": "Vic", "last_name": "Tor", "phone": "+13125550111"}],
    )
    with db.transaction() as s:
        for cid in world["ids"][1:]:
            s.get(Contact, cid).status = "meeting"
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("d", "4")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        assert "Vets Midwest  (1 callable now)" in text_of(app)
        await pilot.press("escape")
        assert "No one to call on Dental US East" in text_of(app)
        await pilot.press("d")
        assert "No contact on screen" in text_of(app)
        await pilot.press("l", "enter")
        await pilot.pause()
        assert "Vic Tor" in text_of(app) and "no talk track" in text_of(app)
        with db.session() as s:
            assert s.exec(select(CallBlock)).one().list_id == other


async def test_end_early_asks_and_waits_for_the_call(world, clock, settings):
    db = world["db"]
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("e")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n", "d", "e")
        assert "ends after this call" in text_of(app)
        await pilot.press("v")
        assert "we work with Bright Smile Dental" in text_of(app)
        await pilot.press("escape", "1")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        with db.session() as s:
            assert s.exec(select(CallBlock)).one().status == "finished"


async def test_a_call_open_when_the_block_ends_is_logged_or_discarded_on_purpose(
    world, clock, settings
):
    """Time runs out mid-call: the rep is told to log it; e then asks before leaving the
    call without an outcome, and "no" keeps it open to log; "yes" ends the block with the
    call unlogged and its contact released for another block."""
    db = world["db"]
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, minutes="2")
        await pilot.press("d")
        await advance(app, pilot, clock, 150)
        assert "Time's up: finish this call and log it" in text_of(app)
        await pilot.press("e")
        assert isinstance(app.screen, ConfirmDialog)
        assert "leave this call without an outcome" in text_of(app)
        await pilot.press("n")
        assert isinstance(app.screen, BlockScreen) and app.screen.attempt is not None
        await pilot.press("e", "y")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        [attempt] = attempts(db)
        assert attempt.outcome is None
        with db.session() as s:
            assert s.exec(select(CallBlock)).one().status == "finished"
            assert s.get(Contact, attempt.contact_id).reserved_by_block_id is None


def test_cli_block_refuses_unknown_list_and_bad_minutes(sqlite_db, capsys):
    from callcoach import cli

    make_list(sqlite_db, "Dental US East")
    assert cli.main(["--db", sqlite_db.url, "block", "--list", "Nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("callcoach: error: --list 'Nope': no such call list")
    assert "Dental US East" in err and "\n" not in err
    assert cli.main(["--db", sqlite_db.url, "block", "--list", "x", "--minutes", "0"]) == 2
    assert "--minutes 0: expected 1 to 240" in capsys.readouterr().err


async def test_help_lists_the_block_keys(world, clock, settings):
    app = make_app(world["db"], settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        t = text_of(app)
        for key, label in [("1", "no answer"), ("7", "meeting set"), ("8", "do not call"), ("d", "Dial"),
                           ("o", "Log an objection"), ("p", "Pause"),
                           ("v", "Voicemail script"), ("pgdn", "Page the talk track.*"),
                           ("e", "End"), ("y", "Overcome")]:
            assert re.search(rf"^\s*{key}\s+{label}$", t, re.M), (key, label)
