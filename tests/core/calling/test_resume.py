"""Exact resume: the remaining time the resume dialog offers is the time the block gets."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from callcoach.clock import FakeClock, SystemClock
from callcoach.core.calling import dialling, lifecycle, serving
from callcoach.core.calling.calltimer import clock_text
from callcoach.core.service.block import BlockService
from callcoach.tui.screens.block_text import resume_text
from tests.support.blockkit import make_list, make_rep, seed_library

#: Gaps since the last heartbeat, shorter and longer than HEARTBEAT_SECONDS (10 s).
GAPS = (0.0, 0.4, 3.0, 9.9, 10.0, 10.1, 47.5, 20 * 60.0)


def _block(db, clock):
    rep = make_rep(db)
    seed_library(db)
    list_id, _ = make_list(db, contacts=[{} for _ in range(3)])
    return lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id, minutes=52)


def _open_block(db, rep_id):
    with db.session() as s:
        return lifecycle.unfinished_block(s, rep_id)


@pytest.mark.parametrize("gap", GAPS)
@pytest.mark.parametrize("paused", [False, True], ids=["running", "paused"])
def test_offered_time_is_the_time_the_block_gets(db, clock, settings, gap, paused):
    b = _block(db, clock)
    c = serving.serve_next(db, clock, settings, b)
    clock.advance(95.3)
    dialling.dial(db, clock, b.id, c.id)
    if paused:
        clock.advance(30)
        lifecycle.pause_block(db, clock, b.id)
    clock.advance(4.2)
    lifecycle.touch_block(db, clock, b.id)  # the last sign of life
    clock.advance(gap)  # -- killed somewhere in here; callcoach starts again --
    found = _open_block(db, b.rep_id)
    offered = BlockService(db, settings, clock).resumable_seconds(found)
    clock.advance(6.7)  # the rep reads the dialog before choosing
    resumed = lifecycle.recover_block(db, clock, b.id)
    assert lifecycle.remaining_seconds(resumed, clock.now()) == pytest.approx(offered, abs=1e-6)
    expected_used = 95.3 + (30 if paused else 4.2)
    assert offered == pytest.approx(52 * 60 - expected_used, abs=1e-6)
    if paused:  # still paused after recovery: the figure holds until the rep resumes
        clock.advance(100)
        assert lifecycle.remaining_seconds(resumed, clock.now()) == pytest.approx(offered)
        resumed = lifecycle.resume_block(db, clock, b.id)
    clock.advance(60)
    assert lifecycle.remaining_seconds(resumed, clock.now()) == pytest.approx(offered - 60)


_RUN_BLOCK = """
import sys, time
from callcoach.clock import SystemClock
from callcoach.core.calling import lifecycle
from callcoach.storage.db import open_database

db = open_database(sys.argv[1])
clock = SystemClock()
block = lifecycle.start_block(db, clock, rep_id=int(sys.argv[2]), list_id=int(sys.argv[3]),
                              minutes=52)
print(block.id, flush=True)
while True:  # the heartbeat, faster than the app's so the kill lands between beats
    lifecycle.touch_block(db, clock, block.id)
    time.sleep(float(sys.argv[4]))
"""


@pytest.mark.parametrize("beat", [0.05, 0.3])
def test_kill_9_then_resume_gets_the_offered_time(sqlite_db, settings, beat):
    db = sqlite_db
    rep = make_rep(db)
    seed_library(db)
    list_id, _ = make_list(db, contacts=[{} for _ in range(3)])
    proc = subprocess.Popen(
        [sys.executable, "-c", _RUN_BLOCK, db.url, str(rep), str(list_id), str(beat)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        block_id = int(proc.stdout.readline())
        time.sleep(random.uniform(0.2, 0.6))
    finally:
        proc.kill()  # SIGKILL: no clean-up of its own runs
        proc.wait(timeout=10)
    assert proc.returncode == -9
    found = _open_block(db, rep)
    assert found is not None and found.id == block_id
    # Start again in-process, a few seconds to half an hour after the kill.
    for restart_after in (2.0, 1800.0):
        clock = FakeClock(SystemClock().now() + timedelta(seconds=restart_after))
        service = BlockService(db, settings, clock)
        found = _open_block(db, rep)
        offered = service.resumable_seconds(found)
        body = resume_text("List", found.started_at, offered, in_call=False)
        assert f"{clock_text(offered)} left" in body
        clock.advance(3.5)  # the dialog is on screen
        resumed = service.recover_block(clock, block_id)
        got = lifecycle.remaining_seconds(resumed, clock.now())
        assert abs(got - offered) < 1.0
        assert 52 * 60 - 5 < got <= 52 * 60
