"""The SQL of undoing an outcome: finding the block's last logged call and restoring what
its outcome wrote, inside the caller's write transaction (one commit, both engines).

What to restore is decided by :mod:`callcoach.core.calling.undo` from the before-image the
outcome stored (:mod:`callcoach.core.calling.prior`); the rows an outcome added carry its
attempt's id (callback, meeting) or source (``call:ID`` on the do-not-call register). The
statements are built once (bind parameters only) and run on the session's connection:
building and caching an ORM statement costs more than running it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import SQLModel, col

from callcoach.storage.models import (
    ActivityExport,
    AttemptObjection,
    CallAttempt,
    Callback,
    CallBlock,
    Contact,
    DoNotCall,
    Meeting,
    from_row,
    table_of,
)

_Model = TypeVar("_Model", bound=SQLModel)


def _mapped(model: type[SQLModel]) -> list[sa.Column[Any]]:
    """The table columns the model maps (not the report columns only triggers keep)."""
    names = {attr.key for attr in sa.inspect(model).column_attrs}
    return [c for c in table_of(model).c if c.key in names]


_ATTEMPT = _mapped(CallAttempt)
_CONTACT = _mapped(Contact)
_MEETING = _mapped(Meeting)
_BLOCK_ID = sa.bindparam("block_id", type_=sa.Integer())
_ID = sa.bindparam("id", type_=sa.Integer())

_LAST_LOGGED = (
    sa.select(*_ATTEMPT)
    .where(col(CallAttempt.block_id) == _BLOCK_ID, col(CallAttempt.outcome).is_not(None))
    .order_by(col(CallAttempt.logged_at).desc(), col(CallAttempt.id).desc())
    .limit(1)
)
_OPEN_CALL = (
    sa.select(col(CallAttempt.id))
    .where(col(CallAttempt.block_id) == _BLOCK_ID, col(CallAttempt.outcome).is_(None))
    .limit(1)
)
_BLOCK = sa.select(col(CallBlock.status), col(CallBlock.list_id)).where(
    col(CallBlock.id) == _BLOCK_ID
)
_UNDONE_BY = sa.select(*_ATTEMPT).where(
    col(CallAttempt.undo_uuid) == sa.bindparam("u", type_=sa.String())
)
_CONTACT_ROW = sa.select(*_CONTACT).where(col(Contact.id) == _ID)
_MEETING_OF = sa.select(*_MEETING).where(col(Meeting.attempt_id) == _ID)
_CALLED_SINCE = (
    sa.select(col(CallAttempt.id))
    .where(
        col(CallAttempt.contact_id) == sa.bindparam("contact_id", type_=sa.Integer()),
        col(CallAttempt.id) > _ID,
    )
    .limit(1)
)
_RELEASE_OTHERS = (
    sa.update(Contact)
    .where(
        col(Contact.reserved_by_block_id) == sa.bindparam("r_block", type_=sa.Integer()),
        col(Contact.id) != sa.bindparam("c_id", type_=sa.Integer()),
    )
    .values(reserved_by_block_id=None, reserved_at=None)
)
# SET columns come from the parameters given at execution (as in storage/sql/calls.py).
_UPDATE_ATTEMPT = sa.update(CallAttempt).where(
    col(CallAttempt.id) == sa.bindparam("a_id", type_=sa.Integer())
)
_UPDATE_CONTACT = sa.update(Contact).where(
    col(Contact.id) == sa.bindparam("c_id", type_=sa.Integer())
)
_UNMARK = (
    sa.update(AttemptObjection)
    .where(col(AttemptObjection.id).in_(sa.bindparam("ids", expanding=True)))
    .values(overcome=None)
)
_REOPEN_CALLBACKS = (
    sa.update(Callback)
    .where(col(Callback.id).in_(sa.bindparam("ids", expanding=True)))
    .values(done=False)
)
_DELETE_CALLBACK = sa.delete(Callback).where(col(Callback.attempt_id) == _ID)
_DELETE_MEETING = sa.delete(Meeting).where(col(Meeting.attempt_id) == _ID)
# A deleted meeting's id may come back (SQLite reuses the highest rowid): the meeting set
# in its place must not count as exported already.
_FORGET_MEETING_EXPORT = sa.delete(ActivityExport).where(
    col(ActivityExport.kind) == "meeting", col(ActivityExport.activity_id) == _ID
)
_DELETE_DNC = sa.delete(DoNotCall).where(
    col(DoNotCall.phone) == sa.bindparam("phone", type_=sa.String()),
    col(DoNotCall.source) == sa.bindparam("source", type_=sa.String()),
)


def _row(model: type[_Model], row: sa.Row[Any] | None) -> _Model | None:
    return None if row is None else from_row(model, dict(row._mapping))


def block_state(conn: sa.Connection, block_id: int) -> tuple[str, int, bool] | None:
    """The block's status and list, and whether a call is open in it (None: no block)."""
    row = conn.execute(_BLOCK, {"block_id": block_id}).first()
    if row is None:
        return None
    open_call = conn.execute(_OPEN_CALL, {"block_id": block_id}).first() is not None
    return str(row[0]), int(row[1]), open_call


