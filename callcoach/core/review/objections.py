"""Objections in a report: how often each is raised, how often overcome, the meetings won
after it, and the meetings won after the 1st, 2nd, 3rd and 4th+ objection of a call."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.core.review import metrics as m
from callcoach.core.review.filters import (
    ReportFilter,
    attempt_conditions,
    epoch_bounds,
    reads_whole_history,
)
from callcoach.core.review.funnels import ATTEMPTS, MEETING, answered
from callcoach.storage.models import AttemptObjection, CallAttempt, Objection


@dataclass(frozen=True)
class ObjectionStat:
    """How one objection fared on calls in the filter."""

    objection_id: int
    key: str
    text: str
    raised: int
    overcome: int
    meetings: int  # calls where it was raised that still ended in a meeting
    calls: int = 0  # distinct calls it was raised on (an objection can come back)

    @property
    def overcome_rate(self) -> m.Ratio:
        """Times overcome per time raised."""
        return m.Ratio(self.overcome, self.raised)

    @property
    def won_rate(self) -> m.Ratio:
        """Meetings per call it was raised on."""
        return m.Ratio(self.meetings, self.calls)


@dataclass(frozen=True)
class OrderStat:
    """Calls that saw exactly ``objections`` objections (4 means 4 or more) and their wins."""

    objections: int
    calls: int
    meetings: int

    @property
    def won_rate(self) -> m.Ratio:
        """Meetings per such call."""
        return m.Ratio(self.meetings, self.calls)

    @property
    def label(self) -> str:
        """``after the 2nd objection`` style wording."""
        if self.objections == 0:
            return "no objection"
        ordinal = {1: "1st", 2: "2nd", 3: "3rd"}.get(self.objections, "4th+")
        return f"after the {ordinal}"


def objection_analysis(
    session: Session, f: ReportFilter
) -> tuple[list[ObjectionStat], list[OrderStat]]:
    """Per objection type: frequency, overcome rate, meetings won (most frequent first);
    and meetings won after the 1st, 2nd, 3rd, 4th+ objection (and with none).

    One statement: the objections of the filter's calls are read once for both. In the
    order list, row 0 counts meetings set with no objection logged; its ``calls`` are those
    meetings.
    """
    ao, a = AttemptObjection, CallAttempt
    long = reads_whole_history(session, f)
    raised = (
        sa.select(
            col(ao.attempt_id), col(ao.objection_id), col(ao.overcome),
            sa.case((col(a.outcome) == MEETING, 1), else_=0).label("won"),
        )
        .join(a, col(a.id) == col(ao.attempt_id))
        .where(*attempt_conditions(f, long=long))
        .cte("raised")
    )
    stats = sa.select(
        sa.literal(0).label("part"),
        raised.c.objection_id.label("k"),
        sa.func.count().label("n1"),
        sa.func.sum(sa.case((raised.c.overcome.is_(True), 1), else_=0)).label("n2"),
        sa.func.count(sa.distinct(sa.case((raised.c.won == 1, raised.c.attempt_id)))).label("n3"),
        sa.func.count(sa.distinct(raised.c.attempt_id)).label("n4"),
    ).group_by(raised.c.objection_id)
    per_call = (
        sa.select(raised.c.attempt_id, sa.func.count().label("n"),
                  sa.func.max(raised.c.won).label("won"))
        .group_by(raised.c.attempt_id)
        .subquery("per_call")
    )
    bucket = sa.case((per_call.c.n >= 4, 4), else_=per_call.c.n)
    orders = sa.select(
        sa.literal(1).label("part"), bucket.label("k"), sa.func.count().label("n1"),
        sa.func.sum(per_call.c.won).label("n2"), sa.null().label("n3"), sa.null().label("n4"),
    ).group_by(bucket)
    # Meetings set with no objection: meetings are answered calls, counted from
    # ix_attempt_answered rather than from every call.
    t = ATTEMPTS.alias("a")
    start, end = epoch_bounds(f)
    scope = [t.c.rep_id.in_(f.rep_ids)] if f.rep_ids else []
    scope += [t.c.list_id.in_(f.list_ids)] if f.list_ids else []
    plain = sa.select(
        sa.literal(2).label("part"), sa.null().label("k"), sa.func.count().label("n1"),
        sa.null().label("n2"), sa.null().label("n3"), sa.null().label("n4"),
    ).select_from(t).where(
        answered(t), t.c.logged_epoch >= start, t.c.logged_epoch < end, *scope,
        t.c.outcome == sa.literal_column(f"'{MEETING}'"),
        ~sa.select(sa.literal(1)).where(col(ao.attempt_id) == t.c.id).exists(),
    )
    rows = session.execute(sa.union_all(stats, orders, plain)).all()
    by_part: dict[int, list] = {0: [], 1: [], 2: []}
    for row in rows:
        by_part[int(row.part)].append(row)
    ids = [int(r.k) for r in by_part[0]]
    objs = {
        int(o.id): o
        for o in session.execute(
            sa.select(Objection).where(col(Objection.id).in_(ids))
        ).scalars()
        if o.id is not None
    } if ids else {}
    out = [
        ObjectionStat(
            objection_id=int(r.k),
            key=objs[int(r.k)].key if int(r.k) in objs else str(r.k),
            text=objs[int(r.k)].text if int(r.k) in objs else "?",
            raised=int(r.n1),
            overcome=int(r.n2 or 0),
            meetings=int(r.n3 or 0),
            calls=int(r.n4),
        )
        for r in by_part[0]
    ]
    found = {int(r.k): (int(r.n1), int(r.n2 or 0)) for r in by_part[1]}
    plain_n = int(by_part[2][0].n1) if by_part[2] else 0
    order = [OrderStat(0, plain_n, plain_n)]
    for k in range(1, 5):
        calls, won = found.get(k, (0, 0))
        order.append(OrderStat(k, calls, won))
    return sorted(out, key=lambda s: (-s.raised, s.key)), order


def objection_stats(session: Session, f: ReportFilter) -> list[ObjectionStat]:
    """Frequency, overcome rate and meetings won per objection type, most frequent first."""
    return objection_analysis(session, f)[0]


def meetings_by_objection_order(session: Session, f: ReportFilter) -> list[OrderStat]:
    """Meetings won after the 1st, 2nd, 3rd, 4th+ objection (and with none), with call counts.

    Row 0 counts meetings set with no objection logged; its ``calls`` are those meetings.
    """
    return objection_analysis(session, f)[1]

