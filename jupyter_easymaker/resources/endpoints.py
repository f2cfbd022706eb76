"""Endpoints, stages and stage resources: the console guide's Endpoint chapter.

An endpoint is an API Gateway service served by the Jupyter server (the gateway); each stage is a model-server
pool the controller keeps running; each stage resource is one model at its own resource path. The API writes
what is wanted; the controller deploys it and records what it saw.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import FieldError, conflict, invalid, invalid_fields, not_found
from ..platform import Platform, new_id, now, wire_time
from ..serving.artifacts import SERVABLE_HERE
from ..store import ApiCallStatRow, EndpointModelRow, EndpointRow, EndpointStageRow, ModelRow
from . import models, monitoring
from .schema import EndpointCreate, EndpointUpdate, StageCreate, StageResource, StageResourceCreate, StageSettings
from .statuses import EndpointStatus, GatewayStatus, ModelStatus, StageResourceStatus, StageStatus

DEFAULT_STAGE_NAME = "default"
STAGE_FIELDS = ("flavorId", "nodeCount", "caEnable", "caMinNodeCount", "caMaxNodeCount", "caScaleDownEnable",
                "caScaleDownUtilThresh", "caScaleDownUnneededTime", "caScaleDownDelayAfterAdd", "useLog")  # fmt: skip
RESOURCE_FIELDS = ("resourceOptionDetail", "podCount", "podAutoScaleEnable", "scaleMetricCode", "scaleMetricTarget")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# -- checks ------------------------------------------------------------------------------------------------------------


def _check_settings(platform: Platform, body: StageSettings) -> list[FieldError]:
    errors = []
    if body.flavor_id not in platform.catalog.instance_types:
        errors.append(FieldError("flavorId", f"no instance type with id '{body.flavor_id}'; GET …/flavors lists them"))
    if body.ca_min_node_count and body.ca_max_node_count and body.ca_min_node_count > body.ca_max_node_count:
        errors.append(FieldError("caMinNodeCount", "must not exceed caMaxNodeCount"))
    return errors


def _resource_rows(session: Session, appkey: str, endpoint_id: str, stage_id: str, resources: list[StageResource],
                   field_prefix: str, taken: set[str]) -> tuple[list[EndpointModelRow], list[FieldError]]:  # fmt: skip
    rows, errors = [], []
    stamp = now()
    for i, resource in enumerate(resources):
        where = f"{field_prefix}[{i}]" if field_prefix else ""
        model = session.get(ModelRow, resource.model_id)
        if model is None or model.appkey != appkey:
            errors.append(FieldError(f"{where}.modelId".lstrip("."), f"no model with id '{resource.model_id}'"))
            continue
        if model.status != ModelStatus.ACTIVE.value:
            errors.append(
                FieldError(
                    f"{where}.modelId".lstrip("."),
                    f"model '{model.name}' is {model.status}: {model.status_reason or ''}".strip(),
                )
            )
            continue
        framework = model.config["modelFormatCode"]
        if framework not in SERVABLE_HERE:
            errors.append(FieldError(f"{where}.modelId".lstrip("."), f"{framework} models cannot be served on the "
                                     f"local backend (served here: {', '.join(SERVABLE_HERE)})"))  # fmt: skip
            continue
        path = resource.apigw_resource_uri or f"/{model.name}"
        if path in taken:
            errors.append(FieldError(f"{where}.apigwResourceUri".lstrip("."), f"'{path}' is used twice on the stage"))
            continue
        taken.add(path)
        config = resource.model_dump(by_alias=True, include={"resource_option_detail", "pod_count",
                                     "pod_auto_scale_enable", "scale_metric_code", "scale_metric_target"},
                                     exclude_none=True)  # fmt: skip
        config.setdefault("podCount", 1)
        rows.append(EndpointModelRow(
            id=new_id(), appkey=appkey, endpoint_id=endpoint_id, stage_id=stage_id, model_id=model.id,
            resource_path=path, description=resource.description, config=config,
            status=StageResourceStatus.CREATE_REQUESTED.value, created_at=stamp, updated_at=stamp,
        ))  # fmt: skip
    return rows, errors


def _new_stage(endpoint_id: str, appkey: str, name: str, body: StageSettings) -> EndpointStageRow:
    stamp = now()
    dumped = body.model_dump(by_alias=True)
    return EndpointStageRow(
        id=new_id(), appkey=appkey, endpoint_id=endpoint_id, name=name, description=body.description,
        config={k: dumped.get(k) for k in STAGE_FIELDS}, status=StageStatus.CREATE_REQUESTED.value,
        gateway_status=GatewayStatus.CREATE_IN_PROGRESS.value, created_at=stamp, updated_at=stamp,
    )  # fmt: skip


# -- operations --------------------------------------------------------------------------------------------------------


def create_endpoint(platform: Platform, appkey: str, body: EndpointCreate, gateway: str) -> dict:
    errors = _check_settings(platform, body)
    key = secrets.token_urlsafe(24)
    with platform.store.session() as session:
        if session.scalar(select(EndpointRow.id).where(EndpointRow.name == body.endpoint_name)):
            raise conflict(f"endpointName: an endpoint named '{body.endpoint_name}' already exists; choose another.")
        stamp = now()
        endpoint = EndpointRow(
            id=new_id(), appkey=appkey, name=body.endpoint_name, description=body.description,
            status=EndpointStatus.CREATE_REQUESTED.value, api_key_hash=hash_key(key), is_public=body.is_public,
            created_at=stamp, updated_at=stamp,
        )  # fmt: skip
        stage = _new_stage(endpoint.id, appkey, DEFAULT_STAGE_NAME, body)
        endpoint.default_stage_id = stage.id
        rows, more = _resource_rows(session, appkey, endpoint.id, stage.id, body.endpoint_model_resource_list,
                                    "endpointModelResourceList", set())  # fmt: skip
        if errors + more:
            raise invalid_fields(errors + more)
        session.add(endpoint)
        session.flush()
        session.add(stage)
        session.flush()
        session.add_all(rows)
        session.flush()
        wire = endpoint_wire(session, endpoint, gateway)
    platform.wake()
    return {**wire, "apiKey": key}


def create_stage(platform: Platform, appkey: str, body: StageCreate, gateway: str) -> dict:
    errors = _check_settings(platform, body)
    with platform.store.session() as session:
        endpoint = get_endpoint_row(session, appkey, body.endpoint_id, field_name="endpointId")
        taken = select(EndpointStageRow.id).where(EndpointStageRow.endpoint_id == endpoint.id,
                                                  EndpointStageRow.name == body.apigw_stage_name)  # fmt: skip
        if session.scalar(taken):
            raise conflict(f"apigwStageName: endpoint '{endpoint.name}' already has a stage "
                           f"'{body.apigw_stage_name}'; choose another name.")  # fmt: skip
        if endpoint.status == EndpointStatus.DELETE_IN_PROGRESS.value:
            raise conflict(f"Endpoint '{endpoint.name}' is being deleted.")
        stage = _new_stage(endpoint.id, appkey, body.apigw_stage_name, body)
        rows, more = _resource_rows(session, appkey, endpoint.id, stage.id, body.endpoint_model_resource_list,
                                    "endpointModelResourceList", set())  # fmt: skip
        if errors + more:
            raise invalid_fields(errors + more)
        session.add(stage)
        session.flush()
        session.add_all(rows)
        session.flush()
        wire = stage_wire(session, stage, endpoint, gateway)
    platform.wake()
    return wire


def create_resource(platform: Platform, appkey: str, body: StageResourceCreate, gateway: str) -> dict:
    with platform.store.session() as session:
        stage = get_stage_row(session, appkey, body.endpoint_stage_id, field_name="endpointStageId")
        if stage.delete_requested:
            raise conflict(f"Stage '{stage.name}' is being deleted.")
        taken = set(
            session.scalars(select(EndpointModelRow.resource_path).where(EndpointModelRow.stage_id == stage.id))
        )
        rows, errors = _resource_rows(session, appkey, stage.endpoint_id, stage.id, [body], "", taken)
        if errors:
            raise invalid_fields(errors)
        session.add_all(rows)
        session.flush()
        wire = resource_wire(session, rows[0], stage, gateway)
    platform.wake()
    return wire


def delete_resource(platform: Platform, appkey: str, resource_id: str) -> None:
    with platform.store.session() as session:
        row = get_resource_row(session, appkey, resource_id)
        if not row.delete_requested:
            row.delete_requested, row.status, row.updated_at = True, StageResourceStatus.DELETE_IN_PROGRESS.value, now()
    platform.wake()


def update_endpoint(platform: Platform, appkey: str, endpoint_id: str, body: EndpointUpdate, gateway: str) -> dict:
    with platform.store.session() as session:
        endpoint = get_endpoint_row(session, appkey, endpoint_id)
        if "description" in body.model_fields_set:
            endpoint.description = body.description
        if body.is_public is not None:
            endpoint.is_public = body.is_public
        if body.default_endpoint_stage_id and body.default_endpoint_stage_id != endpoint.default_stage_id:
            _change_default(session, endpoint, body.default_endpoint_stage_id)
        endpoint.updated_at = now()
        wire = endpoint_wire(session, endpoint, gateway)
    platform.wake()
    return wire


def _change_default(session: Session, endpoint: EndpointRow, stage_id: str) -> None:
    """The new stage serves at once; the old default's resources are removed a grace period later (controller)."""
    stage = session.get(EndpointStageRow, stage_id)
    if stage is None or stage.endpoint_id != endpoint.id or stage.delete_requested:
        raise invalid("defaultEndpointStageId", f"no stage with id '{stage_id}' on endpoint '{endpoint.name}'")
    if stage.status != StageStatus.ACTIVE.value:
        raise conflict(f"Stage '{stage.name}' is {stage.status}; only an ACTIVE stage can become the default.")
    old = endpoint.default_stage_id
    endpoint.default_stage_id = stage.id
    stamp = now()
    for resource in session.scalars(select(EndpointModelRow).where(EndpointModelRow.stage_id == old)):
        resource.delete_requested, resource.updated_at = True, stamp
        resource.status = StageResourceStatus.DELETE_IN_PROGRESS.value


