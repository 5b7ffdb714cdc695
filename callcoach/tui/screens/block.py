"""The call block screen: countdown, contact card, call timer, talk track, objections, outcomes.

Thin: every action is one call into :mod:`callcoach.core.calling` (which commits at once) and a
re-render. Those calls run on the screen's save thread, one at a time in key order, never on
the UI thread: a database that keeps a write waiting never freezes the screen. Timers are
recomputed from instants read from ``app.clock`` on each tick, so the screen never
drifts and a fake clock drives a whole block in tests.
"""

from __future__ import annotations

import gc
import queue as _queue
import threading
import time as _time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import wait as _wait_for
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import partial

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header

from callcoach.catalog.outcomes import KEY_RANGE, OUTCOME_KEYS, OUTCOMES, Outcome
from callcoach.catalog.outcomes import label as outcome_label
from callcoach.clock import Clock, FakeClock
from callcoach.config import CallingWindow, Settings
from callcoach.core.calling import dialling, lifecycle, outcomes, serving
from callcoach.core.calling import objections as objection_rules
from callcoach.core.calling.calltimer import clock_text, ordinal
from callcoach.core.calling.journal import (
    OutcomeJournal,
    ServerUnavailable,
    call_or_unavailable,
    connection_trouble,
    log_outcome_durably,
    serve_next_durably,
)
from callcoach.core.calling.queue import QueueOutlook, ZoneCache, contact_zone, queue_outlook
from callcoach.core.calling.summary import block_tally
from callcoach.core.lists.call_lists import list_summaries
from callcoach.core.lists.tracks import render_track_text
from callcoach.storage.db import Database
from callcoach.storage.models import CallAttempt, CallBlock, CallList, Contact, TalkTrack
from callcoach.tui.screens.block_dialogs import (
    CallbackDialog,
    ChoiceDialog,
    ConfirmDialog,
    MeetingForm,
    MessageDialog,
    NoteDialog,
    ObjectionPicker,
)
from callcoach.tui.widgets.block_panels import (
    CallTimer,
    ContactCard,
    Countdown,
    ObjectionPanel,
    Panel,
    TrackPanel,
    bold,
    lines,
)

TICK_SECONDS = 0.25
#: While the team server is unreachable, how often the screen tries to reach it again.
OFFLINE_RETRY_SECONDS = 5.0
#: While a block runs the cyclic garbage collector stays out of the outcome path: automatic
#: collections wait for this many new objects (an outcome makes a few thousand), and the
#: young generations are collected right after each outcome's frame is on screen ...
GC_YOUNG_THRESHOLD = 50_000
#: ... with a full collection of what the block made every this many outcomes.
GC_FULL_EVERY = 100
#: Outcomes and every other key's database work (dial, objection, note, pause...) run on
#: the save thread (a team server that stops answering must not freeze the screen). The
#: screen waits this long for the job inline - the usual case, a few milliseconds - before
#: it shows "Saving..." and goes on, the keys waiting for the job to finish.
SAVE_INLINE_SECONDS = 0.1


