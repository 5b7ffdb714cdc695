"""Settings: defaults from the method, overrides from TOML, one-line errors."""

from __future__ import annotations

from datetime import time

import pytest

from callcoach.config import ConfigError, Settings, load_settings


def test_defaults_follow_the_method(tmp_path):
    """No settings file (the user's default one, absent in tests): 52-minute block, 0:45/1:00
    phases, 20 s objections, warnings at 2 and 3 min."""
    s = load_settings()
    assert s == Settings(ics_dir=s.ics_dir)
    assert s.block_minutes == 52
    assert (s.phases.engage_until, s.phases.ask_until) == (45, 60)
    assert (s.phases.objection_seconds, s.phases.warn_at, s.phases.stop_at) == (20, 120, 180)
    assert (s.retry.delay_hours, s.retry.max_attempts) == (4.0, 6)
    assert (s.window.start, s.window.end) == (time(8), time(18))


def test_overrides(tmp_path):
    """Values in the file replace defaults, nested tables included."""
    f = tmp_path / "c.toml"
    f.write_text(
        'block_minutes = 45\ndial_command = "xdg-open tel:{phone}"\n'
        '[phases]\nengage_until = 40\n[window]\nstart = "09:30"\n[retry]\ndelay_hours = 2\n'
    )
    s = load_settings(f)
    assert s.block_minutes == 45
    assert s.phases.engage_until == 40 and s.phases.ask_until == 60
    assert s.window.start == time(9, 30)
    assert s.retry.delay_hours == 2.0
    assert s.dial_command == "xdg-open tel:{phone}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("block_minutes = 'long'", "block_minutes = 'long': expected a whole number"),
        ("colour = 1", "unknown setting colour"),
        ("[window]\nstart = 'noon'", "[window] start = 'noon'"),
        ("[phases]\nengage_until = 70", "engage_until <= ask_until"),
        ("block_minutes = ", "Invalid value"),
    ],
)
def test_bad_values_are_one_line(tmp_path, text, expected):
    """Each bad setting names the file and the value in one line."""
    f = tmp_path / "c.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_settings(f)
    assert str(f) in str(err.value)
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


def test_a_config_file_named_but_missing_is_a_one_line_error(tmp_path, capsys):
    """--config names a file: a missing one is refused, not silently replaced by defaults."""
    from callcoach.cli import main

    with pytest.raises(ConfigError, match="--config .*missing.toml: no such file"):
        load_settings(tmp_path / "missing.toml")
    assert main(["--db", f"sqlite:///{tmp_path / 'x.db'}", "--config", str(tmp_path / "missing.toml"),
                 "lists"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.toml: no such file" in err


@pytest.mark.parametrize(
    ("line", "days"),
    [
        ('working_days = ["Mon", "Tue", "Wed", "Thu", "Fri"]', (0, 1, 2, 3, 4)),
        ('working_days = "Sun-Thu"', (0, 1, 2, 3, 6)),
        ('working_days = "mon, wednesday, Fri"', (0, 2, 4)),
        ('working_days = ["Saturday"]', (5,)),
    ],
)
def test_working_days_from_the_config_file(tmp_path, line, days):
    f = tmp_path / "c.toml"
    f.write_text(line + "\n")
    assert load_settings(f).working_days == days
    assert Settings().working_days == (0, 1, 2, 3, 4)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('working_days = "Mon-Funday"', "'Mon-Funday' is not a day name"),
        ("working_days = []", "at least one working day"),
        ("working_days = 5", "expected day names"),
        ('rep_email = "not an address"', "expected an address"),
    ],
)
def test_bad_working_days_or_email_is_one_line_naming_the_key(tmp_path, line, says):
    f = tmp_path / "c.toml"
    f.write_text(line + "\n")
    with pytest.raises(ConfigError) as err:
        load_settings(f)
    message = str(err.value)
    assert "\n" not in message and str(f) in message and says in message
    assert line.split(" =")[0] in message
