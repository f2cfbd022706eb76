"""Fixtures: a real Jupyter server in-process (pytest-jupyter) and as a subprocess we can SIGKILL."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
import requests

from jupyter_easymaker import testing
from jupyter_easymaker.testing import TOKEN

pytest_plugins = ["pytest_jupyter.jupyter_server"]

APPKEY = "local"


@pytest.fixture
def jp_server_config(tmp_path):
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_easymaker": True}},
        "EasyMakerApp": {"data_dir": str(tmp_path / "em-data"), "controller_interval": 0.1},
    }


class Api:
    """Raw HTTP against the REST API, so tests see exactly what goes over the wire."""

    def __init__(self, root: str, token: str = TOKEN, appkey: str = APPKEY) -> None:
        self.root = root  # …/easymaker
        self.base = f"{root}/v1.0/appkeys/{appkey}"
        self.session = requests.Session()
        self.session.headers["X-EasyMaker-Token"] = token

    def call(self, method: str, path: str, **kwargs) -> tuple[int, dict]:
        response = self.session.request(method, self.base + path, timeout=30, **kwargs)
        return response.status_code, response.json()

    def get(self, path: str, **kwargs) -> dict:
        status, body = self.call("GET", path, **kwargs)
        assert status == 200 and body["header"]["isSuccessful"], body
        return body

    def post(self, path: str, json: dict | None = None) -> dict:
        status, body = self.call("POST", path, json=json or {})
        assert status in (200, 201, 202) and body["header"]["isSuccessful"], body
        return body

    def put(self, path: str, json: dict | None = None) -> dict:
        status, body = self.call("PUT", path, json=json)
        assert status == 200 and body["header"]["isSuccessful"], body
        return body

    def delete(self, path: str) -> dict:
        status, body = self.call("DELETE", path)
        assert status == 200 and body["header"]["isSuccessful"], body
        return body

    # conveniences over the catalog and lifecycles

    def image_id(self, name: str = "Ubuntu 22.04 CPU PyTorch Training") -> str:
        return next(i["imageId"] for i in self.get("/images")["imageList"] if i["imageName"] == name)

    def flavor_id(self, name: str = "m2.c2m4") -> str:
        return next(f["id"] for f in self.get("/flavors")["flavorList"] if f["name"] == name)

    def experiment(self, name: str = "exp") -> str:
        return self.post("/experiments", {"experimentName": name})["experiment"]["experimentId"]

    def training_body(self, name: str, experiment_id: str, source: Path, output: Path, **extra) -> dict:
        return {
            "trainingName": name,
            "experimentId": experiment_id,
            "imageId": self.image_id(),
            "flavorId": self.flavor_id(),
            "sourceDirUri": str(source),
            "entryPoint": "train.py",
            "modelUploadUri": str(output),
            **extra,
        }

    def wait_training(self, training_id: str, until=("COMPLETE", "FAIL TRAIN", "STOPPED", "CREATE FAILED"),
                      timeout: float = 90) -> tuple[dict, list[str]]:  # fmt: skip
        """Poll until the training reaches one of `until`; returns it and every status seen on the way."""
        seen: list[str] = []
        deadline = time.time() + timeout
        while time.time() < deadline:
            training = self.get(f"/trainings/{training_id}")["training"]
            if not seen or seen[-1] != training["trainingStatusCode"]:
                seen.append(training["trainingStatusCode"])
            if training["trainingStatusCode"] in until:
                return training, seen
            time.sleep(0.05)
        raise AssertionError(f"training {training_id} still {seen[-1] if seen else '?'} after {timeout}s: {seen}")

    def logs(self, training_id: str) -> list[dict]:
        return self.get("/logs", params={"trainingId": training_id, "limit": 10000})["logList"]


class ServerProcess(testing.ServerProcess):
    @property
    def api(self) -> Api:
        return Api(f"{self.url}easymaker")


@pytest.fixture
def server_factory(tmp_path):
    started: list[ServerProcess] = []

    def make(data_dir: Path | None = None, extra_args: tuple[str, ...] = ()) -> ServerProcess:
        root = tmp_path / "root"
        root.mkdir(exist_ok=True)
        server = ServerProcess(data_dir or tmp_path / "em-data", root, extra_args).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def shared_server(tmp_path_factory):
    """One server for the tests that only need a running API (faster than one each)."""
    base = tmp_path_factory.mktemp("shared")
    (base / "root").mkdir()
    server = ServerProcess(base / "em-data", base / "root").start()
    yield server
    server.stop()


@pytest.fixture
def api(shared_server) -> Api:
    return shared_server.api


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for the session (scripts/setup.sh installs it when run as root)."""
    server = testing.PostgresServer()
    if not server.available:
        message = "PostgreSQL is not installed; run scripts/setup.sh as root to install it"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    yield server.start()
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """An empty database of each kind the store supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("postgres").new_database(f"t{uuid.uuid4().hex[:12]}")


def write_script(directory: Path, body: str, name: str = "train.py") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(body)
    return directory


@pytest.fixture
def sdk(shared_server, monkeypatch):
    """The public `easymaker` SDK, initialised against the shared server (its 10 s polling cut to 0.2 s)."""
    import easymaker
    from easymaker.common.base_model.easymaker_base_model import EasyMakerBaseModel

    monkeypatch.setenv("EM_API_URL", f"{shared_server.url}easymaker")
    monkeypatch.delenv("EM_TOKEN", raising=False)
    monkeypatch.delenv("EM_EXPERIMENT_ID", raising=False)
    monkeypatch.setattr(EasyMakerBaseModel.wait, "__defaults__", ("create", 0.2))
    easymaker.init(appkey="local", region="kr1", access_token=TOKEN)
    return easymaker
