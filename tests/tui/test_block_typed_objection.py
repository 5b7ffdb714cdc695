"""The objection picker takes an objection the library does not have: typed, logged in
order, added to the library as "new from a call" and offered again (screen and database)."""

from __future__ import annotations

from sqlmodel import col, select
from textual.widgets import OptionList

from callcoach.storage.models import AttemptObjection, Objection
from callcoach.tui.app import make_app
from callcoach.tui.screens.block import BlockScreen
from callcoach.tui.screens.block_dialogs import ObjectionPicker
from tests.support.blockkit import make_list, make_rep, seed_library
from tests.support.helpers import SIZE
from tests.support.helpers import screen_text as text_of
from tests.tui.test_block_tui import advance, start


def _logged(db) -> list[tuple[int, str, str]]:
    with db.session() as s:
        rows = s.exec(
            select(AttemptObjection.position, Objection.text, Objection.origin)
            .join(Objection, col(Objection.id) == col(AttemptObjection.objection_id))
            .order_by(col(AttemptObjection.position))
        ).all()
    return [tuple(r) for r in rows]


def _options(app) -> list[str]:
    ol = app.screen.query_one("#obj-list", OptionList)
    return [str(ol.get_option_at_index(i).prompt) for i in range(ol.option_count)]


async def test_typing_an_objection_the_library_lacks_logs_it_and_keeps_it(
    sqlite_db, clock, settings
):
    make_rep(sqlite_db)
    seed_library(sqlite_db)
    make_list(sqlite_db, contacts=[{"first_name": "Ada"}, {"first_name": "Ben"}])
    app = make_app(sqlite_db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("d")
        await advance(app, pilot, clock, 62)
        await pilot.press("o", *"budget")
        # A library match first, the typed words last as a new objection.
        options = _options(app)
        assert "No budget" in options[0] and options[-1].startswith("+ New: budget")
        await pilot.press("enter")  # the library's, as before
        await pilot.press("o", *"Frozen until Q3")
        assert isinstance(app.screen, ObjectionPicker)
        assert [o.split(" [dim]")[0] for o in _options(app)] == ["+ New: Frozen until Q3"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BlockScreen)
        text = text_of(app)
        assert "2nd objection logged (new from a call: added to the library): Frozen until Q3" in text
        assert "Objections: 2" in text and "no rebuttal written yet" in text
        # Offered from now on, marked, and logged again in order.
        await pilot.press("o", *"frozen")
        options = _options(app)
        assert "Frozen until Q3" in options[0] and "(new from a call)" in options[0]
        assert not any(o.startswith("+ New") for o in options[:1])
        await pilot.press("enter")
        await pilot.pause()
        assert "3rd objection logged: Frozen until Q3" in text_of(app)
    assert [(p, t) for p, t, _ in _logged(sqlite_db)][1:] == [
        (2, "Frozen until Q3"), (3, "Frozen until Q3")
    ]
    assert [o for _, _, o in _logged(sqlite_db)] == ["library", "call", "call"]


async def test_picking_new_below_the_matches_and_an_empty_library(sqlite_db, clock, settings):
    """With nothing in the library the picker still opens: what the rep types is logged."""
    make_rep(sqlite_db)
    make_list(sqlite_db, contacts=[{"first_name": "Ada"}])
    app = make_app(sqlite_db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("d")
        await advance(app, pilot, clock, 62)
        await pilot.press("o")
        assert isinstance(app.screen, ObjectionPicker) and _options(app) == []
        await pilot.press("enter")  # nothing typed: nothing to log
        assert isinstance(app.screen, ObjectionPicker)
        await pilot.press(*"Send it by post", "enter")
        await pilot.pause()
        assert "1st objection logged (new from a call" in text_of(app)
    assert _logged(sqlite_db) == [(1, "Send it by post", "call")]


async def test_a_typed_objection_with_control_characters_is_shown_inert(
    sqlite_db, clock, settings
):
    """Pasted escapes in a typed objection: stored as typed, shown escaped (picker, status
    line, panel), never written raw."""
    from textual.widgets import Input

    from tests.support.hostile import HOSTILE, assert_inert
    from tests.tui.test_hostile_text import rendered

    make_rep(sqlite_db)
    make_list(sqlite_db, contacts=[{"first_name": "Ada"}])
    typed = f"Wrong {HOSTILE['csi']} person {HOSTILE['rlo']}"
    app = make_app(sqlite_db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("d")
        await advance(app, pilot, clock, 62)
        await pilot.press("o")
        app.screen.query_one("#obj-filter", Input).value = typed
        await pilot.pause()
        assert_inert(rendered(app))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BlockScreen)
        text = assert_inert(rendered(app))
        assert "objection logged (new from a call" in text
    with sqlite_db.session() as s:
        stored = s.exec(select(Objection.text).where(Objection.origin == "call")).one()
    assert stored == " ".join(typed.split())


async def test_keys_typed_ahead_that_close_the_picker_at_once_leave_the_call_running(
    sqlite_db, settings, clock
):
    """`o` then `escape` (or `o`, words, `enter`) sent with no pause: the picker may close
    before it has mounted; nothing crashes and the call goes on."""
    make_rep(sqlite_db, name="Sam")
    seed_library(sqlite_db)
    make_list(sqlite_db, contacts=[{}, {}])
    app = make_app(sqlite_db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("d")
        await advance(app, pilot, clock, 62)
        for _ in range(5):
            await pilot.press("o", "escape")
        await pilot.press("o", *"budget", "enter", "o", "escape", "o", *"busy", "escape")
        await pilot.pause()
        assert isinstance(app.screen, BlockScreen)
        assert app.return_code is None
        assert [text for _, text, _ in _logged(sqlite_db)] == ["No budget."]


async def test_a_long_typed_objection_keeps_the_summary_columns(sqlite_db, clock, settings):
    """A sentence typed as an objection is cut with an ellipsis in the block summary, so
    its raised and overcome figures stay under their headings."""
    from textual.widgets import Static

    from callcoach.tui.screens.block_summary import SummaryScreen

    make_rep(sqlite_db)
    seed_library(sqlite_db)
    make_list(sqlite_db, contacts=[{"first_name": "Ada"}, {"first_name": "Ben"}])
    app = make_app(sqlite_db, settings, clock, rep_name="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        await pilot.press("d")
        await advance(app, pilot, clock, 30)
        await pilot.press("o", *"we just use spreadsheets for all of it", "enter")
        await pilot.press("5")
        await pilot.pause()
        await pilot.press("e", "y")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        lines = str(app.screen.query_one("#summary-objections", Static).render()).splitlines()
    head = next(line for line in lines if line.startswith("Objections by type"))
    row = next(line for line in lines if line.startswith("call we just"))
    assert row.startswith("call we just use sprea…")
    # Each figure ends where its heading ends.
    assert head.index("raised") + len("raised") == row.index("1") + 1
    assert head.index("overcome") + len("overcome") == row.rindex("0", 0, 42) + 1
