"""Set a rep's weekly goals (blocks, dials, meetings) from the dashboard."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from callcoach.core.review.filters import parse_date
from callcoach.core.review.goals import monday_of
from callcoach.errors import CallcoachError
from callcoach.tui.text import markup


class GoalsScreen(ModalScreen[bool]):
    """A small form: rep, week, blocks, dials, meetings; enter saves and closes."""

    CSS_PATH = "goals.tcss"
    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel", id="goals.cancel")]

    def __init__(self, week: date, rep_id: int | None = None) -> None:
        super().__init__()
        self.week = monday_of(week)
        self.rep_id = rep_id

    def compose(self) -> ComposeResult:
        """The form."""
        reps = [(markup(name), rep_id) for name, rep_id in self.app.service.review.rep_choices()]
        first = self.rep_id if self.rep_id is not None else (reps[0][1] if reps else None)
        with Vertical(id="goals-box"):
            yield Label("[b]Weekly goals[/b]")
            yield Select(reps, value=first if first is not None else Select.NULL,
                         allow_blank=first is None, id="goal-rep", compact=True)
            yield Label("Week (any day; weeks start Monday)")
            yield Input(self.week.isoformat(), id="goal-week", compact=True)
            for key in ("blocks", "dials", "meetings"):
                yield Label(key.capitalize())
                yield Input("0", id=f"goal-{key}", compact=True)
            yield Static("Enter saves, escape cancels.", id="goal-status")

    def on_mount(self) -> None:
        """Show the rep's current goal for the week, if any."""
        self._load()
        self.query_one("#goal-blocks", Input).focus()

    def _load(self) -> None:
        rep = self.query_one("#goal-rep", Select).value
        if rep is Select.NULL:
            return
        goal = self.app.service.review.goal(int(rep), self.week)
        if goal is not None:
            self.query_one("#goal-blocks", Input).value = str(goal.blocks)
            self.query_one("#goal-dials", Input).value = str(goal.dials)
            self.query_one("#goal-meetings", Input).value = str(goal.meetings)

    def on_select_changed(self, event: Select.Changed) -> None:
        """Another rep: show their goal."""
        self._load()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Validate and save (committed at once), or show a one-line error."""
        status = self.query_one("#goal-status", Static)
        try:
            rep = self.query_one("#goal-rep", Select).value
            if rep is Select.NULL:
                raise CallcoachError("choose a rep first")
            week = parse_date(self.query_one("#goal-week", Input).value, "week")
            values = []
            for key in ("blocks", "dials", "meetings"):
                text = self.query_one(f"#goal-{key}", Input).value.strip()
                if not text.isdigit():
                    raise CallcoachError(f"{key} {text!r}: expected a whole number")
                values.append(int(text))
            self.app.service.review.set_goal(int(rep), week, *values)
        except CallcoachError as exc:
            status.update(f"[b red]{markup(exc)}[/]")
            return
        self.dismiss(True)
