#!/usr/bin/env python3
"""Benchmark: `callcoach --help` and the TUI's first screen, beside bare references.

Each figure is the median wall time of a fresh subprocess (interpreter start included):

* ``python -c pass`` (the interpreter alone) beside ``python -m callcoach --help``;
* a bare Textual app (Header, Static, Footer) started headless and exited as soon as its
  first screen is ready, beside callcoach doing the same: open the SQLite database, check
  whether it needs seeding, build the app with ``make_app`` and show the home screen with
  the demo lists. The first-ever start (migrating and seeding a new database) is shown too.

Targets: `--help` and the first screen under 1 s.

Usage: python scripts/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BARE_TEXTUAL = """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("hello")
        yield Footer()

async def auto_pilot(pilot):
    pilot.app.exit()

Bare().run(headless=True, size=(120, 40), auto_pilot=auto_pilot)
"""

CALLCOACH_TUI = """
import sys
from callcoach.clock import SystemClock
from callcoach.config import Settings
from callcoach.core.seed import seed_demo_if_empty
from callcoach.storage.db import open_database
from callcoach.tui.app import make_app

db = open_database(sys.argv[1])
clock = SystemClock()
seed_demo_if_empty(db, clock)
app = make_app(db, Settings(), clock)

async def auto_pilot(pilot):
    table = pilot.app.screen.query_one("#lists")
    assert table.row_count == 6, table.row_count
    pilot.app.exit()

app.run(headless=True, size=(120, 40), auto_pilot=auto_pilot)
"""


def timed(args: list[str], env: dict[str, str]) -> float:
    """Wall seconds for one subprocess run (which must succeed)."""
    start = time.perf_counter()
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{result.stderr}")
    return elapsed


def median_of(runs: int, args: list[str], env: dict[str, str]) -> float:
    """Median of ``runs`` timed runs after one warm-up (so .pyc files exist)."""
    timed(args, env)
    return statistics.median(timed(args, env) for _ in range(runs))


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description="startup benchmark")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="cc-startup-") as tmp:
        env = {**os.environ, "CALLCOACH_DATA_DIR": tmp, "CALLCOACH_CONFIG": f"{tmp}/none.toml"}
        env.pop("CALLCOACH_DATABASE_URL", None)
        first_db = f"sqlite:///{tmp}/first.db"
        first = timed([py, "-c", CALLCOACH_TUI, first_db], env)
        db = f"sqlite:///{tmp}/warm.db"
        rows = [
            ("python -c pass (interpreter only)", median_of(args.runs, [py, "-c", "pass"], env)),
            ("callcoach --help", median_of(args.runs, [py, "-m", "callcoach", "--help"], env)),
            ("bare Textual app to first screen", median_of(args.runs, [py, "-c", BARE_TEXTUAL], env)),
            ("callcoach TUI to home screen (demo data)",
             median_of(args.runs, [py, "-c", CALLCOACH_TUI, db], env)),
            ("callcoach first run: migrate + seed + home screen", first),
        ]
    print(f"{'measure (median of ' + str(args.runs) + ' subprocess runs)':<54} {'seconds':>8}")
    for name, seconds in rows:
        print(f"{name:<54} {seconds:8.3f}")
    values = dict(rows)
    print(f"{'ratio --help / interpreter only':<54} "
          f"{values['callcoach --help'] / values['python -c pass (interpreter only)']:7.2f}x")
    tui = values["callcoach TUI to home screen (demo data)"]
    bare = values["bare Textual app to first screen"]
    print(f"{'ratio callcoach TUI / bare Textual app':<54} {tui / bare:7.2f}x")
    ok = values["callcoach --help"] < 1 and tui < 1
    print(f"targets (--help and first screen < 1 s): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
