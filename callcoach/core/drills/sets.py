"""Drill sets: named lists of objections, kept in human-editable TOML like talk tracks.

A file holds any number of ``[[drill_set]]`` tables (other top-level tables, such as the
talk-track loader's ``[[objection]]`` and ``[[track]]``, are ignored here)::

    [[drill_set]]
    name = "IT services: first reflexes"
    description = "The three a CIO says before anything real."
    track = "IT services"          # optional: take this talk track's likely objections
    objections = ["send_info", "no_budget"]   # objection keys (optional when track is set)

    [drill_set.rebuttals]          # optional: a model answer for this set only
    send_info = "Happy to - so it is relevant, ..."

Loading inserts or updates sets by name and replaces their objections; sets not in the
file are left alone. The whole file is checked before anything is written.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, delete, select

from callcoach.errors import CallcoachError
from callcoach.files import read_user_text
from callcoach.storage.db import Database
from callcoach.storage.models import (
    DrillRound,
    DrillSession,
    DrillSet,
    DrillSetItem,
    Objection,
    TalkTrack,
    TalkTrackObjection,
)


class DrillSetError(CallcoachError):
    """A drill-set file or name is wrong; the message is one line naming file and line."""


KNOWN_KEYS = {"name", "description", "track", "objections", "rebuttals"}


@dataclass(frozen=True)
class DrillSetSpec:
    """One ``[[drill_set]]`` table, checked."""

    name: str
    description: str
    track: str | None
    objections: tuple[str, ...]
    rebuttals: dict[str, str]
    line: int


@dataclass
class DrillLoadSummary:
    """What a load did."""

    source: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    items: int = 0

    def render(self) -> str:
        """One line per change, then a total."""
        lines = [f"created drill set {n!r}" for n in self.created]
        lines += [f"updated drill set {n!r}" for n in self.updated]
        total = len(self.created) + len(self.updated)
        lines.append(f"{self.source}: {total} drill sets, {self.items} objections in all")
        return "\n".join(lines)


@dataclass(frozen=True)
class DrillSetSummary:
    """A drill set as listed: name, track, size and use."""

    id: int
    name: str
    description: str
    track: str | None
    objections: int
    sessions: int
    last_drilled_at: Any  # datetime | None


@dataclass(frozen=True)
class DrillCard:
    """One objection as drilled: what the prospect says and the model rebuttal."""

    objection_id: int
    key: str
    text: str
    rebuttal: str


def _header_lines(raw: str) -> list[int]:
    return [
        i
        for i, line in enumerate(raw.splitlines(), start=1)
        if re.match(r"^\s*\[\[\s*drill_set\s*\]\]", line)
    ]


def _line_of(raw: str, needle: str, start: int) -> int:
    for i, line in enumerate(raw.splitlines(), start=1):
        if i >= start and needle in line:
            return i
    return start


def parse_drill_sets(raw: str, source: str) -> list[DrillSetSpec]:
    """Parse and shape-check the ``[[drill_set]]`` tables of a TOML text (no database)."""
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise DrillSetError(f"{source}: {exc}") from None
    tables = data.get("drill_set", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise DrillSetError(f"{source}: drill_set must be an array of tables ([[drill_set]])")
    if not tables:
        raise DrillSetError(f"{source}: no [[drill_set]] tables found")
    headers = _header_lines(raw)
    specs: list[DrillSetSpec] = []
    seen: set[str] = set()
    for index, table in enumerate(tables):
        line = headers[index] if index < len(headers) else 1

        def fail(message: str, needle: str | None = None, _line: int = line) -> DrillSetError:
            at = _line_of(raw, needle, _line) if needle else _line
            return DrillSetError(f"{source}:{at}: {message}")

        unknown = sorted(set(table) - KNOWN_KEYS)
        if unknown:
            raise fail(
                f"drill_set: unknown field {unknown[0]!r} "
                f"(expected {', '.join(sorted(KNOWN_KEYS))})",
                unknown[0],
            )
        name = table.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 120:
            raise fail(f"drill_set: name = {name!r}: expected 1 to 120 characters", "name")
        name = name.strip()
        if name.lower() in seen:
            raise fail(f"drill_set {name!r}: defined twice in this file", "name")
        seen.add(name.lower())
        description = table.get("description", "")
        if not isinstance(description, str):
            raise fail(f"drill_set {name!r}: description must be a string", "description")
        track = table.get("track")
        if track is not None and (not isinstance(track, str) or not track.strip()):
            raise fail(
                f"drill_set {name!r}: track = {track!r}: expected a talk track name", "track"
            )
        objections = table.get("objections", [])
        if not isinstance(objections, list) or not all(isinstance(k, str) for k in objections):
            raise fail(f"drill_set {name!r}: objections must be a list of keys", "objections")
        keys = [k.strip() for k in objections]
        for key in keys:
            if keys.count(key) > 1:
                raise fail(f"drill_set {name!r}: objection {key!r} listed twice", f'"{key}"')
        if not keys and track is None:
            raise fail(f'drill_set {name!r}: needs objections = [...] or track = "..."', "name")
        rebuttals = table.get("rebuttals", {})
        if not isinstance(rebuttals, dict) or not all(
            isinstance(v, str) and v.strip() for v in rebuttals.values()
        ):
            raise fail(
                f"drill_set {name!r}: rebuttals must map objection keys to non-empty text",
                "rebuttals",
            )
        specs.append(
            DrillSetSpec(
                name=name,
                description=description.strip(),
                track=track.strip() if track else None,
                objections=tuple(keys),
                rebuttals={k.strip(): v.strip() for k, v in rebuttals.items()},
                line=line,
            )
        )
    return specs


def _track_items(session: Session, track: TalkTrack) -> list[tuple[str, str | None]]:
    """The track's objection keys in order, each with the track's rebuttal override."""
    rows = session.exec(
        select(Objection.key, TalkTrackObjection.rebuttal_override)
        .select_from(TalkTrackObjection)
        .join(Objection, col(Objection.id) == col(TalkTrackObjection.objection_id))
        .where(TalkTrackObjection.talk_track_id == track.id)
        .order_by(col(TalkTrackObjection.position), col(Objection.position), col(Objection.id))
    ).all()
    return [(key, override) for key, override in rows]


def _objection_ids(session: Session) -> dict[str, int]:
    """Every objection's id by its key."""
    return {o.key: o.id for o in session.exec(select(Objection)) if o.id is not None}


