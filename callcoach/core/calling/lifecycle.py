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
from callcoach.errors import CallcoachError
from callcoach.storage.db import Database
from callcoach.storage.models import BlockPause, BlockStatus, CallAttempt, CallBlock, CallList
from callcoach.storage.sql import queue as queue_sql

#: A block not heard from for this long is considered to have crashed (see recover_block).
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
            .where(col(CallBlock.id) == block_id, col(CallBlock.status).in_(LIVE_STATUSES))
            .values(last_activity_at=clock.now())
        )


def recover_block(db: Database, clock: Clock, block_id: int) -> CallBlock:
    """Reopen a block left open by a crash, with the remaining time it had when it died.

    All the time between the last sign of life and now is recorded as a pause (however
    short), so the block gets exactly :func:`resumable_seconds`, the figure the resume dialog
    offered. A call in progress keeps its outcome open (still loggable); after a gap longer
    than a heartbeat its end is fixed at the last sign of life so its duration is not inflated.
    """
    now = clock.now()
    with db.transaction() as session:
        block = get_block(session, block_id)
        if block.status not in LIVE_STATUSES:
            raise BlockError(f"call block {block_id} is already {block.status}")
        last = last_sign_of_life(block)
        gap = (now - last).total_seconds()
        if block.paused_at is None and gap > 0:
            session.add(BlockPause(block_id=block_id, started_at=last, ended_at=now))
            block.paused_seconds += gap
        if block.paused_at is None and gap > HEARTBEAT_SECONDS:
            attempt = open_attempt(session, block_id)
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
    with _live_block_change(db, block_id, now) as (session, block):
        if block.paused_at is None:
            block.paused_at = now
            block.status = BlockStatus.PAUSED.value
            session.add(BlockPause(block_id=block_id, started_at=now))
    return block


def resume_block(db: Database, clock: Clock, block_id: int) -> CallBlock:
    """Resume a paused block; the paused time is not counted (no-op when running)."""
    now = clock.now()
    with _live_block_change(db, block_id, now) as (session, block):
        _close_pause(session, block, now)
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
        queue_sql.release_block(session, block_id)
        session.flush()
        session.refresh(block)
    return block


def switch_list(db: Database, clock: Clock, block_id: int, list_id: int) -> CallBlock:
    """Carry on the same block (same clock) on another list, e.g. when one runs out."""
    with db.transaction() as session:
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
    db: Database, block_id: int, now: datetime
) -> Iterator[tuple[Session, CallBlock]]:
    """A write transaction on a running or paused block: the caller changes it inside, then
    its activity is stamped at ``now`` and it is flushed and refreshed."""
    with db.transaction() as session:
        block = get_block(session, block_id)
        require_live(block)
        yield session, block
        block.last_activity_at = now
        session.add(block)
        session.flush()
        session.refresh(block)


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


