"""Benchmark the manager review on 1,000,000 call attempts (50 reps x 1 year) in SQLite.

    /work/main/.venv/bin/python scripts/bench_reports.py [--db FILE] [--attempts N] [--keep]

1. Generates the history straight into a migrated SQLite file with ``sqlite3.executemany``.
2. Times every dashboard query (through the core functions, as the dashboard calls them)
   for the dashboard's default period (this week) and for the whole year, each beside the
   very same SQL statements replayed directly through the ``sqlite3`` module.
3. Times each ``callcoach report --by ...`` over the whole year in-process (CLI parsing,
   opening the database, queries, rendering) beside the same SQL replayed directly.
4. Times the dashboard's first render (app start to the dashboard filled in, headless).

Prints one table; ratios are measured in the same run on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event  # noqa: E402

from callcoach import cli  # noqa: E402
from callcoach.clock import FakeClock  # noqa: E402
from callcoach.core import goals as goals_mod  # noqa: E402
from callcoach.core import reports as rp  # noqa: E402
from callcoach.storage.db import open_database  # noqa: E402

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
ZONE = "America/New_York"
REPS = 50
LISTS = 20
OUTCOMES = (
    ["no_answer"] * 45 + ["voicemail"] * 25 + ["gatekeeper"] * 12 + ["wrong_number"] * 5
    + ["not_interested"] * 7 + ["callback"] * 3 + ["meeting"] * 2 + ["do_not_call"] * 1
)
CONNECT = {"not_interested", "callback", "meeting", "do_not_call"}
OBJECTIONS = ["send_info", "not_interested", "happy", "budget", "busy", "who", "in_house",
              "someone_else"]


def ts(t: datetime) -> str:
    """SQLAlchemy's SQLite storage format for a naive-UTC datetime."""
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")


