"""`callcoach report|plan|goals` end to end: numbers, CSV safety, JSON shape, HTML in Chromium."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callcoach import cli
from callcoach.core.review import export
from callcoach.core.review.filters import make_filter
from callcoach.storage.models import CallAttempt, CallBlock, CallList, Contact, Rep
from tests.support import report_fixture as fx
from tests.support.helpers import count_rows, run_cli

LAST_WEEK = ["--since", "2026-11-16", "--until", "2026-11-22", "--tz", fx.ZONE]


@pytest.fixture
def sq(sqlite_db):
    """SQLite only, for CLI behaviour that does not depend on the engine."""
    fx.build(sqlite_db)
    return sqlite_db


def report_json(db, capsys, *args):
    code, out, err = run_cli(db, capsys, "report", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_json_by_rep_matches_fixture_and_shape(db, history, capsys):
    data = report_json(db, capsys, "--by", "rep", *LAST_WEEK)
    assert set(data) == {"report", "title", "period", "filters", "columns", "rows", "totals",
                         "notes", "definitions"}
    assert data["period"] == {"since": "2026-11-16", "until": "2026-11-22", "zone": fx.ZONE,
                              "label": ""}
    assert [c["key"] for c in data["columns"]][:6] == [
        "rep", "blocks", "dials", "connects", "conversations", "meetings"]
    ana, ben = data["rows"]
    assert (ana["rep"], ana["dials"], ana["connects"], ana["conversations"], ana["meetings"]) == (
        "Ana", 9, 6, 4, 2)
    assert ana["set_per_dial"] == {"num": 2, "den": 9, "pct": 22.2}
    assert ana["avg_call"] == 109.2 and ana["dead_per_block"] == 55.0
    assert (ben["rep"], ben["dials"], ben["blocks"]) == ("Ben", 5, 2)
    assert data["totals"]["connect_rate"] == {"num": 8, "den": 14, "pct": 57.1}
    assert "outcomes 5-8" in data["definitions"]["connect"]


@pytest.mark.parametrize(
    "by, first_key, expected",
    [
        ("list", "list", [("Retail West", 3, 1), ("SaaS East", 11, 2)]),
        ("cluster", "cluster", [("region: west", 3, 1), ("vertical: saas", 11, 2)]),
        ("week", "week", [("2026-11-16", 14, 3)]),
        ("hour", "hour", [("09:00", 6, 1), ("10:00", 4, 1), ("14:00", 3, 1), ("23:00", 1, 0)]),
        ("weekday", "weekday", [("Mon", 6, 1), ("Wed", 3, 1), ("Thu", 4, 1), ("Sun", 1, 0)]),
    ],
)
def test_every_by_matches_fixture(db, history, capsys, by, first_key, expected):
    data = report_json(db, capsys, "--by", by, *LAST_WEEK)
    got = [(row[first_key], row["dials"], row["meetings"]) for row in data["rows"]]
    assert got == expected
    assert data["totals"]["dials"] == 14 and data["totals"]["meetings"] == 3


def test_by_objection_json(db, history, capsys):
    data = report_json(db, capsys, "--by", "objection", *LAST_WEEK)
    assert [(x["objection"], x["raised"], x["overcome"]["num"], x["meetings"])
            for x in data["rows"]] == [
        ("send_info", 3, 1, 1), ("budget", 2, 1, 1), ("not_interested", 2, 1, 1)]
    assert "Calls that ended after the 2nd objection: 1; meetings won 1/1 (100%)" in data["notes"]


@pytest.mark.parametrize(
    "flags, dials, meetings",
    [
        (["--rep", "Ana"], 9, 2),
        (["--rep", "ben"], 5, 1),
        (["--list", "Retail West"], 3, 1),
        (["--rep", "Ana", "--list", "SaaS East"], 6, 1),
        (["--rep", "Ana", "--rep", "Ben"], 14, 3),
    ],
)
def test_filters(db, history, capsys, flags, dials, meetings):
    data = report_json(db, capsys, "--by", "week", *LAST_WEEK, *flags)
    assert (data["totals"]["dials"], data["totals"]["meetings"]) == (dials, meetings)


def test_table_shows_the_same_figures(db, history, capsys):
    code, out, _ = run_cli(db, capsys, "report", "--by", "rep", *LAST_WEEK)
    assert code == 0
    lines = out.splitlines()
    ana = next(line for line in lines if line.startswith("Ana"))
    assert "6/9 (66.7%)" in ana and "2/9 (22.2%)" in ana and "1:49" in ana
    total = next(line for line in lines if line.startswith("Total"))
    assert "8/14 (57.1%)" in total and "3/14 (21.4%)" in total


def test_csv_same_figures_and_neutralised(db, history, capsys, clock):
    with db.transaction() as s:
        evil = Rep(name="=HYPERLINK(\"http://x\")")
        lst = CallList(name="-2+3 list", cluster_dimension="vertical", cluster_value="@sum")
        s.add_all([evil, lst])
        s.flush()
        contact = Contact(list_id=lst.id, phone="+12125550999")
        block = CallBlock(rep_id=evil.id, list_id=lst.id, started_at=fx.local("2026-11-17 09:00"))
        s.add_all([contact, block])
        s.flush()
        at = fx.local("2026-11-17 09:01")
        s.add(CallAttempt(block_id=block.id, rep_id=evil.id, contact_id=contact.id,
                          list_id=lst.id, dialed_at=at, logged_at=at + timedelta(seconds=20),
                          outcome="no_answer", duration_seconds=20))
    code, out, _ = run_cli(db, capsys, "report", "--by", "rep", *LAST_WEEK, "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:3] == ["Rep", "Blocks", "Dials"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Ana"][1:7] == ["2", "9", "6", "4", "2", "1"]
    assert by_name["Ana"][11] == "22.2"  # Mtg/dial %, same digits as "2/9 (22.2%)"
    assert "'=HYPERLINK(\"http://x\")" in by_name
    assert by_name["Total"][2] == "15"
    code, out, _ = run_cli(db, capsys, "report", "--by", "list", *LAST_WEEK, "--format", "csv")
    cells = [row[:2] for row in csv.reader(io.StringIO(out))]
    assert ["'-2+3 list", "'vertical: @sum"] not in cells  # value starts with "v": kept
    assert ["'-2+3 list", "vertical: @sum"] in cells
    assert all(not c.startswith(("=", "+", "-", "@")) for row in cells for c in row)


def test_neutralise():
    assert export.neutralise("=1+1") == "'=1+1"
    assert export.neutralise("+1") == "'+1"
    assert export.neutralise("-1") == "'-1"
    assert export.neutralise("@a") == "'@a"
    assert export.neutralise("Ana") == "Ana"


@pytest.mark.parametrize(
    "args, message",
    [
        (["report", "--by", "nope"], "--by 'nope': expected one of rep, list"),
        (["report", "--since", "2026-02-30"], "--since '2026-02-30': expected a date"),
        (["report", "--since", "2026-11-20", "--until", "2026-11-01"], "the end is before"),
        (["report", "--format", "xlsx"], "--format 'xlsx'"),
        (["report", "--period", "fortnight"], "period 'fortnight'"),
        (["report", "--tz", "Nowhere/City"], "time zone 'Nowhere/City'"),
        (["report", "--rep", "Zed"], "--rep 'Zed': no such rep"),
        (["report", "--list", "Nope"], "--list 'Nope': no such call list"),
        (["plan", "--quota", "lots", "--deal-size", "1", "--close-ratio", "4"], "--quota 'lots'"),
        (["plan", "--quota", "10", "--deal-size", "0", "--close-ratio", "4"], "--deal-size 0"),
        (["plan", "--quota", "10", "--deal-size", "1", "--close-ratio", "4", "--weeks", "1.5"],
         "--weeks '1.5'"),
        (["goals", "set", "--rep", "Ana", "--week", "soon"], "--week 'soon'"),
        (["goals", "set", "--rep", "Ana", "--week", "2026-11-23", "--dials", "-3"], "--dials -3"),
    ],
)
def test_bad_input_is_one_line(sq, capsys, args, message):
    db = sq
    code, out, err = run_cli(db, capsys, *args)
    assert code == 2
    assert err.startswith("callcoach: error: ") and message in err
    assert err.count("\n") == 1


def test_output_file_and_unwritable(sq, capsys, tmp_path):
    db = sq
    target = tmp_path / "card.csv"
    code, _, err = run_cli(db, capsys, "report", *LAST_WEEK, "--format", "csv", "--output",
                       str(target))
    assert code == 0 and "wrote" in err
    assert target.read_text().startswith("Rep,Blocks,Dials")
    code, _, err = run_cli(db, capsys, "report", "--format", "csv", "--output",
                       str(tmp_path / "missing" / "x.csv"))
    assert code == 2 and "cannot write" in err
    assert not (tmp_path / "missing").exists()


def test_goals_cli(sq, capsys):
    db = sq
    code, out, _ = run_cli(db, capsys, "goals", "set", "--rep", "ben", "--week", "2026-11-25",
                       "--blocks", "5", "--dials", "60", "--meetings", "3")
    assert code == 0 and "week of 2026-11-23: 5 blocks, 60 dials, 3 meetings" in out
    assert count_rows(db, "weekly_goal") == 4
    code, out, _ = run_cli(db, capsys, "goals", "show", "--week", "2026-11-16", "--tz", fx.ZONE)
    assert "Ana" in out and "dials 9/40 (22%)" in out and "meetings 1/1 (100%)" in out
    # bare ``goals`` shows them, as ``meetings`` and ``callbacks`` list (issue 14 item 9)
    code, bare, err = run_cli(db, capsys, "goals", "--week", "2026-11-16", "--tz", fx.ZONE)
    assert code == 0 and bare == out and err == ""
    code, ana, _ = run_cli(db, capsys, "goals", "--rep", "ana", "--week", "2026-11-16",
                           "--tz", fx.ZONE)
    assert code == 0 and "Ana" in ana and "Ben" not in ana
    code, shown, _ = run_cli(db, capsys, "goals", "--tz", fx.ZONE, "show", "--week", "2026-11-16")
    assert code == 0 and shown == out  # an option before the action is kept


def test_goals_set_one_figure_keeps_the_others(sq, capsys):
    """Setting the dials alone leaves the week's blocks and meetings as they were."""
    db = sq
    run_cli(db, capsys, "goals", "set", "--rep", "ben", "--week", "2026-11-25",
            "--blocks", "5", "--dials", "60", "--meetings", "3")
    code, out, _ = run_cli(db, capsys, "goals", "set", "--rep", "ben", "--week", "2026-11-24",
                           "--dials", "300")
    assert code == 0 and "week of 2026-11-23: 5 blocks, 300 dials, 3 meetings" in out
    code, out, _ = run_cli(db, capsys, "goals", "set", "--rep", "ben", "--week", "2026-11-30",
                           "--meetings", "2")
    assert code == 0 and "week of 2026-11-30: 0 blocks, 0 dials, 2 meetings" in out
    code, _, err = run_cli(db, capsys, "goals", "set", "--rep", "ben", "--week", "2026-11-30")
    assert code == 2 and "give --blocks, --dials or --meetings" in err


