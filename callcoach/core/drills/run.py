"""A drill run: sessions and timed rounds driven by keys, scored on the rubric.

A *round* is one prompt: an objection (or, in call simulation, the opening) shown and
spoken; the trainee answers aloud against a timer read from the injected clock; then the
model rebuttal is revealed and a scorer (the trainee themself or the trainer) marks the
rubric - acknowledged, returned to the impact, asked for the meeting again - and an overall
1-5. Every step is committed the moment it happens. Which objection comes next is
:mod:`~callcoach.core.drills.practice`'s draw; the figures are
:mod:`~callcoach.core.drills.progress`'s.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from enum import StrEnum

from sqlmodel import Session

from callcoach.clock import Clock
from callcoach.core.drills.live import LiveStats
from callcoach.core.drills.practice import (
    MAX_CHAIN,
    ObjectionWeight,
    answer_was_weak,
    call_goes_on,
    draw_objection,
    next_call_objection,
    objection_weights,
    recent_live_stats,
)
from callcoach.core.drills.progress import SessionSummary, session_summary
from callcoach.core.drills.prospect import DEFAULT_GREETING, personalise
from callcoach.core.drills.rounds import DrillError, DrillMode, RoundKind, ScorerRole
from callcoach.core.drills.sets import DrillCard
from callcoach.core.drills.timer import AnswerTimer
from callcoach.core.reps import require_rep
from callcoach.storage.db import Database
from callcoach.storage.models import DrillRound, DrillSession, Rep, TalkTrack

#: What each position in a simulated call usually is (the method: 1st a reflex, 3rd decides).
CHAIN_LABELS = {1: "1st: the reflex", 2: "2nd", 3: "3rd: the decider", 4: "4th: last chance"}


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
    _weights: dict[int, ObjectionWeight] = field(default_factory=dict)
    _live: dict[tuple[int, int], LiveStats] | None = None  # read once per session
    _round_scores: dict[ScorerRole, int] = field(default_factory=dict)  # this prompt's scores
    _timed_out: bool = False  # this prompt's answer ran out of time
    _raised: list[int] = field(default_factory=list)  # objection ids raised in this call
    _call_verdicts: list[bool | None] = field(default_factory=list)  # weak? per objection

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
        self._refresh_weights()
        if self.mode is DrillMode.SIMULATION:
            self._queue = self._simulation_prompts()
        return self._next_prompt()

    def _refresh_weights(self) -> None:
        """Draw weights from the history as it stands now, this session's scores included."""
        with self.db.session() as session:
            if self._live is None:  # once per session: the live calls do not change meanwhile
                self._live = recent_live_stats(session, self.trainee_id, self.clock.now())
            self._weights = objection_weights(
                session,
                self.trainee_id,
                [c.objection_id for c in self.cards],
                self.clock.now(),
                live=self._live,
            )

    @property
    def weights(self) -> dict[int, ObjectionWeight]:
        """The draw weights the next objection is drawn with (updated after every score)."""
        return dict(self._weights)

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
        return prompts

    @property
    def _call_limit(self) -> int:
        return min(self.chain_length, MAX_CHAIN, len(self.cards))

    def _next_call_prompt(self) -> Prompt:
        """The next objection of the simulated call, chosen from how the last was answered."""
        last_weak = self._call_verdicts[-1] if self._call_verdicts else None
        step = next_call_objection(self.cards, self._weights, self.rng, self._raised, last_weak)
        if step is None:  # has_next said there was one
            raise DrillError("every objection of this set has been raised in this call")
        i = len(self._raised) + 1
        self._raised.append(step.card.objection_id)
        label = f"Objection {i} of up to {self._call_limit} - {CHAIN_LABELS[i]}"
        if step.follow_up:
            label += " (harder: after a weak answer)"
        return Prompt(RoundKind.OBJECTION, i, step.card.text, step.card.rebuttal, step.card, label)

    def _next_prompt(self) -> Prompt:
        if self.mode is DrillMode.SIMULATION:
            prompt = self._queue.pop(0) if self._queue else self._next_call_prompt()
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
        self._round_scores = {}
        self._timed_out = False
        return prompt

    def upcoming_texts(self) -> list[str]:
        """Texts likely to be spoken next (to synthesise ahead of time)."""
        if self.mode is DrillMode.SIMULATION:
            left = [c.text for c in self.cards if c.objection_id not in set(self._raised)]
            return [p.text for p in self._queue] + left
        return [c.text for c in self.cards]

    @property
    def answer_weak(self) -> bool | None:
        """Whether this prompt's answer was weak: the trainer's score wins over the trainee's
        own; a timed-out answer is weak; None while it is not scored."""
        overall = self._round_scores.get(ScorerRole.TRAINER, self._round_scores.get(ScorerRole.SELF))
        return answer_was_weak(overall, self._timed_out)

    @property
    def has_next(self) -> bool:
        """True when another round follows this one."""
        if self.mode is DrillMode.SIMULATION:
            if self._queue:
                return True
            if self.prompt is not None and self.prompt.kind is RoundKind.OPENING:
                return self._call_limit > 0
            if len(self._raised) >= len(self.cards):
                return False
            return call_goes_on(len(self._raised), self.answer_weak, self._call_limit)
        return self._position < (self.rounds or 0)

    @property
    def call_result(self) -> str | None:
        """How a finished simulated call went: the last objection decides (None: unscored)."""
        if self.mode is not DrillMode.SIMULATION or not self._call_verdicts:
            return None
        last = self._call_verdicts[-1]
        if last is None:
            return None
        n = len(self._call_verdicts)
        if last:
            return f"Call lost: the {_ordinal(n)} objection was answered weakly."
        return f"Meeting won: the {_ordinal(n)} objection was answered well."

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
        self._timed_out = timed_out
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
            self._round_scores[self.scorer] = overall
            result = row
        self.phase = Phase.SCORED
        if result.kind == RoundKind.OBJECTION.value:
            self._refresh_weights()  # a weak answer comes up more in this very session
        return result

    def next(self) -> Prompt | None:
        """Move to the next round, or end the session (returns None) when there is none."""
        if self.phase is Phase.ANSWERING:
            self._close_answer(
                timed_out=self.timer.expired(self.clock.now()) if self.timer else False
            )
        if self.mode is DrillMode.SIMULATION and self.prompt and self.prompt.kind is RoundKind.OBJECTION:
            self._call_verdicts.append(self.answer_weak)
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


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def resolve_rep(session: Session, name: str, what: str) -> Rep:
    """A trainee or trainer by name; an unknown name is a one-line error with close matches
    (``what`` says which field it came from), never a new rep."""
    return require_rep(session, name, what)
