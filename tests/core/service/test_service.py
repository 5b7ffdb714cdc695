"""The TUI's service: a whole call, start to summary, as plain data through one object."""

from __future__ import annotations

import pytest

from callcoach.catalog.outcomes import Outcome
from callcoach.core.service import CoachService
from callcoach.errors import CallcoachError
from tests.support.blockkit import make_list, make_rep, seed_library
from tests.support.helpers import stored_attempts


def test_a_call_through_the_service_reads_and_writes_the_database(db, clock, settings):
    rep_id = make_rep(db)
    seed_library(db)
    list_id, ids = make_list(db, contacts=[{"first_name": n} for n in ("Ada", "Ben")])
    service = CoachService(db, settings, clock)
    assert service.rep("Sam").id == rep_id

    summaries, (due, held) = service.home(rep_id, clock.now())
    assert [(s.id, s.contacts, s.callable_now) for s in summaries] == [(list_id, 2, 2)]
    assert (due, held) == (0, 0)

    calls = service.block
    info = calls.start_info(rep_id, list_id)
    assert info.open_block is None and info.list_name == summaries[0].name
    block = calls.start_block(clock, rep_id, list_id, 30)
    assert calls.unfinished_block(rep_id).id == block.id
    data = calls.read_list(list_id)
    journal = calls.journal()
    first = calls.fetch_next(clock, journal, block, data.zone_cache)
    assert first.unavailable is None and first.contact.first_name == "Ada"
    assert first.history.attempts == 0 and first.objections == []

    attempt, note_trouble = calls.dial(clock, block.id, first.contact.id, "asked for Ada")
    assert note_trouble is None and attempt.contact_id == first.contact.id
    objection = calls.log_objection(clock, block.id, data.choices[0].id)
    calls.set_overcome(objection.id, True)
    clock.advance(60)
    saved, nxt = calls.log_outcome(
        clock, journal, block, data.zone_cache,
        outcome=Outcome.NOT_INTERESTED, contact_id=first.contact.id, note="", done=False,
    )
    assert not saved.journaled and saved.result.attempt.outcome == Outcome.NOT_INTERESTED.value
    assert nxt.contact.first_name == "Ben"
    stored = stored_attempts(db)
    assert [(a.contact_id, a.outcome) for a in stored] == [(first.contact.id, "not_interested")]
    assert stored[0].notes == "asked for Ada"

    state = calls.open_state(block.id)
    # dials, connects, conversations, meetings: the objection made it a conversation
    assert state.tally == [1, 1, 1, 0] and state.contact.first_name == "Ben"
    calls.end_block(clock, block.id)
    summary = calls.summary(block.id)
    assert summary.list_name == info.list_name and summary.planned_seconds == 30 * 60
    assert summary.summary.this.dials == 1
    assert summary.summary.this.objections_by_type[0].overcome == 1
    assert calls.unfinished_block(rep_id) is None


def test_a_block_gone_from_the_database_is_one_line(db, clock, settings):
    make_rep(db)
    service = CoachService(db, settings, clock)
    with pytest.raises(CallcoachError, match="call list 999 is no longer in the database"):
        service.block.start_info(1, 999)


def test_review_reads_and_goal_writes_through_the_service(db, clock, settings):
    rep_id = make_rep(db, "Mia")
    make_list(db, contacts=[{}])
    review = CoachService(db, settings, clock).review
    assert review.rep_choices() == [("Mia", rep_id)]
    week = clock.now().date()
    assert review.goal(rep_id, week) is None
    review.set_goal(rep_id, week, 5, 250, 4)
    goal = review.goal(rep_id, week)
    assert (goal.blocks, goal.dials, goal.meetings) == (5, 250, 4)
