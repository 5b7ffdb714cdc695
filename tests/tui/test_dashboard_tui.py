"""Dashboard, rep view and planner screens driven through the real app on the fixture."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets import DataTable, Input, Select, Static

from callcoach.storage.models import WeeklyGoal
from callcoach.tui.app import make_app
from callcoach.tui.screens.dashboard import DashboardScreen
from callcoach.tui.screens.planner import PlannerScreen
from callcoach.tui.screens.rep_view import RepViewScreen
from tests.support import report_fixture as fx


@pytest.fixture
def app_db(sqlite_db, monkeypatch):
    """The fixture history; the display zone comes from $TZ (New York) like a real machine."""
    monkeypatch.setenv("TZ", fx.ZONE)
    fx.build(sqlite_db)
    return sqlite_db


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def _rows(screen, selector: str) -> list[list[str]]:
    table = screen.query_one(selector, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_dashboard_last_week_figures(app_db, settings, clock):
    app = make_app(app_db, settings, clock, rep_name="Mia")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        # Default: this week (Mon 2026-11-23 in New York): block B4 only.
        assert "Dials               2" in _text(screen, "#funnel")
        await pilot.press("p")
        await pilot.pause()
        assert "2026-11-16 .. 2026-11-22 (last week, America/New_York)" in _text(
            screen, "#dash-status")
        funnel = _text(screen, "#funnel")
        assert "Dials              14" in funnel
        assert "Connects            8" in funnel and "8/14 (57.1%)" in funnel
        assert "Conversations       6" in funnel and "6/8 (75%)" in funnel
        assert "Meetings set        3" in funnel and "3/6 (50%)" in funnel
        assert "1/2 (50%) of recorded" in funnel
        rates = _text(screen, "#rates")
        assert "per dial 3/14 (21.4%)" in rates and "per connect 3/8 (37.5%)" in rates
        assert "per conversation 3/6 (50%)" in rates and "dead time per block 0:45" in rates
        assert _rows(screen, "#goals") == [
            ["Ana", "2/3 (67%)", "9/40 (22%)", "2/2 (100%)"],
            ["Ben", "2/2 (100%)", "5/30 (17%)", "1/1 (100%)"],
        ]
        await pilot.press("2")  # each panel loads when first shown
        await pilot.pause()
        assert [r[:11] for r in _rows(screen, "#leaderboard")] == [
            ["Ana", "2", "9", "4", "2", "6/9 (66.7%)", "2/4 (50%)", "2/9 (22.2%)", "1:49",
             "2/6 (33.3%)", "0:55"],
            ["Ben", "2", "5", "2", "1", "2/5 (40%)", "1/2 (50%)", "1/5 (20%)", "2:15",
             "0/2 (0%)", "0:35"],
        ]
        await pilot.press("4")
        await pilot.pause()
        assert [r[:3] for r in _rows(screen, "#hours")] == [
            ["09:00", "6", "4/6 (66.7%)"], ["10:00", "4", "2/4 (50%)"],
            ["14:00", "3", "2/3 (66.7%)"], ["23:00", "1", "0/1 (0%)"]]
        assert [r[:2] for r in _rows(screen, "#weekdays")] == [
            ["Mon", "6"], ["Wed", "3"], ["Thu", "4"], ["Sun", "1"]]
        await pilot.press("5")
        await pilot.pause()
        assert [r[:2] + r[4:7] for r in _rows(screen, "#lists-table")] == [
            ["Retail West", "region: west", "3", "1", "1"],
            ["SaaS East", "vertical: saas", "11", "5", "2"]]
        await pilot.press("6")
        await pilot.pause()
        assert [r[:2] + r[3:4] for r in _rows(screen, "#objections")] == [
            ["Send me some information", "3", "1/3 (33.3%)"],
            ["No budget", "2", "1/2 (50%)"], ["Not interested", "2", "1/2 (50%)"]]
        assert _rows(screen, "#objection-order")[2] == [
            "after the 2nd objection", "1", "1/1 (100%)"]
        await pilot.press("3")
        await pilot.pause()
        weeks = _rows(screen, "#weeks")
        assert weeks[-1][:7] == ["2026-11-16", "4", "14", "6", "3", "70", "3"]
        assert len(weeks) == 8  # the chart always covers 8 weeks up to the period's end


async def test_dashboard_command_opens_once_and_home_fills_when_shown(
    app_db, settings, clock, monkeypatch
):
    """``callcoach dashboard``: the overview's queries run once (the filters reporting their
    first values reload nothing) and home, under it, counts its lists only when shown."""
    from callcoach.core.review import funnels as funnels_module
    from callcoach.tui.screens.home import HomeScreen

    calls = []
    real = funnels_module.funnels
    monkeypatch.setattr(funnels_module, "funnels", lambda *a, **kw: calls.append(a[2:]) or real(*a, **kw))
    app = make_app(app_db, settings, clock, "Mia", start=DashboardScreen(zone=fx.ZONE))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert "Dials               2" in _text(screen, "#funnel")
        # The funnel, the leaderboard of the week behind the goals, and the previous
        # comparable period's funnel: nothing more.
        assert calls == [(), (("rep",),), ()]
        home = app.screen_stack[-2]
        assert isinstance(home, HomeScreen) and home.summaries == []
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is home
        assert [s.name for s in home.summaries] == ["Retail West", "SaaS East"]
        assert "2 lists" in _text(home, "#home-hint")


async def test_dashboard_filters_rep_list_and_custom(app_db, settings, clock):
    app = make_app(app_db, settings, clock, rep_name="Mia")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m")
        await pilot.pause()
        screen = app.screen
        await pilot.press("p")
        lists = screen.query_one("#list", Select)
        retail = next(v for label, v in lists._options if str(label) == "Retail West")
        lists.value = retail
        await pilot.pause()
        assert "Dials               3" in _text(screen, "#funnel")
        assert "lists Retail West" in _text(screen, "#dash-status")
        lists.value = -1
        reps = screen.query_one("#rep", Select)
        reps.value = next(v for label, v in reps._options if str(label) == "Ben")
        await pilot.pause()
        assert "Dials               5" in _text(screen, "#funnel")
        # Custom dates: typed, then enter.
        await pilot.press("c")
        await pilot.press(*"2026-10-01", "enter")
        await pilot.pause()
        assert screen.query_one("#period", Select).value == "custom"
        assert "2026-10-01 .." in _text(screen, "#dash-status")
        # Applied: focus left the date field, so the next key acts on the dashboard
        # (issue 14 item 6) and the panels show the new period.
        assert not isinstance(screen.focused, Input)
        await pilot.press("2")
        await pilot.pause()
        assert screen.query_one("#since", Input).value == "2026-10-01"
        assert screen.query_one("#dash-tabs").active == "tab-reps"
        assert "error" not in _text(screen, "#dash-status")
        assert [r[0] for r in _rows(screen, "#leaderboard")] == ["Ben"]
        assert _rows(screen, "#leaderboard")[0][2] == "7"  # Ben since 1 Oct (last week: 5)
        await pilot.press("1")
        await pilot.pause()
        assert "Dials               7" in _text(screen, "#funnel")
        # A bad date is a one-line error, the old figures stay (and say so); the focus stays
        # in the field to correct it.
        await pilot.press("c")
        screen.query_one("#since", Input).value = "2026-02-30"
        await pilot.press("enter")
        await pilot.pause()
        status = _text(screen, "#dash-status")
        assert "--since '2026-02-30': expected a date like 2026-11-23" in status
        assert "(still showing 2026-10-01 .. 2026-11-23" in status
        assert screen.focused is screen.query_one("#since", Input)
        await pilot.press("escape", "r")
        await pilot.pause()
        assert "--since '2026-02-30'" in _text(screen, "#dash-status")
        assert isinstance(app.screen, DashboardScreen)


async def test_rep_view_from_leaderboard(app_db, settings, clock):
    app = make_app(app_db, settings, clock, rep_name="Mia")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m", "p", "2")
        await pilot.pause()
        await pilot.press("down", "enter")  # Ben
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RepViewScreen)
        assert "Ben" in _text(screen, "#rep-title")
        assert "Dials               5" in _text(screen, "#rep-funnel")
        blocks = _rows(screen, "#rep-blocks")
        # the period's blocks only (last week): not Monday's of this week (issue 14 item 9)
        assert [b[0] for b in blocks] == ["Sun 22 Nov 23:20", "Thu 19 Nov 10:00"]
        assert blocks[1][1:] == ["SaaS East", "finished", "4", "2", "1"]
        best = _rows(screen, "#rep-lists")
        assert best[0][:5] == ["best", "SaaS East", "vertical: saas", "5", "1"]
        weeks = _rows(screen, "#rep-weeks")
        assert weeks[-1][:5] == ["2026-11-16", "2", "5", "2", "1"]
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_rep_view_blocks_follow_the_period(app_db, settings, clock):
    """This week shows only Monday's block; a period without blocks says so."""
    app = make_app(app_db, settings, clock, rep_name="Mia")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m", "2")
        await pilot.pause()
        await pilot.press("enter")  # Ben, the only rep with calls this week
        await pilot.pause()
        screen = app.screen
        assert "Ben" in _text(screen, "#rep-title")
        assert [b[0] for b in _rows(screen, "#rep-blocks")] == ["Mon 23 Nov 08:00"]
        await pilot.press("escape")
        await pilot.pause()
        app.screen.query_one("#since", Input).value = "2026-11-01"
        app.screen.query_one("#until", Input).value = "2026-11-10"
        app.screen.query_one("#rep", Select).value = next(
            v for label, v in app.screen.query_one("#rep", Select)._options if str(label) == "Ana")
        await pilot.press("c", "enter", "v")
        await pilot.pause()
        assert "Ana" in _text(app.screen, "#rep-title")
        assert _rows(app.screen, "#rep-blocks")[0][0] == "no blocks in this period"


