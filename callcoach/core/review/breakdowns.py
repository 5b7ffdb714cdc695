"""Report breakdowns: every ``--by`` value, registered once.

A breakdown is an object: its name, its title, and how its table is built.
:class:`FunnelBreakdown` builds its rows from the funnels of one grouping
(:mod:`callcoach.core.review.funnels`), with its leading columns and row order; any other
:class:`Breakdown` gives a function building its :class:`~tables.ReportTable`.

The registry (:func:`registry`) holds the built-in breakdowns (:data:`BUILT_IN`) and those
that other installed packages declare in the ``callcoach.breakdowns`` entry-point group,
for example in their ``pyproject.toml``::

    [project.entry-points."callcoach.breakdowns"]
    region = "callcoach_regions:REGION"   # a Breakdown named "region"

The CLI's ``--by`` choices and help, the report formats and the scorecard all read it.
Plug-ins are loaded once, on first use; one that fails to load keeps its name, and asking
for it gives a one-line error naming the plug-in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import EntryPoint, entry_points

from sqlmodel import Session

from callcoach.core.review import drill_report
from callcoach.core.review import metrics as m
from callcoach.core.review import slices as sl
from callcoach.core.review.filters import ReportError, ReportFilter
from callcoach.core.review.funnels import (
    CLUSTER,
    HOUR,
    LIST,
    REP,
    WEEK,
    WEEKDAY,
    Funnel,
    Grouping,
    Rows,
    funnels,
)
from callcoach.core.review.goals import goals_by_week
from callcoach.core.review.objections import objection_analysis
from callcoach.core.review.tables import (
    FUNNEL_COLUMNS,
    SPLIT_COLUMNS,
    SPLIT_NOTE,
    TIME_COLUMNS,
    Column,
    ReportTable,
    slice_table,
)

#: The entry-point group other packages add breakdowns through.
ENTRY_POINT_GROUP = "callcoach.breakdowns"

Builder = Callable[[Session, ReportFilter], ReportTable]


@dataclass(frozen=True)
class Breakdown:
    """A ``--by`` value: its name, its title, and the function building its table."""

    name: str
    title: str
    build: Builder

    def table(self, session: Session, f: ReportFilter) -> ReportTable:
        """The breakdown's table over the filter."""
        return self.build(session, f)


@dataclass(frozen=True, kw_only=True)
class FunnelBreakdown(Breakdown):
    """A breakdown whose rows are the funnels of one grouping, from one SQL statement.

    ``first`` are the leading columns (the row label, then any extras the slices carry), or
    a function of the filter giving them; ``slices`` labels and orders the grouping's
    funnels; ``extend`` may add columns to the finished table (the week's goals);
    ``rate_chart`` asks the HTML scorecard for a chart of the connect rate per row.
    ``build`` is :meth:`table` (set here, not given).
    """

    build: Builder = field(init=False, repr=False, compare=False)
    grouping: Grouping
    first: tuple[Column, ...] | Callable[[ReportFilter], tuple[Column, ...]]
    slices: Callable[[Session, ReportFilter, Rows], list[sl.Slice]]
    funnel_columns: tuple[Column, ...] = FUNNEL_COLUMNS
    extend: Callable[[Session, ReportFilter, ReportTable], None] | None = None
    rate_chart: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "build", self.table)

    def table(self, session: Session, f: ReportFilter) -> ReportTable:
        """The breakdown's table over the filter."""
        return self.counted(session, f)[0]

    def counted(
        self, session: Session, f: ReportFilter, also: Sequence[str | Grouping] = ()
    ) -> tuple[ReportTable, dict[str, Rows], Funnel]:
        """The table, the funnels of the groupings in ``also`` counted in the same statement
        (e.g. the HTML scorecard's weeks), and the whole filter's funnel."""
        extra = [g for g in also if (g if isinstance(g, str) else g.name) != self.grouping.name]
        rows, total = funnels(session, f, (self.grouping, *extra))
        return self.table_from(session, f, rows[self.grouping.name], total), rows, total

    def table_from(self, session: Session, f: ReportFilter, rows: Rows, total: Funnel) -> ReportTable:
        """The table from the grouping's funnels already counted."""
        first = self.first(f) if callable(self.first) else self.first
        table = slice_table(self.name, self.title, f, first, self.slices(session, f, rows),
                            total, self.funnel_columns)
        if self.extend is not None:
            self.extend(session, f, table)
        return table


