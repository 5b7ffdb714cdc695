"""Drills: pick a set and a trainee, then run spoken, timed objection rounds and score them.

Thin by design: :class:`callcoach.core.drills.run.DrillRun` holds the rules and commits every
step; :class:`callcoach.core.drills.speech.Speaker` speaks off the UI thread. The text is always
on screen, so drills work with the sound off.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from callcoach.core.service.drills import (
    RUBRIC_LABELS,
    DrillError,
    DrillMode,
    DrillRun,
    Phase,
    ScorerRole,
    Speaker,
    SpeechState,
    make_speaker,
)
from callcoach.errors import CallcoachError


@dataclass
class DrillChoice:
    """One row of the set picker: a saved set, the whole library, or a talk track."""

    label: str
    kind: str  # set | library | track
    drill_set_id: int | None = None
    track_name: str | None = None
    objections: int = 0


def app_speaker(app: object) -> Speaker:
    """The app's speaker (made once from the settings, checked in the background)."""
    speaker = getattr(app, "drill_speaker", None)
    if speaker is None:
        settings = app.settings.drill  # type: ignore[attr-defined]
        speaker = make_speaker(settings.voice, settings.rate)
        app.drill_speaker = speaker  # type: ignore[attr-defined]
    return speaker


def _fmt(value: float | None, digits: int = 1, suffix: str = "") -> str:
    return "-" if value is None else f"{value:.{digits}f}{suffix}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


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
                yield Input(self.trainee or self.app.rep.name, id="trainee")
                yield Label("Trainer (blank: the trainee scores)")
                yield Input(self.trainer or "", id="trainer", placeholder="trainer name")
                yield Static("", id="drills-mode")
        yield Static("Checking speech...", id="speech-status", classes="muted")
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
        widget.update(status.notice())
        widget.set_class(not status.ok, "warning")

    def _show_mode(self) -> None:
        text = (
            "Mode: call simulation (opening + up to 4 objections)  [ctrl+t]"
            if self.mode is DrillMode.SIMULATION
            else "Mode: single objections  [ctrl+t]"
        )
        self.query_one("#drills-mode", Static).update(text)

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
            table.add_row(choice.label, count, key=str(i))
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
        table.add_columns(*PROGRESS_COLUMNS)
        if not name:
            return
        progress = self.app.service.drills.progress(name)
        rows = progress.rows
        self.history = progress.history
        self.progress_keys = [r.objection_key for r in rows]
        self._show_history(self.progress_keys[0] if rows else None)
        for r in rows:
            trend = "-"
            if r.recent_avg is not None and r.earlier_avg is not None:
                delta = r.recent_avg - r.earlier_avg
                trend = f"{'+' if delta >= 0 else ''}{delta:.1f}"
            table.add_row(
                r.objection_key, str(r.prompts), _fmt(r.avg_overall), _fmt(r.self_avg),
                _fmt(r.trainer_avg), trend, _fmt(r.avg_answer_seconds), str(r.timeouts),
                str(r.box), str(r.live_raised), _pct(r.live_overcome_rate),
            )

    def _show_history(self, key: str | None) -> None:
        widget = self.query_one("#history", Static)
        points = [p for p in getattr(self, "history", []) if p.objection_key == key]
        if not key or not points:
            widget.update("")
            return
        series = "   ".join(f"{p.day[5:]}: {p.avg_overall:.1f} ({p.rounds})" for p in points[-8:])
        widget.update(f"{key} over time (day: average score (scores)):  {series}")

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
            error.update(str(exc))
            return
        names = (started.trainee_name, started.trainer_name)
        self.app.push_screen(DrillRunScreen(started.run, choice.label, names), self._after_run)

    def _after_run(self, _result: object = None) -> None:
        self.action_refresh()


