"""Speech: real espeak-ng synthesis to WAV through the drill's code path, caching, the
startup check, the player wrapper, skip and repeat. Nothing here plays audio aloud."""

from __future__ import annotations

import ctypes.util
import shutil
import sys
import time
import wave

import pytest

from callcoach.core.drills.speech import (
    CommandPlayer,
    Pyttsx3Synthesizer,
    Speaker,
    SpeechError,
    SpeechState,
    cache_dir,
    make_speaker,
    wav_seconds,
)
from tests.support.speech_fakes import FakeSynthesizer, RecordingPlayer

HAS_ESPEAK = bool(ctypes.util.find_library("espeak-ng")) or shutil.which("espeak-ng") is not None
needs_espeak = pytest.mark.skipif(
    not HAS_ESPEAK, reason="espeak-ng is not installed (apt-get install -y espeak-ng)"
)
OBJECTION = "We are happy with what we have, thanks, and there is no budget this year."


def _wait_for(predicate, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


@pytest.fixture
def synth(tmp_path):
    s = Pyttsx3Synthesizer(cache=tmp_path / "cache")
    yield s
    s.close()


@needs_espeak
def test_real_synthesis_through_the_speaker_path(synth):
    """speak() -> worker process -> espeak-ng -> cached WAV handed to the player."""
    player = RecordingPlayer()
    events: list[tuple[str, str]] = []
    speaker = Speaker(
        synth, player, voice=None, rate=170, on_event=lambda e, d: events.append((e, d))
    )
    assert speaker.check().state is SpeechState.OK  # the recording player "plays" silence fine
    speaker.speak(OBJECTION)
    assert _wait_for(lambda: len(player.playbacks) == 1)
    wav = player.playbacks[0].wav
    with wave.open(str(wav), "rb") as w:
        frames, rate, width, channels = (
            w.getnframes(),
            w.getframerate(),
            w.getsampwidth(),
            w.getnchannels(),
        )
        data = w.readframes(frames)
    assert (width, channels) == (2, 1) and rate > 8000
    seconds = frames / rate
    words = len(OBJECTION.split())  # 15 words at 170 wpm is about 5.3 s of speech
    expected = words / 170 * 60
    assert 0.5 * expected < seconds < 2.0 * expected, seconds
    assert (
        max(
            abs(int.from_bytes(data[i : i + 2], "little", signed=True))
            for i in range(0, len(data), 200)
        )
        > 1000
    )  # not silence
    assert ("started", OBJECTION) in events
    speaker.close()


@needs_espeak
def test_cache_per_text_voice_and_rate(synth):
    first = synth.synthesize("Not interested.", None, 170)
    mtime = first.stat().st_mtime_ns
    assert synth.synthesize("Not interested.", None, 170) == first
    assert first.stat().st_mtime_ns == mtime  # served from the cache, not re-synthesised
    fast = synth.synthesize("Not interested.", None, 340)
    assert fast != first
    assert 0.35 < wav_seconds(fast) / wav_seconds(first) < 0.75  # the rate really applies
    other_voice = synth.synthesize("Not interested.", "gmw/en-us", 170)
    assert other_voice not in (first, fast)
    assert not list(synth.cache.glob(".*.wav"))  # no half-written temp files left


@needs_espeak
def test_unknown_voice_is_one_line_error(synth):
    with pytest.raises(SpeechError) as err:
        synth.synthesize("Hello.", "no-such-voice", 170)
    assert "no-such-voice" in str(err.value) and "\n" not in str(err.value)
    # the worker survives a bad request
    assert wav_seconds(synth.synthesize("Hello.", None, 170)) > 0.2


@needs_espeak
def test_voices_listed(synth):
    ids = {v.id for v in synth.voices()}
    assert "gmw/en" in ids or any(i.endswith("/en") for i in ids)


def test_missing_engine_reported_honestly(tmp_path, monkeypatch):
    synth = Pyttsx3Synthesizer(cache=tmp_path)
    monkeypatch.setattr("callcoach.core.drills.speech.WORKER_SCRIPT", tmp_path / "missing_worker.py")
    speaker = Speaker(synth, RecordingPlayer())
    status = speaker.check()
    assert status.state is SpeechState.NO_ENGINE and not speaker.enabled
    assert "no speech engine" in status.notice() and "text" in status.notice()
    speaker.speak("anything")  # a no-op, never a crash
    speaker.close()


def test_no_player_and_failing_player_mean_no_device(tmp_path):
    s1 = Speaker(FakeSynthesizer(tmp_path), None)
    assert s1.check().state is SpeechState.NO_DEVICE
    failing = CommandPlayer(
        [sys.executable, "-c", "import sys; sys.stderr.write('no card\\n'); sys.exit(3)"]
    )
    s2 = Speaker(FakeSynthesizer(tmp_path), failing)
    status = s2.check()
    assert status.state is SpeechState.NO_DEVICE and "no card (exit status 3)" in status.detail
    assert "no audio device" in status.notice()
    ok = Speaker(FakeSynthesizer(tmp_path), CommandPlayer([sys.executable, "-c", "pass"]))
    assert ok.check().ok and ok.status.notice().startswith("Speech on (python")


def test_disabled_speaker_is_text_only(tmp_path):
    speaker = make_speaker(enabled=False)
    assert speaker.ensure_checked().state is SpeechState.DISABLED and not speaker.enabled
    assert "--no-voice" in speaker.status.notice()


def test_skip_and_repeat_with_a_real_player_process(tmp_path):
    """A player that would run for 30 s is stopped by skip; repeat starts it again."""
    script = "import sys, time; time.sleep(0 if 'silence' in sys.argv[1] else 30)"
    sleeper = CommandPlayer([sys.executable, "-c", script])
    events: list[str] = []
    speaker = Speaker(FakeSynthesizer(tmp_path), sleeper, on_event=lambda e, d: events.append(e))
    assert speaker.check().ok
    speaker.speak("Who are you with?")
    assert _wait_for(lambda: speaker._current is not None)
    proc = speaker._current.proc
    assert proc.poll() is None  # playing
    speaker.stop()
    assert _wait_for(lambda: proc.poll() is not None, 3)
    speaker.repeat()
    assert _wait_for(lambda: speaker._current is not None and speaker._current.proc is not proc)
    second = speaker._current.proc
    speaker.close()
    assert _wait_for(lambda: second.poll() is not None, 3)
    assert events.count("started") == 2 and "error" not in events
    assert _wait_for(lambda: events.count("stopped") == 2)
    assert "finished" not in events  # a skipped utterance never says it played to the end


def test_finished_only_when_played_to_the_end(tmp_path):
    """'finished' (which starts a drill's answer time) means the whole phrase was heard."""
    script = "import sys, time; time.sleep(0 if 'silence' in sys.argv[1] else 0.3)"
    player = CommandPlayer([sys.executable, "-c", script])
    events: list[tuple[str, str]] = []
    speaker = Speaker(FakeSynthesizer(tmp_path), player, on_event=lambda e, d: events.append((e, d)))
    assert speaker.check().ok
    speaker.speak("Send me some information.")
    assert _wait_for(lambda: ("finished", "Send me some information.") in events, 5)
    speaker.speak("We do it in house.")
    assert _wait_for(lambda: ("started", "We do it in house.") in events, 5)
    speaker.speak("Who are you with?")  # supersedes the one playing
    assert _wait_for(lambda: ("finished", "Who are you with?") in events, 5)
    assert ("stopped", "We do it in house.") in events
    assert ("finished", "We do it in house.") not in events
    speaker.close()


def test_playback_failure_turns_speech_off_once(tmp_path):
    player = RecordingPlayer(ok=False)
    player_ok_for_check = RecordingPlayer()
    events: list[tuple[str, str]] = []
    speaker = Speaker(
        FakeSynthesizer(tmp_path), player_ok_for_check, on_event=lambda e, d: events.append((e, d))
    )
    assert speaker.check().ok
    speaker.player = player  # the device disappears after the check
    speaker.speak("one")
    assert _wait_for(lambda: len(player.playbacks) == 1)
    player.playbacks[0].finish()
    assert _wait_for(lambda: not speaker.enabled)
    speaker.speak("two")
    time.sleep(0.05)
    assert len(player.playbacks) == 1
    assert [e for e, _ in events].count("error") == 1
    assert "no audio device" in [d for e, d in events if e == "error"][0]


def test_prefetch_synthesises_ahead(tmp_path):
    synth = FakeSynthesizer(tmp_path)
    speaker = Speaker(synth, RecordingPlayer())
    speaker.check()
    speaker.prefetch(["a", "b", " "])
    assert _wait_for(lambda: {"a", "b"} <= set(synth.requests))
    speaker.close()


def test_cache_dir_is_in_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("CALLCOACH_DATA_DIR", str(tmp_path))
    assert cache_dir() == tmp_path / "speech-cache"