def generate(path: Path, attempts: int, seed: int = 7) -> dict[str, float]:
    """Write reps, lists, contacts, blocks, attempts, objections, meetings, goals."""
    t0 = time.perf_counter()
    db = open_database(f"sqlite:///{path}")  # creates the schema through the migrations
    db.dispose()
    rnd = random.Random(seed)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    created = ts(NOW - timedelta(days=400))
    con.executemany(
        "INSERT INTO rep (id, name, role, email, active, created_at) VALUES (?,?,?,?,1,?)",
        [(i, f"Rep {i:02d}", "sdr", None, created) for i in range(1, REPS + 1)],
    )
    dims = ["vertical", "region", "size", "role"]
    con.executemany(
        "INSERT INTO call_list (id, name, cluster_dimension, cluster_value, archived, created_at)"
        " VALUES (?,?,?,?,0,?)",
        [(i, f"List {i:02d}", dims[i % 4], f"value {i % 7}", created)
         for i in range(1, LISTS + 1)],
    )
    con.executemany(
        "INSERT INTO objection (id, key, text, rebuttal, position) VALUES (?,?,?,?,?)",
        [(i, k, k.replace("_", " "), "...", i) for i, k in enumerate(OBJECTIONS, start=1)],
    )
    contacts_n = attempts // 5
    con.executemany(
        "INSERT INTO contact (id, list_id, first_name, last_name, title, role_family, company,"
        " vertical, region, country, size_band, phone, extension, email, timezone, status,"
        " attempts, do_not_call, external_id, created_at) VALUES"
        " (?,?,'','','','','','','','US','',?,'','','America/New_York','retry',0,0,'',?)",
        ((i, 1 + i % LISTS, f"+1212{i:07d}", created) for i in range(1, contacts_n + 1)),
    )
    # Blocks: every rep runs blocks on weekdays over the 52 weeks before NOW.
    start_day = (NOW - timedelta(weeks=52)).date()
    days = [start_day + timedelta(days=d) for d in range(52 * 7)]
    weekdays = [d for d in days if d.weekday() < 5]
    per_rep = attempts // REPS
    dials_per_block = 20
    blocks_per_rep = max(per_rep // dials_per_block, 1)
    block_rows, attempt_rows, objection_rows, meeting_rows = [], [], [], []
    block_id = attempt_id = 0
    for rep in range(1, REPS + 1):
        for b in range(blocks_per_rep):
            day = weekdays[(b * len(weekdays)) // blocks_per_rep]
            hour = 13 + (b % 4) * 2 + rnd.randint(0, 1)  # 08:00-16:00 in New York
            start = datetime(day.year, day.month, day.day, hour, rnd.randint(0, 50), tzinfo=UTC)
            block_id += 1
            lst = 1 + (rep + b) % LISTS
            block_rows.append((block_id, rep, lst, 3120, ts(start),
                               ts(start + timedelta(minutes=52)), 0.0, "finished"))
            t = start
            for _ in range(dials_per_block):
                attempt_id += 1
                gap = rnd.uniform(2, 40)
                t += timedelta(seconds=gap)
                outcome = rnd.choice(OUTCOMES)
                dur = rnd.uniform(15, 45) if outcome not in CONNECT else rnd.uniform(30, 260)
                n_obj = 0
                if outcome in CONNECT and outcome != "do_not_call" and rnd.random() < 0.7:
                    n_obj = rnd.choice((1, 1, 1, 2, 2, 3, 4))
                conversation = n_obj > 0 or outcome in ("meeting", "callback")
                end = t + timedelta(seconds=dur)
                attempt_rows.append((
                    attempt_id, block_id, rep, 1 + attempt_id % contacts_n, lst, ts(t), ts(end),
                    ts(end), outcome, dur, gap, int(outcome in CONNECT or n_obj > 0),
                    int(conversation),
                ))
                for pos in range(1, n_obj + 1):
                    objection_rows.append((attempt_id, rnd.randint(1, len(OBJECTIONS)), pos,
                                           ts(t + timedelta(seconds=60 + pos * 20)),
                                           int(rnd.random() < 0.5)))
                if outcome == "meeting":
                    held = rnd.choice((None, 1, 1, 0))
                    meeting_rows.append((attempt_id, 1 + attempt_id % contacts_n, rep,
                                         ts(t + timedelta(days=3)), held, ts(end)))
                t = end
    con.executemany(
        "INSERT INTO call_block (id, rep_id, list_id, planned_seconds, started_at, ended_at,"
        " paused_seconds, status) VALUES (?,?,?,?,?,?,?,?)", block_rows)
    con.executemany(
        "INSERT INTO call_attempt (id, block_id, rep_id, contact_id, list_id, dialed_at,"
        " ended_at, logged_at, outcome, duration_seconds, gap_seconds, connected, conversation,"
        " attempt_number, notes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,1,'')", attempt_rows)
    con.executemany(
        "INSERT INTO attempt_objection (attempt_id, objection_id, position, raised_at, overcome)"
        " VALUES (?,?,?,?,?)", objection_rows)
    con.executemany(
        "INSERT INTO meeting (attempt_id, contact_id, rep_id, starts_at, duration_minutes, kind,"
        " email, parked_questions, held, created_at) VALUES (?,?,?,?,30,'web','','',?,?)",
        meeting_rows)
    monday = (NOW - timedelta(days=NOW.weekday())).date()
    con.executemany(
        "INSERT INTO weekly_goal (rep_id, week_start, blocks, dials, meetings) VALUES (?,?,?,?,?)",
        [(rep, (monday - timedelta(weeks=w)).isoformat(), 20, 400, 4)
         for rep in range(1, REPS + 1) for w in range(0, 12)])
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return {
        "seconds": time.perf_counter() - t0,
        "attempts": len(attempt_rows),
        "objections": len(objection_rows),
        "blocks": len(block_rows),
        "meetings": len(meeting_rows),
    }


class Recorder:
    """Captures the SQL (with parameters) an engine runs, to replay through sqlite3."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.statements: list[tuple[str, tuple]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._capture)

    def _capture(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.on and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            self.statements.append((statement, tuple(parameters or ())))

    @contextlib.contextmanager
    def recording(self):
        self.statements = []
        self.on = True
        try:
            yield self
        finally:
            self.on = False


def replay(path: Path, statements: list[tuple[str, tuple]]) -> float:
    """Seconds to run the statements directly through sqlite3 (fresh connection, like a run)."""
    con = sqlite3.connect(path)
    t0 = time.perf_counter()
    for sql, params in statements:
        con.execute(sql, params).fetchall()
    elapsed = time.perf_counter() - t0
    con.close()
    return elapsed


def best_of(fn, repeat: int) -> float:
    """Fastest of ``repeat`` timed runs (seconds)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def dashboard_queries(f: rp.ReportFilter):
    """The queries the dashboard runs for one filter, by name (as DashboardScreen calls them)."""
    from callcoach.core.scorecard_html import trend_filter

    tf = trend_filter(f)
    return [
        ("funnel", lambda s: rp.funnel(s, f)),
        ("leaderboard (by rep)", lambda s: rp.by_rep(s, f)),
        ("weekly trend", lambda s: rp.by_week(s, tf)),
        ("weekly goals", lambda s: goals_mod.goals_by_week(s, tf.since, tf.until, f.rep_ids)),
        ("connect rate by hour", lambda s: rp.by_hour(s, f)),
        ("connect rate by weekday", lambda s: rp.by_weekday(s, f)),
        ("by list", lambda s: rp.by_list(s, f)),
        ("by cluster", lambda s: rp.by_cluster(s, f)),
        ("objections", lambda s: rp.objection_stats(s, f)),
        ("wins by objection order", lambda s: rp.meetings_by_objection_order(s, f)),
        ("goal progress", lambda s: goals_mod.goal_progress(s, f.until, f.zone, f.rep_ids)),
        ("rep view: last blocks", lambda s: rp.last_blocks(s, 7)),
    ]


def first_render(path: Path) -> float:
    """Seconds from building the app to the dashboard showing its figures (headless)."""
    from callcoach.tui.screens.dashboard import DashboardScreen, make_dashboard_app

    async def run() -> float:
        db = open_database(f"sqlite:///{path}")
        t0 = time.perf_counter()
        app = make_dashboard_app(db, None, FakeClock(NOW), "Rep 01", ZONE)
        async with app.run_test(size=(120, 40)) as pilot:
            while not (isinstance(app.screen, DashboardScreen) and app.screen.filter):
                await pilot.pause(0.005)
            elapsed = time.perf_counter() - t0
        db.dispose()
        return elapsed

    return asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLite file (default: a temp file)")
    parser.add_argument("--attempts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    args = parser.parse_args()
    tmp = None
    if args.db:
        path = Path(args.db)
    else:
        tmp = tempfile.mkdtemp(prefix="bench-reports-")
        path = Path(tmp) / "bench.db"
    os.environ["TZ"] = ZONE
    if path.exists():
        print(f"using existing {path}")
        gen = None
    else:
        gen = generate(path, args.attempts)
        print(f"generated {gen['attempts']:,} attempts, {gen['objections']:,} objections, "
              f"{gen['blocks']:,} blocks, {gen['meetings']:,} meetings in "
              f"{gen['seconds']:.1f} s -> {path} ({path.stat().st_size / 1e6:.0f} MB)")

    db = open_database(f"sqlite:///{path}")
    rec = Recorder(db.engine)
    rows = []
    # The history ends just before NOW (Monday morning): "last week" is the dashboard's
    # typical Monday view, "last month" a monthly review, "whole year" the worst case.
    week = rp.make_filter(NOW, ZONE, "last-week")
    month = rp.make_filter(NOW, ZONE, "last-month")
    year = rp.make_filter(NOW, ZONE, None, since=(NOW - timedelta(weeks=52)).date(),
                          until=NOW.date())
    con = sqlite3.connect(path)
    t0 = time.perf_counter()
    con.execute("SELECT count(*), sum(length(notes)) FROM call_attempt").fetchall()
    rows = [("reference: sqlite3 full scan of call_attempt", float("nan"),
             time.perf_counter() - t0)]
    con.close()
    for label, f in (("last week", week), ("last month", month), ("whole year", year)):
        for name, fn in dashboard_queries(f):
            with db.session() as s, rec.recording():
                fn(s)
            statements = rec.statements

            def run(fn=fn):
                with db.session() as s:
                    fn(s)

            core = best_of(run, args.repeat)
            raw = min(replay(path, statements) for _ in range(args.repeat))
            rows.append((f"dashboard {label}: {name}", core, raw))

    for label, f in (("month", month), ("year", year)):
        for by in rp.breakdown_names():
            argv = ["--db", f"sqlite:///{path}", "report", "--by", by, "--since",
                    f.since.isoformat(), "--until", f.until.isoformat(), "--tz", ZONE]
            with rec.recording():
                with db.session() as s:
                    rp.build_report(s, by, f)
                session_stmts = rec.statements

            def run_cli(argv=argv):
                with contextlib.redirect_stdout(io.StringIO()):
                    assert cli.main(argv) == 0

            core = best_of(run_cli, args.repeat)
            raw = min(replay(path, session_stmts) for _ in range(args.repeat))
            rows.append((f"callcoach report --by {by} ({label}, table)", core, raw))
    html_argv = ["--db", f"sqlite:///{path}", "report", "--by", "rep", "--since",
                 year.since.isoformat(), "--until", year.until.isoformat(), "--tz", ZONE,
                 "--format", "html"]

    def run_html():
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli.main(html_argv) == 0

    rows.append(("callcoach report --by rep --format html (year)", best_of(run_html, 1),
                 float("nan")))

    renders = [first_render(path) for _ in range(args.repeat)]
    empty = path.with_name("empty.db")
    empty.unlink(missing_ok=True)
    open_database(f"sqlite:///{empty}").dispose()
    with db.session() as s, rec.recording():
        for _, fn in dashboard_queries(week)[:-1]:
            fn(s)
    dash_raw = min(replay(path, rec.statements) for _ in range(args.repeat))
    rows.append(("dashboard first render (this week, headless)", min(renders), dash_raw))
    renders_empty = [first_render(empty) for _ in range(args.repeat)]
    rows.append(("reference: first render on an empty database", min(renders_empty),
                 float("nan")))
    db.dispose()

    width = max(len(r[0]) for r in rows)
    print()
    print(f"{'measure':<{width}}  {'callcoach':>10}  {'sqlite3':>9}  {'ratio':>6}")
    print(f"{'-' * width}  {'-' * 10}  {'-' * 9}  {'-' * 6}")
    for name, core, raw in rows:
        ratio = core / raw if raw == raw and raw > 0 else float("nan")
        raw_text = f"{raw * 1000:7.1f}ms" if raw == raw else "      -  "
        ratio_text = f"{ratio:6.2f}" if ratio == ratio else "     -"
        core_text = f"{core * 1000:8.1f}ms" if core == core else "       -  "
        print(f"{name:<{width}}  {core_text}  {raw_text}  {ratio_text}")
    slow = [r for r in rows if r[1] == r[1] and r[1] >= 1.0]
    ratios = [r[1] / r[2] for r in rows if r[1] == r[1] and r[2] == r[2] and r[2] > 0
              and r[0].startswith("dashboard") and "render" not in r[0]]
    print()
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    slowest = max(r[1] for r in rows if r[1] == r[1])
    print(f"slowest: {slowest * 1000:.0f} ms; over 1 s: {len(slow)}; "
          f"dashboard query ratio median {statistics.median(ratios):.2f}, max {max(ratios):.2f}")
    if tmp and not args.keep:
        for p in Path(tmp).iterdir():
            p.unlink()
        os.rmdir(tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
