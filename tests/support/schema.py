"""Schema revisions the tests name without hard-coding their numbers (the lead re-chains
migrations when merging)."""

from __future__ import annotations


def before_starters() -> str:
    """The schema revision just before the migration that seeds the starters."""
    from alembic.script import ScriptDirectory

    from callcoach.storage.schema import MIGRATIONS_DIR

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    seeding = next(r for r in script.walk_revisions() if r.path.endswith("_starter_library.py"))
    assert isinstance(seeding.down_revision, str)
    return seeding.down_revision
