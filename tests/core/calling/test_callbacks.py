"""Callbacks: they stay with the rep who took them; released, anyone on the list gets them;
assigned, another rep does. Listing, and one-line refusals that change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from callcoach.catalog.outcomes import Outcome
from callcoach.cli import main
from callcoach.core.calling import dialling, lifecycle, outcomes, serving
from callcoach.core.calling.callbacks import (
    CallbackError,
    assign_callbacks,
    list_callbacks,
    release_callbacks,
)
from callcoach.storage.models import Callback, Contact
from tests.support.blockkit import log_each_call, make_list, make_rep


def _take_callbacks(db, clock, settings, n: int = 2):
    """Ana takes ``n`` callbacks (due 1..n hours ahead) on a list that has nothing else."""
    ana, ben, cy = (make_rep(db, name) for name in ("Ana", "Ben", "Cy"))
    list_id, contacts = make_list(db, contacts=[{} for _ in range(n)])
    b = lifecycle.start_block(db, clock, rep_id=ana, list_id=list_id, minutes=52)
    logged = log_each_call(
        db, clock, settings, b, n, Outcome.CALLBACK, 30,
        lambda i: {"callback_at": clock.now() + timedelta(hours=i + 1)},
    )
    ids = [res.callback.id for res in logged]
    lifecycle.end_block(db, clock, b.id)
    return {"Ana": ana, "Ben": ben, "Cy": cy}, list_id, contacts, ids


def _served(db, clock, settings, rep_id, list_id):
    """The contact a new block of ``rep_id`` is served first (the block then ends)."""
    b = lifecycle.start_block(db, clock, rep_id=rep_id, list_id=list_id, minutes=52)
    contact = serving.serve_next(db, clock, settings, b)
    lifecycle.end_block(db, clock, b.id)
    return None if contact is None else contact.id


def test_released_callbacks_go_to_anyone_assigned_ones_to_their_new_rep(db, clock, settings):
    reps, list_id, contacts, ids = _take_callbacks(db, clock, settings)
    clock.advance(hours=3)  # both due
    assert _served(db, clock, settings, reps["Ben"], list_id) is None  # Ana's, not Ben's
    with db.session() as s:
        assert [c.id for c in release_callbacks(s, [ids[0]])] == [ids[0]]
    assert _served(db, clock, settings, reps["Ben"], list_id) == contacts[0]
    with db.session() as s:
        moved = assign_callbacks(s, reps["Cy"], from_rep_ids=[reps["Ana"]])
    # Every open callback Ana took, the released one too, is Cy's now.
    assert sorted(c.id for c in moved) == sorted(ids)
    assert _served(db, clock, settings, reps["Ben"], list_id) is None
    assert _served(db, clock, settings, reps["Ana"], list_id) is None
    assert _served(db, clock, settings, reps["Cy"], list_id) == contacts[0]
    with db.session() as s:
        rows = list_callbacks(s, clock.now())
        assert [(r.id, r.rep, r.held_by, r.status(clock.now())) for r in rows] == [
            (ids[0], "Cy", "Cy", "due"), (ids[1], "Cy", "Cy", "due")]
        assert {s.get(Contact, c).callback_rep_id for c in contacts} == {reps["Cy"]}


def test_listing_scopes_and_reps(db, clock, settings):
    reps, list_id, contacts, ids = _take_callbacks(db, clock, settings)
    clock.advance(minutes=90)  # the first is due, the second not yet
    with db.session() as s:
        assert [r.id for r in list_callbacks(s, clock.now(), "open")] == ids
        assert [r.id for r in list_callbacks(s, clock.now(), "due")] == [ids[0]]
        assert list_callbacks(s, clock.now(), "open", rep_ids=[reps["Ben"]]) == []
        row = list_callbacks(s, clock.now(), "open", rep_ids=[reps["Ana"]])[1]
        assert (row.rep, row.held_by, row.status(clock.now()), row.done) == (
            "Ana", "Ana", "open", False)
        with pytest.raises(CallbackError, match="expected one of open, due, all"):
            list_callbacks(s, clock.now(), "later")
    # Called back: done, out of the open list, still in all.
    b = lifecycle.start_block(db, clock, rep_id=reps["Ana"], list_id=list_id, minutes=52)
    contact = serving.serve_next(db, clock, settings, b)
    assert contact.id == contacts[0]
    dialling.dial(db, clock, b.id, contact.id)
    outcomes.log_outcome(db, clock, settings, block_id=b.id, outcome=Outcome.NOT_INTERESTED)
    with db.session() as s:
        assert [r.id for r in list_callbacks(s, clock.now())] == [ids[1]]
        assert [(r.id, r.done) for r in list_callbacks(s, clock.now(), "all")] == [
            (ids[1], False), (ids[0], True)]
        with pytest.raises(CallbackError, match=f"callback {ids[0]} has been called back"):
            release_callbacks(s, [ids[0]])


def test_a_bad_id_changes_nothing(db, clock, settings):
    reps, _, contacts, ids = _take_callbacks(db, clock, settings)
    with db.session() as s:
        with pytest.raises(CallbackError, match="callback 999 does not exist"):
            release_callbacks(s, [ids[0], 999])
        with pytest.raises(CallbackError, match="give callback ids or --rep"):
            release_callbacks(s, [])
        with pytest.raises(CallbackError, match="rep 999 does not exist"):
            assign_callbacks(s, 999, [ids[0]])
    with db.session() as s:
        assert [s.get(Callback, i).released for i in ids] == [False, False]
        assert [s.get(Callback, i).rep_id for i in ids] == [reps["Ana"]] * 2
        assert {s.get(Contact, c).callback_rep_id for c in contacts} == {reps["Ana"]}


def test_cli(sqlite_db, clock, settings, capsys):
    reps, _, _, ids = _take_callbacks(sqlite_db, clock, settings)
    url = sqlite_db.url
    capsys.readouterr()
    assert main(["--db", url, "callbacks", "all", "--tz", "UTC"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("All callbacks (UTC)\nID  Due")
    assert out.count(" Ana ") == 4  # rep and served-to, twice
    assert main(["--db", url, "callbacks", "release", str(ids[1])]) == 0
    assert capsys.readouterr().out == f"1 callback released to the team: {ids[1]}\n"
    assert main(["--db", url, "callbacks", "--rep", "Ana"]) == 0
    assert " anyone " in capsys.readouterr().out
    assert main(["--db", url, "callbacks", "assign", "--rep", "Ana", "--to", "ben"]) == 0
    assert capsys.readouterr().out == f"2 callbacks assigned to ben: {ids[0]}, {ids[1]}\n"
    assert main(["--db", url, "callbacks", "assign", str(ids[0]), "--to", "Zed"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "callcoach: error: --to 'Zed': no such rep (add one with: callcoach reps add Zed)\n"
    )
    assert main(["--db", url, "callbacks", "release", "x1"]) == 2
    assert "callback id 'x1'" in capsys.readouterr().err
    assert main(["--db", url, "callbacks", "--rep", "Ana"]) == 0
    assert capsys.readouterr().out == "No open callbacks.\n"


async def test_home_screen_tells_a_rep_their_callbacks(sqlite_db, clock, settings):
    """Ana's home screen counts the callbacks she holds (due now and open); Ben's none."""
    from textual.widgets import Static

    from callcoach.tui.app import make_app

    _, _, _, ids = _take_callbacks(sqlite_db, clock, settings)
    clock.advance(minutes=90)  # the first is due, the second not yet

    async def hint(rep: str) -> str:
        app = make_app(sqlite_db, settings, clock, rep_name=rep)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            return str(app.screen.query_one("#home-hint", Static).render())

    assert "Your callbacks: 1 due now, 2 open." in await hint("Ana")
    assert "callbacks" not in await hint("Ben")
    with sqlite_db.session() as s:
        release_callbacks(s, [ids[0]])
    assert "Your callbacks: 0 due now, 1 open." in await hint("Ana")
