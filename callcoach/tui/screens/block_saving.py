"""The block screen's save pipeline: its database work off the UI thread, in key order.

Every key's write (dial, outcome, objection, note, pause, list switch, end) is a job for
one long-lived Textual thread worker that drains the screen's queue, so jobs run strictly
one at a time in the order the keys were pressed, and a database that keeps a write
waiting never freezes the screen. The screen waits for a job inline for up to
:data:`SAVE_INLINE_SECONDS` (the usual case: a few milliseconds); past that it says
"Saving: ..." and holds the call keys until the worker posts :class:`SaveDone` back.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import wait as wait_for
from contextlib import AbstractContextManager

from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, get_current_worker

from callcoach.tui.text import markup

#: How long the screen waits for a job inline before it shows "Saving..." and goes on, the
#: keys waiting for the job to finish.
SAVE_INLINE_SECONDS = 0.1
#: How often the idle worker looks whether it was cancelled (the app closing).
IDLE_POLL_SECONDS = 0.5
#: The save worker's group (one per screen; other workers: heartbeat, reconnect, dial).
SAVE_GROUP = "block-saves"

Job = Callable[[], object]


class SaveDone(Message):
    """A job that outlasted SAVE_INLINE_SECONDS finished on the save worker."""

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


def _drain(jobs: queue.SimpleQueue, watched: Callable[[], AbstractContextManager]) -> None:
    """The save worker's body: run queued jobs one at a time until told to stop (None) or
    cancelled; each job's result or exception goes to its future."""
    worker = get_current_worker()
    with watched():  # Database.watched: a stalled server fails the job, not the thread
        while True:
            try:
                item = jobs.get(timeout=IDLE_POLL_SECONDS)
            except queue.Empty:
                if worker.is_cancelled:
                    return
                continue
            if item is None:
                return
            job, future = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(job())
                except BaseException as exc:  # handed to the UI thread
                    future.set_exception(exc)


class SavePipeline:
    """A screen's database jobs, run on its save worker one at a time, in order."""

    def __init__(
        self,
        screen: Screen,
        *,
        say: Callable[[str, str], None],
        trouble: Callable[[BaseException], str | None],
        watched: Callable[[], AbstractContextManager],
        expected: tuple[type[Exception], ...],
        finished: Callable[[], bool],
        stop_on: tuple[type[Exception], ...] = (),
        stop: Callable[[Exception], None] | None = None,
    ) -> None:
        self._screen = screen
        self._say = say  # the screen's one-line message
        self._trouble = trouble  # one line for a lost connection, None for other errors
        self._watched = watched  # wraps the worker's life (the database's stall guard)
        self._expected = expected  # errors shown as they are (rules the rep broke)
        self._finished = finished  # the screen's work is over: late follow-ups are dropped
        self._stop_on = stop_on  # errors after which the screen stops (a lost hold) ...
        self._stop = stop  # ... told by this, after the job's own ``failed``
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._worker: Worker | None = None
        #: the job still running after SAVE_INLINE_SECONDS, else None
        self.saving: Future | None = None
        #: what that job is, for the keys it holds ("the last outcome", "the dial"...)
        self.saving_what = ""

    def start(self) -> None:
        """Start the save worker (at mount), so a key's first job runs at once."""
        jobs, watched = self._jobs, self._watched
        self._worker = self._screen.run_worker(
            lambda: _drain(jobs, watched),
            name="callcoach-save",
            group=SAVE_GROUP,
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def stop(self) -> None:
        """Let the save worker end after the job it is running, if any."""
        if self._worker is not None:
            self._jobs.put(None)
            self._worker = None

    def submit(
        self,
        job: Job,
        then: Callable[[object], None],
        shown: str,
        what: str,
        failed: Callable[[], None] | None = None,
        always: bool = False,
    ) -> None:
        """Run ``job`` (database work) on the save worker, after the jobs before it, and
        ``then(result)`` on the UI thread when it is done. The screen waits for it up to
        SAVE_INLINE_SECONDS; past that it shows "Saving: ``shown`` ...", goes on, and holds
        the keys (telling the rep it is saving ``what``) until the job is done. Errors are
        one line (a lost connection as the app shows it for any key), then ``failed()``."""
        if self._worker is None:
            self.start()  # stopped (the screen was unmounted) and asked again: a new worker
        future: Future = Future()
        self._jobs.put((job, future))
        if wait_for([future], timeout=SAVE_INLINE_SECONDS).done:
            self._job_done(future, then, failed)
            return
        # The server is slow to answer: keep the screen alive; keys wait for the save.
        self.saving = future
        self.saving_what = what
        self._say(f"Saving: {shown} ...", "warn")
        screen = self._screen
        future.add_done_callback(
            lambda f: screen.post_message(SaveDone(f, then, failed, always))
        )

    def done(self, message: SaveDone) -> None:
        """The job that outlasted SAVE_INLINE_SECONDS is done: carry on from it."""
        if message.future is self.saving:
            self.saving = None
        if message.always or not self._finished():
            self._job_done(message.future, message.then, message.failed)

    def busy(self) -> bool:
        """True (and the rep is told) while a job is still running."""
        if self.saving is None:
            return False
        self._say(
            f"Saving {self.saving_what} - one moment; keys work again when it is saved.", ""
        )
        return True

    def _job_done(
        self,
        future: Future,
        then: Callable[[object], None],
        failed: Callable[[], None] | None,
    ) -> None:
        try:
            result = future.result()
        except Exception as exc:
            if isinstance(exc, self._expected):
                self._say(str(exc), "error")
            else:
                trouble = self._trouble(exc)
                if trouble is None:
                    raise
                self._say(trouble, "error")
                self._screen.app.notify(
                    markup(trouble), title="Database unreachable", severity="error", timeout=10
                )
            if failed is not None:
                failed()
            if self._stop is not None and isinstance(exc, self._stop_on):
                self._stop(exc)
            return
        then(result)
