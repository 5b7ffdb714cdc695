"""No database made by accident: a command that fails before writing leaves no SQLite file,
a mistyped folder is not created, a PostgreSQL URL without a database name is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from callcoach.cli import main
from callcoach.storage.db import open_database
from callcoach.storage.errors import DatabaseError
from tests.support.helpers import count_rows


def _leftovers(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.glob(path.name + "*"))


BROKEN_FILES = {
    "no phone column": "name,company\nAda,Acme\n",
    "only a header": "name,phone\n",
    "empty": "",
}


@pytest.mark.parametrize("content", sorted(BROKEN_FILES))
def test_a_broken_csv_into_a_fresh_sqlite_path_leaves_no_file(content, tmp_path, capsys):
    csv = tmp_path / "contacts.csv"
    csv.write_text(BROKEN_FILES[content])
    db_path = tmp_path / "fresh.db"
    assert main(["--db", f"sqlite:///{db_path}", "import", str(csv)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("callcoach: error: ") and err.count("\n") == 1
    assert _leftovers(db_path) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["tracks", "load", "{tmp}/missing.toml"],
        ["drill", "load", "{tmp}/missing.toml"],
        ["reps", "set", "Nobody", "--role", "manager"],
        ["meetings", "held", "999"],
        ["block", "--list", "No such list"],
    ],
)
def test_failing_commands_on_a_fresh_sqlite_path_leave_no_file(argv, tmp_path, capsys):
    db_path = tmp_path / "fresh.db"
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert main(["--db", f"sqlite:///{db_path}", *argv]) != 0
    assert capsys.readouterr().err.startswith("callcoach")
    assert _leftovers(db_path) == []


def test_a_command_that_succeeds_keeps_its_new_database(tmp_path, capsys):
    db_path = tmp_path / "fresh.db"
    assert main(["--db", f"sqlite:///{db_path}", "lists"]) == 0
    assert db_path.is_file()


def test_a_failed_command_never_removes_a_database_with_data(tmp_path, capsys):
    db_path = tmp_path / "fresh.db"
    url = f"sqlite:///{db_path}"
    assert main(["--db", url, "reps", "add", "Ada"]) == 0
    assert main(["--db", url, "meetings", "held", "999"]) != 0
    assert db_path.is_file()
    db = open_database(url)
    try:
        assert count_rows(db, "rep") == 1
    finally:
        db.dispose()


def test_a_database_that_existed_is_never_removed(tmp_path, capsys):
    db_path = tmp_path / "old.db"
    url = f"sqlite:///{db_path}"
    open_database(url).dispose()  # an empty callcoach database made earlier
    assert main(["--db", url, "meetings", "held", "999"]) != 0
    assert db_path.is_file()


def test_db_status_on_a_fresh_sqlite_path_creates_nothing(tmp_path, capsys):
    db_path = tmp_path / "fresh.db"
    assert main(["--db", f"sqlite:///{db_path}", "db", "status"]) == 1
    out = capsys.readouterr().out
    assert "schema none" in out and "empty: it is created when callcoach first opens it" in out
    assert _leftovers(db_path) == []


def test_a_missing_folder_is_one_line_and_not_created(tmp_path, capsys):
    folder = tmp_path / "no" / "such" / "dir"
    assert main(["--db", f"sqlite:///{folder / 'x.db'}", "lists"]) == 2
    err = capsys.readouterr().err
    assert err == f"callcoach: error: database URL sqlite:///{folder / 'x.db'}: no such folder {folder}\n"
    assert not (tmp_path / "no").exists()


def test_the_default_data_directory_is_still_created_on_first_use(tmp_path, monkeypatch, capsys):
    data = tmp_path / "deep" / "data"
    monkeypatch.setenv("CALLCOACH_DATA_DIR", str(data))
    assert main(["lists"]) == 0
    assert (data / "callcoach.db").is_file()


def test_open_database_removes_the_file_it_made_when_the_schema_step_fails(tmp_path, monkeypatch):
    from callcoach.storage import db as db_module

    def refuse(*_args: object) -> None:
        raise DatabaseError("refused")

    monkeypatch.setattr(db_module, "bring_to_head", refuse)
    db_path = tmp_path / "fresh.db"
    with pytest.raises(DatabaseError):
        open_database(f"sqlite:///{db_path}")
    assert _leftovers(db_path) == []


def _public_tables(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.pg
@pytest.mark.parametrize("tail", ["", "/"])
def test_a_postgresql_url_without_a_database_name_is_one_line(pg_database_url, tail, capsys):
    parsed = make_url(pg_database_url)
    server = f"{parsed.drivername}://{parsed.username}@{parsed.host}:{parsed.port}"
    default_db = make_url(pg_database_url).set(database="postgres").render_as_string(
        hide_password=False
    )
    before = _public_tables(default_db)
    for argv in (["lists"], ["db", "upgrade"], ["db", "status"]):
        assert main(["--db", server + tail, *argv]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "no database name" in err
    assert _public_tables(default_db) == before


@pytest.mark.pg
def test_a_broken_csv_writes_nothing_on_postgresql(pg_db, tmp_path, capsys):
    csv = tmp_path / "contacts.csv"
    csv.write_text(BROKEN_FILES["no phone column"])
    assert main(["--db", pg_db.url, "import", str(csv)]) == 2
    assert count_rows(pg_db, "contact") == 0 and count_rows(pg_db, "call_list") == 0
