"""Rows the service reads by an id the screens hold: their ids, or a one-line error."""

from __future__ import annotations

from typing import TypeVar

from callcoach.errors import CallcoachError

_Row = TypeVar("_Row")


def stored(row: _Row | None, what: str) -> _Row:
    """A row read by an id the screen holds: there, or a one-line error naming ``what``."""
    if row is None:
        raise CallcoachError(f"{what} is no longer in the database")
    return row


def stored_id(row_id: int | None) -> int:
    """The id of a row read from the database (always set once stored)."""
    assert row_id is not None, "a stored row has an id"
    return row_id