def test_plan_cli(sq, capsys):
    db = sq
    code, out, _ = run_cli(db, capsys, "plan", "--quota", "100000", "--deal-size", "10,000",
                       "--close-ratio", "4", "--weeks", "10", "--tz", fx.ZONE)
    assert code == 0
    assert "call blocks          556      55.6" in out
    assert "dials per block: 18.0 (outside figure; only 6 blocks, need 10+ blocks)" in out


# --- HTML scorecard in a real browser ---------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'chromium-profile'}",
         "--enable-logging=stderr", "--v=0", *args],
        capture_output=True, text=True, timeout=90,
    )


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                    "(bash scripts/setup.sh --test installs it)")
def test_html_scorecard_renders_in_chromium(sqlite_db, capsys, tmp_path):
    db = sqlite_db
    fx.build(db)
    page = tmp_path / "scorecard.html"
    code, _, err = run_cli(db, capsys, "report", "--by", "rep", *LAST_WEEK, "--format", "html",
                       "--output", str(page))
    assert code == 0, err
    html = page.read_text()
    # Self-contained: no external resources of any kind.
    stripped = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in stripped.replace('HYPERLINK("http://x")', "")
    assert "https://" not in stripped and "<script" not in html and "<link" not in html
    done = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "Scorecard: Leaderboard by rep" in dom
    assert "2026-11-16 .. 2026-11-22 (America/New_York)" in dom
    for figure in ("8/14 (57.1%)", "3/14 (21.4%)", "6/9 (66.7%)", "2/9 (22.2%)",
                   "Appointment-set rate per conversation", "3/6 (50%)"):
        assert figure in dom, figure
    assert dom.count("<svg") >= 5  # funnel + four weekly trend charts
    assert "goal" in dom
    log = done.stderr
    assert "Uncaught" not in log and "Failed to load resource" not in log
    shot = tmp_path / "scorecard.png"
    done = _chromium(tmp_path, "--window-size=1200,1600", f"--screenshot={shot}", page.as_uri())
    assert done.returncode == 0 and shot.stat().st_size > 20_000


