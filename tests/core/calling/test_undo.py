"""Undo of the last outcome: the database after log + undo equals the database before the
outcome (apart from the attempt's own record of the correction), on both engines, for every
outcome; reports count the corrected call once; refusals; the meeting's cancellation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from callcoach.catalog.outcomes import OUTCOMES, Outcome
from callcoach.core.calling import dialling, lifecycle, objections, outcomes, serving, undo
from callcoach.core.calling.hold import BlockHold
from callcoach.core.calling.lifecycle import BlockError
from callcoach.core.calling.summary import block_tally
from callcoach.storage.db import Database
from callcoach.storage.models import ALL_TABLES, ActivityExport
from tests.support.blockkit import make_list, make_rep, seed_library
from tests.support.helpers import count_rows

#: The attempt's own record of the correction, and the block's heartbeat (a sign of life
#: stamped by every write, not something an outcome decides): the only columns an undo
#: leaves different from before the outcome.
CORRECTION_COLUMNS = {
    "call_attempt": {"prior", "undone_at", "undone_outcome", "undo_uuid"},
    "call_block": {"last_activity_at"},
}


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the correction columns left out), in a stable order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as conn:
        for table in ALL_TABLES.sorted_tables:
            skip = CORRECTION_COLUMNS.get(table.name, set())
            cols = [c for c in table.c if c.name not in skip]
            rows = conn.execute(sa.select(*cols)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def _details(outcome: Outcome, clock) -> dict[str, Any]:
    if outcome is Outcome.CALLBACK:
        return {"callback_at": clock.now() + timedelta(days=1)}
    if outcome is Outcome.MEETING:
        return {
            "meeting": outcomes.MeetingDetails(
                starts_at=clock.now() + timedelta(days=2), email="pat@example.com",
                parked_questions=("price?",),
            )
        }
    return {}


def _block(db, clock, contacts):
    rep = make_rep(db)
    lib = seed_library(db)
    list_id, ids = make_list(db, contacts=contacts)
    block = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id, minutes=52)
    return rep, lib, list_id, ids, block


@pytest.mark.parametrize("scenario", ["plain", "objections", "callback_due"])
@pytest.mark.parametrize("kind", OUTCOMES, ids=lambda k: f"{k.key}-{k.outcome.value}")
def test_log_then_undo_restores_the_database(db, clock, settings, kind, scenario):
    rep, lib, _, ids, block = _block(db, clock, [{}, {}, {}])
    if scenario == "callback_due":
        # An earlier call asked for a callback a minute later: it is due, so served first.
        earlier = serving.serve_next(db, clock, settings, block)
        dialling.dial(db, clock, block.id, earlier.id)
        clock.advance(30)
        outcomes.log_outcome(db, clock, settings, block_id=block.id, outcome="callback",
                             callback_at=clock.now() + timedelta(minutes=1))
        clock.advance(120)
    contact = serving.serve_next(db, clock, settings, block)
    assert contact.id == ids[0]
    dialling.dial(db, clock, block.id, contact.id)
    clock.advance(30)
    if scenario == "objections":
        objections.log_objection(db, clock, block.id, lib["send_info"])
        clock.advance(20)
        objections.log_objection(db, clock, block.id, lib["no_budget"])
        clock.advance(20)
    dialling.add_note(db, clock, block.id, "asked for the owner")
    before = snapshot(db)
    clock.advance(5)
    result = outcomes.log_outcome(
        db, clock, settings, block_id=block.id, outcome=kind.outcome, note="typed at the end",
        serve=True, **_details(kind.outcome, clock),
    )
    assert result.next_contact is not None  # the next contact was reserved too
    assert snapshot(db) != before
    clock.advance(3)
    undone = undo.undo_outcome(db, clock, settings, block_id=block.id,
                               undoes=result.attempt.client_uuid)
    assert undone.outcome == kind.outcome.value and not undone.replayed
    assert undone.attempt.outcome is None and undone.attempt.undone_outcome == kind.value
    assert undone.contact.reserved_by_block_id == block.id
    assert snapshot(db) == before
    # The call is open again: the block serves it, and logging it again counts it once.
    with db.session() as s:
        assert serving.current_contact(s, block.id).id == contact.id
        assert lifecycle.open_attempt(s, block.id).id == result.attempt.id
    clock.advance(2)
    again = outcomes.log_outcome(db, clock, settings, block_id=block.id, outcome="no_answer")
    assert again.attempt.id == result.attempt.id
    with db.session() as s:
        dials, _, _, _ = block_tally(s, block.id)
    assert dials == (2 if scenario == "callback_due" else 1)


def test_meeting_undo_writes_a_cancellation(db, clock, settings):
    _, _, _, ids, block = _block(db, clock, [{}, {}])
    contact = serving.serve_next(db, clock, settings, block)
    dialling.dial(db, clock, block.id, contact.id)
    clock.advance(60)
    result = outcomes.log_outcome(
        db, clock, settings, block_id=block.id, outcome="meeting", **_details(Outcome.MEETING, clock)
    )
    assert result.ics_path is not None
    with db.transaction() as s:  # exported to a CRM before the undo
        s.add(ActivityExport(target="csv", kind="meeting", activity_id=result.meeting.id,
                             exported_at=clock.now()))
    undone = undo.undo_outcome(db, clock, settings, block_id=block.id)
    assert count_rows(db, "activity_export") == 0  # a meeting set again exports anew
    assert undone.cancel_path is not None and undone.cancel_path.exists()
    invite = Calendar.from_ical(result.ics_path.read_bytes())
    cancel = Calendar.from_ical(undone.cancel_path.read_bytes())
    assert str(cancel["method"]) == "CANCEL"
    (ev_invite,) = invite.walk("VEVENT")
    (ev_cancel,) = cancel.walk("VEVENT")
    assert str(ev_cancel["uid"]) == str(ev_invite["uid"])
    assert int(ev_cancel["sequence"]) == int(ev_invite.get("sequence", 0)) + 1
    assert str(ev_cancel["status"]) == "CANCELLED"
    assert f"Cancellation: {undone.cancel_path.name}" in undone.message
    # Set again: a new event (its own UID), not the cancelled one back.
    clock.advance(30)
    again = outcomes.log_outcome(
        db, clock, settings, block_id=block.id, outcome="meeting", **_details(Outcome.MEETING, clock)
    )
    (ev_again,) = Calendar.from_ical(again.ics_path.read_bytes()).walk("VEVENT")
    assert str(ev_again["uid"]) != str(ev_cancel["uid"])


def test_undo_refusals(db, clock, settings):
    rep, _, list_id, ids, block = _block(db, clock, [{}, {}])
    with pytest.raises(BlockError, match="nothing to undo"):
        undo.undo_outcome(db, clock, settings, block_id=block.id)
    contact = serving.serve_next(db, clock, settings, block)
    dialling.dial(db, clock, block.id, contact.id)
    clock.advance(10)
    first = outcomes.log_outcome(db, clock, settings, block_id=block.id, outcome="no_answer",
                                 serve=True)
    dialling.dial(db, clock, block.id, first.next_contact.id)
    with pytest.raises(BlockError, match="a call is open"):
        undo.undo_outcome(db, clock, settings, block_id=block.id)
    clock.advance(10)
    second = outcomes.log_outcome(db, clock, settings, block_id=block.id, outcome="no_answer")
    with pytest.raises(BlockError, match="no longer the block's last"):
        undo.undo_outcome(db, clock, settings, block_id=block.id,
                          undoes=first.attempt.client_uuid)
    # Team mode: another rep's block holds the contact now.
    other_rep = make_rep(db, name="Kim", email=None)
    other = lifecycle.start_block(db, clock, rep_id=other_rep, list_id=list_id, minutes=52)
    with db.transaction() as s:
        s.execute(sa.text("UPDATE contact SET reserved_by_block_id = :b WHERE id = :c"),
                  {"b": other.id, "c": second.contact.id})
    with pytest.raises(BlockError, match="Kim's screen"):
        undo.undo_outcome(db, clock, settings, block_id=block.id)


def test_undo_is_idempotent_by_its_key_and_checks_the_hold(db, clock, settings):
    rep, _, _, _, block = _block(db, clock, [{}, {}])
    hold = BlockHold.new()
    block = lifecycle.recover_block(db, clock, block.id, hold=hold, take_over=True)
    contact = serving.serve_next(db, clock, settings, block)
    dialling.dial(db, clock, block.id, contact.id)
    clock.advance(10)
    logged = outcomes.log_outcome(db, clock, settings, block_id=block.id, outcome="voicemail")
    key = "7d1c2a44-0000-4000-8000-000000000001"
    from callcoach.core.calling.hold import HoldLost
    with pytest.raises(HoldLost):
        undo.undo_outcome(db, clock, settings, block_id=block.id, client_uuid=key,
                          owner="someone-else")
    first = undo.undo_outcome(db, clock, settings, block_id=block.id, client_uuid=key,
                              owner=hold.token, undoes=logged.attempt.client_uuid)
    assert not first.replayed
    again = undo.undo_outcome(db, clock, settings, block_id=block.id, client_uuid=key,
                              owner=hold.token, undoes=logged.attempt.client_uuid)
    assert again.replayed and again.attempt.id == first.attempt.id


# ------------------------------------------------------------------ journaled like an outcome


def _dropped() -> sa.exc.OperationalError:
    return sa.exc.OperationalError(
        "UPDATE call_attempt ...", {}, Exception("server closed the connection unexpectedly")
    )


def test_undo_with_the_server_away_is_journaled_and_applied_once(
    db, clock, settings, tmp_path, monkeypatch
):
    from callcoach.core.calling.journal import (
        log_outcome_durably,
        replay_journal,
        undo_outcome_durably,
    )
    from callcoach.core.calling.journal_file import JournalEntry, OutcomeJournal

    journal = OutcomeJournal.for_database(db.url, tmp_path)
    _, lib, _, ids, block = _block(db, clock, [{}, {}])
    contact = serving.serve_next(db, clock, settings, block)
    dialling.dial(db, clock, block.id, contact.id)
    objections.log_objection(db, clock, block.id, lib["not_interested"])
    clock.advance(40)
    before = snapshot(db)
    real_log, real_undo = outcomes.log_outcome, undo.undo_outcome
    away = {"on": True}

    def log_outcome(*args, **kwargs):
        if away["on"]:
            raise _dropped()
        return real_log(*args, **kwargs)

    def undo_outcome(*args, **kwargs):
        if away["on"]:
            raise _dropped()
        return real_undo(*args, **kwargs)

    monkeypatch.setattr(outcomes, "log_outcome", log_outcome)
    monkeypatch.setattr(undo, "undo_outcome", undo_outcome)
    # Both the outcome and its undo wait on this machine.
    logged = log_outcome_durably(
        db, clock, settings, journal, block_id=block.id, outcome="do_not_call",
        contact_id=contact.id, sleep=lambda s: None,
    )
    assert logged.journaled
    clock.advance(4)
    undone = undo_outcome_durably(
        db, clock, settings, journal, block_id=block.id, undoes=logged.client_uuid,
        contact_id=contact.id, sleep=lambda s: None,
    )
    assert undone.journaled and undone.result is None
    assert undone.message.startswith("Undo saved on this machine (2 waiting)")
    assert [e.undoes for e in journal.pending()] == [None, logged.client_uuid]
    # Back: the outcome is written, then undone; a second replay writes nothing.
    away["on"] = False
    report = replay_journal(db, settings, journal)
    assert report.written == 2 and not report.rejected
    assert snapshot(db) == before
    assert replay_journal(db, settings, journal).written == 0
    # The same undo replayed again (say the journal rewrite was lost) is not re-applied.
    journal.append(JournalEntry(
        client_uuid=undone.client_uuid, database=journal.database, block_id=block.id,
        contact_id=contact.id, outcome="undo", logged_at=clock.now(),
        undoes=logged.client_uuid,
    ))
    report = replay_journal(db, settings, journal)
    assert report.written == 0 and report.already == 1 and not report.rejected
    assert snapshot(db) == before



# ------------------------------------------------------------------ a kill mid-undo

_UNDO_IN_A_CHILD = """
import sys, time
from sqlmodel import Session
from callcoach.clock import FakeClock
from callcoach.config import Settings
from callcoach.core.calling import undo
from callcoach.storage.db import open_database
from callcoach.storage.models import CallBlock