def new_api_key(platform: Platform, appkey: str, endpoint_id: str) -> str:
    key = secrets.token_urlsafe(24)
    with platform.store.session() as session:
        endpoint = get_endpoint_row(session, appkey, endpoint_id)
        endpoint.api_key_hash, endpoint.updated_at = hash_key(key), now()
    return key


def delete_stage(platform: Platform, appkey: str, stage_id: str) -> None:
    with platform.store.session() as session:
        stage = get_stage_row(session, appkey, stage_id)
        endpoint = session.get(EndpointRow, stage.endpoint_id)
        if endpoint is not None and endpoint.default_stage_id == stage.id:
            raise conflict(f"Stage '{stage.name}' is the endpoint's default stage, which cannot be deleted; "
                           "make another stage the default, or delete the endpoint.")  # fmt: skip
        stage.delete_requested, stage.status, stage.updated_at = True, StageStatus.DELETE_IN_PROGRESS.value, now()
    platform.wake()


def delete_endpoint(platform: Platform, appkey: str, endpoint_id: str) -> None:
    with platform.store.session() as session:
        endpoint = get_endpoint_row(session, appkey, endpoint_id)
        others = select(EndpointStageRow.name).where(EndpointStageRow.endpoint_id == endpoint.id,
                                                     EndpointStageRow.id != endpoint.default_stage_id)  # fmt: skip
        names = list(session.scalars(others))
        if names:
            raise conflict(f"Endpoint '{endpoint.name}' still has stages other than the default "
                           f"({', '.join(names)}); delete them first.")  # fmt: skip
        endpoint.status, endpoint.updated_at = EndpointStatus.DELETE_IN_PROGRESS.value, now()
        for stage in session.scalars(select(EndpointStageRow).where(EndpointStageRow.endpoint_id == endpoint.id)):
            stage.delete_requested, stage.status = True, StageStatus.DELETE_IN_PROGRESS.value
    platform.wake()


