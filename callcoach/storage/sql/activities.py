"""The SQL of ``callcoach export activities``: logged calls and meetings with the contact's
CRM fields, what was exported before, and the record of what a run wrote.

Rows are plain dicts (column name -> value) read in one query per kind, objections in one
query per chunk of calls; the core module :mod:`callcoach.core.review.activities` turns
them into each CRM's columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.storage.errors import DatabaseError
from callcoach.storage.models import (
    ActivityExport,
    AttemptObjection,
    CallAttempt,
    CallList,
    Contact,
    Meeting,
    Objection,
    Rep,
    table_of,
)

_CHUNK = 500

_CONTACT_COLUMNS: tuple[sa.Label[Any], ...] = (
    col(Contact.external_id).label("record_id"),
    col(Contact.email).label("contact_email"),
    col(Contact.phone).label("phone"),
    col(Contact.extension).label("extension"),
    col(Contact.first_name).label("first_name"),
    col(Contact.last_name).label("last_name"),
    col(Contact.company).label("company"),
    col(Contact.title).label("title"),
    col(Contact.timezone).label("contact_zone"),
)


def _not_exported(target: str, kind: str, id_column: Any) -> sa.ColumnElement[bool]:
    done = table_of(ActivityExport)
    return ~sa.exists().where(
        done.c.target == target, done.c.kind == kind, done.c.activity_id == id_column
    )


def _period(
    column: Any, start: datetime | None, end: datetime | None, rep_ids: Sequence[int]
) -> list[sa.ColumnElement[bool]]:
    conds: list[sa.ColumnElement[bool]] = []
    if start is not None:
        conds.append(column >= start)
    if end is not None:
        conds.append(column < end)
    if rep_ids:
        conds.append(col(CallAttempt.rep_id).in_(rep_ids))
    return conds


def call_rows(
    session: Session,
    target: str,
    start: datetime | None,
    end: datetime | None,
    rep_ids: Sequence[int] = (),
    include_exported: bool = False,
) -> list[dict[str, Any]]:
    """Every logged call (an outcome written) in ``[start, end)`` by when it was logged, oldest
    first, with its contact, rep and list; without ``include_exported`` only the calls not yet
    exported to ``target``."""
    conds = [col(CallAttempt.outcome).is_not(None), *_period(
        col(CallAttempt.logged_at), start, end, rep_ids)]
    if not include_exported:
        conds.append(_not_exported(target, "call", col(CallAttempt.id)))
    query = (
        sa.select(
            col(CallAttempt.id).label("id"),
            col(CallAttempt.dialed_at).label("dialed_at"),
            col(CallAttempt.logged_at).label("logged_at"),
            col(CallAttempt.outcome).label("outcome"),
            col(CallAttempt.duration_seconds).label("duration_seconds"),
            col(CallAttempt.notes).label("notes"),
            col(CallAttempt.attempt_number).label("attempt_number"),
            *_CONTACT_COLUMNS,
            col(Rep.name).label("rep_name"),
            col(Rep.email).label("rep_email"),
            col(CallList.name).label("list_name"),
        )
        .join(Contact, col(Contact.id) == col(CallAttempt.contact_id))
        .join(Rep, col(Rep.id) == col(CallAttempt.rep_id))
        .join(CallList, col(CallList.id) == col(CallAttempt.list_id))
        .where(*conds)
        .order_by(col(CallAttempt.logged_at), col(CallAttempt.id))
    )
    return [dict(row._mapping) for row in session.execute(query)]


def objections_of(
    session: Session, attempt_ids: Iterable[int]
) -> dict[int, list[tuple[str, str, bool | None]]]:
    """Per call, the objections raised in order: (key, text, overcome)."""
    ids = list(attempt_ids)
    found: dict[int, list[tuple[str, str, bool | None]]] = {}
    for i in range(0, len(ids), _CHUNK):
        query = (
            sa.select(
                col(AttemptObjection.attempt_id),
                col(Objection.key),
                col(Objection.text),
                col(AttemptObjection.overcome),
            )
            .join(Objection, col(Objection.id) == col(AttemptObjection.objection_id))
            .where(col(AttemptObjection.attempt_id).in_(ids[i : i + _CHUNK]))
            .order_by(col(AttemptObjection.attempt_id), col(AttemptObjection.position),
                      col(AttemptObjection.id))
        )
        for attempt_id, key, text, overcome in session.execute(query):
            found.setdefault(int(attempt_id), []).append((key, text, overcome))
    return found


def meeting_rows(
    session: Session,
    target: str,
    start: datetime | None,
    end: datetime | None,
    rep_ids: Sequence[int] = (),
    include_exported: bool = False,
) -> list[dict[str, Any]]:
    """Every meeting booked on a call logged in ``[start, end)``, oldest first, with the
    contact and rep; without ``include_exported`` only those not yet exported to ``target``."""
    conds = _period(col(CallAttempt.logged_at), start, end, rep_ids)
    if not include_exported:
        conds.append(_not_exported(target, "meeting", col(Meeting.id)))
    query = (
        sa.select(
            col(Meeting.id).label("id"),
            col(Meeting.attempt_id).label("attempt_id"),
            col(Meeting.starts_at).label("starts_at"),
            col(Meeting.duration_minutes).label("duration_minutes"),
            col(Meeting.kind).label("kind"),
            col(Meeting.email).label("attendee_email"),
            col(Meeting.parked_questions).label("parked_questions"),
            col(CallAttempt.logged_at).label("booked_at"),
            *_CONTACT_COLUMNS,
            col(Rep.name).label("rep_name"),
            col(Rep.email).label("rep_email"),
            col(CallList.name).label("list_name"),
        )
        .join(CallAttempt, col(CallAttempt.id) == col(Meeting.attempt_id))
        .join(Contact, col(Contact.id) == col(Meeting.contact_id))
        .join(Rep, col(Rep.id) == col(Meeting.rep_id))
        .join(CallList, col(CallList.id) == col(CallAttempt.list_id))
        .where(col(CallAttempt.outcome).is_not(None), *conds)
        .order_by(col(CallAttempt.logged_at), col(Meeting.id))
    )
    return [dict(row._mapping) for row in session.execute(query)]


def record_exported(
    session: Session, target: str, kind: str, ids: Sequence[int], now: datetime
) -> None:
    """Remember that these calls or meetings were written for ``target`` (a re-export with
    ``--all`` keeps the first record)."""
    table = table_of(ActivityExport)
    done: set[int] = set()
    for i in range(0, len(ids), _CHUNK):
        chunk = list(ids[i : i + _CHUNK])
        done.update(
            session.execute(
                sa.select(table.c.activity_id).where(
                    table.c.target == target, table.c.kind == kind,
                    table.c.activity_id.in_(chunk),
                )
            ).scalars()
        )
    rows = [
        {"target": target, "kind": kind, "activity_id": i, "exported_at": now}
        for i in ids if i not in done
    ]
    if rows:
        try:
            session.execute(sa.insert(table), rows)
        except sa.exc.IntegrityError:
            raise DatabaseError(
                f"another export to {target} recorded some of these {kind}s at the same time; "
                "nothing was written by this one: run it again"
            ) from None
