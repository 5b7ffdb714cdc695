"""One live owner per block: a block is held by one window (token) at a time; another
window takes it over only after the holder's heartbeat lapsed, or explicitly, and then
every write of the first window is refused having written nothing (both engines)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from callcoach.core.calling import dialling, lifecycle, objections, outcomes, serving
from callcoach.core.calling.hold import BlockHold, HeldElsewhere, HoldLost
from callcoach.core.calling.lifecycle import HEARTBEAT_SECONDS
from callcoach.storage.models import AttemptObjection, BlockPause, CallAttempt, CallBlock, Contact
from tests.support.blockkit import make_list, make_rep, seed_library

A = BlockHold("a" * 32, "laptop-a", 111)
B = BlockHold("b" * 32, "laptop-b", 222)


def _held_block(db, clock, contacts: int = 4):
    """Sam's block started by window A, its first contact served and dialled by A."""
    rep = make_rep(db)
    library = seed_library(db)
    list_id, _ = make_list(db, contacts=[{} for _ in range(contacts)])
    block = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id, hold=A)
    contact = serving.serve_next(db, clock, settings_of(db), block, owner=A.token)
    clock.advance(2)
    attempt = dialling.dial(db, clock, block.id, contact.id, owner=A.token)
    return block, contact, attempt, library


def settings_of(_db):
    from callcoach.config import Settings

    return Settings()


def _snapshot(db) -> tuple:
    """Everything a block's write could change, to compare before and after."""
    with db.session() as s:
        return (
            [tuple(r) for r in s.execute(sa.select(CallAttempt.__table__)).all()],
            [tuple(r) for r in s.execute(sa.select(Contact.__table__)).all()],
            [tuple(r) for r in s.execute(sa.select(CallBlock.__table__)).all()],
            [tuple(r) for r in s.execute(sa.select(BlockPause.__table__)).all()],
            [tuple(r) for r in s.execute(sa.select(AttemptObjection.__table__)).all()],
        )


def test_start_records_the_holder(db, clock):
    block, *_ = _held_block(db, clock)
    with db.session() as s:
        row = s.get(CallBlock, block.id)
    assert (row.owner_token, row.owner_host, row.owner_pid) == (A.token, "laptop-a", 111)
    assert row.owner_since == clock.now() - timedelta(seconds=2)


def test_live_block_is_refused_without_takeover_and_names_the_holder(db, clock):
    block, *_ = _held_block(db, clock)
    clock.advance(HEARTBEAT_SECONDS - 1)  # A's heartbeat has not lapsed
    with db.session() as s:
        found = lifecycle.unfinished_block(s, block.rep_id)
    holder = lifecycle.live_holder(found, B.token, clock.now())
    assert holder is not None and holder.host == "laptop-a"
    assert lifecycle.live_holder(found, A.token, clock.now()) is None  # its own window
    before = _snapshot(db)
    with pytest.raises(HeldElsewhere, match="live in another window \\(laptop-a pid 111, since"):
        lifecycle.recover_block(db, clock, block.id, hold=B)
    assert _snapshot(db) == before


def test_lapsed_heartbeat_allows_takeover_without_warning(db, clock):
    block, *_ = _held_block(db, clock)
    lifecycle.touch_block(db, clock, block.id, owner=A.token)
    clock.advance(HEARTBEAT_SECONDS + 0.5)  # A is gone (crashed, killed, asleep)
    with db.session() as s:
        found = lifecycle.unfinished_block(s, block.rep_id)
    assert lifecycle.live_holder(found, B.token, clock.now()) is None
    offered = lifecycle.resumable_seconds(found)
    resumed = lifecycle.recover_block(db, clock, block.id, hold=B)
    assert resumed.owner_token == B.token and resumed.owner_host == "laptop-b"
    assert lifecycle.remaining_seconds(resumed, clock.now()) == offered  # exact resume kept
    with pytest.raises(HoldLost):
        lifecycle.touch_block(db, clock, block.id, owner=A.token)


