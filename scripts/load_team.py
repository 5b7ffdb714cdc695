#!/usr/bin/env python3
"""Team-mode load: N simulated reps (separate OS processes) log outcomes as fast as they can
against one PostgreSQL database and one shared list, beside 1 rep alone in the same run.

Each rep runs a real call block through callcoach's core (serve -> dial -> log outcome ->
serve next ...). Measured per outcome: the latency of "log outcome + serve next contact"
(what the rep waits for between calls). Checked afterwards, from the database: no contact
served twice, no outcome lost, none stored twice.

Usage:
    python scripts/load_team.py [URL] [--reps 20] [--outcomes 500] [--keep]

URL (or CALLCOACH_TEST_PG_URL) names a PostgreSQL server and a database to connect to
while creating a scratch database ``cc_load_<pid>_<random>``; the scratch database is
dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's callcoach, also in the spawned reps

CYCLE = (
    "no_answer", "voicemail", "gatekeeper", "no_answer", "not_interested",
    "wrong_number", "no_answer", "callback", "voicemail", "do_not_call",
)


@dataclass
class RepResult:
    """What one simulated rep did."""

    rep_id: int
    served: list[int] = field(default_factory=list)
    logged: list[str] = field(default_factory=list)  # client_uuids
    latencies: list[float] = field(default_factory=list)  # seconds: log outcome + serve next
    started: float = 0.0
    finished: float = 0.0
    cpu: float = 0.0  # CPU seconds this rep process spent in its loop (client side)
    server_cpu: float | None = None  # CPU seconds of its PostgreSQL backend (same host only)
    error: str | None = None


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of a local process from /proc; None when unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float] | None:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / tick, sum(values) / tick


def rep_process(url: str, rep_id: int, list_id: int, outcomes: int, ics_dir: str,
                barrier, queue) -> None:
    """One rep: a block on the shared list, ``outcomes`` outcomes as fast as possible."""
    from datetime import timedelta

    from callcoach.clock import SystemClock
    from callcoach.config import Settings
    from callcoach.core.calling import dialling, lifecycle, serving
    from callcoach.core.calling import outcomes as outcome_rules
    from callcoach.core.calling import queue as cq
    from callcoach.storage.db import open_database

    result = RepResult(rep_id=rep_id)
    try:
        db = open_database(url)
        clock = SystemClock()
        settings = Settings(ics_dir=Path(ics_dir))
        block = lifecycle.start_block(db, clock, rep_id=rep_id, list_id=list_id, minutes=240)
        cache = cq.ZoneCache(list_id, settings.window)  # as the block screen keeps one
        # This rep's backend, to read its CPU time when the server runs on this machine.
        with db.autocommit() as conn:
            backend = conn.connection.driver_connection.execute(
                "SELECT pg_backend_pid()").fetchone()[0]
        if barrier is not None:
            barrier.wait(120)
        result.started = time.perf_counter()
        cpu0 = time.process_time()
        server0 = process_cpu(backend)
        contact = serving.serve_next(db, clock, settings, block, zone_cache=cache)
        for n in range(outcomes):
            if contact is None:
                result.error = f"list ran dry after {n} outcomes"
                break
            result.served.append(contact.id)
            dialling.dial(db, clock, block.id, contact.id)
            outcome = CYCLE[(rep_id + n) % len(CYCLE)]
            callback_at = clock.now() + timedelta(days=1) if outcome == "callback" else None
            client_uuid = str(uuid.uuid4())
            t0 = time.perf_counter()
            # As the block screen does: the outcome, then the next contact reserved on the
            # same connection.
            logged = outcome_rules.log_outcome(
                db, clock, settings, block_id=block.id, outcome=outcome,
                callback_at=callback_at, client_uuid=client_uuid, serve=True, zone_cache=cache,
            )
            contact = logged.next_contact
            result.latencies.append(time.perf_counter() - t0)
            result.logged.append(client_uuid)
        result.finished = time.perf_counter()
        result.cpu = time.process_time() - cpu0
        server1 = process_cpu(backend)
        if server0 is not None and server1 is not None:
            result.server_cpu = server1 - server0
        lifecycle.end_block(db, clock, block.id)
        db.dispose()
    except Exception as exc:  # reported by the parent
        result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        if barrier is not None:
            barrier.abort()  # nobody waits for a rep that will never arrive
    queue.put(result)


def run_reps(
    url: str, rep_ids: list[int], list_id: int, outcomes: int, ics_dir: str
) -> tuple[list, tuple[float, float] | None]:
    """Start one process per rep, release them together, collect their results; also the
    machine's (busy, total) CPU seconds from the release to the last result."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(rep_ids) + 1)  # the reps, and this process to start the clock
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=rep_process, args=(url, r, list_id, outcomes, ics_dir, barrier, queue))
        for r in rep_ids
    ]
    for p in procs:
        p.start()
    try:
        barrier.wait(300)
    except threading.BrokenBarrierError:
        pass  # a rep failed to start: its error is in the results
    before = machine_cpu()
    results = [queue.get(timeout=1800) for _ in procs]
    after = machine_cpu()
    for p in procs:
        p.join(60)
    usage = (after[0] - before[0], after[1] - before[1]) if before and after else None
    return results, usage


