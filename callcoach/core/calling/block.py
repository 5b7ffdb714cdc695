"""The call block state machine: start, pause, resume, dial, objections, outcomes, end.

Every function takes the database and the injected clock and commits what it did before
returning, so a killed process loses nothing that was shown as saved. Remaining time is
computed from the start instant minus paused time, never by counting ticks.

A block's in-progress call is the :class:`CallAttempt` of the block whose ``outcome`` is
NULL; the contact on screen is the contact the block has reserved. Both survive a crash,
which is how :func:`recover_block` resumes.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, make_transient_to_detached
from sqlmodel import Session, SQLModel, select

from callcoach.catalog.outcomes import (
    KEY_RANGE,
    ContactStatus,
    Outcome,
    is_connect,
    is_conversation,
)
from callcoach.clock import Clock
from callcoach.config import Settings
from callcoach.core.calling import queue
from callcoach.errors import CallcoachError
from callcoach.storage.db import Database, RawStatement
from callcoach.storage.models import (
    AttemptObjection,
    BlockPause,
    BlockStatus,
    CallAttempt,
    Callback,
    CallBlock,
    CallList,
    Contact,
    DoNotCall,
    Meeting,
    MeetingKind,
    Objection,
    Rep,
    TalkTrackObjection,
    UTCDateTime,
    from_row,
)

#: A block not heard from for this long is considered to have crashed (see recover_block).
HEARTBEAT_SECONDS = 10.0

LIVE_STATUSES = (BlockStatus.RUNNING.value, BlockStatus.PAUSED.value)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class BlockError(CallcoachError):
    """An action that does not fit the block's state; the message tells the rep what to do."""


# ---------------------------------------------------------------- time


def active_seconds(block: CallBlock, now: datetime) -> float:
    """Seconds of calling time used: since the start, minus every pause (open ones too)."""
    paused = block.paused_seconds
    if block.paused_at is not None:
        paused += max(0.0, (now - block.paused_at).total_seconds())
    end = block.ended_at or now
    return max(0.0, (end - block.started_at).total_seconds() - paused)


def remaining_seconds(block: CallBlock, now: datetime) -> float:
    """Seconds left of the planned block (never negative)."""
    return max(0.0, block.planned_seconds - active_seconds(block, now))


# ---------------------------------------------------------------- lifecycle


def unfinished_block(session: Session, rep_id: int) -> CallBlock | None:
    """The rep's running or paused block, if one was left open (e.g. by a crash)."""
    return session.exec(
        select(CallBlock)
        .where(CallBlock.rep_id == rep_id, CallBlock.status.in_(LIVE_STATUSES))
        .order_by(CallBlock.started_at.desc())
    ).first()


def get_block(session: Session, block_id: int) -> CallBlock:
    """The block by id, or a BlockError."""
    block = session.get(CallBlock, block_id)
    if block is None:
        raise BlockError(f"call block {block_id} does not exist")
    return block


def start_block(
    db: Database, clock: Clock, *, rep_id: int, list_id: int, minutes: float = 52
) -> CallBlock:
    """Open a new block for the rep on a list; a rep runs one block at a time."""
    if not 1 <= minutes <= 240:
        raise BlockError(f"block length {minutes:g} minutes: expected 1 to 240")
    now = clock.now()
    with db.transaction() as session:
        if session.get(CallList, list_id) is None:
            raise BlockError(f"call list {list_id} does not exist")
        open_block = unfinished_block(session, rep_id)
        if open_block is not None:
            raise BlockError(
                f"block {open_block.id} is still open (started "
                f"{open_block.started_at:%Y-%m-%d %H:%M} UTC): resume or end it first"
            )
        block = CallBlock(
            rep_id=rep_id,
            list_id=list_id,
            planned_seconds=int(round(minutes * 60)),
            started_at=now,
            status=BlockStatus.RUNNING.value,
            last_activity_at=now,
        )
        session.add(block)
        session.flush()
        session.refresh(block)
    return block


def touch_block(db: Database, clock: Clock, block_id: int) -> None:
    """Heartbeat: the block is alive (keeps its reservation, bounds crash-time loss)."""
    with db.transaction() as session:
        session.execute(
            sa.update(CallBlock)
            .where(CallBlock.id == block_id, CallBlock.status.in_(LIVE_STATUSES))
            .values(last_activity_at=clock.now())
        )


def recover_block(db: Database, clock: Clock, block_id: int) -> CallBlock:
    """Reopen a block left open by a crash, with the remaining time it had when it died.

    Time between the last sign of life and now is recorded as a pause, so it does not
    count against the block; a call in progress keeps its outcome open (still loggable),
    with its end fixed at the last sign of life so its duration is not inflated.
    """
    now = clock.now()
    with db.transaction() as session:
        block = get_block(session, block_id)
        if block.status not in LIVE_STATUSES:
            raise BlockError(f"call block {block_id} is already {block.status}")
        last = block.last_activity_at or block.started_at
        gap = (now - last).total_seconds()
        if block.paused_at is None and gap > HEARTBEAT_SECONDS:
            session.add(BlockPause(block_id=block.id, started_at=last, ended_at=now))
            block.paused_seconds += gap
            attempt = _open_attempt(session, block.id)
            if attempt is not None and attempt.ended_at is None:
                attempt.ended_at = max(last, attempt.dialed_at)
                session.add(attempt)
        block.last_activity_at = now
        session.add(block)
        session.flush()
        session.refresh(block)
    return block


def pause_block(db: Database, clock: Clock, block_id: int) -> CallBlock:
    """Pause the block clock (no-op when already paused)."""
    now = clock.now()
    with db.transaction() as session:
        block = get_block(session, block_id)
        _require_live(block)
        if block.paused_at is None:
            block.paused_at = now
            block.status = BlockStatus.PAUSED.value
            session.add(BlockPause(block_id=block.id, started_at=now))
        block.last_activity_at = now
        session.add(block)
        session.flush()
        session.refresh(block)
    return block


def resume_block(db: Database, clock: Clock, block_id: int) -> CallBlock:
    """Resume a paused block; the paused time is not counted (no-op when running)."""
    now = clock.now()
    with db.transaction() as session:
        block = get_block(session, block_id)
        _require_live(block)
        _close_pause(session, block, now)
        block.last_activity_at = now
        session.add(block)
        session.flush()
        session.refresh(block)
    return block


