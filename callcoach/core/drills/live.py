"""How objections went on a trainee's real calls: raised, overcome, lost (grouped in SQL).

Targeted practice weighs an objection by its live losses; progress shows them beside the
drill scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.catalog.outcomes import Outcome
from callcoach.storage.models import AttemptObjection, CallAttempt


def _live_overcome_expr() -> tuple[sa.ColumnElement[int], sa.ColumnElement[int]]:
    """(overcome, lost) as 0/1 CASE columns over attempt_objection joined to call_attempt.

    ``overcome`` is the rep's own mark when given; when it was left unmarked, the call's
    outcome decides: a meeting means it was overcome, any other logged outcome means lost.
    """
    meeting = col(CallAttempt.outcome) == Outcome.MEETING.value
    overcome = sa.case(
        (col(AttemptObjection.overcome) == sa.true(), 1),
        (sa.and_(col(AttemptObjection.overcome).is_(None), meeting), 1),
        else_=0,
    )
    lost = sa.case(
        (col(AttemptObjection.overcome) == sa.false(), 1),
        (
            sa.and_(
                col(AttemptObjection.overcome).is_(None),
                col(CallAttempt.outcome).is_not(None),
                col(CallAttempt.outcome) != Outcome.MEETING.value,
            ),
            1,
        ),
        else_=0,
    )
    return overcome, lost


@dataclass(frozen=True)
class LiveStats:
    """How an objection went on the trainee's real calls."""

    raised: int
    overcome: int
    lost: int

    @property
    def overcome_rate(self) -> float | None:
        """Share of decided live objections that were overcome (None when none decided)."""
        decided = self.overcome + self.lost
        return self.overcome / decided if decided else None


def live_objection_stats(
    session: Session,
    trainee_id: int | None,
    since: datetime | None = None,
    until: datetime | None = None,
    trainee_ids: Sequence[int] = (),
) -> dict[tuple[int, int], LiveStats]:
    """Per (rep, objection): live objections raised, overcome and lost, grouped in SQL."""
    overcome, lost = _live_overcome_expr()
    query = (
        sa.select(
            col(CallAttempt.rep_id),
            col(AttemptObjection.objection_id),
            sa.func.count(),
            sa.func.sum(overcome),
            sa.func.sum(lost),
        )
        .select_from(AttemptObjection)
        .join(CallAttempt, col(CallAttempt.id) == col(AttemptObjection.attempt_id))
        .group_by(col(CallAttempt.rep_id), col(AttemptObjection.objection_id))
    )
    if trainee_id is not None:
        query = query.where(col(CallAttempt.rep_id) == trainee_id)
    if trainee_ids:
        query = query.where(col(CallAttempt.rep_id).in_(list(trainee_ids)))
    if since is not None:
        query = query.where(col(AttemptObjection.raised_at) >= since)
    if until is not None:
        query = query.where(col(AttemptObjection.raised_at) < until)
    return {
        (int(rep), int(oid)): LiveStats(int(n), int(o or 0), int(lo or 0))
        for rep, oid, n, o, lo in session.execute(query).all()
    }

