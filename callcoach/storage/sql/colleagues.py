"""The SQL behind same-company colleagues: other contacts at a company whose latest reached
call (the target person answered) was in a given block or since a given instant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.storage.models import CallAttempt, Contact


def company_key(company: str) -> str:
    """How companies are matched: trimmed, case-folded (``Acme `` is ``acme``)."""
    return company.strip().lower()


def reached_at_company(
    session: Session,
    company: str,
    exclude_contact_id: int,
    block_id: int | None,
    since: datetime,
    limit: int,
) -> list[dict[str, Any]]:
    """Other contacts at ``company`` reached in block ``block_id`` or logged since
    ``since``: one row per contact (their latest such call), most recent first, at most
    ``limit``. Keys: first_name, last_name, title, outcome, called_at, this_block."""
    key = company_key(company)
    if not key:
        return []
    this_block = (
        col(CallAttempt.block_id) == block_id if block_id is not None else sa.false()
    )
    ranked = (
        sa.select(
            col(Contact.first_name).label("first_name"),
            col(Contact.last_name).label("last_name"),
            col(Contact.title).label("title"),
            col(CallAttempt.outcome).label("outcome"),
            col(CallAttempt.logged_at).label("called_at"),
            sa.case((this_block, 1), else_=0).label("this_block"),
            sa.func.row_number()
            .over(
                partition_by=col(CallAttempt.contact_id),
                order_by=(col(CallAttempt.logged_at).desc(), col(CallAttempt.id).desc()),
            )
            .label("rank"),
        )
        .join(Contact, col(Contact.id) == col(CallAttempt.contact_id))
        .where(
            col(CallAttempt.connected).is_(True),
            col(CallAttempt.outcome).is_not(None),
            col(CallAttempt.logged_at).is_not(None),
            col(CallAttempt.contact_id) != exclude_contact_id,
            sa.func.lower(sa.func.trim(col(Contact.company))) == key,
            sa.or_(this_block, col(CallAttempt.logged_at) >= since),
        )
        .subquery()
    )
    rows = session.execute(
        sa.select(
            ranked.c.first_name,
            ranked.c.last_name,
            ranked.c.title,
            ranked.c.outcome,
            ranked.c.called_at,
            ranked.c.this_block,
        )
        .where(ranked.c.rank == 1)
        .order_by(ranked.c.called_at.desc())
        .limit(limit)
    ).mappings()
    return [dict(r) for r in rows]