def end_block(
    db: Database, clock: Clock, block_id: int, status: BlockStatus = BlockStatus.FINISHED
) -> CallBlock:
    """Close the block and release its contact; an unlogged call stays without outcome."""
    now = clock.now()
    with db.transaction() as session:
        block = get_block(session, block_id)
        if block.status in LIVE_STATUSES:
            _close_pause(session, block, now)
            block.status = status.value
            block.ended_at = now
            block.last_activity_at = now
            session.add(block)
        queue.release_block(session, block.id)
        session.flush()
        session.refresh(block)
    return block


def switch_list(db: Database, clock: Clock, block_id: int, list_id: int) -> CallBlock:
    """Carry on the same block (same clock) on another list, e.g. when one runs out."""
    with db.transaction() as session:
        block = get_block(session, block_id)
        _require_live(block)
        if session.get(CallList, list_id) is None:
            raise BlockError(f"call list {list_id} does not exist")
        if _open_attempt(session, block.id) is not None:
            raise BlockError(f"a call is in progress: log its outcome ({KEY_RANGE}) before switching lists")
        queue.release_block(session, block.id)
        block.list_id = list_id
        block.last_activity_at = clock.now()
        session.add(block)
        session.flush()
        session.refresh(block)
    return block


def _require_live(block: CallBlock) -> None:
    if block.status not in LIVE_STATUSES:
        raise BlockError(f"this block is {block.status}: start a new one")


def _close_pause(session: Session, block: CallBlock, now: datetime) -> None:
    if block.paused_at is None:
        return
    block.paused_seconds += max(0.0, (now - block.paused_at).total_seconds())
    block.paused_at = None
    block.status = BlockStatus.RUNNING.value
    session.execute(
        sa.update(BlockPause)
        .where(BlockPause.block_id == block.id, BlockPause.ended_at.is_(None))
        .values(ended_at=now)
    )


# ---------------------------------------------------------------- serving


def serve_next(
    db: Database,
    clock: Clock,
    settings: Settings,
    block: CallBlock,
    zone_cache: queue.ZoneCache | None = None,
) -> Contact | None:
    """Reserve the next contact of the block's list (None: the list has nothing callable).

    On PostgreSQL the dial and outcome statements for this list and rep are also built now,
    if they are not yet: the rep then waits for none of that on the block's first call.
    """
    _require_live(block)
    now = clock.now()
    contact = queue.next_contact(
        db,
        block_id=block.id,
        list_id=block.list_id,
        rep_id=block.rep_id,
        now=now,
        settings=settings,
        zone_cache=zone_cache,
    )
    if not db.is_sqlite and zone_cache is not None and zone_cache.read_at is not None:
        prepare_hot_path(db, block.list_id, block.rep_id, zone_cache.opened(now))
    return contact


def prepare_hot_path(db: Database, list_id: int, rep_id: int, zones: list[str] | None) -> None:
    """PostgreSQL: build and compile the statements of a call on ``list_id`` by ``rep_id``
    with ``zones`` open - the dial, the open call, the outcome with the next reservation -
    unless this process has them already. Building them costs about 20 ms of CPU once;
    each later call only runs them."""
    dialect = db.engine.dialect
    _DIAL_AT_ONCE.compile(dialect)
    _OPEN_CALL_FLAT.compile(dialect)
    for guarded in (True, False):
        _outcome_statement(list_id, rep_id, zones, serve=True, guarded=guarded).compile(dialect)


def current_contact(session: Session, block_id: int) -> Contact | None:
    """The contact on screen: the one with the block's open call, else the one it holds."""
    attempt = _open_attempt(session, block_id)
    if attempt is not None:
        return session.get(Contact, attempt.contact_id)
    return queue.held_contact(session, block_id)


def _open_attempt(session: Session, block_id: int) -> CallAttempt | None:
    return session.exec(
        select(CallAttempt)
        .where(CallAttempt.block_id == block_id, CallAttempt.outcome.is_(None))
        .order_by(CallAttempt.dialed_at.desc())
    ).first()


def open_attempt(session: Session, block_id: int) -> CallAttempt | None:
    """The block's call in progress (dialled, no outcome yet), if any."""
    return _open_attempt(session, block_id)


@dataclass(frozen=True)
class ContactHistory:
    """What the card shows about earlier attempts."""

    attempts: int
    last_outcome: str | None
    last_called_at: datetime | None
    notes: list[str]  # most recent first


