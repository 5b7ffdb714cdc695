"""One rep's view: their most recent call blocks, and their best and worst call lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.core.review import metrics as m
from callcoach.core.review.filters import ReportFilter
from callcoach.core.review.slices import Slice
from callcoach.storage.models import CallAttempt, CallBlock, CallList


@dataclass(frozen=True)
class BlockSummary:
    """One recent call block of a rep."""

    block_id: int
    started_at: datetime
    list_name: str
    status: str
    dials: int
    conversations: int
    meetings: int


def last_blocks(
    session: Session, rep_id: int, limit: int = 5, f: ReportFilter | None = None
) -> list[BlockSummary]:
    """The rep's most recent blocks with their dials, conversations and meetings: those
    started in ``f``'s period (and on its lists) when a filter is given."""
    a, b = CallAttempt, CallBlock
    conds = [col(b.rep_id) == rep_id]
    if f is not None:
        conds += [col(b.started_at) >= f.start_utc, col(b.started_at) < f.end_utc]
        if f.list_ids:
            conds.append(col(b.list_id).in_(f.list_ids))
    recent = (
        sa.select(col(b.id), col(b.started_at), col(b.status), col(b.list_id))
        .where(*conds)
        .order_by(col(b.started_at).desc(), col(b.id).desc())
        .limit(limit)
        .subquery()
    )
    stmt = (
        sa.select(
            recent.c.id,
            recent.c.started_at,
            recent.c.status,
            col(CallList.name),
            sa.func.count(col(a.id)).label("dials"),
            sa.func.coalesce(sa.func.sum(m.conversation_flag(a)), 0).label("conversations"),
            sa.func.coalesce(sa.func.sum(m.meeting_flag(a)), 0).label("meetings"),
        )
        .select_from(recent)
        .join(CallList, col(CallList.id) == recent.c.list_id)
        .outerjoin(a, sa.and_(col(a.block_id) == recent.c.id, m.logged(a)))
        .group_by(recent.c.id, recent.c.started_at, recent.c.status, col(CallList.name))
        .order_by(recent.c.started_at.desc(), recent.c.id.desc())
    )
    out = []
    for r in session.execute(stmt):
        started = r.started_at
        if isinstance(started, str):
            started = datetime.fromisoformat(started)
        if started.tzinfo is None:
            started = started.replace(tzinfo=UTC)
        out.append(
            BlockSummary(
                int(r.id), started, r.name, r.status, int(r.dials),
                int(r.conversations), int(r.meetings),
            )
        )
    return out


def best_and_worst_lists(
    slices: list[Slice], min_dials: int = m.SMALL_SAMPLE
) -> tuple[list[Slice], list[Slice]]:
    """Lists with enough dials split into best and worst by meetings per dial (3 each at most).

    The better half (rounded up) can be "best", the rest "worst", so two lists give one of
    each and a single list is only "best".
    """
    ranked = [s for s in slices if s.funnel.dials >= min_dials]
    ranked.sort(key=lambda s: (-(s.funnel.set_per_dial.value or 0), -s.funnel.dials))
    k = min(3, (len(ranked) + 1) // 2)
    best = ranked[:k]
    worst = list(reversed(ranked[k:]))[:3]
    return best, worst

