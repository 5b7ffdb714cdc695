"""Code run inside the separate OS processes of the team-mode tests (spawned, not forked).

Kept in its own module with only top-level functions so ``multiprocessing`` can import it
in a fresh interpreter.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

#: Outcomes a simulated rep cycles through (all of them take the contact out of the queue
#: for longer than a test runs).
CYCLE = (
    "no_answer",
    "voicemail",
    "gatekeeper",
    "not_interested",
    "wrong_number",
    "callback",
    "do_not_call",
)


@dataclass
class RepRun:
    """What one simulated rep did, sent back to the test."""

    rep_id: int
    block_id: int
    served: list[int] = field(default_factory=list)  # contact ids in serving order
    logged: dict[str, int] = field(default_factory=dict)  # client_uuid -> contact id
    outcomes: dict[str, int] = field(default_factory=dict)  # outcome -> count
    not_mine: list[int] = field(default_factory=list)  # served but reserved by another block


def run_rep(
    url: str,
    rep_id: int,
    list_id: int,
    start: datetime,
    limit: int,
    ics_dir: str,
    barrier=None,  # multiprocessing.Barrier: all reps start calling together
) -> RepRun:
    """Serve, dial and log outcomes on one list until it runs dry or ``limit`` is reached."""
    from callcoach.clock import FakeClock
    from callcoach.config import Settings
    from callcoach.core.calling import dialling, lifecycle, outcomes, serving
    from callcoach.storage.db import open_database
    from callcoach.storage.models import Contact

    db = open_database(url)
    clock = FakeClock(start)
    settings = Settings(ics_dir=Path(ics_dir))
    block = lifecycle.start_block(db, clock, rep_id=rep_id, list_id=list_id, minutes=52)
    run = RepRun(rep_id=rep_id, block_id=block.id)
    cache = None
    if barrier is not None:
        barrier.wait(60)
    # Half the reps log and reserve the next contact in one call (as the block screen
    # does), the other half serve separately: both paths race each other.
    combined = rep_id % 2 == 0
    try:
        contact = serving.serve_next(db, clock, settings, block, zone_cache=cache)
        for n in range(limit):
            if contact is None:
                break
            run.served.append(contact.id)
            with db.session() as s:
                if s.get(Contact, contact.id).reserved_by_block_id != block.id:
                    run.not_mine.append(contact.id)
            clock.advance(1)
            dialling.dial(db, clock, block.id, contact.id)
            clock.advance(5)
            outcome = CYCLE[(rep_id + n) % len(CYCLE)]
            client_uuid = str(uuid.uuid4())
            callback_at = clock.now() + timedelta(days=1) if outcome == "callback" else None
            logged = outcomes.log_outcome(
                db, clock, settings, block_id=block.id, outcome=outcome,
                callback_at=callback_at, client_uuid=client_uuid, serve=combined,
            )
            run.logged[client_uuid] = contact.id
            run.outcomes[outcome] = run.outcomes.get(outcome, 0) + 1
            if combined:
                contact = logged.next_contact
            else:
                contact = serving.serve_next(db, clock, settings, block, zone_cache=cache)
        lifecycle.end_block(db, clock, block.id)
    finally:
        db.dispose()
    return run


def run_rep_into(queue, *args) -> None:
    """Process target: :func:`run_rep`, its RepRun (or the error text) put on ``queue``."""
    try:
        queue.put(run_rep(*args))
    except BaseException as exc:  # the test shows it
        import traceback

        queue.put(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")


def reserve_and_hang(url: str, rep_id: int, list_id: int, start: datetime, conn) -> None:
    """Reserve one contact, report it through ``conn``, then wait to be killed."""
    from callcoach.clock import FakeClock
    from callcoach.config import Settings
    from callcoach.core.calling import lifecycle, serving
    from callcoach.storage.db import open_database

    db = open_database(url)
    clock = FakeClock(start)
    settings = Settings()
    block = lifecycle.start_block(db, clock, rep_id=rep_id, list_id=list_id, minutes=52)
    contact = serving.serve_next(db, clock, settings, block)
    conn.send((os.getpid(), block.id, contact.id if contact else None))
    while True:  # the test SIGKILLs us here: no end_block, no release
        time.sleep(0.05)


def kill(pid: int) -> None:
    """SIGKILL a worker (no clean-up code of its own runs)."""
    os.kill(pid, signal.SIGKILL)


@dataclass
class WindowRun:
    """What one callcoach window (process) did on the shared block, sent back to the test."""

    token: str
    block_id: int = 0
    logged: dict[str, int] = field(default_factory=dict)  # client_uuid -> contact id
    refused: list[str] = field(default_factory=list)  # client_uuids refused (hold lost)
    held_elsewhere: str = ""  # why resuming without a takeover was refused
    lost: str = ""  # the HoldLost line this window got


def _call_loop(db, clock, settings, block_id, token, contact, limit, run, start_n=0) -> None:
    """Dial and log (with the next contact reserved in the same call) as the block screen
    does, holding ``token``, until the list runs dry, ``limit`` or the hold is lost."""
    from callcoach.core.calling import dialling, outcomes
    from callcoach.core.calling.hold import HoldLost

    for n in range(start_n, start_n + limit):
        if contact is None:
            return
        client_uuid = str(uuid.uuid4())
        try:
            clock.advance(1)
            dialling.dial(db, clock, block_id, contact, owner=token)
            clock.advance(2)
            outcome = CYCLE[n % len(CYCLE)]
            callback_at = clock.now() + timedelta(days=1) if outcome == "callback" else None
            logged = outcomes.log_outcome(
                db, clock, settings, block_id=block_id, outcome=outcome, owner=token,
                callback_at=callback_at, client_uuid=client_uuid, serve=True,
            )
        except HoldLost as exc:
            run.refused.append(client_uuid)
            run.lost = str(exc)
            return
        run.logged[client_uuid] = contact
        contact = logged.next_contact.id if logged.next_contact is not None else None


def first_window(queue, url, rep_id, list_id, start, ics_dir, taken_over, ready) -> None:
    """Window A: start the block (holding it), call three contacts, dial a fourth and
    wait there (``ready``) for window B to take the block over (``taken_over``); then go on
    as the rep would: its next key must be refused."""
    try:
        from callcoach.clock import FakeClock
        from callcoach.config import Settings
        from callcoach.core.calling import dialling, lifecycle, outcomes, serving
        from callcoach.core.calling.hold import BlockHold, HoldLost
        from callcoach.storage.db import open_database

        db = open_database(url)
        clock = FakeClock(start)
        settings = Settings(ics_dir=Path(ics_dir))
        hold = BlockHold.new()
        run = WindowRun(token=hold.token)
        block = lifecycle.start_block(db, clock, rep_id=rep_id, list_id=list_id, hold=hold)
        run.block_id = block.id
        first = serving.serve_next(db, clock, settings, block, owner=hold.token)
        _call_loop(db, clock, settings, block.id, hold.token, first.id, 3, run)
        with db.session() as s:
            on_screen = serving.current_contact(s, block.id)
        clock.advance(1)
        dialling.dial(db, clock, block.id, on_screen.id, owner=hold.token)
        lifecycle.touch_block(db, clock, block.id, owner=hold.token)
        ready.set()
        if not taken_over.wait(60):
            raise TimeoutError("window B never took the block over")
        client_uuid = str(uuid.uuid4())
        clock.advance(2)
        try:  # the rep presses 1 on the call on screen
            outcomes.log_outcome(
                db, clock, settings, block_id=block.id, outcome="no_answer", owner=hold.token,
                client_uuid=client_uuid, serve=True,
            )
            run.logged[client_uuid] = on_screen.id
        except HoldLost as exc:
            run.refused.append(client_uuid)
            run.lost = str(exc)
        # Whatever happened, a window carrying on must not get a contact either.
        _call_loop(db, clock, settings, block.id, hold.token, on_screen.id, 50, run, 10)
        db.dispose()
        queue.put(run)
    except BaseException as exc:  # the test shows it
        import traceback

        queue.put(f"A {type(exc).__name__}: {exc}\n{traceback.format_exc()}")


def second_window(queue, url, rep_id, ics_dir, lapse, taken_over, ready) -> None:
    """Window B, the same rep started again: find the block A serves; resuming it without a
    takeover is refused while A's heartbeat is fresh (``lapse`` False: B takes it over
    explicitly) or allowed once it lapsed (``lapse`` True); then call until the list is dry."""
    try:
        from callcoach.clock import FakeClock
        from callcoach.config import Settings
        from callcoach.core.calling import lifecycle, serving
        from callcoach.core.calling.hold import BlockHold, HeldElsewhere
        from callcoach.storage.db import open_database

        if not ready.wait(60):
            raise TimeoutError("window A never got ready")
        db = open_database(url)
        with db.session() as s:
            block = lifecycle.unfinished_block(s, rep_id)
        assert block is not None
        gap = lifecycle.HEARTBEAT_SECONDS + 5 if lapse else 3
        clock = FakeClock(lifecycle.last_sign_of_life(block) + timedelta(seconds=gap))
        settings = Settings(ics_dir=Path(ics_dir))
        hold = BlockHold.new()
        run = WindowRun(token=hold.token, block_id=block.id)
        try:
            lifecycle.recover_block(db, clock, block.id, hold=hold)
        except HeldElsewhere as exc:
            run.held_elsewhere = str(exc)
            lifecycle.recover_block(db, clock, block.id, hold=hold, take_over=True)
        taken_over.set()
        with db.session() as s:
            contact = serving.current_contact(s, block.id)
        # The call A had open is B's now: B logs it (dials again: the same attempt).
        _call_loop(db, clock, settings, block.id, hold.token, contact.id, 500, run, 20)
        lifecycle.end_block(db, clock, block.id, owner=hold.token)
        db.dispose()
        queue.put(run)
    except BaseException as exc:
        import traceback

        queue.put(f"B {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
