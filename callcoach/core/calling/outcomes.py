"""Logging how a call ended: the rules that decide what an outcome writes, the commit that
writes it and the meeting's invite (the callback quick picks: :mod:`workdays`).

The path reads as one line: :func:`log_outcome` validates the request,
:func:`outcome_values` decides the attempt's and the contact's new columns, and
:mod:`callcoach.storage.sql.calls` writes them - on PostgreSQL as one statement together
with the next contact's reservation. The outcome journal
(:mod:`callcoach.core.calling.journal`) wraps it, so nothing is lost to a dropped
connection.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import Session

from callcoach.catalog.calls import OpenCall, OutcomeWrite
from callcoach.catalog.outcomes import (
    BY_OUTCOME,
    ContactStatus,
    Outcome,
    Settlement,
    is_connect,
    is_conversation,
)
from callcoach.clock import Clock
from callcoach.config import Settings
from callcoach.core.calling import dialling, queue
from callcoach.core.calling.hold import require_hold
from callcoach.core.calling.lifecycle import BlockError
from callcoach.core.calling.prior import prior_image
from callcoach.storage.db import Database
from callcoach.storage.models import (
    CallAttempt,
    Callback,
    Contact,
    Meeting,
    MeetingKind,
    Rep,
    from_row,
)
from callcoach.storage.sql import calls as calls_sql
from callcoach.storage.sql import dials as dials_sql
from callcoach.storage.sql import queue as queue_sql

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class MeetingDetails:
    """What the meeting form collects."""

    starts_at: datetime
    kind: str = MeetingKind.WEB.value
    email: str = ""
    parked_questions: tuple[str, ...] = ()
    duration_minutes: int = 30


@dataclass
class OutcomeResult:
    """What logging an outcome saved."""

    attempt: CallAttempt
    contact: Contact
    meeting: Meeting | None = None
    callback: Callback | None = None
    ics_path: Path | None = None
    ics_error: str | None = None
    ics_gaps: list[str] = field(default_factory=list)  # what the invite lacks (emails)
    replayed: bool = False  # the client_uuid was already stored: nothing new written
    next_contact: Contact | None = None  # reserved when log_outcome(serve=True)


def validate_meeting(details: MeetingDetails, now: datetime) -> None:
    """Raise BlockError (one line) when the meeting form holds something unusable."""
    if details.starts_at.tzinfo is None:
        raise BlockError("meeting time must carry a time zone")
    if details.starts_at <= now:
        raise BlockError(f"meeting time {details.starts_at:%Y-%m-%d %H:%M} is in the past")
    if details.kind not in {k.value for k in MeetingKind}:
        raise BlockError(f"meeting kind {details.kind!r}: expected phone, web or in_person")
    if details.email and not EMAIL_RE.match(details.email):
        raise BlockError(f"email {details.email!r} does not look like an address")
    if not 5 <= details.duration_minutes <= 480:
        raise BlockError(f"meeting length {details.duration_minutes} min: expected 5 to 480")


def validate_outcome(
    outcome: Outcome, now: datetime, callback_at: datetime | None, meeting: MeetingDetails | None
) -> None:
    """Raise BlockError (one line) when an outcome lacks what it needs: a callback's future
    time, a meeting's details."""
    if outcome is Outcome.CALLBACK:
        if callback_at is None or callback_at.tzinfo is None:
            raise BlockError("a callback needs a date and time")
        if callback_at <= now:
            raise BlockError(f"callback time {callback_at:%Y-%m-%d %H:%M} is in the past")
    if outcome is Outcome.MEETING:
        if meeting is None:
            raise BlockError("a meeting needs a date, time, kind and email")
        validate_meeting(meeting, now)


@dataclass(frozen=True)
class _OutcomeRequest:
    """What :func:`log_outcome` was asked to write."""

    settings: Settings
    block_id: int
    outcome: Outcome
    note: str
    callback_at: datetime | None
    meeting: MeetingDetails | None
    client_uuid: str
    now: datetime
    serve: bool
    zone_cache: queue.ZoneCache | None
    owner: str | None = None


