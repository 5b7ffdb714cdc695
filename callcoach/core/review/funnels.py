"""The funnel: dials, connects, conversations, meetings and time per slice of calls.

:func:`funnels` counts them in ONE SQL statement for any set of groupings. A grouping is
an object that carries its own SQL pieces (how a call's key is computed); its kind decides
the shape of its part of the statement:

- :class:`BlockGrouping`: a column every call of a block run shares a row on (rep, list),
  optionally mapped to a coarser key read once per report (a list's cluster);
- :class:`LoggedGrouping`: a function of the instant the outcome was logged (week, month);
- :class:`DialTimeGrouping`: a bucket of the local time of the dial (hour, weekday).

A new grouping of one of these kinds is a new object in :data:`GROUPINGS` (or passed to
:func:`funnels` directly), not an edit of the statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.catalog.outcomes import Outcome
from callcoach.core.review import metrics as m
from callcoach.core.review.filters import ReportFilter, epoch_bounds, reads_whole_history
from callcoach.storage.models import SLOT_SECONDS, CallAttempt, CallList, Meeting
from callcoach.storage.sql import reports as report_sql

MEETING = Outcome.MEETING.value
#: The call attempts table, for statements that alias it.
ATTEMPTS: sa.FromClause = sa.inspect(CallAttempt).local_table


@dataclass(frozen=True)
class Funnel:
    """Counts for one slice of calls; every rate is a :class:`~metrics.Ratio` of them."""

    dials: int = 0
    connects: int = 0
    conversations: int = 0
    meetings: int = 0
    held: int = 0
    held_known: int = 0
    #: Blocks run. By list or cluster: each block's share of its dials on that slice, so
    #: a block that switched lists is split between them and the rows add up to the total.
    blocks: float = 0
    talk_seconds: float = 0.0  # summed duration of connects with a duration
    timed_connects: int = 0
    long_calls: int = 0  # connects over three minutes
    dead_seconds: float = 0.0  # summed gaps before dials
    #: By list or cluster: blocks that also dialled another list (cluster) in the period;
    #: each such block counts on every slice it dialled. 0 for other groupings.
    shared_blocks: int = 0

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
    "timed_connects long_calls dead_seconds shared_blocks"
).split()
#: Counted over every dial (per block first, see :func:`funnels`).
_DIAL_FIELDS = ("dials", "dead_seconds", "blocks", "shared_blocks")
#: Counted over the answered calls only (``ix_attempt_answered``).
_ANSWERED_FIELDS = tuple(x for x in _FUNNEL_FIELDS if x not in _DIAL_FIELDS)


def _funnel_from(row: Any) -> Funnel:
    values: dict[str, Any] = {}
    for name in _FUNNEL_FIELDS:
        v = getattr(row, name)
        if name.endswith("seconds"):
            values[name] = float(v or 0)
        elif name == "blocks":
            share = round(float(v or 0), 6)  # a sum of shares: 0.9999999 is one block
            values[name] = int(share) if share.is_integer() else share
        else:
            values[name] = int(v or 0)
    return Funnel(**values)


#: One funnel per key of a grouping, in key order.
Rows = list[tuple[Any, Funnel]]


# ---------------------------------------------------------------------------------------
# Groupings: what a funnel can be broken down by, each with its SQL pieces


class KeyLookup(Protocol):
    """A per-report mapping of a column to a coarser integer key, and each key's label."""

    def __call__(self, column: sa.ColumnElement) -> sa.ColumnElement:
        """The coarser key of ``column`` in SQL."""
        ...

    def label(self, key: int) -> Any:
        """What the coarser key stands for (shown in the report)."""
        ...


