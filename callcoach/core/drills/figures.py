"""Drill figures as text, shared by the Drills screen and ``callcoach drill progress``."""

from __future__ import annotations


def number_text(value: float | None, digits: int = 1, suffix: str = "") -> str:
    """``value`` with ``digits`` decimals (and ``suffix``), or "-" when there is none."""
    return "-" if value is None else f"{value:.{digits}f}{suffix}"


def percent_text(value: float | None) -> str:
    """A share as a whole percentage, or "-" when there is none."""
    return "-" if value is None else f"{value * 100:.0f}%"


def trend_text(value: float | None) -> str:
    """A score change with its sign (+0.5, -1.0, +0.0), or "new" with one score only."""
    return "new" if value is None else f"{'+' if value >= 0 else ''}{value:.1f}"
