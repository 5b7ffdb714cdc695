"""Team mode under real concurrency: several OS processes (spawned, not threads) serve and
log from one list at once; a killed rep's reservation expires; a lost connection loses no
outcome and duplicates none. Runs on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from callcoach.config import Settings
from callcoach.core.calling import dialling, lifecycle, outcomes, serving
from callcoach.core.calling.journal import (
    log_outcome_durably,
    replay_at_start,
    serve_next_durably,
)
from callcoach.core.calling.journal_file import OutcomeJournal
from callcoach.storage.db import open_database
from callcoach.storage.engine import make_engine
from callcoach.storage.errors import ServerUnavailable
from callcoach.storage.models import CallAttempt, CallList, Contact, Rep
from tests.support import team_workers
from tests.support.pg import PG_ENV

SPAWN = multiprocessing.get_context("spawn")


def _seed(db, clock, reps: int, contacts: int) -> tuple[list[int], int]:
    """``reps`` SDRs and one list of ``contacts`` never-called contacts (bulk insert)."""
    with db.session() as s:
        rep_rows = [Rep(name=f"rep{i}") for i in range(reps)]
        s.add_all(rep_rows)
        lst = CallList(name="Shared list")
        s.add(lst)
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
                for i in range(contacts)
            ],
        )
        s.commit()
        return [r.id for r in rep_rows], lst.id


def _duplicates(values) -> dict:
    return {v: n for v, n in Counter(values).items() if n > 1}


def test_processes_share_a_list_without_collisions(db, clock, tmp_path):
    """Four rep processes drain one list at once: every contact served once, every outcome
    stored once, and the database's counts equal what the reps logged."""
    rep_ids, list_id = _seed(db, clock, reps=4, contacts=80)
    barrier = SPAWN.Barrier(len(rep_ids))
    results = SPAWN.Queue()
    procs = [
        SPAWN.Process(
            target=team_workers.run_rep_into,
            args=(results, db.url, r, list_id, clock.now(), 1000, str(tmp_path / "ics"), barrier),
        )
        for r in rep_ids
    ]
    for p in procs:
        p.start()
    runs = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    errors = [r for r in runs if isinstance(r, str)]
    assert errors == []
    # All four started calling at the same moment. PostgreSQL shares the list out fairly;
    # SQLite's busy-wait backoff lets a fast writer starve others, but calls still overlap.
    shares = [len(run.served) for run in runs]
    assert sum(1 for n in shares if n) >= (len(shares) if not db.is_sqlite else 2), shares

    served = [c for run in runs for c in run.served]
    assert _duplicates(served) == {}
    with db.engine.connect() as conn:
        assert sorted(served) == sorted(conn.execute(sa.select(Contact.id)).scalars())
    assert [c for run in runs for c in run.not_mine] == []
    logged = {u: c for run in runs for u, c in run.logged.items()}
    assert len(logged) == 80
    tallies = Counter()
    for run in runs:
        tallies.update(run.outcomes)

    with db.engine.connect() as conn:
        stored = conn.execute(
            sa.select(CallAttempt.client_uuid, CallAttempt.contact_id, CallAttempt.rep_id)
        ).all()
        by_outcome = dict(
            conn.execute(
                sa.select(CallAttempt.outcome, sa.func.count()).group_by(CallAttempt.outcome)
            ).all()
        )
        per_contact = conn.execute(
            sa.select(sa.func.max(Contact.attempts), sa.func.min(Contact.attempts))
        ).one()
        still_reserved = conn.execute(
            sa.select(sa.func.count()).where(Contact.reserved_by_block_id.is_not(None))
        ).scalar_one()
        new_left = conn.execute(
            sa.select(sa.func.count()).where(Contact.status == "new")
        ).scalar_one()
    assert len(stored) == 80
    assert _duplicates([u for u, _, _ in stored]) == {}
    assert {u: c for u, c, _ in stored} == logged
    assert by_outcome == dict(tallies)
    assert tuple(per_contact) == (1, 1)
    assert (still_reserved, new_left) == (0, 0)
    per_rep = Counter(r for _, _, r in stored)
    assert {run.rep_id: len(run.logged) for run in runs if run.logged} == dict(per_rep)