# -- reads -------------------------------------------------------------------------------------------------------------


def get_endpoint_row(session: Session, appkey: str, endpoint_id: str, field_name: str = "") -> EndpointRow:
    row = session.get(EndpointRow, endpoint_id)
    if row is None or row.appkey != appkey:
        if field_name:
            raise invalid(field_name, f"no endpoint with id '{endpoint_id}'")
        raise not_found("Endpoint", endpoint_id)
    return row


def get_stage_row(session: Session, appkey: str, stage_id: str, field_name: str = "") -> EndpointStageRow:
    row = session.get(EndpointStageRow, stage_id)
    if row is None or row.appkey != appkey:
        if field_name:
            raise invalid(field_name, f"no endpoint stage with id '{stage_id}'")
        raise not_found("Endpoint stage", stage_id)
    return row


def get_resource_row(session: Session, appkey: str, resource_id: str) -> EndpointModelRow:
    row = session.get(EndpointModelRow, resource_id)
    if row is None or row.appkey != appkey:
        raise not_found("Endpoint model", resource_id)
    return row


def get_endpoint(platform: Platform, appkey: str, endpoint_id: str, gateway: str) -> dict:
    with platform.store.session() as session:
        return endpoint_wire(session, get_endpoint_row(session, appkey, endpoint_id), gateway)


