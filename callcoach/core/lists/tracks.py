"""Talk tracks and the objection library, loaded from a human-editable TOML file.

Format (see ``data/talk_tracks.toml`` and the README)::

    [[objection]]
    key = "send_info"
    text = "Just send me some information."
    rebuttal = "Happy to. ..."

    [[track]]
    name = "Software"
    cluster_dimension = "vertical"
    cluster_value = "Software"
    engage_statement = "..."
    impact_question = "..."
    meeting_ask = "..."
    objections = ["send_info", "no_budget"]
    [track.rebuttals]
    no_budget = "..."

Loading upserts objections by ``key`` and tracks by ``name`` in one transaction. Track text
may use the merge fields in :data:`MERGE_FIELDS`; :func:`render_track_text` fills them.
``[[drill_set]]`` tables belong to the drills feature and are ignored here.
"""

from __future__ import annotations

import re
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from callcoach.clock import Clock, SystemClock
from callcoach.errors import CallcoachError
from callcoach.files import read_user_text
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
from callcoach.storage.starters import STARTER_TRACK_NAME

#: Placeholders allowed in track text, with what they stand for.
MERGE_FIELDS: dict[str, str] = {
    "first_name": "the contact's first name",
    "last_name": "the contact's last name",
    "company": "the contact's company",
    "title": "the contact's job title",
    "vertical": "the contact's industry",
    "region": "the contact's state/region",
    "rep_name": "the rep making the call",
    "reference": "the track's third-party reference",
}

#: What a merge field reads as when the contact has no value for it.
FALLBACKS: dict[str, str] = {
    "first_name": "there",
    "last_name": "",
    "company": "your team",
    "title": "your role",
    "vertical": "your industry",
    "region": "your area",
    "rep_name": "me",
    "reference": "a team like yours",
}

TEXT_FIELDS = (
    "engage_statement",
    "impact_question",
    "meeting_ask",
    "voicemail_script",
    "third_party_reference",
    "parking_lot_line",
    "greeting",
)
REQUIRED_TRACK_FIELDS = ("name", "engage_statement", "impact_question", "meeting_ask")
TRACK_KEYS = frozenset(
    {"name", "cluster_dimension", "cluster_value", "objections", "rebuttals", *TEXT_FIELDS}
)
OBJECTION_KEYS = frozenset({"key", "text", "rebuttal"})
TOP_LEVEL_KEYS = frozenset({"objection", "track", "drill_set"})
_KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


class TracksFileError(CallcoachError):
    """A talk-track file is unusable; one line naming the file, line and key."""


@dataclass
class LoadSummary:
    """What loading a tracks file did."""

    path: Path
    objections_new: list[str] = field(default_factory=list)
    objections_updated: list[str] = field(default_factory=list)
    tracks_new: list[str] = field(default_factory=list)
    tracks_updated: list[str] = field(default_factory=list)
    lists_linked: list[str] = field(default_factory=list)

    def render(self) -> str:
        """The lines ``callcoach tracks load`` prints."""
        objections = len(self.objections_new) + len(self.objections_updated)
        tracks = len(self.tracks_new) + len(self.tracks_updated)
        lines = [
            f"{self.path}: loaded {objections} objection(s) ({len(self.objections_new)} new, "
            f"{len(self.objections_updated)} updated) and {tracks} talk track(s) "
            f"({len(self.tracks_new)} new, {len(self.tracks_updated)} updated)."
        ]
        for name in self.tracks_new:
            lines.append(f"  new track: {name}")
        for name in self.tracks_updated:
            lines.append(f"  updated track: {name}")
        if self.lists_linked:
            lines.append(f"  linked to call lists: {', '.join(self.lists_linked)}")
        return "\n".join(lines)


