"""Block summary: what a block produced, beside the rep's previous five blocks.

All figures are aggregated in SQL over ``call_attempt`` and ``attempt_objection``; only
the handful of result rows reach Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.catalog.outcomes import Outcome
from callcoach.config import CallPhases
from callcoach.storage.models import (
    AttemptObjection,
    BlockStatus,
    CallAttempt,
    CallBlock,
    CallList,
    Objection,
)


@dataclass(frozen=True)
class ObjectionFigure:
    """How often one objection (or one position: 1st, 2nd...) came up and was overcome."""

    label: str
    raised: int
    overcome: int


@dataclass(frozen=True)
class BlockFigures:
    """Totals over one or more blocks (``blocks`` says how many)."""

    blocks: int
    active_seconds: float
    dials: int
    connects: int
    conversations: int
    meetings: int
    callbacks: int
    avg_call_seconds: float | None  # over connects: calls where someone answered
    longest_call_seconds: float | None
    within_target: int  # connects that took at most phases.target
    over_stop: int  # connects longer than phases.stop_at
    dead_total_seconds: float
    dead_avg_seconds: float | None
    objections_by_type: list[ObjectionFigure] = field(default_factory=list)
    objections_by_order: list[ObjectionFigure] = field(default_factory=list)

    def per_block(self, value: float) -> float:
        """A total divided by the number of blocks (for the previous-five average)."""
        return value / self.blocks if self.blocks else 0.0

    def share(self, part: int) -> float | None:
        """``part`` as a share of connects (None without connects)."""
        return part / self.connects if self.connects else None


@dataclass(frozen=True)
class ListFigures:
    """What one block did on one of its lists (a block may switch lists)."""

    list_id: int
    name: str
    dials: int
    connects: int
    conversations: int
    meetings: int
    callbacks: int


@dataclass(frozen=True)
class BlockSummary:
    """This block's figures and the rep's previous five blocks, for comparison; with what
    it did on each list it dialled, in the order first dialled."""

    block_id: int
    this: BlockFigures
    previous: BlockFigures
    by_list: list[ListFigures] = field(default_factory=list)

    def lists_title(self, current: str, most: int = 3) -> str:
        """The lists the block dialled as a title: their names ("Software, Healthcare"),
        or how many past ``most`` ("4 lists"); ``current`` when it dialled none."""
        if not self.by_list:
            return current
        if len(self.by_list) > most:
            return f"{len(self.by_list)} lists"
        return ", ".join(f.name for f in self.by_list)


def block_figures(session: Session, block_ids: list[int], phases: CallPhases) -> BlockFigures:
    """Aggregate the logged calls of ``block_ids``."""
    if not block_ids:
        return BlockFigures(0, 0.0, 0, 0, 0, 0, 0, None, None, 0, 0, 0.0, None)
    a = CallAttempt
    in_blocks = sa.and_(col(a.block_id).in_(block_ids), col(a.outcome).is_not(None))
    connected = col(a.connected).is_(True)

    def count_if(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

    row = session.execute(
        sa.select(
            sa.func.count(),
            count_if(connected),
            count_if(col(a.conversation).is_(True)),
            count_if(col(a.outcome) == Outcome.MEETING.value),
            count_if(col(a.outcome) == Outcome.CALLBACK.value),
            sa.func.avg(sa.case((connected, col(a.duration_seconds)))),
            sa.func.max(sa.case((connected, col(a.duration_seconds)))),
            count_if(sa.and_(connected, col(a.duration_seconds) <= phases.target)),
            count_if(sa.and_(connected, col(a.duration_seconds) > phases.stop_at)),
            sa.func.coalesce(sa.func.sum(col(a.gap_seconds)), 0.0),
            sa.func.avg(col(a.gap_seconds)),
        ).where(in_blocks)
    ).one()
    blocks = session.execute(
        sa.select(
            col(CallBlock.planned_seconds),
            col(CallBlock.started_at),
            col(CallBlock.ended_at),
            col(CallBlock.paused_seconds),
        ).where(col(CallBlock.id).in_(block_ids))
    ).all()
    active = 0.0
    for planned, started, ended, paused in blocks:
        if ended is not None:
            active += min(float(planned), max(0.0, (ended - started).total_seconds() - paused))
    ao = AttemptObjection
    overcome_count = sa.func.coalesce(sa.func.sum(sa.case((col(ao.overcome).is_(True), 1), else_=0)), 0)
    by_type = session.execute(
        sa.select(col(Objection.key), sa.func.count(), overcome_count)
        .join(ao, col(ao.objection_id) == col(Objection.id))
        .join(a, col(a.id) == col(ao.attempt_id))
        .where(in_blocks)
        .group_by(col(Objection.key))
        .order_by(sa.func.count().desc(), col(Objection.key))
    ).all()
    order = sa.case((col(ao.position) >= 4, 4), else_=col(ao.position))
    by_order = session.execute(
        sa.select(order, sa.func.count(), overcome_count)
        .join(a, col(a.id) == col(ao.attempt_id))
        .where(in_blocks)
        .group_by(order)
        .order_by(order)
    ).all()
    labels = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th+"}
    return BlockFigures(
        blocks=len(block_ids),
        active_seconds=active,
        dials=int(row[0]),
        connects=int(row[1]),
        conversations=int(row[2]),
        meetings=int(row[3]),
        callbacks=int(row[4]),
        avg_call_seconds=float(row[5]) if row[5] is not None else None,
        longest_call_seconds=float(row[6]) if row[6] is not None else None,
        within_target=int(row[7]),
        over_stop=int(row[8]),
        dead_total_seconds=float(row[9]),
        dead_avg_seconds=float(row[10]) if row[10] is not None else None,
        objections_by_type=[ObjectionFigure(k, int(n), int(o)) for k, n, o in by_type],
        objections_by_order=[
            ObjectionFigure(labels[int(p)], int(n), int(o)) for p, n, o in by_order
        ],
    )


def previous_block_ids(session: Session, block: CallBlock, limit: int = 5) -> list[int]:
    """The rep's ``limit`` closed blocks that started before ``block``, newest first."""
    return list(
        session.execute(
            sa.select(col(CallBlock.id))
            .where(
                col(CallBlock.rep_id) == block.rep_id,
                col(CallBlock.id) != block.id,
                col(CallBlock.started_at) < block.started_at,
                col(CallBlock.status).in_((BlockStatus.FINISHED.value, BlockStatus.ABANDONED.value)),
            )
            .order_by(col(CallBlock.started_at).desc())
            .limit(limit)
        ).scalars()
    )


