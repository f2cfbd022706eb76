"""The Python client's model and endpoint methods (what %em_deploy and %em_predict build on)."""

from __future__ import annotations

import pytest
from conftest import TOKEN
from serving_helpers import ROWS, expected, save_sklearn_model

from jupyter_easymaker.client import ApiError, EasyMakerClient


@pytest.fixture
def client(shared_server):
    return EasyMakerClient(url=shared_server.url, token=TOKEN)


def test_deploy_predict_stage_and_statistics(client, tmp_path):
    first = client.create_model("client-iris", "SKLEARN", str(save_sklearn_model(tmp_path / "a")))
    assert client.model_handle("client-iris").status == "ACTIVE"
    endpoint = client.deploy("client-iris")
    assert endpoint.name == "client-iris" and endpoint.status == "ACTIVE"
    assert endpoint.predict(ROWS) == expected(tmp_path / "a", ROWS)
    assert endpoint.predict(ROWS, protocol="v2") == expected(tmp_path / "a", ROWS)
    assert endpoint.predict({"instances": ROWS}) == {"predictions": expected(tmp_path / "a", ROWS)}
    with pytest.raises(ApiError) as refused:
        endpoint.predict([[1.0]])
    assert refused.value.status == 400

    client.create_model("client-iris-b", "SKLEARN", str(save_sklearn_model(tmp_path / "b", max_iter=3)))
    client.deploy("client-iris-b", endpoint="client-iris", stage="next")
    assert endpoint.predict(ROWS, stage="next") == expected(tmp_path / "b", ROWS)
    client.deploy("client-iris-b", endpoint="client-iris")  # one more resource on the default stage
    assert endpoint.predict(ROWS, model="client-iris-b") == expected(tmp_path / "b", ROWS)

    stage = next(s for s in endpoint.stages() if s["isDefaultStage"])
    stats = client.stage_statistics(stage["endpointStageId"])
    assert set(stats) == {"statistics", "endpointModelStatisticsList", "timeSeries"}
    with pytest.raises(ApiError) as busy:
        client.delete_model(first["modelId"])
    assert busy.value.status == 409
    keyed = client.endpoint_handle("client-iris", api_key=client.new_api_key(endpoint.id))
    assert keyed.predict(ROWS) == expected(tmp_path / "a", ROWS)
