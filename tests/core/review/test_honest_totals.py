"""Issue 14 items 1 and 2: per-list and per-cluster block figures when a block switched
lists, and objection totals that count each meeting once. Every figure is checked against
SQL written here, on both engines and both SQLite reading paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from callcoach.core.review.breakdowns import build_report
from callcoach.core.review.export import render_csv, render_text
from callcoach.core.review.filters import make_filter
from callcoach.core.review.objections import objection_analysis
from callcoach.core.review.slices import lists_and_clusters
from callcoach.storage.models import (
    AttemptObjection,
    CallAttempt,
    CallBlock,
    CallList,
    Contact,
    Objection,
    Rep,
)
from tests.core.review.test_report_sql import _both_ways

NY = ZoneInfo("America/New_York")
CONNECTS = ("not_interested", "callback", "meeting", "do_not_call")

#: (block, list, local NY dial time, outcome, objections raised in order)
CALLS = [
    ("B1", "L1", "2026-11-16 09:00", "no_answer", ()),
    ("B1", "L1", "2026-11-16 09:03", "meeting", ("o1", "o2")),
    ("B1", "L2", "2026-11-16 09:06", "callback", ("o1",)),  # switched to L2 mid-block
    ("B1", "L2", "2026-11-16 09:09", "no_answer", ()),
    ("B2", "L2", "2026-11-17 10:00", "meeting", ("o1", "o2", "o3")),
    ("B2", "L2", "2026-11-17 10:03", "no_answer", ()),
    ("B2", "L2", "2026-11-17 10:06", "meeting", ()),  # no objection
    ("B3", "L1", "2026-11-18 11:00", "not_interested", ("o1", "o3")),
    ("B3", "L3", "2026-11-18 11:03", "meeting", ("o2",)),  # L1 -> L3 (other cluster)
    ("B3", "L1", "2026-11-18 11:06", "no_answer", ()),
    ("B4", "L1", "2026-11-19 11:00", "no_answer", ()),
    ("B4", "L2", "2026-11-19 11:03", "no_answer", ()),  # L1 -> L2: same cluster
    (None, "L1", "2026-11-19 12:00", "no_answer", ()),  # a call whose block is gone
]
#: list -> cluster value (L1 and L2 share one)
LISTS = {"L1": "saas", "L2": "saas", "L3": "retail"}


def _write(db) -> None:
    ids: dict[str, int] = {}
    with db.transaction() as s:
        rep = Rep(name="Ana")
        s.add(rep)
        for name, cluster in LISTS.items():
            s.add(CallList(name=name, cluster_dimension="vertical", cluster_value=cluster))
        for key in ("o1", "o2", "o3"):
            s.add(Objection(key=key, text=f"said {key}", rebuttal="r"))
        s.flush()
        for name in [*LISTS, "o1", "o2", "o3"]:
            model = Objection if name.startswith("o") else CallList
            field = Objection.key if name.startswith("o") else CallList.name
            ids[name] = s.execute(sa.select(model.id).where(field == name)).scalar()
        for n, (block, lst, when, outcome, raised) in enumerate(CALLS):
            dialed = datetime.fromisoformat(when).replace(tzinfo=NY).astimezone(UTC)
            if block is not None and block not in ids:
                b = CallBlock(rep_id=rep.id, list_id=ids[lst], started_at=dialed,
                              status="finished")
                s.add(b)
                s.flush()
                ids[block] = b.id
            contact = Contact(list_id=ids[lst], phone=f"+1212555{n:04d}")
            s.add(contact)
            s.flush()
            done = dialed + timedelta(seconds=90)
            attempt = CallAttempt(
                block_id=ids.get(block) if block else None, rep_id=rep.id,
                contact_id=contact.id, list_id=ids[lst], dialed_at=dialed, ended_at=done,
                logged_at=done, outcome=outcome, duration_seconds=90, gap_seconds=10.0 + n,
                connected=outcome in CONNECTS,
                conversation=outcome in ("callback", "meeting") or bool(raised),
            )
            s.add(attempt)
            s.flush()
            for pos, key in enumerate(raised, start=1):
                s.add(AttemptObjection(attempt_id=attempt.id, objection_id=ids[key],
                                       position=pos, raised_at=dialed, overcome=None))


def _filter(clock):
    return make_filter(clock.now(), since="2026-11-16", until="2026-11-22",
                       zone="America/New_York")


#: Per list, straight from the calls: dials, dead time, each block's share of its dials on
#: the list, and blocks that also dialled another list.
LIST_SQL = """
WITH per AS (
  SELECT block_id, list_id, COUNT(*) AS d, SUM(gap_seconds) AS dead
  FROM call_attempt GROUP BY block_id, list_id
), blk AS (
  SELECT block_id, SUM(d) AS bd, COUNT(*) AS nl FROM per
  WHERE block_id IS NOT NULL GROUP BY block_id
)
SELECT l.name, SUM(per.d), SUM(per.dead),
       SUM(CASE WHEN blk.bd IS NULL THEN 0 ELSE 1.0 * per.d / blk.bd END),
       SUM(CASE WHEN blk.nl > 1 THEN 1 ELSE 0 END)
