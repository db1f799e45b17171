"""Alembic environment: runs on the connection eenplan hands it (SQLite or PostgreSQL)."""

from alembic import context

from eenplan.storage.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `eenplan migrate` (eenplan.storage.migrate)")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
