"""Pipelines: the console guide's Pipeline chapter. A pipeline is a KFP IR YAML, stored as uploaded."""

from __future__ import annotations

import base64
import binascii

from sqlalchemy import select

from ..errors import EasyMakerError, conflict, invalid, not_found
from ..platform import Platform, new_id, now, wire_time
from ..store import PipelineRecurringRunRow, PipelineRow
from . import pipeline_ir
from .schema import PipelineUpload
from .statuses import PipelineStatus


def upload(platform: Platform, appkey: str, body: PipelineUpload) -> dict:
    try:
        text = base64.b64decode(body.base64_pipeline_spec_manifest, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise invalid("base64PipelineSpecManifest", "is not base64 of a UTF-8 YAML file") from None
    return create_from_text(platform, appkey, body.pipeline_name, text, body.description)


def create_from_text(platform: Platform, appkey: str, name: str, text: str, description: str | None) -> dict:
    try:
        spec = pipeline_ir.load(text)
    except EasyMakerError as err:
        raise invalid("base64PipelineSpecManifest", err.message) from None
    with platform.store.session() as session:
        if session.scalar(select(PipelineRow.id).where(PipelineRow.appkey == appkey, PipelineRow.name == name)):
            raise conflict(f"pipelineName: a pipeline named '{name}' already exists; choose another name.")
        stamp = now()
        row = PipelineRow(
            id=new_id(), appkey=appkey, name=name, description=description, manifest=text,
            parameters=pipeline_ir.parameters(spec), status=PipelineStatus.ACTIVE.value,
            created_at=stamp, updated_at=stamp,
        )  # fmt: skip
        session.add(row)
        return to_wire(row, spec)


def get_row(session, appkey: str, pipeline_id: str) -> PipelineRow:
    row = session.get(PipelineRow, pipeline_id)
    if row is None or row.appkey != appkey:
        raise not_found("Pipeline", pipeline_id)
    return row


def get(platform: Platform, appkey: str, pipeline_id: str) -> dict:
    with platform.store.session() as session:
        row = get_row(session, appkey, pipeline_id)
        return to_wire(row, pipeline_ir.load(row.manifest))


def list_(platform: Platform, appkey: str, filters: dict[str, list[str]]) -> list[dict]:
    with platform.store.session() as session:
        query = select(PipelineRow).where(PipelineRow.appkey == appkey).order_by(PipelineRow.created_at.desc())
        for param, column in (("pipelineIdList", PipelineRow.id), ("pipelineNameList", PipelineRow.name)):
            if filters.get(param):
                query = query.where(column.in_(filters[param]))
        return [to_wire(row) for row in session.scalars(query)]


def delete(platform: Platform, appkey: str, pipeline_id: str) -> None:
    with platform.store.session() as session:
        row = get_row(session, appkey, pipeline_id)
        if row.status in (PipelineStatus.CREATE_REQUESTED.value, PipelineStatus.CREATE_IN_PROGRESS.value):
            raise conflict(f"Pipeline '{row.name}' is {row.status}; a pipeline cannot be deleted while it is created.")
        schedules = session.scalars(
            select(PipelineRecurringRunRow.name).where(PipelineRecurringRunRow.pipeline_id == pipeline_id)
        ).all()
        if schedules:
            raise conflict(
                f"Pipeline '{row.name}' is used by the recurring run(s) {', '.join(sorted(schedules))}. "
                "Delete the pipeline recurring runs first, then delete the pipeline."
            )
        session.delete(row)


def graph(platform: Platform, appkey: str, pipeline_id: str) -> dict:
    with platform.store.session() as session:
        row = get_row(session, appkey, pipeline_id)
        return pipeline_ir.graph(pipeline_ir.load(row.manifest))


def manifest(platform: Platform, appkey: str, pipeline_id: str) -> str:
    with platform.store.session() as session:
        return get_row(session, appkey, pipeline_id).manifest


def summary(row: PipelineRow | None, pipeline_id: str) -> dict:
    """The pipeline as nested in a run (with its status, so the SDK does not fetch it again)."""
    if row is None:
        return {"pipelineId": pipeline_id, "pipelineStatusCode": "DELETED"}
    return {"pipelineId": row.id, "pipelineName": row.name, "pipelineStatusCode": row.status}


def to_wire(row: PipelineRow, spec: dict | None = None) -> dict:
    wire = {
        "pipelineId": row.id,
        "pipelineName": row.name,
        "description": row.description,
        "appKey": row.appkey,
        "pipelineStatusCode": row.status,
        "statusReason": row.status_reason,
        "pipelineParameterSpecList": row.parameters,
        "createdDatetime": wire_time(row.created_at),
        "updatedDatetime": wire_time(row.updated_at),
    }
    if spec is not None:
        wire["pipelineSpecName"] = pipeline_ir.pipeline_name(spec)
        wire["containerComponentList"] = pipeline_ir.container_components(spec)
    return wire
