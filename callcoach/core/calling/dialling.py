"""Dialling: opening a call on the contact on screen (with the dead time since the last
one), running the rep's dial command, and notes on the open call."""

from __future__ import annotations

import shlex
import subprocess
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col

from callcoach.catalog.outcomes import KEY_RANGE
from callcoach.clock import Clock
from callcoach.core.calling.hold import require_hold
from callcoach.core.calling.lifecycle import LIVE_STATUSES, BlockError, open_attempt
from callcoach.storage.db import Database
from callcoach.storage.models import CallAttempt, CallBlock, from_row
from callcoach.storage.sql import dials as dials_sql


def dial(
    db: Database, clock: Clock, block_id: int, contact_id: int, *, owner: str | None = None
) -> CallAttempt:
    """Start the call: an attempt with no outcome yet and the dead time since the last one.

    Dialling again while that contact's call is open returns the same attempt. With
    ``owner`` the block must be held by that token (else :class:`HoldLost`, nothing written).
    """
    now = clock.now()
    if db.writes_in_one_statement:
        call = dials_sql.dial_at_once(db, block_id, contact_id, now, owner)
        if call is not None:  # dialled in one round trip, committed
            return from_row(CallAttempt, call.attempt)
    with db.transaction() as session:
        require_hold(session, block_id, owner, now)
        check = dials_sql.dial_check(session, block_id, contact_id, now)
        if check is None:
            raise BlockError(f"call block {block_id} does not exist")
        if check.status not in LIVE_STATUSES:
            raise BlockError(f"this block is {check.status}: start a new one")
        if check.paused_at is not None:
            raise BlockError("the block is paused: press p to resume, then dial")
        if check.open_contact_id is not None:
            if check.open_contact_id == contact_id:
                attempt = open_attempt(session, block_id)
                if attempt is not None:
                    return attempt
            raise BlockError(f"another call is still open: log its outcome ({KEY_RANGE}) first")
        if check.attempts is None or check.list_id is None:
            raise BlockError(f"contact {contact_id} does not exist")
        values: dict[str, Any] = dict(
            block_id=block_id,
            rep_id=check.rep_id,
            contact_id=contact_id,
            list_id=check.list_id,
            attempt_number=check.attempts + 1,
            dialed_at=now,
            gap_seconds=_gap_from(session, block_id, check.paused_seconds, check.last_logged_at, now),
        )
        attempt_id = dials_sql.insert_attempt(session, values, now)
    attempt = CallAttempt(id=attempt_id, **values)
    make_transient_to_detached(attempt)
    return attempt


def _gap_from(
    session: Session, block_id: int, paused_seconds: float, last: datetime | None, now: datetime
) -> float | None:
    """Dead time from ``last`` (the previous outcome) to now, minus pauses in between.

    A block that never paused (``paused_seconds`` 0: every pause adds its length there)
    has no pause to subtract, so the pause rows are only read when there are some.
    """
    if last is None:
        return None
    paused = 0.0
    if paused_seconds > 0:
        for start, end in dials_sql.pauses_since(session, block_id, last):
            lo = max(start, last)
            hi = min(end or now, now)
            paused += max(0.0, (hi - lo).total_seconds())
    return max(0.0, (now - last).total_seconds() - paused)


def dial_argv(template: str, phone: str) -> list[str]:
    """The dial command as an argument list, ``{phone}`` substituted inside each word."""
    try:
        words = shlex.split(template)
    except ValueError as exc:
        raise BlockError(f"dial_command {template!r}: {exc}") from None
    if not words:
        raise BlockError("dial_command is empty")
    return [w.replace("{phone}", phone) for w in words]


def run_dial_command(template: str, phone: str, timeout: float = 5.0) -> str | None:
    """Run the configured dial command without a shell; None on success, else one line.

    Output is captured so a softphone's chatter never lands on the TUI screen.
    """
    try:
        argv = dial_argv(template, phone)
        proc = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except BlockError as exc:
        return str(exc)
    except FileNotFoundError:
        return f"dial command not found: {shlex.split(template)[0]}"
    except subprocess.TimeoutExpired:
        return None  # a softphone that keeps running has taken the call
    except OSError as exc:
        return f"dial command failed: {exc.strerror or exc}"
    if proc.returncode != 0:
        err = (proc.stderr or proc.stdout or b"").decode("utf-8", "replace").strip().splitlines()
        detail = err[-1] if err else f"exit status {proc.returncode}"
        return f"dial command failed: {detail}"
    return None


def add_note(
    db: Database, clock: Clock, block_id: int, text: str, *, owner: str | None = None
) -> CallAttempt:
    """Append a note to the block's open call (committed at once)."""
    text = text.strip()
    if not text:
        raise BlockError("the note is empty")
    with db.transaction() as session:
        require_hold(session, block_id, owner, clock.now())
        attempt = open_attempt(session, block_id)
        if attempt is None:
            raise BlockError("no call in progress: the note will go with the next outcome")
        attempt.notes = (attempt.notes + "\n" if attempt.notes else "") + text
        session.add(attempt)
        session.execute(
            sa.update(CallBlock)
            .where(col(CallBlock.id) == block_id)
            .values(last_activity_at=clock.now())
        )
        session.flush()
        session.refresh(attempt)
    return attempt


