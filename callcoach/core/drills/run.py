"""Objection drills: sessions, timed rounds, the scoring rubric, targeted practice, progress.

A *round* is one prompt: an objection (or, in call simulation, the opening) shown and
spoken; the trainee answers aloud against a timer read from the injected clock; then the
model rebuttal is revealed and a scorer (the trainee themself or the trainer) marks the
rubric - acknowledged, returned to the impact, asked for the meeting again - and an overall
1-5. Every step is committed the moment it happens.

Targeted practice: a Leitner box per (trainee, objection) is derived from drill history
(no extra table): a pass (overall >= 4 within the time) moves the objection up one box
(max 5), any other score sends it back to box 1. Lower boxes are drawn more often, and
each live call the trainee lost on an objection in the last 90 days multiplies its weight.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import SQLCoreOperations
from sqlmodel import Session, col, select

from callcoach.catalog.outcomes import Outcome
from callcoach.clock import Clock
from callcoach.core.drills.sets import DrillCard
from callcoach.core.reps import find_rep, get_or_create_rep
from callcoach.errors import CallcoachError
from callcoach.storage.db import Database
from callcoach.storage.models import (
    AttemptObjection,
    CallAttempt,
    DrillRound,
    DrillSession,
    Objection,
    Rep,
    TalkTrack,
)


class DrillError(CallcoachError):
    """A drill cannot go on as asked (no objections, no trainer to score...)."""


class RoundKind(StrEnum):
    """What a round asks for."""

    OBJECTION = "objection"
    OPENING = "opening"  # engage statement + impact question, in call simulation


class ScorerRole(StrEnum):
    """Who scores a round."""

    SELF = "self"
    TRAINER = "trainer"


class DrillMode(StrEnum):
    """Single objections, or a chained call simulation."""

    SINGLE = "single"
    SIMULATION = "simulation"


#: Leitner box -> draw weight. Box 0 = never drilled: new material comes up fairly often.
BOX_WEIGHTS: dict[int, float] = {0: 8.0, 1: 16.0, 2: 8.0, 3: 4.0, 4: 2.0, 5: 1.0}
MAX_BOX = 5
PASS_SCORE = 4
LIVE_LOSS_CAP = 4  # each lost live call adds x1 to the weight, up to x5
LIVE_WINDOW_DAYS = 90
MAX_CHAIN = 4

#: What each position in a simulated call usually is (the method: 1st a reflex, 3rd decides).
CHAIN_LABELS = {1: "1st: the reflex", 2: "2nd", 3: "3rd: the decider", 4: "4th: last chance"}

DEFAULT_GREETING = "Hello, this is {first_name} speaking."

#: The pretend prospect whose details fill merge fields ({first_name}, {company}...) in drills.
DRILL_PROSPECT = {
    "first_name": "Pat",
    "last_name": "Morgan",
    "company": "Northwind",
    "title": "VP of Operations",
    "vertical": "",
    "region": "",
}


def personalise(text: str, rep_name: str | None, track: TalkTrack | None) -> str:
    """Fill a track/objection text's merge fields for a drill (the pretend prospect, the
    trainee as the rep, the track's reference)."""
    from callcoach.core.lists.tracks import render_track_text
    from callcoach.storage.models import Contact

    details: dict[str, Any] = dict(DRILL_PROSPECT)
    if track is not None and track.cluster_dimension in ("vertical", "region"):
        details[track.cluster_dimension] = track.cluster_value or ""
    prospect = Contact(phone="", **details)
    return render_track_text(text, prospect, rep_name=rep_name, track=track)


# -- the answer timer -------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerTimer:
    """A countdown computed from its start instant and the clock, never from ticks.

    ``held`` while the prospect is still speaking: the answer time starts when the spoken
    objection ends (:meth:`DrillRun.start_answer_clock`), so a long objection does not eat
    into the trainee's 20 seconds.
    """

    started_at: datetime
    limit_seconds: float
    held: bool = False

    def elapsed(self, now: datetime) -> float:
        """Seconds since the start (since the prompt while held; never negative)."""
        return max(0.0, (now - self.started_at).total_seconds())

    def remaining(self, now: datetime) -> float:
        """Seconds left to answer (the whole limit while held, 0 once expired)."""
        if self.held:
            return self.limit_seconds
        return max(0.0, self.limit_seconds - self.elapsed(now))

    def expired(self, now: datetime) -> bool:
        """True once the whole answer time has passed (never while held)."""
        return not self.held and self.elapsed(now) >= self.limit_seconds