def _find_track(session: Session, name: str) -> TalkTrack | None:
    return session.exec(
        select(TalkTrack).where(sa.func.lower(TalkTrack.name) == name.strip().lower())
    ).first()


def _save_set(
    session: Session,
    name: str,
    description: str,
    track: TalkTrack | None,
    items: Sequence[tuple[int, str | None]],
) -> tuple[DrillSet, bool]:
    drill_set = session.exec(
        select(DrillSet).where(sa.func.lower(DrillSet.name) == name.lower())
    ).first()
    created = drill_set is None
    if drill_set is None:
        drill_set = DrillSet(name=name)
    drill_set.description = description
    drill_set.talk_track_id = track.id if track else None
    session.add(drill_set)
    session.flush()
    assert drill_set.id is not None  # flushed
    session.exec(delete(DrillSetItem).where(col(DrillSetItem.drill_set_id) == drill_set.id))
    for position, (objection_id, override) in enumerate(items, start=1):
        session.add(
            DrillSetItem(
                drill_set_id=drill_set.id,
                objection_id=objection_id,
                rebuttal_override=override,
                position=position,
            )
        )
    return drill_set, created


def load_drill_sets_file(db: Database, path: Path) -> DrillLoadSummary:
    """Insert or update every ``[[drill_set]]`` of ``path`` in one transaction."""
    source = str(path)
    raw = read_user_text(path, DrillSetError, "TOML")
    specs = parse_drill_sets(raw, source)
    summary = DrillLoadSummary(source=source)
    with db.transaction() as session:
        library = _objection_ids(session)
        for spec in specs:
            track = None
            keys: list[str] = []
            overrides: dict[str, str | None] = {}
            if spec.track:
                track = _find_track(session, spec.track)
                if track is None:
                    line = _line_of(raw, "track", spec.line)
                    raise DrillSetError(
                        f"{source}:{line}: drill_set {spec.name!r}: no talk track named "
                        f"{spec.track!r} (load it first with: callcoach tracks load FILE)"
                    )
                for key, override in _track_items(session, track):
                    keys.append(key)
                    overrides[key] = override
            for key in spec.objections:
                if key not in library:
                    line = _line_of(raw, f'"{key}"', spec.line)
                    known = ", ".join(sorted(library)) or "none loaded yet"
                    raise DrillSetError(
                        f"{source}:{line}: drill_set {spec.name!r}: unknown objection key "
                        f"{key!r} (known: {known})"
                    )
                if key not in keys:
                    keys.append(key)
            if not keys:
                raise DrillSetError(
                    f"{source}:{spec.line}: drill_set {spec.name!r}: talk track "
                    f"{spec.track!r} has no objections and none are listed"
                )
            for key, text in spec.rebuttals.items():
                if key not in keys:
                    line = _line_of(raw, key, spec.line)
                    raise DrillSetError(
                        f"{source}:{line}: drill_set {spec.name!r}: rebuttal for {key!r}, "
                        "which is not in this set"
                    )
                overrides[key] = text
            items = [(library[k], overrides.get(k)) for k in keys]
            _, created = _save_set(session, spec.name, spec.description, track, items)
            (summary.created if created else summary.updated).append(spec.name)
            summary.items += len(items)
    return summary


