"""Notebook instances on this machine: each launch is a detached supervisor running a JupyterLab server.

Per notebook, under `root/{notebook_id}/`:

- `data/`  the data storage (what the notebook sees as /root/easymaker): its root directory, kept until deletion;
- `boot/`  the boot area (HOME, Jupyter's config, data and runtime directories, TMPDIR): reset on every launch;
- the files through which supervisor and server talk (`NotebookDir`), all naming the launch (generation) they
  belong to, so nothing a previous launch left is mistaken for the current one.

The supervisor (`notebook_runner.py`) runs in a session of its own, so killing the Jupyter server that started it
leaves the notebook running; a new server finds it again through these files.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

from ...storage import StorageConfig
from ..base import NotebookConnection, NotebookObservation, NotebookSpec, UsageSample
from .backend import _read_jsonl
from .rundir import process_alive, read_json, signal_group, write_json

PROBE_SECONDS = 1.0
KILL_GRACE_SECONDS = 5.0


class NotebookDir:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.boot = root / "boot"
        self.spec = root / "spec.json"  # the launch wanted now: its generation and how to run it
        self.claims = root / "claims"  # claims/{generation}: created once, by the supervisor that owns that launch
        self.runner = root / "runner.json"  # the supervisor: pid, create_time, generation
        self.server = root / "server.json"  # the Jupyter server: pid, create_time, generation, port, token
        self.result = root / "result.json"  # how a launch ended: generation, message, finished_at
        self.usage = root / "usage.jsonl"
        self.log = root / "server.log"

    def stop_file(self, generation: int) -> Path:
        return self.root / f"stop-{generation}"

    def claim(self, generation: int) -> bool:
        self.claims.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.claims / str(generation), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        os.write(fd, str(time.time()).encode())
        os.close(fd)
        return True

    def claimed(self, generation: int) -> bool:
        return (self.claims / str(generation)).exists()

    def record(self, path: Path, generation: int) -> dict | None:
        """`path`'s JSON if it belongs to this launch."""
        data = read_json(path)
        return data if data and data.get("generation") == generation else None


