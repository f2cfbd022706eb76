"""The detached supervisor of one notebook launch: fresh boot area, NAS directories, a JupyterLab server, usage.

Started as `python -m jupyter_easymaker.backends.local.notebook_runner NOTEBOOK_DIR GENERATION` in a session of
its own, so it outlives the Jupyter server that started it. It records everything in NOTEBOOK_DIR (see
notebooks.NotebookDir); a launch is claimed exactly once, so a restarted server never runs it twice.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ...pod import continit
from ...storage import StorageConfig, StorageError, resolve
from ..base import NotebookSpec
from .launch import free_port
from .notebooks import NotebookDir, end_process_tree
from .rundir import UsageSampler, process_identity, read_json, write_json

POLL_SECONDS = 0.2
STOP_GRACE_SECONDS = 10.0
#: Inherited variables that would point the notebook's server at the platform server's own state.
INHERITED_PREFIXES = ("JUPYTER", "JPY_", "EM_", "IPYTHONDIR")


class LaunchError(Exception):
    pass


class Supervisor:
    def __init__(self, nb: NotebookDir, generation: int) -> None:
        self.nb = nb
        self.generation = generation
        plan = json.loads(nb.spec.read_text())
        self.spec = NotebookSpec.from_json(plan["work"])
        self.python: str = plan["python"]
        self.nas_mounts: dict[str, str] = plan["nas_mounts"]
        self.cpus: list[int] = plan["cpus"]
        self.started_at: float | None = None

    def stop_requested(self) -> bool:
        return self.nb.stop_file(self.generation).exists()

    def run(self) -> None:
        if self.spec.generation != self.generation:
            return self.finish(f"Launch {self.generation} was superseded by launch {self.spec.generation}.")
        if self.stop_requested():
            return self.finish("Stopped at the user's request before the notebook started.")
        try:
            self.reset_boot()
            self.mount_nas()
            server = self.launch()
        except LaunchError as err:
            return self.finish(str(err))
        self.finish(self.supervise(server))

    def reset_boot(self) -> None:
        """The boot area starts empty on every launch (the console's boot storage is initialised on restart)."""
        shutil.rmtree(self.nb.boot, ignore_errors=True)
        for name in ("home", "tmp", "jupyter-config", "jupyter-data", "jupyter-runtime", "ipython"):
            (self.nb.boot / name).mkdir(parents=True)
        self.nb.data.mkdir(parents=True, exist_ok=True)

    def mount_nas(self) -> None:
        """Each NAS appears as its mount directory in the data storage (a symbolic link to the configured mount)."""
        for name, uri in self.spec.mounts:
            target = self.resolve_nas(uri)
            link = self.nb.data / name
            if link.is_symlink():
                link.unlink()
            elif link.exists():
                raise LaunchError(
                    f"Cannot mount {uri} at {name}: the data storage already holds a '{name}' that is not a NAS "
                    "mount; rename or remove it."
                )
            link.symlink_to(target, target_is_directory=True)

    def resolve_nas(self, uri: str) -> Path:
        config = StorageConfig(object_store_root=self.nb.root, nas_mounts=self.nas_mounts)
        try:
            return resolve(uri, config).local_path
        except StorageError as err:
            raise LaunchError(f"NAS {uri}: {err}") from None

    def environment(self, token: str) -> dict[str, str]:
        boot = self.nb.boot
        env = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED_PREFIXES)}
        env.update(
            HOME=str(boot / "home"),
            TMPDIR=str(boot / "tmp"),
            JUPYTER_CONFIG_DIR=str(boot / "jupyter-config"),
            JUPYTER_DATA_DIR=str(boot / "jupyter-data"),
            JUPYTER_RUNTIME_DIR=str(boot / "jupyter-runtime"),
            IPYTHONDIR=str(boot / "ipython"),
            JUPYTER_TOKEN=token,  # not on the command line, where other users could read it
            EM_DATA_DIR=str(self.nb.data),
            EM_APPKEY=self.spec.appkey,
            EM_REGION=self.spec.region,
            EM_NOTEBOOK_ID=self.spec.notebook_id,
            PYTHONUNBUFFERED="1",
        )
        return env

    def launch(self) -> subprocess.Popen:
        if not os.access(self.python, os.X_OK):
            raise LaunchError(
                f"The Python environment for image '{self.spec.image.name}' ({self.python}) does not exist; "
                "fix EasyMakerApp.image_environments."
            )
        # as the notebook pod does: its start-up scripts first, then the server, which offers custom-conda-envs/
        continit.run_all(self.nb.data)
        port, token = free_port(), secrets.token_urlsafe(32)
        command = [
            self.python, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
            f"--ServerApp.base_url={self.spec.base_url}", f"--ServerApp.root_dir={self.nb.data}",
            # the platform's own extension belongs to the platform server, not to each notebook
            "--ServerApp.jpserver_extensions=jupyter_easymaker=False",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]  # fmt: skip
        if self._has_env_kernels():
            command += [
                "--ServerApp.kernel_spec_manager_class=jupyter_easymaker.pod.kernels.EnvKernelSpecManager",
                f"--EnvKernelSpecManager.easymaker_data_dir={self.nb.data}",
            ]
        if os.geteuid() == 0:
            command.append("--allow-root")
        with open(self.nb.log, "ab") as log:
            log.write(f"--- launch {self.generation} at {time.ctime()}: {' '.join(command)}\n".encode())
            log.flush()
            server = subprocess.Popen(
                command, cwd=self.nb.data, env=self.environment(token), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            os.sched_setaffinity(server.pid, self.cpus)  # kernels inherit it
        except (OSError, AttributeError):
            pass
        self.started_at = time.time()
        identity = process_identity(server.pid)
        write_json(
            self.nb.server,
            {**identity, "generation": self.generation, "port": port, "token": token, "started_at": self.started_at},
        )
        os.chmod(self.nb.server, 0o600)
        return server

    def _has_env_kernels(self) -> bool:
        """Whether the image's Python can load the kernel spec manager that offers custom-conda-envs/ as kernels."""
        if Path(self.python).resolve() == Path(sys.executable).resolve():
            return True
        probe = [self.python, "-c", "import jupyter_easymaker.pod.kernels"]
        return subprocess.run(probe, capture_output=True, timeout=60).returncode == 0

    def supervise(self, server: subprocess.Popen) -> str:
        sampler = UsageSampler(self.nb.usage, [server.pid])
        identity = read_json(self.nb.server) or process_identity(server.pid)
        while True:
            try:
                code = server.wait(POLL_SECONDS)
            except subprocess.TimeoutExpired:
                code = None
            if code is not None:
                return f"The notebook's Jupyter server exited with code {code}: {self.log_tail()}"
            if self.stop_requested():
                end_process_tree(server.pid, identity["create_time"], STOP_GRACE_SECONDS)
                server.wait()
                return "Stopped at the user's request."
            sampler.maybe_sample()

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = self.nb.log.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(text[-lines:]) + f" (full log: {self.nb.log})"

    def finish(self, message: str) -> None:
        write_json(
            self.nb.result,
            {"generation": self.generation, "message": message, "started_at": self.started_at,
             "finished_at": time.time()},
        )  # fmt: skip


def main(argv: list[str]) -> int:
    nb, generation = NotebookDir(Path(argv[0])), int(argv[1])
    if not nb.claim(generation):
        return 0
    write_json(nb.runner, {**process_identity(os.getpid()), "generation": generation})
    supervisor = Supervisor(nb, generation)
    try:
        supervisor.run()
    except Exception as err:  # the supervisor must always leave a result behind
        supervisor.finish(f"Internal error in the notebook supervisor: {err!r}")
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