#: Appended to a copy of a scorecard (which has no script) to measure it in Chromium.
MEASURE = """<script>
const wraps = [...document.querySelectorAll('.tablewrap')];
const m = document.createElement('div');
m.id = 'measure';
m.textContent = [document.documentElement.scrollWidth, document.documentElement.clientWidth,
  window.innerWidth,
  wraps.filter(w => w.scrollWidth > w.clientWidth).length].join(' ');
document.body.appendChild(m);
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                    "(bash scripts/setup.sh --test installs it)")
@pytest.mark.parametrize("by", ["list", "week"])
def test_html_scorecard_has_no_horizontal_overflow_at_1400px(sqlite_db, capsys, tmp_path, by):
    """The widest tables (by list: 17 columns; by week with its goals) fit a 1,400 px window:
    the document is as wide as the viewport and no table scrolls sideways; it prints."""
    db = sqlite_db
    fx.build(db)
    page = tmp_path / "scorecard.html"
    code, _, err = run_cli(db, capsys, "report", "--by", by, *LAST_WEEK, "--format", "html",
                           "--output", str(page))
    assert code == 0, err
    html = page.read_text()
    assert "@media print" in html
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", MEASURE + "</body>"))
    done = _chromium(tmp_path, "--window-size=1400,900", "--dump-dom", probe.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    measured = done.stdout.split('<div id="measure">', 1)[1].split("<", 1)[0].split()
    document_width, viewport_width, window_width, scrolling_tables = map(int, measured)
    assert window_width == 1400  # the viewport less its vertical scrollbar, if any:
    assert document_width == viewport_width > 1350  # no horizontal overflow
    assert scrolling_tables == 0
    pdf = tmp_path / "scorecard.pdf"
    done = _chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    assert done.returncode == 0 and pdf.read_bytes().startswith(b"%PDF")


def test_html_compares_like_with_like_and_draws_the_goal_line(db, history, capsys, clock):
    from callcoach.core.review.scorecard_html import build_scorecard

    with db.session() as s:
        f = make_filter(clock.now(), period="last-week", zone=fx.ZONE)
        html = build_scorecard(s, "week", f, datetime(2026, 11, 23, 14, tzinfo=UTC))
    # Last week is over: the whole week before it, not "this month against last month".
    assert "Compared with 2026-11-09 .. 2026-11-15 (the week before" in html
    assert "November 2026" not in html
    assert "stroke-dasharray" in html  # the goal line
    assert "Week (Mon)" in html and "@media print" in html


PLUGIN = """
from datetime import date, timedelta

