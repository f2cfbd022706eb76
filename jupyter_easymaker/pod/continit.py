"""The notebook pod's start-up scripts (console guide: User Script), run as the guide says.

`<data dir>/cont-init.d/*` run in ascending alphanumeric order; only executable files whose first line starts with
`#!`. Each leaves `{SCRIPT}.exitcode` and `{SCRIPT}.output` (stdout and stderr) beside it, and the whole run is
logged to `<data dir>/cont-init.output`. A failing script does not stop the others; a hanging one is ended after
`timeout` seconds (exit code 124, as coreutils' `timeout` reports it).

Run it as `jupyter easymaker cont-init`, at server start (`EasyMakerApp.run_cont_init`), or from the API.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

SCRIPTS_DIR = "cont-init.d"
LOG_FILE = "cont-init.output"
RECORD_SUFFIXES = (".exitcode", ".output")
TIMED_OUT = 124
DEFAULT_TIMEOUT = 300.0


@dataclass(frozen=True)
class Script:
    """A file in cont-init.d, whether it will run and, if not, why; and its last records."""

    name: str
    path: Path
    executable: bool
    has_shebang: bool

    @property
    def skip_reason(self) -> str | None:
        if not self.executable:
            return "not executable (no run permission)"
        if not self.has_shebang:
            return "its first line does not start with #!"
        return None

    @property
    def exit_code_file(self) -> Path:
        return self.path.with_name(f"{self.name}.exitcode")

    @property
    def output_file(self) -> Path:
        return self.path.with_name(f"{self.name}.output")

    def last_exit_code(self) -> int | None:
        try:
            return int(self.exit_code_file.read_text().strip())
        except (OSError, ValueError):
            return None


@dataclass(frozen=True)
class Result:
    name: str
    exit_code: int | None  # None: skipped
    skipped: str | None = None
    timed_out: bool = False
    seconds: float = 0.0


def scripts(data_dir: Path) -> list[Script]:
    """Every candidate in cont-init.d, in the order they run (records and hidden files are not candidates)."""
    folder = data_dir / SCRIPTS_DIR
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.startswith(".") or path.name.endswith(RECORD_SUFFIXES) or not path.is_file():
            continue
        found.append(Script(path.name, path, os.access(path, os.X_OK), _has_shebang(path)))
    return found


def _has_shebang(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(2) == b"#!"
    except OSError:
        return False


def run_all(data_dir: Path, timeout: float = DEFAULT_TIMEOUT, only: str | None = None) -> list[Result]:
    """Run the scripts in order, recording each; returns what happened to every candidate.

    `only`: run that one script again (from the sidebar); its run is appended to the log of the last whole run
    rather than replacing it."""
    results = []
    with open(data_dir / LOG_FILE, "a" if only else "w") as log:
        _log(log, f"cont-init: running {data_dir / SCRIPTS_DIR / only if only else data_dir / SCRIPTS_DIR}")
        for script in scripts(data_dir):
            if only and script.name != only:
                continue
            if script.skip_reason:
                _log(log, f"skipped {script.name}: {script.skip_reason}")
                results.append(Result(script.name, None, script.skip_reason))
                continue
            _log(log, f"running {script.name}")
            result = run_one(script, timeout)
            output = script.output_file.read_text(errors="replace")
            log.write(output if output.endswith("\n") or not output else output + "\n")
            ending = f"timed out after {timeout:g}s" if result.timed_out else f"exited with code {result.exit_code}"
            _log(log, f"{script.name} {ending} ({result.seconds:.1f}s)")
            results.append(result)
        ran = [r for r in results if r.skipped is None]
        failed = ", ".join(r.name for r in ran if r.exit_code != 0) or "none"
        _log(log, f"cont-init: {len(ran)} ran, {len(results) - len(ran)} skipped, failed: {failed}")
    return results


def run_one(script: Script, timeout: float) -> Result:
    started = time.monotonic()
    script.exit_code_file.unlink(missing_ok=True)  # while it runs, its last exit code is not known
    with open(script.output_file, "wb") as out:
        process = subprocess.Popen(
            [str(script.path)], cwd=script.path.parent, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            code = process.wait(timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            _kill_group(process)
            code, timed_out = TIMED_OUT, True
    if timed_out:
        with open(script.output_file, "a") as out:
            out.write(f"\n[cont-init] ended after {timeout:g}s: the script did not finish in time\n")
    script.exit_code_file.write_text(f"{code}\n")
    return Result(script.name, code, timed_out=timed_out, seconds=time.monotonic() - started)


def _kill_group(process: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(3)
            return
        except subprocess.TimeoutExpired:
            continue


def _log(log, message: str) -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    log.write(f"[{stamp}] {message}\n")
    log.flush()


# -- a run in the background (from the API), its state in a file so it outlives the request and the server ------


def state_file(data_dir: Path) -> Path:
    return data_dir / ".easymaker" / "cont-init-run.json"


def read_state(data_dir: Path) -> dict | None:
    try:
        return json.loads(state_file(data_dir).read_text())
    except (OSError, ValueError):
        return None


def write_state(data_dir: Path, state: dict) -> None:
    path = state_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state))
    tmp.replace(path)


def start_background_run(data_dir: Path, timeout: float, only: str | None = None) -> None:
    command = [sys.executable, "-m", "jupyter_easymaker.pod.continit", str(data_dir), str(timeout)]
    subprocess.Popen(
        command + ([only] if only else []),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def run_recorded(data_dir: Path, timeout: float, only: str | None = None) -> list[Result]:
    """`run_all`, with its state (running, then finished with its results) in the state file."""
    started = _now()
    write_state(data_dir, {"status": "RUNNING", "pid": os.getpid(), "startedDatetime": started, "scriptName": only})
    results = run_all(data_dir, timeout, only)
    write_state(data_dir, {
        "status": "FINISHED", "pid": os.getpid(), "startedDatetime": started, "finishedDatetime": _now(),
        "scriptName": only, "resultList": [asdict(r) for r in results],
    })  # fmt: skip
    return results


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


if __name__ == "__main__":
    run_recorded(Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None)