def contact_history(session: Session, contact_id: int, limit: int = 3) -> ContactHistory:
    """Attempts so far, the last outcome and the latest notes of a contact."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        return ContactHistory(0, None, None, [])
    notes = session.exec(
        select(CallAttempt.notes)
        .where(CallAttempt.contact_id == contact_id, CallAttempt.notes != "")
        .order_by(CallAttempt.dialed_at.desc())
        .limit(limit)
    ).all()
    return ContactHistory(
        contact.attempts, contact.last_outcome, contact.last_called_at, list(notes)
    )


# ---------------------------------------------------------------- dialling


def _dial_lookup(block: str = "block_id", contact: str = "contact_id") -> sa.Select:
    """One round trip for everything :func:`dial` checks (built once, reused)."""
    b = sa.bindparam(block, type_=sa.Integer())
    c = sa.bindparam(contact, type_=sa.Integer())
    open_contact = (
        sa.select(CallAttempt.contact_id)
        .where(CallAttempt.block_id == b, CallAttempt.outcome.is_(None))
        .order_by(CallAttempt.dialed_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    last_logged = (
        sa.select(sa.func.max(CallAttempt.logged_at))
        .where(CallAttempt.block_id == b, CallAttempt.outcome.is_not(None))
        .scalar_subquery()
    )
    attempts = sa.select(Contact.attempts).where(Contact.id == c).scalar_subquery()
    list_id = sa.select(Contact.list_id).where(Contact.id == c).scalar_subquery()
    return sa.select(
        CallBlock.status,
        CallBlock.paused_at,
        CallBlock.paused_seconds,
        CallBlock.rep_id,
        open_contact.label("open_contact"),
        last_logged.label("last_logged"),
        attempts.label("attempts"),
        list_id.label("list_id"),
    ).where(CallBlock.id == b)


#: What each fast dial of this process knows about the call it opened, by (database URL,
#: block): the attempt's columns and the contact's columns an outcome depends on.
_DIALED: dict[tuple[str, int], tuple[dict[str, Any], dict[str, Any]]] = {}
_CONTACT_INPUTS = ("id", "timezone", "attempts", "status", "phone", "do_not_call", "email")


def _dial_at_once() -> sa.Select:
    """PostgreSQL: :func:`dial` as one statement - the lookup, and the attempt's INSERT
    and the block's heartbeat when the lookup allows a plain dial: a running block with
    no pause so far (the dead time is then simply the time since the last outcome, the
    rule of :func:`_gap_from`), no open call, an existing contact. Anything else inserts
    nothing and the general path decides.
    """
    lookup = _dial_lookup("d_block", "d_contact").cte("lk")
    block = sa.bindparam("d_block", type_=sa.Integer())
    now = sa.bindparam("now", type_=UTCDateTime())
    last = lookup.c.last_logged
    gap = sa.case(
        (last.is_(None), sa.null()),
        else_=sa.func.greatest(0, sa.cast(sa.extract("epoch", now - last), sa.Float())),
    )
    insert = (
        sa.insert(CallAttempt)
        .from_select(
            [
                "block_id", "rep_id", "contact_id", "list_id", "attempt_number", "dialed_at",
                "gap_seconds", "connected", "conversation", "notes",
            ],
            sa.select(
                block, lookup.c.rep_id, sa.bindparam("d_contact", type_=sa.Integer()),
                lookup.c.list_id, lookup.c.attempts + 1, now, gap, sa.false(), sa.false(),
                sa.literal_column("''"),
            ).where(
                lookup.c.status == BlockStatus.RUNNING.value,
                lookup.c.paused_at.is_(None),
                sa.func.coalesce(lookup.c.paused_seconds, 0) == 0,
                lookup.c.open_contact.is_(None),
                lookup.c.attempts.is_not(None),
            ),
        )
        .returning(CallAttempt.id, CallAttempt.gap_seconds)
        .cte("ins")
    )
    touch = (
        sa.update(CallBlock)
        .where(CallBlock.id == block, sa.exists().select_from(insert))
        .values(last_activity_at=now)
        .returning(CallBlock.id)
        .cte("touch")
    )
    return (
        sa.select(
            insert.c.id, insert.c.gap_seconds, lookup.c.rep_id, lookup.c.list_id,
            *(Contact.__table__.c[k] for k in _CONTACT_INPUTS),
        )
        .select_from(lookup.join(insert, sa.true()).join(Contact, Contact.id == sa.bindparam(
            "d_contact", type_=sa.Integer())))
        .add_cte(touch)
    )


_DIAL_LOOKUP = _dial_lookup()
_DIAL_AT_ONCE = RawStatement(_dial_at_once)
_DIAL_INSERT = sa.insert(CallAttempt).returning(CallAttempt.id)
_TOUCH_BLOCK = (
    sa.update(CallBlock)
    .where(CallBlock.id == sa.bindparam("b_id", type_=sa.Integer()))
    .values(last_activity_at=sa.bindparam("b_now", type_=UTCDateTime()))
)


def dial(db: Database, clock: Clock, block_id: int, contact_id: int) -> CallAttempt:
    """Start the call: an attempt with no outcome yet and the dead time since the last one.

    Dialling again while that contact's call is open returns the same attempt.
    """
    now = clock.now()
    if not db.is_sqlite:
        with db.autocommit() as conn:
            row = _DIAL_AT_ONCE.first(
                conn, {"d_block": block_id, "d_contact": contact_id, "now": now}
            )
        if row is not None:  # dialled in one round trip, committed
            attempt_id, gap, rep_id, list_id = row[:4]
            contact = dict(zip(_CONTACT_INPUTS, row[4:], strict=True))
            values = {
                "id": attempt_id, "client_uuid": None, "block_id": block_id,
                "rep_id": rep_id, "contact_id": contact_id, "list_id": list_id,
                "attempt_number": contact["attempts"] + 1, "dialed_at": now,
                "ended_at": None, "logged_at": None, "outcome": None,
                "duration_seconds": None, "gap_seconds": gap, "connected": False,
                "conversation": False, "notes": "",
            }
            if len(_DIALED) > 256:
                _DIALED.clear()
            _DIALED[(db.url, block_id)] = (values, contact)
            return from_row(CallAttempt, values)
    with db.transaction() as session:
        conn = session.connection()
        row = conn.execute(_DIAL_LOOKUP, {"block_id": block_id, "contact_id": contact_id}).first()
        if row is None:
            raise BlockError(f"call block {block_id} does not exist")
        status, paused_at, paused_seconds, rep_id, open_contact, last, attempts, list_id = row
        if status not in LIVE_STATUSES:
            raise BlockError(f"this block is {status}: start a new one")
        if paused_at is not None:
            raise BlockError("the block is paused: press p to resume, then dial")
        if open_contact is not None:
            if open_contact == contact_id:
                return _open_attempt(session, block_id)
            raise BlockError(f"another call is still open: log its outcome ({KEY_RANGE}) first")
        if attempts is None:
            raise BlockError(f"contact {contact_id} does not exist")
        gap = _gap_from(session, block_id, paused_seconds or 0.0, _as_utc(last, now), now)
        values = dict(
            block_id=block_id,
            rep_id=rep_id,
            contact_id=contact_id,
            list_id=list_id,
            attempt_number=attempts + 1,
            dialed_at=now,
            gap_seconds=gap,
        )
        attempt_id = conn.execute(_DIAL_INSERT, values).scalar_one()
        conn.execute(_TOUCH_BLOCK, {"b_id": block_id, "b_now": now})
    attempt = CallAttempt(id=attempt_id, **values)
    make_transient_to_detached(attempt)
    return attempt


def _as_utc(value: datetime | str | None, now: datetime) -> datetime | None:
    """A datetime read back from an aggregate (SQLite returns text), made aware."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=now.tzinfo)
    return value


