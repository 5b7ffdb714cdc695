"""Talk tracks as a rep edits them: list, show, create, copy, save, assign; the objection
library's entries added, renamed and rewritten; merge fields checked and completed.

The TOML loader (:mod:`callcoach.core.lists.tracks`) and this module share one set of
rules: the merge fields, the required fields and the cluster dimensions. Every write is
one transaction; a mistake is a :class:`TrackEditError` with one line naming the track,
the field and the value, and nothing is written.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from callcoach.clock import Clock
from callcoach.core.lists.tracks import (
    MERGE_FIELDS,
    REQUIRED_TRACK_FIELDS,
    TEXT_FIELDS,
    merge_fields_in,
    starter_track_id,
)
from callcoach.errors import CallcoachError
from callcoach.storage.db import Database
from callcoach.storage.models import (
    CallList,
    ClusterDimension,
    Contact,
    Objection,
    Origin,
    TalkTrack,
    TalkTrackObjection,
)

_KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
_OPEN_FIELD = re.compile(r"\{([a-z_]*)$")

#: The labels a person reads for each track text field, in the order they are edited.
FIELD_LABELS: dict[str, str] = {
    "engage_statement": "Engage statement",
    "impact_question": "Impact question",
    "meeting_ask": "Meeting ask",
    "voicemail_script": "Voicemail script",
    "third_party_reference": "Third-party reference",
    "parking_lot_line": "Parking-lot line",
    "greeting": "Prospect's greeting (drills)",
}


class TrackEditError(CallcoachError):
    """A track or objection edit is refused; one line naming what and why."""


@dataclass
class TrackDraft:
    """Everything a talk track holds, as plain data (what the studio edits and export writes)."""

    name: str
    cluster_dimension: str | None = None
    cluster_value: str | None = None
    engage_statement: str = ""
    impact_question: str = ""
    meeting_ask: str = ""
    voicemail_script: str = ""
    third_party_reference: str = ""
    parking_lot_line: str = ""
    greeting: str = ""
    #: likely objections in order: (objection key, this track's rebuttal or None)
    objections: list[tuple[str, str | None]] = field(default_factory=list)

    def text(self, name: str) -> str:
        """The value of one of :data:`TEXT_FIELDS`."""
        return str(getattr(self, name))


@dataclass(frozen=True)
class TrackRow:
    """One line of the track overview: the track and who it serves."""

    name: str
    cluster: str  # "vertical: Dental", or "" when the track has no cluster
    lists: tuple[str, ...]  # lists that chose this track
    objections: int
    origin: str = Origin.LIBRARY.value  # starter: seeded, to rewrite
    by_default: tuple[str, ...] = ()  # lists with no track of their own (the starter's)

    def serves(self) -> tuple[str, ...]:
        """Every list the track is used on, those using it by default marked so."""
        return self.lists + tuple(f"{name} (by default)" for name in self.by_default)

    @property
    def label(self) -> str:
        """The name, with "(starter)" for the seeded track a team is meant to rewrite."""
        return f"{self.name} (starter)" if self.origin == Origin.STARTER.value else self.name


@dataclass(frozen=True)
class LibraryEntry:
    """One objection of the library."""

    key: str
    text: str
    rebuttal: str
    tracks: int  # how many tracks list it as likely


# -- merge fields --------------------------------------------------------------------------


def merge_field_problems(text: str) -> list[str]:
    """What is wrong with the merge fields of ``text`` (empty when it is fine)."""
    try:
        names = merge_fields_in(text)
    except ValueError as exc:
        return [f"bad braces ({exc}); write {{{{ and }}}} for literal braces"]
    unknown = [n for n in dict.fromkeys(names) if n not in MERGE_FIELDS]
    problems = []
    for name in unknown:
        close = difflib.get_close_matches(name, list(MERGE_FIELDS), n=1)
        hint = f" (did you mean {{{close[0]}}}?)" if close else ""
        problems.append(f"unknown merge field {{{name}}}{hint}")
    return problems


def complete_merge_field(text: str) -> str | None:
    """``text`` with the merge field being typed at its end completed, or None.

    ``"Hi {fir"`` becomes ``"Hi {first_name}"``; the first known field in
    :data:`MERGE_FIELDS` order that starts with what was typed wins.
    """
    m = _OPEN_FIELD.search(text)
    if m is None or text[: m.start()].endswith("{"):
        return None
    typed = m.group(1)
    for name in MERGE_FIELDS:
        if name.startswith(typed):
            return text + name[len(typed):] + "}"
    return None


def check_draft(draft: TrackDraft, library: set[str]) -> None:
    """Refuse a draft a loader would refuse: missing required text, unknown merge fields,
    a cluster without a value, objections not in the library."""
    what = f"track {draft.name.strip()!r}"
    name = draft.name.strip()
    if not name or len(name) > 120:
        raise TrackEditError(f"track name {draft.name!r}: expected 1 to 120 characters")
    for text_field in TEXT_FIELDS:
        value = draft.text(text_field).strip()
        if text_field in REQUIRED_TRACK_FIELDS and not value:
            raise TrackEditError(f"{what}: {text_field} is empty")
        problems = merge_field_problems(value)
        if problems:
            raise TrackEditError(f"{what}: {text_field}: {problems[0]}")
    dimension = (draft.cluster_dimension or "").strip().lower()
    dimensions = {d.value for d in ClusterDimension}
    if dimension and dimension not in dimensions:
        raise TrackEditError(
            f"{what}: cluster dimension {dimension!r}: expected one of {', '.join(sorted(dimensions))}"
        )
    if dimension and dimension != "none" and not (draft.cluster_value or "").strip():
        raise TrackEditError(f"{what}: cluster dimension {dimension!r} needs a value")
    seen: set[str] = set()
    for key, override in draft.objections:
        if key not in library:
            raise TrackEditError(f"{what}: unknown objection key {key!r}")
        if key in seen:
            raise TrackEditError(f"{what}: objection {key!r} listed twice")
        seen.add(key)
        if override is not None:
            if not override.strip():
                raise TrackEditError(f"{what}: rebuttal for {key!r} is empty")
            problems = merge_field_problems(override)
            if problems:
                raise TrackEditError(f"{what}: rebuttal for {key!r}: {problems[0]}")


# -- reading -------------------------------------------------------------------------------


def _find_track(session: Session, name: str) -> TalkTrack:
    track = session.exec(
        select(TalkTrack).where(sa.func.lower(TalkTrack.name) == name.strip().lower())
    ).first()
    if track is None:
        names = list(session.exec(select(TalkTrack.name)))
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else (
            " (no talk tracks yet)" if not names else f" (known: {', '.join(sorted(names))})"
        )
        raise TrackEditError(f"no talk track named {name!r}{hint}")
    return track


def _find_list(session: Session, name: str) -> CallList:
    found = session.exec(
        select(CallList).where(sa.func.lower(CallList.name) == name.strip().lower())
    ).first()
    if found is None:
        names = list(session.exec(select(CallList.name)))
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise TrackEditError(f"no call list named {name!r}{hint}")
    return found


def track_rows(session: Session) -> list[TrackRow]:
    """Every track by name, with its cluster, the lists it serves and its objection count."""
    served: dict[int, list[str]] = {}
    for track_id, list_name in session.exec(
        select(CallList.talk_track_id, CallList.name)
        .where(col(CallList.talk_track_id).is_not(None), col(CallList.archived).is_(False))
        .order_by(col(CallList.name))
    ):
        if track_id is not None:
            served.setdefault(track_id, []).append(list_name)
    counts = dict(
        session.exec(
            select(TalkTrackObjection.talk_track_id, sa.func.count())
            .group_by(col(TalkTrackObjection.talk_track_id))
        ).all()
    )
    untracked = tuple(session.exec(
        select(CallList.name)
        .where(col(CallList.talk_track_id).is_(None), col(CallList.archived).is_(False))
        .order_by(col(CallList.name))
    ))
    starter = starter_track_id(session)
    rows = []
    for track in session.exec(select(TalkTrack).order_by(sa.func.lower(TalkTrack.name))):
        cluster = (
            f"{track.cluster_dimension}: {track.cluster_value}"
            if track.cluster_dimension and track.cluster_value else ""
        )
        rows.append(TrackRow(
            name=track.name, cluster=cluster,
            lists=tuple(served.get(track.id or -1, [])),
            objections=int(counts.get(track.id or -1, 0)),
            origin=track.origin,
            by_default=untracked if track.id == starter else (),
        ))
    return rows


def draft_of(session: Session, name: str) -> TrackDraft:
    """The named track as a draft (case-insensitive name; one-line error when unknown)."""
    track = _find_track(session, name)
    return _draft(session, track)


def _draft(session: Session, track: TalkTrack) -> TrackDraft:
    links = [
        (key, override)
        for key, override in session.exec(
            select(Objection.key, TalkTrackObjection.rebuttal_override)
            .join(Objection, col(Objection.id) == col(TalkTrackObjection.objection_id))
            .where(TalkTrackObjection.talk_track_id == track.id)
            .order_by(col(TalkTrackObjection.position), col(Objection.position))
        )
    ]
    return TrackDraft(
        name=track.name,
        cluster_dimension=track.cluster_dimension,
        cluster_value=track.cluster_value,
        objections=links,
        **{f: getattr(track, f) or "" for f in TEXT_FIELDS},
    )


def all_drafts(session: Session, names: list[str] | None = None) -> list[TrackDraft]:
    """The named tracks (every track when ``names`` is empty or None), in name order."""
    if names:
        return [draft_of(session, n) for n in dict.fromkeys(names)]
    return [
        _draft(session, t)
        for t in session.exec(select(TalkTrack).order_by(sa.func.lower(TalkTrack.name)))
    ]


def library(session: Session) -> list[LibraryEntry]:
    """The objection library in its order, with how many tracks list each objection."""
    counts = dict(
        session.exec(
            select(TalkTrackObjection.objection_id, sa.func.count())
            .group_by(col(TalkTrackObjection.objection_id))
        ).all()
    )
    return [
        LibraryEntry(key=o.key, text=o.text, rebuttal=o.rebuttal, tracks=int(counts.get(o.id or -1, 0)))
        for o in session.exec(select(Objection).order_by(col(Objection.position), col(Objection.id)))
    ]


def lists_served(session: Session, name: str) -> list[str]:
    """The call lists using the named track."""
    track = _find_track(session, name)
    return list(session.exec(
        select(CallList.name).where(CallList.talk_track_id == track.id).order_by(col(CallList.name))
    ))


def sample_contact(session: Session, list_name: str | None, track_name: str | None) -> Contact | None:
    """A real contact to preview a track with: the first of ``list_name`` if given, else of a
    list the track serves, else of a list in the track's cluster."""
    list_id: int | None = None
    if list_name:
        list_id = _find_list(session, list_name).id
    elif track_name:
        track = session.exec(
            select(TalkTrack).where(sa.func.lower(TalkTrack.name) == track_name.strip().lower())
        ).first()
        if track is not None:
            list_id = session.exec(
                select(CallList.id).where(CallList.talk_track_id == track.id).order_by(col(CallList.id))
            ).first()
            if list_id is None and track.id == starter_track_id(session):
                list_id = session.exec(  # the lists that use it by default
                    select(CallList.id).where(col(CallList.talk_track_id).is_(None))
                    .order_by(col(CallList.id))
                ).first()
            if list_id is None and track.cluster_dimension and track.cluster_value:
                list_id = session.exec(
                    select(CallList.id).where(
                        CallList.cluster_dimension == track.cluster_dimension,
                        sa.func.lower(CallList.cluster_value) == track.cluster_value.lower(),
                    ).order_by(col(CallList.id))
                ).first()
    if list_id is None:
        return None
    return session.exec(
        select(Contact).where(Contact.list_id == list_id).order_by(col(Contact.id)).limit(1)
    ).first()