from callcoach.core.review import metrics as m
from callcoach.core.review.breakdowns import Breakdown, FunnelBreakdown
from callcoach.core.review.funnels import LoggedGrouping
from callcoach.core.review.slices import Slice
from callcoach.core.review.tables import Column, ReportTable


def score_table(session, f):
    return ReportTable("score", "Drill scores", f, [Column("drill", "Drill", "text"),
                                                    Column("score", "Score", "ratio")],
                       [{"drill": "=evil", "score": m.Ratio(3, 4)}])


def day_key(epoch, f):
    return m.floor_div(m.local_epoch(epoch, f.tz, f.start_utc, f.end_utc), 86400)


SCORE = Breakdown("score", "Drill scores", score_table)
DAY = FunnelBreakdown(
    "day", "By day", grouping=LoggedGrouping("day", day_key),
    first=(Column("day", "Day", "text"),),
    slices=lambda s, f, rows: [
        Slice(k, (date(1970, 1, 1) + timedelta(days=int(k))).isoformat(), fu) for k, fu in rows],
)
"""


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    """A package installed on sys.path whose dist-info declares three breakdowns in the
    ``callcoach.breakdowns`` entry-point group: ``score``, ``day`` and a broken one."""
    from callcoach.core.review import breakdowns

    site = tmp_path / "site"
    info = site / "callcoach_test_plugin-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: callcoach-test-plugin\n"
                                   "Version: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[callcoach.breakdowns]\nscore = callcoach_test_plugin:SCORE\n"
        "day = callcoach_test_plugin:DAY\nbroken = callcoach_no_such_module:THING\n")
    (site / "callcoach_test_plugin.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(breakdowns, "_registry", None)  # read the entry points again
    return site


def test_a_plugin_breakdown_works_in_every_format(db, history, capsys, tmp_path, plugins):
    """A brand-new --by name from an entry point: table, CSV, JSON, HTML and the help."""
    code, out, _ = run_cli(db, capsys, "report", "--by", "score", *LAST_WEEK, "--format", "csv")
    lines = out.splitlines()
    assert code == 0 and lines[:2] == ["Drill,Score %", "'=evil,75.0"]
    assert all(line.startswith("Definition,") for line in lines[2:])
    code, out, _ = run_cli(db, capsys, "report", "--by", "score", *LAST_WEEK)
    assert code == 0 and "=evil  3/4 (75%)" in out
    data = report_json(db, capsys, "--by", "score", *LAST_WEEK)
    assert data["report"] == "score" and data["title"] == "Drill scores"
    assert data["rows"] == [{"drill": "=evil", "score": {"num": 3, "den": 4, "pct": 75.0}}]
    page = tmp_path / "score.html"
    code, _, err = run_cli(db, capsys, "report", "--by", "score", *LAST_WEEK, "--format", "html",
                       "--output", str(page))
    html = page.read_text()
    assert code == 0, err
    assert "<h1>Scorecard: Drill scores</h1>" in html
    assert ">=evil</td>" in html and ">3/4 (75%)</td>" in html
    with pytest.raises(SystemExit):
        cli.main(["report", "--help"])
    out, _ = capsys.readouterr()
    assert "objection | drill | broken | day | score (default rep)" in " ".join(out.split())


def test_a_plugin_funnel_breakdown_counts_like_the_built_in_ones(db, history, capsys, plugins):
    """A plug-in grouping (local day of the logged call) is counted in the same statement
    shape as the built-in ones: its days add up to the report's total."""
    data = report_json(db, capsys, "--by", "day", *LAST_WEEK)
    by_rep = report_json(db, capsys, "--by", "rep", *LAST_WEEK)
    days = [row["day"] for row in data["rows"]]
    assert days == sorted(days) and all("2026-11-16" <= d <= "2026-11-22" for d in days)
    for key in ("dials", "connects", "conversations", "meetings"):
        assert sum(row[key] for row in data["rows"]) == data["totals"][key] == by_rep["totals"][key]
    assert data["totals"]["dials"] > 0


