"""Start-up: the CLI pauses the cyclic garbage collector and the app turns it back on; the
call block keeps the collector out of its outcome path and gives its settings back."""

from __future__ import annotations

import gc

import pytest

from callcoach import cli
from callcoach.tui.app import make_app


@pytest.fixture
def gc_restored():
    """Whatever a test does to the collector, leave it on, unfrozen, at its thresholds."""
    threshold = gc.get_threshold()
    yield
    gc.enable()
    gc.unfreeze()
    gc.set_threshold(*threshold)


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


async def test_block_screen_defers_collections_and_gives_the_settings_back(
    sqlite_db, settings, clock, gc_restored
):
    from callcoach.core.calling import lifecycle
    from callcoach.tui.screens.block import GC_YOUNG_THRESHOLD, BlockScreen
    from callcoach.tui.screens.block_summary import SummaryScreen
    from tests.support.blockkit import make_list, make_rep

    before = gc.get_threshold()
    rep = make_rep(sqlite_db)
    list_id, _ = make_list(sqlite_db, contacts=[{}, {}])
    block = lifecycle.start_block(sqlite_db, clock, rep_id=rep, list_id=list_id)
    app = make_app(sqlite_db, settings, clock, rep_name="Sam")
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(BlockScreen(block.id))
        await pilot.pause()
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *before[1:])
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        app.screen.finish()
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert gc.get_threshold() == before


@pytest.mark.parametrize(("env", "expected"), [(None, "240"), ("50", "50")])
def test_frame_cap_is_raised_unless_the_user_set_one(env, expected):
    """Textual holds a frame 1-2 frame periods after the previous one: callcoach raises the
    cap to 240 Hz before Textual is imported; a TEXTUAL_FPS of the user's own wins."""
    import os
    import subprocess
    import sys

    environ = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    if env is not None:
        environ["TEXTUAL_FPS"] = env
    out = subprocess.run(
        [sys.executable, "-c",
         "import callcoach.tui.app, textual.constants as c; print(c.MAX_FPS)"],
        env=environ, capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == expected


async def test_lazy_start_paints_home_before_the_database_and_fills_it_after(
    sqlite_db, settings, clock, gc_restored
):
    import threading

    from callcoach.tui.app import make_lazy_app
    from tests.support.blockkit import make_list, make_rep

    make_rep(sqlite_db, name="Sam")
    make_list(sqlite_db, name="Dental East", contacts=[{}, {}])
    release = threading.Event()

    def open_db(progress):
        progress("migrating the schema")  # a first start says what it is doing, on home
        assert release.wait(10)
        return sqlite_db

    app = make_lazy_app(open_db, settings, clock, rep_name="Sam")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not app.ready
        home = app.screen
        assert "Call lists" in str(home.query_one("#home-title").render())
        for _ in range(40):
            await pilot.pause(0.05)
            if "migrating" in str(home.query_one("#home-hint").render()):
                break
        hint = str(home.query_one("#home-hint").render())
        assert "Opening the database: migrating the schema" in hint
        await pilot.press("b", "m", "r")  # keys before the database is open: told to wait
        assert app.screen is home
        release.set()
        for _ in range(100):
            await pilot.pause(0.05)
            if app.ready and "contacts callable now" in str(home.query_one("#home-hint").render()):
                break
        assert app.rep.name == "Sam" and "Sam" in app.sub_title
        assert "1 lists, 2 contacts callable now." in str(home.query_one("#home-hint").render())
        assert gc.isenabled()


async def test_lazy_start_that_cannot_open_the_database_exits_with_the_error(
    settings, clock, gc_restored
):
    from callcoach.errors import CallcoachError
    from callcoach.tui.app import make_lazy_app

    def open_db(progress):
        raise CallcoachError("database URL sqlite:////no/such/x.db: no such folder /no/such")

    app = make_lazy_app(open_db, settings, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.load_error is not None:
                break
    assert isinstance(app.load_error, CallcoachError) and app.return_code == 2


def test_what_home_needs_to_paint_imports_no_database_stack():
    """The lazy start paints home before importing SQLAlchemy/SQLModel and the models (the
    bulk of start-up time): the CLI, the app, home and the palette must not import them."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "import callcoach.cli, callcoach.cli.start, callcoach.tui.app\n"
        "import callcoach.tui.screens.home, callcoach.tui.palette\n"
        "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'callcoach.storage.models',\n"
        "                         'callcoach.core.service') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