class _SaveThread:
    """One daemon thread that runs a block's saves one at a time, in order, off the UI
    thread. Daemon: a save stuck on a dead connection never keeps the app from quitting
    (its outcome was never shown as saved)."""

    def __init__(self, watched: Callable[[], AbstractContextManager] = nullcontext) -> None:
        self._jobs: _queue.SimpleQueue = _queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._watched = watched  # wraps the thread's life: Database.watched (stalls cut)

    def submit(self, job: Callable[[], object]) -> Future:
        """Queue ``job``; its result (or exception) arrives in the returned future."""
        future: Future = Future()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="callcoach-save", daemon=True)
            self._thread.start()
        self._jobs.put((job, future))
        return future

    def stop(self) -> None:
        """Let the thread end after the job it is running, if any."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread = None

    def _run(self) -> None:
        with self._watched():
            while (item := self._jobs.get()) is not None:
                job, future = item
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(job())
                    except BaseException as exc:  # noqa: BLE001 - handed to the UI thread
                        future.set_exception(exc)


@dataclass
class _ListData:
    """What the screen shows of a call list, read in one go (on any thread)."""

    call_list: CallList | None
    track: TalkTrack | None
    choices: list[objection_rules.ObjectionChoice]
    zone_cache: ZoneCache


def _read_list(db: Database, list_id: int, window: CallingWindow) -> _ListData:
    with db.session() as s:
        call_list = s.get(CallList, list_id)
        track = (
            s.get(TalkTrack, call_list.talk_track_id)
            if call_list and call_list.talk_track_id
            else None
        )
        choices = objection_rules.objection_choices(s, list_id)
    return _ListData(call_list, track, choices, ZoneCache(list_id, window))


def _read_details(
    db: Database, contact: Contact | None, attempt: CallAttempt | None
) -> tuple[serving.ContactHistory | None, list[objection_rules.LoggedObjection]]:
    """The contact's recent calls and the open call's objections."""
    if attempt is None and contact is not None and not contact.attempts:
        # Never called: nothing to read (the common case, kept off the database).
        return serving.ContactHistory(0, None, None, []), []
    with db.session() as s:
        history = serving.contact_history(s, contact.id) if contact else None
        objections = objection_rules.call_objections(s, attempt.id) if attempt is not None else []
    return history, objections


@dataclass
class _Next:
    """The next contact and all the screen needs to show it (or why there is none)."""

    contact: Contact | None
    replayed: str = ""  # a line about outcomes saved offline that were just written
    history: serving.ContactHistory | None = None
    objections: list[objection_rules.LoggedObjection] = field(default_factory=list)
    outlook: QueueOutlook | None = None  # no contact: why the list has nothing now
    tally: list[int] | None = None  # re-read when outcomes saved offline landed
    unavailable: str | None = None  # the server is away: this line, and go offline


def _fetch_next(
    db: Database,
    clock: Clock,
    settings: Settings,
    journal: OutcomeJournal,
    block: CallBlock,
    zone_cache: ZoneCache | None,
    served: Contact | None | bool = False,
) -> _Next:
    """Reserve the block's next contact (``served``: already reserved with an outcome),
    writing outcomes saved offline first, and read what the screen shows of it. Runs on
    the save thread or a worker; a lost server is reported, not raised."""
    replayed = ""
    try:
        if served is False:
            served, replayed = serve_next_durably(db, clock, settings, journal, block, zone_cache)
        return call_or_unavailable(
            db, lambda: _read_next(db, clock, block, served, replayed)
        )
    except ServerUnavailable as exc:
        return _Next(None, unavailable=str(exc))


def _read_next(
    db: Database, clock: Clock, block: CallBlock, contact: Contact | None, replayed: str
) -> _Next:
    nxt = _Next(contact, replayed)
    if replayed:
        with db.session() as s:
            nxt.tally = list(block_tally(s, block.id))
    if contact is not None:
        nxt.history, nxt.objections = _read_details(db, contact, None)
    else:
        with db.session() as s:
            nxt.outlook = queue_outlook(s, block.list_id, clock.now())
    return nxt


def _dial_with_note(
    db: Database, clock: Clock, block_id: int, contact_id: int, note: str
) -> tuple[CallAttempt, str | None]:
    """Dial, then save the note kept for this contact; returns the call and, if the note
    could not be saved (it then goes with the outcome), why."""
    attempt = dialling.dial(db, clock, block_id, contact_id)
    if not note:
        return attempt, None
    try:
        dialling.add_note(db, clock, block_id, note)
    except Exception as exc:
        if isinstance(exc, lifecycle.BlockError):
            return attempt, str(exc)
        trouble = connection_trouble(db.url, exc)
        if trouble is None:
            raise
        return attempt, trouble
    return attempt, None


def _note_and_details(
    db: Database, clock: Clock, block_id: int, text: str, contact: Contact, attempt: CallAttempt
) -> tuple[serving.ContactHistory | None, list[objection_rules.LoggedObjection]]:
    dialling.add_note(db, clock, block_id, text)
    return _read_details(db, contact, attempt)


def _switch_and_serve(
    db: Database,
    clock: Clock,
    settings: Settings,
    journal: OutcomeJournal,
    block_id: int,
    list_id: int,
) -> tuple[CallBlock, _ListData, _Next]:
    block = lifecycle.switch_list(db, clock, block_id, list_id)
    data = _read_list(db, block.list_id, settings.window)
    return block, data, _fetch_next(db, clock, settings, journal, block, data.zone_cache)


class BlockScreen(Screen):
    """One running call block."""

    CSS_PATH = "block.tcss"
    BINDINGS = [
        *(
            Binding(kind.key, f"outcome('{kind.key}')", kind.short, tooltip=kind.label, id=kind.binding_id)
            for kind in OUTCOMES
        ),
        Binding("d", "dial", "Dial", id="block.dial"),
        Binding("o", "objection", "Obj", id="block.objection"),
        Binding("v", "voicemail", "VMscript", id="block.voicemail_script"),
        Binding("n", "note", "Note", id="block.note"),
        Binding("p", "pause", "Pause", id="block.pause"),
        Binding("e", "end", "End", id="block.end"),
        Binding("y", "overcome(True)", "Overcome", show=False, id="block.overcome"),
        Binding("x", "overcome(False)", "Not overcome", show=False, id="block.not_overcome"),
        Binding("l", "switch_list", "Other list", show=False, id="block.switch_list"),
    ]

    class WriteDone(Message):
        """A database job that outlasted SAVE_INLINE_SECONDS finished on the save thread."""

        def __init__(
            self,
            future: Future,
            then: Callable[[object], None],
            failed: Callable[[], None] | None,
            always: bool,
        ) -> None:
            super().__init__()
            self.future = future
            self.then = then
            self.failed = failed
            self.always = always  # carry on even once the screen is finished (ending it)

    def __init__(self, block_id: int) -> None:
        super().__init__()
        self.block_id = block_id
        self.block: CallBlock | None = None
        self.call_list: CallList | None = None
        self.track: TalkTrack | None = None
        self.contact: Contact | None = None
        self.history: serving.ContactHistory | None = None
        self.attempt: CallAttempt | None = None
        self.objections: list[objection_rules.LoggedObjection] = []
        self.choices: list[objection_rules.ObjectionChoice] = []
        self.pending_note = ""
        self.ending = False  # time is up or the rep chose to end: close after this call
        self.finished = False
        self.empty_text = ""
        self.zone_cache: ZoneCache | None = None
        self._last_beat = 0.0
        self._shown: tuple = ()
        self.tally = [0, 0, 0, 0]  # dials, connects, conversations, meetings (this block)
        self.journal: OutcomeJournal | None = None
        #: monotonic time of the last attempt to reach the server while it is away, else None
        self.offline_retry_at: float | None = None
        #: perf_counter() when the screen last finished rendering after an outcome (benchmark).
        self.rendered_at = 0.0
        self._outcome_frames = 0
        self._gc_threshold: tuple[int, int, int] | None = None
        self._saver = _SaveThread(watched=lambda: self.app.db.watched())
        #: the save still running after SAVE_INLINE_SECONDS, else None
        self.saving: Future | None = None
        #: what that save is, for the keys it holds ("the last outcome", "the dial"...)
        self.saving_what = ""
        #: ending the block failed (server away): the clock at zero does not retry by itself
        self._end_failed = False

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
        self._message = Panel(id="block-message")
        yield Header()
        with Horizontal(id="block-top"):
            yield self._countdown
            yield self._info
        with Horizontal(id="block-main"):
            with Vertical(id="block-left"):
                yield self._timer
                yield self._card
            with Vertical(id="block-right"):
                yield self._track_panel
                yield self._objection_panel
        yield self._message
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Load the block, put the current (or next) contact on screen, start ticking."""
        app = self.app
        self.journal = OutcomeJournal.for_database(app.db.url)
        with app.db.session() as s:
            self.block = s.get(CallBlock, self.block_id)
            self.attempt = lifecycle.open_attempt(s, self.block_id)
            self.contact = serving.current_contact(s, self.block_id)
            self.tally = list(block_tally(s, self.block_id))
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
        """Stop the save thread; give the garbage collector back its usual settings."""
        self._saver.stop()
        if self._gc_threshold is not None:
            gc.set_threshold(*self._gc_threshold)
            self._gc_threshold = None

    def _load_list(self, data: _ListData | None = None) -> None:
        """Take on a list's name, track and objections (read now, unless given)."""
        if data is None:
            data = _read_list(self.app.db, self.block.list_id, self.app.settings.window)
        self.call_list, self.track, self.choices = data.call_list, data.track, data.choices
        self.zone_cache = data.zone_cache
        self.sub_title = self.call_list.name if self.call_list else ""

    def _load_contact_details(self) -> None:
        self.history, self.objections = _read_details(self.app.db, self.contact, self.attempt)

    # ------------------------------------------------------------ rendering

    def fill(self, template: str) -> str:
        """A track text with this contact's merge fields filled in."""
        return render_track_text(template, self.contact, self.app.rep.name, self.track)

    def say(self, text: str, level: str = "") -> None:
        """Show a one-line message under the panels."""
        # Colour by a style on the text, not CSS classes: a class change would restyle.
        colour = {"ok": "$success", "warn": "$warning", "error": "$error"}.get(level)
        self._message.show(Content.styled(text, colour) if colour else Content(text))

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
        )
        t = self.track
        name = f"Talk track: {t.name}" if t else "Talk track"
        self._track_panel.show_track(
            name,
            self.fill(t.engage_statement) if t else "",
            self.fill(t.impact_question) if t else "",
            self.fill(t.meeting_ask) if t else "",
        )
        last_rebuttal = self.fill(self.objections[-1].rebuttal) if self.objections else ""
        self._objection_panel.show_objections(
            self.objections, self.attempt is not None, last_rebuttal
        )
        self._render_info()
        self._shown = ()
        self.tick(heartbeat=False)

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
        if self.finished or self.block is None:
            return
        now = self.app.clock.now()
        remaining = lifecycle.remaining_seconds(self.block, now)
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
            self._timer.show_timer(
                elapsed, self.app.settings.phases, interrupted, paused
            )
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
            return  # the save thread has the server; nothing else reaches for it meanwhile
        if self.offline_retry_at is not None:
            if _time.monotonic() - self.offline_retry_at >= OFFLINE_RETRY_SECONDS:
                self.retry_server()
            return
        if heartbeat and _time.monotonic() - self._last_beat >= lifecycle.HEARTBEAT_SECONDS:
            self._last_beat = _time.monotonic()
            self._heartbeat()

    @work(thread=True, exclusive=True, group="heartbeat")
    def _heartbeat(self) -> None:
        """Tell the database the block is alive (in a thread: a dead server must not
        freeze the screen)."""
        app = self.app
        try:
            call_or_unavailable(app.db, lambda: lifecycle.touch_block(app.db, app.clock, self.block_id))
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
        save thread). Returns a line about outcomes saved offline that were written."""
        app = self.app
        return self._show_next(
            _fetch_next(
                app.db, app.clock, app.settings, self.journal, self.block, self.zone_cache
            )
        )

    def _show_next(self, nxt: _Next) -> str:
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
        if self.contact is not None:
            self.empty_text = ""
            return nxt.replayed
        outlook = nxt.outlook
        name = self.call_list.name if self.call_list else "this list"
        rows = [f"[b]No one to call on {escape(name)} right now.[/b]"]
        if outlook is not None and outlook.servable and outlook.next_due_at:
            wait = clock_text((outlook.next_due_at - app.clock.now()).total_seconds())
            rows.append(f"{outlook.servable} contacts come back later (next in {wait}).")
        elif outlook is not None and outlook.servable:
            rows.append(f"{outlook.servable} contacts are outside their calling hours.")
        else:
            rows.append("Every contact on it has been worked.")
        rows.append("Press [b]l[/b] for another list or [b]e[/b] to end the block.")
        self.empty_text = "\n".join(rows)
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
        waiting = len(self.journal.pending()) if self.journal else 0
        saved = (
            f"{waiting} outcome(s) saved on this machine; they are written when it is back."
            if waiting
            else "Every outcome so far is on the server."
        )
        self.empty_text = (
            f"[b]Waiting for the team server.[/b]\n{saved}\n"
            f"Trying again every {OFFLINE_RETRY_SECONDS:g} s."
        )
        self.say(reason, "error")

    def retry_server(self) -> None:
        """Try to reach the server again (in a thread: a dead host can take the connect
        timeout to answer); when back, write saved outcomes and serve the next contact."""
        self.offline_retry_at = _time.monotonic()
        self._reconnect()

    @work(thread=True, exclusive=True, group="reconnect")
    def _reconnect(self) -> None:
        app = self.app
        nxt = _fetch_next(
            app.db, app.clock, app.settings, self.journal, self.block, self.zone_cache
        )
        if nxt.unavailable is not None:
            app.call_from_thread(self.say, nxt.unavailable, "error")
            return
        app.call_from_thread(self._back_online, nxt)

    def _back_online(self, nxt: _Next) -> None:
        if self.finished:
            return
        replayed = self._show_next(nxt)
        self.say(replayed or "Server back: carry on calling.", "ok")
        self.render_all()

    # ------------------------------------------------------------ the save thread

    def _submit(
        self,
        job: Callable[[], object],
        then: Callable[[object], None],
        shown: str,
        what: str,
        failed: Callable[[], None] | None = None,
        always: bool = False,
    ) -> None:
        """Run ``job`` (database work) on the save thread, after the saves before it, and
        ``then(result)`` on the UI thread when it is done. The screen waits for it up to
        SAVE_INLINE_SECONDS; past that it shows "Saving: ``shown`` ...", goes on, and holds
        the keys (telling the rep it is saving ``what``) until the job is done. Errors are
        one line (a lost connection as the app shows it for any key), then ``failed()``."""
        future = self._saver.submit(job)
        if _wait_for([future], timeout=SAVE_INLINE_SECONDS).done:
            self._job_done(future, then, failed)
            return
        # The server is slow to answer: keep the screen alive; keys wait for the save.
        self.saving = future
        self.saving_what = what
        self.say(f"Saving: {shown} ...", "warn")
        future.add_done_callback(
            lambda f: self.post_message(self.WriteDone(f, then, failed, always))
        )

    def on_block_screen_write_done(self, message: WriteDone) -> None:
        """The save that outlasted SAVE_INLINE_SECONDS is done: carry on from it."""
        if message.future is self.saving:
            self.saving = None
        if message.always or not self.finished:
            self._job_done(message.future, message.then, message.failed)

    def _job_done(
        self,
        future: Future,
        then: Callable[[object], None],
        failed: Callable[[], None] | None,
    ) -> None:
        try:
            result = future.result()
        except Exception as exc:
            if isinstance(exc, lifecycle.BlockError):
                self.say(str(exc), "error")
            else:
                trouble = connection_trouble(self.app.db.url, exc)
                if trouble is None:
                    raise
                self.say(trouble, "error")
                self.app.notify(
                    trouble, title="Database unreachable", severity="error", timeout=10
                )
            if failed is not None:
                failed()
            return
        then(result)

    # ------------------------------------------------------------ actions

    def _busy(self) -> bool:
        """True (and the rep is told) while a save is still running."""
        if self.saving is None:
            return False
        self.say(f"Saving {self.saving_what} - one moment; keys work again when it is saved.")
        return True

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
            _dial_with_note,
            self.app.db,
            self._press_clock(),
            self.block_id,
            contact.id,
            self.pending_note,
        )
        self._submit(job, self._dialled, f"dial - {contact.full_name}", "the dial")

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
        error = dialling.run_dial_command(command, phone)
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
            picks = outcomes.quick_callback_times(now, self.contact.timezone)
            self.app.push_screen(
                CallbackDialog(picks, tz, now),
                lambda when: self._log(outcome, callback_at=when) if when else None,
            )
            return
        if outcome is Outcome.MEETING:
            hint = self.fill(self.track.parking_lot_line) if self.track else ""
            self.app.push_screen(
                MeetingForm(tz, now, self.contact.email, self.contact.full_name, hint),
                lambda details: self._log(outcome, meeting=details) if details else None,
            )
            return
        if outcome is Outcome.DO_NOT_CALL:
            self.app.push_screen(
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
        app = self.app
        clock = self._press_clock()  # logged at the key press, however long the save takes
        done = self.ending or lifecycle.remaining_seconds(self.block, clock.now()) <= 0
        db, settings, journal = app.db, app.settings, self.journal
        block, zone_cache = self.block, self.zone_cache
        contact_id, note = self.contact.id, self.pending_note

        def job() -> tuple[object, _Next | None]:
            saved = log_outcome_durably(
                db,
                clock,
                settings,
                journal,
                block_id=block.id,
                outcome=outcome,
                contact_id=contact_id,
                note=note,
                serve=not done,
                zone_cache=zone_cache,
                **kwargs,
            )
            if saved.result is None or done:
                return saved, None
            served = saved.result.next_contact
            return saved, _fetch_next(db, clock, settings, journal, block, zone_cache, served)

        who = self.contact.full_name
        self._submit(
            job,
            partial(self._saved, outcome, done),
            f"{outcome_label(outcome)} - {who}",
            "the last outcome",
        )

    def _saved(self, outcome: Outcome, done: bool, job_result: tuple[object, _Next | None]) -> None:
        """After the save: tell the rep, then the next contact, the summary, or offline."""
        saved, nxt = job_result
        self.pending_note = ""
        if saved.journaled:
            self._go_offline(saved.message)
            self.render_all()
            return
        result = saved.result
        a = result.attempt
        self.tally[0] += 1
        self.tally[1] += int(a.connected)
        self.tally[2] += int(a.conversation)
        self.tally[3] += int(outcome is Outcome.MEETING)
        who = result.contact.full_name
        text = f"Saved: {outcome_label(outcome)} - {who}."
        level = "ok"
        if result.ics_path is not None:
            text += f" Invite: {result.ics_path}"
        elif result.ics_error:
            text += f" Meeting saved, but {result.ics_error}"
            level = "error"
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
        if not self.choices:
            self.say("The objection library is empty: load one with  callcoach tracks load FILE")
            return
        self.app.push_screen(ObjectionPicker(self.choices, len(self.objections)), self._objection)

    def _objection(self, objection_id: int | None) -> None:
        if objection_id is None or self.attempt is None or self.finished or self._busy():
            return
        job = partial(
            objection_rules.log_objection, self.app.db, self._press_clock(), self.block_id, objection_id
        )
        self._submit(job, self._objection_logged, "objection", "the objection")

    def _objection_logged(self, logged: objection_rules.LoggedObjection) -> None:
        self.objections.append(logged)
        self.say(f"{ordinal(logged.position)} objection logged: {logged.text}  (y overcome / x not)")
        self.render_all()

    def action_overcome(self, overcome: bool) -> None:
        """Mark the latest unmarked objection (else the latest) overcome or not."""
        if self._busy():
            return
        if not self.objections:
            self.say("No objection on this call yet (o logs one).")
            return
        target = next((o for o in self.objections if o.overcome is None), self.objections[-1])
        job = partial(objection_rules.set_overcome, self.app.db, target.id, overcome)
        shown = "objection overcome" if overcome else "objection not overcome"
        self._submit(
            job, lambda _: self._marked(target, overcome), shown, "the objection"
        )

    def _marked(self, target: objection_rules.LoggedObjection, overcome: bool) -> None:
        if target not in self.objections:
            return  # the call is over meanwhile
        i = self.objections.index(target)
        self.objections[i] = objection_rules.LoggedObjection(
            target.id,
            target.position,
            target.objection_id,
            target.key,
            target.text,
            target.rebuttal,
            overcome,
        )
        self.render_all()

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
        self.app.push_screen(
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
            _note_and_details,
            self.app.db,
            self._press_clock(),
            self.block_id,
            text,
            self.contact,
            self.attempt,
        )
        self._submit(job, self._noted, "note", "the note")

    def _noted(
        self, details: tuple[serving.ContactHistory | None, list[objection_rules.LoggedObjection]]
    ) -> None:
        self.history, self.objections = details
        self.say("Note saved.")
        self.render_all()

    def action_pause(self) -> None:
        """Pause or resume the block clock."""
        if self.finished or self._busy():
            return
        app = self.app
        if self.block.paused_at is None:
            job = partial(lifecycle.pause_block, app.db, self._press_clock(), self.block_id)
            self._submit(job, self._paused, "pause", "the pause")
        else:
            job = partial(lifecycle.resume_block, app.db, self._press_clock(), self.block_id)
            self._submit(job, self._paused, "resume", "the resume")

    def _paused(self, block: CallBlock) -> None:
        self.block = block
        if block.paused_at is not None:
            self.say("Paused: the block clock is stopped. p resumes.", "warn")
        else:
            self.say("Resumed.")
        self._shown = ()
        self.tick(heartbeat=False)

    def action_end(self) -> None:
        """End the block (after the current call is logged, if one is on)."""
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
        left = clock_text(lifecycle.remaining_seconds(self.block, self.app.clock.now()))
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
        app = self.app
        db, now, window = app.db, app.clock.now(), app.settings.window

        def job() -> list:
            with db.session() as s:
                return list_summaries(s, now, window)

        self._submit(job, self._offer_lists, "reading the lists", "the lists")

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
        app = self.app
        job = partial(
            _switch_and_serve,
            app.db,
            self._press_clock(),
            app.settings,
            self.journal,
            self.block_id,
            int(choice),
        )
        self._submit(job, self._switched, "switching lists", "the list switch")

    def _switched(self, result: tuple[CallBlock, _ListData, _Next]) -> None:
        self.block, data, nxt = result
        self._load_list(data)
        self._show_next(nxt)
        if self.contact is not None:
            self.say(f"Now calling {self.call_list.name}.")
        self.render_all()

    def finish(self) -> None:
        """Close the block (on the save thread, after the saves before it) and open its
        summary."""
        if self.finished:
            return
        self.finished = True
        self._end_failed = False
        job = partial(lifecycle.end_block, self.app.db, self._press_clock(), self.block_id)
        self._submit(
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


def start_block_flow(app: object, list_id: int, minutes: float | None = None) -> None:
    """From home or the CLI: resume an open block, or show the track once more and start."""
    from callcoach.tui.screens.block_dialogs import StartBlockDialog

    db, clock, settings, rep = app.db, app.clock, app.settings, app.rep
    with db.session() as s:
        open_block = lifecycle.unfinished_block(s, rep.id)
        call_list = s.get(CallList, list_id)
        track = s.get(TalkTrack, call_list.talk_track_id) if call_list.talk_track_id else None
    if open_block is not None:
        offer_resume(app, open_block, then=lambda: start_block_flow(app, list_id, minutes))
        return

    def fill(text: str) -> str:
        return escape(render_track_text(text, None, rep.name, track))

    if track is not None:
        body = (
            f"[b]Engage[/b]  {fill(track.engage_statement)}\n\n"
            f"[b]Impact[/b]  {fill(track.impact_question)}\n\n"
            f"[b]Ask[/b]     {fill(track.meeting_ask)}"
        )
        if track.voicemail_script:
            body += f"\n\n[b]Voicemail[/b]  {fill(track.voicemail_script)}"
    else:
        body = "This list has no talk track: you will call without a script."

    def started(chosen: float | None) -> None:
        if chosen is None:
            return
        try:
            b = lifecycle.start_block(db, clock, rep_id=rep.id, list_id=list_id, minutes=chosen)
        except lifecycle.BlockError as exc:
            app.notify(str(exc), severity="error")
            return
        app.push_screen(BlockScreen(b.id))

    app.push_screen(
        StartBlockDialog(call_list.name, body, minutes or settings.block_minutes), started
    )


def offer_resume(
    app: object, open_block: CallBlock, then: Callable[[], None] | None = None
) -> None:
    """Offer to resume (or close) a block left open, e.g. by a crash.

    ``then`` runs after the old block was ended (e.g. start the block that was asked for).
    """
    db, clock = app.db, app.clock
    with db.session() as s:
        name = s.get(CallList, open_block.list_id).name
        in_call = lifecycle.open_attempt(s, open_block.id) is not None
    last = open_block.last_activity_at or open_block.started_at
    left = lifecycle.remaining_seconds(open_block, last)
    body = f"{name}: started {open_block.started_at:%a %H:%M} UTC, {clock_text(left)} left" + (
        ", a call was in progress." if in_call else "."
    )

    def chosen(choice: str | None) -> None:
        if choice == "resume":
            b = lifecycle.recover_block(db, clock, open_block.id)
            app.push_screen(BlockScreen(b.id))
        elif choice == "end":
            # Time since the last sign of life was not calling time: count it as a pause.
            lifecycle.recover_block(db, clock, open_block.id)
            lifecycle.end_block(db, clock, open_block.id)
            from callcoach.tui.screens.block_summary import SummaryScreen

            if then is not None:
                then()  # underneath the summary: closing the summary leads on to it
            app.push_screen(SummaryScreen(open_block.id))

    app.push_screen(
        ChoiceDialog(
            "Unfinished call block",
            [
                ("resume", "Resume it" + (" and log that call" if in_call else "")),
                (
                    "end",
                    "End it (that call stays without an outcome) and see its summary"
                    if in_call
                    else "End it and see its summary",
                ),
                ("later", "Not now"),
            ],
            body,
        ),
        chosen,
    )
