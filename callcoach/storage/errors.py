"""The storage layer's error: a database could not be opened or used."""

from __future__ import annotations

import sqlalchemy as sa

from callcoach.errors import CallcoachError


class DatabaseError(CallcoachError):
    """A database could not be opened or used; the message is one line for the user."""


class ServerUnavailable(DatabaseError):
    """The database server cannot be reached right now; the message names host and cause."""


def is_connection_error(exc: BaseException) -> bool:
    """True when ``exc`` means the database could not be reached (worth retrying later).

    Covers a dropped or refused connection, a terminated backend and (SQLite) a lock held
    past the busy timeout; not constraint violations or programming errors.
    """
    if isinstance(exc, ServerUnavailable):
        return True
    if isinstance(exc, sa.exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        if not isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError):
            return False
        if type(exc.orig).__module__ == "sqlite3":
            # sqlite3 also reports schema mistakes ("no such table") as OperationalError.
            text = str(exc.orig).lower()
            return any(word in text for word in _SQLITE_UNAVAILABLE)
        return True
    return isinstance(exc, ConnectionError)


#: sqlite3 OperationalError texts that mean "cannot get at the file right now".
_SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o", "readonly")
