"""`Pipeline`, `PipelineRun`, `RecurringRun`: pipeline resources as objects, for notebooks and `%em_pipeline`.

>>> pipeline = client.pipeline_handle(client.upload_pipeline_function(my_pipeline))
>>> run = pipeline.run("nightly", experiment_name="demo", flavor_id=..., parameters={"rows": 5}).wait()
>>> run.tasks(); run.graph(); run.log("train"); run.artifact("train", "model")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .pipeline_api import RUN_FINAL_STATUSES

if TYPE_CHECKING:
    from .api import EasyMakerClient


class Pipeline:
    def __init__(self, client: EasyMakerClient, data: dict) -> None:
        self.client = client
        self.data = data

    @property
    def id(self) -> str:
        return self.data["pipelineId"]

    @property
    def name(self) -> str:
        return self.data["pipelineName"]

    @property
    def parameters(self) -> list[dict]:
        """[{parameterName, parameterType, isOptional, defaultValue}]"""
        return self.data.get("pipelineParameterSpecList") or []

    def __repr__(self) -> str:
        return f"<Pipeline {self.name!r} {self.data.get('pipelineStatusCode')} id={self.id}>"

    def refresh(self) -> Pipeline:
        self.data = self.client.pipeline(self.id)
        return self

    def graph(self) -> dict:
        return self.client.pipeline_graph(self.id)

    def run(self, name: str, **fields: Any) -> PipelineRun:
        """Start a run of this pipeline (fields as EasyMakerClient.create_pipeline_run)."""
        return PipelineRun(self.client, self.client.create_pipeline_run(name=name, pipeline_id=self.id, **fields))

    def schedule(self, name: str, **fields: Any) -> RecurringRun:
        """Create a recurring run of this pipeline (fields as EasyMakerClient.create_recurring_run)."""
        return RecurringRun(self.client, self.client.create_recurring_run(name=name, pipeline_id=self.id, **fields))

    def delete(self) -> None:
        self.client.delete_pipeline(self.id)


class PipelineRun:
    def __init__(self, client: EasyMakerClient, data: dict) -> None:
        self.client = client
        self.data = data

    @property
    def id(self) -> str:
        return self.data["pipelineRunId"]

    @property
    def name(self) -> str:
        return self.data["pipelineRunName"]

    @property
    def status(self) -> str:
        return self.data["pipelineRunStatusCode"]

    @property
    def is_final(self) -> bool:
        return self.status in RUN_FINAL_STATUSES

    def __repr__(self) -> str:
        return f"<PipelineRun {self.name!r} {self.status} id={self.id}>"

    def refresh(self) -> PipelineRun:
        self.data = self.client.pipeline_run(self.id)
        return self

    def wait(
        self, timeout: float | None = None, poll: float = 0.5, on_status: Callable[[dict], Any] | None = None
    ) -> PipelineRun:
        self.data = self.client.wait_pipeline_run(self.id, timeout=timeout, poll=poll, on_status=on_status)
        return self

    def stop(self) -> PipelineRun:
        self.data = self.client.stop_pipeline_run(self.id)
        return self

    def copy(self, **overrides: Any) -> PipelineRun:
        return PipelineRun(self.client, self.client.copy_pipeline_run(self.id, **overrides))

    def delete(self) -> None:
        self.client.delete_pipeline_run(self.id)

    def graph(self) -> dict:
        """Nodes with their live `state` (PENDING, RUNNING, SUCCEEDED, FAILED, SKIPPED, STOPPED) and edges."""
        return self.client.pipeline_run_graph(self.id)

    def tasks(self) -> list[dict]:
        return self.client.pipeline_run_tasks(self.id)

    def task(self, task_id: str) -> dict:
        """A task by its id (`train`, `condition-1/for-loop-2-iteration-0/square`)."""
        for task in self.tasks():
            if task["taskId"] == task_id:
                return task
        raise KeyError(f"No task '{task_id}' in run '{self.name}' (yet).")

    def outputs(self, task_id: str) -> dict[str, Any]:
        """A task's output parameters as {name: value}."""
        return {p["parameterName"]: p["parameterValue"] for p in self.task(task_id)["outputParameterList"]}

    def log(self, task_id: str) -> str:
        return self.client.pipeline_task_log(self.id, task_id)

    def artifact(self, task_id: str, name: str) -> bytes:
        return self.client.pipeline_task_artifact(self.id, task_id, name)


class RecurringRun:
    def __init__(self, client: EasyMakerClient, data: dict) -> None:
        self.client = client
        self.data = data

    @property
    def id(self) -> str:
        return self.data["pipelineRecurringRunId"]

    @property
    def name(self) -> str:
        return self.data["pipelineRecurringRunName"]

    @property
    def status(self) -> str:
        return self.data["pipelineRecurringRunStatusCode"]

    def __repr__(self) -> str:
        return f"<RecurringRun {self.name!r} {self.status} id={self.id}>"

    def refresh(self) -> RecurringRun:
        self.data = self.client.recurring_run(self.id)
        return self

    def start(self) -> RecurringRun:
        self.data = self.client.start_recurring_run(self.id)
        return self

    def stop(self) -> RecurringRun:
        self.data = self.client.stop_recurring_run(self.id)
        return self

    def runs(self) -> list[PipelineRun]:
        found = self.client.pipeline_runs(pipeline_recurring_run_id_list=[self.id])
        return [PipelineRun(self.client, run) for run in found]

    def delete(self) -> None:
        self.client.delete_recurring_run(self.id)