def test_a_broken_plugin_gives_one_line_naming_it(db, history, capsys, plugins):
    """A plug-in that fails to load: one line naming it, no traceback; the rest still work."""
    code, out, err = run_cli(db, capsys, "report", "--by", "broken", *LAST_WEEK)
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "breakdown plug-in 'broken' (callcoach_no_such_module:THING)" in err
    assert "ModuleNotFoundError" in err
    code, out, _ = run_cli(db, capsys, "report", "--by", "rep", *LAST_WEEK)
    assert code == 0 and "Leaderboard by rep" in out


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o000, 0o664)])
def test_report_files_follow_the_umask_and_are_never_world_writable(sq, capsys, tmp_path, umask, mode):
    """A scorecard saved to a shared folder gets the umask's mode, as any new file does."""
    import os

    old = os.umask(umask)
    try:
        shared = tmp_path / "shared"
        shared.mkdir()
        out = shared / "card.html"
        code, _, _ = run_cli(sq, capsys, "report", "--by", "rep", "--format", "html",
                             "--output", str(out), "--tz", fx.ZONE)
    finally:
        os.umask(old)
    assert code == 0 and (out.stat().st_mode & 0o777) == mode
    assert [p.name for p in out.parent.iterdir()] == ["card.html"]  # no temporary file left


