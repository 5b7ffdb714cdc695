"""Spoken objections: offline synthesis to cached WAV files, played off the UI thread.

Why not ``engine.say()``: on Linux pyttsx3 2.99 plays through ``aplay``; with no sound card
``say()`` returns having played nothing and aplay's errors land on the terminal, which
corrupts a TUI. So speech is two separate steps:

1. :class:`Pyttsx3Synthesizer` runs pyttsx3 + espeak-ng in a child process
   (:mod:`callcoach.core.drills.speech_worker`) and writes one WAV per (text, voice, rate) into a
   cache folder; one request per ``runAndWait``.
2. :class:`CommandPlayer` plays a cached WAV with whichever player exists (paplay,
   pw-play, aplay, ffplay, sox ``play``), stderr captured and exit status checked.

:class:`Speaker` ties them together on a background thread, so ``speak()`` returns at
once; it pre-synthesises upcoming objections, can stop (skip) and repeat, and
:meth:`Speaker.check` reports honestly whether speech works here (engine missing, no
audio device, or ok). When it does not, callers show text only with one notice.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Protocol

from callcoach import paths
from callcoach.errors import CallcoachError

WORKER_SCRIPT = Path(__file__).resolve().with_name("speech_worker.py")
PLAYER_ENV = "CALLCOACH_AUDIO_PLAYER"  # a command, or "none" to never play


class SpeechError(CallcoachError):
    """Speech could not be produced; the message is one line."""


class SpeechState(StrEnum):
    """What the startup check found."""

    OK = "ok"
    UNCHECKED = "unchecked"  # check() has not run yet
    DISABLED = "disabled"  # --no-voice
    NO_ENGINE = "no_engine"  # pyttsx3 / espeak-ng missing or failing
    NO_DEVICE = "no_device"  # synthesis works, nothing can play it


@dataclass(frozen=True)
class SpeechStatus:
    """The outcome of the startup check, fit to show as one notice."""

    state: SpeechState
    detail: str = ""
    player: str = ""

    @property
    def ok(self) -> bool:
        """True only when a phrase was synthesised and a player ran successfully."""
        return self.state is SpeechState.OK

    def notice(self) -> str:
        """One line for the user: what works and why speech is off if it is."""
        if self.ok:
            return f"Speech on ({self.player})."
        if self.state is SpeechState.UNCHECKED:
            return "Checking speech..."
        if self.state is SpeechState.DISABLED:
            return "Speech off (--no-voice): objections are shown as text."
        if self.state is SpeechState.NO_ENGINE:
            return (
                f"Speech off: no speech engine ({self.detail}). Install espeak-ng "
                "(scripts/setup.sh does). Objections are shown as text."
            )
        return (
            f"Speech off: no audio device ({self.detail}). Objections are shown as text."
        )


@dataclass(frozen=True)
class VoiceInfo:
    """One voice the engine offers."""

    id: str
    name: str
    languages: tuple[str, ...] = ()


def cache_dir() -> Path:
    """Where synthesised WAV files are kept (inside the user data directory)."""
    return paths.data_dir() / "speech-cache"


def cache_key(text: str, voice: str | None, rate: int) -> str:
    """A stable file stem for one (text, voice, rate) triple."""
    raw = json.dumps([text.strip(), voice or "", int(rate)], ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def wav_seconds(path: Path) -> float:
    """Duration of a WAV file in seconds (0 when unreadable)."""
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() / float(wav.getframerate() or 1)
    except (OSError, wave.Error, EOFError):
        return 0.0


def write_silence(path: Path, seconds: float = 0.05, rate: int = 22050) -> Path:
    """Write a short silent WAV (used to test a player without making a sound)."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x00\x00" * int(seconds * rate))
    return path


class Synthesizer(Protocol):
    """Turns text into a WAV file."""

    def synthesize(self, text: str, voice: str | None, rate: int) -> Path:
        """Return the path of a WAV saying ``text`` (cached when possible)."""
        ...

    def voices(self) -> list[VoiceInfo]:
        """The voices this engine offers."""
        ...

    def close(self) -> None:
        """Release the engine."""
        ...


