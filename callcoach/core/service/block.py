"""What the call block screens read and write, as plain data, through one object.

Every call the block screens make into :mod:`callcoach.core.calling` goes through
:class:`BlockService`, so the screens hold no database session and a rename in the core is
fixed here. The methods are safe on any thread: the block screen runs its writes on a
thread worker, one at a time in key order.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from callcoach.clock import Clock
from callcoach.config import CallingWindow, Settings
from callcoach.core.calling import dialling, lifecycle, outcomes, picking, serving, workdays
from callcoach.core.calling import objections as objection_rules
from callcoach.core.calling.calltimer import (
    CallPhase,
    call_phase,
    clock_text,
    objection_cue,
    ordinal,
    phase_at,
)
from callcoach.core.calling.colleagues import Colleague, same_company_colleagues
from callcoach.core.calling.hold import BlockHold, HeldElsewhere, Holder, HoldLost
from callcoach.core.calling.journal import (
    DurableOutcome,
    DurableUndo,
    call_or_unavailable,
    connection_trouble,
    log_outcome_durably,
    serve_next_durably,
    undo_outcome_durably,
)
from callcoach.core.calling.journal_file import OutcomeJournal
from callcoach.core.calling.lifecycle import HEARTBEAT_SECONDS, BlockError
from callcoach.core.calling.objections import LoggedObjection, ObjectionChoice
from callcoach.core.calling.outcomes import MeetingDetails, OutcomeResult
from callcoach.core.calling.picking import FoundContact
from callcoach.core.calling.queue import QueueOutlook, ZoneCache, contact_zone, queue_outlook
from callcoach.core.calling.serving import ContactHistory
from callcoach.core.calling.summary import BlockFigures, BlockSummary, block_summary, block_tally
from callcoach.core.calling.workdays import (
    DateError,
    days_text,
    default_meeting_day,
    example_day,
    parse_when,
    when_text,
)
from callcoach.core.lists.call_lists import ListSummary, list_summaries
from callcoach.core.lists.phones import display_phone
from callcoach.core.lists.tracks import list_track_id, render_track_text
from callcoach.core.service.rows import stored, stored_id
from callcoach.storage.db import Database
from callcoach.storage.errors import ServerUnavailable
from callcoach.storage.models import CallAttempt, CallBlock, CallList, Contact, TalkTrack

# The block screens' one door into the core: the types and text helpers they use are named
# here too, so a module moved inside core/calling is fixed in this file alone.
__all__ = [
    "HEARTBEAT_SECONDS",
    "BlockError",
    "BlockFigures",
    "BlockSummary",
    "BlockService",
    "BlockState",
    "CallPhase",
    "Colleague",
    "ContactHistory",
    "DateError",
    "DurableOutcome",
    "DurableUndo",
    "FoundContact",
    "HeldElsewhere",
    "Holder",
    "HoldLost",
    "ListData",
    "LoggedObjection",
    "MeetingDetails",
    "NextContact",
    "ObjectionChoice",
    "OutcomeJournal",
    "OutcomeResult",
    "QueueOutlook",
    "ResumeInfo",
    "ServerUnavailable",
    "StartInfo",
    "Undone",
    "SummaryData",
    "ZoneCache",
    "call_phase",
    "clock_text",
    "contact_zone",
    "days_text",
    "default_meeting_day",
    "display_phone",
    "example_day",
    "objection_cue",
    "ordinal",
    "parse_when",
    "phase_at",
    "render_track_text",
    "when_text",
]


@dataclass
class ListData:
    """What the screen shows of a call list, read in one go (on any thread)."""

    call_list: CallList | None
    track: TalkTrack | None
    choices: list[ObjectionChoice]
    zone_cache: ZoneCache


@dataclass
class NextContact:
    """The next contact and all the screen needs to show it (or why there is none)."""

    contact: Contact | None
    replayed: str = ""  # a line about outcomes saved offline that were just written
    history: ContactHistory | None = None
    objections: list[LoggedObjection] = field(default_factory=list)
    outlook: QueueOutlook | None = None  # no contact: why the list has nothing now
    tally: list[int] | None = None  # re-read when outcomes saved offline landed
    unavailable: str | None = None  # the server is away: this line, and go offline
    colleagues: list[Colleague] = field(default_factory=list)  # same company, reached lately


@dataclass
class Undone:
    """An undo as the screen takes it: what was done, and the re-opened call's details."""

    saved: DurableUndo
    history: ContactHistory | None = None
    objections: list[LoggedObjection] = field(default_factory=list)
    tally: list[int] | None = None  # re-read (else the screen takes off ``tally_change``)


