"""A made-up team's recent weeks on the demo lists, for trying the manager's side.

A new database holds the demo lists but no calls, so the dashboard, the scorecard, the
planner and the block summary's "previous five blocks" have nothing to show until someone
has run blocks. :func:`generate_demo_history` imports the demo team's own made-up contacts
(lists "Demo team - <vertical>", through the real importer) and plays four demo reps
through the last weeks of 52-minute blocks on them *through the same core functions the
block screen calls* (serve, dial, objections, outcome, end), on a fake clock that walks from
weeks ago to now. Every figure the dashboard shows is therefore computed from rows written
the way real blocks write them: contact attempts and retry times, callbacks, meetings,
do-not-call entries, dead time.

The bundled demo lists ("Demo - ...") stay untouched, fresh for trying a block. It runs
once per database: a second run refuses. Meetings in the past are marked held or not (so
the funnel shows the held stage; the last two days' are left to record); no invites are written.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col

from callcoach.catalog.outcomes import Outcome
from callcoach.clock import Clock, FakeClock
from callcoach.config import Settings
from callcoach.core.calling import dialling, lifecycle, outcomes, serving
from callcoach.core.calling import objections as objection_rules
from callcoach.core.drills.run import DrillRun
from callcoach.core.drills.sets import DrillCard, drill_cards
from callcoach.core.reps import get_or_create_rep
from callcoach.core.review.goals import monday_of, set_goal
from callcoach.errors import CallcoachError
from callcoach.storage.db import Database
from callcoach.storage.models import CallBlock, CallList, Meeting, MeetingKind, Rep, RepRole

TEAM_LIST_NAME = "Demo team"  # lists "Demo team - <vertical>"
TEAM_CONTACTS = 1500
TEAM_CONTACTS_SEED = 4711
ZONE = ZoneInfo("America/New_York")  # where the demo team sits


class DemoHistoryError(CallcoachError):
    """The demo history cannot be generated here (one line)."""


@dataclass(frozen=True)
class DemoRep:
    """A made-up rep and how they tend to do."""

    name: str
    connect: float  # multiplier on the chance that the person answers
    book: float  # multiplier on the chance that a conversation ends in a meeting
    slots: tuple[time, ...]  # block start times (New York), one rep after another


TEAM = (
    DemoRep("Demo SDR", 1.0, 1.0, (time(9, 0), time(13, 0))),
    DemoRep("Demo Blake", 1.15, 1.35, (time(10, 0), time(14, 0))),
    DemoRep("Demo Casey", 0.9, 0.7, (time(11, 0), time(15, 0))),
    DemoRep("Demo Dana", 1.05, 1.1, (time(12, 0), time(16, 0))),
)

PARKED = (
    "How long does onboarding take?",
    "Does it work with our CRM?",
    "What would it cost for a team our size?",
    "Who else in our region uses it?",
    "Can our IT lead join?",
)


@dataclass
class DemoHistory:
    """What was generated."""

    reps: int = 0
    blocks: int = 0
    dials: int = 0
    meetings: int = 0
    callbacks: int = 0
    drills: int = 0
    first_day: date | None = None
    last_day: date | None = None


def _team_lists(db: Database, clock: Clock) -> list[int]:
    """Import the demo team's contacts (made up, fictional numbers) into their own lists."""
    from callcoach.core.demo.contacts import write_csv
    from callcoach.core.lists.importer import ImportOptions, import_file

    with tempfile.TemporaryDirectory(prefix="callcoach-demo-") as tmp:
        path = Path(tmp) / "demo_team_contacts.csv"
        # No do-not-call rows: a number the bundled lists share would be registered for them
        # too (the register is by number, across lists); the team's calls log their own.
        write_csv(path, TEAM_CONTACTS, TEAM_CONTACTS_SEED, dnc_share=0.0)
        import_file(
            db,
            path,
            ImportOptions(list_name=TEAM_LIST_NAME, cluster_by="vertical", skip_invalid=True),
            clock,
        )
    with db.session() as session:
        return list(
            session.execute(
                sa.select(col(CallList.id))
                .where(col(CallList.name).startswith(f"{TEAM_LIST_NAME} - "))
                .order_by(col(CallList.id))
            ).scalars()
        )


def _check(db: Database) -> None:
    with db.session() as session:
        lists = session.execute(
            sa.select(sa.func.count())
            .select_from(CallList)
            .where(col(CallList.name).startswith(f"{TEAM_LIST_NAME} - "))
        ).scalar_one()
        if lists:
            raise DemoHistoryError(
                f"this database has the {TEAM_LIST_NAME!r} lists already: the demo history is "
                "generated once"
            )
        done = session.execute(
            sa.select(sa.func.count())
            .select_from(CallBlock)
            .join(Rep, col(Rep.id) == col(CallBlock.rep_id))
            .where(col(Rep.name).in_([r.name for r in TEAM]))
        ).scalar_one()
    if done:
        raise DemoHistoryError(
            f"the demo reps have {done} blocks already: the demo history is generated once"
        )


