"""The detached runner: stages inputs, runs the workers, enforces limits, uploads outputs.

Started as `python -m jupyter_easymaker.backends.local.runner RUN_DIR` in a session of its own, so
it outlives the Jupyter server. Everything it knows goes into RUN_DIR (see rundir.py); the server
reads it back. A run is claimed exactly once, so a restarted server never runs it twice.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ...storage import StorageConfig, StorageError, stage_in, upload
from ..base import Phase, WorkSpec
from .launch import StagedPaths, Worker, workers
from .rundir import RunDir, UsageSampler, process_identity, signal_group, write_json

POLL_SECONDS = 0.1
STOP_GRACE_SECONDS = 10.0
MAX_LINE = 1 << 20


SITE_DIRS = (
    "import json, sys; print(json.dumps([p for p in sys.path if p.rstrip('/').endswith(('site-packages', "
    "'dist-packages'))]))"
)


class StageError(Exception):
    pass


def _python_json(python: str, code: str):
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError) as err:
        raise StageError(f"Could not inspect the environment {python}: {err}") from None
    return json.loads(out)


class LogWriter:
    """Appends one JSON object a line; shared by the threads that read the workers' pipes."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._lock = threading.Lock()

    def write(self, stream: str, rank: int, text: str, level: str | None = None) -> None:
        record = {"t": time.time(), "s": stream, "r": rank, "x": text[:MAX_LINE]}
        if level:
            record["l"] = level
        line = json.dumps(record) + "\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()

    def system(self, text: str, level: str = "INFO") -> None:
        self.write("system", 0, text, level)

    def pump(self, pipe, stream: str, rank: int) -> threading.Thread:
        def run() -> None:
            with pipe:
                for raw in iter(pipe.readline, b""):
                    self.write(stream, rank, raw.decode("utf-8", "replace").rstrip("\r\n"))

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self._file.close()


