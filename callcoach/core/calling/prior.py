"""The before-image an outcome keeps on its attempt, so that it can be undone exactly.

An outcome changes a handful of columns on the attempt and the contact, may settle the
call's unmarked objections and may close the contact's open callbacks. Its rows (callback,
meeting, do-not-call entry) carry the attempt's id and need no image. :func:`prior_image`
writes what the undo needs as one JSON text, :func:`read_prior` reads it back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from callcoach.catalog.calls import OUTCOME_ATTEMPT_COLUMNS, OUTCOME_CONTACT_COLUMNS

PRIOR_VERSION = 1

#: The attempt columns an undo restores: those the outcome writes, but not its image.
RESTORED_ATTEMPT_COLUMNS = tuple(c for c in OUTCOME_ATTEMPT_COLUMNS if c != "prior")
#: The contact columns an undo restores (all an outcome writes).
RESTORED_CONTACT_COLUMNS = OUTCOME_CONTACT_COLUMNS
_INSTANTS = frozenset({"ended_at", "logged_at", "next_call_at", "last_called_at", "reserved_at"})


@dataclass(frozen=True)
class PriorImage:
    """What an outcome changed, as it was before: column values, settled objections (their
    ids; they were unmarked) and callbacks it closed (their ids; they were open)."""

    attempt: dict[str, Any]
    contact: dict[str, Any]
    objections: tuple[int, ...] = ()
    callbacks: tuple[int, ...] = field(default=())


def _encode(values: Mapping[str, Any], columns: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in columns:
        value = values[name]
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat()
        out[name] = value
    return out


def _decode(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: datetime.fromisoformat(v).astimezone(UTC) if name in _INSTANTS and v else v
        for name, v in values.items()
    }


def prior_image(
    attempt: Mapping[str, Any],
    contact: Mapping[str, Any],
    objections: Iterable[int] = (),
    callbacks: Iterable[int] = (),
) -> str:
    """The image of ``attempt`` and ``contact`` (their column values before the outcome)
    with the objection and callback ids the outcome settles and closes, as JSON text."""
    return json.dumps(
        {
            "v": PRIOR_VERSION,
            "attempt": _encode(attempt, RESTORED_ATTEMPT_COLUMNS),
            "contact": _encode(contact, RESTORED_CONTACT_COLUMNS),
            "objections": sorted(objections),
            "callbacks": sorted(callbacks),
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def read_prior(text: str) -> PriorImage:
    """The image stored by :func:`prior_image`; ValueError when it is not one."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("v") != PRIOR_VERSION:
        raise ValueError("unknown before-image format")
    return PriorImage(
        attempt=_decode(data["attempt"]),
        contact=_decode(data["contact"]),
        objections=tuple(int(i) for i in data.get("objections", ())),
        callbacks=tuple(int(i) for i in data.get("callbacks", ())),
    )
