"""Meetings booked on calls: the list a rep or manager works from, and whether each was held.

"Meetings held" is the funnel's last stage and the planner's meeting-to-opportunity basis;
it is only known once somebody records it, so a meeting's ``held`` stays empty (unknown)
until it is marked held or no-show here. A meeting in the future cannot be marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.errors import CallcoachError
from callcoach.storage.models import Contact, Meeting, Rep

SCOPES = ("upcoming", "past", "unrecorded", "all")


class MeetingError(CallcoachError):
    """A meeting command that cannot be carried out (one line)."""


@dataclass(frozen=True)
class MeetingRow:
    """One meeting as listed."""

    id: int
    starts_at: datetime  # aware UTC
    duration_minutes: int
    kind: str
    rep: str
    contact: str
    company: str
    phone: str
    email: str
    held: bool | None
    agenda: tuple[str, ...]  # the parked questions

    @property
    def status(self) -> str:
        """held / no-show / unknown."""
        return {True: "held", False: "no-show", None: "-"}[self.held]


def list_meetings(
    session: Session,
    now: datetime,
    scope: str = "upcoming",
    rep_ids: Sequence[int] = (),
    limit: int = 200,
) -> list[MeetingRow]:
    """Meetings in ``scope``: upcoming (soonest first), past or unrecorded (latest first)."""
    if scope not in SCOPES:
        raise MeetingError(f"meetings {scope!r}: expected one of {', '.join(SCOPES)}")
    query = (
        sa.select(Meeting, col(Rep.name), Contact)
        .join(Rep, col(Rep.id) == col(Meeting.rep_id))
        .join(Contact, col(Contact.id) == col(Meeting.contact_id))
    )
    if rep_ids:
        query = query.where(col(Meeting.rep_id).in_(list(rep_ids)))
    if scope == "upcoming":
        query = query.where(col(Meeting.starts_at) >= now).order_by(col(Meeting.starts_at), col(Meeting.id))
    else:
        if scope in ("past", "unrecorded"):
            query = query.where(col(Meeting.starts_at) < now)
        if scope == "unrecorded":
            query = query.where(col(Meeting.held).is_(None))
        query = query.order_by(col(Meeting.starts_at).desc(), col(Meeting.id).desc())
    rows = session.execute(query.limit(limit)).all()
    return [
        MeetingRow(
            id=m.id,
            starts_at=m.starts_at,
            duration_minutes=m.duration_minutes,
            kind=m.kind,
            rep=rep,
            contact=f"{c.first_name} {c.last_name}".strip() or c.phone,
            company=c.company or "",
            phone=c.phone,
            email=m.email or c.email or "",
            held=m.held,
            agenda=tuple(q for q in (m.parked_questions or "").splitlines() if q.strip()),
        )
        for m, rep, c in rows
    ]


def record_held(
    session: Session, meeting_ids: Sequence[int], held: bool | None, now: datetime
) -> list[Meeting]:
    """Mark meetings held (True), no-show (False) or unknown again (None); commits once.

    Every id is checked first: an unknown id, or a meeting that has not started yet, changes
    nothing at all.
    """
    if not meeting_ids:
        raise MeetingError("give at least one meeting id (see: callcoach meetings)")
    meetings = []
    for meeting_id in meeting_ids:
        meeting = session.get(Meeting, meeting_id)
        if meeting is None:
            raise MeetingError(f"meeting {meeting_id} does not exist (see: callcoach meetings)")
        if held is not None and meeting.starts_at > now:
            raise MeetingError(
                f"meeting {meeting_id} is on {meeting.starts_at:%Y-%m-%d %H:%M} UTC: it cannot be marked "
                "before it starts"
            )
        meetings.append(meeting)
    for meeting in meetings:
        meeting.held = held
        session.add(meeting)
    session.commit()
    return meetings
