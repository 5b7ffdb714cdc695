"""what was exported to a CRM: one row per call or meeting and target

``callcoach export activities`` writes each logged call and each meeting once per target
(hubspot, salesforce, csv) unless asked for ``--all``; this table remembers what was written.

Revision ID: 0015
Revises: 0009
Create Date: 2026-12-04 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import callcoach.storage.models

revision: str = "0015"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activity_export",
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("exported_at", callcoach.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("target", "kind", "activity_id"),
    )


def downgrade() -> None:
    op.drop_table("activity_export")
