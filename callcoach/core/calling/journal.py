"""The outcome journal: nothing a rep logged is lost when the team server goes away.

Logging an outcome normally commits straight to the database. When that fails because the
connection dropped, :func:`log_outcome_durably` retries briefly; if the server stays away
it appends the outcome (with its ``client_uuid`` and everything needed to write it later)
to a journal file on this machine - one JSON object per line, flushed and fsync'd before
the rep is told it is safe - and says so. The journal is replayed, oldest first, at start
and before the next operation that reaches the server. Replay is idempotent: the attempt
table's unique ``client_uuid`` means an outcome that did reach the server (say the
connection died after the commit but before its acknowledgement) is skipped, never stored
twice.

One journal file per database (keyed by the URL without password) lives in the data dir,
so switching ``--db`` never replays one team's outcomes into another's database. Entries
that can no longer be written (the call was meanwhile logged differently) move to a
``.rejected`` file beside it with the reason, rather than disappearing.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from callcoach.clock import Clock, FakeClock
from callcoach.config import Settings
from callcoach.core.calling import lifecycle, outcomes, queue, serving, undo
from callcoach.core.calling.journal_file import (
    JournalEntry,
    OutcomeJournal,
    iso_utc,
    utc_instant,
)
from callcoach.errors import CallcoachError
from callcoach.storage.db import Database
from callcoach.storage.errors import ServerUnavailable, is_connection_error
from callcoach.storage.models import CallBlock, Contact
from callcoach.storage.sql import calls as calls_sql
from callcoach.storage.sql import undo as undo_sql
from callcoach.storage.urls import describe_connect_error

#: Pauses between the attempts to reach the server before an outcome goes to the journal.
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (0.1, 0.3, 0.6)


def connection_trouble(url: str, exc: BaseException) -> str | None:
    """One line (host and cause, no password) when ``exc`` is a lost connection, else None."""
    if not is_connection_error(exc):
        return None
    return describe_connect_error(url, exc)


@dataclass
class ReplayReport:
    """What a journal replay did."""

    written: int = 0  # stored on the server now
    already: int = 0  # were on the server already (client_uuid seen): skipped
    rejected: list[str] = field(default_factory=list)  # one line each: why it cannot be written
    pending: int = 0  # still waiting (the server went away again)
    error: str | None = None  # why the replay stopped early

    @property
    def message(self) -> str:
        """One line for the rep, or "" when there was nothing to replay."""
        parts = []
        if self.written:
            parts.append(f"{self.written} outcome(s) saved offline are now on the server")
        if self.rejected:
            parts.append(
                f"{len(self.rejected)} could not be written (see the journal's .rejected file)"
            )
        if self.pending:
            parts.append(f"{self.pending} still waiting for the server")
        return "; ".join(parts)


def _meeting_details(data: dict[str, Any] | None) -> outcomes.MeetingDetails | None:
    if data is None:
        return None
    return outcomes.MeetingDetails(
        starts_at=utc_instant(data["starts_at"]),
        kind=data.get("kind", "web"),
        email=data.get("email", ""),
        parked_questions=tuple(data.get("parked_questions", ())),
        duration_minutes=int(data.get("duration_minutes", 30)),
    )


def _meeting_data(meeting: outcomes.MeetingDetails | None) -> dict[str, Any] | None:
    if meeting is None:
        return None
    return {
        "starts_at": iso_utc(meeting.starts_at),
        "kind": meeting.kind,
        "email": meeting.email,
        "parked_questions": list(meeting.parked_questions),
        "duration_minutes": meeting.duration_minutes,
    }


def _already_stored(db: Database, client_uuid: str) -> bool:
    with db.session() as session:
        return calls_sql.is_stored(session, client_uuid)


def _open_call_contact(db: Database, block_id: int) -> int | None:
    with db.session() as session:
        attempt = lifecycle.open_attempt(session, block_id)
        return attempt.contact_id if attempt is not None else None


def _write_entry(db: Database, settings: Settings, entry: JournalEntry) -> bool:
    """Write one journaled outcome (or undo) at its original instant; True if new, False
    if known.

    Raises connection errors as they come, CallcoachError when it can never be written.
    """
    if entry.undoes is not None:
        return _write_undo_entry(db, settings, entry)
    if _already_stored(db, entry.client_uuid):
        return False
    if entry.contact_id is not None and not entry.dial_if_needed:
        on_call = _open_call_contact(db, entry.block_id)
        if on_call is not None and on_call != entry.contact_id:
            raise CallcoachError(
                f"block {entry.block_id} has moved on to contact {on_call}; the offline "
                f"outcome {entry.outcome} for contact {entry.contact_id} was not applied"
            )
    try:
        result = outcomes.log_outcome(
            db,
            FakeClock(entry.logged_at),
            settings,
            block_id=entry.block_id,
            outcome=entry.outcome,
            note=entry.note,
            callback_at=entry.callback_at,
            meeting=_meeting_details(entry.meeting),
            client_uuid=entry.client_uuid,
            dial_if_needed=entry.dial_if_needed,
        )
    except sa.exc.IntegrityError:
        # Another process replayed the same outcome a moment ago: the unique client_uuid
        # kept it single.
        if _already_stored(db, entry.client_uuid):
            return False
        raise
    return not result.replayed


def _write_undo_entry(db: Database, settings: Settings, entry: JournalEntry) -> bool:
    """Apply one journaled undo at its original instant; True if new, False if known."""
    try:
        result = undo.undo_outcome(
            db,
            FakeClock(entry.logged_at),
            settings,
            block_id=entry.block_id,
            undoes=entry.undoes,
            client_uuid=entry.client_uuid,
        )
    except sa.exc.IntegrityError:
        # Another process applied the same undo a moment ago: the unique undo_uuid kept it
        # single.
        with db.session() as session:
            if undo_sql.undo_applied(session.connection(), entry.client_uuid) is not None:
                return False
        raise
    return not result.replayed


def replay_journal(db: Database, settings: Settings, journal: OutcomeJournal) -> ReplayReport:
    """Write every waiting outcome to the server, oldest first, each exactly once.

    Stops at the first connection failure (the rest stay in the journal); an entry that
    can never be written goes to the ``.rejected`` file with its reason.
    """
    report = ReplayReport()
    if not journal.has_pending():
        return report
    with journal.locked():
        entries, bad = journal._read_unlocked()
        for line, reason in bad:
            journal._reject_unlocked(line, reason)
            report.rejected.append(reason)
        if bad:
            journal._rewrite_unlocked(entries)  # set aside once, not at every replay
        remaining = list(entries)
        while remaining:
            entry = remaining[0]
            try:
                if entry.database != journal.database:
                    raise CallcoachError(
                        f"belongs to {entry.database}, not {journal.database}"
                    )
                if _write_entry(db, settings, entry):
                    report.written += 1
                else:
                    report.already += 1
            except Exception as exc:  # sorted into retry-later or rejected
                if is_connection_error(exc):
                    report.error = describe_connect_error(db.url, exc)
                    break
                if not isinstance(exc, CallcoachError):
                    raise
                reason = f"outcome {entry.client_uuid} ({entry.outcome}): {exc}"
                journal._reject_unlocked(entry.to_json(), reason)
                report.rejected.append(reason)
            remaining.pop(0)
            # Rewriting after each entry bounds what a crash mid-replay can repeat (and a
            # repeat is skipped anyway: its client_uuid is already stored).
            journal._rewrite_unlocked(remaining)
        report.pending = len(remaining)
    return report


@dataclass
class DurableOutcome:
    """What :func:`log_outcome_durably` did with an outcome."""

    client_uuid: str
    result: outcomes.OutcomeResult | None = None  # when written to the server now
    journaled: bool = False  # kept on this machine until the server is back
    replay: ReplayReport = field(default_factory=ReplayReport)  # earlier outcomes written first
    message: str = ""  # one line for the rep ("" when all went normally)

    @property
    def saved(self) -> bool:
        """True when the outcome is safe: on the server or in the fsync'd journal."""
        return self.result is not None or self.journaled


