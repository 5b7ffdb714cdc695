"""The pyttsx3 synthesis worker: a child process that turns text into WAV files.

pyttsx3 is not thread-safe, espeak can only be initialised once per process, and the
espeak driver prints ("Audio saved to ...") and may write C-level noise to stdout and
stderr. Running it in its own process keeps all of that away from the TUI. The protocol
is one JSON object per line: requests on stdin, replies on a private duplicate of the
original stdout (file descriptor 1 itself is pointed at stderr, which the parent captures).

Requests: ``{"op": "synth", "text", "voice", "rate", "path"}`` and ``{"op": "voices"}``.
The first line the worker writes is ``{"ready": true}`` or ``{"ready": false, "error"}``.
"""

from __future__ import annotations

import json
import os
import sys
import time
import wave
from typing import Any, TextIO


def _reply(out: TextIO, payload: dict[str, Any]) -> None:
    out.write(json.dumps(payload) + "\n")
    out.flush()


_KNOWN_VOICES: set[str] = set()


def _known_voices(engine: Any) -> set[str]:
    if not _KNOWN_VOICES:
        for v in engine.getProperty("voices"):
            _KNOWN_VOICES.update({v.id, v.name})
    return _KNOWN_VOICES


def _wait_for_espeak() -> None:
    """Block until espeak-ng has finished the text it was given.

    pyttsx3 2.99's espeak driver ends ``runAndWait`` as soon as ``espeak_Synth`` returns,
    but espeak-ng synthesises on its own thread: a text longer than a sentence or two (an
    opener, a rebuttal) was still being spoken when the reply went out, so the WAV was
    missing and the leftover audio spilled into the next request (measured: a 250-character
    opener failed, the request after it came out silent). ``espeak_Synchronize`` returns
    when all queued text is done; the driver writes the WAV on the last callback.
    """
    try:
        from pyttsx3.drivers import _espeak
    except Exception:  # another driver: its runAndWait is synchronous
        return
    synchronize = getattr(_espeak, "Synchronize", None)
    if synchronize is not None:
        synchronize()


def _synth(engine: Any, request: dict[str, Any]) -> dict[str, Any]:
    text = str(request.get("text") or "").strip()
    path = str(request["path"])
    if not text:
        return {"ok": False, "error": "nothing to say"}
    voice = request.get("voice")
    # espeak silently falls back on an unknown voice name: refuse it instead.
    if voice and voice not in _known_voices(engine):
        return {"ok": False, "error": f"unknown voice {voice!r}: see callcoach drill --list-voices"}
    try:
        if voice:
            engine.setProperty("voice", voice)
    except (ValueError, KeyError) as exc:
        return {"ok": False, "error": f"voice {voice!r} rejected by the engine: {exc}"}
    rate = max(80, min(450, int(request.get("rate") or 170)))
    # pyttsx3 2.99's setProperty("rate") does not reach espeak-ng's synthesis here (every
    # rate came out at the same length, measured), so the speed goes in as an espeak
    # embedded command (ctrl-A, value, "S") at the start of the text instead.
    text = "".join(ch for ch in text if ch >= " " or ch in "\n\t")
    text = f"\x01{rate}S{text}"
    started = time.perf_counter()
    # One request per runAndWait: two save_to_file calls before one runAndWait write
    # only the last file (pyttsx3 2.99).
    engine.save_to_file(text, path)
    engine.runAndWait()
    _wait_for_espeak()
    elapsed = time.perf_counter() - started
    try:
        with wave.open(path, "rb") as wav:
            frames, rate = wav.getnframes(), wav.getframerate()
    except (OSError, wave.Error, EOFError) as exc:
        return {"ok": False, "error": f"engine wrote no usable WAV: {exc}"}
    if frames == 0:
        return {"ok": False, "error": "engine produced silence (0 frames)"}
    return {"ok": True, "path": path, "seconds": frames / rate, "synth_seconds": elapsed}


def main() -> int:
    """Serve synthesis requests until stdin closes."""
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything the engine prints goes to stderr, not into the protocol
    sys.stdout = sys.stderr
    started = time.perf_counter()
    try:
        import pyttsx3

        engine = pyttsx3.init()
    except Exception as exc:  # reported to the parent as one line
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _reply(out, {"ready": False, "error": f"{type(exc).__name__}: {detail}"})
        return 1
    _reply(out, {"ready": True, "init_seconds": time.perf_counter() - started})
    for line in sys.stdin:
        try:
            request = json.loads(line)
            op = request.get("op")
            if op == "synth":
                _reply(out, _synth(engine, request))
            elif op == "voices":
                voices = [
                    {"id": v.id, "name": v.name, "languages": list(v.languages or [])}
                    for v in engine.getProperty("voices")
                ]
                _reply(out, {"ok": True, "voices": voices})
            else:
                _reply(out, {"ok": False, "error": f"unknown op {op!r}"})
        except Exception as exc:  # one bad request must not kill the worker
            _reply(out, {"ok": False, "error": f"{type(exc).__name__}: {exc}"})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
