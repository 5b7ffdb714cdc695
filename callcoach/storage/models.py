"""SQLModel tables for the whole mission: lists, contacts, talk tracks, blocks, attempts,
meetings, callbacks, drills and goals.

All instants are stored as UTC and read back timezone-aware (see :class:`UTCDateTime`).
Enumerations are stored as short strings so reports can GROUP BY them in plain SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from callcoach.catalog.outcomes import ContactStatus


class UTCDateTime(TypeDecorator):
    """A DateTime column that accepts only aware datetimes and always returns aware UTC.

    SQLite has no time zones, so values are stored as naive UTC there and re-tagged on
    the way out; PostgreSQL stores ``timestamptz``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        """Convert an aware datetime to UTC before it is written."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: callcoach stores aware UTC only")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        """Return stored values as aware UTC datetimes."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: Table models are never validated by pydantic (SQLModel builds them without validation), so
#: their pydantic schemas are built on first use only: a faster start for every command.
_LAZY_VALIDATION = {"defer_build": True}


def _now() -> datetime:
    return datetime.now(UTC)


_Model = TypeVar("_Model", bound=SQLModel)


def table_of(model: type[SQLModel]) -> sa.Table:
    """The table a table model maps, typed (SQLModel's ``__table__`` is not in its stubs)."""
    table = sa.inspect(model).local_table
    assert isinstance(table, sa.Table)
    return table


def from_row(model: type[_Model], values: Mapping[str, Any]) -> _Model:
    """A detached instance of a table model from a whole row of column values.

    Built the way the ORM's own loader builds a loaded object (no per-attribute events,
    no defaults to compute): about a tenth of the cost of ``model(**values)``, which the
    hot path pays several times per call. ``values`` must hold every column.
    """
    if not _mappers_ready:
        sa.orm.configure_mappers()  # what any ORM query does first; needed by the state below
        _mappers_ready.append(True)
    obj = manager_of_class(model).new_instance()
    obj.__dict__.update(values)
    make_transient_to_detached(obj)
    return obj


_mappers_ready: list[bool] = []


class RepRole(StrEnum):
    """What a person does in callcoach."""

    SDR = "sdr"
    MANAGER = "manager"
    TRAINER = "trainer"


class ClusterDimension(StrEnum):
    """The theme a call list is clustered around."""

    VERTICAL = "vertical"
    REGION = "region"
    SIZE = "size"
    ROLE = "role"
    NONE = "none"


class Origin(StrEnum):
    """Where an objection or a talk track came from."""

    STARTER = "starter"  # seeded into every database, to rewrite
    LIBRARY = "library"  # loaded from a file or written by the team
    CALL = "call"  # typed by a rep in a call ("new from a call")


class BlockStatus(StrEnum):
    """Life of a call block."""

    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"
    ABANDONED = "abandoned"


class MeetingKind(StrEnum):
    """How the follow-up meeting happens."""

    PHONE = "phone"
    WEB = "web"
    IN_PERSON = "in_person"


class Rep(SQLModel, table=True):
    """A person using callcoach: an SDR, a manager or a trainer."""

    __tablename__ = "rep"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True, index=True)
    role: str = Field(default=RepRole.SDR.value, max_length=16)
    email: str | None = Field(default=None, max_length=254)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class TalkTrack(SQLModel, table=True):
    """What to say to a whole clustered list."""

    __tablename__ = "talk_track"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True, index=True)
    cluster_dimension: str | None = Field(default=None, max_length=16)
    cluster_value: str | None = Field(default=None, max_length=120)
    engage_statement: str = Field(sa_type=sa.Text)
    impact_question: str = Field(sa_type=sa.Text)
    meeting_ask: str = Field(sa_type=sa.Text)
    voicemail_script: str = Field(default="", sa_type=sa.Text)
    third_party_reference: str = Field(default="", sa_type=sa.Text)
    parking_lot_line: str = Field(default="", sa_type=sa.Text)
    greeting: str = Field(default="", sa_type=sa.Text)  # what a prospect says on picking up
    updated_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    #: Where the track came from: "starter" (seeded, to rewrite) or "library" (loaded/written).
    origin: str = Field(default="library", max_length=16)


class Objection(SQLModel, table=True):
    """An objection from the library, with its default rebuttal."""

    __tablename__ = "objection"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True, index=True)  # stable slug, e.g. "send_info"
    text: str = Field(sa_type=sa.Text)  # as the prospect says it
    rebuttal: str = Field(sa_type=sa.Text)
    position: int = Field(default=0)  # library order
    #: "starter" (seeded), "library" (loaded or written) or "call" (typed by a rep in a call).
    origin: str = Field(default="library", max_length=16)