db = open_database(sys.argv[1])
block_id, pause = int(sys.argv[2]), float(sys.argv[3])
with db.session() as s:
    now = s.get(CallBlock, block_id).last_activity_at
execute = Session.execute

def slow(self, *args, **kwargs):  # every statement of the undo waits: the kill lands inside
    time.sleep(pause)
    return execute(self, *args, **kwargs)

Session.execute = slow
print("ready", flush=True)
sys.stdin.readline()  # the u key
undo.undo_outcome(db, FakeClock(now), Settings(ics_dir=sys.argv[4]), block_id=block_id)
print("acknowledged", flush=True)
time.sleep(60)
"""


def test_sigkill_between_undo_key_and_ack_leaves_outcome_or_undo(db, clock, settings, tmp_path):
    import subprocess
    import sys
    import time

    _, lib, _, _, block = _block(db, clock, [{} for _ in range(8)])
    contact = serving.serve_next(db, clock, settings, block)
    dialling.dial(db, clock, block.id, contact.id)
    objections.log_objection(db, clock, block.id, lib["no_budget"])
    clock.advance(50)
    before = snapshot(db)
    seen: list[str] = []
    pause = 0.04
    took = None
    # First a run to its acknowledgement (how long the undo takes), then kills at every
    # stage of it: before its transaction, between its statements, around its commit.
    for share in (None, 0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 0.97, 1.0):
        clock.advance(5)
        outcomes.log_outcome(db, clock, settings, block_id=block.id, outcome="do_not_call",
                             serve=True)
        logged = snapshot(db)
        proc = subprocess.Popen(
            [sys.executable, "-c", _UNDO_IN_A_CHILD, db.url, str(block.id), str(pause),
             str(tmp_path / "invites")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        try:
            assert proc.stdout is not None and proc.stdin is not None
            assert proc.stdout.readline().strip() == "ready"
            key_at = time.monotonic()
            proc.stdin.write("\n")
            proc.stdin.flush()
            if took is None:
                assert proc.stdout.readline().strip() == "acknowledged"
                took = time.monotonic() - key_at
            else:
                time.sleep(took * (share or 0.0))
        finally:
            proc.kill()  # SIGKILL: nothing of its own runs
            proc.wait(timeout=10)
        assert proc.returncode == -9
        after = snapshot(db)
        assert after in (logged, before), f"half an undo after a kill at {share} of the undo"
        seen.append("undone" if after == before else "logged")
        if after == logged:  # not undone: undo it here to log the next round on the open call
            undo.undo_outcome(db, clock, settings, block_id=block.id)
            assert snapshot(db) == before
    assert seen[0] == "undone" and seen[1] == "logged"


def test_reports_count_a_corrected_call_once(db, clock, settings):
    from callcoach.core.calling.summary import block_summary
    from callcoach.core.review.breakdowns import build_report
    from callcoach.core.review.filters import ReportFilter

    _, lib, _, _, block = _block(db, clock, [{}, {}])
    contact = serving.serve_next(db, clock, settings, block)
    dialling.dial(db, clock, block.id, contact.id)
    objections.log_objection(db, clock, block.id, lib["no_budget"])
    clock.advance(70)
    outcomes.log_outcome(db, clock, settings, block_id=block.id, outcome="meeting",
                         serve=True, **_details(Outcome.MEETING, clock))
    clock.advance(5)
    undo.undo_outcome(db, clock, settings, block_id=block.id)
    clock.advance(10)
    outcomes.log_outcome(db, clock, settings, block_id=block.id, outcome="not_interested")
    day = clock.now().date()
    with db.session() as s:
        for by in ("rep", "list", "week", "hour"):
            table = build_report(s, by, ReportFilter(since=day - timedelta(days=1),
                                                     until=day + timedelta(days=1)))
            assert table.totals is not None
            assert (table.totals["dials"], table.totals["connects"],
                    table.totals["conversations"], table.totals["meetings"]) == (1, 1, 1, 0), by
        summary = block_summary(s, block.id, settings.phases)
        assert summary.this.dials == 1 and summary.this.meetings == 0
        assert block_tally(s, block.id) == (1, 1, 1, 0)
