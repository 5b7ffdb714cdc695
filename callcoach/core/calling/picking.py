"""The rep's own picks in a block, beside the queue's order: skip the contact on screen
("not now": no dial, no attempt, back in the queue after :data:`SKIP_MINUTES`, behind the
contacts never skipped) and find a contact of the list to call next."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from callcoach.clock import Clock
from callcoach.config import Settings
from callcoach.core.calling import queue
from callcoach.core.calling.hold import require_hold
from callcoach.core.calling.lifecycle import BlockError, get_block, open_attempt, require_live
from callcoach.core.calling.queue import contact_zone
from callcoach.core.lists.call_lists import zone_is_open
from callcoach.storage.db import Database
from callcoach.storage.models import Contact
from callcoach.storage.sql import picking as picking_sql
from callcoach.storage.sql.picking import FoundContact
from callcoach.storage.sql.undo import contact_row

#: A skipped contact is due again this long after the skip (and, being due later than the
#: contacts never tried, comes after the rest of the list).
SKIP_MINUTES = 30

__all__ = ["SKIP_MINUTES", "FoundContact", "find_contacts", "serve_chosen", "skip_contact"]


def skip_contact(
    db: Database,
    clock: Clock,
    settings: Settings,
    *,
    block_id: int,
    contact_id: int,
    zone_cache: queue.ZoneCache | None = None,
    owner: str | None = None,
) -> Contact | None:
    """Skip the contact the block holds (not a dial, not an attempt: it is due again in
    :data:`SKIP_MINUTES`) and reserve the next one, in one transaction; the next contact,
    or None when the list has nothing else callable now."""
    now = clock.now()
    with db.transaction() as session:
        require_hold(session, block_id, owner, now)
        block = get_block(session, block_id)
        require_live(block)
        if open_attempt(session, block_id) is not None:
            raise BlockError("a call is in progress: log its outcome instead of skipping")
        until = now + timedelta(minutes=SKIP_MINUTES)
        if not picking_sql.skip_contact(session, block_id, contact_id, until):
            raise BlockError("that contact is no longer on this block's screen")
        return queue.reserve_next(
            session,
            block_id=block_id,
            list_id=block.list_id,
            rep_id=block.rep_id,
            now=now,
            settings=settings,
            zone_cache=zone_cache,
            release=False,
        )


def find_contacts(
    db: Database, clock: Clock, settings: Settings, *, block_id: int, text: str, limit: int = 50
) -> list[FoundContact]:
    """The contacts of the block's list that may still be called and match ``text`` by
    name, company or number."""
    now = clock.now()
    stale_before = now - timedelta(minutes=settings.reservation_minutes)
    with db.session() as session:
        block = get_block(session, block_id)
        found = picking_sql.find_contacts(
            session, block.list_id, text, block_id, stale_before, limit
        )
    return [replace(f, open_now=zone_is_open(f.timezone, now, settings.window)) for f in found]


def serve_chosen(
    db: Database,
    clock: Clock,
    settings: Settings,
    *,
    block_id: int,
    contact_id: int,
    owner: str | None = None,
) -> Contact:
    """Put the contact the rep found on the block's screen next (the one shown before goes
    back to the queue untouched); BlockError when it cannot be served."""
    now = clock.now()
    stale_before = now - timedelta(minutes=settings.reservation_minutes)
    with db.transaction() as session:
        require_hold(session, block_id, owner, now)
        block = get_block(session, block_id)
        require_live(block)
        if open_attempt(session, block_id) is not None:
            raise BlockError("a call is in progress: log its outcome first")
        chosen = contact_row(session.connection(), contact_id)
        if chosen is not None and not zone_is_open(chosen.timezone, now, settings.window):
            local = now.astimezone(contact_zone(chosen.timezone) or now.tzinfo)
            window = settings.window
            raise BlockError(
                f"{chosen.full_name or chosen.phone}: {local:%H:%M} local, outside calling "
                f"hours ({window.start:%H:%M}-{window.end:%H:%M})"
            )
        if not picking_sql.reserve_chosen(
            session, block_id, block.list_id, contact_id, now, stale_before
        ):
            raise BlockError("that contact cannot be called now: another rep has it, or it is done")
        contact = contact_row(session.connection(), contact_id)
        assert contact is not None
        return contact
