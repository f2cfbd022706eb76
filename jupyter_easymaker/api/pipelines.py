"""Pipelines, pipeline runs and recurring runs: /pipelines, /pipeline-runs, /pipeline-recurring-runs."""

from __future__ import annotations

import io
import mimetypes
import tarfile
from pathlib import Path

from ..resources import pipeline_runs, pipelines, recurring_runs
from ..resources.schema import PipelineRunCopy, PipelineRunCreate, PipelineUpload, RecurringRunCopy, parse
from .base import APPKEY, ID, ApiHandler, endpoint, run

PIPELINE_ID = ID.format("pipeline_id")
RUN_ID = ID.format("pipeline_run_id")
RECURRING_ID = ID.format("pipeline_recurring_run_id")
PIPELINE_FILTERS = ("pipelineIdList", "pipelineNameList")
RUN_FILTERS = (
    "pipelineRunIdList", "pipelineRunNameList", "pipelineIdList", "experimentIdList", "pipelineRecurringRunIdList",
    "pipelineRunStatusCodeList",
)  # fmt: skip
RECURRING_FILTERS = (
    "pipelineRecurringRunIdList", "pipelineRecurringRunNameList", "pipelineIdList", "experimentIdList",
    "pipelineRecurringRunStatusCodeList",
)  # fmt: skip


class PipelinesHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        found = await run(pipelines.list_, self.platform, appkey, {n: self.list_arg(n) for n in PIPELINE_FILTERS})
        self.respond({"pipelineList": found, "paging": {"totalCount": len(found)}})


class PipelineUploadHandler(ApiHandler):
    @endpoint
    async def post(self, appkey: str) -> None:
        body = parse(PipelineUpload, self.json_body())
        self.respond({"pipeline": await run(pipelines.upload, self.platform, appkey, body)}, 201)


class PipelineHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, pipeline_id: str) -> None:
        self.respond({"pipeline": await run(pipelines.get, self.platform, appkey, pipeline_id)})

    @endpoint
    async def delete(self, appkey: str, pipeline_id: str) -> None:
        await run(pipelines.delete, self.platform, appkey, pipeline_id)
        self.respond()


class PipelineGraphHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, pipeline_id: str) -> None:
        self.respond({"graph": await run(pipelines.graph, self.platform, appkey, pipeline_id)})


class PipelineManifestHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, pipeline_id: str) -> None:
        text = await run(pipelines.manifest, self.platform, appkey, pipeline_id)
        self.respond({"pipelineSpecManifest": text})


class PipelineRunsHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        found = await run(pipeline_runs.list_, self.platform, appkey, {n: self.list_arg(n) for n in RUN_FILTERS})
        self.respond({"pipelineRunList": found, "paging": {"totalCount": len(found)}})

    @endpoint
    async def post(self, appkey: str) -> None:
        """A run; or, with a schedule, a recurring run (the SDK creates recurring runs with this route)."""
        body = parse(PipelineRunCreate, self.json_body())
        if recurring_runs.is_recurring(body):
            answer = {"pipelineRecurringRun": await run(recurring_runs.create, self.platform, appkey, body)}
        else:
            answer = {"pipelineRun": await run(pipeline_runs.create, self.platform, appkey, body)}
        self.respond(answer, 201)


class PipelineRunHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, pipeline_run_id: str) -> None:
        self.respond({"pipelineRun": await run(pipeline_runs.get, self.platform, appkey, pipeline_run_id)})

    @endpoint
    async def delete(self, appkey: str, pipeline_run_id: str) -> None:
        await run(pipeline_runs.delete, self.platform, appkey, pipeline_run_id)
        self.respond()


class PipelineRunStopHandler(ApiHandler):
    @endpoint
    async def put(self, appkey: str, pipeline_run_id: str) -> None:
        self.respond({"pipelineRun": await run(pipeline_runs.stop, self.platform, appkey, pipeline_run_id)})


class PipelineRunCopyHandler(ApiHandler):
    @endpoint
    async def post(self, appkey: str, pipeline_run_id: str) -> None:
        body = parse(PipelineRunCopy, self.json_body())
        copied = await run(pipeline_runs.copy, self.platform, appkey, pipeline_run_id, body)
        self.respond({"pipelineRun": copied}, 201)


class PipelineRunGraphHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, pipeline_run_id: str) -> None:
        self.respond({"graph": await run(pipeline_runs.graph, self.platform, appkey, pipeline_run_id)})


class PipelineRunTasksHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, pipeline_run_id: str) -> None:
        found = await run(pipeline_runs.tasks, self.platform, appkey, pipeline_run_id)
        self.respond({"taskList": found, "paging": {"totalCount": len(found)}})


class PipelineRunTaskLogHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, pipeline_run_id: str) -> None:
        task_id = self.get_query_argument("taskId", "")
        text = await run(pipeline_runs.task_log, self.platform, appkey, pipeline_run_id, task_id)
        self.respond({"taskId": task_id, "log": text})


class PipelineRunTaskArtifactHandler(ApiHandler):
    """Download one output artifact of a task: the file itself, or a directory artifact as a .tar.gz."""

    @endpoint
    async def get(self, appkey: str, pipeline_run_id: str) -> None:
        task_id = self.get_query_argument("taskId", "")
        name = self.get_query_argument("artifactName", "")
        path = await run(pipeline_runs.task_artifact, self.platform, appkey, pipeline_run_id, task_id, name)
        data, filename, kind = await run(_artifact_bytes, path, name)
        self.set_header("Content-Type", kind)
        self.set_header("Content-Disposition", f'attachment; filename="{filename}"')
        self.finish(data)


def _artifact_bytes(path: Path, name: str) -> tuple[bytes, str, str]:
    if path.is_dir():
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            tar.add(path, arcname=name)
        return buffer.getvalue(), f"{name}.tar.gz", "application/gzip"
    return path.read_bytes(), path.name, mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class RecurringRunsHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        filters = {n: self.list_arg(n) for n in RECURRING_FILTERS}
        found = await run(recurring_runs.list_, self.platform, appkey, filters)
        self.respond({"pipelineRecurringRunList": found, "paging": {"totalCount": len(found)}})

    @endpoint
    async def post(self, appkey: str) -> None:
        body = parse(PipelineRunCreate, self.json_body())
        self.respond({"pipelineRecurringRun": await run(recurring_runs.create, self.platform, appkey, body)}, 201)


class RecurringRunHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, pipeline_recurring_run_id: str) -> None:
        found = await run(recurring_runs.get, self.platform, appkey, pipeline_recurring_run_id)
        self.respond({"pipelineRecurringRun": found})

    @endpoint
    async def delete(self, appkey: str, pipeline_recurring_run_id: str) -> None:
        await run(recurring_runs.delete, self.platform, appkey, pipeline_recurring_run_id)
        self.respond()


class RecurringRunStartHandler(ApiHandler):
    @endpoint
    async def put(self, appkey: str, pipeline_recurring_run_id: str) -> None:
        found = await run(recurring_runs.set_enabled, self.platform, appkey, pipeline_recurring_run_id, True)
        self.respond({"pipelineRecurringRun": found})


class RecurringRunStopHandler(ApiHandler):
    @endpoint
    async def put(self, appkey: str, pipeline_recurring_run_id: str) -> None:
        found = await run(recurring_runs.set_enabled, self.platform, appkey, pipeline_recurring_run_id, False)
        self.respond({"pipelineRecurringRun": found})


class RecurringRunCopyHandler(ApiHandler):
    @endpoint
    async def post(self, appkey: str, pipeline_recurring_run_id: str) -> None:
        body = parse(RecurringRunCopy, self.json_body())
        copied = await run(recurring_runs.copy, self.platform, appkey, pipeline_recurring_run_id, body)
        self.respond({"pipelineRecurringRun": copied}, 201)


def routes(prefix: str) -> list[tuple[str, type]]:
    base = rf"{prefix}/{APPKEY}"
    pipes, runs, recurring = f"{base}/pipelines", f"{base}/pipeline-runs", f"{base}/pipeline-recurring-runs"
    return [
        (pipes, PipelinesHandler),
        (rf"{pipes}/upload", PipelineUploadHandler),
        (rf"{pipes}/{PIPELINE_ID}", PipelineHandler),
        (rf"{pipes}/{PIPELINE_ID}/graph", PipelineGraphHandler),
        (rf"{pipes}/{PIPELINE_ID}/manifest", PipelineManifestHandler),
        (runs, PipelineRunsHandler),
        (rf"{runs}/{RUN_ID}", PipelineRunHandler),
        (rf"{runs}/{RUN_ID}/stop", PipelineRunStopHandler),
        (rf"{runs}/{RUN_ID}/copy", PipelineRunCopyHandler),
        (rf"{runs}/{RUN_ID}/graph", PipelineRunGraphHandler),
        (rf"{runs}/{RUN_ID}/tasks", PipelineRunTasksHandler),
        (rf"{runs}/{RUN_ID}/task-log", PipelineRunTaskLogHandler),
        (rf"{runs}/{RUN_ID}/task-artifact", PipelineRunTaskArtifactHandler),
        (recurring, RecurringRunsHandler),
        (rf"{recurring}/{RECURRING_ID}", RecurringRunHandler),
        (rf"{recurring}/{RECURRING_ID}/start", RecurringRunStartHandler),
        (rf"{recurring}/{RECURRING_ID}/stop", RecurringRunStopHandler),
        (rf"{recurring}/{RECURRING_ID}/copy", RecurringRunCopyHandler),
    ]
