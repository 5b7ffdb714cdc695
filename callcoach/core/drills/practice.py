"""Targeted practice: which objection a trainee drills next, drawn by weight.

A Leitner box per (trainee, objection) is derived from drill history (no extra table): a
pass (overall >= 4 within the time) moves the objection up one box (max 5), any other score
sends it back to box 1. Lower boxes are drawn more often, and each live call the trainee
lost on an objection in the last 90 days multiplies its weight.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from callcoach.core.drills.live import LiveStats, live_objection_stats
from callcoach.core.drills.rounds import DrillError, RoundKind
from callcoach.core.drills.sets import DrillCard
from callcoach.storage.models import DrillRound, DrillSession

#: Leitner box -> draw weight. Box 0 = never drilled: new material comes up fairly often.
BOX_WEIGHTS: dict[int, float] = {0: 8.0, 1: 16.0, 2: 8.0, 3: 4.0, 4: 2.0, 5: 1.0}
MAX_BOX = 5
PASS_SCORE = 4
LIVE_LOSS_CAP = 4  # each lost live call adds x1 to the weight, up to x5
LIVE_WINDOW_DAYS = 90
MAX_CHAIN = 4


def _is_pass() -> sa.ColumnElement[int]:
    return sa.case(
        (sa.and_(col(DrillRound.overall) >= PASS_SCORE, col(DrillRound.timed_out) == sa.false()), 1),
        else_=0,
    )


def leitner_boxes(session: Session, trainee_id: int) -> dict[int, int]:
    """Leitner box (1-5) per objection the trainee has been scored on, derived in SQL.

    Equivalent to replaying the history (pass: up one box, fail: back to box 1): the box is
    1 + the passes since the last fail, capped at 5.
    """
    return leitner_boxes_of(session, [trainee_id]).get(trainee_id, {})


def leitner_boxes_of(session: Session, trainee_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """:func:`leitner_boxes` for several trainees in one query: trainee -> objection -> box."""
    ids = sorted(set(trainee_ids))
    if not ids:
        return {}
    scored = (
        select(
            col(DrillSession.trainee_id).label("trainee_id"),
            col(DrillRound.objection_id).label("objection_id"),
            col(DrillRound.scored_at).label("scored_at"),
            _is_pass().label("passed"),
        )
        .join(DrillSession, col(DrillSession.id) == col(DrillRound.session_id))
        .where(
            col(DrillSession.trainee_id).in_(ids),
            DrillRound.kind == RoundKind.OBJECTION.value,
            col(DrillRound.overall).is_not(None),
            col(DrillRound.objection_id).is_not(None),
        )
        .cte("scored")
    )
    last_fail = (
        select(
            scored.c.trainee_id,
            scored.c.objection_id,
            sa.func.max(sa.case((scored.c.passed == 0, scored.c.scored_at))).label("last_fail"),
        )
        .group_by(scored.c.trainee_id, scored.c.objection_id)
        .cte("last_fail")
    )
    passes = sa.func.sum(
        sa.case(
            (
                sa.and_(
                    scored.c.passed == 1,
                    sa.or_(
                        last_fail.c.last_fail.is_(None), scored.c.scored_at > last_fail.c.last_fail
                    ),
                ),
                1,
            ),
            else_=0,
        )
    )
    rows = session.exec(
        select(scored.c.trainee_id, scored.c.objection_id, passes)
        .join(
            last_fail,
            sa.and_(
                last_fail.c.trainee_id == scored.c.trainee_id,
                last_fail.c.objection_id == scored.c.objection_id,
            ),
        )
        .group_by(scored.c.trainee_id, scored.c.objection_id)
    ).all()
    boxes: dict[int, dict[int, int]] = {}
    for tid, oid, n in rows:
        boxes.setdefault(int(tid), {})[int(oid)] = min(MAX_BOX, 1 + int(n or 0))
    return boxes


@dataclass(frozen=True)
class ObjectionWeight:
    """Why an objection is drawn as often as it is."""

    objection_id: int
    box: int  # 0 = never drilled
    live_lost: int
    weight: float


def recent_live_stats(
    session: Session, trainee_id: int, now: datetime
) -> dict[tuple[int, int], LiveStats]:
    """The trainee's live objections over the window that weighs the draw."""
    return live_objection_stats(session, trainee_id, since=now - timedelta(days=LIVE_WINDOW_DAYS))


