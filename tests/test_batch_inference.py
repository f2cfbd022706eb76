"""Batch inference: files chosen by globs, one output file per input file in input order, failures per record,
the SDK's counters; stop, copy, delete."""

from __future__ import annotations

import json

import pytest
from serving_helpers import ROWS, expected, save_sklearn_model, wait_for

FINAL = ("COMPLETE", "FAIL BATCH INFERENCE", "STOPPED", "CREATE FAILED")


@pytest.fixture(scope="module")
def iris(tmp_path_factory):
    return save_sklearn_model(tmp_path_factory.mktemp("batch-iris") / "model")


def batch_body(api, name: str, model_id: str, source, output, **extra) -> dict:
    return {
        "batchInferenceName": name, "modelId": model_id, "flavorId": api.flavor_id(), "instanceCount": 1,
        "timeoutMinutes": 60, "podCount": 2, "maxBatchSize": 2, "inferenceTimeoutSeconds": 30,
        "inputDataUri": str(source), "inputDataTypeCode": "JSONL", "outputUploadUri": str(output),
        "dataStorageSize": 300, **extra,
    }  # fmt: skip


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_globs_outputs_in_order_and_counters(api, tmp_path, iris):
    model_id = api.post("/models", {"modelName": "batch-iris", "modelFormatCode": "SKLEARN",
                                    "modelUploadUri": str(iris)})["model"]["modelId"]  # fmt: skip
    source = tmp_path / "in"
    (source / "a").mkdir(parents=True)
    (source / "skip").mkdir()
    one = [ROWS[0], ROWS[1], [1.0, 2.0], ROWS[2], ROWS[0]]
    (source / "a" / "one.jsonl").write_text("\n".join(json.dumps(r) for r in one[:3]) + "\n{broken\n"
                                            + "\n".join(json.dumps(r) for r in one[3:]) + "\n")  # fmt: skip
    (source / "two.jsonl").write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    (source / "skip" / "three.jsonl").write_text(json.dumps(ROWS[0]) + "\n")
    (source / "notes.txt").write_text("not input\n")
    body = batch_body(api, "batch-globs", model_id, source, tmp_path / "out", includeGlobPattern="*.jsonl",
                      excludeGlobPattern="skip/*")  # fmt: skip
    created = api.post("/batch-inferences", body)["batchInference"]
    done = wait_for(api, f"/batch-inferences/{created['batchInferenceId']}", "batchInference",
                    "batchInferenceStatusCode", FINAL, timeout=120)  # fmt: skip
    assert done["batchInferenceStatusCode"] == "COMPLETE", done
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.out")) == [
        "a/one.jsonl.out", "two.jsonl.out"]  # fmt: skip
    answered = lines(tmp_path / "out" / "a" / "one.jsonl.out")
    assert [a["index"] for a in answered] == [0, 1, 2, 3, 4, 5]
    assert [a["status"] for a in answered] == [200, 200, 400, 400, 200, 200]
    good = [ROWS[0], ROWS[1], ROWS[2], ROWS[0]]
    assert [a["prediction"] for a in answered if a["status"] == 200] == expected(iris, good)
    assert "features" in answered[2]["error"] and "JSON" in answered[3]["error"]
    assert [a["prediction"] for a in lines(tmp_path / "out" / "two.jsonl.out")] == expected(iris, ROWS)
    counters = {k: done[k] for k in ("inputFileCount", "inputDataCount", "processCount", "success2xxCount",
                                     "fail4xxCount", "fail5xxCount")}  # fmt: skip
    assert counters == {"inputFileCount": 2, "inputDataCount": 9, "processCount": 9, "success2xxCount": 7,
                        "fail4xxCount": 2, "fail5xxCount": 0}  # fmt: skip

    # a JSON file ({"instances": [...]} or a list) is one file of records too
    (tmp_path / "json").mkdir()
    (tmp_path / "json" / "rows.json").write_text(json.dumps({"instances": ROWS}))
    copied = api.post(f"/batch-inferences/{created['batchInferenceId']}/copy", {
        "inputDataUri": str(tmp_path / "json"), "inputDataTypeCode": "JSON", "outputUploadUri": str(tmp_path / "o2"),
        "includeGlobPattern": "*.json"})["batchInference"]  # fmt: skip
    assert copied["batchInferenceName"] == "batch-globs-copy" and copied["podCount"] == 2
    done = wait_for(api, f"/batch-inferences/{copied['batchInferenceId']}", "batchInference",
                    "batchInferenceStatusCode", FINAL, timeout=120)  # fmt: skip
    assert done["batchInferenceStatusCode"] == "COMPLETE", done
    assert [a["prediction"] for a in lines(tmp_path / "o2" / "rows.json.out")] == expected(iris, ROWS)
    api.delete(f"/batch-inferences/{copied['batchInferenceId']}")
    status, _ = api.call("DELETE", f"/models/{model_id}")
    assert status == 200  # batch inferences do not hold a model


def test_stop_and_refusals(api, tmp_path, iris):
    model_id = api.post("/models", {"modelName": "batch-stop", "modelFormatCode": "SKLEARN",
                                    "modelUploadUri": str(iris)})["model"]["modelId"]  # fmt: skip
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "big.jsonl").write_text((json.dumps(ROWS[0]) + "\n") * 200_000)
    body = batch_body(api, "batch-long", model_id, tmp_path / "in", tmp_path / "out", maxBatchSize=1, podCount=1)
    created = api.post("/batch-inferences", body)["batchInference"]
    path = f"/batch-inferences/{created['batchInferenceId']}"
    wait_for(api, path, "batchInference", "batchInferenceStatusCode", ("RUNNING",), timeout=60)
    status, refused = api.call("DELETE", path)
    assert status == 409 and "stop" in refused["header"]["resultMessage"]
    api.put(f"{path}/stop")
    stopped = wait_for(api, path, "batchInference", "batchInferenceStatusCode", FINAL, timeout=60)
    assert stopped["batchInferenceStatusCode"] == "STOPPED"
    assert 0 < stopped["processCount"] < 200_000
    api.delete(path)
    status, _ = api.call("GET", path)
    assert status == 404
    status, bad = api.call(
        "POST",
        "/batch-inferences",
        json=batch_body(
            api, "batch-bad", "no-such-model", tmp_path / "missing", tmp_path / "out", inputDataTypeCode="CSV"
        ),
    )
    assert status == 400 and {e["field"] for e in bad["errorList"]} == {"inputDataTypeCode"}
    status, bad = api.call(
        "POST",
        "/batch-inferences",
        json=batch_body(api, "batch-bad", "no-such-model", tmp_path / "missing", tmp_path / "out"),
    )
    assert status == 400 and {e["field"] for e in bad["errorList"]} == {"modelId", "inputDataUri"}
