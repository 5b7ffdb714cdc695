"""The SQL of the rep's own picks in a block: skipping the contact on screen (no dial, no
attempt: it comes back later) and finding a contact of the list to serve next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.storage.models import Contact, DoNotCall
from callcoach.storage.sql.contacts import SERVABLE_STATUSES, reservation_free


def skip_contact(session: Session, block_id: int, contact_id: int, until: datetime) -> bool:
    """Put the contact the block holds back in the queue, due at ``until`` (nothing else
    changes: no attempt, same status); False when the block does not hold it."""
    result = session.execute(
        sa.update(Contact)
        .where(col(Contact.id) == contact_id, col(Contact.reserved_by_block_id) == block_id)
        .values(next_call_at=until, reserved_by_block_id=None, reserved_at=None)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True)
class FoundContact:
    """One contact of a list matching the rep's search."""

    id: int
    name: str
    company: str
    phone: str
    status: str
    next_call_at: datetime | None
    held_elsewhere: bool  # another live block holds it now
    timezone: str = ""
    open_now: bool = True  # its local time is inside the calling window (set by the core)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def find_contacts(
    session: Session,
    list_id: int,
    text: str,
    block_id: int,
    stale_before: datetime,
    limit: int = 50,
) -> list[FoundContact]:
    """The list's contacts that may still be called whose name, company or number holds
    ``text`` (case-insensitive; digits also match the number without its punctuation),
    in queue order."""
    name = sa.func.lower(col(Contact.first_name) + " " + col(Contact.last_name))
    pattern = _like(text.strip())
    conditions = [
        name.like(pattern, escape="\\"),
        sa.func.lower(col(Contact.company)).like(pattern, escape="\\"),
        sa.func.lower(col(Contact.last_name)).like(pattern, escape="\\"),
    ]
    digits = "".join(ch for ch in text if ch.isdigit())
    if digits:
        conditions.append(col(Contact.phone).like(f"%{digits}%"))
    dnc = sa.select(col(DoNotCall.phone)).where(col(DoNotCall.phone) == col(Contact.phone)).exists()
    free = sa.or_(reservation_free(stale_before), col(Contact.reserved_by_block_id) == block_id)
    rows = session.execute(
        sa.select(
            col(Contact.id), col(Contact.first_name), col(Contact.last_name),
            col(Contact.company), col(Contact.phone), col(Contact.status),
            col(Contact.next_call_at), ~free, col(Contact.timezone),
        )
        .where(
            col(Contact.list_id) == list_id,
            col(Contact.status).in_(SERVABLE_STATUSES),
            col(Contact.do_not_call).is_(False),
            ~dnc,
            sa.or_(*conditions) if text.strip() else sa.true(),
        )
        .order_by(col(Contact.last_name), col(Contact.first_name), col(Contact.id))
        .limit(limit)
    ).all()
    return [
        FoundContact(
            int(cid), f"{first} {last}".strip(), company, phone, status, due, bool(elsewhere),
            zone,
        )
        for cid, first, last, company, phone, status, due, elsewhere, zone in rows
    ]


def reserve_chosen(
    session: Session, block_id: int, list_id: int, contact_id: int, now: datetime,
    stale_before: datetime,
) -> bool:
    """Reserve the contact the rep chose for the block (freeing what it held), if it is on
    the list, may still be called and no other live block holds it; False otherwise."""
    dnc = sa.select(col(DoNotCall.phone)).where(col(DoNotCall.phone) == col(Contact.phone)).exists()
    free = sa.or_(reservation_free(stale_before), col(Contact.reserved_by_block_id) == block_id)
    session.execute(
        sa.update(Contact)
        .where(col(Contact.reserved_by_block_id) == block_id, col(Contact.id) != contact_id)
        .values(reserved_by_block_id=None, reserved_at=None)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(
        sa.update(Contact)
        .where(
            col(Contact.id) == contact_id,
            col(Contact.list_id) == list_id,
            col(Contact.status).in_(SERVABLE_STATUSES),
            col(Contact.do_not_call).is_(False),
            ~dnc,
            free,
        )
        .values(reserved_by_block_id=block_id, reserved_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
