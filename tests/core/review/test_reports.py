"""Report figures against the hand-computed fixture (tests/report_fixture.py), both engines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from callcoach.catalog.outcomes import is_connect, is_conversation
from callcoach.core.review import goals as goals_mod
from callcoach.core.review import metrics as m
from callcoach.core.review import planner
from callcoach.core.review.breakdowns import breakdown_names, build_report
from callcoach.core.review.comparisons import comparable
from callcoach.core.review.filters import (
    ReportError,
    make_filter,
    reads_whole_history,
    resolve_list_ids,
    resolve_rep_ids,
)
from callcoach.core.review.funnels import GROUPINGS, Funnel, funnel, funnels, grouped_funnels
from callcoach.core.review.objections import meetings_by_objection_order, objection_stats
from callcoach.core.review.rep_view import best_and_worst_lists, last_blocks
from callcoach.core.review.slices import Slice, by_cluster, by_hour, by_list, by_rep, by_week, by_weekday
from callcoach.storage.sql import reports as report_sql
from tests.support import report_fixture as fx

LAST_WEEK = dict(period="last-week", zone=fx.ZONE)


def _filter(clock, **kw):
    return make_filter(clock.now(), **{**LAST_WEEK, **kw})


def _counts(fu: Funnel) -> tuple:
    return (fu.dials, fu.connects, fu.conversations, fu.meetings, fu.held, fu.held_known,
            fu.blocks)


def test_periods_in_display_zone(clock):
    f = _filter(clock)
    assert (f.since, f.until) == (date(2026, 11, 16), date(2026, 11, 22))
    assert f.start_utc.isoformat() == "2026-11-16T05:00:00+00:00"
    assert f.end_utc.isoformat() == "2026-11-23T05:00:00+00:00"
    this = make_filter(clock.now(), period="this-month", zone=fx.ZONE)
    assert (this.since, this.until) == (date(2026, 11, 1), date(2026, 11, 30))
    custom = make_filter(clock.now(), since="2026-10-01", until="2026-10-31", zone=fx.ZONE)
    assert custom.label == "" and custom.days == 31


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(since="2026-13-01"), "--since '2026-13-01': expected a date like 2026-11-23"),
        (dict(since="2026-11-20", until="2026-11-01"), "the end is before the start"),
        (dict(zone="Mars/Olympus"), "time zone 'Mars/Olympus'"),
        (dict(period="fortnight"), "period 'fortnight'"),
    ],
)
def test_bad_filters_are_one_line_errors(clock, bad, message):
    with pytest.raises(ReportError) as err:
        make_filter(clock.now(), **{"zone": fx.ZONE, **bad})
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_team_funnel_last_week(db, history, clock):
    with db.session() as s:
        fu = funnel(s, _filter(clock))
    # 14 dials (attempt 14 in progress excluded, 19 at 23:21 Sunday NY included).
    assert _counts(fu) == (14, 8, 6, 3, 1, 2, 4)
    assert fu.connect_rate.text() == "8/14 (57.1%)"
    assert fu.conversation_rate.text() == "6/8 (75%)"
    assert fu.set_per_conversation.text() == "3/6 (50%)"
    assert fu.set_per_connect.text() == "3/8 (37.5%)"
    assert fu.set_per_dial.text() == "3/14 (21.4%)"
    assert fu.held_rate.text() == "1/2 (50%)"
    assert fu.avg_call_seconds == pytest.approx(925 / 8)
    assert fu.long_share.text() == "2/8 (25%)"
    assert fu.dead_seconds_per_block == pytest.approx(45.0)


def test_utc_week_would_differ(db, history, clock):
    """Attempt 19 (Sunday 23:21 in New York) is Monday in UTC: the zone decides its week."""
    with db.session() as s:
        utc = funnel(s, make_filter(clock.now(), period="last-week", zone="UTC"))
    assert utc.dials == 13


def test_leaderboard_by_rep(db, history, clock):
    with db.session() as s:
        slices = by_rep(s, _filter(clock))
    assert [x.label for x in slices] == ["Ana", "Ben"]
    ana, ben = slices
    assert _counts(ana.funnel) == (9, 6, 4, 2, 1, 2, 2)
    assert ana.funnel.avg_call_seconds == pytest.approx(655 / 6)
    assert ana.funnel.long_share.text() == "2/6 (33.3%)"
    assert ana.funnel.dead_seconds_per_block == pytest.approx(55.0)
    assert _counts(ben.funnel) == (5, 2, 2, 1, 0, 0, 2)
    assert ben.funnel.avg_call_seconds == pytest.approx(135.0)
    assert ben.funnel.long_share.text() == "0/2 (0%)"
    assert ben.funnel.dead_seconds_per_block == pytest.approx(35.0)


def test_rep_and_list_filters(db, history, clock):
    with db.session() as s:
        ana = resolve_rep_ids(s, ["ana"])
        retail = resolve_list_ids(s, ["Retail West"])
        assert _counts(funnel(s, _filter(clock, rep_ids=ana))) == (9, 6, 4, 2, 1, 2, 2)
        assert _counts(funnel(s, _filter(clock, list_ids=retail))) == (3, 2, 1, 1, 0, 1, 1)
        both = _filter(clock, rep_ids=ana, list_ids=retail)
        assert _counts(funnel(s, both)) == (3, 2, 1, 1, 0, 1, 1)
        ben = resolve_rep_ids(s, ["Ben"])
        assert funnel(s, _filter(clock, rep_ids=ben, list_ids=retail)).dials == 0
        with pytest.raises(ReportError, match="--rep 'Zed': no such rep"):
            resolve_rep_ids(s, ["Zed"])
        with pytest.raises(ReportError, match="--list 'Nope': no such call list"):
            resolve_list_ids(s, ["Nope"])


def test_by_list_and_cluster(db, history, clock):
    with db.session() as s:
        lists = by_list(s, _filter(clock))
        clusters = by_cluster(s, _filter(clock))
    assert [(x.label, x.extra["cluster"]) for x in lists] == [
        ("Retail West", "region: west"), ("SaaS East", "vertical: saas")]
    assert _counts(lists[0].funnel)[:4] == (3, 2, 1, 1)
    assert _counts(lists[1].funnel)[:4] == (11, 6, 5, 2)
    assert [x.label for x in clusters] == ["region: west", "vertical: saas"]
    assert lists[1].funnel.set_per_dial.text() == "2/11 (18.2%)"


def test_by_week_fills_empty_weeks_and_crosses_dst(db, history, clock):
    f = make_filter(clock.now(), since="2026-10-26", until="2026-11-29", zone=fx.ZONE)
    with db.session() as s:
        weeks = by_week(s, f)
    assert [(w.label, w.funnel.dials, w.funnel.meetings) for w in weeks] == [
        ("2026-10-26", 2, 1),
        ("2026-11-02", 0, 0),
        ("2026-11-09", 0, 0),
        ("2026-11-16", 14, 3),
        ("2026-11-23", 2, 0),
    ]


def test_by_hour_and_weekday(db, history, clock):
    with db.session() as s:
        hours = by_hour(s, _filter(clock))
        days = by_weekday(s, _filter(clock))
        october = by_hour(s, make_filter(clock.now(), period="last-month", zone=fx.ZONE))
    assert [(h.label, h.funnel.connect_rate.text()) for h in hours] == [
        ("09:00", "4/6 (66.7%)"),
        ("10:00", "2/4 (50%)"),
        ("14:00", "2/3 (66.7%)"),
        ("23:00", "0/1 (0%)"),
    ]
    assert [(d.label, d.funnel.dials) for d in days] == [
        ("Mon", 6), ("Wed", 3), ("Thu", 4), ("Sun", 1)]
    # October is EDT (UTC-4): 09:01 local stays 09:00.
    assert [(h.label, h.funnel.dials) for h in october] == [("09:00", 2)]


def test_objections_and_order(db, history, clock):
    with db.session() as s:
        stats = objection_stats(s, _filter(clock))
        order = meetings_by_objection_order(s, _filter(clock))
        wide = meetings_by_objection_order(
            s, make_filter(clock.now(), since="2026-10-01", until="2026-11-30", zone=fx.ZONE))
    assert [(x.key, x.raised, x.overcome_rate.text(), x.meetings) for x in stats] == [
        ("send_info", 3, "1/3 (33.3%)", 1),
        ("budget", 2, "1/2 (50%)", 1),
        ("not_interested", 2, "1/2 (50%)", 1),
    ]
    assert [(o.objections, o.calls, o.meetings) for o in order] == [
        (0, 1, 1), (1, 2, 1), (2, 1, 1), (3, 1, 0), (4, 0, 0)]
    assert [(o.objections, o.calls, o.meetings) for o in wide] == [
        (0, 1, 1), (1, 3, 1), (2, 1, 1), (3, 1, 0), (4, 1, 1)]


def test_in_progress_attempts_never_count(db, history, clock):
    with db.session() as s:
        f = _filter(clock, rep_ids=resolve_rep_ids(s, ["Ben"]))
        blocks = last_blocks(s, f.rep_ids[0])
        assert funnel(s, f).dials == 5
    b3 = [b for b in blocks if b.block_id == history["B3"]][0]
    assert (b3.dials, b3.conversations, b3.meetings) == (4, 2, 1)
    assert [b.block_id for b in blocks] == [history[k] for k in ("B4", "B6", "B3")]


def test_every_breakdown_builds_with_totals(db, history, clock):
    with db.session() as s:
        for by in breakdown_names():
            table = build_report(s, by, _filter(clock))
            assert table.rows or by == "drill", by  # no drills in this fixture
            keys = {c.key for c in table.columns}
            for row in table.rows:
                assert set(row) <= keys | {"cluster"}, by
        week = build_report(s, "week", _filter(clock))
        with pytest.raises(ReportError, match="--by 'nope'"):
            build_report(s, "nope", _filter(clock))
    assert week.rows[0]["goal_dials"] == 70 and week.rows[0]["goal_meetings"] == 3


def test_month_over_month_when_the_month_is_over(db, history, clock):
    this = replace(_filter(clock), since=date(2026, 11, 1), until=date(2026, 11, 30))
    c = comparable(this, datetime(2026, 12, 2, 9, tzinfo=UTC))
    prev = c.previous
    assert (prev.since, prev.until, prev.cutoff, c.rule) == (
        date(2026, 10, 1), date(2026, 10, 31), None, "previous period")
    with db.session() as s:
        assert _counts(funnel(s, this))[:4] == (16, 9, 7, 3)
        assert _counts(funnel(s, prev))[:4] == (2, 1, 1, 1)


def test_goals_and_progress(db, history, clock):
    with db.session() as s:
        progress = goals_mod.goal_progress(s, date(2026, 11, 18), fx.ZONE)
        cells = [(p.rep, p.cell("blocks"), p.cell("dials"), p.cell("meetings")) for p in progress]
        assert cells == [
            ("Ana", "2/3 (67%)", "9/40 (22%)", "2/2 (100%)"),
            ("Ben", "2/2 (100%)", "5/30 (17%)", "1/1 (100%)"),
        ]
        goals_mod.set_goal(s, history["Ben"], date(2026, 11, 25), 5, 60, 3)  # a Wednesday
        this_week = goals_mod.goals_for_week(s, date(2026, 11, 23))
        assert this_week[history["Ben"]] == goals_mod.Goal(5, 60, 3)
        goals_mod.set_goal(s, history["Ben"], date(2026, 11, 23), 6, 60, 3)
        assert goals_mod.goals_for_week(s, date(2026, 11, 29))[history["Ben"]].blocks == 6
        with pytest.raises(goals_mod.GoalError, match="--dials -1"):
            goals_mod.set_goal(s, history["Ben"], date(2026, 11, 23), 1, -1, 0)


def test_plan_with_fallbacks(db, history, clock):
    inputs = planner.PlanInput(quota=100_000, deal_size=10_000, close_ratio=4, weeks=10)
    with db.session() as s:
        plan = planner.make_plan(s, inputs, clock.now(), fx.ZONE)
    assert (plan.deals, plan.opportunities, plan.meetings, plan.conversations, plan.dials,
            plan.blocks) == (10, 40, 80, 800, 10_000, 556)
    assert plan.blocks_per_week == 56
    assert not any(rate.measured for rate in plan.rates)
    assert plan.measured.dials == 18 and plan.measured.blocks == 6
    assert plan.blocks_run_per_week == pytest.approx(6 / (27 / 7))
    text = "\n".join(plan.lines())
    assert "conversations per dial: 8.0% (outside figure; only 18 dials, need 100+ dials)" in text
    assert "Behind plan" in text


def test_plan_with_measured_rates(db, history, clock, monkeypatch):
    monkeypatch.setattr(planner, "MIN_BLOCKS", 3)
    monkeypatch.setattr(planner, "MIN_DIALS", 10)
    monkeypatch.setattr(planner, "MIN_CONVERSATIONS", 5)
    monkeypatch.setattr(planner, "MIN_MEETINGS_KNOWN", 3)
    inputs = planner.PlanInput(quota=50_000, deal_size=10_000, close_ratio=0.25, weeks=5)
    with db.session() as s:
        ana = resolve_rep_ids(s, ["Ana"])
        plan = planner.make_plan(s, inputs, clock.now(), fx.ZONE, ana, scope="Ana")
    # Ana, last 12 weeks: 11 dials, 3 blocks, 5 conversations, 3 meetings, held 2 of 3 known.
    assert [rate.text() for rate in plan.rates] == [
        "opportunities per win: 4.0 (given)",
        "meeting to opportunity (held rate): 66.7% (measured: 2 held / 3 meetings with a "
        "recorded result)",
        "meetings per conversation: 60.0% (measured: 3 meetings / 5 conversations)",
        "conversations per dial: 45.5% (measured: 5 conversations / 11 dials)",
        "dials per block: 3.7 (measured: 11 dials / 3 blocks)",
    ]
    # 5 deals -> 20 opps -> 30 meetings -> 50 conversations -> 110 dials -> 30 blocks.
    assert (plan.deals, plan.opportunities, plan.meetings, plan.conversations, plan.dials,
            plan.blocks) == (5, 20, 30, 50, 110, 30)


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(quota=0), "--quota 0"),
        (dict(deal_size=-5), "--deal-size -5"),
        (dict(close_ratio=0), "--close-ratio 0"),
        (dict(weeks=0), "--weeks 0"),
        (dict(meeting_to_opportunity=1.5), "--meeting-to-opportunity 1.5"),
    ],
)
def test_plan_bad_input(kw, message):
    inputs = planner.PlanInput(**{"quota": 1000, "deal_size": 100, "close_ratio": 3, **kw})
    with pytest.raises(planner.PlanError, match=message):
        inputs.validate()


def test_ratio_text():
    assert m.Ratio(1, 2).text() == "1/2 (50%)"
    assert m.Ratio(0, 0).text() == "-"
    assert m.Ratio(1, 3).pct == 33.3 and m.Ratio(1, 2).small


def test_zone_offsets_find_dst_change():
    from datetime import UTC, datetime

    start, end = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    offs = m.zone_offsets(fx.NY, start, end)
    assert [(t.isoformat(), o) for t, o in offs] == [
        ("2026-10-01T00:00:00+00:00", -4 * 3600),
        ("2026-11-01T06:00:00+00:00", -5 * 3600),
    ]


def test_stored_flags_follow_the_definitions(db, history, clock, capsys):
    from sqlmodel import select

    from callcoach import cli
    from callcoach.storage.models import CallAttempt

    with db.session() as s:
        assert m.flag_mismatches(s) == 0
    with db.transaction() as s:  # history written by some other tool: flags never set
        for number in (4, 6, 12):
            a = s.exec(select(CallAttempt).where(CallAttempt.id == history[f"A{number}"])).one()
            a.connected = a.conversation = False
    with db.session() as s:
        assert m.flag_mismatches(s) == 3
        assert funnel(s, _filter(clock)).connects == 5
    assert cli.main(["--db", db.url, "recount", "--check"]) == 1
    assert cli.main(["--db", db.url, "recount"]) == 0
    assert "recounted: 3 call attempts corrected" in capsys.readouterr().out
    with db.session() as s:
        assert m.flag_mismatches(s) == 0
        assert _counts(funnel(s, _filter(clock))) == (14, 8, 6, 3, 1, 2, 4)


def test_python_rules_match():
    assert is_connect("gatekeeper", 1) and not is_connect("gatekeeper", 0)
    assert is_connect("do_not_call", 0) and not is_conversation("do_not_call", 0)
    assert is_conversation("callback", 0) and is_conversation("not_interested", 2)


def _everything(s, f):
    """Every figure the reports compute for a filter, as comparable values."""
    out = {"funnel": funnel(s, f)}
    for g in GROUPINGS:
        out[g] = grouped_funnels(s, f, g)
    out["all"] = funnels(s, f, GROUPINGS)
    out["objections"] = objection_stats(s, f)
    out["order"] = meetings_by_objection_order(s, f)
    return out


@pytest.mark.parametrize(
    "since, until", [("2026-01-01", "2026-12-31"), ("2026-10-01", "2026-11-30"),
                     ("2026-11-16", "2026-11-22")]
)
def test_whole_history_reading_counts_the_same(db, history, clock, monkeypatch, since, until):
    """SQLite reads long periods whole, in index order; short ones through logged_at. Both
    ways give the same figures (PostgreSQL has one way: the same figures again)."""
    f = make_filter(clock.now(), since=since, until=until, zone=fx.ZONE)
    with db.session() as s:
        monkeypatch.setattr(report_sql, "LONG_SHARE", 0.0)  # always whole
        whole = _everything(s, f)
        assert reads_whole_history(s, f) == db.is_sqlite
        monkeypatch.setattr(report_sql, "LONG_SHARE", 1e9)  # never
        assert not reads_whole_history(s, f)
        assert _everything(s, f) == whole
    # Every grouping at once (one statement, shared per-block sums) = each on its own.
    together, total = whole["all"]
    assert total == whole["funnel"]
    for g in GROUPINGS:
        assert together[g] == whole[g], g
    if since == "2026-01-01":
        assert _counts(whole["funnel"]) == (18, 10, 8, 4, 2, 3, 6)
        assert [k for k, _ in whole["rep"]] == [history["Ana"], history["Ben"]]
        assert sum(o.raised for o in whole["objections"]) == 12
        assert [o.meetings for o in whole["order"]] == [1, 1, 1, 0, 1]


def test_long_share_follows_the_history(db, history, clock):
    """The whole-history reading starts at LONG_SHARE of the span of logged calls (SQLite)."""
    with db.session() as s:
        year = make_filter(clock.now(), since="2026-01-01", until="2026-12-31", zone=fx.ZONE)
        day = make_filter(clock.now(), since="2026-11-18", until="2026-11-18", zone=fx.ZONE)
        # The fixture's calls span 2026-10-28 .. 2026-11-23 (26 days): one day is 3.8%.
        assert reads_whole_history(s, year) == db.is_sqlite
        assert not reads_whole_history(s, day)


def test_best_and_worst_lists():
    def sl(name, meetings, dials):
        return Slice(name, name, Funnel(dials=dials, meetings=meetings))

    best, worst = best_and_worst_lists([sl("a", 1, 30), sl("b", 3, 30)])
    assert ([x.label for x in best], [x.label for x in worst]) == (["b"], ["a"])
    many = [sl(str(i), i, 40) for i in range(8)] + [sl("tiny", 5, 5)]
    best, worst = best_and_worst_lists(many)
    assert [x.label for x in best] == ["7", "6", "5"]
    assert [x.label for x in worst] == ["0", "1", "2"]


def test_clusters_sum_lists_exactly(db, history, clock):
    """Two lists in one cluster: every count of the cluster is the sum of the lists'."""
    from sqlmodel import select

    from callcoach.storage.models import CallList

    with db.transaction() as s:
        retail = s.exec(select(CallList).where(CallList.name == "Retail West")).one()
        retail.cluster_dimension, retail.cluster_value = "vertical", "saas"
    with db.session() as s:
        (cluster,) = by_cluster(s, _filter(clock))
        total = funnel(s, _filter(clock))
    assert cluster.label == "vertical: saas"
    assert cluster.funnel == total