class Pyttsx3Synthesizer:
    """pyttsx3 + espeak-ng in a worker process, with a WAV cache per (text, voice, rate)."""

    def __init__(self, cache: Path | None = None, timeout: float = 20.0) -> None:
        self.cache = cache or cache_dir()
        self.timeout = timeout
        self._proc: subprocess.Popen[str] | None = None
        self._replies: queue.Queue[dict | None] = queue.Queue()
        self._lock = threading.Lock()
        self._stderr = tempfile.TemporaryFile(mode="w+b")
        self.init_seconds: float | None = None

    def cached_path(self, text: str, voice: str | None, rate: int) -> Path:
        """Where the WAV for this triple lives (whether or not it exists yet)."""
        return self.cache / f"{cache_key(text, voice, rate)}.wav"

    def is_cached(self, text: str, voice: str | None, rate: int) -> bool:
        """True when the WAV for this triple is already on disk."""
        return self.cached_path(text, voice, rate).is_file()

    def _stderr_tail(self) -> str:
        self._stderr.seek(0)
        lines = [ln.strip() for ln in self._stderr.read().decode("utf-8", "replace").splitlines()]
        lines = [ln for ln in lines if ln]
        return lines[-1] if lines else ""

    def _start(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        self._replies = queue.Queue()
        try:
            self._proc = subprocess.Popen(
                # By file path, not -m: the worker imports nothing from callcoach, and the
                # child must not depend on how callcoach is installed.
                [sys.executable, str(WORKER_SCRIPT)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                text=True,
                encoding="utf-8",
                bufsize=1,
            )
        except OSError as exc:
            raise SpeechError(f"cannot start the speech worker: {exc}") from None
        replies, stdout = self._replies, self._proc.stdout

        def pump() -> None:
            assert stdout is not None
            for line in stdout:
                try:
                    replies.put(json.loads(line))
                except json.JSONDecodeError:
                    continue
            replies.put(None)

        threading.Thread(target=pump, name="speech-worker-reader", daemon=True).start()
        hello = self._wait()
        if not hello.get("ready"):
            self.close()
            raise SpeechError(str(hello.get("error") or "speech engine failed to start"))
        self.init_seconds = float(hello.get("init_seconds") or 0.0)

    def _wait(self) -> dict:
        try:
            reply = self._replies.get(timeout=self.timeout)
        except queue.Empty:
            self.close()
            raise SpeechError(f"speech engine did not answer within {self.timeout:.0f} s") from None
        if reply is None:
            tail = self._stderr_tail()
            self.close()
            raise SpeechError("speech worker exited" + (f": {tail}" if tail else ""))
        return reply

    def _request(self, payload: dict) -> dict:
        with self._lock:
            self._start()
            assert self._proc is not None and self._proc.stdin is not None
            try:
                self._proc.stdin.write(json.dumps(payload) + "\n")
                self._proc.stdin.flush()
            except (BrokenPipeError, OSError):
                tail = self._stderr_tail()
                self.close()
                raise SpeechError("speech worker died" + (f": {tail}" if tail else "")) from None
            return self._wait()

    def start(self) -> None:
        """Start the engine now (it otherwise starts on the first request)."""
        with self._lock:
            self._start()

    def synthesize(self, text: str, voice: str | None, rate: int) -> Path:
        """Return the cached WAV for ``text``, synthesising it first if needed."""
        text = text.strip()
        if not text:
            raise SpeechError("nothing to say: empty text")
        target = self.cached_path(text, voice, rate)
        if target.is_file():
            return target
        self.cache.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.stem}.{os.getpid()}.{threading.get_ident()}.wav")
        reply = self._request(
            {"op": "synth", "text": text, "voice": voice, "rate": int(rate), "path": str(tmp)}
        )
        if not reply.get("ok"):
            tmp.unlink(missing_ok=True)
            raise SpeechError(str(reply.get("error") or "synthesis failed"))
        os.replace(tmp, target)  # atomic: a half-written WAV is never served from the cache
        return target

    def voices(self) -> list[VoiceInfo]:
        """The voices espeak-ng offers, as pyttsx3 reports them."""
        reply = self._request({"op": "voices"})
        if not reply.get("ok"):
            raise SpeechError(str(reply.get("error") or "cannot list voices"))
        return [
            VoiceInfo(id=v["id"], name=v["name"], languages=tuple(v.get("languages") or ()))
            for v in reply["voices"]
        ]

    def close(self) -> None:
        """Stop the worker process."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(timeout=2)


# -- playback -------------------------------------------------------------------------------

#: Players tried in order: (executable, arguments before the file).
PLAYER_CANDIDATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("paplay", ()),
    ("pw-play", ()),
    ("aplay", ("-q",)),
    ("ffplay", ("-nodisp", "-autoexit", "-loglevel", "error")),
    ("play", ("-q",)),
)


class Playback(Protocol):
    """A sound that is playing."""

    def stop(self) -> None:
        """Stop it now."""
        ...

    def wait(self) -> tuple[bool, str]:
        """Block until it ends; (succeeded, one-line error)."""
        ...


class Player(Protocol):
    """Plays WAV files without blocking."""

    name: str

    def start(self, wav: Path) -> Playback:
        """Start playing ``wav`` and return at once."""
        ...


class _ProcessPlayback:
    def __init__(self, proc: subprocess.Popen[bytes], stderr: IO[bytes], name: str) -> None:
        self.proc = proc
        self.stderr = stderr
        self.name = name  # the player's program name, as its messages start with it
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.terminate()

    def wait(self) -> tuple[bool, str]:
        code = self.proc.wait()
        self.stderr.seek(0)
        lines = [ln.strip() for ln in self.stderr.read().decode("utf-8", "replace").splitlines()]
        self.stderr.close()
        lines = [ln for ln in lines if ln]
        if self.stopped or code == 0:
            return True, ""
        message = lines[-1] if lines else "no message"
        if message.startswith(self.name + ":"):
            message = message[len(self.name) + 1 :].strip()
        return False, f"{message} (exit status {code})"


class CommandPlayer:
    """Plays a WAV through an external command; stderr captured, exit status checked."""

    def __init__(self, argv: Sequence[str]) -> None:
        self.argv = list(argv)
        self.name = Path(self.argv[0]).name

    def start(self, wav: Path) -> Playback:
        """Spawn the player on ``wav`` (stdin/stdout closed, stderr into a temp file)."""
        err = tempfile.TemporaryFile()
        proc = subprocess.Popen(
            [*self.argv, str(wav)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,  # a Ctrl+C in the TUI is not the player's business
        )
        return _ProcessPlayback(proc, err, self.name)


def find_player() -> CommandPlayer | None:
    """The first audio player found on PATH (``CALLCOACH_AUDIO_PLAYER`` overrides)."""
    override = os.environ.get(PLAYER_ENV)
    if override:
        if override.strip().lower() == "none":
            return None
        import shlex

        return CommandPlayer(shlex.split(override))
    for exe, args in PLAYER_CANDIDATES:
        found = shutil.which(exe)
        if found:
            return CommandPlayer([found, *args])
    return None


# -- the speaker ----------------------------------------------------------------------------

SpeechListener = Callable[[str, str], None]  # (event, detail): started | finished | error


class Speaker:
    """Speaks texts off the calling thread: synthesise (cached) then play; skip and repeat.

    ``on_event(event, detail)`` is called from the background thread with ``started``
    (playback began), ``finished`` (it played to the end), ``stopped`` (skipped or
    superseded by another text) or ``error`` (speech turned itself off).
    """

    def __init__(
        self,
        synthesizer: Synthesizer | None,
        player: Player | None,
        voice: str | None = None,
        rate: int = 170,
        on_event: SpeechListener | None = None,
    ) -> None:
        self.synthesizer = synthesizer
        self.player = player
        self.voice = voice
        self.rate = rate
        self.on_event = on_event
        self.status = SpeechStatus(
            SpeechState.DISABLED if synthesizer is None else SpeechState.UNCHECKED
        )
        self._jobs: queue.PriorityQueue[tuple[int, int, str, str, int]] = queue.PriorityQueue()
        self._seq = itertools.count()
        self._generation = 0
        self._gen_lock = threading.Lock()
        self._current: Playback | None = None
        self._last_text: str | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self._check_lock = threading.Lock()
        self.last_started_at: float | None = None  # perf_counter of the last playback start

    @property
    def enabled(self) -> bool:
        """True when speech was checked and works."""
        return self.status.ok and not self._closed

    def ensure_checked(self) -> SpeechStatus:
        """Run :meth:`check` once (concurrent callers wait for the same result)."""
        with self._check_lock:
            if self.status.state is SpeechState.UNCHECKED:
                self.check()
            return self.status

    def check(self) -> SpeechStatus:
        """Synthesise a short phrase and test the player on silence; remember the result."""
        if self.synthesizer is None:
            self.status = SpeechStatus(SpeechState.DISABLED)
            return self.status
        try:
            wav = self.synthesizer.synthesize("Ready when you are.", self.voice, self.rate)
        except SpeechError as exc:
            self.status = SpeechStatus(SpeechState.NO_ENGINE, str(exc))
            return self.status
        if wav_seconds(wav) <= 0.1:
            self.status = SpeechStatus(SpeechState.NO_ENGINE, "the engine produced no audio")
            return self.status
        if self.player is None:
            hint = "CALLCOACH_AUDIO_PLAYER=none" if os.environ.get(PLAYER_ENV) else (
                "no paplay, pw-play, aplay, ffplay or sox play found"
            )
            self.status = SpeechStatus(SpeechState.NO_DEVICE, hint)
            return self.status
        with tempfile.TemporaryDirectory() as tmp:
            silence = write_silence(Path(tmp) / "silence.wav")
            try:
                ok, error = self.player.start(silence).wait()
            except OSError as exc:
                ok, error = False, str(exc)
        if not ok:
            self.status = SpeechStatus(SpeechState.NO_DEVICE, f"{self.player.name}: {error}")
        else:
            self.status = SpeechStatus(SpeechState.OK, player=self.player.name)
        return self.status

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="speaker", daemon=True)
            self._thread.start()

    def _emit(self, event: str, detail: str = "") -> None:
        if self.on_event is not None:
            try:
                self.on_event(event, detail)
            except Exception:  # a listener must not kill the speaker thread
                pass

    def speak(self, text: str) -> None:
        """Say ``text`` now (stopping whatever is playing); returns at once."""
        self._last_text = text
        if not self.enabled:
            return
        with self._gen_lock:
            self._generation += 1
            generation = self._generation
            current, self._current = self._current, None
        if current is not None:
            current.stop()
        self._jobs.put((0, next(self._seq), "speak", text, generation))
        self._ensure_thread()

    def prefetch(self, texts: Iterable[str]) -> None:
        """Synthesise ``texts`` ahead of time so speaking them later starts at once."""
        if not self.enabled:
            return
        for text in texts:
            if text and text.strip():
                self._jobs.put((1, next(self._seq), "prefetch", text, 0))
        self._ensure_thread()

    def stop(self) -> None:
        """Stop speaking (skip)."""
        with self._gen_lock:
            self._generation += 1
            current, self._current = self._current, None
        if current is not None:
            current.stop()

    def repeat(self) -> None:
        """Say the last text again."""
        if self._last_text:
            self.speak(self._last_text)

    def _run(self) -> None:
        while not self._closed:
            try:
                _prio, _seq, kind, text, generation = self._jobs.get(timeout=0.5)
            except queue.Empty:
                continue
            if self._closed or self.synthesizer is None:
                return
            try:
                wav = self.synthesizer.synthesize(text, self.voice, self.rate)
            except SpeechError as exc:
                if kind == "speak":
                    self._disable(SpeechStatus(SpeechState.NO_ENGINE, str(exc)))
                continue
            if kind != "speak" or self.player is None:
                continue
            with self._gen_lock:
                if generation != self._generation:
                    continue  # skipped or superseded while synthesising
                try:
                    playback = self.player.start(wav)
                except OSError as exc:
                    self._disable(SpeechStatus(SpeechState.NO_DEVICE, str(exc)))
                    continue
                self._current = playback
                self.last_started_at = time.perf_counter()
            self._emit("started", text)
            threading.Thread(
                target=self._watch, args=(playback, text), name="speaker-watch", daemon=True
            ).start()

    def _watch(self, playback: Playback, text: str) -> None:
        ok, error = playback.wait()
        with self._gen_lock:
            ended_by_itself = self._current is playback  # stop() and speak() clear it first
            if ended_by_itself:
                self._current = None
        if not ok:
            name = getattr(self.player, "name", "player")
            self._disable(SpeechStatus(SpeechState.NO_DEVICE, f"{name}: {error}"))
        else:
            self._emit("finished" if ended_by_itself else "stopped", text)

    def _disable(self, status: SpeechStatus) -> None:
        if not self.status.ok:
            return  # already off: the notice was given once
        self.status = status
        self._emit("error", status.notice())

    def close(self) -> None:
        """Stop playback and the engine."""
        self.stop()
        self._closed = True
        if self.synthesizer is not None:
            self.synthesizer.close()


def make_speaker(
    voice: str | None = None,
    rate: int = 170,
    enabled: bool = True,
    on_event: SpeechListener | None = None,
) -> Speaker:
    """The real speaker: pyttsx3 worker + the first player found (not yet checked)."""
    if not enabled:
        return Speaker(None, None, voice, rate, on_event)
    return Speaker(Pyttsx3Synthesizer(), find_player(), voice, rate, on_event)
