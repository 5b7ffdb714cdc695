"""Same-company colleagues: other contacts at the contact's company reached lately, so the
rep can say "I spoke with ..." on the call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Colleague:
    """Another contact at the same company, reached in this block or recently."""

    full_name: str
    title: str
    outcome: str  # the outcome of their latest reached call (catalogue value)
    called_at: datetime
    this_block: bool
