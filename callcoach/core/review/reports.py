"""Manager review: the funnel, breakdowns by rep/list/cluster/week/hour/weekday/objection.

Every figure is aggregated in SQL with the definitions in :mod:`callcoach.core.review.metrics`
(connects and conversations: the flags stored per attempt by those rules).
The dashboard, ``callcoach report`` (table, CSV, JSON, HTML) and the planner all call the
functions here, so their numbers agree to the digit.

Breakdowns are pluggable: a module ``callcoach/core/review/report_<name>.py`` that decorates a
``(session, ReportFilter) -> ReportTable`` function with :func:`register_breakdown` adds a
``--by`` value; :func:`load_breakdowns` imports such modules, and the CLI check and every
output format pick the breakdown up from :data:`BREAKDOWNS`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import Session

from callcoach.catalog.outcomes import Outcome
from callcoach.core.review import metrics as m
from callcoach.errors import CallcoachError
from callcoach.storage.models import (
    SLOT_SECONDS,
    AttemptObjection,
    CallAttempt,
    CallBlock,
    CallList,
    Meeting,
    Objection,
    Rep,
)


class ReportError(CallcoachError):
    """A report request is unusable (bad date, zone, period, rep or list)."""


# ---------------------------------------------------------------------------------------
# Filters


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
        """First instant after the period (local midnight after ``until``)."""
        return m.to_utc(self.until + timedelta(days=1), self.tz)

    @property
    def days(self) -> int:
        """Days in the period."""
        return (self.until - self.since).days + 1

    def describe(self) -> str:
        """``2026-11-16 .. 2026-11-22 (last week, America/New_York)``."""
        label = f"{self.label}, " if self.label else ""
        return f"{self.since} .. {self.until} ({label}{self.zone})"

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
        start = parse_date(since, "--since") if isinstance(since, str) else since
        end = parse_date(until, "--until") if isinstance(until, str) else until
        if start is None and end is None:
            start, end = period_dates("this-week", today)
            label = "this week"
        elif start is None:
            start = end - timedelta(days=27)  # type: ignore[operator]
        elif end is None:
            end = max(today, start)
    return ReportFilter(
        since=start,  # type: ignore[arg-type]
        until=end,  # type: ignore[arg-type]
        zone=tz.key,
        rep_ids=tuple(rep_ids),
        list_ids=tuple(list_ids),
        label=label,
    )


def resolve_rep_ids(session: Session, names: Sequence[str]) -> tuple[int, ...]:
    """Rep ids for names (case-insensitive), or a one-line error naming the unknown one."""
    ids = []
    for name in names:
        rep = session.execute(
            sa.select(Rep.id).where(sa.func.lower(Rep.name) == name.strip().lower())
        ).scalar()
        if rep is None:
            raise ReportError(f"--rep {name!r}: no such rep")
        ids.append(int(rep))
    return tuple(ids)


def resolve_list_ids(session: Session, names: Sequence[str]) -> tuple[int, ...]:
    """List ids for names (case-insensitive), or a one-line error naming the unknown one."""
    ids = []
    for name in names:
        found = session.execute(
            sa.select(CallList.id).where(sa.func.lower(CallList.name) == name.strip().lower())
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
    rep_names = tuple(
        session.get(Rep, i).name for i in rep_ids  # type: ignore[union-attr]
    )
    list_names = tuple(
        session.get(CallList, i).name for i in list_ids  # type: ignore[union-attr]
    )
    return replace(f, rep_ids=rep_ids, list_ids=list_ids, rep_names=rep_names,
                   list_names=list_names)


def rep_choices(session: Session) -> list[tuple[str, int]]:
    """(name, id) of every rep, by name: the dashboard's rep filter."""
    rows = session.execute(sa.select(Rep.name, Rep.id).order_by(Rep.name)).all()
    return [(r.name, int(r.id)) for r in rows]


def list_choices(session: Session) -> list[tuple[str, int]]:
    """(name, id) of every call list, by name: the dashboard's list filter."""
    rows = session.execute(sa.select(CallList.name, CallList.id).order_by(CallList.name)).all()
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


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


#: On SQLite, a period holding at least this share of the calls' history (first to last
#: logged call) is read whole, in index order (no table lookup, no sort), rather than
#: through the logged_at index (a table lookup per call, then a sort). Measured on a year of
#: 1,000,000 calls: even at two weeks (3.8% of the year), index order 1.8x faster at two
#: months.
LONG_SHARE = 0.05


def reads_whole_history(session: Session, f: ReportFilter) -> bool:
    """True when SQLite should read every call in index order for this filter (see above)."""
    if _dialect(session) != "sqlite":
        return False  # PostgreSQL's planner weighs this itself
    a = CallAttempt
    first, last = session.execute(
        sa.select(
            sa.select(sa.func.min(a.logged_at)).scalar_subquery(),  # two index probes
            sa.select(sa.func.max(a.logged_at)).scalar_subquery(),
        )
    ).one()
    if first is None:
        return False
    span = (last - first).total_seconds()
    covered = (min(f.end_utc, last) - max(f.start_utc, first)).total_seconds()
    return span > 0 and covered >= LONG_SHARE * span


def attempt_conditions(
    f: ReportFilter, attempt: type[CallAttempt] = CallAttempt, long: bool = False
) -> list:
    """WHERE conditions for attempts inside the filter (logged, in period, reps, lists).

    ``long`` (see :func:`reads_whole_history`) writes the period so that SQLite cannot read
    it through the logged_at index.
    """
    logged_at: sa.ColumnElement = attempt.logged_at
    if long:
        # Same value, but not indexable: SQLite then scans instead of index-then-lookup.
        logged_at = sa.func.coalesce(attempt.logged_at, attempt.logged_at)
    conds = [
        m.logged(attempt),
        logged_at >= f.start_utc,
        logged_at < f.end_utc,
    ]
    if f.rep_ids:
        conds.append(attempt.rep_id.in_(f.rep_ids))
    if f.list_ids:
        conds.append(attempt.list_id.in_(f.list_ids))
    return conds


