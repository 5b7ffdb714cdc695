"""The starter library in every database: the bundled objections and starter talk track
(``data/starter_library.toml``), inserted where missing by the migration that adds them.

Insert-if-missing only (objections by ``key``, the track by ``name``, case-insensitive): an
upgrade never overwrites a row a team has edited, and a row they deleted on purpose comes
back only when a later migration seeds again. The file is bundled and trusted; its wording
is checked by the talk-track validator in the tests, not here (storage knows no core).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from callcoach import paths
from callcoach.storage.models import Origin

STARTER_FILE_NAME = "starter_library.toml"

#: The starter talk track's name: every call list without a track of its own uses it.
STARTER_TRACK_NAME = "Starter track (rewrite me)"

#: Tables the migrations seed, with the condition that marks a row someone wrote (None: the
#: table holds only what the seeded rows need). A database with nothing else is unused.
SEEDED_TABLES: dict[str, str | None] = {
    "objection": f"origin <> '{Origin.STARTER.value}'",
    "talk_track": f"origin <> '{Origin.STARTER.value}'",
    "talk_track_objection": None,
}

#: The talk-track text fields a starter track may carry, as stored.
_TRACK_FIELDS = (
    "cluster_dimension", "cluster_value", "engage_statement", "impact_question",
    "meeting_ask", "voicemail_script", "third_party_reference", "parking_lot_line", "greeting",
)


@dataclass(frozen=True)
class SeedResult:
    """How many starter rows one seeding inserted."""

    objections: int
    tracks: int


def starter_file() -> Path:
    """The bundled starter library file."""
    return paths.bundled_data_dir() / STARTER_FILE_NAME


def load_starter_document(path: Path | None = None) -> dict[str, Any]:
    """The parsed starter library (objections and tracks as TOML tables)."""
    with open(path or starter_file(), "rb") as handle:
        return tomllib.load(handle)


def seed_starters(conn: sa.Connection, path: Path | None = None) -> SeedResult:
    """Insert the starter objections and tracks that are missing, on ``conn`` (no commit).

    Written with plain table expressions, not the ORM models, so a migration that calls it
    stays right when the models grow columns later.
    """
    doc = load_starter_document(path)
    meta = sa.MetaData()
    objection = sa.Table("objection", meta, autoload_with=conn)
    track = sa.Table("talk_track", meta, autoload_with=conn)
    link = sa.Table("talk_track_objection", meta, autoload_with=conn)

    have = {row.key: row.id for row in conn.execute(sa.select(objection.c.key, objection.c.id))}
    position = conn.execute(sa.select(sa.func.coalesce(sa.func.max(objection.c.position), 0))).scalar_one()
    added_objections = 0
    for item in doc.get("objection", []):
        if item["key"] in have:
            continue
        position += 1
        new_id = conn.execute(
            sa.insert(objection)
            .values(key=item["key"], text=item["text"].strip(), rebuttal=item["rebuttal"].strip(),
                    position=position, origin=Origin.STARTER.value)
            .returning(objection.c.id)
        ).scalar_one()
        have[item["key"]] = new_id
        added_objections += 1

    names = {name.lower() for name in conn.execute(sa.select(track.c.name)).scalars()}
    added_tracks = 0
    now = datetime.now(UTC)
    if conn.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as naive UTC there (see UTCDateTime)
    for item in doc.get("track", []):
        if item["name"].lower() in names:
            continue
        values = {f: (item[f].strip() if isinstance(item.get(f), str) else None) for f in _TRACK_FIELDS}
        for f in _TRACK_FIELDS[2:]:
            values[f] = values[f] or ""
        track_id = conn.execute(
            sa.insert(track)
            .values(name=item["name"], updated_at=now, origin=Origin.STARTER.value, **values)
            .returning(track.c.id)
        ).scalar_one()
        rebuttals = item.get("rebuttals", {})
        keys = list(dict.fromkeys([*item.get("objections", []), *rebuttals]))
        for n, key in enumerate(keys, 1):
            if key in have:
                conn.execute(sa.insert(link).values(
                    talk_track_id=track_id, objection_id=have[key],
                    rebuttal_override=rebuttals.get(key), position=n,
                ))
        names.add(item["name"].lower())
        added_tracks += 1
    return SeedResult(added_objections, added_tracks)