def _gap_from(
    session: Session, block_id: int, paused_seconds: float, last: datetime | None, now: datetime
) -> float | None:
    """Dead time from ``last`` (the previous outcome) to now, minus pauses in between.

    A block that never paused (``paused_seconds`` 0: every pause adds its length there)
    has no pause to subtract, so the pause rows are only read when there are some.
    """
    if last is None:
        return None
    paused = 0.0
    if paused_seconds > 0:
        for start, end in session.execute(
            sa.select(BlockPause.started_at, BlockPause.ended_at).where(
                BlockPause.block_id == block_id,
                sa.or_(BlockPause.ended_at.is_(None), BlockPause.ended_at > last),
            )
        ):
            lo = max(start, last)
            hi = min(end or now, now)
            paused += max(0.0, (hi - lo).total_seconds())
    return max(0.0, (now - last).total_seconds() - paused)


def dial_argv(template: str, phone: str) -> list[str]:
    """The dial command as an argument list, ``{phone}`` substituted inside each word."""
    try:
        words = shlex.split(template)
    except ValueError as exc:
        raise BlockError(f"dial_command {template!r}: {exc}") from None
    if not words:
        raise BlockError("dial_command is empty")
    return [w.replace("{phone}", phone) for w in words]


def run_dial_command(template: str, phone: str, timeout: float = 5.0) -> str | None:
    """Run the configured dial command without a shell; None on success, else one line.

    Output is captured so a softphone's chatter never lands on the TUI screen.
    """
    try:
        argv = dial_argv(template, phone)
        proc = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except BlockError as exc:
        return str(exc)
    except FileNotFoundError:
        return f"dial command not found: {shlex.split(template)[0]}"
    except subprocess.TimeoutExpired:
        return None  # a softphone that keeps running has taken the call
    except OSError as exc:
        return f"dial command failed: {exc.strerror or exc}"
    if proc.returncode != 0:
        err = (proc.stderr or proc.stdout or b"").decode("utf-8", "replace").strip().splitlines()
        detail = err[-1] if err else f"exit status {proc.returncode}"
        return f"dial command failed: {detail}"
    return None


def add_note(db: Database, clock: Clock, block_id: int, text: str) -> CallAttempt:
    """Append a note to the block's open call (committed at once)."""
    text = text.strip()
    if not text:
        raise BlockError("the note is empty")
    with db.transaction() as session:
        attempt = _open_attempt(session, block_id)
        if attempt is None:
            raise BlockError("no call in progress: the note will go with the next outcome")
        attempt.notes = (attempt.notes + "\n" if attempt.notes else "") + text
        session.add(attempt)
        session.execute(
            sa.update(CallBlock)
            .where(CallBlock.id == block_id)
            .values(last_activity_at=clock.now())
        )
        session.flush()
        session.refresh(attempt)
    return attempt


# ---------------------------------------------------------------- objections


@dataclass(frozen=True)
class ObjectionChoice:
    """An objection the rep can pick, with the rebuttal for this list's talk track."""

    id: int
    key: str
    text: str
    rebuttal: str
    likely: bool  # listed by the talk track as likely for this cluster


