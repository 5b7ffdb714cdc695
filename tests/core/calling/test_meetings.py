"""Meetings: listing them and recording whether each was held (the funnel's last stage)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from callcoach.catalog.outcomes import Outcome
from callcoach.cli import main
from callcoach.core.calling import lifecycle, outcomes
from callcoach.core.calling.meetings import MeetingError, list_meetings, record_held
from callcoach.core.review.filters import make_filter
from callcoach.core.review.funnels import funnel
from callcoach.storage.models import Meeting
from tests.support.blockkit import log_each_call, make_list, make_rep


def _book(db, clock, settings, n: int = 3) -> list[int]:
    """A block that books ``n`` meetings, 1..n days ahead, each with a parked question."""
    rep = make_rep(db)
    list_id, _ = make_list(db, contacts=[{} for _ in range(n)])
    b = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id, minutes=52)
    logged = log_each_call(
        db, clock, settings, b, n, Outcome.MEETING, 60,
        lambda i: {
            "meeting": outcomes.MeetingDetails(
                clock.now() + timedelta(days=i + 1), "web", "",
                parked_questions=(f"Question {i}",),
            )
        },
    )
    ids = [res.meeting.id for res in logged]
    lifecycle.end_block(db, clock, b.id)
    return ids


def test_list_and_record_held(db, clock, settings):
    ids = _book(db, clock, settings)
    with db.session() as s:
        upcoming = list_meetings(s, clock.now(), "upcoming")
        assert [m.id for m in upcoming] == ids  # soonest first
        assert upcoming[0].agenda == ("Question 0",) and upcoming[0].status == "-"
        # a meeting that has not happened cannot be marked, and nothing changes
        with pytest.raises(MeetingError, match=f"meeting {ids[0]} is on .*before it starts"):
            record_held(s, ids[:1], True, clock.now())
    clock.advance(days=2, hours=1)  # the first two have happened
    with db.session() as s:
        assert [m.id for m in list_meetings(s, clock.now(), "unrecorded")] == ids[1::-1]
        with pytest.raises(MeetingError, match="meeting 999 does not exist"):
            record_held(s, [ids[0], 999], True, clock.now())
        assert s.get(Meeting, ids[0]).held is None  # all or nothing
        record_held(s, [ids[0]], True, clock.now())
        record_held(s, [ids[1]], False, clock.now())
    with db.session() as s:
        past = list_meetings(s, clock.now(), "past")
        assert [(m.id, m.status) for m in past] == [(ids[1], "no-show"), (ids[0], "held")]
        assert list_meetings(s, clock.now(), "unrecorded") == []
        fu = funnel(s, make_filter(clock.now(), "UTC", "this-month"))
        assert (fu.meetings, fu.held, fu.held_known) == (3, 1, 2)
        record_held(s, [ids[1]], None, clock.now())  # forget it again
        assert s.get(Meeting, ids[1]).held is None


def test_meetings_command(sqlite_db, clock, settings, capsys, monkeypatch):
    ids = _book(sqlite_db, clock, settings, n=1)
    monkeypatch.setattr("callcoach.clock.SystemClock.now", lambda self: clock.now())
    url = sqlite_db.url
    assert main(["--db", url, "meetings", "--tz", "UTC"]) == 0
    out = capsys.readouterr().out
    assert "Upcoming meetings (UTC)" in out and "Question 0" in out
    assert main(["--db", url, "meetings", "held", str(ids[0])]) == 2
    err = capsys.readouterr().err.strip()
    assert "cannot be marked before it starts" in err and "\n" not in err
    assert main(["--db", url, "meetings", "no-show", "abc"]) == 2
    assert "meeting id" in capsys.readouterr().err
    clock.advance(days=2)
    assert main(["--db", url, "meetings", "held", str(ids[0])]) == 0
    assert capsys.readouterr().out.strip() == f"1 meeting marked held: {ids[0]}"
    assert main(["--db", url, "meetings", "past", "--tz", "UTC"]) == 0
    assert " held " in capsys.readouterr().out
