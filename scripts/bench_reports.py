"""Benchmark the manager review on 1,000,000 call attempts (50 reps x 1 year) in SQLite.

    .venv/bin/python scripts/bench_reports.py [--db FILE] [--attempts N] [--keep]

1. Generates the history straight into a migrated SQLite file with ``sqlite3.executemany``.
2. Times every dashboard query (through the core functions, as the dashboard's panels call
   them, with each panel's previous comparable period) for last week, last month and the
   whole year, each beside the very same SQL
   statements (captured from the run) replayed directly through the ``sqlite3`` module.
3. Times ``callcoach report --by ...`` in-process (CLI parsing, opening the database,
   queries, rendering): every ``--by`` over a month as a table (alone and ``--compare``),
   and over the whole year in every format (table, csv, json, html, table ``--compare``),
   each beside the SQL that run executed, replayed.
4. Times the dashboard's first render (``callcoach dashboard``: app start to the overview
   filled in, headless) on this database and on an empty one, beside its SQL replayed.

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
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event
from sqlalchemy.engine import Engine

from callcoach import cli
from callcoach.clock import FakeClock
from callcoach.core.review import goals as goals_mod
from callcoach.core.review.breakdowns import breakdown_names
from callcoach.core.review.comparisons import comparable
from callcoach.core.review.filters import ReportFilter, make_filter
from callcoach.core.review.funnels import funnel, funnels
from callcoach.core.review.objections import objection_analysis
from callcoach.core.review.rep_view import last_blocks
from callcoach.core.review.scorecard_html import trend_filter
from callcoach.core.review.slices import by_rep, by_week, lists_and_clusters
from callcoach.storage.db import open_database
from callcoach.storage.models import attempt_epochs

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
    # The migrations seed the starter library; this history brings its own objections.
    for table in ("talk_track_objection", "talk_track", "objection"):
        con.execute(f"DELETE FROM {table}")
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
                # The derived columns as the database's trigger would set them (given, the
                # trigger has nothing to do: one UPDATE per row less while generating).
                epochs = attempt_epochs(t, end, outcome)
                attempt_rows.append((
                    attempt_id, block_id, rep, 1 + attempt_id % contacts_n, lst, ts(t), ts(end),
                    ts(end), outcome, dur, gap, int(outcome in CONNECT or n_obj > 0),
                    int(conversation), epochs["logged_epoch"], epochs["dialed_slot"],
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
        " logged_epoch, dialed_slot, attempt_number, notes)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,'')", attempt_rows)
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
    """Captures the SQL (with parameters) any engine runs, to replay through sqlite3."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple]] = []
        self.on = False
        event.listen(Engine, "before_cursor_execute", self._capture)

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


def dashboard_queries(f: ReportFilter):
    """The queries the dashboard runs for one filter, by panel (as DashboardScreen calls
    them, each panel's previous comparable period included; the rep view as RepViewScreen
    does for Rep 01)."""
    tf = trend_filter(f)
    rep = replace(f, rep_ids=(1,), rep_names=("Rep 01",))
    prev = comparable(f, NOW).previous
    return [
        ("overview: funnel", lambda s: funnel(s, f)),
        ("overview: previous period's funnel", lambda s: funnel(s, prev)),
        ("overview: goal progress", lambda s: goals_mod.goal_progress(s, f.until, f.zone)),
        ("reps: leaderboard", lambda s: by_rep(s, f)),
        ("reps: previous period's leaderboard", lambda s: by_rep(s, prev)),
        ("trends: 8+ weeks", lambda s: by_week(s, tf)),
        ("trends: weekly goals", lambda s: goals_mod.goals_by_week(s, tf.since, tf.until)),
        ("prime time: hour + weekday", lambda s: funnels(s, f, ("hour", "weekday"))),
        ("prime time: previous period's", lambda s: funnels(s, prev, ("hour", "weekday"))),
        ("lists: lists + clusters", lambda s: lists_and_clusters(s, f)),
        ("lists: previous period's", lambda s: lists_and_clusters(s, prev)),
        ("objections: frequency + wins by order", lambda s: objection_analysis(s, f)),
        ("objections: previous period's", lambda s: objection_analysis(s, prev)),
        ("rep view: funnel + lists", lambda s: funnels(s, rep, ("list",))),
        ("rep view: 8+ weeks", lambda s: by_week(s, trend_filter(rep))),
        ("rep view: last blocks", lambda s: last_blocks(s, 1)),
    ]