def objection_weights(
    session: Session,
    trainee_id: int,
    objection_ids: Sequence[int],
    now: datetime,
    live: dict[tuple[int, int], LiveStats] | None = None,
) -> dict[int, ObjectionWeight]:
    """Draw weight per objection for a trainee: Leitner box weight x live-loss factor.

    ``live`` (from :func:`recent_live_stats`) can be passed in when it is already known: a
    drill session reads it once, since no live call is made while drilling.
    """
    boxes = leitner_boxes(session, trainee_id)
    if live is None:
        live = recent_live_stats(session, trainee_id, now)
    weights: dict[int, ObjectionWeight] = {}
    for oid in objection_ids:
        box = boxes.get(oid, 0)
        lost = live.get((trainee_id, oid), LiveStats(0, 0, 0)).lost
        factor = 1 + min(lost, LIVE_LOSS_CAP)
        weights[oid] = ObjectionWeight(oid, box, lost, BOX_WEIGHTS[box] * factor)
    return weights


def draw_objection(
    cards: Sequence[DrillCard],
    weights: dict[int, ObjectionWeight],
    rng: random.Random,
    avoid: int | None = None,
) -> DrillCard:
    """One card, drawn in proportion to its weight, not the one just drilled if avoidable."""
    if not cards:
        raise DrillError("this drill set has no objections")
    pool = [c for c in cards if c.objection_id != avoid] or list(cards)
    w = [weights[c.objection_id].weight if c.objection_id in weights else 1.0 for c in pool]
    return rng.choices(pool, weights=w, k=1)[0]


#: In a simulated call the 3rd objection decides (the method): answered well, the prospect
#: agrees and the call ends; answered weakly, a 4th comes as the last chance.
DECIDER = 3


def answer_was_weak(overall: int | None, timed_out: bool) -> bool | None:
    """Whether an answer was weak: timed out or scored under a pass (None: not judged yet)."""
    if timed_out:
        return True
    if overall is None:
        return None
    return overall < PASS_SCORE


def hardest_left(
    cards: Sequence[DrillCard], weights: dict[int, ObjectionWeight], rng: random.Random
) -> DrillCard:
    """The card this trainee handles worst (highest draw weight); a tie is drawn at random."""
    if not cards:
        raise DrillError("this drill set has no objections")

    def weight(card: DrillCard) -> float:
        w = weights.get(card.objection_id)
        return w.weight if w is not None else 1.0

    top = max(weight(c) for c in cards)
    tied = [c for c in cards if weight(c) == top]
    return tied[0] if len(tied) == 1 else rng.choice(tied)


@dataclass(frozen=True)
class CallStep:
    """The next objection of a simulated call and why it was chosen."""

    card: DrillCard
    follow_up: bool  # True: the harder follow-up to a weak answer


def next_call_objection(
    cards: Sequence[DrillCard],
    weights: dict[int, ObjectionWeight],
    rng: random.Random,
    used: Sequence[int],
    last_weak: bool | None,
) -> CallStep | None:
    """The next objection in a simulated call, from how the last one was answered.

    After a weak answer the prospect presses with the harder follow-up: the objection left
    that this trainee handles worst (:func:`hardest_left`). Otherwise (the first objection,
    a good answer, or one not scored) it is a weighted draw. Never one already raised in
    this call; None when every card has been raised.
    """
    pool = [c for c in cards if c.objection_id not in set(used)]
    if not pool:
        return None
    if last_weak:
        return CallStep(hardest_left(pool, weights, rng), True)
    return CallStep(draw_objection(pool, weights, rng), False)


def call_goes_on(raised: int, last_weak: bool | None, limit: int = MAX_CHAIN) -> bool:
    """After ``raised`` objections, whether the prospect raises another.

    Up to the 3rd the call always goes on (the first is a reflex, the second a test); the
    3rd decides: a good answer wins the meeting and ends the call, a weak (or timed-out)
    one brings a 4th, the last chance. Never more than ``limit`` (at most four).
    """
    if raised >= min(limit, MAX_CHAIN):
        return False
    if raised < DECIDER:
        return True
    return bool(last_weak)

