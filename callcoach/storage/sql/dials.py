"""The SQL of a dial: what a dial checks, the attempt it opens, and the pauses its dead
time leaves out.

On PostgreSQL (``Database.writes_in_one_statement``) a plain dial is one statement of
data-modifying CTEs on an autocommit connection (:func:`dial_at_once`), compiled once per
process; what it opened is kept for the outcome that follows (:func:`take_dialed`), which
then needs no read first. Inputs and outputs are the plain records of
:mod:`callcoach.catalog.calls`; the rules live in :mod:`callcoach.core.calling.dialling`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.catalog.calls import CONTACT_INPUTS, DialCheck, OpenCall
from callcoach.storage.db import Database
from callcoach.storage.models import (
    BlockPause,
    BlockStatus,
    CallAttempt,
    CallBlock,
    Contact,
    UTCDateTime,
    table_of,
)
from callcoach.storage.raw import RawStatement
from callcoach.storage.sql.holds import OWN, held_by_own


def _dial_lookup(
    block: str = "block_id", contact: str = "contact_id", hold: bool = False
) -> sa.Select[Any]:
    """One round trip for everything a dial checks (built once, reused); with ``hold``
    also whether the writer's token (``own``) holds the block, as ``held``."""
    b = sa.bindparam(block, type_=sa.Integer())
    c = sa.bindparam(contact, type_=sa.Integer())
    open_contact = (
        sa.select(col(CallAttempt.contact_id))
        .where(col(CallAttempt.block_id) == b, col(CallAttempt.outcome).is_(None))
        .order_by(col(CallAttempt.dialed_at).desc())
        .limit(1)
        .scalar_subquery()
    )
    last_logged = (
        sa.select(sa.func.max(col(CallAttempt.logged_at)))
        .where(col(CallAttempt.block_id) == b, col(CallAttempt.outcome).is_not(None))
        .scalar_subquery()
    )
    attempts = sa.select(col(Contact.attempts)).where(col(Contact.id) == c).scalar_subquery()
    list_id = sa.select(col(Contact.list_id)).where(col(Contact.id) == c).scalar_subquery()
    columns = [
        col(CallBlock.status),
        col(CallBlock.paused_at),
        col(CallBlock.paused_seconds),
        col(CallBlock.rep_id),
        open_contact.label("open_contact"),
        last_logged.label("last_logged"),
        attempts.label("attempts"),
        list_id.label("list_id"),
    ]
    if hold:
        columns.append(held_by_own().label("held"))
    return sa.select(*columns).where(col(CallBlock.id) == b)


def _dial_at_once() -> sa.Select[Any]:
    """PostgreSQL: a dial as one statement - the lookup, and the attempt's INSERT and the
    block's heartbeat when the lookup allows a plain dial: a running block with no pause so
    far (the dead time is then simply the time since the last outcome), no open call, an
    existing contact, the block held by the writer's token (``own``). Anything else inserts
    nothing and the general path decides.
    """
    lookup = _dial_lookup("d_block", "d_contact", hold=True).cte("lk")
    block = sa.bindparam("d_block", type_=sa.Integer())
    contact = sa.bindparam("d_contact", type_=sa.Integer())
    now = sa.bindparam("now", type_=UTCDateTime())
    last = lookup.c.last_logged
    gap = sa.case(
        (last.is_(None), sa.null()),
        else_=sa.func.greatest(0, sa.cast(sa.extract("epoch", now - last), sa.Float())),
    )
    insert = (
        sa.insert(CallAttempt)
        .from_select(
            [
                "block_id", "rep_id", "contact_id", "list_id", "attempt_number", "dialed_at",
                "gap_seconds", "connected", "conversation", "notes",
            ],
            sa.select(
                block, lookup.c.rep_id, contact,
                lookup.c.list_id, lookup.c.attempts + 1, now, gap, sa.false(), sa.false(),
                sa.literal_column("''"),
            ).where(
                lookup.c.status == BlockStatus.RUNNING.value,
                lookup.c.paused_at.is_(None),
                sa.func.coalesce(lookup.c.paused_seconds, 0) == 0,
                lookup.c.open_contact.is_(None),
                lookup.c.attempts.is_not(None),
                lookup.c.held,
            ),
        )
        .returning(col(CallAttempt.id), col(CallAttempt.gap_seconds))
        .cte("ins")
    )
    touch = (
        sa.update(CallBlock)
        .where(col(CallBlock.id) == block, sa.exists().select_from(insert))
        .values(last_activity_at=now)
        .returning(col(CallBlock.id))
        .cte("touch")
    )
    contacts = table_of(Contact).c
    return (
        sa.select(
            insert.c.id, insert.c.gap_seconds, lookup.c.rep_id, lookup.c.list_id,
            *(contacts[k] for k in CONTACT_INPUTS),
        )
        .select_from(lookup.join(insert, sa.true()).join(Contact, col(Contact.id) == contact))
        .add_cte(touch)
    )


