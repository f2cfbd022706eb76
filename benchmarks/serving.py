"""The same scikit-learn model served three ways, under the same client load, on the same machine:

- our stage model server (`jupyter_easymaker.serving.server`), called directly and through the gateway in the
  Jupyter server (with the endpoint's API key), on a stage without and with log management (`gateway-log`:
  every call becomes an easymaker.inference record);
- MLServer with mlserver-sklearn, in its own venv;
- KServe's python ModelServer with a kserve.Model that loads the same joblib file, in its own venv.

Each serves OIP v2 `…/v2/models/iris/infer`; the client (a separate process, tornado, a fixed number of
concurrent connections) sends the same 4-row FP64 tensor for a fixed time and records each latency. Then batch
inference: a JSONL file of `--rows` rows through our batch inference, against a bare `model.predict` over the
same rows (parsed by json.loads, then predicted in batches of the same size).

A measurement, not a test: nothing is asserted. The MLServer and KServe venvs are made on first use under
benchmarks/.venvs/ (git-ignored) with pip (they cannot share one: their starlette/fastapi pins differ). Usage:

    .venv/bin/python benchmarks/serving.py [--seconds 10] [--concurrency 8] [--rows 1000000] [--skip-batch]
        [--only ours gateway gateway-log mlserver kserve] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

from jupyter_easymaker.testing import TOKEN, ServerProcess, free_port

HERE = Path(__file__).resolve().parent
VENVS = HERE / ".venvs"
API = "easymaker/v1.0/appkeys/local"
ROWS = [[6.8, 2.8, 4.8, 1.4], [6.0, 3.4, 4.5, 1.6], [5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]]
BODY = json.dumps({"inputs": [{"name": "x", "shape": [4, 4], "datatype": "FP64",
                               "data": [v for r in ROWS for v in r]}]})  # fmt: skip

KSERVE_MODEL = """
import argparse, joblib, numpy as np
from kserve import InferOutput, InferRequest, InferResponse, Model, ModelServer

class Iris(Model):
    def __init__(self, name, path):
        super().__init__(name)
        self.model = joblib.load(path)
        self.ready = True

    def predict(self, payload, headers=None):
        if isinstance(payload, InferRequest):
            result = self.model.predict(payload.inputs[0].as_numpy())
            output = InferOutput(name="predict", shape=list(result.shape), datatype="INT64", data=result.tolist())
            return InferResponse(model_name=self.name, infer_outputs=[output], response_id=payload.id or "")
        return {"predictions": self.model.predict(np.asarray(payload["instances"])).tolist()}

parser = argparse.ArgumentParser()
parser.add_argument("--path")
parser.add_argument("--http_port", type=int)
args, _ = parser.parse_known_args()
ModelServer(http_port=args.http_port, workers=1, enable_grpc=False).start([Iris("iris", args.path)])
"""

CLIENT = r"""
import json, sys, time
from tornado import httpclient, ioloop
url, seconds, concurrency, headers = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
body = sys.stdin.read()
httpclient.AsyncHTTPClient.configure(None, max_clients=concurrency)
client = httpclient.AsyncHTTPClient()
latencies, errors = [], 0

async def worker(end):
    global errors
    while time.perf_counter() < end:
        start = time.perf_counter()
        response = await client.fetch(url, method="POST", body=body, raise_error=False,
                                      headers={"Content-Type": "application/json", **headers})
        if response.code == 200:
            latencies.append(time.perf_counter() - start)
        else:
            errors += 1

async def main():
    import asyncio
    await asyncio.gather(*(worker(time.perf_counter() + 1) for _ in range(concurrency)))  # warm-up
    latencies.clear()
    began = time.perf_counter()
    await asyncio.gather(*(worker(began + seconds) for _ in range(concurrency)))
    print(json.dumps({"latencies": latencies, "errors": errors, "elapsed": time.perf_counter() - began}))

