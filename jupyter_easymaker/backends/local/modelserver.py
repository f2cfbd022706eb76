"""Stage model servers on this machine: each stage a pool of detached `serving.server` processes on one port.

A stage's configuration is deployed as a *generation* (one per revision of its resources). A new generation
starts beside the serving one and takes over only once it answers ready; the old one is ended a grace period
later, so changing a stage drops no request. Everything is recorded in files under the stage's directory, so
a restarted Jupyter server finds its stages still serving and carries on.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .launch import free_port
from .probes import ProcessProbes, ProcessUsage, summed
from .rundir import process_alive, process_identity, read_complete_lines, read_json, signal_group, write_json

RETIRE_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class ServedModelSpec:
    name: str
    framework: str
    path: str
    parameters: dict[str, str]


@dataclass(frozen=True)
class StageObservation:
    phase: str  # starting | ready | failed
    address: str | None = None
    message: str = ""
    running_pods: int = 0
    pods: int = 0


def screaming_snake(name: str) -> str:
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()


class LocalModelServers:
    def __init__(self, root: Path, python: str = sys.executable) -> None:
        self.root, self.python = root, python
        self._children: list[subprocess.Popen] = []
        self.probes = ProcessProbes()
        root.mkdir(parents=True, exist_ok=True)

    def _dir(self, stage_id: str) -> Path:
        return self.root / stage_id

    def _generation(self, stage_id: str, revision: str) -> Path:
        return self._dir(stage_id) / f"gen-{revision}"

    def deploy(self, stage_id: str, revision: str, models: list[ServedModelSpec], pods: int) -> None:
        """Start the generation for `revision` unless it exists (idempotent: a failed one is not retried)."""
        gen = self._generation(stage_id, revision)
        if (gen / "generation.json").exists():
            return
        gen.mkdir(parents=True, exist_ok=True)
        port = free_port()
        config = {"host": "127.0.0.1", "port": port, "models": [m.__dict__ for m in models]}
        write_json(gen / "config.json", config)
        parameters = {k: v for m in models for k, v in m.parameters.items()}
        args = [part for key, value in parameters.items() for part in (f"--{key}", value)]
        command = [self.python, "-m", "jupyter_easymaker.serving.server", str(gen / "config.json"), *args]
        env_extra = {screaming_snake(k): v for k, v in parameters.items()}
        processes = [self._spawn(gen, command, env_extra) for _ in range(max(1, pods))]
        write_json(gen / "generation.json", {"revision": revision, "port": port, "processes": processes,
                                             "started": time.time(), "command": command,
                                             "env": env_extra})  # fmt: skip

    def _spawn(self, gen: Path, command: list[str], env_extra: dict[str, str]) -> dict:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **env_extra}
        with open(gen / "server.log", "ab") as log:
            proc = subprocess.Popen(command, cwd=gen, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        self._children.append(proc)
        return process_identity(proc.pid)

    def scale(self, stage_id: str, revision: str, pods: int) -> int:
        """Grow or shrink a generation's pool to `pods` processes on its port; the processes running after."""
        gen = self._generation(stage_id, revision)
        info = read_json(gen / "generation.json")
        if info is None:
            return 0
        alive = [p for p in info["processes"] if process_alive(p["pid"], p["create_time"])]
        while len(alive) < pods:
            alive.append(self._spawn(gen, info["command"], info.get("env", {})))
        while len(alive) > max(1, pods):
            signal_group(alive.pop()["pid"], signal.SIGTERM)  # the server finishes what it is answering first
        write_json(gen / "generation.json", {**info, "processes": alive})
        return len(alive)

    def usage(self, stage_id: str, revision: str) -> tuple[float, int, int]:
        """(mean CPU % per process since the last call, total resident memory in bytes, processes)."""
        return summed(self.process_usage(stage_id, revision))

    def process_usage(self, stage_id: str, revision: str) -> list[ProcessUsage]:
        """Each model-server process of the generation's pool: CPU % (of one core) since the last call, memory."""
        info = read_json(self._generation(stage_id, revision) / "generation.json") or {}
        return self.probes.sample([(f"model-server-{i}", p["pid"], p["create_time"])
                                   for i, p in enumerate(info.get("processes", []))])  # fmt: skip

    def observe(self, stage_id: str, revision: str) -> StageObservation:
        self._reap()
        gen = self._generation(stage_id, revision)
        info = read_json(gen / "generation.json")
        if info is None:
            return StageObservation("starting")
        alive = [p for p in info["processes"] if process_alive(p["pid"], p["create_time"])]
        pods = len(info["processes"])
        if not alive:
            tail = (gen / "server.log").read_text(errors="replace").strip().splitlines()[-5:]
            return StageObservation("failed", message="The model server ended: " + " | ".join(tail), pods=pods)
        address = f"127.0.0.1:{info['port']}"
        if not _ready(address):
            return StageObservation("starting", running_pods=0, pods=pods)
        self._promote(stage_id, revision)
        return StageObservation("ready", address, running_pods=len(alive), pods=pods)

    def _promote(self, stage_id: str, revision: str) -> None:
        """The generation serving `revision` becomes current; the others retire after a grace period."""
        stage = self._dir(stage_id)
        current = read_json(stage / "current.json") or {}
        if current.get("revision") != revision:
            write_json(stage / "current.json", {"revision": revision, "since": time.time()})
        for gen in stage.glob("gen-*"):
            if gen.name != f"gen-{revision}":
                retired = gen / "retired"
                if not retired.exists():
                    retired.write_text(str(time.time()))
                elif time.time() - float(retired.read_text() or 0) > RETIRE_GRACE_SECONDS:
                    _end(gen)
                    shutil.rmtree(gen, ignore_errors=True)

    def discard(self, stage_id: str, revision: str) -> None:
        """Forget a generation (ending what is left of it), so the next deploy of its revision starts afresh."""
        gen = self._generation(stage_id, revision)
        _end(gen)
        shutil.rmtree(gen, ignore_errors=True)

    def remove(self, stage_id: str) -> None:
        stage = self._dir(stage_id)
        for gen in stage.glob("gen-*"):
            _end(gen)
        shutil.rmtree(stage, ignore_errors=True)
        self._reap()

    def read_output(self, stage_id: str, revision: str, cursor: int) -> tuple[list[str], int]:
        """The generation's model-server output lines (stdout and stderr of its pool) after byte offset `cursor`."""
        lines, cursor = read_complete_lines(self._generation(stage_id, revision) / "server.log", cursor)
        return [line.decode(errors="replace") for line in lines], cursor

    def log_tail(self, stage_id: str, revision: str, lines: int = 20) -> list[str]:
        log = self._generation(stage_id, revision) / "server.log"
        return log.read_text(errors="replace").splitlines()[-lines:] if log.exists() else []

    def _reap(self) -> None:
        self._children = [p for p in self._children if p.poll() is None]


def _end(gen: Path) -> None:
    for proc in (read_json(gen / "generation.json") or {}).get("processes", []):
        if process_alive(proc["pid"], proc["create_time"]):
            signal_group(proc["pid"], signal.SIGTERM)


def _ready(address: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{address}/v2/health/ready", timeout=1) as response:
            return response.status == 200 and json.loads(response.read()).get("ready") is True
    except (OSError, urllib.error.URLError, ValueError):
        return False
