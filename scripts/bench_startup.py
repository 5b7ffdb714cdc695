#!/usr/bin/env python3
"""Benchmark: `callcoach --help` and the TUI's first screen, beside bare references.

Every figure is the median wall time of a fresh process (interpreter start included):

* ``python -c pass`` (the interpreter alone) beside ``python -m callcoach --help``;
* a bare Textual app (Header, Static, Footer) beside the real ``callcoach`` command
  (``python -m callcoach --db URL``: settings, open the SQLite database, seeding check,
  ``make_app``, journal replay, home screen). Both run in a pseudo-terminal of 120x40, as a
  user would start them, and the clock stops when the first screen's text has been written
  to the terminal: "hello" for the bare app; for callcoach the home screen's hint line
  ("N lists, M contacts callable now."), which is only drawn once the list table is filled
  from the database. Then ctrl+q is sent and the time to exit is shown too;
* callcoach's first paint of home ("Call lists", drawn before the database stack is even
  imported: the database is opened in a thread after it) beside the bare app's first screen:
  the ratio the issue targets (at most 1.5x);
* callcoach's first-ever start on a new database (migrate, seed the demo data, home screen);
* ``callcoach dashboard`` on the demo data, until the overview's rates line is drawn;
* where the time goes, in a child process step by step: importing Textual, callcoach's TUI
  modules (what the first paint needs), the database stack; opening the database (schema
  check), the demo-seed check, the queries that fill home; and the import time by package
  (``python -X importtime``, self times summed; importtime itself slows imports down).

Targets: `--help` and the first screen under 1 s; home's first paint at most 1.5x the bare
Textual app's first screen.

Usage: python scripts/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
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

Bare().run()
"""

HOME_MARKER = b"contacts callable now"
HOME_PAINT_MARKER = b"Call lists"  # home's title: the first paint, before the database is open
DASHBOARD_MARKER = b"Appointment-set rate"  # the overview's rates, drawn once its queries ran
BARE_MARKER = b"hello"
_ANSI = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|P[^\x1b]*\x1b\\|[@-Z\\-_])")


def timed(args: list[str], env: dict[str, str]) -> float:
    """Wall seconds for one subprocess run (which must succeed)."""
    start = time.perf_counter()
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{result.stderr}")
    return elapsed


