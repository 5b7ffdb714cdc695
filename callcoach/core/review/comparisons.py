"""Month over month: the calendar month holding the period's end against the month before."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlmodel import Session

from callcoach.core.review.filters import ReportFilter
from callcoach.core.review.funnels import Funnel, grouped_funnels
from callcoach.core.review.slices import month_slices


def previous_month_filter(f: ReportFilter) -> tuple[ReportFilter, ReportFilter]:
    """The calendar month holding ``f.until`` and the month before (month-over-month)."""
    first = f.until.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    prev_last = first - timedelta(days=1)
    prev_first = prev_last.replace(day=1)
    this = replace(f, since=first, until=last, label=first.strftime("%B %Y"))
    prev = replace(f, since=prev_first, until=prev_last, label=prev_first.strftime("%B %Y"))
    return this, prev


def month_over_month(
    session: Session, f: ReportFilter
) -> tuple[tuple[ReportFilter, Funnel], tuple[ReportFilter, Funnel]]:
    """The funnels of :func:`previous_month_filter`'s two months, from one statement."""
    this, prev = previous_month_filter(f)
    both = replace(f, since=prev.since, until=this.until, label="")
    before, after = month_slices(both, grouped_funnels(session, both, "month"))
    return (this, after.funnel), (prev, before.funnel)
