"""Pipeline runs: the console guide's Run a Pipeline chapter, and what runs and recurring runs share."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete as sql_delete
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import EasyMakerError, FieldError, conflict, invalid_fields, not_found
from ..platform import Platform, new_id, now, wire_time
from ..storage import StorageError, resolve
from ..store import ExperimentRow, LogRow, PipelineRecurringRunRow, PipelineRow, PipelineRunRow
from . import experiments, pipeline_ir, pipelines
from .naming import free_copy_name
from .schema import PipelineRunConfig, PipelineRunCopy, PipelineRunCreate, parse
from .statuses import PIPELINE_RUN_FINAL, PIPELINE_RUN_STOPPABLE, PipelineRunStatus, PipelineStatus

CATEGORY = "easymaker.pipeline"
RUN_FIELDS = (
    "parameterList", "flavorId", "instanceCount", "bootStorageSize", "nasList", "useLog",
)  # fmt: skip
RUN_DEFAULTS = {"instanceCount": 1, "nasList": [], "useLog": False}


# -- rules shared with recurring runs ----------------------------------------------------------------------------------


def run_fields(body: PipelineRunConfig) -> dict:
    names = {n for n, f in type(body).model_fields.items() if (f.alias or n) in RUN_FIELDS} & body.model_fields_set
    return body.model_dump(by_alias=True, include=names, mode="json")


def check_run_config(platform: Platform, session: Session, appkey: str, pipeline_id: str | None, given: dict):
    """The pipeline, instance type, storage, NAS and parameters checked; (pipeline row, config, typed arguments)."""
    config = {**RUN_DEFAULTS, **{k: v for k, v in given.items() if v is not None}}
    errors: list[FieldError] = []
    pipeline = None
    if not pipeline_id:
        errors.append(FieldError("pipelineId", "is required"))
    else:
        pipeline = session.get(PipelineRow, pipeline_id)
        if pipeline is None or pipeline.appkey != appkey:
            errors.append(FieldError("pipelineId", f"no pipeline with id '{pipeline_id}'; GET …/pipelines lists them"))
            pipeline = None
        elif pipeline.status != PipelineStatus.ACTIVE.value:
            errors.append(FieldError("pipelineId", f"pipeline '{pipeline.name}' is {pipeline.status}, not ACTIVE"))
            pipeline = None
    if not config.get("flavorId"):
        errors.append(FieldError("flavorId", "is required"))
    elif config["flavorId"] not in platform.catalog.instance_types:
        message = f"no instance type with id '{config['flavorId']}'; GET …/flavors lists them"
        errors.append(FieldError("flavorId", message))
    if not config.get("bootStorageSize"):
        errors.append(FieldError("bootStorageSize", "is required (50 GB or more)"))
    for i, nas in enumerate(config.get("nasList") or []):
        try:
            location = resolve(nas["nasUri"], platform.storage)
        except StorageError as err:
            errors.append(FieldError(f"nasList[{i}].nasUri", str(err)))
            continue
        if location.local_path is not None and not location.local_path.exists():
            errors.append(FieldError(f"nasList[{i}].nasUri", f"'{nas['nasUri']}' does not exist"))
    arguments: dict = {}
    if pipeline is not None:
        found_errors, arguments, config["parameterList"] = _arguments(pipeline, config.get("parameterList") or [])
        errors += found_errors
    if errors:
        raise invalid_fields(errors)
    return pipeline, config, arguments


def _arguments(pipeline: PipelineRow, given: list[dict]) -> tuple[list[FieldError], dict, list[dict]]:
    """Each given parameter typed as the pipeline declares it; defaults for the rest; the required ones present."""
    declared = (pipeline_ir.load(pipeline.manifest)["root"].get("inputDefinitions") or {}).get("parameters") or {}
    errors, arguments, listed = [], {}, []
    values = {p["parameterName"]: p.get("parameterValue") for p in given}
    for i, param in enumerate(given):
        name = param["parameterName"]
        if name not in declared:
            known = ", ".join(declared) or "none"
            message = f"pipeline '{pipeline.name}' has no parameter '{name}' (it has: {known})"
            errors.append(FieldError(f"parameterList[{i}].parameterName", message))
    for name, info in declared.items():
        kind = info.get("parameterType", "STRING")
        if values.get(name) is not None:
            index = next(i for i, p in enumerate(given) if p["parameterName"] == name)
            try:
                arguments[name] = pipeline_ir.convert(kind, values[name])
            except ValueError as err:
                errors.append(FieldError(f"parameterList[{index}].parameterValue", f"'{name}' {err}"))
                continue
            listed.append({"parameterName": name, "parameterValue": values[name]})
        elif "defaultValue" in info:
            arguments[name] = pipeline_ir.default_value(info)
            spec = next(p for p in pipeline.parameters if p["parameterName"] == name)
            listed.append({"parameterName": name, "parameterValue": spec["defaultValue"]})
        elif not info.get("isOptional"):
            errors.append(FieldError("parameterList", f"pipeline parameter '{name}' ({kind}) is required"))
    return errors, arguments, listed


# -- operations --------------------------------------------------------------------------------------------------------


def create(platform: Platform, appkey: str, body: PipelineRunCreate) -> dict:
    """A one-time run. (The SDK posts recurring runs here too; the API hands those to recurring_runs.)"""
    with platform.store.session() as session:
        pipeline, config, arguments = check_run_config(platform, session, appkey, body.pipeline_id, run_fields(body))
        experiment = experiments.for_work(
            session, appkey, body.experiment_id, body.experiment_name, body.experiment_description
        )
        row = insert(session, appkey, body.pipeline_run_or_recurring_run_name, body.description, pipeline,
                     experiment.id, {**config, "arguments": arguments})  # fmt: skip
        wire = to_wire(platform, row, experiment, pipeline, None)
    platform.wake()
    return wire


def insert(session: Session, appkey: str, name: str, description: str | None, pipeline: PipelineRow,
           experiment_id: str, config: dict, recurring: PipelineRecurringRunRow | None = None,
           scheduled_at=None) -> PipelineRunRow:  # fmt: skip
    stamp = now()
    if recurring is not None:
        config = {**config, "pipelineRecurringRunName": recurring.name}
    row = PipelineRunRow(
        id=new_id(), appkey=appkey, name=name, description=description, pipeline_id=pipeline.id,
        experiment_id=experiment_id, recurring_run_id=recurring.id if recurring else None,
        manifest=pipeline.manifest, config={**config, "pipelineName": pipeline.name},
        status=PipelineRunStatus.CREATE_REQUESTED.value, tasks={}, scheduled_at=scheduled_at,
        created_at=stamp, updated_at=stamp,
    )  # fmt: skip
    session.add(row)
    return row


def copy(platform: Platform, appkey: str, run_id: str, body: PipelineRunCopy) -> dict:
    with platform.store.session() as session:
        original = get_row(session, appkey, run_id)
        taken = set(session.scalars(select(PipelineRunRow.name).where(PipelineRunRow.appkey == appkey)))
        fields = {
            "pipelineRunOrRecurringRunName": body.pipeline_run_name or free_copy_name(original.name, taken),
            "description": body.description if "description" in body.model_fields_set else original.description,
            "pipelineId": body.pipeline_id or original.pipeline_id,
            "experimentId": body.experiment_id or original.experiment_id,
            **merged_run_fields(original.config, run_fields(body)),
        }
    return create(platform, appkey, parse(PipelineRunCreate, fields))


def merged_run_fields(original: dict, given: dict) -> dict:
    """A copy's run settings: the original's, with what was given; given parameters replace theirs by name."""
    fields = {**{k: v for k, v in original.items() if k in RUN_FIELDS}, **given}
    if "parameterList" in given:
        values = {p["parameterName"]: p for p in original.get("parameterList") or []}
        values.update({p["parameterName"]: p for p in given["parameterList"]})
        fields["parameterList"] = list(values.values())
    return fields


def get_row(session: Session, appkey: str, run_id: str) -> PipelineRunRow:
    row = session.get(PipelineRunRow, run_id)
    if row is None or row.appkey != appkey:
        raise not_found("Pipeline run", run_id)
    return row


def get(platform: Platform, appkey: str, run_id: str) -> dict:
    with platform.store.session() as session:
        row = get_row(session, appkey, run_id)
        return _wire(platform, session, row)


def _wire(platform: Platform, session: Session, row: PipelineRunRow) -> dict:
    recurring = session.get(PipelineRecurringRunRow, row.recurring_run_id) if row.recurring_run_id else None
    return to_wire(platform, row, session.get(ExperimentRow, row.experiment_id),
                   session.get(PipelineRow, row.pipeline_id), recurring)  # fmt: skip


def list_(platform: Platform, appkey: str, filters: dict[str, list[str]]) -> list[dict]:
    with platform.store.session() as session:
        query = select(PipelineRunRow).where(PipelineRunRow.appkey == appkey)
        for param, column in (
            ("pipelineRunIdList", PipelineRunRow.id),
            ("pipelineRunNameList", PipelineRunRow.name),
            ("pipelineIdList", PipelineRunRow.pipeline_id),
            ("experimentIdList", PipelineRunRow.experiment_id),
            ("pipelineRecurringRunIdList", PipelineRunRow.recurring_run_id),
            ("pipelineRunStatusCodeList", PipelineRunRow.status),
        ):
            if filters.get(param):
                query = query.where(column.in_(filters[param]))
        rows = session.scalars(query.order_by(PipelineRunRow.created_at.desc(), PipelineRunRow.id)).all()
        exps = {e.id: e for e in session.scalars(select(ExperimentRow).where(ExperimentRow.appkey == appkey))}
        pipes = {p.id: p for p in session.scalars(select(PipelineRow).where(PipelineRow.appkey == appkey))}
        recs = {
            r.id: r for r in session.scalars(
                select(PipelineRecurringRunRow).where(PipelineRecurringRunRow.appkey == appkey))
        }  # fmt: skip
        return [
            to_wire(platform, r, exps.get(r.experiment_id), pipes.get(r.pipeline_id), recs.get(r.recurring_run_id))
            for r in rows
        ]


def stop(platform: Platform, appkey: str, run_id: str) -> dict:
    with platform.store.session() as session:
        row = get_row(session, appkey, run_id)
        status = PipelineRunStatus(row.status)
        if status == PipelineRunStatus.STOP_IN_PROGRESS:
            pass
        elif status not in PIPELINE_RUN_STOPPABLE:
            raise conflict(
                f"Pipeline run '{row.name}' is {row.status}; only a run that is CREATE REQUESTED, CREATE IN PROGRESS "
                "or RUNNING can be stopped."
            )
        else:
            stamp = now()
            stopped = session.execute(
                update(PipelineRunRow)
                .where(PipelineRunRow.id == row.id, PipelineRunRow.submitted.is_(False))
                .values(status=PipelineRunStatus.STOPPED.value, finished_at=stamp, updated_at=stamp,
                        status_reason="Stopped at the user's request before the run started.")
            ).rowcount  # fmt: skip
            session.refresh(row)
            if not stopped:
                row.status, row.stop_requested, row.updated_at = PipelineRunStatus.STOP_IN_PROGRESS.value, True, now()
        wire = _wire(platform, session, row)
    platform.wake()
    return wire


def delete(platform: Platform, appkey: str, run_id: str) -> None:
    with platform.store.session() as session:
        row = get_row(session, appkey, run_id)
        if PipelineRunStatus(row.status) not in PIPELINE_RUN_FINAL:
            raise conflict(
                f"Pipeline run '{row.name}' is {row.status}. A pipeline run in progress cannot be deleted: "
                "stop it first (PUT …/stop)."
            )
        session.execute(sql_delete(LogRow).where(LogRow.resource_id == run_id))
        session.delete(row)
        platform.forget(run_id)


# -- the graph, tasks, logs, artifacts ---------------------------------------------------------------------------------


def graph(platform: Platform, appkey: str, run_id: str) -> dict:
    with platform.store.session() as session:
        row = get_row(session, appkey, run_id)
        return {**pipeline_ir.with_states(pipeline_ir.graph(pipeline_ir.load(row.manifest)), row.tasks),
                "pipelineRunStatusCode": row.status}  # fmt: skip


def tasks(platform: Platform, appkey: str, run_id: str) -> list[dict]:
    with platform.store.session() as session:
        row = get_row(session, appkey, run_id)
        return [_task_wire(task_id, task) for task_id, task in sorted(row.tasks.items(), key=_started)]


def _started(item: tuple[str, dict]) -> tuple:
    return (item[1].get("startedAt") or item[1].get("finishedAt") or 0, item[0])


def _task_wire(task_id: str, task: dict) -> dict:
    def values(section: str) -> tuple[list[dict], list[dict]]:
        params, artifacts = [], []
        for name, value in (task.get(section) or {}).items():
            if isinstance(value, dict) and value.get("artifact"):
                artifacts.append({"name": name, "uri": value["uri"], "schemaTitle": value.get("schemaTitle"),
                                  "metadata": value.get("metadata") or {}})  # fmt: skip
            else:
                params.append({"parameterName": name, "parameterValue": value})
        return params, artifacts

    inputs, input_artifacts = values("inputs")
    outputs, output_artifacts = values("outputs")
    return {
        "taskId": task_id,
        "taskName": task.get("name", task_id.rsplit("/", 1)[-1]),
        "nodeId": pipeline_ir.node_of(task_id),
        "kind": task.get("kind", "task"),
        "component": task.get("component"),
        "state": task.get("state"),
        "message": task.get("message"),
        "startedDatetime": _epoch_wire(task.get("startedAt")),
        "finishedDatetime": _epoch_wire(task.get("finishedAt")),
        "inputParameterList": inputs,
        "outputParameterList": outputs,
        "inputArtifactList": input_artifacts,
        "outputArtifactList": output_artifacts,
        "hasLog": bool(task.get("log")),
    }


def _epoch_wire(epoch: float | None) -> str | None:
    from datetime import datetime, timezone

    return wire_time(datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)) if epoch else None


def _task(row: PipelineRunRow, task_id: str) -> dict:
    task = row.tasks.get(task_id)
    if task is None:
        raise not_found("Pipeline run task", task_id)
    return task


def task_log(platform: Platform, appkey: str, run_id: str, task_id: str) -> str:
    with platform.store.session() as session:
        task = _task(get_row(session, appkey, run_id), task_id)
    if not task.get("log"):
        raise EasyMakerError(f"Task '{task_id}' has no log (only component tasks have one).", 404)
    try:
        return Path(task["log"]).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def task_artifact(platform: Platform, appkey: str, run_id: str, task_id: str, name: str) -> Path:
    """The local file (or directory) of one of a task's output artifacts."""
    with platform.store.session() as session:
        task = _task(get_row(session, appkey, run_id), task_id)
    value = (task.get("outputs") or {}).get(name)
    if not (isinstance(value, dict) and value.get("artifact")):
        names = [n for n, v in (task.get("outputs") or {}).items() if isinstance(v, dict) and v.get("artifact")]
        raise EasyMakerError(f"Task '{task_id}' has no output artifact '{name}' (it has: {names or 'none'}).", 404)
    path = Path(value.get("path") or value["uri"])
    if not path.exists():
        raise EasyMakerError(f"Artifact '{name}' of task '{task_id}' was not written by the task.", 404)
    return path