def merge_fields_in(template: str) -> list[str]:
    """The merge-field names a template uses; ValueError for unbalanced braces."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def render_track_text(
    template: str,
    contact: Contact | None,
    rep_name: str | None = None,
    track: TalkTrack | None = None,
) -> str:
    """Fill merge fields in ``template``; missing values read naturally, never raise."""
    values = {
        "first_name": contact.first_name if contact else "",
        "last_name": contact.last_name if contact else "",
        "company": contact.company if contact else "",
        "title": contact.title if contact else "",
        "vertical": contact.vertical if contact else "",
        "region": contact.region if contact else "",
        "rep_name": rep_name or "",
        "reference": track.third_party_reference if track else "",
    }

    def fill(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = (m.group(1) or "").strip()
        if name not in values:
            return token  # unknown placeholder: show it as written
        return (values[name] or "").strip() or FALLBACKS[name]

    text = _PLACEHOLDER.sub(fill, template or "")
    return re.sub(r"[ \t]{2,}", " ", text).replace(" ,", ",").strip()


def track_objections(session: Session, track_id: int | None) -> list[tuple[Objection, str]]:
    """The track's likely objections in order with the rebuttal to use (override or default).

    With no track (or a track without objections) the whole library is returned.
    """
    rows: list[tuple[Objection, str]] = []
    if track_id is not None:
        for link, objection in session.exec(
            select(TalkTrackObjection, Objection)
            .join(Objection, col(Objection.id) == col(TalkTrackObjection.objection_id))
            .where(TalkTrackObjection.talk_track_id == track_id)
            .order_by(col(TalkTrackObjection.position), col(Objection.position))
        ):
            rows.append((objection, link.rebuttal_override or objection.rebuttal))
    if not rows:
        rows = [(o, o.rebuttal) for o in session.exec(select(Objection).order_by(col(Objection.position)))]
    return rows


def starter_track_id(session: Session) -> int | None:
    """The starter talk track's id (the track every list without its own uses), if any."""
    return session.execute(
        sa.select(col(TalkTrack.id)).where(
            sa.func.lower(col(TalkTrack.name)) == STARTER_TRACK_NAME.lower()
        )
    ).scalar()


def list_track_id(session: Session, list_id: int) -> int | None:
    """The talk track a call list uses: its own, else the starter track (None without both)."""
    starter = (
        sa.select(col(TalkTrack.id))
        .where(sa.func.lower(col(TalkTrack.name)) == STARTER_TRACK_NAME.lower())
        .scalar_subquery()
    )
    return session.execute(
        sa.select(sa.func.coalesce(col(CallList.talk_track_id), starter)).where(
            col(CallList.id) == list_id
        )
    ).scalar()


def _line_of(text: str, key: str, value: str) -> int | None:
    pattern = re.compile(
        rf"""^\s*{re.escape(key)}\s*=\s*(["']{{1,3}}){re.escape(value)}\1""", re.MULTILINE
    )
    m = pattern.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _field_line(text: str, table_line: int, field_name: str) -> int | None:
    """The line of ``field_name = ...`` inside the table whose anchor is on ``table_line``."""
    lines = text.splitlines()
    start = table_line - 1
    while start > 0 and not lines[start].lstrip().startswith("[["):
        start -= 1  # back to the table header
    pattern = re.compile(rf"^\s*{re.escape(field_name)}\s*=")
    for number in range(start + 1, len(lines)):
        if lines[number].lstrip().startswith("[[") and number != start:
            break
        if pattern.match(lines[number]):
            return number + 1
    return None


class _Checker:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    def fail(
        self, message: str, key: str | None = None, value: str | None = None,
        field_name: str | None = None,
    ) -> TracksFileError:
        line = _line_of(self.text, key, value) if key and value else None
        if line and field_name:
            line = _field_line(self.text, line, field_name) or line
        where = f"{self.path}:{line}" if line else str(self.path)
        return TracksFileError(f"{where}: {message}")

    def string(self, table: dict[str, Any], name: str, what: str, anchor: tuple[str, str],
               required: bool = True) -> str:
        value = table.get(name)
        if value is None:
            if required:
                raise self.fail(f"{what}: missing {name}", *anchor)
            return ""
        if not isinstance(value, str):
            raise self.fail(f"{what}: {name} must be a string, got {value!r}", *anchor, name)
        if required and not value.strip():
            raise self.fail(f"{what}: {name} is empty", *anchor, name)
        return value.strip()

    def merge_fields(
        self, value: str, where: str, anchor: tuple[str, str], field_name: str | None = None
    ) -> None:
        try:
            names = merge_fields_in(value)
        except ValueError as exc:
            raise self.fail(
                f"{where}: bad braces ({exc}); write {{{{ and }}}} for literal braces",
                *anchor, field_name,
            ) from None
        for name in names:
            if name not in MERGE_FIELDS:
                known = ", ".join("{" + f + "}" for f in MERGE_FIELDS)
                raise self.fail(
                    f"{where}: unknown merge field {{{name}}} (known: {known})", *anchor, field_name
                )