async def test_manager_writes_a_note_from_the_rep_view_and_the_rep_reads_it_on_home(
    app_db, settings, clock
):
    """n on the rep view writes a note (committed); the rep's home shows it until n."""
    from callcoach.storage.models import CoachingNote

    app = make_app(app_db, settings, clock, rep_name="Mia")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m", "p", "2")
        await pilot.pause()
        await pilot.press("down", "enter")  # Ben
        await pilot.pause()
        screen = app.screen
        assert "No notes yet" in _text(screen, "#rep-notes")
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Ask for the meeting before the second objection", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert "Ask for the meeting before the second objection" in _text(screen, "#rep-notes")
        assert "Mia" in _text(screen, "#rep-notes") and "unread" in _text(screen, "#rep-notes")
        # about a block: the second choice is the first block shown
        await pilot.press("n")
        await pilot.pause()
        about = app.screen.query_one("#note-about", Select)
        block_id = [v for _, v in about._options][1]
        about.value = block_id
        app.screen.query_one("#note-text", Input).focus()
        await pilot.press(*"Good pace", "enter")
        await pilot.pause()
        assert f"about block {block_id}" in _text(screen, "#rep-notes")
    with app_db.session() as s:
        notes = s.exec(select(CoachingNote).order_by(CoachingNote.id)).all()
    assert [(n.text, n.block_id, n.read_at) for n in notes] == [
        ("Ask for the meeting before the second objection", None, None),
        ("Good pace", block_id, None),
    ]
    ben = make_app(app_db, settings, clock, rep_name="Ben")
    async with ben.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        box = ben.screen.query_one("#home-notes", Static)
        assert box.display and "Coaching notes for you (2 unread)" in _text(ben.screen,
                                                                             "#home-notes")
        assert "Mia: Ask for the meeting before the second objection" in _text(
            ben.screen, "#home-notes")
        await pilot.press("n")
        await pilot.pause()
        assert not box.display
    with app_db.session() as s:
        assert all(n.read_at == clock.now() for n in s.exec(select(CoachingNote)).all())