def log_outcome(
    db: Database,
    clock: Clock,
    settings: Settings,
    *,
    block_id: int,
    outcome: Outcome | str,
    note: str = "",
    callback_at: datetime | None = None,
    meeting: MeetingDetails | None = None,
    client_uuid: str | None = None,
    dial_if_needed: bool = False,
    serve: bool = False,
    zone_cache: queue.ZoneCache | None = None,
    owner: str | None = None,
) -> OutcomeResult:
    """Log how the block's open call ended and commit everything it implies at once.

    Writes the attempt's outcome, times and connect/conversation flags, the contact's
    status/attempts/next call, the do-not-call register, the Callback or Meeting row, and
    releases the contact - one commit. With ``serve`` the next contact is then reserved on
    the same connection (a second, separate commit) and returned in ``next_contact``. A
    meeting's invite is written after the commits. A caller-supplied ``client_uuid`` makes
    the write idempotent: a replayed outcome is stored exactly once. With ``owner`` every
    write (the outcome, the next reservation) happens only while that token holds the
    block, else :class:`HoldLost` is raised having written nothing.
    """
    outcome = Outcome(outcome)
    now = clock.now()
    replay_check = client_uuid is not None
    client_uuid = client_uuid or str(uuid.uuid4())
    validate_outcome(outcome, now, callback_at, meeting)
    request = _OutcomeRequest(
        settings, block_id, outcome, note, callback_at, meeting, client_uuid, now, serve,
        zone_cache, owner,
    )
    if db.writes_in_one_statement and outcome is not Outcome.MEETING:
        fast = _log_outcome_at_once(db, request)
        if fast is not None:
            return fast
    result = _log_outcome_in_transaction(db, request, replay_check, dial_if_needed)
    if isinstance(result, Contact):
        # No call was open: dial the contact on screen, then log as asked.
        assert result.id is not None
        dialling.dial(db, clock, block_id, result.id, owner=owner)
        return log_outcome(
            db, clock, settings, block_id=block_id, outcome=outcome, note=note,
            callback_at=callback_at, meeting=meeting, client_uuid=client_uuid,
            serve=serve, zone_cache=zone_cache, owner=owner,
        )
    if result.meeting is not None:
        _write_meeting_invite(db, settings, result, now)
    return result


def _log_outcome_in_transaction(
    db: Database, req: _OutcomeRequest, replay_check: bool, dial_if_needed: bool
) -> OutcomeResult | Contact:
    """:func:`log_outcome` on any engine: the open call read and the outcome written in
    one write transaction, then (``serve``) the next contact reserved in a second one.

    Returns the contact on screen instead when no call is open and ``dial_if_needed``
    allows dialling it first (nothing is written then).
    """
    with db.session() as session:
        try:
            db.begin_write(session)
            require_hold(session, req.block_id, req.owner, req.now)
            # One round trip: the open call, its objection count, and whether this
            # client_uuid is stored already (a replay: nothing new is written).
            call = calls_sql.read_open_call(session.connection(), req.block_id, req.client_uuid)
            replayed = (
                call.stored if call is not None
                else replay_check and calls_sql.is_stored(session, req.client_uuid)
            )
            if replay_check and replayed:
                replay = calls_sql.stored_attempt(session, req.client_uuid)
                assert replay is not None
                session.commit()
                contact = session.get(Contact, replay.contact_id)
                assert contact is not None
                return OutcomeResult(replay, contact, replayed=True)
            if call is None:
                if not dial_if_needed:
                    raise BlockError("no call in progress: press d to dial first")
                held = queue_sql.held_contact(session, req.block_id)
                if held is None:
                    raise BlockError("no contact on screen to log")
                session.rollback()
                return held
            result = _write_outcome(session, req, call)
            session.commit()
            if req.serve:
                db.begin_write(session)
                require_hold(session, req.block_id, req.owner, req.now)
                result.next_contact = queue.reserve_next(
                    session,
                    block_id=req.block_id,
                    list_id=call.attempt["list_id"],
                    rep_id=call.attempt["rep_id"],
                    now=req.now,
                    settings=req.settings,
                    zone_cache=req.zone_cache,
                    release=False,
                )
                session.commit()
            return result
        except BaseException:
            session.rollback()
            raise


