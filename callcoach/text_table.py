"""Plain-text tables, as the command line prints them: columns two spaces apart, each as
wide as its widest cell, trailing spaces dropped."""

from __future__ import annotations

from collections.abc import Collection, Sequence


def column_widths(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    """The width of each column: its header or its widest cell."""
    return [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]


def table_row(cells: Sequence[str], widths: Sequence[int], right: Collection[int] = ()) -> str:
    """One line of cells padded to ``widths``; the columns in ``right`` align right (numbers)."""
    return "  ".join(
        c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    ).rstrip()


def table_rule(widths: Sequence[int]) -> str:
    """A line of dashes under each column."""
    return "  ".join("-" * w for w in widths)


def table_lines(
    header: Sequence[str], rows: Sequence[Sequence[str]], right: Collection[int] = ()
) -> list[str]:
    """The header and the rows, aligned."""
    widths = column_widths(header, rows)
    return [table_row(header, widths, right)] + [table_row(r, widths, right) for r in rows]
