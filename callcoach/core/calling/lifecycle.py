"""A call block's life: start, heartbeat, pause, resume, switch list, end, and recovery
after a crash; remaining time is computed from the start instant minus paused time, never by
counting ticks.

Every function takes the database and the injected clock and commits what it did before
returning, so a killed process loses nothing that was shown as saved. A block's
in-progress call is the :class:`CallAttempt` of the block whose ``outcome`` is NULL; the
contact on screen is the contact the block has reserved. Both survive a crash, which is how
:func:`recover_block` resumes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from callcoach.catalog.outcomes import KEY_RANGE
from callcoach.clock import Clock
from callcoach.core.calling.hold import BlockHold, HeldElsewhere, Holder, HoldLost, require_hold
from callcoach.errors import CallcoachError
from callcoach.storage.db import Database
from callcoach.storage.models import BlockPause, BlockStatus, CallAttempt, CallBlock, CallList
from callcoach.storage.sql import holds as holds_sql
from callcoach.storage.sql import queue as queue_sql

#: A block not heard from for this long is considered to have crashed (see recover_block):
#: its window's hold has lapsed and another window may take it over without a warning.
HEARTBEAT_SECONDS = 10.0

LIVE_STATUSES = (BlockStatus.RUNNING.value, BlockStatus.PAUSED.value)


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


def last_sign_of_life(block: CallBlock) -> datetime:
    """The block's last heartbeat (its start when it never beat)."""
    return block.last_activity_at or block.started_at


def lapsed(block: CallBlock, now: datetime) -> bool:
    """True when the block was not heard from for longer than a heartbeat: its process is
    taken to have crashed (its hold, if any, has lapsed)."""
    return (now - last_sign_of_life(block)).total_seconds() > HEARTBEAT_SECONDS


def live_holder(block: CallBlock, token: str | None, now: datetime) -> Holder | None:
    """The other window serving ``block`` right now (its hold is not ``token``'s and its
    heartbeat has not lapsed), else None: the block may be resumed without a warning."""
    if block.owner_token is None or block.owner_token == token:
        return None
    if block.status not in LIVE_STATUSES or lapsed(block, now):
        return None
    return Holder(block.owner_host, block.owner_pid, block.owner_since)


def resumable_seconds(block: CallBlock) -> float:
    """The calling time a block left open gets when it is resumed: what it had left at its
    last sign of life. The resume dialog offers this figure and :func:`recover_block` counts
    everything since that instant as a pause, so the block gets exactly it, whatever the gap.
    """
    return remaining_seconds(block, last_sign_of_life(block))


# ---------------------------------------------------------------- lifecycle


def unfinished_block(session: Session, rep_id: int) -> CallBlock | None:
    """The rep's running or paused block, if one was left open (e.g. by a crash)."""
    return session.exec(
        select(CallBlock)
        .where(col(CallBlock.rep_id) == rep_id, col(CallBlock.status).in_(LIVE_STATUSES))
        .order_by(col(CallBlock.started_at).desc())
    ).first()


def get_block(session: Session, block_id: int) -> CallBlock:
    """The block by id, or a BlockError."""
    block = session.get(CallBlock, block_id)
    if block is None:
        raise BlockError(f"call block {block_id} does not exist")
    return block


def start_block(
    db: Database,
    clock: Clock,
    *,
    rep_id: int,
    list_id: int,
    minutes: float = 52,
    hold: BlockHold | None = None,
) -> CallBlock:
    """Open a new block for the rep on a list; a rep runs one block at a time. With
    ``hold`` the block is held by that window from the start."""
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
        if hold is not None:
            _take(block, hold, now)
        session.add(block)
        session.flush()
        session.refresh(block)
    return block


def touch_block(db: Database, clock: Clock, block_id: int, *, owner: str | None = None) -> None:
    """Heartbeat: the block is alive (keeps its reservation, bounds crash-time loss) and,
    with ``owner``, still held by that token's window: else :class:`HoldLost`."""
    with db.transaction() as session:
        result = session.connection().execute(
            sa.update(CallBlock)
            .where(
                col(CallBlock.id) == block_id,
                col(CallBlock.status).in_(LIVE_STATUSES),
                holds_sql.held_by_own(),
            )
            .values(last_activity_at=clock.now()),
            {holds_sql.OWN: owner},
        )
        if owner is None or getattr(result, "rowcount", 0) == 1:
            return
        row = holds_sql.holder(session, block_id)
    if row is not None and row.token is not None and row.token != owner:
        raise HoldLost(Holder(row.host, row.pid, row.since))