class LocalNotebooks:
    """The local NotebookBackend."""

    def __init__(self, root: Path, storage: StorageConfig, image_pythons: dict[str, str]) -> None:
        self.root = root
        self.storage = storage
        self.image_pythons = image_pythons
        self._spawned: dict[str, subprocess.Popen] = {}
        root.mkdir(parents=True, exist_ok=True)

    def dir(self, notebook_id: str) -> NotebookDir:
        return NotebookDir(self.root / notebook_id)

    # -- NotebookBackend -------------------------------------------------------------------------------------------

    def start(self, spec: NotebookSpec) -> None:
        nb = self.dir(spec.notebook_id)
        if nb.claimed(spec.generation) or self._spawned_alive(spec.notebook_id):
            return
        nb.root.mkdir(parents=True, exist_ok=True)
        nb.data.mkdir(exist_ok=True)
        write_json(nb.spec, self.plan(spec))
        with open(nb.root / "supervisor.out", "ab") as out:
            self._spawned[spec.notebook_id] = subprocess.Popen(
                [sys.executable, "-m", "jupyter_easymaker.backends.local.notebook_runner", str(nb.root),
                 str(spec.generation)],
                cwd=nb.root, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def observe(self, notebook_id: str) -> NotebookObservation:
        nb = self.dir(notebook_id)
        self._reap(notebook_id)
        plan = read_json(nb.spec)
        if plan is None:
            return NotebookObservation()
        generation, applied = plan["work"]["generation"], plan["applied"]
        result = nb.record(nb.result, generation)
        if result is None and not self._supervisor_alive(nb, generation) and not self._spawned_alive(notebook_id):
            result = nb.record(nb.result, generation)  # it may have ended between the two reads
            if result is None and nb.claimed(generation):
                _end_server(nb)  # nobody supervises it any more
                info = read_json(nb.runner) or {}
                message = f"The notebook's supervisor (pid {info.get('pid', '?')}) ended without recording why."
                return NotebookObservation(generation, ended=True, message=message, applied_resources=applied)
        if result is not None:
            return NotebookObservation(
                generation, ended=True, message=result["message"], started_at=result.get("started_at"),
                applied_resources=applied,
            )  # fmt: skip
        server = nb.record(nb.server, generation)
        if server is None or not process_alive(server["pid"], server["create_time"]):
            return NotebookObservation(generation, applied_resources=applied)
        healthy = _answers(server, plan["work"]["base_url"])
        message = "" if healthy else "The notebook's Jupyter server does not answer /api/status."
        return NotebookObservation(
            generation, alive=True, healthy=healthy, message=message, started_at=server["started_at"],
            applied_resources=applied,
        )  # fmt: skip

    def stop(self, notebook_id: str) -> None:
        nb = self.dir(notebook_id)
        plan = read_json(nb.spec)
        if plan is not None:
            nb.stop_file(plan["work"]["generation"]).touch()

    def delete(self, notebook_id: str) -> None:
        nb = self.dir(notebook_id)
        self.stop(notebook_id)
        _end_server(nb)
        runner = read_json(nb.runner)
        if runner and process_alive(runner["pid"], runner["create_time"]):
            signal_group(runner["pid"], signal.SIGKILL)
        proc = self._spawned.pop(notebook_id, None)
        if proc is not None:
            signal_group(proc.pid, signal.SIGKILL)
            proc.wait()
        _end_server(nb)  # one its supervisor may have launched meanwhile
        if nb.root.exists():
            shutil.rmtree(nb.root)  # an OSError here is a failed delete: the caller reports it

    def read_usage(self, notebook_id: str, cursor: int) -> tuple[list[UsageSample], int]:
        records, cursor = _read_jsonl(self.dir(notebook_id).usage, cursor)
        return [UsageSample(r["t"], r["cpu"], r["mem"]) for r in records], cursor

    def connection(self, notebook_id: str) -> NotebookConnection | None:
        nb = self.dir(notebook_id)
        plan = read_json(nb.spec)
        if plan is None:
            return None
        server = nb.record(nb.server, plan["work"]["generation"])
        if server is None or not process_alive(server["pid"], server["create_time"]):
            return None
        return NotebookConnection(f"http://127.0.0.1:{server['port']}", server["token"])

    # -- helpers ---------------------------------------------------------------------------------------------------

    def plan(self, spec: NotebookSpec) -> dict:
        """What the supervisor needs beyond the spec: the interpreter, the NAS directories, the CPUs it may use."""
        available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count()))
        cpus = available[: max(1, min(spec.resources.vcpus, len(available)))]
        applied = {
            "cpuAffinity": cpus,
            "memoryLimit": f"not enforced on the local backend (instance type asks for {spec.resources.ram_mb} MB)",
            "bootStorage": f"{spec.boot_storage_gb} GB recorded; the size is not enforced on the local backend",
            "dataStorage": f"{spec.data_storage_gb} GB recorded; the size is not enforced on the local backend",
            "dataStorageDir": str(self.dir(spec.notebook_id).data),
        }
        if spec.resources.gpu_count:
            applied["notes"] = [f"asked for {spec.resources.gpu_count} GPUs; they are not assigned locally"]
        return {
            "work": spec.to_json(),
            "python": self.image_pythons.get(spec.image.image_id, sys.executable),
            "nas_mounts": {k: str(v) for k, v in self.storage.nas_mounts.items()},
            "cpus": cpus,
            "applied": applied,
        }

    def _supervisor_alive(self, nb: NotebookDir, generation: int) -> bool:
        info = nb.record(nb.runner, generation)
        return bool(info) and process_alive(info["pid"], info["create_time"])

    def _spawned_alive(self, notebook_id: str) -> bool:
        proc = self._spawned.get(notebook_id)
        return proc is not None and proc.poll() is None

    def _reap(self, notebook_id: str) -> None:
        proc = self._spawned.get(notebook_id)
        if proc is not None and proc.poll() is not None:
            del self._spawned[notebook_id]


def _answers(server: dict, base_url: str) -> bool:
    request = urllib.request.Request(
        f"http://127.0.0.1:{server['port']}{base_url}api/status", headers={"Authorization": f"token {server['token']}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=PROBE_SECONDS) as response:
            json.loads(response.read())
            return response.status == 200
    except (OSError, ValueError, urllib.error.URLError):
        return False


def end_process_tree(pid: int, create_time: float, grace: float = KILL_GRACE_SECONDS) -> None:
    """SIGTERM a Jupyter server's process group, then SIGKILL it and every descendant still there (kernels run in
    process groups of their own)."""
    if not process_alive(pid, create_time):
        return
    try:
        descendants = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        descendants = []
    signal_group(pid, signal.SIGTERM)
    deadline = time.time() + grace
    while time.time() < deadline and process_alive(pid, create_time):
        time.sleep(0.1)
    signal_group(pid, signal.SIGKILL)
    for proc in descendants:
        try:
            proc.kill()
        except psutil.Error:
            pass


def _end_server(nb: NotebookDir) -> None:
    server = read_json(nb.server)
    if server:
        end_process_tree(server["pid"], server["create_time"], grace=1.0)