# ---------------------------------------------------------------------------------------
# The funnel


@dataclass(frozen=True)
class Funnel:
    """Counts for one slice of calls; every rate is a :class:`~metrics.Ratio` of them."""

    dials: int = 0
    connects: int = 0
    conversations: int = 0
    meetings: int = 0
    held: int = 0
    held_known: int = 0
    blocks: int = 0
    talk_seconds: float = 0.0  # summed duration of connects with a duration
    timed_connects: int = 0
    long_calls: int = 0  # connects over three minutes
    dead_seconds: float = 0.0  # summed gaps before dials

    def __add__(self, other: Funnel) -> Funnel:
        """Field-by-field sum (for slices whose calls and blocks never overlap)."""
        return Funnel(**{k: getattr(self, k) + getattr(other, k) for k in _FUNNEL_FIELDS})

    @property
    def connect_rate(self) -> m.Ratio:
        """Connects per dial."""
        return m.Ratio(self.connects, self.dials)

    @property
    def conversation_rate(self) -> m.Ratio:
        """Conversations per connect."""
        return m.Ratio(self.conversations, self.connects)

    @property
    def meeting_rate(self) -> m.Ratio:
        """Meetings set per conversation (the appointment-set rate per conversation)."""
        return m.Ratio(self.meetings, self.conversations)

    @property
    def held_rate(self) -> m.Ratio:
        """Meetings held among meetings whose result is recorded."""
        return m.Ratio(self.held, self.held_known)

    @property
    def set_per_dial(self) -> m.Ratio:
        """Appointment-set rate per dial."""
        return m.Ratio(self.meetings, self.dials)

    @property
    def set_per_connect(self) -> m.Ratio:
        """Appointment-set rate per connect."""
        return m.Ratio(self.meetings, self.connects)

    @property
    def set_per_conversation(self) -> m.Ratio:
        """Appointment-set rate per conversation."""
        return m.Ratio(self.meetings, self.conversations)

    @property
    def conversation_per_dial(self) -> m.Ratio:
        """Conversations per dial (the planner's rate)."""
        return m.Ratio(self.conversations, self.dials)

    @property
    def avg_call_seconds(self) -> float | None:
        """Average length of a connect, seconds (None without timed connects)."""
        return self.talk_seconds / self.timed_connects if self.timed_connects else None

    @property
    def long_share(self) -> m.Ratio:
        """Connects over three minutes among timed connects."""
        return m.Ratio(self.long_calls, self.timed_connects)

    @property
    def dials_per_block(self) -> float | None:
        """Dials per block run."""
        return self.dials / self.blocks if self.blocks else None

    @property
    def dead_seconds_per_block(self) -> float | None:
        """Dead time (gaps before dials) per block run, seconds."""
        return self.dead_seconds / self.blocks if self.blocks else None


_FUNNEL_FIELDS = (
    "dials connects conversations meetings held held_known blocks talk_seconds "
    "timed_connects long_calls dead_seconds"
).split()
#: Counted over every dial (per block first, see :func:`funnels`).
_DIAL_FIELDS = ("dials", "dead_seconds", "blocks")
#: Counted over the answered calls only (``ix_attempt_answered``).
_ANSWERED_FIELDS = tuple(x for x in _FUNNEL_FIELDS if x not in _DIAL_FIELDS)


def _funnel_from(row: Any) -> Funnel:
    values = {}
    for name in _FUNNEL_FIELDS:
        v = getattr(row, name)
        values[name] = float(v or 0) if name.endswith("seconds") else int(v or 0)
    return Funnel(**values)


#: The breakdowns :func:`funnels` groups by (any of them in one statement).
#: "month" is the calendar month in the display zone (numbered year * 12 + month - 1).
GROUPINGS = ("rep", "list", "cluster", "week", "month", "hour", "weekday")


def _epoch_bounds(f: ReportFilter) -> tuple[int, int]:
    """The period as whole epoch seconds (local midnights always fall on a whole second)."""
    return int(f.start_utc.timestamp()), int(f.end_utc.timestamp())


def _dial_conditions(f: ReportFilter, a: sa.TableClause, long: bool) -> list:
    """Dials in the filter, on the generated ``logged_epoch`` (NULL while in progress).

    Short periods also bound ``logged_at`` so the database reads them through its index;
    long ones do not, so SQLite reads ``ix_attempt_report`` in block order and never sorts.
    """
    start, end = _epoch_bounds(f)
    conds = [a.c.logged_epoch >= start, a.c.logged_epoch < end]
    if not long:
        conds += [a.c.logged_at >= f.start_utc, a.c.logged_at < f.end_utc]
    if f.rep_ids:
        conds.append(a.c.rep_id.in_(f.rep_ids))
    if f.list_ids:
        conds.append(a.c.list_id.in_(f.list_ids))
    return conds


def answered(a: sa.TableClause) -> sa.ColumnElement[bool]:
    """Calls that count toward connects, conversations or meetings: the partial index's rows.

    Written exactly as ``ix_attempt_answered``'s WHERE clause, so the database sees that
    the index holds every such call (``meeting`` is a literal for the same reason).
    """
    return sa.or_(
        a.c.connected, a.c.conversation, a.c.outcome == sa.literal_column(f"'{MEETING}'")
    )


MEETING = Outcome.MEETING.value


def _answered_from(a: sa.TableClause) -> sa.FromClause:
    """Answered calls with the meeting each set, if any (``meeting.attempt_id`` is unique)."""
    is_meeting = a.c.outcome == sa.literal_column(f"'{MEETING}'")
    # A join, not a subquery per meeting: the same figures, and PostgreSQL's estimate stays
    # small (a subquery per row made it compile the statement just in time for ~1 s).
    return a.outerjoin(Meeting, sa.and_(Meeting.attempt_id == a.c.id, is_meeting))


