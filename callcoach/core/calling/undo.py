"""Undo the last outcome of a block: the call re-opens as it was before it was logged.

An outcome keeps a before-image on its attempt (:mod:`callcoach.core.calling.prior`). The
undo puts it back in one write transaction: the attempt's outcome, times, flags and notes,
the contact's status, next call, attempts and do-not-call flag, the objections the outcome
settled, the callbacks it closed; it deletes the callback, meeting and do-not-call entry
the outcome added and frees the contact served next. The attempt keeps its own record of
the correction (``undone_at``, ``undone_outcome``, ``undo_uuid``) and nothing else
differs from before the outcome, so every report counts the call once: when it is logged
again. A meeting's invite is followed by a cancellation (``METHOD:CANCEL``, same UID).

The undo is refused, with one line, while a call is open, when the contact was called
again since, or when another rep's block now holds the contact.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from callcoach.catalog.outcomes import Outcome, label
from callcoach.clock import Clock
from callcoach.config import Settings
from callcoach.core.calling.hold import require_hold
from callcoach.core.calling.lifecycle import LIVE_STATUSES, BlockError
from callcoach.core.calling.prior import read_prior
from callcoach.storage.db import Database
from callcoach.storage.models import CallAttempt, CallBlock, Contact, Meeting, Rep, from_row
from callcoach.storage.sql import undo as undo_sql


@dataclass
class UndoResult:
    """What an undo did: the call re-opened, its contact as restored, the outcome undone."""

    attempt: CallAttempt
    contact: Contact
    outcome: str  # the outcome's stored value, e.g. "meeting"
    replayed: bool = False  # this undo_uuid was applied already: nothing new written
    cancel_path: Path | None = None  # the meeting's cancellation, when one was set
    cancel_error: str | None = None

    @property
    def message(self) -> str:
        """One line for the rep: what was undone, then the meeting's cancellation, if any."""
        text = f"Undone: {label(self.outcome)}. Call open again"
        return text + self.cancel_note

    @property
    def cancel_note(self) -> str:
        """Where the meeting's cancellation went (or why it did not), else ""."""
        if self.cancel_path is not None:
            return f". Cancellation: {self.cancel_path.name}"
        if self.cancel_error:
            return f". Cancellation not written: {self.cancel_error}"
        return ""


def undo_outcome(
    db: Database,
    clock: Clock,
    settings: Settings,
    *,
    block_id: int,
    undoes: str | None = None,
    client_uuid: str | None = None,
    owner: str | None = None,
) -> UndoResult:
    """Undo the block's last logged outcome (``undoes``: only if it is the outcome stored
    with that client_uuid) in one transaction, re-opening its call.

    ``client_uuid`` keys the undo: one already applied is not applied again (``replayed``).
    With ``owner`` the block must be held by that token (else :class:`HoldLost`).
    Raises :class:`BlockError` (one line) when there is nothing the rep may undo.
    """
    now = clock.now()
    client_uuid = client_uuid or str(uuid.uuid4())
    meeting: Meeting | None = None
    rep: Rep | None = None
    with db.transaction() as session:
        require_hold(session, block_id, owner, now)
        conn = session.connection()
        done = undo_sql.undo_applied(conn, client_uuid)
        if done is not None:
            assert done.undone_outcome is not None
            contact = undo_sql.contact_row(conn, done.contact_id)
            assert contact is not None
            return UndoResult(done, contact, done.undone_outcome, replayed=True)
        state = undo_sql.block_state(conn, block_id)
        if state is None:
            raise BlockError(f"call block {block_id} does not exist")
        status, list_id, call_open = state
        if status not in LIVE_STATUSES:
            raise BlockError(f"this block is {status}: start a new one")
        if call_open:
            raise BlockError("a call is open: log its outcome before undoing the one before")
        attempt = undo_sql.last_logged_attempt(conn, block_id)
        if attempt is None or attempt.id is None or attempt.outcome is None:
            raise BlockError("nothing to undo: no outcome logged in this block")
        if undoes is not None and attempt.client_uuid != undoes:
            raise BlockError("that outcome is no longer the block's last one: nothing undone")
        if attempt.prior is None:
            raise BlockError("this outcome was logged before undo existed: it stays")
        contact = undo_sql.contact_row(conn, attempt.contact_id)
        assert contact is not None  # a foreign key
        who = contact.full_name or contact.phone
        _check_undoable(session, block_id, list_id, attempt, contact, who)
        prior = read_prior(attempt.prior)
        undone = attempt.outcome
        if undone == Outcome.MEETING.value:
            meeting = undo_sql.meeting_of(conn, attempt.id)
            rep = session.get(Rep, attempt.rep_id)
        attempt_values = {
            **prior.attempt,
            "prior": None,
            "undone_at": now,
            "undone_outcome": undone,
            "undo_uuid": client_uuid,
        }
        undo_sql.restore_outcome(
            conn,
            block_id=block_id,
            attempt_id=attempt.id,
            attempt_values=attempt_values,
            contact_id=attempt.contact_id,
            contact_values=prior.contact,
            phone=contact.phone,
            objections=prior.objections,
            callbacks=prior.callbacks,
            meeting_id=meeting.id if meeting is not None else None,
        )
    reopened = from_row(CallAttempt, {**_columns(attempt), **attempt_values})
    restored = from_row(Contact, {**_columns(contact), **prior.contact})
    result = UndoResult(reopened, restored, undone)
    if meeting is not None and rep is not None:
        _write_cancellation(settings, result, meeting, restored, rep, now)
    return result


def _columns(row: CallAttempt | Contact) -> dict[str, object]:
    """A loaded row's mapped column values by name."""
    return {attr.key: getattr(row, attr.key) for attr in sa.inspect(type(row)).column_attrs}


def _check_undoable(
    session: Session, block_id: int, list_id: int, attempt: CallAttempt, contact: Contact,
    who: str,
) -> None:
    """Raise BlockError when the outcome may no longer be undone."""
    assert attempt.id is not None
    if attempt.list_id != list_id:
        raise BlockError(f"the last call ({who}) was on another list: switch back to undo it")
    if undo_sql.called_since(session.connection(), attempt.contact_id, attempt.id):
        raise BlockError(f"{who} was called again since: the outcome stays")
    holder = contact.reserved_by_block_id
    if holder is not None and holder != block_id:
        other = session.get(CallBlock, holder)
        rep = session.get(Rep, other.rep_id) if other is not None else None
        name = rep.name if rep is not None else "another rep"
        raise BlockError(f"{who} is now on {name}'s screen: the outcome stays")


def _write_cancellation(
    settings: Settings, result: UndoResult, meeting: Meeting, contact: Contact, rep: Rep,
    now: datetime,
) -> None:
    """Write the cancelled invite of an undone meeting (the error, if any, on ``result``)."""
    # Imported here: icalendar is slow to import and the block screen imports this module.
    from callcoach.core.calling.invites import InviteError, write_cancellation

    try:
        result.cancel_path = write_cancellation(
            meeting, contact, rep, Path(settings.ics_dir), now
        )
    except InviteError as exc:
        result.cancel_error = str(exc)
