"""`callcoach drill ...` commands and `callcoach report --by drill`, end to end."""

from __future__ import annotations

import json
import random

import pytest

from callcoach import cli
from callcoach.core.drills.run import DrillRun
from callcoach.core.drills.sets import drill_cards
from tests.support.drill_helpers import add_live_losses, add_rep, seed_objections, seed_track
from tests.support.helpers import run_cli
from tests.support.paths import REPO as ROOT


def _drill(db, clock, trainee_id, scores, trainer_id=None):
    with db.session() as s:
        cards = [c for c in drill_cards(s, None) if c.key == "no_budget"]
    r = DrillRun(
        db=db,
        clock=clock,
        trainee_id=trainee_id,
        cards=cards,
        rounds=len(scores),
        trainer_id=trainer_id,
        rng=random.Random(1),
    )
    r.start()
    for i, score in enumerate(scores):
        clock.advance(9)
        r.answer_done()
        r.toggle("asked_again")
        r.score(score)
        if i < len(scores) - 1:
            r.next()
    r.finish()


def test_drill_load_sets_and_from_track(db, capsys):
    ids = seed_objections(db)
    seed_track(db, ids)
    code, out, err = run_cli(db, capsys, "drill", "load", str(ROOT / "data" / "drill_sets.toml"))
    # the shipped file has a set on the "Software" track, which this database lacks
    assert code == 2 and "no talk track named 'Software'" in err and err.count("\n") == 1
    code, out, err = run_cli(db, capsys, "drill", "from-track", "IT services", "--name", "IT")
    assert code == 0 and "drill set 'IT': 3 objections" in out
    code, out, _ = run_cli(db, capsys, "drill", "sets")
    assert code == 0 and out.splitlines()[1].split()[:3] == ["IT", "3", "IT"]
    code, _, err = run_cli(db, capsys, "drill", "from-track", "Nope")
    assert code == 2 and "no talk track named 'Nope'" in err


def test_drill_flags_are_checked_before_the_tui(db, capsys):
    seed_objections(db)
    code, _, err = run_cli(db, capsys, "drill", "--rate", "20")
    assert code == 2 and "--rate 20" in err
    code, _, err = run_cli(db, capsys, "drill", "--set", "missing", "--no-voice")
    assert code == 2 and "no drill set named 'missing'" in err
    code, _, err = run_cli(db, capsys, "drill", "--rounds", "0", "--no-voice")
    assert code == 2 and "--rounds 0" in err


def test_list_voices(db, capsys):
    from tests.core.drills.test_speech import HAS_ESPEAK

    if not HAS_ESPEAK:
        pytest.skip("espeak-ng is not installed")
    code, out, _ = run_cli(db, capsys, "drill", "--list-voices")
    assert code == 0 and "gmw/en" in out and "voices; use one with" in out
    code, _, err = run_cli(db, capsys, "drill", "--voice", "klingon/x", "--set", "x")
    assert code == 2 and "--voice 'klingon/x': no such voice" in err


def _drill_report(day: str) -> tuple[str, ...]:
    """``report --by drill`` over one day, in UTC."""
    return ("report", "--by", "drill", "--since", day, "--until", day, "--tz", "UTC")