def objection_choices(session: Session, list_id: int) -> list[ObjectionChoice]:
    """The library, the list's likely objections first, rebuttals overridden by its track."""
    track_id = session.execute(
        sa.select(CallList.talk_track_id).where(CallList.id == list_id)
    ).scalar()
    tto = (
        sa.select(
            TalkTrackObjection.objection_id,
            TalkTrackObjection.rebuttal_override,
            TalkTrackObjection.position,
        )
        .where(TalkTrackObjection.talk_track_id == (track_id if track_id is not None else -1))
        .subquery()
    )
    rows = session.execute(
        sa.select(
            Objection.id,
            Objection.key,
            Objection.text,
            sa.func.coalesce(sa.func.nullif(tto.c.rebuttal_override, ""), Objection.rebuttal),
            tto.c.objection_id.is_not(None),
        )
        .outerjoin(tto, tto.c.objection_id == Objection.id)
        .order_by(
            sa.case((tto.c.objection_id.is_(None), 1), else_=0),
            tto.c.position,
            Objection.position,
            Objection.id,
        )
    ).all()
    return [ObjectionChoice(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]


@dataclass(frozen=True)
class LoggedObjection:
    """An objection raised on the current call."""

    id: int
    position: int
    objection_id: int
    key: str
    text: str
    rebuttal: str
    overcome: bool | None


def log_objection(db: Database, clock: Clock, block_id: int, objection_id: int) -> LoggedObjection:
    """Record an objection on the block's open call, in the order raised."""
    now = clock.now()
    with db.transaction() as session:
        attempt = _open_attempt(session, block_id)
        if attempt is None:
            raise BlockError("no call in progress: press d to dial first")
        choice = next(
            (c for c in objection_choices(session, attempt.list_id) if c.id == objection_id), None
        )
        if choice is None:
            raise BlockError(f"objection {objection_id} is not in the library")
        position = 1 + int(
            session.execute(
                sa.select(sa.func.count()).where(AttemptObjection.attempt_id == attempt.id)
            ).scalar_one()
        )
        row = AttemptObjection(
            attempt_id=attempt.id, objection_id=objection_id, position=position, raised_at=now
        )
        session.add(row)
        session.execute(
            sa.update(CallBlock).where(CallBlock.id == block_id).values(last_activity_at=now)
        )
        session.flush()
        session.refresh(row)
    return LoggedObjection(
        row.id, position, objection_id, choice.key, choice.text, choice.rebuttal, None
    )


def set_overcome(db: Database, attempt_objection_id: int, overcome: bool | None) -> None:
    """Mark a logged objection overcome (True), not overcome (False) or unknown (None)."""
    with db.transaction() as session:
        row = session.get(AttemptObjection, attempt_objection_id)
        if row is None:
            raise BlockError(f"logged objection {attempt_objection_id} does not exist")
        row.overcome = overcome
        session.add(row)


def call_objections(session: Session, attempt_id: int) -> list[LoggedObjection]:
    """The objections of one call in the order raised, with this list's rebuttals."""
    attempt = session.get(CallAttempt, attempt_id)
    if attempt is None:
        return []
    rebuttals = {c.id: c for c in objection_choices(session, attempt.list_id)}
    rows = session.exec(
        select(AttemptObjection)
        .where(AttemptObjection.attempt_id == attempt_id)
        .order_by(AttemptObjection.position)
    ).all()
    out = []
    for r in rows:
        c = rebuttals.get(r.objection_id)
        out.append(
            LoggedObjection(
                r.id,
                r.position,
                r.objection_id,
                c.key if c else "?",
                c.text if c else "?",
                c.rebuttal if c else "",
                r.overcome,
            )
        )
    return out


# ---------------------------------------------------------------- outcomes


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


def log_outcome(
    db: Database,
    clock: Clock,
    settings: Settings,
    *,
    block_id: int,
    outcome: Outcome,
    note: str = "",
    callback_at: datetime | None = None,
    meeting: MeetingDetails | None = None,
    client_uuid: str | None = None,
    dial_if_needed: bool = False,
    serve: bool = False,
    zone_cache: queue.ZoneCache | None = None,
) -> OutcomeResult:
    """Log how the block's open call ended and commit everything it implies at once.

    Writes the attempt's outcome, times and connect/conversation flags, the contact's
    status/attempts/next call, the do-not-call register, the Callback or Meeting row, and
    releases the contact - one commit. With ``serve`` the next contact is then reserved on
    the same connection (a second, separate commit) and returned in ``next_contact``. A
    meeting's invite is written after the commits. A caller-supplied ``client_uuid`` makes
    the write idempotent: a replayed outcome is stored exactly once.
    """
    outcome = Outcome(outcome)
    now = clock.now()
    replay_check = client_uuid is not None
    client_uuid = client_uuid or str(uuid.uuid4())
    if outcome is Outcome.CALLBACK:
        if callback_at is None or callback_at.tzinfo is None:
            raise BlockError("a callback needs a date and time")
        if callback_at <= now:
            raise BlockError(f"callback time {callback_at:%Y-%m-%d %H:%M} is in the past")
    if outcome is Outcome.MEETING:
        if meeting is None:
            raise BlockError("a meeting needs a date, time, kind and email")
        validate_meeting(meeting, now)
    if not db.is_sqlite and outcome is not Outcome.MEETING:
        fast = _log_outcome_at_once(
            db,
            _OutcomeRequest(
                settings, block_id, outcome, note, callback_at, client_uuid, now, serve,
                zone_cache,
            ),
        )
        if fast is not None:
            return fast
    with db.session() as session:
        try:
            if db.is_sqlite:
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            # One round trip: the open call, its objection count, and whether this
            # client_uuid is stored already (a replay: nothing new is written).
            row = session.execute(_OPEN_CALL, {"block_id": block_id, "u": client_uuid}).first()
            replayed = (
                row[3] if row is not None
                else replay_check
                and session.connection().execute(_REPLAY_CHECK, {"u": client_uuid}).first()
            )
            if replay_check and replayed:
                replay = session.exec(
                    select(CallAttempt).where(CallAttempt.client_uuid == client_uuid)
                ).first()
                session.commit()
                contact = session.get(Contact, replay.contact_id)
                return OutcomeResult(replay, contact, replayed=True)
            if row is None:
                if not dial_if_needed:
                    raise BlockError("no call in progress: press d to dial first")
                held = queue.held_contact(session, block_id)
                if held is None:
                    raise BlockError("no contact on screen to log")
                session.rollback()
                dial(db, clock, block_id, held.id)
                return log_outcome(
                    db, clock, settings, block_id=block_id, outcome=outcome, note=note,
                    callback_at=callback_at, meeting=meeting, client_uuid=client_uuid,
                    serve=serve, zone_cache=zone_cache,
                )
            attempt, contact, objection_count, _ = row
            result = _write_outcome(
                session, settings, block_id, attempt, contact, outcome, note, callback_at,
                meeting, client_uuid, now, objection_count,
            )
            session.commit()
            if serve:
                if db.is_sqlite:
                    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
                result.next_contact = queue.reserve_next(
                    session,
                    block_id=block_id,
                    list_id=attempt.list_id,
                    rep_id=attempt.rep_id,
                    now=now,
                    settings=settings,
                    zone_cache=zone_cache,
                    release=False,
                    skip_locked=not db.is_sqlite,
                )
                session.commit()
        except BaseException:
            session.rollback()
            raise
    if result.meeting is not None:
        _write_meeting_invite(db, settings, result, now)
    return result


_STORED = aliased(CallAttempt, name="stored")


def _open_call() -> sa.Select:
    """The block's open call with its contact and its objection count (built once)."""
    objection_count = (
        sa.select(sa.func.count())
        .where(AttemptObjection.attempt_id == CallAttempt.id)
        .scalar_subquery()
    )
    stored = sa.exists().where(
        _STORED.client_uuid == sa.bindparam("u", type_=sa.String())
    )
    return (
        sa.select(CallAttempt, Contact, objection_count, stored)
        .join(Contact, Contact.id == CallAttempt.contact_id)
        .where(
            CallAttempt.block_id == sa.bindparam("block_id", type_=sa.Integer()),
            CallAttempt.outcome.is_(None),
        )
        .order_by(CallAttempt.dialed_at.desc())
        .limit(1)
    )


_OPEN_CALL = _open_call()
_REPLAY_CHECK = sa.select(CallAttempt.id).where(
    CallAttempt.client_uuid == sa.bindparam("u", type_=sa.String())
)
# The hot path's UPDATEs, built once: executing a reused statement skips building it and
# its cache key. SET columns come from the parameters given at execution.
_UPDATE_ATTEMPT = sa.update(CallAttempt).where(
    CallAttempt.id == sa.bindparam("a_id", type_=sa.Integer())
)
_UPDATE_CONTACT = sa.update(Contact).where(Contact.id == sa.bindparam("c_id", type_=sa.Integer()))


def _write_outcome(
    session: Session,
    settings: Settings,
    block_id: int,
    attempt: CallAttempt,
    contact: Contact,
    outcome: Outcome,
    note: str,
    callback_at: datetime | None,
    meeting: MeetingDetails | None,
    client_uuid: str,
    now: datetime,
    objection_count: int | None = None,
) -> OutcomeResult:
    """The writes of one outcome as a few plain UPDATEs (the hot path of every call)."""
    conn = session.connection()
    objections = []
    if objection_count is None or objection_count > 0:
        objections = session.execute(
            sa.select(AttemptObjection.id, AttemptObjection.overcome)
            .where(AttemptObjection.attempt_id == attempt.id)
            .order_by(AttemptObjection.position)
        ).all()
    # Unmarked objections follow from how the call ended: a meeting or callback means they
    # were taken away; a refusal means the last one won.
    if objections:
        if outcome in (Outcome.MEETING, Outcome.CALLBACK):
            unmarked = [oid for oid, overcome in objections if overcome is None]
            if unmarked:
                session.execute(
                    sa.update(AttemptObjection)
                    .where(AttemptObjection.id.in_(unmarked))
                    .values(overcome=True)
                )
        elif outcome in (Outcome.NOT_INTERESTED, Outcome.DO_NOT_CALL):
            last_id, last_overcome = objections[-1]
            if last_overcome is None:
                session.execute(
                    sa.update(AttemptObjection)
                    .where(AttemptObjection.id == last_id)
                    .values(overcome=False)
                )
    was_callback = contact.status == ContactStatus.CALLBACK.value
    session.expunge(attempt)
    session.expunge(contact)
    attempt_values, contact_values = _outcome_values(
        settings, _columns(attempt), _columns(contact), outcome, note, callback_at, meeting,
        client_uuid, now, len(objections),
    )
    for name, value in attempt_values.items():
        setattr(attempt, name, value)
    for name, value in contact_values.items():
        setattr(contact, name, value)
    conn.execute(_UPDATE_ATTEMPT, {"a_id": attempt.id, **attempt_values})
    conn.execute(_UPDATE_CONTACT, {"c_id": contact.id, **contact_values})
    conn.execute(_TOUCH_BLOCK, {"b_id": block_id, "b_now": now})
    if was_callback:
        session.execute(
            sa.update(Callback)
            .where(Callback.contact_id == contact.id, Callback.done.is_(False))
            .values(done=True)
            .execution_options(synchronize_session=False)
        )
    result = OutcomeResult(attempt, contact)
    if outcome is Outcome.DO_NOT_CALL and session.get(DoNotCall, contact.phone) is None:
        session.add(DoNotCall(phone=contact.phone, added_at=now, source=f"call:{attempt.id}"))
    if outcome is Outcome.CALLBACK:
        cb = Callback(
            attempt_id=attempt.id, contact_id=contact.id, rep_id=attempt.rep_id,
            due_at=callback_at,
        )
        session.add(cb)
        result.callback = cb
    if outcome is Outcome.MEETING:
        m = Meeting(
            attempt_id=attempt.id,
            contact_id=contact.id,
            rep_id=attempt.rep_id,
            starts_at=meeting.starts_at,
            duration_minutes=meeting.duration_minutes,
            kind=meeting.kind,
            email=meeting.email.strip(),
            parked_questions="\n".join(q.strip() for q in meeting.parked_questions if q.strip()),
            created_at=now,
        )
        session.add(m)
        result.meeting = m
    if result.callback is not None or result.meeting is not None:
        session.flush()
    return result


def _outcome_values(
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
    }
    status, next_at = queue.status_after(
        outcome, attempt["attempt_number"], now, contact["timezone"], settings.retry
    )
    email = contact["email"]
    if outcome is Outcome.MEETING and meeting.email.strip() and not email:
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


#: The columns an outcome writes on the attempt and on the contact.
_ATTEMPT_SET = (
    "outcome", "ended_at", "logged_at", "duration_seconds", "connected", "conversation",
    "client_uuid", "notes",
)
_CONTACT_SET = (
    "status", "next_call_at", "attempts", "last_outcome", "last_called_at",
    "reserved_by_block_id", "reserved_at", "callback_rep_id", "do_not_call", "email",
)


# ------------------------------------------------- the PostgreSQL hot path of an outcome


@dataclass(frozen=True)
class _OutcomeRequest:
    """What :func:`log_outcome` was asked to write, for the one-statement path."""

    settings: Settings
    block_id: int
    outcome: Outcome
    note: str
    callback_at: datetime | None
    client_uuid: str
    now: datetime
    serve: bool
    zone_cache: queue.ZoneCache | None


def _log_outcome_at_once(
    db: Database,
    req: _OutcomeRequest) -> OutcomeResult | None:
    """:func:`log_outcome` on PostgreSQL without BEGIN/COMMIT round trips: everything -
    the attempt, the contact, the block, the callback or do-not-call rows and (``serve``)
    the next contact's reservation - is written by one statement, which commits atomically
    before it returns.

    After a dial in this process the open call is known (:data:`_DIALED`): one round trip,
    the statement checking that the call still is what the dial left (else it writes
    nothing, and the call is read). Otherwise the open call is read first: two.

    Returns None, having written nothing, when the call needs the general path: no open
    call, a replayed ``client_uuid``, objections to settle, a meeting (not handled here),
    a contact that would be callable again at once, or a call logged meanwhile.
    """
    dialed = _DIALED.pop((db.url, req.block_id), None)
    with db.autocommit() as conn:
        if dialed is not None:
            result = _write_outcome_at_once(conn, req, dict(dialed[0]), dialed[1], True)
            if result is not _NOT_WRITTEN:
                return result
        row = _OPEN_CALL_FLAT.first(conn, {"block_id": req.block_id, "u": req.client_uuid})
        if row is None or row[-1] or row[-2]:
            return None
        attempt = dict(zip(_ATTEMPT_KEYS, row[: len(_ATTEMPT_KEYS)], strict=True))
        contact = dict(zip(_CONTACT_KEYS, row[len(_ATTEMPT_KEYS) : -2], strict=True))
        result = _write_outcome_at_once(conn, req, attempt, contact, False)
    return None if result is _NOT_WRITTEN else result


_NOT_WRITTEN = object()


def _write_outcome_at_once(
    conn: sa.Connection,
    req: _OutcomeRequest,
    attempt: dict[str, Any],
    contact: Mapping[str, Any],
    guarded: bool,
) -> OutcomeResult | None | object:
    """Write the outcome of ``attempt`` in one statement; :data:`_NOT_WRITTEN` if the call
    was already logged (or, ``guarded``, is no longer what ``attempt`` and ``contact``
    say), None for the general path."""
    settings, outcome, now, serve = req.settings, req.outcome, req.now, req.serve
    was_callback = contact["status"] == ContactStatus.CALLBACK.value
    attempt_values, contact_values = _outcome_values(
        settings, attempt, contact, outcome, req.note, req.callback_at, None, req.client_uuid,
        now, 0,
    )
    if serve and contact_values["status"] in _SERVABLE and (
        contact_values["next_call_at"] is None or contact_values["next_call_at"] <= now
    ):
        # Callable again right now (a zero retry delay): the general path serves it after
        # its commit, as the rules say; one statement could not see it.
        return None
    zones = None
    if serve:
        cache = req.zone_cache or queue.ZoneCache(attempt["list_id"], settings.window)
        zones = cache.open_zones(conn, now)
    params = {f"a_{k}": v for k, v in attempt_values.items()}
    params.update({f"c_{k}": v for k, v in contact_values.items()})
    dnc = outcome is Outcome.DO_NOT_CALL
    params.update(
        a_id=attempt["id"],
        c_id=contact["id"],
        r_block=req.block_id,
        now=now,
        cb_rep=attempt["rep_id"],
        was_callback=was_callback,
        dnc=dnc,
        dnc_phone=contact["phone"],
        dnc_source=f"call:{attempt['id']}",
        cb=outcome is Outcome.CALLBACK,
        cb_due=req.callback_at,
        stale_before=now - timedelta(minutes=settings.reservation_minutes),
        x_id=contact["id"],
        x_phone=contact["phone"] if dnc else None,
    )
    if guarded:
        params.update({f"h_{k}": attempt[k] for k in _ATTEMPT_GUARD})
        params.update({f"h_{k}": contact[k] for k in _CONTACT_INPUTS[1:]})
    stmt = _outcome_statement(attempt["list_id"], attempt["rep_id"], zones, serve, guarded)
    row = stmt.first(conn, params)
    written, callback_id = row[0], row[1]
    if not written:
        return _NOT_WRITTEN
    n = len(_CONTACT_KEYS)
    attempt.update(attempt_values)
    result = OutcomeResult(
        from_row(CallAttempt, attempt),
        from_row(Contact, dict(zip(_CONTACT_KEYS, row[2 : 2 + n], strict=True))),
    )
    if callback_id is not None:
        result.callback = from_row(Callback, {
            "id": callback_id, "attempt_id": attempt["id"], "contact_id": contact["id"],
            "rep_id": attempt["rep_id"], "due_at": req.callback_at, "done": False,
            "released": False,
        })
    if serve and row[2 + n] is not None:
        result.next_contact = from_row(Contact, dict(zip(_CONTACT_KEYS, row[2 + n :], strict=True)))
    return result


#: The attempt columns a guarded outcome statement checks (with outcome still NULL).
_ATTEMPT_GUARD = (
    "block_id", "contact_id", "rep_id", "list_id", "attempt_number", "dialed_at", "ended_at",
    "notes",
)


def _mapped_columns(model: type[SQLModel]) -> list[sa.Column]:
    """The table columns the model maps: not the ones only the database keeps (the report
    columns ``logged_epoch`` and ``dialed_slot`` that a trigger sets on ``call_attempt``)."""
    mapped = {attr.key for attr in sa.inspect(model).column_attrs}
    return [c for c in model.__table__.c if c.key in mapped]


_ATTEMPT_COLUMNS = _mapped_columns(CallAttempt)
_CONTACT_COLUMNS = _mapped_columns(Contact)
_ATTEMPT_KEYS = tuple(c.key for c in _ATTEMPT_COLUMNS)
_CONTACT_KEYS = tuple(c.key for c in _CONTACT_COLUMNS)
_KEYS_OF: dict[type[SQLModel], tuple[str, ...]] = {
    CallAttempt: _ATTEMPT_KEYS,
    Contact: _CONTACT_KEYS,
}


def _columns(obj: CallAttempt | Contact) -> dict[str, Any]:
    """A loaded attempt's or contact's mapped column values by name."""
    return {k: getattr(obj, k) for k in _KEYS_OF[type(obj)]}


_SERVABLE = frozenset(
    {ContactStatus.NEW.value, ContactStatus.RETRY.value, ContactStatus.CALLBACK.value}
)


def _open_call_flat() -> sa.Select:
    """:data:`_OPEN_CALL` as plain columns: attempt, contact, objection count, stored."""
    objection_count = (
        sa.select(sa.func.count())
        .where(AttemptObjection.attempt_id == CallAttempt.id)
        .scalar_subquery()
    )
    stored = sa.exists().where(_STORED.client_uuid == sa.bindparam("u", type_=sa.String()))
    return (
        sa.select(*_ATTEMPT_COLUMNS, *_CONTACT_COLUMNS, objection_count, stored)
        .join_from(CallAttempt, Contact, Contact.id == CallAttempt.contact_id)
        .where(
            CallAttempt.block_id == sa.bindparam("block_id", type_=sa.Integer()),
            CallAttempt.outcome.is_(None),
        )
        .order_by(CallAttempt.dialed_at.desc())
        .limit(1)
    )


_OPEN_CALL_FLAT = RawStatement(_open_call_flat)
_OUTCOME_CACHE: dict[tuple, RawStatement] = {}


def _outcome_statement(
    list_id: int, rep_id: int, zones: list[str] | None, serve: bool, guarded: bool = False
) -> RawStatement:
    """The one statement that writes an outcome (and reserves the next contact), built once
    per list, rep and open zones.

    Every write is a data-modifying CTE guarded by ``EXISTS (SELECT * FROM ua)``: if the
    attempt's UPDATE finds the call already logged, nothing else is written. The
    reservation cannot see the other CTEs' writes (one snapshot), so it excludes the contact
    just logged and, after a do-not-call, its number - which is what a serve after the
    commit would have excluded.
    """
    key = (list_id, rep_id, tuple(zones) if zones is not None else None, serve, guarded)
    cached = _OUTCOME_CACHE.get(key)
    if cached is not None:
        return cached
    attempt_cols, contact_cols = CallAttempt.__table__.c, Contact.__table__.c
    a_id = sa.bindparam("a_id", type_=sa.Integer())
    c_id = sa.bindparam("c_id", type_=sa.Integer())
    # Parameter names never equal a column name: SQLAlchemy would add such a parameter
    # to the SET clause of every UPDATE in the statement.
    block_id = sa.bindparam("r_block", type_=sa.Integer())
    now = sa.bindparam("now", type_=UTCDateTime())
    open_call = [CallAttempt.id == a_id, CallAttempt.outcome.is_(None)]
    if guarded:
        # The call is still what the dial left: same columns, no objection, and this
        # client_uuid not stored yet (a replay goes the general way).
        open_call += [
            attempt_cols[k].is_not_distinct_from(
                sa.bindparam(f"h_{k}", type_=attempt_cols[k].type)
            )
            for k in _ATTEMPT_GUARD
        ]
        open_call += [
            ~sa.exists().where(AttemptObjection.attempt_id == CallAttempt.id),
            ~sa.exists().where(
                _STORED.client_uuid == sa.bindparam("a_client_uuid", type_=sa.String())
            ),
            sa.exists().where(
                Contact.id == c_id,
                *(
                    contact_cols[k].is_not_distinct_from(
                        sa.bindparam(f"h_{k}", type_=contact_cols[k].type)
                    )
                    for k in _CONTACT_INPUTS[1:]
                ),
            ),
        ]
    ua = (
        sa.update(CallAttempt)
        .where(*open_call)
        .values({k: sa.bindparam(f"a_{k}", type_=attempt_cols[k].type) for k in _ATTEMPT_SET})
        .returning(CallAttempt.id)
        .cte("ua")
    )
    written = sa.exists().select_from(ua)
    uc = (
        sa.update(Contact)
        .where(Contact.id == c_id, written)
        .values({k: sa.bindparam(f"c_{k}", type_=contact_cols[k].type) for k in _CONTACT_SET})
        .returning(*_CONTACT_COLUMNS)
        .cte("uc")
    )
    ub = (
        sa.update(CallBlock)
        .where(CallBlock.id == block_id, written)
        .values(last_activity_at=now)
        .returning(CallBlock.id)
        .cte("ub")
    )
    done = (
        sa.update(Callback)
        .where(
            Callback.contact_id == c_id,
            Callback.done.is_(False),
            sa.bindparam("was_callback", type_=sa.Boolean()),
            written,
        )
        .values(done=sa.true())
        .returning(Callback.id)
        .cte("cb_done")
    )
    phone = sa.bindparam("dnc_phone", type_=sa.String())
    dnc = (
        sa.insert(DoNotCall)
        .from_select(
            ["phone", "added_at", "source"],
            sa.select(phone, now, sa.bindparam("dnc_source", type_=sa.String())).where(
                sa.bindparam("dnc", type_=sa.Boolean()),
                written,
                ~sa.exists().where(DoNotCall.phone == phone),
            ),
        )
        .returning(DoNotCall.phone)
        .cte("dnc")
    )
    callback = (
        sa.insert(Callback)
        .from_select(
            ["attempt_id", "contact_id", "rep_id", "due_at", "done", "released"],
            sa.select(
                a_id, c_id, sa.bindparam("cb_rep", type_=sa.Integer()),
                sa.bindparam("cb_due", type_=UTCDateTime()), sa.false(), sa.false(),
            ).where(sa.bindparam("cb", type_=sa.Boolean()), written),
        )
        .returning(Callback.id)
        .cte("cb")
    )
    columns = [
        sa.select(sa.func.count()).select_from(ua).scalar_subquery(),
        sa.select(callback.c.id).scalar_subquery(),
    ]
    one = sa.select(sa.literal_column("1").label("one")).subquery("one")
    joined = one.outerjoin(uc, sa.true())
    if serve:
        nxt = queue.reserve_statement(
            list_id, rep_id, zones, skip_locked=True, exclude=True, where=written
        ).cte("nxt")
        stmt = sa.select(*columns, *uc.c, *nxt.c).select_from(joined.outerjoin(nxt, sa.true()))
    else:
        stmt = sa.select(*columns, *uc.c).select_from(joined)
    statement = RawStatement(stmt.add_cte(ub, done, dnc))
    if len(_OUTCOME_CACHE) > 256:
        _OUTCOME_CACHE.clear()
    _OUTCOME_CACHE[key] = statement
    return statement


def _write_meeting_invite(
    db: Database, settings: Settings, result: OutcomeResult, now: datetime
) -> None:
    # Imported here: icalendar costs a tenth of a second, and start-up imports this module.
    from callcoach.core.calling.invites import InviteError, write_invite

    with db.transaction() as session:
        meeting = session.get(Meeting, result.meeting.id)
        rep = session.get(Rep, meeting.rep_id)
        try:
            path = write_invite(meeting, result.contact, rep, Path(settings.ics_dir), now)
        except InviteError as exc:
            result.ics_error = str(exc)
            return
        meeting.ics_path = str(path)
        session.add(meeting)
        result.meeting = meeting
        result.ics_path = path


def quick_callback_times(now: datetime, zone: str) -> list[tuple[str, datetime]]:
    """Callback quick picks in the contact's local time: later today, tomorrow, next week."""
    tz = queue.contact_zone(zone)
    local = now.astimezone(tz) if tz else now

    def at(days: int, hour: int, minute: int = 0) -> datetime:
        d = local.date() + timedelta(days=days)
        return datetime(d.year, d.month, d.day, hour, minute, tzinfo=local.tzinfo).astimezone(
            now.tzinfo
        )

    picks: list[tuple[str, datetime]] = []
    in_two = (local + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    if in_two.hour < 18:
        picks.append((f"today {in_two:%H:%M}", in_two.astimezone(now.tzinfo)))
    picks.append(("tomorrow 09:00", at(1, 9)))
    picks.append(("tomorrow 14:00", at(1, 14)))
    days_to_monday = 7 - local.weekday()
    picks.append(("next Monday 09:00", at(days_to_monday, 9)))
    return picks