# -- targeted practice ------------------------------------------------------------------------


def _is_pass() -> sa.ColumnElement[int]:
    return sa.case(
        (sa.and_(col(DrillRound.overall) >= PASS_SCORE, col(DrillRound.timed_out) == sa.false()), 1),
        else_=0,
    )


def leitner_boxes(session: Session, trainee_id: int) -> dict[int, int]:
    """Leitner box (1-5) per objection the trainee has been scored on, derived in SQL.

    Equivalent to replaying the history (pass: up one box, fail: back to box 1): the box is
    1 + the passes since the last fail, capped at 5.
    """
    scored = (
        select(
            col(DrillRound.objection_id).label("objection_id"),
            col(DrillRound.scored_at).label("scored_at"),
            _is_pass().label("passed"),
        )
        .join(DrillSession, col(DrillSession.id) == col(DrillRound.session_id))
        .where(
            DrillSession.trainee_id == trainee_id,
            DrillRound.kind == RoundKind.OBJECTION.value,
            col(DrillRound.overall).is_not(None),
            col(DrillRound.objection_id).is_not(None),
        )
        .cte("scored")
    )
    last_fail = (
        select(
            scored.c.objection_id,
            sa.func.max(sa.case((scored.c.passed == 0, scored.c.scored_at))).label("last_fail"),
        )
        .group_by(scored.c.objection_id)
        .cte("last_fail")
    )
    passes = sa.func.sum(
        sa.case(
            (
                sa.and_(
                    scored.c.passed == 1,
                    sa.or_(
                        last_fail.c.last_fail.is_(None), scored.c.scored_at > last_fail.c.last_fail
                    ),
                ),
                1,
            ),
            else_=0,
        )
    )
    rows = session.exec(
        select(scored.c.objection_id, passes)
        .join(last_fail, last_fail.c.objection_id == scored.c.objection_id)
        .group_by(scored.c.objection_id)
    ).all()
    return {int(oid): min(MAX_BOX, 1 + int(n or 0)) for oid, n in rows}


def _live_overcome_expr() -> tuple[sa.ColumnElement[int], sa.ColumnElement[int]]:
    """(overcome, lost) as 0/1 CASE columns over attempt_objection joined to call_attempt.

    ``overcome`` is the rep's own mark when given; when it was left unmarked, the call's
    outcome decides: a meeting means it was overcome, any other logged outcome means lost.
    """
    meeting = col(CallAttempt.outcome) == Outcome.MEETING.value
    overcome = sa.case(
        (col(AttemptObjection.overcome) == sa.true(), 1),
        (sa.and_(col(AttemptObjection.overcome).is_(None), meeting), 1),
        else_=0,
    )
    lost = sa.case(
        (col(AttemptObjection.overcome) == sa.false(), 1),
        (
            sa.and_(
                col(AttemptObjection.overcome).is_(None),
                col(CallAttempt.outcome).is_not(None),
                col(CallAttempt.outcome) != Outcome.MEETING.value,
            ),
            1,
        ),
        else_=0,
    )
    return overcome, lost


@dataclass(frozen=True)
class LiveStats:
    """How an objection went on the trainee's real calls."""

    raised: int
    overcome: int
    lost: int

    @property
    def overcome_rate(self) -> float | None:
        """Share of decided live objections that were overcome (None when none decided)."""
        decided = self.overcome + self.lost
        return self.overcome / decided if decided else None


