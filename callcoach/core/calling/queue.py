"""The contact queue: which contact a call block dials next, and when unreached ones return.

Order: callbacks that are due (the rep's own, or released ones), then never-called
contacts, then contacts due for a retry. Never served: do-not-call (the global register by
phone, or the contact's flag), wrong numbers, meetings already set, exhausted or
not-interested contacts, contacts outside their local calling window, and contacts held by
another live block. Serving *reserves* the contact for the block atomically, in one
write transaction; the statement itself lives in :mod:`callcoach.storage.sql.queue`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import Session

from callcoach.catalog.outcomes import BY_OUTCOME, ContactStatus, Outcome
from callcoach.config import CallingWindow, RetryRules, Settings
from callcoach.core.calling.hold import require_hold
from callcoach.core.lists.call_lists import zone_is_open
from callcoach.storage.db import Database
from callcoach.storage.models import Contact, from_row
from callcoach.storage.sql import queue as queue_sql

#: Seconds a cached list of a list's time zones stays fresh (new imports show up after this).
ZONE_CACHE_SECONDS = 600.0


def contact_zone(name: str) -> ZoneInfo | None:
    """The contact's IANA zone, or None when unknown or invalid."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def retry_at(now: datetime, attempts: int, zone: str, rules: RetryRules) -> datetime | None:
    """When a contact unreached on attempt number ``attempts`` is due again; None = exhausted.

    Before attempt ``rules.next_day_after_attempts`` it returns after ``delay_hours``; from
    that attempt on it returns the next day at ``next_day_hour`` in the contact's own time
    zone (UTC when unknown); after ``max_attempts`` it never returns.
    """
    if attempts >= rules.max_attempts:
        return None
    if attempts < rules.next_day_after_attempts:
        return now + timedelta(hours=rules.delay_hours)
    tz = contact_zone(zone)
    local = now.astimezone(tz) if tz else now
    day = local.date() + timedelta(days=1)
    nxt = datetime(day.year, day.month, day.day, rules.next_day_hour, tzinfo=local.tzinfo)
    return nxt.astimezone(now.tzinfo)


def status_after(
    outcome: Outcome, attempts: int, now: datetime, zone: str, rules: RetryRules
) -> tuple[ContactStatus, datetime | None]:
    """The contact's new status and next_call_at after ``outcome`` on attempt ``attempts``.

    Callbacks get their due time from the caller (returned here as None).
    """
    kind = BY_OUTCOME[outcome]
    if kind.retried:
        due = retry_at(now, attempts, zone, rules)
        if due is None:
            return ContactStatus.EXHAUSTED, None
        return ContactStatus.RETRY, due
    return kind.next_status, None


@dataclass
class ZoneCache:
    """The distinct time zones of one list, read once and re-read every few minutes.

    Which of them are open is recomputed in Python at each call (a few zones, cheap), so
    the queue never scans the list just to learn its zones.
    """

    list_id: int
    window: CallingWindow
    zones: list[str] = field(default_factory=list)
    read_at: datetime | None = None

    def open_zones(self, session: Session | sa.Connection, now: datetime) -> list[str] | None:
        """Zones inside the window at ``now``; None when every zone is open (no filter)."""
        if self.read_at is None or abs((now - self.read_at).total_seconds()) > ZONE_CACHE_SECONDS:
            self.zones = queue_sql.list_zones(session, self.list_id)
            self.read_at = now
        return self.opened(now)

    def opened(self, now: datetime) -> list[str] | None:
        """:meth:`open_zones` from the zones as last read, without reading them again."""
        opened = [z for z in self.zones if zone_is_open(z, now, self.window)]
        return None if len(opened) == len(self.zones) else opened


def next_contact(
    db: Database,
    *,
    block_id: int,
    list_id: int,
    rep_id: int,
    now: datetime,
    settings: Settings,
    zone_cache: ZoneCache | None = None,
    release: bool = True,
    owner: str | None = None,
) -> Contact | None:
    """Reserve and return the next contact for ``block_id``; None when nothing is callable.

    The choice and the reservation are one ``UPDATE ... WHERE id = COALESCE((SELECT ...
    LIMIT 1), ...) RETURNING`` over the tiers in order, inside one write transaction, so two
    blocks never get the same contact. With ``release`` any contact the block still held is
    released first. With ``owner`` only while that token holds the block (else
    :class:`~callcoach.core.calling.hold.HoldLost`, nothing written).
    """
    with db.transaction() as session:
        require_hold(session, block_id, owner, now)
        return reserve_next(
            session,
            block_id=block_id,
            list_id=list_id,
            rep_id=rep_id,
            now=now,
            settings=settings,
            zone_cache=zone_cache,
            release=release,
        )


def reserve_next(
    session: Session,
    *,
    block_id: int,
    list_id: int,
    rep_id: int,
    now: datetime,
    settings: Settings,
    zone_cache: ZoneCache | None = None,
    release: bool = True,
) -> Contact | None:
    """:func:`next_contact` inside the caller's write transaction (the caller commits)."""
    stale_before = now - timedelta(minutes=settings.reservation_minutes)
    cache = zone_cache or ZoneCache(list_id, settings.window)
    if release:
        queue_sql.release_block(session, block_id)
    row = queue_sql.reserve_contact(
        session,
        block_id=block_id,
        list_id=list_id,
        rep_id=rep_id,
        zones=cache.open_zones(session, now),
        now=now,
        stale_before=stale_before,
    )
    # Built from the RETURNING row: the ORM's UPDATE machinery costs more than the
    # statement itself on this hot path.
    return None if row is None else from_row(Contact, row)


@dataclass(frozen=True)
class QueueOutlook:
    """Why a list has nothing to serve now, for the rep's message."""

    servable: int  # contacts that may be called at some point
    next_due_at: datetime | None  # earliest retry/callback due after now


def queue_outlook(session: Session, list_id: int, now: datetime) -> QueueOutlook:
    """Counts explaining an empty queue: how many contacts remain and when the next is due."""
    servable, due = queue_sql.servable_outlook(session, list_id, now)
    return QueueOutlook(servable=servable, next_due_at=due)
