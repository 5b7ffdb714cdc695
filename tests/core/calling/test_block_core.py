"""Block state machine: time, dial, objections, every outcome, invites, summary, crash resume."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlmodel import select

from callcoach.catalog.outcomes import Outcome
from callcoach.config import CallPhases
from callcoach.core.calling import calltimer, dialling, lifecycle, objections, outcomes, serving
from callcoach.core.calling.summary import block_summary
from callcoach.storage.models import (
    AttemptObjection,
    BlockPause,
    CallAttempt,
    Callback,
    CallBlock,
    Contact,
    Meeting,
)
from tests.support.blockkit import make_list, make_rep, seed_library
from tests.support.helpers import count_rows


def _setup(db, clock, n=3, **kw):
    rep = make_rep(db)
    lib = seed_library(db)
    list_id, ids = make_list(db, contacts=[{} for _ in range(n)], **kw)
    b = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id, minutes=52)
    return rep, lib, list_id, ids, b


def _attempt(db, attempt_id):
    with db.session() as s:
        return s.get(CallAttempt, attempt_id)


def test_remaining_time_excludes_pauses(db, clock):
    _, _, _, _, b = _setup(db, clock)
    assert lifecycle.remaining_seconds(b, clock.now()) == 52 * 60
    clock.advance(600)
    b = lifecycle.pause_block(db, clock, b.id)
    clock.advance(300)
    assert lifecycle.remaining_seconds(b, clock.now()) == 42 * 60
    b = lifecycle.pause_block(db, clock, b.id)  # second pause press: no-op
    b = lifecycle.resume_block(db, clock, b.id)
    assert b.status == "running" and b.paused_seconds == 300
    clock.advance(60)
    assert lifecycle.remaining_seconds(b, clock.now()) == 41 * 60
    clock.advance(50 * 60)
    assert lifecycle.remaining_seconds(b, clock.now()) == 0
    with db.session() as s:
        pauses = s.exec(select(BlockPause)).all()
    assert len(pauses) == 1 and pauses[0].ended_at is not None


@pytest.mark.parametrize(
    "outcome,status",
    [
        (Outcome.NO_ANSWER, "retry"),
        (Outcome.VOICEMAIL, "retry"),
        (Outcome.GATEKEEPER, "retry"),
        (Outcome.WRONG_NUMBER, "bad_data"),
        (Outcome.NOT_INTERESTED, "not_interested"),
        (Outcome.DO_NOT_CALL, "dnc"),
    ],
)
def test_simple_outcomes_commit_everything(db, clock, settings, outcome, status):
    _, _, _, ids, b = _setup(db, clock)
    c = serving.serve_next(db, clock, settings, b)
    assert c.id == ids[0]
    a = dialling.dial(db, clock, b.id, c.id)
    assert a.outcome is None and a.gap_seconds is None and a.attempt_number == 1
    assert dialling.dial(db, clock, b.id, c.id).id == a.id  # double press: same call
    clock.advance(37)
    res = outcomes.log_outcome(db, clock, settings, block_id=b.id, outcome=outcome, note="spoke to Jo")
    a = _attempt(db, a.id)
    assert a.outcome == outcome.value and a.duration_seconds == 37 and a.notes == "spoke to Jo"
    assert len(a.client_uuid) == 36 and a.logged_at == clock.now()
    connect = outcome in (Outcome.NOT_INTERESTED, Outcome.DO_NOT_CALL)
    assert a.connected is connect and a.conversation is False
    with db.session() as s:
        c = s.get(Contact, ids[0])
    assert c.status == status and c.attempts == 1 and c.last_outcome == outcome.value
    assert c.reserved_by_block_id is None
    assert (count_rows(db, "do_not_call") == 1) is (outcome is Outcome.DO_NOT_CALL)
    with pytest.raises(lifecycle.BlockError, match="dial first"):
        outcomes.log_outcome(db, clock, settings, block_id=b.id, outcome=outcome)  # double press
    assert count_rows(db, "call_attempt") == 1
    # replaying the same client_uuid stores nothing new
    again = outcomes.log_outcome(
        db, clock, settings, block_id=b.id, outcome=outcome, client_uuid=res.attempt.client_uuid
    )
    assert again.replayed and count_rows(db, "call_attempt") == 1


def test_objections_callback_and_gap(db, clock, settings):
    _, lib, list_id, ids, b = _setup(db, clock)
    c = serving.serve_next(db, clock, settings, b)
    dialling.dial(db, clock, b.id, c.id)
    clock.advance(30)
    outcomes.log_outcome(db, clock, settings, block_id=b.id, outcome=Outcome.NO_ANSWER)
    c2 = serving.serve_next(db, clock, settings, b)
    clock.advance(4)
    lifecycle.pause_block(db, clock, b.id)
    clock.advance(100)
    lifecycle.resume_block(db, clock, b.id)
    clock.advance(3)
    a = dialling.dial(db, clock, b.id, c2.id)
    assert a.gap_seconds == 7  # dead time excludes the pause
    with pytest.raises(lifecycle.BlockError):
        outcomes.log_outcome(db, clock, settings, block_id=b.id, outcome=Outcome.CALLBACK)
    o1 = objections.log_objection(db, clock, b.id, lib["send_info"])
    o2 = objections.log_objection(db, clock, b.id, lib["call_back_later"])
    assert (o1.position, o2.position) == (1, 2)
    objections.set_overcome(db, o1.id, False)
    due = clock.now() + timedelta(days=1)
    clock.advance(80)
    res = outcomes.log_outcome(
        db, clock, settings, block_id=b.id, outcome=Outcome.CALLBACK, callback_at=due
    )
    a = _attempt(db, a.id)
    assert a.connected and a.conversation and a.duration_seconds == 80
    with db.session() as s:
        rows = s.exec(select(AttemptObjection).order_by(AttemptObjection.position)).all()
        cb = s.exec(select(Callback)).one()
        contact = s.get(Contact, c2.id)
    assert [r.overcome for r in rows] == [False, True]  # explicit mark kept, unmarked -> overcome
    assert cb.due_at == due and cb.rep_id == b.rep_id and res.callback is not None
    assert contact.status == "callback" and contact.next_call_at == due
    assert contact.callback_rep_id == b.rep_id


def test_dead_time_between_calls_is_exact(db, clock, settings):
    """The gap from one outcome to the next dial, to the microsecond, on both engines (no
    pause: PostgreSQL computes it inside the dial's single statement)."""
    _, _, _, ids, b = _setup(db, clock)
    c1 = serving.serve_next(db, clock, settings, b)
    a1 = dialling.dial(db, clock, b.id, c1.id)
    assert a1.gap_seconds is None and a1.attempt_number == 1
    clock.advance(41)
    res = outcomes.log_outcome(db, clock, settings, block_id=b.id, outcome=Outcome.NO_ANSWER, serve=True)
    clock.advance(7, microseconds=250_001)
    a2 = dialling.dial(db, clock, b.id, res.next_contact.id)
    assert a2.gap_seconds == 7.250001 == _attempt(db, a2.id).gap_seconds
    assert (a2.contact_id, a2.list_id, a2.rep_id) == (res.next_contact.id, b.list_id, b.rep_id)
    clock.advance(3, hours=26)
    outcomes.log_outcome(db, clock, settings, block_id=b.id, outcome=Outcome.VOICEMAIL)
    c3 = serving.serve_next(db, clock, settings, b)
    clock.advance(0.5)
    assert dialling.dial(db, clock, b.id, c3.id).gap_seconds == 0.5
    with db.session() as s:
        block = s.get(CallBlock, b.id)
    assert block.last_activity_at == clock.now()


def test_outcome_sees_what_changed_since_the_dial(db, clock, settings):
    """A note, or another process editing the contact, between the dial and the outcome:
    the outcome builds on the current rows, not on what the dial saw."""
    _, lib, _, ids, b = _setup(db, clock)
    c1 = serving.serve_next(db, clock, settings, b)
    dialling.dial(db, clock, b.id, c1.id)
    dialling.add_note(db, clock, b.id, "asked for Jo")
    res = outcomes.log_outcome(
        db, clock, settings, block_id=b.id, outcome=Outcome.NO_ANSWER, note="try mornings",
        serve=True,
    )
    assert res.attempt.notes == "asked for Jo\ntry mornings" == _attempt(db, res.attempt.id).notes
    c2 = res.next_contact
    a2 = dialling.dial(db, clock, b.id, c2.id)
    with db.transaction() as s:  # meanwhile, elsewhere: the number is flagged, email fixed
        row = s.get(Contact, c2.id)
        row.do_not_call, row.email = True, "jo@example.com"
        s.add(row)
    clock.advance(20)
    res = outcomes.log_outcome(db, clock, settings, block_id=b.id, outcome=Outcome.VOICEMAIL)
    with db.session() as s:
        stored = s.get(Contact, c2.id)
    assert (stored.do_not_call, stored.email, stored.status) == (True, "jo@example.com", "retry")
    assert (res.contact.do_not_call, res.contact.email) == (True, "jo@example.com")
    assert res.attempt.id == a2.id and res.attempt.duration_seconds == 20
    c3 = serving.serve_next(db, clock, settings, b)
    dialling.dial(db, clock, b.id, c3.id)
    o = objections.log_objection(db, clock, b.id, lib["send_info"])
    res = outcomes.log_outcome(db, clock, settings, block_id=b.id, outcome=Outcome.NOT_INTERESTED)
    assert res.attempt.connected and res.attempt.conversation  # the objection counts
    with db.session() as s:
        assert s.get(AttemptObjection, o.id).overcome is False  # the last one won


def test_rebuttal_override_from_track(db, clock, settings):
    rep = make_rep(db)
    lib = seed_library(db)
    list_id, ids = make_list(db, overrides={lib["no_budget"]: "Dental-specific answer"})
    with db.session() as s:
        choices = objections.objection_choices(s, list_id)
    assert choices[0].key == "no_budget" and choices[0].likely
    assert choices[0].rebuttal == "Dental-specific answer"
    assert {c.key for c in choices} >= {"send_info", "talk_to_someone_else"}
    b = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id)
    c = serving.serve_next(db, clock, settings, b)
    dialling.dial(db, clock, b.id, c.id)
    logged = objections.log_objection(db, clock, b.id, lib["no_budget"])
    assert logged.rebuttal == "Dental-specific answer"
    logged = objections.log_objection(db, clock, b.id, lib["in_house"])
    assert logged.rebuttal.startswith("Many of our clients")


