"""The HTML scorecard: one self-contained file (inline CSS and SVG, no network, no script).

Rendered from the Jinja2 templates in ``templates/`` (``scorecard.html.j2``, its charts in
``charts.html.j2``, the style sheet ``scorecard.css``) with autoescaping on: this module
works out the figures and the charts' geometry as plain data, the templates write markup.

It shows the period and filters, the funnel with stage rates, the appointment-set rates,
the change against the previous comparable period (see
:mod:`~callcoach.core.review.comparisons`), weekly trends against the goal line, and the requested
breakdown table; it prints cleanly on A4/Letter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlmodel import Session

from callcoach.core.review.breakdowns import FunnelBreakdown, get_breakdown
from callcoach.core.review.comparisons import CountChange, RateChange, comparable
from callcoach.core.review.export import cell_text
from callcoach.core.review.filters import ReportFilter
from callcoach.core.review.funnels import Funnel, funnel, funnels
from callcoach.core.review.goals import goals_by_week
from callcoach.core.review.metrics import DEFINITIONS
from callcoach.core.review.notes import report_notes
from callcoach.core.review.slices import by_week, week_slices
from callcoach.core.review.tables import ReportTable

_TEMPLATES = Environment(
    loader=PackageLoader("callcoach.core.review", "templates"),
    autoescape=True,  # every value from the database or a flag is text, never markup
    trim_blocks=False,
    keep_trailing_newline=True,
    undefined=StrictUndefined,
)


def funnel_chart(fu: Funnel, width: int = 520) -> dict[str, Any]:
    """Geometry of the horizontal funnel bars, with the rate between each stage."""
    stages = [
        ("Dials", fu.dials, None),
        ("Connects", fu.connects, fu.connect_rate),
        ("Conversations", fu.conversations, fu.conversation_rate),
        ("Meetings set", fu.meetings, fu.meeting_rate),
        ("Meetings held", fu.held, fu.held_rate),
    ]
    top = max(fu.dials, 1)
    bar_h, gap, label_w = 22, 8, 110
    out = []
    for i, (name, value, rate) in enumerate(stages):
        note = f"{value}" + (f"  ({rate.text()} of previous)" if rate is not None else "")
        if name == "Meetings held" and rate is not None:
            note = f"{value}  ({rate.text()} of recorded)"
        out.append({
            "name": name,
            "y": i * (bar_h + gap) + 2,
            "w": max((width - label_w - 170) * value / top, 1 if value else 0),
            "opacity": 1 - i * 0.14,
            "note": note,
        })
    return {"width": width, "height": len(stages) * (bar_h + gap) + 4, "bar_h": bar_h,
            "label_w": label_w, "stages": out}


def bar_chart(
    title: str,
    labels: list[str],
    values: Sequence[float],
    goals: Sequence[float | None] | None = None,
    width: int = 520,
    height: int = 200,
    suffix: str = "",
) -> dict[str, Any]:
    """Geometry of a bar chart with an optional dashed goal line per bar."""
    left, bottom, top_pad = 34, 36, 22
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    top = max([*values, *[g for g in (goals or []) if g is not None], 1])
    n = max(len(values), 1)
    slot = plot_w / n
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + i * slot + slot * 0.15
        bars.append({
            "label": label, "value": value, "x": x, "h": plot_h * value / top,
            "mid": x + slot * 0.35, "show_value": bool(value),
            "show_label": n <= 14 or i % max(n // 12, 1) == 0,
        })
    segments = [
        {"x0": left + i * slot + 2, "x1": left + (i + 1) * slot - 2,
         "y": top_pad + plot_h - plot_h * g / top}
        for i, g in enumerate(goals or [])
        if g is not None
    ]
    return {"title": title, "width": width, "height": height, "left": left,
            "top_pad": top_pad, "base": top_pad + plot_h, "top": top, "suffix": suffix,
            "bar_w": slot * 0.7, "bars": bars, "goals": segments}


def _trend(diff: float) -> str:
    """The trend class of a change: ``up``, ``down`` or none."""
    return "up" if diff > 0 else "down" if diff < 0 else ""


def _table(table: ReportTable) -> dict[str, Any]:
    """A report table as the text of its cells (the same text as the terminal table)."""
    return {
        "title": table.title,
        "empty": table.empty.strip("()").capitalize() + ".",
        "columns": [{"header": c.header, "css": "text" if c.kind == "text" else ""}
                    for c in table.columns],
        "rows": [[cell_text(row.get(c.key), c.kind) for c in table.columns]
                 for row in table.rows],
        "totals": None if not table.totals else [
            cell_text(table.totals.get(c.key), c.kind) if c.key in table.totals else None
            for c in table.columns
        ],
    }


def _coaching(session: Session, by: str, f: ReportFilter) -> list[dict[str, Any]]:
    """The coaching notes of the reps the card is about, written in the period, as text."""
    out = []
    for rep, notes in sorted(report_notes(session, by, f).items()):
        for n in notes:
            out.append({
                "rep": rep,
                "when": n.written_at.astimezone(f.tz).strftime("%Y-%m-%d %H:%M"),
                "author": n.author or "-",
                "about": n.about,
                "text": n.text,
            })
    return out


def trend_filter(f: ReportFilter, min_weeks: int = 8) -> ReportFilter:
    """The weeks to chart: the period, widened back to at least ``min_weeks`` weeks."""
    since = min(f.since, f.until - timedelta(weeks=min_weeks) + timedelta(days=1))
    return replace(f, since=since, label="")


def build_scorecard(session: Session, by: str, f: ReportFilter, now: datetime) -> str:
    """The whole scorecard page for ``--by`` over the filter."""
    tf = trend_filter(f)
    own_weeks = tf.since == f.since  # the trend is the period's own weeks
    breakdown = get_breakdown(by)
    if isinstance(breakdown, FunnelBreakdown) and own_weeks:
        # Table, total and weeks in one statement.
        table, rows, fu = breakdown.counted(session, f, also=("week",))
        weeks = week_slices(tf, rows["week"])
    elif isinstance(breakdown, FunnelBreakdown):
        table, _, fu = breakdown.counted(session, f)
        weeks = by_week(session, tf)
    elif own_weeks:
        table = breakdown.table(session, f)
        rows, fu = funnels(session, f, ("week",))  # total and weeks in one statement
        weeks = week_slices(tf, rows["week"])
    else:
        table = breakdown.table(session, f)
        weeks, fu = by_week(session, tf), funnel(session, f)
    comparison = comparable(f, now)
    fp = funnel(session, comparison.previous)
    goals = goals_by_week(session, tf.since, tf.until, f.rep_ids)
    labels = [w.key.strftime("%d %b") for w in weeks]
    goal_dials = [goals[w.key].dials if w.key in goals else None for w in weeks]
    goal_meetings = [goals[w.key].meetings if w.key in goals else None for w in weeks]

    tiles = []
    for name, attr in (("Dials", "dials"), ("Connects", "connects"),
                       ("Conversations", "conversations"), ("Meetings set", "meetings"),
                       ("Meetings held", "held")):
        ch = CountChange(getattr(fu, attr), getattr(fp, attr))
        tiles.append({"name": name, "value": getattr(fu, attr), "before": ch.before,
                      "change": ch.text(), "trend": _trend(ch.diff)})
    rates = []
    for name, now_rate, before_rate in (
        ("per dial", fu.set_per_dial, fp.set_per_dial),
        ("per connect", fu.set_per_connect, fp.set_per_connect),
        ("per conversation", fu.set_per_conversation, fp.set_per_conversation),
    ):
        rc = RateChange(now_rate, before_rate)
        rates.append({"name": name, "now": now_rate.text(), "before": before_rate.text(),
                      "change": rc.text(), "trend": _trend(rc.points or 0)})
    bar_charts = [
        bar_chart("Dials per week (goal dashed)", labels, [w.funnel.dials for w in weeks],
                  goal_dials),
        bar_chart("Meetings set per week (goal dashed)", labels,
                  [w.funnel.meetings for w in weeks], goal_meetings),
        bar_chart("Conversations per week", labels, [w.funnel.conversations for w in weeks]),
        bar_chart("Blocks run per week", labels, [w.funnel.blocks for w in weeks]),
    ]
    if isinstance(breakdown, FunnelBreakdown) and breakdown.rate_chart:
        key = table.columns[0].key
        bar_charts.insert(0, bar_chart(
            f"Connect rate by {by} (%)", [str(r[key]) for r in table.rows],
            [r["connect_rate"].pct or 0 for r in table.rows], suffix="%"))
    return _TEMPLATES.get_template("scorecard.html.j2").render(
        title=f"Scorecard: {table.title}",
        period=f.describe(),
        scope=f.scope(),
        generated=now.astimezone(f.tz).strftime("%Y-%m-%d %H:%M"),
        tiles=tiles,
        previous=comparison.previous.describe(),
        rule=comparison.rule,
        funnel=funnel_chart(fu),
        rates=rates,
        bar_charts=bar_charts,
        table=_table(table),
        notes=table.notes,
        coaching=_coaching(session, by, f),
        definitions=DEFINITIONS,
        zone=f.zone,
    )