# -- writing -------------------------------------------------------------------------------


def save_track(db: Database, draft: TrackDraft, clock: Clock, original: str | None = None) -> str:
    """Create the track (``original`` None) or update the one named ``original`` (which may
    be renamed); its objections replaced by the draft's, in order. Returns the name saved."""
    name = draft.name.strip()
    with db.transaction() as session:
        keys = set(session.exec(select(Objection.key)))
        check_draft(draft, keys)
        clash = session.exec(
            select(TalkTrack).where(sa.func.lower(TalkTrack.name) == name.lower())
        ).first()
        if original is None:
            if clash is not None:
                raise TrackEditError(f"a talk track named {clash.name!r} already exists")
            track = TalkTrack(name=name, engage_statement="", impact_question="", meeting_ask="")
            session.add(track)
        else:
            track = _find_track(session, original)
            if clash is not None and clash.id != track.id:
                raise TrackEditError(f"a talk track named {clash.name!r} already exists")
            if _draft(session, track) != draft:
                track.origin = Origin.LIBRARY.value  # rewritten: no longer the starter's words
            track.name = name
        for text_field in TEXT_FIELDS:
            setattr(track, text_field, draft.text(text_field).strip())
        dimension = (draft.cluster_dimension or "").strip().lower() or None
        track.cluster_dimension = dimension
        track.cluster_value = ((draft.cluster_value or "").strip()[:120] or None) if dimension else None
        track.updated_at = clock.now()
        session.flush()
        _replace_objections(session, track, draft.objections)
    return name