def in_terminal(args: list[str], env: dict[str, str], marker: bytes) -> tuple[float, float]:
    """Run ``args`` in a 120x40 pseudo-terminal: (seconds until ``marker`` is on the screen,
    seconds from pressing ctrl+q to the process' exit)."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the program
        os.chdir(ROOT)
        os.execvpe(args[0], args, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    output = b""
    shown = quit_at = None
    while time.perf_counter() - start < 60:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
        if shown is None and marker in _ANSI.sub(b"", output):
            shown = time.perf_counter() - start
            quit_at = time.perf_counter()
            os.write(fd, b"\x11")  # ctrl+q
    if shown is None:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    ended = time.perf_counter()
    os.close(fd)
    if shown is None or status != 0:
        tail = _ANSI.sub(b"", output)[-1500:].decode(errors="replace")
        raise SystemExit(f"{' '.join(args[:4])}: first screen not seen (status {status}):\n{tail}")
    return shown, ended - quit_at


def median_of(runs: int, args: list[str], env: dict[str, str]) -> float:
    """Median of ``runs`` timed runs after one warm-up (so .pyc files exist)."""
    timed(args, env)
    return statistics.median(timed(args, env) for _ in range(runs))


def median_in_terminal(
    runs: int, args: list[str], env: dict[str, str], marker: bytes
) -> tuple[float, float]:
    """Medians of (first screen, quit) over ``runs`` terminal runs after one warm-up."""
    in_terminal(args, env, marker)
    results = [in_terminal(args, env, marker) for _ in range(runs)]
    return (
        statistics.median(r[0] for r in results),
        statistics.median(r[1] for r in results),
    )


PHASES = """
import json, sys, time
from datetime import UTC, datetime
t = [time.perf_counter()]
import textual.app, textual.widgets
t.append(time.perf_counter())
import callcoach.cli, callcoach.cli.start, callcoach.tui.app, callcoach.tui.screens.home
t.append(time.perf_counter())
import callcoach.core.service, callcoach.core.demo.seed, callcoach.storage.db
t.append(time.perf_counter())
from callcoach.storage.db import open_database
db = open_database(sys.argv[1])
t.append(time.perf_counter())
from callcoach.clock import SystemClock
from callcoach.core.demo.seed import seed_demo_if_empty
seed_demo_if_empty(db, SystemClock())
t.append(time.perf_counter())
from callcoach.config import Settings
service = callcoach.core.service.CoachService(db, Settings(), SystemClock())
rep = service.rep(None)
service.replay_offline_outcomes()
service.home(rep.id, datetime.now(UTC))
t.append(time.perf_counter())
print(json.dumps([b - a for a, b in zip(t, t[1:])]))
"""
PHASE_NAMES = (
    "import Textual (textual.app, widgets)",
    "import callcoach CLI + TUI modules for home",
    "import the database stack (service, models)",
    "open the database (schema check)",
    "demo-seed check (database not empty)",
    "queries filling home (rep, journal, lists)",
)
IMPORT_GROUPS = (
    "callcoach.tui", "callcoach.cli", "callcoach.core", "callcoach.storage", "callcoach",
    "textual", "rich", "sqlalchemy", "sqlmodel", "pydantic_core", "pydantic", "alembic",
    "psycopg", "phonenumbers",
)


def phases(py: str, url: str, env: dict[str, str], runs: int) -> list[tuple[str, float]]:
    """Median seconds of each start-up step, measured in a fresh child process per run."""
    results = []
    for _ in range(runs + 1):  # the first run warms the .pyc files
        out = subprocess.run(
            [py, "-c", PHASES, url], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        ).stdout
        results.append(json.loads(out))
    return [(name, statistics.median(r[i] for r in results[1:])) for i, name in enumerate(PHASE_NAMES)]


def imports_by_package(py: str, env: dict[str, str]) -> list[tuple[str, float]]:
    """Seconds of import self time by package for everything ``callcoach`` loads to fill home."""
    code = (
        "import callcoach.cli, callcoach.cli.start, callcoach.tui.app, callcoach.tui.screens.home, "
        "callcoach.core.service, callcoach.core.demo.seed, callcoach.storage.db"
    )
    err = subprocess.run(
        [py, "-X", "importtime", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    ).stderr
    totals: dict[str, float] = {}
    for line in err.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        module = parts[2].strip()
        group = next(
            (g for g in IMPORT_GROUPS if module == g or module.startswith(g + ".")), "other (stdlib...)"
        )
        totals[group] = totals.get(group, 0.0) + int(parts[0]) / 1e6
    return sorted(totals.items(), key=lambda kv: -kv[1])


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description="startup benchmark")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="cc-startup-") as tmp:
        env = {
            **os.environ,
            "CALLCOACH_DATA_DIR": tmp,
            "CALLCOACH_CONFIG": f"{tmp}/none.toml",
            "TERM": os.environ.get("TERM", "xterm-256color"),
        }
        env.pop("CALLCOACH_DATABASE_URL", None)
        env.pop("TEXTUAL", None)
        callcoach = [py, "-m", "callcoach", "--db"]
        first, _ = in_terminal([*callcoach, f"sqlite:///{tmp}/first.db"], env, HOME_MARKER)
        bare, bare_quit = median_in_terminal(args.runs, [py, "-c", BARE_TEXTUAL], env, BARE_MARKER)
        tui, tui_quit = median_in_terminal(
            args.runs, [*callcoach, f"sqlite:///{tmp}/warm.db"], env, HOME_MARKER
        )
        painted, _ = median_in_terminal(
            args.runs, [*callcoach, f"sqlite:///{tmp}/warm.db"], env, HOME_PAINT_MARKER
        )
        steps = phases(py, f"sqlite:///{tmp}/warm.db", env, args.runs)
        packages = imports_by_package(py, env)
        dashboard, _ = median_in_terminal(
            args.runs, [*callcoach, f"sqlite:///{tmp}/warm.db", "dashboard"], env, DASHBOARD_MARKER
        )
        rows = [
            ("python -c pass (interpreter only)", median_of(args.runs, [py, "-c", "pass"], env)),
            ("callcoach --help", median_of(args.runs, [py, "-m", "callcoach", "--help"], env)),
            ("bare Textual app: first screen shown", bare),
            ("callcoach: home screen painted (first paint)", painted),
            ("callcoach: home screen with the lists shown", tui),
            ("callcoach first run: migrate + seed + home screen", first),
            ("callcoach dashboard: overview shown (demo data)", dashboard),
            ("bare Textual app: ctrl+q to exit", bare_quit),
            ("callcoach: ctrl+q to exit", tui_quit),
        ]
    print(f"{'measure (median of ' + str(args.runs) + ' runs; first run: one)':<54} {'seconds':>8}")
    for name, seconds in rows:
        print(f"{name:<54} {seconds:8.3f}")
    values = dict(rows)
    print(f"{'ratio --help / interpreter only':<54} "
          f"{values['callcoach --help'] / values['python -c pass (interpreter only)']:7.2f}x")
    print(f"{'ratio callcoach first paint / bare Textual app':<54} {painted / bare:7.2f}x")
    print(f"{'ratio callcoach lists shown / bare Textual app':<54} {tui / bare:7.2f}x")
    ok = values["callcoach --help"] < 1 and tui < 1
    print(f"targets (--help and first screen < 1 s): {'met' if ok else 'NOT met'}")
    print(f"target (first paint <= 1.5x bare Textual): {'met' if painted <= 1.5 * bare else 'NOT met'}")
    print()
    print(f"{'where the time goes (median, one process per run)':<54} {'seconds':>8}")
    for name, seconds in steps:
        print(f"  {name:<52} {seconds:8.3f}")
    print(f"  {'before the first paint: the first two imports':<52} {steps[0][1] + steps[1][1]:8.3f}")
    print(f"  {'after it, in the thread: the other four':<52} {sum(s for _, s in steps[2:]):8.3f}")
    print()
    print(f"{'import self time by package (-X importtime)':<54} {'seconds':>8}")
    for group, seconds in packages:
        print(f"  {group:<52} {seconds:8.3f}")


if __name__ == "__main__":
    main()
