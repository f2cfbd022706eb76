"""Nonsense in, a clear 400/404/409 out, with the SDK's envelope, the field named, and nothing half-made."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

IMAGE = "Ubuntu 22.04 CPU PyTorch Training"


@pytest.fixture
def call(jp_fetch):
    async def call(method: str, path: str, body=None, **kwargs) -> tuple[int, dict]:
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        if method in ("POST", "PUT") and body is None:
            body = "{}"
        try:
            response = await jp_fetch("easymaker", "v1.0", "appkeys", "local", *path.strip("/").split("/"),
                                      method=method, body=body, **kwargs)  # fmt: skip
        except HTTPClientError as err:
            return err.code, json.loads(err.response.body)
        return response.code, json.loads(response.body)

    return call


async def valid_body(call, tmp_path) -> tuple[dict, dict]:
    """A valid training body, and the catalog's image ids by name."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "train.py").write_text("print('hi')\n")
    _, images = await call("GET", "images")
    _, flavors = await call("GET", "flavors")
    _, experiment = await call("POST", "experiments", {"experimentName": "validation"})
    ids = {i["imageName"]: i["imageId"] for i in images["imageList"]}
    body = {
        "trainingName": "valid",
        "experimentId": experiment["experiment"]["experimentId"],
        "imageId": ids[IMAGE],
        "flavorId": next(f["id"] for f in flavors["flavorList"] if f["name"] == "m2.c2m4"),
        "sourceDirUri": str(source),
        "entryPoint": "train.py",
        "modelUploadUri": str(tmp_path / "out"),
    }
    return body, ids


async def refused(call, body: dict, field: str, status: int = 400, fragment: str = "") -> dict:
    code, answer = await call("POST", "trainings", body)
    assert code == status, answer
    header = answer["header"]
    assert header["isSuccessful"] is False and header["resultCode"] == status
    assert field in header["resultMessage"], header
    if status == 400:
        assert field in [e["field"] for e in answer["errorList"]], answer["errorList"]
    assert fragment in header["resultMessage"], header
    code, listed = await call("GET", "trainings")
    assert listed["trainingList"] == [], "a refused create leaves nothing behind"
    return answer


async def test_valid_body_is_accepted(call, tmp_path):
    body, _ = await valid_body(call, tmp_path)
    code, answer = await call("POST", "trainings", body)
    assert code == 201 and answer["training"]["trainingStatusCode"] == "CREATE REQUESTED"


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"bogusField": 1}, "bogusField", "unknown field"),
        ({"instanceCount": "two"}, "instanceCount", "integer"),
        ({"instanceCount": 11}, "instanceCount", "10"),
        ({"useLog": "yes"}, "useLog", "boolean"),
        ({"timeoutMinutes": 0}, "timeoutMinutes", "1"),
        ({"timeoutMinutes": 43201}, "timeoutMinutes", "43200"),
        ({"trainingName": "has spaces!"}, "trainingName", "letters"),
        ({"trainingName": "x" * 51}, "trainingName", "50"),
        ({"trainingName": ""}, "trainingName", ""),
        ({"description": "d" * 256}, "description", "255"),
        ({"datasetList": [{"datasetName": f"d{i}", "dataUri": "/tmp"} for i in range(11)]}, "datasetList", "10"),
        (
            {"hyperparameterList": [{"parameterName": f"p{i}", "parameterValue": "1"} for i in range(101)]},
            "hyperparameterList",
            "100",
        ),
        ({"hyperparameterList": [{"parameterName": "a", "parameterValue": "1"}] * 2}, "hyperparameterList", "twice"),
        (
            {"hyperparameterList": [{"parameterName": "bad name", "parameterValue": "1"}]},
            "hyperparameterList[0].parameterName",
            "",
        ),
        (
            {"hyperparameterList": [{"parameterName": "n", "parameterValue": 5}]},
            "hyperparameterList[0].parameterValue",
            "string",
        ),
        ({"sourceDirUri": "/tmp/../etc"}, "sourceDirUri", ".."),
        ({"modelUploadUri": "obs://endpoint/container/../../escape"}, "modelUploadUri", ".."),
        ({"modelUploadUri": "ftp://host/path"}, "modelUploadUri", "ftp"),
        ({"datasetList": [{"datasetName": "train", "dataUri": "gopher://x/y"}]}, "datasetList[0].dataUri", "gopher"),
        ({"datasetList": [{"datasetName": "tr ain", "dataUri": "/tmp"}]}, "datasetList[0].datasetName", ""),
        ({"entryPoint": "../outside.py"}, "entryPoint", ".."),
        ({"entryPoint": "missing.py"}, "entryPoint", "not a file"),
        ({"sourceDirUri": "/no/such/dir"}, "sourceDirUri", "does not exist"),
        ({"sourceDirUri": "nas://unknown:/algo"}, "sourceDirUri", "unknown"),
        ({"imageId": "nope"}, "imageId", "no image"),
        ({"flavorId": "nope"}, "flavorId", "no instance type"),
        ({"experimentId": "nope"}, "experimentId", "no experiment"),
        ({"modelUploadUri": None}, "modelUploadUri", "required"),
        ({"nprocPerNode": 2}, "nprocPerNode", "useTorchrun"),
        ({"useTorchrun": True, "nprocPerNode": 3}, "nprocPerNode", "at most 2"),
        (
            {"checkPointInputUri": "obs://kr1-api-object-storage.nhncloudservice.com/v1/AUTH_x/c/ckpt"},
            "checkPointInputUri",
            "does not exist",
        ),
        (
            {"modelUploadUri": "obs://kr1-api-object-storage.nhncloudservice.com/v1/AUTH_x/c/model"},
            "dataStorageSize",
            "Object Storage",
        ),
        ({"dataStorageSize": 299}, "dataStorageSize", "300"),
        ({"metricRegex": "([a-z]+"}, "metricRegex", "regular expression"),
        ({"algorithmId": "nope", "sourceDirUri": None, "entryPoint": None}, "algorithmId", "no algorithm"),
    ],
)
async def test_bad_training_fields(call, tmp_path, change, field, fragment):
    body, _ = await valid_body(call, tmp_path)
    body = {k: v for k, v in {**body, **change}.items() if v is not None}
    await refused(call, body, field, fragment=fragment)