class TalkTrackObjection(SQLModel, table=True):
    """An objection likely for a talk track, optionally with a cluster-specific rebuttal."""

    __tablename__ = "talk_track_objection"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]
    __table_args__ = (sa.UniqueConstraint("talk_track_id", "objection_id"),)

    id: int | None = Field(default=None, primary_key=True)
    talk_track_id: int = Field(foreign_key="talk_track.id", index=True, ondelete="CASCADE")
    objection_id: int = Field(foreign_key="objection.id", ondelete="CASCADE")
    rebuttal_override: str | None = Field(default=None, sa_type=sa.Text)
    position: int = Field(default=0)


class CallList(SQLModel, table=True):
    """A call list clustered around one theme so one talk track serves it."""

    __tablename__ = "call_list"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=160, unique=True, index=True)
    cluster_dimension: str = Field(default=ClusterDimension.NONE.value, max_length=16)
    cluster_value: str | None = Field(default=None, max_length=120)
    talk_track_id: int | None = Field(default=None, foreign_key="talk_track.id", ondelete="SET NULL")
    source_file: str | None = Field(default=None, max_length=500)
    archived: bool = Field(default=False)
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class Contact(SQLModel, table=True):
    """A person to call, belonging to one call list."""

    __tablename__ = "contact"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]
    __table_args__ = (
        # The queue's hot path: callable contacts of a list in due order. ``id`` is the
        # queue's tie-break, so the index alone yields ORDER BY next_call_at, id and
        # LIMIT 1 stops at the first row (without it a 10k-contact list sorts every row).
        sa.Index("ix_contact_queue", "list_id", "status", "next_call_at", "id"),
        sa.Index("ix_contact_phone", "phone"),
        sa.Index("ix_contact_reserved", "reserved_by_block_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    list_id: int = Field(foreign_key="call_list.id", ondelete="CASCADE")
    first_name: str = Field(default="", max_length=120)
    last_name: str = Field(default="", max_length=120)
    title: str = Field(default="", max_length=200)
    role_family: str = Field(default="", max_length=40)
    company: str = Field(default="", max_length=200)
    vertical: str = Field(default="", max_length=120)
    region: str = Field(default="", max_length=120)
    country: str = Field(default="", max_length=2)  # ISO 3166-1 alpha-2 from the number
    company_size: int | None = Field(default=None)
    size_band: str = Field(default="", max_length=40)
    phone: str = Field(max_length=20)  # E.164
    extension: str = Field(default="", max_length=20)
    email: str = Field(default="", max_length=254)
    timezone: str = Field(default="", max_length=64)  # IANA name derived from the number
    status: str = Field(default=ContactStatus.NEW.value, max_length=16)
    attempts: int = Field(default=0)
    next_call_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_outcome: str | None = Field(default=None, max_length=20)
    last_called_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    do_not_call: bool = Field(default=False)
    external_id: str = Field(default="", max_length=120)  # CRM / vendor lead id
    # Which block currently holds this contact (served to one block at a time).
    reserved_by_block_id: int | None = Field(default=None)
    reserved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    callback_rep_id: int | None = Field(default=None, foreign_key="rep.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)

    @property
    def full_name(self) -> str:
        """First and last name joined, or the company when the person has no name."""
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.company


class DoNotCall(SQLModel, table=True):
    """The global do-not-call register, by E.164 phone number, across every list."""

    __tablename__ = "do_not_call"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]

    phone: str = Field(primary_key=True, max_length=20)
    added_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    source: str = Field(default="", max_length=200)  # "import:FILE:LINE" or "call:ATTEMPT"


class CallBlock(SQLModel, table=True):
    """A protected, timed calling session (about 52 minutes) of one rep on one list."""

    __tablename__ = "call_block"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]
    __table_args__ = (sa.Index("ix_call_block_rep_started", "rep_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    rep_id: int = Field(foreign_key="rep.id")
    list_id: int = Field(foreign_key="call_list.id", index=True)
    planned_seconds: int = Field(default=52 * 60)
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paused_seconds: float = Field(default=0.0)  # closed pauses, summed
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # open pause
    status: str = Field(default=BlockStatus.RUNNING.value, max_length=16, index=True)
    last_activity_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The one process (window) serving the block: its random token, set when it starts or
    # resumes the block; every write of the block checks it (migration 0009). NULL: no
    # holder known (a block from before 0009, or opened outside the TUI).
    owner_token: str | None = Field(default=None, max_length=64)
    owner_host: str = Field(default="", max_length=255, sa_column_kwargs={"server_default": ""})
    owner_pid: int | None = Field(default=None)
    owner_since: datetime | None = Field(default=None, sa_type=UTCDateTime)


class BlockPause(SQLModel, table=True):
    """One pause inside a call block (paused time does not count against the block)."""

    __tablename__ = "block_pause"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]

    id: int | None = Field(default=None, primary_key=True)
    block_id: int = Field(foreign_key="call_block.id", index=True, ondelete="CASCADE")
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CallAttempt(SQLModel, table=True):
    """One dial of one contact. ``outcome`` is NULL while the call is in progress."""

    __tablename__ = "call_attempt"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]
    __table_args__ = (
        sa.Index("ix_attempt_rep_logged", "rep_id", "logged_at"),
        sa.Index("ix_attempt_list_logged", "list_id", "logged_at"),
        sa.Index("ix_attempt_contact", "contact_id", "dialed_at"),
        sa.Index("ix_attempt_logged", "logged_at"),
        # ix_attempt_report and ix_attempt_answered (the reports' covering indexes) are
        # declared below the class: they cover the derived columns added there.
        # An outcome is stored exactly once, even when a journal replays it.
        sa.UniqueConstraint("client_uuid", name="uq_attempt_client_uuid"),
        # An undo is applied exactly once, even when a journal replays it.
        sa.Index("ix_attempt_undo_uuid", "undo_uuid", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_uuid: str | None = Field(default=None, max_length=36)
    block_id: int | None = Field(default=None, foreign_key="call_block.id", ondelete="SET NULL")
    rep_id: int = Field(foreign_key="rep.id")
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE")
    list_id: int = Field(foreign_key="call_list.id")
    attempt_number: int = Field(default=1)
    dialed_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    logged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str | None = Field(default=None, max_length=20)
    duration_seconds: float | None = Field(default=None)
    # Seconds from the previous outcome in the same block to this dial (dead time).
    gap_seconds: float | None = Field(default=None)
    connected: bool = Field(default=False)
    conversation: bool = Field(default=False)
    notes: str = Field(default="", sa_type=sa.Text)
    # What the outcome changed, as JSON (core/calling/undo.py): written with the outcome,
    # read by its undo (migration 0016). NULL while the call is open.
    prior: str | None = Field(default=None, sa_type=sa.Text)
    # The attempt's record of an undo of its outcome: when, which outcome, the undo's key.
    undone_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    undone_outcome: str | None = Field(default=None, max_length=20)
    undo_uuid: str | None = Field(default=None, max_length=36)


#: Quarter hours: every UTC offset and DST change of a modern time zone falls on one, so the
#: quarter hour of a dial decides its local hour and weekday in any display zone.
SLOT_SECONDS = 900
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def attempt_epochs(
    dialed_at: datetime, logged_at: datetime | None, outcome: str | None
) -> dict[str, int | None]:
    """``dialed_slot`` and ``logged_epoch`` of an attempt, as the database trigger sets them."""
    def seconds(t: datetime) -> int:
        return (t - _EPOCH) // timedelta(seconds=1)

    logged = seconds(logged_at) if outcome is not None and logged_at is not None else None
    return {"dialed_slot": seconds(dialed_at) // SLOT_SECONDS, "logged_epoch": logged}


# Two derived columns for the reports, kept by a trigger of the database (migration 0007) on
# every insert and every change of outcome, logged_at or dialed_at, whoever writes: whole
# seconds since 1970 UTC of logged_at for a call with an outcome (NULL while in progress),
# and quarter hours since 1970 UTC of dialed_at. Plain columns (not generated ones: SQLite
# 3.40 never reads an index holding a generated column without the table). Table columns
# only, not model attributes: loading an attempt never reads them.
_attempt = table_of(CallAttempt)
_attempt.append_column(sa.Column("logged_epoch", sa.BigInteger, nullable=True))
_attempt.append_column(sa.Column("dialed_slot", sa.BigInteger, nullable=True))
#: Covers every dial of a block together (all columns the reports read per dial), so a
#: report over a long period runs per block without sorting: rep, list, week and blocks run
#: from per-block sums, hour and weekday from per-block, per-quarter-hour sums. Also the
#: block's own lookup index (block_id first).
sa.Index(
    "ix_attempt_report",
    _attempt.c.block_id,
    _attempt.c.rep_id,
    _attempt.c.list_id,
    _attempt.c.dialed_slot,
    _attempt.c.logged_epoch,
    _attempt.c.gap_seconds,
)
#: The calls in progress (one per live block at most), per block: the dial's and the
#: outcome's "which call is open?" reads one entry, however long the block (migration 0008).
sa.Index(
    "ix_attempt_open",
    _attempt.c.block_id,
    _attempt.c.dialed_at,
    sqlite_where=sa.text("outcome IS NULL"),
    postgresql_where=sa.text("outcome IS NULL"),
)
#: The calls that count toward connects, conversations or meetings (about one dial in ten),
#: by logged instant, with every column those counts read.
ANSWERED_SQLITE = "connected = 1 OR conversation = 1 OR outcome = 'meeting'"
ANSWERED_POSTGRESQL = "connected OR conversation OR outcome = 'meeting'"
sa.Index(
    "ix_attempt_answered",
    _attempt.c.logged_epoch,
    _attempt.c.rep_id,
    _attempt.c.list_id,
    _attempt.c.dialed_slot,
    _attempt.c.connected,
    _attempt.c.conversation,
    _attempt.c.outcome,
    _attempt.c.duration_seconds,
    sqlite_where=sa.text(ANSWERED_SQLITE),
    postgresql_where=sa.text(ANSWERED_POSTGRESQL),
)


class AttemptObjection(SQLModel, table=True):
    """An objection raised on a call, in the order raised, and whether it was overcome."""

    __tablename__ = "attempt_objection"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]
    __table_args__ = (
        sa.UniqueConstraint("attempt_id", "position"),
        # Per call, with what the objection reports read (no lookup into this table).
        sa.Index("ix_attempt_objection_call", "attempt_id", "objection_id", "overcome"),
    )

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="call_attempt.id", ondelete="CASCADE")
    objection_id: int = Field(foreign_key="objection.id", index=True)
    position: int = Field(default=1)  # 1st, 2nd, 3rd, 4th...
    raised_at: datetime = Field(sa_type=UTCDateTime)
    overcome: bool | None = Field(default=None)


class Meeting(SQLModel, table=True):
    """The goal of a call: a formal follow-up with a date and time."""

    __tablename__ = "meeting"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="call_attempt.id", unique=True, ondelete="CASCADE")
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    rep_id: int = Field(foreign_key="rep.id", index=True)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    duration_minutes: int = Field(default=30)
    kind: str = Field(default=MeetingKind.WEB.value, max_length=16)
    email: str = Field(default="", max_length=254)
    parked_questions: str = Field(default="", sa_type=sa.Text)  # one per line: the agenda
    ics_path: str | None = Field(default=None, max_length=1000)
    held: bool | None = Field(default=None)  # None until known
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class Callback(SQLModel, table=True):
    """A callback the prospect asked for; stays with its rep unless released."""

    __tablename__ = "callback"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]
    __table_args__ = (sa.Index("ix_callback_due", "done", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="call_attempt.id", unique=True, ondelete="CASCADE")
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    rep_id: int | None = Field(default=None, foreign_key="rep.id", ondelete="SET NULL")
    due_at: datetime = Field(sa_type=UTCDateTime)
    done: bool = Field(default=False)
    released: bool = Field(default=False)


class DrillSet(SQLModel, table=True):
    """A named set of objections for drills, from the library or from a talk track."""

    __tablename__ = "drill_set"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True, index=True)
    description: str = Field(default="", sa_type=sa.Text)
    talk_track_id: int | None = Field(default=None, foreign_key="talk_track.id", ondelete="SET NULL")