class Runner:
    def __init__(self, run: RunDir) -> None:
        self.run = run
        plan = json.loads(run.spec.read_text())
        self.spec = WorkSpec.from_json(plan["work"])
        self.python: str = plan["python"]
        self.cpus: list[int] = plan["cpus"]
        self.threads: int = plan["threads"]
        self.gpus: list[int] = plan["gpus"]
        self.storage = StorageConfig(
            object_store_root=Path(plan["storage"]["object_store_root"]),
            nas_mounts={k: Path(v) for k, v in plan["storage"]["nas_mounts"].items()},
            local_root=Path(plan["storage"]["local_root"]),
        )
        self.log = LogWriter(run.logs)
        self.started_at: float | None = None
        self.deadline = time.time() + self.spec.timeout_seconds  # the maximum training time covers set-up too

    # -- the phases ------------------------------------------------------------------------------------------------

    def execute(self) -> None:
        self.phase(Phase.STAGING)
        try:
            self.check_environment()
            paths = self.stage()
            python = self.install_requirements(paths)
        except TimeoutError as err:
            return self.finish(Phase.FAILED, str(err))
        except (StageError, StorageError) as err:
            return self.finish(Phase.CREATE_FAILED, str(err))  # finish() logs the reason as an ERROR line
        if self.stop_requested():
            return self.finish(Phase.STOPPED, "Stopped at the user's request before the training started.")
        self.started_at = time.time()
        self.phase(Phase.RUNNING)
        outcome, message = self.supervise(workers(self.spec, python, paths, self.threads, self.gpus))
        if outcome == Phase.SUCCEEDED:
            self.phase(Phase.UPLOADING)
        else:
            self.phase(Phase.STOPPING if outcome == Phase.STOPPED else Phase.FAILING, message)
        try:
            self.upload_outputs(paths, model=outcome == Phase.SUCCEEDED)
        except (StorageError, OSError) as err:
            self.log.system(f"Upload failed: {err}", "ERROR")
            if outcome == Phase.SUCCEEDED:
                outcome, message = Phase.FAILED, f"The training finished but its outputs could not be uploaded: {err}"
        self.finish(outcome, message)

    def check_environment(self) -> None:
        if not os.access(self.python, os.X_OK):
            raise StageError(
                f"The Python environment for image '{self.spec.image.name}' ({self.python}) does not exist; "
                "fix EasyMakerApp.image_environments."
            )

    def stage(self) -> StagedPaths:
        work = self.run.work
        spec = self.spec
        self.log.system(f"Staging source {spec.source_uri}")
        source = stage_in(spec.source_uri, self.storage, work / "source")
        if not (source / spec.entry_point).is_file():
            raise StageError(f"The entry point '{spec.entry_point}' does not exist in {spec.source_uri}.")
        datasets = {}
        for name, uri in spec.datasets:
            self.log.system(f"Staging dataset {name} from {uri}")
            datasets[name] = stage_in(uri, self.storage, work / "datasets" / name)
        checkpoint_input = None
        if spec.checkpoint_input_uri:
            self.log.system(f"Staging checkpoint from {spec.checkpoint_input_uri}")
            checkpoint_input = stage_in(spec.checkpoint_input_uri, self.storage, work / "checkpoint-input")
        paths = StagedPaths(
            source_dir=source,
            datasets=datasets,
            model_dir=work / "model",
            checkpoint_input_dir=checkpoint_input,
            checkpoint_dir=work / "checkpoints",
            tensorboard_dir=Path(spec.tensorboard_dir),
        )
        for directory in (paths.model_dir, paths.checkpoint_dir, paths.tensorboard_dir):
            directory.mkdir(parents=True, exist_ok=True)
        return paths

    def install_requirements(self, paths: StagedPaths) -> str:
        """Install requirements.txt beside the entry point into a per-run environment layered over the image's."""
        requirements = (paths.source_dir / self.spec.entry_point).parent / "requirements.txt"
        if not requirements.is_file():
            return self.python
        venv = self.run.work / "venv"
        self.log.system(f"Installing {requirements.name}")
        self.checked([self.python, "-m", "venv", "--without-pip", str(venv)], "create the run's environment")
        python = str(venv / "bin" / "python")
        self.layer_over_image(python)
        # The runner's own pip installs into the run's environment, so images whose Python lacks pip work too.
        pip = [sys.executable, "-m", "pip", "--python", python, "install", "--disable-pip-version-check", "--no-input"]
        self.checked([*pip, "-r", str(requirements)], "install requirements.txt")
        return python

    def layer_over_image(self, python: str) -> None:
        """Make the image environment's packages visible behind the run's own (a .pth file), which also works where
        the image is itself a venv, unlike `venv --system-site-packages`."""
        site_dirs = _python_json(self.python, SITE_DIRS)
        own = _python_json(python, "import json, sysconfig; print(json.dumps(sysconfig.get_paths()['purelib']))")
        Path(own, "_easymaker_image.pth").write_text("".join(f"{d}\n" for d in site_dirs))

    def checked(self, command: list[str], what: str) -> None:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        pump = self.log.pump(proc.stdout, "system", 0)
        while proc.poll() is None:
            if self.stop_requested() or time.time() > self.deadline:
                terminate([proc])
                pump.join()
                if self.stop_requested():
                    raise StageError(f"Stopped while trying to {what}.")
                raise TimeoutError(f"{self.exceeded()} while trying to {what}.")
            time.sleep(POLL_SECONDS)
        pump.join()
        if proc.returncode != 0:
            raise StageError(f"Could not {what} (exit code {proc.returncode}); see the training log.")

    def supervise(self, plan: list[Worker]) -> tuple[Phase, str]:
        procs, pumps = [], []
        for worker in plan:
            self.log.system(f"Starting worker {worker.rank}: {' '.join(worker.command)}")
            proc = subprocess.Popen(
                worker.command, cwd=worker.cwd, env=worker.env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
            )  # fmt: skip
            procs.append(proc)
            write_json(self.run.workers, [process_identity(p.pid) for p in procs])  # before anything can go wrong
            self.pin(proc.pid)
            pumps += [
                self.log.pump(proc.stdout, "stdout", worker.rank),
                self.log.pump(proc.stderr, "stderr", worker.rank),
            ]
        sampler = UsageSampler(self.run.usage, [p.pid for p in procs if p.poll() is None])
        outcome: tuple[Phase, str] | None = None
        while outcome is None:
            _wait_any(procs, POLL_SECONDS)
            sampler.maybe_sample()
            codes = [p.poll() for p in procs]
            failed = [(rank, code) for rank, code in enumerate(codes) if code not in (None, 0)]
            if failed:
                rank, code = failed[0]
                outcome = Phase.FAILED, f"Worker {rank} failed: exit code : {code} (pid: {procs[rank].pid})"
            elif all(code == 0 for code in codes):
                outcome = Phase.SUCCEEDED, ""
            elif self.stop_requested():
                outcome = Phase.STOPPED, "Stopped at the user's request."
            elif time.time() > self.deadline:
                outcome = Phase.FAILED, f"{self.exceeded()}; the training was ended."
        terminate(procs)
        for pump in pumps:
            pump.join()
        return outcome

    def exceeded(self) -> str:
        return f"Exceeded the maximum training time ({self.spec.timeout_seconds / 60:g} minutes)"

    def pin(self, pid: int) -> None:
        try:
            os.sched_setaffinity(pid, self.cpus)
        except (OSError, AttributeError):  # the process already ended, or no affinity on this OS
            pass

    def upload_outputs(self, paths: StagedPaths, model: bool) -> None:
        if self.spec.checkpoint_upload_uri and any(paths.checkpoint_dir.iterdir()):
            self.log.system(f"Uploading checkpoints to {self.spec.checkpoint_upload_uri}")
            upload(paths.checkpoint_dir, self.spec.checkpoint_upload_uri, self.storage)
        if model:
            self.log.system(f"Uploading the model to {self.spec.model_upload_uri}")
            upload(paths.model_dir, self.spec.model_upload_uri, self.storage)

    # -- bookkeeping -----------------------------------------------------------------------------------------------

    def stop_requested(self) -> bool:
        return self.run.stop.exists()

    def phase(self, phase: Phase, message: str = "") -> None:
        write_json(self.run.status, {"phase": phase.value, "message": message, "started_at": self.started_at})

    def finish(self, phase: Phase, message: str = "") -> None:
        level = "INFO" if phase == Phase.SUCCEEDED else "ERROR"
        self.log.system(f"Training ended: {phase.value}{'. ' + message if message else ''}", level)
        self.log.close()
        shutil.rmtree(self.run.work / "venv", ignore_errors=True)
        write_json(
            self.run.result,
            {"phase": phase.value, "message": message, "started_at": self.started_at, "finished_at": time.time()},
        )


