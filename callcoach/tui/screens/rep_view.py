"""One rep's page, opened from the dashboard: funnel, weeks, last blocks, best and worst lists.

Figures come from the review service for the dashboard's period (the same functions
``callcoach report`` uses).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Static

from callcoach.core.review.export import seconds_text
from callcoach.core.review.filters import ReportFilter
from callcoach.core.review.rep_view import best_and_worst_lists
from callcoach.tui.screens.review_text import funnel_lines
from callcoach.tui.text import cell, markup


class RepViewScreen(Screen):
    """One rep: funnel, weeks, last blocks, best and worst lists."""

    CSS_PATH = "rep_view.tcss"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="rep_view.back")]

    def __init__(self, rep_id: int, base: ReportFilter) -> None:
        super().__init__()
        self.rep_id = rep_id
        self.base = base

    def compose(self) -> ComposeResult:
        """Summary, weeks, blocks, lists."""
        yield Header()
        yield Static("", id="rep-title")
        with VerticalScroll():
            yield Static("", id="rep-funnel")
            yield Label("Weeks", classes="section")
            yield DataTable(id="rep-weeks", cursor_type="none", zebra_stripes=True)
            yield Label("Last blocks", classes="section")
            yield DataTable(id="rep-blocks", cursor_type="none", zebra_stripes=True)
            yield Label("Best and worst lists (by meetings per dial)", classes="section")
            yield DataTable(id="rep-lists", cursor_type="none", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        """Load the rep's figures: the period's funnel and the 8 weeks up to its end."""
        view = self.app.service.review.rep_view(self.base, self.rep_id)
        f, fu, lists, weeks, blocks = view.filter, view.funnel, view.lists, view.weeks, view.blocks
        best, worst = best_and_worst_lists(lists, min_dials=1)
        self.query_one("#rep-title", Static).update(
            f"[b]{markup(f.rep_names[0])}[/b] · {markup(f.describe())} · {markup(f.scope())}")
        self.query_one("#rep-funnel", Static).update(
            "\n".join(funnel_lines(fu))
            + f"\nAppointment-set rate per dial {fu.set_per_dial.text()} · per conversation "
            f"{fu.set_per_conversation.text()} · avg call {seconds_text(fu.avg_call_seconds)}"
        )
        t = self.query_one("#rep-weeks", DataTable)
        t.add_columns("Week", "Blocks", "Dials", "Convs", "Mtgs", "Connect/dial", "Mtg/dial")
        for w in weeks:
            x = w.funnel
            t.add_row(cell(w.label), str(x.blocks), str(x.dials), str(x.conversations),
                      str(x.meetings), x.connect_rate.text(), x.set_per_dial.text())
        t = self.query_one("#rep-blocks", DataTable)
        t.add_columns("Started", "List", "Status", "Dials", "Convs", "Mtgs")
        for b in blocks:
            t.add_row(b.started_at.astimezone(f.tz).strftime("%a %d %b %H:%M"), cell(b.list_name),
                      cell(b.status), str(b.dials), str(b.conversations), str(b.meetings))
        t = self.query_one("#rep-lists", DataTable)
        t.add_columns("", "List", "Cluster", "Dials", "Mtgs", "Mtg/dial")
        for tag, rows in (("best", best), ("worst", worst)):
            for s in rows:
                t.add_row(tag, cell(s.label), cell(s.extra.get("cluster", "")), str(s.funnel.dials),
                          str(s.funnel.meetings), s.funnel.set_per_dial.text())