def _split_note(what: str) -> Callable[[Session, ReportFilter, ReportTable], None]:
    """Say under a table by list or cluster how its blocks are split and what Shared counts;
    the Shared total is left empty (a shared block is in several rows)."""

    def extend(session: Session, f: ReportFilter, table: ReportTable) -> None:
        if table.totals is not None:
            table.totals.pop("shared_blocks", None)
        shared = sum(int(r.get("shared_blocks") or 0) for r in table.rows)
        table.notes.append(SPLIT_NOTE.format(what=what, n=shared))

    return extend


def _week_goals(session: Session, f: ReportFilter, table: ReportTable) -> None:
    """Each week's goals (summed over the filter's reps) beside its figures; a note when a
    block across two weeks makes the weeks' blocks add up to more than the total."""
    goals = goals_by_week(session, f.since, f.until, f.rep_ids)
    table.columns[1:1] = [
        Column("goal_blocks", "Goal blk"),
        Column("goal_dials", "Goal dials"),
        Column("goal_meetings", "Goal mtg"),
    ]
    for row in table.rows:
        g = goals.get(date.fromisoformat(row["week"]))
        row["goal_blocks"] = g.blocks if g else None
        row["goal_dials"] = g.dials if g else None
        row["goal_meetings"] = g.meetings if g else None
    weeks = sum(row["blocks"] for row in table.rows)
    if table.totals is not None and weeks != table.totals["blocks"]:
        table.notes.append(
            f"Blocks: the weeks add up to {weeks}, the total to {table.totals['blocks']}: a "
            "block across midnight between Sunday and Monday counts in both weeks, once in "
            "the total."
        )


def objection_table(session: Session, f: ReportFilter) -> ReportTable:
    """Objection frequency, overcome rate, meetings won after each; the totals count each
    meeting once; notes give wins by objection order."""
    stats, order = objection_analysis(session, f)
    total_raised = sum(s.raised for s in stats)
    rows = [
        {
            "objection": s.key,
            "text": s.text,
            "raised": s.raised,
            "calls": s.calls,
            "share": m.Ratio(s.raised, total_raised),
            "overcome": s.overcome_rate,
            "meetings": s.meetings,
            "won": s.won_rate,
        }
        for s in stats
    ]
    after = [o for o in order if o.objections > 0]
    calls_with = sum(o.calls for o in after)  # each call once, by its number of objections
    meetings_with = sum(o.meetings for o in after)  # each meeting once
    meetings_without = order[0].meetings
    notes = [
        "Mtgs after: calls on which this objection was raised that ended in a meeting; a "
        "meeting that followed two objections is in both rows. Calls: calls it was raised "
        "on. The Total row counts each call and each meeting once.",
        f"Meetings in the period: {meetings_with + meetings_without} "
        f"({meetings_with} after at least one objection, {meetings_without} with none)",
    ]
    notes += [
        f"Calls that ended {o.label} objection: {o.calls}; meetings won {o.won_rate.text()}"
        for o in after
    ]
    return ReportTable(
        "objection",
        "Objections",
        f,
        [
            Column("objection", "Objection", "text"),
            Column("text", "As said", "text"),
            Column("raised", "Raised"),
            Column("calls", "Calls"),
            Column("share", "Share", "ratio"),
            Column("overcome", "Overcome", "ratio"),
            Column("meetings", "Mtgs after"),
            Column("won", "Mtgs/call", "ratio"),
        ],
        rows,
        {"objection": "Total", "raised": total_raised, "calls": calls_with,
         "share": m.Ratio(total_raised, total_raised),
         "overcome": m.Ratio(sum(s.overcome for s in stats), total_raised),
         "meetings": meetings_with, "won": m.Ratio(meetings_with, calls_with)},
        notes,
    )


