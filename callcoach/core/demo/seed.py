"""First run: fill a brand-new database with the bundled demo lists, tracks and a demo rep."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col

from callcoach import paths
from callcoach.clock import Clock
from callcoach.core.reps import get_or_create_rep
from callcoach.storage.db import Database
from callcoach.storage.models import CallList, Origin, RepRole, TalkTrack

DEMO_LIST_PREFIX = "Demo"
DEMO_REP = "Demo SDR"


def is_empty(db: Database) -> bool:
    """True when the database has neither call lists nor talk tracks of its own (the
    starter library every database is created with does not count)."""
    with db.session() as session:
        lists = session.execute(sa.select(sa.func.count()).select_from(CallList)).scalar_one()
        tracks = session.execute(
            sa.select(sa.func.count())
            .select_from(TalkTrack)
            .where(col(TalkTrack.origin) != Origin.STARTER.value)
        ).scalar_one()
    return lists == 0 and tracks == 0


def seed_demo(db: Database, clock: Clock, data_dir: Path | None = None) -> None:
    """Load the demo talk tracks, import the demo contacts by vertical, add a demo SDR."""
    # Imported here: the importer pulls in phonenumbers, which a normal start never needs.
    from callcoach.core.lists.importer import ImportOptions, import_file
    from callcoach.core.lists.tracks import load_tracks_file

    data_dir = data_dir or paths.bundled_data_dir()
    load_tracks_file(db, data_dir / "talk_tracks.toml", clock)
    if (data_dir / "drill_sets.toml").exists():
        from callcoach.core.drills.sets import load_drill_sets_file

        load_drill_sets_file(db, data_dir / "drill_sets.toml")
    import_file(
        db,
        data_dir / "demo_contacts.csv",
        ImportOptions(list_name=DEMO_LIST_PREFIX, cluster_by="vertical", skip_invalid=True),
        clock,
    )
    with db.session() as session:
        get_or_create_rep(session, DEMO_REP, RepRole.SDR.value)


def seed_demo_if_empty(
    db: Database,
    clock: Clock,
    data_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> bool:
    """Seed the demo data into a database with no lists and no tracks; True if it did
    (``progress`` hears a line before and after: the first start is not a silent wait)."""
    if not is_empty(db):
        return False
    if progress is not None:
        progress(
            "first start: loading the demo lists, talk tracks and drill sets "
            "(made-up contacts, a few seconds) ..."
        )
    seed_demo(db, clock, data_dir)
    if progress is not None:
        progress("demo ready: opening the home screen")
    return True
