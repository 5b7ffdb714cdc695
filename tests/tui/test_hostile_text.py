"""Text from outside never reaches the terminal raw in the TUI: hostile contact, list, rep,
talk-track, drill-set and objection text on the home, block, drills, dashboard, rep view,
goals and planner screens is rendered with every control, C1 and bidi character shown as a
visible escape (an Input's value: a visible mark per character), never interpreted (issue 15)."""

from __future__ import annotations

import io
import random

import pytest
from rich.console import Console
from sqlmodel import select
from textual.widgets import DataTable, Input, Select

from callcoach.core.drills.sets import load_drill_sets_file
from callcoach.core.drills.speech import Speaker
from callcoach.storage.models import CallList, DrillSession, Objection, Rep
from callcoach.tui.app import make_app
from callcoach.tui.screens.block import BlockScreen
from callcoach.tui.screens.block_dialogs import ObjectionPicker, StartBlockDialog
from callcoach.tui.screens.dashboard import DashboardScreen
from callcoach.tui.screens.drill_run import DrillRunScreen
from callcoach.tui.screens.drills import DrillsScreen
from callcoach.tui.screens.goals import GoalsScreen
from callcoach.tui.screens.planner import PlannerScreen
from callcoach.tui.screens.rep_view import RepViewScreen
from callcoach.tui.text import markup
from tests.support import report_fixture as fx
from tests.support.blockkit import make_list, make_rep, seed_library
from tests.support.drill_helpers import seed_objections, seed_track
from tests.support.hostile import HOSTILE, VISIBLE, assert_inert
from tests.support.speech_fakes import FakeSynthesizer, RecordingPlayer

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


# --- drills ---------------------------------------------------------------------------------

SET_TOML = (  # a drill-set file with a terminal sequence in the set's name (TOML \u escape)
    '[[drill_set]]\nname = "Set\\u001b[2JDrill"\n'
    'objections = ["send_info", "no_budget", "in_house"]\n'
)
SET_SHOWN = "Set\\x1b[2JDrill"
TRACK_NAME = HOSTILE["rlo"]
TRAINER = HOSTILE["isolates"]


def _drill_world(db, tmp_path) -> None:
    """A hostile rep, set name, track name, objection keys, texts and rebuttals."""
    make_rep(db, name=REP_NAME)
    make_rep(db, name=TRAINER, role="trainer")  # reps are added explicitly (issue 14 item 8)
    ids = seed_objections(db)
    seed_track(db, ids, name=TRACK_NAME)
    sets = tmp_path / "sets.toml"
    sets.write_text(SET_TOML, encoding="utf-8")
    load_drill_sets_file(db, sets)
    with db.transaction() as s:
        for n, key in enumerate(("send_info", "no_budget", "in_house"), start=1):
            objection = s.exec(select(Objection).where(Objection.key == key)).one()
            objection.key = f"k{n}{HOSTILE['csi']}"
            objection.text = f"Prompt {HOSTILE['osc']}"
            objection.rebuttal = f"Answer {HOSTILE['c1']}"


def _drill_app(db, settings, clock, tmp_path):
    app = make_app(db, settings, clock, rep_name=REP_NAME)
    # The speech check failed with an engine message holding a terminal sequence.
    speaker = Speaker(FakeSynthesizer(tmp_path / "wav", fail=f"engine {HOSTILE['csi']}"),
                      RecordingPlayer())
    speaker.check()
    app.drill_speaker = speaker
    app.drill_rng = random.Random(5)
    return app


async def test_drills_screens_show_hostile_sets_names_prompts_and_answers_escaped(
    sqlite_db, settings, clock, tmp_path
):
    """Set picker, speech notice, trainee and trainer fields, the run's round label, prompt,
    model answer, rubric and score line, and the progress table: all inert, all legible."""
    _drill_world(sqlite_db, tmp_path)
    app = _drill_app(sqlite_db, settings, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, DrillsScreen)
        text = assert_inert(rendered(app))
        assert SET_SHOWN in text
        assert f"Track: {VISIBLE['rlo']}" in text
        assert f"no speech engine (engine {VISIBLE['csi']})" in text
        assert "Sam\ufffd2J" in text  # the trainee field: one mark for the C1 character
        assert app.screen.query_one("#trainee", Input).value == REP_NAME  # the value as it is
        app.screen.query_one("#trainer", Input).value = TRAINER
        app.screen.query_one("#drill-sets", DataTable).move_cursor(row=0)
        await pilot.pause()
        text = assert_inert(rendered(app))
        assert "Iso\ufffda\ufffdb\ufffdc\ufffd" in text  # the trainer field
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DrillRunScreen)
        text = assert_inert(rendered(app))
        assert f"{SET_SHOWN}   Sam\\x9b2J with {VISIBLE['isolates']}" in text
        assert f'Prospect: "Prompt {VISIBLE["osc"]}"' in text
        assert f"no speech engine (engine {VISIBLE['csi']})" in text
        clock.advance(5)
        await pilot.press("space")
        await pilot.pause()
        text = assert_inert(rendered(app))
        assert f"Model rebuttal: Answer {VISIBLE['c1']}" in text
        assert f"Overall 1-5 by {VISIBLE['isolates']} (trainer)" in text
        await pilot.press("4")
        await pilot.pause()
        text = assert_inert(rendered(app))
        assert f"Saved: 4/5 by {VISIBLE['isolates']} (trainer)" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DrillsScreen)
        text = assert_inert(rendered(app))
        table = app.screen.query_one("#progress", DataTable)  # the progress row: the words said
        assert f"Prompt {VISIBLE['osc']}" in str(table.get_row_at(0)[0])
        assert f'"Prompt {VISIBLE["osc"]}" over time' in text  # and its series line
    with sqlite_db.session() as s:  # the drill was the hostile-named rep's, scored by the trainer
        session = s.exec(select(DrillSession)).one()
        assert s.get(Rep, session.trainee_id).name == REP_NAME
        assert s.get(Rep, session.trainer_id).name == TRAINER


