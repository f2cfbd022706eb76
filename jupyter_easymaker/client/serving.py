"""`Model` and `Endpoint` handles for notebooks: `client.deploy("iris").predict([[5.1, 3.5, 1.4, 0.2]])`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ApiError

if TYPE_CHECKING:
    from .api import EasyMakerClient


class Model:
    def __init__(self, client: EasyMakerClient, data: dict) -> None:
        self.client, self.data = client, data

    @property
    def id(self) -> str:
        return self.data["modelId"]

    @property
    def name(self) -> str:
        return self.data["modelName"]

    @property
    def status(self) -> str:
        return self.data["modelStatusCode"]

    def __repr__(self) -> str:
        return f"<Model {self.name!r} {self.data['modelFormatCode']} {self.status} id={self.id}>"

    def refresh(self) -> Model:
        self.data = self.client.model(self.id)
        return self

    def deploy(self, endpoint: str | None = None, stage: str | None = None, **fields: Any) -> Endpoint:
        return self.client.deploy(self.id, endpoint, stage, **fields)


class Endpoint:
    """An endpoint and the way to call it through the gateway (the server's token, or its API key)."""

    def __init__(self, client: EasyMakerClient, data: dict, api_key: str | None = None) -> None:
        self.client, self.data, self.api_key = client, data, api_key

    @property
    def id(self) -> str:
        return self.data["endpointId"]

    @property
    def name(self) -> str:
        return self.data["endpointName"]

    @property
    def status(self) -> str:
        return self.data["endpointStatusCode"]

    def __repr__(self) -> str:
        return f"<Endpoint {self.name!r} {self.status} id={self.id}>"

    def refresh(self) -> Endpoint:
        self.data = self.client.endpoint(self.id)
        return self

    def stages(self) -> list[dict]:
        return self.client.stages(self.id)

    def url(self, stage: str | None = None) -> str:
        """The gateway URL of a stage (default: the default stage), with this client's scheme."""
        root = f"{self.client.server_url}easymaker/gateway/{self.name}"
        return f"{root}/{stage}" if stage else root

    def predict(self, data: Any, model: str | None = None, stage: str | None = None, protocol: str = "v1") -> Any:
        """Rows → predictions. `data`: rows (a list), or a whole OIP body (a dict with "instances" or "inputs").
        `model`: which model of the stage (name), when it serves several. protocol "v2" sends rows as one tensor."""
        resources = self._resources(stage)
        if model is not None:
            resources = [r for r in resources if model in (r["model"].get("modelName"), r["modelId"])]
        if not resources:
            raise ApiError(404, f"Endpoint '{self.name}' serves no model {model or ''} on stage {stage or 'default'}")
        body = data if isinstance(data, dict) else _body(data, protocol)
        headers = {"x-nhn-apikey": self.api_key} if self.api_key else {}
        url = self.url(stage) + resources[0]["apigwResourceUri"]
        response = self.client.session.post(url, json=body, headers=headers, timeout=self.client.timeout)
        try:
            answer = response.json()
        except ValueError:
            raise ApiError(response.status_code, response.text[:200]) from None
        if not response.ok:
            raise ApiError(response.status_code, answer.get("error", str(answer)))
        if isinstance(data, dict):
            return answer
        if "predictions" in answer:
            return answer["predictions"]
        return answer["outputs"][0]["data"]

    def _resources(self, stage: str | None) -> list[dict]:
        for found in self.stages():
            if (stage and found["endpointStageName"] == stage) or (not stage and found["isDefaultStage"]):
                return found["endpointModelList"]
        return []


def _body(rows: Any, protocol: str) -> dict:
    rows = rows.tolist() if hasattr(rows, "tolist") else rows
    if protocol == "v2":
        flat = [v for row in rows for v in (row if isinstance(row, (list, tuple)) else [row])]
        shape = [len(rows), len(flat) // max(len(rows), 1)]
        return {"inputs": [{"name": "input-0", "shape": shape, "datatype": "FP64", "data": flat}]}
    return {"instances": rows}


__all__ = ["Endpoint", "Model"]
