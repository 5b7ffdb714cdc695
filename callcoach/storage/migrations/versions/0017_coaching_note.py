"""coaching notes: a manager's or trainer's dated note for a rep

``callcoach notes add`` and the dashboard's rep view write them, optionally tied to a call
attempt, a block or an objection; the rep's home screen shows the unread ones (read_at).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import callcoach.storage.models

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coaching_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("written_at", callcoach.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("block_id", sa.Integer(), nullable=True),
        sa.Column("objection_id", sa.Integer(), nullable=True),
        sa.Column("read_at", callcoach.storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["rep_id"], ["rep.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["rep.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["attempt_id"], ["call_attempt.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["block_id"], ["call_block.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["objection_id"], ["objection.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_coaching_note_rep_written", "coaching_note", ["rep_id", "written_at"])


def downgrade() -> None:
    op.drop_index("ix_coaching_note_rep_written", table_name="coaching_note")
    op.drop_table("coaching_note")
