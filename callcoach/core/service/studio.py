"""What the talk-track studio reads and writes, as plain data, through one object.

Tracks (list, edit, copy, assign), the objection library, a real contact to preview a
track with, and how long the opener and each rebuttal take to say (measured by synthesis;
:meth:`StudioService.timer` is safe to call from a thread worker).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlmodel import col, select

from callcoach.clock import Clock
from callcoach.config import Settings
from callcoach.core.drills.speech import Pyttsx3Synthesizer
from callcoach.core.drills.spoken_length import SpeechTimer, SpokenLength
from callcoach.core.lists.track_editing import (
    FIELD_LABELS,
    Assignment,
    LibraryEntry,
    TrackDraft,
    TrackEditError,
    TrackRow,
    add_objection,
    assign_to_cluster,
    assign_to_list,
    complete_merge_field,
    copy_track,
    draft_of,
    library,
    lists_served,
    merge_field_problems,
    parse_cluster,
    sample_contact,
    save_track,
    track_rows,
    update_objection,
)
from callcoach.core.lists.tracks import MERGE_FIELDS, TEXT_FIELDS, render_track_text
from callcoach.storage.db import Database
from callcoach.storage.models import CallList, Contact, TalkTrack

# The studio screens' one door into the core.
__all__ = [
    "FIELD_LABELS",
    "MERGE_FIELDS",
    "TEXT_FIELDS",
    "AssignTarget",
    "Assignment",
    "LibraryEntry",
    "PreviewContact",
    "SpokenLength",
    "StudioService",
    "TrackDraft",
    "TrackEditError",
    "TrackRow",
    "complete_merge_field",
    "merge_field_problems",
    "parse_cluster",
]


@dataclass(frozen=True)
class AssignTarget:
    """Somewhere a track can be assigned: one call list, or a cluster value."""

    label: str
    list_name: str | None = None
    dimension: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class PreviewContact:
    """The contact a preview is filled from, and the list it came from."""

    contact: Contact | None
    list_name: str | None

    def describe(self) -> str:
        """``"Ada Lovelace, Acme (list 'Dental')"`` or why there is none."""
        if self.contact is None:
            return "no contact to preview with: merge fields read as their fallbacks"
        c = self.contact
        who = " ".join(p for p in (c.first_name, c.last_name) if p) or "(no name)"
        company = f", {c.company}" if c.company else ""
        return f"{who}{company} ({self.list_name})"


class StudioService:
    """Talk tracks and the objection library for the studio screens."""

    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._timer: SpeechTimer | None = None
        self._timer_lock = threading.Lock()

    # -- tracks ---------------------------------------------------------------------------

    def tracks(self) -> list[TrackRow]:
        """Every track with its cluster and the lists it serves."""
        with self._db.session() as session:
            return track_rows(session)

    def draft(self, name: str) -> TrackDraft:
        """The named track as an editable draft."""
        with self._db.session() as session:
            return draft_of(session, name)

    def lists_of(self, name: str) -> list[str]:
        """The lists the named track serves."""
        with self._db.session() as session:
            return lists_served(session, name)

    def save(self, draft: TrackDraft, original: str | None) -> str:
        """Create (``original`` None) or update a track; the name saved."""
        return save_track(self._db, draft, self._clock, original)

    def copy(self, name: str, new_name: str) -> str:
        """A copy of the named track under ``new_name``."""
        return copy_track(self._db, name, new_name, self._clock)

    def targets(self) -> list[AssignTarget]:
        """Every call list, then every cluster value the lists have, to assign a track to."""
        with self._db.session() as session:
            lists = list(session.exec(
                select(CallList).where(col(CallList.archived).is_(False)).order_by(col(CallList.name))
            ))
        found = [AssignTarget(f"list: {cl.name}", list_name=cl.name) for cl in lists]
        clusters = sorted({
            (cl.cluster_dimension, cl.cluster_value)
            for cl in lists if cl.cluster_value and cl.cluster_dimension != "none"
        })
        found += [
            AssignTarget(f"cluster: {d}={v}", dimension=d, value=v) for d, v in clusters if v
        ]
        return found

    def assign(self, name: str, target: AssignTarget) -> Assignment:
        """Assign the named track to a list or a cluster value."""
        if target.list_name is not None:
            return assign_to_list(self._db, name, target.list_name)
        if target.dimension and target.value:
            return assign_to_cluster(self._db, name, target.dimension, target.value)
        raise TrackEditError("nothing to assign to: pick a list or a cluster")

    def list_names(self) -> list[str]:
        """Every call list by name (the preview's choices)."""
        with self._db.session() as session:
            return list(session.exec(
                select(CallList.name).where(col(CallList.archived).is_(False)).order_by(col(CallList.name))
            ))

    # -- preview --------------------------------------------------------------------------

    def preview_contact(self, list_name: str | None, track_name: str | None) -> PreviewContact:
        """A real contact of ``list_name`` (else of a list the track serves or its cluster)."""
        with self._db.session() as session:
            contact = sample_contact(session, list_name, track_name)
            shown = list_name
            if contact is not None and shown is None:
                found = session.get(CallList, contact.list_id)
                shown = found.name if found else None
        return PreviewContact(contact, shown)

    def render(self, template: str, draft: TrackDraft, preview: PreviewContact, rep_name: str) -> str:
        """``template`` filled from the preview contact, the rep and the draft's reference."""
        track = TalkTrack(name=draft.name, engage_statement="", impact_question="", meeting_ask="",
                          third_party_reference=draft.third_party_reference)
        return render_track_text(template, preview.contact, rep_name, track)

    def opener(self, draft: TrackDraft, preview: PreviewContact, rep_name: str) -> str:
        """What the rep says before the prospect answers: the introduction and engage
        statement, then the impact question, as said to the preview contact."""
        parts = [draft.engage_statement, draft.impact_question]
        return " ".join(self.render(p, draft, preview, rep_name) for p in parts if p.strip())

    # -- the library ----------------------------------------------------------------------

    def library(self) -> list[LibraryEntry]:
        """The objection library in order."""
        with self._db.session() as session:
            return library(session)

    def add_objection(self, text: str, rebuttal: str) -> str:
        """Add an objection to the library; its new key."""
        return add_objection(self._db, text, rebuttal)

    def update_objection(self, key: str, text: str, rebuttal: str) -> None:
        """Rename an objection and rewrite its library rebuttal."""
        update_objection(self._db, key, text, rebuttal)

    # -- spoken length --------------------------------------------------------------------

    @property
    def engage_seconds(self) -> int:
        """The configured engage phase (introduction + engage + impact)."""
        return self._settings.phases.engage_until

    @property
    def objection_seconds(self) -> int:
        """The configured time for one objection."""
        return self._settings.phases.objection_seconds

    @property
    def rate(self) -> int:
        """The rep's speaking rate (words per minute) synthesis runs at."""
        return self._settings.drill.rate

    def timer(self) -> SpeechTimer:
        """The speech timer (made on first use: it starts the synthesis engine)."""
        with self._timer_lock:
            if self._timer is None:
                drill = self._settings.drill
                self._timer = SpeechTimer(Pyttsx3Synthesizer(), drill.voice, drill.rate)
            return self._timer

    def use_timer(self, timer: SpeechTimer) -> None:
        """Measure with ``timer`` (another engine, or a test's)."""
        with self._timer_lock:
            self._timer = timer

    def spoken(self, text: str, limit: int) -> SpokenLength:
        """How long ``text`` takes to say against ``limit`` seconds (blocking: run it off
        the UI thread); SpeechError when there is no engine."""
        return SpokenLength(self.timer().measure(text), limit)

    def close(self) -> None:
        """Stop the synthesis engine if it was started."""
        with self._timer_lock:
            if self._timer is not None:
                self._timer.close()
                self._timer = None