@dataclass
class FunnelQuery:
    """What the parts of one :func:`funnels` statement share: the filter, how the calls are
    read, the per-report key lookups, and the per-block rows the dial parts count from."""

    session: Session
    f: ReportFilter
    long: bool  # read the whole history in index order (see filters.reads_whole_history)
    aligned: bool  # quarter hours decide local hours (see slots_align)
    lookups: dict[str, KeyLookup]
    blk: sa.CTE | None = None  # dials and dead time per block (and rep and list)
    slot: sa.CTE | None = None  # the same per block and quarter hour of the dial
    slot_keys: dict[str, sa.ColumnElement[Any]] = field(default_factory=dict)

    def dial_where(self, a: sa.FromClause) -> list[sa.ColumnElement[bool]]:
        """Dials in the filter on an alias of the attempts table."""
        return _dial_conditions(self.f, a, self.long)

    def dial_epoch(self, src: sa.FromClause) -> sa.ColumnElement[Any]:
        """A dial's epoch seconds: its quarter hour when that decides its local time."""
        if self.aligned:
            return src.c.dialed_slot * SLOT_SECONDS
        return report_sql.epoch_seconds(self.session, src.c.dialed_at)


@dataclass(frozen=True)
class BlockGrouping:
    """Calls grouped by a column of the attempt that a block run's rows share (rep, list).

    ``lookup`` (optional) reads, once per report, a mapping of that column to a coarser
    key (a list's cluster); the answered counts are then summed from the column's rows.
    """

    name: str
    column: str
    lookup: Callable[[Session], KeyLookup] | None = None
    #: A block can dial several keys (lists, clusters): split it by its share of dials and
    #: count the blocks that dialled more than one key (``shared_blocks``).
    split: bool = False

    def key(self, q: FunnelQuery, src: sa.FromClause, mapped: bool = True) -> sa.ColumnElement:
        """The grouping key of a row of ``src`` (the column, or its lookup's key)."""
        column = src.c[self.column]
        lookup = q.lookups.get(self.name)
        return lookup(column) if mapped and lookup is not None else column

    def dial_part(self, q: FunnelQuery) -> sa.Select:
        """Dials, dead time and blocks run per key, from the per-block rows."""
        blk = q.blk
        assert blk is not None
        k = self.key(q, blk).label("k")
        if not self.split:
            return sa.select(
                k, sa.func.sum(blk.c.dials).label("dials"),
                sa.func.sum(blk.c.dead).label("dead"),
                # Distinct: a block that switched lists has a row per list.
                sa.func.count(sa.distinct(blk.c.block_id)).label("blocks"),
                sa.literal(0).label("shared"),
            ).group_by(k)
        # Per block and key (two lists of one cluster are one row), then each row's share
        # of its block's dials and how many keys its block dialled.
        per_key = (
            sa.select(blk.c.block_id, k, sa.func.sum(blk.c.dials).label("dials"),
                      sa.func.sum(blk.c.dead).label("dead"))
            .group_by(blk.c.block_id, k)
            .subquery(f"per_key_{self.name}")
        )
        whole = sa.func.sum(per_key.c.dials).over(partition_by=per_key.c.block_id)
        keys = sa.func.count().over(partition_by=per_key.c.block_id)
        shares = sa.select(
            per_key.c.k, per_key.c.block_id, per_key.c.dials, per_key.c.dead,
            (sa.cast(per_key.c.dials, sa.Float) / whole).label("share"), keys.label("n_keys"),
        ).subquery(f"shares_{self.name}")
        has_block = shares.c.block_id.is_not(None)
        return sa.select(
            shares.c.k, sa.func.sum(shares.c.dials).label("dials"),
            sa.func.sum(shares.c.dead).label("dead"),
            sa.func.sum(sa.case((has_block, shares.c.share), else_=0.0)).label("blocks"),
            sa.func.count().filter(sa.and_(has_block, shares.c.n_keys > 1)).label("shared"),
        ).group_by(shares.c.k)


