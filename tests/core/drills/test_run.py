"""A drill run: rounds, answer times, scores by self and trainer, simulation, merge fields."""

from __future__ import annotations

import pytest
from sqlmodel import select

from callcoach.core.drills.rounds import DrillError, DrillMode, RoundKind, ScorerRole
from callcoach.core.drills.run import Phase
from callcoach.core.drills.sets import drill_cards, drill_set_from_track
from callcoach.storage.models import DrillRound, DrillSession, Objection
from tests.support.drill_helpers import add_rep, drill_run, seed_objections, seed_track


def test_full_single_drill_records_times_and_scores(db, clock):
    ids = seed_objections(db)
    trainee = add_rep(db, "Ana")
    trainer = add_rep(db, "Tom", "trainer")
    with db.session() as s:
        cards = drill_cards(s, None)
    run = drill_run(db, clock, trainee, cards[:3], trainer_id=trainer)
    first = run.start()
    assert first.kind is RoundKind.OBJECTION and run.phase is Phase.ANSWERING
    clock.advance(11)
    run.answer_done()
    assert run.phase is Phase.REVIEW
    run.toggle("acknowledged")
    run.toggle("asked_again")
    row = run.score(4)
    assert row.scorer_role == "trainer" and row.scored_by_id == trainer
    # The trainee scores the same answer too: both kept, the answer counted once.
    run.switch_scorer()
    run.score(3)
    assert run.switch_scorer() is ScorerRole.TRAINER
    assert run.next() is not None
    clock.advance(25)
    assert run.tick() is True  # expired
    run.score(1)
    assert run.next() is not None
    clock.advance(5)
    run.answer_done()
    run.score(5)
    assert run.next() is None and run.phase is Phase.DONE
    with db.session() as s:
        rounds = s.exec(select(DrillRound).order_by(DrillRound.id)).all()
        sess = s.exec(select(DrillSession)).one()
    assert sess.ended_at == clock.now() and sess.trainer_id == trainer
    assert [r.answer_seconds for r in rounds] == [11.0, 11.0, 20.0, 5.0]
    assert [r.timed_out for r in rounds] == [False, False, True, False]
    assert [r.scorer_role for r in rounds] == ["trainer", "self", "trainer", "trainer"]
    assert (
        rounds[1].scored_by_id == trainee
        and rounds[0].acknowledged
        and not rounds[0].returned_to_impact
    )
    summary = run.summary()
    assert summary.rounds == 3 and summary.scored == 4 and summary.timeouts == 1
    assert summary.avg_answer_seconds == pytest.approx(12.0)
    assert summary.avg_overall == pytest.approx(13 / 4)
    assert set(ids)  # objections were seeded


def test_self_scoring_without_trainer_cannot_switch(db, clock):
    seed_objections(db)
    trainee = add_rep(db, "Ana")
    with db.session() as s:
        cards = drill_cards(s, None)
    run = drill_run(db, clock, trainee, cards)
    run.start()
    assert run.scorer is ScorerRole.SELF
    with pytest.raises(DrillError, match="no trainer"):
        run.switch_scorer()
    with pytest.raises(DrillError, match="press space"):
        run.score(3)


def test_simulation_chain_of_four_with_opening(db, clock):
    ids = seed_objections(db)
    track_id = seed_track(db, ids)
    trainee = add_rep(db, "Ana")
    set_ = drill_set_from_track(db, "it services")
    with db.session() as s:
        cards = drill_cards(s, set_.id)
        from callcoach.core.drills.sets import drill_set_track

        track = drill_set_track(s, set_.id)
    assert track is not None and track.id == track_id
    all_cards = cards + [c for c in drill_cards(db.session(), None) if c.key == "who_are_you"]
    run = drill_run(
        db, clock, trainee, all_cards, mode=DrillMode.SIMULATION, track=track, drill_set_id=set_.id
    )
    opening = run.start()
    assert opening.kind is RoundKind.OPENING and opening.text == "Hello, Jordan speaking."
    assert run.timer.limit_seconds == 45
    assert "impact" in opening.model_answer.lower() or "50/50" in opening.model_answer
    clock.advance(40)
    run.answer_done()
    run.score(4)
    labels = []
    while (p := run.next()) is not None:
        labels.append(p.label)
        clock.advance(10)
        run.answer_done()
        run.score(3)
    assert len(labels) == 4 and "decider" in labels[2] and "reflex" in labels[0]
    with db.session() as s:
        rounds = s.exec(select(DrillRound).order_by(DrillRound.id)).all()
    assert [r.kind for r in rounds] == ["opening"] + ["objection"] * 4
    assert [r.position for r in rounds] == [0, 1, 2, 3, 4]
    assert len({r.objection_id for r in rounds[1:]}) == 4
    assert rounds[0].answer_seconds == 40


def test_merge_fields_are_filled_for_the_pretend_prospect(db, clock):
    from callcoach.storage.models import TalkTrack

    trainee = add_rep(db, "Ana")
    with db.transaction() as s:
        track = TalkTrack(
            name="Soft",
            engage_statement="Hi {first_name}, it's {rep_name}.",
            impact_question="How is {company} tracking?",
            meeting_ask="Tuesday?",
            greeting="Hello, this is {first_name}.",
            third_party_reference="Brightwave",
        )
        s.add(track)
        s.add(Objection(key="ni", text="Not interested.", rebuttal="Ask {reference} - {rep_name}"))
    with db.session() as s:
        cards = drill_cards(s, None)
        track = s.exec(select(TalkTrack)).one()
    run = drill_run(
        db, clock, trainee, cards, mode=DrillMode.SIMULATION, track=track, trainee_name="Ana"
    )
    opening = run.start()
    assert opening.text == "Hello, this is Pat."
    assert opening.model_answer.splitlines()[:2] == [
        "Hi Pat, it's Ana.",
        "How is Northwind tracking?",
    ]
    run.answer_done()
    prompt = run.next()
    assert prompt.model_answer == "Ask Brightwave - Ana"


def test_weights_update_after_every_scored_round(db, clock):
    """Item 7: a fail moves the objection to box 1 at once, a pass moves it up, mid-session."""
    seed_objections(db)
    trainee = add_rep(db, "Ana")
    with db.session() as s:
        cards = drill_cards(s, None)[:3]
    run = drill_run(db, clock, trainee, cards, rounds=3)
    first = run.start()
    assert first.card is not None
    assert {w.box for w in run.weights.values()} == {0}
    clock.advance(5)
    run.answer_done()
    run.score(1)
    assert run.weights[first.card.objection_id].box == 1
    assert run.weights[first.card.objection_id].weight == 16.0
    run.score(5)  # corrected by the same scorer: a pass now
    assert run.weights[first.card.objection_id].box == 2
    second = run.next()
    assert second is not None and second.card is not None
    clock.advance(5)
    run.answer_done()
    run.score(4)
    assert run.weights[second.card.objection_id].box == 2