def test_a_block_across_two_lists_of_one_cluster_is_one_block_run(db, clock, settings):
    """A rep switches lists mid-block between two lists of the same cluster: each list ran
    that block, but the cluster ran it once (its funnel is then the whole one)."""
    from callcoach.catalog.outcomes import Outcome
    from callcoach.core.calling import dialling, lifecycle, outcomes, serving
    from tests.support.blockkit import make_list, make_rep

    rep = make_rep(db)
    east, _ = make_list(db, "Dental East", contacts=[{}])
    west, _ = make_list(db, "Dental West", contacts=[{}])
    block = lifecycle.start_block(db, clock, rep_id=rep, list_id=east, minutes=52)
    for list_id in (east, west):
        if list_id != block.list_id:
            block = lifecycle.switch_list(db, clock, block.id, list_id)
        contact = serving.serve_next(db, clock, settings, block)
        dialling.dial(db, clock, block.id, contact.id)
        clock.advance(30)
        outcomes.log_outcome(db, clock, settings, block_id=block.id, outcome=Outcome.NO_ANSWER)
    f = make_filter(clock.now(), period="this-week", zone="UTC")
    with db.session() as s:
        lists = by_list(s, f)
        clusters = by_cluster(s, f)
        total = funnel(s, f)
        table = build_report(s, "cluster", f)
        rows, _ = funnels(s, f, ("list", "cluster", "week"))
    assert [(x.label, x.funnel.dials, x.funnel.blocks, x.funnel.shared_blocks)
            for x in lists] == [("Dental East", 1, 0.5, 1), ("Dental West", 1, 0.5, 1)]
    assert [(x.label, x.funnel.dials, x.funnel.blocks) for x in clusters] == [
        ("vertical: dental", 2, 1)]
    assert clusters[0].funnel == total and total.blocks == 1
    assert [row["cluster"] for row in table.rows] == ["vertical: dental"]
    assert [k for k, _ in rows["cluster"]] == ["vertical: dental"]
