"""one live owner per block: the holder's token, host, pid and since-when on call_block

A block is served by one process (window) at a time. The holder's random token is set when
it starts or resumes the block and every write of the block checks it in the same
transaction, so a second window can take the block over (after the holder's heartbeat
lapsed, or explicitly) and the first one's next write is refused instead of serving the
same contact twice. Existing blocks get no holder (NULL token): the first window to resume
one takes it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import callcoach.storage.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on both engines (no batch copy): recreating call_block on SQLite
    # would fire the ON DELETE SET NULL of call_attempt.block_id and lose every call's block.
    op.add_column(
        "call_block",
        sa.Column("owner_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    op.add_column(
        "call_block",
        sa.Column(
            "owner_host",
            sqlmodel.sql.sqltypes.AutoString(length=255),
            server_default="",
            nullable=False,
        ),
    )
    op.add_column("call_block", sa.Column("owner_pid", sa.Integer(), nullable=True))
    op.add_column(
        "call_block",
        sa.Column(
            "owner_since", callcoach.storage.models.UTCDateTime(timezone=True), nullable=True
        ),
    )


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), for the same reason: no table copy.
    for column in ("owner_since", "owner_pid", "owner_host", "owner_token"):
        op.drop_column("call_block", column)
