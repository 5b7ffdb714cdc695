"""The reports' SQL on cases the hand-computed fixture does not have: derived columns kept
by the database, blocks spanning two weeks or two lists, calls without a block, zones whose
offsets are off the quarter hour. Both engines, both SQLite reading paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from callcoach.core.review.breakdowns import build_report
from callcoach.core.review.comparisons import comparable
from callcoach.core.review.filters import make_filter
from callcoach.core.review.funnels import GROUPINGS, funnel, funnels, grouped_funnels, slots_align
from callcoach.core.review.objections import objection_analysis
from callcoach.core.review.slices import by_hour, by_list, by_rep, by_week, by_weekday, month_slices
from callcoach.storage.models import (
    CallAttempt,
    CallBlock,
    CallList,
    Contact,
    Rep,
    attempt_epochs,
)
from callcoach.storage.sql import reports as report_sql

NY = ZoneInfo("America/New_York")


def _history(db, calls):
    """Write calls ``(block, list, local NY dial time, seconds, outcome)``; block None: none.

    Returns ids by name: reps "rep", lists "L1"/"L2", blocks by the names used.
    """
    ids = {}
    with db.transaction() as s:
        rep = Rep(name="Ana")
        s.add(rep)
        for name in ("L1", "L2"):
            s.add(CallList(name=name, cluster_dimension="vertical", cluster_value=name))
        s.flush()
        ids["rep"] = rep.id
        for name in ("L1", "L2"):
            ids[name] = s.execute(sa.select(CallList.id).where(CallList.name == name)).scalar()
        for n, (block, lst, when, secs, outcome) in enumerate(calls):
            dialed = datetime.fromisoformat(when).replace(tzinfo=NY).astimezone(UTC)
            if block is not None and block not in ids:
                b = CallBlock(rep_id=rep.id, list_id=ids[lst], started_at=dialed,
                              status="finished")
                s.add(b)
                s.flush()
                ids[block] = b.id
            contact = Contact(list_id=ids[lst], phone=f"+1212555{n:04d}")
            s.add(contact)
            s.flush()
            done = dialed + timedelta(seconds=secs)
            connect = outcome in ("not_interested", "callback", "meeting", "do_not_call")
            s.add(CallAttempt(
                block_id=ids.get(block), rep_id=rep.id, contact_id=contact.id,
                list_id=ids[lst], dialed_at=dialed, ended_at=done, logged_at=done,
                outcome=outcome, duration_seconds=secs, gap_seconds=10.0, connected=connect,
                conversation=outcome in ("callback", "meeting"),
            ))
    return ids


def _both_ways(db, monkeypatch, fn):
    """``fn()`` with SQLite reading the whole history in index order, then through
    logged_at; asserts both give the same and returns it."""
    monkeypatch.setattr(report_sql, "LONG_SHARE", 0.0)
    whole = fn()
    monkeypatch.setattr(report_sql, "LONG_SHARE", 1e9)
    assert fn() == whole
    return whole


def _epochs_stored(db):
    with db.session() as s:
        t = CallAttempt.__table__
        rows = s.execute(sa.select(t).order_by(t.c.id)).mappings().all()
    return [
        ((row["dialed_slot"], row["logged_epoch"]),
         tuple(attempt_epochs(_utc(row["dialed_at"]), _utc(row["logged_at"]),
                              row["outcome"]).values()))
        for row in rows
    ]


def _utc(value):
    if value is None or isinstance(value, datetime) and value.tzinfo:
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


def test_derived_columns_follow_every_writer(db):
    """logged_epoch and dialed_slot are set by the database for any writer: the ORM, a
    Core insert or update, raw SQL, even a writer storing a wrong value."""
    ids = _history(db, [("B1", "L1", "2026-11-16 09:01:30", 30, "no_answer")])
    t = CallAttempt.__table__
    with db.transaction() as s:
        contact = s.execute(sa.select(Contact.id)).scalar()
        s.execute(sa.insert(t).values(  # in progress: no outcome, no logged_epoch
            rep_id=ids["rep"], contact_id=contact, list_id=ids["L1"], block_id=ids["B1"],
            attempt_number=2, dialed_at=datetime(2026, 11, 16, 14, 59, 59, 999999, tzinfo=UTC),
            connected=False, conversation=False, notes="",
        ))
    stored = [got for got, _ in _epochs_stored(db)]
    # 14:59:59.999999 is in the quarter hour from 14:45 (SQLite alone would round it up).
    assert stored[1] == (int(datetime(2026, 11, 16, 14, 45, tzinfo=UTC).timestamp()) // 900,
                         None)
    with db.transaction() as s:  # the outcome arrives; a Core update with a wrong value
        s.execute(sa.update(t).where(t.c.attempt_number == 2).values(
            outcome="meeting", logged_at=datetime(2026, 11, 16, 15, 2, 0, 500000, tzinfo=UTC),
            logged_epoch=12345,
        ))
        s.execute(sa.text("UPDATE call_attempt SET dialed_at = :d WHERE attempt_number = 1"),
                  {"d": "2026-11-16 14:00:00.000000" if db.is_sqlite else
                   datetime(2026, 11, 16, 14, 0, tzinfo=UTC)})
        s.execute(sa.text("UPDATE call_attempt SET dialed_slot = 7 WHERE attempt_number = 1"))
    stored = _epochs_stored(db)
    assert [got for got, _ in stored] == [want for _, want in stored]
    # 15:02:00.5 -> 15:02:00; the first call, moved to 14:00 UTC, in the quarter from 14:00.
    assert stored[1][0][1] == int(datetime(2026, 11, 16, 15, 2, tzinfo=UTC).timestamp())
    assert stored[0][0][0] == int(datetime(2026, 11, 16, 14, 0, tzinfo=UTC).timestamp()) // 900


def test_block_over_two_weeks_counts_in_each(db, clock, monkeypatch):
    """A block from Sunday 23:40 to Monday 00:10 (New York): one block run in each week,
    one in the total; every call in the week it was logged."""
    _history(db, [
        ("B1", "L1", "2026-11-15 23:40", 60, "no_answer"),
        ("B1", "L1", "2026-11-15 23:50", 120, "meeting"),
        ("B1", "L1", "2026-11-16 00:05", 60, "not_interested"),
        ("B2", "L1", "2026-11-17 10:00", 60, "no_answer"),
    ])
    f = make_filter(clock.now(), since="2026-11-09", until="2026-11-22", zone="America/New_York")
    with db.session() as s:
        weeks = _both_ways(db, monkeypatch, lambda: by_week(s, f))
        total = _both_ways(db, monkeypatch, lambda: funnel(s, f))
    assert [(w.label, w.funnel.dials, w.funnel.meetings, w.funnel.connects, w.funnel.blocks)
            for w in weeks] == [("2026-11-09", 2, 1, 1, 1), ("2026-11-16", 2, 0, 1, 2)]
    assert (total.dials, total.blocks, total.dead_seconds) == (4, 2, 40.0)
    with db.session() as s:
        table = build_report(s, "week", f)  # the total row says why the weeks add up to 3
    assert table.totals is not None and table.totals["blocks"] == 2
    assert any(n.startswith("Blocks: the weeks add up to 3, the total to 2") for n in table.notes)


def test_block_over_two_lists_is_split_between_them(db, clock, monkeypatch):
    """A block that switched lists is split between them by its share of dials (marked
    shared in each) and counts once in the total."""
    _history(db, [
        ("B1", "L1", "2026-11-16 09:00", 60, "no_answer"),
        ("B1", "L2", "2026-11-16 09:05", 60, "callback"),
        ("B1", "L2", "2026-11-16 09:10", 60, "no_answer"),
    ])
    f = make_filter(clock.now(), period="last-week", zone="America/New_York")
    with db.session() as s:
        lists = _both_ways(db, monkeypatch, lambda: by_list(s, f))
        reps = _both_ways(db, monkeypatch, lambda: by_rep(s, f))
        total = _both_ways(db, monkeypatch, lambda: funnel(s, f))
    assert sorted((x.label, x.funnel.dials, x.funnel.blocks, x.funnel.shared_blocks)
                  for x in lists) == [("L1", 1, pytest.approx(1 / 3), 1),
                                      ("L2", 2, pytest.approx(2 / 3), 1)]
    assert [(x.funnel.dials, x.funnel.blocks) for x in reps] == [(3, 1)]
    assert (total.dials, total.connects, total.blocks) == (3, 1, 1)


def test_calls_without_a_block(db, clock, monkeypatch):
    """Calls whose block is gone (block_id NULL) are dials, never blocks run."""
    _history(db, [
        (None, "L1", "2026-11-15 23:50", 60, "meeting"),
        (None, "L1", "2026-11-16 09:00", 60, "no_answer"),
        ("B1", "L1", "2026-11-16 10:00", 60, "no_answer"),
    ])
    f = make_filter(clock.now(), since="2026-11-09", until="2026-11-22", zone="America/New_York")
    with db.session() as s:
        weeks = _both_ways(db, monkeypatch, lambda: by_week(s, f))
        total = _both_ways(db, monkeypatch, lambda: funnel(s, f))
        reps = _both_ways(db, monkeypatch, lambda: by_rep(s, f))
    assert [(w.funnel.dials, w.funnel.meetings, w.funnel.blocks) for w in weeks] == [
        (1, 1, 0), (2, 0, 1)]
    assert (total.dials, total.blocks) == (3, 1)
    assert [(x.funnel.dials, x.funnel.blocks) for x in reps] == [(3, 1)]


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kathmandu", "Africa/Monrovia"])
def test_hour_and_weekday_in_any_zone(db, clock, monkeypatch, zone):
    """Local hour and weekday of each dial, in zones on whole hours, on 45 minutes, and in
    1971 Monrovia (UTC-0:44:30: off the quarter hour, so read from each dial's second)."""
    base = datetime(1971, 6, 7, 12, 0, tzinfo=UTC) if zone == "Africa/Monrovia" else datetime(
        2026, 11, 16, 12, 0, tzinfo=UTC)
    dials = [base + timedelta(minutes=m) for m in (0, 14, 16, 29, 31, 44, 46, 59, 61, 600, 719)]
    calls = [("B1", "L1", d.astimezone(NY).replace(tzinfo=None).isoformat(), 30, "no_answer")
             for d in dials]
    _history(db, calls)
    tz = ZoneInfo(zone)
    day = base.astimezone(tz).date()
    f = make_filter(clock.now(), since=day - timedelta(days=1), until=day + timedelta(days=1),
                      zone=zone)
    assert slots_align(f) is (zone != "Africa/Monrovia")
    with db.session() as s:
        hours = _both_ways(db, monkeypatch, lambda: by_hour(s, f))
        days = _both_ways(db, monkeypatch, lambda: by_weekday(s, f))
        both = funnels(s, f, ("hour", "weekday"))
    want_hours, want_days = {}, {}
    for d in dials:
        local = (d + timedelta(seconds=30)).astimezone(tz)  # logged 30 s later: in the period
        dialed = d.astimezone(tz)
        want_hours[dialed.hour] = want_hours.get(dialed.hour, 0) + 1
        want_days[dialed.weekday()] = want_days.get(dialed.weekday(), 0) + 1
        assert f.since <= local.date() <= f.until
    assert {x.key: x.funnel.dials for x in hours} == want_hours
    assert {x.key: x.funnel.dials for x in days} == want_days
    assert [k for k, _ in both[0]["hour"]] == sorted(want_hours)
    assert both[1].dials == len(dials)


def test_block_over_two_months_counts_in_each(db, clock, monkeypatch):
    """A block from Saturday 31 October 23:40 to Sunday 1 November 00:10 (New York, the
    night DST ends): one block run in each month, in the same week."""
    _history(db, [
        ("B1", "L1", "2026-10-31 23:40", 60, "no_answer"),
        ("B1", "L1", "2026-10-31 23:50", 120, "meeting"),
        ("B1", "L1", "2026-11-01 00:05", 60, "not_interested"),
        ("B2", "L1", "2026-11-17 10:00", 60, "no_answer"),
    ])
    f = make_filter(clock.now(), since="2026-10-01", until="2026-11-30", zone="America/New_York")
    with db.session() as s:
        months = _both_ways(db, monkeypatch, lambda: month_slices(
            f, grouped_funnels(s, f, "month")))
        weeks = _both_ways(db, monkeypatch, lambda: by_week(s, f, fill=False))
        november = make_filter(clock.now(), since="2026-11-01", until="2026-11-30",
                               zone="America/New_York")
        c = comparable(november, datetime(2026, 12, 5, tzinfo=UTC))  # November is over
        fm, fp = _both_ways(db, monkeypatch, lambda: (funnel(s, c.current), funnel(s, c.previous)))
    assert (c.previous.since.isoformat(), c.previous.until.isoformat()) == (
        "2026-10-01", "2026-10-31")
    assert [(x.label, x.funnel.dials, x.funnel.meetings, x.funnel.blocks) for x in months] == [
        ("October 2026", 2, 1, 1), ("November 2026", 2, 0, 2)]
    assert [(w.label, w.funnel.dials, w.funnel.blocks) for w in weeks] == [
        ("2026-10-26", 3, 1), ("2026-11-16", 1, 1)]
    assert (fm.dials, fm.blocks, fp.dials, fp.blocks) == (2, 2, 2, 1)


def test_migration_0007_backfills_and_downgrades_without_loss(db, clock):
    """Calls written before 0007 get their derived columns from the upgrade (the figures do
    not change), and going back to 0006 keeps every call, objection and meeting."""
    from alembic import command

    from callcoach.storage import schema as storage
    from tests.support import report_fixture as fx

    fx.build(db)
    f = make_filter(clock.now(), period="last-week", zone=fx.ZONE)
    with db.session() as s:
        before = funnels(s, f, GROUPINGS), objection_analysis(s, f)

    def migrate(step, revision):
        with storage._migration_lock(db.engine) as conn:
            step(storage.alembic_config(db.engine, conn), revision)

    def counts():
        with db.engine.connect() as c:
            return [c.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                    for t in ("call_attempt", "attempt_objection", "meeting")]

    kept = counts()
    migrate(command.downgrade, "0006")
    assert counts() == kept
    with db.engine.connect() as c:
        assert "logged_epoch" not in c.execute(sa.text("SELECT * FROM call_attempt")).keys()
    migrate(command.upgrade, "heads")
    assert counts() == kept
    stored = _epochs_stored(db)
    assert [got for got, _ in stored] == [want for _, want in stored]
    with db.session() as s:
        assert (funnels(s, f, GROUPINGS), objection_analysis(s, f)) == before