@dataclass(frozen=True)
class LoggedGrouping:
    """Calls grouped by a function of their logged instant (epoch seconds) in the filter's
    zone: week, month. A block whose calls fall under two keys is counted call by call."""

    name: str
    epoch_key: Callable[[sa.ColumnElement, ReportFilter], sa.ColumnElement]

    def key(self, q: FunnelQuery, src: sa.FromClause, epoch: str = "logged_epoch") -> sa.ColumnElement:
        """The grouping key of the logged instant in column ``epoch`` of ``src``."""
        return self.epoch_key(src.c[epoch], q.f)

    def dial_part(self, q: FunnelQuery) -> sa.Select:
        """Dials, dead time and blocks run per key: whole blocks by their one key (from
        their first and last logged call), the rest call by call."""
        blk = q.blk
        assert blk is not None
        lo_key, hi_key = self.key(q, blk, "lo"), self.key(q, blk, "hi")
        whole = sa.select(
            lo_key.label("k"), blk.c.block_id, blk.c.dials, blk.c.dead
        ).where(blk.c.block_id.is_not(None), lo_key == hi_key)
        a2 = ATTEMPTS.alias("a2")
        split = sa.select(blk.c.block_id, blk.c.rep_id, blk.c.list_id).where(lo_key != hi_key)
        row_cols = [
            self.key(q, a2).label("k"), a2.c.block_id, sa.literal(1).label("dials"),
            a2.c.gap_seconds.label("dead"),
        ]
        a2_where = q.dial_where(a2)
        straddling = sa.select(*row_cols).where(
            *a2_where, sa.tuple_(a2.c.block_id, a2.c.rep_id, a2.c.list_id).in_(split)
        )
        blockless = sa.select(*row_cols).where(*a2_where, a2.c.block_id.is_(None))
        parts = sa.union_all(whole, straddling, blockless).subquery(f"parts_{self.name}")
        return sa.select(
            parts.c.k, sa.func.sum(parts.c.dials).label("dials"),
            sa.func.sum(parts.c.dead).label("dead"),
            sa.func.count(sa.distinct(parts.c.block_id)).label("blocks"),
            sa.literal(0).label("shared"),
        ).group_by(parts.c.k)


@dataclass(frozen=True)
class DialTimeGrouping:
    """Calls grouped by a bucket of the dial's local wall-clock time (hour, weekday).

    ``bucket`` maps local epoch seconds to the key. These groupings count no blocks run.
    """

    name: str
    bucket: Callable[[sa.ColumnElement], sa.ColumnElement]

    def key(self, q: FunnelQuery, src: sa.FromClause) -> sa.ColumnElement:
        """The bucket of the local time of the dial of a row of ``src``."""
        # Dials can start a little before the period's first logged outcome: widen the range.
        f = q.f
        return self.bucket(
            m.local_epoch(q.dial_epoch(src), f.tz, f.start_utc - timedelta(days=1), f.end_utc)
        )

    def dial_part(self, q: FunnelQuery) -> sa.Select:
        """Dials and dead time per key, from the per-quarter-hour rows (no blocks run)."""
        slot = q.slot
        assert slot is not None
        k = q.slot_keys[self.name].label("k")
        return sa.select(
            k, sa.func.sum(slot.c.dials).label("dials"),
            sa.func.sum(slot.c.dead).label("dead"), sa.literal(0).label("blocks"),
            sa.literal(0).label("shared"),
        ).group_by(k)


Grouping = BlockGrouping | LoggedGrouping | DialTimeGrouping


def cluster_label(dimension: str | None, value: str | None) -> str:
    """How a list's cluster is shown and grouped: ``vertical: saas``, or ``-`` for none."""
    if not dimension:
        return "-"
    return f"{dimension}: {value}" if value else dimension


@dataclass(frozen=True)
class Clusters:
    """The clusters of the lists, read once per report: a list id column's cluster as a
    number in SQL (a key like the other groupings' integer keys), and each number's label."""

    numbers: dict[int, int]  # list id -> cluster number (labels' alphabetical order)
    labels: list[str]  # cluster number -> label; the last one is "-" (no such list)

    def __call__(self, column: sa.ColumnElement) -> sa.ColumnElement:
        """The cluster number of a list id column."""
        other = sa.literal(len(self.labels) - 1, sa.Integer())
        if not self.numbers:
            return other
        return sa.case(self.numbers, value=column, else_=other)

    def label(self, key: int) -> str:
        """The cluster label of a number."""
        return self.labels[key]


def read_clusters(session: Session) -> Clusters:
    """Each list's cluster, read now (a few rows): the database groups calls by cluster,
    so a block that switched between two lists of one cluster counts as one block run."""
    by_list = {
        int(list_id): cluster_label(dimension, value)
        for list_id, dimension, value in session.execute(
            sa.select(col(CallList.id), col(CallList.cluster_dimension),
                      col(CallList.cluster_value))
        )
    }
    labels = sorted(set(by_list.values()) - {"-"}) + ["-"]
    number = {label: i for i, label in enumerate(labels)}
    return Clusters({k: number[v] for k, v in by_list.items()}, labels)


