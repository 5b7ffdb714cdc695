"""Assigned drills on the trainee's home screen and the Drills screen; progress legible."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlmodel import col, select
from textual.widgets import DataTable

from callcoach.core.drills.assignments import assign_drill_set
from callcoach.core.drills.sets import drill_cards, find_drill_set, load_drill_sets_file
from callcoach.core.drills.speech import make_speaker
from callcoach.storage.models import DrillSession
from callcoach.tui.app import make_app
from callcoach.tui.screens.drills import DrillsScreen
from tests.support.drill_helpers import add_rep, score_history, seed_objections

LONG = "Who are you with, and how did you get my number?"


def _world(db, clock, tmp_path):
    seed_objections(db)
    ana = add_rep(db, "Ana")
    add_rep(db, "Tom", "trainer")
    f = tmp_path / "sets.toml"
    f.write_text(
        '[[drill_set]]\nname = "Alpha"\nobjections = ["send_info"]\n'
        '[[drill_set]]\nname = "Two"\nobjections = ["who_are_you", "not_interested"]\n',
        encoding="utf-8",
    )
    load_drill_sets_file(db, f)
    with db.session() as s:
        assign_drill_set(s, "Two", "Ana", clock.now().date() + timedelta(days=1), clock.now(), "Tom")
        set_id = find_drill_set(s, "Two").id
        cards = {c.key: c for c in drill_cards(s, set_id)}
    return ana, set_id, cards


def _app(db, settings, clock):
    app = make_app(db, settings, clock, rep_name="Ana")
    app.drill_speaker = make_speaker(enabled=False)
    app.drill_rng = random.Random(3)
    return app


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_home_shows_open_assignments_until_done(sqlite_db, settings, clock, tmp_path):
    db = sqlite_db
    ana, set_id, cards = _world(db, clock, tmp_path)
    app = _app(db, settings, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        widget = app.screen.query_one("#home-assignments")
        assert widget.display
        text = _text(app, "#home-assignments")
        assert "Drills assigned to you: Two (due in 1 day" in text and "0/2 drilled" in text
        assert not widget.has_class("overdue")
        clock.advance(86400 * 2)  # the due date passes
        await pilot.press("r")
        assert "overdue by 1 day" in _text(app, "#home-assignments")
        assert widget.has_class("overdue")
        # the trainee drills the set (through the Drills screen): one objection so far
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, DrillsScreen)
        assert "Two (overdue by 1 day, due" in _text(app, "#assignments")
        assert "0/2 drilled" in _text(app, "#assignments")
        assert app.screen.query_one("#drill-sets", DataTable).cursor_row == 1  # "Two", assigned
        app.screen.rounds = 1
        await pilot.press("enter")
        await pilot.pause()
        clock.advance(5)
        await pilot.press("space", "4", "n")  # scored; the session is over
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DrillsScreen)
        assert "1/2 drilled" in _text(app, "#assignments")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("r")
        assert "1/2 drilled" in _text(app, "#home-assignments")
    # the rest drilled on the set: done, and gone from home
    score_history(db, clock, ana, cards, [("who_are_you", 3), ("not_interested", 3)])
    with db.transaction() as s:  # score_history drills without a set: put it on "Two"
        for row in s.exec(select(DrillSession).where(col(DrillSession.drill_set_id).is_(None))):
            row.drill_set_id = set_id
    app = _app(db, settings, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert not app.screen.query_one("#home-assignments").display


async def test_progress_shows_whole_objection_text_and_a_trend_at_160(
    sqlite_db, settings, clock, tmp_path
):
    db = sqlite_db
    ana, _, cards = _world(db, clock, tmp_path)
    score_history(db, clock, ana, cards, [("who_are_you", 2), ("who_are_you", 4)])
    app = _app(db, settings, clock)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        table = app.screen.query_one("#progress", DataTable)
        row = [str(c) for c in table.get_row_at(0)]
        assert row[0] == LONG  # not 'who_are_y'
        assert table.ordered_columns[0].width >= len(LONG)
        assert row[5] == "+2.0"  # the trend, not '-'
        assert f'"{LONG}" over time' in _text(app, "#history")
    app = _app(db, settings, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        table = app.screen.query_one("#progress", DataTable)
        first = str(table.get_row_at(0)[0])
        assert first.startswith("Who are you with") and first.endswith("\u2026")
        assert "Mode: single objections" in _text(app, "#drills-mode")


async def test_assigned_set_names_are_shown_inert(sqlite_db, settings, clock, tmp_path):
    """A set name with markup and an escape sequence is shown as text, on home and Drills."""
    db = sqlite_db
    seed_objections(db)
    add_rep(db, "Ana")
    name = "[b]Bold[/b] \x1b[2J[$accent]x"
    f = tmp_path / "sets.toml"
    f.write_text(
        f'[[drill_set]]\nname = "{name.replace(chr(27), chr(92) + "u001b")}"\n'
        'objections = ["send_info"]\n',
        encoding="utf-8",
    )
    load_drill_sets_file(db, f)
    with db.session() as s:
        assign_drill_set(s, name, "Ana", clock.now().date(), clock.now())
    app = _app(db, settings, clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        text = _text(app, "#home-assignments")
        assert "[b]Bold[/b] \\x1b[2J[$accent]x (due today" in text
        await pilot.press("t")
        await pilot.pause()
        assert "[b]Bold[/b] \\x1b[2J[$accent]x (due today" in _text(app, "#assignments")
