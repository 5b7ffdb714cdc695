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
    BINDINGS = [
        Binding("n", "note", "Write note", id="rep_view.note"),
        Binding("escape", "app.pop_screen", "Back", id="rep_view.back"),
    ]

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
            yield Label("Coaching notes", classes="section")
            yield Static("", id="rep-notes")
            yield Label("Last blocks in the period", classes="section")
            yield DataTable(id="rep-blocks", cursor_type="none", zebra_stripes=True)
            yield Label("Best and worst lists (by meetings per dial)", classes="section")
            yield DataTable(id="rep-lists", cursor_type="none", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        """Load the rep's figures: the period's funnel and the 8 weeks up to its end."""
        view = self.app.service.review.rep_view(self.base, self.rep_id)
        self.view = view
        self._show_notes()
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
        if not blocks:
            t.add_row("no blocks in this period", "", "", "", "", "")
        for b in blocks:
            t.add_row(b.started_at.astimezone(f.tz).strftime("%a %d %b %H:%M"), cell(b.list_name),
                      cell(b.status), str(b.dials), str(b.conversations), str(b.meetings))
        t = self.query_one("#rep-lists", DataTable)
        t.add_columns("", "List", "Cluster", "Dials", "Mtgs", "Mtg/dial")
        for tag, rows in (("best", best), ("worst", worst)):
            for s in rows:
                t.add_row(tag, cell(s.label), cell(s.extra.get("cluster", "")), str(s.funnel.dials),
                          str(s.funnel.meetings), s.funnel.set_per_dial.text())


    def _show_notes(self) -> None:
        """The latest coaching notes for the rep (newest first), or how to write one."""
        tz = self.view.filter.tz
        lines = [
            f"{n.written_at.astimezone(tz):%a %d %b %H:%M} · {markup(n.author or '-')}"
            + (f" · about {markup(n.about)}" if n.about else "")
            + ("" if n.read_at else " · [b]unread[/b]")
            + f": {markup(' '.join(n.text.split()))}"
            for n in self.view.notes
        ]
        self.query_one("#rep-notes", Static).update(
            "\n".join(lines) or "No notes yet: n writes one (a manager or a trainer)."
        )

    def action_note(self) -> None:
        """Write a coaching note for this rep (general, or about one of the blocks shown)."""
        from callcoach.tui.screens.note import NoteScreen

        rep = self.app.rep
        if rep.role not in ("manager", "trainer"):
            self.notify(f"Coaching notes are written by a manager or a trainer; you are "
                        f"{markup(rep.name)} ({rep.role}).", severity="warning")
            return

        def saved(done: bool | None) -> None:
            if done:
                self.view = self.app.service.review.rep_view(self.base, self.rep_id)
                self._show_notes()
                self.notify("Note saved.")

        self.app.push_screen(
            NoteScreen(self.rep_id, self.view.filter.rep_names[0], self.view.blocks,
                       self.view.filter.tz),
            saved,
        )
