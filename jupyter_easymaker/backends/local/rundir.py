"""The files through which a detached runner and the server talk. Written atomically; read by either side."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import psutil


class RunDir:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.spec = root / "spec.json"
        self.started = root / "started"  # created with O_EXCL: whoever creates it owns the run
        self.runner = root / "runner.json"
        self.status = root / "status.json"
        self.result = root / "result.json"
        self.stop = root / "stop"
        self.logs = root / "logs.jsonl"
        self.usage = root / "usage.jsonl"
        self.workers = root / "workers.json"
        self.work = root / "work"

    def claim(self) -> bool:
        """Take ownership of the run; False if another runner already has (so nothing runs twice)."""
        try:
            fd = os.open(self.started, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        os.write(fd, str(time.time()).encode())
        os.close(fd)
        return True

    def runner_alive(self) -> bool:
        info = read_json(self.runner)
        return bool(info) and process_alive(info["pid"], info["create_time"])


def write_json(path: Path, data: object) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def process_identity(pid: int) -> dict:
    return {"pid": pid, "create_time": psutil.Process(pid).create_time()}


def process_alive(pid: int, create_time: float) -> bool:
    """True if `pid` is still the process that started at `create_time` (pids get reused)."""
    try:
        proc = psutil.Process(pid)
        return abs(proc.create_time() - create_time) < 0.01 and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def signal_group(pid: int, sig: int) -> None:
    """Signal a worker's whole process group (it runs in a session of its own); a group already gone is fine."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


READ_CHUNK = 4 << 20


def read_complete_lines(path: Path, cursor: int) -> tuple[list[bytes], int]:
    """The non-blank complete lines after byte offset `cursor`, and the offset after them; a line still being
    written is left for next time."""
    try:
        with open(path, "rb") as file:
            file.seek(cursor)
            chunk = file.read(READ_CHUNK)
    except FileNotFoundError:
        return [], cursor
    end = chunk.rfind(b"\n")
    if end < 0:
        return [], cursor
    return [line for line in chunk[: end + 1].splitlines() if line.strip()], cursor + end + 1


USAGE_SECONDS = 2.0


class UsageSampler:
    """CPU and memory of some processes and everything under them, appended to a JSONL file every few seconds (the
    Monitoring tab): a training's workers, a notebook's server with its kernels and terminals."""

    def __init__(self, path: Path, pids: list[int]) -> None:
        self.path = path
        self.roots = [psutil.Process(pid) for pid in pids]
        self.known: dict[int, psutil.Process] = {}
        self.next_at = time.time()

    def maybe_sample(self) -> None:
        if time.time() < self.next_at:
            return
        self.next_at = time.time() + USAGE_SECONDS
        cpu, memory, read = 0.0, 0, False
        for root in self.roots:
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue  # ended
            read = True
            for proc in tree:
                proc = self.known.setdefault(proc.pid, proc)
                try:
                    cpu += proc.cpu_percent()
                    memory += proc.memory_info().rss
                except psutil.Error:
                    continue
        if not read:
            return  # all of them ended: nothing is using 0 %, there is nothing to sample
        with open(self.path, "a", encoding="utf-8") as file:
            file.write(json.dumps({"t": time.time(), "cpu": cpu, "mem": memory}) + "\n")