@dataclass
class BlockState:
    """A block as the screen opens it: the block, its open call and contact, its counts."""

    block: CallBlock | None
    attempt: CallAttempt | None
    contact: Contact | None
    tally: list[int]


@dataclass
class StartInfo:
    """What the start dialog shows: the rep's block left open (if any), the list, its track."""

    open_block: CallBlock | None
    list_name: str
    track: TalkTrack | None


@dataclass
class ResumeInfo:
    """A block left open: its list's name and whether a call was in progress."""

    list_name: str
    in_call: bool


@dataclass
class SummaryData:
    """A finished block's figures, its list's name and its planned length."""

    summary: BlockSummary
    list_name: str  # the lists dialled: "Software, Healthcare" or "4 lists"
    planned_seconds: float


class BlockService:
    """The call block's reads and writes (plain data in and out; any thread).

    The service holds this window's :class:`BlockHold`: the blocks it starts or resumes are
    held by it, and every write it makes is refused (:class:`HoldLost`) once another window
    took the block over.
    """

    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        #: this window's claim on the block it serves (random per service, i.e. per app)
        self.hold = BlockHold.new()

    # ------------------------------------------------------------ plumbing

    def journal(self) -> OutcomeJournal:
        """The journal that keeps outcomes while the database is away."""
        return OutcomeJournal.for_database(self._db.url)

    def watched(self) -> AbstractContextManager[None]:
        """Wrap a thread's database work: a stalled server fails it instead of holding it."""
        return self._db.watched()

    def connection_trouble(self, exc: BaseException) -> str | None:
        """One line for a lost connection, or None when ``exc`` is something else."""
        return connection_trouble(self._db.url, exc)

    # ------------------------------------------------------------ rules without the database

    @staticmethod
    def remaining_seconds(block: CallBlock, now: datetime) -> float:
        """Calling time left in ``block`` at ``now``."""
        return lifecycle.remaining_seconds(block, now)

    @staticmethod
    def resumable_seconds(block: CallBlock) -> float:
        """The calling time ``block`` gets if resumed now (what the resume dialog offers)."""
        return lifecycle.resumable_seconds(block)

    def live_holder(self, block: CallBlock) -> Holder | None:
        """The other window serving ``block`` now (heartbeat not lapsed), else None."""
        return lifecycle.live_holder(block, self.hold.token, self._clock.now())

    def quick_callback_times(self, now: datetime, zone: str) -> list[tuple[str, datetime]]:
        """The callback dialog's quick picks in the contact's zone, on working days."""
        return workdays.quick_callback_times(
            now, contact_zone(zone), self._settings.working_days, self._settings.window.end
        )

    @property
    def working_days(self) -> tuple[int, ...]:
        """The configured working days (Monday = 0)."""
        return self._settings.working_days

    @staticmethod
    def validate_meeting(details: MeetingDetails, now: datetime) -> None:
        """Raise :class:`BlockError` when the meeting form's details cannot be saved."""
        outcomes.validate_meeting(details, now)

    @staticmethod
    def run_dial_command(command: str, phone: str) -> str | None:
        """Run the configured dial command; one line on failure, else None."""
        return dialling.run_dial_command(command, phone)

    # ------------------------------------------------------------ reads

    def unfinished_block(self, rep_id: int) -> CallBlock | None:
        """The rep's block left running or paused, if any."""
        with self._db.session() as s:
            return lifecycle.unfinished_block(s, rep_id)

    def open_state(self, block_id: int) -> BlockState:
        """The block, its open call, its current contact and its counts."""
        with self._db.session() as s:
            return BlockState(
                block=s.get(CallBlock, block_id),
                attempt=lifecycle.open_attempt(s, block_id),
                contact=serving.current_contact(s, block_id),
                tally=list(block_tally(s, block_id)),
            )

    def read_list(self, list_id: int, window: CallingWindow | None = None) -> ListData:
        """A list's name, talk track and objection choices, with its zone cache."""
        window = window or self._settings.window
        with self._db.session() as s:
            call_list = s.get(CallList, list_id)
            track_id = list_track_id(s, list_id) if call_list else None
            track = s.get(TalkTrack, track_id) if track_id else None
            choices = objection_rules.objection_choices(s, list_id)
        return ListData(call_list, track, choices, ZoneCache(list_id, window))

    def read_details(
        self, contact: Contact | None, attempt: CallAttempt | None
    ) -> tuple[ContactHistory | None, list[LoggedObjection]]:
        """The contact's recent calls and the open call's objections."""
        if attempt is None and contact is not None and not contact.attempts:
            # Never called: nothing to read (the common case, kept off the database).
            return ContactHistory(0, None, None, []), []
        with self._db.session() as s:
            history = serving.contact_history(s, stored_id(contact.id)) if contact else None
            objections = (
                objection_rules.call_objections(s, stored_id(attempt.id)) if attempt is not None else []
            )
        return history, objections

    def list_summaries(self, now: datetime) -> list[ListSummary]:
        """Every call list with its counts (callable now at ``now``)."""
        with self._db.session() as s:
            return list_summaries(s, now, self._settings.window)

    def start_info(self, rep_id: int, list_id: int) -> StartInfo:
        """What starting a block on ``list_id`` needs: an open block, the list, its track."""
        with self._db.session() as s:
            open_block = lifecycle.unfinished_block(s, rep_id)
            call_list = stored(s.get(CallList, list_id), f"call list {list_id}")
            track_id = list_track_id(s, list_id)
            track = s.get(TalkTrack, track_id) if track_id else None
            return StartInfo(open_block, call_list.name, track)

    def resume_info(self, block: CallBlock) -> ResumeInfo:
        """The open block's list name and whether a call was in progress."""
        with self._db.session() as s:
            name = stored(s.get(CallList, block.list_id), f"call list {block.list_id}").name
            in_call = lifecycle.open_attempt(s, stored_id(block.id)) is not None
        return ResumeInfo(name, in_call)

    def summary(self, block_id: int) -> SummaryData:
        """The block's summary beside the rep's previous blocks."""
        with self._db.session() as s:
            summary = block_summary(s, block_id, self._settings.phases)
            block = stored(s.get(CallBlock, block_id), f"call block {block_id}")
            name = stored(s.get(CallList, block.list_id), f"call list {block.list_id}").name
            return SummaryData(summary, summary.lists_title(name), block.planned_seconds)

    # ------------------------------------------------------------ serving

    def fetch_next(
        self,
        clock: Clock,
        journal: OutcomeJournal,
        block: CallBlock,
        zone_cache: ZoneCache | None,
        served: Contact | None | bool = False,
    ) -> NextContact:
        """Reserve the block's next contact (``served``: already reserved with an outcome),
        writing outcomes saved offline first, and read what the screen shows of it. A lost
        server is reported, not raised."""
        db = self._db
        replayed = ""
        try:
            if served is False:
                served, replayed = serve_next_durably(
                    db, clock, self._settings, journal, block, zone_cache, self.hold.token
                )
            contact: Contact | None = served  # type: ignore[assignment]
            return call_or_unavailable(
                db, lambda: self._read_next(clock, block, contact, replayed)
            )
        except ServerUnavailable as exc:
            return NextContact(None, unavailable=str(exc))

    def read_colleagues(
        self, contact: Contact | None, block_id: int | None, now: datetime
    ) -> list[Colleague]:
        """Other contacts at the contact's company reached in this block or lately."""
        if contact is None or not contact.company.strip():
            return []
        with self._db.session() as s:
            return same_company_colleagues(s, contact, block_id, now)

    def _read_next(
        self, clock: Clock, block: CallBlock, contact: Contact | None, replayed: str
    ) -> NextContact:
        nxt = NextContact(contact, replayed)
        if replayed:
            with self._db.session() as s:
                nxt.tally = list(block_tally(s, stored_id(block.id)))
        if contact is not None:
            nxt.history, nxt.objections = self.read_details(contact, None)
            nxt.colleagues = self.read_colleagues(contact, block.id, clock.now())
        else:
            with self._db.session() as s:
                nxt.outlook = queue_outlook(s, block.list_id, clock.now())
        return nxt

    # ------------------------------------------------------------ writes

    def touch(self, block_id: int) -> None:
        """Tell the database the block is alive; a lost server raises ServerUnavailable."""
        db, clock, owner = self._db, self._clock, self.hold.token
        call_or_unavailable(db, lambda: lifecycle.touch_block(db, clock, block_id, owner=owner))

    def start_block(
        self, clock: Clock, rep_id: int, list_id: int, minutes: float
    ) -> CallBlock:
        """Start a block of ``minutes`` on ``list_id``, held by this window."""
        return lifecycle.start_block(
            self._db, clock, rep_id=rep_id, list_id=list_id, minutes=minutes, hold=self.hold
        )

    def recover_block(self, clock: Clock, block_id: int, take_over: bool = False) -> CallBlock:
        """Take up a block left open (the time since its last sign of life is a pause) and
        hold it here: refused (:class:`HeldElsewhere`) while another window serves it,
        unless ``take_over`` (that window's next write is then refused)."""
        return lifecycle.recover_block(
            self._db, clock, block_id, hold=self.hold, take_over=take_over
        )

    def end_block(self, clock: Clock, block_id: int) -> CallBlock:
        """End the block."""
        return lifecycle.end_block(self._db, clock, block_id, owner=self.hold.token)

    def pause_block(self, clock: Clock, block_id: int) -> CallBlock:
        """Stop the block clock."""
        return lifecycle.pause_block(self._db, clock, block_id, owner=self.hold.token)

    def resume_block(self, clock: Clock, block_id: int) -> CallBlock:
        """Start the block clock again."""
        return lifecycle.resume_block(self._db, clock, block_id, owner=self.hold.token)

    def dial(
        self, clock: Clock, block_id: int, contact_id: int, note: str
    ) -> tuple[CallAttempt, str | None]:
        """Dial, then save the note kept for this contact; returns the call and, if the note
        could not be saved (it then goes with the outcome), why."""
        db, owner = self._db, self.hold.token
        attempt = dialling.dial(db, clock, block_id, contact_id, owner=owner)
        if not note:
            return attempt, None
        try:
            dialling.add_note(db, clock, block_id, note, owner=owner)
        except Exception as exc:
            if isinstance(exc, BlockError):
                return attempt, str(exc)
            trouble = connection_trouble(db.url, exc)
            if trouble is None:
                raise
            return attempt, trouble
        return attempt, None

    def add_note(
        self, clock: Clock, block_id: int, text: str, contact: Contact, attempt: CallAttempt
    ) -> tuple[ContactHistory | None, list[LoggedObjection]]:
        """Save a note on the open call; returns the contact's history and objections again."""
        dialling.add_note(self._db, clock, block_id, text, owner=self.hold.token)
        return self.read_details(contact, attempt)

    def log_objection(self, clock: Clock, block_id: int, objection_id: int) -> LoggedObjection:
        """Log an objection on the open call, in order, with its rebuttal."""
        return objection_rules.log_objection(
            self._db, clock, block_id, objection_id, owner=self.hold.token
        )

    def log_typed_objection(
        self, clock: Clock, block_id: int, text: str
    ) -> tuple[LoggedObjection, bool]:
        """Log an objection the rep typed on the open call, in order, adding it to the library
        as "new from a call" (True) unless the library has those words already."""
        return objection_rules.log_typed_objection(
            self._db, clock, block_id, text, owner=self.hold.token
        )

    def set_overcome(self, attempt_objection_id: int, overcome: bool | None) -> None:
        """Mark a logged objection overcome or not."""
        objection_rules.set_overcome(
            self._db, attempt_objection_id, overcome, owner=self.hold.token, clock=self._clock
        )

    def log_outcome(
        self,
        clock: Clock,
        journal: OutcomeJournal,
        block: CallBlock,
        zone_cache: ZoneCache | None,
        *,
        outcome: str,
        contact_id: int,
        note: str,
        done: bool,
        **kwargs: Any,  # callback_at, meeting
    ) -> tuple[DurableOutcome, NextContact | None]:
        """Log the outcome (kept in the journal if the server is away) and, unless the
        block is ``done``, reserve and read the next contact."""
        saved = log_outcome_durably(
            self._db,
            clock,
            self._settings,
            journal,
            block_id=stored_id(block.id),
            outcome=outcome,
            contact_id=contact_id,
            note=note,
            serve=not done,
            zone_cache=zone_cache,
            owner=self.hold.token,
            **kwargs,
        )
        if saved.result is None or done:
            return saved, None
        served = saved.result.next_contact
        return saved, self.fetch_next(clock, journal, block, zone_cache, served)

    def switch_list(
        self, clock: Clock, journal: OutcomeJournal, block_id: int, list_id: int
    ) -> tuple[CallBlock, ListData, NextContact]:
        """Carry the block on another list: the block, the list's data, its next contact."""
        block = lifecycle.switch_list(self._db, clock, block_id, list_id, owner=self.hold.token)
        data = self.read_list(block.list_id)
        return block, data, self.fetch_next(clock, journal, block, data.zone_cache)

    # ------------------------------------------------------------ corrections and picks

    def undo_last(
        self, clock: Clock, journal: OutcomeJournal, block_id: int, undoes: str | None,
        contact_id: int | None,
    ) -> Undone:
        """Undo the block's last outcome (``undoes``: its client_uuid, when the screen
        knows it), journaled if the server is away; with the re-opened call's details."""
        saved = undo_outcome_durably(
            self._db, clock, self._settings, journal, block_id=block_id, undoes=undoes,
            contact_id=contact_id, owner=self.hold.token,
        )
        done = Undone(saved)
        if saved.result is not None:
            result = saved.result
            done.history, done.objections = self.read_details(result.contact, result.attempt)
            if saved.replay.written or result.replayed:
                # Outcomes saved offline landed first: the screen's tallies are behind.
                with self._db.session() as s:
                    done.tally = list(block_tally(s, block_id))
        return done

    def skip(
        self, clock: Clock, journal: OutcomeJournal, block: CallBlock,
        zone_cache: ZoneCache | None, contact_id: int,
    ) -> NextContact:
        """Skip the contact on screen (no dial, no attempt) and read the next one."""
        db = self._db
        served = call_or_unavailable(
            db,
            lambda: picking.skip_contact(
                db, clock, self._settings, block_id=stored_id(block.id), contact_id=contact_id,
                zone_cache=zone_cache, owner=self.hold.token,
            ),
        )
        return self.fetch_next(clock, journal, block, zone_cache, served)

    def find_contacts(self, clock: Clock, block_id: int, text: str) -> list[FoundContact]:
        """The block list's callable contacts matching ``text`` (name, company, number)."""
        return picking.find_contacts(self._db, clock, self._settings, block_id=block_id, text=text)

    def serve_chosen(
        self, clock: Clock, journal: OutcomeJournal, block: CallBlock, contact_id: int
    ) -> NextContact:
        """Put the contact the rep found on screen next, with what the screen shows of it."""
        contact = picking.serve_chosen(
            self._db, clock, self._settings, block_id=stored_id(block.id),
            contact_id=contact_id, owner=self.hold.token,
        )
        return self.fetch_next(clock, journal, block, None, contact)
