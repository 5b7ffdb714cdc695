"""The SQL behind same-company colleagues: other contacts at a company whose latest reached
call (the target person answered) was in a given block or since a given instant."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.storage.models import (
    ANSWERED_POSTGRESQL,
    ANSWERED_SQLITE,
    CallAttempt,
    Contact,
    attempt_epochs,
    table_of,
)

attempt = table_of(CallAttempt)


def epoch_seconds(instant: datetime) -> int:
    """``instant`` as the whole seconds since 1970 UTC that ``logged_epoch`` holds."""
    value = attempt_epochs(instant, instant, "x")["logged_epoch"]
    assert value is not None
    return value


@cache
def _statement(dialect: str) -> sa.Select[Any]:
    """The query, built once per dialect (a new contact is shown after every outcome: only
    the parameters change). The partial index's condition is repeated word for word, as
    SQLite uses a partial index only when the query states its WHERE."""
    answered = sa.text(f"({ANSWERED_SQLITE if dialect == 'sqlite' else ANSWERED_POSTGRESQL})")
    this_block = col(CallAttempt.block_id) == sa.bindparam("block")
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
            answered,
            attempt.c.logged_epoch >= sa.bindparam("since"),
            col(CallAttempt.connected).is_(True),
            col(CallAttempt.outcome).is_not(None),
            col(CallAttempt.contact_id) != sa.bindparam("exclude"),
            sa.func.lower(sa.func.trim(col(Contact.company))) == sa.bindparam("company"),
        )
        .subquery()
    )
    return (
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
        .limit(sa.bindparam("limit"))
    )


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
    """Other contacts at ``company`` reached in calls logged since ``since`` (the caller
    makes it no later than the start of block ``block_id``, whose calls are flagged): one
    row per contact (their latest such call), most recent first, at most ``limit``. Keys:
    first_name, last_name, title, outcome, called_at, this_block.

    The search runs on ``ix_attempt_answered`` (the calls a person answered, about one in
    ten, by logged instant): its own condition, written as the index declares it, and a
    range on ``logged_epoch``; not on every call logged in the period."""
    key = company_key(company)
    if not key:
        return []
    rows = session.execute(
        _statement(session.get_bind().dialect.name),
        {
            "company": key,
            "exclude": exclude_contact_id,
            "block": block_id if block_id is not None else -1,
            "since": epoch_seconds(since),
            "limit": limit,
        },
    ).mappings()
    return [dict(r) for r in rows]
