"""Objections on a call: the library with this list's rebuttals, logging one as it is
raised, and marking it overcome or not."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from callcoach.clock import Clock
from callcoach.core.calling.hold import require_hold
from callcoach.core.calling.lifecycle import BlockError, open_attempt
from callcoach.core.lists.tracks import list_track_id
from callcoach.storage.db import Database
from callcoach.storage.models import (
    AttemptObjection,
    CallAttempt,
    CallBlock,
    Objection,
    TalkTrackObjection,
)


@dataclass(frozen=True)
class ObjectionChoice:
    """An objection the rep can pick, with the rebuttal for this list's talk track."""

    id: int
    key: str
    text: str
    rebuttal: str
    likely: bool  # listed by the talk track as likely for this cluster


def objection_choices(session: Session, list_id: int) -> list[ObjectionChoice]:
    """The library, the list's likely objections first, rebuttals overridden by its track."""
    track_id = list_track_id(session, list_id)
    tto = (
        sa.select(
            col(TalkTrackObjection.objection_id),
            col(TalkTrackObjection.rebuttal_override),
            col(TalkTrackObjection.position),
        )
        .where(
            col(TalkTrackObjection.talk_track_id) == (track_id if track_id is not None else -1)
        )
        .subquery()
    )
    rows = session.execute(
        sa.select(
            col(Objection.id),
            col(Objection.key),
            col(Objection.text),
            sa.func.coalesce(sa.func.nullif(tto.c.rebuttal_override, ""), col(Objection.rebuttal)),
            tto.c.objection_id.is_not(None),
        )
        .outerjoin(tto, tto.c.objection_id == col(Objection.id))
        .order_by(
            sa.case((tto.c.objection_id.is_(None), 1), else_=0),
            tto.c.position,
            col(Objection.position),
            col(Objection.id),
        )
    ).all()
    return [ObjectionChoice(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]


@dataclass(frozen=True)
class LoggedObjection:
    """An objection raised on the current call."""

    id: int
    position: int
    objection_id: int
    key: str
    text: str
    rebuttal: str
    overcome: bool | None


def log_objection(
    db: Database, clock: Clock, block_id: int, objection_id: int, *, owner: str | None = None
) -> LoggedObjection:
    """Record an objection on the block's open call, in the order raised."""
    now = clock.now()
    with db.transaction() as session:
        require_hold(session, block_id, owner, now)
        attempt = open_attempt(session, block_id)
        if attempt is None:
            raise BlockError("no call in progress: press d to dial first")
        assert attempt.id is not None  # a stored row
        choice = next(
            (c for c in objection_choices(session, attempt.list_id) if c.id == objection_id), None
        )
        if choice is None:
            raise BlockError(f"objection {objection_id} is not in the library")
        position = 1 + int(
            session.execute(
                sa.select(sa.func.count()).where(col(AttemptObjection.attempt_id) == attempt.id)
            ).scalar_one()
        )
        row = AttemptObjection(
            attempt_id=attempt.id, objection_id=objection_id, position=position, raised_at=now
        )
        session.add(row)
        session.execute(
            sa.update(CallBlock).where(col(CallBlock.id) == block_id).values(last_activity_at=now)
        )
        session.flush()
        session.refresh(row)
    assert row.id is not None  # flushed
    return LoggedObjection(
        row.id, position, objection_id, choice.key, choice.text, choice.rebuttal, None
    )


def set_overcome(
    db: Database,
    attempt_objection_id: int,
    overcome: bool | None,
    *,
    owner: str | None = None,
    clock: Clock | None = None,
) -> None:
    """Mark a logged objection overcome (True), not overcome (False) or unknown (None);
    with ``owner`` (and the ``clock`` stamping the block's activity) only while that token
    holds the call's block."""
    with db.transaction() as session:
        row = session.get(AttemptObjection, attempt_objection_id)
        if row is None:
            raise BlockError(f"logged objection {attempt_objection_id} does not exist")
        if owner is not None and clock is not None:
            attempt = session.get(CallAttempt, row.attempt_id)
            if attempt is not None and attempt.block_id is not None:
                require_hold(session, attempt.block_id, owner, clock.now())
        row.overcome = overcome
        session.add(row)


def call_objections(session: Session, attempt_id: int) -> list[LoggedObjection]:
    """The objections of one call in the order raised, with this list's rebuttals."""
    attempt = session.get(CallAttempt, attempt_id)
    if attempt is None:
        return []
    rebuttals = {c.id: c for c in objection_choices(session, attempt.list_id)}
    rows = session.exec(
        select(AttemptObjection)
        .where(col(AttemptObjection.attempt_id) == attempt_id)
        .order_by(col(AttemptObjection.position))
    ).all()
    out = []
    for r in rows:
        c = rebuttals.get(r.objection_id)
        assert r.id is not None  # a stored row
        out.append(
            LoggedObjection(
                r.id,
                r.position,
                r.objection_id,
                c.key if c else "?",
                c.text if c else "?",
                c.rebuttal if c else "",
                r.overcome,
            )
        )
    return out


