"""The one object the TUI talks to: plain data out of the core, writes into it.

The App holds a :class:`CoachService` (as harlequin's screens reach their database only
through the injected adapter); screens ask it for lists, figures and block state and never
open a database session. It is split by concern: ``block`` (the call block screens),
``review`` (dashboard, goals, planner), ``drills``; what home and the App need sits here.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from callcoach.clock import Clock
from callcoach.config import Settings
from callcoach.core.calling.callbacks import callback_counts
from callcoach.core.calling.journal import connection_trouble, replay_at_start
from callcoach.core.calling.journal_file import OutcomeJournal
from callcoach.core.lists.call_lists import ListSummary, list_summaries
from callcoach.core.reps import default_rep
from callcoach.storage.db import Database
from callcoach.storage.models import Rep

if TYPE_CHECKING:
    from callcoach.core.review.notes import NoteRow
    from callcoach.core.service.block import BlockService
    from callcoach.core.service.drills import DrillService
    from callcoach.core.service.review import ReviewService
    from callcoach.core.service.studio import StudioService


class CoachService:
    """Everything the screens read from and write to the core, for one rep's session."""

    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock

    # Built on first use: start-up imports only what home needs.
    @cached_property
    def block(self) -> BlockService:
        """The call block screens' reads and writes."""
        from callcoach.core.service.block import BlockService

        return BlockService(self._db, self._settings, self._clock)

    @cached_property
    def review(self) -> ReviewService:
        """The dashboard's, goals' and planner's reads and writes."""
        from callcoach.core.service.review import ReviewService

        return ReviewService(self._db, self._clock)

    @cached_property
    def drills(self) -> DrillService:
        """The drills screens' reads and new runs."""
        from callcoach.core.service.drills import DrillService

        return DrillService(self._db, self._settings, self._clock)

    @cached_property
    def studio(self) -> StudioService:
        """The talk-track studio's reads and writes."""
        from callcoach.core.service.studio import StudioService

        return StudioService(self._db, self._settings, self._clock)

    def rep(self, name: str | None = None) -> Rep:
        """The rep for this session: ``name`` if given, else the first SDR, else the OS user."""
        with self._db.session() as session:
            return default_rep(session, name)

    def replay_offline_outcomes(self) -> str:
        """Write outcomes a previous run saved offline; one line for the rep ("" if none)."""
        return replay_at_start(
            self._db, self._settings, OutcomeJournal.for_database(self._db.url)
        )

    def connection_trouble(self, exc: BaseException) -> str | None:
        """One line for a lost database connection, or None when ``exc`` is something else."""
        return connection_trouble(self._db.url, exc)

    def unread_notes(self, rep_id: int) -> list[NoteRow]:
        """The rep's coaching notes not read yet, newest first."""
        from callcoach.core.review.notes import list_notes

        with self._db.session() as session:
            return list_notes(session, rep_ids=(rep_id,), unread_only=True)

    def mark_notes_read(self, rep_id: int, note_ids: list[int]) -> int:
        """Mark the rep's notes read now (committed); how many were unread."""
        from callcoach.core.review.notes import mark_read

        with self._db.session() as session:
            return mark_read(session, rep_id, note_ids, self._clock.now())

    def home(self, rep_id: int, now: datetime) -> tuple[list[ListSummary], tuple[int, int]]:
        """Every call list with its counts, and the rep's (due now, open) callbacks."""
        with self._db.session() as session:
            summaries = list_summaries(session, now, self._settings.window)
            return summaries, callback_counts(session, rep_id, now)


#: The handle the App is built on (``make_app(db, ...)``), named here so the TUI needs no
#: import from storage.
__all__ = ["CoachService", "Database", "ListSummary"]