# --- dashboard, rep view, goals, planner ----------------------------------------------------

@pytest.fixture
def hostile_history(sqlite_db, monkeypatch):
    """The review fixture's history with a hostile rep, list, cluster and objection."""
    monkeypatch.setenv("TZ", fx.ZONE)
    ids = fx.build(sqlite_db)
    with sqlite_db.transaction() as s:
        s.get(Rep, ids["Ana"]).name = HOSTILE["csi"]
        saas = s.get(CallList, ids["SaaS East"])
        saas.name, saas.cluster_value = HOSTILE["rlo"], HOSTILE["c1"]
        objection = s.exec(select(Objection).where(Objection.key == "send_info")).one()
        objection.text = HOSTILE["osc"]
    return sqlite_db, ids


async def test_dashboard_rep_view_goals_and_planner_show_hostile_names_escaped(
    hostile_history, settings, clock
):
    """Filters, status line, goals, leaderboard, lists, clusters, objections; the rep view;
    the goals form and the planner with the hostile rep chosen: all inert, all legible."""
    db, ids = hostile_history
    app = make_app(db, settings, clock, rep_name="Mia")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m", "p")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        text = assert_inert(rendered(app))
        assert VISIBLE["csi"] in text  # the goals table
        await pilot.press("2")
        await pilot.pause()
        text = assert_inert(rendered(app))
        assert f"{VISIBLE['csi']} " in text  # the leaderboard
        await pilot.press("5")
        await pilot.pause()
        text = assert_inert(rendered(app))
        assert VISIBLE["rlo"] in text and f"vertical: {VISIBLE['c1']}" in text
        await pilot.press("6")
        await pilot.pause()
        text = assert_inert(rendered(app))
        assert VISIBLE["osc"] in text
        screen.query_one("#rep", Select).value = ids["Ana"]
        screen.query_one("#list", Select).value = ids["SaaS East"]
        await pilot.pause()
        text = assert_inert(rendered(app))
        assert f"reps {VISIBLE['csi']}; lists {VISIBLE['rlo']}" in text  # the status line
        screen.query_one("#list", Select).expanded = True  # every list name in the overlay
        await pilot.pause()
        text = assert_inert(rendered(app))
        assert "Retail West" in text  # shown only in the overlay
        screen.query_one("#list", Select).expanded = False
        screen.query_one("#list", Select).value = -1
        await pilot.pause()
        screen.action_rep_view()
        await pilot.pause()
        assert isinstance(app.screen, RepViewScreen)
        text = assert_inert(rendered(app))
        assert f"{VISIBLE['csi']} · 2026-11-16 .. 2026-11-22" in text  # the title
        assert VISIBLE["rlo"] in text and f"vertical: {VISIBLE['c1']}" in text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        screen.action_goals()
        await pilot.pause()
        assert isinstance(app.screen, GoalsScreen)
        text = assert_inert(rendered(app))
        assert VISIBLE["csi"] in text  # the rep chosen in the form
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        screen.action_planner()
        await pilot.pause()
        planner = app.screen
        assert isinstance(planner, PlannerScreen)
        planner.query_one("#plan-rep", Select).value = ids["Ana"]
        await pilot.pause()
        text = assert_inert(rendered(app))
        assert f"Plan for {VISIBLE['csi']} over 13 weeks" in text
        assert text.count(VISIBLE["csi"]) >= 2  # and the select


def test_markup_escapes_every_bracket_textual_reads_as_a_tag():
    """Textual's markup takes ``[$accent]``, ``[B]`` and ``[ b]`` as tags, which Rich's escape
    leaves alone; outside text shows them literally, and a trailing backslash cannot escape
    the caller's closing tag."""
    from textual.content import Content

    for raw in ("[$accent]hi", "[B]x", "[ b]x[/]", "[@click=app.quit]q", "a\\[b]c", "[1]"):
        content = Content.from_markup(markup(raw))
        assert content.plain == raw and not content.spans
    ends = markup("ends with \\")
    closing = Content.from_markup(f"[b]{ends}[/b] after")
    assert closing.plain == "ends with \\\u200b after"  # a zero-width space keeps them apart
    assert [(span.start, span.end) for span in closing.spans] == [(0, 12)]
