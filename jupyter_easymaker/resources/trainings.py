"""Trainings: the console guide's Training chapter, with the workload contract of DESIGN.md."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ..errors import FieldError, conflict, invalid, invalid_fields, not_found
from ..platform import Platform, new_id, now, wire_time
from ..storage import Location, StorageError, exists, resolve
from ..store import ExperimentRow, LogRow, MetricRow, TemplateRow, TrainingRow, UsageRow
from . import experiments, lineage
from .naming import free_copy_name
from .schema import TRAINING_DEFAULTS, TrainingCopy, TrainingCreate, config_fields, parse
from .statuses import TRAINING_FINAL, TRAINING_STOPPABLE, TrainingStatus

CATEGORY = "easymaker.training"


# -- rules -------------------------------------------------------------------------------------------------------------


def check_config(platform: Platform, config: dict) -> dict:
    """Apply defaults and the cross-field rules; a 400 naming each field that is wrong."""
    config = {**TRAINING_DEFAULTS, **{k: v for k, v in config.items() if v is not None}}
    errors: list[FieldError] = []
    for required in ("imageId", "flavorId", "modelUploadUri"):
        if not config.get(required):
            errors.append(FieldError(required, "is required"))
    errors += catalog_errors(platform, config)
    catalog = platform.catalog
    image = catalog.images.get(config.get("imageId", ""))
    flavor = catalog.instance_types.get(config.get("flavorId", ""))
    if image is not None and image.image_type_code != "TRAINING":
        errors.append(
            FieldError("imageId", f"'{image.image_name}' is a {image.image_type_code} image; use a training image")
        )
    if image is not None and flavor is not None and image.core_type_code != flavor.core_type:
        errors.append(
            FieldError(
                "flavorId",
                f"'{flavor.name}' is a {flavor.core_type} instance type but the image needs {image.core_type_code}",
            )
        )
    if config.get("algorithmId"):
        if config["algorithmId"] in catalog.algorithms:
            errors.append(
                FieldError(
                    "algorithmId",
                    "NHN Cloud algorithms are listed but cannot run on this backend; "
                    "train your own algorithm with sourceDirUri and entryPoint",
                )
            )
    else:
        for required in ("sourceDirUri", "entryPoint"):
            if not config.get(required):
                errors.append(FieldError(required, "is required when you train your own algorithm (no algorithmId)"))
    if config["useTorchrun"]:
        if image is not None and image.framework_code != "PYTORCH":
            errors.append(FieldError("useTorchrun", f"torchrun needs a PyTorch image; '{image.image_name}' is not one"))
        if flavor is not None:
            limit = flavor.gpu_count if flavor.core_type == "GPU" else flavor.vcpus
            if config["nprocPerNode"] > limit:
                unit = "GPUs" if flavor.core_type == "GPU" else "vCPUs"
                errors.append(FieldError("nprocPerNode", f"must be at most {limit}, the {unit} of '{flavor.name}'"))
    elif config["nprocPerNode"] != 1:
        errors.append(FieldError("nprocPerNode", "applies only with useTorchrun; set useTorchrun to true or drop it"))
    errors += _check_locations(platform, config)
    if errors:
        raise invalid_fields(errors)
    return config


def catalog_errors(platform: Platform, config: dict) -> list[FieldError]:
    """The image, instance type and algorithm ids the catalog does not know."""
    catalog = platform.catalog
    checks = (
        ("imageId", catalog.images, "no image with id '{}'; GET …/images lists them"),
        ("flavorId", catalog.instance_types, "no instance type with id '{}'; GET …/flavors lists them"),
        ("algorithmId", catalog.algorithms, "no algorithm with id '{}'; GET …/algorithms lists them"),
    )
    return [
        FieldError(f, text.format(config[f])) for f, known, text in checks if config.get(f) and config[f] not in known
    ]


def resolved_uris(platform: Platform, config: dict) -> tuple[list[FieldError], list[tuple[str, str, Location, bool]]]:
    """Every URI of a training configuration resolved here: the refusals, and (field, uri, location, is an input)."""
    inputs = [(f, config.get(f)) for f in ("sourceDirUri", "checkPointInputUri")]
    inputs += [(f"datasetList[{i}].dataUri", d["dataUri"]) for i, d in enumerate(config.get("datasetList") or [])]
    outputs = [(f, config.get(f)) for f in ("modelUploadUri", "checkPointUploadUri")]
    errors, found = [], []
    for is_input, fields in ((True, inputs), (False, outputs)):
        for field_name, uri in fields:
            if not uri:
                continue
            try:
                found.append((field_name, uri, resolve(uri, platform.storage), is_input))
            except StorageError as err:
                errors.append(FieldError(field_name, str(err)))
    return errors, found


def _check_locations(platform: Platform, config: dict) -> list[FieldError]:
    """Every URI resolves here; inputs exist; Object Storage needs a data storage size (as the console asks)."""
    errors, found = resolved_uris(platform, config)
    for field_name, uri, location, is_input in found:
        if is_input and location.local_path is not None and not exists(uri, platform.storage):
            errors.append(FieldError(field_name, f"'{uri}' does not exist"))
    source = config.get("sourceDirUri")
    if source and config.get("entryPoint") and not errors:
        location = resolve(source, platform.storage)
        if location.local_path is not None and not (location.local_path / config["entryPoint"]).is_file():
            errors.append(FieldError("entryPoint", f"'{config['entryPoint']}' is not a file in {source}"))
    if any(location.scheme == "obs" for _, _, location, _ in found) and not config.get("dataStorageSize"):
        errors.append(FieldError("dataStorageSize", "is required when using Object Storage (300-10000 GB)"))
    return errors


def _unique_name(session: Session, appkey: str, wanted: str) -> None:
    if session.scalar(select(TrainingRow.id).where(TrainingRow.appkey == appkey, TrainingRow.name == wanted)):
        raise conflict(f"trainingName: a training named '{wanted}' already exists; choose another name.")


# -- operations --------------------------------------------------------------------------------------------------------


def template_config(session: Session, appkey: str, template_id: str | None) -> dict:
    """The settings of the training template new work starts from (none without one); a 400 if there is no such
    template."""
    if not template_id:
        return {}
    template = session.get(TemplateRow, template_id)
    if template is None or template.appkey != appkey:
        raise invalid("trainingTemplateId", f"no training template with id '{template_id}'")
    return template.config


def create(platform: Platform, appkey: str, body: TrainingCreate) -> dict:
    given = config_fields(body)
    with platform.store.session() as session:
        config = check_config(platform, {**template_config(session, appkey, body.training_template_id), **given})
        _unique_name(session, appkey, body.training_name)
        experiment = experiments.for_work(
            session, appkey, body.experiment_id, body.experiment_name, body.experiment_description
        )
        stamp = now()
        row = TrainingRow(
            id=new_id(), appkey=appkey, name=body.training_name, description=body.description,
            experiment_id=experiment.id, template_id=body.training_template_id, config=config,
            status=TrainingStatus.CREATE_REQUESTED.value, created_at=stamp, updated_at=stamp,
        )  # fmt: skip
        session.add(row)
        wire = to_wire(platform, row, experiment)
    platform.wake()
    return wire


def copy(platform: Platform, appkey: str, training_id: str, body: TrainingCopy) -> dict:
    with platform.store.session() as session:
        original = get_row(session, appkey, training_id)
        name = body.training_name or _copy_name(session, appkey, original.name)
        fields = {
            "trainingName": name,
            "description": body.description if "description" in body.model_fields_set else original.description,
            "experimentId": body.experiment_id or original.experiment_id,
            **original.config,
            **config_fields(body),
        }
    return create(platform, appkey, parse(TrainingCreate, fields))


def _copy_name(session: Session, appkey: str, name: str) -> str:
    return free_copy_name(name, set(session.scalars(select(TrainingRow.name).where(TrainingRow.appkey == appkey))))


def get_row(session: Session, appkey: str, training_id: str) -> TrainingRow:
    row = session.get(TrainingRow, training_id)
    if row is None or row.appkey != appkey:
        raise not_found("Training", training_id)
    return row


def get(platform: Platform, appkey: str, training_id: str) -> dict:
    with platform.store.session() as session:
        row = get_row(session, appkey, training_id)
        return to_wire(platform, row, session.get(ExperimentRow, row.experiment_id))


def list_(platform: Platform, appkey: str, filters: dict[str, list[str]]) -> list[dict]:
    with platform.store.session() as session:
        query = (
            select(TrainingRow)
            .where(TrainingRow.appkey == appkey, TrainingRow.tuning_id.is_(None))  # trials are listed by their tuning
            .order_by(TrainingRow.created_at.desc())
        )
        for param, column in (
            ("trainingIdList", TrainingRow.id),
            ("trainingNameList", TrainingRow.name),
            ("experimentIdList", TrainingRow.experiment_id),
            ("experimentId", TrainingRow.experiment_id),
            ("trainingStatusCodeList", TrainingRow.status),
        ):
            if filters.get(param):
                query = query.where(column.in_(filters[param]))
        rows = session.scalars(query).all()
        exps = {e.id: e for e in session.scalars(select(ExperimentRow).where(ExperimentRow.appkey == appkey))}
        return [to_wire(platform, row, exps.get(row.experiment_id)) for row in rows]


def stop(platform: Platform, appkey: str, training_id: str) -> dict:
    with platform.store.session() as session:
        row = get_row(session, appkey, training_id)
        status = TrainingStatus(row.status)
        if status == TrainingStatus.STOP_IN_PROGRESS:
            pass
        elif status not in TRAINING_STOPPABLE:
            raise conflict(
                f"Training '{row.name}' is {row.status}; only a training that is CREATE REQUESTED, "
                "CREATE IN PROGRESS or RUNNING can be stopped."
            )
        else:
            request_stop(session, row)
        wire = to_wire(platform, row, session.get(ExperimentRow, row.experiment_id))
    platform.wake()
    return wire


def request_stop(session: Session, row: TrainingRow, reason: str | None = None) -> None:
    """Ask for a stoppable training to stop: at once if no backend has it yet, else through the controller."""
    if not _stop_unsubmitted(session, row):
        row.status, row.stop_requested, row.updated_at = TrainingStatus.STOP_IN_PROGRESS.value, True, now()
    if reason:
        row.status_reason = reason


def _stop_unsubmitted(session: Session, row: TrainingRow) -> bool:
    """Stop a training the controller has not handed to a backend yet; False if the controller got there first."""
    stamp = now()
    stopped = session.execute(
        update(TrainingRow)
        .where(TrainingRow.id == row.id, TrainingRow.submitted.is_(False))
        .values(
            status=TrainingStatus.STOPPED.value,
            finished_at=stamp,
            updated_at=stamp,
            status_reason="Stopped at the user's request before the training started.",
        )  # fmt: skip
    ).rowcount
    session.refresh(row)
    return bool(stopped)


def delete(platform: Platform, appkey: str, training_id: str) -> None:
    with platform.store.session() as session:
        row = get_row(session, appkey, training_id)
        if row.tuning_id:
            raise conflict(
                f"Training '{row.name}' is a trial of hyperparameter tuning '{row.tuning_id}'; "
                "it is deleted with its tuning (DELETE …/hyperparameter-tunings/{id})."
            )
        if TrainingStatus(row.status) not in TRAINING_FINAL:
            raise conflict(
                f"Training '{row.name}' is {row.status}. Training in progress can be deleted after stopping: "
                "stop it first (PUT …/stop)."
            )
        lineage.refuse_if_models_made_from(session, appkey, "training", "trainingId", row.id, f"Training '{row.name}'")
        for table in (LogRow, MetricRow, UsageRow):
            session.execute(sql_delete(table).where(table.resource_id == training_id))
        session.delete(row)
        platform.forget(training_id)  # what the work left on its backend
    shutil.rmtree(tensorboard_dir(platform, row), ignore_errors=True)


def metrics(platform: Platform, appkey: str, training_id: str, names: list[str], max_points: int | None) -> dict:
    """Each metric's points in step order, and its summary. With `max_points`, a long series is thinned to about
    that many evenly spaced points (always keeping the last), which is what a chart needs."""
    where = [MetricRow.resource_id == training_id]
    if names:
        where.append(MetricRow.name.in_(names))
    points, summaries = [], []
    with platform.store.session() as session:
        get_row(session, appkey, training_id)
        stats = session.execute(
            select(MetricRow.name, func.min(MetricRow.value), func.max(MetricRow.value), func.count(),
                   func.max(MetricRow.step)).where(*where).group_by(MetricRow.name).order_by(MetricRow.name)
        ).all()  # fmt: skip
        for name, low, high, count, last in stats:
            series = [*where, MetricRow.name == name]
            query = select(MetricRow.step, MetricRow.value, MetricRow.time).where(*series).order_by(MetricRow.step)
            if max_points and count > max_points:
                stride = -(-count // max_points)
                query = query.where(or_(MetricRow.step % stride == 0, MetricRow.step == last))
            rows = session.execute(query).all()
            points += [{"name": name, "step": step, "value": value, "time": wire_time(t)} for step, value, t in rows]
            latest = rows[-1][1]
            summaries.append({"name": name, "min": low, "max": high, "latest": latest, "count": count})
    return {"metricList": points, "metricSummaryList": summaries}


def monitoring(platform: Platform, appkey: str, training_id: str) -> list[dict]:
    with platform.store.session() as session:
        get_row(session, appkey, training_id)
        rows = session.scalars(select(UsageRow).where(UsageRow.resource_id == training_id).order_by(UsageRow.time))
        return [{"time": wire_time(r.time), "cpuPercent": r.cpu_percent, "memoryBytes": r.memory_bytes} for r in rows]


# -- wire --------------------------------------------------------------------------------------------------------------


def tensorboard_dir(platform: Platform, row: TrainingRow) -> Path:
    """A training's TensorBoard logs; a trial's sit in its tuning's directory, so one board shows every trial."""
    if row.tuning_id:
        return platform.tensorboard_dir(row.appkey, row.experiment_id, row.tuning_id) / row.id
    return platform.tensorboard_dir(row.appkey, row.experiment_id, row.id)


