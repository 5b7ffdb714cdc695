"""Like-for-like comparisons: a period against the previous comparable one.

The rule (:func:`comparable`):

- a calendar week still under way (week to date) against last week up to the same
  weekday and time (Wednesday 10:00 against last Wednesday 10:00);
- a calendar month still under way (month to date) against the previous month up to the
  same day and time (the 3rd 10:00 against the 3rd 10:00; the whole previous month when
  it is shorter than today's day);
- any other period still under way against the same number of days just before it, up to
  the same time;
- a period that is over (or not begun) against the whole previous period: the previous
  calendar month for a month, else the same number of days just before.

Changes are shown so that small numbers never read as bare percentages
(:class:`~callcoach.core.review.metrics.CountChange` and ``RateChange``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from callcoach.core.review import metrics as m
from callcoach.core.review.breakdowns import get_breakdown
from callcoach.core.review.filters import ReportFilter
from callcoach.core.review.funnels import Funnel
from callcoach.core.review.metrics import CountChange, RateChange
from callcoach.core.review.tables import Column, ReportTable

#: Below this many a change is a count only (see :class:`~metrics.CountChange`).
SMALL = m.SMALL_SAMPLE


def _month_end(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _is_month(f: ReportFilter) -> bool:
    return f.since.day == 1 and f.until == _month_end(f.since)


def _is_week(f: ReportFilter) -> bool:
    return f.since.weekday() == 0 and f.days == 7


def _at(day: date, clock_time: datetime, f: ReportFilter) -> datetime:
    """``day`` at the local wall-clock time of ``clock_time``, as aware UTC."""
    local = clock_time.astimezone(f.tz)
    return datetime(day.year, day.month, day.day, local.hour, local.minute,
                    tzinfo=f.tz).astimezone(UTC)


@dataclass(frozen=True)
class Comparison:
    """A period and the previous comparable one, with the rule that paired them."""

    current: ReportFilter
    previous: ReportFilter
    rule: str  # "week to date", "month to date", "to date", "previous period"

    def describe(self) -> str:
        """``vs 2026-11-16 .. 2026-11-18 10:00 (last week to Wed 10:00)``."""
        return f"vs {self.previous.describe()}"


def comparable(f: ReportFilter, now: datetime) -> Comparison:
    """The previous period comparable to ``f`` at ``now`` (see the module's rule)."""
    local = now.astimezone(f.tz)
    today = local.date()
    hhmm = local.strftime("%H:%M")
    running = f.since <= today <= f.until
    if _is_month(f):
        prev_first = (f.since - timedelta(days=1)).replace(day=1)
        prev_last = f.since - timedelta(days=1)
        name = prev_first.strftime("%B %Y")
        if running and today.day <= prev_last.day:
            same = prev_first.replace(day=today.day)
            prev = replace(f, since=prev_first, until=same, cutoff=_at(same, now, f),
                           label=f"{name} to the {same.day} {hhmm}")
            return Comparison(f, prev, "month to date")
        prev = replace(f, since=prev_first, until=prev_last, cutoff=None, label=name)
        return Comparison(f, prev, "month to date" if running else "previous period")
    span = timedelta(days=f.days)
    since, until = f.since - span, f.until - span
    if running:
        same = today - span
        what = "last week" if _is_week(f) else f"the {f.days} days before"
        prev = replace(f, since=since, until=same, cutoff=_at(same, now, f),
                       label=f"{what} to {same.strftime('%a')} {hhmm}")
        return Comparison(f, prev, "week to date" if _is_week(f) else "to date")
    what = "the week before" if _is_week(f) else f"the {f.days} days before"
    return Comparison(f, replace(f, since=since, until=until, cutoff=None, label=what),
                      "previous period")


def change(now: object, before: object) -> CountChange | RateChange | None:
    """The change between two cells of a report (counts or rates), None otherwise."""
    if isinstance(now, m.Ratio) or isinstance(before, m.Ratio):
        zero = m.Ratio(0, 0)
        return RateChange(now if isinstance(now, m.Ratio) else zero,
                          before if isinstance(before, m.Ratio) else zero)
    if isinstance(now, int | float) or isinstance(before, int | float):
        a = now if isinstance(now, int | float) else 0
        b = before if isinstance(before, int | float) else 0
        return CountChange(a, b)
    return None


#: The figures of a funnel a comparison line shows, in order: (label, attribute).
LINE_FIGURES = (
    ("dials", "dials"), ("connects", "connects"), ("convs", "conversations"),
    ("mtgs", "meetings"), ("connect/dial", "connect_rate"), ("mtg/conv", "meeting_rate"),
)


def comparison_line(c: Comparison, now: Funnel, before: Funnel) -> str:
    """One line: the previous period and each figure's change (``dials 150 vs 120 +30``)."""
    parts = []
    for label, attr in LINE_FIGURES:
        a, b = getattr(now, attr), getattr(before, attr)
        ch = change(a, b)
        assert ch is not None
        if isinstance(a, m.Ratio):
            parts.append(f"{label} {ch.text()}")
        else:
            parts.append(f"{label} {a} vs {b} ({ch.text()})")
    return f"{c.describe()}: " + " · ".join(parts)


# ---------------------------------------------------------------------------------------
# A report table against the previous comparable period (``report --compare``)

#: The figures a compared table keeps, each followed by its previous value and change.
COMPARED = (
    "blocks", "dials", "connects", "conversations", "meetings", "raised", "calls",
    "connect_rate", "conversation_rate", "set_per_conversation", "set_per_dial", "overcome",
    "won",
)


def compare_tables(current: ReportTable, previous: ReportTable, c: Comparison) -> ReportTable:
    """``current``'s text columns and its :data:`COMPARED` figures, each followed by the
    previous period's value ("prev") and the change ("chg"). Rows are matched on their text
    columns (rep; trainee and objection...), weeks by their place in the period (the
    period's 1st week against the previous period's 1st); rows found only in the previous
    period come after the others."""
    text_cols = [col for col in current.columns if col.kind == "text"]

    def keys(rows: list[dict[str, Any]]) -> list[Any]:
        if current.by == "week":
            return list(range(len(rows)))
        return [tuple(row.get(col.key) for col in text_cols) for row in rows]

    figures = [col for col in current.columns if col.key in COMPARED]
    columns: list[Column] = list(text_cols)
    for col in figures:
        columns += [col, Column(f"{col.key}_prev", f"{col.header} prev", col.kind),
                    Column(f"{col.key}_change", f"{col.header} chg", "change")]
    before = dict(zip(keys(previous.rows), previous.rows, strict=True))

    def merged(now_row: dict[str, Any] | None, old_row: dict[str, Any] | None) -> dict[str, Any]:
        base = now_row if now_row is not None else old_row
        assert base is not None
        out = {col.key: base.get(col.key) for col in text_cols}
        for col in figures:
            a = None if now_row is None else now_row.get(col.key)
            b = None if old_row is None else old_row.get(col.key)
            out[col.key], out[f"{col.key}_prev"] = a, b
            out[f"{col.key}_change"] = change(a, b)
        return out

    rows = [merged(row, before.pop(k, None))
            for k, row in zip(keys(current.rows), current.rows, strict=True)]
    rows += [merged(None, row) for row in before.values()]
    totals = None
    if current.totals is not None:
        totals = merged(current.totals, previous.totals or {})
        for col in figures:  # a figure with no total (Shared) has no total change either
            if col.key not in current.totals:
                for k in (col.key, f"{col.key}_prev", f"{col.key}_change"):
                    totals.pop(k, None)
    notes = [
        f"Compared with {c.previous.describe()} ({c.rule}). A change is a count, with a "
        f"percentage only when the previous count is {SMALL} or more; a rate's change is "
        f"in points only when both rates rest on {SMALL} or more, else both are shown.",
        *current.notes,
    ]
    return ReportTable(current.by, f"{current.title}, compared", current.filter, columns,
                       rows, totals, notes, current.total,
                       comparison={"rule": c.rule, "previous": period_dict(c.previous)})


def period_dict(f: ReportFilter) -> dict[str, Any]:
    """A period as plain data (JSON): dates, the cutoff time if any, zone and label."""
    return {
        "since": f.since.isoformat(),
        "until": f.until.isoformat(),
        "until_time": (f.end_utc.astimezone(f.tz).strftime("%H:%M")
                       if f.cutoff is not None and f.end_utc == f.cutoff else None),
        "zone": f.zone,
        "label": f.label,
    }


def compared_report(session: Session, by: str, f: ReportFilter, now: datetime) -> ReportTable:
    """``report --by BY --compare``: the breakdown against the previous comparable period."""
    c = comparable(f, now)
    breakdown = get_breakdown(by)
    return compare_tables(breakdown.table(session, f), breakdown.table(session, c.previous), c)
