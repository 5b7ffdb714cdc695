"""reports over long periods: derived epoch columns kept by a trigger, covering indexes

``call_attempt`` gains ``logged_epoch`` (whole seconds since 1970 UTC of ``logged_at`` for a
call with an outcome, NULL while in progress) and ``dialed_slot`` (quarter hours since 1970
UTC of ``dialed_at``), backfilled here and from then on set by a trigger of the database on
every insert and every change of ``outcome``, ``logged_at`` or ``dialed_at``, whoever writes
(the trigger does nothing when the writer already stored the right values).
``ix_attempt_report`` (per block, replacing ``ix_attempt_block``) and the partial
``ix_attempt_answered`` cover what the reports read; ``ix_attempt_objection_call`` replaces
the single-column attempt index of ``attempt_objection``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite stores naive-UTC text ('2026-11-23 14:00:00.000000'); strftime('%s') reads it in
# every SQLite version, but rounds a fraction to the millisecond (59.9996 s is the next
# second): it is given the whole seconds only, so the value is the floor, as on
# PostgreSQL and as a comparison of the text would have it. PostgreSQL stores timestamptz.
SQLITE_LOGGED = (
    "CASE WHEN {row}.outcome IS NOT NULL "
    "THEN CAST(strftime('%s', substr({row}.logged_at, 1, 19)) AS INTEGER) END"
)
SQLITE_SLOT = "CAST(strftime('%s', substr({row}.dialed_at, 1, 19)) AS INTEGER) / 900"
PG_LOGGED = (
    "CASE WHEN {row}.outcome IS NOT NULL "
    "THEN CAST(floor(EXTRACT(epoch FROM {row}.logged_at)) AS BIGINT) END"
)
PG_SLOT = "CAST(floor(EXTRACT(epoch FROM {row}.dialed_at)) AS BIGINT) / 900"
ANSWERED = {
    "sqlite": "connected = 1 OR conversation = 1 OR outcome = 'meeting'",
    "postgresql": "connected OR conversation OR outcome = 'meeting'",
}


def _sqlite_trigger(name: str, event: str) -> str:
    logged, slot = SQLITE_LOGGED.format(row="NEW"), SQLITE_SLOT.format(row="NEW")
    return (
        f"CREATE TRIGGER {name} AFTER {event} ON call_attempt FOR EACH ROW "
        f"WHEN NEW.logged_epoch IS NOT ({logged}) OR NEW.dialed_slot IS NOT ({slot}) "
        f"BEGIN UPDATE call_attempt SET logged_epoch = {logged}, dialed_slot = {slot} "
        "WHERE id = NEW.id; END"
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("call_attempt", sa.Column("logged_epoch", sa.BigInteger(), nullable=True))
    op.add_column("call_attempt", sa.Column("dialed_slot", sa.BigInteger(), nullable=True))
    if dialect == "sqlite":
        logged, slot = SQLITE_LOGGED, SQLITE_SLOT
    else:
        logged, slot = PG_LOGGED, PG_SLOT
    row = "call_attempt"
    op.execute(
        f"UPDATE call_attempt SET logged_epoch = {logged.format(row=row)}, "
        f"dialed_slot = {slot.format(row=row)}"
    )
    if dialect == "sqlite":
        op.execute(_sqlite_trigger("call_attempt_epochs_insert", "INSERT"))
        op.execute(
            _sqlite_trigger(
                "call_attempt_epochs_update",
                "UPDATE OF outcome, logged_at, dialed_at, logged_epoch, dialed_slot",
            )
        )
    else:
        op.execute(
            "CREATE FUNCTION call_attempt_epochs() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN NEW.logged_epoch := {PG_LOGGED.format(row='NEW')}; "
            f"NEW.dialed_slot := {PG_SLOT.format(row='NEW')}; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER call_attempt_epochs BEFORE INSERT OR UPDATE OF outcome, logged_at, "
            "dialed_at, logged_epoch, dialed_slot ON call_attempt FOR EACH ROW "
            "EXECUTE FUNCTION call_attempt_epochs()"
        )
    op.drop_index("ix_attempt_block", table_name="call_attempt")
    op.create_index(
        "ix_attempt_report",
        "call_attempt",
        ["block_id", "rep_id", "list_id", "dialed_slot", "logged_epoch", "gap_seconds"],
        unique=False,
    )
    where = sa.text(ANSWERED.get(dialect, ANSWERED["postgresql"]))
    op.create_index(
        "ix_attempt_answered",
        "call_attempt",
        ["logged_epoch", "rep_id", "list_id", "dialed_slot", "connected", "conversation",
         "outcome", "duration_seconds"],
        unique=False,
        sqlite_where=where,
        postgresql_where=where,
    )
    op.drop_index("ix_attempt_objection_attempt_id", table_name="attempt_objection")
    op.create_index(
        "ix_attempt_objection_call",
        "attempt_objection",
        ["attempt_id", "objection_id", "overcome"],
        unique=False,
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_attempt_objection_call", table_name="attempt_objection")
    op.create_index(
        "ix_attempt_objection_attempt_id", "attempt_objection", ["attempt_id"], unique=False
    )
    op.drop_index("ix_attempt_answered", table_name="call_attempt")
    op.drop_index("ix_attempt_report", table_name="call_attempt")
    op.create_index("ix_attempt_block", "call_attempt", ["block_id"], unique=False)
    if dialect == "sqlite":
        op.execute("DROP TRIGGER call_attempt_epochs_insert")
        op.execute("DROP TRIGGER call_attempt_epochs_update")
    else:
        op.execute("DROP TRIGGER call_attempt_epochs ON call_attempt")
        op.execute("DROP FUNCTION call_attempt_epochs()")
    # A plain DROP COLUMN (SQLite 3.35+), never a batch copy of the table: with foreign keys
    # on, dropping the old call_attempt would delete its objections and meetings (cascade).
    op.execute("ALTER TABLE call_attempt DROP COLUMN dialed_slot")
    op.execute("ALTER TABLE call_attempt DROP COLUMN logged_epoch")