def list_endpoints(platform: Platform, appkey: str, filters: dict[str, list[str]], gateway: str) -> list[dict]:
    with platform.store.session() as session:
        query = select(EndpointRow).where(EndpointRow.appkey == appkey).order_by(EndpointRow.created_at.desc())
        for param, column in (("endpointIdList", EndpointRow.id), ("endpointNameList", EndpointRow.name)):
            if filters.get(param):
                query = query.where(column.in_(filters[param]))
        return [endpoint_wire(session, row, gateway) for row in session.scalars(query)]


def get_stage(platform: Platform, appkey: str, stage_id: str, gateway: str) -> dict:
    with platform.store.session() as session:
        stage = get_stage_row(session, appkey, stage_id)
        return stage_wire(session, stage, session.get(EndpointRow, stage.endpoint_id), gateway)


def list_stages(platform: Platform, appkey: str, endpoint_id: str | None, gateway: str) -> list[dict]:
    with platform.store.session() as session:
        query = select(EndpointStageRow).where(EndpointStageRow.appkey == appkey)
        if endpoint_id:
            query = query.where(EndpointStageRow.endpoint_id == endpoint_id)
        stages = session.scalars(query.order_by(EndpointStageRow.created_at)).all()
        return [stage_wire(session, s, session.get(EndpointRow, s.endpoint_id), gateway) for s in stages]


def get_resource(platform: Platform, appkey: str, resource_id: str, gateway: str) -> dict:
    with platform.store.session() as session:
        row = get_resource_row(session, appkey, resource_id)
        return resource_wire(session, row, session.get(EndpointStageRow, row.stage_id), gateway)


def list_resources(platform: Platform, appkey: str, stage_id: str | None, gateway: str) -> list[dict]:
    with platform.store.session() as session:
        query = select(EndpointModelRow).where(EndpointModelRow.appkey == appkey)
        if stage_id:
            query = query.where(EndpointModelRow.stage_id == stage_id)
        rows = session.scalars(query.order_by(EndpointModelRow.created_at)).all()
        return [resource_wire(session, r, session.get(EndpointStageRow, r.stage_id), gateway) for r in rows]


# -- wire --------------------------------------------------------------------------------------------------------------


def stage_url(gateway: str, endpoint: EndpointRow, stage: EndpointStageRow) -> str:
    """Without a scheme, as the SDK expects (it prepends https://)."""
    return f"{gateway}/{endpoint.name}/{stage.name}"


