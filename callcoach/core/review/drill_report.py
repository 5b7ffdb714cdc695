"""``callcoach report --by drill``: drill progress per trainee and objection.

One of the built-in breakdowns (:data:`callcoach.core.review.breakdowns.BUILT_IN`), so
every report format (table, CSV, JSON, HTML) shows it. The figures come from
:func:`callcoach.core.drills.progress.drill_progress` (aggregated in SQL); ``--rep`` picks
trainees, the period bounds both drill prompts and the live calls the overcome rate is
taken from.
"""

from __future__ import annotations

from sqlmodel import Session

from callcoach.core.drills.progress import drill_progress
from callcoach.core.review.filters import ReportFilter
from callcoach.core.review.metrics import Ratio
from callcoach.core.review.tables import Column, ReportTable

TITLE = "Drill progress by trainee and objection"


def _r1(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def drill_table(session: Session, f: ReportFilter) -> ReportTable:
    """Drill scores, answer times and Leitner box beside the live-call overcome rate."""
    rows = drill_progress(
        session,
        f.end_utc,
        since=f.start_utc,
        until=f.end_utc,
        trainee_ids=f.rep_ids,
        include_live=True,  # objections met (and lost) on live calls but never drilled too
    )
    columns = [
        Column("trainee", "Trainee", "text"),
        Column("objection", "Objection", "text"),
        Column("drilled", "Drilled"),
        Column("avg", "Avg 1-5"),
        Column("trend", "Trend"),
        Column("self", "Self"),
        Column("trainer", "Trainer"),
        Column("answer", "Answer", "seconds"),
        Column("timeouts", "Timeouts"),
        Column("asked_again", "Asked again", "ratio"),
        Column("box", "Box"),
        Column("live", "Live raised"),
        Column("overcome", "Live overcome", "ratio"),
    ]
    out = []
    for r in rows:
        scored = r.scored
        out.append(
            {
                "trainee": r.trainee,
                "objection": r.objection_key,
                "drilled": r.prompts,
                "avg": _r1(r.avg_overall),
                "trend": _r1(r.trend),
                "self": _r1(r.self_avg),
                "trainer": _r1(r.trainer_avg),
                "answer": r.avg_answer_seconds,
                "timeouts": r.timeouts,
                "asked_again": Ratio(round((r.asked_again_rate or 0) * scored), scored),
                "box": r.box,
                "live": r.live_raised,
                "overcome": Ratio(r.live_overcome, r.live_overcome + r.live_lost),
            }
        )
    notes = [
        "Box: Leitner box 1-5 from drill history (pass = 4+ within time, 0 = never drilled); "
        "low boxes come up more often in practice, as do objections lost on live calls.",
        "Objections raised on a trainee's live calls in the period but never drilled are "
        "listed too (Drilled 0): where to start.",
        "Trend: the average of the later half of the scores minus the earlier half.",
    ]
    if f.list_ids:
        notes.append("Drills are not tied to call lists: --list only narrows the live calls.")
    return ReportTable("drill", TITLE, f, columns, out, None, notes,
                       empty="(no drills in this period)")

