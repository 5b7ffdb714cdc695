"""Drills screen driven through the real app with the fake clock; speech never plays aloud."""

from __future__ import annotations

import asyncio
import random

from sqlmodel import select

from callcoach.core.drills.sets import load_drill_sets_file
from callcoach.core.drills.speech import Speaker, make_speaker
from callcoach.storage.models import DrillRound, DrillSession, Rep
from callcoach.tui.app import make_app
from callcoach.tui.screens.drill_run import DrillRunScreen
from callcoach.tui.screens.drills import DrillsScreen
from tests.support.drill_helpers import add_rep, seed_objections, seed_track
from tests.support.speech_fakes import FakeSynthesizer, RecordingPlayer


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def _screen_text(app) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query("Static"))


async def _until(pilot, predicate, tries: int = 100) -> bool:
    for _ in range(tries):
        if predicate():
            return True
        await pilot.pause(0.02)
    return predicate()


async def _prospect_finishes(pilot, app, player, n: int) -> None:
    """Wait for the n-th spoken prompt, let it play to its end, wait for the answer clock."""
    assert await _until(pilot, lambda: len(player.playbacks) >= n)
    assert await _until(pilot, lambda: "Speaking" in _text(app, "#speech-line"))
    assert "Listening" in _text(app, "#timer")
    player.playbacks[n - 1].finish()
    assert await _until(pilot, lambda: " s left" in _text(app, "#timer"))


def _setup(db, tmp_path, sets: str | None = None):
    ids = seed_objections(db)
    seed_track(db, ids)
    add_rep(db, "Ana")
    add_rep(db, "Tom", "trainer")  # reps are added explicitly: a typed name never makes one
    f = tmp_path / "sets.toml"
    f.write_text(
        sets
        or '[[drill_set]]\nname = "Three"\nobjections = ["send_info", "no_budget", "in_house"]\n'
        '[[drill_set]]\nname = "Five"\ntrack = "IT services"\n'
        'objections = ["who_are_you", "not_interested"]\n',
        encoding="utf-8",
    )
    load_drill_sets_file(db, f)
    return ids


def _app(db, settings, clock, tmp_path, speaker: Speaker | None = None, player=None):
    app = make_app(db, settings, clock, rep_name="Ana")
    player = player or RecordingPlayer()
    app.drill_speaker = speaker or Speaker(FakeSynthesizer(tmp_path / "wav"), player)
    app.drill_rng = random.Random(5)
    return app, player


async def _open_drills(pilot, app, set_row: int = 1, trainer: str = "") -> None:
    await pilot.press("t")
    await pilot.pause()
    assert isinstance(app.screen, DrillsScreen)
    if trainer:
        app.screen.query_one("#trainer").value = trainer
    table = app.screen.query_one("#drill-sets")
    table.move_cursor(row=set_row)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, DrillRunScreen)