def endpoint_wire(session: Session, row: EndpointRow, gateway: str) -> dict:
    default = session.get(EndpointStageRow, row.default_stage_id) if row.default_stage_id else None
    stages = session.scalars(select(EndpointStageRow).where(EndpointStageRow.endpoint_id == row.id)).all()
    return {
        "endpointId": row.id,
        "endpointName": row.name,
        "description": row.description,
        "appKey": row.appkey,
        "endpointStatusCode": row.status,
        "statusReason": row.status_reason,
        "apigwAppKey": row.appkey,
        "apigwRegion": "local",
        "apigwServiceId": row.id,
        "apigwStatusCode": default.gateway_status if default else GatewayStatus.NOT_FOUND_STAGE.value,
        "defaultStageUrl": stage_url(gateway, row, default) if default else None,
        "defaultEndpointStageId": row.default_stage_id,
        "isPublic": row.is_public,
        "authentication": "public: no API key needed" if row.is_public else
                          "x-nhn-apikey header with the endpoint's API key, or the server's own token",
        "endpointStageCount": len(stages),
        "createdDatetime": wire_time(row.created_at),
        "updatedDatetime": wire_time(row.updated_at),
    }  # fmt: skip


def stage_wire(session: Session, stage: EndpointStageRow, endpoint: EndpointRow, gateway: str) -> dict:
    resources = session.scalars(select(EndpointModelRow).where(EndpointModelRow.stage_id == stage.id)).all()
    config = stage.config
    pods = sum(r.config.get("podCount", 1) for r in resources if not r.delete_requested)
    return {
        "endpointStageId": stage.id,
        "endpointId": stage.endpoint_id,
        "endpointStageName": stage.name,
        "description": stage.description,
        "appKey": stage.appkey,
        "endpointStageStatusCode": stage.status,
        "statusReason": stage.status_reason,
        "apigwStageId": stage.id,
        "apigwStageName": stage.name,
        "apigwStageUrl": stage_url(gateway, endpoint, stage),
        "apigwStatusCode": stage.gateway_status,
        "deployStatus": stage.gateway_status,
        "isDefaultStage": endpoint.default_stage_id == stage.id,
        "flavor": {"id": config["flavorId"]},
        "nodeCount": config.get("nodeCount"),
        "podCount": pods,
        "runningPodCount": config.get("runningPods", 0) if stage.address else 0,
        "autoScaler": {
            "enable": bool(config.get("caEnable")),
            "minNodeCount": config.get("caMinNodeCount"),
            "maxNodeCount": config.get("caMaxNodeCount"),
            "scaleDownEnable": config.get("caScaleDownEnable"),
            "scaleDownUtilThreshPercentage": config.get("caScaleDownUtilThresh"),
            "scaleDownUnneededMinute": config.get("caScaleDownUnneededTime"),
            "scaleDownDelayAfterAddMinute": config.get("caScaleDownDelayAfterAdd"),
        },  # fmt: skip
        "endpointModelList": [resource_wire(session, r, stage, gateway, endpoint) for r in resources],
        "createdDatetime": wire_time(stage.created_at),
        "updatedDatetime": wire_time(stage.updated_at),
    }


def resource_wire(session: Session, row: EndpointModelRow, stage: EndpointStageRow, gateway: str,
                  endpoint: EndpointRow | None = None) -> dict:  # fmt: skip
    endpoint = endpoint or session.get(EndpointRow, row.endpoint_id)
    model = session.get(ModelRow, row.model_id)
    url = stage_url(gateway, endpoint, stage)
    running = row.config.get("podCount", 1) if row.status == StageResourceStatus.ACTIVE.value else 0
    return {
        "endpointModelId": row.id,
        "endpointId": row.endpoint_id,
        "endpointStageId": row.stage_id,
        "endpointModelStatusCode": row.status,
        "statusReason": row.status_reason,
        "description": row.description,
        "appKey": row.appkey,
        "modelId": row.model_id,
        "model": models.to_wire(model) if model else {"modelId": row.model_id},
        "stage": {"stageId": stage.id, "deployStatus": stage.gateway_status, "stageUrl": url},
        "apigwResourceUri": row.resource_path,
        "apigwEndpointUri": f"{url}{row.resource_path}",
        "podCount": row.config.get("podCount", 1),
        "runningPodCount": running,
        **{k: v for k, v in row.config.items() if k != "podCount"},
        "createdDatetime": wire_time(row.created_at),
    }


