"""Report tables: the columns and rows every output format (text, CSV, JSON, HTML) renders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from callcoach.core.review.filters import ReportFilter
from callcoach.core.review.funnels import Funnel
from callcoach.core.review.slices import Slice


@dataclass(frozen=True)
class Column:
    """A report column: ``kind`` is text, int, share (a
    fraction shown to one decimal), ratio, seconds, minutes or change (a count or rate
    change against the previous period)."""

    key: str
    header: str
    kind: str = "int"


@dataclass
class ReportTable:
    """A rendered-agnostic breakdown: columns, rows of values, an optional totals row."""

    by: str
    title: str
    filter: ReportFilter
    columns: list[Column]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    total: Funnel | None = None  # the whole filter's funnel, for breakdowns that have one
    #: For a table compared with the previous comparable period: the rule and that period.
    comparison: dict[str, Any] | None = None
    #: What a table with no rows says (a drill table: no drills, not no calls).
    empty: str = "(no calls in this period)"


FUNNEL_COLUMNS: tuple[Column, ...] = (
    Column("blocks", "Blocks"),
    Column("dials", "Dials"),
    Column("connects", "Connects"),
    Column("conversations", "Convs"),
    Column("meetings", "Meetings"),
    Column("held", "Held"),
    Column("connect_rate", "Connect/dial", "ratio"),
    Column("conversation_rate", "Conv/connect", "ratio"),
    Column("set_per_conversation", "Mtg/conv", "ratio"),
    Column("set_per_connect", "Mtg/connect", "ratio"),
    Column("set_per_dial", "Mtg/dial", "ratio"),
    Column("avg_call", "Avg call", "seconds"),
    Column("long_share", ">3 min", "ratio"),
    Column("dead_per_block", "Dead/block", "seconds"),
)

#: The funnel columns of breakdowns by list or cluster: a block that switched lists is
#: split between them by its share of dials (one decimal), and marked in "Shared".
SPLIT_COLUMNS: tuple[Column, ...] = (
    Column("blocks", "Blocks", "share"),
    Column("shared_blocks", "Shared"),
    *(c for c in FUNNEL_COLUMNS if c.key != "blocks"),
)

#: What the split columns mean, under a table by list or cluster.
SPLIT_NOTE = (
    "Blocks: each block's share of its dials on this {what} (a block that switched {what}s "
    "is split between them), so the rows add up to the total; Dead/block is per such share. "
    "Shared: blocks that also dialled another {what}; each counts on every {what} it "
    "dialled, so this column has no total ({n} in these rows)."
)

#: The funnel columns of breakdowns by the time of the dial (no blocks run there).
TIME_COLUMNS: tuple[Column, ...] = tuple(
    c for c in FUNNEL_COLUMNS if c.key not in ("blocks", "dead_per_block")
)


def funnel_values(fu: Funnel) -> dict[str, Any]:
    """A funnel as the standard column values."""
    return {
        "blocks": fu.blocks,
        "shared_blocks": fu.shared_blocks,
        "dials": fu.dials,
        "connects": fu.connects,
        "conversations": fu.conversations,
        "meetings": fu.meetings,
        "held": fu.held,
        "connect_rate": fu.connect_rate,
        "conversation_rate": fu.conversation_rate,
        "set_per_conversation": fu.set_per_conversation,
        "set_per_connect": fu.set_per_connect,
        "set_per_dial": fu.set_per_dial,
        "avg_call": fu.avg_call_seconds,
        "long_share": fu.long_share,
        "dead_per_block": fu.dead_seconds_per_block,
    }


def slice_table(
    by: str,
    title: str,
    f: ReportFilter,
    first: Sequence[Column],
    slices: list[Slice],
    total: Funnel,
    funnel_columns: Sequence[Column] = FUNNEL_COLUMNS,
) -> ReportTable:
    """A table of slices: the ``first`` columns (the slice's label, then its extras), the
    funnel columns kept, and a Total row from ``total``."""
    keep = {c.key for c in funnel_columns}
    rows = [
        {first[0].key: s.label, **s.extra,
         **{k: v for k, v in funnel_values(s.funnel).items() if k in keep}}
        for s in slices
    ]
    totals = {first[0].key: "Total", **{k: v for k, v in funnel_values(total).items() if k in keep}}
    return ReportTable(by, title, f, [*first, *funnel_columns], rows, totals, total=total)
