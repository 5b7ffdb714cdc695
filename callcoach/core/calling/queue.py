"""The contact queue: which contact a call block dials next, and when unreached ones return.

Order: callbacks that are due (the rep's own, or released ones), then never-called
contacts, then contacts due for a retry. Never served: do-not-call (the global register by
phone, or the contact's flag), wrong numbers, meetings already set, exhausted or
not-interested contacts, contacts outside their local calling window, and contacts held by
another live block. Serving *reserves* the contact for the block atomically
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import Session, select

from callcoach.catalog.outcomes import BY_OUTCOME, ContactStatus, Outcome
from callcoach.config import CallingWindow, RetryRules, Settings
from callcoach.core.lists.call_lists import callable_condition, zone_is_open
from callcoach.storage.db import Database
from callcoach.storage.models import Contact, UTCDateTime, from_row

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
            self.zones = list(
                session.execute(
                    sa.select(Contact.timezone).where(Contact.list_id == self.list_id).distinct()
                ).scalars()
            )
            self.read_at = now
        return self.opened(now)

    def opened(self, now: datetime) -> list[str] | None:
        """:meth:`open_zones` from the zones as last read, without reading them again."""
        opened = [z for z in self.zones if zone_is_open(z, now, self.window)]
        return None if len(opened) == len(self.zones) else opened


def _candidates(
    list_id: int,
    rep_id: int,
    now: datetime | sa.BindParameter,
    zones: list[str] | None,
    stale_before: datetime | sa.BindParameter,
) -> list[sa.Select]:
    """The three queue tiers as index-friendly ``SELECT id ... LIMIT 1`` statements."""
    base = callable_condition(now, zones, stale_before)
    callbacks = (
        sa.select(Contact.id)
        .where(
            Contact.list_id == list_id,
            Contact.status == ContactStatus.CALLBACK.value,
            Contact.next_call_at <= now,
            sa.or_(Contact.callback_rep_id.is_(None), Contact.callback_rep_id == rep_id),
            base,
        )
        .order_by(Contact.next_call_at, Contact.id)
    )
    fresh = (
        sa.select(Contact.id)
        .where(Contact.list_id == list_id, Contact.status == ContactStatus.NEW.value, base)
        .order_by(Contact.next_call_at, Contact.id)
    )
    retries = (
        sa.select(Contact.id)
        .where(
            Contact.list_id == list_id,
            Contact.status == ContactStatus.RETRY.value,
            Contact.next_call_at <= now,
            base,
        )
        .order_by(Contact.next_call_at, Contact.id)
    )
    return [callbacks, fresh, retries]


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
) -> Contact | None:
    """Reserve and return the next contact for ``block_id``; None when nothing is callable.

    The choice and the reservation are one ``UPDATE ... WHERE id = COALESCE((SELECT ...
    LIMIT 1), ...) RETURNING`` over the tiers in order, inside one transaction (``BEGIN
    IMMEDIATE`` on SQLite, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so two blocks never
    get the same contact. With ``release`` any contact the block still held is released
    first.
    """
    with db.session() as session:
        try:
            if db.is_sqlite:
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            contact = reserve_next(
                session,
                block_id=block_id,
                list_id=list_id,
                rep_id=rep_id,
                now=now,
                settings=settings,
                zone_cache=zone_cache,
                release=release,
                skip_locked=not db.is_sqlite,
            )
            session.commit()
            return contact
        except BaseException:
            session.rollback()
            raise


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
    skip_locked: bool = False,
) -> Contact | None:
    """:func:`next_contact` inside the caller's transaction (the caller commits)."""
    stale_before = now - timedelta(minutes=settings.reservation_minutes)
    cache = zone_cache or ZoneCache(list_id, settings.window)
    if release:
        release_block(session, block_id)
    zones = cache.open_zones(session, now)
    params = {"now": now, "stale_before": stale_before, "r_block": block_id}
    conn = session.connection()
    for stmt in _reserve_statements(list_id, rep_id, zones, skip_locked):
        row = conn.execute(stmt, params).first()
        if row is not None:
            # Built from the RETURNING row on the Core connection: the ORM's UPDATE
            # machinery costs more than the statement itself on this hot path.
            return from_row(Contact, row._mapping)
    return None


_RESERVE_CACHE: dict[tuple, list[sa.Update]] = {}


def _reserve_statements(
    list_id: int, rep_id: int, zones: list[str] | None, skip_locked: bool
) -> list[sa.Update]:
    """The three tiers as one ``UPDATE ... WHERE id = COALESCE(tier1, tier2, tier3)
    RETURNING`` statement (in a list), built once and reused.

    Times and the block id are bind parameters, so a block's hot path only executes
    prepared expression trees (building them costs more than running them).
    """
    key = (list_id, rep_id, tuple(zones) if zones is not None else None, skip_locked)
    cached = _RESERVE_CACHE.get(key)
    if cached is not None:
        return cached
    statements = [reserve_statement(list_id, rep_id, zones, skip_locked)]
    if len(_RESERVE_CACHE) > 256:
        _RESERVE_CACHE.clear()
    _RESERVE_CACHE[key] = statements
    return statements


def reserve_statement(
    list_id: int,
    rep_id: int,
    zones: list[str] | None,
    skip_locked: bool,
    exclude: bool = False,
    where: sa.ColumnElement[bool] | None = None,
) -> sa.Update:
    """The three tiers as one ``UPDATE ... WHERE id = COALESCE(tier1, tier2, tier3)
    RETURNING`` statement; binds ``now``, ``stale_before`` and ``r_block`` (the block;
    not ``block_id``, which a DML statement would take for a column to SET).

    ``exclude`` adds binds ``x_id`` (a contact not to serve) and ``x_phone`` (a number not
    to serve; NULL excludes none), for a statement whose snapshot cannot see a change
    written beside it in the same statement; ``where`` is one more condition on the UPDATE.
    """
    now = sa.bindparam("now", type_=UTCDateTime())
    stale_before = sa.bindparam("stale_before", type_=UTCDateTime())
    block_id = sa.bindparam("r_block", type_=sa.Integer())
    tiers = []
    for select_id in _candidates(list_id, rep_id, now, zones, stale_before):
        if exclude:
            select_id = select_id.where(
                Contact.id != sa.bindparam("x_id", type_=sa.Integer()),
                Contact.phone.is_distinct_from(sa.bindparam("x_phone", type_=sa.String())),
            )
        select_id = select_id.limit(1)
        if skip_locked:
            select_id = select_id.with_for_update(skip_locked=True, of=Contact.__table__)
        tiers.append(select_id.scalar_subquery())
    # One statement, one round trip: COALESCE evaluates the tiers in order and stops at the
    # first that finds a contact (both engines evaluate these subqueries lazily), so a
    # later tier is neither read nor locked when an earlier one serves.
    condition = Contact.id == sa.func.coalesce(*tiers)
    if where is not None:
        condition = sa.and_(condition, where)
    return (
        sa.update(Contact)
        .where(condition)
        .values(reserved_by_block_id=block_id, reserved_at=now)
        .returning(*Contact.__table__.c)
    )


def release_block(session: Session, block_id: int) -> int:
    """Free every contact held by ``block_id`` (caller commits); returns how many."""
    result = session.execute(
        sa.update(Contact)
        .where(Contact.reserved_by_block_id == block_id)
        .values(reserved_by_block_id=None, reserved_at=None)
    )
    return int(result.rowcount or 0)


def held_contact(session: Session, block_id: int) -> Contact | None:
    """The contact ``block_id`` currently holds, if any."""
    return session.exec(
        select(Contact).where(Contact.reserved_by_block_id == block_id).order_by(Contact.id)
    ).first()


@dataclass(frozen=True)
class QueueOutlook:
    """Why a list has nothing to serve now, for the rep's message."""

    servable: int  # contacts that may be called at some point
    next_due_at: datetime | None  # earliest retry/callback due after now


def queue_outlook(session: Session, list_id: int, now: datetime) -> QueueOutlook:
    """Counts explaining an empty queue: how many contacts remain and when the next is due."""
    servable_statuses = (
        ContactStatus.NEW.value,
        ContactStatus.RETRY.value,
        ContactStatus.CALLBACK.value,
    )
    row = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.min(sa.case((Contact.next_call_at > now, Contact.next_call_at))),
        ).where(
            Contact.list_id == list_id,
            Contact.status.in_(servable_statuses),
            Contact.do_not_call.is_(False),
        )
    ).one()
    due = row[1]
    if isinstance(due, str):  # SQLite returns min() of a datetime expression as text
        due = datetime.fromisoformat(due)
    if due is not None and due.tzinfo is None:
        due = due.replace(tzinfo=now.tzinfo)
    return QueueOutlook(servable=int(row[0]), next_due_at=due)
