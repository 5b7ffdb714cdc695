"""Coaching notes (issue 14 item 11): written by a manager or trainer, about a rep and
optionally one call, block or objection; read on home; carried into reports. Both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest

from callcoach.core.review.filters import make_filter, with_scope
from callcoach.core.review.notes import (
    NoteError,
    add_note,
    list_notes,
    mark_read,
    notes_by_rep,
    report_notes,
)
from tests.support import report_fixture as fx
from tests.support.helpers import count_rows


@pytest.fixture
def ids(db):
    return fx.build(db)


def test_notes_written_listed_and_marked_read(db, ids, clock):
    t0 = clock.now()
    with db.session() as s:
        first = add_note(s, rep_id=ids["Ana"], author_id=ids["Mia"], text="  Slow down the opener. ",
                         now=t0)
        second = add_note(s, rep_id=ids["Ana"], author_id=ids["Mia"], text="Good recovery.",
                          now=t0 + timedelta(minutes=5), attempt_id=ids["A1"])
        third = add_note(s, rep_id=ids["Ana"], author_id=ids["Mia"], text="Drill this one.",
                         now=t0 + timedelta(minutes=6), objection_key="SEND_INFO")
        block = add_note(s, rep_id=ids["Ben"], author_id=ids["Mia"], text="Keep the pace.",
                         now=t0 + timedelta(minutes=7), block_id=ids["B4"])
    assert first.text == "Slow down the opener." and first.author == "Mia" and first.about == ""
    assert second.about == f"call {ids['A1']}" and third.about == "objection send_info"
    assert third.objection_text == "Send me some information"
    assert block.about == f"block {ids['B4']}" and block.rep == "Ben"
    assert first.written_at == t0
    with db.session() as s:
        ana = list_notes(s, rep_ids=(ids["Ana"],), unread_only=True)
        assert [n.text for n in ana] == ["Drill this one.", "Good recovery.",
                                         "Slow down the opener."]
        assert mark_read(s, ids["Ana"], [third.id, second.id, block.id], t0) == 2  # not Ben's
        assert mark_read(s, ids["Ana"], [third.id], t0) == 0  # already read
        unread = list_notes(s, rep_ids=(ids["Ana"],), unread_only=True)
        assert [n.id for n in unread] == [first.id]
        assert len(list_notes(s)) == 4
        read = {n.id: n.read_at for n in list_notes(s)}
        assert read[second.id] == t0 and read[block.id] is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "   "}, "--text: the note is empty"),
        ({"text": "x" * 2001}, "--text: 2001 characters, at most 2000"),
        ({"author": "Ben"}, "'Ben' is an sdr: coaching notes are written by a manager or a trainer"),
        ({"attempt": "A11"}, "no call attempt"),  # one of Ben's calls, not Ana's
        ({"attempt": 999999}, "--attempt 999999: no call attempt 999999 by Ana"),
        ({"block": "B4"}, "no block"),  # Ben's block
        ({"objection": "send_inf"}, "--objection 'send_inf': no such objection (did you mean "
                                    "'send_info'?)"),
        ({"attempt": "A1", "block": "B1"}, "one call, one block or one objection"),
    ],
)
def test_a_refused_note_writes_nothing(db, ids, clock, kwargs, message):
    def ref(v):
        return ids[v] if isinstance(v, str) else v

    with db.session() as s, pytest.raises(NoteError, match=message.replace("(", r"\(").replace(
            ")", r"\)").replace("?", r"\?")):
        add_note(s, rep_id=ids["Ana"], author_id=ids[kwargs.get("author", "Mia")],
                 text=kwargs.get("text", "ok"), now=clock.now(),
                 attempt_id=ref(kwargs["attempt"]) if "attempt" in kwargs else None,
                 block_id=ref(kwargs["block"]) if "block" in kwargs else None,
                 objection_key=kwargs.get("objection"))
    assert count_rows(db, "coaching_note") == 0


def test_reports_carry_the_notes_of_their_reps_in_the_period(db, ids, clock):
    f = make_filter(clock.now(), fx.ZONE, "last-week")
    with db.session() as s:
        add_note(s, rep_id=ids["Ana"], author_id=ids["Mia"], text="in period",
                 now=fx.local("2026-11-18 09:00"))
        add_note(s, rep_id=ids["Ben"], author_id=ids["Mia"], text="Ben's",
                 now=fx.local("2026-11-19 09:00"))
        add_note(s, rep_id=ids["Ana"], author_id=ids["Mia"], text="this week",
                 now=fx.local("2026-11-23 08:00"))
        add_note(s, rep_id=ids["Ana"], author_id=ids["Mia"], text="before",
                 now=fx.local("2026-11-15 23:59"))
        assert {k: [n.text for n in v] for k, v in
                notes_by_rep(s, (), f.start_utc, f.end_utc).items()} == {
            "Ana": ["in period"], "Ben": ["Ben's"]}
        ana_only = with_scope(s, f, (ids["Ana"],), ())
        assert list(report_notes(s, "list", ana_only)) == ["Ana"]  # the rep's own card
        assert report_notes(s, "list", f) == {}  # a team card by list carries none
