"""The drill screens' wording: scores, times and rates as text (no widgets)."""

from __future__ import annotations


def number_text(value: float | None, digits: int = 1, suffix: str = "") -> str:
    """``value`` with ``digits`` decimals (and ``suffix``), or "-" when there is none."""
    return "-" if value is None else f"{value:.{digits}f}{suffix}"


def percent_text(value: float | None) -> str:
    """A share as a whole percentage, or "-" when there is none."""
    return "-" if value is None else f"{value * 100:.0f}%"