def drill_set_from_track(db: Database, track_name: str, name: str | None = None) -> DrillSet:
    """Create or refresh a drill set holding a talk track's likely objections."""
    with db.transaction() as session:
        track = _find_track(session, track_name)
        if track is None:
            names = ", ".join(session.exec(select(TalkTrack.name).order_by(TalkTrack.name)))
            raise DrillSetError(
                f"no talk track named {track_name!r} (known: {names or 'none loaded yet'})"
            )
        library = _objection_ids(session)
        items = [(library[k], None) for k, _ in _track_items(session, track)]
        if not items:
            raise DrillSetError(f"talk track {track.name!r} lists no likely objections")
        set_name = (name or f"Track: {track.name}").strip()[:120]
        drill_set, _ = _save_set(
            session, set_name, f"Likely objections of the talk track {track.name!r}.", track, items
        )
        # Overrides stay NULL: the track's own rebuttals apply (see drill_cards).
    return drill_set


def list_drill_sets(session: Session) -> list[DrillSetSummary]:
    """Every drill set with its track, objection count, sessions and last use."""
    items = (
        select(DrillSetItem.drill_set_id, sa.func.count().label("n"))
        .group_by(col(DrillSetItem.drill_set_id))
        .subquery()
    )
    used = (
        select(
            DrillSession.drill_set_id,
            sa.func.count().label("sessions"),
            sa.func.max(DrillSession.started_at).label("last"),
        )
        .group_by(col(DrillSession.drill_set_id))
        .subquery()
    )
    rows = session.execute(
        sa.select(
            col(DrillSet.id),
            col(DrillSet.name),
            col(DrillSet.description),
            col(TalkTrack.name),
            sa.func.coalesce(items.c.n, 0),
            sa.func.coalesce(used.c.sessions, 0),
            used.c.last,
        )
        .outerjoin(TalkTrack, col(TalkTrack.id) == col(DrillSet.talk_track_id))
        .outerjoin(items, items.c.drill_set_id == col(DrillSet.id))
        .outerjoin(used, used.c.drill_set_id == col(DrillSet.id))
        .order_by(col(DrillSet.name))
    ).all()
    return [DrillSetSummary(*row) for row in rows]


def find_drill_set(session: Session, name: str) -> DrillSet:
    """A drill set by name (case-insensitive), or a one-line error listing the known ones."""
    found = session.exec(
        select(DrillSet).where(sa.func.lower(DrillSet.name) == name.strip().lower())
    ).first()
    if found is None:
        names = ", ".join(session.exec(select(DrillSet.name).order_by(DrillSet.name)))
        raise DrillSetError(
            f"no drill set named {name!r} (known: {names or 'none: callcoach drill load FILE'})"
        )
    return found


def drill_cards(session: Session, drill_set_id: int | None) -> list[DrillCard]:
    """The objections of a set with their rebuttals (set override, else track's, else default).

    ``None`` means the whole objection library.
    """
    if drill_set_id is None:
        rows = session.exec(
            select(Objection.id, Objection.key, Objection.text, Objection.rebuttal).order_by(
                col(Objection.position), col(Objection.id)
            )
        ).all()
        return [DrillCard(*row) for row in rows]
    tto = aliased(TalkTrackObjection)
    rows = session.exec(
        select(
            Objection.id,
            Objection.key,
            Objection.text,
            sa.func.coalesce(
                DrillSetItem.rebuttal_override, tto.rebuttal_override, Objection.rebuttal
            ),
        )
        .select_from(DrillSetItem)
        .join(Objection, col(Objection.id) == col(DrillSetItem.objection_id))
        .join(DrillSet, col(DrillSet.id) == col(DrillSetItem.drill_set_id))
        .outerjoin(
            tto,
            sa.and_(
                col(tto.talk_track_id) == col(DrillSet.talk_track_id),
                col(tto.objection_id) == col(Objection.id),
            ),
        )
        .where(DrillSetItem.drill_set_id == drill_set_id)
        .order_by(col(DrillSetItem.position), col(Objection.id))
    ).all()
    return [DrillCard(*row) for row in rows]


def talk_track_names(session: Session) -> list[str]:
    """Every talk track's name, alphabetically (to offer building a set from one)."""
    return list(session.exec(select(TalkTrack.name).order_by(TalkTrack.name)).all())


def drill_set_track(session: Session, drill_set_id: int | None) -> TalkTrack | None:
    """The talk track a drill set was built from, if any."""
    if drill_set_id is None:
        return None
    return session.exec(
        select(TalkTrack)
        .join(DrillSet, col(DrillSet.talk_track_id) == col(TalkTrack.id))
        .where(DrillSet.id == drill_set_id)
    ).first()


def drill_set_round_count(session: Session, drill_set_id: int) -> int:
    """How many rounds have been drilled from this set."""
    return int(
        session.exec(
            select(sa.func.count())
            .select_from(DrillRound)
            .join(DrillSession, col(DrillSession.id) == col(DrillRound.session_id))
            .where(DrillSession.drill_set_id == drill_set_id)
        ).one()
    )
