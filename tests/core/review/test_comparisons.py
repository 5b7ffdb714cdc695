"""Issue 14 items 3 and 12: like-for-like comparison periods, with a fake clock on a
Wednesday at 10:00 (week to date) and on the 3rd of a month (month to date); the figures of
both periods against SQL written here, on both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from callcoach.core.review import metrics as m
from callcoach.core.review.comparisons import (
    CountChange,
    RateChange,
    comparable,
    comparison_line,
)
from callcoach.core.review.filters import make_filter
from callcoach.core.review.funnels import funnel
from tests.core.review.test_report_sql import _both_ways, _history

NY = ZoneInfo("America/New_York")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY).astimezone(UTC)


def _sql_counts(db, start: datetime, end: datetime) -> tuple[int, int]:
    """(dials, meetings) logged in [start, end), straight from the table."""
    with db.session() as s:
        row = s.execute(sa.text(
            "SELECT COUNT(*), COUNT(CASE WHEN outcome = 'meeting' THEN 1 END) "
            "FROM call_attempt WHERE logged_at >= :a AND logged_at < :b"
        ), {"a": start.replace(tzinfo=None), "b": end.replace(tzinfo=None)}).one()
    return int(row[0]), int(row[1])


def test_week_to_date_on_a_wednesday_at_ten(db, clock, monkeypatch):
    # Calls take 60 s: logged a minute after the dial (times are New York).
    _history(db, [
        ("A", "L1", "2026-11-16 09:00", 60, "meeting"),  # last Monday: in
        ("A", "L1", "2026-11-18 09:58", 60, "no_answer"),  # last Wed, logged 09:59: in
        ("A", "L1", "2026-11-18 10:00", 60, "meeting"),  # logged 10:01: after the hour
        ("B", "L1", "2026-11-19 09:00", 60, "meeting"),  # last Thursday: out
        ("C", "L2", "2026-11-23 09:00", 60, "no_answer"),  # this Monday
        ("D", "L2", "2026-11-25 09:00", 60, "meeting"),  # this Wednesday, before 10:00
    ])
    now = _at("2026-11-25 10:00")  # a Wednesday
    clock.set(now)
    f = make_filter(clock.now(), period="this-week", zone="America/New_York")
    c = comparable(f, clock.now())
    assert c.rule == "week to date"
    assert (c.previous.since, c.previous.until) == (date(2026, 11, 16), date(2026, 11, 18))
    assert c.previous.end_utc == _at("2026-11-18 10:00")
    assert c.previous.label == "last week to Wed 10:00"
    assert "2026-11-16 .. 2026-11-18 10:00" in c.describe()
    with db.session() as s:
        now_f, before = _both_ways(db, monkeypatch, lambda: (funnel(s, c.current), funnel(s, c.previous)))
    assert (before.dials, before.meetings) == _sql_counts(
        db, _at("2026-11-16 00:00"), _at("2026-11-18 10:00")) == (2, 1)
    assert (now_f.dials, now_f.meetings) == _sql_counts(
        db, _at("2026-11-23 00:00"), now) == (2, 1)
    line = comparison_line(c, now_f, before)
    assert "dials 2 vs 2 (+0)" in line and "mtgs 1 vs 1 (+0)" in line


def test_month_to_date_on_the_third(db, clock, monkeypatch):
    _history(db, [
        ("A", "L1", "2026-11-02 15:00", 60, "meeting"),  # in
        ("A", "L1", "2026-11-03 09:30", 60, "no_answer"),  # in
        ("B", "L1", "2026-11-03 10:30", 60, "meeting"),  # after the 3rd 10:00: out
        ("B", "L1", "2026-11-20 10:00", 60, "meeting"),  # out
        ("C", "L2", "2026-12-01 09:00", 60, "no_answer"),
        ("C", "L2", "2026-12-03 09:00", 60, "meeting"),
        ("C", "L2", "2026-12-03 09:10", 60, "meeting"),
    ])
    clock.set(_at("2026-12-03 10:00"))
    f = make_filter(clock.now(), period="this-month", zone="America/New_York")
    c = comparable(f, clock.now())
    assert c.rule == "month to date"
    assert (c.previous.since, c.previous.until) == (date(2026, 11, 1), date(2026, 11, 3))
    assert c.previous.end_utc == _at("2026-11-03 10:00")
    with db.session() as s:
        now_f, before = _both_ways(db, monkeypatch, lambda: (funnel(s, c.current), funnel(s, c.previous)))
    assert (before.dials, before.meetings) == _sql_counts(
        db, _at("2026-11-01 00:00"), _at("2026-11-03 10:00")) == (2, 1)
    assert (now_f.dials, now_f.meetings) == _sql_counts(
        db, _at("2026-12-01 00:00"), _at("2026-12-03 10:00")) == (3, 2)


def test_other_periods():
    # The 31st against a 28-day month: the whole of February.
    f = make_filter(_at("2027-03-31 10:00"), period="this-month", zone="America/New_York")
    c = comparable(f, _at("2027-03-31 10:00"))
    assert (c.previous.since, c.previous.until, c.previous.cutoff) == (
        date(2027, 2, 1), date(2027, 2, 28), None)
    # A period that is over: the whole previous one (not "this month against last month").
    f = make_filter(_at("2026-12-03 10:00"), period="last-week", zone="America/New_York")
    c = comparable(f, _at("2026-12-03 10:00"))
    assert (c.rule, c.previous.since, c.previous.until, c.previous.cutoff) == (
        "previous period", date(2026, 11, 16), date(2026, 11, 22), None)
    f = make_filter(_at("2026-12-03 10:00"), period="last-month", zone="America/New_York")
    c = comparable(f, _at("2026-12-03 10:00"))
    assert (c.previous.since, c.previous.until, c.previous.label) == (
        date(2026, 10, 1), date(2026, 10, 31), "October 2026")
    # A custom ten days still under way: the ten days before, to the same time.
    f = make_filter(_at("2026-12-03 10:00"), since="2026-11-28", until="2026-12-07",
                    zone="America/New_York")
    c = comparable(f, _at("2026-12-03 10:00"))
    assert (c.previous.since, c.previous.until) == (date(2026, 11, 18), date(2026, 11, 23))
    assert c.previous.end_utc == _at("2026-11-23 10:00")


def test_small_numbers_are_never_bare_percentages():
    assert CountChange(5, 2).text() == "+3"  # not +150%
    assert CountChange(2, 19).text() == "-17"
    assert CountChange(150, 120).text() == "+30 (+25%)"
    assert CountChange(10, 40).pct == -75.0
    assert RateChange(m.Ratio(3, 10), m.Ratio(1, 8)).text() == "3/10 vs 1/8"
    assert RateChange(m.Ratio(30, 100), m.Ratio(20, 80)).text() == "+5.0 pts"
    assert RateChange(m.Ratio(0, 0), m.Ratio(0, 0)).text() == "-"
    assert RateChange(m.Ratio(8, 14), m.Ratio(0, 0)).text() == "8/14 vs -"


def test_compared_tables_match_rows_on_their_text_and_weeks_by_place():
    from callcoach.core.review.comparisons import compare_tables
    from callcoach.core.review.tables import Column, ReportTable

    f = make_filter(_at("2026-12-03 10:00"), period="last-week", zone="America/New_York")
    c = comparable(f, _at("2026-12-03 10:00"))
    cols = [Column("trainee", "Trainee", "text"), Column("objection", "Objection", "text"),
            Column("raised", "Raised")]
    now = ReportTable("drill", "D", f, cols, [
        {"trainee": "Ana", "objection": "budget", "raised": 5},
        {"trainee": "Ana", "objection": "busy", "raised": 1}])
    before = ReportTable("drill", "D", c.previous, cols, [
        {"trainee": "Ana", "objection": "busy", "raised": 4},
        {"trainee": "Ben", "objection": "busy", "raised": 2}])
    t = compare_tables(now, before, c)
    assert [(r["trainee"], r["objection"], r["raised"], r["raised_prev"],
             r["raised_change"].text()) for r in t.rows] == [
        ("Ana", "budget", 5, None, "+5"), ("Ana", "busy", 1, 4, "-3"),
        ("Ben", "busy", None, 2, "-2")]
    wcols = [Column("week", "Week (Mon)", "text"), Column("dials", "Dials")]
    weeks = compare_tables(
        ReportTable("week", "W", f, wcols, [{"week": "2026-11-23", "dials": 30}]),
        ReportTable("week", "W", c.previous, wcols, [{"week": "2026-11-16", "dials": 25}]), c)
    assert [(r["week"], r["dials_prev"], r["dials_change"].text()) for r in weeks.rows] == [
        ("2026-11-23", 25, "+5 (+20%)")]  # 25 before: not small