def week_key(epoch: sa.ColumnElement, f: ReportFilter) -> sa.ColumnElement:
    """Local week number (see :func:`metrics.week_bucket`) of a logged epoch."""
    return m.week_bucket(m.local_epoch(epoch, f.tz, f.start_utc, f.end_utc))


def month_key(epoch: sa.ColumnElement, f: ReportFilter) -> sa.ColumnElement:
    """Local calendar month (year * 12 + month - 1) of a logged epoch in the period: a CASE
    over the UTC instants at which the period's months start in the display zone."""
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


REP = BlockGrouping("rep", "rep_id")
LIST = BlockGrouping("list", "list_id", split=True)
CLUSTER = BlockGrouping("cluster", "list_id", lookup=read_clusters, split=True)
WEEK = LoggedGrouping("week", week_key)
#: The calendar month in the display zone (numbered year * 12 + month - 1).
MONTH = LoggedGrouping("month", month_key)
HOUR = DialTimeGrouping("hour", m.hour_bucket)
WEEKDAY = DialTimeGrouping("weekday", m.weekday_bucket)

#: The groupings :func:`funnels` knows by name (any of them in one statement).
GROUPINGS: dict[str, Grouping] = {
    g.name: g for g in (REP, LIST, CLUSTER, WEEK, MONTH, HOUR, WEEKDAY)
}


# ---------------------------------------------------------------------------------------
# SQL pieces shared by every grouping


def _dial_conditions(f: ReportFilter, a: sa.FromClause, long: bool) -> list[sa.ColumnElement[bool]]:
    """Dials in the filter, on the generated ``logged_epoch`` (NULL while in progress).

    Short periods also bound ``logged_at`` so the database reads them through its index;
    long ones do not, so SQLite reads ``ix_attempt_report`` in block order and never sorts.
    """
    start, end = epoch_bounds(f)
    conds: list[sa.ColumnElement[bool]] = [a.c.logged_epoch >= start, a.c.logged_epoch < end]
    if not long:
        conds += [a.c.logged_at >= f.start_utc, a.c.logged_at < f.end_utc]
    return conds + _scope(f, a)


def _scope(f: ReportFilter, a: sa.FromClause) -> list[sa.ColumnElement[bool]]:
    """The filter's reps and lists on an attempt table."""
    conds: list[sa.ColumnElement[bool]] = []
    if f.rep_ids:
        conds.append(a.c.rep_id.in_(f.rep_ids))
    if f.list_ids:
        conds.append(a.c.list_id.in_(f.list_ids))
    return conds


def answered(a: sa.FromClause) -> sa.ColumnElement[bool]:
    """Calls that count toward connects, conversations or meetings: the partial index's rows.

    Written exactly as ``ix_attempt_answered``'s WHERE clause, so the database sees that
    the index holds every such call (``meeting`` is a literal for the same reason).
    """
    return sa.or_(
        a.c.connected, a.c.conversation, a.c.outcome == sa.literal_column(f"'{MEETING}'")
    )


def _answered_from(a: sa.FromClause) -> sa.FromClause:
    """Answered calls with the meeting each set, if any (``meeting.attempt_id`` is unique)."""
    is_meeting = a.c.outcome == sa.literal_column(f"'{MEETING}'")
    # A join, not a subquery per meeting: the same figures, and PostgreSQL's estimate stays
    # small (a subquery per row made it compile the statement just in time for ~1 s).
    return a.outerjoin(Meeting, sa.and_(col(Meeting.attempt_id) == a.c.id, is_meeting))


