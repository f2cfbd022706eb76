"""Models, endpoints, stages and the gateway, end to end: real server, real model-server processes, real HTTP."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests
from conftest import TOKEN, write_script
from serving_helpers import ROWS, TRAIN_SCRIPT, expected, save_sklearn_model, wait_for


def model(api, name: str, uri: str, framework: str = "SKLEARN", **extra) -> dict:
    body = {"modelName": name, "modelFormatCode": framework, "modelUploadUri": uri, **extra}
    return api.post("/models", body)["model"]


def endpoint(api, name: str, model_ids: list[str], **extra) -> dict:
    body = {
        "endpointName": name,
        "flavorId": api.flavor_id(),
        "nodeCount": 1,
        "endpointModelResourceList": [{"modelId": m} for m in model_ids],
        **extra,
    }
    created = api.post("/endpoints", body)["endpoint"]
    found = wait_for(api, f"/endpoints/{created['endpointId']}", "endpoint", "endpointStatusCode",
                     ("ACTIVE", "CREATE FAILED"))  # fmt: skip
    assert found["endpointStatusCode"] == "ACTIVE", found
    return {**found, "apiKey": created["apiKey"]}


def gateway(server, path: str) -> str:
    return f"{server.url}easymaker/gateway/{path}"


@pytest.fixture(scope="module")
def iris(tmp_path_factory):
    return save_sklearn_model(tmp_path_factory.mktemp("iris") / "model")


def test_trained_model_is_deployed_and_answers_v1_v2_through_the_gateway(shared_server, api, tmp_path):
    source = write_script(tmp_path / "src", TRAIN_SCRIPT)
    body = api.training_body("iris-train", api.experiment("serving"), source, tmp_path / "out")
    training, _ = api.wait_training(api.post("/trainings", body)["training"]["trainingId"])
    assert training["trainingStatusCode"] == "COMPLETE", training
    created = api.post("/models", {"modelName": "iris", "modelFormatCode": "SKLEARN",
                                   "trainingId": training["trainingId"]})["model"]  # fmt: skip
    assert created["modelStatusCode"] == "ACTIVE" and created["training"]["trainingId"] == training["trainingId"]
    assert created["modelUploadUri"] == str(tmp_path / "out")
    status, refused = api.call("DELETE", f"/trainings/{training['trainingId']}")  # the guide: model first
    assert status == 409 and "while a model made from it exists ('iris')" in refused["header"]["resultMessage"]
    served = endpoint(api, "iris-ep", [created["modelId"]])
    stage = api.get("/endpoint-stages", params={"endpointId": served["endpointId"]})["endpointStageList"][0]
    assert stage["isDefaultStage"] and stage["endpointStageStatusCode"] == "ACTIVE"
    assert not stage["apigwStageUrl"].startswith("http")
    resource = stage["endpointModelList"][0]
    assert resource["endpointModelStatusCode"] == "ACTIVE" and resource["apigwResourceUri"] == "/iris"
    want = expected(tmp_path / "out", ROWS)
    key = {"x-nhn-apikey": served["apiKey"]}

    # the resource path itself is the model's inference URL, as the console guide says
    answer = requests.post(gateway(shared_server, "iris-ep/iris"), json={"instances": ROWS}, headers=key)
    assert answer.status_code == 200 and answer.json() == {"predictions": want}
    # appendix 10: /{model_name}/v1/…, /{model_name}/v2/…, with and without the stage segment
    for prefix in ("iris-ep/iris", "iris-ep/default/iris"):
        v1 = requests.post(gateway(shared_server, f"{prefix}/v1/models/iris/predict"), json={"instances": ROWS},
                           headers=key)  # fmt: skip
        assert v1.json() == {"predictions": want}
        tensor = {"name": "x", "shape": [3, 4], "datatype": "FP64", "data": [v for row in ROWS for v in row]}
        v2 = requests.post(gateway(shared_server, f"{prefix}/v2/models/iris/infer"),
                           json={"id": "r1", "inputs": [tensor]}, headers=key).json()  # fmt: skip
        assert v2["id"] == "r1" and v2["model_name"] == "iris"
        assert v2["outputs"][0]["data"] == want and v2["outputs"][0]["shape"] == [3]
    get = lambda path: requests.get(gateway(shared_server, f"iris-ep/iris{path}"), headers=key)  # noqa: E731
    assert get("/v1/models").json() == {"models": ["iris"]}
    assert get("/v1/models/iris").json() == {"name": "iris", "ready": True}
    assert get("/v2").json()["name"] == "jupyter-easymaker"
    assert get("/v2/health/live").status_code == 200 and get("/v2/health/ready").json() == {"ready": True}
    assert get("/v2/models/iris").json()["versions"] == ["1"]
    assert get("/v2/models/iris/versions/1/ready").json() == {"name": "iris", "ready": True}
    assert get("/v2/models/iris/versions/7").status_code == 404
    probabilities = requests.post(gateway(shared_server, "iris-ep/iris/v2/models/iris/versions/1/infer"), headers=key,
                                  json={"inputs": [tensor], "outputs": [{"name": "predict_proba"}]}).json()  # fmt: skip
    assert probabilities["outputs"][0]["shape"] == [3, 3]
    # the server's own token lets a call in too
    with_token = requests.post(gateway(shared_server, "iris-ep/iris"), json={"instances": ROWS},
                               headers={"Authorization": f"token {TOKEN}"})  # fmt: skip
    assert with_token.json() == {"predictions": want}
    with pytest.raises(AssertionError):
        api.delete(f"/models/{created['modelId']}")  # an endpoint serves it
    status, refused = api.call("DELETE", f"/models/{created['modelId']}")
    assert status == 409 and "endpoint" in refused["header"]["resultMessage"]


def test_bad_payloads_get_oip_400s_and_unknown_keys_401(shared_server, api, iris):
    served = endpoint(api, "bad-ep", [model(api, "bad-iris", str(iris))["modelId"]])
    key = {"x-nhn-apikey": served["apiKey"]}
    url = gateway(shared_server, "bad-ep/bad-iris")
    cases = [
        ("/v1/models/bad-iris/predict", b"{not json"),
        ("/v1/models/bad-iris/predict", b'{"instances": "rows"}'),
        ("/v1/models/bad-iris/predict", b'{"instances": [[1, 2], [3]]}'),
        ("/v1/models/bad-iris/predict", b'{"instances": [[1, 2]]}'),  # wrong number of features
        ("/v2/models/bad-iris/infer", b'{"inputs": []}'),
        ("/v2/models/bad-iris/infer", b'{"inputs": [{"name": "x", "shape": [2, 4], "datatype": "FP32", "data": [1]}]}'),
        ("/v2/models/bad-iris/infer", b'{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP99", "data": []}]}'),
        ("/v2/models/bad-iris/infer", b'{"inputs": [{"name": "x", "shape": [1], "data": [1]}]}'),
    ]
    for path, body in cases:
        answer = requests.post(url + path, data=body, headers={**key, "Content-Type": "application/json"})
        assert answer.status_code == 400, (path, body, answer.text)
        assert isinstance(answer.json()["error"], str) and answer.json()["error"]
    assert requests.post(url + "/v1/models/nope/predict", json={"instances": ROWS}, headers=key).status_code == 404
    for headers in ({"x-nhn-apikey": "not-a-key"}, {}):
        answer = requests.post(url, json={"instances": ROWS}, headers=headers)
        assert answer.status_code == 401 and "error" in answer.json()
    assert requests.post(gateway(shared_server, "no-such-ep/x"), json={}, headers=key).status_code == 404
    # a public endpoint needs no key, and says so
    updated = api.put(f"/endpoints/{served['endpointId']}", {"isPublic": True})["endpoint"]
    assert updated["isPublic"] and "public" in updated["authentication"]
    time.sleep(0.6)  # the gateway's route cache
    assert requests.post(url, json={"instances": ROWS}).status_code == 200
    # statistics count every call, by outcome
    stage_id = updated["defaultEndpointStageId"]
    deadline = time.time() + 10
    while time.time() < deadline:
        stats = api.get(f"/endpoint-stages/{stage_id}/statistics")
        if stats["statistics"]["callCount"] >= len(cases) + 2:
            break
        time.sleep(0.3)
    summary = stats["statistics"]
    # refused calls (401) reach no stage resource and are not counted there
    assert summary["clientErrorCount"] == len(cases) + 1 and summary["successCount"] == 1
    assert stats["endpointModelStatisticsList"][0]["callCount"] == summary["callCount"]
    top = api.get("/endpoints/statistics")["endpointStatisticsList"]
    assert "bad-ep" in [t["endpointName"] for t in top]


def test_artifacts_are_checked_when_the_model_is_created(api, tmp_path, iris):
    (tmp_path / "empty").mkdir()
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "model.joblib").write_text("not a pickle")
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "model.py").write_text("")
    (tmp_path / "tf" / "1").mkdir(parents=True)
    (tmp_path / "triton" / "1").mkdir(parents=True)
    (tmp_path / "triton" / "config.pbtxt").write_text('platform: "onnxruntime_onnx"\n')
    (tmp_path / "hf").mkdir()
    (tmp_path / "hf" / "config.json").write_text("{}")
    (tmp_path / "hf" / "pytorch_model.bin").write_text("")
    failing = [
        ("SKLEARN", tmp_path / "empty", "no scikit-learn model file"),
        ("SKLEARN", tmp_path / "junk", "not a joblib or pickle file"),
        ("PYTORCH", tmp_path / "torch", "handler.py"),
        ("TENSORFLOW", tmp_path / "tf", "saved_model.pb"),
        ("TRITON", tmp_path / "triton", "version folder"),
        ("HUGGING_FACE", tmp_path / "hf", "only safetensors"),
        ("SKLEARN", tmp_path / "missing", "does not exist"),
        ("SAPEON", tmp_path / "triton", "cannot be served on this backend"),
    ]
    for i, (framework, path, reason) in enumerate(failing):
        found = model(api, f"bad-{i}", str(path), framework)
        assert found["modelStatusCode"] == "CREATE FAILED" and reason in found["statusReason"], found
    (tmp_path / "triton" / "1" / "model.onnx").write_text("onnx")
    assert model(api, "triton-ok", str(tmp_path / "triton"), "TRITON")["modelStatusCode"] == "ACTIVE"
    (tmp_path / "tf" / "saved_model.pb").write_bytes(b"")  # the check reads the layout, not the graph
    assert model(api, "tf-ok", str(tmp_path / "tf"), "TENSORFLOW")["modelStatusCode"] == "ACTIVE"
    status, body = api.call("POST", "/models", json={"modelName": "x", "modelFormatCode": "SKLEARN"})
    assert status == 400 and body["errorList"][0]["field"] == "modelUploadUri"
    renamed = api.put(f"/models/{model(api, 'to-rename', str(iris))['modelId']}", {"modelName": "renamed"})
    assert renamed["model"]["modelName"] == "renamed"
    api.delete(f"/models/{renamed['model']['modelId']}")


def test_new_default_stage_takes_over_without_dropped_requests(shared_server, api, tmp_path, iris):
    other = save_sklearn_model(tmp_path / "v2", max_iter=5)
    first, second = model(api, "swap-a", str(iris)), model(api, "swap-b", str(other))
    served = endpoint(api, "swap-ep", [first["modelId"]], isPublic=True)
    body = {
        "endpointId": served["endpointId"],
        "apigwStageName": "canary",
        "flavorId": api.flavor_id(),
        "nodeCount": 1,
        "endpointModelResourceList": [{"modelId": second["modelId"], "apigwResourceUri": "/swap-a"}],
    }
    stage = api.post("/endpoint-stages", body)["endpointStage"]  # fmt: skip
    stage = wait_for(api, f"/endpoint-stages/{stage['endpointStageId']}", "endpointStage",
                     "endpointStageStatusCode", ("ACTIVE", "CREATE FAILED"))  # fmt: skip
    assert stage["endpointStageStatusCode"] == "ACTIVE" and not stage["isDefaultStage"]
    url = gateway(shared_server, "swap-ep/swap-a")
    assert requests.post(gateway(shared_server, "swap-ep/canary/swap-a"), json={"instances": ROWS}).status_code == 200
    failures, answers, stop = [], [], threading.Event()

    def hammer() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                response = session.post(url, json={"instances": ROWS})
                (answers if response.status_code == 200 else failures).append(response.status_code)

    workers = [threading.Thread(target=hammer) for _ in range(3)]
    for worker in workers:
        worker.start()
    time.sleep(0.5)
    api.put(f"/endpoints/{served['endpointId']}", {"defaultEndpointStageId": stage["endpointStageId"]})
    old_stage = served["defaultEndpointStageId"]
    deadline = time.time() + 30
    while (
        time.time() < deadline
        and api.get("/endpoint-models", params={"endpointStageId": old_stage})["endpointModelList"]
    ):
        time.sleep(0.2)
    time.sleep(1)
    stop.set()
    for worker in workers:
        worker.join()
    assert not failures and len(answers) > 20
    assert api.get(f"/endpoint-stages/{stage['endpointStageId']}")["endpointStage"]["isDefaultStage"]
    assert not api.get("/endpoint-models", params={"endpointStageId": old_stage})["endpointModelList"]
    # the default stage cannot be deleted; the endpoint only when no other stage remains
    status, _ = api.call("DELETE", f"/endpoint-stages/{stage['endpointStageId']}")
    assert status == 409
    status, _ = api.call("DELETE", f"/endpoints/{served['endpointId']}")
    assert status == 409
    api.delete(f"/endpoint-stages/{old_stage}")
    wait_gone(api, f"/endpoint-stages/{old_stage}")
    api.delete(f"/endpoints/{served['endpointId']}")
    wait_gone(api, f"/endpoints/{served['endpointId']}")
    deadline = time.time() + 10  # a stage's server finishes the calls it has (1 s) before it ends
    while requests.post(url, json={"instances": ROWS}).status_code != 404:
        assert time.time() < deadline, "the deleted endpoint still answers"
        time.sleep(0.2)
    api.delete(f"/models/{first['modelId']}")


def wait_gone(api, path: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if api.call("GET", path)[0] == 404:
            return
        time.sleep(0.1)
    raise AssertionError(f"{path} still exists")


def test_endpoints_keep_answering_across_a_server_kill(server_factory, iris):
    server = server_factory()
    api = server.api
    served = endpoint(api, "kept-ep", [model(api, "kept", str(iris))["modelId"]], isPublic=True)
    url = lambda s: gateway(s, "kept-ep/kept")  # noqa: E731
    assert requests.post(url(server), json={"instances": ROWS}).status_code == 200
    pids = sorted(p["pid"] for p in json.loads(next(server.data_dir.glob("stages/*/gen-*/generation.json"))
                                               .read_text())["processes"])  # fmt: skip
    server.kill()
    again = server_factory(server.data_dir)
    answer = requests.post(url(again), json={"instances": ROWS})
    assert answer.status_code == 200 and answer.json()["predictions"] == expected(iris, ROWS)
    stage = again.api.get(f"/endpoint-stages/{served['defaultEndpointStageId']}")["endpointStage"]
    assert stage["endpointStageStatusCode"] == "ACTIVE"
    records = list(again.data_dir.glob("stages/*/gen-*/generation.json"))
    assert len(records) == 1, "re-attached, not redeployed"
    assert sorted(p["pid"] for p in json.loads(records[0].read_text())["processes"]) == pids


def test_pod_count_sizes_the_pool_and_resources_come_and_go(shared_server, api, iris, tmp_path):
    first = model(api, "pool-a", str(iris))
    body = [{"modelId": first["modelId"], "podCount": 2}]
    served = endpoint(api, "pool-ep", [], endpointModelResourceList=body, isPublic=True)
    stage_id = served["defaultEndpointStageId"]
    stage = api.get(f"/endpoint-stages/{stage_id}")["endpointStage"]
    assert stage["podCount"] == 2 and stage["endpointModelList"][0]["runningPodCount"] == 2
    record = next(p for p in shared_server.data_dir.glob(f"stages/{stage_id}/gen-*/generation.json"))
    assert len(json.loads(record.read_text())["processes"]) == 2
    second = model(api, "pool-b", str(save_sklearn_model(tmp_path / "b", max_iter=3)))
    added = api.post("/endpoint-models", {"endpointStageId": stage_id, "modelId": second["modelId"],
                                          "apigwResourceUri": "/b/inference"})["endpointModel"]  # fmt: skip
    found = wait_for(api, f"/endpoint-models/{added['endpointModelId']}", "endpointModel",
                     "endpointModelStatusCode", ("ACTIVE", "CREATE FAILED"))  # fmt: skip
    assert found["endpointModelStatusCode"] == "ACTIVE"
    answer = requests.post(gateway(shared_server, "pool-ep/b/inference"), json={"instances": ROWS})
    assert answer.json() == {"predictions": expected(tmp_path / "b", ROWS)}
    assert requests.post(gateway(shared_server, "pool-ep/pool-a"), json={"instances": ROWS}).status_code == 200
    api.delete(f"/endpoint-models/{added['endpointModelId']}")
    wait_gone(api, f"/endpoint-models/{added['endpointModelId']}")
    time.sleep(0.6)
    assert requests.post(gateway(shared_server, "pool-ep/b/inference"), json={"instances": ROWS}).status_code == 404
    api.delete(f"/endpoints/{served['endpointId']}")
    wait_gone(api, f"/endpoints/{served['endpointId']}")


MODEL_PY = """
import torch

