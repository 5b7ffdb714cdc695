"""Builders for call-block tests: lists, contacts, tracks and objections made with the models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from callcoach.catalog.outcomes import Outcome
from callcoach.clock import FakeClock
from callcoach.config import Settings
from callcoach.core.calling import dialling, lifecycle, outcomes, serving
from callcoach.storage.db import Database
from callcoach.storage.models import (
    CallBlock,
    CallList,
    Contact,
    Objection,
    Rep,
    TalkTrack,
    TalkTrackObjection,
)

STARTER_OBJECTIONS = [
    (
        "send_info",
        "Just send me some information.",
        "Happy to - so it's relevant, {first_name}: when would 15 minutes suit?",
    ),
    (
        "not_interested",
        "Not interested.",
        "Most {vertical} leaders said that before seeing the numbers. Tuesday?",
    ),
    (
        "happy_with_current",
        "We're happy with what we have.",
        "Good - most are. Worth 15 minutes to compare?",
    ),
    ("no_budget", "No budget.", "Understood; the meeting is to see if it pays for itself."),
    (
        "call_back_later",
        "Call me back later, I'm busy.",
        "Of course - let's put 15 minutes in the diary now.",
    ),
    (
        "who_are_you",
        "Who are you with? How did you get my number?",
        "I'm {rep_name}; we work with {reference}.",
    ),
    (
        "in_house",
        "We do that in-house.",
        "Many of our clients did too; the meeting shows where we fit.",
    ),
    (
        "talk_to_someone_else",
        "Talk to someone else.",
        "Who would that be - and may I say you sent me?",
    ),
]


def seed_library(db: Database) -> dict[str, int]:
    """The starter objection library; returns key -> id."""
    with db.transaction() as s:
        rows = [
            Objection(key=k, text=t, rebuttal=r, position=i)
            for i, (k, t, r) in enumerate(STARTER_OBJECTIONS)
        ]
        s.add_all(rows)
        s.flush()
        return {o.key: o.id for o in rows}


def make_list(
    db: Database,
    name: str = "Dental US East",
    contacts: list[dict] | None = None,
    track: bool = True,
    overrides: dict[int, str] | None = None,
) -> tuple[int, list[int]]:
    """A list with an optional talk track and contacts; returns (list_id, contact ids)."""
    with db.transaction() as s:
        track_id = None
        if track:
            t = TalkTrack(
                name=f"{name} track",
                engage_statement="We help {vertical} practices in {region} fill empty chairs.",
                impact_question="{first_name}, what share of your chairs sit empty on Mondays?",
                meeting_ask="Could we take 20 minutes on Tuesday at 10 to look at it?",
                voicemail_script="Hi {first_name}, {rep_name} here - we work with {reference}.",
                third_party_reference="Bright Smile Dental",
            )
            s.add(t)
            s.flush()
            track_id = t.id
            for i, (oid, text) in enumerate((overrides or {}).items()):
                s.add(
                    TalkTrackObjection(
                        talk_track_id=t.id, objection_id=oid, rebuttal_override=text, position=i
                    )
                )
        cl = CallList(
            name=name, cluster_dimension="vertical", cluster_value="dental", talk_track_id=track_id
        )
        s.add(cl)
        s.flush()
        ids = []
        for i, c in enumerate(contacts if contacts is not None else [{}]):
            row = Contact(
                list_id=cl.id,
                first_name=c.get("first_name", f"Pat{i}"),
                last_name=c.get("last_name", f"Lee{i}"),
                title=c.get("title", "Practice Manager"),
                company=c.get("company", f"Smile Co {i}"),
                vertical="dental",
                region="Northeast",
                phone=c.get("phone", f"+1212555{i:04d}"),
                timezone=c.get("timezone", "America/New_York"),
                status=c.get("status", "new"),
                attempts=c.get("attempts", 0),
                next_call_at=c.get("next_call_at"),
                callback_rep_id=c.get("callback_rep_id"),
            )
            s.add(row)
            s.flush()
            ids.append(row.id)
        return cl.id, ids


def make_rep(
    db: Database, name: str = "Sam", email: str | None = "sam@example.com", role: str = "sdr"
) -> int:
    """A rep; returns its id."""
    with db.transaction() as s:
        r = Rep(name=name, email=email, role=role)
        s.add(r)
        s.flush()
        return r.id


def start_named_block(
    db: Database, clock: FakeClock, first_names: tuple[str, ...] = ("Ada", "Ben", "Cy")
) -> CallBlock:
    """Sam's block (objection library seeded) on a new list of contacts with these names."""
    rep = make_rep(db)
    seed_library(db)
    list_id, _ = make_list(db, contacts=[{"first_name": n} for n in first_names])
    return lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id)


def log_each_call(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    block: CallBlock,
    count: int,
    outcome: Outcome | str,
    seconds: float,
    details: Callable[[int], dict[str, Any]],
) -> list[outcomes.OutcomeResult]:
    """Serve, dial and log ``outcome`` ``count`` times on ``block``, each call ``seconds``
    long and logged with ``details(i)`` (read after the clock moved); the results."""
    results = []
    for i in range(count):
        contact = serving.serve_next(db, clock, settings, block)
        dialling.dial(db, clock, block.id, contact.id)
        clock.advance(seconds)
        results.append(
            outcomes.log_outcome(
                db, clock, settings, block_id=block.id, outcome=outcome, **details(i)
            )
        )
    return results
