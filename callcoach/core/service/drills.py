"""What the drills screens read and start, through one object (no session in the screens)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from callcoach.clock import Clock
from callcoach.config import Settings
from callcoach.core.drills.assignments import AssignmentStatus, assignments
from callcoach.core.drills.progress import (
    DrillProgressRow,
    ScorePoint,
    drill_progress,
    drill_score_history,
)
from callcoach.core.drills.rounds import DrillError, DrillMode, ScorerRole
from callcoach.core.drills.run import RUBRIC_LABELS, DrillRun, Phase, resolve_rep
from callcoach.core.drills.sets import (
    DrillSetSummary,
    drill_cards,
    drill_set_from_track,
    drill_set_track,
    list_drill_sets,
    talk_track_names,
)
from callcoach.core.drills.speech import Speaker, SpeechState, make_speaker
from callcoach.core.reps import find_rep
from callcoach.core.service.rows import stored_id
from callcoach.storage.db import Database

# The drills screens' one door into the core (see :mod:`callcoach.core.service.block`).
__all__ = [
    "RUBRIC_LABELS",
    "AssignmentStatus",
    "DrillCatalogue",
    "DrillError",
    "DrillMode",
    "DrillRun",
    "DrillService",
    "Phase",
    "ScorerRole",
    "Speaker",
    "SpeechState",
    "StartedDrill",
    "TraineeProgress",
    "make_speaker",
]


@dataclass
class DrillCatalogue:
    """What the set picker offers: saved sets, the library's size, the talk tracks."""

    sets: list[DrillSetSummary]
    library: int
    tracks: list[str]


@dataclass
class TraineeProgress:
    """A trainee's progress rows and score history (empty for an unknown name)."""

    rows: list[DrillProgressRow]
    history: list[ScorePoint]
    assignments: list[AssignmentStatus] = field(default_factory=list)  # done ones too


@dataclass
class StartedDrill:
    """A drill ready to run, with the trainee's and trainer's names as stored."""

    run: DrillRun
    trainee_name: str
    trainer_name: str | None


class DrillService:
    """Drill sets, progress, and new drill runs."""

    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock

    def catalogue(self) -> DrillCatalogue:
        """Every drill set, the objection library's size and the talk tracks' names."""
        with self._db.session() as session:
            return DrillCatalogue(
                list_drill_sets(session), len(drill_cards(session, None)), talk_track_names(session)
            )

    def progress(self, trainee: str) -> TraineeProgress:
        """The named trainee's progress by objection (live calls too) and scores over time."""
        with self._db.session() as session:
            rep = find_rep(session, trainee)
            if rep is None:
                return TraineeProgress([], [])
            rows = drill_progress(session, self._clock.now(), trainee_id=rep.id, include_live=True)
            return TraineeProgress(
                rows,
                drill_score_history(session, stored_id(rep.id)),
                assignments(session, stored_id(rep.id)),
            )

    def open_assignments(self, trainee_id: int) -> list[AssignmentStatus]:
        """The drill sets assigned to this rep and not finished yet, due first."""
        with self._db.session() as session:
            return assignments(session, trainee_id, include_done=False)

    def start(
        self,
        *,
        trainee: str,
        trainer: str,
        drill_set_id: int | None,
        track_name: str | None,
        mode: DrillMode,
        rounds: int | None,
        rng: random.Random | None,
    ) -> StartedDrill:
        """A new drill run on a set (or the library, or a set built from ``track_name``);
        trainee and trainer must exist (reps are added explicitly): a CallcoachError if not."""
        if track_name is not None:
            drill_set_id = drill_set_from_track(self._db, track_name).id
        with self._db.session() as session:
            trainee_rep = resolve_rep(session, trainee, "trainee")
            trainer_rep = resolve_rep(session, trainer, "trainer") if trainer else None
            if trainer_rep is not None and trainer_rep.id == trainee_rep.id:
                raise DrillError("the trainer and the trainee are the same person")
            cards = drill_cards(session, drill_set_id)
            track = drill_set_track(session, drill_set_id)
        drill = self._settings.drill
        run = DrillRun(
            db=self._db,
            clock=self._clock,
            trainee_id=stored_id(trainee_rep.id),
            trainer_id=trainer_rep.id if trainer_rep else None,
            cards=cards,
            drill_set_id=drill_set_id,
            mode=mode,
            rounds=rounds,
            answer_seconds=drill.answer_seconds,
            opening_seconds=drill.opening_seconds,
            track=track,
            rng=rng or random.Random(),
            trainee_name=trainee_rep.name,
        )
        return StartedDrill(run, trainee_rep.name, trainer_rep.name if trainer_rep else None)

    @staticmethod
    def again(run: DrillRun) -> DrillRun:
        """A fresh run with the same trainee, cards and settings as ``run``."""
        return DrillRun(
            db=run.db, clock=run.clock, trainee_id=run.trainee_id, cards=run.cards,
            drill_set_id=run.drill_set_id, trainer_id=run.trainer_id, mode=run.mode,
            rounds=run.rounds, answer_seconds=run.answer_seconds,
            opening_seconds=run.opening_seconds, track=run.track, rng=run.rng,
            trainee_name=run.trainee_name,
        )

