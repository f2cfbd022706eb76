"""Log management (useLog) and monitoring of endpoint stages and batch inferences: real gateway, real model-server
and batch processes, records read back through GET /logs."""

from __future__ import annotations

import json
import time

import pytest
import requests
from conftest import TOKEN
from serving_helpers import ROWS, save_sklearn_model, wait_for
from test_batch_inference import FINAL, batch_body
from test_serving import endpoint, gateway, model

from jupyter_easymaker.client import EasyMakerClient


@pytest.fixture(scope="module")
def iris(tmp_path_factory):
    return save_sklearn_model(tmp_path_factory.mktemp("logs-iris") / "model")


def records_until(api, params: dict, done, timeout: float = 30) -> list[dict]:
    """GET /logs with `params` until `done(records)` holds (records are written in batches, off the hot path)."""
    deadline = time.time() + timeout
    while True:
        found = api.get("/logs", params={**params, "limit": 10000})["logList"]
        if done(found) or time.time() > deadline:
            return found
        time.sleep(0.3)


def test_a_logged_stage_records_each_call_and_its_servers_output(shared_server, api, iris):
    served_model = model(api, "logs-iris", str(iris))
    served = endpoint(api, "logs-ep", [served_model["modelId"]], useLog=True)
    quiet = endpoint(api, "logs-quiet-ep", [served_model["modelId"]])
    stage_id = served["defaultEndpointStageId"]
    key = {"x-nhn-apikey": served["apiKey"]}

    answer = requests.post(gateway(shared_server, "logs-ep/logs-iris"), json={"instances": ROWS},
                           headers={**key, "X-Request-ID": "req-one"})  # fmt: skip
    assert answer.status_code == 200 and answer.headers["X-Request-ID"] == "req-one"
    refused = requests.post(gateway(shared_server, "logs-ep/logs-iris"), json={"instances": "nope"}, headers=key)
    assert refused.status_code == 400
    generated = refused.headers["X-Request-ID"]
    assert generated and generated != "req-one"
    quiet_key = {"x-nhn-apikey": quiet["apiKey"]}
    assert requests.post(gateway(shared_server, "logs-quiet-ep/logs-iris"), json={"instances": ROWS},
                         headers=quiet_key).status_code == 200  # fmt: skip

    calls = lambda found: [r for r in found if r.get("inferenceId")]  # noqa: E731
    found = records_until(api, {"endpointId": served["endpointId"]}, lambda f: len(calls(f)) >= 2)
    by_id = {r["inferenceId"]: r for r in calls(found)}
    assert len(calls(found)) == 2 and set(by_id) == {"req-one", generated}
    one = by_id["req-one"]
    assert one["category"] == "easymaker.inference" and one["logType"] == "NHNCloud-AIEasyMaker"
    assert one["endpointId"] == served["endpointId"] and one["endpointStageId"] == stage_id
    assert one["action"] == "Endpoint.Model" and one["modelName"] == "logs-iris" and one["logLevel"] == "INFO"
    body = json.loads(one["body"])
    assert body["method"] == "POST" and body["path"] == "/easymaker/gateway/logs-ep/logs-iris"
    assert body["status"] == 200 and body["latencyMs"] > 0 and body["upstreamPath"].endswith("/predict")
    assert "6.8" not in one["body"], "the payload is not logged"
    assert by_id[generated]["logLevel"] == "WARNING" and json.loads(by_id[generated]["body"])["status"] == 400
    # the model servers' own output is there too, as records of the stage
    found = records_until(api, {"endpointStageId": stage_id, "query": "serving logs-iris"}, bool)
    assert found and found[0]["action"] == "Endpoint.ModelServer" and found[0]["endpointId"] == served["endpointId"]
    assert "inferenceId" not in found[0]
    # filters: by level, by stage; a stage without log management records nothing
    client = EasyMakerClient(url=shared_server.url, token=TOKEN)
    warned = client.find_logs(endpoint_id=served["endpointId"], level="WARNING")
    assert [r["inferenceId"] for r in warned] == [generated]
    # the quiet call's statistics are written by the same flush that would have written its log record
    quiet_stage = quiet["defaultEndpointStageId"]
    deadline = time.time() + 30
    while api.get(f"/endpoint-stages/{quiet_stage}/statistics")["statistics"]["callCount"] < 1:
        assert time.time() < deadline, "the quiet call was never counted"
        time.sleep(0.3)
    assert api.get("/logs", params={"endpointId": quiet["endpointId"]})["logList"] == []

    # monitoring: the pool summed, and each model-server process
    def monitored() -> dict:
        return api.get(f"/endpoint-stages/{stage_id}/monitoring")

    deadline = time.time() + 30
    while not monitored()["instanceList"] and time.time() < deadline:
        time.sleep(0.5)
    usage = client.stage_monitoring(stage_id)
    assert usage["usageList"] and usage["usageList"][-1]["memoryBytes"] > 10 * 2**20
    (instance,) = usage["instanceList"]
    assert instance["instanceName"].startswith("model-server-0 (pid ")
    assert instance["memoryBytes"] > 10 * 2**20 and instance["usageList"]

    for ep in (served, quiet):
        api.delete(f"/endpoints/{ep['endpointId']}")
    deadline = time.time() + 30
    while api.get("/logs", params={"endpointStageId": stage_id})["logList"] and time.time() < deadline:
        time.sleep(0.3)
    assert api.get("/logs", params={"endpointStageId": stage_id})["logList"] == [], "a deleted stage's logs go"


