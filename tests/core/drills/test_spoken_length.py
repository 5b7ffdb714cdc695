"""Spoken lengths measured by real synthesis: long texts whole, cached, against a slot."""

from __future__ import annotations

from callcoach.core.drills.speech import Pyttsx3Synthesizer
from callcoach.core.drills.spoken_length import SpeechTimer, SpokenLength
from tests.core.drills.test_speech import needs_espeak
from tests.support.speech_fakes import FakeSynthesizer

OPENER = (
    "Hi Dev, it's Sam. We help banks and credit unions shorten account opening - Granite "
    "Valley Credit Union cut it from 11 days to 2 and doubled completed applications. How "
    "many days does a new business account take at Northwind Lending today, against where "
    "you'd like it to be?"
)


@needs_espeak
def test_a_long_opener_is_synthesised_whole_and_the_next_text_is_not_silent(tmp_path):
    """A multi-sentence text longer than espeak-ng says in one go comes back whole (its
    length grows with the text) and the request after it is unaffected (before the worker
    waited for espeak-ng, the first came back missing and the second silent)."""
    timer = SpeechTimer(Pyttsx3Synthesizer(tmp_path), None, 170)
    try:
        whole = timer.measure(OPENER)
        half = timer.measure(OPENER[: len(OPENER) // 2])
        triple = timer.measure(" ".join([OPENER] * 3))
        short = timer.measure("Hello.")
    finally:
        timer.close()
    assert 10 < whole < 30
    assert 0.35 < half / whole < 0.65
    assert 2.5 < triple / whole < 3.5
    assert 0.2 < short < 2


def test_measurements_are_cached_by_text(tmp_path):
    """A text is synthesised once; the slot decides the warning."""
    synth = FakeSynthesizer(tmp_path)
    timer = SpeechTimer(synth, None, 170)
    assert timer.measure("Hi there.") == timer.measure("  Hi there. ") == 0.5
    assert synth.requests == ["Hi there."]
    assert timer.known("Hi there.") == 0.5 and timer.known("other") is None
    assert not SpokenLength(0.5, 20).over
    over = SpokenLength(52.4, 45)
    assert over.over and over.text("Opener", "engage phase") == (
        "Opener: 52.4 s - over the 45 s engage phase by 7.4 s"
    )
