"""The notebook pod: cont-init.d scripts run as the guide says; custom-conda-envs environments become kernels."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import psutil
import pytest
import requests
from jupyter_client.manager import KernelManager

from jupyter_easymaker.pod.kernels import EnvKernelSpecManager

CLI = Path(sys.executable).with_name("jupyter-easymaker")


def write(path: Path, text: str, executable: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755 if executable else 0o644)
    return path


def test_scripts_run_in_order_with_exact_records(tmp_path):
    data = tmp_path / "easymaker"
    scripts = data / "cont-init.d"
    write(scripts / "20-second.sh", "#!/bin/sh\necho second\necho to-stderr >&2\nexit 3\n")
    write(scripts / "10-first.py", "#!/usr/bin/env python3\nprint('first')\n")
    write(scripts / "30-not-executable.sh", "#!/bin/sh\necho never\n", executable=False)
    write(scripts / "40-no-shebang.sh", "echo never\n")
    write(scripts / "50-hangs.sh", f"#!/bin/sh\necho $$ > {tmp_path / 'hang.pid'}\nsleep 600 &\necho $! >> "
                                   f"{tmp_path / 'hang.pid'}\nwait\n")  # fmt: skip
    write(scripts / "60-after.sh", "#!/bin/sh\necho after the failures\n")

    done = subprocess.run([CLI, "cont-init", "--data-dir", data, "--timeout", "2"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr

    records = {p.name: p.read_text() for p in scripts.iterdir() if p.suffix in (".exitcode", ".output")}
    assert records == {
        "10-first.py.exitcode": "0\n", "10-first.py.output": "first\n",
        "20-second.sh.exitcode": "3\n", "20-second.sh.output": "second\nto-stderr\n",
        "50-hangs.sh.exitcode": "124\n",
        "50-hangs.sh.output": "\n[cont-init] ended after 2s: the script did not finish in time\n",
        "60-after.sh.exitcode": "0\n", "60-after.sh.output": "after the failures\n",
    }  # fmt: skip
    hung = [int(pid) for pid in (tmp_path / "hang.pid").read_text().split()]
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in hung)

    log = (data / "cont-init.output").read_text()
    order = [log.index(f"running {name}") for name in ("10-first.py", "20-second.sh", "50-hangs.sh", "60-after.sh")]
    assert order == sorted(order)
    assert "skipped 30-not-executable.sh: not executable (no run permission)" in log
    assert "skipped 40-no-shebang.sh: its first line does not start with #!" in log
    assert "20-second.sh exited with code 3" in log and "50-hangs.sh timed out after 2s" in log
    assert "cont-init: 4 ran, 2 skipped, failed: 20-second.sh, 50-hangs.sh" in log
    assert "skipped  30-not-executable.sh" in done.stdout and "ran      20-second.sh: exit 3" in done.stdout


def test_scripts_at_server_start_and_through_the_api(server_factory, tmp_path):
    data = tmp_path / "em-data"
    marker = tmp_path / "marker"
    write(data / "cont-init.d" / "10-boot.sh", f"#!/bin/sh\necho booted > {marker}\necho boot done\n")
    server = server_factory(data, ("--EasyMakerApp.run_cont_init=True",))
    assert marker.read_text() == "booted\n"  # ran before the server answered
    api = server.api
    listed = api.get("/cont-init-scripts")
    assert [(s["scriptName"], s["lastExitCode"], s["lastOutput"]) for s in listed["scriptList"]] == [
        ("10-boot.sh", 0, "boot done\n")
    ]

    created = api.put("/cont-init-scripts/20-new.sh", {"content": "#!/bin/sh\necho new script\nexit 7\n"})["script"]
    assert created["enabled"] and created["willRun"] and created["content"].startswith("#!/bin/sh")
    api.put("/cont-init-scripts/10-boot.sh", {"enabled": False})
    disabled = api.get("/cont-init-scripts/10-boot.sh")["script"]
    assert not disabled["enabled"] and disabled["skipReason"] == "not executable (no run permission)"
    assert not os.access(data / "cont-init.d" / "10-boot.sh", os.X_OK)

    assert api.post("/cont-init-runs")["run"]["status"] == "RUNNING"
    deadline = time.time() + 60
    while (run := api.get("/cont-init-runs")["run"])["status"] == "RUNNING" and time.time() < deadline:
        time.sleep(0.2)
    assert run["status"] == "FINISHED"
    assert {(r["name"], r["exit_code"], r["skipped"]) for r in run["resultList"]} == {
        ("10-boot.sh", None, "not executable (no run permission)"),
        ("20-new.sh", 7, None),
    }
    assert "skipped 10-boot.sh" in run["log"] and "20-new.sh exited with code 7" in run["log"]
    assert api.get("/cont-init-scripts/20-new.sh")["script"]["lastOutput"] == "new script\n"

    status, body = api.call("PUT", "/cont-init-scripts/x.output", json={"content": "#!/bin/sh\n"})
    assert status == 400 and body["errorList"][0]["field"] == "scriptName"
    status, body = api.call("PUT", "/cont-init-scripts/30-empty.sh", json={"enabled": True})
    assert status == 400 and body["errorList"] == [{"field": "content", "message": "is required to create the "
                                                    "script '30-empty.sh'"}]  # fmt: skip
    api.delete("/cont-init-scripts/20-new.sh")
    assert sorted(p.name for p in (data / "cont-init.d").iterdir()) == ["10-boot.sh", "10-boot.sh.exitcode",
                                                                        "10-boot.sh.output"]  # fmt: skip


# -- environments ------------------------------------------------------------------------------------------------------


def make_wheel(folder: Path, name: str, value: str) -> Path:
    """A real, minimal wheel of a one-module package, so installing it needs no index."""
    wheel = folder / f"{name}-1.0-py3-none-any.whl"
    files = {
        f"{name}.py": f"VALUE = {value!r}\n",
        f"{name}-1.0.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
        f"{name}-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [f"{path},sha256={_digest(text)},{len(text.encode())}" for path, text in files.items()]
    files[f"{name}-1.0.dist-info/RECORD"] = "\n".join([*record, f"{name}-1.0.dist-info/RECORD,,"]) + "\n"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def _digest(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()


def run_in_kernel(data_dir: Path, kernel_name: str, code: str) -> str:
    """Start the kernel with a real kernel manager (the spec found by our kernel spec manager) and run `code`."""
    specs = EnvKernelSpecManager(easymaker_data_dir=str(data_dir))
    manager = KernelManager(kernel_name=kernel_name, kernel_spec_manager=specs)
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        printed: list[str] = []
        reply = client.execute_interactive(code, timeout=60, output_hook=lambda m: printed.append(
            m["content"].get("text", "")) if m["msg_type"] == "stream" else None)  # fmt: skip
        assert reply["content"]["status"] == "ok", reply["content"]
        return "".join(printed)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def wait_operation(api, operation_id: str, timeout: float = 240) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        operation = api.get(f"/custom-env-operations/{operation_id}")["operation"]
        if operation["status"] != "RUNNING":
            return operation
        time.sleep(0.5)
    raise AssertionError(f"environment operation still running after {timeout}s: {operation['logTail'][-2000:]}")


def test_environments_made_by_hand_and_through_the_api_are_kernels(server_factory, tmp_path):
    data = tmp_path / "em-data"
    envs = data / "custom-conda-envs"
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    by_hand = envs / "by_hand"
    subprocess.run([sys.executable, "-m", "venv", by_hand], check=True)
    pip = [by_hand / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "ipykernel", make_wheel(wheels, "handpkg", "made by hand")], check=True)

    server = server_factory(data)
    api = server.api
    wheel = make_wheel(wheels, "apipkg", "made through the API")
    operation = api.post("/custom-envs", {"environmentName": "via-api", "packageList": [f"apipkg @ {wheel.as_uri()}"]})
    assert operation["operation"]["status"] == "RUNNING" and operation["operation"]["kind"] == "create"
    server.kill()  # the operation outlives the server (and the browser that asked)
    server = server_factory(data)
    api = server.api
    finished = wait_operation(api, operation["operation"]["operationId"])
    assert finished["status"] == "SUCCEEDED", finished["logTail"][-3000:]

    listed = {e["environmentName"]: e for e in api.get("/custom-envs")["environmentList"]}
    assert set(listed) == {"by_hand", "via-api"}
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    for env in listed.values():
        assert env["kind"] == "venv" and env["pythonVersion"].startswith(version) and env["sizeBytes"] > 1_000_000
        assert "ipykernel" in {p["name"] for p in env["packageList"]}
    assert {"name": "apipkg", "version": "1.0"} in listed["via-api"]["packageList"]
    assert listed["by_hand"]["kernelName"] == "em-env-by_hand" and listed["via-api"]["kernelName"] == "em-env-via-api"

    token = {"Authorization": "token test-token"}
    specs = requests.get(f"{server.url}api/kernelspecs", headers=token, timeout=30).json()["kernelspecs"]
    assert specs["em-env-via-api"]["spec"]["display_name"] == f"Python {version} (via-api)"
    assert specs["em-env-by_hand"]["spec"]["argv"][0] == str(by_hand / "bin" / "python")

    code = "import sys, {0}; print({0}.VALUE, sys.prefix)"
    assert run_in_kernel(data, "em-env-by_hand", code.format("handpkg")).split() == ["made", "by", "hand", str(by_hand)]
    assert run_in_kernel(data, "em-env-via-api", code.format("apipkg")).split() == [
        "made", "through", "the", "API", str(envs / "via-api")]  # fmt: skip

    other = make_wheel(wheels, "laterpkg", "installed later")
    install = api.post("/custom-envs/by_hand/packages", {"packageList": [f"laterpkg @ {other.as_uri()}"]})
    status, busy = api.call("DELETE", "/custom-envs/by_hand")
    assert status == 409 and "busy" in busy["header"]["resultMessage"]
    assert wait_operation(api, install["operation"]["operationId"])["status"] == "SUCCEEDED"
    assert "installed later" in run_in_kernel(data, "em-env-by_hand", "import laterpkg; print(laterpkg.VALUE)")

    api.delete("/custom-envs/by_hand")
    assert not by_hand.exists()
    assert "em-env-by_hand" not in requests.get(f"{server.url}api/kernelspecs", headers=token).json()["kernelspecs"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"environmentName": "-bad"}, 400, "environmentName"),
        ({"environmentName": "ok", "pythonVersion": "2"}, 400, "pythonVersion"),
        ({"environmentName": "ok", "pythonVersion": "3.99"}, 400, "pythonVersion"),
        ({"environmentName": "ok", "packageList": ["not a requirement!"]}, 400, "packageList"),
    ],
)
def test_environment_validation(api, body, status, field):
    code, answer = api.call("POST", "/custom-envs", json=body)
    assert code == status and [e["field"] for e in answer["errorList"]] == [field], answer