def block_summary(session: Session, block_id: int, phases: CallPhases) -> BlockSummary:
    """The summary of one block beside the rep's previous five."""
    block = session.get(CallBlock, block_id)
    if block is None:
        raise LookupError(f"call block {block_id} does not exist")
    return BlockSummary(
        block_id=block_id,
        this=block_figures(session, [block_id], phases),
        previous=block_figures(session, previous_block_ids(session, block), phases),
        by_list=list_figures(session, block_id),
    )


def list_figures(session: Session, block_id: int) -> list[ListFigures]:
    """The block's logged calls per list dialled, in the order the lists were first dialled."""
    a = CallAttempt

    def count_if(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

    rows = session.execute(
        sa.select(
            col(a.list_id),
            col(CallList.name),
            sa.func.count(),
            count_if(col(a.connected).is_(True)),
            count_if(col(a.conversation).is_(True)),
            count_if(col(a.outcome) == Outcome.MEETING.value),
            count_if(col(a.outcome) == Outcome.CALLBACK.value),
        )
        .join(CallList, col(CallList.id) == col(a.list_id))
        .where(col(a.block_id) == block_id, col(a.outcome).is_not(None))
        .group_by(col(a.list_id), col(CallList.name))
        .order_by(sa.func.min(col(a.dialed_at)), col(a.list_id))
    ).all()
    return [
        ListFigures(int(lid), str(name), int(d), int(c), int(cv), int(m), int(cb))
        for lid, name, d, c, cv, m, cb in rows
    ]


def block_tally(session: Session, block_id: int) -> tuple[int, int, int, int]:
    """Running counts for the block screen: dials, connects, conversations, meetings."""
    a = CallAttempt
    row = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((col(a.connected).is_(True), 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((col(a.conversation).is_(True), 1), else_=0)), 0),
            sa.func.coalesce(
                sa.func.sum(sa.case((col(a.outcome) == Outcome.MEETING.value, 1), else_=0)), 0
            ),
        ).where(col(a.block_id) == block_id, col(a.outcome).is_not(None))
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])
