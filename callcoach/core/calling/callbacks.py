"""Callbacks a prospect asked for: who holds them, releasing them to the team, reassigning.

A callback stays with the rep who took it: when it is due, only that rep's blocks are served
the contact (``Contact.callback_rep_id``). Released, it goes to whichever rep of the list's
blocks is next when it is due; assigned, it moves to another rep. A rep who is off sick or
leaves the team must not strand the prospects who asked to be called back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.catalog.outcomes import ContactStatus
from callcoach.errors import CallcoachError
from callcoach.storage.models import Callback, CallList, Contact, Rep

SCOPES = ("open", "due", "all")


class CallbackError(CallcoachError):
    """A callback command that cannot be carried out (one line)."""


@dataclass(frozen=True)
class CallbackRow:
    """One callback as listed."""

    id: int
    due_at: datetime  # aware UTC
    rep: str  # who took it ("-" when that rep was deleted)
    held_by: str  # who is served it when due: the rep, "anyone" when released
    contact: str
    company: str
    phone: str
    list_name: str
    done: bool
    released: bool

    def status(self, now: datetime) -> str:
        """done, due (by ``now``, not called back yet) or open."""
        if self.done:
            return "done"
        return "due" if self.due_at <= now else "open"


def list_callbacks(
    session: Session,
    now: datetime,
    scope: str = "open",
    rep_ids: Sequence[int] = (),
    limit: int = 500,
) -> list[CallbackRow]:
    """Callbacks in ``scope``: open (not called back yet, soonest first), due (open and
    due by ``now``) or all (latest due first); ``rep_ids``: only those taken by these reps."""
    if scope not in SCOPES:
        raise CallbackError(f"callbacks {scope!r}: expected one of {', '.join(SCOPES)}")
    query = (
        sa.select(Callback, col(Rep.name), Contact, col(CallList.name))
        .outerjoin(Rep, col(Rep.id) == col(Callback.rep_id))
        .join(Contact, col(Contact.id) == col(Callback.contact_id))
        .join(CallList, col(CallList.id) == col(Contact.list_id))
    )
    if rep_ids:
        query = query.where(col(Callback.rep_id).in_(list(rep_ids)))
    if scope == "all":
        query = query.order_by(col(Callback.due_at).desc(), col(Callback.id).desc())
    else:
        query = query.where(col(Callback.done).is_(False))
        if scope == "due":
            query = query.where(col(Callback.due_at) <= now)
        query = query.order_by(col(Callback.due_at), col(Callback.id))
    rows = session.execute(query.limit(limit)).all()
    out = []
    for cb, rep, c, list_name in rows:
        out.append(
            CallbackRow(
                id=cb.id,
                due_at=cb.due_at,
                rep=rep or "-",
                held_by="anyone" if cb.released else (rep or "-"),
                contact=f"{c.first_name} {c.last_name}".strip() or c.phone,
                company=c.company or "",
                phone=c.phone,
                list_name=list_name,
                done=cb.done,
                released=cb.released,
            )
        )
    return out


def callback_counts(session: Session, rep_id: int, now: datetime) -> tuple[int, int]:
    """(due now, open) callbacks ``rep_id`` holds - not the released ones (anyone's)."""
    row = session.execute(
        sa.select(
            sa.func.count().filter(col(Callback.due_at) <= now),
            sa.func.count(),
        ).where(
            col(Callback.rep_id) == rep_id, col(Callback.done).is_(False), col(Callback.released).is_(False)
        )
    ).one()
    return int(row[0]), int(row[1])


def _open_callbacks(
    session: Session, callback_ids: Sequence[int], rep_ids: Sequence[int]
) -> list[Callback]:
    """The open callbacks named by id, plus every open one taken by ``rep_ids``; an unknown
    or already called-back id is a one-line error and nothing changes."""
    if not callback_ids and not rep_ids:
        raise CallbackError("give callback ids or --rep NAME (see: callcoach callbacks)")
    found: dict[int, Callback] = {}
    for callback_id in callback_ids:
        cb = session.get(Callback, callback_id)
        if cb is None:
            raise CallbackError(f"callback {callback_id} does not exist (see: callcoach callbacks)")
        if cb.done:
            raise CallbackError(f"callback {callback_id} has been called back already")
        found[callback_id] = cb
    if rep_ids:
        for cb in session.execute(
            sa.select(Callback)
            .where(col(Callback.rep_id).in_(list(rep_ids)), col(Callback.done).is_(False))
            .order_by(col(Callback.due_at), col(Callback.id))
        ).scalars():
            found.setdefault(cb.id, cb)
    return list(found.values())


def _hold(session: Session, callbacks: list[Callback], rep_id: int | None) -> None:
    """Who the callbacks' contacts are served to when due (None: any rep of the list)."""
    contact_ids = [cb.contact_id for cb in callbacks]
    if contact_ids:
        session.execute(
            sa.update(Contact)
            .where(
                col(Contact.id).in_(contact_ids), col(Contact.status) == ContactStatus.CALLBACK.value
            )
            .values(callback_rep_id=rep_id)
        )


def release_callbacks(
    session: Session, callback_ids: Sequence[int] = (), rep_ids: Sequence[int] = ()
) -> list[Callback]:
    """Release open callbacks to the team (by id, and/or every open one of ``rep_ids``):
    when due, any rep working the list is served them. One commit; returns them."""
    callbacks = _open_callbacks(session, callback_ids, rep_ids)
    for cb in callbacks:
        cb.released = True
        session.add(cb)
    _hold(session, callbacks, None)
    session.commit()
    return callbacks


def assign_callbacks(
    session: Session, rep_id: int, callback_ids: Sequence[int] = (), from_rep_ids: Sequence[int] = ()
) -> list[Callback]:
    """Give open callbacks (by id, and/or every open one of ``from_rep_ids``) to ``rep_id``:
    from now on only that rep is served them. One commit; returns them."""
    if session.get(Rep, rep_id) is None:
        raise CallbackError(f"rep {rep_id} does not exist")
    callbacks = _open_callbacks(session, callback_ids, from_rep_ids)
    for cb in callbacks:
        cb.rep_id = rep_id
        cb.released = False
        session.add(cb)
    _hold(session, callbacks, rep_id)
    session.commit()
    return callbacks
