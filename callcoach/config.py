"""User settings: call phases, retry rules, calling window, block length, drills.

Read from a TOML file (``paths.config_file()``); every value has a default taken from the
method, so callcoach works with no config at all. Phase boundaries live here and nowhere
else: widgets read them, they never hard-code seconds.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import time
from pathlib import Path
from typing import Any

from callcoach import paths
from callcoach.errors import CallcoachError
from callcoach.files import read_user_text


class ConfigError(CallcoachError):
    """A config file or value is wrong; the message is one line naming file and key."""


@dataclass(frozen=True)
class CallPhases:
    """The shape of a two-minute call, in seconds from the dial."""

    engage_until: int = 45  # intro + engage statement + impact question
    ask_until: int = 60  # the prospect's answer sets up the ask for the meeting
    objection_seconds: int = 20  # each objection is taken away in about 20 s
    target: int = 120  # a call should take about two minutes...
    warn_at: int = 120  # "diminishing returns"
    stop_at: int = 180  # ...three at the very most


@dataclass(frozen=True)
class RetryRules:
    """Leads are recyclable: when unreached contacts come back."""

    delay_hours: float = 4.0
    next_day_after_attempts: int = 2  # from this attempt on, retry next day instead
    next_day_hour: int = 9  # local time of the contact
    max_attempts: int = 6


@dataclass(frozen=True)
class CallingWindow:
    """Local hours in which a contact may be called."""

    start: time = time(8, 0)
    end: time = time(18, 0)


@dataclass(frozen=True)
class DrillSettings:
    """Objection drill timings and voice."""

    answer_seconds: int = 20
    opening_seconds: int = 45
    voice: str | None = None
    rate: int = 170  # words per minute


#: Day names as the config file may give them (``working_days``), Monday = 0.
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONDAY_TO_FRIDAY = (0, 1, 2, 3, 4)


def weekday_number(name: str) -> int | None:
    """0 (Monday) .. 6 (Sunday) for a day name or its first three letters, else None."""
    word = name.strip().lower()
    for number, full in enumerate(WEEKDAY_NAMES):
        if len(word) >= 3 and full.startswith(word):
            return number
    return None


def parse_working_days(value: object) -> tuple[int, ...]:
    """``working_days`` as weekday numbers: a list of day names (["Mon", "Tue"]) or a string
    of names and ranges ("Mon-Fri", "Sun-Thu", "Mon, Wed, Fri"). ValueError names the bad part."""
    if isinstance(value, str):
        parts = [p for p in re.split(r"[,\s]+", value) if p]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        parts = list(value)
    else:
        raise ValueError('expected day names, e.g. ["Mon", "Tue", "Wed", "Thu", "Fri"] or "Mon-Fri"')
    days: list[int] = []
    for part in parts:
        ends = part.split("-")
        numbers = [weekday_number(end) for end in ends]
        if len(ends) > 2 or any(n is None for n in numbers):
            raise ValueError(f"{part!r} is not a day name (Mon..Sun) or a range like Mon-Fri")
        first, last = numbers[0], numbers[-1]
        assert first is not None and last is not None
        span = [(first + i) % 7 for i in range((last - first) % 7 + 1)]
        days += [d for d in span if d not in days]
    if not days:
        raise ValueError("at least one working day is needed")
    return tuple(sorted(days))


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the method's defaults."""

    block_minutes: int = 52
    phases: CallPhases = field(default_factory=CallPhases)
    retry: RetryRules = field(default_factory=RetryRules)
    window: CallingWindow = field(default_factory=CallingWindow)
    drill: DrillSettings = field(default_factory=DrillSettings)
    ics_dir: Path = field(default_factory=lambda: paths.data_dir() / "invites")
    dial_command: str | None = None  # e.g. "xdg-open tel:{phone}"
    reservation_minutes: int = 10
    rep: str | None = None  # default rep name for this machine
    rep_email: str | None = None  # the invites' organizer (else the rep's email in the database)
    #: days a callback or meeting may be set on, in the contact's time zone (Monday = 0)
    working_days: tuple[int, ...] = MONDAY_TO_FRIDAY


def _coerce(section: str, key: str, value: Any, default: Any, source: str) -> Any:
    where = f"{source}: [{section}] {key} = {value!r}" if section else f"{source}: {key} = {value!r}"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false")
        return value
    if isinstance(default, int) and not isinstance(default, bool):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{where}: expected a whole number >= 0")
        return value
    if isinstance(default, float):
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{where}: expected a number >= 0")
        return float(value)
    if isinstance(default, tuple):
        try:
            return parse_working_days(value)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if isinstance(default, time):
        try:
            hh, mm = str(value).split(":")
            return time(int(hh), int(mm))
        except ValueError:
            raise ConfigError(f"{where}: expected a time like \"08:00\"") from None
    if isinstance(default, Path):
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}: expected a folder path")
        return Path(value).expanduser()
    if default is None or isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string")
        return value
    raise ConfigError(f"{where}: unsupported setting")


def _apply(obj: Any, table: dict[str, Any], section: str, source: str) -> Any:
    known = {f.name: f for f in fields(obj)}
    changes: dict[str, Any] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in known:
            where = f"[{section}] {key}" if section else key
            raise ConfigError(f"{source}: unknown setting {where}")
        current = getattr(obj, name)
        if hasattr(current, "__dataclass_fields__"):
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: [{name}] must be a table")
            changes[name] = _apply(current, value, name, source)
        else:
            changes[name] = _coerce(section, key, value, current, source)
    return replace(obj, **changes)


def _validate(settings: Settings, source: str) -> Settings:
    p = settings.phases
    if not (0 < p.engage_until <= p.ask_until <= p.warn_at <= p.stop_at):
        raise ConfigError(
            f"{source}: [phases] must satisfy 0 < engage_until <= ask_until <= warn_at <= stop_at"
        )
    if p.objection_seconds <= 0:
        raise ConfigError(f"{source}: [phases] objection_seconds must be > 0")
    if not 1 <= settings.block_minutes <= 240:
        raise ConfigError(f"{source}: block_minutes = {settings.block_minutes}: expected 1..240")
    if settings.window.start >= settings.window.end:
        raise ConfigError(f"{source}: [window] start must be before end")
    email = settings.rep_email
    if email is not None and (email.count("@") != 1 or "." not in email.split("@")[1] or " " in email):
        raise ConfigError(f"{source}: rep_email = {email!r}: expected an address like ana@example.com")
    if settings.retry.max_attempts < 1:
        raise ConfigError(f"{source}: [retry] max_attempts must be >= 1")
    return settings


def load_settings(path: Path | None = None) -> Settings:
    """Read settings from ``path``, which must exist when given (``--config``); without it,
    from the user's config file if there is one, else the defaults."""
    if path is not None and not path.exists():
        raise ConfigError(f"--config {path}: no such file")
    path = path or paths.config_file()
    if not path.exists():
        return Settings()
    source = str(path)
    raw = read_user_text(path, ConfigError, "TOML")
    try:
        table = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return _validate(_apply(Settings(), table, "", source), source)
