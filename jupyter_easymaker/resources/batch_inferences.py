"""Batch inferences: the console guide's Batch Inference chapter."""

from __future__ import annotations

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import FieldError, conflict, invalid_fields, not_found
from ..platform import Platform, new_id, now, wire_time
from ..serving.artifacts import SERVABLE_HERE
from ..storage import StorageError, exists, resolve
from ..store import BatchInferenceRow, LogRow, ModelRow, UsageRow
from . import models, monitoring
from .naming import free_copy_name
from .schema import BATCH_DEFAULTS, BatchInferenceCopy, BatchInferenceCreate, BatchInferenceSettings, parse
from .statuses import BATCH_FINAL, BATCH_STOPPABLE, BatchInferenceStatus, ModelStatus

CATEGORY = "easymaker.batch_inference"  # its log records (log management, useLog)
REQUIRED = ("flavorId", "modelId", "inputDataUri", "inputDataTypeCode", "outputUploadUri")


def settings(body: BatchInferenceSettings) -> dict:
    names = set(BatchInferenceSettings.model_fields) & body.model_fields_set
    return body.model_dump(by_alias=True, include=names, mode="json", exclude_none=True)


def check_config(platform: Platform, session: Session, appkey: str, config: dict) -> dict:
    config = {**BATCH_DEFAULTS, **config}
    errors = [FieldError(name, "is required") for name in REQUIRED if not config.get(name)]
    if config.get("flavorId") and config["flavorId"] not in platform.catalog.instance_types:
        errors.append(FieldError("flavorId", f"no instance type with id '{config['flavorId']}'; GET …/flavors"))
    if config.get("modelId"):
        model = session.get(ModelRow, config["modelId"])
        if model is None or model.appkey != appkey:
            errors.append(FieldError("modelId", f"no model with id '{config['modelId']}'"))
        elif model.status != ModelStatus.ACTIVE.value:
            errors.append(FieldError("modelId", f"model '{model.name}' is {model.status}"))
        elif model.config["modelFormatCode"] not in SERVABLE_HERE:
            errors.append(FieldError("modelId", f"{model.config['modelFormatCode']} models cannot run batch "
                                     f"inference on the local backend (here: {', '.join(SERVABLE_HERE)})"))  # fmt: skip
    for field_name, must_exist in (("inputDataUri", True), ("outputUploadUri", False)):
        uri = config.get(field_name)
        if not uri:
            continue
        try:
            location = resolve(uri, platform.storage)
        except StorageError as err:
            errors.append(FieldError(field_name, str(err)))
            continue
        if location.local_path is None:
            errors.append(FieldError(field_name, f"'{uri}' is not on this machine; use obs://, nas:// or a path"))
        elif must_exist and not exists(uri, platform.storage):
            errors.append(FieldError(field_name, f"'{uri}' does not exist"))
    if errors:
        raise invalid_fields(errors)
    return config


def create(platform: Platform, appkey: str, body: BatchInferenceCreate) -> dict:
    with platform.store.session() as session:
        taken = select(BatchInferenceRow.id).where(BatchInferenceRow.appkey == appkey,
                                                   BatchInferenceRow.name == body.batch_inference_name)  # fmt: skip
        if session.scalar(taken):
            raise conflict(f"batchInferenceName: a batch inference named '{body.batch_inference_name}' already "
                           "exists; choose another name.")  # fmt: skip
        config = check_config(platform, session, appkey, settings(body))
        stamp = now()
        row = BatchInferenceRow(
            id=new_id(), appkey=appkey, name=body.batch_inference_name, description=body.description,
            model_id=config["modelId"], config=config, status=BatchInferenceStatus.CREATE_REQUESTED.value,
            created_at=stamp, updated_at=stamp,
        )  # fmt: skip
        session.add(row)
        wire = to_wire(session, platform, row)
    platform.wake()
    return wire


def copy(platform: Platform, appkey: str, batch_id: str, body: BatchInferenceCopy) -> dict:
    with platform.store.session() as session:
        original = get_row(session, appkey, batch_id)
        names = set(session.scalars(select(BatchInferenceRow.name).where(BatchInferenceRow.appkey == appkey)))
        fields = {
            "batchInferenceName": body.batch_inference_name or free_copy_name(original.name, names),
            "description": body.description if "description" in body.model_fields_set else original.description,
            **original.config,
            **settings(body),
        }
    return create(platform, appkey, parse(BatchInferenceCreate, {k: v for k, v in fields.items() if v is not None}))


def get_row(session: Session, appkey: str, batch_id: str) -> BatchInferenceRow:
    row = session.get(BatchInferenceRow, batch_id)
    if row is None or row.appkey != appkey:
        raise not_found("Batch inference", batch_id)
    return row