_DIAL_LOOKUP = _dial_lookup()
#: A dial as one statement (PostgreSQL), compiled at its first run.
DIAL_AT_ONCE = RawStatement(_dial_at_once)
_DIAL_INSERT = sa.insert(CallAttempt).returning(col(CallAttempt.id))
#: The block's heartbeat: binds ``b_id`` and ``b_now``.
TOUCH_BLOCK = (
    sa.update(CallBlock)
    .where(col(CallBlock.id) == sa.bindparam("b_id", type_=sa.Integer()))
    .values(last_activity_at=sa.bindparam("b_now", type_=UTCDateTime()))
)

#: What each one-statement dial of this process knows about the call it opened, by
#: (database URL, block): the attempt's columns and the contact's columns an outcome
#: depends on. The outcome then needs no read first (see :func:`take_dialed`).
_DIALED: dict[tuple[str, int], OpenCall] = {}


def dial_at_once(
    db: Database, block_id: int, contact_id: int, now: datetime, own: str | None = None
) -> OpenCall | None:
    """PostgreSQL: open the call in one statement, committed; None (nothing written) when
    the block or the contact needs the general dial's checks, or the block is not held by
    the token ``own`` (None: unchecked)."""
    with db.autocommit() as conn:
        row = DIAL_AT_ONCE.first(
            conn, {"d_block": block_id, "d_contact": contact_id, "now": now, OWN: own}
        )
    if row is None:
        return None
    attempt_id, gap, rep_id, list_id = row[:4]
    contact = dict(zip(CONTACT_INPUTS, row[4:], strict=True))
    attempt = {
        "id": attempt_id, "client_uuid": None, "block_id": block_id,
        "rep_id": rep_id, "contact_id": contact_id, "list_id": list_id,
        "attempt_number": contact["attempts"] + 1, "dialed_at": now,
        "ended_at": None, "logged_at": None, "outcome": None,
        "duration_seconds": None, "gap_seconds": gap, "connected": False,
        "conversation": False, "notes": "", "prior": None, "undone_at": None,
        "undone_outcome": None, "undo_uuid": None,
    }
    if len(_DIALED) > 256:
        _DIALED.clear()
    call = OpenCall(attempt, contact)
    _DIALED[(db.url, block_id)] = call
    return call


def take_dialed(db: Database, block_id: int) -> OpenCall | None:
    """The call the last one-statement dial of this process opened on the block, if any
    (forgotten once taken)."""
    return _DIALED.pop((db.url, block_id), None)


def dial_check(session: Session, block_id: int, contact_id: int, now: datetime) -> DialCheck | None:
    """What a dial of ``contact_id`` on the block checks (None: no such block); times are
    aware, in ``now``'s zone."""
    row = session.connection().execute(
        _DIAL_LOOKUP, {"block_id": block_id, "contact_id": contact_id}
    ).first()
    if row is None:
        return None
    status, paused_at, paused_seconds, rep_id, open_contact, last, attempts, list_id = row
    return DialCheck(
        status, paused_at, paused_seconds or 0.0, rep_id, open_contact, _aware(last, now),
        attempts, list_id,
    )


def _aware(value: datetime | str | None, now: datetime) -> datetime | None:
    """A datetime read back from an aggregate (SQLite returns text), made aware."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=now.tzinfo)
    return value


def pauses_since(
    session: Session, block_id: int, since: datetime
) -> list[tuple[datetime, datetime | None]]:
    """The block's pauses still open or ended after ``since``: (start, end or None)."""
    rows = session.execute(
        sa.select(col(BlockPause.started_at), col(BlockPause.ended_at)).where(
            col(BlockPause.block_id) == block_id,
            sa.or_(col(BlockPause.ended_at).is_(None), col(BlockPause.ended_at) > since),
        )
    )
    return [(start, end) for start, end in rows]


def insert_attempt(session: Session, values: Mapping[str, Any], now: datetime) -> int:
    """Add a call attempt with ``values`` and mark its block active at ``now``; its id."""
    conn = session.connection()
    attempt_id = conn.execute(_DIAL_INSERT, dict(values)).scalar_one()
    assert attempt_id is not None  # RETURNING the new row's key
    conn.execute(TOUCH_BLOCK, {"b_id": values["block_id"], "b_now": now})
    return attempt_id
