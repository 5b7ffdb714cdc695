"""Dates in the call block on a Friday: quick picks and typed dates skip the weekend in the
contact's zone, the example date is in the future, and the saved moment is echoed twice."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from sqlmodel import select
from textual.widgets import Input, Static

from callcoach.clock import FakeClock
from callcoach.storage.models import Callback, Meeting
from callcoach.tui.app import make_app
from callcoach.tui.screens.block import BlockScreen
from callcoach.tui.screens.block_dialogs import CallbackDialog, MeetingForm, StartBlockDialog
from tests.support.blockkit import make_list, make_rep, seed_library
from tests.support.helpers import SIZE
from tests.support.helpers import screen_text as text_of

FRIDAY_NY_1000 = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # Fri 04 Dec, 10:00 in New York


@pytest.fixture
def rep_in_amsterdam(monkeypatch):
    """The rep's machine runs on Amsterdam time (the "your time" of the status line)."""
    monkeypatch.setenv("TZ", "Europe/Amsterdam")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def friday(sqlite_db, rep_in_amsterdam):
    make_rep(sqlite_db)
    seed_library(sqlite_db)
    people = [{"first_name": n, "last_name": "Test", "company": f"Co {n}"} for n in ("Ada", "Ben", "Cy")]
    make_list(sqlite_db, contacts=people)
    return sqlite_db, FakeClock(FRIDAY_NY_1000)


async def start(app, pilot) -> BlockScreen:
    await pilot.press("b")
    await pilot.pause()
    assert isinstance(app.screen, StartBlockDialog)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, BlockScreen)
    return app.screen


def status(app) -> str:
    return " ".join(text_of(app).split())  # the status line, wherever a layout wraps it


async def test_friday_callback_quick_pick_lands_on_monday_and_is_echoed(friday, settings):
    db, clock = friday
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("d", "6")
        assert isinstance(app.screen, CallbackDialog)
        shown = text_of(app)
        assert "tomorrow" not in shown.split("or type it")[0].lower()
        assert "Mon 07 Dec 09:00" in shown and "Sat" not in shown
        example = app.screen.query_one("#cb-date", Input).placeholder
        assert "2026-12-07" in example  # a future working day, from the injected clock
        await pilot.press("down", "enter")  # the second pick: the next working day, 09:00
        await pilot.pause()
        with db.session() as s:
            cb = s.exec(select(Callback)).one()
        assert cb.due_at == datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # Mon 09:00 New York
        assert (
            "Mon 07 Dec 09:00 their time (America/New_York), 15:00 your time (CET)" in status(app)
        )


async def test_typed_callback_date_on_a_weekend_is_refused_and_monday_accepted(friday, settings):
    db, clock = friday
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("d", "6")
        dialog = app.screen
        assert isinstance(dialog, CallbackDialog)
        dialog.query_one("#cb-date", Input).value = "tomorrow"
        dialog.query_one("#cb-time", Input).value = "10:00"
        dialog.query_one("#cb-time", Input).focus()
        await pilot.press("enter")
        assert isinstance(app.screen, CallbackDialog)
        error = str(dialog.query_one("#cb-error", Static).render())
        assert "Sat 05 Dec is not a working day (Mon-Fri): try Mon 07 Dec" in error
        dialog.query_one("#cb-date", Input).value = "next Monday"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BlockScreen)
        with db.session() as s:
            assert s.exec(select(Callback)).one().due_at == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
        assert "Mon 07 Dec 10:00 their time (America/New_York), 16:00 your time" in status(app)


async def test_meeting_form_refuses_saturday_takes_monday_and_echoes(friday, settings):
    db, clock = friday
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("d", "7")
        form = app.screen
        assert isinstance(form, MeetingForm)
        date_field = form.query_one("#mtg-date", Input)
        assert date_field.value == "2026-12-07"  # the next working day, not Saturday
        date_field.value = "tomorrow"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, MeetingForm)
        assert "Sat 05 Dec is not a working day" in str(form.query_one("#mtg-error", Static).render())
        date_field.value = "Monday"
        form.query_one("#mtg-time", Input).value = "11:15"
        form.query_one("#mtg-email", Input).value = "ada@co.example"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BlockScreen)
        with db.session() as s:
            m = s.exec(select(Meeting)).one()
        assert m.starts_at == datetime(2026, 12, 7, 16, 15, tzinfo=UTC)
        assert "Mon 07 Dec 11:15 their time (America/New_York), 17:15 your time (CET)" in status(app)


async def test_configured_working_days_reach_the_dialogs(friday, settings):
    db, clock = friday
    app = make_app(db, replace(settings, working_days=(6, 0, 1, 2, 3)), clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("d", "6")
        shown = text_of(app)
        assert "Sun 06 Dec 09:00" in shown and "today" not in shown.split("or type it")[0]
        assert "Sun-Thu" in shown


async def test_meeting_with_blank_email_warns_on_screen_and_in_the_invite(friday, settings):
    db, clock = friday
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("d", "7")
        form = app.screen
        assert isinstance(form, MeetingForm)
        form.query_one("#mtg-email", Input).value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BlockScreen)
        shown = status(app)
        assert "Invite:" in shown and "but no email for Ada Test: add their address" in shown
        with db.session() as s:
            m = s.exec(select(Meeting)).one()
        ev = Calendar.from_ical(open(m.ics_path, "rb").read()).walk("VEVENT")[0]
        assert str(ev.get("organizer")) == "mailto:sam@example.com"
        assert str(ev.get("attendee")) == "mailto:no-email@callcoach.invalid"
        assert "Missing: no email for Ada Test" in str(ev.get("description"))