#: People answer more early and late in the day (New York hour -> multiplier): the dashboard's
#: prime-time view has something to find.
PRIME_TIME = {9: 1.2, 10: 1.05, 11: 0.9, 12: 0.7, 13: 0.75, 14: 0.95, 15: 1.05, 16: 1.35}


def _outcome(rnd: random.Random, rep: DemoRep, hour: int) -> Outcome:
    """The shape of published cold-calling figures (METHOD.md): about one dial in ten
    reaches the person, and roughly one conversation in seven books a meeting."""
    connect = 0.10 * rep.connect * PRIME_TIME.get(hour, 1.0)
    r = rnd.random()
    if r >= connect:
        r = rnd.random()
        if r < 0.52:
            return Outcome.NO_ANSWER
        if r < 0.80:
            return Outcome.VOICEMAIL
        if r < 0.95:
            return Outcome.GATEKEEPER
        return Outcome.WRONG_NUMBER
    r = rnd.random()
    meeting = 0.14 * rep.book
    if r < meeting:
        return Outcome.MEETING
    if r < meeting + 0.15:
        return Outcome.CALLBACK
    if r < meeting + 0.19:
        return Outcome.DO_NOT_CALL
    return Outcome.NOT_INTERESTED


def _call_seconds(rnd: random.Random, outcome: Outcome, objections: int) -> float:
    if outcome is Outcome.NO_ANSWER:
        return rnd.uniform(22, 40)
    if outcome is Outcome.VOICEMAIL:
        return rnd.uniform(40, 70)
    if outcome in (Outcome.GATEKEEPER, Outcome.WRONG_NUMBER):
        return rnd.uniform(25, 90)
    base = 40 + 22 * objections + (35 if outcome is Outcome.MEETING else 0)
    return max(25.0, rnd.gauss(base, 25))


def _next_weekday_at(now: datetime, days: int, hour: int) -> datetime:
    local = now.astimezone(ZONE).date() + timedelta(days=days)
    while local.weekday() >= 5:
        local += timedelta(days=1)
    return datetime.combine(local, time(hour, 0), ZONE)


def _run_block(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    rnd: random.Random,
    rep: DemoRep,
    rep_id: int,
    list_order: list[int],
    stats: DemoHistory,
) -> None:
    block = lifecycle.start_block(db, clock, rep_id=rep_id, list_id=list_order[0], minutes=52)
    assert block.id is not None  # a stored block has its id
    block_id = block.id
    ends = clock.now() + timedelta(minutes=52)
    remaining_lists = list_order[1:]
    contact = serving.serve_next(db, clock, settings, block)
    with db.session() as session:
        choices = [c.id for c in objection_rules.objection_choices(session, block.list_id)]
    while clock.now() < ends:
        if contact is None:
            if not remaining_lists:
                break
            block = lifecycle.switch_list(db, clock, block_id, remaining_lists.pop(0))
            with db.session() as session:
                choices = [c.id for c in objection_rules.objection_choices(session, block.list_id)]
            contact = serving.serve_next(db, clock, settings, block)
            continue
        assert contact.id is not None  # a served contact is a stored row
        dialling.dial(db, clock, block_id, contact.id)
        stats.dials += 1
        outcome = _outcome(rnd, rep, clock.now().astimezone(ZONE).hour)
        raised = 0
        if outcome in (Outcome.NOT_INTERESTED, Outcome.CALLBACK, Outcome.MEETING):
            raised = rnd.choices((0, 1, 2, 3, 4), weights=(10, 35, 30, 17, 8))[0]
        call = _call_seconds(rnd, outcome, raised)
        for n, objection_id in enumerate(rnd.sample(choices, min(raised, len(choices)))):
            clock.advance(call / (raised + 1))
            logged = objection_rules.log_objection(db, clock, block_id, objection_id)
            last = n == raised - 1
            won = outcome is Outcome.MEETING or (not last and rnd.random() < 0.6 * rep.book)
            objection_rules.set_overcome(db, logged.id, won)
        clock.advance(call / (raised + 1))
        now = clock.now()
        kwargs: dict = {}
        if outcome is Outcome.CALLBACK:
            kwargs["callback_at"] = _next_weekday_at(now, rnd.randint(1, 3), rnd.choice((9, 10, 15)))
        elif outcome is Outcome.MEETING:
            kwargs["meeting"] = outcomes.MeetingDetails(
                starts_at=_next_weekday_at(now, rnd.randint(2, 6), rnd.choice((10, 11, 14, 15))),
                kind=rnd.choice([k.value for k in MeetingKind]),
                parked_questions=tuple(rnd.sample(PARKED, rnd.randint(0, 2))),
            )
        result = outcomes.log_outcome(
            db, clock, settings, block_id=block_id, outcome=outcome, serve=True, **kwargs
        )
        stats.meetings += outcome is Outcome.MEETING
        stats.callbacks += outcome is Outcome.CALLBACK
        contact = result.next_contact
        clock.advance(rnd.uniform(10, 45))  # notes, a breath, dialling the next number
    lifecycle.end_block(db, clock, block_id)
    stats.blocks += 1


