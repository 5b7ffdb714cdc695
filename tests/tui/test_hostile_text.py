"""Text from outside never reaches the terminal raw in the TUI: hostile contact, list, rep,
talk-track and objection text on the home and block screens is rendered with every control,
C1 and bidi character shown as a visible escape (issue 15)."""

from __future__ import annotations

import io

from rich.console import Console
from sqlmodel import select
from textual.widgets import Input

from callcoach.storage.models import Objection
from callcoach.tui.app import make_app
from callcoach.tui.screens.block import BlockScreen
from callcoach.tui.screens.block_dialogs import ObjectionPicker, StartBlockDialog
from tests.support.blockkit import make_list, make_rep, seed_library
from tests.support.hostile import HOSTILE, VISIBLE, assert_inert

SIZE = (160, 50)
LIST_NAME = "East\x1b[2J\u202eList"
LIST_SHOWN = "East\\x1b[2J\\u202eList"
REP_NAME = "Sam\x9b2J"


def rendered(app) -> str:  # noqa: ANN001 - a running Textual app
    """The current screen as the driver would write it, as text (style codes left out):
    what the compositor renders, through a recording Rich console."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text(styles=False)


def _world(db) -> None:
    make_rep(db, name=REP_NAME)
    lib = seed_library(db)
    with db.transaction() as s:
        objection = s.exec(select(Objection).where(Objection.key == "no_budget")).one()
        objection.text = f"Budget {HOSTILE['osc']}"
    people = [
        {"first_name": HOSTILE["csi"], "last_name": HOSTILE["c1"], "company": HOSTILE["rlo"],
         "title": HOSTILE["isolates"]},
        {"first_name": "Ben", "last_name": "Cole", "company": "Bright Teeth"},
    ]
    make_list(db, name=LIST_NAME, contacts=people,
              overrides={lib["no_budget"]: "Rebuttal {first_name}, {company}."})


async def test_home_shows_hostile_list_and_rep_names_escaped(sqlite_db, settings, clock):
    """The home table and the header show the list and rep names escaped, nothing raw."""
    _world(sqlite_db)
    app = make_app(sqlite_db, settings, clock, rep_name=REP_NAME)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = assert_inert(rendered(app))
        assert LIST_SHOWN in text
        assert "Sam\\x9b2J" in text


async def test_block_screen_shows_hostile_contact_track_and_objection_escaped(
    sqlite_db, settings, clock
):
    """Start dialog, contact card, talk track, objection picker and panel: all inert."""
    _world(sqlite_db)
    app = make_app(sqlite_db, settings, clock, rep_name=REP_NAME)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, StartBlockDialog)
        text = assert_inert(rendered(app))
        assert f"Call block on {LIST_SHOWN}" in text
        app.screen.query_one("#start-minutes", Input).value = "30"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BlockScreen)
        text = assert_inert(rendered(app))
        assert f"{VISIBLE['csi']} {VISIBLE['c1']}" in text  # the name on the card
        assert VISIBLE["rlo"] in text and VISIBLE["isolates"] in text
        assert f"{VISIBLE['csi']}, what share of your chairs" in text  # the track, filled
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, ObjectionPicker)
        text = assert_inert(rendered(app))
        assert f"Budget {VISIBLE['osc']}" in text
        app.screen.query_one(Input).value = "Budget"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BlockScreen)
        text = assert_inert(rendered(app))
        assert f"Budget {VISIBLE['osc']}" in text
        assert f"Rebuttal {VISIBLE['csi']}, {VISIBLE['rlo']}." in text