async def test_an_sdr_cannot_write_notes_from_the_rep_view(app_db, settings, clock):
    app = make_app(app_db, settings, clock, rep_name="Ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m", "p", "2")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, RepViewScreen)


async def test_trends_chart_gives_meetings_their_own_axis(app_db, settings, clock):
    """Meetings (a few a week) are drawn on a right-hand axis scaled to them, not on the
    dials' axis where they round to nothing (issue 14 item 9)."""
    app = make_app(app_db, settings, clock, rep_name="Mia")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m", "p", "3")
        await pilot.pause()
        chart = app.screen.query_one("#trend-plot").render().plain
    lines = chart.splitlines()
    assert "meetings (right axis)" in chart
    assert lines[-1].rstrip().endswith("meetings")  # the right axis' label
    right_ticks = [line.rstrip()[-2:] for line in lines if line.rstrip()[-2:-1] == "├"]
    assert right_ticks == ["├3", "├2", "├1", "├0"]  # 3 meetings in the busiest week
    assert "70.0┤" in chart  # the dials keep the left axis


async def test_prime_time_in_the_prospects_local_time(app_db, settings, clock):
    """z on the Prime time tab shows the hours where the prospects are (issue 14 item 9)."""
    import sqlalchemy as sa

    with app_db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE contact SET timezone = 'America/Los_Angeles' WHERE "
                             "list_id = (SELECT id FROM call_list WHERE name = 'Retail West')"))
    app = make_app(app_db, settings, clock, rep_name="Mia")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m", "p", "4")
        await pilot.pause()
        screen = app.screen
        assert "Hours in your zone (America/New_York) · z: the prospects' local time" in _text(
            screen, "#time-note")
        mine = {r[0]: r[1] for r in _rows(screen, "#hours")}
        await pilot.press("z")
        await pilot.pause()
        assert "Hours in the prospects' local time (America/Los_Angeles) · 11 dials to " \
               "contacts without a known zone counted in America/New_York" in _text(
                   screen, "#time-note")
        theirs = {r[0]: r[1] for r in _rows(screen, "#hours")}
        assert sum(map(int, mine.values())) == sum(map(int, theirs.values())) == 14
        assert theirs != mine
        assert mine.get("14:00") and theirs.get("11:00")  # Ana's Retail block at 14:00 NY
        await pilot.press("z")
        await pilot.pause()
        assert {r[0]: r[1] for r in _rows(screen, "#hours")} == mine