def _answered_columns(a: sa.TableClause) -> list:
    """Counts over answered calls, as in the definitions (stored flags, outcome 7); read
    from :func:`_answered_from`."""
    connect = a.c.connected.is_(True)
    is_meeting = a.c.outcome == sa.literal_column(f"'{MEETING}'")
    count = sa.func.count
    return [
        count().filter(connect).label("connects"),
        count().filter(a.c.conversation.is_(True)).label("conversations"),
        count().filter(is_meeting).label("meetings"),
        count().filter(Meeting.held.is_(True)).label("held"),
        count(Meeting.held).label("held_known"),
        sa.func.sum(a.c.duration_seconds).filter(connect).label("talk_seconds"),
        count(a.c.duration_seconds).filter(connect).label("timed_connects"),
        count()
        .filter(sa.and_(connect, a.c.duration_seconds > m.LONG_CALL_SECONDS))
        .label("long_calls"),
    ]


def slots_align(f: ReportFilter) -> bool:
    """True when the zone's offsets and changes around the period fall on quarter hours.

    Then the quarter hour of a dial (``dialed_slot``) decides its local hour and weekday
    exactly; otherwise (no modern zone) :func:`funnels` reads each dial's own second.
    """
    offsets = m.zone_offsets(f.tz, f.start_utc - timedelta(days=1), f.end_utc)
    return all(
        off % SLOT_SECONDS == 0 and int(at.timestamp()) % SLOT_SECONDS == 0
        for at, off in offsets[1:]
    ) and offsets[0][1] % SLOT_SECONDS == 0


def _week_of(epoch: sa.ColumnElement, f: ReportFilter, dialect: str) -> sa.ColumnElement:
    """Local week number (see :func:`metrics.week_bucket`) of a logged epoch."""
    return m.week_bucket(m.local_epoch(epoch, f.tz, f.start_utc, f.end_utc), dialect)


def _month_of(epoch: sa.ColumnElement, f: ReportFilter, dialect: str) -> sa.ColumnElement:
    """Local calendar month (year * 12 + month - 1) of a logged epoch in the period: a CASE
    over the UTC instants at which the period's months start in the display zone."""
    del dialect  # the same SQL on both engines
    first = f.since.replace(day=1)
    months = [first]
    while (nxt := (months[-1] + timedelta(days=32)).replace(day=1)) <= f.until:
        months.append(nxt)
    number = [d.year * 12 + d.month - 1 for d in months]
    if len(months) == 1:
        return sa.literal(number[0])
    whens = [
        (epoch < int(m.to_utc(start, f.tz).timestamp()), sa.literal(n))
        for start, n in zip(months[1:], number[:-1], strict=True)
    ]
    return sa.case(*whens, else_=sa.literal(number[-1]))


#: Groupings on the logged instant: their key as a function of a logged epoch.
LOGGED_KEYS: dict[str, Callable[[sa.ColumnElement, ReportFilter, str], sa.ColumnElement]] = {
    "week": _week_of,
    "month": _month_of,
}


def _dial_time_key(
    by: str, epoch: sa.ColumnElement, f: ReportFilter, dialect: str
) -> sa.ColumnElement:
    """Local hour (0-23) or weekday (0 = Monday) of a dial's epoch seconds."""
    # Dials can start a little before the period's first logged outcome: widen the range.
    local = m.local_epoch(epoch, f.tz, f.start_utc - timedelta(days=1), f.end_utc)
    return m.hour_bucket(local, dialect) if by == "hour" else m.weekday_bucket(local, dialect)


