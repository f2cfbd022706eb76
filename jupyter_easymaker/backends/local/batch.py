"""Batch inferences as detached `serving.batch` processes; what they record is read back from their run dir."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psutil

from .probes import ProcessProbes, ProcessUsage
from .rundir import process_alive, process_identity, read_complete_lines, read_json, signal_group, write_json


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
        self.probes = ProcessProbes()
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

    def read_log(self, run_id: str, cursor: int) -> tuple[list[dict], int]:
        """Log management: the run's log records ({"t", "level", "body"}) after byte offset `cursor`."""
        records = []
        while True:
            lines, after = read_complete_lines(self.root / run_id / "log.jsonl", cursor)
            for line in lines:
                try:
                    records.append(json.loads(line))
                except ValueError:
                    continue
            if after == cursor:
                return records, cursor
            cursor = after

    def process_usage(self, run_id: str) -> list[ProcessUsage]:
        """The run's process and each of its inference workers (the Monitoring tab's instances)."""
        process = read_json(self.root / run_id / "process.json")
        if process is None or not process_alive(process["pid"], process["create_time"]):
            return []
        named = [("batch-runner", process["pid"], process["create_time"])]
        try:
            children = sorted(psutil.Process(process["pid"]).children(recursive=True), key=lambda c: c.pid)
            workers = [c for c in children if "resource_tracker" not in " ".join(c.cmdline())]
            named += [(f"worker-{i}", c.pid, c.create_time()) for i, c in enumerate(workers, 1)]
        except psutil.Error:
            pass
        return self.probes.sample(named)

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