def _parse(path: Path, text: str, known_keys: set[str]) -> tuple[list[dict], list[dict]]:
    """Validate the file; return clean objection and track dicts."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"{path}:{m.group(1)}" if m else str(path)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise TracksFileError(f"{where}: invalid TOML: {message}") from None
    check = _Checker(path, text)
    unknown = sorted(set(doc) - TOP_LEVEL_KEYS)
    if unknown:
        raise TracksFileError(
            f"{path}: unknown top-level key {unknown[0]!r}: expected [[objection]] or [[track]] tables"
        )
    raw_objections = doc.get("objection", [])
    raw_tracks = doc.get("track", [])
    if not isinstance(raw_objections, list) or not isinstance(raw_tracks, list):
        raise TracksFileError(f"{path}: 'objection' and 'track' must be arrays of tables ([[...]])")
    if not raw_objections and not raw_tracks:
        raise TracksFileError(f"{path}: no [[objection]] or [[track]] tables found")

    objections: list[dict] = []
    seen: set[str] = set()
    for n, table in enumerate(raw_objections, 1):
        if not isinstance(table, dict):
            raise TracksFileError(f"{path}: objection #{n} is not a table")
        key = table.get("key")
        if not isinstance(key, str) or not _KEY_PATTERN.match(key):
            raise TracksFileError(
                f"{path}: objection #{n}: key {key!r}: expected a slug like 'send_info' "
                "(lower-case letters, digits, _)"
            )
        anchor = ("key", key)
        what = f"objection {key!r}"
        extra = sorted(set(table) - OBJECTION_KEYS)
        if extra:
            raise check.fail(f"{what}: unknown field {extra[0]!r}", *anchor)
        if key in seen:
            raise check.fail(f"{what}: defined twice", *anchor)
        seen.add(key)
        objections.append(
            {
                "key": key,
                "text": check.string(table, "text", what, anchor),
                "rebuttal": check.string(table, "rebuttal", what, anchor),
            }
        )
        check.merge_fields(objections[-1]["rebuttal"], f"{what}: rebuttal", anchor, "rebuttal")
    available = known_keys | seen

    tracks: list[dict] = []
    names: set[str] = set()
    dimensions = {d.value for d in ClusterDimension}
    for n, table in enumerate(raw_tracks, 1):
        if not isinstance(table, dict):
            raise TracksFileError(f"{path}: track #{n} is not a table")
        name = table.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 120:
            raise TracksFileError(f"{path}: track #{n}: name {name!r}: expected 1 to 120 characters")
        name = name.strip()
        anchor = ("name", name)
        what = f"track {name!r}"
        extra = sorted(set(table) - TRACK_KEYS)
        if extra:
            raise check.fail(f"{what}: unknown field {extra[0]!r}", *anchor, extra[0])
        if name.lower() in names:
            raise check.fail(f"{what}: defined twice", *anchor)
        names.add(name.lower())
        clean: dict[str, Any] = {"name": name}
        for text_field in TEXT_FIELDS:
            clean[text_field] = check.string(
                table, text_field, what, anchor, required=text_field in REQUIRED_TRACK_FIELDS
            )
            check.merge_fields(clean[text_field], f"{what}: {text_field}", anchor, text_field)
        dimension = check.string(table, "cluster_dimension", what, anchor, required=False).lower()
        if dimension and dimension not in dimensions:
            raise check.fail(
                f"{what}: cluster_dimension {dimension!r}: expected one of "
                f"{', '.join(sorted(dimensions))}",
                *anchor,
                "cluster_dimension",
            )
        value = check.string(table, "cluster_value", what, anchor, required=False)
        if dimension and dimension != "none" and not value:
            raise check.fail(f"{what}: cluster_dimension {dimension!r} needs a cluster_value", *anchor)
        clean["cluster_dimension"] = dimension or None
        clean["cluster_value"] = value[:120] or None
        keys = table.get("objections", [])
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise check.fail(
                f"{what}: objections must be a list of objection keys", *anchor, "objections"
            )
        rebuttals = table.get("rebuttals", {})
        if not isinstance(rebuttals, dict):
            raise check.fail(f"{what}: rebuttals must be a table of key = \"text\"", *anchor)
        ordered = list(dict.fromkeys(keys))
        for key in ordered:
            if key not in available:
                raise check.fail(f"{what}: unknown objection key {key!r}", *anchor, "objections")
        for key in rebuttals:
            if key not in available:
                raise check.fail(f"{what}: unknown objection key {key!r}", *anchor, key)
        for key, override in rebuttals.items():
            if not isinstance(override, str) or not override.strip():
                raise check.fail(f"{what}: rebuttals.{key} must be non-empty text", *anchor)
            check.merge_fields(override, f"{what}: rebuttals.{key}", anchor, key)
            if key not in ordered:
                ordered.append(key)
        clean["objections"] = ordered
        clean["rebuttals"] = {k: v.strip() for k, v in rebuttals.items()}
        tracks.append(clean)
    return objections, tracks


def load_tracks_file(db: Database, path: Path, clock: Clock | None = None) -> LoadSummary:
    """Upsert the file's objections (by key) and talk tracks (by name) in one transaction."""
    clock = clock or SystemClock()
    text = read_user_text(path, TracksFileError, "TOML")
    summary = LoadSummary(path=path)
    try:
        with db.transaction() as session:
            known = set(session.exec(select(Objection.key)))
            objections, tracks = _parse(path, text, known)
            _store(session, objections, tracks, clock, summary)
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise TracksFileError(f"{path}: database error, nothing loaded: {reason}") from None
    return summary