def funnels(
    session: Session, f: ReportFilter, groupings: Sequence[str] = ()
) -> tuple[dict[str, list[tuple[Any, Funnel]]], Funnel]:
    """A funnel per value of each grouping (in key order) and the whole filter's funnel.

    One SQL statement, whatever the groupings. Two parts are added up per key:

    - over every dial: dials and dead time, first summed per block (and per rep and list,
      and per quarter hour of the dial for hour and weekday), so blocks run are counted
      from these few rows and, over long periods, SQLite reads ``ix_attempt_report`` in
      its own order without sorting a row per dial. Weeks and months come from each
      block's first and last logged call; the rare block whose calls fall in two weeks
      (months) is counted call by call.
    - over the answered calls only (``ix_attempt_answered``): connects, conversations,
      meetings, meetings held, talk time.

    Hour and weekday have no blocks run (0), as before.
    """
    for g in groupings:
        if g not in GROUPINGS:
            raise ValueError(f"unknown grouping {g!r}")
    dialect = _dialect(session)
    long = reads_whole_history(session, f)
    table = CallAttempt.__table__
    a = table.alias("a")
    dial_where = _dial_conditions(f, a, long)
    start, end = _epoch_bounds(f)
    answered_where = [answered(a), a.c.logged_epoch >= start, a.c.logged_epoch < end]
    if f.rep_ids:
        answered_where.append(a.c.rep_id.in_(f.rep_ids))
    if f.list_ids:
        answered_where.append(a.c.list_id.in_(f.list_ids))
    clusters = _cluster_case(session) if "cluster" in groupings else None
    per_dial = [sa.func.count().label("dials"), sa.func.sum(a.c.gap_seconds).label("dead")]
    block_key = [a.c.block_id, a.c.rep_id, a.c.list_id]

    timed = [g for g in groupings if g in ("hour", "weekday")]
    by_block = [g for g in groupings if g not in timed]
    aligned = not timed or slots_align(f)

    def dial_key(g: str, src: Any, epoch_col: str = "logged_epoch") -> sa.ColumnElement:
        if g == "rep":
            return src.c.rep_id
        if g == "list":
            return src.c.list_id
        if g == "cluster":
            return clusters(src.c.list_id)
        if g in LOGGED_KEYS:
            return LOGGED_KEYS[g](src.c[epoch_col], f, dialect)
        if aligned:
            return _dial_time_key(g, src.c.dialed_slot * SLOT_SECONDS, f, dialect)
        return _dial_time_key(g, m.epoch_seconds(src.c.dialed_at, dialect), f, dialect)

    span = []  # each block's first and last logged call, for weeks and months
    if any(g in LOGGED_KEYS for g in by_block):
        span = [sa.func.min(a.c.logged_epoch).label("lo"),
                sa.func.max(a.c.logged_epoch).label("hi")]
    # Per block and quarter hour of the dial (or the dial's own hour/weekday): hour, weekday.
    slot = None
    slot_keys: dict[str, sa.ColumnElement] = {}
    if timed:
        if aligned:
            inner = [a.c.dialed_slot]
        else:
            inner = [dial_key(g, a).label(f"k_{g}") for g in timed]
        slot = (
            sa.select(*block_key, *inner, *per_dial, *span)
            .where(*dial_where)
            .group_by(*block_key, *inner)
            .cte("slot")
        )
        for g in timed:
            slot_keys[g] = (
                _dial_time_key(g, slot.c.dialed_slot * SLOT_SECONDS, f, dialect)
                if aligned
                else slot.c[f"k_{g}"]
            )
    # Per block (and rep and list): rep, list, week and the total. From the per-quarter-hour
    # rows when there are some (a few rows per block), else from the calls themselves.
    blk = None
    if by_block or not timed:
        if slot is not None:
            blk_span = [sa.func.min(slot.c.lo).label("lo"),
                        sa.func.max(slot.c.hi).label("hi")] if span else []
            slot_block = [slot.c.block_id, slot.c.rep_id, slot.c.list_id]
            blk = (
                sa.select(*slot_block, sa.func.sum(slot.c.dials).label("dials"),
                          sa.func.sum(slot.c.dead).label("dead"), *blk_span)
                .group_by(*slot_block)
                .cte("blk")
            )
        else:
            blk = (
                sa.select(*block_key, *per_dial, *span)
                .where(*dial_where)
                .group_by(*block_key)
                .cte("blk")
            )

    def dial_part(g: str) -> sa.Select:
        """Dials, dead time and blocks run per key of one grouping."""
        if g in timed:
            k = slot_keys[g].label("k")
            return sa.select(
                k, sa.func.sum(slot.c.dials).label("dials"),
                sa.func.sum(slot.c.dead).label("dead"), sa.literal(0).label("blocks"),
            ).group_by(k)
        if g in ("rep", "list", "cluster"):
            k = dial_key(g, blk).label("k")
            return sa.select(
                k, sa.func.sum(blk.c.dials).label("dials"), sa.func.sum(blk.c.dead).label("dead"),
                # Distinct: a block that switched lists has a row per list (for a cluster,
                # maybe two rows in one cluster: still one block run).
                sa.func.count(sa.distinct(blk.c.block_id)).label("blocks"),
            ).group_by(k)
        # week or month: whole blocks by their one week (month), the rest call by call.
        lo_key, hi_key = dial_key(g, blk, "lo"), dial_key(g, blk, "hi")
        whole = sa.select(
            lo_key.label("k"), blk.c.block_id, blk.c.dials, blk.c.dead
        ).where(blk.c.block_id.is_not(None), lo_key == hi_key)
        a2 = table.alias("a2")
        split = sa.select(blk.c.block_id, blk.c.rep_id, blk.c.list_id).where(lo_key != hi_key)
        row_cols = [
            dial_key(g, a2).label("k"), a2.c.block_id, sa.literal(1).label("dials"),
            a2.c.gap_seconds.label("dead"),
        ]
        a2_where = _dial_conditions(f, a2, long)
        straddling = sa.select(*row_cols).where(
            *a2_where, sa.tuple_(a2.c.block_id, a2.c.rep_id, a2.c.list_id).in_(split)
        )
        blockless = sa.select(*row_cols).where(*a2_where, a2.c.block_id.is_(None))
        parts = sa.union_all(whole, straddling, blockless).subquery(f"parts_{g}")
        return sa.select(
            parts.c.k, sa.func.sum(parts.c.dials).label("dials"),
            sa.func.sum(parts.c.dead).label("dead"),
            sa.func.count(sa.distinct(parts.c.block_id)).label("blocks"),
        ).group_by(parts.c.k)

    src = blk if blk is not None else slot
    dial_total = sa.select(
        sa.func.sum(src.c.dials).label("dials"), sa.func.sum(src.c.dead).label("dead"),
        sa.func.count(sa.distinct(src.c.block_id)).label("blocks"),
    ).cte("dial_total")

    def answered_part(g: str) -> sa.CTE:
        k = dial_key(g, a).label("k")
        return (
            sa.select(k, *_answered_columns(a)).select_from(_answered_from(a))
            .where(*answered_where).group_by(k)
            .cte(f"answered_{g}")
        )

    answered_by = {g: answered_part(g) for g in groupings if g != "cluster"}
    if clusters is not None:
        # A cluster's answered counts are its lists' summed (a call is in one list): the
        # few per-list rows, not the answered calls read a second time.
        per_list = answered_by.get("list")
        if per_list is None:
            per_list = answered_part("list")
        k = clusters(per_list.c.k).label("k")
        answered_by["cluster"] = (
            sa.select(k, *[sa.func.sum(per_list.c[name]).label(name) for name in _ANSWERED_FIELDS])
            .group_by(k)
            .cte("answered_cluster")
        )
    if groupings:  # the total of the answered counts: a sum over one grouping's keys
        first = answered_by[groupings[0]]
        answered_total = sa.select(
            *[sa.func.sum(first.c[name]).label(name) for name in _ANSWERED_FIELDS]
        ).cte("answered_total")
    else:
        answered_total = (
            sa.select(*_answered_columns(a)).select_from(_answered_from(a))
            .where(*answered_where).cte("answered_total")
        )

    selects = []
    for i, g in enumerate(groupings):
        d = dial_part(g).cte(f"dials_{g}")
        ans = answered_by[g]
        selects.append(
            sa.select(
                sa.literal(i).label("part"), d.c.k, d.c.dials, d.c.dead.label("dead_seconds"),
                d.c.blocks, *[ans.c[name] for name in _ANSWERED_FIELDS],
            ).select_from(d.outerjoin(ans, ans.c.k == d.c.k))
        )
    selects.append(
        sa.select(
            sa.literal(len(groupings)).label("part"), sa.null().label("k"),
            dial_total.c.dials, dial_total.c.dead.label("dead_seconds"), dial_total.c.blocks,
            *[answered_total.c[name] for name in _ANSWERED_FIELDS],
        ).select_from(dial_total.join(answered_total, sa.true()))  # one row each
    )
    stmt = sa.union_all(*selects) if len(selects) > 1 else selects[0]
    stmt = stmt.order_by(sa.literal_column("part"), sa.literal_column("k"))
    out: dict[str, list[tuple[Any, Funnel]]] = {g: [] for g in groupings}
    total = Funnel()
    for row in session.execute(stmt):
        if row.part == len(groupings):
            total = _funnel_from(row)
        else:
            out[groupings[row.part]].append((row.k, _funnel_from(row)))
    if clusters is not None:
        out["cluster"] = [(clusters.labels[k], fu) for k, fu in out["cluster"]]
    return out, total


