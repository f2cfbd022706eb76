"""Moves experiments and trainings from their desired state to what the backend reports.

The store is the truth: the API writes desired state (a new training, a stop request) and wakes
the controller; each pass observes the backend and records what it saw. A pass can be cut off at
any point (the server killed) and the next pass, in this process or a new one, continues from the
store without starting anything twice, because submitting is idempotent in every backend.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Protocol

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from ..backends import Backend, LogLine, Phase
from ..backends.base import NotebookBackend
from ..platform import Platform, now
from ..resources import trainings
from ..resources.schema import KATIB_DEFAULT_METRIC_FILTER
from ..resources.statuses import TRAINING_FINAL, ExperimentStatus, TrainingStatus
from ..store import ExperimentRow, LogRow, MetricRow, NotebookRow, TrainingRow, UsageRow
from .tuning import TuningReconciler
from .workload import training_work

log = logging.getLogger(__name__)


class FamilyReconciler(Protocol):
    """A resource family with a lifecycle of its own (notebooks, pipeline runs, …), reconciled on every pass."""

    def reconcile_once(self) -> None: ...

    def forget(self, work_id: str) -> None:
        """Remove what a deleted resource's work left on the family's backend (if the id is one of its own)."""


PHASE_STATUS = {
    Phase.PENDING: TrainingStatus.CREATE_IN_PROGRESS,
    Phase.STAGING: TrainingStatus.CREATE_IN_PROGRESS,
    Phase.RUNNING: TrainingStatus.RUNNING,
    Phase.UPLOADING: TrainingStatus.COMPLETE_IN_PROGRESS,
    Phase.FAILING: TrainingStatus.FAIL_TRAIN_IN_PROGRESS,
    Phase.STOPPING: TrainingStatus.STOP_IN_PROGRESS,
    Phase.SUCCEEDED: TrainingStatus.COMPLETE,
    Phase.FAILED: TrainingStatus.FAIL_TRAIN,
    Phase.CREATE_FAILED: TrainingStatus.CREATE_FAILED,
    Phase.STOPPED: TrainingStatus.STOPPED,
    Phase.LOST: TrainingStatus.FAIL_TRAIN,
}
STREAM_LEVEL = {"stdout": "INFO", "stderr": "ERROR", "system": "INFO"}  # unless the line says


def utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)


def ingest_usage(session: Session, backend: Backend | NotebookBackend, row: TrainingRow | NotebookRow) -> None:
    """The usage samples the backend has after the row's cursor, stored with the cursor in the same transaction."""
    samples, cursor = backend.read_usage(row.id, row.usage_cursor)
    if samples:
        session.execute(
            insert(UsageRow),
            [{"resource_id": row.id, "time": utc(s.time), "cpu_percent": s.cpu_percent,
              "memory_bytes": s.memory_bytes} for s in samples],
        )  # fmt: skip
    row.usage_cursor = cursor