class DrillSetItem(SQLModel, table=True):
    """One objection in a drill set."""

    __tablename__ = "drill_set_item"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]
    __table_args__ = (sa.UniqueConstraint("drill_set_id", "objection_id"),)

    id: int | None = Field(default=None, primary_key=True)
    drill_set_id: int = Field(foreign_key="drill_set.id", index=True, ondelete="CASCADE")
    objection_id: int = Field(foreign_key="objection.id", ondelete="CASCADE")
    rebuttal_override: str | None = Field(default=None, sa_type=sa.Text)
    position: int = Field(default=0)


class DrillSession(SQLModel, table=True):
    """A trainee's drill: single objections or a chained call simulation."""

    __tablename__ = "drill_session"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]

    id: int | None = Field(default=None, primary_key=True)
    drill_set_id: int | None = Field(default=None, foreign_key="drill_set.id", ondelete="SET NULL")
    trainee_id: int = Field(foreign_key="rep.id", index=True)
    trainer_id: int | None = Field(default=None, foreign_key="rep.id")
    mode: str = Field(default="single", max_length=16)  # single | simulation
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DrillRound(SQLModel, table=True):
    """One objection answered in a drill, with its rubric and overall score."""

    __tablename__ = "drill_round"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]
    __table_args__ = (sa.Index("ix_drill_round_objection", "objection_id", "scored_at"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="drill_session.id", index=True, ondelete="CASCADE")
    objection_id: int | None = Field(default=None, foreign_key="objection.id")
    kind: str = Field(default="objection", max_length=16)  # objection | opening
    position: int = Field(default=1)  # order within a simulated call
    prompted_at: datetime = Field(sa_type=UTCDateTime)
    answer_seconds: float | None = Field(default=None)
    timed_out: bool = Field(default=False)
    acknowledged: bool | None = Field(default=None)
    returned_to_impact: bool | None = Field(default=None)
    asked_again: bool | None = Field(default=None)
    overall: int | None = Field(default=None)  # 1-5
    scored_by_id: int | None = Field(default=None, foreign_key="rep.id")
    scorer_role: str | None = Field(default=None, max_length=16)  # self | trainer
    scored_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DrillAssignment(SQLModel, table=True):
    """A drill set a trainer gave a trainee to finish by a date (one per set and trainee).

    Completion is not stored: it is derived from the trainee's scored rounds on that set
    since ``assigned_at`` (see :mod:`callcoach.core.drills.assignments`).
    """

    __tablename__ = "drill_assignment"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]
    __table_args__ = (sa.UniqueConstraint("drill_set_id", "trainee_id"),)

    id: int | None = Field(default=None, primary_key=True)
    drill_set_id: int = Field(foreign_key="drill_set.id", ondelete="CASCADE")
    trainee_id: int = Field(foreign_key="rep.id", index=True, ondelete="CASCADE")
    assigned_by_id: int | None = Field(default=None, foreign_key="rep.id", ondelete="SET NULL")
    due_on: date
    assigned_at: datetime = Field(sa_type=UTCDateTime)