def grouped_funnels(session: Session, f: ReportFilter, by: str) -> list[tuple[Any, Funnel]]:
    """One funnel per value of one grouping (see :func:`funnels`), in key order."""
    return funnels(session, f, (by,))[0][by]


def funnel(session: Session, f: ReportFilter) -> Funnel:
    """The whole filter's funnel."""
    return funnels(session, f)[1]


def _names(session: Session, model: type, ids: Sequence[int]) -> dict[int, Any]:
    if not ids:
        return {}
    rows = session.execute(sa.select(model).where(model.id.in_(list(ids)))).scalars()
    return {r.id: r for r in rows}


@dataclass(frozen=True)
class Slice:
    """One labelled row of a breakdown."""

    key: Any
    label: str
    funnel: Funnel
    extra: dict[str, Any] = field(default_factory=dict)


def rep_slices(session: Session, rows: list[tuple[Any, Funnel]]) -> list[Slice]:
    """Leaderboard order: most meetings first, then most dials."""
    reps = _names(session, Rep, [k for k, _ in rows])
    out = [Slice(k, reps[k].name if k in reps else f"rep {k}", fu) for k, fu in rows]
    return sorted(out, key=lambda s: (-s.funnel.meetings, -s.funnel.dials, s.label.lower()))


def by_rep(session: Session, f: ReportFilter) -> list[Slice]:
    """Leaderboard: one slice per rep, most meetings first, then most dials."""
    return rep_slices(session, grouped_funnels(session, f, "rep"))


def cluster_label(dimension: str | None, value: str | None) -> str:
    """How a list's cluster is shown and grouped: ``vertical: saas``, or ``-`` for none."""
    if not dimension:
        return "-"
    return f"{dimension}: {value}" if value else dimension


@dataclass(frozen=True)
class _Clusters:
    """The clusters of the lists, read once per report: a list id column's cluster as a
    number in SQL (a key like the other groupings' integer keys), and each number's label."""

    numbers: dict[int, int]  # list id -> cluster number (labels' alphabetical order)
    labels: list[str]  # cluster number -> label; the last one is "-" (no such list)

    def __call__(self, column: sa.ColumnElement) -> sa.ColumnElement:
        other = sa.literal(len(self.labels) - 1, sa.Integer())
        if not self.numbers:
            return other
        return sa.case(self.numbers, value=column, else_=other)


def _cluster_case(session: Session) -> _Clusters:
    """Each list's cluster, read now (a few rows): the database groups calls by cluster,
    so a block that switched between two lists of one cluster counts as one block run."""
    by_list = {
        list_id: cluster_label(dimension, value)
        for list_id, dimension, value in session.execute(
            sa.select(CallList.id, CallList.cluster_dimension, CallList.cluster_value)
        )
    }
    labels = sorted(set(by_list.values()) - {"-"}) + ["-"]
    number = {label: i for i, label in enumerate(labels)}
    return _Clusters({k: number[v] for k, v in by_list.items()}, labels)


def list_slices(session: Session, rows: list[tuple[Any, Funnel]]) -> list[Slice]:
    """One slice per call list with its cluster, most meetings per dial first."""
    lists = _names(session, CallList, [k for k, _ in rows])
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
    f: ReportFilter, rows: list[tuple[Any, Funnel]], fill: bool = True
) -> list[Slice]:
    """One slice per week (Monday start) in the period, empty weeks included."""
    found = {int(k): fu for k, fu in rows}
    first, last = m.week_number(f.since), m.week_number(f.until)
    keys = range(first, last + 1) if fill else sorted(found)
    return [
        Slice(m.week_start_of(n), m.week_start_of(n).isoformat(), found.get(n, Funnel()))
        for n in keys
    ]


def month_slices(f: ReportFilter, rows: list[tuple[Any, Funnel]]) -> list[Slice]:
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


def hour_slices(rows: list[tuple[Any, Funnel]]) -> list[Slice]:
    """One slice per local hour of day that has dials."""
    return [Slice(int(k), f"{int(k):02d}:00", fu) for k, fu in rows]


def by_hour(session: Session, f: ReportFilter) -> list[Slice]:
    """One slice per local hour of day that has dials."""
    return hour_slices(grouped_funnels(session, f, "hour"))


def weekday_slices(rows: list[tuple[Any, Funnel]]) -> list[Slice]:
    """One slice per local weekday that has dials (Monday first)."""
    return [Slice(int(k), WEEKDAYS[int(k)], fu) for k, fu in rows]


def by_weekday(session: Session, f: ReportFilter) -> list[Slice]:
    """One slice per local weekday that has dials (Monday first)."""
    return weekday_slices(grouped_funnels(session, f, "weekday"))


def cluster_slices(rows: list[tuple[Any, Funnel]]) -> list[Slice]:
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


# ---------------------------------------------------------------------------------------
# Objections


@dataclass(frozen=True)
class ObjectionStat:
    """How one objection fared on calls in the filter."""

    objection_id: int
    key: str
    text: str
    raised: int
    overcome: int
    meetings: int  # calls where it was raised that still ended in a meeting
    calls: int = 0  # distinct calls it was raised on (an objection can come back)

    @property
    def overcome_rate(self) -> m.Ratio:
        """Times overcome per time raised."""
        return m.Ratio(self.overcome, self.raised)

    @property
    def won_rate(self) -> m.Ratio:
        """Meetings per call it was raised on."""
        return m.Ratio(self.meetings, self.calls)


