"""Render a :class:`~callcoach.core.review.tables.ReportTable` as a text table, CSV or JSON.

All formats show the same figures: a rate appears as ``num/den (pct%)`` in text, as the
same ``pct`` number beside its counts in CSV, and as ``{"num", "den", "pct"}`` in JSON.
CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return) are neutralised with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from callcoach.core.review.metrics import DEFINITIONS, CountChange, RateChange, Ratio
from callcoach.core.review.tables import Column, ReportTable
from callcoach.text_table import column_widths, table_row, table_rule

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def seconds_text(value: float | None) -> str:
    """``m:ss`` for a duration in seconds (``-`` when unknown)."""
    if value is None:
        return "-"
    total = int(round(value))
    return f"{total // 60}:{total % 60:02d}"


def cell_text(value: Any, kind: str) -> str:
    """A value as the text table, dashboard and HTML show it."""
    if value is None:
        return "-"
    if isinstance(value, Ratio | CountChange | RateChange):
        return value.text()
    if kind == "seconds":
        return seconds_text(value)
    if kind == "share":
        return f"{float(value):.1f}"
    return str(value)


def render_text(table: ReportTable) -> str:
    """An aligned plain-text table with period, totals, notes and definitions."""
    f = table.filter
    header = [c.header for c in table.columns]
    body = [[cell_text(row.get(c.key), c.kind) for c in table.columns] for row in table.rows]
    if table.totals:
        body.append([cell_text(table.totals.get(c.key), c.kind) if c.key in table.totals
                     else "" for c in table.columns])
    widths = column_widths(header, body)
    numbers = {i for i, col in enumerate(table.columns) if col.kind != "text"}
    lines = [f"{table.title}: {f.describe()}; {f.scope()}", "", table_row(header, widths, numbers)]
    lines.append(table_rule(widths))
    rows = [table_row(r, widths, numbers) for r in body]
    if table.totals and rows:
        lines += rows[:-1] + [table_rule(widths), rows[-1]]
    else:
        lines += rows
    if not table.rows:
        lines.append(table.empty)
    if table.notes:
        lines += [""] + table.notes
    lines += ["", "Definitions:"] + [f"  {name}: {text}" for name, text in DEFINITIONS.items()]
    return "\n".join(lines) + "\n"


def neutralise(value: str) -> str:
    """Prefix a cell a spreadsheet would treat as a formula with an apostrophe."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _csv_headers(col: Column, kinds: dict[str, str]) -> str:
    if col.kind == "change":  # of a rate: in percentage points; of a count: the difference
        rate = kinds.get(col.key.removesuffix("_change")) == "ratio"
        return f"{col.header} (pts)" if rate else col.header
    if col.kind == "ratio":
        return f"{col.header} %"
    if col.kind == "seconds":
        return f"{col.header} (s)"
    return col.header


def _csv_value(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, CountChange):
        return value.diff
    if isinstance(value, RateChange):  # points; empty when either rate is small
        return "" if value.points is None else value.points
    if isinstance(value, Ratio):
        return "" if value.pct is None else value.pct
    if kind == "seconds":
        return round(float(value))
    if kind == "share":
        return round(float(value), 2)
    if isinstance(value, str):
        return neutralise(value)
    return value


def render_csv(table: ReportTable) -> str:
    """CSV: one header row, one row per slice, a Total row, then the definitions
    (``Definition,connect,...``); formula-safe text cells."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    kinds = {c.key: c.kind for c in table.columns}
    w.writerow([neutralise(_csv_headers(c, kinds)) for c in table.columns])
    rows = list(table.rows) + ([table.totals] if table.totals else [])
    for row in rows:
        w.writerow([_csv_value(row.get(c.key), c.kind) for c in table.columns])
    # Then the definitions, one per row: "Definition", the term, its meaning.
    for name, text in DEFINITIONS.items():
        w.writerow(["Definition", neutralise(name), neutralise(text)])
    return buf.getvalue()


def _json_value(value: Any, kind: str) -> Any:
    if isinstance(value, Ratio | CountChange | RateChange):
        return value.as_json()
    if kind == "seconds" and value is not None:
        return round(float(value), 1)
    if kind == "share" and value is not None:
        return round(float(value), 3)
    return value


def report_dict(table: ReportTable) -> dict[str, Any]:
    """The report as plain data (the JSON format)."""
    f = table.filter

    def conv(row: dict[str, Any]) -> dict[str, Any]:
        kinds = {c.key: c.kind for c in table.columns}
        return {k: _json_value(v, kinds.get(k, "text")) for k, v in row.items()}

    return {
        "report": table.by,
        "title": table.title,
        "period": {
            "since": f.since.isoformat(),
            "until": f.until.isoformat(),
            "zone": f.zone,
            "label": f.label,
        },
        "filters": {"reps": list(f.rep_names), "lists": list(f.list_names)},
        "columns": [{"key": c.key, "header": c.header, "kind": c.kind} for c in table.columns],
        "rows": [conv(r) for r in table.rows],
        "totals": conv(table.totals) if table.totals else None,
        "notes": list(table.notes),
        "definitions": DEFINITIONS,
        **({"comparison": table.comparison} if table.comparison is not None else {}),
    }


def render_json(table: ReportTable) -> str:
    """Pretty JSON of :func:`report_dict`."""
    return json.dumps(report_dict(table), indent=2, ensure_ascii=False) + "\n"
