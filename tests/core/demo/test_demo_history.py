"""The demo team's history: real blocks through the core, on its own lists, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from callcoach.cli import main
from callcoach.clock import FakeClock
from callcoach.core.demo.history import TEAM, DemoHistoryError, generate_demo_history
from callcoach.core.demo.seed import seed_demo
from callcoach.core.lists.call_lists import list_summaries
from callcoach.core.review.filters import make_filter
from callcoach.core.review.funnels import funnel
from callcoach.core.review.metrics import flag_mismatches
from callcoach.storage.models import (
    CallAttempt,
    CallBlock,
    CallList,
    Contact,
    DrillRound,
    DrillSession,
    Meeting,
    WeeklyGoal,
)

NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # Tuesday 11:00 in New York


def test_demo_history_is_real_blocks_on_the_team_lists(db, settings):
    clock = FakeClock(NOW)
    seed_demo(db, clock)
    with db.session() as s:
        before = {r.name: r for r in list_summaries(s, NOW, settings.window)}

    stats = generate_demo_history(db, clock, settings, weeks=1)

    assert stats.reps == len(TEAM) and stats.blocks > 0 and stats.dials > 5 * stats.blocks
    with db.session() as s:
        blocks = s.exec(select(CallBlock)).all()
        attempts = s.exec(select(CallAttempt)).all()
        meetings = s.exec(select(Meeting)).all()
        on_bundled = s.execute(
            sa.select(sa.func.count())
            .select_from(CallAttempt)
            .join(Contact, Contact.id == CallAttempt.contact_id)
            .join(CallList, CallList.id == Contact.list_id)
            .where(CallList.name.startswith("Demo - "))
        ).scalar_one()
        after = {r.name: r for r in list_summaries(s, NOW, settings.window)}
        goals = s.exec(select(WeeklyGoal)).all()
        drills = s.exec(select(DrillSession)).all()
        rounds = s.exec(select(DrillRound)).all()
        assert flag_mismatches(s) == 0  # the flags are the ones log_outcome derives
        week = funnel(s, make_filter(NOW, "America/New_York", "this-week"))
    # every block ran and ended before now; every dial has its outcome
    assert len(blocks) == stats.blocks
    assert all(b.status == "finished" and b.ended_at <= NOW for b in blocks)
    assert len(attempts) == stats.dials
    assert all(a.outcome and a.ended_at is not None for a in attempts)
    assert sum(a.outcome == "meeting" for a in attempts) == stats.meetings == len(meetings)
    assert sum(a.outcome == "callback" for a in attempts) == stats.callbacks
    # the bundled demo lists are left fresh for trying a block
    assert on_bundled == 0
    for name, row in before.items():
        assert (after[name].contacts, after[name].callable_now) == (row.contacts, row.callable_now)
    assert any(name.startswith("Demo team - ") for name in after)
    # no invites written; held is known only for meetings that have happened
    assert all(m.ics_path is None for m in meetings)
    assert all(m.held is None for m in meetings if m.starts_at > NOW - timedelta(days=2))
    assert all(m.held is not None for m in meetings if m.starts_at < NOW - timedelta(days=2))
    assert len(goals) == len(TEAM)
    # Tuesday morning's drills, before the blocks: closed sessions, every round scored
    assert 0 < stats.drills == len(drills) and all(d.ended_at is not None for d in drills)
    assert rounds and all(r.overall is not None and r.answer_seconds for r in rounds)
    # the dashboard's figures are these rows
    assert week.dials == stats.dials and week.meetings == stats.meetings
    assert week.blocks == stats.blocks

    with pytest.raises(DemoHistoryError, match="generated once"):
        generate_demo_history(db, clock, settings, weeks=1)


def test_demo_history_command(sqlite_db, capsys):
    assert main(["--db", sqlite_db.url, "demo", "history", "--weeks", "13"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "callcoach: error: --weeks 13: expected 1 to 12"
