"""Models: the console guide's Model chapter. An artifact is checked when the model is created, so a bad one
fails the model (CREATE FAILED, with the reason) rather than an endpoint later. An s3:// artifact is downloaded
then, into the model cache (storage.cache: keyed by URI and ETags), which serving and batch inference load from."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import conflict, invalid, not_found
from ..platform import Platform, new_id, now, wire_time
from ..serving.artifacts import ArtifactError, check
from ..storage import StorageError, resolve
from ..storage.cache import fetch
from ..store import EndpointModelRow, ModelRow, TrainingRow
from . import tunings
from .schema import ModelCreate, ModelUpdate
from .statuses import ModelStatus, TrainingStatus


def _source(platform: Platform, session: Session, appkey: str, body: ModelCreate) -> tuple[str, dict]:
    """The artifact URI and where it came from (training / tuning), from the body's one source."""
    given = [f for f in ("trainingId", "hyperparameterTuningId", "fineTuningId") if getattr(body, _snake(f))]
    if len(given) > 1:
        raise invalid(given[1], f"give one source: {' or '.join(given)}")
    if body.training_id:
        training = session.get(TrainingRow, body.training_id)
        if training is None or training.appkey != appkey:
            raise invalid("trainingId", f"no training with id '{body.training_id}'")
        if training.status != TrainingStatus.COMPLETE.value:
            raise invalid("trainingId", f"training '{training.name}' is {training.status}; only a COMPLETE "
                          "training can become a model")  # fmt: skip
        origin = {"training": {"trainingId": training.id, "trainingName": training.name}}
        return body.model_upload_uri or training.config["modelUploadUri"], origin
    if body.hyperparameter_tuning_id:
        uri, origin = tunings.best_model_uri(session, appkey, body.hyperparameter_tuning_id)
        return body.model_upload_uri or uri, origin
    if body.fine_tuning_id:
        raise invalid("fineTuningId", "fine-tuning is not available on this server")
    if body.model_upload_uri:
        return body.model_upload_uri, {}
    if body.model_format_code == "HUGGING_FACE":
        return "", {}
    raise invalid("modelUploadUri", "is required (or give trainingId to make a model of a COMPLETE training)")


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def artifact_path(platform: Platform, uri: str) -> Path:
    location = resolve(uri, platform.storage)
    if location.scheme == "s3":
        return fetch(uri, platform.storage, cache_root(platform))
    if location.local_path is None:
        raise StorageError(f"'{uri}' is not on this machine; use obs://, nas://, s3:// or a local path")
    return location.local_path


def cache_root(platform: Platform) -> Path:
    return platform.data_dir / "model-cache"


def served_path(platform: Platform, row: ModelRow) -> str:
    """Where the model is loaded from; an s3:// model whose cached copy is gone is fetched again (and checked)."""
    served = row.config["servedPath"]
    uri = row.config.get("modelUploadUri") or ""
    if Path(served).exists() or not uri.startswith("s3://"):
        return served
    parameters = {p["parameterName"]: p["parameterValue"] for p in row.config.get("parameterList", [])}
    served = str(check(row.config["modelFormatCode"], artifact_path(platform, uri), parameters))
    row.config = {**row.config, "servedPath": served}
    return served


