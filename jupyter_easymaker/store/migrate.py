"""Bring a database to the newest schema; and, for developers, write the next revision.

`python -m jupyter_easymaker.store.migrate "what changed"` compares store/models.py with the
migrations and writes the difference as a new file in migrations/versions/ to review.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", "jupyter_easymaker.store:migrations")
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def new_revision(message: str) -> None:
    engine = create_engine(f"sqlite:///{Path(tempfile.mkdtemp()) / 'schema.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        number = f"{len(list(_versions())) + 1:04d}"
        command.revision(alembic_config(connection), message=message, autogenerate=True, rev_id=number)


def _versions():
    return (Path(__file__).parent / "migrations" / "versions").glob("[0-9]*.py")


if __name__ == "__main__":
    new_revision(" ".join(sys.argv[1:]) or "schema change")
