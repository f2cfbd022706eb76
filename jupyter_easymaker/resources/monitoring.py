"""The Monitoring tab's answer for workloads of several processes (a stage's model-server pool, a batch
inference's workers): the whole workload's series, as every monitoring route answers, and its instances."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..platform import wire_time
from ..store import UsageRow


def usage(session: Session, resource_id: str) -> dict:
    """usageList: per sample time, CPU (% of one core, summed over the processes) and resident memory (summed);
    instanceList: each monitored process with its latest sample and its own series."""
    totals = session.execute(
        select(UsageRow.time, func.sum(UsageRow.cpu_percent), func.sum(UsageRow.memory_bytes))
        .where(UsageRow.resource_id == resource_id)
        .group_by(UsageRow.time)
        .order_by(UsageRow.time)
    ).all()
    rows = session.scalars(
        select(UsageRow).where(UsageRow.resource_id == resource_id, UsageRow.instance.is_not(None))
        .order_by(UsageRow.time)
    ).all()  # fmt: skip
    instances: dict[str, dict] = {}
    for row in rows:
        point = {"time": wire_time(row.time), "cpuPercent": row.cpu_percent, "memoryBytes": row.memory_bytes}
        entry = instances.setdefault(row.instance, {"instanceName": row.instance, "usageList": []})
        entry["usageList"].append(point)
        entry.update({"latestTime": point["time"], "cpuPercent": row.cpu_percent, "memoryBytes": row.memory_bytes})
    return {
        "usageList": [{"time": wire_time(t), "cpuPercent": cpu or 0.0, "memoryBytes": int(memory or 0)}
                      for t, cpu, memory in totals],
        "instanceList": list(instances.values()),
    }  # fmt: skip