def _write_outcome(session: Session, req: _OutcomeRequest, call: OpenCall) -> OutcomeResult:
    """The writes of one outcome inside the caller's write transaction."""
    attempt, contact, outcome = call.attempt, call.contact, req.outcome
    objections = calls_sql.call_objections(session, attempt["id"]) if call.objections else []
    # Unmarked objections follow from how the call ended (the catalogue's settles column).
    settles = BY_OUTCOME[outcome].settles
    settled: list[int] = []
    if objections and settles is Settlement.OVERCOME:
        settled = [oid for oid, overcome in objections if overcome is None]
        if settled:
            calls_sql.mark_objections(session, settled, True)
    elif objections and settles is Settlement.LAST_LOST:
        last_id, last_overcome = objections[-1]
        if last_overcome is None:
            settled = [last_id]
            calls_sql.mark_objections(session, settled, False)
    was_callback = contact["status"] == ContactStatus.CALLBACK.value
    attempt_values, contact_values = outcome_values(
        req.settings, attempt, contact, outcome, req.note, req.callback_at, req.meeting,
        req.client_uuid, req.now, len(objections),
    )
    closed = calls_sql.open_callback_ids(session, contact["id"]) if was_callback else []
    if settled or closed:
        attempt_values["prior"] = prior_image(attempt, contact, settled, closed)
    calls_sql.write_outcome_rows(
        session,
        block_id=req.block_id,
        attempt_id=attempt["id"],
        attempt_values=attempt_values,
        contact_id=contact["id"],
        contact_values=contact_values,
        now=req.now,
        close_callbacks=was_callback,
    )
    result = OutcomeResult(
        from_row(CallAttempt, {**attempt, **attempt_values}),
        from_row(Contact, {**contact, **contact_values}),
    )
    if outcome is Outcome.DO_NOT_CALL:
        calls_sql.register_do_not_call(session, contact["phone"], req.now, f"call:{attempt['id']}")
    if outcome is Outcome.CALLBACK and req.callback_at is not None:  # validated: always set
        cb = Callback(
            attempt_id=attempt["id"], contact_id=contact["id"], rep_id=attempt["rep_id"],
            due_at=req.callback_at,
        )
        session.add(cb)
        result.callback = cb
    if outcome is Outcome.MEETING and req.meeting is not None:
        meeting = req.meeting
        m = Meeting(
            attempt_id=attempt["id"],
            contact_id=contact["id"],
            rep_id=attempt["rep_id"],
            starts_at=meeting.starts_at,
            duration_minutes=meeting.duration_minutes,
            kind=meeting.kind,
            email=meeting.email.strip(),
            parked_questions="\n".join(q.strip() for q in meeting.parked_questions if q.strip()),
            created_at=req.now,
        )
        session.add(m)
        result.meeting = m
    if result.callback is not None or result.meeting is not None:
        session.flush()
    return result