def live_objection_stats(
    session: Session,
    trainee_id: int | None,
    since: datetime | None = None,
    until: datetime | None = None,
    trainee_ids: Sequence[int] = (),
) -> dict[tuple[int, int], LiveStats]:
    """Per (rep, objection): live objections raised, overcome and lost, grouped in SQL."""
    overcome, lost = _live_overcome_expr()
    query = (
        sa.select(
            col(CallAttempt.rep_id),
            col(AttemptObjection.objection_id),
            sa.func.count(),
            sa.func.sum(overcome),
            sa.func.sum(lost),
        )
        .select_from(AttemptObjection)
        .join(CallAttempt, col(CallAttempt.id) == col(AttemptObjection.attempt_id))
        .group_by(col(CallAttempt.rep_id), col(AttemptObjection.objection_id))
    )
    if trainee_id is not None:
        query = query.where(col(CallAttempt.rep_id) == trainee_id)
    if trainee_ids:
        query = query.where(col(CallAttempt.rep_id).in_(list(trainee_ids)))
    if since is not None:
        query = query.where(col(AttemptObjection.raised_at) >= since)
    if until is not None:
        query = query.where(col(AttemptObjection.raised_at) < until)
    return {
        (int(rep), int(oid)): LiveStats(int(n), int(o or 0), int(lo or 0))
        for rep, oid, n, o, lo in session.execute(query).all()
    }


@dataclass(frozen=True)
class ObjectionWeight:
    """Why an objection is drawn as often as it is."""

    objection_id: int
    box: int  # 0 = never drilled
    live_lost: int
    weight: float


def objection_weights(
    session: Session, trainee_id: int, objection_ids: Sequence[int], now: datetime
) -> dict[int, ObjectionWeight]:
    """Draw weight per objection for a trainee: Leitner box weight x live-loss factor."""
    boxes = leitner_boxes(session, trainee_id)
    live = live_objection_stats(session, trainee_id, since=now - timedelta(days=LIVE_WINDOW_DAYS))
    weights: dict[int, ObjectionWeight] = {}
    for oid in objection_ids:
        box = boxes.get(oid, 0)
        lost = live.get((trainee_id, oid), LiveStats(0, 0, 0)).lost
        factor = 1 + min(lost, LIVE_LOSS_CAP)
        weights[oid] = ObjectionWeight(oid, box, lost, BOX_WEIGHTS[box] * factor)
    return weights


def draw_objection(
    cards: Sequence[DrillCard],
    weights: dict[int, ObjectionWeight],
    rng: random.Random,
    avoid: int | None = None,
) -> DrillCard:
    """One card, drawn in proportion to its weight, not the one just drilled if avoidable."""
    if not cards:
        raise DrillError("this drill set has no objections")
    pool = [c for c in cards if c.objection_id != avoid] or list(cards)
    w = [weights[c.objection_id].weight if c.objection_id in weights else 1.0 for c in pool]
    return rng.choices(pool, weights=w, k=1)[0]


def draw_chain(
    cards: Sequence[DrillCard],
    weights: dict[int, ObjectionWeight],
    rng: random.Random,
    length: int = MAX_CHAIN,
) -> list[DrillCard]:
    """Up to ``length`` distinct cards for a simulated call, weighted, without replacement."""
    pool = list(cards)
    chain: list[DrillCard] = []
    while pool and len(chain) < min(length, MAX_CHAIN):
        card = draw_objection(pool, weights, rng)
        chain.append(card)
        pool.remove(card)
    return chain


# -- a drill run ------------------------------------------------------------------------------


class Phase(StrEnum):
    """Where a round stands."""

    ANSWERING = "answering"  # prompt shown, timer running
    REVIEW = "review"  # rebuttal revealed, waiting for the score
    SCORED = "scored"
    DONE = "done"  # the session is over


@dataclass
class Prompt:
    """What the current round shows and says."""

    kind: RoundKind
    position: int
    text: str  # what is spoken: the objection, or the prospect's greeting
    model_answer: str  # revealed after the answer
    card: DrillCard | None
    label: str  # e.g. "Round 3 of 8" or "Objection 3 of 4 - 3rd: the decider"


@dataclass
class Rubric:
    """The three rubric marks being given (toggled by single keys)."""

    acknowledged: bool = False
    returned_to_impact: bool = False
    asked_again: bool = False


#: Rubric labels per round kind (the opening reuses the three columns for its own checks).
RUBRIC_LABELS = {
    RoundKind.OBJECTION: ("acknowledged", "returned to impact", "asked for the meeting again"),
    RoundKind.OPENING: ("engage statement", "impact question", "asked for the meeting"),
}


