"""Alembic environment: migrations run on the engine callcoach opened (see storage.schema)."""

from alembic import context
from sqlmodel import SQLModel

import callcoach.storage.models  # noqa: F401 - registers the tables on SQLModel.metadata

target_metadata = SQLModel.metadata


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()


def run_migrations_online() -> None:
    """Run migrations on the connection (or engine) storage.schema passes in ``config.attributes``."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with context.config.attributes["engine"].connect() as connection:
        _run(connection)


run_migrations_online()
