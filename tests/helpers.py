"""Small helpers shared by tests."""

from __future__ import annotations

import sqlalchemy as sa

from callcoach.storage.db import Database


def count_rows(db: Database, table: str) -> int:
    """Rows in ``table``; a helper for asserting what the database holds."""
    with db.engine.connect() as conn:
        return int(conn.execute(sa.text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one())