def _replace_objections(
    session: Session, track: TalkTrack, objections: list[tuple[str, str | None]]
) -> None:
    ids = {o.key: o.id for o in session.exec(select(Objection))}
    session.execute(
        sa.delete(TalkTrackObjection).where(col(TalkTrackObjection.talk_track_id) == track.id)
    )
    session.flush()
    assert track.id is not None  # flushed
    for position, (key, override) in enumerate(objections, 1):
        objection_id = ids[key]
        assert objection_id is not None
        session.add(TalkTrackObjection(
            talk_track_id=track.id, objection_id=objection_id,
            rebuttal_override=override.strip() if override and override.strip() else None,
            position=position,
        ))


def copy_track(db: Database, name: str, new_name: str, clock: Clock) -> str:
    """A new track with the named one's text and objections (and no cluster: a copy is
    usually the start of another cluster's track)."""
    with db.session() as session:
        draft = draft_of(session, name)
    draft.name = new_name
    draft.cluster_dimension = draft.cluster_value = None
    return save_track(db, draft, clock)


def delete_track(db: Database, name: str) -> list[str]:
    """Delete the named track; the lists it served (which fall back to no track) by name."""
    with db.transaction() as session:
        track = _find_track(session, name)
        orphaned = list(session.exec(
            select(CallList).where(CallList.talk_track_id == track.id).order_by(col(CallList.name))
        ))
        for call_list in orphaned:
            call_list.talk_track_id = None
        session.execute(
            sa.delete(TalkTrackObjection).where(col(TalkTrackObjection.talk_track_id) == track.id)
        )
        session.delete(track)
        return [cl.name for cl in orphaned]


