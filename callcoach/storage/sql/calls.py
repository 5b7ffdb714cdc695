"""The SQL of logging a call: the open call, and the writes of its outcome.

Two ways to write. The general one runs a few plain statements inside the caller's write
transaction and works on every engine. On PostgreSQL (``Database.writes_in_one_statement``)
the outcome with the next contact's reservation is one statement of data-modifying CTEs
on an autocommit connection: one round trip, committed atomically. Those statements are
compiled once per process (:class:`RawStatement`) and cached by list, rep and open zones.
Inputs and outputs are the plain records of :mod:`callcoach.catalog.calls`; the rules that
decide what to write live in :mod:`callcoach.core.calling.outcomes`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col, select

from callcoach.catalog.calls import (
    CONTACT_INPUTS,
    OUTCOME_ATTEMPT_COLUMNS,
    OUTCOME_CONTACT_COLUMNS,
    OpenCall,
    OutcomeWrite,
    OutcomeWritten,
)
from callcoach.storage.db import Database
from callcoach.storage.models import (
    AttemptObjection,
    CallAttempt,
    Callback,
    CallBlock,
    Contact,
    DoNotCall,
    UTCDateTime,
    table_of,
)
from callcoach.storage.raw import RawStatement
from callcoach.storage.sql.dials import DIAL_AT_ONCE, TOUCH_BLOCK
from callcoach.storage.sql.holds import OWN, held_by_own_exists
from callcoach.storage.sql.queue import reserve_statement

_STORED = aliased(CallAttempt, name="stored")


def _mapped_columns(model: type[SQLModel]) -> list[sa.Column[Any]]:
    """The table columns the model maps: not the ones only the database keeps (the report
    columns ``logged_epoch`` and ``dialed_slot`` that a trigger sets on ``call_attempt``)."""
    mapped = {attr.key for attr in sa.inspect(model).column_attrs}
    return [c for c in table_of(model).c if c.key in mapped]


_ATTEMPT_COLUMNS = _mapped_columns(CallAttempt)
_CONTACT_COLUMNS = _mapped_columns(Contact)
#: The mapped column names of an attempt and of a contact, in table order.
ATTEMPT_KEYS = tuple(c.key for c in _ATTEMPT_COLUMNS)
CONTACT_KEYS = tuple(c.key for c in _CONTACT_COLUMNS)
#: The attempt columns a guarded outcome statement checks (with outcome still NULL).
_ATTEMPT_GUARD = (
    "block_id", "contact_id", "rep_id", "list_id", "attempt_number", "dialed_at", "ended_at",
    "notes",
)


def _is_postgresql(conn: sa.Connection) -> bool:
    return conn.dialect.name == "postgresql"


# ---------------------------------------------------------------- the open call


def _open_call() -> sa.Select[Any]:
    """The block's open call as plain columns: attempt, contact, objection count, and
    whether client_uuid ``u`` is stored already."""
    objection_count = (
        sa.select(sa.func.count())
        .where(col(AttemptObjection.attempt_id) == col(CallAttempt.id))
        .scalar_subquery()
    )
    stored = sa.exists().where(col(_STORED.client_uuid) == sa.bindparam("u", type_=sa.String()))
    return (
        sa.select(*_ATTEMPT_COLUMNS, *_CONTACT_COLUMNS, objection_count, stored)
        .join_from(CallAttempt, Contact, col(Contact.id) == col(CallAttempt.contact_id))
        .where(
            col(CallAttempt.block_id) == sa.bindparam("block_id", type_=sa.Integer()),
            col(CallAttempt.outcome).is_(None),
        )
        .order_by(col(CallAttempt.dialed_at).desc())
        .limit(1)
    )


_OPEN_CALL = RawStatement(_open_call)


def read_open_call(conn: sa.Connection, block_id: int, client_uuid: str) -> OpenCall | None:
    """The block's open call (one round trip), with whether ``client_uuid`` is stored."""
    params = {"block_id": block_id, "u": client_uuid}
    if _is_postgresql(conn):
        row: Sequence[Any] | None = _OPEN_CALL.first(conn, params)
    else:
        row = conn.execute(_OPEN_CALL.statement, params).first()
    if row is None:
        return None
    n = len(ATTEMPT_KEYS)
    return OpenCall(
        dict(zip(ATTEMPT_KEYS, row[:n], strict=True)),
        dict(zip(CONTACT_KEYS, row[n:-2], strict=True)),
        int(row[-2]),
        bool(row[-1]),
    )


