"""Drill progress in numbers: one session's summary, per-objection progress beside live
calls, and scores over time (every figure aggregated in SQL)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.sql.elements import SQLCoreOperations
from sqlmodel import Session, col, select

from callcoach.core.drills.live import LiveStats, live_objection_stats
from callcoach.core.drills.practice import leitner_boxes_of
from callcoach.core.drills.rounds import RoundKind, ScorerRole
from callcoach.storage.models import DrillRound, DrillSession, Objection, Rep
from callcoach.storage.sql.dates import utc_day


@dataclass(frozen=True)
class SessionSummary:
    """A finished (or running) session in numbers."""

    rounds: int
    scored: int
    avg_overall: float | None
    avg_answer_seconds: float | None
    timeouts: int


def session_summary(session: Session, session_id: int) -> SessionSummary:
    """Aggregate one session's rounds in SQL (one answer per prompt, every score)."""
    primary = _primary_rounds().where(col(DrillRound.session_id) == session_id).subquery()
    answers = session.exec(
        select(
            sa.func.count(),
            sa.func.avg(primary.c.answer_seconds),
            sa.func.sum(sa.case((primary.c.timed_out == sa.true(), 1), else_=0)),
        ).where(primary.c.rn == 1)
    ).one()
    scores = session.exec(
        select(sa.func.count(col(DrillRound.overall)), sa.func.avg(col(DrillRound.overall))).where(
            col(DrillRound.session_id) == session_id
        )
    ).one()
    return SessionSummary(
        rounds=int(answers[0] or 0),
        scored=int(scores[0] or 0),
        avg_overall=float(scores[1]) if scores[1] is not None else None,
        avg_answer_seconds=float(answers[1]) if answers[1] is not None else None,
        timeouts=int(answers[2] or 0),
    )


def _primary_rounds() -> sa.Select:
    """Rounds with rn = 1 for the first row of each prompt (second opinions are copies)."""
    return sa.select(
        col(DrillRound.id),
        col(DrillRound.session_id),
        col(DrillRound.objection_id),
        col(DrillRound.answer_seconds),
        col(DrillRound.timed_out),
        sa.func.row_number()
        .over(
            partition_by=(
                col(DrillRound.session_id),
                col(DrillRound.kind),
                col(DrillRound.position),
                col(DrillRound.prompted_at),
            ),
            order_by=col(DrillRound.id),
        )
        .label("rn"),
    )



@dataclass(frozen=True)
class DrillProgressRow:
    """Per trainee and objection: drill scores and times beside the live-call overcome rate."""

    trainee: str
    objection_key: str
    objection_text: str
    prompts: int
    scored: int
    avg_overall: float | None
    self_avg: float | None
    trainer_avg: float | None
    recent_avg: float | None  # last 14 days
    earlier_avg: float | None  # before that
    avg_answer_seconds: float | None
    timeouts: int
    acknowledged_rate: float | None
    impact_rate: float | None
    asked_again_rate: float | None
    last_drilled_at: datetime | None
    box: int
    live_raised: int
    live_overcome: int
    live_lost: int
    trend: float | None = None  # later half of the scores minus the earlier half

    @property
    def live_overcome_rate(self) -> float | None:
        """Share of decided live objections overcome."""
        decided = self.live_overcome + self.live_lost
        return self.live_overcome / decided if decided else None


def _rate(flag: SQLCoreOperations[bool | None]) -> sa.ColumnElement[float]:
    """The share of true among the set true/false values of a boolean column."""
    return sa.func.avg(sa.case((flag == sa.true(), 1.0), (flag == sa.false(), 0.0)))


