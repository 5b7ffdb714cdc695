"""Who sees what on the dashboard (issue 14 item 10), on both engines: a rep (sdr) sees their
own figures beside the team's aggregates, a manager every rep, a trainer the drills and the
objection figures."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Select, Static

from callcoach.core.drills.sets import drill_cards
from callcoach.core.review.access import PANELS, beside_team, review_access
from callcoach.core.review.filters import make_filter
from callcoach.storage.models import Rep
from callcoach.tui.app import make_app
from callcoach.tui.screens.dashboard import DashboardScreen
from callcoach.tui.screens.rep_view import RepViewScreen
from tests.support import report_fixture as fx
from tests.support.drill_helpers import add_live_losses, score_history


@pytest.fixture
def team_db(db, monkeypatch):
    """The fixture history (Ana and Ben sdr, Mia manager) and Tom, a trainer."""
    monkeypatch.setenv("TZ", fx.ZONE)
    ids = fx.build(db)
    with db.transaction() as s:
        tom = Rep(name="Tom", role="trainer")
        s.add(tom)
    return db, ids


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def _rows(screen, selector: str) -> list[list[str]]:
    table = screen.query_one(selector, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def _visible_tabs(screen) -> list[str]:
    tabs = screen.query_one("#dash-tabs")
    return [pane.id for pane in tabs.query("TabPane")
            if tabs.get_tab(pane.id).display]


def test_rules_by_role():
    manager, trainer, sdr = (review_access(r, 7, "X") for r in ("manager", "trainer", "sdr"))
    assert manager.panels == PANELS and manager.rep_ids((1, 2)) == (1, 2)
    assert manager.may_set_goals and manager.may_write_notes and manager.may_view_rep(3)
    assert trainer.panels == ("objections", "drills") and trainer.rep_ids((3,)) == (3,)
    assert not trainer.may_set_goals and trainer.may_write_notes
    assert sdr.own_only and sdr.rep_ids(()) == (7,) and sdr.rep_ids((3,)) == (7,)
    assert not sdr.may_view_rep(3) and sdr.may_view_rep(7) and not sdr.may_write_notes
    assert review_access("janitor", 7, "X").role == "sdr"  # unknown roles see the least


def test_beside_team_counts(team_db, clock):
    db, ids = team_db
    f = make_filter(clock.now(), fx.ZONE, "last-week")
    with db.session() as s:
        b = beside_team(s, f, ids["Ana"])
        nobody = beside_team(s, f, ids["Mia"])  # no calls of her own
    assert (b.own.dials, b.own.meetings) == (9, 2)
    assert (b.team.dials, b.team.connects, b.team.meetings, b.team_reps) == (14, 8, 3, 2)
    assert b.per_rep(b.team.dials) == 7.0
    assert nobody.own.dials == 0 and nobody.team.dials == 14


async def test_sdr_sees_own_figures_beside_the_team(team_db, settings, clock):
    db, ids = team_db
    app = make_app(db, settings, clock, rep_name="Ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m", "p")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert "Your figures beside the team's" in _text(screen, "#dash-status")
        assert "reps Ana;" in _text(screen, "#dash-status")
        rep = screen.query_one("#rep", Select)
        assert rep.disabled and rep.value == ids["Ana"] and len(rep._options) == 1
        assert "Dials               9" in _text(screen, "#funnel")  # Ana's own, not 14
        team = _text(screen, "#team")
        assert "[b]Team[/b] (2 reps with calls): dials 14 (7.0 per rep)" in team
        assert "meetings 3 (1.5 per rep)" in team and "connect/dial 8/14 (57.1%)" in team
        assert _visible_tabs(screen) == ["tab-overview", "tab-reps", "tab-trends", "tab-time",
                                         "tab-lists", "tab-objections"]
        await pilot.press("2")
        await pilot.pause()
        rows = _rows(screen, "#leaderboard")
        assert [r[0] for r in rows] == ["Ana (you)", "Team, per rep (2)", "Team total"]
        assert rows[0][2] == "9" and rows[1][2] == "7.0" and rows[2][2] == "14"
        assert not any("Ben" in c for r in rows for c in r)  # no other rep by name
        await pilot.press("7")  # the drills panel is not a rep's: nothing happens
        await pilot.press("g")  # goals are a manager's
        await pilot.pause()
        assert screen.query_one("#dash-tabs").active == "tab-reps"
        await pilot.press("down", "enter")  # any row opens the rep's own page
        await pilot.pause()
        assert isinstance(app.screen, RepViewScreen) and app.screen.rep_id == ids["Ana"]


async def test_manager_sees_every_rep(team_db, settings, clock):
    db, _ = team_db
    app = make_app(db, settings, clock, rep_name="Mia")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m", "p", "2")
        await pilot.pause()
        screen = app.screen
        assert _visible_tabs(screen) == [f"tab-{p}" for p in PANELS]
        assert [r[0] for r in _rows(screen, "#leaderboard")] == ["Ana", "Ben"]
        assert not screen.query_one("#team", Static).display
        assert not screen.query_one("#rep", Select).disabled


async def test_trainer_sees_drills_and_objections(team_db, settings, clock):
    db, ids = team_db
    with db.session() as s:
        cards = {c.key: c for c in drill_cards(s, None)}
    score_history(db, clock, ids["Ana"], cards, [("send_info", 2), ("send_info", 4)])
    add_live_losses(db, ids["Ana"], cards["budget"].objection_id, 2, clock.now())
    app = make_app(db, settings, clock, rep_name="Tom")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m", "p")
        await pilot.pause()
        screen = app.screen
        assert _visible_tabs(screen) == ["tab-objections", "tab-drills"]
        assert screen.query_one("#dash-tabs").active == "tab-objections"
        assert "Trainer: drills and objections" in _text(screen, "#dash-status")
        assert _rows(screen, "#objections")[0][0] == "Send me some information"
        await pilot.press("1")  # the overview is not a trainer's panel
        await pilot.pause()
        assert screen.query_one("#dash-tabs").active == "tab-objections"
        await pilot.press("7", "w")  # this week's drills
        await pilot.pause()
        assert screen.query_one("#dash-tabs").active == "tab-drills"
        rows = _rows(screen, "#drill-progress")
        assert rows[0][:4] == ["Ana", "Send me some information", "2", "3.0"]
        # one trainee chosen: objections lost live but never drilled are listed too
        rep = screen.query_one("#rep", Select)
        rep.value = ids["Ana"]
        await pilot.pause()
        rows = _rows(screen, "#drill-progress")
        assert [r[1] for r in rows] == ["Send me some information", "No budget"]
        assert rows[1][2] == "0" and rows[1][6] == "2/2"


async def test_hostile_notes_are_inert_on_home_and_the_rep_view(team_db, settings, clock):
    import io

    from rich.console import Console

    from callcoach.core.review.notes import add_note
    from tests.support.hostile import HOSTILE, VISIBLE, assert_inert

    def rendered(app) -> str:
        console = Console(width=app.size[0], height=app.size[1], file=io.StringIO(),
                          force_terminal=True, record=True, legacy_windows=False)
        console.print(app.screen._compositor.render_update(full=True))
        return console.export_text(styles=False)

    db, ids = team_db
    with db.session() as s:
        add_note(s, rep_id=ids["Ana"], author_id=ids["Mia"], now=clock.now(),
                 text=f"{HOSTILE['osc']} [b]not bold[/b] {HOSTILE['c1']}")
    app = make_app(db, settings, clock, rep_name="Ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        text = assert_inert(rendered(app))
        assert VISIBLE["osc"] in text and "[b]not bold[/b]" in text and VISIBLE["c1"] in text
        await pilot.press("m", "2", "enter")  # Ana's own page
        await pilot.pause()
        assert isinstance(app.screen, RepViewScreen)
        text = assert_inert(rendered(app))
        assert VISIBLE["osc"] in text and "[b]not bold[/b]" in text
