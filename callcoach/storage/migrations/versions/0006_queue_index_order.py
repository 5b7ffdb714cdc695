"""queue index ends with id, the queue's tie-break, so serving stops at the first row

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-23 19:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_contact_queue", table_name="contact")
    op.create_index(
        "ix_contact_queue", "contact", ["list_id", "status", "next_call_at", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_contact_queue", table_name="contact")
    op.create_index(
        "ix_contact_queue", "contact", ["list_id", "status", "next_call_at"], unique=False
    )