class Controller:
    def __init__(
        self, platform: Platform, backend: Backend, interval: float = 0.5, families: Sequence[FamilyReconciler] = ()
    ) -> None:
        self.platform = platform
        self.backend = backend
        self.families = list(families)
        self.interval = interval
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._lock = threading.Lock()
        self.tunings = TuningReconciler(platform)

    # -- running ---------------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._loop = asyncio.get_event_loop()
        self._wake = asyncio.Event()
        self._task = self._loop.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def forget(self, work_id: str) -> None:
        """Remove what a deleted resource's work left on the backend."""
        self.backend.delete(work_id)
        for family in self.families:
            family.forget(work_id)

    def wake(self) -> None:
        """Thread-safe: ask for a pass now rather than at the next tick."""
        if self._loop and self._wake:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            try:
                await asyncio.to_thread(self.reconcile_once)
            except Exception:  # one bad pass must not end the loop
                log.exception("reconcile pass failed")
            try:
                await asyncio.wait_for(self._wake.wait(), self.interval)
            except asyncio.TimeoutError:
                pass

    # -- one pass --------------------------------------------------------------------------------------------------

    def reconcile_once(self) -> None:
        with self._lock:
            self._experiments()
            self.tunings.reconcile()  # before trainings: the trials it creates are submitted in this same pass
            if self._trainings(self._open_trainings()):
                # A trial ended: let its tuning judge and start the next trials now, not a tick later.
                self.tunings.reconcile()
                self._trainings(self._open_trainings(unsubmitted=True))
            for family in self.families:
                family.reconcile_once()

    def _open_trainings(self, unsubmitted: bool = False) -> list[str]:
        query = select(TrainingRow.id).where(TrainingRow.status.not_in([s.value for s in TRAINING_FINAL]))
        if unsubmitted:
            query = query.where(TrainingRow.submitted.is_(False))
        with self.platform.store.session() as session:
            return list(session.scalars(query))

    def _trainings(self, ids: list[str]) -> bool:
        """Reconcile these trainings; whether a tuning's trial among them became final."""
        trial_ended = False
        for training_id in ids:
            try:
                trial_ended |= self._training(training_id)
            except Exception:
                log.exception("reconciling training %s failed", training_id)
        return trial_ended

    def _experiments(self) -> None:
        with self.platform.store.session() as session:
            pending = session.scalars(
                select(ExperimentRow).where(
                    ExperimentRow.status.in_(
                        [ExperimentStatus.CREATE_REQUESTED.value, ExperimentStatus.CREATE_IN_PROGRESS.value]
                    )
                )
            ).all()
            for row in pending:
                row.status, row.updated_at = ExperimentStatus.CREATE_IN_PROGRESS.value, now()
        for row in pending:
            try:
                self.platform.tensorboard_dir(row.appkey, row.id).mkdir(parents=True, exist_ok=True)
                status, reason = ExperimentStatus.ACTIVE, None
            except OSError as err:
                status, reason = ExperimentStatus.CREATE_FAILED, f"Could not create the TensorBoard directory: {err}"
            with self.platform.store.session() as session:
                current = session.get(ExperimentRow, row.id)
                if current is not None:
                    current.status, current.status_reason, current.updated_at = status.value, reason, now()

    def _training(self, training_id: str) -> bool:
        """One training's pass; True when it is a tuning's trial that became final."""
        backend = self.backend
        with self.platform.store.session() as session:
            row = session.get(TrainingRow, training_id)
            if row is None or TrainingStatus(row.status) in TRAINING_FINAL:
                return False
            if not row.submitted:
                self._submit(session, row)
                return row.tuning_id is not None and TrainingStatus(row.status) in TRAINING_FINAL
            if row.stop_requested:
                backend.stop(row.id)
            observation = backend.observe(row.id)
            if observation.phase == Phase.PENDING:
                backend.submit(training_work(self.platform, row))  # idempotent: restarts a lost launch only
            self._ingest(session, row, drain=observation.phase.final)
            status = PHASE_STATUS[observation.phase]
            if row.stop_requested and not observation.phase.final:
                status = TrainingStatus.STOP_IN_PROGRESS
            if observation.started_at:
                trainings.started(row, utc(observation.started_at))
            if observation.applied_resources and row.applied_resources != observation.applied_resources:
                row.applied_resources = observation.applied_resources
            if observation.phase.final:
                row.finished_at = utc(observation.finished_at) if observation.finished_at else now()
                if row.started_at is None:
                    row.started_at = row.finished_at
                row.status_reason = observation.message or None
            elif observation.message:
                row.status_reason = observation.message
            if row.status != status.value:
                row.status, row.updated_at = status.value, now()
            return row.tuning_id is not None and observation.phase.final

    def _submit(self, session: Session, row: TrainingRow) -> None:
        experiment = session.get(ExperimentRow, row.experiment_id)
        if experiment is None or experiment.status == ExperimentStatus.CREATE_FAILED.value:
            row.status, row.finished_at = TrainingStatus.CREATE_FAILED.value, now()
            row.status_reason = "Its experiment could not be created."
            return
        if experiment.status != ExperimentStatus.ACTIVE.value:
            return  # wait for the experiment
        claim = (
            update(TrainingRow)
            .where(TrainingRow.id == row.id, TrainingRow.submitted.is_(False), TrainingRow.status == row.status)
            .values(submitted=True, status=TrainingStatus.CREATE_IN_PROGRESS.value, updated_at=now())
        )
        if session.execute(claim).rowcount:  # else a stop request got there first
            self.backend.submit(training_work(self.platform, row))

    # -- logs, metrics, usage --------------------------------------------------------------------------------------

    def _ingest(self, session: Session, row: TrainingRow, drain: bool) -> None:
        """Copy new log lines (and the metrics in them) and usage samples into the store, in this transaction,
        together with the cursors: a pass cut off half-way re-reads from the old cursor, so nothing doubles."""
        backend = self.backend
        pattern = re.compile(row.config.get("metricRegex") or KATIB_DEFAULT_METRIC_FILTER)
        steps: dict[str, int] | None = None
        while True:
            lines, cursor = backend.read_logs(row.id, row.log_cursor)
            if lines:
                steps = steps if steps is not None else self._last_steps(session, row.id)
                self._store_lines(session, row, lines, pattern, steps)
            row.log_cursor = cursor
            if not lines or not drain:
                break
        ingest_usage(session, backend, row)

    def _store_lines(
        self, session: Session, row: TrainingRow, lines: list[LogLine], pattern: re.Pattern, steps: dict[str, int]
    ) -> None:
        logs, metrics = [], []
        for line in lines:
            when = utc(line.time)
            logs.append({
                "appkey": row.appkey, "category": trainings.CATEGORY, "resource_id": row.id, "time": when,
                "log_level": line.level or STREAM_LEVEL.get(line.stream, "INFO"), "body": line.text, "rank": line.rank,
            })  # fmt: skip
            if line.stream == "system" or line.rank != 0:
                continue  # metrics come from the workload's own output, on its first node (as Katib's collector)
            for match in pattern.finditer(line.text):
                try:
                    value = float(match.group(2))
                except (TypeError, ValueError):
                    continue
                name = match.group(1)
                steps[name] = steps.get(name, -1) + 1
                metrics.append({"resource_id": row.id, "name": name, "value": value, "step": steps[name], "time": when})
        session.execute(insert(LogRow), logs)
        if metrics:
            session.execute(insert(MetricRow), metrics)

    @staticmethod
    def _last_steps(session: Session, training_id: str) -> dict[str, int]:
        query = select(MetricRow.name, func.max(MetricRow.step)).where(MetricRow.resource_id == training_id)
        return dict(session.execute(query.group_by(MetricRow.name)).all())