@dataclass(frozen=True)
class OrderStat:
    """Calls that saw exactly ``objections`` objections (4 means 4 or more) and their wins."""

    objections: int
    calls: int
    meetings: int

    @property
    def won_rate(self) -> m.Ratio:
        """Meetings per such call."""
        return m.Ratio(self.meetings, self.calls)

    @property
    def label(self) -> str:
        """``after the 2nd objection`` style wording."""
        if self.objections == 0:
            return "no objection"
        ordinal = {1: "1st", 2: "2nd", 3: "3rd"}.get(self.objections, "4th+")
        return f"after the {ordinal}"


def objection_analysis(
    session: Session, f: ReportFilter
) -> tuple[list[ObjectionStat], list[OrderStat]]:
    """Per objection type: frequency, overcome rate, meetings won (most frequent first);
    and meetings won after the 1st, 2nd, 3rd, 4th+ objection (and with none).

    One statement: the objections of the filter's calls are read once for both. In the
    order list, row 0 counts meetings set with no objection logged; its ``calls`` are those
    meetings.
    """
    ao, a = AttemptObjection, CallAttempt
    long = reads_whole_history(session, f)
    raised = (
        sa.select(
            ao.attempt_id, ao.objection_id, ao.overcome,
            sa.case((a.outcome == MEETING, 1), else_=0).label("won"),
        )
        .join(a, a.id == ao.attempt_id)
        .where(*attempt_conditions(f, long=long))
        .cte("raised")
    )
    stats = sa.select(
        sa.literal(0).label("part"),
        raised.c.objection_id.label("k"),
        sa.func.count().label("n1"),
        sa.func.sum(sa.case((raised.c.overcome.is_(True), 1), else_=0)).label("n2"),
        sa.func.count(sa.distinct(sa.case((raised.c.won == 1, raised.c.attempt_id)))).label("n3"),
        sa.func.count(sa.distinct(raised.c.attempt_id)).label("n4"),
    ).group_by(raised.c.objection_id)
    per_call = (
        sa.select(raised.c.attempt_id, sa.func.count().label("n"),
                  sa.func.max(raised.c.won).label("won"))
        .group_by(raised.c.attempt_id)
        .subquery("per_call")
    )
    bucket = sa.case((per_call.c.n >= 4, 4), else_=per_call.c.n)
    orders = sa.select(
        sa.literal(1).label("part"), bucket.label("k"), sa.func.count().label("n1"),
        sa.func.sum(per_call.c.won).label("n2"), sa.null().label("n3"), sa.null().label("n4"),
    ).group_by(bucket)
    # Meetings set with no objection: meetings are answered calls, counted from
    # ix_attempt_answered rather than from every call.
    t = CallAttempt.__table__.alias("a")
    start, end = _epoch_bounds(f)
    scope = [t.c.rep_id.in_(f.rep_ids)] if f.rep_ids else []
    scope += [t.c.list_id.in_(f.list_ids)] if f.list_ids else []
    plain = sa.select(
        sa.literal(2).label("part"), sa.null().label("k"), sa.func.count().label("n1"),
        sa.null().label("n2"), sa.null().label("n3"), sa.null().label("n4"),
    ).select_from(t).where(
        answered(t), t.c.logged_epoch >= start, t.c.logged_epoch < end, *scope,
        t.c.outcome == sa.literal_column(f"'{MEETING}'"),
        ~sa.select(sa.literal(1)).where(ao.attempt_id == t.c.id).exists(),
    )
    rows = session.execute(sa.union_all(stats, orders, plain)).all()
    by_part: dict[int, list] = {0: [], 1: [], 2: []}
    for row in rows:
        by_part[int(row.part)].append(row)
    objs = _names(session, Objection, [int(r.k) for r in by_part[0]])
    out = [
        ObjectionStat(
            objection_id=int(r.k),
            key=objs[int(r.k)].key if int(r.k) in objs else str(r.k),
            text=objs[int(r.k)].text if int(r.k) in objs else "?",
            raised=int(r.n1),
            overcome=int(r.n2 or 0),
            meetings=int(r.n3 or 0),
            calls=int(r.n4),
        )
        for r in by_part[0]
    ]
    found = {int(r.k): (int(r.n1), int(r.n2 or 0)) for r in by_part[1]}
    plain_n = int(by_part[2][0].n1) if by_part[2] else 0
    order = [OrderStat(0, plain_n, plain_n)]
    for k in range(1, 5):
        calls, won = found.get(k, (0, 0))
        order.append(OrderStat(k, calls, won))
    return sorted(out, key=lambda s: (-s.raised, s.key)), order


def objection_stats(session: Session, f: ReportFilter) -> list[ObjectionStat]:
    """Frequency, overcome rate and meetings won per objection type, most frequent first."""
    return objection_analysis(session, f)[0]


def meetings_by_objection_order(session: Session, f: ReportFilter) -> list[OrderStat]:
    """Meetings won after the 1st, 2nd, 3rd, 4th+ objection (and with none), with call counts.

    Row 0 counts meetings set with no objection logged; its ``calls`` are those meetings.
    """
    return objection_analysis(session, f)[1]


# ---------------------------------------------------------------------------------------
# Rep view


@dataclass(frozen=True)
class BlockSummary:
    """One recent call block of a rep."""

    block_id: int
    started_at: datetime
    list_name: str
    status: str
    dials: int
    conversations: int
    meetings: int


