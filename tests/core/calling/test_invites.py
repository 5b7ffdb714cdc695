"""Meeting invites name their ORGANIZER and ATTENDEE; a missing email is said, not hidden."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from callcoach.catalog.outcomes import Outcome
from callcoach.core.calling import dialling, lifecycle, outcomes, serving
from callcoach.core.calling.invites import (
    NO_ATTENDEE_EMAIL,
    NO_ORGANIZER_EMAIL,
    build_invite,
    invite_gaps,
)
from callcoach.storage.models import Contact, Meeting, Rep
from tests.support.blockkit import make_list, make_rep, seed_library

STARTS = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def _event(data: bytes):
    events = Calendar.from_ical(data).walk("VEVENT")
    assert len(events) == 1
    return events[0]


def _models(meeting_email: str, rep_email: str | None):
    meeting = Meeting(
        id=7, attempt_id=3, contact_id=1, rep_id=1, starts_at=STARTS, kind="web", email=meeting_email
    )
    contact = Contact(id=1, list_id=1, first_name="Ada", last_name="Byron", phone="+12125550100")
    rep = Rep(id=1, name="Sam Reed", email=rep_email)
    return meeting, contact, rep


def test_organizer_from_the_settings_wins_and_attendee_is_the_prospect():
    meeting, contact, rep = _models("ada@molar.example", "sam@db.example")
    ev = _event(build_invite(meeting, contact, rep, STARTS, "sam@settings.example"))
    organizer, attendee = ev.get("organizer"), ev.get("attendee")
    assert str(organizer) == "mailto:sam@settings.example" and organizer.params["CN"] == "Sam Reed"
    assert str(attendee) == "mailto:ada@molar.example" and attendee.params["CN"] == "Ada Byron"
    assert attendee.params["RSVP"] == "TRUE"
    assert "Missing" not in str(ev.get("description"))
    assert invite_gaps(meeting, contact, rep, "sam@settings.example") == []
    # Without the setting: the rep's email in the database.
    ev = _event(build_invite(meeting, contact, rep, STARTS))
    assert str(ev.get("organizer")) == "mailto:sam@db.example"


def test_missing_emails_get_visible_placeholders_and_are_said():
    meeting, contact, rep = _models("", None)
    ev = _event(build_invite(meeting, contact, rep, STARTS))
    assert str(ev.get("organizer")) == f"mailto:{NO_ORGANIZER_EMAIL}"
    assert ev.get("organizer").params["CN"] == "Sam Reed"
    assert str(ev.get("attendee")) == f"mailto:{NO_ATTENDEE_EMAIL}"
    assert ev.get("attendee").params["CN"] == "Ada Byron"
    desc = str(ev.get("description"))
    assert "Missing: no email for Ada Byron: add their address before sending it." in desc
    assert "Missing: no email for the organizer Sam Reed" in desc
    gaps = invite_gaps(meeting, contact, rep, None)
    assert len(gaps) == 2 and 'callcoach reps set "Sam Reed" --email ADDRESS' in gaps[1]


def _meeting_logged(db, clock, settings, email: str, rep_email: str | None):
    rep = make_rep(db, email=rep_email)
    seed_library(db)
    list_id, _ = make_list(db, contacts=[{"first_name": "Ada", "last_name": "Byron"}])
    block = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id, minutes=52)
    contact = serving.serve_next(db, clock, settings, block)
    dialling.dial(db, clock, block.id, contact.id)
    clock.advance(90)
    return outcomes.log_outcome(
        db,
        clock,
        settings,
        block_id=block.id,
        outcome=Outcome.MEETING,
        meeting=outcomes.MeetingDetails(clock.now() + timedelta(days=2), "web", email),
    )


def test_logged_meeting_invite_parses_with_organizer_and_attendee(db, clock, settings):
    res = _meeting_logged(db, clock, replace(settings, rep_email="sam@team.example"), "ada@x.example", None)
    ev = _event(res.ics_path.read_bytes())
    assert str(ev.get("organizer")) == "mailto:sam@team.example"
    assert str(ev.get("attendee")) == "mailto:ada@x.example"
    assert res.ics_gaps == []


def test_logged_meeting_with_blank_email_reports_the_gap(db, clock, settings):
    res = _meeting_logged(db, clock, settings, "", "sam@example.com")
    ev = _event(res.ics_path.read_bytes())
    assert str(ev.get("organizer")) == "mailto:sam@example.com"
    assert str(ev.get("attendee")) == f"mailto:{NO_ATTENDEE_EMAIL}"
    assert res.ics_gaps == ["no email for Ada Byron: add their address before sending it"]
