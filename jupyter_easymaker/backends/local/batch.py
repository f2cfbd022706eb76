"""Batch inferences as detached `serving.batch` processes; what they record is read back from their run dir."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .rundir import process_alive, process_identity, read_json, signal_group, write_json


@dataclass(frozen=True)
class BatchObservation:
    phase: str  # pending | running | succeeded | failed | stopped | lost
    message: str = ""
    counters: dict | None = None
    started_at: float | None = None
    finished_at: float | None = None


class LocalBatchRunner:
    def __init__(self, root: Path, python: str = sys.executable) -> None:
        self.root, self.python = root, python
        self._children: dict[str, subprocess.Popen] = {}
        root.mkdir(parents=True, exist_ok=True)

    def submit(self, run_id: str, spec: dict) -> None:
        """Start the run unless it was started (idempotent)."""
        run = self.root / run_id
        if (run / "process.json").exists():
            return
        run.mkdir(parents=True, exist_ok=True)
        write_json(run / "spec.json", spec)
        with open(run / "runner.log", "ab") as log:
            proc = subprocess.Popen(
                [self.python, "-m", "jupyter_easymaker.serving.batch", str(run)], cwd=run, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self._children[run_id] = proc
        write_json(run / "process.json", process_identity(proc.pid))

    def observe(self, run_id: str) -> BatchObservation:
        run = self.root / run_id
        self._reap()
        result = read_json(run / "result.json")
        if result is not None:
            return _observation(result["phase"], result)
        process = read_json(run / "process.json")
        if process is None:
            return BatchObservation("pending")
        alive = process_alive(process["pid"], process["create_time"])
        result = read_json(run / "result.json")
        if result is not None:
            return _observation(result["phase"], result)
        status = read_json(run / "status.json") or {}
        if not alive:
            tail = (run / "runner.log").read_text(errors="replace").strip().splitlines()[-3:]
            return BatchObservation("lost", "The batch inference process ended without a result: " + " | ".join(tail),
                                    _counters(status), status.get("started_at"))  # fmt: skip
        return BatchObservation("running" if status else "pending", "", _counters(status), status.get("started_at"))

    def stop(self, run_id: str) -> None:
        run = self.root / run_id
        if run.exists():
            (run / "stop").touch()

    def delete(self, run_id: str) -> None:
        run = self.root / run_id
        process = read_json(run / "process.json")
        if process and process_alive(process["pid"], process["create_time"]):
            signal_group(process["pid"], signal.SIGKILL)
        shutil.rmtree(run, ignore_errors=True)

    def _reap(self) -> None:
        for run_id, proc in list(self._children.items()):
            if proc.poll() is not None:
                del self._children[run_id]


def _counters(data: dict) -> dict:
    keys = ("inputFileCount", "inputDataCount", "processCount", "success2xxCount", "fail4xxCount", "fail5xxCount")
    return {k: data[k] for k in keys if k in data}


def _observation(phase: str, data: dict) -> BatchObservation:
    return BatchObservation(phase, data.get("message", ""), _counters(data), data.get("started_at"),
                            data.get("finished_at"))  # fmt: skip
