"""Which calls a report covers: the period, display zone, reps and lists, and the SQL
conditions that select those calls."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.core.reps import unknown_rep
from callcoach.core.review import metrics as m
from callcoach.errors import CallcoachError
from callcoach.storage.models import CallAttempt, CallList, Rep
from callcoach.storage.sql import reports as report_sql


class ReportError(CallcoachError):
    """A report request is unusable (bad date, zone, period, rep or list)."""



PERIODS = ("this-week", "last-week", "this-month", "last-month", "custom")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def local_zone_name() -> str:
    """The machine's IANA time zone: $TZ, else /etc/localtime's target, else UTC."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz:
        try:
            ZoneInfo(tz)
            return tz
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            ZoneInfo(name)
            return name
    except (OSError, ZoneInfoNotFoundError, ValueError):
        pass
    return "UTC"


def parse_zone(name: str | None) -> ZoneInfo:
    """A display time zone by IANA name (None: the machine's zone)."""
    name = name or local_zone_name()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ReportError(f"time zone {name!r}: not an IANA zone name like Europe/Paris") from None


def parse_date(text: str, what: str = "date") -> date:
    """A YYYY-MM-DD date, or a one-line error naming the flag and value."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ReportError(f"{what} {text!r}: expected a date like 2026-11-23") from None


@dataclass(frozen=True)
class ReportFilter:
    """Which calls a report covers: local dates (inclusive) in a display zone, reps, lists."""

    since: date
    until: date
    zone: str = "UTC"
    rep_ids: tuple[int, ...] = ()
    list_ids: tuple[int, ...] = ()
    label: str = ""
    rep_names: tuple[str, ...] = ()
    list_names: tuple[str, ...] = ()
    #: An instant (aware) the period stops at before the end of ``until``: the previous
    #: period of a comparison to date (last week up to this weekday and time).
    cutoff: datetime | None = None

    def __post_init__(self) -> None:
        if self.until < self.since:
            raise ReportError(f"period {self.since} .. {self.until}: the end is before the start")

    @property
    def tz(self) -> ZoneInfo:
        """The display zone."""
        return ZoneInfo(self.zone)

    @property
    def start_utc(self) -> datetime:
        """First instant covered (local midnight of ``since``)."""
        return m.to_utc(self.since, self.tz)

    @property
    def end_utc(self) -> datetime:
        """First instant after the period: local midnight after ``until``, or the cutoff
        when that comes first."""
        end = m.to_utc(self.until + timedelta(days=1), self.tz)
        return end if self.cutoff is None else min(end, self.cutoff.astimezone(end.tzinfo))

    @property
    def days(self) -> int:
        """Days in the period."""
        return (self.until - self.since).days + 1

    def describe(self) -> str:
        """``2026-11-16 .. 2026-11-22 (last week, America/New_York)``."""
        label = f"{self.label}, " if self.label else ""
        until = str(self.until)
        if self.cutoff is not None and self.end_utc == self.cutoff:
            until += " " + self.cutoff.astimezone(self.tz).strftime("%H:%M")
        return f"{self.since} .. {until} ({label}{self.zone})"

    def scope(self) -> str:
        """Who and which lists: ``reps Ana; lists SaaS East`` or ``all reps, all lists``."""
        reps = "reps " + ", ".join(self.rep_names) if self.rep_names else "all reps"
        lists = "lists " + ", ".join(self.list_names) if self.list_names else "all lists"
        return f"{reps}; {lists}"


def period_dates(period: str, today: date) -> tuple[date, date]:
    """(since, until) of a named period around ``today`` (weeks start on Monday)."""
    monday = today - timedelta(days=today.weekday())
    if period == "this-week":
        return monday, monday + timedelta(days=6)
    if period == "last-week":
        return monday - timedelta(days=7), monday - timedelta(days=1)
    first = today.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    if period == "this-month":
        return first, next_first - timedelta(days=1)
    if period == "last-month":
        prev_first = (first - timedelta(days=1)).replace(day=1)
        return prev_first, first - timedelta(days=1)
    raise ReportError(f"period {period!r}: expected one of {', '.join(PERIODS[:-1])}")


def make_filter(
    now: datetime,
    zone: str | None = None,
    period: str | None = "this-week",
    since: str | date | None = None,
    until: str | date | None = None,
    rep_ids: Sequence[int] = (),
    list_ids: Sequence[int] = (),
) -> ReportFilter:
    """A filter from a named period and/or explicit dates (explicit dates win)."""
    tz = parse_zone(zone)
    today = now.astimezone(tz).date()
    label = ""
    if since is None and until is None and period and period != "custom":
        start, end = period_dates(period, today)
        label = period.replace("-", " ")
    else:
        given_start = parse_date(since, "--since") if isinstance(since, str) else since
        given_end = parse_date(until, "--until") if isinstance(until, str) else until
        if given_start is None and given_end is None:
            start, end = period_dates("this-week", today)
            label = "this week"
        elif given_start is None:
            assert given_end is not None
            start, end = given_end - timedelta(days=27), given_end
        elif given_end is None:
            start, end = given_start, max(today, given_start)
        else:
            start, end = given_start, given_end
    return ReportFilter(
        since=start,
        until=end,
        zone=tz.key,
        rep_ids=tuple(rep_ids),
        list_ids=tuple(list_ids),
        label=label,
    )


def resolve_rep_ids(
    session: Session, names: Sequence[str], flag: str = "--rep"
) -> tuple[int, ...]:
    """Rep ids for names (case-insensitive), or a one-line error naming the unknown one
    with close matches (no rep is ever created here)."""
    ids = []
    for name in names:
        rep = session.execute(
            sa.select(col(Rep.id)).where(sa.func.lower(col(Rep.name)) == name.strip().lower())
        ).scalar()
        if rep is None:
            raise ReportError(str(unknown_rep(session, name, flag)))
        ids.append(int(rep))
    return tuple(ids)


def resolve_list_ids(session: Session, names: Sequence[str]) -> tuple[int, ...]:
    """List ids for names (case-insensitive), or a one-line error naming the unknown one."""
    ids = []
    for name in names:
        found = session.execute(
            sa.select(col(CallList.id))
            .where(sa.func.lower(col(CallList.name)) == name.strip().lower())
        ).scalar()
        if found is None:
            raise ReportError(f"--list {name!r}: no such call list")
        ids.append(int(found))
    return tuple(ids)


def resolve_filter(
    session: Session,
    now: datetime,
    zone: str | None = None,
    period: str | None = "this-week",
    since: str | date | None = None,
    until: str | date | None = None,
    reps: Sequence[str] = (),
    lists: Sequence[str] = (),
) -> ReportFilter:
    """A filter from names as typed (CLI/TUI): checks dates, zone, reps and lists."""
    f = make_filter(now, zone, period, since, until)
    rep_ids = resolve_rep_ids(session, reps)
    list_ids = resolve_list_ids(session, lists)
    rep_names = tuple(rep.name for i in rep_ids if (rep := session.get(Rep, i)) is not None)
    list_names = tuple(
        cl.name for i in list_ids if (cl := session.get(CallList, i)) is not None
    )
    return replace(f, rep_ids=rep_ids, list_ids=list_ids, rep_names=rep_names,
                   list_names=list_names)


def rep_choices(session: Session) -> list[tuple[str, int]]:
    """(name, id) of every rep, by name: the dashboard's rep filter."""
    rows = session.execute(
        sa.select(col(Rep.name), col(Rep.id)).order_by(col(Rep.name))
    ).all()
    return [(r.name, int(r.id)) for r in rows]