class DrillRunScreen(Screen):
    """One drill: prompt, spoken objection, answer timer, rebuttal, rubric and score."""

    CSS_PATH = "drills.tcss"
    BINDINGS = [
        Binding("space,enter", "answered", "Answered", id="drill.answered"),
        Binding("a", "toggle('acknowledged')", "Ack", id="drill.ack"),
        Binding("i", "toggle('returned_to_impact')", "Impact", id="drill.impact"),
        Binding("m", "toggle('asked_again')", "Asked", id="drill.asked"),
        Binding("1", "score(1)", "Score 1", show=False, id="drill.s1"),
        Binding("2", "score(2)", "Score 2", show=False, id="drill.s2"),
        Binding("3", "score(3)", "Score 3", show=False, id="drill.s3"),
        Binding("4", "score(4)", "Score 4", show=False, id="drill.s4"),
        Binding("5", "score(5)", "Score 1-5", id="drill.s5"),
        Binding("w", "switch_scorer", "Scorer", id="drill.scorer"),
        Binding("n", "next", "Next", id="drill.next"),
        Binding("s", "skip_speech", "Skip", id="drill.skip"),
        Binding("r", "repeat_speech", "Repeat", id="drill.repeat"),
        Binding("escape", "end", "End", id="drill.end"),
    ]

    def __init__(self, run: DrillRun, set_label: str, names: tuple[str, str | None]) -> None:
        super().__init__()
        self.run = run
        self.set_label = set_label
        self.trainee_name, self.trainer_name = names
        self.speaking = False
        self.speech_notice = ""

    def compose(self) -> ComposeResult:
        """Round header, prompt, timer, model answer, rubric, status."""
        yield Header()
        yield Static("", id="round-label")
        yield Static("", id="prompt")
        yield Static("", id="timer")
        yield Static("", id="model-answer")
        yield Static("", id="rubric")
        yield Static("", id="scored")
        yield Static("", id="speech-line", classes="muted")
        yield Static("", id="run-error", classes="error")
        yield Footer()

    @property
    def speaker(self) -> Speaker:
        """The app's speaker."""
        return app_speaker(self.app)

    def on_mount(self) -> None:
        """Open the session, show and speak the first prompt, start the timer display."""
        self.speaker.on_event = self._speech_event_from_thread
        self.run.start()
        self._on_new_prompt()
        self.set_interval(0.2, self.refresh_timer, name="drill-timer")
        if self.speaker.status.state is SpeechState.UNCHECKED:
            self.run_worker(self._check_then_speak, thread=True, exclusive=True, group="speech")
        else:
            self._speech_status_once()

    def on_unmount(self) -> None:
        """Stop talking when the screen goes."""
        self.speaker.stop()
        self.speaker.on_event = None

    # -- speech

    def _check_then_speak(self) -> None:
        self.speaker.ensure_checked()
        self.app.call_from_thread(self._after_check)

    def _after_check(self) -> None:
        self._speech_status_once()
        if self.speaker.enabled and self.run.phase is Phase.ANSWERING and self.run.prompt:
            self.speaker.prefetch(self.run.upcoming_texts())
            self.speaker.speak(self.run.prompt.text)
        else:  # text only: the answer time starts now
            self._start_answer_clock()

    def _start_answer_clock(self) -> None:
        if self.run.answer_clock_held:
            self.run.start_answer_clock()
            self.refresh_timer()

    def _speech_status_once(self) -> None:
        status = self.speaker.status
        self.speech_notice = "" if status.ok else status.notice()
        self._render_speech()

    def _speech_event_from_thread(self, event: str, detail: str) -> None:
        try:
            self.app.call_from_thread(self._speech_event, event, detail)
        except RuntimeError:
            pass  # the app is closing

    def _speech_event(self, event: str, detail: str) -> None:
        prompt = self.run.prompt
        current = prompt is not None and detail == prompt.text
        if event == "started":
            self.speaking = True
        elif event == "finished":
            self.speaking = False
            if current:  # the prospect has said it: the answer time starts now
                self._start_answer_clock()
        elif event == "stopped":
            self.speaking = False  # skipped or superseded (skip starts the clock itself)
        elif event == "error":
            self.speaking = False
            self.speech_notice = detail  # the one notice: speech turned itself off
            self._start_answer_clock()
        self._render_speech()

    def _render_speech(self) -> None:
        if self.speech_notice:
            text = self.speech_notice
        elif self.speaking:
            text = "Speaking...  \\[s] skip  \\[r] repeat"
        else:
            text = "\\[r] repeat the prospect"
        self.query_one("#speech-line", Static).update(text)

    def action_skip_speech(self) -> None:
        """Stop the prospect talking."""
        self.speaker.stop()
        self.speaking = False
        self._start_answer_clock()
        self._render_speech()

    def action_repeat_speech(self) -> None:
        """Say the current prompt again."""
        if self.run.prompt is not None and self.run.phase is not Phase.DONE:
            self.speaker.speak(self.run.prompt.text)

    # -- rounds

    def _on_new_prompt(self) -> None:
        prompt = self.run.prompt
        assert prompt is not None
        if self.speaker.enabled:
            self.run.hold_for_speech()
            self.speaker.speak(prompt.text)
            self.speaker.prefetch(self.run.upcoming_texts())
        elif self.speaker.status.state is SpeechState.UNCHECKED:
            self.run.hold_for_speech()  # spoken once the startup check has passed
        who = f"{self.trainee_name}" + (f" with {self.trainer_name}" if self.trainer_name else "")
        self.query_one("#round-label", Static).update(
            f"[b]{prompt.label}[/b]   {self.set_label}   {who}"
        )
        if prompt.kind.value == "opening":
            body = (
                f'Prospect picks up: "{prompt.text}"\n\n'
                "Deliver your engage statement and impact question, then ask for the meeting."
            )
        else:
            body = f'Prospect: "{prompt.text}"'
        self.query_one("#prompt", Static).update(body)
        self.query_one("#model-answer", Static).update("")
        self.query_one("#scored", Static).update("")
        self.query_one("#run-error", Static).update("")
        self.refresh_timer()
        self._render_rubric()

    def refresh_timer(self) -> None:
        """Redraw the answer timer from the clock; expire the answer when time is up."""
        run = self.run
        timer_widget = self.query_one("#timer", Static)
        if run.phase is Phase.DONE or run.timer is None:
            return
        if run.tick():
            self._reveal(timed_out=True)
        now = self.app.clock.now()
        if run.answer_clock_held:
            timer_widget.update(
                f"Listening... your {run.timer.limit_seconds:.0f} s start when the prospect"
                " stops talking   \\[s] skip and start now"
            )
            timer_widget.set_class(False, "urgent")
        elif run.phase is Phase.ANSWERING:
            left = run.timer.remaining(now)
            width = 30
            filled = int(round(width * left / run.timer.limit_seconds))
            bar = "█" * filled + "░" * (width - filled)
            timer_widget.update(f"Answer: {left:4.0f} s left  {bar}   \\[space] done")
            timer_widget.set_class(left <= 5, "urgent")
        else:
            timer_widget.set_class(False, "urgent")

    def _reveal(self, timed_out: bool) -> None:
        prompt = self.run.prompt
        assert prompt is not None
        seconds = self.run.last_answer_seconds or 0.0
        head = "Time's up!" if timed_out else f"Answered in {seconds:.1f} s."
        self.query_one("#timer", Static).update(head)
        label = "Model opening" if prompt.kind.value == "opening" else "Model rebuttal"
        self.query_one("#model-answer", Static).update(f"[b]{label}:[/b] {prompt.model_answer}")
        self._render_rubric()

    def _render_rubric(self) -> None:
        run = self.run
        prompt = run.prompt
        widget = self.query_one("#rubric", Static)
        if prompt is None or run.phase in (Phase.ANSWERING, Phase.DONE):
            widget.update("")
            return
        labels = RUBRIC_LABELS[prompt.kind]
        marks = (run.rubric.acknowledged, run.rubric.returned_to_impact, run.rubric.asked_again)
        parts = [
            f"[{key}] {'[x]' if on else '[ ]'} {label}"
            for key, on, label in zip("aim", marks, labels, strict=True)
        ]
        scorer = (
            f"{self.trainer_name} (trainer)"
            if run.scorer is ScorerRole.TRAINER
            else f"{self.trainee_name} (self)"
        )
        widget.update(
            "   ".join(p.replace("[", "\\[") for p in parts)
            + f"\nOverall 1-5 by {scorer}   \\[w] switch scorer"
        )

    def action_answered(self) -> None:
        """The trainee is done answering: stop the timer and reveal the model answer."""
        if self.run.phase is not Phase.ANSWERING:
            if self.run.phase is Phase.SCORED:
                self.action_next()
            return
        expired = self.run.timer is not None and self.run.timer.expired(self.app.clock.now())
        self.run.answer_done()
        self.speaker.stop()
        self._reveal(timed_out=expired)

    def action_toggle(self, mark: str) -> None:
        """Flip one rubric mark."""
        self.run.toggle(mark)
        self._render_rubric()

    def action_score(self, overall: int) -> None:
        """Commit the overall score with the rubric marks, by the current scorer."""
        error = self.query_one("#run-error", Static)
        try:
            row = self.run.score(overall)
        except CallcoachError as exc:
            error.update(str(exc))
            return
        error.update("")
        role = "trainer" if row.scorer_role == ScorerRole.TRAINER.value else "self"
        who = self.trainer_name if role == "trainer" else self.trainee_name
        scores = ", ".join(
            f"{r.value} {'saved' if r in self.run.scored_by else '-'}" for r in ScorerRole
        )
        self.query_one("#scored", Static).update(
            f"Saved: {overall}/5 by {who} ({role}).  Scores: {scores}.  \\[n] next"
        )

    def action_switch_scorer(self) -> None:
        """Toggle who is scoring."""
        try:
            self.run.switch_scorer()
        except CallcoachError as exc:
            self.query_one("#run-error", Static).update(str(exc))
            return
        self._render_rubric()

    def action_next(self) -> None:
        """Next round (unscored rounds stay unscored), or the summary after the last."""
        if self.run.phase is Phase.DONE:
            self._again()
            return
        self.speaker.stop()
        prompt = self.run.next()
        if prompt is None:
            self._show_summary()
        else:
            self._on_new_prompt()

    def _show_summary(self) -> None:
        s = self.run.summary()
        self.query_one("#round-label", Static).update("[b]Drill complete[/b]")
        self.query_one("#prompt", Static).update(
            f"{s.rounds} rounds, {s.scored} scores, average {_fmt(s.avg_overall)}/5, "
            f"average answer {_fmt(s.avg_answer_seconds)} s, {s.timeouts} timed out."
        )
        self.query_one("#timer", Static).update("\\[n] drill again   \\[escape] back to the sets")
        for wid in ("#model-answer", "#rubric", "#scored"):
            self.query_one(wid, Static).update("")

    def _again(self) -> None:
        self.run = self.app.service.drills.again(self.run)
        self.run.start()
        self._on_new_prompt()

    def action_end(self) -> None:
        """End the drill (the session is closed; scores already saved stay)."""
        self.speaker.stop()
        self.run.finish()
        self.dismiss(None)

