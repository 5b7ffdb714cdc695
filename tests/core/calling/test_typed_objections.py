"""Objections a rep types in a call: logged in order like the library's, added to the library
as "new from a call", then counted in the objection report and offered in drills."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from callcoach.catalog.outcomes import Outcome
from callcoach.core.calling import dialling, lifecycle, objections, outcomes, serving
from callcoach.core.calling.outcomes import MeetingDetails
from callcoach.core.drills.progress import drill_progress
from callcoach.core.drills.sets import drill_cards, list_drill_sets
from callcoach.core.review.filters import make_filter
from callcoach.core.review.objections import objection_stats
from callcoach.storage.models import AttemptObjection, Objection
from tests.support.blockkit import start_named_block


def _dial_next(db, clock, settings, block) -> None:
    contact = serving.serve_next(db, clock, settings, block)
    dialling.dial(db, clock, block.id, contact.id)
    clock.advance(70)


def test_a_typed_objection_is_logged_in_order_and_joins_the_library(db, clock, settings):
    block = start_named_block(db, clock)
    _dial_next(db, clock, settings, block)
    with db.session() as s:
        send_info = s.exec(select(Objection).where(Objection.key == "send_info")).one().id
    first = objections.log_objection(db, clock, block.id, send_info)
    second, added = objections.log_typed_objection(
        db, clock, block.id, "  We just signed   with a competitor "
    )
    third, again = objections.log_typed_objection(db, clock, block.id, "we JUST signed with a competitor")
    assert (first.position, second.position, third.position) == (1, 2, 3)
    assert added is True and again is False  # the same words are the same objection
    assert second.objection_id == third.objection_id
    assert second.text == "We just signed with a competitor"
    assert second.key == "call_we_just_signed_with_a_competitor"
    assert second.rebuttal == objections.NEW_FROM_CALL_REBUTTAL
    with db.session() as s:
        new = s.get(Objection, second.objection_id)
        rows = s.exec(select(AttemptObjection).order_by(col(AttemptObjection.position))).all()
        library = s.exec(select(Objection).order_by(col(Objection.position))).all()
    assert new is not None and new.origin == "call"
    assert library[-1].id == new.id  # the newest in the library's order
    assert [r.objection_id for r in rows] == [send_info, new.id, new.id]
    # Offered in the picker of every list from now on, marked as new from a call.
    choice = next(c for c in objections.objection_choices(db.session(), block.list_id)
                  if c.id == new.id)
    assert choice.from_call and not choice.likely
    # A different objection whose slug is taken gets a numbered key.
    other, _ = objections.log_typed_objection(db, clock, block.id, "We just signed with a competitor!")
    assert other.key == "call_we_just_signed_with_a_competitor_2"


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "type the objection"), ("x" * 201, "at most 200")],
)
def test_a_typed_objection_must_be_one_line_of_words(db, clock, settings, text, message):
    block = start_named_block(db, clock)
    _dial_next(db, clock, settings, block)
    with pytest.raises(lifecycle.BlockError, match=message):
        objections.log_typed_objection(db, clock, block.id, text)
    with db.session() as s:
        assert s.exec(select(Objection).where(Objection.origin == "call")).all() == []


def test_a_typed_objection_needs_a_call(db, clock):
    block = start_named_block(db, clock)
    with pytest.raises(lifecycle.BlockError, match="dial first"):
        objections.log_typed_objection(db, clock, block.id, "Too early in the year")
    with db.session() as s:
        assert s.exec(select(Objection).where(Objection.origin == "call")).all() == []


def test_a_typed_objection_is_counted_in_the_report_and_offered_in_drills(db, clock, settings):
    block = start_named_block(db, clock)
    for overcome, outcome in ((True, Outcome.MEETING), (False, Outcome.NOT_INTERESTED)):
        _dial_next(db, clock, settings, block)
        logged, _ = objections.log_typed_objection(db, clock, block.id, "We froze all spending")
        objections.set_overcome(db, logged.id, overcome)
        details = {}
        if outcome is Outcome.MEETING:
            details["meeting"] = MeetingDetails(
                starts_at=clock.now() + timedelta(days=2), kind="web", email="ada@example.com"
            )
        outcomes.log_outcome(db, clock, settings, block_id=block.id, outcome=outcome, **details)
    new_id = logged.objection_id
    with db.session() as s:
        stats = {st.key: st for st in objection_stats(s, make_filter(clock.now(), period="this-week"))}
        cards = drill_cards(s, None)
        progress = drill_progress(s, clock.now(), trainee_id=block.rep_id, include_live=True)
    stat = stats["call_we_froze_all_spending"]
    assert (stat.raised, stat.overcome, stat.meetings) == (2, 1, 1)
    assert stat.text == "We froze all spending"
    assert new_id in [c.objection_id for c in cards]  # the whole-library drill offers it
    row = next(r for r in progress if r.objection_key == "call_we_froze_all_spending")
    assert row.objection_text == "We froze all spending" and row.prompts == 0
    # ... and in the drill set trainers find them in, once however often it was raised.
    with db.session() as s:
        sets = {d.name: d for d in list_drill_sets(s)}
        new_set = sets[objections.NEW_FROM_CALLS_SET]
        assert new_set.objections == 1
        assert [c.objection_id for c in drill_cards(s, new_set.id)] == [new_id]