ioloop.IOLoop.current().run_sync(main)
"""


def venv(name: str, packages: list[str]) -> Path:
    python = VENVS / name / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENVS / name)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    return python


def wait_ready(url: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready")


def load(url: str, seconds: float, concurrency: int, headers: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, "-c", CLIENT, url, str(seconds), str(concurrency), json.dumps(headers or {})],
                         input=BODY, capture_output=True, text=True, check=True)  # fmt: skip
    data = json.loads(out.stdout)
    latencies = sorted(data["latencies"])
    n = len(latencies)
    return {
        "requests_per_second": n / data["elapsed"],
        "p50_ms": 1000 * latencies[n // 2] if n else None,
        "p99_ms": 1000 * latencies[min(n - 1, int(n * 0.99))] if n else None,
        "requests": n,
        "errors": data["errors"],
    }


def check_answer(url: str, headers: dict | None = None) -> None:
    answer = requests.post(url, data=BODY, headers={"Content-Type": "application/json", **(headers or {})}, timeout=10)
    assert answer.status_code == 200, (url, answer.status_code, answer.text[:300])


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--rounds", type=int, default=1, help="measure each target this often, in alternating order")
    parser.add_argument("--only", nargs="*", default=["ours", "gateway", "gateway-log", "mlserver", "kserve"])
    parser.add_argument("--out", type=Path, default=HERE / "results" / "serving.json")
    args = parser.parse_args()

    import joblib
    import sklearn
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    work = Path(tempfile.mkdtemp(prefix="em-bench-serving-"))
    model_dir = work / "model"
    model_dir.mkdir()
    features, labels = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=500).fit(features, labels)
    joblib.dump(model, model_dir / "model.joblib")
    pinned = f"scikit-learn=={sklearn.__version__}"
    settings = vars(args) | {"out": str(args.out)}
    results: dict = {"when": datetime.now(timezone.utc).isoformat(), "machine": platform.platform(),
                     "cpus": os.cpu_count(), "settings": settings, "serving": {}}  # fmt: skip
    procs: list[subprocess.Popen] = []
    server = ServerProcess(work / "em-data", work / "root").start()
    try:
        session = requests.Session()
        session.headers["X-EasyMaker-Token"] = TOKEN
        flavor = next(f["id"] for f in session.get(f"{server.url}{API}/flavors").json()["flavorList"])
        model_id = session.post(
            f"{server.url}{API}/models",
            json={"modelName": "iris", "modelFormatCode": "SKLEARN", "modelUploadUri": str(model_dir)},
        ).json()["model"]["modelId"]
        keys, stage_ids = {}, {}
        for name, use_log in (("bench", False), ("bench-log", True)):  # the same model, log management off and on
            created = session.post(
                f"{server.url}{API}/endpoints",
                json={"endpointName": name, "flavorId": flavor, "endpointModelResourceList": [{"modelId": model_id}],
                      "useLog": use_log},
            ).json()  # fmt: skip
            keys[name] = {"x-nhn-apikey": created["endpoint"]["apiKey"]}
            stage_ids[name] = created["endpoint"]["defaultEndpointStageId"]
        key = keys["bench"]
        for stage_id in stage_ids.values():
            while True:
                stage = session.get(f"{server.url}{API}/endpoint-stages/{stage_id}").json()["endpointStage"]
                if stage["endpointStageStatusCode"] == "ACTIVE":
                    break
                time.sleep(0.2)
        record = next(server.data_dir.glob(f"stages/{stage_ids['bench']}/gen-*/generation.json"))
        direct = f"http://127.0.0.1:{json.loads(record.read_text())['port']}/v2/models/iris/infer"
        targets = {
            "ours": (direct, None),
            "gateway": (f"{server.url}easymaker/gateway/bench/iris/v2/models/iris/infer", key),
            "gateway-log": (f"{server.url}easymaker/gateway/bench-log/iris/v2/models/iris/infer", keys["bench-log"]),
        }
        if "mlserver" in args.only:
            python = venv("mlserver", ["mlserver", "mlserver-sklearn", pinned])
            repo = work / "mlserver"
            (repo / "iris").mkdir(parents=True)
            port = free_port()
            (repo / "settings.json").write_text(
                json.dumps(
                    {"http_port": port, "grpc_port": free_port(), "metrics_port": free_port(), "parallel_workers": 0}
                )
            )
            (repo / "iris" / "model-settings.json").write_text(json.dumps({
                "name": "iris", "implementation": "mlserver_sklearn.SKLearnModel",
                "parameters": {"uri": str(model_dir / "model.joblib")}}))  # fmt: skip
            procs.append(subprocess.Popen([str(python.parent / "mlserver"), "start", str(repo)], cwd=repo,
                                          stdout=open(work / "mlserver.log", "wb"), stderr=subprocess.STDOUT,
                                          start_new_session=True))  # fmt: skip
            wait_ready(f"http://127.0.0.1:{port}/v2/health/ready")
            targets["mlserver"] = (f"http://127.0.0.1:{port}/v2/models/iris/infer", None)
        if "kserve" in args.only:
            python = venv("kserve", ["kserve", pinned])
            (work / "kserve_model.py").write_text(KSERVE_MODEL)
            port = free_port()
            procs.append(subprocess.Popen([str(python), str(work / "kserve_model.py"), "--path",
                                           str(model_dir / "model.joblib"), "--http_port", str(port)], cwd=work,
                                          stdout=open(work / "kserve.log", "wb"), stderr=subprocess.STDOUT,
                                          start_new_session=True))  # fmt: skip
            wait_ready(f"http://127.0.0.1:{port}/v2/health/ready")
            targets["kserve"] = (f"http://127.0.0.1:{port}/v2/models/iris/infer", None)
        chosen = [name for name in targets if name in args.only]
        for name in chosen:
            check_answer(*targets[name])
        rounds: dict[str, list[dict]] = {name: [] for name in chosen}
        for turn in range(args.rounds):  # the order alternates, so a busy spell of the machine hits all alike
            for name in chosen if turn % 2 == 0 else chosen[::-1]:
                url, headers = targets[name]
                rounds[name].append(load(url, args.seconds, args.concurrency, headers))
                print(name, json.dumps(rounds[name][-1]), flush=True)
        for name, measured in rounds.items():  # the round of median throughput stands for the target
            median = sorted(measured, key=lambda m: m["requests_per_second"])[len(measured) // 2]
            mean = sum(m["requests_per_second"] for m in measured) / len(measured)
            results["serving"][name] = {**median, "mean_requests_per_second": mean, "rounds": measured}
        if not args.skip_batch:
            results["batch"] = batch(server, session, model, model_id, flavor, work, args)
    finally:
        for proc in procs:
            stop(proc)
        server.stop()
    report(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"wrote {args.out}")


def batch(server: ServerProcess, session: requests.Session, model, model_id: str, flavor: str, work: Path,
          args: argparse.Namespace) -> dict:  # fmt: skip
    import numpy as np

    source = work / "batch-in"
    source.mkdir()
    rng = np.random.default_rng(0)
    data = rng.uniform(0, 8, size=(args.rows, 4)).round(2)
    with open(source / "rows.jsonl", "w") as out:
        for row in data.tolist():
            out.write(json.dumps(row) + "\n")
    began = time.perf_counter()
    with open(source / "rows.jsonl") as handle:
        parsed = [json.loads(line) for line in handle]
    parsed_at = time.perf_counter()
    for i in range(0, len(parsed), args.batch_size):
        model.predict(np.asarray(parsed[i : i + args.batch_size]))
    bare_predict = time.perf_counter() - parsed_at
    bare_total = time.perf_counter() - began
    result = {"rows": args.rows, "batch_size": args.batch_size,
              "bare_parse_and_predict_rows_per_second": args.rows / bare_total,
              "bare_predict_only_rows_per_second": args.rows / bare_predict}  # fmt: skip
    for pods in (1, 2):
        body = {"batchInferenceName": f"bench-{pods}", "modelId": model_id, "flavorId": flavor, "instanceCount": 1,
                "timeoutMinutes": 120, "podCount": pods, "maxBatchSize": args.batch_size,
                "inferenceTimeoutSeconds": 600, "inputDataUri": str(source), "inputDataTypeCode": "JSONL",
                "outputUploadUri": str(work / f"batch-out-{pods}"), "dataStorageSize": 300}  # fmt: skip
        started = time.perf_counter()
        created = session.post(f"{server.url}{API}/batch-inferences", json=body).json()["batchInference"]
        while True:
            found = session.get(f"{server.url}{API}/batch-inferences/{created['batchInferenceId']}").json()
            found = found["batchInference"]
            if found["batchInferenceStatusCode"] in ("COMPLETE", "FAIL BATCH INFERENCE", "STOPPED", "CREATE FAILED"):
                break
            time.sleep(0.2)
        wall = time.perf_counter() - started
        assert found["batchInferenceStatusCode"] == "COMPLETE", found
        assert found["success2xxCount"] == args.rows
        result[f"ours_{pods}_pods_rows_per_second"] = args.rows / wall
        print(f"batch, {pods} pods: {args.rows / wall:.0f} rows/s", flush=True)
    return result


def report(results: dict) -> None:
    serving = results["serving"]
    base = serving.get("ours")
    print("\nOIP v2 infer (4 rows), same client load")
    print(f"{'server':<12} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  ratio req/s vs ours")
    for name, row in serving.items():
        ratio = row["requests_per_second"] / base["requests_per_second"] if base else float("nan")
        print(f"{name:<12} {row['requests_per_second']:>9.0f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f}  {ratio:.2f}")
    if "gateway" in serving and "gateway-log" in serving:
        ratio = serving["gateway-log"]["requests_per_second"] / serving["gateway"]["requests_per_second"]
        means = serving["gateway-log"]["mean_requests_per_second"] / serving["gateway"]["mean_requests_per_second"]
        print(f"gateway req/s with log management (useLog) / without: {ratio:.2f} (median round), "
              f"{means:.2f} (mean of the rounds)")  # fmt: skip
    if "batch" in results:
        b = results["batch"]
        print(f"\nbatch inference over {b['rows']} JSONL rows (batch size {b['batch_size']})")
        for key, value in b.items():
            if key.endswith("rows_per_second"):
                print(f"  {key:<45} {value:>12.0f}")
        print(
            f"  ratio ours (1 pod) / bare parse+predict: "
            f"{b['ours_1_pods_rows_per_second'] / b['bare_parse_and_predict_rows_per_second']:.2f}"
        )


if __name__ == "__main__":
    main()