@dataclass(frozen=True)
class Assignment:
    """What assigning a track changed: each list and the track it had before."""

    track: str
    target: str  # "list 'X'" or "cluster vertical=Dental"
    changed: tuple[tuple[str, str | None], ...]  # (list name, previous track name)
    released_from: tuple[str, ...] = ()  # tracks that served this cluster before

    def render(self) -> str:
        """The lines ``tracks assign`` prints and the studio shows."""
        lines = [f"talk track {self.track!r} assigned to {self.target}"]
        for list_name, before in self.changed:
            was = f" (was {before!r})" if before else ""
            lines.append(f"  list {list_name!r} now uses it{was}")
        if not self.changed:
            lines.append("  no call list is in this cluster yet; lists imported into it will use it")
        for other in self.released_from:
            lines.append(f"  track {other!r} no longer claims this cluster")
        return "\n".join(lines)


def _track_names(session: Session) -> dict[int, str]:
    return {t.id: t.name for t in session.exec(select(TalkTrack)) if t.id is not None}


def assign_to_list(db: Database, name: str, list_name: str) -> Assignment:
    """Make ``list_name`` use the named track."""
    with db.transaction() as session:
        track = _find_track(session, name)
        call_list = _find_list(session, list_name)
        names = _track_names(session)
        before = names.get(call_list.talk_track_id) if call_list.talk_track_id else None
        changed: tuple[tuple[str, str | None], ...] = ()
        if call_list.talk_track_id != track.id:
            call_list.talk_track_id = track.id
            changed = ((call_list.name, before),)
        return Assignment(track.name, f"list {call_list.name!r}", changed)


