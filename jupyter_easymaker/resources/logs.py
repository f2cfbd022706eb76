"""Logs with the Log & Crash Search fields of the console guide's appendix 2.

Each category names its resource by its own field (trainingId, batchInferenceId, …). An inference record
(easymaker.inference) belongs to its endpoint stage (resource) of its endpoint (parent) and carries the
endpoint log fields inferenceId, action and modelName besides.
"""

from __future__ import annotations

from sqlalchemy import insert, select

from ..errors import invalid
from ..platform import Platform, wire_time
from ..store import LogRow, TrainingRow
from .schema import query_int

LOG_TYPE = "NHNCloud-AIEasyMaker"
TRAINING = "easymaker.training"
INFERENCE = "easymaker.inference"
BATCH_INFERENCE = "easymaker.batch_inference"
PIPELINE = "easymaker.pipeline"
#: The wire field naming a record's resource, per category.
RESOURCE_FIELD = {
    TRAINING: "trainingId",
    INFERENCE: "endpointStageId",
    BATCH_INFERENCE: "batchInferenceId",
    PIPELINE: "pipelineRunId",
}
#: The wire field naming a record's parent (its resource's owner), per category.
PARENT_FIELD = {INFERENCE: "endpointId"}
#: The query filters on a record's resource; endpointId (the parent) and hyperparameterTuningId (its trials) besides.
RESOURCE_FILTERS = ("trainingId", "endpointStageId", "batchInferenceId", "pipelineRunId")
FILTERS = (*RESOURCE_FILTERS, "endpointId", "hyperparameterTuningId", "category", "logLevel", "query", "after",
           "limit", "tail")  # fmt: skip
LEVELS = ("INFO", "WARNING", "ERROR")
MAX_LIMIT = 10000


def to_wire(row: LogRow, tunings: dict[str, str] | None = None) -> dict:
    wire = {
        "logId": row.id,
        "easymakerAppKey": row.appkey,
        "category": row.category,
        "logLevel": row.log_level,
        "body": row.body,
        "logType": LOG_TYPE,
        "time": wire_time(row.time),
        RESOURCE_FIELD.get(row.category, "resourceId"): row.resource_id,
        "rank": row.rank,
    }
    if row.parent_id and row.category in PARENT_FIELD:
        wire[PARENT_FIELD[row.category]] = row.parent_id
    if tunings and row.resource_id in tunings:
        wire["hyperparameterTuningId"] = tunings[row.resource_id]
    if row.fields:
        wire.update({k: v for k, v in row.fields.items() if k not in wire})
    return wire


def level_of_status(status: int) -> str:
    """An inference call's log level: INFO answered, WARNING refused (4xx), ERROR failed (5xx)."""
    return "ERROR" if status >= 500 else "WARNING" if status >= 400 else "INFO"


def query(platform: Platform, appkey: str, filters: dict[str, str | None]) -> tuple[list[dict], int | None]:
    """Oldest first after `after` (a logId); `tail` gives the last N instead. Returns records and the next cursor."""
    limit = query_int(filters.get("limit"), "limit", 1000, 1, MAX_LIMIT)
    after = query_int(filters.get("after"), "after", 0, 0, 2**63 - 1)
    tail = query_int(filters.get("tail"), "tail", 0, 0, MAX_LIMIT)
    stmt = select(LogRow).where(LogRow.appkey == appkey)
    for name in RESOURCE_FILTERS:
        if filters.get(name):
            stmt = stmt.where(LogRow.resource_id == filters[name])
    if filters.get("endpointId"):
        stmt = stmt.where(LogRow.parent_id == filters["endpointId"], LogRow.category == INFERENCE)
    tuning_id = filters.get("hyperparameterTuningId")
    if tuning_id:
        trials = select(TrainingRow.id).where(TrainingRow.tuning_id == tuning_id, TrainingRow.appkey == appkey)
        stmt = stmt.where(LogRow.resource_id.in_(trials), LogRow.category == TRAINING)
    if filters.get("category"):
        stmt = stmt.where(LogRow.category == filters["category"])
    if filters.get("logLevel"):
        level = filters["logLevel"].upper()
        if level not in LEVELS:
            raise invalid("logLevel", f"must be one of {', '.join(LEVELS)}")
        stmt = stmt.where(LogRow.log_level == level)
    if filters.get("query"):
        stmt = stmt.where(LogRow.body.icontains(filters["query"], autoescape=True))
    with platform.store.session() as session:
        if tail:
            rows = list(session.scalars(stmt.order_by(LogRow.id.desc()).limit(tail)))[::-1]
        else:
            stmt = stmt.where(LogRow.id > after)
            rows = list(session.scalars(stmt.order_by(LogRow.id).limit(limit)))
        trial_ids = {r.resource_id for r in rows if r.category == TRAINING}
        tunings = {}
        if trial_ids:
            found = select(TrainingRow.id, TrainingRow.tuning_id).where(
                TrainingRow.id.in_(trial_ids), TrainingRow.tuning_id.is_not(None)
            )
            tunings = dict(session.execute(found).all())
    return [to_wire(r, tunings) for r in rows], (rows[-1].id if rows else after)


def append(platform: Platform, records: list[dict]) -> None:
    """Store records given as LogRow column values (appkey, category, resource_id, log_level, body, time, …)."""
    if records:
        with platform.store.session() as session:
            session.execute(insert(LogRow), [{"rank": 0, "parent_id": None, "fields": None, **r} for r in records])
