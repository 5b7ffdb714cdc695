"""The answer timer: counted from its start instant on the injected clock."""

from __future__ import annotations

from callcoach.core.drills.timer import AnswerTimer


def test_answer_timer_counts_from_start(clock):
    timer = AnswerTimer(clock.now(), 20)
    clock.advance(7.5)
    assert timer.elapsed(clock.now()) == 7.5
    assert timer.remaining(clock.now()) == 12.5
    assert not timer.expired(clock.now())
    clock.advance(12.5)
    assert timer.expired(clock.now()) and timer.remaining(clock.now()) == 0