def drill_progress(
    session: Session,
    now: datetime,
    trainee_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    trainee_ids: Sequence[int] = (),
    include_live: bool = False,
) -> list[DrillProgressRow]:
    """Progress per trainee and objection, aggregated in SQL (for the screen and reports).

    ``since``/``until`` bound both the drill prompts and the live objections compared. With
    ``include_live``, objections met on live calls but never drilled are listed too (what a
    trainer should drill a new hire on first).
    """
    recent_from = now - timedelta(days=14)
    score_q = (
        sa.select(
            col(DrillSession.trainee_id).label("trainee_id"),
            col(DrillRound.objection_id).label("objection_id"),
            sa.func.count(col(DrillRound.overall)).label("scored"),
            sa.func.avg(col(DrillRound.overall)).label("avg_overall"),
            sa.func.avg(
                sa.case((col(DrillRound.scorer_role) == ScorerRole.SELF.value, col(DrillRound.overall)))
            ).label("self_avg"),
            sa.func.avg(
                sa.case((col(DrillRound.scorer_role) == ScorerRole.TRAINER.value, col(DrillRound.overall)))
            ).label("trainer_avg"),
            sa.func.avg(sa.case((col(DrillRound.scored_at) >= recent_from, col(DrillRound.overall)))).label(
                "recent_avg"
            ),
            sa.func.avg(sa.case((col(DrillRound.scored_at) < recent_from, col(DrillRound.overall)))).label(
                "earlier_avg"
            ),
            _rate(col(DrillRound.acknowledged)).label("ack"),
            _rate(col(DrillRound.returned_to_impact)).label("impact"),
            _rate(col(DrillRound.asked_again)).label("asked"),
            sa.func.max(col(DrillRound.prompted_at)).label("last"),
        )
        .join(DrillSession, col(DrillSession.id) == col(DrillRound.session_id))
        .where(col(DrillRound.kind) == RoundKind.OBJECTION.value, col(DrillRound.objection_id).is_not(None))
        .group_by(col(DrillSession.trainee_id), col(DrillRound.objection_id))
    )
    primary = (
        _primary_rounds()
        .add_columns(col(DrillSession.trainee_id).label("trainee_id"))
        .join(DrillSession, col(DrillSession.id) == col(DrillRound.session_id))
        .where(col(DrillRound.kind) == RoundKind.OBJECTION.value, col(DrillRound.objection_id).is_not(None))
    )
    for query_filter in (
        (col(DrillSession.trainee_id) == trainee_id) if trainee_id is not None else None,
        col(DrillSession.trainee_id).in_(list(trainee_ids)) if trainee_ids else None,
        (col(DrillRound.prompted_at) >= since) if since is not None else None,
        (col(DrillRound.prompted_at) < until) if until is not None else None,
    ):
        if query_filter is not None:
            score_q = score_q.where(query_filter)
            primary = primary.where(query_filter)
    p = primary.subquery()
    answer_q = (
        sa.select(
            p.c.trainee_id,
            p.c.objection_id,
            sa.func.count().label("prompts"),
            sa.func.avg(p.c.answer_seconds).label("avg_answer"),
            sa.func.sum(sa.case((p.c.timed_out == sa.true(), 1), else_=0)).label("timeouts"),
        )
        .where(p.c.rn == 1)
        .group_by(p.c.trainee_id, p.c.objection_id)
    )
    answers = {(r[0], r[1]): r for r in session.execute(answer_q).all()}
    trends = _trends(session, score_q)
    scores = {(r[0], r[1]): r for r in session.execute(score_q).all()}
    live = live_objection_stats(session, trainee_id, since, until, trainee_ids)
    keys = sorted(set(answers) | set(scores) | (set(live) if include_live else set()))
    if not keys:
        return []
    names = dict(
        session.exec(select(col(Rep.id), col(Rep.name)).where(col(Rep.id).in_({k[0] for k in keys}))).all()
    )
    objections = {
        o.id: o
        for o in session.exec(select(Objection).where(col(Objection.id).in_({k[1] for k in keys})))
    }
    boxes = leitner_boxes_of(session, (tid for tid, _ in keys))
    rows: list[DrillProgressRow] = []
    for tid, oid in keys:
        a = answers.get((tid, oid))
        s = scores.get((tid, oid))
        lv = live.get((tid, oid), LiveStats(0, 0, 0))
        obj = objections[oid]

        def f(value: object) -> float | None:
            return float(value) if value is not None else None  # type: ignore[arg-type]

        rows.append(
            DrillProgressRow(
                trainee=names.get(tid, f"#{tid}"),
                objection_key=obj.key,
                objection_text=obj.text,
                prompts=int(a.prompts) if a else 0,
                scored=int(s.scored) if s else 0,
                avg_overall=f(s.avg_overall) if s else None,
                self_avg=f(s.self_avg) if s else None,
                trainer_avg=f(s.trainer_avg) if s else None,
                recent_avg=f(s.recent_avg) if s else None,
                earlier_avg=f(s.earlier_avg) if s else None,
                avg_answer_seconds=f(a.avg_answer) if a else None,
                timeouts=int(a.timeouts or 0) if a else 0,
                acknowledged_rate=f(s.ack) if s else None,
                impact_rate=f(s.impact) if s else None,
                asked_again_rate=f(s.asked) if s else None,
                last_drilled_at=s.last if s else None,
                box=boxes.get(tid, {}).get(oid, 0),
                live_raised=lv.raised,
                live_overcome=lv.overcome,
                live_lost=lv.lost,
                trend=trends.get((tid, oid)),
            )
        )
    rows.sort(
        key=lambda r: (
            r.trainee.lower(),
            r.avg_overall if r.avg_overall is not None else 9,
            -r.live_lost,
            r.objection_key,
        )
    )
    return rows


