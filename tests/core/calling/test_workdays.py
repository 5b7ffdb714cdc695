"""Working days: quick picks and typed dates land on working days in the contact's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from callcoach.core.calling.workdays import (
    DateError,
    days_text,
    default_meeting_day,
    example_day,
    parse_day,
    parse_when,
    quick_callback_times,
    when_text,
)

NY = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
FRIDAY_NY_1000 = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # Fri 04 Dec, 10:00 in New York
SUN_TO_THU = (6, 0, 1, 2, 3)


def local_days(picks, tz):
    return [(label, when.astimezone(tz).strftime("%a %Y-%m-%d %H:%M")) for label, when in picks]


def test_friday_quick_picks_skip_the_weekend():
    picks = local_days(quick_callback_times(FRIDAY_NY_1000, NY), NY)
    assert picks == [
        ("today 12:00", "Fri 2026-12-04 12:00"),
        ("Mon 07 Dec 09:00", "Mon 2026-12-07 09:00"),
        ("Mon 07 Dec 14:00", "Mon 2026-12-07 14:00"),
    ]
    assert all(when.tzinfo == UTC for _, when in quick_callback_times(FRIDAY_NY_1000, NY))


def test_a_weekday_offers_tomorrow_and_next_week():
    thursday = datetime(2026, 12, 3, 22, 30, tzinfo=UTC)  # Thu 17:30 in New York
    picks = local_days(quick_callback_times(thursday, NY), NY)
    assert picks == [  # 19:00 is past the calling day: no "today" pick
        ("tomorrow (Fri 04 Dec) 09:00", "Fri 2026-12-04 09:00"),
        ("tomorrow (Fri 04 Dec) 14:00", "Fri 2026-12-04 14:00"),
        ("next week, Mon 07 Dec 09:00", "Mon 2026-12-07 09:00"),
    ]


def test_working_days_are_the_contacts_not_the_reps():
    # Friday 15:00 UTC is already Saturday 00:00 in Tokyo: no "today", Monday next.
    picks = local_days(quick_callback_times(FRIDAY_NY_1000, TOKYO), TOKYO)
    assert [p[1] for p in picks] == ["Mon 2026-12-07 09:00", "Mon 2026-12-07 14:00"]


def test_friday_is_not_a_working_day_in_a_sunday_to_thursday_week():
    sun = local_days(quick_callback_times(FRIDAY_NY_1000, NY, SUN_TO_THU), NY)
    assert [p[1] for p in sun] == [
        "Sun 2026-12-06 09:00",
        "Sun 2026-12-06 14:00",
        "Mon 2026-12-07 09:00",  # next week's first working day
    ]


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("", date(2026, 12, 4)),
        ("today", date(2026, 12, 4)),
        ("+3", date(2026, 12, 7)),
        ("Monday", date(2026, 12, 7)),
        ("next Monday", date(2026, 12, 7)),
        ("  NEXT   monday ", date(2026, 12, 7)),
        ("mon", date(2026, 12, 7)),
        ("Friday", date(2026, 12, 11)),  # a weekday is always after today
        ("thu", date(2026, 12, 10)),
        ("2026-12-08", date(2026, 12, 8)),
    ],
)
def test_typed_days(typed, day):
    assert parse_day(typed, date(2026, 12, 4)) == day


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("tomorrow", "Sat 05 Dec is not a working day (Mon-Fri): try Mon 07 Dec"),
        ("+2", "Sun 06 Dec is not a working day (Mon-Fri): try Mon 07 Dec"),
        ("Saturday", "Sat 05 Dec is not a working day"),
        ("2026-12-13", "Sun 13 Dec is not a working day"),
        ("someday", "use YYYY-MM-DD, today, tomorrow, +N or a weekday (Monday)"),
        ("2026-13-01", "use YYYY-MM-DD"),
    ],
)
def test_typed_days_refused_with_what_to_type(typed, says):
    with pytest.raises(DateError) as err:
        parse_day(typed, date(2026, 12, 4))
    assert says in str(err.value)


def test_configured_days_change_what_is_refused():
    assert parse_day("tomorrow", date(2026, 12, 4), (5,)) == date(2026, 12, 5)
    with pytest.raises(DateError, match=r"Fri 04 Dec is not a working day \(Sun-Thu\): try Sun 06 Dec"):
        parse_day("today", date(2026, 12, 4), SUN_TO_THU)


def test_parse_when_reads_the_contacts_zone_and_refuses_the_past():
    assert parse_when("Monday", "9:30", NY, FRIDAY_NY_1000) == datetime(2026, 12, 7, 14, 30, tzinfo=UTC)
    assert parse_when("today", "1130", NY, FRIDAY_NY_1000) == datetime(2026, 12, 4, 16, 30, tzinfo=UTC)
    with pytest.raises(DateError, match="Fri 04 Dec 09:00 has passed"):
        parse_when("today", "09:00", NY, FRIDAY_NY_1000)
    with pytest.raises(DateError, match="time '25:00'"):
        parse_when("Monday", "25:00", NY, FRIDAY_NY_1000)
    with pytest.raises(DateError, match="time 'soon'"):
        parse_when("Monday", "soon", NY, FRIDAY_NY_1000)


def test_example_and_default_days_are_future_working_days():
    assert default_meeting_day(FRIDAY_NY_1000, NY) == date(2026, 12, 7)
    assert example_day(FRIDAY_NY_1000, NY) == date(2026, 12, 7)
    monday = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    assert default_meeting_day(monday, NY) == date(2026, 11, 24)
    assert example_day(monday, NY) == date(2026, 11, 25)
    late = datetime(2030, 6, 6, 12, 0, tzinfo=UTC)  # the example follows the clock
    assert example_day(late, NY) == date(2030, 6, 10)


def test_when_text_in_both_zones():
    when = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
    assert when_text(when, NY, ZoneInfo("Europe/Amsterdam")) == (
        "Mon 07 Dec 09:00 their time (America/New_York), 15:00 your time (Europe/Amsterdam)"
    )
    assert when_text(when, TOKYO, NY) == (
        "Mon 07 Dec 23:00 their time (Asia/Tokyo), 09:00 your time (America/New_York)"
    )
    assert when_text(datetime(2026, 12, 7, 16, 0, tzinfo=UTC), TOKYO, NY) == (
        "Tue 08 Dec 01:00 their time (Asia/Tokyo), Mon 07 Dec 11:00 your time (America/New_York)"
    )
    assert "their time (UTC)" in when_text(when, None, NY)


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ((0, 1, 2, 3, 4), "Mon-Fri"),
        (SUN_TO_THU, "Sun-Thu"),
        ((0, 2, 4), "Mon, Wed, Fri"),
        ((5, 6), "Sat, Sun"),
    ],
)
def test_days_text(days, text):
    assert days_text(days) == text
