"""The notebook pod's own resources: environments in custom-conda-envs/ and start-up scripts in cont-init.d/.

They live in the data directory (made by hand as often as through the API), so the file system is their store.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path

from ..errors import conflict, invalid, not_found
from ..pod import continit, envops
from ..pod.envs import Environment, envs_dir, find
from ..pod.envs import environments as all_environments
from .schema import SCRIPT_NAME, EnvironmentCreate, PackageInstall, ScriptPut

OUTPUT_TAIL = 20000

# -- environments ------------------------------------------------------------------------------------------------------


def environment_to_wire(data_dir: Path, env: Environment, detail: bool = True) -> dict:
    wire = {
        "environmentName": env.name,
        "path": str(env.path),
        "kind": env.kind,
        "pythonVersion": env.python_version(),
        "kernelName": env.kernel_name if env.has_ipykernel() else None,
        "operation": envops.running_for(data_dir, env.name),
        "lastOperation": envops.latest_for(data_dir, env.name),
    }
    if detail:
        wire |= {"sizeBytes": env.size_bytes(), "packageList": env.packages()}
    return wire


def environments(data_dir: Path) -> dict:
    return {
        "environmentList": [environment_to_wire(data_dir, env) for env in all_environments(data_dir)],
        "condaAvailable": envops.conda_executable() is not None,
        "pythonVersionList": sorted(envops.available_pythons(), key=lambda v: int(v.split(".")[1])),
    }


def environment(data_dir: Path, name: str) -> dict:
    return environment_to_wire(data_dir, _env(data_dir, name))


def create_environment(data_dir: Path, body: EnvironmentCreate) -> dict:
    name = body.environment_name
    if (envs_dir(data_dir) / name).exists() or envops.running_for(data_dir, name):
        raise conflict(f"environmentName: '{name}' already exists in {envs_dir(data_dir)}.")
    if body.python_version and not envops.conda_executable():
        available = envops.available_pythons()
        if body.python_version not in available:
            raise invalid(
                "pythonVersion",
                f"Python {body.python_version} is not on this machine and conda is not installed; "
                f"choose one of {', '.join(sorted(available))} or leave it out",
            )
    envs_dir(data_dir).mkdir(parents=True, exist_ok=True)
    return envops.start(data_dir, "create", name, body.python_version, body.package_list or [])


def install_packages(data_dir: Path, name: str, body: PackageInstall) -> dict:
    _env(data_dir, name)
    _not_busy(data_dir, name)
    return envops.start(data_dir, "install", name, None, body.package_list)


def delete_environment(data_dir: Path, name: str) -> None:
    """Gone at once (moved aside, so it is no longer a kernel); its files are removed in the background."""
    env = _env(data_dir, name)
    _not_busy(data_dir, name)
    trash = _trash(data_dir) / f"{name}-{uuid.uuid4().hex[:8]}"
    trash.parent.mkdir(parents=True, exist_ok=True)
    env.path.rename(trash)
    empty_trash(data_dir)


def empty_trash(data_dir: Path) -> None:
    """Remove deleted environments' files in the background (also what a restart finds left over)."""
    folder = _trash(data_dir)
    if folder.is_dir():
        threading.Thread(target=shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True}, daemon=True).start()


def _trash(data_dir: Path) -> Path:
    return data_dir / ".easymaker" / "trash"


def operation(data_dir: Path, op_id: str) -> dict:
    found = envops.get(data_dir, op_id)
    if found is None:
        raise not_found("Environment operation", op_id)
    return found


def _env(data_dir: Path, name: str) -> Environment:
    env = find(data_dir, name)
    if env is None:
        raise not_found("Environment", name)
    return env


def _not_busy(data_dir: Path, name: str) -> None:
    running = envops.running_for(data_dir, name)
    if running:
        raise conflict(f"Environment '{name}' is busy: its {running['kind']} operation is still running; wait for it.")


# -- start-up scripts --------------------------------------------------------------------------------------------------


