"""What the dashboard, goals and planner screens read and write, through one object.

The figures come from :mod:`callcoach.core.review` (the same functions ``callcoach report``
uses, so screen and scorecard agree to the digit); the screens hold no database session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from callcoach.clock import Clock
from callcoach.core.drills.progress import DrillProgressRow
from callcoach.core.review.access import BesideTeam, beside_team
from callcoach.core.review.comparisons import Comparison, comparable
from callcoach.core.review.filters import ReportFilter, list_choices, rep_choices, with_scope
from callcoach.core.review.funnels import Funnel, funnel, funnels
from callcoach.core.review.goals import (
    Goal,
    GoalProgress,
    goal_progress,
    goals_by_week,
    goals_for_week,
    set_goal,
)
from callcoach.core.review.notes import NoteRow, add_note, list_notes
from callcoach.core.review.objections import ObjectionStat, OrderStat, objection_analysis
from callcoach.core.review.planner import Plan, PlanInput, make_plan
from callcoach.core.review.prime_time import ProspectTime, prospect_time
from callcoach.core.review.rep_view import BlockSummary, last_blocks
from callcoach.core.review.slices import (
    Slice,
    by_rep,
    by_week,
    hour_slices,
    list_slices,
    lists_and_clusters,
    weekday_slices,
)
from callcoach.storage.db import Database


@dataclass
class Overview:
    """The overview panel: the funnel and the week's goal progress."""

    funnel: Funnel
    progress: list[GoalProgress]
    week: date


@dataclass
class RepView:
    """One rep's page: the scoped filter, funnel, lists, weeks and last blocks."""

    filter: ReportFilter
    funnel: Funnel
    lists: list[Slice]
    weeks: list[Slice]
    blocks: list[BlockSummary]
    notes: list[NoteRow]  # the latest coaching notes for the rep


class ReviewService:
    """The manager's reads (figures as plain data) and the goal writes."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def rep_choices(self) -> list[tuple[str, int]]:
        """(name, id) of every rep, for a select."""
        with self._db.session() as s:
            return rep_choices(s)

    def list_choices(self) -> list[tuple[str, int]]:
        """(name, id) of every call list, for a select."""
        with self._db.session() as s:
            return list_choices(s)

    def scoped(
        self, f: ReportFilter, rep_ids: tuple[int, ...], list_ids: tuple[int, ...]
    ) -> ReportFilter:
        """``f`` narrowed to these reps and lists (their names read for the captions)."""
        with self._db.session() as s:
            return with_scope(s, f, rep_ids, list_ids)

    def overview(self, f: ReportFilter) -> Overview:
        """The period's funnel and the goal progress of the week on show."""
        today = self._clock.now().astimezone(f.tz).date()
        week = min(f.until, today)
        with self._db.session() as s:
            return Overview(funnel(s, f), goal_progress(s, week, f.zone, f.rep_ids), week)

    def comparison(self, f: ReportFilter) -> Comparison:
        """The previous period comparable to ``f`` now (week or month to date, or whole)."""
        return comparable(f, self._clock.now())

    def funnel(self, f: ReportFilter) -> Funnel:
        """The period's whole funnel (the previous period's, for a comparison)."""
        with self._db.session() as s:
            return funnel(s, f)

    def leaderboard(self, f: ReportFilter) -> list[Slice]:
        """One slice per rep."""
        with self._db.session() as s:
            return by_rep(s, f)

    def trends(self, f: ReportFilter) -> tuple[list[Slice], dict[date, Goal]]:
        """At least the 8 weeks up to the period's end, with each week's goals."""
        from callcoach.core.review.scorecard_html import trend_filter  # the scorecard's, on use

        tf = trend_filter(f)
        with self._db.session() as s:
            return by_week(s, tf), goals_by_week(s, tf.since, tf.until, f.rep_ids)

    def time_of_day(self, f: ReportFilter) -> tuple[list[Slice], list[Slice]]:
        """Slices by hour and by weekday (one statement for both)."""
        with self._db.session() as s:
            rows, _ = funnels(s, f, ("hour", "weekday"))
        return hour_slices(rows["hour"]), weekday_slices(rows["weekday"])

    def prospect_time(self, f: ReportFilter) -> ProspectTime:
        """Slices by the prospect's local hour and weekday (each contact's zone)."""
        with self._db.session() as s:
            return prospect_time(s, f)

    def lists_and_clusters(self, f: ReportFilter) -> tuple[list[Slice], list[Slice]]:
        """Slices by list and by cluster."""
        with self._db.session() as s:
            return lists_and_clusters(s, f)

    def objection_analysis(
        self, f: ReportFilter
    ) -> tuple[list[ObjectionStat], list[OrderStat]]:
        """Objections by type and by order."""
        with self._db.session() as s:
            return objection_analysis(s, f)

    def rep_view(self, base: ReportFilter, rep_id: int) -> RepView:
        """One rep's funnel and lists for ``base``'s period, their 8 weeks, last blocks."""
        from callcoach.core.review.scorecard_html import trend_filter  # the scorecard's, on use

        with self._db.session() as s:
            f = with_scope(s, base, (rep_id,), base.list_ids)
            rows, fu = funnels(s, f, ("list",))  # the funnel and the lists together
            lists = list_slices(s, rows["list"])
            weeks = by_week(s, trend_filter(f))
            blocks = last_blocks(s, rep_id, f=f)  # the period's, as the figures above
            notes = list_notes(s, rep_ids=(rep_id,))[:5]
        return RepView(f, fu, lists, weeks, blocks, notes)

    def write_note(
        self, rep_id: int, author_id: int, text: str, block_id: int | None = None
    ) -> NoteRow:
        """Write a coaching note for the rep (committed at once); NoteError when refused."""
        with self._db.session() as s:
            return add_note(s, rep_id=rep_id, author_id=author_id, text=text,
                            now=self._clock.now(), block_id=block_id)

    def beside_team(self, f: ReportFilter, rep_id: int) -> BesideTeam:
        """One rep's funnel beside the whole team's, for the period and lists of ``f``."""
        with self._db.session() as s:
            return beside_team(s, f, rep_id)

    def drill_progress(self, f: ReportFilter) -> list[DrillProgressRow]:
        """Drill progress per trainee and objection for the period (the filter's reps as
        trainees), with the live calls where each objection came up."""
        from callcoach.core.drills.progress import drill_progress

        with self._db.session() as s:
            return drill_progress(s, self._clock.now(), since=f.start_utc, until=f.end_utc,
                                  trainee_ids=f.rep_ids, include_live=bool(f.rep_ids))

    def goal(self, rep_id: int, week: date) -> Goal | None:
        """The rep's goal for the week starting ``week``, if set."""
        with self._db.session() as s:
            return goals_for_week(s, week).get(rep_id)

    def set_goal(self, rep_id: int, week: date, blocks: int, dials: int, meetings: int) -> None:
        """Save a rep's weekly goal (committed at once)."""
        with self._db.session() as s:
            set_goal(s, rep_id, week, blocks, dials, meetings)

    def plan(
        self, inputs: PlanInput, now: datetime, zone: str, rep_id: int | None
    ) -> Plan:
        """Work back from a quota with the team's (``rep_id`` None) or one rep's rates."""
        with self._db.session() as s:
            rep_ids = () if rep_id is None else (rep_id,)
            names = dict((i, n) for n, i in rep_choices(s))
            scope = "the team" if rep_id is None else names.get(rep_id, "?")
            return make_plan(s, inputs, now, zone, rep_ids, scope)
