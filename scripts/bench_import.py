#!/usr/bin/env python3
"""Benchmark: import 100,000 contacts with clustering, beside SQLite's own bulk insert.

Generates a HubSpot-style CSV (97% North American numbers written in assorted formats, 3%
international), then in the same run, each in a fresh child process (so its peak resident
memory is its own):

* callcoach: ``import_file(..., cluster_by="vertical")`` into a fresh, migrated SQLite file
  (parse, normalise phones, time zones, de-dup, cluster, one transaction);
* reference: the same CSV read with ``csv.reader`` and inserted with ``sqlite3.executemany``
  inside one transaction into a fresh file with the same ``contact`` table (same DDL and
  indexes, created by the same migrations).

Prints both times, rows per second, each process's peak resident memory (VmHWM, which
includes the interpreter and the imported libraries) and the ratio. Targets: 100,000 rows
under 5 s and at most 3x the reference; at any size (``--rows 1000000``) the import's peak
RSS under 200 MB.

Usage: python scripts/bench_import.py [--rows N] [--profile]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HEADERS = [
    "Record ID", "First name", "Last name", "Email", "Phone number", "Company name",
    "Job title", "Industry", "State/Region", "Country/Region", "Number of employees",
]
AREAS = {
    "New York": ["212", "646", "718", "917"], "California": ["415", "213", "310", "650"],
    "Texas": ["214", "512", "713"], "Illinois": ["312", "773"], "Colorado": ["303", "720"],
    "Washington": ["206", "425"], "Georgia": ["404", "678"], "Florida": ["305", "407"],
}
FORMATS = ["({a}) {x}-{l}", "{a}-{x}-{l}", "{a}.{x}.{l}", "+1 {a} {x} {l}", "1{a}{x}{l}"]
VERTICALS = ["Software", "Healthcare", "Manufacturing", "Financial Services", "Logistics",
             "Retail", "Education", "Energy"]
TITLES = ["CEO", "VP Sales", "Director of IT", "Operations Manager", "Analyst", "Buyer",
          "CFO", "Head of Procurement", "Engineer", "Plant Manager"]


def make_csv(path: Path, rows: int, seed: int = 7) -> None:
    """Write ``rows`` unique, valid contacts to ``path``."""
    rng = random.Random(seed)
    used: set[str] = set()
    states = list(AREAS)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        for i in range(rows):
            while True:
                if rng.random() < 0.03:
                    state, country = "", "United Kingdom"
                    phone = f"+44 20 7{rng.randint(100, 999)} {rng.randint(0, 9999):04d}"
                else:
                    state, country = rng.choice(states), "United States"
                    a = rng.choice(AREAS[state])
                    x, line = rng.randint(201, 999), f"{rng.randint(0, 9999):04d}"
                    if x % 100 == 11:
                        x += 1  # N11 codes are not valid exchanges
                    phone = rng.choice(FORMATS).format(a=a, x=x, l=line)
                digits = "".join(c for c in phone if c.isdigit())[-10:]
                if digits not in used:
                    used.add(digits)
                    break
            w.writerow([
                i, f"First{i}", f"Last{i}", f"p{i}@example.com", phone, f"Company {i % 5000}",
                rng.choice(TITLES), rng.choice(VERTICALS), state, country,
                rng.choice(["12", "85", "430", "1,200", "51-200", "7000", ""]),
            ])


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB (VmHWM; ru_maxrss where there is no /proc)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def bench_callcoach(csv_path: Path, db_path: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds for callcoach's import, and rows imported."""
    from callcoach.clock import SystemClock
    from callcoach.core.lists.importer import ImportOptions, import_file
    from callcoach.storage.db import open_database

    db = open_database(f"sqlite:///{db_path}")
    start, cpu = time.perf_counter(), time.process_time()
    report = import_file(
        db, csv_path, ImportOptions(cluster_by="vertical", skip_invalid=True), SystemClock()
    )
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    db.dispose()
    if report.invalid:
        print(f"warning: {report.invalid} invalid rows, e.g. {report.problems[0]}")
    return elapsed, cpu, report.imported


