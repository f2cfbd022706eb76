"""Notebook instances: the console's lifecycle, opening through the server's auth, storage, restart, validation."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import uuid
from pathlib import Path

import psutil
import pytest
import requests
from conftest import Api
from tornado import httpclient, websocket

from jupyter_easymaker.backends.local.notebooks import end_process_tree
from jupyter_easymaker.testing import TOKEN

CPU_IMAGE = "Ubuntu 22.04 CPU Python Notebook"
GPU_IMAGE = "Ubuntu 22.04 GPU Python Notebook"
AUTH = {"Authorization": f"token {TOKEN}"}


def image(api: Api, name: str = CPU_IMAGE) -> str:
    return api.image_id(name)


def wait_status(api: Api, notebook_id: str, until: tuple[str, ...], timeout: float = 60) -> tuple[dict, list[str]]:
    """Poll until the notebook is in one of `until`; returns it and every status seen on the way."""
    seen: list[str] = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        notebook = api.get(f"/notebooks/{notebook_id}")["notebook"]
        if not seen or seen[-1] != notebook["notebookStatusCode"]:
            seen.append(notebook["notebookStatusCode"])
        if notebook["notebookStatusCode"] in until:
            return notebook, seen
        time.sleep(0.05)
    raise AssertionError(f"notebook {notebook_id} still {seen[-1] if seen else '?'} after {timeout}s: {seen}")


def wait_gone(api: Api, notebook_id: str, timeout: float = 30) -> list[str]:
    seen: list[str] = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, body = api.call("GET", f"/notebooks/{notebook_id}")
        if status == 404:
            return seen
        if not seen or seen[-1] != body["notebook"]["notebookStatusCode"]:
            seen.append(body["notebook"]["notebookStatusCode"])
        time.sleep(0.05)
    raise AssertionError(f"notebook {notebook_id} not deleted after {timeout}s: {seen}")


def server_record(notebook: dict) -> dict:
    """The local backend's record of the notebook's Jupyter server (pid, port, its token)."""
    data_dir = Path(notebook["appliedResources"]["dataStorageDir"])
    return json.loads((data_dir.parent / "server.json").read_text())


def execute(server_url: str, notebook_id: str, code: str, headers: dict[str, str]) -> str:
    """Start a kernel in the notebook's server through the proxy, run `code` over its WebSocket channel, return its
    stdout, and shut the kernel down."""
    root = f"{server_url}easymaker/notebooks/{notebook_id}"
    response = requests.post(f"{root}/api/kernels", json={"name": "python3"}, headers=headers, timeout=30)
    assert response.status_code == 201, response.text
    kernel_id = response.json()["id"]
    try:
        return asyncio.run(_run_over_websocket(root.replace("http", "ws", 1), kernel_id, code, headers))
    finally:
        requests.delete(f"{root}/api/kernels/{kernel_id}", headers=headers, timeout=30)


async def _run_over_websocket(root: str, kernel_id: str, code: str, headers: dict[str, str]) -> str:
    session = uuid.uuid4().hex
    request = httpclient.HTTPRequest(f"{root}/api/kernels/{kernel_id}/channels?session_id={session}", headers=headers)
    connection = await websocket.websocket_connect(request)
    msg_id = uuid.uuid4().hex
    header = {"msg_id": msg_id, "msg_type": "execute_request", "session": session, "username": "test",
              "version": "5.3", "date": ""}  # fmt: skip
    message = {"header": header, "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
               "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                           "allow_stdin": False, "stop_on_error": True}}  # fmt: skip
    await connection.write_message(json.dumps(message))
    stdout, done, deadline = "", False, time.time() + 60
    while not done and time.time() < deadline:
        raw = await asyncio.wait_for(connection.read_message(), 60)
        assert raw is not None, "the WebSocket closed"
        reply = json.loads(raw)
        if reply.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = reply["msg_type"]
        if kind == "stream":
            stdout += reply["content"]["text"]
        elif kind == "error":
            raise AssertionError(reply["content"]["traceback"])
        elif kind == "status" and reply["content"]["execution_state"] == "idle":
            done = True
    connection.close()
    assert done, "no idle status after the execution"
    return stdout


@pytest.fixture
def reap_notebooks(tmp_path):
    """Notebooks outlive the platform server by design: end what a failed test left running."""
    yield
    for record in (tmp_path / "em-data" / "notebooks").glob("*/*.json"):
        if record.name in ("runner.json", "server.json"):
            info = json.loads(record.read_text())
            end_process_tree(info["pid"], info["create_time"], grace=0)


def test_lifecycle_storage_proxy_and_restart(server_factory, tmp_path, reap_notebooks):
    nas = tmp_path / "nas01"
    (nas / "datasets").mkdir(parents=True)
    (nas / "datasets" / "shared.txt").write_text("from the NAS")
    args = (f"--EasyMakerApp.nas_mounts=nas01={nas}", f"--EasyMakerApp.image_environments={GPU_IMAGE}=/no/python")
    server = server_factory(extra_args=args)
    api = server.api
    body = {
        "notebookName": "lab-one", "description": "first", "imageId": image(api), "flavorId": api.flavor_id("m2.c2m4"),
        "bootStorageSize": 50, "dataStorageSize": 2040,
        "nasList": [{"mountDirName": "shared", "nasUri": "nas://nas01:/datasets"}],
        "tagList": [{"tagKey": "team", "tagValue": "vision"}],
    }  # fmt: skip
    created = api.post("/notebooks", body)["notebook"]
    assert created["notebookStatusCode"] == "CREATE REQUESTED"
    assert created["dataStorageSize"] == 2040 and created["tagList"] == [{"tagKey": "team", "tagValue": "vision"}]
    notebook_id = created["notebookId"]
    notebook, seen = wait_status(api, notebook_id, ("ACTIVE (HEALTHY)", "CREATE FAILED"))
    assert seen[-2:] == ["CREATE IN PROGRESS", "ACTIVE (HEALTHY)"], (seen, notebook["statusReason"])
    assert "not enforced" in notebook["appliedResources"]["dataStorage"]
    assert api.get("/notebooks", params={"notebookNameList": "lab-one"})["notebookList"][0]["notebookId"] == notebook_id

    # Open Jupyter Notebook: JupyterLab through the server's auth, never showing the notebook server's token
    record = server_record(notebook)
    opened = f"{server.url}easymaker/notebooks/{notebook_id}"
    page = requests.get(f"{opened}/lab", headers=AUTH, timeout=30)
    assert page.status_code == 200 and "jupyter-config-data" in page.text
    assert record["token"] not in page.text
    refused = requests.get(f"{opened}/api/status", timeout=30, allow_redirects=False)
    assert refused.status_code in (302, 403) and "last_activity" not in refused.text
    assert requests.post(f"{opened}/api/kernels", json={}, timeout=30).status_code == 403
    wrong = requests.get(f"{opened}/api/status", headers={"Authorization": f"token {record['token']}"}, timeout=30)
    assert wrong.status_code in (302, 403), "the notebook's own token is not a key to the platform server"

    # a kernel started through the proxy and driven over its WebSocket: data storage, boot area, NAS
    data_dir = Path(notebook["appliedResources"]["dataStorageDir"])
    code = (
        "import os, pathlib\n"
        "pathlib.Path('kept.txt').write_text('data storage')\n"
        "pathlib.Path(os.environ['HOME'], 'scratch.txt').write_text('boot area')\n"
        "print(os.getcwd(), os.environ['EM_DATA_DIR'], open('shared/shared.txt').read(), sep='|')\n"
    )
    out = execute(server.url, notebook_id, code, AUTH)
    assert out.strip() == f"{data_dir}|{data_dir}|from the NAS"
    home = data_dir.parent / "boot" / "home"
    assert (data_dir / "kept.txt").exists() and (home / "scratch.txt").exists()

    # files come through as they are (streamed, not scrubbed or held)
    blob = os.urandom(3 << 20)
    (data_dir / "blob.bin").write_bytes(blob)
    download = requests.get(f"{opened}/files/blob.bin", headers=AUTH, timeout=60)
    assert download.status_code == 200 and download.content == blob
    saved = requests.put(f"{opened}/api/contents/note.txt", headers=AUTH, timeout=30,
                         json={"type": "file", "format": "text", "content": "written through the proxy"})  # fmt: skip
    assert saved.status_code == 201 and (data_dir / "note.txt").read_text() == "written through the proxy"

    # monitoring: samples of the server's process tree
    deadline = time.time() + 20
    while not (usage := api.get(f"/notebooks/{notebook_id}/monitoring")["usageList"]) and time.time() < deadline:
        time.sleep(0.2)
    assert usage and all(u["memoryBytes"] > 0 for u in usage)

    # a server that lives but does not answer is UNHEALTHY, and HEALTHY again when it answers
    os.kill(record["pid"], signal.SIGSTOP)
    try:
        notebook, _ = wait_status(api, notebook_id, ("ACTIVE (UNHEALTHY)",), timeout=30)
        assert "/api/status" in notebook["statusReason"]
    finally:
        os.kill(record["pid"], signal.SIGCONT)
    wait_status(api, notebook_id, ("ACTIVE (HEALTHY)",), timeout=30)

    # instance type: only while STOPPED, only to the same core type
    status, answer = api.call("PUT", f"/notebooks/{notebook_id}/flavor", json={"flavorId": api.flavor_id("m2.c4m8")})
    assert status == 409 and "stop it first" in answer["header"]["resultMessage"]
    assert api.call("PUT", f"/notebooks/{notebook_id}/start")[0] == 409

    assert api.put(f"/notebooks/{notebook_id}/stop")["notebook"]["notebookStatusCode"] == "STOP IN PROGRESS"
    _, seen = wait_status(api, notebook_id, ("STOPPED", "STOP FAILED"))
    assert seen[-1] == "STOPPED"
    assert not psutil.pid_exists(record["pid"]) or psutil.Process(record["pid"]).status() == psutil.STATUS_ZOMBIE
    assert requests.get(f"{opened}/api/status", headers=AUTH, timeout=30).status_code == 409
    gpu = {"flavorId": api.flavor_id("g2.t4.c8m64")}
    status, answer = api.call("PUT", f"/notebooks/{notebook_id}/flavor", json=gpu)
    assert status == 400 and [e["field"] for e in answer["errorList"]] == ["flavorId"]
    assert "another CPU instance type" in answer["errorList"][0]["message"]
    changed = api.put(f"/notebooks/{notebook_id}/flavor", {"flavorId": api.flavor_id("m2.c4m8")})["notebook"]
    assert changed["flavor"]["name"] == "m2.c4m8"
    assert api.call("PUT", f"/notebooks/{notebook_id}/reboot")[0] == 409

    # start again: the data storage is kept, the boot area is not, and the notebook's start-up scripts run first
    script = data_dir / "cont-init.d" / "10-hello.sh"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\necho hello from cont-init\n")
    script.chmod(0o755)
    assert api.put(f"/notebooks/{notebook_id}/start")["notebook"]["notebookStatusCode"] == "START IN PROGRESS"
    notebook, seen = wait_status(api, notebook_id, ("ACTIVE (HEALTHY)", "START FAILED"))
    assert seen[-1] == "ACTIVE (HEALTHY)", notebook["statusReason"]
    assert (data_dir / "kept.txt").read_text() == "data storage"
    assert (data_dir / "cont-init.d" / "10-hello.sh.output").read_text() == "hello from cont-init\n"
    assert "10-hello.sh exited with code 0" in (data_dir / "cont-init.output").read_text()
    assert not (home / "scratch.txt").exists()
    assert (data_dir / "shared" / "shared.txt").exists()

    # the notebook keeps running across a SIGKILL of the platform server, and the new server re-attaches to it
    record = server_record(notebook)
    server.kill()
    assert psutil.pid_exists(record["pid"])
    server = server_factory(data_dir=server.data_dir, extra_args=args)
    api = server.api
    notebook, _ = wait_status(api, notebook_id, ("ACTIVE (HEALTHY)",))
    assert server_record(notebook)["pid"] == record["pid"], "the same server, not a new launch"
    opened = f"{server.url}easymaker/notebooks/{notebook_id}"
    assert requests.get(f"{opened}/api/status", headers=AUTH, timeout=30).json()["started"]
    assert execute(server.url, notebook_id, "print(open('kept.txt').read())", AUTH).strip() == "data storage"

    # reboot: a new launch with a fresh boot area
    (home / "again.txt").write_text("boot area")
    assert api.put(f"/notebooks/{notebook_id}/reboot")["notebook"]["notebookStatusCode"] == "REBOOT IN PROGRESS"
    notebook, seen = wait_status(api, notebook_id, ("ACTIVE (HEALTHY)", "REBOOT FAILED"))
    assert seen[-1] == "ACTIVE (HEALTHY)", notebook["statusReason"]
    assert server_record(notebook)["pid"] != record["pid"] and not (home / "again.txt").exists()

    # the console's Change: name and description
    other = api.post("/notebooks", {**body, "notebookName": "lab-two", "nasList": []})["notebook"]["notebookId"]
    status, answer = api.call("PUT", f"/notebooks/{notebook_id}", json={"notebookName": "lab-two"})
    assert status == 409 and "notebookName" in answer["header"]["resultMessage"]
    renamed = api.put(f"/notebooks/{notebook_id}", {"notebookName": "lab-renamed", "description": None})["notebook"]
    assert (renamed["notebookName"], renamed["description"]) == ("lab-renamed", None)

    # a notebook that cannot start: CREATE FAILED with the reason; it can only be deleted
    broken = {"notebookName": "broken", "imageId": image(api, GPU_IMAGE), "flavorId": api.flavor_id("g2.t4.c8m64")}
    broken_id = api.post("/notebooks", broken)["notebook"]["notebookId"]
    failed, _ = wait_status(api, broken_id, ("CREATE FAILED", "ACTIVE (HEALTHY)"))
    assert failed["notebookStatusCode"] == "CREATE FAILED" and "image_environments" in failed["statusReason"]
    assert api.call("PUT", f"/notebooks/{broken_id}/start")[0] == 409
    api.delete(f"/notebooks/{broken_id}")
    wait_gone(api, broken_id)

    # delete: the notebook, its server and its storage go; the NAS stays
    record = server_record(notebook)
    assert api.delete(f"/notebooks/{notebook_id}")["notebook"]["notebookStatusCode"] == "DELETE IN PROGRESS"
    wait_gone(api, notebook_id)
    assert not data_dir.parent.exists()
    assert not psutil.pid_exists(record["pid"]) or psutil.Process(record["pid"]).status() == psutil.STATUS_ZOMBIE
    assert (nas / "datasets" / "shared.txt").exists()
    assert api.get(f"/notebooks/{other}")["notebook"]["notebookName"] == "lab-two"
    wait_status(api, other, ("ACTIVE (HEALTHY)",))
    api.delete(f"/notebooks/{other}")
    wait_gone(api, other)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"imageId": "training"}, "imageId"),
        ({"flavorId": "gpu"}, "flavorId"),
        ({"flavorId": "nope"}, "flavorId"),
        ({"bootStorageSize": 15}, "bootStorageSize"),
        ({"dataStorageSize": 2050}, "dataStorageSize"),
        ({"dataStorageSize": 0}, "dataStorageSize"),
        ({"notebookName": "bad name"}, "notebookName"),
        ({"tagList": [{"tagKey": f"k{i}", "tagValue": "v"} for i in range(11)]}, "tagList"),
        ({"tagList": [{"tagKey": "a"}, {"tagKey": "a"}]}, "tagList"),
        ({"nasList": [{"mountDirName": "data", "nasUri": "nas://unknown:/x"}]}, "nasList[0].nasUri"),
        ({"nasList": [{"mountDirName": "data", "nasUri": "obs://host/bucket/x"}]}, "nasList[0].nasUri"),
        ({"nasList": [{"mountDirName": "a/b", "nasUri": "nas://n:/x"}]}, "nasList[0].mountDirName"),
        ({"nasList": [{"mountDirName": "custom-conda-envs", "nasUri": "nas://n:/x"}]}, "nasList[0].mountDirName"),
        ({"bootStorage": 10}, "bootStorage"),
    ],
)
def test_create_validation_names_the_field(api, change, field):
    name = f"bad-{uuid.uuid4().hex[:8]}"
    values = {"training": image(api, "Ubuntu 22.04 CPU PyTorch Training"), "gpu": api.flavor_id("g2.t4.c8m64")}
    body = {"notebookName": name, "imageId": image(api), "flavorId": api.flavor_id()}
    body.update({k: values.get(v, v) if isinstance(v, str) else v for k, v in change.items()})
    status, answer = api.call("POST", "/notebooks", json=body)
    assert status == 400, answer
    assert field in [e["field"] for e in answer["errorList"]], answer
    assert not api.get("/notebooks", params={"notebookNameList": name})["notebookList"], "nothing left behind"


def test_refusals_and_missing_notebooks(api):
    assert api.call("GET", "/notebooks/does-not-exist")[0] == 404
    assert api.call("PUT", "/notebooks/does-not-exist/start")[0] == 404
    status, answer = api.call("PUT", "/notebooks/does-not-exist/flavor", json={"flavor": "x"})
    assert status == 400 and {e["field"] for e in answer["errorList"]} == {"flavor", "flavorId"}
    refused = requests.get(f"{api.root}/notebooks/does-not-exist/lab", headers=AUTH, timeout=30)
    assert refused.status_code == 404


def test_a_launch_cut_off_before_its_supervisor_started_is_relaunched(tmp_path):
    """The server recorded CREATE IN PROGRESS and the launch's spec, then died before spawning the supervisor."""
    from jupyter_easymaker.backends.local.notebooks import LocalNotebooks
    from jupyter_easymaker.backends.local.rundir import write_json
    from jupyter_easymaker.controller.notebooks import NotebookReconciler, notebook_work
    from jupyter_easymaker.platform import Catalog, Platform, now
    from jupyter_easymaker.resources.catalog import ALGORITHMS, DEFAULT_IMAGES, DEFAULT_INSTANCE_TYPES
    from jupyter_easymaker.storage import StorageConfig
    from jupyter_easymaker.store import NotebookRow, Store

    storage = StorageConfig(object_store_root=tmp_path / "obs")
    catalog = Catalog(
        images={i.image_id: i for i in DEFAULT_IMAGES},
        instance_types={f.id: f for f in DEFAULT_INSTANCE_TYPES},
        algorithms={a.algorithm_id: a for a in ALGORITHMS},
    )
    platform = Platform(Store(f"sqlite:///{tmp_path / 'store.db'}"), catalog, storage, tmp_path)
    backend = LocalNotebooks(tmp_path / "notebooks", storage, {})
    reconciler = NotebookReconciler(platform, backend, "/easymaker/notebooks/")
    image_id = next(i.image_id for i in DEFAULT_IMAGES if i.image_name == CPU_IMAGE)
    config = {"imageId": image_id, "flavorId": DEFAULT_INSTANCE_TYPES[0].id, "bootStorageSize": 50,
              "dataStorageSize": 100, "nasList": [], "tagList": []}  # fmt: skip
    with platform.store.session() as session:
        row = NotebookRow(id=str(uuid.uuid4()), appkey="local", name="cut-off", config=config, generation=1,
                          status="CREATE IN PROGRESS", usage_cursor=0, created_at=now(), updated_at=now())  # fmt: skip
        session.add(row)
        spec = notebook_work(platform, row, "/easymaker/notebooks/")
        notebook_id = row.id
    backend.dir(notebook_id).root.mkdir(parents=True)
    write_json(backend.dir(notebook_id).spec, backend.plan(spec))  # recorded; no supervisor was ever spawned
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            reconciler.reconcile_once()
            with platform.store.session() as session:
                status = session.get(NotebookRow, notebook_id).status
            if status != "CREATE IN PROGRESS":
                break
            time.sleep(0.1)
        assert status == "ACTIVE (HEALTHY)"
    finally:
        backend.delete(notebook_id)
        platform.store.close()
