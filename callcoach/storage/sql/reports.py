"""Report SQL that differs between SQLite and PostgreSQL.

The report statements themselves are portable SQLAlchemy expressions built in
:mod:`callcoach.core.review`; what depends on the engine is here: reading a stored instant
as epoch seconds, and whether SQLite should read a period's calls whole, in index order.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.storage.models import CallAttempt

#: On SQLite, a period holding at least this share of the calls' history (first to last
#: logged call) is read whole, in index order (no table lookup, no sort), rather than
#: through the logged_at index (a table lookup per call, then a sort). Measured on a year of
#: 1,000,000 calls: even at two weeks (3.8% of the year), index order 1.8x faster at two
#: months.
LONG_SHARE = 0.05


def dialect_name(session: Session) -> str:
    """The session's engine: ``sqlite`` or ``postgresql``."""
    return session.get_bind().dialect.name


def reads_whole_history(session: Session, start: datetime, end: datetime) -> bool:
    """True when SQLite should read every call in index order for the period [start, end)."""
    if dialect_name(session) != "sqlite":
        return False  # PostgreSQL's planner weighs this itself
    logged_at = col(CallAttempt.logged_at)
    first, last = session.execute(
        sa.select(
            sa.select(sa.func.min(logged_at)).scalar_subquery(),  # two index probes
            sa.select(sa.func.max(logged_at)).scalar_subquery(),
        )
    ).one()
    if first is None:
        return False
    span = (last - first).total_seconds()
    covered = (min(end, last) - max(start, first)).total_seconds()
    return bool(span > 0 and covered >= LONG_SHARE * span)


def epoch_seconds(session: Session, column: sa.ColumnElement) -> sa.ColumnElement[int]:
    """Whole seconds since 1970-01-01 UTC (the floor) of a stored instant, on either engine.

    Reports read the same value stored per call (``logged_epoch``, ``dialed_slot``); this
    form is for the rare query that needs a dial's own second.
    """
    if dialect_name(session) == "sqlite":
        # Stored as naive-UTC text. SQLite's date functions round a fraction to the
        # millisecond (59.9996 s reads as the next second): give them whole seconds only.
        return sa.cast(sa.func.strftime("%s", sa.func.substr(column, 1, 19)), sa.Integer)
    return sa.cast(sa.func.floor(sa.extract("epoch", column)), sa.BigInteger)
