"""undo of an outcome: the before-image an outcome keeps, and the attempt's record of its undo

Every outcome stores on its attempt, in the same write, what it changed (``prior``: the
attempt's and the contact's columns before it, the objections it settled, the callbacks it
closed), so the rep can undo it in one transaction. An undo restores that image and keeps
its own record on the attempt: when (``undone_at``), which outcome (``undone_outcome``) and
the undo's idempotency key (``undo_uuid``, for the journal's replay).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import callcoach.storage.models

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN on both engines: no table copy of call_attempt.
    op.add_column("call_attempt", sa.Column("prior", sa.Text(), nullable=True))
    op.add_column(
        "call_attempt",
        sa.Column("undone_at", callcoach.storage.models.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "call_attempt",
        sa.Column("undone_outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    )
    op.add_column(
        "call_attempt",
        sa.Column("undo_uuid", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    )
    op.create_index("ix_attempt_undo_uuid", "call_attempt", ["undo_uuid"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_attempt_undo_uuid", table_name="call_attempt")
    for column in ("undo_uuid", "undone_outcome", "undone_at", "prior"):
        op.drop_column("call_attempt", column)
