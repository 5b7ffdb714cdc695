"""The review screens' wording: the funnel, rate bars and comparisons as text lines (no
widgets)."""

from __future__ import annotations

from collections.abc import Iterable

from callcoach.core.review.comparisons import Comparison, change
from callcoach.core.review.export import cell_text
from callcoach.core.review.funnels import Funnel
from callcoach.core.review.metrics import Ratio
from callcoach.text_table import table_lines


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



#: The overview's comparison rows: (label, Funnel attribute).
COMPARED_FIGURES = (
    ("Dials", "dials"), ("Connects", "connects"), ("Conversations", "conversations"),
    ("Meetings set", "meetings"), ("Meetings held", "held"), ("Blocks", "blocks"),
    ("Connect/dial", "connect_rate"), ("Conv/connect", "conversation_rate"),
    ("Mtg/conv", "set_per_conversation"), ("Mtg/dial", "set_per_dial"),
)


def comparison_lines(c: Comparison, now: Funnel, before: Funnel) -> list[str]:
    """The overview's comparison: each figure now, in the previous comparable period, and
    the change (counts below 20 never as percentages; rates in points only from 20 on)."""
    rows = []
    for label, attr in COMPARED_FIGURES:
        a, b = getattr(now, attr), getattr(before, attr)
        ch = change(a, b)
        rows.append([label, cell_text(a, "int"), cell_text(b, "int"),
                     "-" if ch is None else ch.text()])
    header = ["", "This period", "Previous", "Change"]
    return [f"Compared with {c.previous.describe()} ({c.rule})", "",
            *table_lines(header, rows, right={1, 2, 3})]


def sum_funnels(funnels: Iterable[Funnel]) -> Funnel:
    """The sum of slices whose calls never overlap (reps, lists, hours): the panel total."""
    total = Funnel()
    for fu in funnels:
        total = total + fu
    return total
