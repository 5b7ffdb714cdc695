"""Benchmark: outcome key press -> next contact fully rendered, on a 100,000-contact list.

Builds a SQLite file with one 100,000-contact list and 10,000 prior attempts, runs the real
app headless with a fake clock, logs >= 500 outcomes with the number keys and prints
p50/p95/max latency beside the bare cost of the same database work measured in the same
run (the outcome commit alone, the next-contact query + reservation alone, and a bare
one-row UPDATE + COMMIT on the same engine), plus resident memory. Then it undoes
``--undos`` outcomes with ``u`` (each re-logged) and prints undo key -> previous contact
shown beside the core undo transaction.

    .venv/bin/python scripts/bench_block.py [--outcomes 600] [--contacts 100000] [--undos 100] [--size 120x40]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from callcoach.clock import FakeClock
from callcoach.config import Settings
from callcoach.core.calling import lifecycle, queue, undo
from callcoach.core.calling import outcomes as outcome_rules
from callcoach.storage.db import open_database
from callcoach.storage.models import (
    CallAttempt,
    CallBlock,
    CallList,
    Contact,
    Objection,
    Rep,
    TalkTrack,
)
from callcoach.storage.sql import queue as queue_sql

# Monday 17:00 UTC: 12:00 New York ... 09:00 Los Angeles, every US zone inside 08-18.
START = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
         "America/Phoenix", "Europe/London", "Asia/Tokyo"]  # last one closed at START
FIRST = ["Ada", "Ben", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ivy", "Jo"]
LAST = ["Byron", "Cole", "Dunn", "Ek", "Fox", "Gee", "Hart", "Ives", "Jain", "Khan"]


def build(path: Path, contacts: int, prior_attempts: int) -> tuple[str, int, int]:
    """Create and fill the database; returns (url, rep_id, list_id)."""
    url = f"sqlite:///{path}"
    db = open_database(url)
    with db.engine.begin() as conn:  # the migrations seed the starter library; use our own
        for table in ("talk_track_objection", "talk_track", "objection"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
    rng = random.Random(7)
    with db.transaction() as s:
        rep = Rep(name="Bench Rep", email="bench@example.com")
        old_rep = Rep(name="Earlier Rep")
        track = TalkTrack(
            name="Bench track",
            engage_statement="We help {vertical} teams in {region} cut churn.",
            impact_question="{first_name}, how close is {company} to its retention goal?",
            meeting_ask="Could we take 20 minutes on Tuesday?",
            voicemail_script="Hi {first_name}, {rep_name} - we work with {reference}.",
            third_party_reference="Acme",
        )
        s.add_all([rep, old_rep, track])
        s.flush()
        for i, key in enumerate(["send_info", "not_interested", "no_budget", "call_back_later"]):
            s.add(Objection(key=key, text=key.replace("_", " "), rebuttal="Ask again.", position=i))
        cl = CallList(name="Bench 100k", cluster_dimension="vertical", cluster_value="software",
                      talk_track_id=track.id)
        s.add(cl)
        s.flush()
        rep_id, old_rep_id, list_id = rep.id, old_rep.id, cl.id
    rows = []
    for i in range(contacts):
        rows.append(dict(
            list_id=list_id, first_name=FIRST[i % 10], last_name=f"{LAST[(i // 10) % 10]}{i}",
            title="VP Operations", company=f"Company {i}", vertical="software",
            region="West", country="US", phone=f"+1{2000000000 + i}",
            timezone=ZONES[rng.randrange(len(ZONES))], status="new", attempts=0,
            created_at=START - timedelta(days=30),
        ))
    with db.engine.begin() as conn:
        conn.execute(sa.insert(Contact), rows)
    # 10,000 prior attempts by an earlier block on the first 5,000 contacts (2 each).
    with db.transaction() as s:
        old = CallBlock(rep_id=old_rep_id, list_id=list_id, started_at=START - timedelta(days=1),
                        ended_at=START - timedelta(days=1) + timedelta(minutes=52),
                        status="finished")
        s.add(old)
        s.flush()
        old_id = old.id
    attempts = []
    t0 = START - timedelta(days=1)
    for n in range(prior_attempts):
        cid = 1 + n % (prior_attempts // 2)
        attempts.append(dict(
            block_id=old_id, rep_id=old_rep_id, contact_id=cid, list_id=list_id,
            attempt_number=1 + n // (prior_attempts // 2), dialed_at=t0 + timedelta(seconds=n),
            ended_at=t0 + timedelta(seconds=n + 20), logged_at=t0 + timedelta(seconds=n + 20),
            outcome="no_answer", duration_seconds=20.0, connected=False, conversation=False,
            notes="", client_uuid=f"bench-{n}",
        ))
    with db.engine.begin() as conn:
        conn.execute(sa.insert(CallAttempt), attempts)
        # Those contacts now wait for a retry tomorrow (not due during the benchmark).
        conn.execute(
            sa.update(Contact)
            .where(Contact.id <= prior_attempts // 2)
            .values(status="retry", attempts=2, last_outcome="no_answer",
                    next_call_at=START + timedelta(hours=16))
        )
    db.dispose()
    return url, rep_id, list_id


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size in MB."""
    current = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            current = int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return current, peak


