"""The queue's SQL: the reservation of a block's next contact as one
``UPDATE ... WHERE id = COALESCE(tier1, tier2, tier3) RETURNING`` statement, releasing what a
block holds, a list's time zones, and the counts that explain an empty queue.

Two blocks never get the same contact: the caller runs the reservation in a write
transaction (``BEGIN IMMEDIATE`` on SQLite, see ``Database.transaction``), and on
PostgreSQL each tier's row is taken ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from callcoach.catalog.outcomes import ContactStatus
from callcoach.storage.models import Contact, UTCDateTime, table_of
from callcoach.storage.sql.contacts import SERVABLE_STATUSES, callable_condition


def skips_locked_rows(conn: sa.Connection) -> bool:
    """True when the engine behind ``conn`` can pass over rows other transactions lock."""
    return conn.dialect.name == "postgresql"


def _candidates(
    list_id: int,
    rep_id: int,
    now: datetime | sa.BindParameter[datetime],
    zones: list[str] | None,
    stale_before: datetime | sa.BindParameter[datetime],
) -> list[sa.Select[Any]]:
    """The three queue tiers as index-friendly ``SELECT id ... LIMIT 1`` statements."""
    base = callable_condition(now, zones, stale_before)
    order = (col(Contact.next_call_at), col(Contact.id))
    callbacks = (
        sa.select(col(Contact.id))
        .where(
            col(Contact.list_id) == list_id,
            col(Contact.status) == ContactStatus.CALLBACK.value,
            col(Contact.next_call_at) <= now,
            sa.or_(
                col(Contact.callback_rep_id).is_(None), col(Contact.callback_rep_id) == rep_id
            ),
            base,
        )
        .order_by(*order)
    )
    fresh = (
        sa.select(col(Contact.id))
        .where(
            col(Contact.list_id) == list_id, col(Contact.status) == ContactStatus.NEW.value, base
        )
        .order_by(*order)
    )
    retries = (
        sa.select(col(Contact.id))
        .where(
            col(Contact.list_id) == list_id,
            col(Contact.status) == ContactStatus.RETRY.value,
            col(Contact.next_call_at) <= now,
            base,
        )
        .order_by(*order)
    )
    return [callbacks, fresh, retries]


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
                col(Contact.id) != sa.bindparam("x_id", type_=sa.Integer()),
                col(Contact.phone).is_distinct_from(sa.bindparam("x_phone", type_=sa.String())),
            )
        select_id = select_id.limit(1)
        if skip_locked:
            select_id = select_id.with_for_update(skip_locked=True, of=table_of(Contact))
        tiers.append(select_id.scalar_subquery())
    # One statement, one round trip: COALESCE evaluates the tiers in order and stops at the
    # first that finds a contact (both engines evaluate these subqueries lazily), so a
    # later tier is neither read nor locked when an earlier one serves.
    condition = col(Contact.id) == sa.func.coalesce(*tiers)
    if where is not None:
        condition = sa.and_(condition, where)
    return (
        sa.update(Contact)
        .where(condition)
        .values(reserved_by_block_id=block_id, reserved_at=now)
        .returning(*table_of(Contact).c)
    )


_RESERVE_CACHE: dict[tuple[int, int, tuple[str, ...] | None, bool], sa.Update] = {}


def _reservation(list_id: int, rep_id: int, zones: list[str] | None, skip_locked: bool) -> sa.Update:
    """:func:`reserve_statement`, built once per list, rep, open zones and locking and
    reused: times and the block id are bind parameters, so a block's hot path only
    executes prepared expression trees (building them costs more than running them)."""
    key = (list_id, rep_id, tuple(zones) if zones is not None else None, skip_locked)
    cached = _RESERVE_CACHE.get(key)
    if cached is not None:
        return cached
    statement = reserve_statement(list_id, rep_id, zones, skip_locked)
    if len(_RESERVE_CACHE) > 256:
        _RESERVE_CACHE.clear()
    _RESERVE_CACHE[key] = statement
    return statement


def reserve_contact(
    session: Session,
    *,
    block_id: int,
    list_id: int,
    rep_id: int,
    zones: list[str] | None,
    now: datetime,
    stale_before: datetime,
) -> Mapping[Any, Any] | None:
    """Reserve the first servable contact of the list for the block, in the caller's write
    transaction; the contact's row as written, or None when nothing is callable."""
    conn = session.connection()
    stmt = _reservation(list_id, rep_id, zones, skips_locked_rows(conn))
    row = conn.execute(stmt, {"now": now, "stale_before": stale_before, "r_block": block_id}).first()
    return None if row is None else row._mapping


def release_block(session: Session, block_id: int) -> int:
    """Free every contact held by ``block_id`` (caller commits); returns how many."""
    result = session.execute(
        sa.update(Contact)
        .where(col(Contact.reserved_by_block_id) == block_id)
        .values(reserved_by_block_id=None, reserved_at=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def held_contact(session: Session, block_id: int) -> Contact | None:
    """The contact ``block_id`` currently holds, if any."""
    return session.exec(
        select(Contact)
        .where(col(Contact.reserved_by_block_id) == block_id)
        .order_by(col(Contact.id))
    ).first()


def list_zones(conn: Session | sa.Connection, list_id: int) -> list[str]:
    """The distinct time zones of the list's contacts."""
    return list(
        conn.execute(
            sa.select(col(Contact.timezone)).where(col(Contact.list_id) == list_id).distinct()
        ).scalars()
    )


def servable_outlook(session: Session, list_id: int, now: datetime) -> tuple[int, datetime | None]:
    """How many contacts of the list may still be served some day, and the earliest due
    time after ``now`` among them (aware, or None)."""
    row = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.min(
                sa.case((col(Contact.next_call_at) > now, col(Contact.next_call_at)))
            ),
        ).where(
            col(Contact.list_id) == list_id,
            col(Contact.status).in_(SERVABLE_STATUSES),
            col(Contact.do_not_call).is_(False),
        )
    ).one()
    due = row[1]
    if isinstance(due, str):  # SQLite returns min() of a datetime expression as text
        due = datetime.fromisoformat(due)
    if due is not None and due.tzinfo is None:
        due = due.replace(tzinfo=now.tzinfo)
    return int(row[0]), due
