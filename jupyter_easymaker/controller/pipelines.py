"""Moves pipeline runs through their lifecycle and turns recurring runs' schedules into runs.

Schedules are evaluated from the store: each recurring run keeps the last tick it created a run for,
and that is written in the same transaction as the run. After any downtime the next pass sees exactly
which ticks were missed: with catch-up every one of them becomes a run (in order, as max concurrency
allows), without catch-up only the latest one does.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from sqlalchemy import insert, select, update

from ..backends import Observation, Phase
from ..backends.local.rundir import read_complete_lines
from ..platform import Platform, now
from ..resources import pipeline_runs, recurring_runs
from ..resources.pipeline_schedule import Trigger
from ..resources.statuses import PIPELINE_RUN_FINAL, ExperimentStatus, PipelineRunStatus, RecurringRunStatus
from ..storage import resolve
from ..store import ExperimentRow, LogRow, PipelineRecurringRunRow, PipelineRow, PipelineRunRow

log = logging.getLogger(__name__)

PHASE_STATUS = {
    Phase.PENDING: PipelineRunStatus.CREATE_IN_PROGRESS,
    Phase.STAGING: PipelineRunStatus.CREATE_IN_PROGRESS,
    Phase.RUNNING: PipelineRunStatus.RUNNING,
    Phase.UPLOADING: PipelineRunStatus.COMPLETE_IN_PROGRESS,
    Phase.FAILING: PipelineRunStatus.FAIL_PIPELINE_RUN_IN_PROGRESS,
    Phase.STOPPING: PipelineRunStatus.STOP_IN_PROGRESS,
    Phase.SUCCEEDED: PipelineRunStatus.COMPLETE,
    Phase.FAILED: PipelineRunStatus.FAIL_PIPELINE_RUN,
    Phase.CREATE_FAILED: PipelineRunStatus.CREATE_FAILED,
    Phase.STOPPED: PipelineRunStatus.STOPPED,
    Phase.LOST: PipelineRunStatus.FAIL_PIPELINE_RUN,
}


class PipelineBackend(Protocol):
    def submit(self, run_id: str, plan: dict) -> None: ...
    def observe(self, run_id: str) -> Observation: ...
    def tasks(self, run_id: str) -> dict: ...
    def stop(self, run_id: str) -> None: ...
    def delete(self, run_id: str) -> None: ...


_ERROR = re.compile(r"Traceback|Error\b|ERROR")


def _read_lines(path: Path, cursor: int) -> tuple[list[str], int]:
    lines, cursor = read_complete_lines(path, cursor)
    return [line.decode("utf-8", errors="replace") for line in lines], cursor


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)


class PipelineReconciler:
    def __init__(self, platform: Platform, backend: PipelineBackend) -> None:
        self.platform = platform
        self.backend = backend

    def forget(self, work_id: str) -> None:
        self.backend.delete(work_id)

    def reconcile_once(self) -> None:
        self.schedules()
        with self.platform.store.session() as session:
            ids = session.scalars(
                select(PipelineRunRow.id).where(PipelineRunRow.status.not_in([s.value for s in PIPELINE_RUN_FINAL]))
            ).all()
        for run_id in ids:
            try:
                self.run(run_id)
            except Exception:
                log.exception("reconciling pipeline run %s failed", run_id)

    # -- recurring runs ---------------------------------------------------------------------------------------------

    def schedules(self) -> None:
        with self.platform.store.session() as session:
            ids = session.scalars(
                select(PipelineRecurringRunRow.id).where(
                    PipelineRecurringRunRow.status != RecurringRunStatus.CREATE_FAILED.value
                )
            ).all()
        for recurring_id in ids:
            try:
                self.schedule(recurring_id)
            except Exception:
                log.exception("scheduling recurring run %s failed", recurring_id)

    def schedule(self, recurring_id: str) -> None:
        with self.platform.store.session() as session:
            row = session.get(PipelineRecurringRunRow, recurring_id)
            if row is None:
                return
            if row.status == RecurringRunStatus.CREATE_REQUESTED.value:
                experiment = session.get(ExperimentRow, row.experiment_id)
                if experiment is None or experiment.status == ExperimentStatus.CREATE_FAILED.value:
                    row.status, row.status_reason = RecurringRunStatus.CREATE_FAILED.value, "Its experiment failed."
                    return
                if experiment.status != ExperimentStatus.ACTIVE.value:
                    return
            status = recurring_runs.status_for(row)
            if row.status != status.value:
                # Conditional: a stop or start committed since this pass read the row wins; the next pass sees it.
                table = PipelineRecurringRunRow
                changed = session.execute(
                    update(table)
                    .where(table.id == row.id, table.enabled == row.enabled, table.status == row.status)
                    .values(status=status.value, updated_at=now())
                ).rowcount
                if not changed:
                    return
                session.refresh(row)
            if not row.enabled:
                return
            pipeline = session.get(PipelineRow, row.pipeline_id)
            if pipeline is None:
                return
            trigger = Trigger(row.config, row.created_at)
            active = recurring_runs.active_runs(session, row.id)
            limit = row.config.get("maxConcurrencyCount", 1)
            catch_up = row.config.get("useCatchup", True)
            while active < limit:
                tick = trigger.due(row.last_scheduled_at, now(), catch_up)
                if tick is None:
                    break
                name = f"{row.name[:30]}-{tick:%Y%m%d%H%M%S}"
                config = {k: v for k, v in row.config.items() if k in (*pipeline_runs.RUN_FIELDS, "arguments")}
                pipeline_runs.insert(session, row.appkey, name, row.description, pipeline, row.experiment_id, config,
                                     recurring=row, scheduled_at=tick)  # fmt: skip
                row.last_scheduled_at, row.updated_at = tick, now()
                active += 1
                session.flush()

    # -- runs -------------------------------------------------------------------------------------------------------

    def run(self, run_id: str) -> None:
        backend = self.backend
        with self.platform.store.session() as session:
            row = session.get(PipelineRunRow, run_id)
            if row is None or PipelineRunStatus(row.status) in PIPELINE_RUN_FINAL:
                return
            if not row.submitted:
                self._submit(session, row)
                return
            if row.stop_requested:
                backend.stop(row.id)
            observation = backend.observe(row.id)
            if observation.phase == Phase.PENDING:
                backend.submit(row.id, self.plan(row))  # idempotent: restarts a lost launch only
            tasks = backend.tasks(row.id)
            if tasks != row.tasks:
                row.tasks = tasks
            if row.config.get("useLog"):
                self._ingest_logs(session, row)
            status = PHASE_STATUS[observation.phase]
            if row.stop_requested and not observation.phase.final:
                status = PipelineRunStatus.STOP_IN_PROGRESS
            if observation.started_at and row.started_at is None:
                row.started_at = _utc(observation.started_at)
            if observation.phase.final:
                row.finished_at = _utc(observation.finished_at) if observation.finished_at else now()
                row.started_at = row.started_at or row.finished_at
                row.status_reason = observation.message or None
            if row.status != status.value:
                row.status, row.updated_at = status.value, now()

    def _ingest_logs(self, session, row: PipelineRunRow) -> None:
        """Log management: each task's new log lines become Log & Crash Search records of the run (category
        easymaker.pipeline), in this transaction together with the cursors, so nothing is stored twice."""
        cursors = dict(row.log_cursors or {})
        records = []
        for task_id, task in sorted(row.tasks.items()):
            if not task.get("log"):
                continue
            lines, cursor = [], cursors.get(task_id, 0)
            while True:
                more, after = _read_lines(Path(task["log"]), cursor)
                lines += more
                if after == cursor:
                    break
                cursor = after
            cursors[task_id] = cursor
            stamp = now()
            records += [
                {"appkey": row.appkey, "category": pipeline_runs.CATEGORY, "resource_id": row.id, "time": stamp,
                 "log_level": "ERROR" if _ERROR.search(line) else "INFO", "body": f"[{task_id}] {line}", "rank": 0}
                for line in lines
            ]  # fmt: skip
        if records:
            session.execute(insert(LogRow), records)
        if cursors != row.log_cursors:
            row.log_cursors = cursors

    def _submit(self, session, row: PipelineRunRow) -> None:
        experiment = session.get(ExperimentRow, row.experiment_id)
        if experiment is None or experiment.status == ExperimentStatus.CREATE_FAILED.value:
            row.status, row.finished_at = PipelineRunStatus.CREATE_FAILED.value, now()
            row.status_reason = "Its experiment could not be created."
            return
        if experiment.status != ExperimentStatus.ACTIVE.value:
            return
        claim = (
            update(PipelineRunRow)
            .where(PipelineRunRow.id == row.id, PipelineRunRow.submitted.is_(False))
            .where(PipelineRunRow.status == row.status)
            .values(submitted=True, status=PipelineRunStatus.CREATE_IN_PROGRESS.value, updated_at=now())
        )
        if session.execute(claim).rowcount:
            self.backend.submit(row.id, self.plan(row))

    def plan(self, row: PipelineRunRow) -> dict:
        env = {
            "EM_PIPELINE_RUN_ID": row.id,
            "EM_EXPERIMENT_ID": row.experiment_id,
            "EM_APPKEY": row.appkey,
            "EM_REGION": self.platform.region,
        }
        for nas in row.config.get("nasList") or []:
            location = resolve(nas["nasUri"], self.platform.storage)
            if location.local_path is not None:
                env[f"EM_NAS_{re.sub(r'[^A-Za-z0-9_]', '_', nas['mountDirName']).upper()}"] = str(location.local_path)
        return {"manifest": row.manifest, "arguments": row.config.get("arguments") or {}, "env": env}