def recover_block(
    db: Database,
    clock: Clock,
    block_id: int,
    *,
    hold: BlockHold | None = None,
    take_over: bool = False,
) -> CallBlock:
    """Reopen a block left open by a crash, with the remaining time it had when it died.

    All the time between the last sign of life and now is recorded as a pause (however
    short), so the block gets exactly :func:`resumable_seconds`, the figure the resume dialog
    offered. A call in progress keeps its outcome open (still loggable); after a gap longer
    than a heartbeat its end is fixed at the last sign of life so its duration is not inflated.

    With ``hold`` the block becomes that window's: refused with :class:`HeldElsewhere` while
    another window holds it and its heartbeat has not lapsed, unless ``take_over`` (which
    ends that window's hold: its next write is refused).
    """
    now = clock.now()
    with db.transaction() as session:
        # Locked on PostgreSQL: two windows taking the block over at once take turns.
        block = session.get(CallBlock, block_id, with_for_update=True)
        if block is None:
            raise BlockError(f"call block {block_id} does not exist")
        if block.status not in LIVE_STATUSES:
            raise BlockError(f"call block {block_id} is already {block.status}")
        if hold is not None:
            holder = live_holder(block, hold.token, now)
            if holder is not None and not take_over:
                raise HeldElsewhere(holder)
            _take(block, hold, now)
        last = last_sign_of_life(block)
        gap = (now - last).total_seconds()
        crashed = lapsed(block, now)
        if block.paused_at is None and gap > 0:
            session.add(BlockPause(block_id=block_id, started_at=last, ended_at=now))
            block.paused_seconds += gap
        if block.paused_at is None and crashed:
            attempt = open_attempt(session, block_id)
            if attempt is not None and attempt.ended_at is None:
                attempt.ended_at = max(last, attempt.dialed_at)
                session.add(attempt)
        block.last_activity_at = now
        session.add(block)
        session.flush()
        session.refresh(block)
    return block


def pause_block(
    db: Database, clock: Clock, block_id: int, *, owner: str | None = None
) -> CallBlock:
    """Pause the block clock (no-op when already paused)."""
    now = clock.now()
    with _live_block_change(db, block_id, now, owner) as (session, block):
        if block.paused_at is None:
            block.paused_at = now
            block.status = BlockStatus.PAUSED.value
            session.add(BlockPause(block_id=block_id, started_at=now))
    return block


def resume_block(
    db: Database, clock: Clock, block_id: int, *, owner: str | None = None
) -> CallBlock:
    """Resume a paused block; the paused time is not counted (no-op when running)."""
    now = clock.now()
    with _live_block_change(db, block_id, now, owner) as (session, block):
        _close_pause(session, block, now)
    return block


def end_block(
    db: Database,
    clock: Clock,
    block_id: int,
    status: BlockStatus = BlockStatus.FINISHED,
    *,
    owner: str | None = None,
) -> CallBlock:
    """Close the block and release its contact; an unlogged call stays without outcome."""
    now = clock.now()
    with db.transaction() as session:
        require_hold(session, block_id, owner, now)
        block = get_block(session, block_id)
        if block.status in LIVE_STATUSES:
            _close_pause(session, block, now)
            block.status = status.value
            block.ended_at = now
            block.last_activity_at = now
            session.add(block)
        queue_sql.release_block(session, block_id)
        session.flush()
        session.refresh(block)
    return block


def switch_list(
    db: Database, clock: Clock, block_id: int, list_id: int, *, owner: str | None = None
) -> CallBlock:
    """Carry on the same block (same clock) on another list, e.g. when one runs out."""
    with db.transaction() as session:
        require_hold(session, block_id, owner, clock.now())
        block = get_block(session, block_id)
        require_live(block)
        if session.get(CallList, list_id) is None:
            raise BlockError(f"call list {list_id} does not exist")
        if open_attempt(session, block_id) is not None:
            raise BlockError(
                f"a call is in progress: log its outcome ({KEY_RANGE}) before switching lists"
            )
        queue_sql.release_block(session, block_id)
        block.list_id = list_id
        block.last_activity_at = clock.now()
        session.add(block)
        session.flush()
        session.refresh(block)
    return block


@contextmanager
def _live_block_change(
    db: Database, block_id: int, now: datetime, owner: str | None
) -> Iterator[tuple[Session, CallBlock]]:
    """A write transaction on a running or paused block held by ``owner``: the caller
    changes it inside, then its activity is stamped at ``now`` and it is flushed and
    refreshed."""
    with db.transaction() as session:
        require_hold(session, block_id, owner, now)
        block = get_block(session, block_id)
        require_live(block)
        yield session, block
        block.last_activity_at = now
        session.add(block)
        session.flush()
        session.refresh(block)


def _take(block: CallBlock, hold: BlockHold, now: datetime) -> None:
    """Make ``hold``'s window the block's holder from ``now``."""
    block.owner_token = hold.token
    block.owner_host = hold.host
    block.owner_pid = hold.pid
    block.owner_since = now


def require_live(block: CallBlock) -> None:
    """Raise BlockError unless the block is running or paused."""
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
        .where(col(BlockPause.block_id) == block.id, col(BlockPause.ended_at).is_(None))
        .values(ended_at=now)
    )


def open_attempt(session: Session, block_id: int) -> CallAttempt | None:
    """The block's call in progress (dialled, no outcome yet), if any."""
    return session.exec(
        select(CallAttempt)
        .where(col(CallAttempt.block_id) == block_id, col(CallAttempt.outcome).is_(None))
        .order_by(col(CallAttempt.dialed_at).desc())
    ).first()


