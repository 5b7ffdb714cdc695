"""A team server that stops answering mid-block must not freeze the screen.

The outcome is saved on its own thread: while the server keeps the save waiting, the
screen says so, keeps its clock running and refuses the call keys (no second outcome is
queued behind the first); when the answer comes, the outcome is stored exactly once and
the next contact is on screen - or, if the server is gone for good, the outcome is kept on
this machine and written once when it is back.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlmodel import select
from textual.widgets import Static

from callcoach.core.calling import journal as jr
from callcoach.core.calling import outcomes
from callcoach.storage.models import CallAttempt
from callcoach.tui.app import make_app
from tests.support.blockkit import start_named_block
from tests.support.helpers import SIZE, open_block_and_dial, wait_for_save, wait_for_workers

#: Longest a stalled save may wait for the test to answer it. If the save ran on the UI
#: thread the test could never answer: the wait runs out and the test fails.
STALL_LIMIT = 3.0


def text_of(app) -> str:
    """Every Static's text on the current screen, plus the countdown."""
    parts = [getattr(w.render(), "plain", str(w.render())) for w in app.screen.query(Static)]
    return "\n".join(parts + [app.screen._countdown.value])


def attempts(db) -> list[tuple[int, str | None, str | None]]:
    with db.session() as s:
        rows = s.exec(select(CallAttempt).order_by(CallAttempt.id)).all()
        return [(a.contact_id, a.outcome, a.client_uuid) for a in rows]


class StalledServer:
    """``block.log_outcome`` held until the test answers, as a server that stopped
    answering would hold it; records where and how often it ran."""

    def __init__(self, monkeypatch, fail: bool = False) -> None:
        self.answer = threading.Event()
        self.fail = fail
        self.calls: list[bool] = []  # True when the call ran on the UI (main) thread
        self.waited_out = False
        self.real = outcomes.log_outcome
        monkeypatch.setattr(outcomes, "log_outcome", self._log)
        monkeypatch.setattr(jr, "DEFAULT_RETRY_DELAYS", (0.0,))

    def _log(self, *args, **kwargs):
        self.calls.append(threading.current_thread() is threading.main_thread())
        if not self.answer.wait(STALL_LIMIT):
            self.waited_out = True
        if self.fail:
            raise sa.exc.OperationalError(
                "UPDATE", {}, Exception("server closed the connection unexpectedly")
            )
        return self.real(*args, **kwargs)


async def test_stalled_save_keeps_the_screen_live_and_stores_the_outcome_once(
    sqlite_db, clock, settings, monkeypatch
):
    db = sqlite_db
    block = start_named_block(db, clock)
    server = StalledServer(monkeypatch)
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, first = await open_block_and_dial(app, pilot, block.id)
        clock.advance(40)
        await pilot.press("2")
        await pilot.pause()
        # The key returned while the server still holds the save.
        assert not server.waited_out
        assert screen.saving is not None
        shown = text_of(app)
        assert "Saving: voicemail left - Ada" in shown
        # The screen is alive: the clock moves on, and the call keys are refused (not
        # queued), so no second outcome can overtake or follow the first one unseen.
        before = screen._countdown.value
        clock.advance(7)
        screen.tick()
        await pilot.pause()
        assert screen._countdown.value != before
        for key in ("3", "d", "o", "e"):
            await pilot.press(key)
            await pilot.pause()
            assert "Saving the last outcome - one moment" in text_of(app)
        assert server.calls == [False]  # once, and not on the UI thread
        assert attempts(db) == [(first, None, None)]

        server.answer.set()
        await wait_for_save(pilot, screen)
        await pilot.pause()
        shown = text_of(app)
        assert "Saved: voicemail left - Ada" in shown
        assert screen.contact is not None and screen.contact.id != first
        assert screen.contact.first_name == "Ben" and "Ben" in shown
        stored = attempts(db)
        assert len(stored) == 1 and stored[0][:2] == (first, "voicemail")
        assert "Dials 1 " in shown
        # Keys work again: the next call goes ahead normally.
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        assert [a[1] for a in attempts(db)] == ["voicemail", "no_answer"]
        assert screen.contact.first_name == "Cy"


async def test_stalled_save_that_loses_the_server_is_kept_here_and_written_once(
    sqlite_db, clock, settings, monkeypatch
):
    db = sqlite_db
    block = start_named_block(db, clock, ("Ada", "Ben"))
    server = StalledServer(monkeypatch, fail=True)
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, first = await open_block_and_dial(app, pilot, block.id)
        clock.advance(30)
        await pilot.press("3")
        await pilot.pause()
        assert screen.saving is not None and not server.waited_out
        server.answer.set()  # ... and the answer is a dropped connection, every time
        await wait_for_save(pilot, screen)
        await pilot.pause()
        shown = text_of(app)
        assert "Outcome saved on this machine (1 waiting)" in shown
        assert "Waiting for the team server." in shown
        assert attempts(db) == [(first, None, None)]
        assert len(screen.journal.pending()) == 1

        server.fail = False
        screen.retry_server()
        await wait_for_workers(app, "reconnect")
        await pilot.pause()
        stored = attempts(db)
        assert len(stored) == 1 and stored[0][:2] == (first, "gatekeeper")
        assert not screen.journal.has_pending()
        assert screen.contact is not None and screen.contact.first_name == "Ben"
