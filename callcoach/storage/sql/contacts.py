"""SQL conditions on contacts shared by the queue and the list overview: which contacts may
be served now, and which reservations still hold."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col

from callcoach.catalog.outcomes import ContactStatus
from callcoach.storage.models import BlockStatus, CallBlock, Contact, DoNotCall

#: Statuses that can ever be served again.
SERVABLE_STATUSES = (ContactStatus.NEW.value, ContactStatus.RETRY.value, ContactStatus.CALLBACK.value)

_LIVE_BLOCK_STATUSES = (BlockStatus.RUNNING.value, BlockStatus.PAUSED.value)


def reservation_free(stale_before: datetime | sa.BindParameter[datetime] | None) -> sa.ColumnElement[bool]:
    """SQL condition: the contact is held by no live block.

    With ``stale_before`` a reservation also counts as free when it was taken before that
    instant and its block has shown no activity since (a crashed or abandoned block).
    """
    unreserved = col(Contact.reserved_by_block_id).is_(None)
    if stale_before is None:
        return unreserved
    live_block = (
        sa.select(col(CallBlock.id))
        .where(
            col(CallBlock.id) == col(Contact.reserved_by_block_id),
            col(CallBlock.status).in_(_LIVE_BLOCK_STATUSES),
            sa.func.coalesce(CallBlock.last_activity_at, CallBlock.started_at) >= stale_before,
        )
        .exists()
    )
    return sa.or_(unreserved, sa.and_(col(Contact.reserved_at) < stale_before, ~live_block))


def callable_condition(
    now: datetime | sa.BindParameter[datetime],
    zones: list[str] | None,
    stale_before: datetime | sa.BindParameter[datetime] | None = None,
) -> sa.ColumnElement[bool]:
    """SQL condition for a contact that may be served at ``now`` (zones: None = all open).

    ``stale_before``: see :func:`reservation_free` (None: any reservation holds).
    """
    dnc = sa.select(col(DoNotCall.phone)).where(col(DoNotCall.phone) == col(Contact.phone)).exists()
    cond = sa.and_(
        col(Contact.status).in_(SERVABLE_STATUSES),
        col(Contact.do_not_call).is_(False),
        sa.or_(col(Contact.next_call_at).is_(None), col(Contact.next_call_at) <= now),
        reservation_free(stale_before),
        ~dnc,
    )
    if zones is not None:
        cond = sa.and_(cond, col(Contact.timezone).in_(zones))
    return cond
