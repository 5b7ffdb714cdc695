"""Benchmark: time from "next objection" to speech starting, beside cold synthesis.

Measured in one run on this machine:

* cold synthesis: a fresh process doing ``pyttsx3.init()`` + ``save_to_file`` +
  ``runAndWait`` for the phrase (what speaking without a cache or worker costs), and the
  same inside a warm engine;
* the worker round trip for a new phrase (synthesis in callcoach's speech worker process);
* next objection -> playback start: ``DrillRun.next()`` (the round committed to SQLite)
  then ``Speaker.speak()`` until the player process has been started on the cached WAV.

With no sound card (servers, CI) the player is a null sink (``sox FILE -n``: reads and
decodes the whole WAV, outputs nothing), which the table says. Run:
``python scripts/bench_drills.py [--runs 30]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from callcoach.clock import SystemClock
from callcoach.core.drills.run import DrillRun
from callcoach.core.drills.sets import drill_cards
from callcoach.core.drills.speech import (
    CommandPlayer,
    Pyttsx3Synthesizer,
    Speaker,
    SpeechState,
    SpeechStatus,
    find_player,
)
from callcoach.storage.db import open_database
from callcoach.storage.models import Objection, Rep

PHRASE = "We're happy with what we have, thanks. Just send me some information."

COLD = """
import sys, time, os
t0 = time.perf_counter()
import pyttsx3
e = pyttsx3.init()
e.setProperty("rate", 170)
t1 = time.perf_counter()
e.save_to_file(sys.argv[1], sys.argv[2])
e.runAndWait()
t2 = time.perf_counter()
e.save_to_file(sys.argv[1], sys.argv[2] + ".warm.wav")
e.runAndWait()
t3 = time.perf_counter()
os.write(int(sys.argv[3]), f"{t1 - t0} {t2 - t1} {t3 - t2}".encode())
"""


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return f"{statistics.median(values) * 1000:8.1f} {p95 * 1000:8.1f}"


def cold_synthesis(runs: int, tmp: Path) -> tuple[list[float], ...]:
    """Fresh-process pyttsx3 timings: wall, init, first synthesis, warm synthesis."""
    wall, init, first, warm = [], [], [], []
    for i in range(runs):
        r, w = os.pipe()
        t = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", COLD, PHRASE, str(tmp / f"cold{i}.wav"), str(w)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(w,),
            env={**os.environ, "PYTHONSAFEPATH": "1"},
        )
        os.close(w)
        proc.wait()
        wall.append(time.perf_counter() - t)
        data = os.read(r, 200).decode().split()
        os.close(r)
        if proc.returncode != 0 or len(data) != 3:
            raise SystemExit("bench: pyttsx3 cold synthesis failed (is espeak-ng installed?)")
        a, b, c = (float(x) for x in data)
        init.append(a)
        first.append(b)
        warm.append(c)
    return wall, init, first, warm


def main() -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    runs = max(3, args.runs)

    tmp = Path(tempfile.mkdtemp(prefix="bench-drills-"))
    os.environ["CALLCOACH_DATA_DIR"] = str(tmp / "data")
    synth = Pyttsx3Synthesizer(cache=tmp / "cache")
    player = find_player()
    probe = Speaker(synth, player)
    status = probe.check()
    if status.ok:
        player_note = f"{player.name} (real audio device)"
    else:
        sox = shutil.which("sox")
        if sox is None:
            raise SystemExit(f"bench: {status.notice()} and no sox for a null sink")
        # The WAV path is appended as $1: sox decodes it to the null output.
        player = CommandPlayer(["sh", "-c", f'exec {sox} -q "$1" -n', "sh"])
        player_note = f"null sink via sox (no audio device here: {status.detail})"

    # 1. cold synthesis in a fresh process (the engine's own cost)
    cold_wall, cold_init, cold_first, warm_inproc = cold_synthesis(min(runs, 10), tmp)

    # 2. the worker: a new phrase each time (no cache)
    worker_new = []
    for i in range(runs):
        t = time.perf_counter()
        synth.synthesize(f"{PHRASE} Number {i}.", None, 170)
        worker_new.append(time.perf_counter() - t)

    # 3. next objection -> playback start, cache warmed by prefetch (as the drill screen does)
    db = open_database(f"sqlite:///{tmp / 'bench.db'}")
    with db.transaction() as s:
        for i in range(8):
            s.add(Objection(key=f"o{i}", text=f"{PHRASE} Variant {i}.", rebuttal="r", position=i))
        rep = Rep(name="Bench")
        s.add(rep)
        s.flush()
        rep_id = rep.id
    with db.session() as s:
        cards = drill_cards(s, None)
    started = threading.Event()
    speaker = Speaker(synth, player, rate=170,
                      on_event=lambda e, d: started.set() if e == "started" else None)
    speaker.status = SpeechStatus(SpeechState.OK, player=player_note)
    run = DrillRun(db=db, clock=SystemClock(), trainee_id=rep_id, cards=cards, rounds=runs + 1)
    run.start()
    speaker.prefetch(run.upcoming_texts())
    for card in cards:  # wait for the prefetch to land
        synth.synthesize(card.text, None, 170)
    next_to_start, speak_to_start = [], []
    for _ in range(runs):
        speaker.stop()
        started.clear()
        t = time.perf_counter()
        prompt = run.next()
        t_speak = time.perf_counter()
        speaker.speak(prompt.text)
        if not started.wait(5):
            raise SystemExit("bench: playback never started")
        end = speaker.last_started_at or time.perf_counter()
        next_to_start.append(end - t)
        speak_to_start.append(end - t_speak)
        time.sleep(0.02)
    speaker.close()
    run.finish()
    db.dispose()

    words = len(PHRASE.split())
    print(f"callcoach drills benchmark: {runs} runs, phrase of {words} words, rate 170 wpm")
    print(f"player: {player_note}")
    print()
    print(f"{'measure':<58} {'median ms':>9} {'p95 ms':>8}")
    print("-" * 78)
    rows = [
        ("cold: fresh process, pyttsx3 init + synthesise (wall)", cold_wall),
        ("cold: pyttsx3.init() inside that process", cold_init),
        ("cold: first save_to_file + runAndWait", cold_first),
        ("warm engine, same process: save_to_file + runAndWait", warm_inproc),
        ("speech worker round trip, new phrase (no cache)", worker_new),
        ("speak() -> playback started (cached WAV)", speak_to_start),
        ("next objection (round committed) -> playback started", next_to_start),
    ]
    for label, values in rows:
        print(f"{label:<58} {_ms(values)}")
    print("-" * 78)
    target = statistics.median(next_to_start) * 1000
    cold = statistics.median(cold_wall) * 1000
    print(f"next objection -> speech start: {target:.1f} ms median "
          f"({'under' if target < 300 else 'OVER'} the 300 ms target); "
          f"cold engine path {cold:.0f} ms = {cold / target:.1f}x slower")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
