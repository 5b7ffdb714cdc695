"""Targeted practice: Leitner boxes from history, weak objections drawn more often."""

from __future__ import annotations

import random
from collections import Counter

from callcoach.core.drills.practice import (
    draw_objection,
    leitner_boxes,
    leitner_boxes_of,
    objection_weights,
)
from callcoach.core.drills.sets import drill_cards
from tests.support.drill_helpers import add_live_losses, add_rep, score_history, seed_objections


def test_leitner_boxes_follow_history(db, clock):
    seed_objections(db)
    trainee = add_rep(db, "Ana")
    with db.session() as s:
        cards = {c.key: c for c in drill_cards(s, None)}
    score_history(
        db,
        clock,
        trainee,
        cards,
        [
            ("send_info", 5),
            ("send_info", 4),
            ("send_info", 5),  # box 4
            ("no_budget", 5),
            ("no_budget", 2),  # fail resets: box 1
            ("in_house", 2),
            ("in_house", 4),  # box 2
            ("who_are_you", 5),
            ("who_are_you", 5),
            ("who_are_you", 5),
            ("who_are_you", 5),
            ("who_are_you", 5),
            ("who_are_you", 5),  # capped at 5
        ],
    )
    with db.session() as s:
        boxes = leitner_boxes(s, trainee)
    by_key = {k: boxes.get(c.objection_id) for k, c in cards.items()}
    assert by_key["send_info"] == 4 and by_key["no_budget"] == 1
    assert by_key["in_house"] == 2 and by_key["who_are_you"] == 5
    assert by_key["not_interested"] is None


def test_leitner_boxes_of_several_trainees_keep_each_history_apart(db, clock):
    """One query for many trainees (drill progress) gives each trainee's own boxes: another
    trainee's fail on the same objection does not reset this one's passes."""
    seed_objections(db)
    ana, ben = add_rep(db, "Ana"), add_rep(db, "Ben")
    with db.session() as s:
        cards = {c.key: c for c in drill_cards(s, None)}
    score_history(db, clock, ana, cards, [("send_info", 5), ("send_info", 5), ("no_budget", 2)])
    score_history(db, clock, ben, cards, [("send_info", 2), ("no_budget", 5), ("no_budget", 5)])
    with db.session() as s:
        both = leitner_boxes_of(s, [ana, ben, ana])
        alone = {t: leitner_boxes(s, t) for t in (ana, ben)}
    send, budget = cards["send_info"].objection_id, cards["no_budget"].objection_id
    assert both[ana] == {send: 3, budget: 1} and both[ben] == {send: 1, budget: 3}
    assert both == alone


def test_weak_objections_are_drawn_measurably_more_often(db, clock):
    seed_objections(db)
    trainee = add_rep(db, "Ana")
    with db.session() as s:
        cards = {c.key: c for c in drill_cards(s, None)}
    strong = [
        "send_info",
        "not_interested",
        "happy_with_current",
        "call_back_later",
        "who_are_you",
        "talk_to_someone_else",
    ]
    history = [(k, 5) for k in strong for _ in range(4)]  # box 5 each
    history += [("no_budget", 1), ("no_budget", 2)]  # weak in drills: box 1
    history += [("in_house", 5)] * 4  # strong in drills (box 5)...
    score_history(db, clock, trainee, cards, history)
    # ...but lost on live calls three times recently
    add_live_losses(db, trainee, cards["in_house"].objection_id, 3, clock.now())
    with db.session() as s:
        weights = objection_weights(
            s, trainee, [c.objection_id for c in cards.values()], clock.now()
        )
    assert weights[cards["in_house"].objection_id].live_lost == 3
    rng = random.Random(1234)
    draws = Counter(draw_objection(list(cards.values()), weights, rng).key for _ in range(6000))
    mean_strong = sum(draws[k] for k in strong) / len(strong)
    assert draws["no_budget"] > 8 * mean_strong
    assert draws["in_house"] > 2.5 * mean_strong
    assert draws["no_budget"] > draws["in_house"]