# -- wire --------------------------------------------------------------------------------------------------------------


def elapsed_seconds(row: PipelineRunRow) -> int:
    if row.started_at is None:
        return 0
    return int(((row.finished_at or now()) - row.started_at).total_seconds())


def run_config_wire(platform: Platform, config: dict) -> dict:
    flavor = platform.catalog.instance_types.get(config.get("flavorId", ""))
    return {
        "flavor": flavor.to_wire() if flavor else {"id": config.get("flavorId")},
        "instanceCount": config.get("instanceCount", 1),
        "bootStorage": {"storageSize": config.get("bootStorageSize")},
        "nasList": config.get("nasList") or [],
        "parameterList": config.get("parameterList") or [],
        "useLog": config.get("useLog", False),
    }


def experiment_wire(experiment: ExperimentRow | None, experiment_id: str) -> dict:
    return experiments.to_wire(experiment) if experiment else {"experimentId": experiment_id}


def to_wire(platform: Platform, row: PipelineRunRow, experiment: ExperimentRow | None, pipeline: PipelineRow | None,
            recurring: PipelineRecurringRunRow | None) -> dict:  # fmt: skip
    config = row.config
    recurring_wire = None
    if row.recurring_run_id:
        recurring_wire = {
            "pipelineRecurringRunId": row.recurring_run_id,
            "pipelineRecurringRunName": recurring.name if recurring else config.get("pipelineRecurringRunName"),
            "pipelineRecurringRunStatusCode": recurring.status if recurring else "DELETED",
        }
    pipeline_wire = pipelines.summary(pipeline, row.pipeline_id)
    pipeline_wire.setdefault("pipelineName", config.get("pipelineName"))
    return {
        "pipelineRunId": row.id,
        "pipelineRunName": row.name,
        "pipelineRunStatusCode": row.status,
        "statusReason": row.status_reason,
        "description": row.description,
        "appKey": row.appkey,
        "pipeline": pipeline_wire,
        "experiment": experiment_wire(experiment, row.experiment_id),
        "pipelineRecurringRun": recurring_wire,
        **run_config_wire(platform, config),
        "elapsedTimeSeconds": elapsed_seconds(row),
        "scheduledDatetime": wire_time(row.scheduled_at),
        "createdDatetime": wire_time(row.created_at),
        "updatedDatetime": wire_time(row.updated_at),
        "startedDatetime": wire_time(row.started_at),
        "finishedDatetime": wire_time(row.finished_at),
    }
