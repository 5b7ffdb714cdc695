"""The drill screens' wording: scores, times and rates as text (no widgets)."""

from __future__ import annotations

from callcoach.core.drills.figures import number_text, percent_text, trend_text

__all__ = ["number_text", "percent_text", "trend_text"]
