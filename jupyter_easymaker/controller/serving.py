"""Moves endpoint stages and their resources towards what the API asked: a stage's model-server pool serves
exactly its live resources. A change deploys a new generation beside the serving one, which takes over once
ready, so no request is dropped; deleted resources leave after a grace period the gateway's route cache needs."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from datetime import timedelta

from sqlalchemy import delete as sql_delete
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..backends.local.modelserver import LocalModelServers, ServedModelSpec
from ..backends.local.probes import summed
from ..platform import Platform, now
from ..resources import logs, models
from ..resources.statuses import EndpointStatus, GatewayStatus, StageResourceStatus, StageStatus
from ..store import EndpointModelRow, EndpointRow, EndpointStageRow, LogRow, ModelRow, UsageRow

log = logging.getLogger(__name__)

#: How long a removed resource keeps serving: longer than the gateway caches its routes.
REMOVAL_GRACE = timedelta(seconds=2)


SCALE_COOLDOWN_SECONDS = 10.0
SAMPLE_SECONDS = 2.0  # CPU and memory of a stage's pool: the Monitoring tab, and what the autoscaler reads
MAX_PODS = 16
SERVER_ACTION = "Endpoint.ModelServer"  # the action of a model server's own output lines (log management)
_ERROR = re.compile(r"\b(ERROR|Error|Traceback|Exception)\b")


def desired_pods(running: int, value: float, target: float, low: int, high: int) -> int:
    """One step towards keeping `value` (a utilisation %) under `target`, within [low, high]."""
    if value > target:
        running += 1
    elif value < target / 2:
        running -= 1
    return max(low, min(high, running))


class StageReconciler:
    def __init__(self, platform: Platform, servers: LocalModelServers) -> None:
        self.platform, self.servers = platform, servers
        self._last_scaled: dict[str, float] = {}
        self._last_sampled: dict[str, float] = {}

    def forget(self, work_id: str) -> None:
        """A stage's servers are ended by the stage's own lifecycle, not through a work's forget."""

    def reconcile_once(self) -> None:
        with self.platform.store.session() as session:
            stage_ids = session.scalars(select(EndpointStageRow.id)).all()
        for stage_id in stage_ids:
            try:
                with self.platform.store.session() as session:
                    self._stage(session, stage_id)
            except Exception:
                log.exception("reconciling endpoint stage %s failed", stage_id)
        with self.platform.store.session() as session:
            for endpoint in session.scalars(select(EndpointRow)).all():
                self._endpoint(session, endpoint)

    def _stage(self, session: Session, stage_id: str) -> None:
        stage = session.get(EndpointStageRow, stage_id)
        if stage is None:
            return
        resources = session.scalars(select(EndpointModelRow).where(EndpointModelRow.stage_id == stage.id)).all()
        if stage.delete_requested:
            self.servers.remove(stage.id)
            for row in resources:
                session.delete(row)
            session.execute(sql_delete(UsageRow).where(UsageRow.resource_id == stage.id))
            session.execute(sql_delete(LogRow).where(LogRow.resource_id == stage.id))
            session.flush()
            session.delete(stage)
            return
        stamp = now()
        gone = [r for r in resources if r.delete_requested and stamp - r.updated_at >= REMOVAL_GRACE]
        live = [r for r in resources if r not in gone]
        serving = [r for r in live if r.status != StageResourceStatus.CREATE_FAILED.value]
        if not serving:
            self.servers.remove(stage.id)
            stage.address, stage.deployed_revision = None, None
            self._set(stage, StageStatus.ACTIVE if stage.status != StageStatus.CREATE_FAILED.value else None)
            stage.gateway_status = GatewayStatus.ACTIVE.value
            for row in gone:
                session.delete(row)
            return
        specs, pods = [], 1
        for row in serving:
            model = session.get(ModelRow, row.model_id)
            parameters = {p["parameterName"]: p["parameterValue"] for p in model.config.get("parameterList", [])}
            specs.append(ServedModelSpec(model.name, model.config["modelFormatCode"],
                                         models.served_path(self.platform, model), parameters))  # fmt: skip
            pods = max(pods, row.config.get("podCount", 1))
        revision = hashlib.sha256(json.dumps([s.__dict__ for s in specs] + [pods], sort_keys=True).encode())
        revision = revision.hexdigest()[:16]
        if stage.config.get("useLog"):
            self._ingest_output(session, stage, revision)
        if stage.deployed_revision == revision and stage.address:
            seen = self.servers.observe(stage.id, revision)  # also lets retired generations end
            if seen.phase == "failed":  # its processes died: start them again, as a pod is restarted
                log.warning("stage %s stopped serving (%s); restarting it", stage.id, seen.message)
                self.servers.discard(stage.id, revision)
                stage.address, stage.status_reason = None, f"Restarted after its model server ended: {seen.message}"
                self._set(stage, StageStatus.DEPLOY_IN_PROGRESS)
                return
            self._done(session, stage, serving, gone)
            if time.monotonic() - self._last_sampled.get(stage.id, 0.0) >= SAMPLE_SECONDS:
                self._last_sampled[stage.id] = time.monotonic()
                per_process = self.servers.process_usage(stage.id, revision)
                stamp = now()
                session.add_all(UsageRow(resource_id=stage.id, time=stamp, cpu_percent=u.cpu_percent,
                                         memory_bytes=u.memory_bytes, instance=u.instance)
                                for u in per_process)  # fmt: skip
                if per_process:
                    self._autoscale(stage, serving, revision, pods, summed(per_process))
            return
        self.servers.deploy(stage.id, revision, specs, pods)
        seen = self.servers.observe(stage.id, revision)
        first = stage.deployed_revision is None
        if seen.phase == "ready":
            stage.address, stage.deployed_revision = seen.address, revision
            stage.config = {**stage.config, "runningPods": seen.running_pods}
            stage.status_reason = None
            self._done(session, stage, serving, gone)
        elif seen.phase == "starting":
            self._set(stage, StageStatus.CREATE_IN_PROGRESS if first else StageStatus.DEPLOY_IN_PROGRESS)
            if first:
                stage.gateway_status = GatewayStatus.STAGE_DEPLOYING.value
            for row in serving:
                if row.status == StageResourceStatus.CREATE_REQUESTED.value:
                    row.status, row.updated_at = StageResourceStatus.CREATE_IN_PROGRESS.value, stamp
        else:
            self._set(stage, StageStatus.CREATE_FAILED if first else StageStatus.DEPLOY_FAILED)
            stage.status_reason = seen.message
            if first:
                stage.gateway_status = GatewayStatus.STAGE_DEPLOY_FAIL.value
            for row in serving:
                if row.status in (StageResourceStatus.CREATE_REQUESTED.value,
                                  StageResourceStatus.CREATE_IN_PROGRESS.value):  # fmt: skip
                    row.status, row.status_reason, row.updated_at = (
                        StageResourceStatus.CREATE_FAILED.value,
                        seen.message,
                        stamp,
                    )

    def _ingest_output(self, session: Session, stage: EndpointStageRow, revision: str) -> None:
        """Log management: the model servers' new output lines become easymaker.inference records of the stage,
        in this transaction together with the cursor, so nothing is stored twice."""
        cursors = dict(stage.log_cursors or {})
        lines, cursor = self.servers.read_output(stage.id, revision, cursors.get(revision, 0))
        if not lines:
            return
        stamp = now()
        session.execute(insert(LogRow), [
            {"appkey": stage.appkey, "category": logs.INFERENCE, "resource_id": stage.id,
             "parent_id": stage.endpoint_id, "log_level": "ERROR" if _ERROR.search(line) else "INFO", "body": line,
             "time": stamp, "rank": 0, "fields": {"action": SERVER_ACTION}}
            for line in lines
        ])  # fmt: skip
        cursors = {revision: cursor}  # earlier generations' cursors are done with
        stage.log_cursors = cursors

    def _autoscale(
        self, stage: EndpointStageRow, serving: list, revision: str, pods: int, usage: tuple[float, int, int]
    ) -> None:
        """The pod autoscaler: one pod more while usage is over the target, one fewer while under half of it,
        between the resources' pod count and the instance type's vCPUs (× nodes); at most one step per cooldown."""
        scaled = [r.config for r in serving if r.config.get("podAutoScaleEnable")]
        if not scaled or time.monotonic() - self._last_scaled.get(stage.id, 0.0) < SCALE_COOLDOWN_SECONDS:
            return
        flavor = self.platform.catalog.instance_types.get(stage.config["flavorId"])
        nodes = stage.config.get("nodeCount") or 1
        high = max(pods, min(MAX_PODS, (flavor.vcpus if flavor else 1) * nodes))
        cpu, memory, running = usage
        metric = scaled[0].get("scaleMetricCode") or "CPU_UTILIZATION"
        target = scaled[0].get("scaleMetricTarget") or 50
        if metric == "MEMORY_UTILIZATION":
            value = 100 * memory / ((flavor.ram_mb if flavor else 1024) * nodes * 2**20)
        else:
            value = cpu
        wanted = desired_pods(running, value, target, pods, high)
        if wanted != running:
            log.info("stage %s: %s at %.0f%% (target %s%%): %d → %d pods", stage.id, metric, value, target, running,
                     wanted)  # fmt: skip
            self.servers.scale(stage.id, revision, wanted)
            self._last_scaled[stage.id] = time.monotonic()
            config = dict(stage.config)
            config["runningPods"] = wanted
            stage.config = config

    def _done(self, session: Session, stage: EndpointStageRow, serving: list, gone: list) -> None:
        self._set(stage, StageStatus.ACTIVE)
        stage.gateway_status = GatewayStatus.ACTIVE.value
        for row in serving:
            if row.status in (StageResourceStatus.CREATE_REQUESTED.value, StageResourceStatus.CREATE_IN_PROGRESS.value):
                row.status, row.status_reason, row.updated_at = StageResourceStatus.ACTIVE.value, None, now()
        for row in gone:
            session.delete(row)

    @staticmethod
    def _set(row: EndpointStageRow, status: StageStatus | None) -> None:
        if status is not None and row.status != status.value:
            row.status, row.updated_at = status.value, now()

    @staticmethod
    def _endpoint(session: Session, endpoint: EndpointRow) -> None:
        stages = session.scalars(select(EndpointStageRow).where(EndpointStageRow.endpoint_id == endpoint.id)).all()
        if endpoint.status == EndpointStatus.DELETE_IN_PROGRESS.value:
            if not stages:
                session.delete(endpoint)
            return
        statuses = {s.id: s.status for s in stages}
        default = statuses.get(endpoint.default_stage_id or "")
        never_active = endpoint.status in (EndpointStatus.CREATE_REQUESTED.value,
                                           EndpointStatus.CREATE_IN_PROGRESS.value)  # fmt: skip
        if default == StageStatus.CREATE_FAILED.value and never_active:
            status = EndpointStatus.CREATE_FAILED
            endpoint.status_reason = next(s.status_reason for s in stages if s.id == endpoint.default_stage_id)
        elif any(v in (StageStatus.CREATE_REQUESTED.value, StageStatus.CREATE_IN_PROGRESS.value,
                       StageStatus.DEPLOY_IN_PROGRESS.value, StageStatus.DELETE_IN_PROGRESS.value)
                 for v in statuses.values()):  # fmt: skip
            status = EndpointStatus.CREATE_IN_PROGRESS if never_active else EndpointStatus.UPDATE_IN_PROGRESS
        elif any(v in (StageStatus.CREATE_FAILED.value, StageStatus.DEPLOY_FAILED.value) for v in statuses.values()):
            status = EndpointStatus.UPDATE_FAILED
        else:
            status = EndpointStatus.ACTIVE
        if endpoint.status != status.value:
            endpoint.status, endpoint.updated_at = status.value, now()
