"""Objections on a call: the library with this list's rebuttals, logging one as it is
raised, and marking it overcome or not."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

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
    DrillSet,
    DrillSetItem,
    Objection,
    Origin,
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
    origin: str = Origin.LIBRARY.value  # "call": typed by a rep in a call, no rebuttal yet

    @property
    def from_call(self) -> bool:
        """True for an objection a rep added to the library from a call."""
        return self.origin == Origin.CALL.value


#: The rebuttal an objection typed in a call starts with: the method's answer in general,
#: shown in the call and in drills until someone writes the real one.
NEW_FROM_CALL_REBUTTAL = (
    "New from a call: no rebuttal written yet. Acknowledge it, return to the impact, "
    "and ask for the meeting again."
)
#: The drill set every objection typed in a call joins, so trainers find them in the set
#: picker and ``callcoach drill sets`` (created with the first one).
NEW_FROM_CALLS_SET = "New from calls"
NEW_FROM_CALLS_DESCRIPTION = (
    "Objections reps typed in calls: write their rebuttals (callcoach tracks load), then drill them."
)
#: The longest objection a rep may type (the library's text is free, this keeps it a line).
MAX_TYPED_OBJECTION = 200


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
            col(Objection.origin),
        )
        .outerjoin(tto, tto.c.objection_id == col(Objection.id))
        .order_by(
            sa.case((tto.c.objection_id.is_(None), 1), else_=0),
            tto.c.position,
            col(Objection.position),
            col(Objection.id),
        )
    ).all()
    return [ObjectionChoice(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]


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


def _open_call(session: Session, block_id: int, owner: str | None, now: datetime) -> CallAttempt:
    """The block's open call while ``owner`` holds the block; BlockError without one."""
    require_hold(session, block_id, owner, now)
    attempt = open_attempt(session, block_id)
    if attempt is None:
        raise BlockError("no call in progress: press d to dial first")
    return attempt


def _record(
    session: Session, block_id: int, attempt: CallAttempt, choice: ObjectionChoice, now: datetime
) -> LoggedObjection:
    """Write ``choice`` as the call's next objection, in the order raised."""
    assert attempt.id is not None  # a stored row
    position = 1 + int(
        session.execute(
            sa.select(sa.func.count()).where(col(AttemptObjection.attempt_id) == attempt.id)
        ).scalar_one()
    )
    row = AttemptObjection(
        attempt_id=attempt.id, objection_id=choice.id, position=position, raised_at=now
    )
    session.add(row)
    session.execute(
        sa.update(CallBlock).where(col(CallBlock.id) == block_id).values(last_activity_at=now)
    )
    session.flush()
    assert row.id is not None  # flushed
    return LoggedObjection(
        row.id, position, choice.id, choice.key, choice.text, choice.rebuttal, None
    )


def log_objection(
    db: Database, clock: Clock, block_id: int, objection_id: int, *, owner: str | None = None
) -> LoggedObjection:
    """Record an objection on the block's open call, in the order raised."""
    now = clock.now()
    with db.transaction() as session:
        attempt = _open_call(session, block_id, owner, now)
        choice = next(
            (c for c in objection_choices(session, attempt.list_id) if c.id == objection_id), None
        )
        if choice is None:
            raise BlockError(f"objection {objection_id} is not in the library")
        return _record(session, block_id, attempt, choice, now)


def clean_typed_objection(text: str) -> str:
    """The objection as a rep typed it, on one line; BlockError when there is nothing to log."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise BlockError("type the objection the prospect raised")
    if len(cleaned) > MAX_TYPED_OBJECTION:
        raise BlockError(
            f"an objection is one line: {len(cleaned)} characters, at most {MAX_TYPED_OBJECTION}"
        )
    return cleaned


def _new_key(session: Session, text: str) -> str:
    """A library key for an objection typed in a call: ``call_`` and a slug of its words,
    numbered when taken."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40].rstrip("_") or "objection"
    base = f"call_{slug}"
    taken = set(
        session.execute(
            sa.select(col(Objection.key)).where(col(Objection.key).startswith(base, autoescape=True))
        ).scalars()
    )
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}_{n}"
    return key


def library_objection_for(session: Session, text: str) -> tuple[Objection, bool]:
    """The library's objection with this text (any case), else a new one marked "new from a
    call"; True when it was added."""
    found = session.exec(
        select(Objection).where(sa.func.lower(col(Objection.text)) == text.lower())
    ).first()
    if found is not None:
        return found, False
    position = session.execute(
        sa.select(sa.func.coalesce(sa.func.max(col(Objection.position)), 0))
    ).scalar_one()
    added = Objection(
        key=_new_key(session, text),
        text=text,
        rebuttal=NEW_FROM_CALL_REBUTTAL,
        position=int(position) + 1,
        origin=Origin.CALL.value,
    )
    session.add(added)
    session.flush()
    assert added.id is not None  # flushed
    _add_to_new_from_calls(session, added.id)
    return added, True


def _add_to_new_from_calls(session: Session, objection_id: int) -> None:
    """Append the objection to the "New from calls" drill set, creating the set."""
    drill_set = session.exec(select(DrillSet).where(DrillSet.name == NEW_FROM_CALLS_SET)).first()
    if drill_set is None:
        drill_set = DrillSet(name=NEW_FROM_CALLS_SET, description=NEW_FROM_CALLS_DESCRIPTION)
        session.add(drill_set)
        session.flush()
    assert drill_set.id is not None  # flushed
    position = session.execute(
        sa.select(sa.func.coalesce(sa.func.max(col(DrillSetItem.position)), 0)).where(
            col(DrillSetItem.drill_set_id) == drill_set.id
        )
    ).scalar_one()
    session.add(
        DrillSetItem(drill_set_id=drill_set.id, objection_id=objection_id, position=int(position) + 1)
    )
    session.flush()


def log_typed_objection(
    db: Database, clock: Clock, block_id: int, text: str, *, owner: str | None = None
) -> tuple[LoggedObjection, bool]:
    """Record an objection the rep typed (not in the library) on the open call, in order,
    adding it to the library as "new from a call" in the same transaction; True if added.

    Typing one the library already has (same words, any case) logs that one.
    """
    cleaned = clean_typed_objection(text)
    now = clock.now()
    with db.transaction() as session:
        attempt = _open_call(session, block_id, owner, now)
        objection, added = library_objection_for(session, cleaned)
        choice = next(
            c for c in objection_choices(session, attempt.list_id) if c.id == objection.id
        )
        return _record(session, block_id, attempt, choice, now), added


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


