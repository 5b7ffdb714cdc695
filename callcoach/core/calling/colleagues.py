"""Same-company colleagues: other contacts at the contact's company reached lately, so the
rep can say "I spoke with ..." on the call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from callcoach.storage.models import Contact
from callcoach.storage.sql.colleagues import reached_at_company


@dataclass(frozen=True)
class Colleague:
    """Another contact at the same company, reached in this block or recently."""

    full_name: str
    title: str
    outcome: str  # the outcome of their latest reached call (catalogue value)
    called_at: datetime
    this_block: bool


#: How far back a reached colleague is still worth naming on the card.
RECENT_DAYS = 30
#: How many colleagues the card names (most recent first).
MAX_SHOWN = 3


def same_company_colleagues(
    session: Session,
    contact: Contact,
    block_id: int | None,
    now: datetime,
    days: int = RECENT_DAYS,
    limit: int = MAX_SHOWN,
) -> list[Colleague]:
    """Other contacts at ``contact``'s company reached (the person answered) in this block
    or in the last ``days`` days, with the outcome of their latest such call."""
    if contact.id is None or not contact.company.strip():
        return []
    rows = reached_at_company(
        session, contact.company, contact.id, block_id, now - timedelta(days=days), limit
    )
    return [
        Colleague(
            full_name=f"{r['first_name']} {r['last_name']}".strip(),
            title=r["title"] or "",
            outcome=r["outcome"],
            called_at=_aware(r["called_at"]),
            this_block=bool(r["this_block"]),
        )
        for r in rows
    ]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
