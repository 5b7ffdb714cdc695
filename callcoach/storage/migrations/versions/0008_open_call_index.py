"""open calls indexed per block: the dial's "is a call still open?" reads one entry

A partial index on ``call_attempt (block_id, dialed_at) WHERE outcome IS NULL`` holds only
the calls in progress (one per live block at most). Without it, finding a block's open call
read every dial of the block, so each dial cost more as the block went on.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_attempt_open",
        "call_attempt",
        ["block_id", "dialed_at"],
        unique=False,
        sqlite_where=sa.text("outcome IS NULL"),
        postgresql_where=sa.text("outcome IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_attempt_open", table_name="call_attempt")