_REPLAY_CHECK = sa.select(col(CallAttempt.id)).where(
    col(CallAttempt.client_uuid) == sa.bindparam("u", type_=sa.String())
)


def is_stored(session: Session, client_uuid: str) -> bool:
    """True when an attempt with this client_uuid is stored already."""
    return session.connection().execute(_REPLAY_CHECK, {"u": client_uuid}).first() is not None


def stored_attempt(session: Session, client_uuid: str) -> CallAttempt | None:
    """The attempt stored with this client_uuid, if any."""
    return session.exec(
        select(CallAttempt).where(col(CallAttempt.client_uuid) == client_uuid)
    ).first()


# ---------------------------------------------------------------- the general outcome


def call_objections(session: Session, attempt_id: int) -> list[tuple[int, bool | None]]:
    """The objections of a call in the order raised: (id, overcome)."""
    rows = session.execute(
        sa.select(col(AttemptObjection.id), col(AttemptObjection.overcome))
        .where(col(AttemptObjection.attempt_id) == attempt_id)
        .order_by(col(AttemptObjection.position))
    )
    return [(int(oid), overcome) for oid, overcome in rows]


def mark_objections(session: Session, ids: Iterable[int], overcome: bool) -> None:
    """Mark the logged objections ``ids`` overcome or not."""
    session.execute(
        sa.update(AttemptObjection)
        .where(col(AttemptObjection.id).in_(list(ids)))
        .values(overcome=overcome)
    )


# The outcome's UPDATEs, built once: executing a reused statement skips building it and its
# cache key. SET columns come from the parameters given at execution.
_UPDATE_ATTEMPT = sa.update(CallAttempt).where(
    col(CallAttempt.id) == sa.bindparam("a_id", type_=sa.Integer())
)
_UPDATE_CONTACT = sa.update(Contact).where(
    col(Contact.id) == sa.bindparam("c_id", type_=sa.Integer())
)


def write_outcome_rows(
    session: Session,
    *,
    block_id: int,
    attempt_id: int,
    attempt_values: Mapping[str, Any],
    contact_id: int,
    contact_values: Mapping[str, Any],
    now: datetime,
    close_callbacks: bool,
) -> None:
    """The outcome's writes on the attempt, the contact and the block (heartbeat at
    ``now``); with ``close_callbacks`` the contact's open callbacks are marked done."""
    conn = session.connection()
    conn.execute(_UPDATE_ATTEMPT, {"a_id": attempt_id, **attempt_values})
    conn.execute(_UPDATE_CONTACT, {"c_id": contact_id, **contact_values})
    conn.execute(TOUCH_BLOCK, {"b_id": block_id, "b_now": now})
    if close_callbacks:
        session.execute(
            sa.update(Callback)
            .where(col(Callback.contact_id) == contact_id, col(Callback.done).is_(False))
            .values(done=True)
            .execution_options(synchronize_session=False)
        )


def open_callback_ids(session: Session, contact_id: int) -> list[int]:
    """The ids of the contact's callbacks not yet done."""
    rows = session.execute(
        sa.select(col(Callback.id)).where(
            col(Callback.contact_id) == contact_id, col(Callback.done).is_(False)
        )
    )
    return [int(cid) for (cid,) in rows]


def register_do_not_call(session: Session, phone: str, now: datetime, source: str) -> None:
    """Put ``phone`` on the do-not-call register (unless it is there already)."""
    if session.get(DoNotCall, phone) is None:
        session.add(DoNotCall(phone=phone, added_at=now, source=source))


# ------------------------------------------------- the PostgreSQL one-statement outcome


