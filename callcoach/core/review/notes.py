"""Coaching notes: a manager or trainer writes a dated note for a rep, optionally about one
call attempt, one block or one objection; the rep reads the unread ones on home.

Notes are listed by ``callcoach notes``, shown on the rep's home screen until read, and
carried into that rep's scorecard (HTML) and ``report --by rep --format json``.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from callcoach.errors import CallcoachError
from callcoach.storage.models import (
    CallAttempt,
    CallBlock,
    CoachingNote,
    Objection,
    Rep,
    RepRole,
)

if TYPE_CHECKING:  # home reads notes at start-up: the report modules load only for reports
    from callcoach.core.review.filters import ReportFilter
    from callcoach.core.review.tables import ReportTable

#: Longest note kept (a note is a few sentences, not a report).
MAX_NOTE_CHARS = 2000

#: Who writes coaching notes.
AUTHOR_ROLES = (RepRole.MANAGER.value, RepRole.TRAINER.value)


class NoteError(CallcoachError):
    """A coaching note that cannot be written as given; one line saying why."""


@dataclass(frozen=True)
class NoteRow:
    """One coaching note as listed: who for, who by, when, what about, read or not."""

    id: int
    rep_id: int
    rep: str
    author: str | None
    written_at: datetime
    text: str
    attempt_id: int | None
    block_id: int | None
    objection_key: str | None
    objection_text: str | None
    read_at: datetime | None

    @property
    def about(self) -> str:
        """What the note is about, in a few words (``""`` for a general note)."""
        if self.attempt_id is not None:
            return f"call {self.attempt_id}"
        if self.block_id is not None:
            return f"block {self.block_id}"
        if self.objection_key is not None:
            return f"objection {self.objection_key}"
        return ""

    def as_json(self) -> dict[str, Any]:
        """The note as plain data (``report --format json``)."""
        return {
            "id": self.id,
            "rep": self.rep,
            "author": self.author,
            "written_at": self.written_at.isoformat(),
            "text": self.text,
            "attempt_id": self.attempt_id,
            "block_id": self.block_id,
            "objection": self.objection_key,
            "read_at": self.read_at.isoformat() if self.read_at else None,
        }


def check_author(author: Rep) -> None:
    """Refuse an author who is neither a manager nor a trainer."""
    if author.role not in AUTHOR_ROLES:
        raise NoteError(
            f"{author.name!r} is an {author.role}: coaching notes are written by a manager or "
            f"a trainer (callcoach reps set NAME --role manager)"
        )


def add_note(
    session: Session,
    *,
    rep_id: int,
    author_id: int,
    text: str,
    now: datetime,
    attempt_id: int | None = None,
    block_id: int | None = None,
    objection_key: str | None = None,
) -> NoteRow:
    """Write (and commit) one note for the rep; every reference is checked first, so a
    refused note writes nothing."""
    body = text.strip()
    if not body:
        raise NoteError("--text: the note is empty")
    if len(body) > MAX_NOTE_CHARS:
        raise NoteError(f"--text: {len(body)} characters, at most {MAX_NOTE_CHARS}")
    rep = session.get(Rep, rep_id)
    author = session.get(Rep, author_id)
    if rep is None or author is None:
        raise NoteError("no such rep")
    check_author(author)
    if sum(x is not None for x in (attempt_id, block_id, objection_key)) > 1:
        raise NoteError("a note is about one call, one block or one objection, not several")
    if attempt_id is not None:
        attempt = session.get(CallAttempt, attempt_id)
        if attempt is None or attempt.rep_id != rep_id:
            raise NoteError(f"--attempt {attempt_id}: no call attempt {attempt_id} by {rep.name}")
    if block_id is not None:
        block = session.get(CallBlock, block_id)
        if block is None or block.rep_id != rep_id:
            raise NoteError(f"--block {block_id}: no block {block_id} run by {rep.name}")
    objection_id = None
    if objection_key is not None:
        objection_id = _objection_id(session, objection_key)
    note = CoachingNote(
        rep_id=rep_id,
        author_id=author_id,
        written_at=now,
        text=body,
        attempt_id=attempt_id,
        block_id=block_id,
        objection_id=objection_id,
    )
    session.add(note)
    session.commit()
    session.refresh(note)
    rows = list_notes(session, note_ids=(int(note.id or 0),))
    return rows[0]


def _objection_id(session: Session, key: str) -> int:
    """The objection's id by key (any case), or a one-line error with the closest keys."""
    keys = {str(k): int(i) for k, i in session.execute(
        sa.select(col(Objection.key), col(Objection.id)))}
    by_lower = {k.lower(): k for k in keys}
    found = by_lower.get(key.strip().lower())
    if found is not None:
        return int(keys[found])
    close = difflib.get_close_matches(key.strip().lower(), list(by_lower), n=3, cutoff=0.5)
    hint = (" (did you mean " + " or ".join(repr(by_lower[c]) for c in close) + "?)") if close else ""
    raise NoteError(f"--objection {key!r}: no such objection{hint}")