#: Stop retrying once this many seconds went by (an unreachable host can take the whole
#: connect timeout per try; the rep should not wait that long times four).
RETRY_BUDGET_SECONDS = 3.0


def _retrying(
    action: Callable[[], Any], delays: tuple[float, ...], sleep: Callable[[float], None]
) -> Any:
    """Run ``action``; on a connection error wait and try again per ``delays``, within
    :data:`RETRY_BUDGET_SECONDS`."""
    started = time.monotonic()
    for delay in (*delays, None):
        try:
            return action()
        except Exception as exc:
            if not is_connection_error(exc) or delay is None:
                raise
            if time.monotonic() - started + delay > RETRY_BUDGET_SECONDS:
                raise
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def log_outcome_durably(
    db: Database,
    clock: Clock,
    settings: Settings,
    journal: OutcomeJournal,
    *,
    block_id: int,
    outcome: str,
    contact_id: int | None = None,
    note: str = "",
    callback_at: datetime | None = None,
    meeting: outcomes.MeetingDetails | None = None,
    client_uuid: str | None = None,
    dial_if_needed: bool = False,
    serve: bool = False,
    zone_cache: queue.ZoneCache | None = None,
    retry_delays: tuple[float, ...] | None = None,
    sleep: Callable[[float], None] | None = None,
    owner: str | None = None,
) -> DurableOutcome:
    """Log an outcome like ``outcomes.log_outcome``, but never lose it to a dropped connection.

    Earlier journaled outcomes are written first. On a connection error the write is
    retried after each of ``retry_delays`` (default :data:`DEFAULT_RETRY_DELAYS`); if the
    server is still away the outcome is appended to ``journal`` (fsync'd) and the returned
    message tells the rep. Validation errors (a callback in the past...) are raised as
    usual: the rep fixes and retries. With ``serve`` the next contact is reserved too
    (``result.next_contact``), also when a retry finds the outcome already stored.
    """
    retry_delays = DEFAULT_RETRY_DELAYS if retry_delays is None else retry_delays
    sleep = sleep or time.sleep
    client_uuid = client_uuid or str(uuid.uuid4())
    logged_at = clock.now()
    done = DurableOutcome(client_uuid=client_uuid)

    def write() -> outcomes.OutcomeResult:
        result = outcomes.log_outcome(
            db,
            FakeClock(logged_at),
            settings,
            block_id=block_id,
            outcome=outcome,
            note=note,
            callback_at=callback_at,
            meeting=meeting,
            client_uuid=client_uuid,
            dial_if_needed=dial_if_needed,
            serve=serve,
            zone_cache=zone_cache,
            owner=owner,
        )
        if serve and result.replayed:
            # The outcome's commit landed before the connection dropped, the serve did not.
            result.next_contact = _serve_block(db, clock, settings, block_id, zone_cache, owner)
        return result

    try:
        if journal.has_pending():
            done.replay = _retrying(
                lambda: _replay_or_raise(db, settings, journal), retry_delays, sleep
            )
        done.result = _retrying(write, retry_delays, sleep)
    except Exception as exc:
        if not is_connection_error(exc):
            raise
        journal.append(
            JournalEntry(
                client_uuid=client_uuid,
                database=journal.database,
                block_id=block_id,
                contact_id=contact_id,
                outcome=str(getattr(outcome, "value", outcome)),
                logged_at=logged_at,
                note=note,
                callback_at=callback_at,
                meeting=_meeting_data(meeting),
                dial_if_needed=dial_if_needed,
            )
        )
        waiting = len(journal.pending())
        done.journaled = True
        done.message = (
            f"Outcome saved on this machine ({waiting} waiting), written when the server is "
            f"back - {describe_connect_error(db.url, exc)}"
        )
        return done
    done.message = done.replay.message
    return done