def last_blocks(session: Session, rep_id: int, limit: int = 5) -> list[BlockSummary]:
    """The rep's most recent blocks with their dials, conversations and meetings."""
    a, b = CallAttempt, CallBlock
    recent = (
        sa.select(b.id, b.started_at, b.status, b.list_id)
        .where(b.rep_id == rep_id)
        .order_by(b.started_at.desc(), b.id.desc())
        .limit(limit)
        .subquery()
    )
    stmt = (
        sa.select(
            recent.c.id,
            recent.c.started_at,
            recent.c.status,
            CallList.name,
            sa.func.count(a.id).label("dials"),
            sa.func.coalesce(sa.func.sum(m.conversation_flag(a)), 0).label("conversations"),
            sa.func.coalesce(sa.func.sum(m.meeting_flag(a)), 0).label("meetings"),
        )
        .select_from(recent)
        .join(CallList, CallList.id == recent.c.list_id)
        .outerjoin(a, sa.and_(a.block_id == recent.c.id, m.logged(a)))
        .group_by(recent.c.id, recent.c.started_at, recent.c.status, CallList.name)
        .order_by(recent.c.started_at.desc(), recent.c.id.desc())
    )
    out = []
    for r in session.execute(stmt):
        started = r.started_at
        if isinstance(started, str):
            started = datetime.fromisoformat(started)
        if started.tzinfo is None:
            started = started.replace(tzinfo=UTC)
        out.append(
            BlockSummary(
                int(r.id), started, r.name, r.status, int(r.dials),
                int(r.conversations), int(r.meetings),
            )
        )
    return out