def test_report_compare_in_table_csv_and_json(db, history, capsys):
    """``--compare``: each figure beside the previous comparable period's (last week is
    over: the whole week before) and the change; the previous values are that period's."""
    data = report_json(db, capsys, "--by", "rep", *LAST_WEEK, "--compare")
    before = report_json(db, capsys, "--by", "rep", "--since", "2026-11-09", "--until",
                         "2026-11-15", "--tz", fx.ZONE)
    assert data["comparison"]["previous"]["since"] == "2026-11-09"
    assert data["comparison"]["rule"] == "previous period"
    prev = {r["rep"]: r for r in before["rows"]}
    for row in data["rows"]:
        old = prev.get(row["rep"], {})
        assert row["dials_prev"] == old.get("dials")
        change = row["dials_change"]
        assert change["diff"] == row["dials"] - (old.get("dials") or 0)
        assert change["pct"] is None or (old.get("dials") or 0) >= 20
    assert data["totals"]["dials_prev"] == before["totals"]["dials"]
    code, out, err = run_cli(db, capsys, "report", "--by", "rep", *LAST_WEEK, "--compare")
    assert code == 0, err
    assert "Dials prev" in out and "Dials chg" in out and "Compared with 2026-11-09" in out
    code, out, err = run_cli(db, capsys, "report", "--by", "rep", *LAST_WEEK, "--compare",
                             "--format", "csv")
    assert code == 0, err
    header = next(csv.reader(io.StringIO(out)))
    assert "Connect/dial chg (pts)" in header and "Dials chg" in header


def test_definitions_in_table_and_csv_and_no_drills(db, history, capsys):
    """Connect and conversation are defined in the text table and the CSV too; a drill
    report with no drills says so (not "no calls")."""
    from callcoach.core.review.metrics import DEFINITIONS

    code, out, err = run_cli(db, capsys, "report", "--by", "rep", *LAST_WEEK)
    assert code == 0, err
    assert f"  connect: {DEFINITIONS['connect']}" in out
    assert f"  conversation: {DEFINITIONS['conversation']}" in out
    code, out, err = run_cli(db, capsys, "report", "--by", "rep", *LAST_WEEK, "--format", "csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert ["Definition", "connect", DEFINITIONS["connect"]] in rows
    assert ["Definition", "conversation", DEFINITIONS["conversation"]] in rows
    code, out, err = run_cli(db, capsys, "report", "--by", "drill", "--since", "2020-01-06",
                             "--until", "2020-01-12", "--tz", fx.ZONE)
    assert code == 0, err
    assert "(no drills in this period)" in out and "no calls" not in out
