"""Block summary: what the block produced, beside the rep's previous five blocks."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from callcoach.core.service.block import BlockFigures, BlockSummary, clock_text
from callcoach.tui.text import markup


def _time(seconds: float | None) -> str:
    return "-" if seconds is None else clock_text(seconds)


def _pct(part: int, whole: int) -> str:
    return "-" if not whole else f"{round(100 * part / whole)} %"


def _avg(f: BlockFigures, value: float) -> str:
    if not f.blocks:
        return "-"
    v = f.per_block(value)
    return f"{v:.1f}".rstrip("0").rstrip(".") if v % 1 else f"{int(v)}"


def summary_rows(summary: BlockSummary) -> list[tuple[str, str, str]]:
    """(figure, this block, previous five per block) rows of the summary table."""
    t, p = summary.this, summary.previous
    return [
        ("Dials", str(t.dials), _avg(p, p.dials)),
        ("Connects", str(t.connects), _avg(p, p.connects)),
        ("Conversations", str(t.conversations), _avg(p, p.conversations)),
        ("Meetings set", str(t.meetings), _avg(p, p.meetings)),
        ("Callbacks", str(t.callbacks), _avg(p, p.callbacks)),
        ("Average call (connects)", _time(t.avg_call_seconds), _time(p.avg_call_seconds)),
        ("Longest call", _time(t.longest_call_seconds), _time(p.longest_call_seconds)),
        ("Calls within 2:00", _pct(t.within_target, t.connects), _pct(p.within_target, p.connects)),
        ("Calls over 3:00", _pct(t.over_stop, t.connects), _pct(p.over_stop, p.connects)),
        (
            "Dead time, total",
            _time(t.dead_total_seconds),
            _time(p.per_block(p.dead_total_seconds)) if p.blocks else "-",
        ),
        ("Dead time, average gap", _time(t.dead_avg_seconds), _time(p.dead_avg_seconds)),
    ]


def list_rows(summary: BlockSummary) -> list[str]:
    """The block's figures per list, when it dialled more than one (else nothing)."""
    if len(summary.by_list) < 2:
        return []
    rows = ["", f"[b]{'By list':<24}{'dials':>6}{'conn':>6}{'conv':>6}{'mtgs':>6}{'cb':>4}[/b]"]
    for f in summary.by_list:
        name = markup(f"{f.name if len(f.name) <= 23 else f.name[:22] + '…':<24}")
        rows.append(
            f"{name}{f.dials:>6}{f.connects:>6}{f.conversations:>6}"
            f"{f.meetings:>6}{f.callbacks:>4}"
        )
    return rows


class SummaryScreen(Screen):
    """The block's figures; Enter or Esc goes back to the call lists."""

    CSS_PATH = "block.tcss"
    BINDINGS = [Binding("escape,enter,h", "home", "Back to lists", id="summary.home")]

    def __init__(self, block_id: int) -> None:
        super().__init__()
        self.block_id = block_id

    def compose(self) -> ComposeResult:
        """Figures table and objection tables."""
        yield Header()
        with VerticalScroll(id="summary"):
            yield Static("", id="summary-title")
            with Horizontal(id="summary-body"):
                yield Static("", id="summary-figures", classes="panel")
                yield Static("", id="summary-objections", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        """Aggregate and render."""
        data = self.app.service.block.summary(self.block_id)
        summary = data.summary
        used = clock_text(summary.this.active_seconds)
        self.query_one("#summary-title", Static).update(
            f"[b]Block summary[/b] - {markup(data.list_name)}, {used} of calling "
            f"({clock_text(data.planned_seconds)} planned)"
        )
        prev = summary.previous.blocks
        head = f"previous {prev}" if prev else "no previous"
        lines = [f"[b]{'':<24}{'this block':>12}{head:>16}[/b]"]
        for label, this, before in summary_rows(summary):
            lines.append(f"{label:<24}{this:>12}{before:>16}")
        lines += list_rows(summary)
        lines.append("")
        lines.append("[dim]Previous: average per block over your last five blocks.[/dim]")
        self.query_one("#summary-figures", Static).update("\n".join(lines))
        t, p = summary.this, summary.previous
        before_type = {f.label: f for f in p.objections_by_type}
        ob = [f"[b]{'Objections by type':<24}{'raised':>8}{'overcome':>10}{'prev':>7}[/b]"]
        for f in t.objections_by_type:
            prev_f = before_type.get(f.label)
            ob.append(
                f"{markup(_fit(f.label.replace('_', ' '), 23).ljust(24))}{f.raised:>8}{f.overcome:>10}"
                f"{(str(prev_f.raised) if prev_f else '-'):>7}"
            )
        if not t.objections_by_type:
            ob.append("[dim]none this block[/dim]")
        ob.append("")
        ob.append(f"[b]{'By order':<24}{'raised':>8}{'overcome':>10}[/b]")
        for f in t.objections_by_order:
            ob.append(f"{markup(f.label):<24}{f.raised:>8}{f.overcome:>10}")
        if not t.objections_by_order:
            ob.append("[dim]none this block[/dim]")
        self.query_one("#summary-objections", Static).update("\n".join(ob))

    def action_home(self) -> None:
        """Back to the call lists (refreshed)."""
        self.app.pop_screen()
        refresh = getattr(self.app.screen, "action_refresh", None)
        if refresh is not None:
            refresh()


def _fit(label: str, width: int) -> str:
    """``label`` cut to ``width`` characters with an ellipsis, so the figures stay in their
    columns (an objection typed in a call can be a whole sentence)."""
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"
