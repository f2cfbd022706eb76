"""The Python client's pipeline methods and handles (what `%em_pipeline` and the lab build on)."""

import pytest
from pipeline_defs import make_data, report, sleeper, train

from jupyter_easymaker.client import ApiError, EasyMakerClient, PipelineRun
from jupyter_easymaker.testing import TOKEN


@pytest.fixture
def client(shared_server) -> EasyMakerClient:
    return EasyMakerClient(shared_server.url, TOKEN)


def test_upload_a_pipeline_function_run_it_and_read_its_tasks(client):
    from kfp import dsl

    @dsl.pipeline(name="client-defined")
    def defined_here(rows: int = 2, lr: float = 0.5):
        data = make_data(rows=rows)
        trained = train(data=data.outputs["data"], lr=lr)
        report(score=trained.outputs["Output"])

    pipeline = client.pipeline_handle(client.upload_pipeline_function(defined_here, arguments={"rows": 3}))
    assert pipeline.name == "client-defined"
    assert {p["parameterName"]: p["defaultValue"] for p in pipeline.parameters} == {"rows": "3", "lr": "0.5"}
    assert [n["kind"] for n in pipeline.graph()["nodes"]] == ["task", "task", "task"]
    flavor = client.flavor_id("m2.c2m4")
    run = pipeline.run("client-run", experiment_name="client-pipelines", flavor_id=flavor, boot_storage_size=50,
                       parameters={"lr": 2}).wait(timeout=90)  # fmt: skip
    assert run.status == "COMPLETE"
    assert run.outputs("train") == {"Output": 6.0}
    assert "trained on 3 rows" in run.log("train")
    assert run.artifact("train", "model") == b"model rows=3 lr=2.0"
    assert {n["id"]: n["state"] for n in run.graph()["nodes"]}["report"] == "SUCCEEDED"
    again = run.copy(name="client-run-again", parameters={"rows": 1}).wait(timeout=90)
    assert again.outputs("train") == {"Output": 2.0}  # rows given, lr kept from the original
    assert client.pipeline_run_handle("client-run").id == run.id
    with pytest.raises(ApiError) as refused:
        client.upload_pipeline_function(defined_here)
    assert refused.value.status == 409
    for handle in (run, again):
        handle.delete()
    pipeline.delete()


def test_stop_and_schedule_through_handles(client, tmp_path):
    from kfp import dsl

    @dsl.pipeline(name="client-sleeper")
    def sleepy(marker_dir: str):
        sleeper(marker_dir=marker_dir, side="only", seconds=120)

    pipeline = client.pipeline_handle(client.upload_pipeline_function(sleepy))
    flavor = client.flavor_id("m2.c2m4")
    run = pipeline.run("client-sleeps", experiment_name="client-pipelines", flavor_id=flavor, boot_storage_size=50,
                       parameters={"marker_dir": str(tmp_path)})  # fmt: skip
    assert isinstance(run, PipelineRun)
    run.wait(timeout=0.01) if run.is_final else None
    while not (tmp_path / "only").exists():
        run.refresh()
        assert not run.is_final, run.data
    assert run.stop().wait(timeout=60).status == "STOPPED"
    assert run.tasks()[0]["state"] == "STOPPED"

    schedule = pipeline.schedule("client-daily", experiment_name="client-pipelines", flavor_id=flavor,
                                 boot_storage_size=50, schedule_cron_expression="0 0 3 * * *",
                                 parameters={"marker_dir": str(tmp_path)})  # fmt: skip
    assert schedule.status == "CREATE REQUESTED"
    schedule.stop()
    while schedule.refresh().status == "CREATE REQUESTED":
        pass
    assert schedule.status == "DISABLED" and schedule.data["nextScheduledDatetime"] is None
    assert schedule.start().status == "ENABLED" and schedule.data["nextScheduledDatetime"].endswith("03:00:00.000Z")
    assert schedule.runs() == []
    schedule.delete()
    run.delete()
    pipeline.delete()