def test_meeting_writes_row_and_invite(db, clock, settings):
    _, lib, _, ids, b = _setup(db, clock)
    c = serving.serve_next(db, clock, settings, b)
    a = dialling.dial(db, clock, b.id, c.id)
    objections.log_objection(db, clock, b.id, lib["send_info"])
    clock.advance(95)
    starts = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    with pytest.raises(lifecycle.BlockError, match="look like"):
        outcomes.log_outcome(
            db,
            clock,
            settings,
            block_id=b.id,
            outcome=Outcome.MEETING,
            meeting=outcomes.MeetingDetails(starts, "web", "not-an-email"),
        )
    with pytest.raises(lifecycle.BlockError, match="past"):
        outcomes.log_outcome(
            db,
            clock,
            settings,
            block_id=b.id,
            outcome=Outcome.MEETING,
            meeting=outcomes.MeetingDetails(clock.now() - timedelta(hours=1)),
        )
    assert count_rows(db, "meeting") == 0 and _attempt(db, a.id).outcome is None
    res = outcomes.log_outcome(
        db,
        clock,
        settings,
        block_id=b.id,
        outcome=Outcome.MEETING,
        meeting=outcomes.MeetingDetails(
            starts,
            "phone",
            "pat@smile.example",
            ("How long is onboarding?", "", "Does it work with Dentrix?"),
        ),
    )
    assert res.ics_path is not None and res.ics_path.parent == settings.ics_dir
    with db.session() as s:
        m = s.exec(select(Meeting)).one()
        contact = s.get(Contact, c.id)
    assert m.ics_path == str(res.ics_path) and m.kind == "phone"
    assert m.parked_questions == "How long is onboarding?\nDoes it work with Dentrix?"
    assert contact.status == "meeting" and contact.email == "pat@smile.example"
    cal = Calendar.from_ical(res.ics_path.read_bytes())
    ev = cal.walk("VEVENT")[0]
    assert ev.decoded("dtstart") == starts
    assert ev.decoded("dtend") == starts + timedelta(minutes=30)
    desc = str(ev.get("description"))
    assert "1. How long is onboarding?" in desc and "2. Does it work with Dentrix?" in desc
    assert str(ev.get("attendee")) == "mailto:pat@smile.example"
    assert str(ev.get("organizer")) == "mailto:sam@example.com"
    assert "Pat0 Lee0" in str(ev.get("summary")) and str(ev.get("location")) == contact.phone
    a = _attempt(db, a.id)
    assert a.connected and a.conversation


