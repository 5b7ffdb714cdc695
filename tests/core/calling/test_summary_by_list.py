"""A block that switched lists: its summary credits each list dialled, and every list it
used shows the block as its last one (both engines)."""

from __future__ import annotations

from callcoach.core.calling import dialling, lifecycle, outcomes, serving
from callcoach.core.calling.summary import block_summary
from callcoach.core.lists.call_lists import list_summaries
from tests.support.blockkit import make_list, make_rep


def _calls(db, clock, settings, block, results):
    for outcome in results:
        contact = serving.serve_next(db, clock, settings, block)
        dialling.dial(db, clock, block.id, contact.id)
        clock.advance(40)
        outcomes.log_outcome(db, clock, settings, block_id=block.id, outcome=outcome)


def test_summary_and_last_block_cover_every_list_dialled(db, clock, settings):
    rep = make_rep(db)
    software, _ = make_list(db, "Software", contacts=[{} for _ in range(4)])
    health, _ = make_list(db, "Healthcare", track=False,
                          contacts=[{"phone": f"+1312555{i:04d}"} for i in range(3)])
    idle, _ = make_list(db, "Idle", track=False, contacts=[{"phone": "+14155550000"}])
    block = lifecycle.start_block(db, clock, rep_id=rep, list_id=software)
    _calls(db, clock, settings, block, ["no_answer", "not_interested", "no_answer"])
    block = lifecycle.switch_list(db, clock, block.id, health)
    _calls(db, clock, settings, block, ["voicemail", "no_answer"])
    lifecycle.end_block(db, clock, block.id)
    with db.session() as s:
        summary = block_summary(s, block.id, settings.phases)
        rows = {r.name: r for r in list_summaries(s, clock.now(), settings.window)}
    assert [(f.name, f.dials, f.connects) for f in summary.by_list] == [
        ("Software", 3, 1), ("Healthcare", 2, 0)
    ]
    assert summary.this.dials == 5
    assert summary.lists_title("Healthcare") == "Software, Healthcare"
    assert summary.lists_title("Healthcare", most=1) == "2 lists"
    assert rows["Software"].last_block_at == block.started_at
    assert rows["Healthcare"].last_block_at == block.started_at
    assert rows["Idle"].last_block_at is None
