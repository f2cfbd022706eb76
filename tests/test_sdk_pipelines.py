"""The public `easymaker` SDK's Pipeline, PipelineRun and PipelineRecurringRun, unchanged, against this server."""

from __future__ import annotations

import pytest
from easymaker.common.exceptions import EasyMakerError
from pipeline_defs import compile_all


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    return compile_all(tmp_path_factory.mktemp("pipelines"))


def test_pipeline_upload_run_list_delete(sdk, compiled):
    pipeline = sdk.Pipeline().upload(
        pipeline_name="sdk-three-step", pipeline_spec_manifest_path=str(compiled["three_step"]), description="test"
    )
    assert pipeline.pipeline_status_code == "ACTIVE"
    specs = {p.parameter_name: p for p in pipeline.pipeline_parameter_spec_list}
    assert specs["rows"].parameter_type == "NUMBER_INTEGER" and specs["rows"].default_value == "5"
    assert "sdk-three-step" in [p.pipeline_name for p in sdk.Pipeline.get_list()]

    experiment = sdk.Experiment().create(experiment_name="sdk-pipelines")
    run = sdk.PipelineRun().create(
        pipeline_run_name="sdk-run",
        description="test",
        pipeline_id=pipeline.pipeline_id,
        experiment_id=experiment.experiment_id,
        instance_type_name="m2.c4m8",
        instance_count=1,
        boot_storage_size=50,
        parameter_list=[sdk.Parameter(parameter_name="rows", parameter_value="3")],
    )
    assert run.pipeline_run_status_code == "COMPLETE"
    fetched = sdk.PipelineRun(run.pipeline_run_id)
    assert fetched.pipeline.pipeline_id == pipeline.pipeline_id
    assert fetched.experiment.experiment_id == experiment.experiment_id
    assert fetched.instance_type.name == "m2.c4m8" and fetched.boot_storage.storage_size == 50
    assert {p.parameter_name: p.parameter_value for p in fetched.parameter_list} == {"rows": "3", "lr": "0.1"}
    assert fetched.elapsed_time_seconds is not None and fetched.finished_datetime
    assert run.pipeline_run_id in [r.pipeline_run_id for r in sdk.PipelineRun.get_list()]
    with pytest.raises(EasyMakerError):
        sdk.Experiment(experiment.experiment_id).delete()  # it still holds a pipeline run

    schedule = sdk.PipelineRecurringRun().create(
        pipeline_recurring_run_name="sdk-hourly",
        pipeline_id=pipeline.pipeline_id,
        experiment_id=experiment.experiment_id,
        instance_type_name="m2.c4m8",
        boot_storage_size=50,
        schedule_cron_expression="0 0 * * * ?",
        max_concurrency_count=1,
        schedule_start_datetime="2025-01-01T00:00:00+09:00",
        use_catchup=False,
    )
    assert schedule.pipeline_recurring_run_status_code == "ENABLED"
    assert schedule.schedule_cron_expression == "0 0 * * * ?" and schedule.use_catchup is False
    with pytest.raises(EasyMakerError):
        pipeline.delete()  # a recurring run uses it
    schedule.stop()
    assert sdk.PipelineRecurringRun(schedule.pipeline_recurring_run_id).pipeline_recurring_run_status_code == (
        "DISABLED"
    )
    schedule.start()
    assert sdk.PipelineRecurringRun(schedule.pipeline_recurring_run_id).pipeline_recurring_run_status_code == "ENABLED"
    assert schedule.pipeline_recurring_run_id in [
        r.pipeline_recurring_run_id for r in sdk.PipelineRecurringRun.get_list()
    ]
    for created in sdk.PipelineRun.get_list():
        if created.pipeline_recurring_run and (
            created.pipeline_recurring_run.pipeline_recurring_run_id == schedule.pipeline_recurring_run_id
        ):
            created.stop() if created.pipeline_run_status_code not in ("COMPLETE", "STOPPED") else None
    sdk.PipelineRecurringRun(schedule.pipeline_recurring_run_id).delete()
    sdk.PipelineRun(run.pipeline_run_id).delete()
    assert run.pipeline_run_id not in [r.pipeline_run_id for r in sdk.PipelineRun.get_list()]
    sdk.Pipeline(pipeline.pipeline_id).delete()
    assert "sdk-three-step" not in [p.pipeline_name for p in sdk.Pipeline.get_list()]


def test_invalid_pipeline_file_is_refused_with_the_reason(sdk, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("just: a mapping\n")
    with pytest.raises(EasyMakerError, match="Kubeflow Pipelines IR"):
        sdk.Pipeline().upload(pipeline_name="sdk-bad", pipeline_spec_manifest_path=str(bad))


def test_failed_run_raises_from_wait(sdk, compiled):
    pipeline = sdk.Pipeline().upload(pipeline_name="sdk-fails", pipeline_spec_manifest_path=str(compiled["fails"]))
    experiment = sdk.Experiment().create(experiment_name="sdk-pipelines-fail")
    with pytest.raises(EasyMakerError, match="FAIL PIPELINE RUN"):
        sdk.PipelineRun().create(
            pipeline_run_name="sdk-fails-run", pipeline_id=pipeline.pipeline_id,
            experiment_id=experiment.experiment_id, instance_type_name="m2.c2m4", boot_storage_size=50,
        )  # fmt: skip
