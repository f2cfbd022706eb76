"""Alembic environment: runs on the connection the Store hands over (see db.py), SQLite in batch mode."""

from alembic import context

from jupyter_easymaker.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
