"""Plain records passed between the outcome rules (core) and the SQL that writes them
(storage): what a call looks like before its outcome, what an outcome writes, what came back.

Both sides import these; neither imports the other's types. Rows travel as dicts of column
values by name, so the records need no table model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: The columns an outcome writes on the call attempt.
OUTCOME_ATTEMPT_COLUMNS = (
    "outcome", "ended_at", "logged_at", "duration_seconds", "connected", "conversation",
    "client_uuid", "notes", "prior",
)
#: The columns an outcome writes on the contact.
OUTCOME_CONTACT_COLUMNS = (
    "status", "next_call_at", "attempts", "last_outcome", "last_called_at",
    "reserved_by_block_id", "reserved_at", "callback_rep_id", "do_not_call", "email",
)
#: The contact columns the effect of an outcome depends on (``id`` first), then the other
#: ones it overwrites: their values before it are its undo's before-image.
CONTACT_INPUTS = (
    "id", "timezone", "attempts", "status", "phone", "do_not_call", "email",
    "next_call_at", "last_outcome", "last_called_at", "reserved_by_block_id", "reserved_at",
    "callback_rep_id",
)


@dataclass(frozen=True)
class OpenCall:
    """A call dialled and not yet logged: the attempt's and the contact's column values.

    ``objections``: how many objections the call has; ``stored``: the client_uuid asked
    about is already stored on some attempt (a replay).
    """

    attempt: Mapping[str, Any]
    contact: Mapping[str, Any]
    objections: int = 0
    stored: bool = False


@dataclass(frozen=True)
class DialCheck:
    """What a dial checks before it opens a call, read in one round trip."""

    status: str
    paused_at: datetime | None
    paused_seconds: float
    rep_id: int
    open_contact_id: int | None  # the contact of the block's open call, if one is open
    last_logged_at: datetime | None  # the block's latest outcome
    attempts: int | None  # the contact's attempts so far (None: no such contact)
    list_id: int | None


@dataclass(frozen=True)
class OutcomeWrite:
    """Everything one atomic outcome statement writes, decided by the rules beforehand.

    ``call``: the call as read (or as the dial in this process left it); with ``guarded``
    the statement writes only if the rows still hold those values. ``zones``: the time
    zones open for the next reservation (None: all), when ``serve``. ``owner``: the writing
    window's hold token; the statement writes only while it holds the block (None:
    unchecked).
    """

    call: OpenCall
    block_id: int
    now: datetime
    attempt_values: Mapping[str, Any]
    contact_values: Mapping[str, Any]
    was_callback: bool  # the contact was waiting for a callback: close it
    do_not_call: bool  # add the contact's number to the do-not-call register
    callback_due: datetime | None  # a callback row to add, due then
    serve: bool
    zones: list[str] | None
    stale_before: datetime  # reservations older than this (of dead blocks) are free
    guarded: bool = False
    owner: str | None = None  # the writing window's hold token (None: unchecked)


@dataclass(frozen=True)
class OutcomeWritten:
    """What an atomic outcome statement stored: the contact as written, the new callback's
    id, and the next contact it reserved (``serve``)."""

    contact: Mapping[str, Any]
    callback_id: int | None = None
    next_contact: Mapping[str, Any] | None = field(default=None)