def test_invite_folder_unwritable_keeps_meeting(db, clock, settings, tmp_path):
    from dataclasses import replace

    blocker = tmp_path / "file"
    blocker.write_text("x")
    bad = replace(settings, ics_dir=blocker / "sub")
    _, _, _, _, b = _setup(db, clock)
    c = serving.serve_next(db, clock, bad, b)
    dialling.dial(db, clock, b.id, c.id)
    res = outcomes.log_outcome(
        db,
        clock,
        bad,
        block_id=b.id,
        outcome=Outcome.MEETING,
        meeting=outcomes.MeetingDetails(clock.now() + timedelta(days=2)),
    )
    assert res.ics_error and "cannot write invite" in res.ics_error
    assert count_rows(db, "meeting") == 1


def test_crash_resume_keeps_remaining_time_and_open_call(db, clock, settings):
    _, lib, _, ids, b = _setup(db, clock)
    c = serving.serve_next(db, clock, settings, b)
    clock.advance(120)
    a = dialling.dial(db, clock, b.id, c.id)
    clock.advance(50)
    lifecycle.touch_block(db, clock, b.id)  # last heartbeat: 170 s into the block
    clock.advance(8)
    # -- process killed here; 20 minutes later callcoach starts again --
    clock.advance(20 * 60)
    with db.session() as s:
        found = lifecycle.unfinished_block(s, b.rep_id)
    assert found.id == b.id
    b = lifecycle.recover_block(db, clock, b.id)
    assert lifecycle.remaining_seconds(b, clock.now()) == 52 * 60 - 170
    with db.session() as s:
        assert lifecycle.open_attempt(s, b.id).id == a.id
        assert serving.current_contact(s, b.id).id == c.id
    clock.advance(5)
    outcomes.log_outcome(db, clock, settings, block_id=b.id, outcome=Outcome.NOT_INTERESTED)
    assert _attempt(db, a.id).duration_seconds == 50  # ended at the last sign of life


