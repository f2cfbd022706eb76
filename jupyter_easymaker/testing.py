"""A real `jupyter server` with the extension in a process of its own, for tests and benchmarks."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
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
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        """`tls`: (certificate, key) files to serve HTTPS with (the certificate is also what clients verify)."""
        self.data_dir, self.root_dir, self.extra_args, self.tls = data_dir, root_dir, extra_args, tls
        self.env, self.controller_interval = env or {}, controller_interval
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = data_dir.parent / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/"

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
        if self.tls:
            command += [f"--ServerApp.certfile={self.tls[0]}", f"--ServerApp.keyfile={self.tls[1]}"]
        verify = str(self.tls[0]) if self.tls else True
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.root_dir)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}easymaker/nhn-api-gateway", timeout=1, verify=verify).status_code == 200:
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
        """Stop the server and, unlike a real shutdown (they outlive it), the stages' model servers it started."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        end_model_servers(self.data_dir)


def end_model_servers(data_dir: Path) -> None:
    import json

    import psutil

    for record in data_dir.glob("stages/*/gen-*/generation.json"):
        for proc in json.loads(record.read_text()).get("processes", []):
            try:
                if abs(psutil.Process(proc["pid"]).create_time() - proc["create_time"]) < 0.01:
                    os.killpg(proc["pid"], signal.SIGKILL)
            except (psutil.Error, ProcessLookupError, PermissionError):
                pass


def self_signed_certificate(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A certificate for `host` and its key (openssl), to run the server with TLS in tests and benchmarks."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={host}",
         "-addext", f"subjectAltName=IP:{host}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


class PostgresServer:
    """A throwaway PostgreSQL cluster (Debian's server binaries) on a free port, for tests of the store."""

    def __init__(self) -> None:
        # Its own temporary root, which the postgres user can reach (test temp dirs are private to root).
        self.root = Path(tempfile.mkdtemp(prefix="easymaker-pg-"))
        self.root.chmod(0o755)
        self.data_dir = self.root / "data"
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
        self.bin = versions[-1].parent if versions else None
        # PostgreSQL refuses to run as root; run it as the package's own user then.
        self.user = "postgres" if os.geteuid() == 0 else None

    @property
    def available(self) -> bool:
        return self.bin is not None

    @property
    def url(self) -> str:
        return self.database_url("easymaker")

    def database_url(self, name: str) -> str:
        return f"postgresql+psycopg://easymaker@127.0.0.1:{self.port}/{name}"

    def new_database(self, name: str) -> str:
        """An empty database of its own, for a test that must start from nothing."""
        createdb = [self.bin / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "easymaker", name]
        subprocess.run(createdb, check=True, capture_output=True)
        return self.database_url(name)

    def start(self, timeout: float = 60) -> PostgresServer:
        assert self.bin is not None, "PostgreSQL is not installed (scripts/setup.sh installs it when run as root)"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.user:
            shutil.chown(self.data_dir, self.user)
        run = {"user": self.user, "check": True, "capture_output": True}
        subprocess.run([self.bin / "initdb", "-D", self.data_dir, "-U", "easymaker", "--auth=trust"], **run)
        self.proc = subprocess.Popen(
            [self.bin / "postgres", "-D", self.data_dir, "-p", str(self.port), "-h", "127.0.0.1", "-k", self.data_dir],
            user=self.user, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.time() + timeout
        while subprocess.run([self.bin / "pg_isready", "-h", "127.0.0.1", "-p", str(self.port)],
                             capture_output=True).returncode != 0:  # fmt: skip
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("PostgreSQL did not start")
            time.sleep(0.1)
        self.new_database("easymaker")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown: does not wait for clients to leave
            self.proc.wait(30)
        shutil.rmtree(self.root, ignore_errors=True)


def clone_trainings(database_url: str, training_id: str, count: int, prefix: str = "bulk") -> list[str]:
    """`count` finished copies of a finished training, written straight into the store (for list-size tests and
    benchmarks: a thousand real runs would take minutes). Names are `{prefix}-0000` …, oldest first, all older than
    the training copied; returns the new ids."""
    from datetime import timedelta

    from sqlalchemy import inspect

    from .platform import new_id
    from .store.db import Store
    from .store.models import TrainingRow

    store = Store(database_url)
    try:
        with store.session() as session:
            source = session.get(TrainingRow, training_id)
            assert source is not None, f"no training {training_id}"
            columns = [c.key for c in inspect(TrainingRow).mapper.column_attrs]
            values = {key: getattr(source, key) for key in columns}
            start, ids = source.created_at, []
            for i in range(count):
                ids.append(new_id())
                when = start - timedelta(seconds=count - i)
                session.add(TrainingRow(**{**values, "id": ids[-1], "name": f"{prefix}-{i:04d}",
                                           "created_at": when, "updated_at": when}))  # fmt: skip
    finally:
        store.close()
    return ids
