"""The store's schema comes from the migrations, they agree with the models, and it works on each database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import write_script
from sqlalchemy import inspect

from jupyter_easymaker.platform import now
from jupyter_easymaker.store import ExperimentRow, Store
from jupyter_easymaker.store.models import Base


def test_migrations_build_exactly_the_models(database_url):
    store = Store(database_url)
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == [], (
        "store/models.py and the migrations differ: run `python -m jupyter_easymaker.store.migrate 'what changed'`"
    )
    assert "alembic_version" in inspect(store.engine).get_table_names()
    store.close()


def test_reopening_keeps_data(database_url):
    stamp = now()
    store = Store(database_url)
    with store.session() as session:
        session.add(
            ExperimentRow(id="e1", appkey="local", name="kept", status="ACTIVE", created_at=stamp, updated_at=stamp)
        )
    store.close()
    store = Store(database_url)
    with store.session() as session:
        assert session.get(ExperimentRow, "e1").name == "kept"
    store.close()


def test_server_on_postgresql_survives_sigkill(server_factory, postgres, tmp_path):
    url = postgres.new_database("server_e2e")
    server = server_factory(extra_args=(f"--EasyMakerApp.database_url={url}",))
    api = server.api
    source = write_script(
        tmp_path / "src", "import time\nfor i in range(20):\n    print(f'i={i}', flush=True)\n    time.sleep(0.1)\n"
    )
    training_id = api.post("/trainings", api.training_body("pg", api.experiment("pg"), source, tmp_path / "o"))[
        "training"
    ]["trainingId"]
    api.wait_training(training_id, until=("RUNNING",))
    server.kill()
    api = server_factory(data_dir=server.data_dir, extra_args=(f"--EasyMakerApp.database_url={url}",)).api
    training, _ = api.wait_training(training_id)
    assert training["trainingStatusCode"] == "COMPLETE"
    assert [m["value"] for m in api.get(f"/trainings/{training_id}/metrics")["metricList"]] == [
        float(i) for i in range(20)
    ]
    assert len([r for r in api.logs(training_id) if r["body"].startswith("i=")]) == 20
    found = api.get("/logs", params={"trainingId": training_id, "query": "I=7"})["logList"]
    assert [r["body"] for r in found] == ["i=7"], "text search is case-insensitive on PostgreSQL too"
    assert not (server.data_dir / "easymaker.db").exists(), "the configured database was used, not SQLite"
