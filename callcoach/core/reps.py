"""Reps: who is calling, managing or training."""

from __future__ import annotations

import getpass

import sqlalchemy as sa
from sqlmodel import Session, select

from callcoach.errors import CallcoachError
from callcoach.storage.models import Rep, RepRole


class RepError(CallcoachError):
    """A rep name or role is unusable."""


def find_rep(session: Session, name: str) -> Rep | None:
    """A rep by name, case-insensitively."""
    return session.exec(select(Rep).where(sa.func.lower(Rep.name) == name.strip().lower())).first()


def get_or_create_rep(session: Session, name: str, role: str = RepRole.SDR.value) -> Rep:
    """The rep called ``name``, created (and committed) if new."""
    name = name.strip()
    if not name or len(name) > 120:
        raise RepError(f"rep name {name!r}: expected 1 to 120 characters")
    if role not in {r.value for r in RepRole}:
        raise RepError(f"rep role {role!r}: expected one of sdr, manager, trainer")
    rep = find_rep(session, name)
    if rep is None:
        rep = Rep(name=name, role=role)
        session.add(rep)
        session.commit()
        session.refresh(rep)
    return rep


def default_rep(session: Session, name: str | None = None) -> Rep:
    """The rep for this session: ``name`` if given, else the only/first SDR, else the OS user."""
    if name:
        return get_or_create_rep(session, name)
    first = session.exec(select(Rep).where(Rep.role == RepRole.SDR.value).order_by(Rep.id)).first()
    if first is not None:
        return first
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        user = "rep"
    return get_or_create_rep(session, user)
