"""The block screen when the team server goes away: the outcome is kept on this machine,
the rep is told, and it is written once when the server is back (also at the next start)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select
from textual.widgets import Static

from callcoach.core.calling import dialling, lifecycle, serving
from callcoach.core.calling import journal as jr
from callcoach.core.calling import outcomes as outcome_rules
from callcoach.storage.models import CallAttempt, CallBlock
from callcoach.tui.app import make_app
from callcoach.tui.screens.block import BlockScreen
from tests.support.blockkit import make_list, make_rep, start_named_block
from tests.support.helpers import SIZE, open_block_and_dial, wait_for_workers


def text_of(app) -> str:
    """Every Static's text on the current screen."""
    return "\n".join(
        getattr(w.render(), "plain", str(w.render())) for w in app.screen.query(Static)
    )


def outcomes(db) -> list[tuple[str, str | None]]:
    with db.session() as s:
        return [
            (a.client_uuid, a.outcome)
            for a in s.exec(select(CallAttempt).order_by(CallAttempt.id)).all()
        ]


class Server:
    """Switch the database 'server' off and on for the core calls the screen makes."""

    def __init__(self, monkeypatch) -> None:
        self.up = True
        for module, name in ((outcome_rules, "log_outcome"), (serving, "serve_next")):
            real = getattr(module, name)
            monkeypatch.setattr(module, name, self._guard(real))
        monkeypatch.setattr(jr, "DEFAULT_RETRY_DELAYS", (0.0, 0.0))

    def _guard(self, real):
        def call(*args, **kwargs):
            if not self.up:
                raise sa.exc.OperationalError(
                    "SELECT 1", {}, Exception("could not connect: Connection refused")
                )
            return real(*args, **kwargs)

        return call


async def test_outcome_kept_offline_and_written_when_server_returns(
    sqlite_db, clock, settings, monkeypatch
):
    """Server away while logging: 'saved on this machine', no dialling, nothing lost; back:
    the saved outcome is written exactly once and the next contact is on screen."""
    db = sqlite_db
    block = start_named_block(db, clock)
    server = Server(monkeypatch)
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, first = await open_block_and_dial(app, pilot, block.id)
        clock.advance(40)
        server.up = False
        await pilot.press("2")
        await pilot.pause()
        shown = text_of(app)
        assert "Outcome saved on this machine (1 waiting)" in shown
        assert "Waiting for the team server." in shown
        assert outcomes(db) == [(None, None)]  # dialled, outcome not on the server yet
        journal = screen.journal
        assert len(journal.pending()) == 1

        await pilot.press("d")
        await pilot.pause()
        assert "your outcomes are safe on this machine" in text_of(app)

        screen.retry_server()  # still away: stays offline
        await wait_for_workers(app, "reconnect")
        await pilot.pause()
        assert screen.offline_retry_at is not None and screen.contact is None
        assert "Connection refused" in text_of(app)

        server.up = True
        screen.retry_server()
        await wait_for_workers(app, "reconnect")
        await pilot.pause()
        shown = text_of(app)
        assert "1 outcome(s) saved offline are now on the server" in shown
        assert "Dials 1 " in shown  # the tallies count the outcome saved offline
        assert screen.contact is not None and screen.contact.id != first
        assert not journal.has_pending()
        stored = outcomes(db)
        assert len(stored) == 1 and stored[0][1] == "voicemail"
        assert len(stored[0][0]) == 36  # the client_uuid that made the replay idempotent


async def test_outcomes_saved_offline_are_written_at_start(sqlite_db, clock, settings):
    """An outcome left in the journal by a run that ended offline is written when the app
    next starts, and the rep is told."""
    db = sqlite_db
    rep = make_rep(db)
    list_id, _ = make_list(db, contacts=[{}, {}])
    block = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id)
    contact = serving.serve_next(db, clock, settings, block)
    dialling.dial(db, clock, block.id, contact.id)
    journal = jr.OutcomeJournal.for_database(db.url)
    journal.append(
        jr.JournalEntry(
            client_uuid="aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", database=journal.database,
            block_id=block.id, contact_id=contact.id, outcome="gatekeeper",
            logged_at=clock.now(),
        )
    )
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert outcomes(db) == [("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "gatekeeper")]
        assert not journal.has_pending()
        notes = [n.message for n in app._notifications]
        assert "1 outcome(s) saved offline are now on the server" in notes


async def test_key_action_losing_the_server_is_one_line_not_a_crash(
    sqlite_db, clock, settings, monkeypatch
):
    """Any key whose action hits a lost connection shows one line; the app keeps running
    and the next key works."""
    db = sqlite_db
    rep = make_rep(db)
    list_id, _ = make_list(db, contacts=[{}, {}])
    block = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id)
    real_pause = lifecycle.pause_block
    down = {"on": True}

    def pause_block(*args, **kwargs):
        if down["on"]:
            raise sa.exc.OperationalError("UPDATE", {}, Exception("server closed the connection"))
        return real_pause(*args, **kwargs)

    monkeypatch.setattr(lifecycle, "pause_block", pause_block)
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(BlockScreen(block.id))
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        notes = [n.message for n in app._notifications]
        assert any(
            m.startswith("cannot connect to sqlite at ") and "server closed the connection" in m
            for m in notes
        ), notes
        assert app.is_running and isinstance(app.screen, BlockScreen)
        down["on"] = False
        await pilot.press("p")
        await pilot.pause()
        with db.session() as s:
            assert s.get(CallBlock, block.id).status == "paused"
