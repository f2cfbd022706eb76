"""Models on s3://: checked at create time, cached once, served and batch-inferred, against a real S3-compatible
server (moto's, standing in for MinIO) on its own port."""

from __future__ import annotations

import json

import pytest
import requests
from serving_helpers import ROWS, expected, save_sklearn_model, wait_for
from test_batch_inference import FINAL, batch_body
from test_serving import endpoint, gateway

from jupyter_easymaker.testing import free_port

pytest.importorskip("s3fs")
moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")

BUCKET = "em-models"


@pytest.fixture
def s3(monkeypatch):
    """A running S3-compatible server with a bucket; the AWS variables its clients (and the server's) read."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    url = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=url)
    client.create_bucket(Bucket=BUCKET)
    yield url, client
    server.stop()


def test_an_s3_model_is_checked_cached_served_and_batch_inferred(server_factory, s3, tmp_path):
    url, client = s3
    local = save_sklearn_model(tmp_path / "iris")
    client.upload_file(str(local / "model.joblib"), BUCKET, "iris/v1/model.joblib")
    client.put_object(Bucket=BUCKET, Key="broken/model.joblib", Body=b"not a pickle")
    server = server_factory(extra_args=(f"--EasyMakerApp.s3_endpoint_url={url}",))
    api = server.api

    created = api.post("/models", {"modelName": "s3-iris", "modelFormatCode": "SKLEARN",
                                   "modelUploadUri": f"s3://{BUCKET}/iris/v1"})["model"]  # fmt: skip
    assert created["modelStatusCode"] == "ACTIVE", created
    assert created["modelUploadUri"] == f"s3://{BUCKET}/iris/v1"
    cache = server.data_dir / "model-cache"
    copies = [p for p in cache.iterdir() if p.is_dir()]
    assert len(copies) == 1 and (copies[0] / "model.joblib").read_bytes() == (local / "model.joblib").read_bytes()
    again = api.post("/models", {"modelName": "s3-iris-again", "modelFormatCode": "SKLEARN",
                                 "modelUploadUri": f"s3://{BUCKET}/iris/v1/"})["model"]  # fmt: skip
    assert again["modelStatusCode"] == "ACTIVE"
    assert [p for p in cache.iterdir() if p.is_dir()] == copies, "the same content is downloaded once"

    served = endpoint(api, "s3-iris-ep", [created["modelId"]])
    answer = requests.post(gateway(server, "s3-iris-ep/s3-iris"), json={"instances": ROWS},
                           headers={"x-nhn-apikey": served["apiKey"]})  # fmt: skip
    assert answer.status_code == 200 and answer.json() == {"predictions": expected(local, ROWS)}

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    body = batch_body(api, "s3-batch", created["modelId"], tmp_path / "in", tmp_path / "out", podCount=1)
    batch = api.post("/batch-inferences", body)["batchInference"]
    done = wait_for(api, f"/batch-inferences/{batch['batchInferenceId']}", "batchInference",
                    "batchInferenceStatusCode", FINAL, timeout=120)  # fmt: skip
    assert done["batchInferenceStatusCode"] == "COMPLETE" and done["success2xxCount"] == len(ROWS)
    predicted = [json.loads(line)["prediction"] for line in (tmp_path / "out" / "rows.jsonl.out").open()]
    assert predicted == expected(local, ROWS)

    missing = api.post("/models", {"modelName": "s3-missing", "modelFormatCode": "SKLEARN",
                                   "modelUploadUri": f"s3://{BUCKET}/no/such/prefix"})["model"]  # fmt: skip
    assert missing["modelStatusCode"] == "CREATE FAILED"
    assert "does not exist" in missing["statusReason"] and f"s3://{BUCKET}/no/such/prefix" in missing["statusReason"]
    broken = api.post("/models", {"modelName": "s3-broken", "modelFormatCode": "SKLEARN",
                                  "modelUploadUri": f"s3://{BUCKET}/broken"})["model"]  # fmt: skip
    assert broken["modelStatusCode"] == "CREATE FAILED" and "not a joblib or pickle file" in broken["statusReason"]
    status, refused = api.call("POST", "/models", json={"modelName": "s3-bad-uri", "modelFormatCode": "SKLEARN",
                                                        "modelUploadUri": "s3:///no-bucket"})  # fmt: skip
    assert status == 400 and [e["field"] for e in refused["errorList"]] == ["modelUploadUri"]
    assert all(m["modelName"] != "s3-bad-uri" for m in api.get("/models")["modelList"]), (
        "a failed create leaves nothing"
    )
