"""Moves notebook instances through the console's status table via a NotebookBackend.

The API writes the wanted status (START IN PROGRESS, a new launch generation, …); each pass here observes the
backend and either acts (launch, stop, delete) or records what it saw. Every action is idempotent, so a pass cut
off anywhere (the server killed) is simply repeated by the next one, in this process or a new one.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..backends.base import ImageRef, NotebookBackend, NotebookObservation, NotebookSpec, Resources
from ..platform import Platform, now
from ..resources import notebooks
from ..resources.statuses import NOTEBOOK_ACTIVE, NOTEBOOK_LAUNCH_FAILED, NOTEBOOK_LAUNCHING, NotebookStatus
from ..store import NotebookRow
from .reconciler import ingest_usage, utc

log = logging.getLogger(__name__)

S = NotebookStatus
#: Statuses a pass looks at; the others (STOPPED, the FAILED ones) wait for the user.
WATCHED = (S.CREATE_REQUESTED, *NOTEBOOK_LAUNCHING, *NOTEBOOK_ACTIVE, S.STOP_IN_PROGRESS, S.DELETE_IN_PROGRESS)


def notebook_work(platform: Platform, row: NotebookRow, url_root: str) -> NotebookSpec:
    """A notebook's current launch as a backend runs it."""
    config = row.config
    image = platform.catalog.images[config["imageId"]]
    flavor = platform.catalog.instance_types[config["flavorId"]]
    return NotebookSpec(
        notebook_id=row.id,
        generation=row.generation,
        appkey=row.appkey,
        region=platform.region,
        image=ImageRef(image.image_id, image.image_name, image.address, image.framework_code, image.core_type_code),
        resources=Resources(flavor.name, flavor.vcpus, flavor.ram_mb, flavor.gpu_count),
        boot_storage_gb=config["bootStorageSize"],
        data_storage_gb=config["dataStorageSize"],
        mounts=[(m["mountDirName"], m["nasUri"]) for m in config["nasList"]],
        base_url=f"{url_root}{row.id}/",
    )


class NotebookReconciler:
    def __init__(
        self, platform: Platform, backend: NotebookBackend, url_root: str,
        launch_timeout: float = 300.0, stop_timeout: float = 120.0,
    ) -> None:  # fmt: skip
        """`url_root`: the URL path notebooks are served under ({base_url}easymaker/notebooks/)."""
        self.platform = platform
        self.backend = backend
        self.url_root = url_root
        self.launch_timeout = timedelta(seconds=launch_timeout)
        self.stop_timeout = timedelta(seconds=stop_timeout)

    def forget(self, work_id: str) -> None:
        """A notebook's storage is removed by its own delete, not through a training's forget."""

    def reconcile_once(self) -> None:
        with self.platform.store.session() as session:
            ids = session.scalars(select(NotebookRow.id).where(NotebookRow.status.in_([s.value for s in WATCHED])))
            ids = list(ids)
        for notebook_id in ids:
            try:
                with self.platform.store.session() as session:
                    row = session.get(NotebookRow, notebook_id)
                    if row is not None:
                        self._notebook(session, row)
            except Exception:
                log.exception("reconciling notebook %s failed", notebook_id)

    def _notebook(self, session: Session, row: NotebookRow) -> None:
        status = NotebookStatus(row.status)
        if status == S.DELETE_IN_PROGRESS:
            return self._delete(session, row)
        if status == S.CREATE_REQUESTED:
            self._set(row, S.CREATE_IN_PROGRESS)
            session.flush()
            self.backend.start(notebook_work(self.platform, row, self.url_root))
            return
        seen = self.backend.observe(row.id)
        ingest_usage(session, self.backend, row)
        if seen.applied_resources and seen.applied_resources != row.applied_resources:
            row.applied_resources = seen.applied_resources
        if status in NOTEBOOK_LAUNCHING:
            self._launching(row, status, seen)
        elif status in NOTEBOOK_ACTIVE:
            if seen.healthy:
                self._set(row, S.ACTIVE_HEALTHY)
            else:
                reason = seen.message or "The notebook's Jupyter server is not running."
                if seen.ended:
                    reason += " Reboot the notebook."
                self._set(row, S.ACTIVE_UNHEALTHY, reason)
        elif status == S.STOP_IN_PROGRESS:
            if seen.generation is None or seen.ended:
                self._set(row, S.STOPPED)
            else:
                self.backend.stop(row.id)
                if self._overdue(row, self.stop_timeout):
                    self._set(
                        row, S.STOP_FAILED, "The notebook's server did not end in time. Please try to stop again."
                    )

    def _launching(self, row: NotebookRow, status: NotebookStatus, seen: NotebookObservation) -> None:
        failed = NOTEBOOK_LAUNCH_FAILED[status]
        if seen.generation != row.generation:
            if seen.generation is not None and not seen.ended:
                self.backend.stop(row.id)  # the previous launch (a reboot's) ends first
            else:
                self.backend.start(notebook_work(self.platform, row, self.url_root))
        elif seen.ended:
            self._set(row, failed, seen.message or "The notebook's server ended while starting.")
        elif seen.healthy:
            row.started_at = utc(seen.started_at) if seen.started_at else now()
            self._set(row, S.ACTIVE_HEALTHY)
            return
        elif not seen.alive:
            self.backend.start(notebook_work(self.platform, row, self.url_root))  # relaunches only a lost launch
        if self._overdue(row, self.launch_timeout):
            self.backend.stop(row.id)
            seconds = int(self.launch_timeout.total_seconds())
            self._set(row, failed, f"The notebook's Jupyter server did not answer within {seconds} seconds.")

    def _delete(self, session: Session, row: NotebookRow) -> None:
        try:
            self.backend.delete(row.id)
        except OSError as err:
            self._set(row, S.DELETE_FAILED, f"Could not remove the notebook's storage: {err}. Please delete again.")
            return
        notebooks.forget(session, row)

    @staticmethod
    def _overdue(row: NotebookRow, limit: timedelta) -> bool:
        return now() - row.updated_at > limit

    @staticmethod
    def _set(row: NotebookRow, status: NotebookStatus, reason: str | None = None) -> None:
        if row.status != status.value or row.status_reason != reason:
            row.status, row.status_reason, row.updated_at = status.value, reason, now()