def parse_cluster(text: str) -> tuple[str, str]:
    """``"vertical=Dental"`` as (dimension, value); one-line error otherwise."""
    dimension, sep, value = text.partition("=")
    dimension, value = dimension.strip().lower(), value.strip()
    dimensions = sorted(d.value for d in ClusterDimension if d is not ClusterDimension.NONE)
    if not sep or not value:
        raise TrackEditError(f"--cluster {text!r}: expected DIMENSION=VALUE, e.g. vertical=Dental")
    if dimension not in dimensions:
        raise TrackEditError(
            f"--cluster {text!r}: dimension {dimension!r}: expected one of {', '.join(dimensions)}"
        )
    if len(value) > 120:
        raise TrackEditError(f"--cluster {text!r}: value longer than 120 characters")
    return dimension, value


def assign_to_cluster(db: Database, name: str, dimension: str, value: str) -> Assignment:
    """Make the named track the one for a cluster: it claims the cluster (no other track
    keeps it) and every list in that cluster uses it, now and when imported later."""
    dimension, value = parse_cluster(f"{dimension}={value}")
    with db.transaction() as session:
        track = _find_track(session, name)
        names = _track_names(session)
        released = []
        for other in session.exec(
            select(TalkTrack).where(
                TalkTrack.cluster_dimension == dimension,
                sa.func.lower(TalkTrack.cluster_value) == value.lower(),
                TalkTrack.id != track.id,
            )
        ):
            other.cluster_dimension = other.cluster_value = None
            released.append(other.name)
        track.cluster_dimension, track.cluster_value = dimension, value
        changed = []
        for call_list in session.exec(
            select(CallList).where(
                CallList.cluster_dimension == dimension,
                sa.func.lower(CallList.cluster_value) == value.lower(),
            ).order_by(col(CallList.name))
        ):
            if call_list.talk_track_id != track.id:
                before = names.get(call_list.talk_track_id) if call_list.talk_track_id else None
                call_list.talk_track_id = track.id
                changed.append((call_list.name, before))
        return Assignment(track.name, f"cluster {dimension}={value}", tuple(changed), tuple(released))


# -- the objection library -----------------------------------------------------------------


def _check_objection_text(key: str, text: str, rebuttal: str) -> None:
    if not text.strip():
        raise TrackEditError(f"objection {key!r}: the objection text is empty")
    if not rebuttal.strip():
        raise TrackEditError(f"objection {key!r}: the rebuttal is empty")
    problems = merge_field_problems(rebuttal)
    if problems:
        raise TrackEditError(f"objection {key!r}: rebuttal: {problems[0]}")


def slug_for(text: str) -> str:
    """A library key made from an objection's words (``"Too busy!"`` -> ``too_busy``)."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:48].strip("_")
    return slug or "objection"


def add_objection(db: Database, text: str, rebuttal: str, key: str | None = None) -> str:
    """Add an objection at the end of the library; its key (made from the text when not
    given, with a number added if taken)."""
    with db.transaction() as session:
        taken = set(session.exec(select(Objection.key)))
        if key is not None:
            key = key.strip()
            if not _KEY_PATTERN.match(key):
                raise TrackEditError(
                    f"objection key {key!r}: expected a slug like 'send_info' "
                    "(lower-case letters, digits, _)"
                )
            if key in taken:
                raise TrackEditError(f"objection key {key!r} is already in the library")
        else:
            base = slug_for(text)
            key, n = base, 2
            while key in taken:
                key, n = f"{base}_{n}", n + 1
        _check_objection_text(key, text, rebuttal)
        position = session.exec(select(sa.func.max(Objection.position))).one() or 0
        session.add(Objection(key=key, text=text.strip(), rebuttal=rebuttal.strip(),
                              position=int(position) + 1))
    return key


def update_objection(db: Database, key: str, text: str, rebuttal: str) -> None:
    """Rename an objection (what the prospect says) and rewrite its library rebuttal."""
    _check_objection_text(key, text, rebuttal)
    with db.transaction() as session:
        found = session.exec(select(Objection).where(Objection.key == key)).first()
        if found is None:
            raise TrackEditError(f"no objection {key!r} in the library")
        if (found.text, found.rebuttal) != (text.strip(), rebuttal.strip()):
            if found.origin == Origin.STARTER.value:
                found.origin = Origin.LIBRARY.value  # rewritten: no longer the starter's words
        found.text, found.rebuttal = text.strip(), rebuttal.strip()