class Doubler(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1, bias=False)

    def forward(self, x):
        return self.linear(x)
"""
HANDLER_PY = """
import os
import torch
from ts.torch_handler.base_handler import BaseHandler

class TestHandler(BaseHandler):
    def preprocess(self, data):  # data = [[1.0, 2.0], [3.0, 4.0]], as the console guide's example
        scale = float(os.environ.get("INPUT_SCALE", "1"))
        return torch.tensor([[v * scale for v in row] for row in data], dtype=torch.float32)

    def postprocess(self, data):
        return [row[0] for row in data.tolist()]
"""


def test_pytorch_model_py_handler_py_and_weights_are_served(shared_server, api, tmp_path):
    import torch

    artifact = tmp_path / "torch"
    write_script(artifact, MODEL_PY, "model.py")
    write_script(artifact, HANDLER_PY, "handler.py")
    torch.save({"linear.weight": torch.tensor([[2.0, 0.0]])}, artifact / "model.pt")
    created = model(api, "doubler", str(artifact), "PYTORCH",
                    parameterList=[{"parameterName": "input_scale", "parameterValue": "10"}])  # fmt: skip
    assert created["modelStatusCode"] == "ACTIVE"
    endpoint(api, "torch-ep", [created["modelId"]], isPublic=True)
    answer = requests.post(gateway(shared_server, "torch-ep/doubler"), json={"instances": [[1.0, 2.0], [3.0, 4.0]]})
    assert answer.status_code == 200 and answer.json() == {
        "predictions": [20.0, 60.0]
    }  # INPUT_SCALE from the parameter


def test_a_stage_whose_server_dies_is_restarted(shared_server, api, iris):
    import os
    import signal

    served = endpoint(api, "crash-ep", [model(api, "crash", str(iris))["modelId"]], isPublic=True)
    stage_id = served["defaultEndpointStageId"]
    record = next(shared_server.data_dir.glob(f"stages/{stage_id}/gen-*/generation.json"))
    for proc in json.loads(record.read_text())["processes"]:
        os.kill(proc["pid"], signal.SIGKILL)
    deadline = time.time() + 60
    while time.time() < deadline:
        time.sleep(0.3)
        stage = api.get(f"/endpoint-stages/{stage_id}")["endpointStage"]
        if stage["endpointStageStatusCode"] == "ACTIVE" and stage["statusReason"] is None:
            answer = requests.post(gateway(shared_server, "crash-ep/crash"), json={"instances": ROWS})
            if answer.status_code == 200:
                break
    else:
        raise AssertionError(f"stage not serving again: {stage}")
    assert answer.json() == {"predictions": expected(iris, ROWS)}


def test_pod_autoscaler_grows_the_pool_over_its_target(shared_server, api, iris):
    # a model server uses more than 1 % of the instance type's memory: over the target from the start
    resource = {"modelId": model(api, "scaled", str(iris))["modelId"], "podCount": 1, "podAutoScaleEnable": True,
                "scaleMetricCode": "MEMORY_UTILIZATION", "scaleMetricTarget": 1}  # fmt: skip
    served = endpoint(api, "scaled-ep", [], endpointModelResourceList=[resource], isPublic=True)
    stage_id = served["defaultEndpointStageId"]
    deadline = time.time() + 30
    while api.get(f"/endpoint-stages/{stage_id}")["endpointStage"]["runningPodCount"] < 2:
        assert time.time() < deadline, "the pool did not grow"
        time.sleep(0.3)
    record = next(shared_server.data_dir.glob(f"stages/{stage_id}/gen-*/generation.json"))
    assert len(json.loads(record.read_text())["processes"]) == 2  # m2.c2m4: 2 vCPUs bound it
    assert requests.post(gateway(shared_server, "scaled-ep/scaled"), json={"instances": ROWS}).status_code == 200
    samples = api.get(f"/endpoint-stages/{stage_id}/monitoring")["usageList"]  # what the autoscaler read
    assert samples and samples[0]["memoryBytes"] > 0 and samples[0]["cpuPercent"] >= 0
