"""The SQL of a block's hold: which process (window) serves a block, and the guard every
write of the block carries.

A block row holds its holder's random token (``owner_token``) with the holder's host, pid
and since-when. A write passes its own token as the ``own`` parameter; :func:`held_by_own`
is the one predicate that checks it, added to a statement the write runs anyway (the
block's heartbeat UPDATE, the PostgreSQL one-statement dial and outcome), so the check
costs no round trip. A write without a token (``own`` NULL: code outside the block
screens, e.g. tests and scripts) is not checked, and neither is a block without a holder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.storage.models import CallBlock, UTCDateTime

#: The writer's token (NULL: unchecked). Not named like a column: a DML statement would take
#: a parameter named ``owner_token`` for a column to SET.
OWN = "own"


def held_by_own(own: sa.BindParameter[Any] | None = None) -> sa.ColumnElement[bool]:
    """True for a ``call_block`` row the token bound to ``own`` may write: its holder's,
    or any when either the row has no holder or the writer gives no token.

    ``COALESCE(owner_token, :own, '') = COALESCE(:own, owner_token, '')``: one predicate, no
    ``:own IS NULL`` (PostgreSQL could not type a lone parameter there).
    """
    own = own if own is not None else sa.bindparam(OWN, type_=sa.String())
    token = col(CallBlock.owner_token)
    return sa.func.coalesce(token, own, "") == sa.func.coalesce(own, token, "")


def held_by_own_exists(block: sa.BindParameter[Any]) -> sa.ColumnElement[bool]:
    """``EXISTS`` the block ``block`` held by ``own`` (a guard for a statement on other
    tables, e.g. the PostgreSQL one-statement outcome)."""
    return sa.exists().where(col(CallBlock.id) == block, held_by_own())


#: The block's heartbeat, guarded: binds ``b_id``, ``b_now`` and ``own``; live or not.
TOUCH_HELD = (
    sa.update(CallBlock)
    .where(col(CallBlock.id) == sa.bindparam("b_id", type_=sa.Integer()), held_by_own())
    .values(last_activity_at=sa.bindparam("b_now", type_=UTCDateTime()))
)


def touch_held(conn: sa.Connection, block_id: int, now: datetime, own: str | None) -> bool:
    """Stamp the block's activity at ``now`` if ``own`` may write it; False (nothing
    written) when another token holds it or the block does not exist. On PostgreSQL the
    UPDATE locks the row until the caller's commit, so a takeover waits for this write (or
    this write sees the takeover)."""
    result = conn.execute(TOUCH_HELD, {"b_id": block_id, "b_now": now, OWN: own})
    return int(getattr(result, "rowcount", 0) or 0) == 1


@dataclass(frozen=True)
class HolderRow:
    """Who holds a block: token, host, pid and since when (all None/"" when nobody)."""

    token: str | None
    host: str
    pid: int | None
    since: datetime | None


def holder(session: Session, block_id: int) -> HolderRow | None:
    """The block's holder as stored now (None: no such block)."""
    row = session.execute(
        sa.select(
            col(CallBlock.owner_token),
            col(CallBlock.owner_host),
            col(CallBlock.owner_pid),
            col(CallBlock.owner_since),
        ).where(col(CallBlock.id) == block_id)
    ).first()
    if row is None:
        return None
    return HolderRow(row[0], row[1] or "", row[2], row[3])