def test_dial_command_runs_without_shell(tmp_path):
    out = tmp_path / "dialled.txt"
    code = "import sys; open(sys.argv[1],'w').write(sys.argv[2]); print('noise')"
    script = f'{sys.executable} -c "{code}"'
    err = dialling.run_dial_command(f"{script} {out} tel:{{phone}}", "+12125550100; rm -rf /")
    assert err is None and out.read_text() == "tel:+12125550100; rm -rf /"
    assert dialling.run_dial_command("definitely-not-a-command {phone}", "1").startswith(
        "dial command not found"
    )
    assert "failed" in dialling.run_dial_command(f"{sys.executable} -c 'import sys; sys.exit(3)'", "1")
    assert "dial_command" in dialling.run_dial_command("'unterminated {phone}", "1")


def test_call_phases_follow_configuration():
    p = CallPhases()
    assert calltimer.phase_at(0, p).key == "engage"
    assert calltimer.phase_at(44.9, p).key == "engage"
    assert calltimer.phase_at(45, p).key == "ask"
    ph = calltimer.phase_at(60, p)
    assert ph.key == "objections" and ph.objection_number == 1
    assert calltimer.phase_at(80, p).objection_number == 2
    assert calltimer.phase_at(119, p).objection_number == 3
    assert (
        calltimer.phase_at(120, p).key == "warn" and "diminishing" in calltimer.phase_at(120, p).cue
    )
    assert calltimer.phase_at(180, p).level == "stop"
    custom = CallPhases(
        engage_until=30, ask_until=40, objection_seconds=10, warn_at=90, stop_at=150
    )
    assert calltimer.phase_at(35, custom).key == "ask"
    assert calltimer.phase_at(55, custom).objection_number == 2
    assert calltimer.phase_boundaries(custom)[:4] == [0, 30, 40, 50]
    assert "reflex" in calltimer.objection_cue(1) and "decide" in calltimer.objection_cue(3)
    assert "last" in calltimer.objection_cue(4)
    assert calltimer.clock_text(3725) == "1:02:05" and calltimer.clock_text(-3) == "0:00"


