"""Speech test doubles that never make a sound: a fake engine and a recording player."""

from __future__ import annotations

import threading
from pathlib import Path

from callcoach.core.drills.speech import SpeechError, VoiceInfo, cache_key, write_silence


class FakeSynthesizer:
    """Writes a short silent WAV per text (keyed like the real cache); can be told to fail."""

    def __init__(self, folder: Path, fail: str | None = None) -> None:
        self.folder = folder
        self.fail = fail
        self.requests: list[str] = []

    def synthesize(self, text: str, voice: str | None, rate: int) -> Path:
        """A WAV 'saying' text: 0.5 s of silence."""
        if self.fail:
            raise SpeechError(self.fail)
        self.requests.append(text)
        self.folder.mkdir(parents=True, exist_ok=True)
        return write_silence(self.folder / f"{cache_key(text, voice, rate)}.wav", 0.5)

    def voices(self) -> list[VoiceInfo]:
        """One voice."""
        return [VoiceInfo("fake/en", "Fake")]

    def close(self) -> None:
        """Nothing to release."""


class FakePlayback:
    """A 'sound' that plays until stopped (or until finish() is called)."""

    def __init__(self, wav: Path, ok: bool = True) -> None:
        self.wav = wav
        self.ok = ok
        self.stopped = False
        self._done = threading.Event()

    def stop(self) -> None:
        """Stop it."""
        self.stopped = True
        self._done.set()

    def finish(self) -> None:
        """Let it end by itself."""
        self._done.set()

    def wait(self) -> tuple[bool, str]:
        """Block until stopped or finished."""
        self._done.wait(5)
        return (True, "") if self.ok or self.stopped else (False, "device vanished (exit status 1)")


class RecordingPlayer:
    """Records every WAV it is asked to play; silence (the device check) ends at once."""

    name = "recorder"

    def __init__(self, ok: bool = True) -> None:
        self.ok = ok
        self.playbacks: list[FakePlayback] = []
        self.lock = threading.Lock()

    def start(self, wav: Path) -> FakePlayback:
        """Start a fake playback."""
        playback = FakePlayback(wav, self.ok)
        if wav.name == "silence.wav":
            playback.finish()
            if not self.ok:
                playback.stopped = False
        else:
            with self.lock:
                self.playbacks.append(playback)
        return playback
