"""Queue rules: order, retry delays, attempt caps, DNC across lists, windows, reservations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcoach.catalog.outcomes import Outcome
from callcoach.config import RetryRules, Settings
from callcoach.core.calling import dialling, lifecycle, outcomes, queue, serving
from callcoach.storage.models import CallBlock, Contact, DoNotCall
from tests.support.blockkit import make_list, make_rep

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 09:00 New York, 06:00 Los Angeles


def _start(db, clock, rep_id, list_id):
    return lifecycle.start_block(db, clock, rep_id=rep_id, list_id=list_id, minutes=52)


def _serve(db, clock, settings, block):
    c = serving.serve_next(db, clock, settings, block)
    return c.id if c else None


def test_retry_at_delay_then_next_day_local_then_exhausted():
    rules = RetryRules()
    assert queue.retry_at(NOW, 1, "America/New_York", rules) == NOW + timedelta(hours=4)
    # Attempt 2 -> next day 09:00 in the contact's zone (New York = UTC-5 in November).
    assert queue.retry_at(NOW, 2, "America/New_York", rules) == datetime(
        2026, 11, 24, 14, 0, tzinfo=UTC
    )
    assert queue.retry_at(NOW, 2, "Asia/Tokyo", rules) == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    assert queue.retry_at(NOW, 5, "", rules) == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert queue.retry_at(NOW, 6, "America/New_York", rules) is None
    custom = RetryRules(delay_hours=1.5, next_day_after_attempts=4, next_day_hour=8, max_attempts=3)
    assert queue.retry_at(NOW, 2, "Europe/Paris", custom) == NOW + timedelta(hours=1.5)
    assert queue.retry_at(NOW, 3, "Europe/Paris", custom) is None


def test_order_callbacks_then_new_then_retries(db, clock, settings):
    rep = make_rep(db)
    other = make_rep(db, "Alex")
    past = NOW - timedelta(hours=1)
    list_id, ids = make_list(
        db,
        contacts=[
            {"status": "retry", "attempts": 1, "next_call_at": past - timedelta(hours=1)},  # 0
            {"status": "new"},  # 1
            {"status": "callback", "next_call_at": past, "callback_rep_id": rep},  # 2 own callback
            {
                "status": "callback",
                "next_call_at": past - timedelta(hours=2),
                "callback_rep_id": other,
            },  # 3
            {
                "status": "callback",
                "next_call_at": NOW + timedelta(hours=1),
                "callback_rep_id": rep,
            },  # 4 later
            {
                "status": "retry",
                "attempts": 1,
                "next_call_at": NOW + timedelta(hours=1),
            },  # 5 not due
            {"status": "new"},  # 6
            {
                "status": "callback",
                "next_call_at": past + timedelta(minutes=5),
                "callback_rep_id": None,
            },  # 7 released
        ],
    )
    b = _start(db, clock, rep, list_id)
    served = []
    with db.session() as s:
        s.get(CallBlock, b.id)
    for _ in range(8):
        cid = _serve(db, clock, settings, b)
        if cid is None:
            break
        served.append(cid)
        # mark it as handled so the next serve moves on
        with db.transaction() as s:
            c = s.get(Contact, cid)
            c.status = "meeting"
            c.reserved_by_block_id = None
            s.add(c)
    assert served == [ids[2], ids[7], ids[1], ids[6], ids[0]]


def test_never_served_statuses_and_dnc_across_lists(db, clock, settings):
    rep = make_rep(db)
    list_a, a_ids = make_list(db, "A", contacts=[{"phone": "+12125550100"}])
    list_b, b_ids = make_list(
        db,
        "B",
        track=False,
        contacts=[
            {"phone": "+12125550100"},  # same person on another list
            {"status": "bad_data"},
            {"status": "meeting"},
            {"status": "exhausted"},
            {"status": "not_interested"},
            {"status": "dnc"},
            {"phone": "+12125550199"},
        ],
    )
    b = _start(db, clock, rep, list_a)
    assert _serve(db, clock, settings, b) == a_ids[0]
    dialling.dial(db, clock, b.id, a_ids[0])
    outcomes.log_outcome(db, clock, settings, block_id=b.id, outcome=Outcome.DO_NOT_CALL)
    with db.session() as s:
        assert s.get(DoNotCall, "+12125550100") is not None
    lifecycle.switch_list(db, clock, b.id, list_b)
    with db.session() as s:
        b = s.get(CallBlock, b.id)
    assert _serve(db, clock, settings, b) == b_ids[6]
    with db.transaction() as s:
        c = s.get(Contact, b_ids[6])
        c.do_not_call = True  # the contact's own flag also keeps it out
        s.add(c)
    assert _serve(db, clock, settings, b) is None


def test_calling_window_across_time_zones(db, clock, settings):
    rep = make_rep(db)
    list_id, ids = make_list(
        db,
        contacts=[
            {"timezone": "America/Los_Angeles"},  # 06:00 there: closed
            {"timezone": "Asia/Tokyo"},  # 23:00: closed
            {"timezone": "America/New_York"},  # 09:00: open
            {"timezone": "Europe/London"},  # 14:00: open
        ],
    )
    b = _start(db, clock, rep, list_id)
    assert _serve(db, clock, settings, b) == ids[2]
    with db.transaction() as s:
        s.get(Contact, ids[2]).status = "meeting"
    assert _serve(db, clock, settings, b) == ids[3]
    with db.transaction() as s:
        s.get(Contact, ids[3]).status = "meeting"
    assert _serve(db, clock, settings, b) is None
    clock.advance(hours=2)  # 16:00 UTC = 08:00 Los Angeles
    assert _serve(db, clock, settings, b) == ids[0]
    # A narrower configured window closes New York's 11:00 too.
    narrow = Settings(ics_dir=settings.ics_dir)
    from dataclasses import replace

    from callcoach.config import CallingWindow

    narrow = replace(
        narrow,
        window=CallingWindow(
            start=datetime(2026, 1, 1, 12).time(), end=datetime(2026, 1, 1, 17).time()
        ),
    )
    assert (
        queue.next_contact(
            db, block_id=b.id, list_id=list_id, rep_id=rep, now=clock.now(), settings=narrow
        )
        is None
    )


def test_a_contact_is_served_to_one_block_at_a_time(db, clock, settings):
    rep1, rep2 = make_rep(db), make_rep(db, "Alex")
    list_id, ids = make_list(db, contacts=[{}, {}])
    b1 = _start(db, clock, rep1, list_id)
    b2 = _start(db, clock, rep2, list_id)
    assert _serve(db, clock, settings, b1) == ids[0]
    assert _serve(db, clock, settings, b2) == ids[1]
    ended = lifecycle.end_block(db, clock, b2.id)
    with pytest.raises(lifecycle.BlockError):
        serving.serve_next(db, clock, settings, ended)
    # b1's reservation is fresh: a third block gets nothing while b1 lives.
    rep3 = make_rep(db, "Kim")
    b3 = _start(db, clock, rep3, list_id)
    got = _serve(db, clock, settings, b3)
    assert got == ids[1]  # released by b2's end, ids[0] still held by b1
    # b1 goes silent for longer than reservation_minutes: its contact is free again.
    clock.advance(minutes=settings.reservation_minutes + 1)
    lifecycle.touch_block(db, clock, b3.id)
    with db.transaction() as s:
        s.get(Contact, ids[1]).status = "meeting"
    assert _serve(db, clock, settings, b3) == ids[0]


def test_rep_runs_one_block_at_a_time(db, clock, settings):
    rep = make_rep(db)
    list_id, _ = make_list(db)
    b = _start(db, clock, rep, list_id)
    with pytest.raises(lifecycle.BlockError, match="still open"):
        _start(db, clock, rep, list_id)
    lifecycle.end_block(db, clock, b.id)
    assert _start(db, clock, rep, list_id).id != b.id


def test_retry_then_cap_through_outcomes(db, clock, settings):
    rep = make_rep(db)
    list_id, ids = make_list(db)
    b = _start(db, clock, rep, list_id)
    expected_next = [
        NOW + timedelta(hours=4),
    ]
    for n in range(1, 7):
        with db.session() as s:
            b = s.get(CallBlock, b.id)
        cid = _serve(db, clock, settings, b)
        assert cid == ids[0], f"attempt {n} not served"
        dialling.dial(db, clock, b.id, cid)
        clock.advance(20)
        outcomes.log_outcome(
            db,
            clock,
            settings,
            block_id=b.id,
            outcome=[Outcome.NO_ANSWER, Outcome.VOICEMAIL, Outcome.GATEKEEPER][n % 3],
        )
        with db.session() as s:
            c = s.get(Contact, cid)
        assert c.attempts == n and c.reserved_by_block_id is None
        if n == 1:
            assert c.status == "retry" and c.next_call_at == clock.now() + timedelta(hours=4)
            assert c.next_call_at - expected_next[0] < timedelta(minutes=1)
        elif n < 6:
            assert c.status == "retry"
            local = c.next_call_at.astimezone(queue.contact_zone("America/New_York"))
            assert (local.hour, local.minute) == (
                9,
                0,
            ) and local.date() > clock.now().date() - timedelta(days=1)
            assert _serve(db, clock, settings, b) is None  # not due yet
        else:
            assert c.status == "exhausted" and c.next_call_at is None
        if c.next_call_at:
            clock.set(c.next_call_at + timedelta(minutes=1))
    assert _serve(db, clock, settings, b) is None


def test_zone_cache_reads_zones_once(db, clock, settings, monkeypatch):
    rep = make_rep(db)
    list_id, ids = make_list(db, contacts=[{}, {"timezone": "Asia/Tokyo"}])
    cache = queue.ZoneCache(list_id, settings.window)
    with db.session() as s:
        assert cache.open_zones(s, clock.now()) == ["America/New_York"]
        first = cache.read_at
        assert cache.open_zones(s, clock.now() + timedelta(minutes=5)) == ["America/New_York"]
        assert cache.read_at == first
    b = _start(db, clock, rep, list_id)
    assert serving.serve_next(db, clock, settings, b, zone_cache=cache).id == ids[0]
