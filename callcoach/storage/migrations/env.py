"""Alembic environment: migrations run on the engine callcoach opened (see storage.db)."""

from alembic import context
from sqlmodel import SQLModel

import callcoach.storage.models  # noqa: F401 - registers the tables on SQLModel.metadata

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    """Run migrations on the engine passed in ``config.attributes['engine']``."""
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
