"""Moves batch inferences through their lifecycle: submit once, copy counters while running, record the end."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

from sqlalchemy import insert, select, update

from ..backends.local.batch import LocalBatchRunner
from ..platform import Platform, now
from ..resources import logs, models
from ..resources.statuses import BATCH_FINAL, BatchInferenceStatus
from ..store import BatchInferenceRow, LogRow, ModelRow, UsageRow

log = logging.getLogger(__name__)

FINAL = {
    "succeeded": (BatchInferenceStatus.COMPLETE, "COMPLETE IN PROGRESS"),
    "failed": (BatchInferenceStatus.FAIL_BATCH_INFERENCE, "FAIL BATCH INFERENCE IN PROGRESS"),
    "lost": (BatchInferenceStatus.FAIL_BATCH_INFERENCE, "FAIL BATCH INFERENCE IN PROGRESS"),
    "stopped": (BatchInferenceStatus.STOPPED, None),
}


def utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)


SAMPLE_SECONDS = 2.0  # CPU and memory of a running batch inference's processes (its Monitoring tab)


class BatchReconciler:
    def __init__(self, platform: Platform, runner: LocalBatchRunner) -> None:
        self.platform, self.runner = platform, runner
        self._last_sampled: dict[str, float] = {}

    def reconcile_once(self) -> None:
        with self.platform.store.session() as session:
            ids = session.scalars(select(BatchInferenceRow.id).where(
                BatchInferenceRow.status.not_in([s.value for s in BATCH_FINAL]))).all()  # fmt: skip
        for batch_id in ids:
            try:
                self._one(batch_id)
            except Exception:
                log.exception("reconciling batch inference %s failed", batch_id)

    def forget(self, work_id: str) -> None:
        """A deleted batch inference's work id is `batch:{id}`."""
        kind, _, batch_id = work_id.partition(":")
        if kind == "batch" and batch_id:
            self.runner.delete(batch_id)

    def _one(self, batch_id: str) -> None:
        with self.platform.store.session() as session:
            row = session.get(BatchInferenceRow, batch_id)
            if row is None or BatchInferenceStatus(row.status) in BATCH_FINAL:
                return
            if not row.submitted:
                claim = (update(BatchInferenceRow)
                         .where(BatchInferenceRow.id == row.id, BatchInferenceRow.submitted.is_(False),
                                BatchInferenceRow.status == row.status)
                         .values(submitted=True, status=BatchInferenceStatus.CREATE_IN_PROGRESS.value,
                                 updated_at=now()))  # fmt: skip
                if session.execute(claim).rowcount:
                    self.runner.submit(row.id, self._spec(session, row))
                return
            if row.stop_requested:
                self.runner.stop(row.id)
            seen = self.runner.observe(row.id)
            if row.config.get("useLog"):
                self._ingest_logs(session, row)
            if seen.phase == "running" and time.monotonic() - self._last_sampled.get(row.id, 0.0) >= SAMPLE_SECONDS:
                self._last_sampled[row.id] = time.monotonic()
                stamp = now()
                session.add_all(UsageRow(resource_id=row.id, time=stamp, cpu_percent=u.cpu_percent,
                                         memory_bytes=u.memory_bytes, instance=u.instance)
                                for u in self.runner.process_usage(row.id))  # fmt: skip
            elif seen.phase in FINAL:
                self._last_sampled.pop(row.id, None)
            if seen.counters:
                row.counters = seen.counters
            if seen.started_at and row.started_at is None:
                row.started_at = utc(seen.started_at)
            if seen.phase in FINAL:
                status = FINAL[seen.phase][0]
                row.finished_at = utc(seen.finished_at) if seen.finished_at else now()
                row.started_at = row.started_at or row.finished_at
                row.status_reason = seen.message or None
            elif row.stop_requested:
                status = BatchInferenceStatus.STOP_IN_PROGRESS
            elif seen.phase == "running":
                status = BatchInferenceStatus.RUNNING
            else:
                status = BatchInferenceStatus.CREATE_IN_PROGRESS
            if row.status != status.value:
                row.status, row.updated_at = status.value, now()

    def _ingest_logs(self, session, row: BatchInferenceRow) -> None:
        """Log management: the run's new records, stored in this transaction together with the cursor. The run
        writes its last record before its result, so the pass that sees the end stores everything."""
        records, cursor = self.runner.read_log(row.id, row.log_cursor or 0)
        if records:
            session.execute(insert(LogRow), [
                {"appkey": row.appkey, "category": logs.BATCH_INFERENCE, "resource_id": row.id, "time": utc(r["t"]),
                 "log_level": r.get("level", "INFO"), "body": r["body"], "rank": 0}
                for r in records
            ])  # fmt: skip
        row.log_cursor = cursor

    def _spec(self, session, row: BatchInferenceRow) -> dict:
        config = row.config
        model = session.get(ModelRow, row.model_id)
        parameters = {p["parameterName"]: p["parameterValue"] for p in model.config.get("parameterList", [])}
        return {
            "model": {"name": model.name, "framework": model.config["modelFormatCode"],
                      "path": models.served_path(self.platform, model), "parameters": parameters},
            "input_dir": str(models.artifact_path(self.platform, config["inputDataUri"])),
            "input_type": config["inputDataTypeCode"],
            "include": config.get("includeGlobPattern"),
            "exclude": config.get("excludeGlobPattern"),
            "output_dir": str(models.artifact_path(self.platform, config["outputUploadUri"])),
            "batch_size": config["maxBatchSize"],
            "inference_timeout": config["inferenceTimeoutSeconds"],
            "workers": config["podCount"],
            "deadline": time.time() + config["timeoutMinutes"] * 60,
            "use_log": bool(config.get("useLog")),
        }  # fmt: skip
