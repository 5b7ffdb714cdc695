"""``callcoach export activities`` from the command line: files, messages, one-line errors."""

from __future__ import annotations

import csv

from tests.core.review.test_activities import _history
from tests.support.helpers import run_cli


def test_export_writes_the_files_then_nothing_new(db, clock, settings, capsys, tmp_path):
    _history(db, clock, settings)
    out = tmp_path / "week.csv"
    code, stdout, err = run_cli(db, capsys, "export", "activities", "--format", "salesforce",
                                "--output", str(out), "--tz", "America/New_York")
    assert code == 0, err
    assert f"wrote 3 rows to {tmp_path / 'week-tasks.csv'}" in stdout
    assert f"wrote 1 rows to {tmp_path / 'week-events.csv'}" in stdout
    assert "3 calls and 1 meetings recorded as exported to salesforce" in stdout
    with open(tmp_path / "week-tasks.csv", newline="", encoding="utf-8") as f:
        assert [r["WhoId"] for r in csv.DictReader(f)] == ["00Q001", "00Q002", "00Q003"]
    code, stdout, _ = run_cli(db, capsys, "export", "activities", "--format", "salesforce",
                              "--output", str(out))
    assert code == 0
    assert stdout.strip() == ("nothing new to export to salesforce (3 calls in this period were "
                              "exported to salesforce before; --all writes them again)")
    code, stdout, _ = run_cli(db, capsys, "export", "activities", "--format", "salesforce",
                              "--output", str(out), "--all", "--rep", "sam")
    assert code == 0 and "wrote 3 rows" in stdout


def test_bad_flags_are_one_line_errors(db, clock, settings, capsys, tmp_path):
    _history(db, clock, settings)
    cases = [
        (("--format", "pipedrive"), "--format 'pipedrive': expected one of hubspot, salesforce, csv"),
        (("--since", "last tuesday"), "--since 'last tuesday': expected a date like"),
        (("--rep", "Sma"), "--rep 'Sma': no such rep"),
        (("--output", str(tmp_path / "missing" / "x.csv")), "cannot write"),
        (("--since", "2026-11-30", "--until", "2026-11-01"), "is before --since"),
    ]
    for flags, message in cases:
        code, stdout, err = run_cli(db, capsys, "export", "activities", *flags)
        assert code == 2, flags
        assert message in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert not list(tmp_path.glob("*.csv"))
    # A folder as --output gets the files under their default names.
    code, stdout, err = run_cli(db, capsys, "export", "activities", "--format", "hubspot",
                                "--output", str(tmp_path))
    assert code == 0, err
    names = sorted(p.name for p in tmp_path.glob("callcoach-hubspot-*.csv"))
    assert len(names) == 2 and names[0].endswith("-calls.csv") and names[1].endswith("-meetings.csv")
