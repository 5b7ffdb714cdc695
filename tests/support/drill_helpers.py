"""Objections, tracks and reps for drill tests, created directly with the models."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from callcoach.clock import Clock, FakeClock
from callcoach.core.drills.run import DrillRun
from callcoach.core.drills.sets import DrillCard
from callcoach.storage.db import Database
from callcoach.storage.models import (
    AttemptObjection,
    CallAttempt,
    CallList,
    Contact,
    DrillRound,
    Objection,
    TalkTrack,
    TalkTrackObjection,
)
from tests.support.blockkit import make_rep

STARTER = [
    (
        "send_info",
        "Just send me some information.",
        "Happy to. So it is relevant, may I ask one thing...",
    ),
    (
        "not_interested",
        "We're not interested.",
        "Fair enough. Most people say that before they see the numbers...",
    ),
    (
        "happy_with_current",
        "We're happy with what we have.",
        "Good to hear. Many of our clients were too...",
    ),
    ("no_budget", "There's no budget for this.", "Understood. This is not about budget today..."),
    ("call_back_later", "I'm busy, call me back later.", "Of course. Let's pick a time now..."),
    ("who_are_you", "Who are you with, and how did you get my number?", "I'm with Acme..."),
    ("in_house", "We do that in-house.", "Most of our clients do too..."),
    ("talk_to_someone_else", "You need to talk to someone else.", "Thanks, who would that be..."),
]


def seed_objections(db: Database) -> dict[str, int]:
    """The eight starter objections; returns key -> id."""
    with db.transaction() as session:
        rows = [
            Objection(key=k, text=t, rebuttal=r, position=i)
            for i, (k, t, r) in enumerate(STARTER, start=1)
        ]
        session.add_all(rows)
        session.flush()
        return {o.key: o.id for o in rows}


def seed_track(db: Database, ids: dict[str, int], name: str = "IT services") -> int:
    """A talk track with three likely objections, one with an override."""
    with db.transaction() as session:
        track = TalkTrack(
            name=name,
            engage_statement="We help IT services firms grow services revenue.",
            impact_question="Where is your services mix tracking against the 50/50 target?",
            meeting_ask="Could we take 20 minutes on Thursday?",
            greeting="Hello, Jordan speaking.",
        )
        session.add(track)
        session.flush()
        for pos, key in enumerate(["send_info", "no_budget", "in_house"], start=1):
            session.add(
                TalkTrackObjection(
                    talk_track_id=track.id,
                    objection_id=ids[key],
                    position=pos,
                    rebuttal_override="Track rebuttal for budget." if key == "no_budget" else None,
                )
            )
        return track.id


def add_rep(db: Database, name: str, role: str = "sdr") -> int:
    """A rep without an email address; returns its id."""
    return make_rep(db, name, email=None, role=role)


def add_live_losses(
    db: Database, rep_id: int, objection_id: int, count: int, when: datetime, overcome: bool = False
) -> None:
    """``count`` live call attempts by the rep on which the objection was raised."""
    with db.transaction() as session:
        cl = CallList(name=f"List {rep_id}-{objection_id}-{when.timestamp()}-{overcome}")
        session.add(cl)
        session.flush()
        for i in range(count):
            contact = Contact(list_id=cl.id, phone=f"+1212555{i:04d}", first_name=f"C{i}")
            session.add(contact)
            session.flush()
            attempt = CallAttempt(
                rep_id=rep_id,
                contact_id=contact.id,
                list_id=cl.id,
                dialed_at=when - timedelta(minutes=i + 5),
                logged_at=when - timedelta(minutes=i + 3),
                outcome="meeting" if overcome else "not_interested",
                connected=True,
                conversation=True,
            )
            session.add(attempt)
            session.flush()
            session.add(
                AttemptObjection(
                    attempt_id=attempt.id,
                    objection_id=objection_id,
                    position=1,
                    raised_at=when - timedelta(minutes=i + 4),
                    overcome=overcome,
                )
            )


def drill_run(db: Database, clock: Clock, trainee: int, cards: list[DrillCard], **kw: Any) -> DrillRun:
    """A drill run for ``trainee`` on ``cards`` with a seeded draw (``kw``: DrillRun fields)."""
    return DrillRun(db=db, clock=clock, trainee_id=trainee, cards=cards, rng=random.Random(7), **kw)


def score_history(
    db: Database,
    clock: FakeClock,
    trainee: int,
    cards_by_key: dict[str, DrillCard],
    scores: list[tuple[str, int]],
) -> None:
    """Drill the given (key, overall) pairs in order, one session."""
    cards = list(cards_by_key.values())
    run = drill_run(db, clock, trainee, cards, rounds=len(scores))
    run.start()
    for i, (key, overall) in enumerate(scores):
        # force the card: replace the drawn prompt's objection with the one we want
        with db.transaction() as s:
            row = s.get(DrillRound, run.round_id)
            row.objection_id = cards_by_key[key].objection_id
        clock.advance(5)
        run.answer_done()
        run.score(overall)
        if i < len(scores) - 1:
            run.next()
    run.finish()