def list_choices(session: Session) -> list[tuple[str, int]]:
    """(name, id) of every call list, by name: the dashboard's list filter."""
    rows = session.execute(
        sa.select(col(CallList.name), col(CallList.id)).order_by(col(CallList.name))
    ).all()
    return [(r.name, int(r.id)) for r in rows]


def with_scope(
    session: Session, f: ReportFilter, rep_ids: Sequence[int], list_ids: Sequence[int]
) -> ReportFilter:
    """``f`` narrowed to reps and lists by id, with their names for headings."""
    reps = dict((i, n) for n, i in rep_choices(session))
    lists = dict((i, n) for n, i in list_choices(session))
    return replace(
        f,
        rep_ids=tuple(rep_ids),
        list_ids=tuple(list_ids),
        rep_names=tuple(reps.get(i, f"rep {i}") for i in rep_ids),
        list_names=tuple(lists.get(i, f"list {i}") for i in list_ids),
    )


def reads_whole_history(session: Session, f: ReportFilter) -> bool:
    """True when SQLite should read every call in index order for this filter (see
    :data:`callcoach.storage.sql.reports.LONG_SHARE`)."""
    return report_sql.reads_whole_history(session, f.start_utc, f.end_utc)


def epoch_bounds(f: ReportFilter) -> tuple[int, int]:
    """The period as whole epoch seconds (local midnights always fall on a whole second)."""
    return int(f.start_utc.timestamp()), int(f.end_utc.timestamp())


def attempt_conditions(
    f: ReportFilter, attempt: type[CallAttempt] = CallAttempt, long: bool = False
) -> list[sa.ColumnElement[bool]]:
    """WHERE conditions for attempts inside the filter (logged, in period, reps, lists).

    ``long`` (see :func:`reads_whole_history`) writes the period so that SQLite cannot read
    it through the logged_at index.
    """
    logged_at: sa.SQLColumnExpression[Any] = col(attempt.logged_at)
    if long:
        # Same value, but not indexable: SQLite then scans instead of index-then-lookup.
        logged_at = sa.func.coalesce(col(attempt.logged_at), col(attempt.logged_at))
    conds = [
        m.logged(attempt),
        logged_at >= f.start_utc,
        logged_at < f.end_utc,
    ]
    if f.rep_ids:
        conds.append(col(attempt.rep_id).in_(f.rep_ids))
    if f.list_ids:
        conds.append(col(attempt.list_id).in_(f.list_ids))
    return conds