def test_summary_figures_and_previous_blocks(db, clock, settings):
    rep, lib, list_id, ids, b = _setup(db, clock, n=8)
    # previous block: 2 dials, 1 connect of 200 s
    script = [(Outcome.NO_ANSWER, 25, []), (Outcome.NOT_INTERESTED, 200, ["not_interested"])]

    def run(block, steps, gap=10):
        for outcome, secs, objs in steps:
            with db.session() as s:
                block = s.get(CallBlock, block.id)
            c = serving.serve_next(db, clock, settings, block)
            clock.advance(gap)
            dialling.dial(db, clock, block.id, c.id)
            for k in objs:
                objections.log_objection(db, clock, block.id, lib[k])
            clock.advance(secs)
            kw = {}
            if outcome is Outcome.MEETING:
                kw["meeting"] = outcomes.MeetingDetails(clock.now() + timedelta(days=3))
            if outcome is Outcome.CALLBACK:
                kw["callback_at"] = clock.now() + timedelta(days=1)
            outcomes.log_outcome(db, clock, settings, block_id=block.id, outcome=outcome, **kw)

    run(b, script)
    lifecycle.end_block(db, clock, b.id)
    clock.advance(3600)
    b2 = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id)
    run(
        b2,
        [
            (Outcome.NO_ANSWER, 20, []),
            (Outcome.VOICEMAIL, 40, []),
            (Outcome.MEETING, 100, ["send_info", "no_budget"]),
            (Outcome.CALLBACK, 150, ["call_back_later"]),
            (
                Outcome.NOT_INTERESTED,
                190,
                ["send_info", "no_budget", "in_house", "send_info", "not_interested"],
            ),
        ],
        gap=6,
    )
    lifecycle.end_block(db, clock, b2.id)
    with db.session() as s:
        summary = block_summary(s, b2.id, settings.phases)
    t = summary.this
    assert (t.dials, t.connects, t.conversations, t.meetings, t.callbacks) == (5, 3, 3, 1, 1)
    assert t.avg_call_seconds == pytest.approx((100 + 150 + 190) / 3)
    assert t.longest_call_seconds == 190
    assert (t.within_target, t.over_stop) == (1, 1)
    assert t.dead_total_seconds == 4 * 6 and t.dead_avg_seconds == 6
    by_type = {f.label: (f.raised, f.overcome) for f in t.objections_by_type}
    assert by_type["send_info"] == (3, 1) and by_type["no_budget"] == (2, 1)
    assert by_type["not_interested"] == (1, 0)
    by_order = [(f.label, f.raised, f.overcome) for f in t.objections_by_order]
    assert by_order == [("1st", 3, 2), ("2nd", 2, 1), ("3rd", 1, 0), ("4th+", 2, 0)]
    p = summary.previous
    assert p.blocks == 1 and (p.dials, p.connects, p.over_stop) == (2, 1, 1)
    assert p.dead_total_seconds == 10


def test_outcome_serves_next_contact_in_the_same_flow(db, clock, settings):
    _, _, _, ids, b = _setup(db, clock, n=2)
    c = serving.serve_next(db, clock, settings, b)
    dialling.dial(db, clock, b.id, c.id)
    res = outcomes.log_outcome(
        db, clock, settings, block_id=b.id, outcome=Outcome.GATEKEEPER, serve=True
    )
    assert res.next_contact is not None and res.next_contact.id == ids[1]
    with db.session() as s:
        nxt = s.get(Contact, ids[1])
        done = s.get(Contact, ids[0])
    assert nxt.reserved_by_block_id == b.id and done.reserved_by_block_id is None
    dialling.dial(db, clock, b.id, ids[1])
    res = outcomes.log_outcome(db, clock, settings, block_id=b.id, outcome=Outcome.NO_ANSWER, serve=True)
    assert res.next_contact is None  # the list ran out
    with db.session() as s:
        assert s.get(CallBlock, b.id).last_activity_at == clock.now()


@pytest.mark.pg
def test_first_call_of_a_block_builds_no_statement(pg_db, clock, settings, monkeypatch):
    """PostgreSQL: serving the block's first contact builds the dial and outcome statements,
    so the rep's first dial and outcome only run them (as every later call does)."""
    from callcoach.core.calling import queue
    from callcoach.storage.raw import RawStatement

    db = pg_db
    _, _, list_id, ids, b = _setup(db, clock, n=3)
    cache = queue.ZoneCache(list_id, settings.window)
    c = serving.serve_next(db, clock, settings, b, zone_cache=cache)
    built = []
    real = RawStatement._compile
    monkeypatch.setattr(
        RawStatement, "_compile", lambda self, dialect: built.append(self) or real(self, dialect)
    )
    for outcome in (Outcome.NO_ANSWER, Outcome.VOICEMAIL):
        dialling.dial(db, clock, b.id, c.id)
        res = outcomes.log_outcome(
            db, clock, settings, block_id=b.id, outcome=outcome, serve=True, zone_cache=cache
        )
        c = res.next_contact
    assert built == []
    assert c is not None and c.id == ids[2]
    with db.session() as s:
        assert [s.get(Contact, i).last_outcome for i in ids] == ["no_answer", "voicemail", None]