async def test_planner_screen(app_db, settings, clock):
    app = make_app(app_db, settings, clock, rep_name="Mia")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlannerScreen)
        out = _text(screen, "#plan-output")
        assert "Plan for the team over 13 weeks" in out
        quota = screen.query_one("#plan-quota", Input)
        quota.value = "100000"
        screen.query_one("#plan-deal-size", Input).value = "10000"
        screen.query_one("#plan-weeks", Input).value = "10"
        quota.focus()
        await pilot.press("enter")
        await pilot.pause()
        out = _text(screen, "#plan-output")
        assert "call blocks          556      55.6" in out
        assert "blocks run per week so far: 1.6 (6 blocks over the 3.9 weeks since" in out
        quota.value = "lots"
        await pilot.press("enter")
        await pilot.pause()
        assert "Quota 'lots': expected a number" in _text(screen, "#plan-output")


async def test_goals_set_elsewhere_show_on_dashboard(app_db, settings, clock):
    from datetime import date

    with app_db.transaction() as s:
        goal = s.exec(select(WeeklyGoal).where(WeeklyGoal.week_start == date(2026, 11, 23))).one()
        goal.dials = 10
    app = make_app(app_db, settings, clock, rep_name="Mia")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m")
        await pilot.pause()
        assert _rows(app.screen, "#goals")[0] == ["Ana", "0/4 (0%)", "0/10 (0%)", "0/2 (0%)"]