def bench_reference(csv_path: Path, db_path: Path) -> tuple[float, float, float]:
    """csv.reader + sqlite3.executemany in one transaction: wall, CPU, insert-only wall."""
    from callcoach.storage.db import open_database

    open_database(f"sqlite:///{db_path}").dispose()  # same schema, same indexes
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    start, cpu = time.perf_counter(), time.process_time()
    with csv_path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        rows = [
            (1, r[1], r[2], r[6], "", r[5], r[7], r[8], "", None, "", r[4], "", r[3], "",
             "new", 0, False, r[0], now)
            for r in reader
        ]
    insert_start = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO call_list (name, cluster_dimension, archived, created_at) "
        "VALUES ('ref', 'none', 0, ?)", (now,)
    )
    conn.executemany(
        "INSERT INTO contact (list_id, first_name, last_name, title, role_family, company, "
        "vertical, region, country, company_size, size_band, phone, extension, email, timezone, "
        "status, attempts, do_not_call, external_id, created_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    conn.execute("COMMIT")
    end, cpu = time.perf_counter(), time.process_time() - cpu
    conn.close()
    return end - start, cpu, end - insert_start


def run_child(which: str, csv_path: Path, db_path: Path) -> dict[str, float]:
    """Run one side of the benchmark in a fresh interpreter; its figures as a dict."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", which, str(csv_path), str(db_path)],
        check=True, capture_output=True, text=True,
    )
    sys.stderr.write(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def child(which: str, csv_path: Path, db_path: Path) -> None:
    """One side of the benchmark: print its figures as one JSON line."""
    if which == "callcoach":
        wall, cpu, rows = bench_callcoach(csv_path, db_path)
        figures = {"wall": wall, "cpu": cpu, "rows": rows}
    else:
        wall, cpu, insert = bench_reference(csv_path, db_path)
        figures = {"wall": wall, "cpu": cpu, "insert": insert}
    figures["rss_mb"] = peak_rss_mb()
    print(json.dumps(figures))


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description="import benchmark")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the callcoach import")
    parser.add_argument("--child", nargs=3, metavar=("WHICH", "CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    with tempfile.TemporaryDirectory(prefix="cc-bench-") as tmp:
        tmpdir = Path(tmp)
        csv_path = tmpdir / "contacts.csv"
        t0 = time.perf_counter()
        make_csv(csv_path, args.rows)
        print(f"generated {args.rows} rows in {time.perf_counter() - t0:.1f} s "
              f"({csv_path.stat().st_size / 1e6:.1f} MB)")
        ref = run_child("reference", csv_path, tmpdir / "ref.db")
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
            wall, cpu, imported = bench_callcoach(csv_path, tmpdir / "cc.db")
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
            cc = {"wall": wall, "cpu": cpu, "rows": imported, "rss_mb": peak_rss_mb()}
        else:
            cc = run_child("callcoach", csv_path, tmpdir / "cc.db")
    rows = args.rows
    print()
    print(f"{'measure':<58} {'wall s':>7} {'CPU s':>7} {'rows/s':>9} {'peak RSS':>9}")
    print(f"{'reference: csv.reader + sqlite3.executemany, 1 transaction':<58} "
          f"{ref['wall']:7.2f} {ref['cpu']:7.2f} {rows / ref['wall']:9,.0f} {ref['rss_mb']:6.0f} MB")
    print(f"{'  (of which executemany + commit)':<58} {ref['insert']:7.2f}")
    print(f"{'callcoach import --cluster-by vertical':<58} {cc['wall']:7.2f} {cc['cpu']:7.2f} "
          f"{rows / cc['wall']:9,.0f} {cc['rss_mb']:6.0f} MB")
    print(f"{'ratio callcoach / reference':<58} {cc['wall'] / ref['wall']:6.2f}x "
          f"{cc['cpu'] / ref['cpu']:6.2f}x")
    verdicts = [f"peak RSS < 200 MB: {'met' if cc['rss_mb'] < 200 else 'NOT met'}"]
    if rows <= 100_000:
        timed = cc["wall"] < 5 and cc["wall"] / ref["wall"] <= 3
        verdicts.insert(0, f"< 5 s and <= 3x (wall): {'met' if timed else 'NOT met'}")
    print(f"imported {int(cc['rows'])} contacts; target {'; '.join(verdicts)}"
          + (" (the RSS under --profile includes the generator and profiler)" if args.profile else ""))


if __name__ == "__main__":
    main()
