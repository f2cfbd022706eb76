"""Logs with the Log & Crash Search fields of the console guide's appendix 2."""

from __future__ import annotations

from sqlalchemy import select

from ..errors import invalid
from ..platform import Platform, wire_time
from ..store import LogRow
from .schema import query_int

LOG_TYPE = "NHNCloud-AIEasyMaker"
RESOURCE_FIELD = {"easymaker.training": "trainingId"}
LEVELS = ("INFO", "WARNING", "ERROR")
MAX_LIMIT = 10000


def to_wire(row: LogRow) -> dict:
    return {
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


def query(platform: Platform, appkey: str, filters: dict[str, str | None]) -> tuple[list[dict], int | None]:
    """Oldest first after `after` (a logId); `tail` gives the last N instead. Returns records and the next cursor."""
    limit = query_int(filters.get("limit"), "limit", 1000, 1, MAX_LIMIT)
    after = query_int(filters.get("after"), "after", 0, 0, 2**63 - 1)
    tail = query_int(filters.get("tail"), "tail", 0, 0, MAX_LIMIT)
    stmt = select(LogRow).where(LogRow.appkey == appkey)
    if filters.get("trainingId"):
        stmt = stmt.where(LogRow.resource_id == filters["trainingId"])
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
    return [to_wire(r) for r in rows], (rows[-1].id if rows else after)
