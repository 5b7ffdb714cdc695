"""Injected clocks: every timer in callcoach reads one of these, never the wall directly.

Remaining and elapsed times are always computed from a start instant and the clock's
``now()``, never by counting ticks, so a 52-minute block cannot drift and tests can move
time forward instantly with :class:`FakeClock`.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that can tell the current instant as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current instant (timezone-aware, UTC)."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """Return the current instant (timezone-aware, UTC)."""
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to; thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        if start is None:
            start = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return the fake current instant."""
        with self._lock:
            return self._now

    def advance(self, seconds: float = 0.0, **kwargs: float) -> datetime:
        """Move time forward by ``seconds`` (plus any ``timedelta`` keyword) and return it."""
        with self._lock:
            self._now += timedelta(seconds=seconds, **kwargs)
            return self._now

    def set(self, instant: datetime) -> None:
        """Jump to ``instant`` (aware)."""
        with self._lock:
            self._now = instant.astimezone(UTC)


def utcnow() -> datetime:
    """Wall-clock now, aware UTC; for defaults that are not timers (e.g. created_at)."""
    return datetime.now(UTC)
