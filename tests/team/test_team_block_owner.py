"""One live owner per block under real concurrency: the same rep's block in two OS
processes (two callcoach windows), on SQLite and on the real PostgreSQL server. At most
one window serves; the second takes the block over explicitly (the first is live) or
without a warning (the first's heartbeat lapsed); the first window's next write is
refused and writes nothing; no contact is logged twice."""

from __future__ import annotations

import multiprocessing
from collections import Counter

import pytest
import sqlalchemy as sa

from callcoach.storage.models import CallAttempt, CallBlock, CallList, Contact, Rep
from tests.support import team_workers

SPAWN = multiprocessing.get_context("spawn")
CONTACTS = 40


def _seed(db, clock) -> tuple[int, int]:
    """One rep and one list of never-called contacts."""
    with db.session() as s:
        rep = Rep(name="Sam")
        lst = CallList(name="Shared list")
        s.add_all([rep, lst])
        s.commit()
        s.execute(
            sa.insert(Contact),
            [
                {
                    "list_id": lst.id,
                    "first_name": f"C{i}",
                    "phone": f"+1212555{i:04d}",
                    "created_at": clock.now(),
                }
                for i in range(CONTACTS)
            ],
        )
        s.commit()
        return rep.id, lst.id


@pytest.mark.parametrize("lapse", [False, True], ids=["explicit-takeover", "lapsed-heartbeat"])
def test_same_rep_in_two_processes_one_serves_and_no_contact_is_logged_twice(
    db, clock, tmp_path, lapse
):
    rep_id, list_id = _seed(db, clock)
    results = SPAWN.Queue()
    ready, taken_over = SPAWN.Event(), SPAWN.Event()
    ics = str(tmp_path / "ics")
    a = SPAWN.Process(
        target=team_workers.first_window,
        args=(results, db.url, rep_id, list_id, clock.now(), ics, taken_over, ready),
    )
    b = SPAWN.Process(
        target=team_workers.second_window,
        args=(results, db.url, rep_id, ics, lapse, taken_over, ready),
    )
    a.start()
    b.start()
    runs = [results.get(timeout=120) for _ in range(2)]
    a.join(30)
    b.join(30)
    assert [r for r in runs if isinstance(r, str)] == []
    first = next(r for r in runs if r.held_elsewhere == "" and r.lost)
    second = next(r for r in runs if r is not first)

    # Window B was told where the block lives (explicit) or took it without a word (lapsed).
    if lapse:
        assert second.held_elsewhere == ""
    else:
        assert second.held_elsewhere.startswith("This block is live in another window (")
        assert ", since " in second.held_elsewhere
    # Window A's next key was refused with the line the screen shows, and so was every
    # key after it: it logged its first three calls and nothing after the takeover.
    assert first.lost.startswith("This block was taken over in another window (")
    assert first.lost.endswith("UTC); this window stopped serving.")
    assert len(first.logged) == 3
    assert len(first.refused) == 2  # the outcome on screen, then the dial of the next key
    assert second.lost == "" and len(second.logged) == CONTACTS - 3

    with db.engine.connect() as conn:
        stored = conn.execute(
            sa.select(CallAttempt.client_uuid, CallAttempt.contact_id, CallAttempt.outcome)
        ).all()
        block = conn.execute(sa.select(CallBlock)).one()._mapping
        reserved = conn.execute(
            sa.select(sa.func.count()).where(Contact.reserved_by_block_id.is_not(None))
        ).scalar_one()
    logged = {**first.logged, **second.logged}
    assert len(stored) == CONTACTS  # one attempt per contact: A's open call was B's to log
    assert all(outcome is not None for _, _, outcome in stored)
    assert {u: c for u, c, _ in stored} == logged
    assert [c for c, n in Counter(c for _, c, _ in stored).items() if n > 1] == []
    assert not set(first.refused) & {u for u, _, _ in stored}  # refused: nothing written
    assert (block["owner_token"], block["status"], reserved) == (second.token, "finished", 0)
