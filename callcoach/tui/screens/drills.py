"""Drills: pick a set, a trainee and a trainer, see the trainee's progress, start a drill.

The drill itself runs on :class:`~callcoach.tui.screens.drill_run.DrillRunScreen`.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from callcoach.core.service.drills import AssignmentStatus, DrillError, DrillMode, SpeechState
from callcoach.errors import CallcoachError
from callcoach.tui.screens.drill_run import DrillRunScreen, app_speaker
from callcoach.tui.screens.drill_text import number_text, percent_text, trend_text
from callcoach.tui.text import cell, markup
from callcoach.tui.widgets.inputs import OutsideInput


@dataclass
class DrillChoice:
    """One row of the set picker: a saved set, the whole library, or a talk track."""

    label: str
    kind: str  # set | library | track
    drill_set_id: int | None = None
    track_name: str | None = None
    objections: int = 0


OBJECTION_MIN_WIDTH = 24


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis when longer."""
    return text if len(text) <= width else text[: width - 1] + "\u2026"


PROGRESS_COLUMNS = (
    "Objection", "Drilled", "Avg", "Self", "Trainer", "Trend", "Answer s",
    "Timeouts", "Box", "Live raised", "Live overcome",
)


class DrillsScreen(Screen):
    """Choose a drill set, trainee, trainer and mode; see the trainee's progress."""

    CSS_PATH = "drills.tcss"
    BINDINGS = [
        Binding("enter", "start", "Start drill", id="drills.start", priority=True),
        Binding("ctrl+t", "toggle_mode", "Single/simulation", id="drills.mode"),
        Binding("f5", "refresh", "Refresh progress", id="drills.refresh"),
        Binding("escape", "back", "Back", id="drills.back"),
    ]

    def __init__(
        self,
        set_name: str | None = None,
        trainee: str | None = None,
        trainer: str | None = None,
        simulate: bool = False,
        autostart: bool = False,
        rounds: int | None = None,
    ) -> None:
        super().__init__()
        self.set_name = set_name
        self.trainee = trainee
        self.trainer = trainer
        self.mode = DrillMode.SIMULATION if simulate else DrillMode.SINGLE
        self.autostart = autostart
        self.rounds = rounds
        self.choices: list[DrillChoice] = []

    def compose(self) -> ComposeResult:
        """Set picker, names, mode, speech status and progress table."""
        yield Header()
        yield Static("Objection drills", id="drills-title")
        with Horizontal(id="drills-top"):
            with Vertical(id="drills-left"):
                yield Label("Drill set (enter starts)")
                yield DataTable(id="drill-sets", cursor_type="row", zebra_stripes=True)
            with Vertical(id="drills-right"):
                yield Label("Trainee")
                yield OutsideInput(self.trainee or self.app.rep.name, id="trainee")
                yield Label("Trainer (blank: the trainee scores)")
                yield OutsideInput(self.trainer or "", id="trainer", placeholder="trainer name")
                yield Static("", id="drills-mode")
        yield Static("Checking speech...", id="speech-status", classes="muted")
        yield Static("", id="assignments")
        yield Label("Progress (per objection: drill scores beside live calls)", id="progress-title")
        yield DataTable(id="progress", cursor_type="row", zebra_stripes=True)
        yield Static("", id="history", classes="muted")
        yield Static("", id="drills-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        """Fill the tables and start the speech check off the UI thread."""
        sets = self.query_one("#drill-sets", DataTable)
        self._show_mode()
        self.action_refresh()
        sets.focus()
        speaker = app_speaker(self.app)
        if speaker.status.state is SpeechState.UNCHECKED:
            self.run_worker(self._check_speech, thread=True, exclusive=True, group="speech")
        else:
            self._show_speech()
        if self.autostart:
            self.call_after_refresh(self.action_start)

    def _check_speech(self) -> None:
        app_speaker(self.app).ensure_checked()
        self.app.call_from_thread(self._show_speech)

    def _show_speech(self) -> None:
        status = app_speaker(self.app).status
        widget = self.query_one("#speech-status", Static)
        widget.update(markup(status.notice()))
        widget.set_class(not status.ok, "warning")

    def _show_mode(self) -> None:
        text = (
            "Mode: call simulation (opening + up to 4 objections)  [ctrl+t]"
            if self.mode is DrillMode.SIMULATION
            else "Mode: single objections  [ctrl+t]"
        )
        self.query_one("#drills-mode", Static).update(markup(text))

    def action_toggle_mode(self) -> None:
        """Switch between single objections and a simulated call."""
        self.mode = DrillMode.SINGLE if self.mode is DrillMode.SIMULATION else DrillMode.SIMULATION
        self._show_mode()

    def action_refresh(self) -> None:
        """Reload sets and the trainee's progress."""
        catalogue = self.app.service.drills.catalogue()
        summaries, library, tracks = catalogue.sets, catalogue.library, catalogue.tracks
        track_sets = {s.track for s in summaries if s.track}
        self.choices = [DrillChoice(s.name, "set", s.id, None, s.objections) for s in summaries]
        self.choices.append(DrillChoice("All objections (library)", "library", None, None, library))
        for track in tracks:
            if track not in track_sets:
                self.choices.append(DrillChoice(f"Track: {track}", "track", None, track))
        table = self.query_one("#drill-sets", DataTable)
        keep = table.cursor_row if table.row_count else 0
        table.clear(columns=True)  # columns re-added so their widths fit the new content
        table.add_columns("Set", "Objections")
        for i, choice in enumerate(self.choices):
            count = str(choice.objections) if choice.kind != "track" else "from track"
            table.add_row(cell(choice.label), count, key=str(i))
        table.move_cursor(row=min(keep, max(0, len(self.choices) - 1)))
        if self.set_name:
            for i, choice in enumerate(self.choices):
                if choice.label.lower() == self.set_name.lower():
                    table.move_cursor(row=i)
            self.set_name = None  # only the first time: later the cursor stays where it was
        self._refresh_progress()

    def _refresh_progress(self) -> None:
        name = self.query_one("#trainee", Input).value.strip()
        table = self.query_one("#progress", DataTable)
        table.clear(columns=True)
        progress = self.app.service.drills.progress(name) if name else None
        rows = progress.rows if progress else []
        self._show_assignments(progress.assignments if progress else [])
        # The objection's own words, as wide as the screen allows beside the figures (the
        # column is sized here: left to itself it kept the header's width and cut the text).
        others = sum(len(label) + 2 for label in PROGRESS_COLUMNS[1:])
        longest = max((len(r.objection_text) for r in rows), default=len(PROGRESS_COLUMNS[0]))
        room = max(OBJECTION_MIN_WIDTH, self.size.width - others - 4)
        width = max(len(PROGRESS_COLUMNS[0]), min(longest, room))
        table.add_column(PROGRESS_COLUMNS[0], width=width)
        for label in PROGRESS_COLUMNS[1:]:
            table.add_column(label)
        if progress is None:
            return
        self.history = progress.history
        self.progress_keys = [r.objection_key for r in rows]
        self.progress_texts = {r.objection_key: r.objection_text for r in rows}
        self._show_history(self.progress_keys[0] if rows else None)
        for r in rows:
            table.add_row(
                cell(_fit(r.objection_text, width)), str(r.prompts), number_text(r.avg_overall),
                number_text(r.self_avg), number_text(r.trainer_avg), trend_text(r.trend),
                number_text(r.avg_answer_seconds), str(r.timeouts), str(r.box),
                str(r.live_raised), percent_text(r.live_overcome_rate),
            )

    def _show_assignments(self, assigned: list[AssignmentStatus]) -> None:
        widget = self.query_one("#assignments", Static)
        today = self.app.clock.now().astimezone().date()
        if not assigned:
            widget.update("")
            return
        parts = [
            f"{a.set_name} ({a.status(today)}, due {a.due_on:%a %d %b}): "
            f"{a.drilled}/{a.objections} drilled"
            for a in assigned
        ]
        widget.update(markup("Assigned: " + "; ".join(parts)))
        widget.set_class(any(a.overdue(today) for a in assigned), "warning")

    def on_resize(self, event: events.Resize) -> None:
        """Give the objection column the new width; in a short terminal the set picker
        gives rows to the progress table."""
        short = event.size.height < 30
        self.query_one("#drills-top").styles.height = 11 if short else 14
        self.query_one("#history").styles.max_height = 1 if short else None
        if self.is_mounted:
            self._refresh_progress()

    def _show_history(self, key: str | None) -> None:
        widget = self.query_one("#history", Static)
        points = [p for p in getattr(self, "history", []) if p.objection_key == key]
        if not key or not points:
            widget.update("")
            return
        series = "   ".join(f"{p.day[5:]}: {p.avg_overall:.1f} ({p.rounds})" for p in points[-8:])
        said = getattr(self, "progress_texts", {}).get(key, key)
        widget.update(markup(f'"{said}" over time (day: average score (scores)):  {series}'))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Show the highlighted objection's scores over time."""
        if event.data_table.id == "progress":
            keys = getattr(self, "progress_keys", [])
            row = event.cursor_row
            self._show_history(keys[row] if 0 <= row < len(keys) else None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a name field starts the drill too."""
        event.stop()
        self.action_start()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Show the progress of whoever is typed as trainee."""
        if event.input.id == "trainee":
            self._refresh_progress()

    def action_back(self) -> None:
        """Back to home."""
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_start(self) -> None:
        """Start a drill on the highlighted set."""
        error = self.query_one("#drills-error", Static)
        error.update("")
        table = self.query_one("#drill-sets", DataTable)
        if not self.choices or table.cursor_row is None:
            error.update("No drill sets: load some with  callcoach drill load data/drill_sets.toml")
            return
        choice = self.choices[table.cursor_row]
        trainee_name = self.query_one("#trainee", Input).value.strip()
        trainer_name = self.query_one("#trainer", Input).value.strip()
        app = self.app
        try:
            if not trainee_name:
                raise DrillError("type the trainee's name first")
            started = app.service.drills.start(
                trainee=trainee_name,
                trainer=trainer_name,
                drill_set_id=choice.drill_set_id,
                track_name=(choice.track_name or "") if choice.kind == "track" else None,
                mode=self.mode,
                rounds=self.rounds,
                rng=getattr(app, "drill_rng", None),
            )
        except CallcoachError as exc:
            error.update(markup(exc))
            return
        names = (started.trainee_name, started.trainer_name)
        self.app.push_screen(DrillRunScreen(started.run, choice.label, names), self._after_run)

    def _after_run(self, _result: object = None) -> None:
        self.action_refresh()

