"""Skip and find on both engines: a skip is no dial and no attempt and comes back after the
rest of the list (or its delay); find filters the list and serves the chosen contact."""

from __future__ import annotations

from datetime import timedelta

import pytest

from callcoach.core.calling import dialling, lifecycle, outcomes, picking, serving
from callcoach.core.calling.lifecycle import BlockError
from callcoach.storage.models import Contact
from tests.support.blockkit import make_list, make_rep, seed_library
from tests.support.helpers import count_rows

PEOPLE = [
    {"first_name": "Ada", "last_name": "Byron", "company": "Molar Works"},
    {"first_name": "Ben", "last_name": "Cole", "company": "Bright Teeth"},
    {"first_name": "Cy", "last_name": "Dunn", "company": "Gum Care", "phone": "+12125559876"},
    {"first_name": "Di", "last_name": "Ek", "company": "100% Smile_Lab"},
]


def _block(db, clock):
    rep = make_rep(db)
    seed_library(db)
    list_id, ids = make_list(db, contacts=PEOPLE)
    return rep, list_id, ids, lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id)


def _contact(db, contact_id) -> Contact:
    with db.session() as s:
        return s.get(Contact, contact_id)


def test_skip_is_no_attempt_and_comes_back_after_the_rest(db, clock, settings):
    _, _, ids, block = _block(db, clock)
    first = serving.serve_next(db, clock, settings, block)
    assert first.id == ids[0]
    nxt = picking.skip_contact(db, clock, settings, block_id=block.id, contact_id=first.id)
    assert nxt is not None and nxt.id == ids[1]
    assert count_rows(db, "call_attempt") == 0
    ada = _contact(db, ids[0])
    assert (ada.status, ada.attempts, ada.reserved_by_block_id) == ("new", 0, None)
    assert ada.next_call_at == clock.now() + timedelta(minutes=picking.SKIP_MINUTES)
    served = [nxt.id]
    for _ in range(2):  # the rest of the list, then nothing until the skip's delay is over
        dialling.dial(db, clock, block.id, served[-1])
        clock.advance(30)
        result = outcomes.log_outcome(db, clock, settings, block_id=block.id,
                                      outcome="not_interested", serve=True)
        served.append(result.next_contact.id)
    assert served == ids[1:]
    dialling.dial(db, clock, block.id, served[-1])
    clock.advance(30)
    result = outcomes.log_outcome(db, clock, settings, block_id=block.id,
                                  outcome="not_interested", serve=True)
    assert result.next_contact is None
    clock.advance(picking.SKIP_MINUTES * 60)
    assert serving.serve_next(db, clock, settings, block).id == ids[0]


def test_skip_refusals(db, clock, settings):
    _, _, ids, block = _block(db, clock)
    first = serving.serve_next(db, clock, settings, block)
    with pytest.raises(BlockError, match="no longer on this block's screen"):
        picking.skip_contact(db, clock, settings, block_id=block.id, contact_id=ids[2])
    dialling.dial(db, clock, block.id, first.id)
    with pytest.raises(BlockError, match="call is in progress"):
        picking.skip_contact(db, clock, settings, block_id=block.id, contact_id=first.id)


def test_find_filters_by_name_company_and_number(db, clock, settings):
    _, _, ids, block = _block(db, clock)

    def names(text):
        found = picking.find_contacts(db, clock, settings, block_id=block.id, text=text)
        return [f.name for f in found]

    assert names("") == ["Ada Byron", "Ben Cole", "Cy Dunn", "Di Ek"]
    assert names("ada b") == ["Ada Byron"]
    assert names("TEETH") == ["Ben Cole"]
    assert names("555-9876") == ["Cy Dunn"]
    assert names("100%") == ["Di Ek"] and names("_lab") == ["Di Ek"]  # wildcards are literal
    assert names("%") == ["Di Ek"]
    assert names("nobody") == []
    # A contact that may not be called again is not offered.
    serving.serve_next(db, clock, settings, block)
    dialling.dial(db, clock, block.id, ids[0])
    clock.advance(20)
    outcomes.log_outcome(db, clock, settings, block_id=block.id, outcome="do_not_call")
    assert "Ada Byron" not in names("")


def test_serve_chosen_puts_the_found_contact_on_screen(db, clock, settings):
    rep, list_id, ids, block = _block(db, clock)
    serving.serve_next(db, clock, settings, block)
    chosen = picking.serve_chosen(db, clock, settings, block_id=block.id, contact_id=ids[2])
    assert chosen.id == ids[2] and chosen.reserved_by_block_id == block.id
    assert _contact(db, ids[0]).reserved_by_block_id is None
    with db.session() as s:
        assert serving.current_contact(s, block.id).id == ids[2]
    # Another rep's block holding a contact: not served, not marked free in the search.
    other = lifecycle.start_block(db, clock, rep_id=make_rep(db, name="Kim", email=None),
                                  list_id=list_id)
    picking.serve_chosen(db, clock, settings, block_id=other.id, contact_id=ids[3])
    found = {f.id: f for f in picking.find_contacts(db, clock, settings, block_id=block.id,
                                                     text="")}
    assert found[ids[3]].held_elsewhere and not found[ids[2]].held_elsewhere
    with pytest.raises(BlockError, match="cannot be called now"):
        picking.serve_chosen(db, clock, settings, block_id=block.id, contact_id=ids[3])
    dialling.dial(db, clock, block.id, ids[2])
    with pytest.raises(BlockError, match="call is in progress"):
        picking.serve_chosen(db, clock, settings, block_id=block.id, contact_id=ids[1])


def test_find_marks_and_refuses_contacts_outside_their_calling_hours(db, clock, settings):
    rep = make_rep(db)
    list_id, ids = make_list(db, contacts=[
        {"first_name": "Ada"},
        {"first_name": "Kenji", "phone": "+81355550100", "timezone": "Asia/Tokyo"},
    ])
    block = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id)
    found = {f.name: f for f in picking.find_contacts(db, clock, settings, block_id=block.id,
                                                       text="")}
    assert found["Ada Lee0"].open_now and not found["Kenji Lee1"].open_now
    with pytest.raises(BlockError, match=r"Kenji Lee1: 23:00 local, outside calling hours"):
        picking.serve_chosen(db, clock, settings, block_id=block.id, contact_id=ids[1])
