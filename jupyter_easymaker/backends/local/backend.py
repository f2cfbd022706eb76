"""Runs workloads as detached runner processes on this machine and reads back what they record."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from ...storage import StorageConfig
from ..base import LogLine, Observation, Phase, UsageSample, WorkSpec
from .rundir import RunDir, process_alive, read_complete_lines, read_json, signal_group, write_json


class LocalBackend:
    name = "local"

    def __init__(self, runs_dir: Path, storage: StorageConfig, image_pythons: dict[str, str]) -> None:
        """`image_pythons` maps an image id to the Python interpreter that stands in for it here."""
        self.runs_dir = runs_dir
        self.storage = storage
        self.image_pythons = image_pythons
        self._spawned: dict[str, subprocess.Popen] = {}
        runs_dir.mkdir(parents=True, exist_ok=True)

    def rundir(self, work_id: str) -> RunDir:
        return RunDir(self.runs_dir / work_id)

    # -- Backend ---------------------------------------------------------------------------------------------------

    def submit(self, spec: WorkSpec) -> None:
        run = self.rundir(spec.work_id)
        if not run.spec.exists():
            run.root.mkdir(parents=True, exist_ok=True)
            write_json(run.spec, self.plan(spec))
        if run.started.exists() or self._spawned_alive(spec.work_id):
            return
        with open(run.root / "runner.out", "ab") as out:
            self._spawned[spec.work_id] = subprocess.Popen(
                [sys.executable, "-m", "jupyter_easymaker.backends.local.runner", str(run.root)],
                cwd=run.root, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def observe(self, work_id: str) -> Observation:
        run = self.rundir(work_id)
        self._reap(work_id)
        applied = (read_json(run.spec) or {}).get("applied")
        result = read_json(run.result)
        if result is None and run.started.exists() and not run.runner_alive() and not self._spawned_alive(work_id):
            result = read_json(run.result)  # it may have finished between the two reads
            if result is None:
                _end_workers(run)  # nobody supervises them any more
                info = read_json(run.runner) or {}
                return Observation(
                    Phase.LOST, f"The local runner (pid {info.get('pid', '?')}) ended without recording a result.",
                    applied_resources=applied,
                )  # fmt: skip
        if result is not None:
            return Observation(
                Phase(result["phase"]), result["message"], result["started_at"], result["finished_at"], applied
            )
        status = read_json(run.status)
        if status is None:
            return Observation(Phase.PENDING, applied_resources=applied)
        return Observation(Phase(status["phase"]), status["message"], status["started_at"], None, applied)

    def read_logs(self, work_id: str, cursor: int) -> tuple[list[LogLine], int]:
        records, cursor = _read_jsonl(self.rundir(work_id).logs, cursor)
        return [LogLine(r["t"], r["s"], r["r"], r["x"], r.get("l")) for r in records], cursor

    def read_usage(self, work_id: str, cursor: int) -> tuple[list[UsageSample], int]:
        records, cursor = _read_jsonl(self.rundir(work_id).usage, cursor)
        return [UsageSample(r["t"], r["cpu"], r["mem"]) for r in records], cursor

    def stop(self, work_id: str) -> None:
        run = self.rundir(work_id)
        if run.root.exists():
            run.stop.touch()

    def delete(self, work_id: str) -> None:
        run = self.rundir(work_id)
        _end_workers(run)
        self._spawned.pop(work_id, None)
        shutil.rmtree(run.root, ignore_errors=True)

    # -- helpers ---------------------------------------------------------------------------------------------------

    def plan(self, spec: WorkSpec) -> dict:
        """What the runner needs beyond the spec: the interpreter, the storage roots, the resources applied here."""
        available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count()))
        cpus = available[: max(1, min(spec.resources.vcpus, len(available)))]
        gpus = list(range(min(spec.resources.gpu_count, _gpu_count())))
        applied = {
            "cpuAffinity": cpus,
            "threads": len(cpus),
            "visibleGpus": gpus,
            "memoryLimit": f"not enforced on the local backend (instance type asks for {spec.resources.ram_mb} MB)",
            "notes": _resource_notes(spec, cpus, gpus, len(available)),
        }
        return {
            "work": spec.to_json(),
            "python": self.image_pythons.get(spec.image.image_id, sys.executable),
            "storage": {
                "object_store_root": str(self.storage.object_store_root),
                "nas_mounts": {k: str(v) for k, v in self.storage.nas_mounts.items()},
                "local_root": str(self.storage.local_root),
            },
            "cpus": cpus,
            "threads": len(cpus),
            "gpus": gpus,
            "applied": applied,
        }

    def _spawned_alive(self, work_id: str) -> bool:
        proc = self._spawned.get(work_id)
        return proc is not None and proc.poll() is None

    def _reap(self, work_id: str) -> None:
        proc = self._spawned.get(work_id)
        if proc is not None and proc.poll() is not None:
            del self._spawned[work_id]


def _end_workers(run: RunDir) -> None:
    for worker in read_json(run.workers) or []:
        if process_alive(worker["pid"], worker["create_time"]):
            signal_group(worker["pid"], signal.SIGKILL)


def _read_jsonl(path: Path, cursor: int) -> tuple[list[dict], int]:
    lines, cursor = read_complete_lines(path, cursor)
    return [json.loads(line) for line in lines], cursor


def _gpu_count() -> int:
    if not shutil.which("nvidia-smi"):
        return 0
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(1 for line in out.splitlines() if line.startswith("GPU "))


def _resource_notes(spec: WorkSpec, cpus: list[int], gpus: list[int], available: int) -> list[str]:
    notes = []
    if spec.resources.vcpus > available:
        notes.append(f"asked for {spec.resources.vcpus} vCPUs; this machine has {available}, all are used")
    if spec.resources.gpu_count > len(gpus):
        notes.append(f"asked for {spec.resources.gpu_count} GPUs; {len(gpus)} available here")
    if spec.nodes > 1:
        notes.append(f"{spec.nodes} distributed nodes run as local processes sharing CPUs {cpus}")
    return notes