def write_outcome_at_once(conn: sa.Connection, write: OutcomeWrite) -> OutcomeWritten | None:
    """PostgreSQL, on an autocommit connection: write the outcome - the attempt, the
    contact, the block, the callback or do-not-call rows and (``serve``) the next contact's
    reservation - in one statement, committed atomically before it returns.

    None, having written nothing, when the call was already logged (or, ``guarded``, is no
    longer what ``write.call`` says), or the block is not held by ``write.owner``.
    """
    attempt, contact = write.call.attempt, write.call.contact
    params: dict[str, Any] = {f"a_{k}": v for k, v in write.attempt_values.items()}
    params.update({f"c_{k}": v for k, v in write.contact_values.items()})
    params.update(
        a_id=attempt["id"],
        c_id=contact["id"],
        r_block=write.block_id,
        now=write.now,
        cb_rep=attempt["rep_id"],
        was_callback=write.was_callback,
        dnc=write.do_not_call,
        dnc_phone=contact["phone"],
        dnc_source=f"call:{attempt['id']}",
        cb=write.callback_due is not None,
        cb_due=write.callback_due,
        stale_before=write.stale_before,
        x_id=contact["id"],
        x_phone=contact["phone"] if write.do_not_call else None,
    )
    params[OWN] = write.owner
    if write.guarded:
        params.update({f"h_{k}": attempt[k] for k in _ATTEMPT_GUARD})
        params.update({f"h_{k}": contact[k] for k in CONTACT_INPUTS[1:]})
    stmt = _outcome_statement(
        attempt["list_id"], attempt["rep_id"], write.zones, write.serve, write.guarded
    )
    row = stmt.first(conn, params)
    assert row is not None  # the statement always returns its one row of counts
    written, callback_id = row[0], row[1]
    if not written:
        return None
    n = len(CONTACT_KEYS)
    next_contact = None
    if write.serve and row[2 + n] is not None:
        next_contact = dict(zip(CONTACT_KEYS, row[2 + n :], strict=True))
    return OutcomeWritten(
        dict(zip(CONTACT_KEYS, row[2 : 2 + n], strict=True)), callback_id, next_contact
    )


def prepare_call_statements(db: Database, list_id: int, rep_id: int, zones: list[str] | None) -> None:
    """PostgreSQL: build and compile the statements of a call on ``list_id`` by ``rep_id``
    with ``zones`` open - the dial, the open call, the outcome with the next reservation -
    unless this process has them already. Building them costs about 20 ms of CPU once;
    each later call only runs them."""
    dialect = db.engine.dialect
    DIAL_AT_ONCE.compile(dialect)
    _OPEN_CALL.compile(dialect)
    for guarded in (True, False):
        _outcome_statement(list_id, rep_id, zones, serve=True, guarded=guarded).compile(dialect)


_OUTCOME_CACHE: dict[tuple[int, int, tuple[str, ...] | None, bool, bool], RawStatement] = {}


