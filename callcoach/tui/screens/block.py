"""The call block screen: countdown, contact card, call timer, talk track, objections, outcomes.

Thin: the screen's state comes from the App's service (:mod:`callcoach.core.service.block`)
and every key's write is one job for its save pipeline (:mod:`.block_saving`), run on a
thread worker one at a time in key order, never on the UI thread: a database that keeps a
write waiting never freezes the screen. Timers are recomputed from instants read from
``app.clock`` on each tick, so the screen never drifts and a fake clock drives a whole
block in tests. Wording lives in :mod:`.block_text`; starting and resuming in
:mod:`.block_start`.
"""

from __future__ import annotations

import gc
import time as _time
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from typing import Any

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.events import Resize
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header

from callcoach.catalog.outcomes import KEY_RANGE, OUTCOME_KEYS, OUTCOMES, Outcome
from callcoach.catalog.outcomes import label as outcome_label
from callcoach.clock import FakeClock
from callcoach.core.service.block import (
    HEARTBEAT_SECONDS,
    BlockError,
    BlockService,
    Colleague,
    ContactHistory,
    DurableOutcome,
    HoldLost,
    ListData,
    LoggedObjection,
    NextContact,
    ObjectionChoice,
    OutcomeJournal,
    ServerUnavailable,
    ZoneCache,
    clock_text,
    contact_zone,
    ordinal,
    render_track_text,
)
from callcoach.storage.models import (
    CallAttempt,
    CallBlock,
    CallList,
    Contact,
    Origin,
    TalkTrack,
)
from callcoach.tui import typeahead
from callcoach.tui.screens.block_dialogs import (
    CallbackDialog,
    ChoiceDialog,
    ConfirmDialog,
    MeetingForm,
    MessageDialog,
    NoteDialog,
    ObjectionPicker,
)
from callcoach.tui.screens.block_moves import MOVE_BINDINGS, BlockMoves
from callcoach.tui.screens.block_saving import SaveDone, SavePipeline
from callcoach.tui.screens.block_text import (
    OFFLINE_RETRY_SECONDS,
    empty_list_text,
    offline_text,
    saved_line,
)
from callcoach.tui.text import plain
from callcoach.tui.widgets.block_panels import (
    CallTimer,
    ContactCard,
    Countdown,
    ObjectionPanel,
    Panel,
    ScriptScroll,
    TrackPanel,
    bold,
    lines,
)

TICK_SECONDS = 0.25
#: Below this many columns the screen is one column; below SHORT_BELOW rows it is compact.
NARROW_BELOW = 100
SHORT_BELOW = 32
#: The outcome keys 1-8 share one footer entry.
OUTCOME_GROUP = Binding.Group("Outcome", compact=True)
#: While a block runs the cyclic garbage collector stays out of the outcome path: automatic
#: collections wait for this many new objects (an outcome makes a few thousand), and the
#: young generations are collected right after each outcome's frame is on screen ...
GC_YOUNG_THRESHOLD = 50_000
#: ... with a full collection of what the block made every this many outcomes.
GC_FULL_EVERY = 100


