"""Meeting invites as iCalendar files, with the prospect's parked questions as the agenda.

Every invite names its ORGANIZER (the rep: ``rep_email`` in the settings, else the rep's
email in the database) and its ATTENDEE (the prospect). An address that is not known is
written as a placeholder on the reserved ``.invalid`` domain, so a calendar shows at once
that it needs fixing, and the invite's description and the screen say which one is missing.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from icalendar import Calendar, Event, vCalAddress, vText

from callcoach.errors import CallcoachError
from callcoach.files import write_atomically
from callcoach.storage.models import Contact, Meeting, MeetingKind, Rep

#: The placeholder addresses of an invite whose organizer or attendee email is not known.
NO_ORGANIZER_EMAIL = "unset@callcoach.invalid"
NO_ATTENDEE_EMAIL = "no-email@callcoach.invalid"

KIND_LABELS = {
    MeetingKind.PHONE.value: "Phone call",
    MeetingKind.WEB.value: "Web meeting",
    MeetingKind.IN_PERSON.value: "In person",
}


class InviteError(CallcoachError):
    """The invite could not be written (folder missing or not writable)."""


def agenda_lines(parked_questions: str) -> list[str]:
    """The parked questions, one per non-empty line, stripped."""
    return [line.strip() for line in parked_questions.splitlines() if line.strip()]


def invite_gaps(meeting: Meeting, contact: Contact, rep: Rep, organizer_email: str | None) -> list[str]:
    """What the invite lacks, one sentence each: the prospect's email, the rep's."""
    gaps = []
    if not meeting.email:
        gaps.append(f"no email for {contact.full_name}: add their address before sending it")
    if not (organizer_email or rep.email):
        gaps.append(
            f"no email for the organizer {rep.name}: set rep_email in the settings "
            f'or  callcoach reps set "{rep.name}" --email ADDRESS'
        )
    return gaps


def build_invite(
    meeting: Meeting,
    contact: Contact,
    rep: Rep,
    stamp: datetime,
    organizer_email: str | None = None,
) -> bytes:
    """The ``.ics`` bytes for ``meeting`` (one VEVENT; agenda = the parked questions), from
    ``organizer_email`` (else the rep's email) to the meeting's email."""
    cal = Calendar()
    cal.add("prodid", "-//callcoach//call block//EN")
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    event = Event()
    # The creation instant too: a meeting set again after an undo may get the deleted
    # meeting's id back (SQLite reuses the highest rowid), and must not share its UID.
    created = f"{meeting.created_at:%Y%m%dT%H%M%S%f}"
    event.add("uid", f"callcoach-meeting-{meeting.id}-{meeting.attempt_id}-{created}@callcoach")
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.starts_at + timedelta(minutes=meeting.duration_minutes))
    who = contact.full_name
    company = f" ({contact.company})" if contact.company and contact.company != who else ""
    event.add(
        "summary", f"{KIND_LABELS.get(meeting.kind, meeting.kind)}: {who}{company} / {rep.name}"
    )
    agenda = agenda_lines(meeting.parked_questions)
    lines = ["Agenda (questions parked on the call):"]
    lines += [f"{i}. {q}" for i, q in enumerate(agenda, 1)] or ["1. (none parked)"]
    lines += ["", f"Contact: {who}, {contact.title}".rstrip(", "), f"Phone: {contact.phone}"]
    gaps = invite_gaps(meeting, contact, rep, organizer_email)
    if gaps:
        lines += ["", *(f"Missing: {gap}." for gap in gaps)]
    event.add("description", "\n".join(lines))
    if meeting.kind == MeetingKind.PHONE.value:
        event.add("location", contact.phone)
    organizer = vCalAddress(f"mailto:{organizer_email or rep.email or NO_ORGANIZER_EMAIL}")
    organizer.params["cn"] = vText(rep.name)
    event.add("organizer", organizer, encode=False)
    attendee = vCalAddress(f"mailto:{meeting.email or NO_ATTENDEE_EMAIL}")
    attendee.params["cn"] = vText(who)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["rsvp"] = vText("TRUE" if meeting.email else "FALSE")
    event.add("attendee", attendee, encode=False)
    cal.add_component(event)
    return cal.to_ical()


def invite_filename(meeting: Meeting, contact: Contact) -> str:
    """A readable, filesystem-safe file name: date, person, meeting id."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", contact.full_name).strip("-").lower() or "contact"
    return f"{meeting.starts_at:%Y-%m-%d-%H%M}-{slug[:40]}-m{meeting.id}.ics"


def write_invite(
    meeting: Meeting,
    contact: Contact,
    rep: Rep,
    folder: Path,
    stamp: datetime,
    organizer_email: str | None = None,
) -> Path:
    """Write the invite into ``folder`` atomically and return its path."""
    data = build_invite(meeting, contact, rep, stamp, organizer_email)
    return _write_ics(folder, invite_filename(meeting, contact), data, "invite")


def _write_ics(folder: Path, name: str, data: bytes, what: str) -> Path:
    """Write ``data`` as ``folder/name`` atomically (creating the folder); one-line error."""
    path = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)
    except OSError as exc:
        raise InviteError(f"cannot write {what} to {folder}: {exc.strerror or exc}") from None
    return path


def build_cancellation(
    meeting: Meeting,
    contact: Contact,
    rep: Rep,
    stamp: datetime,
    organizer_email: str | None = None,
) -> bytes:
    """The ``.ics`` that cancels ``meeting``'s invite: same UID, organizer and attendee,
    ``METHOD:CANCEL``, ``STATUS:CANCELLED`` and the next SEQUENCE, so calendars drop the
    event."""
    cal = Calendar.from_ical(build_invite(meeting, contact, rep, stamp, organizer_email))
    cal.pop("method", None)
    cal.add("method", "CANCEL")
    for event in cal.walk("VEVENT"):
        sequence = int(event.pop("sequence", 0))
        event.add("sequence", sequence + 1)
        event.pop("status", None)
        event.add("status", "CANCELLED")
        summary = str(event.get("summary", ""))
        event.pop("summary", None)
        event.add("summary", f"Cancelled: {summary}")
    return cal.to_ical()


def cancellation_filename(meeting: Meeting, contact: Contact) -> str:
    """The cancellation's file name: the invite's, marked as cancelled."""
    return invite_filename(meeting, contact).removesuffix(".ics") + "-cancelled.ics"


def write_cancellation(
    meeting: Meeting,
    contact: Contact,
    rep: Rep,
    folder: Path,
    stamp: datetime,
    organizer_email: str | None = None,
) -> Path:
    """Write ``meeting``'s cancellation into ``folder`` atomically and return its path."""
    data = build_cancellation(meeting, contact, rep, stamp, organizer_email)
    return _write_ics(folder, cancellation_filename(meeting, contact), data, "cancellation")