COACH = "Demo Coach"


def _run_drill(
    db: Database,
    clock: FakeClock,
    rnd: random.Random,
    rep: DemoRep,
    trainee_id: int,
    coach_id: int | None,
    weeks_in: float,
    cards: list[DrillCard],
) -> None:
    """Six spoken-objection rounds before the first block; scores improve week by week."""
    run = DrillRun(db=db, clock=clock, trainee_id=trainee_id, cards=cards, trainer_id=coach_id,
                   rounds=6, rng=random.Random(rnd.random()), trainee_name=rep.name)
    prompt: object = run.start()
    skill = 2.2 + 0.9 * rep.book + 0.35 * weeks_in
    while prompt is not None:
        clock.advance(rnd.uniform(2, 4))  # the prospect says it
        if rnd.random() < 0.08:
            clock.advance(21)  # lost for words: the answer time runs out
            run.tick()
        else:
            clock.advance(rnd.uniform(6, 18))
            run.answer_done()
        overall = max(1, min(5, round(rnd.gauss(skill, 0.8))))
        for mark, chance in (("acknowledged", 0.85), ("returned_to_impact", overall / 6),
                             ("asked_again", overall / 5)):
            if rnd.random() < chance:
                run.toggle(mark)
        run.score(overall)
        clock.advance(rnd.uniform(15, 40))  # the trainer's comments
        prompt = run.next()


def generate_demo_history(
    db: Database,
    clock: Clock,
    settings: Settings,
    *,
    weeks: int = 4,
    seed: int = 7,
    progress: Callable[[str], None] | None = None,
) -> DemoHistory:
    """Play the demo team through the last ``weeks`` weeks (up to now) on its own lists."""
    if not 1 <= weeks <= 12:
        raise DemoHistoryError(f"--weeks {weeks}: expected 1 to 12")
    _check(db)
    lists = _team_lists(db, clock)
    rnd = random.Random(seed)
    now = clock.now()
    today = now.astimezone(ZONE).date()
    first = monday_of(today) - timedelta(weeks=weeks - 1)
    stats = DemoHistory(first_day=first)
    rep_ids: dict[str, int] = {}
    with db.session() as session:
        for rep in TEAM:
            team_rep = get_or_create_rep(session, rep.name, RepRole.SDR.value)
            assert team_rep.id is not None  # committed
            rep_ids[rep.name] = team_rep.id
        coach_id = get_or_create_rep(session, COACH, RepRole.TRAINER.value).id
        cards = drill_cards(session, None)  # the whole objection library
        for rep in TEAM:  # weekly goals, so the dashboard shows progress against them
            for w in range(weeks):
                set_goal(session, rep_ids[rep.name], first + timedelta(weeks=w), 8, 280, 3)
    stats.reps = len(TEAM)
    fake = FakeClock(datetime.combine(first, time(8, 0), ZONE))
    with tempfile.TemporaryDirectory(prefix="callcoach-demo-") as invites:
        demo_settings = replace(settings, ics_dir=Path(invites))
        day = first
        while day <= today:
            if day.weekday() in (1, 3) and cards:  # drills on Tuesday and Thursday mornings
                for i, rep in enumerate(TEAM):
                    start = datetime.combine(day, time(8, 0), ZONE) + timedelta(minutes=12 * i)
                    if start + timedelta(minutes=12) > now or rnd.random() < 0.25:
                        continue
                    fake.set(start)
                    weeks_in = (day - first).days / 7
                    _run_drill(db, fake, rnd, rep, rep_ids[rep.name],
                               coach_id if day.weekday() == 1 else None, weeks_in, cards)
                    stats.drills += 1
            if day.weekday() < 5:
                for slot in range(2):
                    for i, rep in enumerate(TEAM):
                        start = datetime.combine(day, rep.slots[slot], ZONE)
                        if start + timedelta(minutes=53) > now:
                            continue  # only blocks that are over by now
                        if rnd.random() < 0.3:
                            continue  # a meeting, a training, a day off
                        fake.set(start)
                        order = lists[i % len(lists):] + lists[: i % len(lists)]
                        _run_block(db, fake, demo_settings, rnd, rep, rep_ids[rep.name], order,
                                   stats)
                        stats.last_day = day
                if progress is not None:
                    progress(f"{day:%a %d %b}: {stats.blocks} blocks, {stats.dials} dials")
            day += timedelta(days=1)
    with db.transaction() as session:  # the invites were temporary; meetings past: held?
        meetings = session.execute(
            sa.select(Meeting).where(col(Meeting.rep_id).in_(list(rep_ids.values())))
        ).scalars()
        for meeting in meetings:
            meeting.ics_path = None
            if meeting.starts_at < now - timedelta(days=2):  # the last two days' are not recorded yet
                meeting.held = rnd.random() < 0.8
            session.add(meeting)
    return stats
