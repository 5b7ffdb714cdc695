"""Manager review in one import: the public names of the report modules.

Every figure is aggregated in SQL with the definitions in :mod:`callcoach.core.review.metrics`;
the dashboard, ``callcoach report`` (table, CSV, JSON, HTML) and the planner call the same
functions, so their numbers agree to the digit. Where each part lives:

- :mod:`~callcoach.core.review.filters`: the period, zone, reps and lists a report covers;
- :mod:`~callcoach.core.review.funnels`: the funnel and the groupings it is counted by;
- :mod:`~callcoach.core.review.slices`: funnels as labelled, ordered rows;
- :mod:`~callcoach.core.review.objections`: objection frequency and wins;
- :mod:`~callcoach.core.review.rep_view`: one rep's recent blocks, best and worst lists;
- :mod:`~callcoach.core.review.tables`: the columns and rows every format renders;
- :mod:`~callcoach.core.review.breakdowns`: every ``--by`` value, registered once (plug-ins
  through the ``callcoach.breakdowns`` entry-point group);
- :mod:`~callcoach.core.review.comparisons`: month over month.
"""

from __future__ import annotations

from callcoach.core.review.breakdowns import (
    BUILT_IN,
    ENTRY_POINT_GROUP,
    Breakdown,
    FunnelBreakdown,
    breakdown_help,
    breakdown_names,
    build_report,
    get_breakdown,
    registry,
)
from callcoach.core.review.comparisons import month_over_month, previous_month_filter
from callcoach.core.review.filters import (
    PERIODS,
    WEEKDAYS,
    ReportError,
    ReportFilter,
    attempt_conditions,
    list_choices,
    local_zone_name,
    make_filter,
    parse_date,
    parse_zone,
    period_dates,
    reads_whole_history,
    rep_choices,
    resolve_filter,
    resolve_list_ids,
    resolve_rep_ids,
    with_scope,
)
from callcoach.core.review.funnels import (
    GROUPINGS,
    Funnel,
    Grouping,
    Rows,
    cluster_label,
    funnel,
    funnels,
    grouped_funnels,
    slots_align,
)
from callcoach.core.review.objections import (
    ObjectionStat,
    OrderStat,
    meetings_by_objection_order,
    objection_analysis,
    objection_stats,
)
from callcoach.core.review.rep_view import BlockSummary, best_and_worst_lists, last_blocks
from callcoach.core.review.slices import (
    Slice,
    by_cluster,
    by_hour,
    by_list,
    by_rep,
    by_week,
    by_weekday,
    cluster_slices,
    hour_slices,
    list_slices,
    lists_and_clusters,
    month_slices,
    rep_slices,
    week_slices,
    weekday_slices,
)
from callcoach.core.review.tables import FUNNEL_COLUMNS, Column, ReportTable, funnel_values

__all__ = [
    "BUILT_IN", "ENTRY_POINT_GROUP", "FUNNEL_COLUMNS", "GROUPINGS", "PERIODS", "WEEKDAYS",
    "BlockSummary", "Breakdown", "Column", "Funnel", "FunnelBreakdown", "Grouping",
    "ObjectionStat", "OrderStat", "ReportError", "ReportFilter", "ReportTable", "Rows", "Slice",
    "attempt_conditions", "best_and_worst_lists", "breakdown_help", "breakdown_names",
    "build_report", "by_cluster", "by_hour", "by_list", "by_rep", "by_week", "by_weekday",
    "cluster_label", "cluster_slices", "funnel", "funnel_values", "funnels",
    "get_breakdown", "grouped_funnels", "hour_slices", "last_blocks", "list_choices",
    "list_slices", "lists_and_clusters", "local_zone_name", "make_filter",
    "meetings_by_objection_order", "month_over_month", "month_slices", "objection_analysis",
    "objection_stats", "parse_date", "parse_zone", "period_dates", "previous_month_filter",
    "reads_whole_history", "registry", "rep_choices", "rep_slices", "resolve_filter",
    "resolve_list_ids", "resolve_rep_ids", "slots_align", "week_slices", "weekday_slices",
    "with_scope",
]
