"""Start-up: the CLI pauses the cyclic garbage collector and the app turns it back on."""

from __future__ import annotations

import gc

import pytest

from callcoach import cli
from callcoach.tui.app import make_app


@pytest.fixture
def gc_restored():
    """Whatever a test does to the collector, leave it on and unfrozen afterwards."""
    yield
    gc.enable()
    gc.unfreeze()


async def test_app_turns_the_collector_back_on_after_the_first_screen(
    sqlite_db, settings, clock, gc_restored
):
    gc.unfreeze()
    gc.disable()  # as cmd_tui leaves it during start-up
    app = make_app(sqlite_db, settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "Call lists" in str(app.screen.query_one("#home-title").render())
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0  # start-up objects kept out of later scans


async def test_app_leaves_an_enabled_collector_alone(sqlite_db, settings, clock, gc_restored):
    frozen = gc.get_freeze_count()
    app = make_app(sqlite_db, settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert gc.isenabled()
        assert gc.get_freeze_count() == frozen


def test_failed_start_turns_the_collector_back_on(capsys, gc_restored):
    assert gc.isenabled()
    code = cli.main(["--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"])
    assert code == 2
    assert "callcoach: error:" in capsys.readouterr().err
    assert gc.isenabled()