def _outcome_statement(
    list_id: int, rep_id: int, zones: list[str] | None, serve: bool, guarded: bool = False
) -> RawStatement:
    """The one statement that writes an outcome (and reserves the next contact), built once
    per list, rep and open zones.

    Every write is a data-modifying CTE guarded by ``EXISTS (SELECT * FROM ua)``: if the
    attempt's UPDATE finds the call already logged, or the block held by another window
    than the writer's token ``own``, nothing else is written. The
    reservation cannot see the other CTEs' writes (one snapshot), so it excludes the contact
    just logged and, after a do-not-call, its number - which is what a serve after the
    commit would have excluded.
    """
    key = (list_id, rep_id, tuple(zones) if zones is not None else None, serve, guarded)
    cached = _OUTCOME_CACHE.get(key)
    if cached is not None:
        return cached
    attempt_cols, contact_cols = table_of(CallAttempt).c, table_of(Contact).c
    a_id = sa.bindparam("a_id", type_=sa.Integer())
    c_id = sa.bindparam("c_id", type_=sa.Integer())
    # Parameter names never equal a column name: SQLAlchemy would add such a parameter
    # to the SET clause of every UPDATE in the statement.
    block_id = sa.bindparam("r_block", type_=sa.Integer())
    now = sa.bindparam("now", type_=UTCDateTime())
    open_call = [
        col(CallAttempt.id) == a_id,
        col(CallAttempt.outcome).is_(None),
        held_by_own_exists(block_id),  # one primary-key probe: the writer holds the block
    ]
    if guarded:
        # The call is still what the dial left: same columns, no objection, and this
        # client_uuid not stored yet (a replay goes the general way).
        open_call += [
            attempt_cols[k].is_not_distinct_from(
                sa.bindparam(f"h_{k}", type_=attempt_cols[k].type)
            )
            for k in _ATTEMPT_GUARD
        ]
        open_call += [
            ~sa.exists().where(col(AttemptObjection.attempt_id) == col(CallAttempt.id)),
            ~sa.exists().where(
                col(_STORED.client_uuid) == sa.bindparam("a_client_uuid", type_=sa.String())
            ),
            sa.exists().where(
                col(Contact.id) == c_id,
                *(
                    contact_cols[k].is_not_distinct_from(
                        sa.bindparam(f"h_{k}", type_=contact_cols[k].type)
                    )
                    for k in CONTACT_INPUTS[1:]
                ),
            ),
        ]
    ua = (
        sa.update(CallAttempt)
        .where(*open_call)
        .values(
            {
                k: sa.bindparam(f"a_{k}", type_=attempt_cols[k].type)
                for k in OUTCOME_ATTEMPT_COLUMNS
            }
        )
        .returning(col(CallAttempt.id))
        .cte("ua")
    )
    written = sa.exists().select_from(ua)
    uc = (
        sa.update(Contact)
        .where(col(Contact.id) == c_id, written)
        .values(
            {
                k: sa.bindparam(f"c_{k}", type_=contact_cols[k].type)
                for k in OUTCOME_CONTACT_COLUMNS
            }
        )
        .returning(*_CONTACT_COLUMNS)
        .cte("uc")
    )
    ub = (
        sa.update(CallBlock)
        .where(col(CallBlock.id) == block_id, written)
        .values(last_activity_at=now)
        .returning(col(CallBlock.id))
        .cte("ub")
    )
    done = (
        sa.update(Callback)
        .where(
            col(Callback.contact_id) == c_id,
            col(Callback.done).is_(False),
            sa.bindparam("was_callback", type_=sa.Boolean()),
            written,
        )
        .values(done=sa.true())
        .returning(col(Callback.id))
        .cte("cb_done")
    )
    phone = sa.bindparam("dnc_phone", type_=sa.String())
    dnc = (
        sa.insert(DoNotCall)
        .from_select(
            ["phone", "added_at", "source"],
            sa.select(phone, now, sa.bindparam("dnc_source", type_=sa.String())).where(
                sa.bindparam("dnc", type_=sa.Boolean()),
                written,
                ~sa.exists().where(col(DoNotCall.phone) == phone),
            ),
        )
        .returning(col(DoNotCall.phone))
        .cte("dnc")
    )
    callback = (
        sa.insert(Callback)
        .from_select(
            ["attempt_id", "contact_id", "rep_id", "due_at", "done", "released"],
            sa.select(
                a_id, c_id, sa.bindparam("cb_rep", type_=sa.Integer()),
                sa.bindparam("cb_due", type_=UTCDateTime()), sa.false(), sa.false(),
            ).where(sa.bindparam("cb", type_=sa.Boolean()), written),
        )
        .returning(col(Callback.id))
        .cte("cb")
    )
    columns = [
        sa.select(sa.func.count()).select_from(ua).scalar_subquery(),
        sa.select(callback.c.id).scalar_subquery(),
    ]
    one = sa.select(sa.literal_column("1").label("one")).subquery("one")
    joined = one.outerjoin(uc, sa.true())
    if serve:
        nxt = reserve_statement(
            list_id, rep_id, zones, skip_locked=True, exclude=True, where=written
        ).cte("nxt")
        stmt = sa.select(*columns, *uc.c, *nxt.c).select_from(joined.outerjoin(nxt, sa.true()))
    else:
        stmt = sa.select(*columns, *uc.c).select_from(joined)
    statement = RawStatement(stmt.add_cte(ub, done, dnc))
    if len(_OUTCOME_CACHE) > 256:
        _OUTCOME_CACHE.clear()
    _OUTCOME_CACHE[key] = statement
    return statement
