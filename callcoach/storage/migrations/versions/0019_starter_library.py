"""the starter library in every database: an origin on objections and talk tracks, and the
bundled starter objections and talk track inserted where missing

Every command that opens a database runs the migrations, so whichever comes first (the TUI,
``import``, ``block``, ``drill``, ``db upgrade``...) leaves the starters there. Rows a team
already has (same objection key, same track name) are left exactly as they are.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from callcoach.storage.starters import seed_starters

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on both engines, never a batch copy: recreating objection or
    # talk_track on SQLite would fire the ON DELETE CASCADE of the calls' objections, the
    # tracks' objections and the drill sets that point at them.
    for table in ("objection", "talk_track"):
        op.add_column(
            table,
            sa.Column("origin", sa.String(length=16), nullable=False, server_default="library"),
        )
    seed_starters(op.get_bind())


def downgrade() -> None:
    # The seeded rows stay (they may have been edited or used in calls); only the marks go.
    # SQLite (3.35+) drops the column in place: a batch copy would DROP TABLE objection,
    # which the foreign keys from calls and drills refuse.
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in ("talk_track", "objection"):
        if sqlite:
            op.execute(f"ALTER TABLE {table} DROP COLUMN origin")
        else:
            op.drop_column(table, "origin")
