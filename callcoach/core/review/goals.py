"""Weekly goals per rep (blocks, dials, meetings) and progress against them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.core.review.filters import ReportFilter
from callcoach.core.review.slices import by_rep
from callcoach.errors import CallcoachError
from callcoach.storage.models import Rep, WeeklyGoal


class GoalError(CallcoachError):
    """A goal value is unusable."""


@dataclass(frozen=True)
class Goal:
    """Targets for one week (for one rep, or summed over several)."""

    blocks: int
    dials: int
    meetings: int


def monday_of(day: date) -> date:
    """The Monday starting ``day``'s week."""
    return day - timedelta(days=day.weekday())


def set_goal(
    session: Session,
    rep_id: int,
    week: date,
    blocks: int | None = None,
    dials: int | None = None,
    meetings: int | None = None,
) -> WeeklyGoal:
    """Set a rep's goals for the week holding ``week``; commits at once.

    A figure given as None keeps the week's current one (0 for a week with no goal yet), so
    setting the dials alone leaves the blocks and meetings as they were.
    """
    for name, value in (("--blocks", blocks), ("--dials", dials), ("--meetings", meetings)):
        if value is not None and (value < 0 or value > 100_000):
            raise GoalError(f"{name} {value}: expected a whole number from 0 to 100000")
    monday = monday_of(week)
    goal = session.execute(
        sa.select(WeeklyGoal).where(
            col(WeeklyGoal.rep_id) == rep_id, col(WeeklyGoal.week_start) == monday
        )
    ).scalar_one_or_none()
    if goal is None:
        goal = WeeklyGoal(rep_id=rep_id, week_start=monday, blocks=0, dials=0, meetings=0)
        session.add(goal)
    if blocks is not None:
        goal.blocks = blocks
    if dials is not None:
        goal.dials = dials
    if meetings is not None:
        goal.meetings = meetings
    session.commit()
    session.refresh(goal)
    return goal


def goals_for_week(session: Session, week: date) -> dict[int, Goal]:
    """Every rep's goal for the week holding ``week``, by rep id."""
    rows = session.execute(
        sa.select(WeeklyGoal).where(col(WeeklyGoal.week_start) == monday_of(week))
    ).scalars()
    return {g.rep_id: Goal(g.blocks, g.dials, g.meetings) for g in rows}


def goals_by_week(
    session: Session, since: date, until: date, rep_ids: Sequence[int] = ()
) -> dict[date, Goal]:
    """Goals summed over reps (all, or ``rep_ids``) for each week starting in the range."""
    week_start = col(WeeklyGoal.week_start)
    stmt = (
        sa.select(
            week_start,
            sa.func.sum(col(WeeklyGoal.blocks)).label("blocks"),
            sa.func.sum(col(WeeklyGoal.dials)).label("dials"),
            sa.func.sum(col(WeeklyGoal.meetings)).label("meetings"),
        )
        .where(week_start >= monday_of(since), week_start <= until)
        .group_by(week_start)
    )
    if rep_ids:
        stmt = stmt.where(col(WeeklyGoal.rep_id).in_(list(rep_ids)))
    out = {}
    for r in session.execute(stmt):
        week = r.week_start if isinstance(r.week_start, date) else date.fromisoformat(r.week_start)
        out[week] = Goal(int(r.blocks), int(r.dials), int(r.meetings))
    return out


@dataclass(frozen=True)
class GoalProgress:
    """One rep's week: goal and actual blocks, dials, meetings."""

    rep_id: int
    rep: str
    goal: Goal | None
    blocks: int
    dials: int
    meetings: int

    def cell(self, what: str) -> str:
        """``actual/goal`` for ``what`` (``actual`` alone when no goal is set)."""
        actual = getattr(self, what)
        if self.goal is None:
            return f"{actual} (no goal)"
        target = getattr(self.goal, what)
        if not target:
            return f"{actual}/0"
        return f"{actual}/{target} ({round(actual * 100 / target)}%)"


def goal_progress(
    session: Session, week: date, zone: str, rep_ids: Sequence[int] = ()
) -> list[GoalProgress]:
    """Progress of each rep (with a goal or with calls that week) against the week's goal."""
    monday = monday_of(week)
    f = ReportFilter(monday, monday + timedelta(days=6), zone, tuple(rep_ids))
    actual = {s.key: s for s in by_rep(session, f)}
    goals = goals_for_week(session, monday)
    if rep_ids:
        goals = {k: v for k, v in goals.items() if k in rep_ids}
    ids = sorted(set(actual) | set(goals))
    names = {
        r.id: r.name
        for r in session.execute(sa.select(Rep).where(col(Rep.id).in_(ids))).scalars()
    }
    out = []
    for rid in ids:
        s = actual.get(rid)
        out.append(
            GoalProgress(
                rep_id=rid,
                rep=names.get(rid, f"rep {rid}"),
                goal=goals.get(rid),
                blocks=int(s.funnel.blocks) if s else 0,  # by rep: whole blocks
                dials=s.funnel.dials if s else 0,
                meetings=s.funnel.meetings if s else 0,
            )
        )
    return sorted(out, key=lambda p: p.rep.lower())