def _wait_any(procs: list[subprocess.Popen], seconds: float) -> None:
    """Sleep up to `seconds`, waking as soon as the first running worker exits."""
    running = [p for p in procs if p.poll() is None]
    if not running:
        return
    try:
        running[0].wait(seconds)
    except subprocess.TimeoutExpired:
        pass


def terminate(procs: list[subprocess.Popen]) -> None:
    """SIGTERM each process group, then SIGKILL what is left after the grace period."""
    alive = [p for p in procs if p.poll() is None]
    for proc in alive:
        signal_group(proc.pid, signal.SIGTERM)
    deadline = time.time() + STOP_GRACE_SECONDS
    while time.time() < deadline and any(p.poll() is None for p in alive):
        time.sleep(POLL_SECONDS)
    for proc in procs:
        signal_group(proc.pid, signal.SIGKILL)  # also reaps grandchildren the worker left behind
        proc.wait()


def main(argv: list[str]) -> int:
    run = RunDir(Path(argv[0]))
    if not run.claim():
        return 0
    write_json(run.runner, process_identity(os.getpid()))
    runner = Runner(run)
    try:
        if runner.stop_requested():
            runner.finish(Phase.STOPPED, "Stopped at the user's request before the training started.")
        else:
            runner.execute()
    except Exception as err:  # the runner must always leave a result behind
        runner.log.system(f"Internal error in the local runner: {err!r}", "ERROR")
        runner.finish(Phase.FAILED, f"Internal error in the local runner: {err}")
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