def seed(db, reps: int, contacts_per_list: dict[str, int]) -> tuple[list[int], dict[str, int]]:
    """Reps and lists of never-called contacts (bulk insert)."""
    import sqlalchemy as sa

    from callcoach.clock import SystemClock
    from callcoach.storage.models import CallList, Contact, Rep

    now = SystemClock().now()
    with db.session() as s:
        rep_rows = [Rep(name=f"load rep {i:02d}") for i in range(reps)]
        s.add_all(rep_rows)
        lists = {name: CallList(name=name) for name in contacts_per_list}
        s.add_all(lists.values())
        s.commit()
        serial = 0
        for name, count in contacts_per_list.items():
            rows = []
            for _ in range(count):
                serial += 1
                rows.append({
                    "list_id": lists[name].id, "first_name": f"Load{serial}",
                    "company": f"Co {serial}", "phone": f"+1{2000000000 + serial}",
                    "created_at": now,
                })
            s.execute(sa.insert(Contact), rows)
        s.commit()
        return [r.id for r in rep_rows], {n: lst.id for n, lst in lists.items()}


@dataclass
class Figures:
    """The measured figures of one run."""

    reps: int
    outcomes: int
    wall: float
    latencies: list[float]
    double_served: int
    lost: int
    duplicated: int
    errors: list[str]
    cpu: float  # client CPU seconds, all reps
    server_cpu: float | None  # their backends' CPU seconds (None: server not on this host)
    usage: tuple[float, float] | None = None  # machine (busy, total) CPU s over the phase

    def pct(self, q: float) -> float:
        """A latency percentile in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def check(db, results: list[RepResult], list_id: int) -> Figures:
    """Compare what the reps logged with what the database holds."""
    import sqlalchemy as sa

    from callcoach.storage.models import CallAttempt

    served = Counter(c for r in results for c in r.served)
    logged = [u for r in results for u in r.logged]
    with db.engine.connect() as conn:
        stored = Counter(
            conn.execute(
                sa.select(CallAttempt.client_uuid).where(
                    CallAttempt.list_id == list_id, CallAttempt.outcome.is_not(None)
                )
            ).scalars()
        )
        contacts_twice = conn.execute(
            sa.select(sa.func.count()).select_from(
                sa.select(CallAttempt.contact_id)
                .where(CallAttempt.list_id == list_id)
                .group_by(CallAttempt.contact_id)
                .having(sa.func.count() > 1)
                .subquery()
            )
        ).scalar_one()
    started = [r.started for r in results if r.started]
    finished = [r.finished for r in results if r.finished]
    wall = (max(finished) - min(started)) if started and finished else float("nan")
    return Figures(
        reps=len(results),
        outcomes=len(logged),
        wall=wall,
        latencies=[x for r in results for x in r.latencies],
        double_served=sum(n - 1 for n in served.values() if n > 1) + contacts_twice,
        lost=sum(1 for u in logged if u not in stored),
        duplicated=sum(n - 1 for n in stored.values() if n > 1) + len(set(stored) - set(logged)),
        errors=[f"rep {r.rep_id}: {r.error}" for r in results if r.error],
        cpu=sum(r.cpu for r in results),
        server_cpu=(
            sum(r.server_cpu for r in results)
            if all(r.server_cpu is not None for r in results) else None
        ),
    )


def report(single: Figures, team: Figures) -> None:
    """Print both runs side by side with their ratio."""
    rows = [
        ("reps (processes)", f"{single.reps}", f"{team.reps}", ""),
        ("outcomes logged", f"{single.outcomes}", f"{team.outcomes}", ""),
        ("wall time, s", f"{single.wall:.2f}", f"{team.wall:.2f}", ""),
    ]
    t1, tn = single.outcomes / single.wall, team.outcomes / team.wall
    rows.append(("throughput, outcomes/s", f"{t1:.0f}", f"{tn:.0f}", f"x{tn / t1:.2f}"))
    for label, q in (("p50", 0.50), ("p95", 0.95)):
        a, b = single.pct(q), team.pct(q)
        rows.append((f"{label} log+serve next, ms", f"{a:.2f}", f"{b:.2f}", f"x{b / a:.2f}"))
    a, b = 1000 * max(single.latencies), 1000 * max(team.latencies)
    rows.append(("max log+serve next, ms", f"{a:.2f}", f"{b:.2f}", f"x{b / a:.2f}"))
    a, b = 1000 * single.cpu / single.outcomes, 1000 * team.cpu / team.outcomes
    rows.append(("client CPU per call, ms", f"{a:.2f}", f"{b:.2f}", f"x{b / a:.2f}"))
    if single.server_cpu is not None and team.server_cpu is not None:
        a = 1000 * single.server_cpu / single.outcomes
        b = 1000 * team.server_cpu / team.outcomes
        rows.append(("server CPU per call, ms", f"{a:.2f}", f"{b:.2f}", f"x{b / a:.2f}"))
    for label, attr in (("double-served contacts", "double_served"),
                        ("lost outcomes", "lost"), ("duplicated outcomes", "duplicated")):
        rows.append((label, str(getattr(single, attr)), str(getattr(team, attr)), ""))
    head = ("", "1 rep", f"{team.reps} reps", "ratio")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    for r in [head, *rows]:
        pairs = enumerate(zip(r, widths, strict=True))
        cells = (c.rjust(w) if i else c.ljust(w) for i, (c, w) in pairs)
        print("  ".join(cells).rstrip())
    goal = team.pct(0.95) < 25
    print(f"goal p95 < 25 ms with {team.reps} reps: {'met' if goal else 'MISSED'}"
          f" ({team.pct(0.95):.2f} ms)")
    for label, fig in (("1 rep", single), (f"{team.reps} reps", team)):
        if fig.usage is not None:
            busy, total = fig.usage
            print(f"whole machine while {label} ran (every process, other jobs too): "
                  f"{100 * busy / total:.0f}% of its CPU busy, {1000 * busy / fig.outcomes:.2f}"
                  f" ms CPU per outcome")
    print(f"machine: {os.cpu_count()} CPUs, PostgreSQL on the same host, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; client and server CPU count "
          f"dial + log + serve (server: each rep's backend)")


def main(argv: list[str] | None = None) -> int:
    """Create the scratch database, run 1 rep then N reps, check and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default=os.environ.get("CALLCOACH_TEST_PG_URL"))
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--outcomes", type=int, default=500, help="per rep")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("give a PostgreSQL URL or set CALLCOACH_TEST_PG_URL")

    import tempfile

    from sqlalchemy.engine import make_url

    from callcoach.storage.db import open_database
    from callcoach.storage.engine import make_engine
    from callcoach.storage.urls import resolve_database_url, safe_url

    admin_url = resolve_database_url(args.url)
    if make_url(admin_url).get_backend_name() != "postgresql":
        parser.error(f"{safe_url(admin_url)}: the load script needs PostgreSQL")
    name = f"cc_load_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(admin_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    print(f"scratch database {safe_url(url)}; {args.reps} reps x {args.outcomes} outcomes "
          f"on one shared list, after 1 rep alone")
    try:
        db = open_database(url)
        margin = args.outcomes + 50
        rep_ids, lists = seed(
            db, args.reps + 1,
            {"solo": margin, "shared": args.reps * args.outcomes + args.reps * 50},
        )
        with tempfile.TemporaryDirectory() as ics:
            solo, solo_usage = run_reps(url, rep_ids[:1], lists["solo"], args.outcomes, ics)
            team, team_usage = run_reps(url, rep_ids[1:], lists["shared"], args.outcomes, ics)
        single, many = check(db, solo, lists["solo"]), check(db, team, lists["shared"])
        single.usage, many.usage = solo_usage, team_usage
        db.dispose()
        for err in single.errors + many.errors:
            print(f"ERROR {err}")
        report(single, many)
        bad = single.double_served + single.lost + single.duplicated
        bad += many.double_served + many.lost + many.duplicated + len(single.errors + many.errors)
        return 1 if bad else 0
    finally:
        if not args.keep:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
