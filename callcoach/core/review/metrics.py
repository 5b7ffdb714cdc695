"""The scorecard's definitions, as SQL expressions: the ONE place they are written down.

Every report, dashboard panel, planner figure and export builds its counts from the
expressions here, so a "connect" or a "conversation" means the same thing everywhere:

- **dial**: any call attempt with a logged outcome (attempts still in progress, whose
  ``outcome`` is NULL, are not counted anywhere);
- **connect**: the target person answered: outcome not interested, callback, meeting set
  or do not call (outcomes 5-8), or any attempt with at least one objection logged;
- **conversation**: a connect that got past the opening: an objection was logged, or a
  meeting or callback was asked for (outcome meeting set or callback);
- **meeting set**: outcome 7 (``meeting``); **meeting held**: its Meeting row says
  ``held = true`` (unknown until someone records it).

Where the rules live. Which outcomes are connects, and which ask for a meeting or
callback, is the outcome catalogue's (:mod:`callcoach.catalog.outcomes`), whose
:func:`~callcoach.catalog.outcomes.is_connect` and
:func:`~callcoach.catalog.outcomes.is_conversation` are the rules in Python (the block
calls them when it stores an outcome); :func:`derived_connect_flag`
and :func:`derived_conversation_flag` are the same rules in SQL, from ``outcome`` plus the
objections table. Reports count the ``connected``/``conversation`` flags stored on each
attempt (:func:`connect_flag`, :func:`conversation_flag`): deriving them per row with a
correlated EXISTS made a year of calls three times slower on SQLite. The two cannot drift
apart unnoticed: :func:`flag_mismatches` counts attempts whose stored flags disagree with
the rules and :func:`sync_flags` rewrites them in one set-based UPDATE
(``callcoach recount``), e.g. after importing history written by other tools.

Time bucketing (week, hour, weekday, month) is written as integer arithmetic on epoch
seconds plus the display zone's UTC offset, with the offset chosen per instant by a CASE
over the zone's DST transitions inside the period; the same arithmetic runs on SQLite and
PostgreSQL, so both engines put every call in the same bucket. The epoch seconds are read
from columns the database derives per call (``logged_epoch``, ``dialed_slot``: see
migration 0007), the floor of the stored instant on both engines.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.catalog.outcomes import (
    ASKED_OUTCOMES,
    BY_OUTCOME,
    CONNECT_OUTCOMES,
    OUTCOMES,
    Outcome,
    keys_of,
)
from callcoach.storage.models import AttemptObjection, CallAttempt

#: Outcomes where the target person answered (the catalogue's connect column).
CONNECT_OUTCOME_VALUES: tuple[str, ...] = tuple(sorted(o.value for o in CONNECT_OUTCOMES))
#: Outcomes that mean a meeting or callback was asked for (past the opening).
ASKED_OUTCOME_VALUES: tuple[str, ...] = tuple(sorted(o.value for o in ASKED_OUTCOMES))
#: A call longer than this many seconds is "over three minutes" (the method's maximum).
LONG_CALL_SECONDS = 180
#: Below this many calls in a denominator a rate is flagged as a small sample.
SMALL_SAMPLE = 20

#: The definitions, worded as the issue words them (README and report footers quote these).
DEFINITIONS: dict[str, str] = {
    "dial": "any call attempt",
    "connect": "the target person answered (outcomes "
    f"{keys_of([k for k in OUTCOMES if k.connect])} and any attempt with objections)",
    "conversation": "a connect that got past the opening (an objection was logged "
    "or a meeting/callback was asked for)",
    "meeting set": f"outcome {BY_OUTCOME[Outcome.MEETING].key}",
    "rates": "ratios of counts over the same filter",
}


def logged(attempt: type[CallAttempt] = CallAttempt) -> sa.ColumnElement[bool]:
    """Condition for an attempt that counts as a dial (its outcome is logged)."""
    return col(attempt.outcome).is_not(None)


def has_objection(attempt: type[CallAttempt] = CallAttempt) -> sa.ColumnElement[bool]:
    """True when at least one objection was logged on the attempt."""
    return (
        sa.select(sa.literal(1))
        .where(col(AttemptObjection.attempt_id) == col(attempt.id))
        .exists()
    )


def derived_connect_flag(attempt: type[CallAttempt] = CallAttempt) -> sa.ColumnElement[int]:
    """The connect rule in SQL: 1 for outcomes 5-8 or any attempt with an objection."""
    return sa.case(
        (col(attempt.outcome).in_(CONNECT_OUTCOME_VALUES), 1),
        (has_objection(attempt), 1),
        else_=0,
    )


def derived_conversation_flag(attempt: type[CallAttempt] = CallAttempt) -> sa.ColumnElement[int]:
    """The conversation rule in SQL: an objection logged or a meeting/callback asked for."""
    return sa.case(
        (col(attempt.outcome).in_(ASKED_OUTCOME_VALUES), 1),
        (has_objection(attempt), 1),
        else_=0,
    )


def connect_flag(attempt: type[CallAttempt] = CallAttempt) -> sa.ColumnElement[int]:
    """1 for a connect, else 0: the stored flag (kept equal to the rule, see module doc)."""
    return sa.case((col(attempt.connected).is_(True), 1), else_=0)


def conversation_flag(attempt: type[CallAttempt] = CallAttempt) -> sa.ColumnElement[int]:
    """1 for a conversation, else 0: the stored flag (kept equal to the rule)."""
    return sa.case((col(attempt.conversation).is_(True), 1), else_=0)


def meeting_flag(attempt: type[CallAttempt] = CallAttempt) -> sa.ColumnElement[int]:
    """1 for a meeting set (outcome 7), else 0."""
    return sa.case((col(attempt.outcome) == Outcome.MEETING.value, 1), else_=0)


def _mismatch(attempt: type[CallAttempt] = CallAttempt) -> sa.ColumnElement[bool]:
    return sa.and_(
        logged(attempt),
        sa.or_(
            connect_flag(attempt) != derived_connect_flag(attempt),
            conversation_flag(attempt) != derived_conversation_flag(attempt),
        ),
    )


def flag_mismatches(session: Session) -> int:
    """Logged attempts whose stored connect/conversation flags disagree with the rules."""
    return int(
        session.execute(
            sa.select(sa.func.count()).select_from(CallAttempt).where(_mismatch())
        ).scalar_one()
    )


def sync_flags(session: Session) -> int:
    """Rewrite disagreeing flags from the rules in one UPDATE; commits; returns rows fixed."""
    a = CallAttempt
    result = cast("sa.CursorResult[Any]", session.execute(
        sa.update(a)
        .where(_mismatch(a))
        .values(
            connected=sa.case((derived_connect_flag(a) == 1, True), else_=False),
            conversation=sa.case((derived_conversation_flag(a) == 1, True), else_=False),
        )
        .execution_options(synchronize_session=False)
    ))
    session.commit()
    return int(result.rowcount or 0)


# ---------------------------------------------------------------------------------------
# Time: epoch seconds, display-zone offsets, buckets.


def floor_div(expr: sa.ColumnElement, divisor: int) -> sa.ColumnElement[int]:
    """Integer division (``//`` renders integer ``/`` on both engines; inputs are >= 0)."""
    return expr // divisor


@functools.lru_cache(maxsize=256)
def zone_offsets(
    zone: ZoneInfo, start: datetime, end: datetime
) -> tuple[tuple[datetime, int], ...]:
    """The zone's UTC offset (seconds) from ``start`` and at each transition before ``end``.

    Returns ``[(from_instant, offset), ...]`` in time order; found by scanning hours and
    bisecting to the second, so DST changes inside a year-long report are exact. Cached: a
    year takes ~4 ms to scan, and one report statement asks several times.
    """

    def off(t: datetime) -> int:
        return int(t.astimezone(zone).utcoffset().total_seconds())  # type: ignore[union-attr]

    result = [(start, off(start))]
    step = timedelta(hours=6)
    t = start
    while t < end:
        nxt = min(t + step, end)
        if off(nxt) != off(t):
            lo, hi = t, nxt
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if off(mid) == off(lo):
                    lo = mid
                else:
                    hi = mid
            hi = hi.replace(microsecond=0)
            result.append((hi, off(hi)))
        t = nxt
    return tuple(result)


def local_epoch(
    epoch: sa.ColumnElement, zone: ZoneInfo, start: datetime, end: datetime
) -> sa.ColumnElement[int]:
    """An epoch-seconds expression shifted into the display zone's wall clock.

    The offset is chosen per instant by a CASE over the zone's changes between ``start``
    and ``end`` (instants before ``start`` get its offset).
    """
    offsets = zone_offsets(zone, start, end)
    if len(offsets) == 1:
        return epoch + offsets[0][1]
    whens = [
        (epoch < int(nxt_from.timestamp()), sa.literal(off))
        for (_, off), (nxt_from, _) in zip(offsets, offsets[1:], strict=False)
    ]
    return epoch + sa.case(*whens, else_=sa.literal(offsets[-1][1]))


#: 1970-01-01 was a Thursday: day number + 3 makes Monday = 0.
_EPOCH_WEEKDAY_SHIFT = 3
#: The Monday on or before 1970-01-01, origin of the week numbers below.
WEEK_ORIGIN = date(1969, 12, 29)


def hour_bucket(local: sa.ColumnElement) -> sa.ColumnElement[int]:
    """Hour of day 0-23 of a local epoch expression."""
    return floor_div(local, 3600) % 24


def weekday_bucket(local: sa.ColumnElement) -> sa.ColumnElement[int]:
    """Weekday 0 (Monday) - 6 (Sunday) of a local epoch expression."""
    return (floor_div(local, 86400) + _EPOCH_WEEKDAY_SHIFT) % 7


def week_bucket(local: sa.ColumnElement) -> sa.ColumnElement[int]:
    """Week number counted from :data:`WEEK_ORIGIN` (weeks start on Monday)."""
    return floor_div(floor_div(local, 86400) + _EPOCH_WEEKDAY_SHIFT, 7)


def week_start_of(number: int) -> date:
    """The Monday that starts week ``number`` (see :func:`week_bucket`)."""
    return WEEK_ORIGIN + timedelta(weeks=int(number))


def week_number(monday: date) -> int:
    """Inverse of :func:`week_start_of` for any date in the week."""
    return (monday - WEEK_ORIGIN).days // 7


# ---------------------------------------------------------------------------------------
# Ratios: always shown with their counts.


@dataclass(frozen=True)
class Ratio:
    """A rate kept with its counts, so "1/2 (50%)" is never shown as a bare "50%"."""

    num: int
    den: int

    @property
    def value(self) -> float | None:
        """The rate as a fraction, or None when the denominator is zero."""
        return self.num / self.den if self.den else None

    @property
    def pct(self) -> float | None:
        """The rate in percent rounded to one decimal (the figure every format shows)."""
        v = self.value
        return None if v is None else round(v * 100 + 1e-9, 1)

    @property
    def small(self) -> bool:
        """True when the denominator is below :data:`SMALL_SAMPLE`."""
        return self.den < SMALL_SAMPLE

    def text(self) -> str:
        """``num/den (pct%)``, or ``-`` when nothing to divide by."""
        if not self.den:
            return "-"
        return f"{self.num}/{self.den} ({self.pct:g}%)"

    def as_json(self) -> dict[str, object]:
        """Counts and percent for JSON output."""
        return {"num": self.num, "den": self.den, "pct": self.pct}


@dataclass(frozen=True)
class CountChange:
    """A count now and before: ``+3`` (a percentage only from :data:`SMALL_SAMPLE` before on)."""

    now: float
    before: float

    @property
    def diff(self) -> float:
        """Now minus before."""
        return self.now - self.before

    @property
    def pct(self) -> float | None:
        """Percent change, only when the previous count is not small."""
        if self.before < SMALL_SAMPLE:
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


def _fraction(r: Ratio) -> str:
    """``3/10``, or ``-`` when nothing to divide by."""
    return f"{r.num}/{r.den}" if r.den else "-"


@dataclass(frozen=True)
class RateChange:
    """A rate now and before: ``+2.1 pts`` when both rest on at least :data:`SMALL_SAMPLE` counts,
    else both rates with their counts (``3/10 vs 1/8``, ``3/10 vs -``)."""

    now: Ratio
    before: Ratio

    @property
    def points(self) -> float | None:
        """The change in percentage points, only when neither rate is small."""
        if self.now.den < SMALL_SAMPLE or self.before.den < SMALL_SAMPLE:
            return None
        assert self.now.pct is not None and self.before.pct is not None
        return round(self.now.pct - self.before.pct, 1)

    def text(self) -> str:
        """``+2.1 pts`` or ``3/10 vs 1/8`` (small counts) or ``-`` (nothing to divide)."""
        if not self.now.den and not self.before.den:
            return "-"
        pts = self.points
        if pts is None:
            return f"{_fraction(self.now)} vs {_fraction(self.before)}"
        return f"{pts:+.1f} pts"

    def as_json(self) -> dict[str, object]:
        """Both rates and (when not small) the change in points."""
        return {"now": self.now.as_json(), "before": self.before.as_json(),
                "points": self.points}


def to_utc(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight starting ``day`` in ``zone``, as aware UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