REP_BREAKDOWN = FunnelBreakdown(
    "rep", "Leaderboard by rep",
    grouping=REP,
    first=(Column("rep", "Rep", "text"),),
    slices=lambda s, f, rows: sl.rep_slices(s, rows),
)
LIST_BREAKDOWN = FunnelBreakdown(
    "list", "By call list",
    grouping=LIST,
    first=(Column("list", "List", "text"), Column("cluster", "Cluster", "text")),
    slices=lambda s, f, rows: sl.list_slices(s, rows),
    funnel_columns=SPLIT_COLUMNS,
    extend=_split_note("list"),
)
CLUSTER_BREAKDOWN = FunnelBreakdown(
    "cluster", "By cluster",
    grouping=CLUSTER,
    first=(Column("cluster", "Cluster", "text"),),
    slices=lambda s, f, rows: sl.cluster_slices(rows),
    funnel_columns=SPLIT_COLUMNS,
    extend=_split_note("cluster"),
)
WEEK_BREAKDOWN = FunnelBreakdown(
    "week", "By week",
    grouping=WEEK,
    first=(Column("week", "Week (Mon)", "text"),),
    slices=lambda s, f, rows: sl.week_slices(f, rows),
    extend=_week_goals,
)
HOUR_BREAKDOWN = FunnelBreakdown(
    "hour", "Connect rate by hour of day",
    grouping=HOUR,
    first=lambda f: (Column("hour", f"Hour ({f.zone})", "text"),),
    slices=lambda s, f, rows: sl.hour_slices(rows),
    funnel_columns=TIME_COLUMNS,
    rate_chart=True,
)
WEEKDAY_BREAKDOWN = FunnelBreakdown(
    "weekday", "Connect rate by weekday",
    grouping=WEEKDAY,
    first=(Column("weekday", "Weekday", "text"),),
    slices=lambda s, f, rows: sl.weekday_slices(rows),
    funnel_columns=TIME_COLUMNS,
    rate_chart=True,
)
OBJECTION_BREAKDOWN = Breakdown("objection", "Objections", objection_table)
DRILL_BREAKDOWN = Breakdown("drill", drill_report.TITLE, drill_report.drill_table)

#: The built-in breakdowns, in the order the CLI lists them.
BUILT_IN: tuple[Breakdown, ...] = (
    REP_BREAKDOWN, LIST_BREAKDOWN, CLUSTER_BREAKDOWN, WEEK_BREAKDOWN, HOUR_BREAKDOWN,
    WEEKDAY_BREAKDOWN, OBJECTION_BREAKDOWN, DRILL_BREAKDOWN,
)

_registry: dict[str, Breakdown] | None = None


def _broken(name: str, message: str) -> Breakdown:
    """A placeholder for a plug-in that failed to load: asking for it raises ``message``."""

    def fail(session: Session, f: ReportFilter) -> ReportTable:
        raise ReportError(message)

    return Breakdown(name, name, fail, )


def _load(ep: EntryPoint) -> Breakdown:
    """The breakdown an entry point names, or a placeholder carrying a one-line error."""
    where = f"breakdown plug-in {ep.name!r} ({ep.value})"
    try:
        obj = ep.load()
    except Exception as exc:  # any failure of third-party code: one line, not a traceback
        return _broken(ep.name, f"{where}: cannot load: {type(exc).__name__}: {exc}")
    if not isinstance(obj, Breakdown):
        return _broken(ep.name, f"{where}: expected a Breakdown, got {type(obj).__name__}")
    if obj.name != ep.name:
        return _broken(ep.name, f"{where}: the Breakdown is named {obj.name!r}")
    return obj


def registry() -> dict[str, Breakdown]:
    """Every breakdown by name: built-in first, then entry-point plug-ins by name (loaded
    once, on first use)."""
    global _registry
    if _registry is None:
        found = {b.name: b for b in BUILT_IN}
        plugins = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
        for ep in plugins:
            if ep.name in found:
                continue  # a built-in name (or a second plug-in of that name) is kept
            found[ep.name] = _load(ep)
        _registry = found
    return _registry


def reload_registry() -> dict[str, Breakdown]:
    """Forget the loaded plug-ins and read the entry points again (after installing one)."""
    global _registry
    _registry = None
    return registry()


def breakdown_names() -> list[str]:
    """Every ``--by`` value (built-in first, then plug-ins)."""
    return list(registry())


def breakdown_help() -> str:
    """The ``--by`` choices for help text: ``rep | list | ...`` in registry order."""
    return " | ".join(registry())


def get_breakdown(by: str) -> Breakdown:
    """The breakdown named ``by``; a one-line error for an unknown name."""
    found = registry()
    if by not in found:
        raise ReportError(f"--by {by!r}: expected one of {', '.join(found)}")
    return found[by]


def build_report(session: Session, by: str, f: ReportFilter) -> ReportTable:
    """The table for ``--by``; a one-line error for an unknown breakdown."""
    return get_breakdown(by).table(session, f)
