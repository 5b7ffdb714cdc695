"""Plain-text tables, as the command line prints them: columns two spaces apart, each as
wide as its widest cell, trailing spaces dropped.

Every cell and header passes through :func:`callcoach.textsafe.for_terminal` (one line), so a
name from a CSV, a flag or the database cannot act on the terminal; widths are measured on the
text as shown.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from callcoach.textsafe import for_terminal


def _shown(cell: str) -> str:
    return for_terminal(cell, one_line=True)


def column_widths(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    """The width of each column: its header or its widest cell."""
    return [
        max([len(_shown(h))] + [len(_shown(r[i])) for r in rows]) for i, h in enumerate(header)
    ]


def table_row(cells: Sequence[str], widths: Sequence[int], right: Collection[int] = ()) -> str:
    """One line of cells padded to ``widths``; the columns in ``right`` align right (numbers)."""
    shown = [_shown(c) for c in cells]
    return "  ".join(
        c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(shown, widths, strict=True))
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