@dataclass
class DrillRun:
    """One drill session driven by keys: no UI, reads the injected clock, commits each step."""

    db: Database
    clock: Clock
    trainee_id: int
    cards: list[DrillCard]
    drill_set_id: int | None = None
    trainer_id: int | None = None
    mode: DrillMode = DrillMode.SINGLE
    rounds: int | None = None  # single mode: how many prompts (default: the set's size)
    answer_seconds: float = 20.0
    opening_seconds: float = 45.0
    track: TalkTrack | None = None
    rng: random.Random = field(default_factory=random.Random)
    chain_length: int = MAX_CHAIN
    trainee_name: str | None = None  # fills {rep_name} in rebuttals

    session_id: int | None = None
    phase: Phase = Phase.ANSWERING
    prompt: Prompt | None = None
    timer: AnswerTimer | None = None
    round_id: int | None = None
    rubric: Rubric = field(default_factory=Rubric)
    scorer: ScorerRole = ScorerRole.SELF
    scored_by: dict[ScorerRole, int] = field(default_factory=dict)  # role -> DrillRound id
    history: list[int] = field(default_factory=list)  # DrillRound ids in order
    last_answer_seconds: float | None = None
    _queue: list[Prompt] = field(default_factory=list)
    _position: int = 0
    _last_objection: int | None = None

    def __post_init__(self) -> None:
        if not self.cards:
            raise DrillError(
                "this drill set has no objections: load some with callcoach drill load"
            )
        if self.rounds is None:
            self.rounds = len(self.cards)
        self.cards = [
            replace(
                c,
                text=personalise(c.text, self.trainee_name, self.track),
                rebuttal=personalise(c.rebuttal, self.trainee_name, self.track),
            )
            for c in self.cards
        ]
        if self.trainer_id is not None:
            self.scorer = ScorerRole.TRAINER

    # -- lifecycle

    def start(self) -> Prompt:
        """Open the session in the database and prompt the first round."""
        with self.db.transaction() as session:
            row = DrillSession(
                drill_set_id=self.drill_set_id,
                trainee_id=self.trainee_id,
                trainer_id=self.trainer_id,
                mode=self.mode.value,
                started_at=self.clock.now(),
            )
            session.add(row)
            session.flush()
            self.session_id = row.id
            weights = objection_weights(
                session, self.trainee_id, [c.objection_id for c in self.cards], self.clock.now()
            )
        self._weights = weights
        if self.mode is DrillMode.SIMULATION:
            self._queue = self._simulation_prompts()
        return self._next_prompt()

    def _simulation_prompts(self) -> list[Prompt]:
        track = self.track
        greeting = (track.greeting if track and track.greeting else "") or DEFAULT_GREETING
        greeting = personalise(greeting, self.trainee_name, track)
        if track is not None:
            model = "\n".join(
                personalise(t, self.trainee_name, track)
                for t in (track.engage_statement, track.impact_question, track.meeting_ask)
            ).strip()
        else:
            model = "No talk track on this set: score against your own engage statement."
        prompts = [
            Prompt(
                RoundKind.OPENING,
                0,
                greeting,
                model,
                None,
                "Opening: engage statement + impact question",
            )
        ]
        chain = draw_chain(self.cards, self._weights, self.rng, self.chain_length)
        for i, card in enumerate(chain, start=1):
            prompts.append(
                Prompt(
                    RoundKind.OBJECTION,
                    i,
                    card.text,
                    card.rebuttal,
                    card,
                    f"Objection {i} of {len(chain)} - {CHAIN_LABELS[i]}",
                )
            )
        return prompts

    def _next_prompt(self) -> Prompt:
        if self.mode is DrillMode.SIMULATION:
            prompt = self._queue.pop(0)
        else:
            card = draw_objection(self.cards, self._weights, self.rng, avoid=self._last_objection)
            prompt = Prompt(
                RoundKind.OBJECTION,
                self._position + 1,
                card.text,
                card.rebuttal,
                card,
                f"Round {self._position + 1} of {self.rounds}",
            )
        self._position = prompt.position
        if prompt.card is not None:
            self._last_objection = prompt.card.objection_id
        now = self.clock.now()
        limit = self.opening_seconds if prompt.kind is RoundKind.OPENING else self.answer_seconds
        assert self.session_id is not None  # start() opened the session
        with self.db.transaction() as session:
            row = DrillRound(
                session_id=self.session_id,
                objection_id=prompt.card.objection_id if prompt.card else None,
                kind=prompt.kind.value,
                position=prompt.position,
                prompted_at=now,
            )
            session.add(row)
            session.flush()
            assert row.id is not None  # flushed
            self.round_id = row.id
        self.history.append(self.round_id)
        self.prompt = prompt
        self.timer = AnswerTimer(now, limit)
        self.phase = Phase.ANSWERING
        self.rubric = Rubric()
        self.scored_by = {}
        return prompt

    def upcoming_texts(self) -> list[str]:
        """Texts likely to be spoken next (to synthesise ahead of time)."""
        if self.mode is DrillMode.SIMULATION:
            return [p.text for p in self._queue]
        return [c.text for c in self.cards]

    @property
    def has_next(self) -> bool:
        """True when another round follows this one."""
        if self.mode is DrillMode.SIMULATION:
            return bool(self._queue)
        return self._position < (self.rounds or 0)

    # -- answering

    def hold_for_speech(self) -> None:
        """The prospect is about to speak the prompt: hold the answer time until they finish."""
        if self.phase is Phase.ANSWERING and self.timer is not None and not self.timer.held:
            self.timer = AnswerTimer(self.timer.started_at, self.timer.limit_seconds, held=True)

    def start_answer_clock(self) -> None:
        """The prospect finished speaking (or speech was skipped): the answer time starts now."""
        if self.phase is Phase.ANSWERING and self.timer is not None and self.timer.held:
            self.timer = AnswerTimer(self.clock.now(), self.timer.limit_seconds)

    @property
    def answer_clock_held(self) -> bool:
        """True while the answer time waits for the prospect to finish speaking."""
        return self.phase is Phase.ANSWERING and self.timer is not None and self.timer.held

    def tick(self) -> bool:
        """Expire the answer time if it is up; True when this call expired it."""
        if self.phase is Phase.ANSWERING and self.timer and self.timer.expired(self.clock.now()):
            self._close_answer(timed_out=True)
            return True
        return False

    def answer_done(self) -> None:
        """The trainee finished answering: record the time and reveal the model answer."""
        if self.phase is not Phase.ANSWERING:
            return
        if self.tick():
            return
        self._close_answer(timed_out=False)

    def _close_answer(self, timed_out: bool) -> None:
        assert self.timer is not None
        seconds = self.timer.limit_seconds if timed_out else self.timer.elapsed(self.clock.now())
        with self.db.transaction() as session:
            row = session.get(DrillRound, self.round_id)
            assert row is not None
            row.answer_seconds = round(seconds, 2)
            row.timed_out = timed_out
        self.last_answer_seconds = round(seconds, 2)
        self.phase = Phase.REVIEW

    # -- scoring

    def toggle(self, mark: str) -> None:
        """Flip one rubric mark: 'acknowledged', 'returned_to_impact' or 'asked_again'."""
        if self.phase not in (Phase.REVIEW, Phase.SCORED):
            return
        setattr(self.rubric, mark, not getattr(self.rubric, mark))

    def switch_scorer(self) -> ScorerRole:
        """Toggle between self-scoring and trainer scoring."""
        if self.scorer is ScorerRole.SELF:
            if self.trainer_id is None:
                raise DrillError("no trainer in this drill: start it with --trainer NAME")
            self.scorer = ScorerRole.TRAINER
        else:
            self.scorer = ScorerRole.SELF
        return self.scorer

    def score(self, overall: int) -> DrillRound:
        """Commit the rubric and an overall 1-5 by the current scorer.

        Scoring again with the same scorer corrects that score; the other scorer adds a
        second score of the same answer (self and trainer are both kept).
        """
        if self.phase not in (Phase.REVIEW, Phase.SCORED):
            raise DrillError("score after the answer: press space when the answer is done")
        if not 1 <= overall <= 5:
            raise DrillError(f"overall score {overall}: expected 1 to 5")
        scorer_id = self.trainer_id if self.scorer is ScorerRole.TRAINER else self.trainee_id
        now = self.clock.now()
        with self.db.transaction() as session:
            existing_id = self.scored_by.get(self.scorer)
            first = session.get(DrillRound, self.round_id)
            assert first is not None
            if existing_id is not None:
                row = session.get(DrillRound, existing_id)
            elif first.overall is None:
                row = first
            else:  # a second opinion on the same answer
                row = DrillRound(
                    session_id=first.session_id,
                    objection_id=first.objection_id,
                    kind=first.kind,
                    position=first.position,
                    prompted_at=first.prompted_at,
                    answer_seconds=first.answer_seconds,
                    timed_out=first.timed_out,
                )
            assert row is not None
            row.acknowledged = self.rubric.acknowledged
            row.returned_to_impact = self.rubric.returned_to_impact
            row.asked_again = self.rubric.asked_again
            row.overall = overall
            row.scored_by_id = scorer_id
            row.scorer_role = self.scorer.value
            row.scored_at = now
            session.add(row)
            session.flush()
            assert row.id is not None  # flushed
            self.scored_by[self.scorer] = row.id
            result = row
        self.phase = Phase.SCORED
        return result

    def next(self) -> Prompt | None:
        """Move to the next round, or end the session (returns None) when there is none."""
        if self.phase is Phase.ANSWERING:
            self._close_answer(
                timed_out=self.timer.expired(self.clock.now()) if self.timer else False
            )
        if not self.has_next:
            self.finish()
            return None
        return self._next_prompt()

    def finish(self) -> None:
        """Close the session (ended_at) and drop an unanswered last prompt's answer time."""
        if self.session_id is None or self.phase is Phase.DONE:
            return
        if self.phase is Phase.ANSWERING:
            self._close_answer(
                timed_out=self.timer.expired(self.clock.now()) if self.timer else False
            )
        with self.db.transaction() as session:
            row = session.get(DrillSession, self.session_id)
            if row is not None and row.ended_at is None:
                row.ended_at = self.clock.now()
        self.phase = Phase.DONE

    def summary(self) -> SessionSummary:
        """Rounds, average score and answer time of this session (from the database)."""
        with self.db.session() as session:
            return session_summary(session, self.session_id or 0)


