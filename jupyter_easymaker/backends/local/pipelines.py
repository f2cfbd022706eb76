"""Runs pipeline runs as detached processes (pipeline_runner.py) on this machine and reads back what they record."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

from ..base import Observation, Phase
from .rundir import RunDir, process_alive, read_json, signal_group, write_json


class LocalPipelineBackend:
    name = "local"

    def __init__(self, runs_dir: Path) -> None:
        self.runs_dir = runs_dir
        self._spawned: dict[str, subprocess.Popen] = {}
        runs_dir.mkdir(parents=True, exist_ok=True)

    def rundir(self, run_id: str) -> RunDir:
        return RunDir(self.runs_dir / run_id)

    def submit(self, run_id: str, plan: dict) -> None:
        """Start the run unless it was started already. `plan`: manifest (IR YAML), arguments, env."""
        run = self.rundir(run_id)
        if not run.spec.exists():
            run.root.mkdir(parents=True, exist_ok=True)
            write_json(run.spec, plan)
        if run.started.exists() or self._alive(run_id):
            return
        with open(run.root / "runner.out", "ab") as out:
            self._spawned[run_id] = subprocess.Popen(
                [sys.executable, "-m", "jupyter_easymaker.backends.local.pipeline_runner", str(run.root)],
                cwd=run.root, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def observe(self, run_id: str) -> Observation:
        run = self.rundir(run_id)
        proc = self._spawned.get(run_id)
        if proc is not None and proc.poll() is not None:
            del self._spawned[run_id]
        result = read_json(run.result)
        if result is None and run.started.exists() and not run.runner_alive() and not self._alive(run_id):
            result = read_json(run.result)
            if result is None:
                info = read_json(run.runner) or {}
                return Observation(Phase.LOST, f"The pipeline run process (pid {info.get('pid', '?')}) ended "
                                   "without recording a result.")  # fmt: skip
        if result is not None:
            return Observation(Phase(result["phase"]), result["message"], result["started_at"], result["finished_at"])
        status = read_json(run.status)
        if status is None:
            return Observation(Phase.PENDING)
        return Observation(Phase(status["phase"]), status["message"], status["started_at"])

    def tasks(self, run_id: str) -> dict:
        return read_json(self.rundir(run_id).root / "tasks.json") or {}

    def stop(self, run_id: str) -> None:
        """The run process ends its tasks' process groups and records STOPPED; if it is gone, its group is ended."""
        run = self.rundir(run_id)
        if not run.root.exists():
            return
        run.stop.touch()
        info = read_json(run.runner)
        if info and not process_alive(info["pid"], info["create_time"]):
            signal_group(info["pid"], signal.SIGKILL)

    def delete(self, run_id: str) -> None:
        run = self.rundir(run_id)
        info = read_json(run.runner)
        if info and process_alive(info["pid"], info["create_time"]):
            signal_group(info["pid"], signal.SIGKILL)
        self._spawned.pop(run_id, None)
        shutil.rmtree(run.root, ignore_errors=True)

    def _alive(self, run_id: str) -> bool:
        proc = self._spawned.get(run_id)
        return proc is not None and proc.poll() is None
