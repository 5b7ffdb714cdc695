"""Reps: who is calling, managing or training."""

from __future__ import annotations

import difflib
import getpass
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from callcoach.errors import CallcoachError
from callcoach.storage.models import CallAttempt, CallBlock, Rep, RepRole

ROLES = tuple(r.value for r in RepRole)


class RepError(CallcoachError):
    """A rep name or role is unusable."""


def find_rep(session: Session, name: str) -> Rep | None:
    """A rep by name, case-insensitively."""
    return session.exec(select(Rep).where(sa.func.lower(Rep.name) == name.strip().lower())).first()


def unknown_rep(session: Session, name: str, what: str = "--rep") -> RepError:
    """The one-line error for a rep name that matches nobody: close matches and how to add one.

    ``what`` names where the name came from (a flag such as ``--trainee``, or a field).
    Creation is explicit (``callcoach reps add``): a typo never becomes a new rep.
    """
    typed = " ".join(name.split())
    names = list(session.exec(select(Rep.name)).all())
    by_lower = {n.lower(): n for n in names}
    close = difflib.get_close_matches(typed.lower(), list(by_lower), n=3, cutoff=0.5)
    # A prefix ("ana" for "Ana Lopez") is as good a guess as a near spelling.
    close += [k for k in sorted(by_lower) if typed and k.startswith(typed.lower()) and k not in close]
    hint = ""
    if close:
        hint = "did you mean " + " or ".join(repr(by_lower[k]) for k in close[:3]) + "? "
    add = f"callcoach reps add {shlex.quote(typed or 'NAME')}"
    return RepError(f"{what} {typed!r}: no such rep ({hint}add one with: {add})")


def require_rep(session: Session, name: str, what: str = "--rep") -> Rep:
    """The rep called ``name`` (any case), or :func:`unknown_rep`'s error; never creates one."""
    rep = find_rep(session, name)
    if rep is None:
        raise unknown_rep(session, name, what)
    return rep


def get_or_create_rep(session: Session, name: str, role: str = RepRole.SDR.value) -> Rep:
    """The rep called ``name``, created (and committed) if new."""
    name, role = _check(name, role)
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
    first = session.exec(select(Rep).where(col(Rep.role) == RepRole.SDR.value).order_by(col(Rep.id))).first()
    if first is not None:
        return first
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = "rep"
    return get_or_create_rep(session, user)


def _check(name: str, role: str) -> tuple[str, str]:
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise RepError(f"rep name {name!r}: expected 1 to 120 characters")
    role = role.strip().lower()
    if role not in ROLES:
        raise RepError(f"rep role {role!r}: expected one of {', '.join(ROLES)}")
    return name, role


def _check_email(email: str | None) -> str | None:
    """The address stripped (None when absent or empty), or a RepError saying what it should be."""
    email = (email or "").strip()
    if email and ("@" not in email or len(email) > 254 or " " in email):
        raise RepError(f"rep email {email!r}: expected an address like ana@example.com")
    return email or None


def add_rep(
    session: Session, name: str, role: str = RepRole.SDR.value, email: str | None = None
) -> Rep:
    """Create and commit a new rep; a name already taken (any case) is refused."""
    name, role = _check(name, role)
    email = _check_email(email)
    existing = find_rep(session, name)
    if existing is not None:
        raise RepError(f"rep {existing.name!r} already exists (role {existing.role})")
    rep = Rep(name=name, role=role, email=email)
    session.add(rep)
    try:
        session.commit()
    except sa.exc.IntegrityError:
        # Another machine added the same name a moment ago.
        session.rollback()
        raise RepError(f"rep {name!r} already exists") from None
    session.refresh(rep)
    return rep


def update_rep(
    session: Session,
    name: str,
    *,
    role: str | None = None,
    email: str | None = None,
    active: bool | None = None,
) -> Rep:
    """Change a rep's role, email or active flag (None leaves it); commits."""
    rep = require_rep(session, name, "reps set")
    if role is not None:
        rep.role = _check(rep.name, role)[1]
    if email is not None:
        rep.email = _check_email(email)
    if active is not None:
        rep.active = active
    session.add(rep)
    session.commit()
    session.refresh(rep)
    return rep


@dataclass(frozen=True)
class RepRow:
    """One rep with their activity, for the team listing."""

    id: int
    name: str
    role: str
    email: str | None
    active: bool
    blocks: int
    dials: int
    last_call_at: datetime | None


def list_reps(session: Session) -> list[RepRow]:
    """Every rep, by name, with blocks run, outcomes logged and the last call (one query)."""
    blocks = (
        sa.select(col(CallBlock.rep_id), sa.func.count().label("n"))
        .group_by(col(CallBlock.rep_id))
        .subquery()
    )
    dials = (
        sa.select(
            col(CallAttempt.rep_id),
            sa.func.count(col(CallAttempt.outcome)).label("n"),
            sa.func.max(col(CallAttempt.logged_at)).label("last"),
        )
        .group_by(col(CallAttempt.rep_id))
        .subquery()
    )
    stmt = (
        sa.select(
            col(Rep.id),
            col(Rep.name),
            col(Rep.role),
            col(Rep.email),
            col(Rep.active),
            sa.func.coalesce(blocks.c.n, 0),
            sa.func.coalesce(dials.c.n, 0),
            dials.c.last,
        )
        .outerjoin(blocks, blocks.c.rep_id == Rep.id)
        .outerjoin(dials, dials.c.rep_id == Rep.id)
        .order_by(sa.func.lower(Rep.name))
    )
    rows = []
    for rid, name, role, email, active, nb, nd, last in session.execute(stmt):
        if last is not None and last.tzinfo is None:
            # SQLite returns MAX() of a UTCDateTime as a plain string/naive value.
            last = last.replace(tzinfo=UTC)
        rows.append(RepRow(rid, name, role, email, bool(active), int(nb), int(nd), last))
    return rows
