"""The first start tells what it is doing (stderr lines while migrating and seeding), and
a start on a ready database says nothing extra."""

from __future__ import annotations

import callcoach.tui.app
from callcoach.cli import main


class _NoApp:
    return_code = 0

    def run(self) -> None:
        """The screens are not the point here."""


def test_the_first_start_prints_progress_and_the_next_is_quiet(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(callcoach.tui.app, "make_app", lambda *_a, **_k: _NoApp())
    from callcoach.storage.schema import head_revision

    url = f"sqlite:///{tmp_path / 'first.db'}"
    head = head_revision()
    assert main(["--db", url]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"callcoach: creating the database {url} (schema {head}) with the starter objections "
        "and talk track ...",
        f"callcoach: database ready at schema {head}",
        "callcoach: first start: loading the demo lists, talk tracks and drill sets "
        "(made-up contacts, a few seconds) ...",
        "callcoach: demo ready: opening the home screen",
    ]
    assert main(["--db", url]) == 0
    assert capsys.readouterr().err == ""


def test_commands_that_print_their_own_output_stay_quiet_on_a_new_database(tmp_path, capsys):
    """Only the commands that open the TUI announce (script output stays as it was)."""
    assert main(["--db", f"sqlite:///{tmp_path / 'new.db'}", "lists"]) == 0
    assert capsys.readouterr().err == ""


def test_an_upgrade_on_start_is_announced(tmp_path, monkeypatch, capsys):
    """The embedded default database of an older release is upgraded with a line saying so."""
    from callcoach.storage.engine import make_engine
    from callcoach.storage.schema import head_revision, upgrade
    from callcoach.storage.urls import default_database_url
    from tests.support.schema import before_starters

    monkeypatch.setattr(callcoach.tui.app, "make_app", lambda *_a, **_k: _NoApp())
    engine = make_engine(default_database_url())
    older = before_starters()
    upgrade(engine, older)
    engine.dispose()
    assert main([]) == 0
    err = capsys.readouterr().err
    head = head_revision()
    assert f"from schema {older} to {head} ..." in err and f"database ready at schema {head}" in err