@dataclass
class DurableUndo:
    """What :func:`undo_outcome_durably` did with an undo."""

    client_uuid: str
    result: undo.UndoResult | None = None  # when applied on the server now
    journaled: bool = False  # kept on this machine until the server is back
    replay: ReplayReport = field(default_factory=ReplayReport)
    message: str = ""  # one line for the rep ("" when all went normally)


def undo_outcome_durably(
    db: Database,
    clock: Clock,
    settings: Settings,
    journal: OutcomeJournal,
    *,
    block_id: int,
    undoes: str | None,
    contact_id: int | None = None,
    client_uuid: str | None = None,
    retry_delays: tuple[float, ...] | None = None,
    sleep: Callable[[float], None] | None = None,
    owner: str | None = None,
) -> DurableUndo:
    """Undo the block's last outcome like ``undo.undo_outcome``, journaled like an outcome:
    earlier journaled entries are written first, a lost connection is retried, and if the
    server stays away the undo of ``undoes`` (the outcome's client_uuid) is appended to
    ``journal`` and applied, exactly once, when it is back. Without ``undoes`` (the screen
    does not know the outcome's key) a lost server is raised as ServerUnavailable."""
    retry_delays = DEFAULT_RETRY_DELAYS if retry_delays is None else retry_delays
    sleep = sleep or time.sleep
    client_uuid = client_uuid or str(uuid.uuid4())
    logged_at = clock.now()
    done = DurableUndo(client_uuid=client_uuid)

    def write() -> undo.UndoResult:
        return undo.undo_outcome(
            db, FakeClock(logged_at), settings, block_id=block_id, undoes=undoes,
            client_uuid=client_uuid, owner=owner,
        )

    try:
        if journal.has_pending():
            done.replay = _retrying(
                lambda: _replay_or_raise(db, settings, journal), retry_delays, sleep
            )
        done.result = _retrying(write, retry_delays, sleep)
    except Exception as exc:
        if not is_connection_error(exc) and not isinstance(exc, ServerUnavailable):
            raise
        if undoes is None:
            raise ServerUnavailable(describe_connect_error(db.url, exc)) from None
        journal.append(
            JournalEntry(
                client_uuid=client_uuid,
                database=journal.database,
                block_id=block_id,
                contact_id=contact_id,
                outcome="undo",
                logged_at=logged_at,
                undoes=undoes,
            )
        )
        done.journaled = True
        done.message = (
            f"Undo saved on this machine ({len(journal.pending())} waiting), applied when the "
            f"server is back - {describe_connect_error(db.url, exc)}"
        )
        return done
    done.message = done.replay.message
    return done