def test_report_by_drill(db, clock, capsys):
    ids = seed_objections(db)
    ana = add_rep(db, "Ana")
    tom = add_rep(db, "Tom", "trainer")
    _drill(db, clock, ana, [2, 4, 5], trainer_id=tom)
    add_live_losses(db, ana, ids["no_budget"], 2, clock.now())
    add_live_losses(db, ana, ids["no_budget"], 1, clock.now(), overcome=True)
    code, out, err = run_cli(db, capsys, *_drill_report("2026-11-23"), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    rows = data["rows"]
    assert len(rows) == 1
    row = rows[0]
    assert row["trainee"] == "Ana" and row["objection"] == "no_budget"
    assert row["drilled"] == 3 and row["avg"] == 3.7 and row["trainer"] == 3.7
    assert row["answer"] == 9.0 and row["box"] == 3
    assert row["overcome"] == {"num": 1, "den": 3, "pct": 33.3}
    code, out, _ = run_cli(db, capsys, *_drill_report("2026-11-23"))
    assert "Drill progress by trainee and objection" in out and "1/3 (33.3%)" in out
    # another day: nothing drilled, nothing live
    code, out, _ = run_cli(db, capsys, *_drill_report("2026-11-24"), "--format", "json")
    assert json.loads(out)["rows"] == []
    code, out, _ = run_cli(db, capsys, "drill", "progress", "--trainee", "ana")
    assert "no_budget" in out and "33%" in out


def test_report_by_drill_lists_objections_lost_live_but_never_drilled(db, clock, capsys):
    """Item 9: a trainee's live losses on an objection never drilled are in the report."""
    ids = seed_objections(db)
    ana = add_rep(db, "Ana")
    _drill(db, clock, ana, [2, 4])
    add_live_losses(db, ana, ids["in_house"], 3, clock.now())
    code, out, err = run_cli(db, capsys, *_drill_report("2026-11-23"), "--format", "json")
    assert code == 0, err
    rows = {r["objection"]: r for r in json.loads(out)["rows"]}
    assert set(rows) == {"no_budget", "in_house"}
    assert rows["in_house"]["drilled"] == 0 and rows["in_house"]["live"] == 3
    assert rows["in_house"]["overcome"] == {"num": 0, "den": 3, "pct": 0.0}
    assert rows["no_budget"]["trend"] == 2.0
    code, out, _ = run_cli(db, capsys, *_drill_report("2026-11-23"))
    assert "in_house" in out and "never drilled are listed too" in " ".join(out.split())


def test_drill_assign_assignments_unassign_and_progress(db, capsys, tmp_path):
    """The CLI reads the system clock: due dates here are relative to today."""
    from datetime import date, timedelta

    from sqlmodel import select

    from callcoach.core.drills.sets import load_drill_sets_file
    from callcoach.storage.models import Rep

    seed_objections(db)
    add_rep(db, "Ana")
    add_rep(db, "Tom", "trainer")
    with db.session() as s:
        before = len(s.exec(select(Rep)).all())
    code, out, err = run_cli(db, capsys, "drill", "assign", "Nope", "--trainee", "Ana", "--due", "+3")
    assert code == 2 and "no drill set named 'Nope'" in err
    f = tmp_path / "sets.toml"
    f.write_text(
        '[[drill_set]]\nname = "Two"\nobjections = ["who_are_you", "not_interested"]\n',
        encoding="utf-8",
    )
    load_drill_sets_file(db, f)
    code, out, err = run_cli(db, capsys, "drill", "assign", "Two", "--trainee", "t1", "--due", "+3")
    assert code == 2 and err.count("\n") == 1 and "--trainee 't1': no such rep" in err
    assert "callcoach reps add" in err
    code, out, err = run_cli(db, capsys, "drill", "assign", "Two", "--trainee", "Ana", "--due", "soon")
    assert code == 2 and "--due 'soon': expected a date like 2026-12-31 or +7" in err
    code, out, err = run_cli(
        db, capsys, "drill", "assign", "two", "--trainee", "ana", "--due", "+3", "--trainer", "Tom"
    )
    assert code == 0, err
    due = date.today() + timedelta(days=3)
    assert f"assigned drill set 'Two' to Ana, due {due.isoformat()}" in out
    assert "0/2 objections drilled" in out
    with db.session() as s:
        assert len(s.exec(select(Rep)).all()) == before  # no rep created by the typo
    code, out, _ = run_cli(db, capsys, "drill", "assignments")
    header, row = out.splitlines()[:2]
    assert header.split()[:4] == ["Trainee", "Set", "Due", "Status"]
    assert row.split()[:6] == ["Ana", "Two", due.isoformat(), "due", "in", "3"]
    assert "0/2" in row and "Tom" in row
    code, out, _ = run_cli(db, capsys, "drill", "progress", "--trainee", "Ana")
    assert code == 0 and "Assignments:" in out and "0/2" in out
    code, out, err = run_cli(db, capsys, "drill", "unassign", "Two", "--trainee", "Ana")
    assert code == 0 and "unassigned drill set 'Two' from Ana" in out
    code, out, _ = run_cli(db, capsys, "drill", "assignments")
    assert "No open drill assignments." in out
    code, _, err = run_cli(db, capsys, "drill", "unassign", "Two", "--trainee", "Ana")
    assert code == 2 and "'Two' is not assigned to 'Ana'" in err


def test_help_lists_drill_in_report(capsys):
    from callcoach.core.review.breakdowns import breakdown_names

    assert "drill" in breakdown_names()
    with pytest.raises(SystemExit):
        cli.main(["report", "--help"])
    out, _ = capsys.readouterr()
    assert "objection | drill" in " ".join(out.split())
