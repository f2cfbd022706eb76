"""Long environment operations (create, install packages), each in a detached process that records its own state.

An operation outlives the request that started it, the browser that asked, and a server restart: its state lives in
`<data dir>/.easymaker/env-operations/<id>.json` (written by the operation itself) and its output in `<id>.log`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import psutil

from .envs import envs_dir

LOG_TAIL = 8000


def operations_dir(data_dir: Path) -> Path:
    return data_dir / ".easymaker" / "env-operations"


def conda_executable() -> str | None:
    return shutil.which("mamba") or shutil.which("conda")


def available_pythons() -> dict[str, str]:
    """Python versions `python -m venv` can make here: {"3.11": "/usr/bin/python3.11", …}, the server's included."""
    found = {f"{sys.version_info.major}.{sys.version_info.minor}": sys.executable}
    for minor in range(8, 20):
        path = shutil.which(f"python3.{minor}")
        if path:
            found.setdefault(f"3.{minor}", path)
    return found


def commands(kind: str, env_path: Path, python: str | None, packages: list[str]) -> list[list[str]]:
    """What an operation runs. Create: conda when present (with the Python asked for), else venv; ipykernel always,
    so the environment is a kernel at once."""
    pip = [str(env_path / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
    if kind == "install":
        return [pip + packages]
    conda = conda_executable()
    if conda:
        spec = f"python={python}" if python else "python"
        return [[conda, "create", "--yes", "--prefix", str(env_path), spec, "pip"], pip + ["ipykernel", *packages]]
    interpreter = available_pythons()[python] if python else sys.executable
    return [[interpreter, "-m", "venv", str(env_path)], pip + ["ipykernel", *packages]]


def start(
    data_dir: Path, kind: str, env_name: str, python: str | None = None, packages: list[str] | None = None
) -> dict:
    """Record the operation and start it detached; its state as the API shows it."""
    op_id = str(uuid.uuid4())
    folder = operations_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    env_path = envs_dir(data_dir) / env_name
    state = {
        "operationId": op_id, "kind": kind, "environmentName": env_name, "status": "RUNNING", "pid": None,
        "pythonVersion": python, "packages": packages, "exitCode": None, "message": None,
        "startedDatetime": _now(), "finishedDatetime": None, "commands": commands(kind, env_path, python, packages),
    }  # fmt: skip
    _write(folder / f"{op_id}.json", state)
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_easymaker.pod.envops", str(folder / f"{op_id}.json")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    state["pid"] = process.pid
    _write(folder / f"{op_id}.json", state)
    return public(state, folder)


def get(data_dir: Path, op_id: str) -> dict | None:
    if not re.fullmatch(r"[0-9a-f-]{36}", op_id):
        return None
    path = operations_dir(data_dir) / f"{op_id}.json"
    state = _read(path)
    return public(_settle(path, state), path.parent) if state else None


def all_(data_dir: Path) -> list[dict]:
    folder = operations_dir(data_dir)
    states = [(p, _read(p)) for p in folder.glob("*.json")] if folder.is_dir() else []
    found = [public(_settle(p, s), folder) for p, s in states if s]
    return sorted(found, key=lambda s: s["startedDatetime"], reverse=True)


def running_for(data_dir: Path, env_name: str) -> dict | None:
    return next((op for op in all_(data_dir) if op["environmentName"] == env_name and op["status"] == "RUNNING"), None)


def latest_for(data_dir: Path, env_name: str) -> dict | None:
    """The environment's newest operation, finished or not: what the sidebar re-attaches to."""
    return next((op for op in all_(data_dir) if op["environmentName"] == env_name), None)


def public(state: dict, folder: Path) -> dict:
    log = folder / f"{state['operationId']}.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    return {k: v for k, v in state.items() if k not in ("pid", "commands")} | {"logTail": text[-LOG_TAIL:]}


def _settle(path: Path, state: dict) -> dict:
    """A RUNNING operation whose process is gone without recording an end was interrupted (e.g. the machine went
    down): say so once, in its record."""
    if state["status"] == "RUNNING" and state.get("pid") and not process_alive(state["pid"]):
        fresh = _read(path) or state  # it may have finished between the two reads
        if fresh["status"] == "RUNNING":
            fresh |= {"status": "FAILED", "message": "interrupted: its process ended without finishing",
                      "finishedDatetime": _now()}  # fmt: skip
            _write(path, fresh)
        return fresh
    return state


def process_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def run(state_path: Path) -> int:
    """The detached side: run the commands, logging their output, then record how it ended."""
    state = _read(state_path)
    assert state is not None
    log_path = state_path.with_suffix(".log")
    code, step = 0, ""
    with open(log_path, "ab") as log:
        for command in state["commands"]:
            step = " ".join(command[:4])
            log.write(f"$ {' '.join(command)}\n".encode())
            log.flush()
            env = {**os.environ, "PIP_NO_INPUT": "1", "PYTHONUNBUFFERED": "1"}
            code = subprocess.call(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env)
            if code != 0:
                break
    ok = code == 0
    message = None if ok else f"'{step} …' failed with exit code {code}; see the log"
    if not ok and state["kind"] == "create":
        shutil.rmtree(envs_dir(state_path.parents[2]) / state["environmentName"], ignore_errors=True)
        message = f"creating failed with exit code {code} (nothing was left behind); see the log"
    state |= {"status": "SUCCEEDED" if ok else "FAILED", "exitCode": code, "message": message,
              "finishedDatetime": _now()}  # fmt: skip
    _write(state_path, state)
    return code


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _write(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state))
    tmp.replace(path)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1])))