def test_killed_rep_reservation_is_released_after_expiry(db, clock):
    """A rep process SIGKILLed while holding a contact strands it only until the
    reservation expires (settings.reservation_minutes of block inactivity)."""
    rep_ids, list_id = _seed(db, clock, reps=2, contacts=2)
    start = clock.now()
    parent_end, child_end = SPAWN.Pipe()
    proc = SPAWN.Process(
        target=team_workers.reserve_and_hang, args=(db.url, rep_ids[0], list_id, start, child_end)
    )
    proc.start()
    try:
        assert parent_end.poll(30), "the rep process never reported its reservation"
        pid, dead_block, held = parent_end.recv()
        assert held is not None
    finally:
        team_workers.kill(proc.pid)
        proc.join(10)
    assert proc.exitcode == -9

    settings = Settings(reservation_minutes=10)
    clock.advance(60)
    block = lifecycle.start_block(db, clock, rep_id=rep_ids[1], list_id=list_id)
    other = serving.serve_next(db, clock, settings, block)
    assert other is not None and other.id != held
    dialling.dial(db, clock, block.id, other.id)
    outcomes.log_outcome(db, clock, settings, block_id=block.id, outcome="not_interested")

    clock.set(start + timedelta(minutes=9, seconds=59))
    assert serving.serve_next(db, clock, settings, block) is None  # still held by the dead block
    clock.set(start + timedelta(minutes=10, seconds=1))
    freed = serving.serve_next(db, clock, settings, block)
    assert freed is not None and freed.id == held
    with db.session() as s:
        assert s.get(Contact, held).reserved_by_block_id == block.id


# ------------------------------------------------------------------ connection loss


def _no_sleep(_seconds: float) -> None:
    pass


def _live_attempts(db) -> list[tuple[str, int, str]]:
    with db.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.select(CallAttempt.client_uuid, CallAttempt.contact_id, CallAttempt.outcome)
                .where(CallAttempt.outcome.is_not(None))
                .order_by(CallAttempt.id)
            )
        ]