# -- the gateway's view ------------------------------------------------------------------------------------------------


@dataclass
class StageRoute:
    stage_id: str
    name: str
    address: str | None
    resources: list[tuple[str, str, str]]  # (resource path, endpoint model id, model name), longest path first
    use_log: bool = False  # log management: each call becomes an easymaker.inference record


@dataclass
class EndpointRoute:
    endpoint_id: str
    appkey: str
    is_public: bool
    api_key_hash: str | None
    default_stage: str | None
    stages: dict[str, StageRoute] = field(default_factory=dict)


def route_table(platform: Platform, endpoint_name: str) -> EndpointRoute | None:
    """What the gateway needs to route calls to an endpoint: its auth, stages, their addresses and resources."""
    with platform.store.session() as session:
        endpoint = session.scalar(select(EndpointRow).where(EndpointRow.name == endpoint_name))
        if endpoint is None or endpoint.status == EndpointStatus.DELETE_IN_PROGRESS.value:
            return None
        route = EndpointRoute(endpoint.id, endpoint.appkey, endpoint.is_public, endpoint.api_key_hash, None)
        stages = session.scalars(select(EndpointStageRow).where(EndpointStageRow.endpoint_id == endpoint.id)).all()
        for stage in stages:
            if stage.delete_requested:
                continue
            rows = session.execute(
                select(EndpointModelRow.resource_path, EndpointModelRow.id, ModelRow.name)
                .join(ModelRow, ModelRow.id == EndpointModelRow.model_id)
                .where(EndpointModelRow.stage_id == stage.id, EndpointModelRow.status.in_(
                    [StageResourceStatus.ACTIVE.value, StageResourceStatus.DELETE_IN_PROGRESS.value]))
            ).all()  # fmt: skip
            resources = sorted(((p, i, n) for p, i, n in rows), key=lambda r: -len(r[0]))
            route.stages[stage.name] = StageRoute(
                stage.id, stage.name, stage.address, resources, bool(stage.config.get("useLog"))
            )
            if stage.id == endpoint.default_stage_id:
                route.default_stage = stage.name
        return route


# -- API statistics ----------------------------------------------------------------------------------------------------


@dataclass
class CallTally:
    endpoint_id: str
    stage_id: str
    endpoint_model_id: str
    minute: datetime
    calls: int = 0
    success: int = 0
    client_errors: int = 0
    server_errors: int = 0
    latency_ms_sum: float = 0.0
    latency_ms_max: float = 0.0

    def add(self, status: int, latency_ms: float) -> None:
        self.calls += 1
        if status < 400:
            self.success += 1
        elif status < 500:
            self.client_errors += 1
        else:
            self.server_errors += 1
        self.latency_ms_sum += latency_ms
        self.latency_ms_max = max(self.latency_ms_max, latency_ms)


COUNTERS = ("calls", "success", "client_errors", "server_errors", "latency_ms_sum")


def record_calls(platform: Platform, tallies: list[CallTally]) -> None:
    with platform.store.session() as session:
        for tally in tallies:
            row = session.scalar(
                select(ApiCallStatRow).where(
                    ApiCallStatRow.endpoint_model_id == tally.endpoint_model_id, ApiCallStatRow.minute == tally.minute
                )
            )
            if row is None:
                row = ApiCallStatRow(endpoint_id=tally.endpoint_id, stage_id=tally.stage_id,
                                     endpoint_model_id=tally.endpoint_model_id, minute=tally.minute,
                                     **{c: 0 for c in COUNTERS}, latency_ms_max=0.0)  # fmt: skip
                session.add(row)
            for counter in COUNTERS:
                setattr(row, counter, getattr(row, counter) + getattr(tally, counter))
            row.latency_ms_max = max(row.latency_ms_max, tally.latency_ms_max)


