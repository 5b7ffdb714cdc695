"""The review screens' wording: the funnel and rate bars as text lines (no widgets)."""

from __future__ import annotations

from callcoach.core.review.funnels import Funnel
from callcoach.core.review.metrics import Ratio


def bar(ratio: Ratio, width: int = 20) -> str:
    """A text bar for a rate (empty when nothing to divide by)."""
    if not ratio.den:
        return ""
    filled = round((ratio.value or 0) * width)
    return "█" * filled + "░" * (width - filled)


def funnel_lines(fu: Funnel) -> list[str]:
    """The funnel as text lines: stage, count, rate from the previous stage, bar."""
    top = max(fu.dials, 1)
    stages = [
        ("Dials", fu.dials, None),
        ("Connects", fu.connects, fu.connect_rate),
        ("Conversations", fu.conversations, fu.conversation_rate),
        ("Meetings set", fu.meetings, fu.meeting_rate),
        ("Meetings held", fu.held, fu.held_rate),
    ]
    lines = []
    for name, value, rate in stages:
        width = round(30 * value / top)
        rate_text = "" if rate is None else rate.text()
        if name == "Meetings held" and rate is not None:
            rate_text += " of recorded" if rate.den else ""
        lines.append(f"{name:<14}{value:>7}  {'█' * width:<30}  {rate_text}")
    return lines