def outcome_values(
    settings: Settings,
    attempt: Mapping[str, Any],
    contact: Mapping[str, Any],
    outcome: Outcome,
    note: str,
    callback_at: datetime | None,
    meeting: MeetingDetails | None,
    client_uuid: str,
    now: datetime,
    objections: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The columns an outcome writes on the attempt and on the contact (given their current
    column values): the one place the effect of an outcome on both rows is decided."""
    ended = attempt["ended_at"] or now
    notes = attempt["notes"]
    if note.strip():
        notes = (notes + "\n" if notes else "") + note.strip()
    attempt_values = {
        "outcome": outcome.value,
        "ended_at": ended,
        "logged_at": now,
        "duration_seconds": max(0.0, (ended - attempt["dialed_at"]).total_seconds()),
        "connected": is_connect(outcome.value, objections),
        "conversation": is_conversation(outcome.value, objections),
        "client_uuid": client_uuid,
        "notes": notes,
        "prior": prior_image(attempt, contact),  # what the undo restores
    }
    status, next_at = queue.status_after(
        outcome, attempt["attempt_number"], now, contact["timezone"], settings.retry
    )
    email = contact["email"]
    if outcome is Outcome.MEETING and meeting is not None and meeting.email.strip() and not email:
        email = meeting.email.strip()
    contact_values = {
        "status": status.value,
        "next_call_at": callback_at if outcome is Outcome.CALLBACK else next_at,
        "attempts": max(contact["attempts"], attempt["attempt_number"]),
        "last_outcome": outcome.value,
        "last_called_at": attempt["dialed_at"],
        "reserved_by_block_id": None,
        "reserved_at": None,
        "callback_rep_id": attempt["rep_id"] if outcome is Outcome.CALLBACK else None,
        "do_not_call": True if outcome is Outcome.DO_NOT_CALL else contact["do_not_call"],
        "email": email,
    }
    return attempt_values, contact_values


_SERVABLE = frozenset(
    {ContactStatus.NEW.value, ContactStatus.RETRY.value, ContactStatus.CALLBACK.value}
)


class _Skip(Enum):
    NOT_WRITTEN = "not written"


def _log_outcome_at_once(db: Database, req: _OutcomeRequest) -> OutcomeResult | None:
    """:func:`log_outcome` on PostgreSQL without BEGIN/COMMIT round trips: everything -
    the attempt, the contact, the block, the callback or do-not-call rows and (``serve``)
    the next contact's reservation - is written by one statement, which commits atomically
    before it returns.

    After a dial in this process the open call is known (``dials_sql.take_dialed``): one
    round trip, the statement checking that the call still is what the dial left (else it
    writes nothing, and the call is read). Otherwise the open call is read first: two.

    Returns None, having written nothing, when the call needs the general path: no open
    call, a replayed ``client_uuid``, objections to settle, a meeting (not handled here),
    a contact that would be callable again at once, or a call logged meanwhile.
    """
    dialed = dials_sql.take_dialed(db, req.block_id)
    with db.autocommit() as conn:
        if dialed is not None:
            result = _write_outcome_at_once(conn, req, dialed, guarded=True)
            if result is not _Skip.NOT_WRITTEN:
                return result
        call = calls_sql.read_open_call(conn, req.block_id, req.client_uuid)
        if call is None or call.stored or call.objections:
            return None
        result = _write_outcome_at_once(conn, req, call, guarded=False)
    return None if result is _Skip.NOT_WRITTEN else result


def _write_outcome_at_once(
    conn: sa.Connection, req: _OutcomeRequest, call: OpenCall, guarded: bool
) -> OutcomeResult | None | Literal[_Skip.NOT_WRITTEN]:
    """Decide the outcome's writes for ``call`` and have storage write them in one
    statement; NOT_WRITTEN if the call was already logged (or, ``guarded``, is no longer
    what ``call`` says), None for the general path."""
    settings, outcome, now = req.settings, req.outcome, req.now
    attempt, contact = call.attempt, call.contact
    attempt_values, contact_values = outcome_values(
        settings, attempt, contact, outcome, req.note, req.callback_at, None, req.client_uuid,
        now, 0,
    )
    if req.serve and contact_values["status"] in _SERVABLE and (
        contact_values["next_call_at"] is None or contact_values["next_call_at"] <= now
    ):
        # Callable again right now (a zero retry delay): the general path serves it after
        # its commit, as the rules say; one statement could not see it.
        return None
    if contact["status"] == ContactStatus.CALLBACK.value:
        # The callbacks it closes go into the undo's before-image: the general path reads
        # their ids first.
        return None
    zones = None
    if req.serve:
        cache = req.zone_cache or queue.ZoneCache(attempt["list_id"], settings.window)
        zones = cache.open_zones(conn, now)
    written = calls_sql.write_outcome_at_once(
        conn,
        OutcomeWrite(
            call=call,
            block_id=req.block_id,
            now=now,
            attempt_values=attempt_values,
            contact_values=contact_values,
            was_callback=contact["status"] == ContactStatus.CALLBACK.value,
            do_not_call=outcome is Outcome.DO_NOT_CALL,
            callback_due=req.callback_at if outcome is Outcome.CALLBACK else None,
            serve=req.serve,
            zones=zones,
            stale_before=now - timedelta(minutes=settings.reservation_minutes),
            guarded=guarded,
            owner=req.owner,
        ),
    )
    if written is None:
        return _Skip.NOT_WRITTEN
    result = OutcomeResult(
        from_row(CallAttempt, {**attempt, **attempt_values}),
        from_row(Contact, written.contact),
    )
    if written.callback_id is not None:
        result.callback = from_row(Callback, {
            "id": written.callback_id, "attempt_id": attempt["id"],
            "contact_id": contact["id"], "rep_id": attempt["rep_id"],
            "due_at": req.callback_at, "done": False, "released": False,
        })
    if written.next_contact is not None:
        result.next_contact = from_row(Contact, written.next_contact)
    return result


def _write_meeting_invite(
    db: Database, settings: Settings, result: OutcomeResult, now: datetime
) -> None:
    """Write the invite of the meeting ``result`` set and record its path (or the error)."""
    # Imported here: icalendar costs a tenth of a second, and start-up imports this module.
    from callcoach.core.calling.invites import InviteError, invite_gaps, write_invite

    assert result.meeting is not None
    with db.transaction() as session:
        meeting = session.get(Meeting, result.meeting.id)
        assert meeting is not None  # written by this outcome's commit
        rep = session.get(Rep, meeting.rep_id)
        assert rep is not None  # the meeting's rep: a foreign key
        organizer = settings.rep_email or rep.email
        try:
            path = write_invite(
                meeting, result.contact, rep, Path(settings.ics_dir), now, organizer
            )
        except InviteError as exc:
            result.ics_error = str(exc)
            return
        result.ics_gaps = invite_gaps(meeting, result.contact, rep, organizer)
        meeting.ics_path = str(path)
        session.add(meeting)
        result.meeting = meeting
        result.ics_path = path
