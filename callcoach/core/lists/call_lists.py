"""Call-list summaries: what the home screen and ``callcoach lists`` show.

Counts are aggregated in SQL. "Callable now" applies the queue's eligibility rules: the
contact's status lets it be served, it is due, it is not on the global do-not-call register,
it is not held by another live block, and its local time is inside the calling window.
The window is applied per time zone: SQL groups contacts by zone, Python checks each zone's
local clock once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import Session, col, select

from callcoach.config import CallingWindow
from callcoach.storage.models import CallAttempt, CallBlock, CallList, Contact
from callcoach.storage.sql.contacts import callable_condition


@dataclass(frozen=True)
class ListSummary:
    """One row of the list overview."""

    id: int
    name: str
    dimension: str
    value: str | None
    contacts: int
    callable_now: int
    last_block_at: datetime | None


def zone_is_open(zone: str, now: datetime, window: CallingWindow) -> bool:
    """True when ``now`` falls inside the calling window in time zone ``zone``.

    Contacts with an unknown zone are treated as callable: the rep sees the number and
    decides, rather than the contact being silently stranded.
    """
    if not zone:
        return True
    try:
        local = now.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return True
    return window.start <= local.time().replace(tzinfo=None) < window.end


def open_zones(session: Session, now: datetime, window: CallingWindow) -> tuple[list[str], bool]:
    """Time zones present among contacts that are inside the window now.

    Returns ``(zones, all_open)``; ``all_open`` lets callers skip the filter entirely.
    """
    zones = session.exec(select(Contact.timezone).distinct()).all()
    opened = [z for z in zones if zone_is_open(z, now, window)]
    return opened, len(opened) == len(zones)


def list_summaries(session: Session, now: datetime, window: CallingWindow) -> list[ListSummary]:
    """Every non-archived list with its counts, in name order."""
    zones, all_open = open_zones(session, now, window)
    callable_ = callable_condition(now, None if all_open else zones)
    counts = (
        sa.select(
            col(Contact.list_id).label("list_id"),
            sa.func.count().label("contacts"),
            sa.func.sum(sa.case((callable_, 1), else_=0)).label("callable_now"),
        )
        .group_by(col(Contact.list_id))
        .subquery()
    )
    last_block = (
        sa.select(col(CallBlock.list_id), sa.func.max(col(CallBlock.started_at)).label("last_at"))
        .group_by(col(CallBlock.list_id))
        .subquery()
    )
    # A block that switched lists used the ones before too: the block of the list's latest
    # logged call (one probe of ix_attempt_list_logged per list).
    dialled_in = (
        sa.select(col(CallBlock.started_at))
        .join_from(CallAttempt, CallBlock, col(CallBlock.id) == col(CallAttempt.block_id))
        .where(col(CallAttempt.list_id) == col(CallList.id), col(CallAttempt.logged_at).is_not(None))
        .order_by(col(CallAttempt.logged_at).desc())
        .limit(1)
        .correlate(CallList)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(
            col(CallList.id),
            col(CallList.name),
            col(CallList.cluster_dimension),
            col(CallList.cluster_value),
            sa.func.coalesce(counts.c.contacts, 0),
            sa.func.coalesce(counts.c.callable_now, 0),
            last_block.c.last_at,
            dialled_in,
        )
        .outerjoin(counts, counts.c.list_id == col(CallList.id))
        .outerjoin(last_block, last_block.c.list_id == col(CallList.id))
        .where(col(CallList.archived).is_(False))
        .order_by(col(CallList.name))
    ).all()
    result = []
    for row in rows:
        used = [t for t in (_instant(row[6]), _instant(row[7])) if t is not None]
        last_at = max(used) if used else None
        result.append(
            ListSummary(
                id=row[0],
                name=row[1],
                dimension=row[2],
                value=row[3],
                contacts=int(row[4]),
                callable_now=int(row[5]),
                last_block_at=last_at,
            )
        )
    return result


def _instant(value: datetime | str | None) -> datetime | None:
    """An instant read back from SQL, aware (SQLite returns max() of a datetime as text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def find_list(session: Session, name: str) -> CallList | None:
    """A list by exact name, else by case-insensitive name."""
    found = session.exec(select(CallList).where(CallList.name == name)).first()
    if found is None:
        found = session.exec(
            select(CallList).where(sa.func.lower(CallList.name) == name.lower())
        ).first()
    return found
