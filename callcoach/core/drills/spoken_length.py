"""How long a text takes to say at the rep's speaking rate, measured from real synthesis.

The talk-track studio holds the opener (introduction, engage statement and impact
question) against the call's engage phase (about 45 s) and each rebuttal against the
objection slot (about 20 s). Words-per-minute arithmetic misses pauses, numbers and long
words; so the text is synthesised to a WAV with the drills' engine at the configured rate
and voice, and the WAV's duration is read back. Synthesis takes a second or more: callers
run :meth:`SpeechTimer.measure` off the UI thread; results are cached by text, voice and
rate (in memory here, the WAV on disk by the synthesiser).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from callcoach.core.drills.speech import SpeechError, Synthesizer, wav_seconds


@dataclass(frozen=True)
class SpokenLength:
    """A measured duration against the time the method allows for it."""

    seconds: float
    limit: int

    @property
    def over(self) -> bool:
        """True when saying it takes longer than the slot."""
        return self.seconds > self.limit

    def text(self, what: str, slot: str) -> str:
        """``"Opener: 38.4 s of the 45 s engage phase"``, or the warning when it is over."""
        if self.over:
            return (
                f"{what}: {self.seconds:.1f} s - over the {self.limit} s {slot} by "
                f"{self.seconds - self.limit:.1f} s"
            )
        return f"{what}: {self.seconds:.1f} s of the {self.limit} s {slot}"


class SpeechTimer:
    """Durations of spoken texts, synthesised once per (text, voice, rate)."""

    def __init__(self, synthesizer: Synthesizer, voice: str | None, rate: int) -> None:
        self.synthesizer = synthesizer
        self.voice = voice
        self.rate = rate
        self._seconds: dict[str, float] = {}
        self._lock = threading.Lock()

    def known(self, text: str) -> float | None:
        """The duration of ``text`` if it was measured before (no synthesis)."""
        with self._lock:
            return self._seconds.get(text.strip())

    def measure(self, text: str) -> float:
        """Seconds ``text`` takes to say (blocking: synthesis on first use); SpeechError
        when the engine cannot say it."""
        key = text.strip()
        if not key:
            return 0.0
        found = self.known(key)
        if found is not None:
            return found
        seconds = wav_seconds(self.synthesizer.synthesize(key, self.voice, self.rate))
        if seconds <= 0:
            raise SpeechError("the speech engine produced no audio")
        with self._lock:
            self._seconds[key] = seconds
        return seconds

    def close(self) -> None:
        """Release the engine."""
        self.synthesizer.close()