def get(platform: Platform, appkey: str, batch_id: str) -> dict:
    with platform.store.session() as session:
        return to_wire(session, platform, get_row(session, appkey, batch_id))


def list_(platform: Platform, appkey: str, filters: dict[str, list[str]]) -> list[dict]:
    with platform.store.session() as session:
        query = select(BatchInferenceRow).where(BatchInferenceRow.appkey == appkey)
        for param, column in (("batchInferenceIdList", BatchInferenceRow.id),
                              ("batchInferenceNameList", BatchInferenceRow.name),
                              ("batchInferenceStatusCodeList", BatchInferenceRow.status)):  # fmt: skip
            if filters.get(param):
                query = query.where(column.in_(filters[param]))
        rows = session.scalars(query.order_by(BatchInferenceRow.created_at.desc())).all()
        return [to_wire(session, platform, row) for row in rows]


def stop(platform: Platform, appkey: str, batch_id: str) -> dict:
    with platform.store.session() as session:
        row = get_row(session, appkey, batch_id)
        status = BatchInferenceStatus(row.status)
        if status not in BATCH_STOPPABLE and status != BatchInferenceStatus.STOP_IN_PROGRESS:
            raise conflict(f"Batch inference '{row.name}' is {row.status}; only one that is CREATE REQUESTED, "
                           "CREATE IN PROGRESS or RUNNING can be stopped.")  # fmt: skip
        if not row.submitted:
            row.status, row.finished_at = BatchInferenceStatus.STOPPED.value, now()
            row.status_reason = "Stopped at the user's request before it started."
        else:
            row.status, row.stop_requested = BatchInferenceStatus.STOP_IN_PROGRESS.value, True
        row.updated_at = now()
        wire = to_wire(session, platform, row)
    platform.wake()
    return wire


def delete(platform: Platform, appkey: str, batch_id: str) -> None:
    with platform.store.session() as session:
        row = get_row(session, appkey, batch_id)
        if BatchInferenceStatus(row.status) not in BATCH_FINAL:
            raise conflict(f"Batch inference '{row.name}' is {row.status}. Batch inference in progress can be "
                           "deleted after stopping: stop it first (PUT …/stop).")  # fmt: skip
        session.execute(sql_delete(LogRow).where(LogRow.resource_id == row.id))
        session.execute(sql_delete(UsageRow).where(UsageRow.resource_id == row.id))
        session.delete(row)
        platform.forget(f"batch:{batch_id}")


def monitoring_of(platform: Platform, appkey: str, batch_id: str) -> dict:
    """CPU and memory of the run's processes (its runner and inference workers), summed and per instance."""
    with platform.store.session() as session:
        get_row(session, appkey, batch_id)
        return monitoring.usage(session, batch_id)


def to_wire(session: Session, platform: Platform, row: BatchInferenceRow) -> dict:
    config = row.config
    flavor = platform.catalog.instance_types.get(config["flavorId"])
    model = session.get(ModelRow, row.model_id)
    counters = row.counters or {}
    elapsed = int(((row.finished_at or now()) - row.started_at).total_seconds()) if row.started_at else 0
    return {
        "batchInferenceId": row.id,
        "batchInferenceName": row.name,
        "batchInferenceStatusCode": row.status,
        "statusReason": row.status_reason,
        "description": row.description,
        "appKey": row.appkey,
        **{k: v for k, v in config.items() if k != "flavorId"},
        "flavor": flavor.to_wire() if flavor else {"id": config["flavorId"]},
        "model": models.to_wire(model) if model else {"modelId": row.model_id},
        "dataStorageList": [{"storageSize": config["dataStorageSize"]}] if config.get("dataStorageSize") else [],
        "inputFileCount": counters.get("inputFileCount", 0),
        "inputDataCount": counters.get("inputDataCount", 0),
        "processCount": counters.get("processCount", 0),
        "success2xxCount": counters.get("success2xxCount", 0),
        "fail4xxCount": counters.get("fail4xxCount", 0),
        "fail5xxCount": counters.get("fail5xxCount", 0),
        # the spelling the easymaker SDK 2.1.5 reads (its camelCase alias generator writes "2Xx")
        "success2XxCount": counters.get("success2xxCount", 0),
        "fail4XxCount": counters.get("fail4xxCount", 0),
        "fail5XxCount": counters.get("fail5xxCount", 0),
        "elapsedTimeSeconds": elapsed,
        "createdDatetime": wire_time(row.created_at),
        "updatedDatetime": wire_time(row.updated_at),
        "startedDatetime": wire_time(row.started_at),
        "finishedDatetime": wire_time(row.finished_at),
    }
