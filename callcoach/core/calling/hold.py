"""One live owner per block: the hold a process (a window) has on the block it serves.

A window starting or resuming a block writes its random token on the block row with its
host name, pid and since-when; the heartbeat renews the hold. Every write the block makes
(dial, objection, outcome, note, pause, switch, end, heartbeat, serving the next contact)
checks the token in its own write transaction (:func:`require_hold`) or, on PostgreSQL's
one-statement dial and outcome, in the statement itself. Another window may take the block
over once the holder's heartbeat has lapsed, or explicitly (see
:func:`callcoach.core.calling.lifecycle.recover_block`); the first window's next write is
then refused with :class:`HoldLost`, having written nothing, so no contact is served to two
windows.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from callcoach.errors import CallcoachError
from callcoach.storage.sql import holds as holds_sql


@dataclass(frozen=True)
class BlockHold:
    """This process's (window's) claim on the blocks it serves: a random token, the host
    name and the pid shown to another window."""

    token: str
    host: str
    pid: int

    @classmethod
    def new(cls) -> BlockHold:
        """A fresh hold for this process: a random token, this host and pid."""
        return cls(secrets.token_hex(16), socket.gethostname(), os.getpid())


@dataclass(frozen=True)
class Holder:
    """Who holds a block, as another window is told: host, pid and since when."""

    host: str
    pid: int | None
    since: datetime | None

    def where(self) -> str:
        """``host, since 14:02 UTC`` (what the rep needs to find that window)."""
        host = self.host or "unknown host"
        if self.pid is not None:
            host += f" pid {self.pid}"
        if self.since is None:
            return host
        return f"{host}, since {self.since:%Y-%m-%d %H:%M} UTC"


class HoldLost(CallcoachError):
    """A write of a block this window no longer holds: another window took it over."""

    def __init__(self, holder: Holder | None) -> None:
        self.holder = holder
        where = holder.where() if holder is not None else "unknown"
        super().__init__(
            f"This block was taken over in another window ({where}); "
            "this window stopped serving."
        )


class HeldElsewhere(CallcoachError):
    """Resuming a block another window serves (its heartbeat has not lapsed)."""

    def __init__(self, holder: Holder) -> None:
        self.holder = holder
        super().__init__(
            f"This block is live in another window ({holder.where()}): take it over "
            "explicitly to end that window's hold."
        )


def require_hold(session: Session, block_id: int, own: str | None, now: datetime) -> None:
    """Inside the caller's write transaction: stamp the block's activity at ``now`` if the
    token ``own`` may write it, else raise :class:`HoldLost` naming the holder. ``own``
    None checks nothing (code outside the block screens); a missing block is left to the
    caller's own check."""
    if own is None:
        return
    if holds_sql.touch_held(session.connection(), block_id, now, own):
        return
    row = holds_sql.holder(session, block_id)
    if row is None:
        return
    raise HoldLost(Holder(row.host, row.pid, row.since))
