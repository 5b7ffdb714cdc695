"""Home: the call lists, ready before the block starts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from callcoach.tui.text import cell, markup

if TYPE_CHECKING:  # not at import: home is painted before the database stack is loaded
    from callcoach.core.service import ListSummary


class HomeScreen(Screen):
    """Every call list with its cluster, size, callable-now count and last block."""

    CSS_PATH = "home.tcss"
    BINDINGS = [
        Binding("r", "refresh", "Refresh", id="home.refresh"),
        Binding("b", "start_block", "Start block", id="home.start_block"),
        Binding("m", "dashboard", "Dashboard", id="home.dashboard"),
        Binding("l", "planner", "Planner", id="home.planner"),
        Binding("t", "drills", "Drills", id="home.drills"),
        Binding("s", "studio", "Tracks", id="home.studio", tooltip="the talk-track studio"),
        # shown in the notes panel itself ("n: mark read"), only while there are notes
        Binding("n", "notes_read", "Notes read", id="home.notes_read", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.summaries: list[ListSummary] = []
        self.note_ids: list[int] = []  # the unread coaching notes on show
        self._filled = False

    def compose(self) -> ComposeResult:
        """Header, list table, hint line, footer."""
        yield Header()
        yield Static("Call lists", id="home-title")
        yield DataTable(id="lists", cursor_type="row", zebra_stripes=True)
        yield Static("", id="home-hint", classes="muted")
        yield Static("", id="home-notes")
        yield Static("", id="home-assignments")
        yield Footer()

    def on_mount(self) -> None:
        """Fill the table (when home is what shows: under another screen, when it shows)."""
        table = self.query_one("#lists", DataTable)
        table.add_columns("List", "Cluster", "Contacts", "Callable now", "Last block")
        table.focus()
        if not self.app.ready:  # painted first; the app opens the database after
            self.query_one("#home-hint", Static).update("Opening the database ...")
            return
        self.database_ready()

    def database_ready(self) -> None:
        """Fill the table (when home is what shows) and start what the command asked for."""
        self._filled = self.is_active
        if self._filled:
            self.action_refresh()
        self.call_after_refresh(self._block_on_start)

    def on_screen_resume(self) -> None:
        """First shown after a command opened another screen over home: fill the table now
        (counting callable contacts takes a while on a large database)."""
        if not self._filled and self.is_active and self.app.ready:
            self._filled = True
            self.action_refresh()

    def _block_on_start(self) -> None:
        """Start the flow asked for on the command line (``callcoach block``), else offer an
        unfinished block."""
        flow = self.app.take_start_flow()
        if flow is not None:
            flow(self.app)
            return
        open_block = self.app.service.block.unfinished_block(self.app.rep.id)
        if open_block is not None:
            # Imported only when needed: the block screens are large modules.
            from callcoach.tui.screens.block_start import offer_resume

            offer_resume(self.app, open_block)

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        """Enter on a list: start a call block on it."""
        self.action_start_block()

    def show_progress(self, text: str) -> None:
        """While the database opens: what it is doing (a first start migrates and seeds)."""
        if not self.app.ready:
            self.query_one("#home-hint", Static).update(markup(f"Opening the database: {text}"))

    def _waiting(self) -> bool:
        """True (and the rep told) while the database is still being opened."""
        if not self.app.ready:
            self.notify("Opening the database - one moment.")
            return True
        return False

    def action_start_block(self) -> None:
        """Show the selected list's talk track once more, then start a call block."""
        from callcoach.tui.screens.block_start import start_block_flow

        if self._waiting():
            return
        selected = self.selected_list()
        if selected is None:
            self.notify("No list selected: import one first.", severity="warning")
            return
        start_block_flow(self.app, selected.id)

    def action_refresh(self) -> None:
        """Reload list counts from the database."""
        if self._waiting():
            return
        app = self.app
        self.summaries, (due, held) = app.service.home(app.rep.id, app.clock.now())
        table = self.query_one("#lists", DataTable)
        table.clear()
        for s in self.summaries:
            cluster = f"{s.dimension}: {s.value}" if s.value else s.dimension
            last = (
                s.last_block_at.astimezone().strftime("%a %d %b %H:%M") if s.last_block_at else "-"
            )
            table.add_row(
                cell(s.name), cell(cluster), str(s.contacts), str(s.callable_now), last,
                key=str(s.id),
            )
        hint = self.query_one("#home-hint", Static)
        if self.summaries:
            total = sum(s.callable_now for s in self.summaries)
            mine = f" Your callbacks: {due} due now, {held} open." if held else ""
            hint.update(f"{len(self.summaries)} lists, {total} contacts callable now.{mine}")
        else:
            hint.update("No call lists yet: run  callcoach import FILE --cluster-by vertical")
        self._show_notes()
        self._show_assignments()

    def _show_notes(self) -> None:
        """The rep's unread coaching notes (newest first), until ``n`` marks them read."""
        notes = self.app.service.unread_notes(self.app.rep.id)
        self.note_ids = [n.id for n in notes[:5]]  # n marks read what was shown
        box = self.query_one("#home-notes", Static)
        box.display = bool(notes)
        if not notes:
            return
        lines = [f"[b]Coaching notes for you ({len(notes)} unread)[/b] · n: mark read"]
        for n in notes[:5]:
            about = f" about {markup(n.about)}" if n.about else ""
            lines.append(f"{n.written_at.astimezone():%a %d %b %H:%M} · "
                         f"{markup(n.author or '-')}{about}: {markup(' '.join(n.text.split()))}")
        if len(notes) > 5:
            lines.append(f"... and {len(notes) - 5} more (callcoach notes --unread)")
        box.update("\n".join(lines))

    def action_notes_read(self) -> None:
        """Acknowledge the coaching notes on show: marked read, the panel goes."""
        if not self.note_ids:
            self.notify("No unread coaching notes.")
            return
        done = self.app.service.mark_notes_read(self.app.rep.id, self.note_ids)
        self._show_notes()
        self.notify(f"{done} note{'s' if done != 1 else ''} marked read.")

    def _show_assignments(self) -> None:
        """The drill sets a trainer assigned to this rep and not finished yet (overdue first)."""
        app = self.app
        widget = self.query_one("#home-assignments", Static)
        assigned = app.service.drills.open_assignments(app.rep.id)
        widget.display = bool(assigned)
        if not assigned:
            return
        today = app.clock.now().astimezone().date()
        parts = [
            f"{a.set_name} ({a.status(today)}, due {a.due_on:%a %d %b}; "
            f"{a.drilled}/{a.objections} drilled)"
            for a in assigned
        ]
        widget.update(markup(f"Drills assigned to you: {'; '.join(parts)}") + "  \\[t] drill")
        widget.set_class(any(a.overdue(today) for a in assigned), "overdue")

    def action_dashboard(self) -> None:
        """Open the manager dashboard."""
        from callcoach.tui.screens.dashboard import DashboardScreen

        if not self._waiting():
            self.app.push_screen(DashboardScreen())

    def action_planner(self) -> None:
        """Open the pipeline planner."""
        from callcoach.tui.screens.planner import PlannerScreen

        if not self._waiting():
            self.app.push_screen(PlannerScreen())

    def action_drills(self) -> None:
        """Open objection drills, on the set assigned to this rep that is due first."""
        from callcoach.tui.screens.drills import DrillsScreen

        if not self._waiting():
            assigned = self.app.service.drills.open_assignments(self.app.rep.id)
            self.app.push_screen(
                DrillsScreen(set_name=assigned[0].set_name if assigned else None)
            )

    def action_studio(self) -> None:
        """Open the talk-track studio."""
        from callcoach.tui.screens.studio import StudioScreen

        if not self._waiting():
            self.app.push_screen(StudioScreen())

    def selected_list(self) -> ListSummary | None:
        """The list under the cursor, if any."""
        table = self.query_one("#lists", DataTable)
        if not self.summaries or table.cursor_row is None:
            return None
        row = table.cursor_row
        return self.summaries[row] if 0 <= row < len(self.summaries) else None