def first_render(path: Path, rec: Recorder | None = None) -> float:
    """Seconds from building ``callcoach dashboard``'s app to the overview's figures on
    screen (headless); its SQL goes to ``rec``."""
    from callcoach.tui.app import make_app
    from callcoach.tui.screens.dashboard import DashboardScreen

    async def run() -> float:
        db = open_database(f"sqlite:///{path}")
        with rec.recording() if rec else contextlib.nullcontext():
            t0 = time.perf_counter()
            app = make_app(db, None, FakeClock(NOW), "Rep 01", start=DashboardScreen(zone=ZONE))
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

    load_start = os.getloadavg()[0]
    db = open_database(f"sqlite:///{path}")
    rec = Recorder()
    # The history ends just before NOW (Monday morning): "last week" is the dashboard's
    # typical Monday view, "last month" a monthly review, "whole year" the worst case.
    week = make_filter(NOW, ZONE, "last-week")
    month = make_filter(NOW, ZONE, "last-month")
    year = make_filter(NOW, ZONE, None, since=(NOW - timedelta(weeks=52)).date(),
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

    runs = [("month", month, "table"), ("month", month, "table --compare")] + [
        ("year", year, fmt) for fmt in ("table", "csv", "json", "html", "table --compare")]
    out = Path(tempfile.mkdtemp(prefix="bench-reports-out-"))
    for label, f, fmt in runs:
        for by in breakdown_names():
            argv = ["--db", f"sqlite:///{path}", "report", "--by", by, "--since",
                    f.since.isoformat(), "--until", f.until.isoformat(), "--tz", ZONE,
                    "--format", *fmt.split()]
            if fmt == "html":
                argv += ["--output", str(out / f"{by}.html")]

            def run_cli(argv=argv):
                sink = io.StringIO()
                with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                    assert cli.main(argv) == 0, sink.getvalue()

            with rec.recording():  # the SQL of one whole run, for the reference
                run_cli()
            statements = rec.statements
            core = best_of(run_cli, args.repeat)
            raw = min(replay(path, statements) for _ in range(args.repeat))
            rows.append((f"callcoach report --by {by} ({label}, {fmt})", core, raw))
    for p in out.iterdir():
        p.unlink()
    out.rmdir()
    db.dispose()

    first_render(path, rec)  # warm, and its SQL
    render_sql = rec.statements
    renders = [first_render(path) for _ in range(args.repeat)]
    render_raw = min(replay(path, render_sql) for _ in range(args.repeat))
    rows.append(("callcoach dashboard: first render (this week, headless)", min(renders),
                 render_raw))
    empty = path.with_name("empty.db")
    empty.unlink(missing_ok=True)
    open_database(f"sqlite:///{empty}").dispose()
    renders_empty = [first_render(empty) for _ in range(args.repeat)]
    rows.append(("reference: the same first render on an empty database", min(renders_empty),
                 float("nan")))
    empty.unlink(missing_ok=True)

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
    print()
    print(f"load average: {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, "
          f"on {os.cpu_count()} CPUs")
    for kind in ("dashboard", "callcoach report"):
        mine = [r for r in rows if r[0].startswith(kind)]
        ratios = [r[1] / r[2] for r in mine if r[2] == r[2] and r[2] > 0]
        # Where the SQL takes a while, the ratio is callcoach's own overhead on it; under
        # ~50 ms it is mostly start-up, parsing and rendering beside a near-free query.
        heavy = [r[1] / r[2] for r in mine if r[2] == r[2] and r[2] >= 0.05]
        slowest = max(mine, key=lambda r: r[1])
        print(f"{kind}: slowest {slowest[1] * 1000:.0f} ms ({slowest[0]}); "
              f"over 1 s: {sum(r[1] >= 1.0 for r in mine)}, over 0.7 s: "
              f"{sum(r[1] >= 0.7 for r in mine)}; ratio to sqlite3 median "
              f"{statistics.median(ratios):.2f}, max {max(ratios):.2f}; where the SQL takes "
              f"50 ms or more: max {max(heavy, default=float('nan')):.2f}")
    if tmp and not args.keep:
        for p in Path(tmp).iterdir():
            p.unlink()
        os.rmdir(tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