def list_notes(
    session: Session,
    *,
    rep_ids: Sequence[int] = (),
    unread_only: bool = False,
    start_utc: datetime | None = None,
    end_utc: datetime | None = None,
    note_ids: Sequence[int] = (),
) -> list[NoteRow]:
    """Notes, newest first: for these reps (all when empty), unread only if asked, written in
    ``[start_utc, end_utc)`` when given (one query)."""
    rep = aliased(Rep)
    author = aliased(Rep)
    stmt = (
        sa.select(
            col(CoachingNote.id), col(CoachingNote.rep_id), col(rep.name), col(author.name),
            col(CoachingNote.written_at), col(CoachingNote.text), col(CoachingNote.attempt_id),
            col(CoachingNote.block_id), col(Objection.key), col(Objection.text),
            col(CoachingNote.read_at),
        )
        .join(rep, col(rep.id) == CoachingNote.rep_id)
        .outerjoin(author, col(author.id) == CoachingNote.author_id)
        .outerjoin(Objection, col(Objection.id) == CoachingNote.objection_id)
        .order_by(col(CoachingNote.written_at).desc(), col(CoachingNote.id).desc())
    )
    if rep_ids:
        stmt = stmt.where(col(CoachingNote.rep_id).in_(rep_ids))
    if note_ids:
        stmt = stmt.where(col(CoachingNote.id).in_(note_ids))
    if unread_only:
        stmt = stmt.where(col(CoachingNote.read_at).is_(None))
    if start_utc is not None:
        stmt = stmt.where(col(CoachingNote.written_at) >= start_utc)
    if end_utc is not None:
        stmt = stmt.where(col(CoachingNote.written_at) < end_utc)
    return [
        NoteRow(int(i), int(rid), rname, aname, _aware(at), text, att, blk, okey, otext,
                _aware(read) if read is not None else None)
        for i, rid, rname, aname, at, text, att, blk, okey, otext, read in session.execute(stmt)
    ]


def _aware(moment: datetime) -> datetime:
    """A stored UTC instant, timezone-aware whatever the driver returned."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def mark_read(session: Session, rep_id: int, note_ids: Sequence[int], now: datetime) -> int:
    """Mark the rep's notes read (those still unread among ``note_ids``); commits; how many."""
    if not note_ids:
        return 0
    result = session.execute(
        sa.update(CoachingNote)
        .where(col(CoachingNote.rep_id) == rep_id, col(CoachingNote.id).in_(note_ids),
               col(CoachingNote.read_at).is_(None))
        .values(read_at=now)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def report_notes(session: Session, by: str, f: ReportFilter) -> dict[str, list[NoteRow]]:
    """The coaching notes a report carries, per rep name: those written in the period for
    the filter's reps, when the report is about reps (``--by rep`` or ``--rep``); else none."""
    if by != "rep" and not f.rep_ids:
        return {}
    return notes_by_rep(session, f.rep_ids, f.start_utc, f.end_utc)


def attach_notes(session: Session, table: ReportTable) -> None:
    """Give each row of a ``--by rep`` table its rep's notes in the period, as plain data
    under ``coaching_notes`` (the JSON format; the text and CSV columns ignore the key)."""
    if table.by != "rep" or not table.columns:
        return
    notes = report_notes(session, table.by, table.filter)
    key = table.columns[0].key
    for row in table.rows:
        row["coaching_notes"] = [n.as_json() for n in notes.get(str(row.get(key)), [])]


def notes_by_rep(
    session: Session, rep_ids: Sequence[int], start_utc: datetime, end_utc: datetime
) -> dict[str, list[NoteRow]]:
    """Notes written in the period, per rep name (oldest first): for reports."""
    out: dict[str, list[NoteRow]] = {}
    for note in reversed(list_notes(session, rep_ids=rep_ids, start_utc=start_utc,
                                    end_utc=end_utc)):
        out.setdefault(note.rep, []).append(note)
    return out
