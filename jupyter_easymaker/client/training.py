"""`Training`: one training as an object, for notebooks: `client.training_handle("my-run").wait().metrics()`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .api import FINAL_STATUSES

if TYPE_CHECKING:
    from .api import EasyMakerClient


class Training:
    """A training's last known state (`data`, the API's JSON) and what can be done with it."""

    def __init__(self, client: EasyMakerClient, data: dict) -> None:
        self.client = client
        self.data = data
        self.monitor = None  # the live view last displayed for it

    @property
    def id(self) -> str:
        return self.data["trainingId"]

    @property
    def name(self) -> str:
        return self.data["trainingName"]

    @property
    def status(self) -> str:
        return self.data["trainingStatusCode"]

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def __repr__(self) -> str:
        return f"<Training {self.name!r} {self.status} id={self.id}>"

    def _ipython_display_(self) -> None:
        """In a notebook: a live view (status, elapsed, log tail, metrics chart) that turns static when it ends."""
        from ..widgets import TrainingMonitor

        self.monitor = TrainingMonitor(self)
        self.monitor.show()

    def refresh(self) -> Training:
        self.data = self.client.training(self.id)
        return self

    def wait(
        self, timeout: float | None = None, poll: float = 0.5, on_status: Callable[[dict], Any] | None = None
    ) -> Training:
        """Until the training is final; returns itself, refreshed."""
        self.data = self.client.wait_training(self.id, timeout=timeout, poll=poll, on_status=on_status)
        return self

    def stop(self) -> Training:
        self.data = self.client.stop_training(self.id)
        return self

    def logs(self, records: bool = False) -> list:
        """Every log line so far: the bodies (str), or the full records with `records=True`."""
        found = self.client.all_logs(self.id)
        return found if records else [r["body"] for r in found]

    def follow_logs(self, poll: float = 0.5) -> Iterator[dict]:
        return self.client.follow_logs(self.id, poll=poll)

    def metrics(self) -> Any:
        """The metric points (name, step, value, time): a pandas DataFrame if pandas is installed, else dicts."""
        points = self.client.metrics(self.id)["metricList"]
        try:
            import pandas as pd
        except ImportError:
            return points
        frame = pd.DataFrame(points, columns=["name", "step", "value", "time"])
        frame["time"] = pd.to_datetime(frame["time"], utc=True)
        return frame
