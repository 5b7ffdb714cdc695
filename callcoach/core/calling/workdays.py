"""Working days: the days a callback or a meeting may land on, in the contact's time zone.

A prospect in New York who says "call me tomorrow" on a Friday means Monday; so the
callback quick picks skip the days that are not working days (``Settings.working_days``,
Monday to Friday unless configured), and a typed date on one is refused with the next
working day to try. Typed dates are read in the contact's zone: ``today``, ``tomorrow``,
``+N`` (days), a weekday (``Monday``, ``next Monday``: the first one after today) or
``YYYY-MM-DD``. The saved moment is echoed in the contact's zone and the rep's.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from callcoach.config import MONDAY_TO_FRIDAY, WEEKDAY_NAMES, weekday_number
from callcoach.errors import CallcoachError

DAY_ABBREVIATIONS = tuple(name[:3].capitalize() for name in WEEKDAY_NAMES)
#: The callback quick picks' hours, in the contact's local time.
MORNING = time(9, 0)
AFTERNOON = time(14, 0)


class DateError(CallcoachError):
    """A typed date or time that cannot be used; one line telling the rep what to type."""


def days_text(working: Collection[int]) -> str:
    """The working days as a person writes them: "Mon-Fri", "Sun-Thu", "Mon, Wed, Fri"."""
    days = sorted(set(working))
    if not days:
        return "none"
    # A run of consecutive days (wrapping past Sunday) reads as a range.
    for start in days:
        run = [(start + i) % 7 for i in range(len(days))]
        if sorted(run) == days and len(days) > 2:
            return f"{DAY_ABBREVIATIONS[run[0]]}-{DAY_ABBREVIATIONS[run[-1]]}"
    return ", ".join(DAY_ABBREVIATIONS[d] for d in days)


def is_working_day(day: date, working: Collection[int] = MONDAY_TO_FRIDAY) -> bool:
    """True when ``day`` is one of the ``working`` weekdays (Monday = 0)."""
    return day.weekday() in working


def next_working_day(day: date, working: Collection[int] = MONDAY_TO_FRIDAY) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    if not working:
        raise DateError("no working days are configured (working_days)")
    while day.weekday() not in working:
        day += timedelta(days=1)
    return day


def day_text(day: date) -> str:
    """"Mon 07 Dec" (the weekday is what the rep and the prospect talk in)."""
    return f"{DAY_ABBREVIATIONS[day.weekday()]} {day:%d %b}"


def local_now(now: datetime, tz: tzinfo | None) -> datetime:
    """``now`` in the contact's zone (UTC when the zone is unknown)."""
    return now.astimezone(tz) if tz else now


def parse_day(text: str, today: date, working: Collection[int] = MONDAY_TO_FRIDAY) -> date:
    """The day ``text`` names, seen from ``today`` (the contact's local date); a day that is
    not a working day is refused with the next one that is."""
    word = " ".join(text.strip().lower().split())
    if word in ("", "today"):
        day = today
    elif word == "tomorrow":
        day = today + timedelta(days=1)
    elif word.startswith("+") and word[1:].isdigit():
        day = today + timedelta(days=int(word[1:]))
    elif weekday_number(word.removeprefix("next ")) is not None:
        target = weekday_number(word.removeprefix("next "))
        assert target is not None
        day = today + timedelta(days=(target - today.weekday() - 1) % 7 + 1)
    else:
        try:
            day = date.fromisoformat(word)
        except ValueError:
            raise DateError(
                f"date {text.strip()!r}: use YYYY-MM-DD, today, tomorrow, +N or a weekday (Monday)"
            ) from None
    if not is_working_day(day, working):
        raise DateError(
            f"{day_text(day)} is not a working day ({days_text(working)}): "
            f"try {day_text(next_working_day(day, working))}"
        )
    return day


