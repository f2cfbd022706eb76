"""A real `jupyter server` with the extension in a process of its own, for tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

TOKEN = "test-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """A server with its own data directory, token auth and a fast controller; can be SIGKILLed."""

    def __init__(
        self,
        data_dir: Path,
        root_dir: Path,
        extra_args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
        controller_interval: float = 0.1,
    ) -> None:
        self.data_dir, self.root_dir, self.extra_args = data_dir, root_dir, extra_args
        self.env, self.controller_interval = env or {}, controller_interval
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = data_dir.parent / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 60) -> ServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.root_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "EM_DATA_DIR": str(self.data_dir),
            "JUPYTER_RUNTIME_DIR": str(self.data_dir / "runtime"),
            **self.env,
        }
        command = [
            sys.executable, "-m", "jupyter_server", "--allow-root", "--no-browser", f"--port={self.port}",
            f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={self.root_dir}",
            "--ServerApp.jpserver_extensions=jupyter_easymaker=True",
            f"--EasyMakerApp.controller_interval={self.controller_interval}",
            *self.extra_args,
        ]  # fmt: skip
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.root_dir)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}easymaker/nhn-api-gateway", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks run, as when the machine or the container dies."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