def _summary(calls: int, success: int, c4: int, c5: int, latency_sum: float, latency_max: float) -> dict:
    return {
        "callCount": calls, "successCount": success, "clientErrorCount": c4, "serverErrorCount": c5,
        "averageLatencyMs": round(latency_sum / calls, 3) if calls else None, "maxLatencyMs": latency_max,
    }  # fmt: skip


def stage_statistics(platform: Platform, appkey: str, stage_id: str, minutes: int) -> dict:
    since = now() - timedelta(minutes=minutes)
    sums = (func.sum(ApiCallStatRow.calls), func.sum(ApiCallStatRow.success), func.sum(ApiCallStatRow.client_errors),
            func.sum(ApiCallStatRow.server_errors), func.sum(ApiCallStatRow.latency_ms_sum),
            func.max(ApiCallStatRow.latency_ms_max))  # fmt: skip
    with platform.store.session() as session:
        get_stage_row(session, appkey, stage_id)
        where = (ApiCallStatRow.stage_id == stage_id, ApiCallStatRow.minute >= since)
        total = session.execute(select(*sums).where(*where)).one()
        per_model = session.execute(select(ApiCallStatRow.endpoint_model_id, *sums).where(*where)
                                    .group_by(ApiCallStatRow.endpoint_model_id)).all()  # fmt: skip
        series = session.execute(select(ApiCallStatRow.minute, *sums).where(*where).group_by(ApiCallStatRow.minute)
                                 .order_by(ApiCallStatRow.minute)).all()  # fmt: skip
        return {
            "statistics": _summary(*(v or 0 for v in total)),
            "endpointModelStatisticsList": [{"endpointModelId": r[0], **_summary(*(v or 0 for v in r[1:]))}
                                            for r in per_model],
            "timeSeries": [{"time": wire_time(r[0]), **_summary(*(v or 0 for v in r[1:]))} for r in series],
        }  # fmt: skip


def top_endpoints(platform: Platform, appkey: str, minutes: int, count: int = 3) -> list[dict]:
    """The dashboard's top 3: endpoints by calls over the last `minutes`."""
    since = now() - timedelta(minutes=minutes)
    with platform.store.session() as session:
        rows = session.execute(
            select(EndpointRow.id, EndpointRow.name, func.sum(ApiCallStatRow.calls),
                   func.sum(ApiCallStatRow.success), func.sum(ApiCallStatRow.client_errors),
                   func.sum(ApiCallStatRow.server_errors), func.sum(ApiCallStatRow.latency_ms_sum),
                   func.max(ApiCallStatRow.latency_ms_max))
            .join(EndpointRow, EndpointRow.id == ApiCallStatRow.endpoint_id)
            .where(EndpointRow.appkey == appkey, ApiCallStatRow.minute >= since)
            .group_by(EndpointRow.id, EndpointRow.name)
            .order_by(func.sum(ApiCallStatRow.calls).desc()).limit(count)
        ).all()  # fmt: skip
        return [{"endpointId": r[0], "endpointName": r[1], **_summary(*(v or 0 for v in r[2:]))} for r in rows]


def stage_monitoring(platform: Platform, appkey: str, stage_id: str) -> dict:
    """CPU (% of one core, summed over the pool) and resident memory samples of a stage's model servers, and of
    each model-server process (instanceList)."""
    with platform.store.session() as session:
        get_stage_row(session, appkey, stage_id)
        return monitoring.usage(session, stage_id)


def forget_stage(session: Session, stage_id: str) -> None:
    session.execute(sql_delete(EndpointModelRow).where(EndpointModelRow.stage_id == stage_id))
