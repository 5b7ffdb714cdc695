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
(:class:`CountChange`, :class:`RateChange`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from callcoach.core.review import metrics as m
from callcoach.core.review.filters import ReportFilter
from callcoach.core.review.funnels import Funnel, LoggedGrouping, funnels

#: Below this many in the previous period a change is shown as a count only (``+3``),
#: never as a percentage (``+150%``); a rate's change needs this many in both denominators.
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


def _period_key(c: Comparison) -> LoggedGrouping:
    """0 for a call logged in the previous period, 1 in the current one, else 2 (between
    the previous period's cutoff and the current start): one statement counts both."""
    prev_end = int(c.previous.end_utc.timestamp())
    cur_start = int(c.current.start_utc.timestamp())

    def key(epoch: sa.ColumnElement, f: ReportFilter) -> sa.ColumnElement:
        return sa.case((epoch < prev_end, 0), (epoch >= cur_start, 1), else_=2)

    return LoggedGrouping("period", key)


def compare_funnels(session: Session, c: Comparison) -> tuple[Funnel, Funnel]:
    """(current, previous) whole funnels, from one statement over both periods."""
    both = replace(c.current, since=c.previous.since, cutoff=None, label="")
    rows, _ = funnels(session, both, (_period_key(c),))
    found = dict(rows["period"])
    return found.get(1, Funnel()), found.get(0, Funnel())


# ---------------------------------------------------------------------------------------
# Changes, shown without bare percentages of small numbers


@dataclass(frozen=True)
class CountChange:
    """A count now and before: ``+3`` (a percentage only from :data:`SMALL` before on)."""

    now: float
    before: float

    @property
    def diff(self) -> float:
        """Now minus before."""
        return self.now - self.before

    @property
    def pct(self) -> float | None:
        """Percent change, only when the previous count is not small."""
        if self.before < SMALL:
            return None
        return round(self.diff * 100 / self.before, 1)

    def _num(self, v: float) -> str:
        return f"{v:+.1f}" if isinstance(v, float) and not v.is_integer() else f"{int(v):+d}"

    def text(self) -> str:
        """``+3`` or ``+120 (+25%)``."""
        pct = self.pct
        return self._num(self.diff) + ("" if pct is None else f" ({pct:+g}%)")

    def as_json(self) -> dict[str, object]:
        """Counts, difference and (when not small) percent for JSON."""
        return {"now": self.now, "before": self.before, "diff": self.diff, "pct": self.pct}


@dataclass(frozen=True)
class RateChange:
    """A rate now and before: ``+2.1 pts`` when both rest on at least :data:`SMALL` counts,
    else both rates with their counts (``3/10 vs 1/8``)."""

    now: m.Ratio
    before: m.Ratio

    @property
    def points(self) -> float | None:
        """The change in percentage points, only when neither rate is small."""
        if self.now.den < SMALL or self.before.den < SMALL:
            return None
        assert self.now.pct is not None and self.before.pct is not None
        return round(self.now.pct - self.before.pct, 1)

    def text(self) -> str:
        """``+2.1 pts`` or ``3/10 vs 1/8`` (small counts) or ``-`` (nothing to divide)."""
        if not self.now.den and not self.before.den:
            return "-"
        pts = self.points
        if pts is None:
            return f"{self.now.num}/{self.now.den} vs {self.before.num}/{self.before.den}"
        return f"{pts:+.1f} pts"

    def as_json(self) -> dict[str, object]:
        """Both rates and (when not small) the change in points."""
        return {"now": self.now.as_json(), "before": self.before.as_json(),
                "points": self.points}


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
