"""Drill assignments: assigned with a due date, completion derived from scored rounds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from callcoach.core.drills.assignments import (
    assign_drill_set,
    assignments,
    unassign_drill_set,
)
from callcoach.core.drills.rounds import DrillError
from callcoach.core.drills.sets import drill_cards, find_drill_set, load_drill_sets_file
from callcoach.storage.models import DrillAssignment, Rep
from tests.support.drill_helpers import add_rep, drill_run, seed_objections

SETS = (
    '[[drill_set]]\nname = "Three"\nobjections = ["send_info", "no_budget", "in_house"]\n'
    '[[drill_set]]\nname = "Two"\nobjections = ["who_are_you", "not_interested"]\n'
)


def _setup(db, tmp_path):
    seed_objections(db)
    ana = add_rep(db, "Ana")
    add_rep(db, "Tom", "trainer")
    f = tmp_path / "sets.toml"
    f.write_text(SETS, encoding="utf-8")
    load_drill_sets_file(db, f)
    with db.session() as s:
        three = find_drill_set(s, "Three")
        cards = drill_cards(s, three.id)
    return ana, three.id, cards


def _drill(db, clock, trainee, cards, set_id, keys_scores):
    """One session on the set drilling the given cards in order with the given scores."""
    by_key = {c.key: c for c in cards}
    run = drill_run(db, clock, trainee, [by_key[k] for k, _ in keys_scores], drill_set_id=set_id)
    run.rounds = len(keys_scores)
    run.start()
    from callcoach.storage.models import DrillRound

    for i, (key, score) in enumerate(keys_scores):
        with db.transaction() as s:  # force the drawn card to the one wanted
            s.get(DrillRound, run.round_id).objection_id = by_key[key].objection_id
        clock.advance(5)
        run.answer_done()
        if score is not None:
            run.score(score)
        if i < len(keys_scores) - 1:
            run.next()
    run.finish()


def test_assignment_completes_when_every_objection_is_drilled(db, clock, tmp_path):
    ana, set_id, cards = _setup(db, tmp_path)
    # drilled before the assignment: does not count
    _drill(db, clock, ana, cards, set_id, [("send_info", 5)])
    clock.advance(60)
    due = clock.now().date() + timedelta(days=3)
    with db.session() as s:
        status, created = assign_drill_set(s, "three", "ana", due, clock.now(), trainer="Tom")
    assert created and status.set_name == "Three" and status.trainee == "Ana"
    assert status.assigned_by == "Tom" and status.due_on == due
    assert (status.objections, status.drilled, status.done) == (3, 0, False)
    assert status.status(clock.now().date()) == "due in 3 days"
    # an unscored round and a round on another set do not count
    _drill(db, clock, ana, cards, set_id, [("send_info", 4), ("no_budget", None)])
    _drill(db, clock, ana, cards, None, [("in_house", 5)])
    with db.session() as s:
        [status] = assignments(s, ana)
    assert status.drilled == 1 and status.completion == "1/3 objections drilled"
    assert status.status(due + timedelta(days=1)) == "overdue by 1 day"
    assert status.overdue(due + timedelta(days=1)) and not status.overdue(due)
    _drill(db, clock, ana, cards, set_id, [("no_budget", 1), ("in_house", 2), ("no_budget", 5)])
    with db.session() as s:
        [status] = assignments(s, ana)
        assert assignments(s, ana, include_done=False) == []
    assert status.done and status.drilled == 3 and status.status(due) == "done"
    assert status.completed_at == clock.now() - timedelta(seconds=5)  # in_house, first scored
    assert not status.overdue(due + timedelta(days=9))


def test_reassign_changes_the_due_date_and_restarts_a_finished_one(db, clock, tmp_path):
    ana, set_id, cards = _setup(db, tmp_path)
    today = clock.now().date()
    with db.session() as s:
        assign_drill_set(s, "Three", "Ana", today, clock.now())
    _drill(db, clock, ana, cards, set_id, [("send_info", 5)])
    with db.session() as s:
        status, created = assign_drill_set(s, "Three", "Ana", today + timedelta(days=7), clock.now())
    assert not created and status.drilled == 1 and status.due_on == today + timedelta(days=7)
    _drill(db, clock, ana, cards, set_id, [("no_budget", 5), ("in_house", 5)])
    clock.advance(60)
    with db.session() as s:
        assert assignments(s, ana)[0].done
        status, _ = assign_drill_set(s, "Three", "Ana", today + timedelta(days=14), clock.now())
    assert status.drilled == 0 and not status.done
    with db.session() as s:
        assert len(s.exec(select(DrillAssignment)).all()) == 1


def test_bad_assignments_are_one_line_errors_and_create_nothing(db, clock, tmp_path):
    _setup(db, tmp_path)
    today = clock.now().date()
    with db.session() as s:
        with pytest.raises(DrillError, match=r"--trainee 'Anna': no such rep \(did you mean 'Ana'\?\)"):
            assign_drill_set(s, "Three", "Anna", today, clock.now())
        with pytest.raises(DrillError, match="--trainer 'Tim'"):
            assign_drill_set(s, "Three", "Ana", today, clock.now(), trainer="Tim")
        with pytest.raises(DrillError, match="that date has passed"):
            assign_drill_set(s, "Three", "Ana", today - timedelta(days=1), clock.now())
        with pytest.raises(Exception, match="no drill set named 'Nope'"):
            assign_drill_set(s, "Nope", "Ana", today, clock.now())
        with pytest.raises(DrillError, match="not assigned"):
            unassign_drill_set(s, "Three", "Ana")
        assert [r.name for r in s.exec(select(Rep).order_by(Rep.name))] == ["Ana", "Tom"]
        assert s.exec(select(DrillAssignment)).all() == []


def test_unassign_and_list_everyone_due_first(db, clock, tmp_path):
    ana, _, _ = _setup(db, tmp_path)
    bo = add_rep(db, "Bo")
    today = clock.now().date()
    with db.session() as s:
        assign_drill_set(s, "Three", "Ana", today + timedelta(days=5), clock.now())
        assign_drill_set(s, "Two", "Ana", today + timedelta(days=1), clock.now())
        assign_drill_set(s, "Three", "Bo", today + timedelta(days=2), clock.now())
        assert [(r.trainee, r.set_name) for r in assignments(s)] == [
            ("Ana", "Two"), ("Bo", "Three"), ("Ana", "Three"),
        ]
        assert [r.set_name for r in assignments(s, bo)] == ["Three"]
        gone = unassign_drill_set(s, "three", "ANA")
        assert gone.set_name == "Three"
        assert [(r.trainee, r.set_name) for r in assignments(s)] == [("Ana", "Two"), ("Bo", "Three")]
    assert isinstance(today, date) and ana
