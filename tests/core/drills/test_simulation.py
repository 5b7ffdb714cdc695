"""Call simulation that reacts: the next objection follows from how the last was answered."""

from __future__ import annotations

import random

from callcoach.core.drills.practice import (
    ObjectionWeight,
    call_goes_on,
    next_call_objection,
)
from callcoach.core.drills.rounds import DrillMode
from callcoach.core.drills.sets import DrillCard, drill_cards
from tests.support.drill_helpers import add_live_losses, add_rep, drill_run, score_history, seed_objections

KEYS = ["send_info", "no_budget", "in_house", "who_are_you", "not_interested"]


def _card(oid: int) -> DrillCard:
    return DrillCard(oid, f"k{oid}", f"text {oid}", f"rebuttal {oid}")


def test_weak_answer_brings_the_hardest_objection_left():
    cards = [_card(i) for i in range(1, 6)]
    weights = {i: ObjectionWeight(i, 0, 0, w) for i, w in enumerate([1, 16, 48, 2, 8], start=1)}
    rng = random.Random(3)
    step = next_call_objection(cards, weights, rng, used=[4], last_weak=True)
    assert step is not None and step.follow_up and step.card.objection_id == 3
    step = next_call_objection(cards, weights, rng, used=[4, 3], last_weak=True)
    assert step is not None and step.card.objection_id == 2
    # a good (or unscored) answer: a weighted draw, not always the hardest
    seen = {
        next_call_objection(cards, weights, random.Random(seed), [4], last_weak).card.objection_id
        for seed in range(40)
        for last_weak in (False, None)
    }
    assert 3 in seen and len(seen) >= 3
    assert next_call_objection(cards, weights, rng, used=[1, 2, 3, 4, 5], last_weak=True) is None


def test_the_third_objection_decides():
    assert call_goes_on(1, False) and call_goes_on(2, False) and call_goes_on(2, True)
    assert not call_goes_on(3, False)  # answered well: the meeting is won
    assert call_goes_on(3, True)  # weak: a 4th, the last chance
    assert not call_goes_on(3, None)  # not scored: the call ends there
    assert not call_goes_on(4, True)  # never more than four
    assert not call_goes_on(2, True, limit=2)


def _fixture(db, clock):
    """Five objections; this trainee is worst on in_house (box 1, lost live twice: 48),
    then no_budget (box 1: 16), not_interested (box 4: 2), send_info/who_are_you (box 5: 1)."""
    seed_objections(db)
    trainee = add_rep(db, "Ana")
    with db.session() as s:
        by_key = {c.key: c for c in drill_cards(s, None)}
    history = [(k, 5) for k in ("send_info", "who_are_you") for _ in range(4)]
    history += [("not_interested", 5)] * 3 + [("no_budget", 2), ("in_house", 1)]
    score_history(db, clock, trainee, by_key, history)
    add_live_losses(db, trainee, by_key["in_house"].objection_id, 2, clock.now())
    return trainee, [by_key[k] for k in KEYS], {c.objection_id: c.key for c in by_key.values()}


def _play_call(db, clock, trainee, cards, scores: list[int], seed: int):
    run = drill_run(db, clock, trainee, cards, mode=DrillMode.SIMULATION)
    run.rng = random.Random(seed)
    run.start()  # the opening
    clock.advance(30)
    run.answer_done()
    run.score(4)
    prompts = []
    while (prompt := run.next()) is not None:
        prompts.append(prompt)
        clock.advance(8)
        run.answer_done()
        run.score(scores[len(prompts) - 1])
    return run, prompts


def test_simulated_call_reacts_to_weak_and_good_answers(db, clock):
    trainee, cards, keys = _fixture(db, clock)
    # weak, good, good: the 2nd is the hardest left, the 3rd answered well ends the call
    run, prompts = _play_call(db, clock, trainee, cards, [2, 5, 5], seed=1)
    first, second = keys[prompts[0].card.objection_id], keys[prompts[1].card.objection_id]
    assert second == ("no_budget" if first == "in_house" else "in_house")
    assert "harder" in prompts[1].label and "harder" not in prompts[2].label
    assert len(prompts) == 3 and "3rd: the decider" in prompts[2].label
    assert run.call_result == "Meeting won: the 3rd objection was answered well."
    assert len({p.card.objection_id for p in prompts}) == 3


def test_weak_decider_brings_a_fourth_and_loses(db, clock):
    trainee, cards, keys = _fixture(db, clock)
    run, prompts = _play_call(db, clock, trainee, cards, [5, 5, 1, 2], seed=2)
    assert len(prompts) == 4 and "4th: last chance" in prompts[3].label
    assert "harder" in prompts[3].label and "harder" not in prompts[1].label
    # the 4th is the hardest of the two left after the three raised
    left = [c for c in cards if c.objection_id not in {p.card.objection_id for p in prompts[:3]}]
    weights = run.weights
    hardest = max(left, key=lambda c: weights[c.objection_id].weight)
    assert prompts[3].card.objection_id == hardest.objection_id
    assert run.call_result == "Call lost: the 4th objection was answered weakly."


def test_weak_then_strong_fourth_wins(db, clock):
    trainee, cards, _ = _fixture(db, clock)
    run, prompts = _play_call(db, clock, trainee, cards, [3, 3, 3, 4], seed=5)
    assert len(prompts) == 4
    assert all("harder" in p.label for p in prompts[1:])
    assert run.call_result == "Meeting won: the 4th objection was answered well."


def test_trainer_score_decides_over_self(db, clock):
    trainee, cards, _ = _fixture(db, clock)
    trainer = add_rep(db, "Tom", "trainer")
    run = drill_run(db, clock, trainee, cards, mode=DrillMode.SIMULATION, trainer_id=trainer)
    run.start()
    run.answer_done()
    run.next()
    run.answer_done()
    run.score(2)  # trainer: weak
    run.switch_scorer()
    run.score(5)  # the trainee thinks it went well
    assert run.answer_weak is True
    assert "harder" in run.next().label