def query_plans(db, list_id: int, rep_id: int) -> list[str]:
    """EXPLAIN QUERY PLAN of the three queue tiers (must search ix_contact_queue)."""
    plans = []
    now = START
    for stmt in queue_sql._candidates(list_id, rep_id, now, None, now - timedelta(minutes=10)):
        compiled = stmt.limit(1).compile(db.engine, compile_kwargs={"literal_binds": True})
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
        plans.append("; ".join(r[-1] for r in rows))
    return plans


async def run(
    url: str, rep_id: int, list_id: int, outcomes: int, undos: int,
    size: tuple[int, int] = (120, 40),
) -> dict[str, list[float]]:
    """Drive the headless app through ``outcomes`` outcomes; return timing samples (ms)."""
    from callcoach.tui.app import make_app
    from callcoach.tui.screens.block import BlockScreen

    db = open_database(url)
    clock = FakeClock(START)
    settings = Settings(ics_dir=Path(tempfile.mkdtemp()) / "invites")
    samples: dict[str, list[float]] = {
        "key_to_render": [], "cpu_key_to_render": [], "log_outcome": [], "serve_next": [],
        "undo_to_render": [], "cpu_undo_to_render": [], "undo_outcome": [],
    }
    real_log, real_serve, real_undo = outcome_rules.log_outcome, queue.reserve_next, undo.undo_outcome

    def timed_undo(*a, **kw):
        t = time.perf_counter()
        try:
            return real_undo(*a, **kw)
        finally:
            samples["undo_outcome"].append((time.perf_counter() - t) * 1000)

    def timed_log(*a, **kw):
        t = time.perf_counter()
        try:
            return real_log(*a, **kw)
        finally:
            samples["log_outcome"].append((time.perf_counter() - t) * 1000)

    def timed_serve(*a, **kw):
        t = time.perf_counter()
        try:
            return real_serve(*a, **kw)
        finally:
            samples["serve_next"].append((time.perf_counter() - t) * 1000)

    outcome_rules.log_outcome, queue.reserve_next = timed_log, timed_serve
    undo.undo_outcome = timed_undo
    rendered = asyncio.Event()
    cpu_at = [0.0]
    real_mark = BlockScreen._mark_rendered

    def mark(self) -> None:
        real_mark(self)
        cpu_at[0] = time.process_time()
        rendered.set()

    BlockScreen._mark_rendered = mark
    app = make_app(db, settings, clock, rep_name="Bench Rep")
    block = lifecycle.start_block(db, clock, rep_id=rep_id, list_id=list_id, minutes=240)
    keys = ["1", "2", "3", "4", "5"]
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await app.push_screen(BlockScreen(block.id))
        await pilot.pause()
        screen = app.screen
        samples["log_outcome"].clear()
        samples["serve_next"].clear()
        for i in range(outcomes):
            await pilot.press("d")
            clock.advance(3)
            # A rep talks for seconds before the outcome key; give the dial's own frame
            # time to leave the 60 Hz render timer so it is not counted against the outcome.
            await asyncio.sleep(0.02)
            before = screen.contact.id
            rendered.clear()
            c0 = time.process_time()
            t0 = time.perf_counter()
            await pilot.press(keys[i % len(keys)])
            await asyncio.wait_for(rendered.wait(), timeout=10)
            samples["key_to_render"].append((screen.rendered_at - t0) * 1000)
            samples["cpu_key_to_render"].append((cpu_at[0] - c0) * 1000)
            assert screen.contact is not None and screen.contact.id != before
            clock.advance(2)
        # Undo: log an outcome, press u, time until the previous contact's call is back on
        # screen; then log it again (not timed) and go on.
        for i in range(undos):
            await pilot.press("d")
            clock.advance(3)
            await asyncio.sleep(0.02)
            logged_id = screen.contact.id
            rendered.clear()
            await pilot.press(keys[i % len(keys)])
            await asyncio.wait_for(rendered.wait(), timeout=10)
            clock.advance(2)
            await asyncio.sleep(0.02)
            rendered.clear()
            c0 = time.process_time()
            t0 = time.perf_counter()
            await pilot.press("u")
            await asyncio.wait_for(rendered.wait(), timeout=10)
            samples["undo_to_render"].append((screen.rendered_at - t0) * 1000)
            samples["cpu_undo_to_render"].append((cpu_at[0] - c0) * 1000)
            assert screen.contact.id == logged_id and screen.attempt is not None
            clock.advance(2)
            await asyncio.sleep(0.02)
            rendered.clear()
            await pilot.press("1")
            await asyncio.wait_for(rendered.wait(), timeout=10)
            clock.advance(2)
        # The bare cost of a one-row commit on the same engine, same file, same run.
        bare = []
        with db.engine.connect() as conn:
            for i in range(outcomes):
                t = time.perf_counter()
                with conn.begin():
                    conn.execute(sa.update(Contact).where(Contact.id == 90000 + i)
                                 .values(last_outcome="no_answer"))
                bare.append((time.perf_counter() - t) * 1000)
        samples["bare_update_commit"] = bare
    outcome_rules.log_outcome, queue.reserve_next = real_log, real_serve
    undo.undo_outcome = real_undo
    BlockScreen._mark_rendered = real_mark
    with db.session() as s:
        logged = s.execute(sa.select(sa.func.count()).where(
            CallAttempt.block_id == block.id, CallAttempt.outcome.is_not(None))).scalar_one()
    samples["_logged"] = [float(logged)]
    samples["_plans"] = query_plans(db, list_id, rep_id)  # type: ignore[assignment]
    db.dispose()
    return samples