def best_and_worst_lists(
    slices: list[Slice], min_dials: int = m.SMALL_SAMPLE
) -> tuple[list[Slice], list[Slice]]:
    """Lists with enough dials split into best and worst by meetings per dial (3 each at most).

    The better half (rounded up) can be "best", the rest "worst", so two lists give one of
    each and a single list is only "best".
    """
    ranked = [s for s in slices if s.funnel.dials >= min_dials]
    ranked.sort(key=lambda s: (-(s.funnel.set_per_dial.value or 0), -s.funnel.dials))
    k = min(3, (len(ranked) + 1) // 2)
    best = ranked[:k]
    worst = list(reversed(ranked[k:]))[:3]
    return best, worst


# ---------------------------------------------------------------------------------------
# Report tables: what every output format renders


@dataclass(frozen=True)
class Column:
    """A report column: ``kind`` is text, int, ratio, seconds or minutes."""

    key: str
    header: str
    kind: str = "int"


@dataclass
class ReportTable:
    """A rendered-agnostic breakdown: columns, rows of values, an optional totals row."""

    by: str
    title: str
    filter: ReportFilter
    columns: list[Column]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    total: Funnel | None = None  # the whole filter's funnel, for breakdowns that have one


FUNNEL_COLUMNS = [
    Column("blocks", "Blocks"),
    Column("dials", "Dials"),
    Column("connects", "Connects"),
    Column("conversations", "Convs"),
    Column("meetings", "Meetings"),
    Column("held", "Held"),
    Column("connect_rate", "Connect/dial", "ratio"),
    Column("conversation_rate", "Conv/connect", "ratio"),
    Column("set_per_conversation", "Mtg/conv", "ratio"),
    Column("set_per_connect", "Mtg/connect", "ratio"),
    Column("set_per_dial", "Mtg/dial", "ratio"),
    Column("avg_call", "Avg call", "seconds"),
    Column("long_share", ">3 min", "ratio"),
    Column("dead_per_block", "Dead/block", "seconds"),
]


def funnel_values(fu: Funnel) -> dict[str, Any]:
    """A funnel as the standard column values."""
    return {
        "blocks": fu.blocks,
        "dials": fu.dials,
        "connects": fu.connects,
        "conversations": fu.conversations,
        "meetings": fu.meetings,
        "held": fu.held,
        "connect_rate": fu.connect_rate,
        "conversation_rate": fu.conversation_rate,
        "set_per_conversation": fu.set_per_conversation,
        "set_per_connect": fu.set_per_connect,
        "set_per_dial": fu.set_per_dial,
        "avg_call": fu.avg_call_seconds,
        "long_share": fu.long_share,
        "dead_per_block": fu.dead_seconds_per_block,
    }


def _slice_table(
    by: str,
    title: str,
    f: ReportFilter,
    first: list[Column],
    slices: list[Slice],
    total: Funnel,
    funnel_columns: list[Column] = FUNNEL_COLUMNS,
) -> ReportTable:
    rows = [
        {first[0].key: s.label, **s.extra, **funnel_values(s.funnel)} for s in slices
    ]
    keep = {c.key for c in funnel_columns}
    totals = {first[0].key: "Total", **{k: v for k, v in funnel_values(total).items() if k in keep}}
    return ReportTable(by, title, f, [*first, *funnel_columns], rows, totals, total=total)


@dataclass(frozen=True)
class Breakdown:
    """A ``--by`` value: its title and the function building its table."""

    name: str
    title: str
    build: Callable[[Session, ReportFilter], ReportTable]


#: Every ``--by`` value, in the order the CLI lists them.
BREAKDOWNS: dict[str, Breakdown] = {}


def register_breakdown(
    name: str, title: str
) -> Callable[[Callable[[Session, ReportFilter], ReportTable]], Callable]:
    """Decorator adding a ``--by NAME`` report (used by other features, e.g. drills)."""

    def deco(fn: Callable[[Session, ReportFilter], ReportTable]) -> Callable:
        BREAKDOWNS[name] = Breakdown(name, title, fn)
        return fn

    return deco


Rows = list[tuple[Any, Funnel]]


def _rep_table(session: Session, f: ReportFilter, rows: Rows, total: Funnel) -> ReportTable:
    return _slice_table("rep", "Leaderboard by rep", f, [Column("rep", "Rep", "text")],
                        rep_slices(session, rows), total)


def _list_table(session: Session, f: ReportFilter, rows: Rows, total: Funnel) -> ReportTable:
    return _slice_table(
        "list", "By call list", f,
        [Column("list", "List", "text"), Column("cluster", "Cluster", "text")],
        list_slices(session, rows), total,
    )


def _cluster_table(session: Session, f: ReportFilter, rows: Rows, total: Funnel) -> ReportTable:
    return _slice_table("cluster", "By cluster", f, [Column("cluster", "Cluster", "text")],
                        cluster_slices(rows), total)


def _week_table(session: Session, f: ReportFilter, rows: Rows, total: Funnel) -> ReportTable:
    from callcoach.core.review.goals import goals_by_week

    table = _slice_table("week", "By week", f, [Column("week", "Week (Mon)", "text")],
                         week_slices(f, rows), total)
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
    return table


_TIME_COLUMNS = [c for c in FUNNEL_COLUMNS if c.key not in ("blocks", "dead_per_block")]


def _hour_table(session: Session, f: ReportFilter, rows: Rows, total: Funnel) -> ReportTable:
    t = _slice_table("hour", "Connect rate by hour of day", f,
                     [Column("hour", f"Hour ({f.zone})", "text")],
                     hour_slices(rows), total, _TIME_COLUMNS)
    for row in t.rows:
        row.pop("blocks", None), row.pop("dead_per_block", None)
    return t


def _weekday_table(session: Session, f: ReportFilter, rows: Rows, total: Funnel) -> ReportTable:
    t = _slice_table("weekday", "Connect rate by weekday", f,
                     [Column("weekday", "Weekday", "text")],
                     weekday_slices(rows), total, _TIME_COLUMNS)
    for row in t.rows:
        row.pop("blocks", None), row.pop("dead_per_block", None)
    return t


#: The ``--by`` values built from :func:`funnels`: the grouping each reads, and its table.
FUNNEL_BREAKDOWNS: dict[str, tuple[str, Callable[..., ReportTable]]] = {
    "rep": ("rep", _rep_table),
    "list": ("list", _list_table),
    "cluster": ("cluster", _cluster_table),
    "week": ("week", _week_table),
    "hour": ("hour", _hour_table),
    "weekday": ("weekday", _weekday_table),
}


def funnel_report(
    session: Session, by: str, f: ReportFilter, also: Sequence[str] = ()
) -> tuple[ReportTable, dict[str, Rows]]:
    """The table of a funnel breakdown (rows and total from one statement), and the rows of
    the groupings in ``also`` from that same statement (e.g. the HTML scorecard's weeks)."""
    grouping, build = FUNNEL_BREAKDOWNS[by]
    rows, total = funnels(session, f, (grouping, *[g for g in also if g != grouping]))
    return build(session, f, rows[grouping], total), rows


@register_breakdown("rep", "Leaderboard by rep")
def rep_table(session: Session, f: ReportFilter) -> ReportTable:
    """Per-rep leaderboard."""
    return funnel_report(session, "rep", f)[0]


@register_breakdown("list", "By call list")
def list_table(session: Session, f: ReportFilter) -> ReportTable:
    """Per-list breakdown with each list's cluster."""
    return funnel_report(session, "list", f)[0]


@register_breakdown("cluster", "By cluster")
def cluster_table(session: Session, f: ReportFilter) -> ReportTable:
    """Per-cluster breakdown across lists (which verticals, regions, roles book)."""
    return funnel_report(session, "cluster", f)[0]


@register_breakdown("week", "By week")
def week_table(session: Session, f: ReportFilter) -> ReportTable:
    """Weekly trend, with each week's goals (summed over the filter's reps) beside it."""
    return funnel_report(session, "week", f)[0]


@register_breakdown("hour", "Connect rate by hour of day")
def hour_table(session: Session, f: ReportFilter) -> ReportTable:
    """Per local hour of the dial (prime time)."""
    return funnel_report(session, "hour", f)[0]


@register_breakdown("weekday", "Connect rate by weekday")
def weekday_table(session: Session, f: ReportFilter) -> ReportTable:
    """Per local weekday of the dial."""
    return funnel_report(session, "weekday", f)[0]


@register_breakdown("objection", "Objections")
def objection_table(session: Session, f: ReportFilter) -> ReportTable:
    """Objection frequency, overcome rate, meetings won; notes give wins by objection order."""
    stats, order = objection_analysis(session, f)
    total_raised = sum(s.raised for s in stats)
    rows = [
        {
            "objection": s.key,
            "text": s.text,
            "raised": s.raised,
            "share": m.Ratio(s.raised, total_raised),
            "overcome": s.overcome_rate,
            "meetings": s.meetings,
            "won": s.won_rate,
        }
        for s in stats
    ]
    notes = [
        f"Meetings set with no objection: {o.meetings}"
        if o.objections == 0
        else f"Calls that ended {o.label} objection: {o.calls}; meetings won "
        f"{o.won_rate.text()}"
        for o in order
    ]
    return ReportTable(
        "objection",
        "Objections",
        f,
        [
            Column("objection", "Objection", "text"),
            Column("text", "As said", "text"),
            Column("raised", "Raised"),
            Column("share", "Share", "ratio"),
            Column("overcome", "Overcome", "ratio"),
            Column("meetings", "Meetings"),
            Column("won", "Won", "ratio"),
        ],
        rows,
        {"objection": "Total", "raised": total_raised,
         "meetings": sum(s.meetings for s in stats)},
        notes,
    )


def load_breakdowns() -> None:
    """Import every ``callcoach.core.review.report_*`` module so the breakdowns it adds register."""
    import importlib
    import pkgutil

    import callcoach.core.review as review

    for module in pkgutil.iter_modules(review.__path__):
        if module.name.startswith("report_"):
            importlib.import_module(f"callcoach.core.review.{module.name}")


def breakdown_names() -> list[str]:
    """Every registered ``--by`` value (built-in first, then plug-in modules)."""
    load_breakdowns()
    return list(BREAKDOWNS)


def build_report(session: Session, by: str, f: ReportFilter) -> ReportTable:
    """The table for ``--by``; a one-line error for an unknown breakdown."""
    load_breakdowns()
    if by not in BREAKDOWNS:
        raise ReportError(f"--by {by!r}: expected one of {', '.join(BREAKDOWNS)}")
    return BREAKDOWNS[by].build(session, f)


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


# Breakdowns owned by other features register themselves on import (kept last: they import
# names defined above).
from callcoach.core.review import drill_report  # noqa: E402, F401