async def test_set_goal_from_dashboard(app_db, settings, clock):
    from callcoach.tui.screens.goals import GoalsScreen

    app = make_app(app_db, settings, clock, rep_name="Mia")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m", "g")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, GoalsScreen)
        # Ana (first rep) already has a goal this week: the form shows it.
        assert form.query_one("#goal-dials", Input).value == "50"
        form.query_one("#goal-dials", Input).value = "x"
        await pilot.press("enter")
        await pilot.pause()
        assert "dials 'x': expected a whole number" in _text(form, "#goal-status")
        form.query_one("#goal-dials", Input).value = "20"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert _rows(app.screen, "#goals")[0] == ["Ana", "0/4 (0%)", "0/20 (0%)", "0/2 (0%)"]
    with app_db.session() as s:
        goal = s.exec(select(WeeklyGoal).where(WeeklyGoal.dials == 20)).one()
        assert str(goal.week_start) == "2026-11-23" and goal.blocks == 4


def test_dashboard_snapshot(app_db, settings, clock, snap_compare):
    app = make_app(app_db, settings, clock, rep_name="Mia")
    assert snap_compare(app, press=["m", "p"], terminal_size=(120, 40))


def test_dashboard_trends_snapshot(app_db, settings, clock, snap_compare):
    app = make_app(app_db, settings, clock, rep_name="Mia")
    assert snap_compare(app, press=["m", "p", "3"], terminal_size=(120, 40))


def test_planner_snapshot(app_db, settings, clock, snap_compare):
    app = make_app(app_db, settings, clock, rep_name="Mia")
    assert snap_compare(app, press=["l"], terminal_size=(120, 40))


async def test_every_panel_compares_with_the_previous_comparable_period(app_db, settings, clock):
    """Last week (over) against the whole week before; this week (Monday 09:00 in New York)
    against last Monday up to 09:00. Every panel says so; the changes are the core's."""
    from callcoach.core.review.comparisons import change, comparable
    from callcoach.core.review.filters import make_filter
    from callcoach.core.review.slices import by_list, by_rep

    app = make_app(app_db, settings, clock, rep_name="Mia")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m")
        await pilot.pause()
        screen = app.screen
        assert "(week to date)" in _text(screen, "#cmp-overview")
        assert "Connect: the target person answered" in _text(screen, "#definitions")
        assert "Conversation: a connect that got past" in _text(screen, "#definitions")
        await pilot.press("p")
        await pilot.pause()
        overview = _text(screen, "#cmp-overview")
        assert "Compared with 2026-11-09 .. 2026-11-15 (the week before" in overview
        assert "This period" in overview and "Previous" in overview
        f = make_filter(clock.now(), fx.ZONE, "last-week")
        prev = comparable(f, clock.now()).previous
        with app_db.session() as s:
            before_reps = {x.label: x.funnel for x in by_rep(s, prev)}
            before_lists = {x.label: x.funnel for x in by_list(s, prev)}
        for key, panel in (("2", "#cmp-reps"), ("3", "#cmp-trends"), ("4", "#cmp-time"),
                           ("5", "#cmp-lists"), ("6", "#cmp-objections")):
            await pilot.press(key)
            await pilot.pause()
            assert _text(screen, panel).startswith("vs 2026-11-09 .. 2026-11-15"), panel
        await pilot.press("2")
        await pilot.pause()
        for row in _rows(screen, "#leaderboard"):
            old = before_reps.get(row[0])
            want = change(int(row[2]), old.dials if old else 0)
            assert want is not None and row[11] == want.text()
        await pilot.press("5")
        await pilot.pause()
        for row in _rows(screen, "#lists-table"):
            old = before_lists.get(row[0])
            want = change(int(row[6]), old.meetings if old else 0)
            assert want is not None and row[-1] == want.text()
