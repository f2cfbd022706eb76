"""A notebook instance: start-up through the platform, and HTTP / kernel WebSocket latency through the proxy vs direct.

    .venv/bin/python benchmarks/notebook_proxy.py [--requests 200] [--executes 50] [--launches 3]

Starts a real platform server (like tests/conftest.py), creates one notebook, and measures side by side:

- launch: create/start → ACTIVE (HEALTHY) through the API, vs `python -m jupyterlab` started directly until its
  /api/status answers (the same server, no platform around it);
- GET …/api/status: through {base_url}easymaker/notebooks/{id}/ vs straight to the notebook's port with its token;
- a kernel execute round trip (`execute_request` → `idle`) over the kernel's WebSocket, both ways.

Prints a table and writes the raw figures to --out (default benchmarks/results/notebook_proxy.json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
from tornado import httpclient, websocket

from jupyter_easymaker.testing import TOKEN, ServerProcess, free_port

AUTH = {"Authorization": f"token {TOKEN}"}


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"median": statistics.median(ordered), "p90": ordered[int(0.9 * (len(ordered) - 1))],
            "min": ordered[0], "max": ordered[-1], "runs": values}  # fmt: skip


def wait_status(api: str, notebook_id: str, wanted: str) -> None:
    while True:
        status = requests.get(f"{api}/notebooks/{notebook_id}", headers=AUTH, timeout=30).json()
        if status["notebook"]["notebookStatusCode"] == wanted:
            return
        time.sleep(0.02)


def direct_launch(data: Path) -> float:
    port, token = free_port(), uuid.uuid4().hex
    env = {**os.environ, "JUPYTER_TOKEN": token, "JUPYTER_RUNTIME_DIR": str(data / "runtime")}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--allow-root",
               f"--ServerApp.root_dir={data}", "--ServerApp.jpserver_extensions=jupyter_easymaker=False"]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/api/status", headers={"Authorization": f"token {token}"},
                                timeout=1).status_code == 200:  # fmt: skip
                    return time.perf_counter() - started
            except requests.RequestException:
                time.sleep(0.02)
    finally:
        proc.terminate()
        proc.wait()


async def executes(root: str, headers: dict, count: int) -> list[float]:
    kernel = requests.post(f"{root}/api/kernels", json={"name": "python3"}, headers=headers, timeout=60).json()["id"]
    ws_root = root.replace("http", "ws", 1)
    session = uuid.uuid4().hex
    request = httpclient.HTTPRequest(f"{ws_root}/api/kernels/{kernel}/channels?session_id={session}", headers=headers)
    connection = await websocket.websocket_connect(request)
    times = []
    for _ in range(count + 1):  # the first one warms the kernel up
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": "execute_request", "session": session, "username": "bench",
                  "version": "5.3", "date": ""}  # fmt: skip
        content = {"code": "1 + 1", "silent": False, "store_history": False, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": True}  # fmt: skip
        started = time.perf_counter()
        await connection.write_message(json.dumps({"header": header, "parent_header": {}, "metadata": {},
                                                   "channel": "shell", "buffers": [], "content": content}))  # fmt: skip
        while True:
            reply = json.loads(await connection.read_message())
            if reply["parent_header"].get("msg_id") == msg_id and reply["msg_type"] == "status" and \
                    reply["content"]["execution_state"] == "idle":  # fmt: skip
                break
        times.append(time.perf_counter() - started)
    connection.close()
    requests.delete(f"{root}/api/kernels/{kernel}", headers=headers, timeout=60)
    return times[1:]


def http_times(url: str, headers: dict, count: int) -> list[float]:
    session = requests.Session()
    session.get(url, headers=headers, timeout=30)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        assert session.get(url, headers=headers, timeout=30).status_code == 200
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--executes", type=int, default=50)
    parser.add_argument("--launches", type=int, default=3)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "notebook_proxy.json"))
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="nb-bench-"))
    server = ServerProcess(base / "em-data", base / "root").start()
    results: dict[str, dict] = {}
    try:
        api = f"{server.url}easymaker/v1.0/appkeys/local"
        images = requests.get(f"{api}/images", headers=AUTH, timeout=30).json()["imageList"]
        flavors = requests.get(f"{api}/flavors", headers=AUTH, timeout=30).json()["flavorList"]
        body = {
            "notebookName": "bench",
            "flavorId": next(f["id"] for f in flavors if f["name"] == "m2.c2m4"),
            "imageId": next(i["imageId"] for i in images if i["imageName"] == "Ubuntu 22.04 CPU Python Notebook"),
        }
        launches = []
        started = time.perf_counter()
        notebook = requests.post(f"{api}/notebooks", json=body, headers=AUTH, timeout=30).json()["notebook"]
        notebook_id = notebook["notebookId"]
        wait_status(api, notebook_id, "ACTIVE (HEALTHY)")
        launches.append(time.perf_counter() - started)
        for _ in range(args.launches - 1):
            requests.put(f"{api}/notebooks/{notebook_id}/stop", headers=AUTH, timeout=30)
            wait_status(api, notebook_id, "STOPPED")
            started = time.perf_counter()
            requests.put(f"{api}/notebooks/{notebook_id}/start", headers=AUTH, timeout=30)
            wait_status(api, notebook_id, "ACTIVE (HEALTHY)")
            launches.append(time.perf_counter() - started)
        direct = []
        for i in range(args.launches):
            (base / f"direct-{i}").mkdir()
            direct.append(direct_launch(base / f"direct-{i}"))
        results["launch"] = {"platform": summary(launches), "direct": summary(direct)}

        record = json.loads((base / "em-data" / "notebooks" / notebook_id / "server.json").read_text())
        proxied_root = f"{server.url}easymaker/notebooks/{notebook_id}"
        direct_root = f"http://127.0.0.1:{record['port']}/easymaker/notebooks/{notebook_id}"
        own = {"Authorization": f"token {record['token']}"}
        results["GET api/status"] = {
            "platform": summary(http_times(f"{proxied_root}/api/status", AUTH, args.requests)),
            "direct": summary(http_times(f"{direct_root}/api/status", own, args.requests)),
        }
        results["kernel execute (WebSocket)"] = {
            "platform": summary(asyncio.run(executes(proxied_root, AUTH, args.executes))),
            "direct": summary(asyncio.run(executes(direct_root, own, args.executes))),
        }
        requests.delete(f"{api}/notebooks/{notebook_id}", headers=AUTH, timeout=30)
    finally:
        server.stop()
    print(f"{'figure':30} {'through platform (median, p90)':>32} {'direct (median, p90)':>24} {'ratio':>7}")
    for name, pair in results.items():
        p, d = pair["platform"], pair["direct"]
        print(f"{name:30} {p['median'] * 1000:14.1f} ms {p['p90'] * 1000:10.1f} ms "
              f"{d['median'] * 1000:10.1f} ms {d['p90'] * 1000:8.1f} ms {p['median'] / d['median']:7.2f}")  # fmt: skip
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
