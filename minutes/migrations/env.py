"""Alembic environment: migrations run on the connection minutes.core.store passes in (no alembic.ini needed)."""

from alembic import context
from sqlmodel import SQLModel

import minutes.db as models  # noqa: F401  (registers every table on SQLModel.metadata)

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
