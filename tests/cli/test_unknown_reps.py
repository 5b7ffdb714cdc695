"""Typos never create reps: every place a rep name is typed refuses an unknown one in one
line, suggesting close matches and ``callcoach reps add`` (issue 14 item 8)."""

from __future__ import annotations

import pytest

from callcoach.core.reps import RepError, add_rep, require_rep, unknown_rep
from tests.support.helpers import count_rows, run_cli


@pytest.fixture
def team(db):
    """Ana Lopez (sdr), Ben (sdr) and Tom (trainer)."""
    with db.session() as s:
        add_rep(s, "Ana Lopez")
        add_rep(s, "Ben")
        add_rep(s, "Tom", "trainer")
    return db


def test_unknown_rep_suggests_close_matches_and_how_to_add(team):
    with team.session() as s:
        assert str(unknown_rep(s, "Ana Lopes", "--rep")) == (
            "--rep 'Ana Lopes': no such rep (did you mean 'Ana Lopez'? "
            "add one with: callcoach reps add 'Ana Lopes')"
        )
        # a prefix counts as a close match; nothing close means no guess
        assert "did you mean 'Ana Lopez'?" in str(unknown_rep(s, "ana", "--trainee"))
        assert str(unknown_rep(s, "t1", "--trainee")) == (
            "--trainee 't1': no such rep (add one with: callcoach reps add t1)"
        )
        assert require_rep(s, "BEN").name == "Ben"
        with pytest.raises(RepError, match="trainer 'Tim': no such rep .did you mean 'Tom'"):
            require_rep(s, "Tim", "trainer")
    assert count_rows(team, "rep") == 3


@pytest.mark.parametrize(
    "args",
    [
        ("drill", "--trainee", "t1", "--no-voice"),
        ("drill", "--trainee", "Ana Lopez", "--trainer", "Tim", "--no-voice"),
        ("drill", "progress", "--trainee", "t1"),
        ("--rep", "Bne", "dashboard"),
        ("--rep", "Bne"),
        ("block", "--list", "Retail", "--rep", "Bne"),
        ("report", "--rep", "Bne"),
        ("plan", "--quota", "100000", "--deal-size", "10000", "--close-ratio", "4", "--rep", "Bne"),
        ("goals", "set", "--rep", "Bne", "--week", "2026-11-23", "--dials", "300"),
        ("goals", "--rep", "Bne"),
        ("meetings", "--rep", "Bne"),
        ("callbacks", "assign", "--to", "Bne", "1"),
        ("export", "activities", "--rep", "Bne", "--output", "x.csv"),
        ("reps", "set", "Bne", "--role", "manager"),
    ],
)
def test_every_command_refuses_an_unknown_rep_and_creates_none(team, capsys, args, tmp_path,
                                                               monkeypatch):
    monkeypatch.chdir(tmp_path)
    if args[0] == "block":
        from callcoach.storage.models import CallList

        with team.session() as s:
            s.add(CallList(name="Retail"))
            s.commit()
    code, out, err = run_cli(team, capsys, *args)
    assert code == 2, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and "no such rep" in lines[0] and "Traceback" not in err
    assert "add one with: callcoach reps add" in lines[0]
    if "Bne" in args:
        assert "did you mean 'Ben'?" in lines[0]
    assert count_rows(team, "rep") == 3