WRITES = {
    "dial": lambda db, clock, b, c, lib: dialling.dial(db, clock, b, c, owner=A.token),
    "outcome": lambda db, clock, b, c, lib: outcomes.log_outcome(
        db, clock, settings_of(db), block_id=b, outcome="no_answer", owner=A.token
    ),
    "outcome_and_serve": lambda db, clock, b, c, lib: outcomes.log_outcome(
        db, clock, settings_of(db), block_id=b, outcome="voicemail", owner=A.token, serve=True,
        client_uuid="uuid-from-a",
    ),
    "objection": lambda db, clock, b, c, lib: objections.log_objection(
        db, clock, b, next(iter(lib.values())), owner=A.token
    ),
    "note": lambda db, clock, b, c, lib: dialling.add_note(db, clock, b, "hi", owner=A.token),
    "pause": lambda db, clock, b, c, lib: lifecycle.pause_block(db, clock, b, owner=A.token),
    "resume": lambda db, clock, b, c, lib: lifecycle.resume_block(db, clock, b, owner=A.token),
    "end": lambda db, clock, b, c, lib: lifecycle.end_block(db, clock, b, owner=A.token),
    "serve": lambda db, clock, b, c, lib: serving.serve_next(
        db, clock, settings_of(db), lifecycle_block(db, b), owner=A.token
    ),
    "heartbeat": lambda db, clock, b, c, lib: lifecycle.touch_block(db, clock, b, owner=A.token),
}


def lifecycle_block(db, block_id):
    with db.session() as s:
        return lifecycle.get_block(s, block_id)


@pytest.mark.parametrize("write", sorted(WRITES))
def test_explicit_takeover_refuses_every_write_of_the_first_window(db, clock, write):
    block, contact, attempt, library = _held_block(db, clock)
    clock.advance(1)  # A is live: only an explicit takeover gets the block
    lifecycle.recover_block(db, clock, block.id, hold=B, take_over=True)
    clock.advance(1)
    before = _snapshot(db)
    with pytest.raises(HoldLost) as lost:
        WRITES[write](db, clock, block.id, contact.id, library)
    assert str(lost.value).startswith(
        "This block was taken over in another window (laptop-b pid 222, since "
    )
    assert str(lost.value).endswith("UTC); this window stopped serving.")
    assert _snapshot(db) == before  # nothing written


def test_the_new_holder_logs_the_open_call_once_and_is_served_alone(db, clock):
    block, contact, attempt, _ = _held_block(db, clock)
    clock.advance(1)
    lifecycle.recover_block(db, clock, block.id, hold=B, take_over=True)
    with db.session() as s:
        on_screen = serving.current_contact(s, block.id)
    assert on_screen.id == contact.id  # B shows the call A had open ...
    result = outcomes.log_outcome(
        db, clock, settings_of(db), block_id=block.id, outcome="no_answer", owner=B.token,
        serve=True,
    )
    assert result.attempt.id == attempt.id  # ... and logs it, once
    with pytest.raises(HoldLost):  # A, on its next key, logs nothing
        outcomes.log_outcome(
            db, clock, settings_of(db), block_id=block.id, outcome="voicemail", owner=A.token,
            dial_if_needed=True,
        )
    with db.session() as s:
        logged = s.exec(select(CallAttempt).where(CallAttempt.outcome.is_not(None))).all()
        held = s.exec(select(Contact).where(Contact.reserved_by_block_id == block.id)).all()
    assert [(a.id, a.outcome) for a in logged] == [(attempt.id, "no_answer")]
    assert [c.id for c in held] == [result.next_contact.id]


def test_writes_without_a_token_are_not_checked(db, clock):
    """Code outside the block screens (scripts, the team tests' workers) passes no token."""
    block, contact, *_ = _held_block(db, clock)
    outcomes.log_outcome(db, clock, settings_of(db), block_id=block.id, outcome="no_answer")
    lifecycle.end_block(db, clock, block.id)
    with db.session() as s:
        assert s.get(CallBlock, block.id).status == "finished"


def test_hold_is_random_per_process_window():
    one, two = BlockHold.new(), BlockHold.new()
    assert one.token != two.token and len(one.token) == 32
    assert one.host and one.pid == two.pid
