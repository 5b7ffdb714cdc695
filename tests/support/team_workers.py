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