class BlockScreen(BlockMoves, Screen):
    """One running call block."""

    CSS_PATH = "block.tcss"
    #: One column below 100 columns; track and objections side by side from 180.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_BELOW, "-wide"), (180, "-huge")]
    #: Below 32 rows: no header (and, in one column, a two-row timer and a compact card).
    VERTICAL_BREAKPOINTS = [(0, "-short"), (SHORT_BELOW, "-tall")]
    #: The footer lists the call keys first (d, 1-8, o, e), then p, ?, ctrl+q and the
    #: script's scroll key (shown when the script does not fit): at 80 columns the line
    #: ends after the essentials, never before them.
    BINDINGS = [
        Binding("d", "dial", "Dial", id="block.dial"),
        *(
            Binding(
                kind.key,
                f"outcome('{kind.key}')",
                kind.short,
                tooltip=kind.label,
                id=kind.binding_id,
                group=OUTCOME_GROUP,
            )
            for kind in OUTCOMES
        ),
        Binding("o", "objection", "Obj", tooltip="Log an objection", id="block.objection"),
        Binding("e", "end", "End", id="block.end"),
        Binding("p", "pause", "Pause", id="block.pause"),
        Binding("question_mark", "app.help", "Help", id="block.help"),
        Binding("ctrl+q", "app.quit", "Quit", id="block.quit"),
        Binding(
            "pagedown",
            "scroll_script(1)",
            "Script",
            tooltip="Page the talk track and objections (at the end: back to the top)",
            id="block.script_down",
        ),
        Binding("n", "note", "Note", id="block.note"),
        Binding("v", "voicemail", "VM", tooltip="Voicemail script", id="block.voicemail_script"),
        Binding("pageup", "scroll_script(-1)", "Script up", show=False, id="block.script_up"),
        Binding("y", "overcome(True)", "Overcome", show=False, id="block.overcome"),
        Binding("x", "overcome(False)", "Not overcome", show=False, id="block.not_overcome"),
        Binding("l", "switch_list", "Other list", show=False, id="block.switch_list"),
        *MOVE_BINDINGS,  # u undo, s skip, / find (block_moves.py)
    ]

    def __init__(self, block_id: int) -> None:
        super().__init__()
        self.block_id = block_id
        #: the App's block service (set at mount): every read and write goes through it
        self.service: BlockService
        self.block: CallBlock | None = None
        self.call_list: CallList | None = None
        self.track: TalkTrack | None = None
        self.contact: Contact | None = None
        self.history: ContactHistory | None = None
        self.attempt: CallAttempt | None = None
        self.objections: list[LoggedObjection] = []
        self.choices: list[ObjectionChoice] = []
        self.pending_note = ""
        self.ending = False  # time is up or the rep chose to end: close after this call
        self.finished = False
        self.empty_text = ""
        self.zone_cache: ZoneCache | None = None
        self._last_beat = 0.0
        self._shown: tuple = ()
        #: what the track and objection panels show, filled in by render_all
        self._track_texts: tuple[str, str, str, str] = ("Talk track", "", "", "")
        self._rebuttal = ""
        #: the talk-track parts marked now (None: render the script on the next tick)
        self._focus: tuple[str, ...] | None = None
        #: other contacts at the same company reached lately (shown on the card)
        self.colleagues: list[Colleague] = []
        self.tally = [0, 0, 0, 0]  # dials, connects, conversations, meetings (this block)
        self.journal: OutcomeJournal | None = None
        #: monotonic time of the last attempt to reach the server while it is away, else None
        self.offline_retry_at: float | None = None
        #: perf_counter() when the screen last finished rendering after an outcome (benchmark).
        self.rendered_at = 0.0
        self._outcome_frames = 0
        self._gc_threshold: tuple[int, int, int] | None = None
        self._saves = SavePipeline(
            self,
            say=self.say,
            trouble=lambda exc: self.service.connection_trouble(exc),
            watched=lambda: self.service.watched(),
            expected=(BlockError, HoldLost),
            finished=lambda: self.finished,
            stop_on=(HoldLost,),
            stop=self._stop_serving,
        )
        #: ending the block failed (server away): the clock at zero does not retry by itself
        self._end_failed = False
        #: another window took the block over: this one serves nothing more (why, shown)
        self.lost: HoldLost | None = None

    @property
    def saving(self) -> Future | None:
        """The job still running after SAVE_INLINE_SECONDS, else None."""
        return self._saves.saving

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        """Countdown and tallies on top; card and timer left; track and objections right."""
        # Kept as attributes: the outcome path updates them without querying the DOM.
        self._countdown = Countdown("52:00", id="countdown")
        self._info = Panel(id="block-info")
        self._timer = CallTimer(id="call-timer", classes="panel")
        self._card = ContactCard(id="contact-card", classes="panel")
        self._track_panel = TrackPanel(id="track-panel", classes="panel")
        self._objection_panel = ObjectionPanel(id="objection-panel", classes="panel")
        self._script = ScriptScroll(id="block-script")
        self._script.on_overflow = lambda _: self.refresh_bindings()
        self._message = Panel(id="block-message")
        yield Header()
        with Horizontal(id="block-top"):
            yield self._countdown
            yield self._info
        with Horizontal(id="block-main"):
            with VerticalScroll(id="block-left", can_focus=False):
                yield self._timer
                yield self._card
            with self._script:
                yield self._track_panel
                yield self._objection_panel
        yield self._message
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Load the block, put the current (or next) contact on screen, start ticking."""
        self.service = self.app.service.block
        self.journal = self.service.journal()
        state = self.service.open_state(self.block_id)
        self.block, self.attempt, self.contact = state.block, state.attempt, state.contact
        self.tally = state.tally
        self._saves.start()
        self._load_list()
        if self.contact is None:
            self._serve_next()
        else:
            self._load_contact_details()
            if self.attempt is not None:
                self.say(f"A call was in progress when callcoach stopped: log its outcome ({KEY_RANGE}).")
        self.render_all()
        self._last_beat = _time.monotonic()
        self.set_interval(TICK_SECONDS, self.tick)
        self._gc_threshold = gc.get_threshold()
        gc.set_threshold(GC_YOUNG_THRESHOLD, *self._gc_threshold[1:])

    def on_unmount(self) -> None:
        """Stop the save worker; give the garbage collector back its usual settings."""
        self._saves.stop()
        if self._gc_threshold is not None:
            gc.set_threshold(*self._gc_threshold)
            self._gc_threshold = None

    def _load_list(self, data: ListData | None = None) -> None:
        """Take on a list's name, track and objections (read now, unless given)."""
        if data is None:
            data = self.service.read_list(self.block.list_id, self.app.settings.window)
        self.call_list, self.track, self.choices = data.call_list, data.track, data.choices
        self.zone_cache = data.zone_cache
        self.sub_title = plain(self.call_list.name) if self.call_list else ""

    def _load_contact_details(self) -> None:
        self.history, self.objections = self.service.read_details(self.contact, self.attempt)
        self.colleagues = self.service.read_colleagues(
            self.contact, self.block_id, self.app.clock.now()
        )

    # ------------------------------------------------------------ rendering

    def fill(self, template: str) -> str:
        """A track text with this contact's merge fields filled in."""
        return render_track_text(template, self.contact, self.app.rep.name, self.track)

    def say(self, text: str, level: str = "") -> None:
        """Show a one-line message under the panels."""
        # Colour by a style on the text, not CSS classes: a class change would restyle.
        colour = {"ok": "$success", "warn": "$warning", "error": "$error"}.get(level)
        text = plain(text)  # names, errors: outside text
        self._message.show(Content.styled(text, colour) if colour else Content(text))

    def on_resize(self, event: Resize) -> None:
        """Pack the timer and the card when they share one column with the script; on a
        short terminal also cut each card row to one line (with an ellipsis)."""
        width, height = event.size
        packed = width < NARROW_BELOW
        cut = packed and height < SHORT_BELOW
        if (self._card.compact, self._card.has_class("cut")) != (packed, cut):
            self._timer.compact = packed
            self._card.compact = packed
            self._card.set_class(cut, "cut")
            if self.block is not None:
                self.render_all()

    def render_all(self) -> None:
        """Re-render every panel from the screen's state."""
        now = self.app.clock.now()
        settings = self.app.settings
        self._card.show_contact(
            self.contact,
            self.history,
            now,
            settings.retry.max_attempts,
            self.pending_note,
            self.empty_text,
            self.colleagues,
        )
        t = self.track
        self._track_texts = (
            f"Talk track: {t.name}" if t else "Talk track",
            self.fill(t.engage_statement) if t else "",
            self.fill(t.impact_question) if t else "",
            self.fill(t.meeting_ask) if t else "",
        )
        self._rebuttal = self.fill(self.objections[-1].rebuttal) if self.objections else ""
        self._render_info()
        self._shown = ()
        self._focus = None
        self.tick(heartbeat=False)
        if self._focus is None:  # the tick stood still (block over, or taken over)
            self._render_script(())

    def _render_script(self, focus: tuple[str, ...]) -> None:
        """The talk track and the objections, the part to read now marked (and in view)."""
        self._track_panel.show_track(*self._track_texts, focus=focus)
        self._objection_panel.show_objections(
            self.objections, self.attempt is not None, self._rebuttal, focus
        )
        if focus != self._focus:
            self._focus = focus
            # Bring what to read now into view (and keep it there as the panels resize).
            self._script.show_end("rebuttal" in focus)

    def _render_info(self) -> None:
        dials, connects, convs, meetings = self.tally
        name = self.call_list.name if self.call_list else "?"
        planned = clock_text(self.block.planned_seconds)
        self._info.show(
            lines(
                Content.assemble(bold(name), f"  ({planned} block)"),
                f"Dials {dials}   Connects {connects}   Conversations {convs}   Meetings {meetings}",
            )
        )

    def tick(self, heartbeat: bool = True) -> None:
        """Recompute the countdown and the call timer from the clock; close at zero."""
        if self.finished or self.block is None or self.lost is not None:
            return
        now = self.app.clock.now()
        remaining = self.service.remaining_seconds(self.block, now)
        paused = self.block.paused_at is not None
        elapsed = None
        interrupted = False
        if self.attempt is not None:
            end = self.attempt.ended_at or now
            interrupted = self.attempt.ended_at is not None
            elapsed = (end - self.attempt.dialed_at).total_seconds()
        shown = (int(remaining), paused, None if elapsed is None else int(elapsed), interrupted)
        if shown != self._shown:
            self._shown = shown
            digits = self._countdown
            text = clock_text(remaining)
            if text != digits.value:
                digits.update(text)
            digits.set_class(paused, "paused")
            digits.set_class(remaining < 300, "low")
            phase = self._timer.show_timer(
                elapsed, self.app.settings.phases, interrupted, paused, len(self.objections)
            )
            focus = phase.focus if phase is not None else ()
            if focus != self._focus:
                self._render_script(focus)
        if remaining <= 0 and not paused:
            if self.attempt is None:
                # Not while a save runs (a dial may be about to open a call), nor again
                # after ending failed (the rep presses e to try again).
                if self.saving is None and not self._end_failed:
                    self.finish()
                return
            if not self.ending:
                self.ending = True
                if self.saving is None:
                    self.say(
                        "Time's up: finish this call and log it - the summary follows.", "warn"
                    )
        if self.saving is not None:
            return  # the save worker has the server; nothing else reaches for it meanwhile
        if self.offline_retry_at is not None:
            if _time.monotonic() - self.offline_retry_at >= OFFLINE_RETRY_SECONDS:
                self.retry_server()
            return
        if heartbeat and _time.monotonic() - self._last_beat >= HEARTBEAT_SECONDS:
            self._last_beat = _time.monotonic()
            self._heartbeat()

    @work(thread=True, exclusive=True, group="heartbeat")
    def _heartbeat(self) -> None:
        """Tell the database the block is alive (in a thread: a dead server must not
        freeze the screen)."""
        app = self.app
        try:
            self.service.touch(self.block_id)
        except HoldLost as exc:
            app.call_from_thread(self._stop_serving, exc)
        except ServerUnavailable as exc:
            # Keep the call on screen: its outcome goes to the journal if need be.
            app.call_from_thread(
                self.say, f"{exc} - carry on; outcomes are kept on this machine", "warn"
            )

    def _mark_rendered(self) -> None:
        self.rendered_at = _time.perf_counter()

    def _after_outcome_frame(self) -> None:
        """The next contact is on screen: note when, then collect garbage while the rep
        reads it (see GC_YOUNG_THRESHOLD)."""
        self._mark_rendered()
        self._outcome_frames += 1
        gc.collect(2 if self._outcome_frames % GC_FULL_EVERY == 0 else 1)

    # ------------------------------------------------------------ serving

    def _serve_next(self) -> str:
        """Reserve and show the next contact now (at mount; key presses go through the
        save worker). Returns a line about outcomes saved offline that were written."""
        try:
            nxt = self.service.fetch_next(self.app.clock, self.journal, self.block, self.zone_cache)
        except HoldLost as exc:
            self._stop_serving(exc)
            return ""
        return self._show_next(nxt)

    def _stop_serving(self, exc: Exception) -> None:
        """Another window took the block over: show why and serve nothing more from here
        (nothing was written; every key now repeats the line, e leaves the screen)."""
        assert isinstance(exc, HoldLost)
        self.lost = exc
        self.contact = None
        self.attempt = None
        self.objections = []
        self.history = None
        self.colleagues = []
        self.pending_note = ""
        self.empty_text = f"{exc}\nPress e to leave this screen."
        self.render_all()
        self.say(str(exc), "error")

    def _show_next(self, nxt: NextContact) -> str:
        """Put the fetched next contact on screen (or say why there is none, or go offline
        when the server was away); returns the line about replayed outcomes, or ""."""
        if nxt.unavailable is not None:
            self._go_offline(nxt.unavailable)
            return ""
        app = self.app
        self.offline_retry_at = None
        self.contact = nxt.contact
        if nxt.tally is not None:
            self.tally = nxt.tally
        self.attempt = None
        self.objections = nxt.objections
        self.history = nxt.history
        self.colleagues = nxt.colleagues
        if self.contact is not None:
            self.empty_text = ""
            return nxt.replayed
        name = self.call_list.name if self.call_list else "this list"
        self.empty_text = empty_list_text(name, nxt.outlook, app.clock.now())
        self.say("The list has run out: pick another list (l) or end the block (e).", "warn")
        self.call_after_refresh(self.action_switch_list)
        return nxt.replayed

    def _go_offline(self, reason: str) -> None:
        """The team server is away: nothing to dial until it is back; retry on the tick."""
        self.offline_retry_at = _time.monotonic()
        self.contact = None
        self.attempt = None
        self.objections = []
        self.history = None
        self.colleagues = []
        self.empty_text = offline_text(len(self.journal.pending()) if self.journal else 0)
        self.say(reason, "error")

    def retry_server(self) -> None:
        """Try to reach the server again (in a thread: a dead host can take the connect
        timeout to answer); when back, write saved outcomes and serve the next contact."""
        self.offline_retry_at = _time.monotonic()
        self._reconnect()

    @work(thread=True, exclusive=True, group="reconnect")
    def _reconnect(self) -> None:
        app = self.app
        try:
            nxt = self.service.fetch_next(app.clock, self.journal, self.block, self.zone_cache)
        except HoldLost as exc:
            app.call_from_thread(self._stop_serving, exc)
            return
        if nxt.unavailable is not None:
            app.call_from_thread(self.say, nxt.unavailable, "error")
            return
        app.call_from_thread(self._back_online, nxt)

    def _back_online(self, nxt: NextContact) -> None:
        if self.finished or self.lost is not None:
            return
        replayed = self._show_next(nxt)
        self.say(replayed or "Server back: carry on calling.", "ok")
        self.render_all()

    # ------------------------------------------------------------ the save pipeline

    def on_save_done(self, message: SaveDone) -> None:
        """A job that outlasted SAVE_INLINE_SECONDS is done: carry on from it."""
        self._saves.done(message)

    # ------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The script's scroll key shows in the footer only when the script overflows."""
        if action == "scroll_script":
            return self._script.overflows
        return True

    def action_scroll_script(self, direction: int) -> None:
        """Page the talk track and objections (from the end, back to the top)."""
        script = self._script
        script.follow_end = False
        if direction > 0 and script.scroll_y >= script.max_scroll_y:
            script.scroll_home(animate=False)
        elif direction > 0:
            script.scroll_page_down(animate=False)
        else:
            script.scroll_page_up(animate=False)

    def call_in_progress(self) -> bool:
        """True while a call is open on this screen (quitting asks first)."""
        return self.attempt is not None and not self.finished

    def _busy(self) -> bool:
        """True (and the rep is told) while a save is still running, or for good once
        another window took the block over."""
        if self.lost is not None:
            self.say(str(self.lost), "error")
            return True
        return self._saves.busy()

    def _live(self) -> bool:
        if self.finished or self._busy():
            return False
        if self.offline_retry_at is not None:
            self.say("Waiting for the team server: your outcomes are safe on this machine.")
            return False
        if self.contact is None:
            self.say("No contact on screen: press l for another list or e to end the block.")
            return False
        return True

    def _press_clock(self) -> FakeClock:
        """The clock for a write: stopped at the key press, however long the save takes."""
        return FakeClock(self.app.clock.now())

    def _ask(self, dialog: ModalScreen, then: Callable[[Any], object] | None = None) -> None:
        """Open a form; keys typed ahead of it land in it (:mod:`callcoach.tui.typeahead`)."""
        self.app.type_ahead.open(self.app, dialog, then)

    def on_key(self, event: events.Key) -> None:
        """Stamp keys typed here: if a form covers this screen before the app gets them, the
        app hands them on to the form."""
        typeahead.stamp(event, self)

    def action_dial(self) -> None:
        """Start the call (and the configured dial command)."""
        if not self._live():
            return
        if self.attempt is not None:
            elapsed = (self.app.clock.now() - self.attempt.dialed_at).total_seconds()
            self.say(f"Already in a call ({clock_text(elapsed)}): log the outcome with {KEY_RANGE}.")
            return
        if self.ending:
            self.say("The block is over: no new dials. Press e to see the summary.")
            return
        contact = self.contact
        job = partial(
            self.service.dial, self._press_clock(), self.block_id, contact.id, self.pending_note
        )
        self._saves.submit(job, self._dialled, f"dial - {contact.full_name}", "the dial")

    def _dialled(self, result: tuple[CallAttempt, str | None]) -> None:
        self.attempt, note_trouble = result
        if note_trouble is None:
            self.pending_note = ""
        self.objections = []
        command = self.app.settings.dial_command
        text = f"Dialling {self.contact.phone}" + (" ..." if command else ": call timer on.")
        if note_trouble is not None:
            self.say(f"{text} Note kept for the outcome: {note_trouble}", "warn")
        else:
            self.say(text)
        if command:
            self._run_dial_command(command, self.contact.phone)
        self.render_all()

    @work(thread=True, exclusive=True, group="dial")
    def _run_dial_command(self, command: str, phone: str) -> None:
        error = self.service.run_dial_command(command, phone)
        if error:
            self.app.call_from_thread(self.say, error, "error")

    def action_outcome(self, key: str) -> None:
        """Log the outcome on number key ``key`` (1..8) for the call in progress."""
        if not self._live():
            return
        outcome = OUTCOME_KEYS[key]
        if self.attempt is None:
            self.say(
                f"No call in progress: press d to dial, then {key} "
                f"({outcome_label(outcome)}).",
                "warn",
            )
            return
        now = self.app.clock.now()
        tz = contact_zone(self.contact.timezone)
        if outcome is Outcome.CALLBACK:
            picks = self.service.quick_callback_times(now, self.contact.timezone)
            self._ask(
                CallbackDialog(picks, tz, now, self.service.working_days),
                lambda when: self._log(outcome, callback_at=when) if when else None,
            )
            return
        if outcome is Outcome.MEETING:
            hint = self.fill(self.track.parking_lot_line) if self.track else ""
            self._ask(
                MeetingForm(
                    tz,
                    now,
                    self.contact.email,
                    self.contact.full_name,
                    hint,
                    self.service.working_days,
                ),
                lambda details: self._log(outcome, meeting=details) if details else None,
            )
            return
        if outcome is Outcome.DO_NOT_CALL:
            self._ask(
                ConfirmDialog(
                    f"Do not call {self.contact.full_name} ({self.contact.phone}) again, "
                    "on any list?"
                ),
                lambda yes: self._log(outcome) if yes else None,
            )
            return
        self._log(outcome)

    def _log(self, outcome: Outcome, **kwargs: object) -> None:
        if self.attempt is None or self.finished or self._busy():
            return
        clock = self._press_clock()  # logged at the key press, however long the save takes
        done = self.ending or self.service.remaining_seconds(self.block, clock.now()) <= 0
        job = partial(
            self.service.log_outcome,
            clock,
            self.journal,
            self.block,
            self.zone_cache,
            outcome=outcome,
            contact_id=self.contact.id,
            note=self.pending_note,
            done=done,
            **kwargs,
        )

        who = self.contact.full_name
        self._saves.submit(
            job,
            partial(self._saved, outcome, done),
            f"{outcome_label(outcome)} - {who}",
            "the last outcome",
        )

    def _saved(
        self, outcome: Outcome, done: bool, job_result: tuple[DurableOutcome, NextContact | None]
    ) -> None:
        """After the save: tell the rep, then the next contact, the summary, or offline."""
        saved, nxt = job_result
        self.pending_note = ""
        if saved.journaled:
            self._go_offline(saved.message)
            self.render_all()
            return
        result = saved.result
        self.last_outcome_uuid = saved.client_uuid  # what u takes back
        a = result.attempt
        self.tally[0] += 1
        self.tally[1] += int(a.connected)
        self.tally[2] += int(a.conversation)
        self.tally[3] += int(outcome is Outcome.MEETING)
        text, level = saved_line(outcome_label(outcome), result)
        if done:
            self.say(text, level)
            self.finish()
            return
        replayed = self._show_next(nxt) or saved.message
        if self.contact is not None:
            self.say(f"{text} {replayed}".strip(), level)
        self.render_all()
        self.call_after_refresh(self._after_outcome_frame)

    def action_objection(self) -> None:
        """Pick an objection the prospect raised; it is logged in order with its rebuttal."""
        if not self._live():
            return
        if self.attempt is None:
            self.say("Objections belong to a call: press d to dial first.", "warn")
            return
        self._ask(ObjectionPicker(self.choices, len(self.objections)), self._objection)

    def _objection(self, picked: int | str | None) -> None:
        """Log the picked objection (an id), or the typed words as a new one (a str)."""
        if picked is None or self.attempt is None or self.finished or self._busy():
            return
        if isinstance(picked, str):
            typed = partial(self.service.log_typed_objection, self._press_clock(), self.block_id, picked)
            self._saves.submit(typed, self._typed_objection_logged, "objection", "the objection")
            return
        job = partial(self.service.log_objection, self._press_clock(), self.block_id, picked)
        self._saves.submit(job, self._objection_logged, "objection", "the objection")

    def _objection_logged(self, logged: LoggedObjection, added: bool = False) -> None:
        self.objections.append(logged)
        new = " (new from a call: added to the library)" if added else ""
        self.say(
            f"{ordinal(logged.position)} objection logged{new}: {logged.text}  (y overcome / x not)"
        )
        self.render_all()

    def _typed_objection_logged(self, result: tuple[LoggedObjection, bool]) -> None:
        logged, added = result
        if all(c.id != logged.objection_id for c in self.choices):
            # Offered from now on, in this block too (the library's order: it is the newest).
            self.choices = [*self.choices, ObjectionChoice(
                logged.objection_id, logged.key, logged.text, logged.rebuttal, False, Origin.CALL.value
            )]
        self._objection_logged(logged, added)

    def action_overcome(self, overcome: bool) -> None:
        """Mark the latest unmarked objection (else the latest) overcome or not."""
        if self._busy():
            return
        if not self.objections:
            self.say("No objection on this call yet (o logs one).")
            return
        target = next(
            (o for o in reversed(self.objections) if o.overcome is None), self.objections[-1]
        )
        job = partial(self.service.set_overcome, target.id, overcome)
        shown = "objection overcome" if overcome else "objection not overcome"
        self._saves.submit(
            job, lambda _: self._marked(target, overcome), shown, "the objection"
        )

    def _marked(self, target: LoggedObjection, overcome: bool) -> None:
        if target not in self.objections:
            return  # the call is over meanwhile
        i = self.objections.index(target)
        self.objections[i] = LoggedObjection(
            target.id,
            target.position,
            target.objection_id,
            target.key,
            target.text,
            target.rebuttal,
            overcome,
        )
        self.render_all()
        word = "overcome" if overcome else "not overcome"
        self.say(f"Marked {ordinal(target.position)} objection {word}: {target.text}")

    def action_voicemail(self) -> None:
        """Show the voicemail script with its third-party reference."""
        if self.track is None or not self.track.voicemail_script:
            self.say("This list's talk track has no voicemail script.")
            return
        body = self.fill(self.track.voicemail_script)
        if self.track.third_party_reference:
            body += f"\n\nReference: {self.track.third_party_reference}"
        self.app.push_screen(MessageDialog("Voicemail script", body))

    def action_note(self) -> None:
        """Add a note to this call (saved at once during a call, else with the next dial)."""
        if not self._live():
            return
        self._ask(
            NoteDialog(self.pending_note if self.attempt is None else ""), self._note
        )

    def _note(self, text: str | None) -> None:
        if not text or self.finished or self._busy():
            return
        if self.attempt is None:
            self.pending_note = text
            self.say("Note kept for this contact's call.")
            self.render_all()
            return
        job = partial(
            self.service.add_note, self._press_clock(), self.block_id, text, self.contact, self.attempt
        )
        self._saves.submit(job, self._noted, "note", "the note")

    def _noted(self, details: tuple[ContactHistory | None, list[LoggedObjection]]) -> None:
        self.history, self.objections = details
        self.say("Note saved.")
        self.render_all()

    def action_pause(self) -> None:
        """Pause or resume the block clock."""
        if self.finished or self._busy():
            return
        if self.block.paused_at is None:
            job = partial(self.service.pause_block, self._press_clock(), self.block_id)
            self._saves.submit(job, self._paused, "pause", "the pause")
        else:
            job = partial(self.service.resume_block, self._press_clock(), self.block_id)
            self._saves.submit(job, self._paused, "resume", "the resume")

    def _paused(self, block: CallBlock) -> None:
        self.block = block
        if block.paused_at is not None:
            self.say("Paused: the block clock is stopped. p resumes.", "warn")
        else:
            self.say("Resumed.")
        self._shown = ()
        self.tick(heartbeat=False)

    def action_end(self) -> None:
        """End the block (after the current call is logged, if one is on); once another
        window took the block over, leave this screen."""
        if self.lost is not None and not self.finished:
            self.finished = True
            self.app.pop_screen()
            return
        if self.finished or self._busy():
            return
        if self.attempt is not None:
            if self.ending:
                self.app.push_screen(
                    ConfirmDialog("End now and leave this call without an outcome?"),
                    lambda yes: self.finish() if yes else None,
                )
                return
            self.ending = True
            self.say(f"The block ends after this call: log its outcome ({KEY_RANGE}).", "warn")
            return
        left = clock_text(self.service.remaining_seconds(self.block, self.app.clock.now()))
        self.app.push_screen(
            ConfirmDialog(f"End the block now? {left} left."),
            lambda yes: self.finish() if yes else None,
        )

    def action_switch_list(self) -> None:
        """Carry on the block on another list (e.g. when this one runs out)."""
        if self.finished or self._busy():
            return
        if self.attempt is not None:
            self.say("Log this call's outcome before switching lists.", "warn")
            return
        job = partial(self.service.list_summaries, self.app.clock.now())
        self._saves.submit(job, self._offer_lists, "reading the lists", "the lists")

    def _offer_lists(self, rows: list) -> None:
        options = [
            (str(r.id), f"{r.name}  ({r.callable_now} callable now)")
            for r in rows
            if r.id != self.block.list_id and r.callable_now > 0
        ]
        options.append(("end", "End the block and see the summary"))
        options.append(("stay", "Stay on this list"))
        self.app.push_screen(
            ChoiceDialog(
                "Another list?", options, "Same block, same clock: only the list changes."
            ),
            self._switch_to,
        )

    def _switch_to(self, choice: str | None) -> None:
        if choice is None or choice == "stay" or self.finished or self._busy():
            return
        if choice == "end":
            self.finish()
            return
        job = partial(
            self.service.switch_list, self._press_clock(), self.journal, self.block_id, int(choice)
        )
        self._saves.submit(job, self._switched, "switching lists", "the list switch")

    def _switched(self, result: tuple[CallBlock, ListData, NextContact]) -> None:
        self.block, data, nxt = result
        self._load_list(data)
        self._show_next(nxt)
        if self.contact is not None:
            self.say(f"Now calling {self.call_list.name}.")
        self.render_all()

    def finish(self) -> None:
        """Close the block (on the save worker, after the saves before it) and open its
        summary."""
        if self.finished:
            return
        self.finished = True
        self._end_failed = False
        job = partial(self.service.end_block, self._press_clock(), self.block_id)
        self._saves.submit(
            job,
            lambda _: self._show_summary(),
            "ending the block",
            "the end of the block",
            failed=self._end_failed_now,
            always=True,
        )

    def _end_failed_now(self) -> None:
        """Ending did not reach the database: the block stays on screen; e tries again."""
        self.finished = False
        self._end_failed = True

    def _show_summary(self) -> None:
        from callcoach.tui.screens.block_summary import SummaryScreen

        self.app.switch_screen(SummaryScreen(self.block_id))

