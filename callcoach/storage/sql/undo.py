"""The SQL of undoing an outcome: finding the block's last logged call and restoring what
its outcome wrote, inside the caller's write transaction (one commit, both engines).

What to restore is decided by :mod:`callcoach.core.calling.undo` from the before-image the
outcome stored (:mod:`callcoach.core.calling.prior`); the rows an outcome added carry its
attempt's id (callback, meeting) or source (``call:ID`` on the do-not-call register).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from callcoach.storage.models import (
    AttemptObjection,
    CallAttempt,
    Callback,
    Contact,
    DoNotCall,
    Meeting,
    from_row,
    table_of,
)

_Model = TypeVar("_Model", bound=SQLModel)


def last_logged_attempt(session: Session, block_id: int) -> CallAttempt | None:
    """The block's call logged last (None: no outcome logged in it)."""
    return session.exec(
        select(CallAttempt)
        .where(col(CallAttempt.block_id) == block_id, col(CallAttempt.outcome).is_not(None))
        .order_by(col(CallAttempt.logged_at).desc(), col(CallAttempt.id).desc())
        .limit(1)
    ).first()


def undo_applied(session: Session, undo_uuid: str) -> CallAttempt | None:
    """The attempt whose outcome the undo ``undo_uuid`` reverted, if it was applied."""
    return session.exec(
        select(CallAttempt).where(col(CallAttempt.undo_uuid) == undo_uuid)
    ).first()


def called_since(session: Session, contact_id: int, attempt_id: int) -> bool:
    """True when the contact has a call dialled after attempt ``attempt_id``."""
    return (
        session.execute(
            sa.select(col(CallAttempt.id))
            .where(col(CallAttempt.contact_id) == contact_id, col(CallAttempt.id) > attempt_id)
            .limit(1)
        ).first()
        is not None
    )


def meeting_of(session: Session, attempt_id: int) -> Meeting | None:
    """The meeting set by attempt ``attempt_id``, detached (its values survive a delete)."""
    return fresh_row(session, Meeting, attempt_id, "attempt_id")


def restore_outcome(
    session: Session,
    *,
    block_id: int,
    attempt_id: int,
    attempt_values: Mapping[str, Any],
    contact_id: int,
    contact_values: Mapping[str, Any],
    phone: str,
    objections: Iterable[int],
    callbacks: Iterable[int],
) -> None:
    """Write an undo: free what the block reserved since (the next contact), put the
    attempt's and the contact's columns back, unmark the objections the outcome settled,
    re-open the callbacks it closed, and delete its callback, meeting and do-not-call
    entry. The caller's transaction commits it all at once."""
    session.execute(
        sa.update(Contact)
        .where(col(Contact.reserved_by_block_id) == block_id, col(Contact.id) != contact_id)
        .values(reserved_by_block_id=None, reserved_at=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.update(CallAttempt)
        .where(col(CallAttempt.id) == attempt_id)
        .values(dict(attempt_values))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.update(Contact)
        .where(col(Contact.id) == contact_id)
        .values(dict(contact_values))
        .execution_options(synchronize_session=False)
    )
    settled = list(objections)
    if settled:
        session.execute(
            sa.update(AttemptObjection)
            .where(col(AttemptObjection.id).in_(settled))
            .values(overcome=None)
            .execution_options(synchronize_session=False)
        )
    closed = list(callbacks)
    if closed:
        session.execute(
            sa.update(Callback)
            .where(col(Callback.id).in_(closed))
            .values(done=False)
            .execution_options(synchronize_session=False)
        )
    session.execute(sa.delete(Callback).where(col(Callback.attempt_id) == attempt_id))
    session.execute(sa.delete(Meeting).where(col(Meeting.attempt_id) == attempt_id))
    session.execute(
        sa.delete(DoNotCall).where(
            col(DoNotCall.phone) == phone, col(DoNotCall.source) == f"call:{attempt_id}"
        )
    )


def fresh_row(session: Session, model: type[_Model], key: int, column: str = "id") -> _Model | None:
    """The row of ``model`` whose ``column`` is ``key``, read from the database (not the
    session's identity map) and detached: only the columns the model maps."""
    table = table_of(model)
    names = [attr.key for attr in sa.inspect(model).column_attrs]
    row = session.execute(
        sa.select(*(table.c[name] for name in names)).where(table.c[column] == key)
    ).first()
    return None if row is None else from_row(model, dict(zip(names, row, strict=True)))
