"""The resume dialog's figure is the block's: after a gap shorter than a heartbeat (the case
that used to lose seconds) and a longer one, with time spent reading the dialog."""

from __future__ import annotations

import pytest

from callcoach.core.calling import lifecycle
from callcoach.tui.app import make_app
from callcoach.tui.screens.block import BlockScreen
from callcoach.tui.screens.block_dialogs import ChoiceDialog
from tests.support.blockkit import make_list, make_rep, seed_library
from tests.support.helpers import screen_text


@pytest.mark.parametrize("gap", [3.0, 7.5, 600.0])
async def test_resumed_block_shows_the_time_the_dialog_offered(sqlite_db, clock, settings, gap):
    db = sqlite_db
    rep = make_rep(db)
    seed_library(db)
    list_id, _ = make_list(db, contacts=[{} for _ in range(2)])
    b = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id, minutes=52)
    clock.advance(200)
    lifecycle.touch_block(db, clock, b.id)  # last heartbeat: 48:40 left
    clock.advance(gap)  # killed; callcoach starts again
    app = make_app(db, settings, clock, rep_name="Sam")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        assert "48:40 left." in screen_text(app)
        clock.advance(2)  # reading the dialog
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BlockScreen)
        assert app.screen.query_one("#countdown").value == "48:40"
    with db.session() as s:
        block = lifecycle.get_block(s, b.id)
    assert lifecycle.remaining_seconds(block, clock.now()) == 48 * 60 + 40
