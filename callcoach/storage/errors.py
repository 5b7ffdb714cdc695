"""The storage layer's error: a database could not be opened or used."""

from __future__ import annotations

from callcoach.errors import CallcoachError


class DatabaseError(CallcoachError):
    """A database could not be opened or used; the message is one line for the user."""
