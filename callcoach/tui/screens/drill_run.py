"""One drill on screen: the prompt spoken, the answer timed, the rebuttal revealed, scored.

Thin by design: :class:`callcoach.core.drills.run.DrillRun` holds the rules and commits every
step; :class:`callcoach.core.drills.speech.Speaker` speaks off the UI thread. The text is always
on screen, so drills work with the sound off.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from callcoach.core.service.drills import (
    RUBRIC_LABELS,
    DrillRun,
    Phase,
    ScorerRole,
    Speaker,
    SpeechState,
    make_speaker,
)
from callcoach.errors import CallcoachError
from callcoach.tui.screens.drill_text import number_text
from callcoach.tui.text import markup


def app_speaker(app: object) -> Speaker:
    """The app's speaker (made once from the settings, checked in the background)."""
    speaker = getattr(app, "drill_speaker", None)
    if speaker is None:
        settings = app.settings.drill  # type: ignore[attr-defined]
        speaker = make_speaker(settings.voice, settings.rate)
        app.drill_speaker = speaker  # type: ignore[attr-defined]
    return speaker


class DrillRunScreen(Screen):
    """One drill: prompt, spoken objection, answer timer, rebuttal, rubric and score."""

    CSS_PATH = "drill_run.tcss"
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
            text = markup(self.speech_notice)  # an engine's or player's message
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
            f"[b]{markup(prompt.label)}[/b]   {markup(self.set_label)}   {markup(who)}"
        )
        said = markup(prompt.text, one_line=False)  # an objection or greeting from the library
        if prompt.kind.value == "opening":
            body = (
                f'Prospect picks up: "{said}"\n\n'
                "Deliver your engage statement and impact question, then ask for the meeting."
            )
        else:
            body = f'Prospect: "{said}"'
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
        self.query_one("#model-answer", Static).update(
            f"[b]{label}:[/b] {markup(prompt.model_answer, one_line=False)}"
        )
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
            + f"\nOverall 1-5 by {markup(scorer)}   \\[w] switch scorer"
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
            error.update(markup(exc))
            return
        error.update("")
        role = "trainer" if row.scorer_role == ScorerRole.TRAINER.value else "self"
        who = self.trainer_name if role == "trainer" else self.trainee_name
        scores = ", ".join(
            f"{r.value} {'saved' if r in self.run.scored_by else '-'}" for r in ScorerRole
        )
        self.query_one("#scored", Static).update(
            f"Saved: {overall}/5 by {markup(who)} ({role}).  Scores: {scores}.  \\[n] next"
        )

    def action_switch_scorer(self) -> None:
        """Toggle who is scoring."""
        try:
            self.run.switch_scorer()
        except CallcoachError as exc:
            self.query_one("#run-error", Static).update(markup(exc))
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
        result = self.run.call_result
        self.query_one("#prompt", Static).update(
            f"{s.rounds} rounds, {s.scored} scores, average {number_text(s.avg_overall)}/5, "
            f"average answer {number_text(s.avg_answer_seconds)} s, {s.timeouts} timed out."
            + (f"\n{markup(result)}" if result else "")
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

