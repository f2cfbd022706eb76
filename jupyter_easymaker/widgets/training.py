"""`TrainingMonitor`: a live view of one training that updates from a background thread, never blocking the kernel.

Its state (status, elapsed seconds, log tail, metric series) is synced widget state, so the frontend — and a
notebook saved with widget state — carries it. When the training ends, the output is replaced by the same view as
static HTML, so a reopened notebook shows it without a kernel (a widget alone would show "model not found").
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import ipywidgets as widgets
from IPython.display import display
from traitlets import Dict, Float, List, Unicode

from . import render

if TYPE_CHECKING:
    from ..client.training import Training

TAIL_LINES = 30
METRIC_POINTS = 200
METRICS_EVERY = 3.0  # seconds between metric reads


class TrainingMonitor(widgets.VBox):
    status = Unicode("").tag(sync=True)
    elapsed_seconds = Float(0).tag(sync=True)
    log_tail = List(Unicode()).tag(sync=True)
    metrics = Dict().tag(sync=True)  # {name: [[step, value], …]}

    def __init__(self, training: Training, poll: float = 1.0, **kwargs) -> None:
        self.training = training
        self.poll = poll
        self._header = widgets.HTML()
        self._chart = widgets.HTML()
        self._logs = widgets.HTML()
        self._stop = widgets.Button(description="Stop", icon="stop", tooltip="Stop this training")
        self._stop.on_click(lambda _: self._stop_training())
        super().__init__(children=[self._header, self._chart, self._logs, self._stop], **kwargs)
        self.add_class("em-training-monitor")
        self._after = 0
        self._lines: list[str] = []
        self._metrics_read = 0.0
        self._handle = None
        self._thread: threading.Thread | None = None
        self._done = threading.Event()

    # -- showing -------------------------------------------------------------------------------------------------------

    def show(self) -> None:
        """Display live (static at once if the training is already final), then follow it in the background."""
        self.refresh()
        if self.training.is_final:
            display(self.static_bundle(), raw=True)
            self.close()
            return
        self._handle = display({**self._repr_mimebundle_(), **self.static_bundle()}, raw=True, display_id=True)
        self._thread = threading.Thread(target=self._follow, name=f"em-monitor-{self.training.id}", daemon=True)
        self._thread.start()

    def static_bundle(self) -> dict:
        return {"text/html": self.html(), "text/plain": self.text()}

    def html(self) -> str:
        return render.view(self.training.data, self._lines, self._series())

    def text(self) -> str:
        data = self.training.data
        line = f"{data['trainingName']}: {self.status} ({render.duration(self.elapsed_seconds)})"
        return "\n".join([line, *self._lines[-5:]])

    def wait(self, timeout: float | None = None) -> bool:
        """Until the monitor has seen the training end (for tests and scripts); True if it has."""
        return self._done.wait(timeout)

    # -- following -----------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the training, its new log lines and (every few seconds, and at the end) its metrics."""
        client = self.training.client
        self.training.refresh()
        records = client.all_logs(self.training.id, after=self._after)
        if records:
            self._after = records[-1]["logId"]
            self._lines = (self._lines + [r["body"] for r in records])[-TAIL_LINES:]
        now = time.monotonic()
        if self.training.is_final or now - self._metrics_read >= METRICS_EVERY:
            points = client.metrics(self.training.id, max_points=METRIC_POINTS)["metricList"]
            self.metrics = {name: [list(p) for p in pts] for name, pts in render.series_from(points).items()}
            self._metrics_read = now
        self.status = self.training.status
        self.elapsed_seconds = float(self.training.data.get("elapsedTimeSeconds") or 0)
        self.log_tail = list(self._lines)
        self._header.value = render.header(self.training.data)
        self._chart.value = render.chart(self._series())
        self._logs.value = render.log_tail(self._lines)
        self._stop.disabled = self.training.is_final or self.status == "STOP IN PROGRESS"

    def _series(self) -> dict[str, list[tuple[float, float]]]:
        return {name: [(s, v) for s, v in points] for name, points in self.metrics.items()}

    def _follow(self) -> None:
        failures = 0
        while not self._done.is_set():
            time.sleep(self.poll)
            try:
                self.refresh()
                failures = 0
            except Exception as err:  # the server may restart: keep trying for a while, then say why we stopped
                failures += 1
                if failures >= 60:
                    self._header.value += f"<div>Stopped following: {render.escape(str(err))}</div>"
                    self._done.set()
                continue
            if self.training.is_final:
                self._finish()

    def _finish(self) -> None:
        if self._handle is not None:
            self._handle.update(self.static_bundle(), raw=True)
        self._done.set()
        self.close()

    def _stop_training(self) -> None:
        self._stop.disabled = True
        try:
            self.training.stop()
        except Exception as err:  # shown in the view rather than raised into a frontend callback
            self._header.value += f"<div>Could not stop: {render.escape(str(err))}</div>"