@dataclass(frozen=True)
class SessionSummary:
    """A finished (or running) session in numbers."""

    rounds: int
    scored: int
    avg_overall: float | None
    avg_answer_seconds: float | None
    timeouts: int


def session_summary(session: Session, session_id: int) -> SessionSummary:
    """Aggregate one session's rounds in SQL (one answer per prompt, every score)."""
    primary = _primary_rounds().where(col(DrillRound.session_id) == session_id).subquery()
    answers = session.exec(
        select(
            sa.func.count(),
            sa.func.avg(primary.c.answer_seconds),
            sa.func.sum(sa.case((primary.c.timed_out == sa.true(), 1), else_=0)),
        ).where(primary.c.rn == 1)
    ).one()
    scores = session.exec(
        select(sa.func.count(col(DrillRound.overall)), sa.func.avg(col(DrillRound.overall))).where(
            col(DrillRound.session_id) == session_id
        )
    ).one()
    return SessionSummary(
        rounds=int(answers[0] or 0),
        scored=int(scores[0] or 0),
        avg_overall=float(scores[1]) if scores[1] is not None else None,
        avg_answer_seconds=float(answers[1]) if answers[1] is not None else None,
        timeouts=int(answers[2] or 0),
    )


def _primary_rounds() -> sa.Select:
    """Rounds with rn = 1 for the first row of each prompt (second opinions are copies)."""
    return sa.select(
        col(DrillRound.id),
        col(DrillRound.session_id),
        col(DrillRound.objection_id),
        col(DrillRound.answer_seconds),
        col(DrillRound.timed_out),
        sa.func.row_number()
        .over(
            partition_by=(
                col(DrillRound.session_id),
                col(DrillRound.kind),
                col(DrillRound.position),
                col(DrillRound.prompted_at),
            ),
            order_by=col(DrillRound.id),
        )
        .label("rn"),
    )


