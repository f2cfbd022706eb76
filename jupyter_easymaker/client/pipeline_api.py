"""The pipeline routes of `EasyMakerClient` (mixed into it): pipelines, runs, recurring runs, graphs, task output."""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..resources.statuses import PIPELINE_RUN_FINAL
from .errors import ApiError, UnknownName
from .polling import poll_until

if TYPE_CHECKING:
    from .pipelines import Pipeline, PipelineRun, RecurringRun

RUN_FINAL_STATUSES = frozenset(status.value for status in PIPELINE_RUN_FINAL)


def _camel_key(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _parameters(parameters: dict[str, Any] | list[dict] | None) -> list[dict] | None:
    """{"rows": 5} or the API's [{"parameterName", "parameterValue"}] as the API's list (values as text)."""
    if parameters is None or isinstance(parameters, list):
        return parameters
    import json

    def text(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return json.dumps(value) if isinstance(value, (list, dict)) else str(value)

    return [{"parameterName": k, "parameterValue": text(v)} for k, v in parameters.items()]


def run_body(fields: dict[str, Any]) -> dict:
    """Keyword fields (snake_case or camelCase) as the run body; `name` and `parameters` ({name: value}) allowed."""
    body = {_camel_key(k): v for k, v in fields.items() if v is not None}
    if "name" in body:
        body["pipelineRunOrRecurringRunName"] = body.pop("name")
    if "parameters" in body:
        body["parameterList"] = _parameters(body.pop("parameters"))
    elif "parameterList" in body:
        body["parameterList"] = _parameters(body["parameterList"])
    return body


class PipelineMethods:
    """Mixed into EasyMakerClient: everything here uses its `request` / `get` / `session`."""

    request: Callable[..., dict]
    get: Callable[..., dict]

    # -- pipelines -----------------------------------------------------------------------------------------------------

    def pipelines(self, names: list[str] | None = None, ids: list[str] | None = None) -> list[dict]:
        return self.get("/pipelines", pipelineNameList=names, pipelineIdList=ids)["pipelineList"]

    def pipeline(self, pipeline_id: str) -> dict:
        return self.get(f"/pipelines/{pipeline_id}")["pipeline"]

    def find_pipeline(self, name_or_id: str) -> dict:
        found = self.pipelines(names=[name_or_id])
        if found:
            return found[0]
        try:
            return self.pipeline(name_or_id)
        except ApiError as err:
            if err.status not in (400, 404):
                raise
        names = ", ".join(p["pipelineName"] for p in self.pipelines()[:20]) or "none yet"
        raise UnknownName(f"No pipeline named or with id '{name_or_id}'; pipelines: {names}.")

    def upload_pipeline(self, name: str, yaml_text: str, description: str | None = None) -> dict:
        """Upload a KFP IR YAML given as text (as the SDK does: base64 in the body)."""
        body = {
            "pipelineName": name,
            "base64PipelineSpecManifest": base64.b64encode(yaml_text.encode("utf-8")).decode("ascii"),
        }
        if description is not None:
            body["description"] = description
        return self.request("POST", "/pipelines/upload", json=body)["pipeline"]

    def upload_pipeline_file(self, name: str, path: str | Path, description: str | None = None) -> dict:
        return self.upload_pipeline(name, Path(path).read_text(encoding="utf-8"), description)

    def upload_pipeline_function(
        self, pipeline_func: Callable, name: str | None = None, description: str | None = None,
        arguments: dict[str, Any] | None = None,
    ) -> dict:  # fmt: skip
        """Compile a `@dsl.pipeline` function with kfp's compiler and upload the YAML. `name` defaults to the
        pipeline's own name; `arguments` become the pipeline's parameter defaults (kfp's pipeline_parameters)."""
        from kfp import compiler

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "pipeline.yaml"
            compiler.Compiler().compile(pipeline_func, str(path), pipeline_parameters=arguments)
            text = path.read_text(encoding="utf-8")
        if name is None:
            import yaml

            name = next(yaml.safe_load_all(text))["pipelineInfo"]["name"]
        return self.upload_pipeline(name, text, description)

    def delete_pipeline(self, pipeline_id: str) -> None:
        self.request("DELETE", f"/pipelines/{pipeline_id}")

    def pipeline_graph(self, pipeline_id: str) -> dict:
        """{"nodes": [{id, name, kind (task|dag|condition|loop), parent, component}], "edges": [{source, target}]}"""
        return self.get(f"/pipelines/{pipeline_id}/graph")["graph"]

    def pipeline_handle(self, pipeline: str | dict) -> Pipeline:
        from .pipelines import Pipeline

        return Pipeline(self, pipeline if isinstance(pipeline, dict) else self.find_pipeline(pipeline))

    # -- runs ----------------------------------------------------------------------------------------------------------

    def pipeline_runs(self, **filters: Any) -> list[dict]:
        """Newest first. Filters by the API's names (pipelineIdList, pipelineRecurringRunIdList, …), snake_case ok."""
        return self.get("/pipeline-runs", **{_camel_key(k): v for k, v in filters.items()})["pipelineRunList"]

    def pipeline_run(self, run_id: str) -> dict:
        return self.get(f"/pipeline-runs/{run_id}")["pipelineRun"]

    def find_pipeline_run(self, name_or_id: str) -> dict:
        found = self.pipeline_runs(pipeline_run_name_list=[name_or_id])
        if found:
            return found[0]
        try:
            return self.pipeline_run(name_or_id)
        except ApiError as err:
            if err.status not in (400, 404):
                raise
        raise UnknownName(f"No pipeline run named or with id '{name_or_id}'.")

    def create_pipeline_run(self, body: dict | None = None, **fields: Any) -> dict:
        """Start a run: name, pipeline_id, experiment_id (or experiment_name), flavor_id, boot_storage_size,
        parameters={name: value} (or parameter_list), instance_count, nas_list, use_log."""
        return self.request("POST", "/pipeline-runs", json={**(body or {}), **run_body(fields)})["pipelineRun"]

    def stop_pipeline_run(self, run_id: str) -> dict:
        return self.request("PUT", f"/pipeline-runs/{run_id}/stop")["pipelineRun"]

    def copy_pipeline_run(self, run_id: str, **overrides: Any) -> dict:
        body = run_body(overrides)
        if "pipelineRunOrRecurringRunName" in body:
            body["pipelineRunName"] = body.pop("pipelineRunOrRecurringRunName")
        return self.request("POST", f"/pipeline-runs/{run_id}/copy", json=body)["pipelineRun"]

    def delete_pipeline_run(self, run_id: str) -> None:
        self.request("DELETE", f"/pipeline-runs/{run_id}")

    def pipeline_run_graph(self, run_id: str) -> dict:
        """The pipeline graph with each node's `state` and `taskIdList` (a loop node lists every iteration)."""
        return self.get(f"/pipeline-runs/{run_id}/graph")["graph"]

    def pipeline_run_tasks(self, run_id: str) -> list[dict]:
        """Each executed task: taskId, state, input/output parameters and artifacts, times."""
        return self.get(f"/pipeline-runs/{run_id}/tasks")["taskList"]

    def pipeline_task_log(self, run_id: str, task_id: str) -> str:
        return self.get(f"/pipeline-runs/{run_id}/task-log", taskId=task_id)["log"]

    def pipeline_task_artifact(self, run_id: str, task_id: str, artifact_name: str) -> bytes:
        """An output artifact's bytes (a directory artifact comes as a .tar.gz)."""
        url = f"{self.base_url}/pipeline-runs/{run_id}/task-artifact"  # type: ignore[attr-defined]
        response = self.session.get(  # type: ignore[attr-defined]
            url,
            params={"taskId": task_id, "artifactName": artifact_name},
            timeout=self.timeout,  # type: ignore[attr-defined]
        )
        if not response.ok:
            try:
                message = response.json()["header"]["resultMessage"]
            except (ValueError, KeyError):
                message = response.reason
            raise ApiError(response.status_code, message)
        return response.content

    def wait_pipeline_run(
        self, run_id: str, timeout: float | None = None, poll: float = 0.5,
        on_status: Callable[[dict], Any] | None = None,
    ) -> dict:  # fmt: skip
        """Poll until the run is final (COMPLETE, FAIL PIPELINE RUN, STOPPED, CREATE FAILED) and return it."""
        return poll_until(
            lambda: self.pipeline_run(run_id),
            lambda r: r["pipelineRunStatusCode"] in RUN_FINAL_STATUSES,
            lambda r: f"Pipeline run '{r['pipelineRunName']}' is still {r['pipelineRunStatusCode']}",
            timeout, poll, on_status, lambda r: r["pipelineRunStatusCode"],
        )  # fmt: skip

    def pipeline_run_handle(self, run: str | dict) -> PipelineRun:
        from .pipelines import PipelineRun

        return PipelineRun(self, run if isinstance(run, dict) else self.find_pipeline_run(run))

    # -- recurring runs ------------------------------------------------------------------------------------------------

    def recurring_runs(self, **filters: Any) -> list[dict]:
        params = {_camel_key(k): v for k, v in filters.items()}
        return self.get("/pipeline-recurring-runs", **params)["pipelineRecurringRunList"]

    def recurring_run(self, recurring_id: str) -> dict:
        return self.get(f"/pipeline-recurring-runs/{recurring_id}")["pipelineRecurringRun"]

    def create_recurring_run(self, body: dict | None = None, **fields: Any) -> dict:
        """As create_pipeline_run, plus one trigger (schedule_periodic_minutes, schedule_periodic_seconds or
        schedule_cron_expression: 6 fields, seconds first), max_concurrency_count, schedule_start_datetime,
        schedule_end_datetime, use_catchup."""
        body = {**(body or {}), **run_body(fields)}
        return self.request("POST", "/pipeline-recurring-runs", json=body)["pipelineRecurringRun"]

    def start_recurring_run(self, recurring_id: str) -> dict:
        return self.request("PUT", f"/pipeline-recurring-runs/{recurring_id}/start")["pipelineRecurringRun"]

    def stop_recurring_run(self, recurring_id: str) -> dict:
        return self.request("PUT", f"/pipeline-recurring-runs/{recurring_id}/stop")["pipelineRecurringRun"]

    def copy_recurring_run(self, recurring_id: str, **overrides: Any) -> dict:
        body = run_body(overrides)
        if "pipelineRunOrRecurringRunName" in body:
            body["pipelineRecurringRunName"] = body.pop("pipelineRunOrRecurringRunName")
        return self.request("POST", f"/pipeline-recurring-runs/{recurring_id}/copy", json=body)["pipelineRecurringRun"]

    def delete_recurring_run(self, recurring_id: str) -> None:
        self.request("DELETE", f"/pipeline-recurring-runs/{recurring_id}")

    def recurring_run_handle(self, recurring: str | dict) -> RecurringRun:
        from .pipelines import RecurringRun

        if isinstance(recurring, dict):
            return RecurringRun(self, recurring)
        found = self.recurring_runs(pipeline_recurring_run_name_list=[recurring])
        return RecurringRun(self, found[0] if found else self.recurring_run(recurring))
