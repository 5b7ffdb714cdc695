"""First-run seed and the import/lists/tracks commands, driven through ``cli.main``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from callcoach import paths
from callcoach.cli import main
from callcoach.core.demo.seed import DEMO_REP, seed_demo_if_empty
from callcoach.storage.db import open_database
from callcoach.storage.models import CallList, Rep
from tests.support.helpers import count_rows
from tests.support.paths import REPO, TEST_DATA

FILES = TEST_DATA / "import"


def test_seed_fills_an_empty_database_once(db, clock):
    """Demo tracks, objections, six vertical lists and a demo SDR; a second call is a no-op."""
    assert seed_demo_if_empty(db, clock) is True
    with db.session() as s:
        lists = s.exec(select(CallList).order_by(CallList.name)).all()
        reps = s.exec(select(Rep)).all()
    assert len(lists) == 6 and all(cl.talk_track_id for cl in lists)
    assert {cl.cluster_dimension for cl in lists} == {"vertical"}
    assert [(r.name, r.role) for r in reps] == [(DEMO_REP, "sdr")]
    assert count_rows(db, "contact") == 480 and count_rows(db, "objection") == 8
    assert count_rows(db, "do_not_call") > 0
    assert seed_demo_if_empty(db, clock) is False
    assert count_rows(db, "contact") == 480


def test_seed_skips_a_database_that_has_lists(db, clock):
    """A user's own data is never mixed with the demo."""
    with db.transaction() as s:
        s.add(CallList(name="Mine"))
    assert seed_demo_if_empty(db, clock) is False
    assert count_rows(db, "contact") == 0 and count_rows(db, "talk_track") == 0


def test_demo_data_covers_the_method():
    """>= 400 contacts over >= 5 verticals, >= 6 regions, every role family, some DNC."""
    import csv

    with (paths.bundled_data_dir() / "demo_contacts.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 400
    assert len({r["Industry"] for r in rows}) >= 5
    assert len({r["State/Region"] for r in rows}) >= 6
    assert len({r["Country/Region"] for r in rows}) >= 3
    assert sum(1 for r in rows if r["Do Not Call"]) >= 3
    from callcoach.core.lists.clustering import role_family

    assert {role_family(r["Job title"]) for r in rows} == {
        "C-level", "VP", "Director", "Manager", "Individual contributor",
    }


def test_gen_demo_is_reproducible(tmp_path):
    """The generator writes the bundled file byte for byte."""
    import subprocess
    import sys

    out = tmp_path / "demo.csv"
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_demo.py"), "--out", str(out)],
        check=True, capture_output=True,
    )
    assert out.read_bytes() == (REPO / "data" / "demo_contacts.csv").read_bytes()


@pytest.fixture
def db_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated SQLite file for CLI runs."""
    import shutil

    path = tmp_path / "cli.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


def test_cli_import_then_lists(db_url, capsys):
    """`import` prints the summary and exits 0; `lists` shows the lists with counts."""
    code = main(["--db", db_url, "import", str(FILES / "hubspot.csv"), "--cluster-by", "vertical",
                 "--list", "Q1", "--min-cluster", "2"])
    out = capsys.readouterr()
    assert code == 0 and out.err == ""
    assert "imported 6 of 7 rows" in out.out
    assert "Q1 - Computer Software: 4 contacts (new)" in out.out
    assert "duplicate of line 2" in out.out
    assert main(["--db", db_url, "lists"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["List", "Cluster", "Contacts", "Callable", "now", "Last", "block"]
    rows = {line.split("  ")[0]: line.split() for line in lines[1:]}
    assert set(rows) == {"Q1 - Computer Software", "Q1 - Other"}
    assert rows["Q1 - Computer Software"][-3] == "4"  # contacts
    assert rows["Q1 - Other"][-3] == "2"


def test_cli_lists_when_empty(db_url, capsys):
    """An empty database says how to import."""
    assert main(["--db", db_url, "lists"]) == 0
    assert "No call lists yet" in capsys.readouterr().out


def test_cli_import_refused_exits_1_and_writes_nothing(db_url, capsys):
    """Invalid rows without --skip-invalid: exit 1, each problem listed, nothing written."""
    code = main(["--db", db_url, "import", str(FILES / "invalid_rows.csv")])
    out = capsys.readouterr().out
    assert code == 1
    assert "nothing imported: 5 invalid row(s)" in out
    assert f"{FILES / 'invalid_rows.csv'}:5: Phone: '555-12': too short" in out
    db = open_database(db_url)
    assert count_rows(db, "contact") == 0
    db.dispose()
    assert main(["--db", db_url, "import", str(FILES / "invalid_rows.csv"), "--skip-invalid"]) == 0
    assert "imported 3 of 8 rows" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", str(FILES / "empty.csv")], "empty.csv: empty file, nothing to import"),
        (["import", str(FILES / "binary.csv")], "binary.csv: binary file"),
        (["import", str(FILES / "missing_phone.csv")], "no phone column; columns found:"),
        (["import", str(FILES / "hubspot.csv"), "--default-region", "ZZ"], "--default-region"),
        (["tracks", "load", str(FILES / "hubspot.csv")], "hubspot.csv:1: invalid TOML"),
        (["tracks", "load", str(FILES / "nope.toml")], "nope.toml: no such file"),
    ],
)
def test_cli_errors_are_one_line_exit_2(db_url, capsys, args, message):
    """Bad input ends as one stderr line, exit 2, never a traceback."""
    code = main(["--db", db_url, *args])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("callcoach: error: ")
    assert message in err and "Traceback" not in err


def test_cli_tracks_load(db_url, capsys):
    """`tracks load` prints what it loaded."""
    assert main(["--db", db_url, "tracks", "load", str(REPO / "data" / "talk_tracks.toml")]) == 0
    out = capsys.readouterr().out
    assert "loaded 8 objection(s) (8 new, 0 updated)" in out
    assert "new track: Software" in out
