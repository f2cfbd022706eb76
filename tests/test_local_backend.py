"""The local backend on its own: detached runners, limits, stop, and what happens when a runner dies."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psutil
import pytest
from conftest import write_script

from jupyter_easymaker.backends.base import ImageRef, Phase, Resources, WorkSpec
from jupyter_easymaker.backends.local import LocalBackend
from jupyter_easymaker.backends.local.rundir import read_json
from jupyter_easymaker.storage import StorageConfig


@pytest.fixture
def backend(tmp_path) -> LocalBackend:
    storage = StorageConfig(object_store_root=tmp_path / "obs", local_root=tmp_path)
    return LocalBackend(tmp_path / "runs", storage, image_pythons={})


def spec(tmp_path: Path, work_id: str = "w1", **overrides) -> WorkSpec:
    fields = dict(
        work_id=work_id, appkey="local", region="local",
        image=ImageRef("img", "Ubuntu 22.04 CPU PyTorch Training", "addr", "PYTORCH", "CPU"),
        resources=Resources("m2.c2m4", 1, 4096, 0), source_uri=str(tmp_path / "src"), entry_point="train.py",
        hyperparameters=[], datasets=[], model_upload_uri=str(tmp_path / "out"), checkpoint_input_uri=None,
        checkpoint_upload_uri=None, tensorboard_dir=str(tmp_path / "tb"), timeout_seconds=600,
    )  # fmt: skip
    return WorkSpec(**{**fields, **overrides})


def wait_final(backend: LocalBackend, work_id: str, timeout: float = 60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        observation = backend.observe(work_id)
        if observation.phase.final:
            return observation
        time.sleep(0.05)
    raise AssertionError(f"{work_id} not final: {backend.observe(work_id)}")


def wait_phase(backend: LocalBackend, work_id: str, phase: Phase, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while backend.observe(work_id).phase != phase:
        assert time.time() < deadline, backend.observe(work_id)
        time.sleep(0.05)


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def all_logs(backend: LocalBackend, work_id: str) -> list[str]:
    lines, cursor = [], 0
    while True:
        chunk, cursor = backend.read_logs(work_id, cursor)
        if not chunk:
            return lines
        lines += [line.text for line in chunk]


def test_submit_twice_runs_once(backend, tmp_path):
    write_script(tmp_path / "src", f"open({str(tmp_path / 'ran')!r}, 'a').write('x')\n")
    work = spec(tmp_path)
    backend.submit(work)
    backend.submit(work)
    LocalBackend(backend.runs_dir, backend.storage, {}).submit(work)  # as a restarted server would
    assert wait_final(backend, "w1").phase == Phase.SUCCEEDED
    assert (tmp_path / "ran").read_text() == "x"


def test_maximum_training_time_is_enforced(backend, tmp_path):
    write_script(tmp_path / "src", "import time\nprint('going', flush=True)\ntime.sleep(120)\n")
    started = time.time()
    backend.submit(spec(tmp_path, timeout_seconds=1))
    observation = wait_final(backend, "w1")
    assert observation.phase == Phase.FAILED
    assert "maximum training time" in observation.message
    assert time.time() - started < 30, "the workload was ended, not waited for"
    assert "going" in all_logs(backend, "w1")


def test_stop_ends_the_process_group(backend, tmp_path):
    child_pid = tmp_path / "child.pid"
    write_script(tmp_path / "src", f"""
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
open({str(child_pid)!r}, "w").write(str(child.pid))
print("ready", flush=True)
time.sleep(300)
""")  # fmt: skip
    backend.submit(spec(tmp_path))
    wait_phase(backend, "w1", Phase.RUNNING)
    while not child_pid.exists():
        time.sleep(0.05)
    backend.stop("w1")
    assert wait_final(backend, "w1").phase == Phase.STOPPED
    assert not _running(int(child_pid.read_text())), "the worker's own children end with it"


def test_stop_before_start(backend, tmp_path):
    write_script(tmp_path / "src", "raise SystemExit('must not run')\n")
    work = spec(tmp_path)
    backend.runs_dir.joinpath("w1").mkdir(parents=True)
    backend.stop("w1")
    backend.submit(work)
    observation = wait_final(backend, "w1")
    assert observation.phase == Phase.STOPPED and "before the training started" in observation.message


def test_a_killed_runner_is_reported_lost(backend, tmp_path):
    write_script(tmp_path / "src", "import time\ntime.sleep(300)\n")
    backend.submit(spec(tmp_path))
    wait_phase(backend, "w1", Phase.RUNNING)
    runner = read_json(backend.rundir("w1").runner)
    while not backend.rundir("w1").workers.exists():
        time.sleep(0.05)
    worker = read_json(backend.rundir("w1").workers)[0]
    os.kill(runner["pid"], signal.SIGKILL)
    observation = wait_final(backend, "w1")
    assert observation.phase == Phase.LOST and str(runner["pid"]) in observation.message
    deadline = time.time() + 10
    while _running(worker["pid"]) and time.time() < deadline:
        time.sleep(0.05)
    assert not _running(worker["pid"]), "the orphaned worker is ended, not left running"
    backend.delete("w1")
    assert not backend.rundir("w1").root.exists()


def test_staging_failures_are_create_failed(backend, tmp_path):
    write_script(tmp_path / "src", "print('hi')\n")
    backend.submit(spec(tmp_path, entry_point="other.py"))
    observation = wait_final(backend, "w1")
    assert observation.phase == Phase.CREATE_FAILED and "other.py" in observation.message
    backend.submit(spec(tmp_path, work_id="w2", datasets=[("train", str(tmp_path / "missing"))]))
    observation = wait_final(backend, "w2")
    assert observation.phase == Phase.CREATE_FAILED and "does not exist" in observation.message
    (tmp_path / "src" / "requirements.txt").write_text("this-package-does-not-exist-anywhere==0.0.1\n")
    backend.submit(spec(tmp_path, work_id="w3"))
    observation = wait_final(backend, "w3", timeout=180)
    assert observation.phase == Phase.CREATE_FAILED and "requirements.txt" in observation.message


def test_log_cursor_reads_each_line_once(backend, tmp_path):
    write_script(tmp_path / "src", "for i in range(2000):\n    print(f'line {i}')\n")
    backend.submit(spec(tmp_path))
    wait_final(backend, "w1")
    bodies = [b for b in all_logs(backend, "w1") if b.startswith("line ")]
    assert bodies == [f"line {i}" for i in range(2000)]


def test_cpu_affinity_and_threads_follow_the_instance_type(backend, tmp_path):
    write_script(
        tmp_path / "src", "import os\nprint('cpus', sorted(os.sched_getaffinity(0)), os.environ['OMP_NUM_THREADS'])\n"
    )
    backend.submit(spec(tmp_path, resources=Resources("tiny", 1, 1024, 2)))
    observation = wait_final(backend, "w1")
    assert observation.phase == Phase.SUCCEEDED
    applied = observation.applied_resources
    assert applied["cpuAffinity"] == [sorted(os.sched_getaffinity(0))[0]] and applied["threads"] == 1
    assert f"cpus {applied['cpuAffinity']} 1" in all_logs(backend, "w1")
    assert "asked for 2 GPUs" in " ".join(applied["notes"]) and "not enforced" in applied["memoryLimit"]


def test_maximum_training_time_covers_installing_requirements(backend, tmp_path):
    source = write_script(tmp_path / "src", "print('never reached')\n")
    slow = write_script(tmp_path / "slow-pkg", "import time\ntime.sleep(120)\n", name="setup.py")
    (source / "requirements.txt").write_text(f"{slow}\n")
    backend.submit(spec(tmp_path, timeout_seconds=2))
    observation = wait_final(backend, "w1", timeout=60)
    assert observation.phase == Phase.FAILED
    assert "maximum training time" in observation.message and "requirements" in observation.message
    assert "never reached" not in all_logs(backend, "w1")


def test_missing_image_environment_is_create_failed(tmp_path):
    storage = StorageConfig(object_store_root=tmp_path / "obs", local_root=tmp_path)
    backend = LocalBackend(tmp_path / "runs", storage, image_pythons={"img": str(tmp_path / "gone" / "bin" / "python")})
    write_script(tmp_path / "src", "print('hi')\n")
    backend.submit(spec(tmp_path))
    observation = wait_final(backend, "w1")
    assert observation.phase == Phase.CREATE_FAILED and "image_environments" in observation.message