def _answered_columns(a: sa.FromClause) -> list[sa.ColumnElement[Any]]:
    """Counts over answered calls, as in the definitions (stored flags, outcome 7); read
    from :func:`_answered_from`."""
    connect = a.c.connected.is_(True)
    is_meeting = a.c.outcome == sa.literal_column(f"'{MEETING}'")
    count = sa.func.count
    held = col(Meeting.held)
    return [
        count().filter(connect).label("connects"),
        count().filter(a.c.conversation.is_(True)).label("conversations"),
        count().filter(is_meeting).label("meetings"),
        count().filter(held.is_(True)).label("held"),
        count(held).label("held_known"),
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


def _grouping(g: str | Grouping) -> Grouping:
    if isinstance(g, str):
        if g not in GROUPINGS:
            raise ValueError(f"unknown grouping {g!r}")
        return GROUPINGS[g]
    return g


def funnels(
    session: Session, f: ReportFilter, groupings: Sequence[str | Grouping] | Mapping[str, Grouping] = ()
) -> tuple[dict[str, Rows], Funnel]:
    """A funnel per value of each grouping (in key order) and the whole filter's funnel.

    ``groupings`` are names from :data:`GROUPINGS` or grouping objects; the result is keyed
    by their names. One SQL statement, whatever the groupings. Two parts are added up per
    key:

    - over every dial: dials and dead time, first summed per block (and per rep and list,
      and per quarter hour of the dial for dial-time groupings), so blocks run are counted
      from these few rows and, over long periods, SQLite reads ``ix_attempt_report`` in
      its own order without sorting a row per dial. Logged-instant groupings (weeks,
      months) come from each block's first and last logged call; the rare block whose
      calls fall under two keys is counted call by call.
    - over the answered calls only (``ix_attempt_answered``): connects, conversations,
      meetings, meetings held, talk time.

    Dial-time groupings (hour, weekday) have no blocks run (0).
    """
    chosen = [_grouping(g) for g in groupings]
    names = [g.name for g in chosen]
    timed = [g for g in chosen if isinstance(g, DialTimeGrouping)]
    by_block = [g for g in chosen if not isinstance(g, DialTimeGrouping)]
    q = FunnelQuery(
        session, f,
        long=reads_whole_history(session, f),
        aligned=not timed or slots_align(f),
        lookups={
            g.name: g.lookup(session)
            for g in chosen
            if isinstance(g, BlockGrouping) and g.lookup is not None
        },
    )
    a = ATTEMPTS.alias("a")
    dial_where = q.dial_where(a)
    start, end = epoch_bounds(f)
    answered_where = [answered(a), a.c.logged_epoch >= start, a.c.logged_epoch < end,
                      *_scope(f, a)]
    per_dial = [sa.func.count().label("dials"), sa.func.sum(a.c.gap_seconds).label("dead")]
    block_key = [a.c.block_id, a.c.rep_id, a.c.list_id]

    span = []  # each block's first and last logged call, for logged-instant groupings
    if any(isinstance(g, LoggedGrouping) for g in by_block):
        span = [sa.func.min(a.c.logged_epoch).label("lo"),
                sa.func.max(a.c.logged_epoch).label("hi")]
    # Per block and quarter hour of the dial (or the dial's own bucket): dial-time groupings.
    if timed:
        inner: list[sa.ColumnElement[Any]] = (
            [a.c.dialed_slot] if q.aligned
            else [t.key(q, a).label(f"k_{t.name}") for t in timed]
        )
        q.slot = slot = (
            sa.select(*block_key, *inner, *per_dial, *span)
            .where(*dial_where)
            .group_by(*block_key, *inner)
            .cte("slot")
        )
        for t in timed:
            q.slot_keys[t.name] = t.key(q, slot) if q.aligned else slot.c[f"k_{t.name}"]
    # Per block (and rep and list): block and logged-instant groupings and the total. From
    # the per-quarter-hour rows when there are some (a few rows per block), else from the
    # calls themselves.
    if by_block or not timed:
        if q.slot is not None:
            slot = q.slot
            blk_span = [sa.func.min(slot.c.lo).label("lo"),
                        sa.func.max(slot.c.hi).label("hi")] if span else []
            slot_block = [slot.c.block_id, slot.c.rep_id, slot.c.list_id]
            q.blk = (
                sa.select(*slot_block, sa.func.sum(slot.c.dials).label("dials"),
                          sa.func.sum(slot.c.dead).label("dead"), *blk_span)
                .group_by(*slot_block)
                .cte("blk")
            )
        else:
            q.blk = (
                sa.select(*block_key, *per_dial, *span)
                .where(*dial_where)
                .group_by(*block_key)
                .cte("blk")
            )

    src = q.blk if q.blk is not None else q.slot
    assert src is not None
    dial_total = sa.select(
        sa.func.sum(src.c.dials).label("dials"), sa.func.sum(src.c.dead).label("dead"),
        sa.func.count(sa.distinct(src.c.block_id)).label("blocks"),
        sa.literal(0).label("shared"),
    ).cte("dial_total")

    def answered_part(name: str, key: sa.ColumnElement) -> sa.CTE:
        k = key.label("k")
        return (
            sa.select(k, *_answered_columns(a)).select_from(_answered_from(a))
            .where(*answered_where).group_by(k)
            .cte(f"answered_{name}")
        )

    answered_by: dict[str, sa.CTE] = {}
    for g in chosen:
        if g.name not in q.lookups:
            answered_by[g.name] = answered_part(g.name, g.key(q, a))
    for g in chosen:
        if g.name in q.lookups:
            # A mapped grouping's answered counts are its column's keys' summed (a call has
            # one list): the few per-list rows, not the answered calls read a second time.
            assert isinstance(g, BlockGrouping)
            plain = next((p.name for p in chosen if isinstance(p, BlockGrouping)
                          and p.column == g.column and p.name not in q.lookups), None)
            per_key = (answered_by[plain] if plain is not None
                       else answered_part(g.column, g.key(q, a, mapped=False)))
            k = q.lookups[g.name](per_key.c.k).label("k")
            answered_by[g.name] = (
                sa.select(k, *[sa.func.sum(per_key.c[n]).label(n) for n in _ANSWERED_FIELDS])
                .group_by(k)
                .cte(f"answered_{g.name}")
            )
    if chosen:  # the total of the answered counts: a sum over one grouping's keys
        first = answered_by[names[0]]
        answered_total = sa.select(
            *[sa.func.sum(first.c[n]).label(n) for n in _ANSWERED_FIELDS]
        ).cte("answered_total")
    else:
        answered_total = (
            sa.select(*_answered_columns(a)).select_from(_answered_from(a))
            .where(*answered_where).cte("answered_total")
        )

    selects = []
    for i, g in enumerate(chosen):
        d = g.dial_part(q).cte(f"dials_{g.name}")
        ans = answered_by[g.name]
        selects.append(
            sa.select(
                sa.literal(i).label("part"), d.c.k, d.c.dials, d.c.dead.label("dead_seconds"),
                d.c.blocks, d.c.shared.label("shared_blocks"),
                *[ans.c[n] for n in _ANSWERED_FIELDS],
            ).select_from(d.outerjoin(ans, ans.c.k == d.c.k))
        )
    selects.append(
        sa.select(
            sa.literal(len(chosen)).label("part"), sa.null().label("k"),
            dial_total.c.dials, dial_total.c.dead.label("dead_seconds"), dial_total.c.blocks,
            dial_total.c.shared.label("shared_blocks"), *[answered_total.c[n] for n in _ANSWERED_FIELDS],
        ).select_from(dial_total.join(answered_total, sa.true()))  # one row each
    )
    stmt = sa.union_all(*selects) if len(selects) > 1 else selects[0]
    stmt = stmt.order_by(sa.literal_column("part"), sa.literal_column("k"))
    out: dict[str, Rows] = {name: [] for name in names}
    total = Funnel()
    for row in session.execute(stmt):
        if row.part == len(chosen):
            total = _funnel_from(row)
        else:
            out[names[row.part]].append((row.k, _funnel_from(row)))
    for name, lookup in q.lookups.items():
        out[name] = [(lookup.label(k), fu) for k, fu in out[name]]
    return out, total


def grouped_funnels(session: Session, f: ReportFilter, by: str | Grouping) -> Rows:
    """One funnel per value of one grouping (see :func:`funnels`), in key order."""
    return funnels(session, f, (by,))[0][by if isinstance(by, str) else by.name]


def funnel(session: Session, f: ReportFilter) -> Funnel:
    """The whole filter's funnel."""
    return funnels(session, f)[1]
