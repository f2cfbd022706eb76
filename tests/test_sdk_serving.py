"""The public `easymaker` SDK, unchanged, for models and endpoints, against a server running with TLS: the SDK
builds inference URLs as "https://" + apigwStageUrl + resource path."""

from __future__ import annotations

import time

import easymaker
import pytest
import requests
from conftest import TOKEN, ServerProcess, write_script
from easymaker.common.base_model.easymaker_base_model import EasyMakerBaseModel
from easymaker.common.exceptions import EasyMakerError
from easymaker.endpoint.components import EndpointModelResource
from serving_helpers import ROWS, TRAIN_SCRIPT, expected, save_sklearn_model

from jupyter_easymaker.testing import self_signed_certificate


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("tls")
    server = ServerProcess(base / "em-data", base / "root", tls=self_signed_certificate(base / "tls")).start()
    yield server
    server.stop()


@pytest.fixture
def sdk(tls_server, monkeypatch):
    monkeypatch.setenv("EM_API_URL", f"{tls_server.url}easymaker")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_server.tls[0]))  # trust the test certificate
    monkeypatch.delenv("EM_TOKEN", raising=False)
    monkeypatch.setattr(EasyMakerBaseModel.wait, "__defaults__", ("create", 0.2))  # the SDK polls every 10 s
    easymaker.init(appkey="local", region="kr1", access_token=TOKEN)
    return easymaker


def make_public(server, endpoint_id: str) -> None:
    """The SDK's predict() sends no credentials: it works against a public endpoint (as API Gateway allows)."""
    answer = requests.put(
        f"{server.url}easymaker/v1.0/appkeys/local/endpoints/{endpoint_id}",
        json={"isPublic": True},
        headers={"X-EasyMaker-Token": TOKEN},
        verify=str(server.tls[0]),
    )
    assert answer.status_code == 200, answer.text  # fmt: skip
    time.sleep(0.6)  # the gateway's route cache


def test_train_register_deploy_predict_with_the_sdk(sdk, tls_server, tmp_path):
    source = write_script(tmp_path / "src", TRAIN_SCRIPT)
    experiment = sdk.Experiment().create(experiment_name="sdk-serving")
    training = sdk.Training().run(
        experiment_id=experiment.experiment_id, training_name="sdk-iris",
        image_name="Ubuntu 22.04 CPU PyTorch Training", instance_type_name="m2.c2m4",
        source_dir_uri=str(source), entry_point="train.py", model_upload_uri=str(tmp_path / "out"),
    )  # fmt: skip
    model = sdk.Model().create(model_name="sdk-iris", model_format_code="SKLEARN", training_id=training.training_id)
    assert model.model_status_code == "ACTIVE"
    assert "sdk-iris" in [m.model_name for m in sdk.Model.get_list()]

    endpoint = sdk.Endpoint().create(
        endpoint_name="sdk-ep", instance_type_name="m2.c2m4",
        endpoint_model_resource_list=[EndpointModelResource(model_id=model.model_id)],
    )  # fmt: skip
    assert endpoint.endpoint_status_code == "ACTIVE"
    assert endpoint.default_stage.endpoint_stage_status_code == "ACTIVE"
    assert endpoint.default_stage.apigw_stage_url.startswith("127.0.0.1:")
    make_public(tls_server, endpoint.endpoint_id)
    want = expected(tmp_path / "out", ROWS)
    assert endpoint.predict(model_id=model.model_id, json={"instances": ROWS}) == {"predictions": want}
    tensor = {"name": "x", "shape": [3, 4], "datatype": "FP64", "data": [v for row in ROWS for v in row]}
    answer = endpoint.predict(model_id=model.model_id, json={"inputs": [tensor]})
    assert answer["outputs"][0]["data"] == want  # the body chose OIP v2 at the same resource path

    other = sdk.Model().create(model_name="sdk-iris-2", model_format_code="SKLEARN",
                               model_upload_uri=str(save_sklearn_model(tmp_path / "m2", max_iter=3)))  # fmt: skip
    stage = sdk.EndpointStage().create(
        stage_name="canary", endpoint_id=endpoint.endpoint_id, instance_type_name="m2.c2m4",
        endpoint_model_resource_list=[EndpointModelResource(model_id=other.model_id)],
    )  # fmt: skip
    assert stage.endpoint_stage_status_code == "ACTIVE" and not stage.is_default_stage
    assert stage.predict(model_id=other.model_id, json={"instances": ROWS}) == {
        "predictions": expected(tmp_path / "m2", ROWS)
    }
    assert {s.endpoint_stage_name for s in sdk.Endpoint(endpoint.endpoint_id).get_stage_list()} == {"default", "canary"}

    with pytest.raises(EasyMakerError):
        sdk.Model(model.model_id).delete()  # an endpoint serves it
    with pytest.raises(EasyMakerError):
        sdk.Endpoint(endpoint.endpoint_id).delete()  # another stage remains
    sdk.EndpointStage(stage.endpoint_stage_id).delete()
    deadline = time.time() + 30
    while stage.endpoint_stage_id in [s.endpoint_stage_id for s in sdk.Endpoint(endpoint.endpoint_id).get_stage_list()]:
        assert time.time() < deadline
        time.sleep(0.2)
    sdk.Endpoint(endpoint.endpoint_id).delete()
    while endpoint.endpoint_id in [e.endpoint_id for e in sdk.Endpoint.get_list()]:
        assert time.time() < deadline
        time.sleep(0.2)
    sdk.Model(model.model_id).delete()
    assert "sdk-iris" not in [m.model_name for m in sdk.Model.get_list()]


def test_batch_inference_with_the_sdk(sdk, tmp_path):
    import json

    model = sdk.Model().create(model_name="sdk-batch", model_format_code="SKLEARN",
                               model_upload_uri=str(save_sklearn_model(tmp_path / "m")))  # fmt: skip
    (tmp_path / "in").mkdir()
    for name in ("a.jsonl", "b.jsonl"):
        (tmp_path / "in" / name).write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    run = sdk.BatchInference().run(
        batch_inference_name="sdk-batch", model_id=model.model_id, instance_type_name="m2.c2m4",
        output_upload_uri=str(tmp_path / "out"), input_data_uri=str(tmp_path / "in"), input_data_type="JSONL",
        batch_size=2, inference_timeout_seconds=30, data_storage_size=300, pod_count=2, exclude_glob_pattern="b.*",
    )  # fmt: skip
    assert run.batch_inference_status_code == "COMPLETE"
    assert (run.input_file_count, run.input_data_count, run.process_count) == (1, 3, 3)
    assert (run.success2xx_count, run.fail4xx_count, run.fail5xx_count) == (3, 0, 0)
    assert run.instance_type.name == "m2.c2m4" and run.model.model_id == model.model_id
    answers = [json.loads(line) for line in (tmp_path / "out" / "a.jsonl.out").read_text().splitlines()]
    assert [a["prediction"] for a in answers] == expected(tmp_path / "m", ROWS)
    assert "sdk-batch" in [b.batch_inference_name for b in sdk.BatchInference.get_list()]
    sdk.BatchInference(run.batch_inference_id).delete()
    assert "sdk-batch" not in [b.batch_inference_name for b in sdk.BatchInference.get_list()]