def test_a_logged_batch_inference_records_progress_files_and_failed_records(api, tmp_path, iris):
    model_id = model(api, "logs-batch-iris", str(iris))["modelId"]
    (tmp_path / "in").mkdir()
    rows = [json.dumps(r) for r in ROWS]
    (tmp_path / "in" / "a.jsonl").write_text("\n".join([rows[0], "{not json", rows[1]]) + "\n")
    (tmp_path / "in" / "b.jsonl").write_text("\n".join(rows) + "\n")
    body = batch_body(api, "logs-batch", model_id, tmp_path / "in", tmp_path / "out", useLog=True)
    created = api.post("/batch-inferences", body)["batchInference"]
    path = f"/batch-inferences/{created['batchInferenceId']}"
    done = wait_for(api, path, "batchInference", "batchInferenceStatusCode", FINAL, timeout=120)
    assert done["batchInferenceStatusCode"] == "COMPLETE" and done["fail4xxCount"] == 1

    found = api.get("/logs", params={"batchInferenceId": created["batchInferenceId"]})["logList"]
    assert found and all(r["category"] == "easymaker.batch_inference" for r in found)
    assert all(r["batchInferenceId"] == created["batchInferenceId"] for r in found)
    bodies = [r["body"] for r in found]
    assert bodies[0].startswith("Batch inference started: 2 input file(s), model logs-batch-iris")
    (failure,) = [r for r in found if " record " in r["body"]]
    assert failure["body"].startswith("a.jsonl record 1: 400 not valid JSON") and failure["logLevel"] == "WARNING"
    assert "a.jsonl: 3 records written to a.jsonl.out (2 2xx, 1 4xx, 0 5xx)" in bodies
    assert "b.jsonl: 3 records written to b.jsonl.out (3 2xx, 0 4xx, 0 5xx)" in bodies
    assert bodies[-1] == "Batch inference succeeded (6 records, 5 2xx, 1 4xx, 0 5xx)"
    assert len(bodies) == len(set(bodies)), "each record stored once"

    # without log management: nothing
    quiet = api.post("/batch-inferences", batch_body(api, "logs-batch-quiet", model_id, tmp_path / "in",
                                                     tmp_path / "out2"))["batchInference"]  # fmt: skip
    quiet_path = f"/batch-inferences/{quiet['batchInferenceId']}"
    wait_for(api, quiet_path, "batchInference", "batchInferenceStatusCode", FINAL, timeout=120)
    assert api.get("/logs", params={"batchInferenceId": quiet["batchInferenceId"]})["logList"] == []
    for p in (path, quiet_path):
        api.delete(p)
    assert api.get("/logs", params={"batchInferenceId": created["batchInferenceId"]})["logList"] == []


def test_a_running_batch_inference_is_monitored_per_process(shared_server, api, tmp_path, iris):
    model_id = model(api, "monitor-batch-iris", str(iris))["modelId"]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "big.jsonl").write_text((json.dumps(ROWS[0]) + "\n") * 200_000)
    body = batch_body(api, "monitor-batch", model_id, tmp_path / "in", tmp_path / "out", maxBatchSize=1, podCount=2)
    created = api.post("/batch-inferences", body)["batchInference"]
    path = f"/batch-inferences/{created['batchInferenceId']}"
    wait_for(api, path, "batchInference", "batchInferenceStatusCode", ("RUNNING",), timeout=60)
    deadline = time.time() + 60
    client = EasyMakerClient(url=shared_server.url, token=TOKEN)
    usage = client.batch_inference_monitoring(created["batchInferenceId"])
    while len(usage["instanceList"]) < 3 and time.time() < deadline:
        time.sleep(0.5)
        usage = client.batch_inference_monitoring(created["batchInferenceId"])
    api.put(f"{path}/stop")
    names = sorted(i["instanceName"].split(" ")[0] for i in usage["instanceList"])
    assert names == ["batch-runner", "worker-1", "worker-2"], usage["instanceList"]
    assert usage["usageList"] and usage["usageList"][-1]["memoryBytes"] > 3 * 10 * 2**20
    assert all(i["usageList"] and i["memoryBytes"] > 10 * 2**20 for i in usage["instanceList"])
    stopped = wait_for(api, path, "batchInference", "batchInferenceStatusCode", FINAL, timeout=60)
    assert stopped["batchInferenceStatusCode"] == "STOPPED"
    api.delete(path)
    status, _ = api.call("GET", f"{path}/monitoring")
    assert status == 404
