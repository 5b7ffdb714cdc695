"""The call block screen at the sizes reps use: 80x24, 100x30, 160x48 (and wider).

The demo's longest talk track and its longest rebuttal are read in full on screen (or by
the script's scroll key), the footer lists the call keys, the phase cue follows the call,
and quitting in the middle of a call asks first.
"""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from callcoach.core.demo.seed import seed_demo_if_empty
from callcoach.core.lists.tracks import render_track_text
from callcoach.storage.models import (
    CallAttempt,
    CallList,
    Objection,
    TalkTrack,
    TalkTrackObjection,
)
from callcoach.tui.app import make_app
from callcoach.tui.screens.block import BlockScreen
from callcoach.tui.screens.block_dialogs import ConfirmDialog, NoteDialog, StartBlockDialog
from callcoach.tui.screens.block_start import start_block_flow
from tests.support.blockkit import make_list, make_rep, seed_library

SIZES = [(80, 24), (100, 30), (160, 48)]


def _longest_track(db) -> tuple[int, TalkTrack, Objection, str]:
    """The demo list whose track is longest, that track, and its longest rebuttal."""
    with db.session() as s:
        rows = s.exec(
            select(CallList, TalkTrack).where(CallList.talk_track_id == TalkTrack.id)
        ).all()
        call_list, track = max(
            rows,
            key=lambda r: len(r[1].engage_statement + r[1].impact_question + r[1].meeting_ask),
        )
        overrides = {
            o.objection_id: o.rebuttal_override
            for o in s.exec(
                select(TalkTrackObjection).where(TalkTrackObjection.talk_track_id == track.id)
            )
            if o.rebuttal_override
        }
        objections = list(s.exec(select(Objection)))
        best = max(objections, key=lambda o: len(overrides.get(o.id) or o.rebuttal))
        return call_list.id, track, best, overrides.get(best.id) or best.rebuttal


def _visible_text(app) -> str:
    """What the terminal shows now, as plain lines (not what widgets hold off screen)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def _words(text: str) -> str:
    return " ".join(text.split())


def _fully_shown(app, text: str) -> bool:
    """``text`` appears on screen in the script's area (track and objections), whatever
    line breaks the wrapping put into it."""
    area = app.screen._script.region
    rows = _visible_text(app).splitlines()[area.y : area.bottom]
    cut = [row[area.x : area.right].strip(" │╭╮╰╯─▶▁▂▃▄▅▆▇█▔▕▏") for row in rows]
    return _words(text) in _words(" ".join(cut))


async def _readable(app, pilot, text: str) -> bool:
    """On screen now, or after paging the script with its footer key (pgdn)."""
    screen = app.screen
    for _ in range(6):
        if _fully_shown(app, text):
            return True
        if not screen._script.overflows:
            return False
        await pilot.press("pagedown")
        await pilot.pause()
    return False


def _footer_keys(app) -> list[str]:
    """The keys the footer shows within the terminal's width."""
    width = app.size.width
    footer = app.screen.query_one(Footer)
    return [
        k.key for k in footer.query(FooterKey) if k.region.width and k.region.right <= width
    ]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_longest_demo_track_and_rebuttal_read_in_full(size, sqlite_db, settings, clock):
    seed_demo_if_empty(sqlite_db, clock)
    list_id, track, objection, rebuttal = _longest_track(sqlite_db)
    app = make_app(sqlite_db, settings, clock)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        start_block_flow(app, list_id)
        await pilot.pause()
        assert isinstance(app.screen, StartBlockDialog)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BlockScreen)
        contact = screen.contact
        assert contact is not None

        def filled(text: str) -> str:
            return render_track_text(text, contact, app.rep.name, track)

        keys = _footer_keys(app)
        for key in ["d", *"12345678", "o", "e"]:
            assert key in keys, (key, keys)
        assert keys.index("d") < keys.index("1") < keys.index("o") < keys.index("e")

        await pilot.press("d")
        await pilot.pause()
        for part in (track.engage_statement, track.impact_question, track.meeting_ask):
            assert await _readable(app, pilot, filled(part)), part
        await pilot.press("o", *objection.text[:12].lower(), "enter")
        await pilot.pause()
        await pilot.pause()
        assert screen.objections and screen.objections[-1].objection_id == objection.id
        # The current rebuttal is brought into view by itself, at every size.
        assert _fully_shown(app, filled(rebuttal)), _visible_text(app)
        for part in (track.engage_statement, track.impact_question, track.meeting_ask):
            assert await _readable(app, pilot, filled(part)), part
        keys = _footer_keys(app)
        for key in ["d", *"12345678", "o", "e"]:
            assert key in keys, (key, keys)