def create(platform: Platform, appkey: str, body: ModelCreate) -> dict:
    parameters = {p.parameter_name: p.parameter_value for p in body.parameter_list or []}
    with platform.store.session() as session:
        if session.scalar(select(ModelRow.id).where(ModelRow.appkey == appkey, ModelRow.name == body.model_name)):
            raise conflict(f"modelName: a model named '{body.model_name}' already exists; choose another name.")
        uri, origin = _source(platform, session, appkey, body)
        framework = body.model_format_code
        if framework is None:
            raise invalid("modelFormatCode", "is required: TENSORFLOW, PYTORCH, SKLEARN, HUGGING_FACE or TRITON")
        status, reason, served = ModelStatus.ACTIVE, None, None
        try:
            remote = bool(uri) and resolve(uri, platform.storage).scheme == "s3"
            path = artifact_path(platform, uri) if uri and not remote else Path("/nonexistent")
        except StorageError as err:
            raise invalid("modelUploadUri", str(err)) from None
        try:
            if remote:
                path = artifact_path(platform, uri)
            served = str(check(framework, path, parameters))
        except StorageError as err:
            status, reason = ModelStatus.CREATE_FAILED, f"The model artifact could not be fetched: {err}"
        except ArtifactError as err:
            status, reason = ModelStatus.CREATE_FAILED, f"The model artifact is not usable: {err}"
        stamp = now()
        config = {
            "modelFormatCode": framework,
            "frameworkVersion": body.framework_version,
            "modelUploadUri": uri or None,
            "parameterList": [p.model_dump(by_alias=True) for p in body.parameter_list or []],
            "servedPath": served,
            **origin,
        }
        row = ModelRow(
            id=new_id(), appkey=appkey, name=body.model_name, description=body.description, config=config,
            status=status.value, status_reason=reason, created_at=stamp, updated_at=stamp,
        )  # fmt: skip
        session.add(row)
        return to_wire(row)


def get_row(session: Session, appkey: str, model_id: str) -> ModelRow:
    row = session.get(ModelRow, model_id)
    if row is None or row.appkey != appkey:
        raise not_found("Model", model_id)
    return row


def get(platform: Platform, appkey: str, model_id: str) -> dict:
    with platform.store.session() as session:
        return to_wire(get_row(session, appkey, model_id))


def list_(platform: Platform, appkey: str, filters: dict[str, list[str]]) -> list[dict]:
    with platform.store.session() as session:
        query = select(ModelRow).where(ModelRow.appkey == appkey).order_by(ModelRow.created_at.desc())
        for param, column in (("modelIdList", ModelRow.id), ("modelNameList", ModelRow.name),
                              ("modelStatusCodeList", ModelRow.status)):  # fmt: skip
            if filters.get(param):
                query = query.where(column.in_(filters[param]))
        return [to_wire(row) for row in session.scalars(query)]


def update(platform: Platform, appkey: str, model_id: str, body: ModelUpdate) -> dict:
    with platform.store.session() as session:
        row = get_row(session, appkey, model_id)
        if body.model_name and body.model_name != row.name:
            taken = select(ModelRow.id).where(ModelRow.appkey == appkey, ModelRow.name == body.model_name)
            if session.scalar(taken):
                raise conflict(f"modelName: a model named '{body.model_name}' already exists; choose another name.")
            row.name = body.model_name
        if "description" in body.model_fields_set:
            row.description = body.description
        row.updated_at = now()
        return to_wire(row)


def delete(platform: Platform, appkey: str, model_id: str) -> None:
    with platform.store.session() as session:
        row = get_row(session, appkey, model_id)
        if session.scalar(select(EndpointModelRow.id).where(EndpointModelRow.model_id == model_id).limit(1)):
            raise conflict(f"Model '{row.name}' is served by an endpoint. Delete the endpoint (or its stage "
                           "resource serving this model) first, then the model.")  # fmt: skip
        session.delete(row)


def to_wire(row: ModelRow) -> dict:
    config = row.config
    return {
        "modelId": row.id,
        "modelName": row.name,
        "description": row.description,
        "appKey": row.appkey,
        "modelStatusCode": row.status,
        "statusReason": row.status_reason,
        "modelFormatCode": config["modelFormatCode"],
        "frameworkVersion": config.get("frameworkVersion"),
        "modelUploadUri": config.get("modelUploadUri"),
        "parameterList": config.get("parameterList", []),
        "training": config.get("training"),
        "hyperparameterTuning": config.get("hyperparameterTuning"),
        "createdDatetime": wire_time(row.created_at),
        "updatedDatetime": wire_time(row.updated_at),
    }