def elapsed_seconds(row: TrainingRow | Any) -> int:
    if row.started_at is None:
        return 0
    return int(((row.finished_at or now()) - row.started_at).total_seconds())


def to_wire(platform: Platform, row: TrainingRow, experiment: ExperimentRow | None) -> dict:
    config = row.config
    catalog = platform.catalog
    image = catalog.images.get(config["imageId"])
    flavor = catalog.instance_types.get(config["flavorId"])
    return {
        "trainingId": row.id,
        "trainingName": row.name,
        "trainingStatusCode": row.status,
        "statusReason": row.status_reason,
        "description": row.description,
        "appKey": row.appkey,
        "trainingTypeCode": "NORMAL",
        "trainingTemplateId": row.template_id,
        "experiment": experiments.to_wire(experiment) if experiment else {"experimentId": row.experiment_id},
        "image": image.to_wire() if image else {"imageId": config["imageId"]},
        "flavor": flavor.to_wire() if flavor else {"id": config["flavorId"]},
        **{k: v for k, v in config.items() if k not in ("imageId", "flavorId")},
        "dataStorageList": [{"storageSize": config["dataStorageSize"]}] if config.get("dataStorageSize") else [],
        "elapsedTimeSeconds": elapsed_seconds(row),
        "createdDatetime": wire_time(row.created_at),
        "updatedDatetime": wire_time(row.updated_at),
        "startedDatetime": wire_time(row.started_at),
        "finishedDatetime": wire_time(row.finished_at),
        "tensorboardAccessPath": f"trainings/{row.id}/tensorboard",
        "tensorboardLogDir": str(tensorboard_dir(platform, row)),
        "hyperparameterTuningId": row.tuning_id,
        "appliedResources": row.applied_resources,
    }


def started(row: TrainingRow, when: datetime | None) -> None:
    if when is not None and row.started_at is None:
        row.started_at = when