# -- progress ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillProgressRow:
    """Per trainee and objection: drill scores and times beside the live-call overcome rate."""

    trainee: str
    objection_key: str
    objection_text: str
    prompts: int
    scored: int
    avg_overall: float | None
    self_avg: float | None
    trainer_avg: float | None
    recent_avg: float | None  # last 14 days
    earlier_avg: float | None  # before that
    avg_answer_seconds: float | None
    timeouts: int
    acknowledged_rate: float | None
    impact_rate: float | None
    asked_again_rate: float | None
    last_drilled_at: datetime | None
    box: int
    live_raised: int
    live_overcome: int
    live_lost: int

    @property
    def live_overcome_rate(self) -> float | None:
        """Share of decided live objections overcome."""
        decided = self.live_overcome + self.live_lost
        return self.live_overcome / decided if decided else None


def _rate(flag: SQLCoreOperations[bool | None]) -> sa.ColumnElement[float]:
    """The share of true among the set true/false values of a boolean column."""
    return sa.func.avg(sa.case((flag == sa.true(), 1.0), (flag == sa.false(), 0.0)))


def drill_progress(
    session: Session,
    now: datetime,
    trainee_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    trainee_ids: Sequence[int] = (),
    include_live: bool = False,
) -> list[DrillProgressRow]:
    """Progress per trainee and objection, aggregated in SQL (for the screen and reports).

    ``since``/``until`` bound both the drill prompts and the live objections compared. With
    ``include_live``, objections met on live calls but never drilled are listed too (what a
    trainer should drill a new hire on first).
    """
    recent_from = now - timedelta(days=14)
    score_q = (
        sa.select(
            col(DrillSession.trainee_id).label("trainee_id"),
            col(DrillRound.objection_id).label("objection_id"),
            sa.func.count(col(DrillRound.overall)).label("scored"),
            sa.func.avg(col(DrillRound.overall)).label("avg_overall"),
            sa.func.avg(
                sa.case((col(DrillRound.scorer_role) == ScorerRole.SELF.value, col(DrillRound.overall)))
            ).label("self_avg"),
            sa.func.avg(
                sa.case((col(DrillRound.scorer_role) == ScorerRole.TRAINER.value, col(DrillRound.overall)))
            ).label("trainer_avg"),
            sa.func.avg(sa.case((col(DrillRound.scored_at) >= recent_from, col(DrillRound.overall)))).label(
                "recent_avg"
            ),
            sa.func.avg(sa.case((col(DrillRound.scored_at) < recent_from, col(DrillRound.overall)))).label(
                "earlier_avg"
            ),
            _rate(col(DrillRound.acknowledged)).label("ack"),
            _rate(col(DrillRound.returned_to_impact)).label("impact"),
            _rate(col(DrillRound.asked_again)).label("asked"),
            sa.func.max(col(DrillRound.prompted_at)).label("last"),
        )
        .join(DrillSession, col(DrillSession.id) == col(DrillRound.session_id))
        .where(col(DrillRound.kind) == RoundKind.OBJECTION.value, col(DrillRound.objection_id).is_not(None))
        .group_by(col(DrillSession.trainee_id), col(DrillRound.objection_id))
    )
    primary = (
        _primary_rounds()
        .add_columns(col(DrillSession.trainee_id).label("trainee_id"))
        .join(DrillSession, col(DrillSession.id) == col(DrillRound.session_id))
        .where(col(DrillRound.kind) == RoundKind.OBJECTION.value, col(DrillRound.objection_id).is_not(None))
    )
    for query_filter in (
        (col(DrillSession.trainee_id) == trainee_id) if trainee_id is not None else None,
        col(DrillSession.trainee_id).in_(list(trainee_ids)) if trainee_ids else None,
        (col(DrillRound.prompted_at) >= since) if since is not None else None,
        (col(DrillRound.prompted_at) < until) if until is not None else None,
    ):
        if query_filter is not None:
            score_q = score_q.where(query_filter)
            primary = primary.where(query_filter)
    p = primary.subquery()
    answer_q = (
        sa.select(
            p.c.trainee_id,
            p.c.objection_id,
            sa.func.count().label("prompts"),
            sa.func.avg(p.c.answer_seconds).label("avg_answer"),
            sa.func.sum(sa.case((p.c.timed_out == sa.true(), 1), else_=0)).label("timeouts"),
        )
        .where(p.c.rn == 1)
        .group_by(p.c.trainee_id, p.c.objection_id)
    )
    answers = {(r[0], r[1]): r for r in session.execute(answer_q).all()}
    scores = {(r[0], r[1]): r for r in session.execute(score_q).all()}
    live = live_objection_stats(session, trainee_id, since, until, trainee_ids)
    keys = sorted(set(answers) | set(scores) | (set(live) if include_live else set()))
    if not keys:
        return []
    names = dict(
        session.exec(select(col(Rep.id), col(Rep.name)).where(col(Rep.id).in_({k[0] for k in keys}))).all()
    )
    objections = {
        o.id: o
        for o in session.exec(select(Objection).where(col(Objection.id).in_({k[1] for k in keys})))
    }
    boxes: dict[int, dict[int, int]] = {}
    rows: list[DrillProgressRow] = []
    for tid, oid in keys:
        if tid not in boxes:
            boxes[tid] = leitner_boxes(session, tid)
        a = answers.get((tid, oid))
        s = scores.get((tid, oid))
        lv = live.get((tid, oid), LiveStats(0, 0, 0))
        obj = objections[oid]

        def f(value: object) -> float | None:
            return float(value) if value is not None else None  # type: ignore[arg-type]

        rows.append(
            DrillProgressRow(
                trainee=names.get(tid, f"#{tid}"),
                objection_key=obj.key,
                objection_text=obj.text,
                prompts=int(a.prompts) if a else 0,
                scored=int(s.scored) if s else 0,
                avg_overall=f(s.avg_overall) if s else None,
                self_avg=f(s.self_avg) if s else None,
                trainer_avg=f(s.trainer_avg) if s else None,
                recent_avg=f(s.recent_avg) if s else None,
                earlier_avg=f(s.earlier_avg) if s else None,
                avg_answer_seconds=f(a.avg_answer) if a else None,
                timeouts=int(a.timeouts or 0) if a else 0,
                acknowledged_rate=f(s.ack) if s else None,
                impact_rate=f(s.impact) if s else None,
                asked_again_rate=f(s.asked) if s else None,
                last_drilled_at=s.last if s else None,
                box=boxes[tid].get(oid, 0),
                live_raised=lv.raised,
                live_overcome=lv.overcome,
                live_lost=lv.lost,
            )
        )
    rows.sort(
        key=lambda r: (
            r.trainee.lower(),
            r.avg_overall if r.avg_overall is not None else 9,
            -r.live_lost,
            r.objection_key,
        )
    )
    return rows