def last_logged_attempt(conn: sa.Connection, block_id: int) -> CallAttempt | None:
    """The block's call logged last (None: no outcome logged in it)."""
    return _row(CallAttempt, conn.execute(_LAST_LOGGED, {"block_id": block_id}).first())


def undo_applied(conn: sa.Connection, undo_uuid: str) -> CallAttempt | None:
    """The attempt whose outcome the undo ``undo_uuid`` reverted, if it was applied."""
    return _row(CallAttempt, conn.execute(_UNDONE_BY, {"u": undo_uuid}).first())


def contact_row(conn: sa.Connection, contact_id: int) -> Contact | None:
    """The contact as stored now (detached)."""
    return _row(Contact, conn.execute(_CONTACT_ROW, {"id": contact_id}).first())


def called_since(conn: sa.Connection, contact_id: int, attempt_id: int) -> bool:
    """True when the contact has a call dialled after attempt ``attempt_id``."""
    params = {"contact_id": contact_id, "id": attempt_id}
    return conn.execute(_CALLED_SINCE, params).first() is not None


def meeting_of(conn: sa.Connection, attempt_id: int) -> Meeting | None:
    """The meeting set by attempt ``attempt_id``, detached (its values survive a delete)."""
    return _row(Meeting, conn.execute(_MEETING_OF, {"id": attempt_id}).first())


def restore_outcome(
    conn: sa.Connection,
    *,
    block_id: int,
    attempt_id: int,
    attempt_values: Mapping[str, Any],
    contact_id: int,
    contact_values: Mapping[str, Any],
    phone: str,
    objections: Iterable[int],
    callbacks: Iterable[int],
    meeting_id: int | None = None,
) -> None:
    """Write an undo: free what the block reserved since (the next contact), put the
    attempt's and the contact's columns back, unmark the objections the outcome settled,
    re-open the callbacks it closed, and delete its callback, meeting (and the record of
    that meeting's CRM export) and do-not-call entry. The caller's transaction commits it
    all at once."""
    conn.execute(_RELEASE_OTHERS, {"r_block": block_id, "c_id": contact_id})
    conn.execute(_UPDATE_ATTEMPT, {"a_id": attempt_id, **attempt_values})
    conn.execute(_UPDATE_CONTACT, {"c_id": contact_id, **contact_values})
    settled = list(objections)
    if settled:
        conn.execute(_UNMARK, {"ids": settled})
    closed = list(callbacks)
    if closed:
        conn.execute(_REOPEN_CALLBACKS, {"ids": closed})
    conn.execute(_DELETE_CALLBACK, {"id": attempt_id})
    conn.execute(_DELETE_MEETING, {"id": attempt_id})
    if meeting_id is not None:
        conn.execute(_FORGET_MEETING_EXPORT, {"id": meeting_id})
    conn.execute(_DELETE_DNC, {"phone": phone, "source": f"call:{attempt_id}"})