def _trends(session: Session, score_q: sa.Select) -> dict[tuple[int, int], float]:
    """Per (trainee, objection) with two scores or more: the average of the later half of its
    scores minus the earlier half (in time order; the middle one of an odd count is left
    out), so a trend shows however the drills are spread over the calendar."""
    filters = score_q.whereclause
    numbered = (
        sa.select(
            col(DrillSession.trainee_id).label("tid"),
            col(DrillRound.objection_id).label("oid"),
            col(DrillRound.overall).label("overall"),
            sa.func.row_number()
            .over(
                partition_by=(col(DrillSession.trainee_id), col(DrillRound.objection_id)),
                order_by=(col(DrillRound.scored_at), col(DrillRound.id)),
            )
            .label("rn"),
            sa.func.count()
            .over(partition_by=(col(DrillSession.trainee_id), col(DrillRound.objection_id)))
            .label("n"),
        )
        .join(DrillSession, col(DrillSession.id) == col(DrillRound.session_id))
        .where(col(DrillRound.overall).is_not(None))
    )
    if filters is not None:
        numbered = numbered.where(filters)
    t = numbered.subquery()
    later = sa.func.avg(sa.case((t.c.rn * 2 > t.c.n + 1, t.c.overall)))
    earlier = sa.func.avg(sa.case((t.c.rn * 2 <= t.c.n, t.c.overall)))
    query = sa.select(t.c.tid, t.c.oid, later - earlier).where(t.c.n >= 2).group_by(t.c.tid, t.c.oid)
    return {(int(a), int(b)): float(d) for a, b, d in session.execute(query).all() if d is not None}


@dataclass(frozen=True)
class ScorePoint:
    """Average drill score of one objection on one day."""

    day: str  # YYYY-MM-DD (UTC)
    objection_key: str
    rounds: int
    avg_overall: float


def drill_score_history(session: Session, trainee_id: int) -> list[ScorePoint]:
    """Scores over time: per UTC day and objection, the average overall (grouped in SQL)."""
    day = utc_day(DrillRound.scored_at)
    rows = session.exec(
        select(day.label("day"), Objection.key, sa.func.count(), sa.func.avg(DrillRound.overall))
        .join(DrillSession, col(DrillSession.id) == col(DrillRound.session_id))
        .join(Objection, col(Objection.id) == col(DrillRound.objection_id))
        .where(col(DrillSession.trainee_id) == trainee_id, col(DrillRound.overall).is_not(None))
        .group_by(day, Objection.key)
        .order_by(day, Objection.key)
    ).all()
    return [ScorePoint(str(d), k, int(n), float(a)) for d, k, n, a in rows]