@dataclass(frozen=True)
class ScorePoint:
    """Average drill score of one objection on one day."""

    day: str  # YYYY-MM-DD (UTC)
    objection_key: str
    rounds: int
    avg_overall: float


def drill_score_history(session: Session, trainee_id: int) -> list[ScorePoint]:
    """Scores over time: per UTC day and objection, the average overall (grouped in SQL)."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        day = sa.func.strftime("%Y-%m-%d", DrillRound.scored_at)
    else:
        day = sa.func.to_char(sa.func.timezone("UTC", DrillRound.scored_at), "YYYY-MM-DD")
    rows = session.exec(
        select(day.label("day"), Objection.key, sa.func.count(), sa.func.avg(DrillRound.overall))
        .join(DrillSession, col(DrillSession.id) == col(DrillRound.session_id))
        .join(Objection, col(Objection.id) == col(DrillRound.objection_id))
        .where(col(DrillSession.trainee_id) == trainee_id, col(DrillRound.overall).is_not(None))
        .group_by(day, Objection.key)
        .order_by(day, Objection.key)
    ).all()
    return [ScorePoint(str(d), k, int(n), float(a)) for d, k, n, a in rows]


def resolve_rep(session: Session, name: str, role: str) -> Rep:
    """A rep by name, created with ``role`` when new (trainees and trainers alike)."""
    rep = find_rep(session, name)
    return rep if rep is not None else get_or_create_rep(session, name, role)
