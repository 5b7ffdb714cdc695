"""Funnels as labelled, ordered rows (slices): the leaderboard, lists, clusters, weeks,
months, hours and weekdays that the dashboard and the report tables show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.core.review import metrics as m
from callcoach.core.review.filters import WEEKDAYS, ReportFilter
from callcoach.core.review.funnels import Funnel, Rows, cluster_label, funnels, grouped_funnels
from callcoach.storage.models import CallList, Rep


def _reps(session: Session, ids: Sequence[int]) -> dict[int, Rep]:
    if not ids:
        return {}
    rows = session.execute(sa.select(Rep).where(col(Rep.id).in_(list(ids)))).scalars()
    return {int(r.id): r for r in rows if r.id is not None}


def _lists(session: Session, ids: Sequence[int]) -> dict[int, CallList]:
    if not ids:
        return {}
    rows = session.execute(sa.select(CallList).where(col(CallList.id).in_(list(ids)))).scalars()
    return {int(r.id): r for r in rows if r.id is not None}


@dataclass(frozen=True)
class Slice:
    """One labelled row of a breakdown."""

    key: Any
    label: str
    funnel: Funnel
    extra: dict[str, Any] = field(default_factory=dict)


def rep_slices(session: Session, rows: Rows) -> list[Slice]:
    """Leaderboard order: most meetings first, then most dials."""
    reps = _reps(session, [k for k, _ in rows])
    out = [Slice(k, reps[k].name if k in reps else f"rep {k}", fu) for k, fu in rows]
    return sorted(out, key=lambda s: (-s.funnel.meetings, -s.funnel.dials, s.label.lower()))


def by_rep(session: Session, f: ReportFilter) -> list[Slice]:
    """Leaderboard: one slice per rep, most meetings first, then most dials."""
    return rep_slices(session, grouped_funnels(session, f, "rep"))


def list_slices(session: Session, rows: Rows) -> list[Slice]:
    """One slice per call list with its cluster, most meetings per dial first."""
    lists = _lists(session, [k for k, _ in rows])
    out = []
    for k, fu in rows:
        cl = lists.get(k)
        cluster = "-" if cl is None else cluster_label(cl.cluster_dimension, cl.cluster_value)
        out.append(Slice(k, cl.name if cl else f"list {k}", fu, {"cluster": cluster}))
    return sorted(
        out, key=lambda s: (-(s.funnel.set_per_dial.value or 0), -s.funnel.dials, s.label.lower())
    )


def by_list(session: Session, f: ReportFilter) -> list[Slice]:
    """One slice per call list with its cluster, most meetings per dial first."""
    return list_slices(session, grouped_funnels(session, f, "list"))


def week_slices(
    f: ReportFilter, rows: Rows, fill: bool = True
) -> list[Slice]:
    """One slice per week (Monday start) in the period, empty weeks included."""
    found = {int(k): fu for k, fu in rows}
    first, last = m.week_number(f.since), m.week_number(f.until)
    keys = range(first, last + 1) if fill else sorted(found)
    return [
        Slice(m.week_start_of(n), m.week_start_of(n).isoformat(), found.get(n, Funnel()))
        for n in keys
    ]


def month_slices(f: ReportFilter, rows: Rows) -> list[Slice]:
    """One slice per calendar month in the period (keyed by its first day), empty included."""
    found = {int(k): fu for k, fu in rows}
    first = f.since.year * 12 + f.since.month - 1
    last = f.until.year * 12 + f.until.month - 1
    return [
        Slice(date(n // 12, n % 12 + 1, 1), date(n // 12, n % 12 + 1, 1).strftime("%B %Y"),
              found.get(n, Funnel()))
        for n in range(first, last + 1)
    ]


def by_week(session: Session, f: ReportFilter, fill: bool = True) -> list[Slice]:
    """One slice per week (Monday start) in the period, empty weeks included."""
    return week_slices(f, grouped_funnels(session, f, "week"), fill)


def hour_slices(rows: Rows) -> list[Slice]:
    """One slice per local hour of day that has dials."""
    return [Slice(int(k), f"{int(k):02d}:00", fu) for k, fu in rows]


def by_hour(session: Session, f: ReportFilter) -> list[Slice]:
    """One slice per local hour of day that has dials."""
    return hour_slices(grouped_funnels(session, f, "hour"))


def weekday_slices(rows: Rows) -> list[Slice]:
    """One slice per local weekday that has dials (Monday first)."""
    return [Slice(int(k), WEEKDAYS[int(k)], fu) for k, fu in rows]


def by_weekday(session: Session, f: ReportFilter) -> list[Slice]:
    """One slice per local weekday that has dials (Monday first)."""
    return weekday_slices(grouped_funnels(session, f, "weekday"))


def cluster_slices(rows: Rows) -> list[Slice]:
    """One slice per cluster (dimension and value) across lists, best booking first, from
    the ``cluster`` grouping of :func:`funnels`.

    The database groups each call by its list's cluster label (a ``CASE`` over the few
    list ids, no join with the lists table, which made a year-long report twice as slow).
    """
    out = [Slice(label, label, fu) for label, fu in rows]
    return sorted(
        out, key=lambda s: (-(s.funnel.set_per_dial.value or 0), -s.funnel.dials, s.label)
    )


def lists_and_clusters(session: Session, f: ReportFilter) -> tuple[list[Slice], list[Slice]]:
    """:func:`by_list` and :func:`by_cluster` from one statement (the dashboard's Lists)."""
    rows, _ = funnels(session, f, ("list", "cluster"))
    return list_slices(session, rows["list"]), cluster_slices(rows["cluster"])


def by_cluster(session: Session, f: ReportFilter) -> list[Slice]:
    """One slice per cluster (dimension and value) across lists, best booking first."""
    return cluster_slices(grouped_funnels(session, f, "cluster"))