class _Outage:
    """Cut a PostgreSQL database off from another session: refuse new connections and
    terminate every backend connected to it; ``restore`` lets connections in again."""

    def __init__(self, url: str) -> None:
        self.name = make_url(url).database
        self.admin = make_engine(os.environ[PG_ENV])

    def _run(self, sql: str) -> None:
        with self.admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(sql)

    def start(self) -> None:
        """Refuse connections and kill the existing ones."""
        self._run(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        self._run(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()"
        )

    def terminate_only(self) -> None:
        """Kill existing connections (waiting until they are gone); new ones are still
        accepted."""
        self._run(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
            f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()"
        )

    def restore(self) -> None:
        """Accept connections again."""
        self._run(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    def close(self) -> None:
        """Always leave the database reachable for the next test."""
        self.restore()
        self.admin.dispose()


def _dial_then_lose_backends(db, clock, settings, journal, outage, rep_id: int, list_id: int):
    """Start ``rep_id``'s block on ``list_id``, serve and dial its first contact, then kill
    every backend connection and let 30 seconds of the call pass; (block, contact)."""
    block = lifecycle.start_block(db, clock, rep_id=rep_id, list_id=list_id)
    contact, _ = serve_next_durably(db, clock, settings, journal, block)
    dialling.dial(db, clock, block.id, contact.id)
    outage.terminate_only()
    clock.advance(30)
    return block, contact


@pytest.mark.pg
def test_connection_loss_mid_block_loses_nothing_and_duplicates_nothing(
    pg_db, clock, settings, tmp_path
):
    """Backends terminated mid-block: the outcome is retried and stored; with the server
    refusing connections, outcomes go to the journal, the rep is told, and they are written
    exactly once when it is back (on the next operation and at start)."""
    db = pg_db
    rep_ids, list_id = _seed(db, clock, reps=1, contacts=6)
    journal = OutcomeJournal.for_database(db.url, tmp_path)
    outage = _Outage(db.url)
    logged: dict[str, int] = {}
    try:
        # 1. The backend dies between calls: the retry reconnects, nothing is journaled.
        block, c1 = _dial_then_lose_backends(db, clock, settings, journal, outage, rep_ids[0], list_id)
        done = log_outcome_durably(
            db, clock, settings, journal, block_id=block.id, outcome="no_answer",
            contact_id=c1.id, sleep=_no_sleep,
        )
        assert done.result is not None and not done.journaled and done.message == ""
        logged[done.client_uuid] = c1.id

        # 2. The server stays away: the outcome goes to the journal and the rep is told.
        c2, _ = serve_next_durably(db, clock, settings, journal, block)
        dialling.dial(db, clock, block.id, c2.id)
        outage.start()
        clock.advance(40)
        offline_at = clock.now()
        done = log_outcome_durably(
            db, clock, settings, journal, block_id=block.id, outcome="voicemail",
            contact_id=c2.id, note="left the Tuesday script", sleep=_no_sleep,
        )
        assert done.journaled and done.result is None and done.saved
        assert "saved on this machine (1 waiting), written when the server is back" in done.message
        assert make_url(db.url).host in done.message
        assert "\n" not in done.message
        logged[done.client_uuid] = c2.id
        with pytest.raises(ServerUnavailable) as err:
            serve_next_durably(db, clock, settings, journal, block)
        assert "not currently accepting connections" in str(err.value)
        assert len(journal.pending()) == 1

        # 3. Back: the next operation writes the journal first, at the original instant.
        outage.restore()
        clock.advance(300)
        c3, message = serve_next_durably(db, clock, settings, journal, block)
        assert message == "1 outcome(s) saved offline are now on the server"
        assert not journal.has_pending()
        assert c3 is not None and c3.id not in (c1.id, c2.id)
        with db.session() as s:
            attempt = s.exec(
                sa.select(CallAttempt).where(CallAttempt.contact_id == c2.id)
            ).scalar_one()
            assert attempt.logged_at == offline_at
            assert attempt.notes == "left the Tuesday script"
            assert s.get(Contact, c2.id).status == "retry"

        # 4. Down again, and callcoach is closed before the server returns: the journal is
        #    written when it next starts.
        dialling.dial(db, clock, block.id, c3.id)
        outage.start()
        done = log_outcome_durably(
            db, clock, settings, journal, block_id=block.id, outcome="not_interested",
            contact_id=c3.id, sleep=_no_sleep,
        )
        assert done.journaled
        logged[done.client_uuid] = c3.id
        db.dispose()
        outage.restore()
        restarted = open_database(db.url)
        try:
            restarted_journal = OutcomeJournal.for_database(restarted.url, tmp_path)
            assert replay_at_start(restarted, settings, restarted_journal) == (
                "1 outcome(s) saved offline are now on the server"
            )
            assert replay_at_start(restarted, settings, restarted_journal) == ""
            stored = _live_attempts(restarted)
        finally:
            restarted.dispose()
    finally:
        outage.close()

    assert _duplicates([u for u, _, _ in stored]) == {}
    assert {u: c for u, c, _ in stored} == logged
    assert [o for _, _, o in stored] == ["no_answer", "voicemail", "not_interested"]


@pytest.mark.pg
def test_connection_dead_unseen_at_checkout_fails_one_statement_then_recovers(
    pg_db, clock, settings, tmp_path, monkeypatch
):
    """The checkout check only pings an idle or signalling connection. A connection whose
    backend is gone without the check seeing it fails the statement using it (the one-
    statement outcome after a dial, or a dial): the outcome is retried on a fresh
    connection and stored once with the next contact served; a dial fails once, then works."""
    import callcoach.storage.engine as storage_engine

    monkeypatch.setattr(storage_engine, "_has_news", lambda _conn: False)  # the check sees nothing
    db = pg_db
    rep_ids, list_id = _seed(db, clock, reps=1, contacts=5)
    journal = OutcomeJournal.for_database(db.url, tmp_path)
    outage = _Outage(db.url)
    logged: dict[str, int] = {}
    try:
        block, c1 = _dial_then_lose_backends(db, clock, settings, journal, outage, rep_ids[0], list_id)
        slept: list[float] = []
        done = log_outcome_durably(
            db, clock, settings, journal, block_id=block.id, outcome="no_answer",
            contact_id=c1.id, serve=True, sleep=slept.append,
        )
        assert slept == [0.1]  # the first try met the dead connection
        assert done.result is not None and not done.journaled and done.message == ""
        logged[done.client_uuid] = c1.id
        c2 = done.result.next_contact
        assert c2 is not None and c2.id != c1.id

        outage.terminate_only()
        with pytest.raises(sa.exc.OperationalError) as err:
            dialling.dial(db, clock, block.id, c2.id)
        assert err.value.connection_invalidated
        dialling.dial(db, clock, block.id, c2.id)  # the next try gets a new connection
        done = log_outcome_durably(
            db, clock, settings, journal, block_id=block.id, outcome="voicemail",
            contact_id=c2.id, serve=True, sleep=_no_sleep,
        )
        assert done.result is not None and not done.journaled
        logged[done.client_uuid] = c2.id
        stored = _live_attempts(db)
    finally:
        outage.close()
    assert _duplicates([u for u, _, _ in stored]) == {}
    assert {u: c for u, c, _ in stored} == logged
    assert [o for _, _, o in stored] == ["no_answer", "voicemail"]


@pytest.mark.pg
def test_connection_closed_by_the_server_is_replaced_at_checkout(pg_db, clock, settings):
    """No ping on every checkout, yet a pooled connection whose backend was terminated is
    noticed (its socket has the server's goodbye to read) and replaced before use: plain
    calls, with no retry around them, carry on."""
    db = pg_db
    rep_ids, list_id = _seed(db, clock, reps=1, contacts=3)
    outage = _Outage(db.url)
    try:
        block = lifecycle.start_block(db, clock, rep_id=rep_ids[0], list_id=list_id)
        c1 = serving.serve_next(db, clock, settings, block)
        outage.terminate_only()
        dialling.dial(db, clock, block.id, c1.id)
        outage.terminate_only()
        res = outcomes.log_outcome(
            db, clock, settings, block_id=block.id, outcome="gatekeeper", serve=True
        )
        outage.terminate_only()
        with db.session() as s:
            assert s.get(Contact, c1.id).status == "retry"
            assert s.get(Contact, res.next_contact.id).reserved_by_block_id == block.id
    finally:
        outage.close()
