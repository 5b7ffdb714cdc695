"""drill sets assigned to trainees with a due date

``callcoach drill assign SET --trainee NAME --due DATE`` records one row per set and
trainee; completion is derived from the trainee's scored rounds, not stored.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import callcoach.storage.models

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "drill_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drill_set_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("assigned_at", callcoach.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["drill_set_id"], ["drill_set.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["trainee_id"], ["rep.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["assigned_by_id"], ["rep.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("drill_set_id", "trainee_id"),
    )
    with op.batch_alter_table("drill_assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_drill_assignment_trainee_id"), ["trainee_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("drill_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drill_assignment_trainee_id"))
    op.drop_table("drill_assignment")
