"""The answer timer of a drill round, read from the injected clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AnswerTimer:
    """A countdown computed from its start instant and the clock, never from ticks.

    ``held`` while the prospect is still speaking: the answer time starts when the spoken
    objection ends (:meth:`DrillRun.start_answer_clock`), so a long objection does not eat
    into the trainee's 20 seconds.
    """

    started_at: datetime
    limit_seconds: float
    held: bool = False

    def elapsed(self, now: datetime) -> float:
        """Seconds since the start (since the prompt while held; never negative)."""
        return max(0.0, (now - self.started_at).total_seconds())

    def remaining(self, now: datetime) -> float:
        """Seconds left to answer (the whole limit while held, 0 once expired)."""
        if self.held:
            return self.limit_seconds
        return max(0.0, self.limit_seconds - self.elapsed(now))

    def expired(self, now: datetime) -> bool:
        """True once the whole answer time has passed (never while held)."""
        return not self.held and self.elapsed(now) >= self.limit_seconds

