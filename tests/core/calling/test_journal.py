"""Durable outcome logging on both engines: brief retries, the journal when the server stays
away, idempotent replay (client_uuid), replay at the original instant, and refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from callcoach.core.calling import dialling, lifecycle, outcomes, serving
from callcoach.core.calling.journal import (
    log_outcome_durably,
    replay_journal,
    serve_next_durably,
)
from callcoach.core.calling.journal_file import JournalEntry, OutcomeJournal
from callcoach.core.calling.lifecycle import BlockError
from callcoach.core.calling.outcomes import MeetingDetails
from callcoach.storage.errors import ServerUnavailable
from callcoach.storage.models import CallAttempt, Contact, Meeting
from tests.support.blockkit import make_list, make_rep
from tests.support.helpers import count_rows


def _dropped() -> sa.exc.OperationalError:
    return sa.exc.OperationalError(
        "UPDATE call_attempt ...", {}, Exception("server closed the connection unexpectedly")
    )


@pytest.fixture
def flaky(monkeypatch):
    """Make outcomes.log_outcome fail with a dropped connection the next ``n`` times."""
    real = outcomes.log_outcome
    state = {"fail": 0, "calls": 0}

    def log_outcome(*args, **kwargs):
        state["calls"] += 1
        if state["fail"] > 0:
            state["fail"] -= 1
            raise _dropped()
        return real(*args, **kwargs)

    monkeypatch.setattr(outcomes, "log_outcome", log_outcome)
    return state


def _on_call(db, clock, settings, journal, n=3):
    rep = make_rep(db)
    list_id, _ = make_list(db, contacts=[{} for _ in range(n)])
    block = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id)
    contact, _ = serve_next_durably(db, clock, settings, journal, block)
    dialling.dial(db, clock, block.id, contact.id)
    return block, contact


def _uuids(db) -> list[str]:
    with db.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(CallAttempt.client_uuid).where(CallAttempt.outcome.is_not(None))
            ).scalars()
        )


def test_brief_drop_is_retried_and_stored_once(db, clock, settings, tmp_path, flaky):
    """Two dropped connections, then success: stored once, nothing journaled, no message."""
    journal = OutcomeJournal.for_database(db.url, tmp_path)
    block, contact = _on_call(db, clock, settings, journal)
    flaky["fail"] = 2
    slept = []
    done = log_outcome_durably(
        db, clock, settings, journal, block_id=block.id, outcome="no_answer",
        contact_id=contact.id, sleep=slept.append,
    )
    assert done.result is not None and not done.journaled and done.message == ""
    assert slept == [0.1, 0.3]
    assert _uuids(db) == [done.client_uuid]
    assert not journal.has_pending()


def test_server_away_journals_then_replays_at_original_instant(
    db, clock, settings, tmp_path, flaky
):
    """Still failing after the retries: journaled (rep told); the next serve writes it with
    the instant it was logged, and the meeting with its invite, exactly once."""
    journal = OutcomeJournal.for_database(db.url, tmp_path)
    block, contact = _on_call(db, clock, settings, journal)
    clock.advance(95)
    logged_at = clock.now()
    meeting = MeetingDetails(
        starts_at=clock.now() + timedelta(days=2), email="pat@smile.example",
        parked_questions=("price?", "who else uses it?"),
    )
    flaky["fail"] = 10
    done = log_outcome_durably(
        db, clock, settings, journal, block_id=block.id, outcome="meeting",
        contact_id=contact.id, meeting=meeting, sleep=lambda s: None,
    )
    assert done.journaled and done.result is None
    assert done.message.startswith("Outcome saved on this machine (1 waiting)")
    assert " - cannot connect to " in done.message
    assert "server closed the connection unexpectedly" in done.message
    assert "saved on this machine (1 waiting), written when the server is back" in done.message
    assert flaky["calls"] == 4  # the first try and three retries
    assert count_rows(db, "meeting") == 0

    # The server is back: the next serve writes the journal first.
    flaky["fail"] = 0
    clock.advance(600)
    nxt, message = serve_next_durably(db, clock, settings, journal, block)
    assert message == "1 outcome(s) saved offline are now on the server"
    assert nxt is not None and nxt.id != contact.id
    assert not journal.has_pending()
    with db.session() as s:
        attempt = s.exec(
            sa.select(CallAttempt).where(CallAttempt.client_uuid == done.client_uuid)
        ).scalar_one()
        assert attempt.logged_at == logged_at
        assert attempt.duration_seconds == 95
        m = s.exec(sa.select(Meeting)).scalar_one()
        assert m.parked_questions == "price?\nwho else uses it?"
        assert m.ics_path and m.ics_path.endswith(".ics")
        assert s.get(Contact, contact.id).status == "meeting"
    assert replay_journal(db, settings, journal).written == 0
    assert _uuids(db) == [done.client_uuid]


def test_outcome_that_reached_the_server_is_not_written_twice(db, clock, settings, tmp_path):
    """The commit landed but its acknowledgement was lost, so the journal holds it too:
    replay sees the client_uuid and skips it."""
    journal = OutcomeJournal.for_database(db.url, tmp_path)
    block, contact = _on_call(db, clock, settings, journal)
    done = log_outcome_durably(
        db, clock, settings, journal, block_id=block.id, outcome="not_interested",
        contact_id=contact.id,
    )
    journal.append(
        JournalEntry(
            client_uuid=done.client_uuid, database=journal.database, block_id=block.id,
            contact_id=contact.id, outcome="not_interested", logged_at=clock.now(),
        )
    )
    report = replay_journal(db, settings, journal)
    assert (report.written, report.already, report.rejected, report.pending) == (0, 1, [], 0)
    assert _uuids(db) == [done.client_uuid]
    assert not journal.has_pending()


def test_bad_outcome_is_refused_not_journaled(db, clock, settings, tmp_path):
    """A callback in the past is the rep's to fix: an error, not a journal entry."""
    journal = OutcomeJournal.for_database(db.url, tmp_path)
    block, contact = _on_call(db, clock, settings, journal)
    with pytest.raises(BlockError, match="in the past"):
        log_outcome_durably(
            db, clock, settings, journal, block_id=block.id, outcome="callback",
            contact_id=contact.id, callback_at=clock.now() - timedelta(hours=1),
        )
    assert not journal.has_pending()
    assert _uuids(db) == []


