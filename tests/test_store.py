"""The store's schema comes from the migrations, and they agree with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from jupyter_easymaker.platform import now
from jupyter_easymaker.store import ExperimentRow, Store
from jupyter_easymaker.store.models import Base


def test_migrations_build_exactly_the_models(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'a.db'}")
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == [], (
        "store/models.py and the migrations differ: run `python -m jupyter_easymaker.store.migrate 'what changed'`"
    )
    assert "alembic_version" in inspect(store.engine).get_table_names()


def test_reopening_keeps_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'b.db'}"
    with Store(url).session() as session:
        stamp = now()
        session.add(
            ExperimentRow(id="e1", appkey="local", name="kept", status="ACTIVE", created_at=stamp, updated_at=stamp)
        )
    with Store(url).session() as session:
        assert session.get(ExperimentRow, "e1").name == "kept"
