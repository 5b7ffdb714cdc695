"""Connection trouble on every CLI path, the TUI's included: one line naming the host and
the cause, exit status 2, never the password, never a traceback."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from callcoach.cli import main

DEAD = "postgresql+psycopg://bob:hunter2@127.0.0.1:1/team"


@pytest.mark.parametrize(
    "argv",
    [[], ["reps"], ["reps", "add", "Ana"], ["db", "upgrade"], ["db", "status"], ["lists"]],
    ids=["tui", "reps", "reps-add", "db-upgrade", "db-status", "lists"],
)
def test_unreachable_server_at_start_is_one_line(argv, capsys, monkeypatch):
    """Whatever the command (no command opens the TUI), a dead server is one line."""
    monkeypatch.setenv("CALLCOACH_DATABASE_URL", DEAD)
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("callcoach: error: cannot connect to postgresql at 127.0.0.1:1: ")
    assert "\n" not in err
    assert "hunter2" not in captured.err + captured.out


def test_connection_lost_mid_command_is_one_line(sqlite_db, capsys, monkeypatch):
    """The server going away after the database was opened is still one line."""
    import callcoach.core.reps as reps

    def list_reps(session):
        raise sa.exc.OperationalError(
            "SELECT", {}, Exception("terminating connection due to administrator command")
        )

    monkeypatch.setattr(reps, "list_reps", list_reps)
    assert main(["--db", sqlite_db.url, "reps"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("callcoach: error: cannot connect to sqlite at ")
    assert err.endswith("terminating connection due to administrator command")


def test_a_real_bug_is_not_disguised_as_connection_trouble(sqlite_db, monkeypatch):
    """Only connection errors are turned into one line; a programming error still shows."""
    import callcoach.core.reps as reps

    def list_reps(session):
        raise sa.exc.ProgrammingError("SELECT", {}, Exception("syntax error"))

    monkeypatch.setattr(reps, "list_reps", list_reps)
    with pytest.raises(sa.exc.ProgrammingError):
        main(["--db", sqlite_db.url, "reps"])