def script_to_wire(script: continit.Script, content: bool = False) -> dict:
    info = script.path.stat()
    output = script.output_file.read_text(errors="replace") if script.output_file.exists() else None
    ran_at = script.exit_code_file.stat().st_mtime if script.exit_code_file.exists() else None
    wire = {
        "scriptName": script.name,
        "enabled": script.executable,
        "hasShebang": script.has_shebang,
        "willRun": script.skip_reason is None,
        "skipReason": script.skip_reason,
        "lastExitCode": script.last_exit_code(),
        "lastOutput": output[-OUTPUT_TAIL:] if output is not None else None,
        "lastRunDatetime": _time(ran_at),
        "sizeBytes": info.st_size,
        "updatedDatetime": _time(info.st_mtime),
    }
    if content:
        wire["content"] = script.path.read_text(errors="replace")
    return wire


def scripts(data_dir: Path) -> dict:
    return {"scriptList": [script_to_wire(s) for s in continit.scripts(data_dir)], "run": run_state(data_dir)}


def script(data_dir: Path, name: str) -> dict:
    return script_to_wire(_script(data_dir, name), content=True)


def put_script(data_dir: Path, name: str, body: ScriptPut) -> dict:
    """Create or change a script: its content and/or its run permission (a new script is enabled by default)."""
    _check_script_name(name)
    path = data_dir / continit.SCRIPTS_DIR / name
    created = not path.exists()
    if created and body.content is None:
        raise invalid("content", f"is required to create the script '{name}'")
    path.parent.mkdir(parents=True, exist_ok=True)
    if body.content is not None:
        path.write_text(body.content)
    if body.enabled is not None or created:
        mode = path.stat().st_mode
        run_bits = stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
        path.chmod(mode | run_bits if (body.enabled if body.enabled is not None else True) else mode & ~run_bits)
    return script_to_wire(_script(data_dir, name), content=True)


def delete_script(data_dir: Path, name: str) -> None:
    found = _script(data_dir, name)
    for path in (found.path, found.exit_code_file, found.output_file):
        path.unlink(missing_ok=True)


def run_state(data_dir: Path) -> dict:
    state = continit.read_state(data_dir) or {"status": "NEVER RUN"}
    if state["status"] == "RUNNING" and not envops.process_alive(state.get("pid") or 0):
        state = {**state, "status": "INTERRUPTED"}
    log = data_dir / continit.LOG_FILE
    return {k: v for k, v in state.items() if k != "pid"} | {
        "log": log.read_text(errors="replace")[-OUTPUT_TAIL * 5 :] if log.exists() else ""
    }


def start_run(data_dir: Path, timeout: float, only: str | None = None) -> dict:
    """Run the scripts again in the background (all of them, or `only` that one)."""
    if only is not None:
        skip = _script(data_dir, only).skip_reason
        if skip:
            raise conflict(f"Script '{only}' does not run: {skip}. Enable it (PUT …/cont-init-scripts/{only} with "
                           '{"enabled": true} and a first line starting with #!) first.')  # fmt: skip
    if run_state(data_dir)["status"] == "RUNNING":
        raise conflict("The start-up scripts are running already; wait for this run to finish.")
    started = {"status": "RUNNING", "pid": os.getpid(), "startedDatetime": _time(None, now=True), "scriptName": only}
    continit.write_state(data_dir, started)
    continit.start_background_run(data_dir, timeout, only)
    return run_state(data_dir)


def _script(data_dir: Path, name: str) -> continit.Script:
    found = next((s for s in continit.scripts(data_dir) if s.name == name), None)
    if found is None:
        raise not_found("Script", name)
    return found


def _check_script_name(name: str) -> None:
    if not re.fullmatch(SCRIPT_NAME, name) or name.endswith(continit.RECORD_SUFFIXES):
        raise invalid("scriptName", "use 1-100 letters, digits, '_', '.' or '-' (not ending in .exitcode or .output)")


def _time(epoch: float | None, now: bool = False) -> str | None:
    if epoch is None and not now:
        return None
    moment = datetime.now(timezone.utc) if now else datetime.fromtimestamp(epoch, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