async def test_image_rules(call, tmp_path):
    body, ids = await valid_body(call, tmp_path)
    await refused(call, {**body, "imageId": ids["Ubuntu 22.04 GPU PyTorch Training"]}, "flavorId", fragment="GPU")
    await refused(call, {**body, "imageId": ids["Ubuntu 22.04 CPU Python Notebook"]}, "imageId", fragment="NOTEBOOK")
    await refused(call, {**body, "imageId": ids["Ubuntu 22.04 CPU TensorFlow Training"], "useTorchrun": True},
                  "useTorchrun", fragment="PyTorch")  # fmt: skip


async def test_experiment_created_with_the_training_is_rolled_back_on_refusal(call, tmp_path):
    body, _ = await valid_body(call, tmp_path)
    del body["experimentId"]
    await refused(call, {**body, "experimentName": "born-with-training", "imageId": "nope"}, "imageId")
    _, listed = await call("GET", "experiments", params=None)
    assert "born-with-training" not in [e["experimentName"] for e in listed["experimentList"]]
    code, created = await call("POST", "trainings", {**body, "experimentName": "born-with-training"})
    assert code == 201 and created["training"]["experiment"]["experimentName"] == "born-with-training"


async def test_duplicate_names_conflict(call, tmp_path):
    body, _ = await valid_body(call, tmp_path)
    assert (await call("POST", "trainings", body))[0] == 201
    code, answer = await call("POST", "trainings", body)
    assert code == 409 and "already exists" in answer["header"]["resultMessage"]
    code, answer = await call("POST", "experiments", {"experimentName": "validation"})
    assert code == 409 and "experimentName" in answer["header"]["resultMessage"]


async def test_body_that_is_not_json(call):
    code, answer = await call("POST", "experiments", "{not json")
    assert code == 400 and "not valid JSON" in answer["header"]["resultMessage"]
    code, answer = await call("POST", "experiments", "[1, 2]")
    assert code == 400 and "JSON object" in answer["header"]["resultMessage"]


async def test_experiment_fields(call):
    code, answer = await call("POST", "experiments", {"experimentName": "ok", "description": 3})
    assert code == 400 and answer["errorList"] == [
        {"field": "description", "message": "Input should be a valid string"}
    ]
    code, answer = await call("POST", "experiments", {})
    assert code == 400 and answer["errorList"][0] == {"field": "experimentName", "message": "is required"}


async def test_template_fields(call, tmp_path):
    body, _ = await valid_body(call, tmp_path)
    code, answer = await call("POST", "training-templates", {"trainingTemplateName": "t", "sourceDirUri": "x://y"})
    assert code == 400 and answer["errorList"][0]["field"] == "sourceDirUri"
    code, answer = await call("POST", "training-templates", {"trainingTemplateName": "t", "flavorId": "nope"})
    assert code == 400 and answer["errorList"][0]["field"] == "flavorId"
    _, listed = await call("GET", "training-templates")
    assert listed["trainingTemplateList"] == []


async def test_not_found_and_wrong_state(call):
    code, answer = await call("GET", "trainings/0000-missing")
    assert code == 404 and answer["header"]["isSuccessful"] is False
    code, answer = await call("DELETE", "experiments/0000-missing")
    assert code == 404
    code, answer = await call("PUT", "experiments/0000-missing/retry")
    assert code == 404


async def test_unauthenticated_requests_are_refused(jp_fetch):
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("easymaker", "v1.0", "appkeys", "local", "experiments", headers={"Authorization": ""})
    assert caught.value.code == 403
    assert json.loads(caught.value.response.body)["header"]["isSuccessful"] is False


async def test_sdk_auth_headers_carry_the_token(jp_fetch, jp_serverapp):
    token = jp_serverapp.identity_provider.token
    for headers in ({"x-nhn-authorization": f"Bearer {token}"}, {"X-EasyMaker-Token": token}):
        response = await jp_fetch("easymaker", "v1.0", "appkeys", "local", "flavors",
                                  headers={"Authorization": "", **headers})  # fmt: skip
        assert response.code == 200


async def test_unknown_routes_answer_the_envelope(jp_fetch):
    for path in (("v1.0", "appkeys", "bad key!", "trainings"), ("v1.0", "appkeys", "local", "no-such-thing")):
        with pytest.raises(HTTPClientError) as caught:
            await jp_fetch("easymaker", *path)
        assert caught.value.code == 404
        assert "No API route" in json.loads(caught.value.response.body)["header"]["resultMessage"]
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("easymaker", "v1.0", "appkeys", "local", "flavors", method="DELETE")
    assert caught.value.code == 405 and caught.value.response.headers["Allow"] == "GET"