async def test_ctrl_q_in_a_call_asks_first(sqlite_db, settings, clock):
    seed_demo_if_empty(sqlite_db, clock)
    list_id, *_ = _longest_track(sqlite_db)
    app = make_app(sqlite_db, settings, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        start_block_flow(app, list_id)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        await pilot.press("d")
        await pilot.pause()
        assert screen.attempt is not None
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and "call is in progress" in str(
            app.screen.question
        )
        assert app.is_running
        await pilot.press("n")  # no: back to the call, still open
        await pilot.pause()
        assert app.screen is screen and screen.attempt is not None and app.is_running
        await pilot.press("ctrl+q", "y")
        await pilot.pause()
    assert app.return_code is not None or not app.is_running


async def test_phase_cue_follows_the_objections_and_marks_the_line(sqlite_db, settings, clock):
    """Three objections logged within 50 s: the cue says objection 3, not engage + impact,
    and the marker moves from the engage statement to the ask to the rebuttal."""
    seed_demo_if_empty(sqlite_db, clock)
    list_id, *_ = _longest_track(sqlite_db)
    app = make_app(sqlite_db, settings, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        start_block_flow(app, list_id)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        timer, track, objections = (
            screen.query_one("#call-timer"), screen._track_panel, screen._objection_panel
        )

        def marked(panel) -> list[str]:
            return [
                line.split()[1]
                for line in panel.render().plain.splitlines()
                if line.startswith("▶")
            ]

        assert marked(track) == []  # not in a call: nothing to read yet
        await pilot.press("d")
        await pilot.pause()
        assert "Engage + impact" in timer.render().plain
        assert marked(track) == ["Engage", "Impact"]
        clock.advance(50)
        screen.tick()
        await pilot.pause()
        assert "Ask" in timer.render().plain and marked(track) == ["Ask"]
        for word in ("send", "budget", "house"):
            await pilot.press("o", *word, "enter")
            await pilot.pause()
        assert len(screen.objections) == 3
        text = timer.render().plain
        assert "Objection 3" in text and "Engage" not in text
        assert marked(track) == [] and marked(objections) == ["Rebuttal"]
        clock.advance(75)  # 2:05: the warning wins, the rebuttal stays marked
        screen.tick()
        await pilot.pause()
        assert "Diminishing returns" in timer.render().plain
        assert timer.has_class("warn") and marked(objections) == ["Rebuttal"]


LONG_NOTE = (
    "Asked about the Q3 rollout: wants the integration with their billing system covered "
    "first, and the CFO (Dana) on the meeting"
)


@pytest.fixture
def small_list(sqlite_db):
    make_rep(sqlite_db)
    seed_library(sqlite_db)
    list_id, ids = make_list(
        sqlite_db,
        contacts=[
            {"first_name": "Ada", "last_name": "Byron", "company": "Molar Works"},
            {"first_name": "Ben", "last_name": "Cole", "company": "Bright Teeth"},
        ],
    )
    return list_id


async def _start_small(app, pilot, list_id) -> BlockScreen:
    start_block_flow(app, list_id)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, BlockScreen)
    return app.screen


async def _note(pilot, text: str) -> None:
    await pilot.press("n")
    await pilot.pause()
    await pilot.press(*text, "enter")
    await pilot.pause()


@pytest.mark.parametrize("size", [(100, 30), (80, 40)], ids=["100x30", "80x40"])
async def test_every_note_of_the_call_shown_in_full(size, small_list, sqlite_db, settings, clock):
    app = make_app(sqlite_db, settings, clock, rep_name="Sam")
    async with app.run_test(size=size) as pilot:
        screen = await _start_small(app, pilot, small_list)
        await pilot.press("d")
        await pilot.pause()
        await _note(pilot, LONG_NOTE)
        await _note(pilot, "Second: call after 3 pm")
        card = screen._card.render().plain
        assert "…" not in card
        assert _words(LONG_NOTE) in _words(card.replace("Note:", ""))
        assert "Second: call after 3 pm" in card
        # ... and on screen, wrapped within the card.
        area = screen._card.region
        rows = _visible_text(app).splitlines()[area.y : area.bottom]
        shown = _words(" ".join(r[area.x : area.right].strip(" │╭╮╰╯─") for r in rows))
        assert _words(LONG_NOTE) in shown.replace("Note: ", "")
        assert "Second: call after 3 pm" in shown
        with sqlite_db.session() as s:
            notes = s.exec(select(CallAttempt.notes)).one()
        assert notes.splitlines() == [LONG_NOTE, "Second: call after 3 pm"]


async def test_compact_card_cuts_notes_with_an_ellipsis(small_list, sqlite_db, settings, clock):
    app = make_app(sqlite_db, settings, clock, rep_name="Sam")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _start_small(app, pilot, small_list)
        assert screen._card.compact and screen._card.has_class("cut")
        await pilot.press("d")
        await pilot.pause()
        await _note(pilot, LONG_NOTE)
        await _note(pilot, "Second: call after 3 pm")
        lines = _visible_text(app).splitlines()
        first = next(line for line in lines if "Note: Asked about" in line)
        assert first.rstrip().endswith("…")
        assert any("Note: Second: call after 3 pm" in line for line in lines)


async def test_escape_in_the_note_box_warns_once_before_discarding(
    small_list, sqlite_db, settings, clock
):
    app = make_app(sqlite_db, settings, clock, rep_name="Sam")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _start_small(app, pilot, small_list)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"wants pricing", "escape")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NoteDialog)  # still open, with the warning
        warning = str(dialog.query_one("#note-warning", Static).render())
        assert "Esc again throws it away" in warning
        await pilot.press("enter")  # saved after all
        await pilot.pause()
        assert app.screen is screen and "wants pricing" in screen._card.render().plain
        # Escape on an empty box closes at once; typed text goes on the second Escape.
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"throw me", "escape", "escape")
        await pilot.pause()
        assert app.screen is screen and "throw me" not in screen._card.render().plain
        with sqlite_db.session() as s:
            assert s.exec(select(CallAttempt.notes)).one() == "wants pricing"


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
async def test_card_names_colleagues_reached_at_the_same_company(size, sqlite_db, settings, clock):
    make_rep(sqlite_db)
    seed_library(sqlite_db)
    list_id, _ = make_list(
        sqlite_db,
        contacts=[
            {"first_name": "Ada", "last_name": "Byron", "company": "Molar Works"},
            {"first_name": "Ben", "last_name": "Cole", "company": "Molar Works"},
            {"first_name": "Cy", "last_name": "Dunn", "company": "Gum Care"},
        ],
    )
    app = make_app(sqlite_db, settings, clock, rep_name="Sam")
    async with app.run_test(size=size) as pilot:
        screen = await _start_small(app, pilot, list_id)
        first = screen.contact.first_name
        assert "Also" not in screen._card.render().plain
        await pilot.press("d")
        clock.advance(50)
        await pilot.press("5")  # connected, not interested
        await pilot.pause()
        await pilot.pause()
        card = screen._card.render().plain
        assert (first, screen.contact.first_name) == ("Ada", "Ben")  # served in list order
        assert "Ada Byron" in card and "not interested" in card and "just now" in card
        assert "Ada Byron" in _visible_text(app)
        await pilot.press("d")
        clock.advance(30)
        await pilot.press("1")  # no answer: Ben was not reached
        await pilot.pause()
        await pilot.pause()
        assert screen.contact.first_name == "Cy"
        assert "Also" not in screen._card.render().plain  # Gum Care: nobody to name
