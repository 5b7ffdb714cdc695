"""Prime time in the prospects' local time: calls by hour of day and weekday as the phone
rang where the prospect is (each contact's time zone, derived from the number at import),
not in the viewer's zone.

The dashboard shows prime time in the viewer's zone by default (the same figures as
``report --by hour``); a rep calling three US time zones from New York needs to know that
their 11:00 connects were the West Coast's 8:00. Contacts without a known zone are counted
in the viewer's zone, and the result says how many dials that was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.core.review import metrics as m
from callcoach.core.review.filters import ReportFilter, attempt_conditions
from callcoach.core.review.funnels import Funnel
from callcoach.core.review.slices import Slice, hour_slices, weekday_slices
from callcoach.storage.models import CallAttempt, Contact
from callcoach.storage.sql import reports as report_sql


@dataclass(frozen=True)
class ProspectTime:
    """Slices by the prospect's local hour and weekday, and what they are made of."""

    hours: list[Slice]
    weekdays: list[Slice]
    zones: list[str]  # the prospects' zones the calls were in
    unzoned_dials: int  # dials to contacts without a known zone (counted in the viewer's)


def _zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def prospect_time(session: Session, f: ReportFilter) -> ProspectTime:
    """Dials, connects, conversations and meetings by the prospect's local hour and weekday
    (two statements: the zones present, then the counts)."""
    a, c = CallAttempt, Contact
    conds = attempt_conditions(f)
    names = [
        n for (n,) in session.execute(
            sa.select(col(c.timezone)).join(a, col(a.contact_id) == col(c.id))
            .where(*conds).distinct()
        )
    ]
    zones = {n: z for n in names if (z := _zone(n)) is not None}
    epoch = report_sql.epoch_seconds(session, a.__table__.c.dialed_at)  # type: ignore[attr-defined]  # SQLModel tables have __table__
    start, end = f.start_utc - timedelta(days=1), f.end_utc

    def local(zone: ZoneInfo) -> sa.ColumnElement:
        return m.local_epoch(epoch, zone, start, end)

    if zones:
        shifted: sa.ColumnElement = sa.case(
            {n: local(z) for n, z in sorted(zones.items())}, value=col(c.timezone),
            else_=local(f.tz),
        )
    else:
        shifted = local(f.tz)
    hour = m.hour_bucket(shifted).label("hour")
    weekday = m.weekday_bucket(shifted).label("weekday")
    unzoned = sa.case((col(c.timezone).in_(list(zones)), 0), else_=1) if zones else sa.literal(1)
    stmt = (
        sa.select(
            hour, weekday, sa.func.count().label("dials"),
            sa.func.sum(m.connect_flag(a)).label("connects"),
            sa.func.sum(m.conversation_flag(a)).label("conversations"),
            sa.func.sum(m.meeting_flag(a)).label("meetings"),
            sa.func.sum(unzoned).label("unzoned"),
        )
        .select_from(a)
        .join(c, col(c.id) == col(a.contact_id))
        .where(*conds)
        .group_by(hour, weekday)
    )
    by_hour: dict[int, Funnel] = {}
    by_day: dict[int, Funnel] = {}
    unzoned_dials = 0
    for h, d, dials, connects, conversations, meetings, nz in session.execute(stmt):
        fu = Funnel(dials=int(dials), connects=int(connects or 0),
                    conversations=int(conversations or 0), meetings=int(meetings or 0))
        by_hour[int(h)] = by_hour.get(int(h), Funnel()) + fu
        by_day[int(d)] = by_day.get(int(d), Funnel()) + fu
        unzoned_dials += int(nz or 0)
    return ProspectTime(
        hour_slices(sorted(by_hour.items())),
        weekday_slices(sorted(by_day.items())),
        sorted(zones),
        unzoned_dials,
    )
