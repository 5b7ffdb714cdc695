"""What the block screen shows: the next contact served (reserved) for the block, the
contact on screen, and what earlier calls to it left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from callcoach.clock import Clock
from callcoach.config import Settings
from callcoach.core.calling import queue
from callcoach.core.calling.lifecycle import open_attempt, require_live
from callcoach.storage.db import Database
from callcoach.storage.models import CallAttempt, CallBlock, Contact
from callcoach.storage.sql import calls as calls_sql
from callcoach.storage.sql import queue as queue_sql


def serve_next(
    db: Database,
    clock: Clock,
    settings: Settings,
    block: CallBlock,
    zone_cache: queue.ZoneCache | None = None,
    *,
    owner: str | None = None,
) -> Contact | None:
    """Reserve the next contact of the block's list (None: the list has nothing callable);
    with ``owner`` only while that token holds the block.

    On PostgreSQL the dial and outcome statements for this list and rep are also built now,
    if they are not yet: the rep then waits for none of that on the block's first call.
    """
    require_live(block)
    assert block.id is not None
    now = clock.now()
    contact = queue.next_contact(
        db,
        block_id=block.id,
        list_id=block.list_id,
        rep_id=block.rep_id,
        now=now,
        settings=settings,
        zone_cache=zone_cache,
        owner=owner,
    )
    if db.writes_in_one_statement and zone_cache is not None and zone_cache.read_at is not None:
        calls_sql.prepare_call_statements(
            db, block.list_id, block.rep_id, zone_cache.opened(now)
        )
    return contact


def current_contact(session: Session, block_id: int) -> Contact | None:
    """The contact on screen: the one with the block's open call, else the one it holds."""
    attempt = open_attempt(session, block_id)
    if attempt is not None:
        return session.get(Contact, attempt.contact_id)
    return queue_sql.held_contact(session, block_id)


@dataclass(frozen=True)
class ContactHistory:
    """What the card shows about earlier attempts."""

    attempts: int
    last_outcome: str | None
    last_called_at: datetime | None
    notes: list[str]  # most recent first


def contact_history(session: Session, contact_id: int, limit: int = 3) -> ContactHistory:
    """Attempts so far, the last outcome and the latest notes of a contact."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        return ContactHistory(0, None, None, [])
    notes = session.exec(
        select(CallAttempt.notes)
        .where(col(CallAttempt.contact_id) == contact_id, col(CallAttempt.notes) != "")
        .order_by(col(CallAttempt.dialed_at).desc())
        .limit(limit)
    ).all()
    return ContactHistory(
        contact.attempts, contact.last_outcome, contact.last_called_at, list(notes)
    )