def parse_time(text: str) -> time:
    """"09:30" (or "9:30", "930") as a time; DateError otherwise."""
    raw = text.strip()
    digits = raw.replace(":", "").replace(".", "")
    try:
        if ":" in raw or "." in raw:
            hh, mm = raw.replace(".", ":").split(":")
        elif digits.isdigit() and len(digits) in (3, 4):
            hh, mm = digits[:-2], digits[-2:]
        else:
            raise ValueError
        return time(int(hh), int(mm))
    except ValueError:
        raise DateError(f"time {raw!r}: use HH:MM, e.g. 09:30") from None


def parse_when(
    date_text: str,
    time_text: str,
    tz: ZoneInfo | None,
    now: datetime,
    working: Collection[int] = MONDAY_TO_FRIDAY,
) -> datetime:
    """A typed date and time in the contact's zone ``tz``, as an aware instant in ``now``'s
    zone (UTC); refused when the day is not a working day or the moment has passed."""
    day = parse_day(date_text, local_now(now, tz).date(), working)
    moment = datetime.combine(day, parse_time(time_text), tzinfo=tz or now.tzinfo)
    when = moment.astimezone(now.tzinfo)
    if when <= now:
        raise DateError(f"{day_text(day)} {moment:%H:%M} has passed: pick a later time")
    return when


def example_day(now: datetime, tz: tzinfo | None, working: Collection[int] = MONDAY_TO_FRIDAY) -> date:
    """A date to show as the field's example: the next working day after tomorrow (always in
    the future, whatever today is)."""
    return next_working_day(local_now(now, tz).date() + timedelta(days=2), working)


def default_meeting_day(
    now: datetime, tz: tzinfo | None, working: Collection[int] = MONDAY_TO_FRIDAY
) -> date:
    """The meeting form's first guess: the next working day after today."""
    return next_working_day(local_now(now, tz).date() + timedelta(days=1), working)


def quick_callback_times(
    now: datetime,
    tz: ZoneInfo | None,
    working: Collection[int] = MONDAY_TO_FRIDAY,
    day_ends: time = time(18, 0),
) -> list[tuple[str, datetime]]:
    """Callback quick picks in the contact's local time, on working days only: in two hours
    (today, while the calling day lasts), the next working day at 09:00 and 14:00, and the
    first working day of next week at 09:00. Each label names its day."""
    local = local_now(now, tz)
    today = local.date()

    def at(day: date, hour: time) -> datetime:
        return datetime.combine(day, hour, tzinfo=local.tzinfo).astimezone(now.tzinfo)

    def name(day: date) -> str:
        if day == today + timedelta(days=1):
            return f"tomorrow ({day_text(day)})"
        return day_text(day)

    picks: list[tuple[str, datetime]] = []
    in_two = (local + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    if in_two.date() == today and in_two.time() < day_ends and is_working_day(today, working):
        picks.append((f"today {in_two:%H:%M}", in_two.astimezone(now.tzinfo)))
    following = next_working_day(today + timedelta(days=1), working)
    picks.append((f"{name(following)} 09:00", at(following, MORNING)))
    picks.append((f"{name(following)} 14:00", at(following, AFTERNOON)))
    next_week = next_working_day(today + timedelta(days=7 - today.weekday()), working)
    if next_week != following:
        picks.append((f"next week, {day_text(next_week)} 09:00", at(next_week, MORNING)))
    return picks


def when_text(when: datetime, contact_tz: ZoneInfo | None, rep_tz: tzinfo | None = None) -> str:
    """A saved moment in the contact's time and the rep's (``rep_tz`` None: this machine's
    zone): "Mon 07 Dec 09:00 their time (America/New_York), 15:00 your time (CET)"; the rep's
    day is named too when it is another one."""
    theirs = when.astimezone(contact_tz) if contact_tz else when
    their_zone = contact_tz.key if contact_tz else "UTC"
    yours = when.astimezone(rep_tz) if rep_tz else when.astimezone()
    your_zone = getattr(rep_tz, "key", None) or yours.tzname() or "local"
    your_day = "" if yours.date() == theirs.date() else f"{day_text(yours.date())} "
    return (
        f"{day_text(theirs.date())} {theirs:%H:%M} their time ({their_zone}), "
        f"{your_day}{yours:%H:%M} your time ({your_zone})"
    )
