"""Pipeline planner screen: quota in, call blocks per week out (see core.planner)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Select, Static

from callcoach.core.review.planner import PlanInput
from callcoach.errors import CallcoachError
from callcoach.tui.text import markup

TEAM = -1

FIELDS = [
    ("quota", "Quota", "120000"),
    ("deal-size", "Deal size", "15000"),
    ("close-ratio", "Close ratio (opps per win)", "4"),
    ("mto", "Meeting -> opportunity (blank: measured)", ""),
    ("weeks", "Weeks", "13"),
    ("closed", "Already closed", "0"),
]


class PlannerScreen(Screen):
    """Work back from a quota to blocks per week with the team's or a rep's own rates."""

    CSS_PATH = "planner.tcss"
    BINDINGS = [
        Binding("ctrl+r", "plan", "Plan", id="planner.plan"),
        Binding("escape", "app.pop_screen", "Back", id="planner.back"),
    ]

    def __init__(self, zone: str | None = None) -> None:
        super().__init__()
        from callcoach.core.review.filters import parse_zone

        self.zone = parse_zone(zone).key

    def compose(self) -> ComposeResult:
        """Inputs on the left, the plan on the right."""
        reps = [(markup(name), rep_id) for name, rep_id in self.app.service.review.rep_choices()]
        yield Header()
        with Horizontal(id="planner-body"):
            with Vertical(id="planner-form"):
                for key, label, default in FIELDS:
                    yield Label(label)
                    yield Input(value=default, id=f"plan-{key}", compact=True)
                yield Label("Rates of")
                yield Select([("The team", TEAM), *reps],
                             value=TEAM, allow_blank=False, id="plan-rep", compact=True)
                yield Static("Enter in any field (or ctrl+r) plans.", classes="muted")
            yield Static("", id="plan-output")
        yield Footer()

    def on_mount(self) -> None:
        """Plan with the defaults straight away."""
        self.action_plan()
        self.query_one("#plan-quota", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter re-plans."""
        self.action_plan()

    def on_select_changed(self, event: Select.Changed) -> None:
        """A different rep re-plans."""
        if self.is_mounted:
            self.action_plan()

    def _number(self, key: str, flag: str) -> float | None:
        text = self.query_one(f"#plan-{key}", Input).value.strip().replace(",", "")
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise CallcoachError(f"{flag} {text!r}: expected a number") from None

    def action_plan(self) -> None:
        """Compute and show the plan, or a one-line error."""
        out = self.query_one("#plan-output", Static)
        try:
            weeks = self._number("weeks", "Weeks") or 0
            if weeks != int(weeks):
                raise CallcoachError(f"Weeks {weeks:g}: expected a whole number")
            inputs = PlanInput(
                quota=self._number("quota", "Quota") or 0,
                deal_size=self._number("deal-size", "Deal size") or 0,
                close_ratio=self._number("close-ratio", "Close ratio") or 0,
                weeks=int(weeks),
                closed=self._number("closed", "Already closed") or 0,
                meeting_to_opportunity=self._number("mto", "Meeting -> opportunity"),
            )
            rep = self.query_one("#plan-rep", Select).value
            plan = self.app.service.review.plan(
                inputs, self.app.clock.now(), self.zone, None if rep == TEAM else int(rep)
            )
        except CallcoachError as exc:
            out.update(f"[b red]{markup(exc)}[/]")
            return
        out.update("\n".join(markup(line) for line in plan.lines()))  # names the rep