def _serve_block(
    db: Database,
    clock: Clock,
    settings: Settings,
    block_id: int,
    zone_cache: queue.ZoneCache | None,
    owner: str | None,
) -> Contact | None:
    with db.session() as session:
        block = lifecycle.get_block(session, block_id)
    return serving.serve_next(db, clock, settings, block, zone_cache=zone_cache, owner=owner)


def _replay_or_raise(db: Database, settings: Settings, journal: OutcomeJournal) -> ReplayReport:
    """Replay; raise ServerUnavailable when the server went away before the journal emptied."""
    report = replay_journal(db, settings, journal)
    if report.error is not None:
        raise ServerUnavailable(report.error)
    return report


def replay_at_start(db: Database, settings: Settings, journal: OutcomeJournal) -> str:
    """Replay whatever a previous run left in the journal; one line for the rep ("" if none)."""
    if not journal.has_pending():
        return ""
    report = replay_journal(db, settings, journal)
    if report.error:
        return (
            f"{report.pending} outcome(s) saved offline still wait for the server: {report.error}"
        )
    return report.message


def call_or_unavailable(db: Database, action: Callable[[], Any]) -> Any:
    """Run ``action``; a connection failure becomes :class:`ServerUnavailable` (one line)."""
    try:
        return action()
    except Exception as exc:
        if isinstance(exc, CallcoachError) or not is_connection_error(exc):
            raise
        raise ServerUnavailable(describe_connect_error(db.url, exc)) from None


def serve_next_durably(
    db: Database,
    clock: Clock,
    settings: Settings,
    journal: OutcomeJournal,
    block: CallBlock,
    zone_cache: queue.ZoneCache | None = None,
    owner: str | None = None,
) -> tuple[Contact | None, str]:
    """Write any journaled outcomes, then reserve the block's next contact.

    Returns (contact or None, one line about replayed outcomes or ""); raises
    :class:`ServerUnavailable` when the server cannot be reached.
    """
    message = ""
    if journal.has_pending():
        report = call_or_unavailable(db, lambda: replay_journal(db, settings, journal))
        if report.error:
            raise ServerUnavailable(report.error)
        message = report.message
    contact = call_or_unavailable(
        db,
        lambda: serving.serve_next(db, clock, settings, block, zone_cache=zone_cache, owner=owner),
    )
    return contact, message
