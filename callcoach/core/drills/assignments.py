"""Drill assignments: a trainer gives a trainee a drill set to finish by a due date.

One assignment per (set, trainee); assigning again changes the due date. Completion is
derived, never stored: an assignment is done once every objection of the set has been
answered and scored in the trainee's drills *on that set* since it was assigned (single
drills and call simulations alike, over as many sessions as it takes). The figures are
grouped in SQL.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from callcoach.core.drills.rounds import DrillError, RoundKind
from callcoach.core.drills.sets import find_drill_set
from callcoach.core.reps import find_rep
from callcoach.storage.models import (
    DrillAssignment,
    DrillRound,
    DrillSession,
    DrillSet,
    DrillSetItem,
    Rep,
)


@dataclass(frozen=True)
class AssignmentStatus:
    """One assignment with how far the trainee has got."""

    id: int
    set_name: str
    trainee: str
    trainee_id: int
    assigned_by: str | None
    assigned_at: datetime
    due_on: date
    objections: int  # in the set
    drilled: int  # of them, answered and scored on this set since assigned
    completed_at: datetime | None  # when the last of them was first scored

    @property
    def done(self) -> bool:
        """Every objection of the set drilled since the assignment."""
        return self.objections > 0 and self.drilled >= self.objections

    def overdue(self, today: date) -> bool:
        """Not done and the due date has passed."""
        return not self.done and today > self.due_on

    def status(self, today: date) -> str:
        """'done', 'overdue by N days', 'due today' or 'due in N days' on ``today``."""
        if self.done:
            late = self.completed_at is not None and self.completed_at.astimezone().date() > self.due_on
            return "done (late)" if late else "done"
        days = (self.due_on - today).days
        if days < 0:
            return f"overdue by {-days} day{'s' if days != -1 else ''}"
        if days == 0:
            return "due today"
        return f"due in {days} day{'s' if days != 1 else ''}"

    @property
    def completion(self) -> str:
        """'3/5 objections drilled'."""
        return f"{self.drilled}/{self.objections} objections drilled"


def existing_rep(session: Session, name: str, flag: str) -> Rep:
    """The rep called ``name``; an unknown name is a one-line error (no rep is created)."""
    rep = find_rep(session, name)
    if rep is not None:
        return rep
    names = list(session.exec(select(Rep.name)))
    close = difflib.get_close_matches(name.strip(), names, n=3, cutoff=0.6)
    close += [n for n in names if name.strip().lower() in n.lower() and n not in close][:3]
    hint = f" (did you mean {', '.join(repr(n) for n in close[:3])}?)" if close else ""
    raise DrillError(
        f"{flag} {name!r}: no such rep{hint}; add one with: callcoach reps add NAME --role ROLE"
    )


def assign_drill_set(
    session: Session,
    set_name: str,
    trainee: str,
    due_on: date,
    now: datetime,
    trainer: str | None = None,
) -> tuple[AssignmentStatus, bool]:
    """Assign a set to a trainee by ``due_on`` (True when new, False when re-assigned).

    Re-assigning an open assignment only changes its due date and trainer; re-assigning a
    finished one starts it again (progress counts from now). Commits.
    """
    drill_set = find_drill_set(session, set_name)
    trainee_rep = existing_rep(session, trainee, "--trainee")
    trainer_rep = existing_rep(session, trainer, "--trainer") if trainer else None
    if trainer_rep is not None and trainer_rep.id == trainee_rep.id:
        raise DrillError("the trainer and the trainee are the same person")
    if due_on < now.astimezone().date():
        raise DrillError(f"--due {due_on.isoformat()}: that date has passed")
    row = session.exec(
        select(DrillAssignment).where(
            DrillAssignment.drill_set_id == drill_set.id,
            DrillAssignment.trainee_id == trainee_rep.id,
        )
    ).first()
    created = row is None
    if row is None:
        row = DrillAssignment(
            drill_set_id=drill_set.id or 0,
            trainee_id=trainee_rep.id or 0,
            due_on=due_on,
            assigned_at=now,
        )
    else:
        before = _statuses(session, [row.id or 0])
        if before and before[0].done:
            row.assigned_at = now
        row.due_on = due_on
    row.assigned_by_id = trainer_rep.id if trainer_rep else None
    session.add(row)
    session.commit()
    return _statuses(session, [row.id or 0])[0], created


def unassign_drill_set(session: Session, set_name: str, trainee: str) -> AssignmentStatus:
    """Remove the assignment of a set to a trainee (a one-line error when there is none)."""
    drill_set = find_drill_set(session, set_name)
    trainee_rep = existing_rep(session, trainee, "--trainee")
    row = session.exec(
        select(DrillAssignment).where(
            DrillAssignment.drill_set_id == drill_set.id,
            DrillAssignment.trainee_id == trainee_rep.id,
        )
    ).first()
    if row is None:
        raise DrillError(f"{drill_set.name!r} is not assigned to {trainee_rep.name!r}")
    status = _statuses(session, [row.id or 0])[0]
    session.delete(row)
    session.commit()
    return status


def assignments(
    session: Session, trainee_id: int | None = None, include_done: bool = True
) -> list[AssignmentStatus]:
    """Assignments (of one trainee, or everyone's) with their completion, due first."""
    rows = _statuses(session, None, trainee_id)
    if not include_done:
        rows = [r for r in rows if not r.done]
    return rows


def _statuses(
    session: Session, ids: list[int] | None, trainee_id: int | None = None
) -> list[AssignmentStatus]:
    a = DrillAssignment
    # per (assignment, objection of its set): when it was first scored on that set since
    first_scored = (
        sa.select(
            col(a.id).label("aid"),
            col(DrillRound.objection_id).label("oid"),
            sa.func.min(col(DrillRound.scored_at)).label("first"),
        )
        .join(
            DrillSession,
            sa.and_(
                col(DrillSession.trainee_id) == col(a.trainee_id),
                col(DrillSession.drill_set_id) == col(a.drill_set_id),
            ),
        )
        .join(DrillRound, col(DrillRound.session_id) == col(DrillSession.id))
        .join(
            DrillSetItem,
            sa.and_(
                col(DrillSetItem.drill_set_id) == col(a.drill_set_id),
                col(DrillSetItem.objection_id) == col(DrillRound.objection_id),
            ),
        )
        .where(
            col(DrillRound.kind) == RoundKind.OBJECTION.value,
            col(DrillRound.overall).is_not(None),
            col(DrillRound.scored_at) >= col(a.assigned_at),
        )
        .group_by(col(a.id), col(DrillRound.objection_id))
        .subquery()
    )
    covered = (
        sa.select(
            first_scored.c.aid,
            sa.func.count().label("drilled"),
            sa.func.max(first_scored.c.first).label("last_first"),
        )
        .group_by(first_scored.c.aid)
        .subquery()
    )
    sizes = (
        sa.select(col(DrillSetItem.drill_set_id).label("sid"), sa.func.count().label("n"))
        .group_by(col(DrillSetItem.drill_set_id))
        .subquery()
    )
    trainee = aliased(Rep)
    trainer = aliased(Rep)
    query = (
        sa.select(
            col(a.id),
            col(DrillSet.name),
            col(trainee.name),
            col(a.trainee_id),
            col(trainer.name),
            col(a.assigned_at),
            col(a.due_on),
            sa.func.coalesce(sizes.c.n, 0),
            sa.func.coalesce(covered.c.drilled, 0),
            covered.c.last_first,
        )
        .join(DrillSet, col(DrillSet.id) == col(a.drill_set_id))
        .join(trainee, col(trainee.id) == col(a.trainee_id))
        .outerjoin(trainer, col(trainer.id) == col(a.assigned_by_id))
        .outerjoin(sizes, sizes.c.sid == col(a.drill_set_id))
        .outerjoin(covered, covered.c.aid == col(a.id))
        .order_by(col(a.due_on), col(trainee.name), col(DrillSet.name))
    )
    if ids is not None:
        query = query.where(col(a.id).in_(ids))
    if trainee_id is not None:
        query = query.where(col(a.trainee_id) == trainee_id)
    out = []
    for aid, set_name, trainee_name, tid, trainer_name, at, due, n, drilled, last in session.execute(
        query
    ).all():
        n, drilled = int(n), int(drilled)
        out.append(
            AssignmentStatus(
                id=int(aid),
                set_name=set_name,
                trainee=trainee_name,
                trainee_id=int(tid),
                assigned_by=trainer_name,
                assigned_at=at,
                due_on=due,
                objections=n,
                drilled=drilled,
                completed_at=last if n and drilled >= n else None,
            )
        )
    return out