def test_entry_for_a_call_the_block_moved_past_is_set_aside(db, clock, settings, tmp_path):
    """If the block has meanwhile dialled someone else, the old outcome is not pinned on
    the wrong contact: it goes to .rejected with the reason."""
    journal = OutcomeJournal.for_database(db.url, tmp_path)
    block, contact = _on_call(db, clock, settings, journal)
    journal.append(
        JournalEntry(
            client_uuid="11111111-2222-3333-4444-555555555555", database=journal.database,
            block_id=block.id, contact_id=contact.id + 999, outcome="voicemail",
            logged_at=clock.now(),
        )
    )
    report = replay_journal(db, settings, journal)
    assert report.written == 0 and len(report.rejected) == 1
    assert "has moved on to contact" in report.rejected[0]
    assert journal.rejected_path.exists() and not journal.has_pending()
    assert _uuids(db) == []


def test_serve_while_server_away_is_one_line(db, clock, settings, tmp_path, monkeypatch):
    """Serving with the server gone raises ServerUnavailable naming the database, once."""
    journal = OutcomeJournal.for_database(db.url, tmp_path)
    block, _ = _on_call(db, clock, settings, journal)

    def serve_next(*args, **kwargs):
        raise _dropped()

    monkeypatch.setattr(serving, "serve_next", serve_next)
    with pytest.raises(ServerUnavailable) as err:
        serve_next_durably(db, clock, settings, journal, block)
    assert str(err.value).startswith("cannot connect to ")
    assert "\n" not in str(err.value)


def test_ack_lost_after_commit_is_not_written_twice_and_next_contact_served(
    db, clock, settings, tmp_path, monkeypatch
):
    """The outcome committed but the connection died before the answer (and before the
    next contact was reserved): the retry finds it stored, writes nothing more, and still
    serves the next contact."""
    journal = OutcomeJournal.for_database(db.url, tmp_path)
    block, contact = _on_call(db, clock, settings, journal)
    real = outcomes.log_outcome
    calls = []

    def log_outcome(*args, **kwargs):
        calls.append(kwargs.get("serve"))
        result = real(*args, **{**kwargs, "serve": False})
        if len(calls) == 1:
            raise _dropped()  # committed, but the rep never heard back
        return result

    monkeypatch.setattr(outcomes, "log_outcome", log_outcome)
    done = log_outcome_durably(
        db, clock, settings, journal, block_id=block.id, outcome="gatekeeper",
        contact_id=contact.id, serve=True, sleep=lambda s: None,
    )
    assert calls == [True, True]
    assert done.result.replayed and not done.journaled
    assert done.result.next_contact is not None and done.result.next_contact.id != contact.id
    assert _uuids(db) == [done.client_uuid]
    with db.session() as s:
        assert s.get(Contact, done.result.next_contact.id).reserved_by_block_id == block.id


def test_retries_stop_within_the_budget(db, clock, settings, tmp_path, flaky, monkeypatch):
    """A host that takes its connect timeout to fail is not retried past the budget: the
    outcome goes to the journal instead of keeping the rep waiting."""
    import callcoach.core.calling.journal as jr

    monkeypatch.setattr(jr, "RETRY_BUDGET_SECONDS", 0.05)
    journal = OutcomeJournal.for_database(db.url, tmp_path)
    block, contact = _on_call(db, clock, settings, journal)
    flaky["fail"] = 10
    before = flaky["calls"]
    done = log_outcome_durably(
        db, clock, settings, journal, block_id=block.id, outcome="no_answer",
        contact_id=contact.id, sleep=lambda s: None,
    )
    assert done.journaled
    assert flaky["calls"] - before == 1  # the first delay (0.1 s) already exceeds the budget