async def test_full_drill_scores_and_times_in_db(sqlite_db, settings, clock, tmp_path):
    db = sqlite_db
    _setup(db, tmp_path)
    app, player = _app(db, settings, clock, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_drills(pilot, app, set_row=1, trainer="Tom")  # sets sorted: Five, Three
        spoken = []
        for n in range(1, 4):
            assert f"Round {n} of 3" in _text(app, "#round-label")
            prompt = _text(app, "#prompt")
            spoken.append(prompt)
            clock.advance(3)  # the prospect speaking: not answer time
            await _prospect_finishes(pilot, app, player, n)
            assert "20 s left" in _text(app, "#timer")
            clock.advance(8 + n)
            await pilot.press("space")
            assert f"Answered in {8 + n:.1f} s." in _text(app, "#timer")
            assert "Model rebuttal:" in _text(app, "#model-answer")
            await pilot.press("a", "m")
            assert "[x] acknowledged" in _text(app, "#rubric")
            assert "Tom (trainer)" in _text(app, "#rubric")
            await pilot.press("4")
            assert "Saved: 4/5 by Tom (trainer)" in _text(app, "#scored")
            await pilot.press("n")
        assert "Drill complete" in _text(app, "#round-label")
        assert "3 rounds, 3 scores, average 4.0/5, average answer 10.0 s" in _text(app, "#prompt")
    with db.session() as s:
        rounds = s.exec(select(DrillRound).order_by(DrillRound.id)).all()
        sess = s.exec(select(DrillSession)).one()
        tom = s.exec(select(Rep).where(Rep.name == "Tom")).one()
    assert [r.answer_seconds for r in rounds] == [9.0, 10.0, 11.0]
    assert all(r.acknowledged and r.asked_again and not r.returned_to_impact for r in rounds)
    assert {r.scored_by_id for r in rounds} == {tom.id} and tom.role == "trainer"
    assert sess.ended_at is not None and sess.trainer_id == tom.id and sess.mode == "single"
    # each prompt was spoken: the played WAVs are the ones synthesised for the shown texts
    assert len(player.playbacks) == 3


async def test_four_objection_simulation(sqlite_db, settings, clock, tmp_path):
    db = sqlite_db
    _setup(db, tmp_path)
    app, player = _app(db, settings, clock, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("ctrl+t")
        assert "call simulation" in _text(app, "#drills-mode")
        app.screen.query_one("#drill-sets").move_cursor(row=0)  # "Five": IT services track
        await pilot.press("enter")
        await pilot.pause()
        assert "Opening" in _text(app, "#round-label")
        assert '"Hello, Jordan speaking."' in _text(app, "#prompt")
        await _prospect_finishes(pilot, app, player, 1)
        assert "45 s left" in _text(app, "#timer")
        clock.advance(30)
        app.screen.refresh_timer()
        assert "15 s left" in _text(app, "#timer")
        await pilot.press("space", "a", "i", "m", "5", "n")
        labels = []
        for i in range(4):
            labels.append(_text(app, "#round-label"))
            await _prospect_finishes(pilot, app, player, i + 2)
            clock.advance(12)
            await pilot.press("space", "a", "3", "n")
        assert "Drill complete" in _text(app, "#round-label")
        assert "Call lost: the 4th objection was answered weakly." in _text(app, "#prompt")
    assert "1st: the reflex" in labels[0] and "3rd: the decider" in labels[2]
    assert "Objection 4 of up to 4" in labels[3]
    # every answer scored 3 (weak): each follow-up is the harder one, the call is lost
    assert all("harder" in label for label in labels[1:])
    with db.session() as s:
        rounds = s.exec(select(DrillRound).order_by(DrillRound.id)).all()
        sess = s.exec(select(DrillSession)).one()
    assert sess.mode == "simulation"
    assert [(r.kind, r.position) for r in rounds] == [("opening", 0)] + [
        ("objection", i) for i in range(1, 5)
    ]
    assert rounds[0].answer_seconds == 30 and rounds[0].overall == 5
    assert [r.answer_seconds for r in rounds[1:]] == [12.0] * 4
    assert len({r.objection_id for r in rounds[1:]}) == 4
    assert all(r.scorer_role == "self" for r in rounds)


async def test_answer_timer_expires(sqlite_db, settings, clock, tmp_path):
    db = sqlite_db
    _setup(db, tmp_path)
    app, player = _app(db, settings, clock, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_drills(pilot, app)
        await _prospect_finishes(pilot, app, player, 1)
        clock.advance(19)
        app.screen.refresh_timer()
        assert "1 s left" in _text(app, "#timer")
        assert app.screen.query_one("#timer").has_class("urgent")
        clock.advance(2)
        app.screen.refresh_timer()
        assert "Time's up!" in _text(app, "#timer")
        assert "Model rebuttal:" in _text(app, "#model-answer")
        await pilot.press("2")
    with db.session() as s:
        row = s.exec(select(DrillRound)).one()
    assert row.timed_out and row.answer_seconds == 20 and row.overall == 2


async def test_timer_interval_reads_the_clock(sqlite_db, settings, clock, tmp_path):
    """Without calling refresh_timer by hand: the screen's own interval expires the answer."""
    db = sqlite_db
    _setup(db, tmp_path)
    app, player = _app(db, settings, clock, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_drills(pilot, app)
        await _prospect_finishes(pilot, app, player, 1)
        clock.advance(25)
        assert await _until(pilot, lambda: "Time's up!" in _text(app, "#timer"))


async def test_answer_time_starts_when_the_prospect_stops_talking(
    sqlite_db, settings, clock, tmp_path
):
    """A long spoken objection does not eat into the answer time; the timer waits for it."""
    db = sqlite_db
    _setup(db, tmp_path)
    app, player = _app(db, settings, clock, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_drills(pilot, app)
        assert await _until(pilot, lambda: "Speaking" in _text(app, "#speech-line"))
        clock.advance(25)  # longer than the whole answer time, still talking
        app.screen.refresh_timer()
        assert "Listening... your 20 s start when the prospect stops talking" in _text(
            app, "#timer"
        )
        assert "Time's up!" not in _text(app, "#timer")
        player.playbacks[0].finish()
        assert await _until(pilot, lambda: "20 s left" in _text(app, "#timer"))
        clock.advance(7)
        await pilot.press("space")
        assert "Answered in 7.0 s." in _text(app, "#timer")
    with db.session() as s:
        row = s.exec(select(DrillRound)).one()
    assert row.answer_seconds == 7.0 and not row.timed_out


async def test_skip_and_repeat(sqlite_db, settings, clock, tmp_path):
    db = sqlite_db
    _setup(db, tmp_path)
    app, player = _app(db, settings, clock, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_drills(pilot, app)
        assert await _until(pilot, lambda: len(player.playbacks) == 1)
        assert await _until(pilot, lambda: "Speaking" in _text(app, "#speech-line"))
        first = player.playbacks[0]
        clock.advance(2)
        await pilot.press("s")
        assert first.stopped
        assert "Speaking" not in _text(app, "#speech-line")
        assert "20 s left" in _text(app, "#timer")  # skipping starts the answer time
        clock.advance(5)
        await pilot.press("r")
        assert await _until(pilot, lambda: len(player.playbacks) == 2)
        assert player.playbacks[1].wav == first.wav and not player.playbacks[1].stopped
        app.screen.refresh_timer()
        assert "15 s left" in _text(app, "#timer")  # hearing it again does not reset it
        # answering stops the prospect too
        await pilot.press("space")
        assert player.playbacks[1].stopped


async def test_text_only_mode_one_notice(sqlite_db, settings, clock, tmp_path):
    db = sqlite_db
    _setup(db, tmp_path)
    app, _ = _app(db, settings, clock, tmp_path, speaker=make_speaker(enabled=False))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert "Speech off (--no-voice)" in _text(app, "#speech-status")
        app.screen.query_one("#drill-sets").move_cursor(row=1)
        await pilot.press("enter")
        await pilot.pause()
        text = _screen_text(app)
        assert text.count("Speech off") == 1
        assert "Prospect: " in _text(app, "#prompt")
        clock.advance(5)
        await pilot.press("space", "3", "n")
        assert "Round 2 of 3" in _text(app, "#round-label")
        assert _screen_text(app).count("Speech off") == 1
    assert count_scored(db) == 1


async def test_no_audio_device_is_reported_not_announced(sqlite_db, settings, clock, tmp_path):
    db = sqlite_db
    _setup(db, tmp_path)
    failing = RecordingPlayer(ok=False)
    speaker = Speaker(FakeSynthesizer(tmp_path / "wav"), failing)
    app, _ = _app(db, settings, clock, tmp_path, speaker=speaker)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_drills(pilot, app)
        assert await _until(pilot, lambda: "no audio device" in _screen_text(app))
        assert "Speech on" not in _screen_text(app)
        assert failing.playbacks == []  # nothing was sent to a player that cannot play
        assert "Prospect: " in _text(app, "#prompt")


async def test_progress_view_on_drills_screen(sqlite_db, settings, clock, tmp_path):
    db = sqlite_db
    _setup(db, tmp_path)
    app, _ = _app(db, settings, clock, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_drills(pilot, app)
        for _ in range(3):
            clock.advance(6)
            await pilot.press("space", "a", "2", "n")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DrillsScreen)
        table = app.screen.query_one("#progress")
        with db.session() as s:
            drilled = [r.objection_id for r in s.exec(select(DrillRound)).all()]
        assert len(drilled) == 3 and table.row_count == len(set(drilled))
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert sum(int(r[1]) for r in rows) == 3
        assert all(r[2] == "2.0" and r[6] == "6.0" and r[8] == "1" for r in rows)
        assert "over time" in _text(app, "#history") and "11-23: 2.0" in _text(app, "#history")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HomeScreen"


async def test_no_sets_and_no_trainer_are_one_line_messages(sqlite_db, settings, clock, tmp_path):
    db = sqlite_db
    add_rep(db, "Ana")
    app, _ = _app(db, settings, clock, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("enter")  # only the (empty) library row
        await pilot.pause()
        assert "no objections" in _text(app, "#drills-error")
        assert isinstance(app.screen, DrillsScreen)
    _setup_objs = seed_objections(db)
    assert _setup_objs
    app, _ = _app(db, settings, clock, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_drills(pilot, app, set_row=0)
        clock.advance(3)
        await pilot.press("space", "w")
        assert "no trainer" in _text(app, "#run-error")
        await pilot.press("n")
        assert "Round 2" in _text(app, "#round-label")


async def test_unknown_trainer_or_trainee_is_refused_and_creates_no_rep(
    sqlite_db, settings, clock, tmp_path
):
    """A typo in the trainer or trainee field is one line with the close match; no rep is
    created and no drill starts (issue 14 item 8)."""
    db = sqlite_db
    _setup(db, tmp_path)
    app, _ = _app(db, settings, clock, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        app.screen.query_one("#trainer").value = "Tim"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DrillsScreen)
        error = _text(app, "#drills-error")
        assert "trainer 'Tim': no such rep (did you mean 'Tom'?" in error
        assert "callcoach reps add Tim" in error
        app.screen.query_one("#trainer").value = ""
        app.screen.query_one("#trainee").value = "t1"
        await pilot.press("enter")
        await pilot.pause()
        assert "trainee 't1': no such rep" in _text(app, "#drills-error")
    with db.session() as s:
        assert sorted(r.name for r in s.exec(select(Rep)).all()) == ["Ana", "Tom"]
        assert s.exec(select(DrillSession)).first() is None


def count_scored(db) -> int:
    with db.session() as s:
        return len(s.exec(select(DrillRound).where(DrillRound.overall.is_not(None))).all())


def test_drill_screen_snapshot(snap_compare, sqlite_db, settings, clock, tmp_path):
    db = sqlite_db
    _setup(db, tmp_path)
    app, _ = _app(db, settings, clock, tmp_path, speaker=make_speaker(enabled=False))

    async def run_before(pilot) -> None:
        await _open_drills(pilot, app, set_row=1, trainer="Tom")
        clock.advance(7)
        await pilot.press("space", "a", "i")
        await pilot.pause()
        await asyncio.sleep(0)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