def main() -> int:
    """Build, run, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--outcomes", type=int, default=600)
    parser.add_argument("--size", default="120x40", help="terminal size, e.g. 80x24")
    parser.add_argument("--undos", type=int, default=100)
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        # Build in a child process so the memory figure below is the app's own.
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(1) as pool:
            url, rep_id, list_id = pool.apply(
                build, (Path(tmp) / "bench.db", args.contacts, args.attempts)
            )
        build_s = time.perf_counter() - t
        samples = asyncio.run(
            run(url, rep_id, list_id, args.outcomes, args.undos, (width, height))
        )
    cur, peak = rss_mb()
    plans = samples.pop("_plans")
    logged = int(samples.pop("_logged")[0])
    print(f"callcoach block benchmark: {args.contacts:,} contacts, {args.attempts:,} prior "
          f"attempts, {logged} outcomes logged at {width}x{height} (build {build_s:.1f} s)")
    print()
    ref = statistics.median(samples["log_outcome"])
    print(f"{'measure (ms)':<34}{'p50':>8}{'p95':>8}{'max':>8}{'p50 / commit':>14}")
    labels = {
        "key_to_render": "outcome key -> next contact shown",
        "cpu_key_to_render": "  same, CPU time (app + pilot)",
        "log_outcome": "core: outcome commit + next reserve",
        "serve_next": "  of which next contact + reserve",
        "bare_update_commit": "bare 1-row UPDATE + COMMIT",
    }
    for key, label in labels.items():
        v = samples[key]
        print(f"{label:<34}{pct(v, 50):>8.2f}{pct(v, 95):>8.2f}{max(v):>8.2f}"
              f"{pct(v, 50) / ref:>13.1f}x")
    if samples["undo_to_render"]:
        undo_ref = statistics.median(samples["undo_outcome"])
        for key, label in {
            "undo_to_render": "undo key -> previous contact shown",
            "cpu_undo_to_render": "  same, CPU time (app + pilot)",
            "undo_outcome": "core: undo transaction",
        }.items():
            v = samples[key]
            print(f"{label:<34}{pct(v, 50):>8.2f}{pct(v, 95):>8.2f}{max(v):>8.2f}"
                  f"{pct(v, 50) / undo_ref:>13.1f}x")
        print("  (undo rows: the last column is against the core undo transaction)")
    print()
    p95 = pct(samples["key_to_render"], 95)
    print(f"target p95 < 16 ms: {'met' if p95 < 16 else 'NOT met'} ({p95:.2f} ms)")
    print(f"resident memory of the app process: {cur:.0f} MB at the end, {peak:.0f} MB peak "
          "(target < 200 MB; the database is built in a child process)")
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(load)} at the end of the run")
    print()
    for tier, plan in zip(("callbacks", "new", "retries"), plans, strict=True):
        print(f"plan {tier:<10}{plan}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
