"""The HTML scorecard: one self-contained file (inline CSS and SVG, no network, no script).

It shows the period and filters, the funnel with stage rates, the appointment-set rates,
month-over-month change, weekly trends against the goal line, and the requested
breakdown table; it prints cleanly on A4/Letter.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from html import escape

from sqlmodel import Session

from callcoach.core.review.breakdowns import FunnelBreakdown, funnel_report, get_breakdown
from callcoach.core.review.comparisons import month_over_month
from callcoach.core.review.export import cell_text
from callcoach.core.review.filters import ReportFilter
from callcoach.core.review.funnels import Funnel, funnel, funnels
from callcoach.core.review.goals import goals_by_week
from callcoach.core.review.metrics import DEFINITIONS, Ratio
from callcoach.core.review.slices import by_week, week_slices
from callcoach.core.review.tables import ReportTable

CSS = """
:root { --ink:#1d2433; --muted:#5b6577; --accent:#2f6fdf; --good:#1f8a4c; --bad:#c0392b;
        --line:#d9dee7; }
* { box-sizing: border-box; }
body { font: 13px/1.45 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: var(--ink); margin: 24px auto; max-width: 1100px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 22px 0 8px; border-bottom: 1px solid var(--line);
     padding-bottom: 4px; }
.muted { color: var(--muted); }
.tiles { display: grid; grid-template-columns: repeat(5, 1fr); gap: 10px; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.tile .v { font-size: 22px; font-weight: 600; }
.tile .d { font-size: 11px; }
.up { color: var(--good); } .down { color: var(--bad); }
.tablewrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 11px; }
th, td { padding: 3px 4px; border-bottom: 1px solid var(--line); text-align: right;
         white-space: nowrap; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
tr.total td { font-weight: 600; border-top: 2px solid var(--ink); }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
svg text { font-family: inherit; }
.notes li { margin: 2px 0; }
footer { margin-top: 24px; font-size: 11px; color: var(--muted); }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  .tablewrap { overflow: visible; }
  table { font-size: 9px; }
  h2 { break-after: avoid; }
  table, svg, .tiles { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
@page { margin: 14mm; }
"""


def svg_funnel(fu: Funnel, width: int = 520) -> str:
    """Horizontal funnel bars with the rate between each stage."""
    stages = [
        ("Dials", fu.dials, None),
        ("Connects", fu.connects, fu.connect_rate),
        ("Conversations", fu.conversations, fu.conversation_rate),
        ("Meetings set", fu.meetings, fu.meeting_rate),
        ("Meetings held", fu.held, fu.held_rate),
    ]
    top = max(fu.dials, 1)
    bar_h, gap, label_w = 22, 8, 110
    height = len(stages) * (bar_h + gap) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="Funnel">'
    ]
    for i, (name, value, rate) in enumerate(stages):
        y = i * (bar_h + gap) + 2
        w = max((width - label_w - 170) * value / top, 1 if value else 0)
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(name)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" '
            f'fill="#2f6fdf" opacity="{1 - i * 0.14:.2f}"/>'
        )
        note = f"{value}" + (f"  ({rate.text()} of previous)" if rate is not None else "")
        if name == "Meetings held" and rate is not None:
            note = f"{value}  ({rate.text()} of recorded)"
        parts.append(
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="12">{escape(note)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def svg_bars(
    title: str,
    labels: list[str],
    values: list[float],
    goals: list[float | None] | None = None,
    width: int = 520,
    height: int = 200,
    suffix: str = "",
) -> str:
    """A bar chart with an optional dashed goal line, as inline SVG."""
    left, bottom, top_pad = 34, 36, 22
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    top = max([*values, *[g for g in (goals or []) if g is not None], 1])
    n = max(len(values), 1)
    slot = plot_w / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<text x="0" y="14" font-size="12" font-weight="600">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - 8}" y2="{top_pad + plot_h}" '
        'stroke="#999"/>',
        f'<text x="{left - 4}" y="{top_pad + 8}" font-size="10" text-anchor="end">'
        f"{top:g}{suffix}</text>",
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * value / top
        x = left + i * slot + slot * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{h:.1f}" fill="#2f6fdf"><title>{escape(label)}: {value:g}{suffix}'
            "</title></rect>"
        )
        if value:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{top_pad + plot_h - h - 3:.1f}" '
                f'font-size="9" text-anchor="middle">{value:g}</text>'
            )
        if n <= 14 or i % max(n // 12, 1) == 0:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{top_pad + plot_h + 13}" font-size="9" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    if goals and any(g is not None for g in goals):
        points = []
        for i, g in enumerate(goals):
            if g is None:
                continue
            y = top_pad + plot_h - plot_h * g / top
            x0, x1 = left + i * slot + 2, left + (i + 1) * slot - 2
            points.append(f"{x0:.1f},{y:.1f} {x1:.1f},{y:.1f}")
        for seg in points:
            parts.append(
                f'<polyline points="{seg}" fill="none" stroke="#c0392b" stroke-width="2" '
                'stroke-dasharray="5,3"/>'
            )
        parts.append(
            f'<text x="{width - 8}" y="{height - 4}" font-size="10" text-anchor="end" '
            'fill="#c0392b">- - goal</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _change(now: int, before: int) -> str:
    diff = now - before
    if before == 0:
        return f"{diff:+d} vs 0"
    pct = round(diff * 100 / before)
    cls = "up" if diff > 0 else "down" if diff < 0 else ""
    return f'<span class="{cls}">{diff:+d} ({pct:+d}%)</span>'


def _table_html(table: ReportTable) -> str:
    head = "".join(
        f'<th class="{"text" if c.kind == "text" else ""}">{escape(c.header)}</th>'
        for c in table.columns
    )
    rows = []
    for row in table.rows:
        cells = "".join(
            f'<td class="{"text" if c.kind == "text" else ""}">'
            f"{escape(cell_text(row.get(c.key), c.kind))}</td>"
            for c in table.columns
        )
        rows.append(f"<tr>{cells}</tr>")
    if table.totals:
        cells = "".join(
            f"<td>{escape(cell_text(table.totals.get(c.key), c.kind))}</td>"
            if c.key in table.totals else "<td></td>"
            for c in table.columns
        )
        rows.append(f'<tr class="total">{cells}</tr>')
    if not table.rows:
        rows.append(f'<tr><td colspan="{len(table.columns)}">No calls in this period.</td></tr>')
    return (
        f'<div class="tablewrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def trend_filter(f: ReportFilter, min_weeks: int = 8) -> ReportFilter:
    """The weeks to chart: the period, widened back to at least ``min_weeks`` weeks."""
    since = min(f.since, f.until - timedelta(weeks=min_weeks) + timedelta(days=1))
    return replace(f, since=since, label="")


def build_scorecard(session: Session, by: str, f: ReportFilter, now: datetime) -> str:
    """The whole scorecard page for ``--by`` over the filter."""
    tf = trend_filter(f)
    own_weeks = tf.since == f.since  # the trend is the period's own weeks
    breakdown = get_breakdown(by)
    by_funnel = isinstance(breakdown, FunnelBreakdown)
    if by_funnel and own_weeks:
        # Table, total and weeks in one statement.
        table, rows = funnel_report(session, by, f, also=("week",))
        weeks = week_slices(tf, rows["week"])
        fu = table.total
    elif by_funnel:
        table, _ = funnel_report(session, by, f)
        weeks, fu = by_week(session, tf), table.total
    elif own_weeks:
        table = breakdown.table(session, f)
        rows, fu = funnels(session, f, ("week",))  # total and weeks in one statement
        weeks = week_slices(tf, rows["week"])
    else:
        table = breakdown.table(session, f)
        weeks, fu = by_week(session, tf), funnel(session, f)
    (this_m, fm), (prev_m, fp) = month_over_month(session, f)
    goals = goals_by_week(session, tf.since, tf.until, f.rep_ids)
    labels = [w.key.strftime("%d %b") for w in weeks]
    goal_dials = [goals[w.key].dials if w.key in goals else None for w in weeks]
    goal_meetings = [goals[w.key].meetings if w.key in goals else None for w in weeks]

    tiles = []
    for name, value, a, b in (
        ("Dials", fu.dials, fm.dials, fp.dials),
        ("Connects", fu.connects, fm.connects, fp.connects),
        ("Conversations", fu.conversations, fm.conversations, fp.conversations),
        ("Meetings set", fu.meetings, fm.meetings, fp.meetings),
        ("Meetings held", fu.held, fm.held, fp.held),
    ):
        tiles.append(
            f'<div class="tile"><div class="muted">{name}</div><div class="v">{value}</div>'
            f'<div class="d muted">{escape(this_m.label)}: {a} vs {escape(prev_m.label)}: '
            f"{b} {_change(a, b)}</div></div>"
        )
    rates: list[tuple[str, Ratio]] = [
        ("per dial", fu.set_per_dial),
        ("per connect", fu.set_per_connect),
        ("per conversation", fu.set_per_conversation),
    ]
    rate_items = "".join(
        f"<li>Appointment-set rate {escape(n)}: <b>{escape(r.text())}</b></li>" for n, r in rates
    )
    charts = [
        svg_bars("Dials per week (goal dashed)", labels, [w.funnel.dials for w in weeks],
                 goal_dials),
        svg_bars("Meetings set per week (goal dashed)", labels,
                 [w.funnel.meetings for w in weeks], goal_meetings),
        svg_bars("Conversations per week", labels, [w.funnel.conversations for w in weeks]),
        svg_bars("Blocks run per week", labels, [w.funnel.blocks for w in weeks]),
    ]
    if isinstance(breakdown, FunnelBreakdown) and breakdown.rate_chart:
        key = table.columns[0].key
        charts.insert(0, svg_bars(
            f"Connect rate by {by} (%)", [str(r[key]) for r in table.rows],
            [r["connect_rate"].pct or 0 for r in table.rows], suffix="%"))
    notes = "".join(f"<li>{escape(n)}</li>" for n in table.notes)
    defs = "".join(f"<li><b>{escape(k)}</b>: {escape(v)}</li>" for k, v in DEFINITIONS.items())
    title = f"Scorecard: {table.title}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} - {escape(f.describe())}</title>
<style>{CSS}</style></head>
<body>
<header>
<h1>{escape(title)}</h1>
<div class="muted" id="period">Period: {escape(f.describe())} &middot; {escape(f.scope())}
&middot; generated {escape(now.astimezone(f.tz).strftime("%Y-%m-%d %H:%M"))}</div>
</header>
<h2>Funnel</h2>
<div class="tiles">{''.join(tiles)}</div>
<div style="margin-top:12px">{svg_funnel(fu)}</div>
<ul>{rate_items}</ul>
<h2>Trends by week</h2>
<div class="charts">{''.join(charts)}</div>
<h2>{escape(table.title)}</h2>
{_table_html(table)}
{f'<ul class="notes">{notes}</ul>' if notes else ''}
<footer><p>Definitions (rates are ratios of counts over the same filter; every rate is shown
with its counts):</p><ul>{defs}</ul>
<p>Month-over-month compares calendar months in {escape(f.zone)}; weeks start on Monday.</p>
</footer>
</body></html>
"""