class WeeklyGoal(SQLModel, table=True):
    """A manager's weekly goal for a rep."""

    __tablename__ = "weekly_goal"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]
    __table_args__ = (sa.UniqueConstraint("rep_id", "week_start"),)

    id: int | None = Field(default=None, primary_key=True)
    rep_id: int = Field(foreign_key="rep.id", index=True, ondelete="CASCADE")
    week_start: date  # Monday
    blocks: int = Field(default=0)
    dials: int = Field(default=0)
    meetings: int = Field(default=0)


class ActivityExport(SQLModel, table=True):
    """One call or meeting written to a CRM import file: ``callcoach export activities``
    skips what is recorded here for the same target, so a second run writes nothing new."""

    __tablename__ = "activity_export"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]

    target: str = Field(primary_key=True, max_length=16)  # hubspot | salesforce | csv
    kind: str = Field(primary_key=True, max_length=8)  # call | meeting
    activity_id: int = Field(primary_key=True)  # call_attempt.id or meeting.id
    exported_at: datetime = Field(sa_type=UTCDateTime)


class CoachingNote(SQLModel, table=True):
    """A dated note a manager or trainer writes for a rep, optionally about one call attempt,
    one block or one objection; ``read_at`` is set when the rep has seen it on home."""

    __tablename__ = "coaching_note"
    model_config = _LAZY_VALIDATION  # type: ignore[assignment]
    __table_args__ = (sa.Index("ix_coaching_note_rep_written", "rep_id", "written_at"),)

    id: int | None = Field(default=None, primary_key=True)
    rep_id: int = Field(foreign_key="rep.id", ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="rep.id", ondelete="SET NULL")
    written_at: datetime = Field(sa_type=UTCDateTime)
    text: str = Field(sa_type=sa.Text)
    attempt_id: int | None = Field(default=None, foreign_key="call_attempt.id",
                                   ondelete="SET NULL")
    block_id: int | None = Field(default=None, foreign_key="call_block.id", ondelete="SET NULL")
    objection_id: int | None = Field(default=None, foreign_key="objection.id",
                                     ondelete="SET NULL")
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


ALL_TABLES = SQLModel.metadata