def _store(
    session: Session, objections: list[dict], tracks: list[dict], clock: Clock, summary: LoadSummary
) -> None:
    by_key = {o.key: o for o in session.exec(select(Objection))}
    next_position = max((o.position for o in by_key.values()), default=0) + 1
    for item in objections:
        found = by_key.get(item["key"])
        if found is None:
            found = Objection(key=item["key"], text=item["text"], rebuttal=item["rebuttal"],
                              position=next_position)
            next_position += 1
            session.add(found)
            summary.objections_new.append(item["key"])
        else:
            if (found.text, found.rebuttal) != (item["text"], item["rebuttal"]):
                found.origin = Origin.LIBRARY.value  # rewritten: no longer the starter's words
            found.text, found.rebuttal = item["text"], item["rebuttal"]
            summary.objections_updated.append(item["key"])
        by_key[item["key"]] = found
    session.flush()
    objection_ids = {key: o.id for key, o in by_key.items() if o.id is not None}

    now = clock.now()
    for item in tracks:
        track = session.exec(
            select(TalkTrack).where(sa.func.lower(TalkTrack.name) == item["name"].lower())
        ).first()
        fields = {k: item[k] for k in (*TEXT_FIELDS, "cluster_dimension", "cluster_value")}
        if track is None:
            track = TalkTrack(name=item["name"], updated_at=now, **fields)
            session.add(track)
            summary.tracks_new.append(item["name"])
        else:
            links_before = [
                (link.objection_id, link.rebuttal_override)
                for link in session.exec(
                    select(TalkTrackObjection)
                    .where(TalkTrackObjection.talk_track_id == track.id)
                    .order_by(col(TalkTrackObjection.position))
                )
            ]
            links_after = [(objection_ids[k], item["rebuttals"].get(k)) for k in item["objections"]]
            if links_before != links_after or any(
                getattr(track, key) != value for key, value in fields.items()
            ):
                # Rewritten: the team's file, no longer the starter's words. Loading the same
                # words again (an export of this database) changes nothing, origin included.
                track.origin = Origin.LIBRARY.value
            for key, value in fields.items():
                setattr(track, key, value)
            track.updated_at = now
            summary.tracks_updated.append(track.name)
        session.flush()
        track_id = track.id
        assert track_id is not None  # flushed
        session.execute(
            sa.delete(TalkTrackObjection).where(col(TalkTrackObjection.talk_track_id) == track_id)
        )
        for position, key in enumerate(item["objections"], 1):
            session.add(
                TalkTrackObjection(
                    talk_track_id=track_id,
                    objection_id=objection_ids[key],
                    rebuttal_override=item["rebuttals"].get(key),
                    position=position,
                )
            )
        if track.cluster_dimension and track.cluster_value:
            for call_list in session.exec(
                select(CallList).where(
                    col(CallList.talk_track_id).is_(None),
                    CallList.cluster_dimension == track.cluster_dimension,
                    sa.func.lower(CallList.cluster_value) == track.cluster_value.lower(),
                )
            ):
                call_list.talk_track_id = track_id
                summary.lists_linked.append(call_list.name)
    session.flush()