FROM per JOIN call_list l ON l.id = per.list_id
LEFT JOIN blk ON blk.block_id = per.block_id
GROUP BY l.name ORDER BY l.name
"""

#: Per cluster: the same over each block's calls grouped by its lists' cluster.
CLUSTER_SQL = """
WITH per AS (
  SELECT a.block_id, l.cluster_value AS c, COUNT(*) AS d, SUM(a.gap_seconds) AS dead
  FROM call_attempt a JOIN call_list l ON l.id = a.list_id GROUP BY a.block_id, l.cluster_value
), blk AS (
  SELECT block_id, SUM(d) AS bd, COUNT(*) AS nc FROM per
  WHERE block_id IS NOT NULL GROUP BY block_id
)
SELECT per.c, SUM(per.d), SUM(per.dead),
       SUM(CASE WHEN blk.bd IS NULL THEN 0 ELSE 1.0 * per.d / blk.bd END),
       SUM(CASE WHEN blk.nc > 1 THEN 1 ELSE 0 END)
FROM per LEFT JOIN blk ON blk.block_id = per.block_id
GROUP BY per.c ORDER BY per.c
"""


def _sql(db, text: str) -> list[tuple]:
    with db.session() as s:
        return [(r[0], int(r[1]), float(r[2]), round(float(r[3]), 6), int(r[4]))
                for r in s.execute(sa.text(text))]


def test_blocks_by_list_and_cluster_split_and_add_up(db, clock, monkeypatch):
    _write(db)
    f = _filter(clock)
    with db.session() as s:
        lists, clusters = _both_ways(db, monkeypatch, lambda: lists_and_clusters(s, f))
        table = build_report(s, "list", f)
        ctable = build_report(s, "cluster", f)
    got = sorted((x.label, x.funnel.dials, x.funnel.dead_seconds, round(x.funnel.blocks, 6),
                  x.funnel.shared_blocks) for x in lists)
    want = _sql(db, LIST_SQL)
    assert got == want
    # L1: B1 2/4, B3 2/3, B4 1/2 -> 1.6667; L2: B1 2/4, B2 1, B4 1/2 -> 2; L3: B3 1/3
    assert [g[3] for g in got] == [pytest.approx(5 / 3), 2, pytest.approx(1 / 3)]
    assert [g[4] for g in got] == [3, 2, 1]
    got_c = sorted((x.label.split(": ")[1], x.funnel.dials, x.funnel.dead_seconds,
                    round(x.funnel.blocks, 6), x.funnel.shared_blocks) for x in clusters)
    assert got_c == _sql(db, CLUSTER_SQL)
    # B4 switched lists inside one cluster: one whole block there, not shared.
    assert [(c[0], c[3], c[4]) for c in got_c] == [
        ("retail", pytest.approx(1 / 3), 1), ("saas", pytest.approx(11 / 3), 1)]

    # The total row agrees with its rows: 4 blocks run, the shares add up to it.
    for t in (table, ctable):
        assert t.totals is not None
        assert t.totals["blocks"] == 4
        assert sum(r["blocks"] for r in t.rows) == pytest.approx(4)
        assert sum(r["dials"] for r in t.rows) == t.totals["dials"] == len(CALLS)
        assert "shared_blocks" not in t.totals  # no total: a shared block is in many rows
        assert any("no total" in n for n in t.notes)
    text = render_text(table)
    assert "Shared" in text and "1.7" in text
    header, *rows = render_csv(table).splitlines()
    assert header.split(",")[2:4] == ["Blocks", "Shared"]


#: Meetings after each objection, and meetings after any objection, from the calls.
OBJECTION_SQL = """
SELECT o.key, COUNT(*), COUNT(DISTINCT ao.attempt_id),
       COUNT(DISTINCT CASE WHEN a.outcome = 'meeting' THEN a.id END)
FROM attempt_objection ao JOIN call_attempt a ON a.id = ao.attempt_id
JOIN objection o ON o.id = ao.objection_id GROUP BY o.key ORDER BY o.key
"""
MEETINGS_AFTER_ANY_SQL = """
SELECT COUNT(*) FROM call_attempt a WHERE a.outcome = 'meeting'
AND EXISTS (SELECT 1 FROM attempt_objection ao WHERE ao.attempt_id = a.id)
"""
CALLS_WITH_ANY_SQL = "SELECT COUNT(DISTINCT attempt_id) FROM attempt_objection"
MEETINGS_SQL = "SELECT COUNT(*) FROM call_attempt WHERE outcome = 'meeting'"


def test_objection_totals_count_each_meeting_once(db, clock, monkeypatch):
    _write(db)
    f = _filter(clock)
    with db.session() as s:
        stats, order = _both_ways(db, monkeypatch, lambda: objection_analysis(s, f))
        table = build_report(s, "objection", f)
        want = [tuple(r) for r in s.execute(sa.text(OBJECTION_SQL))]
        after_any = s.execute(sa.text(MEETINGS_AFTER_ANY_SQL)).scalar()
        calls_with = s.execute(sa.text(CALLS_WITH_ANY_SQL)).scalar()
        meetings = s.execute(sa.text(MEETINGS_SQL)).scalar()
    assert sorted((x.key, x.raised, x.calls, x.meetings) for x in stats) == want
    rows = {r["objection"]: r for r in table.rows}
    assert {k: rows[k]["meetings"] for k in rows} == {"o1": 2, "o2": 3, "o3": 1}
    assert table.totals is not None
    # Each meeting once: 3 meetings followed objections (not 2 + 3 + 1 = 6).
    assert table.totals["meetings"] == after_any == 3
    assert sum(r["meetings"] for r in table.rows) == 6
    assert table.totals["calls"] == calls_with == 5
    assert table.totals["raised"] == sum(r["raised"] for r in table.rows) == 9
    assert [c.header for c in table.columns if c.key == "meetings"] == ["Mtgs after"]
    assert f"Meetings in the period: {meetings} (3 after at least one objection, 1 with none)" \
        in table.notes
