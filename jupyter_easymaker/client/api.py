"""`EasyMakerClient`: the REST API from Python, one method a route, plus waiting and following logs."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import requests

from ..resources.statuses import NOTEBOOK_ACTIVE, NOTEBOOK_LAUNCH_FAILED, TRAINING_FINAL, TUNING_FINAL, NotebookStatus
from .discovery import HOW_TO_START, discover
from .errors import ApiError, ServerNotFound, UnknownName
from .pipeline_api import PipelineMethods
from .polling import poll_until

if TYPE_CHECKING:
    from .serving import Endpoint, Model
    from .training import Training
    from .tuning import Tuning

FINAL_STATUSES = frozenset(status.value for status in TRAINING_FINAL)
#: Notebook statuses with no task in progress.
NOTEBOOK_SETTLED = tuple(
    s.value for s in (*NOTEBOOK_ACTIVE, *NOTEBOOK_LAUNCH_FAILED.values(), NotebookStatus.STOPPED,
                      NotebookStatus.STOP_FAILED, NotebookStatus.DELETE_FAILED)
)  # fmt: skip

TUNING_FINAL_STATUSES = frozenset(status.value for status in TUNING_FINAL)
DEFAULT_APPKEY = "local"
LOG_PAGE = 1000
_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")  # what a route accepts as an id
TRAINING_FILTERS = {
    "id": "trainingIdList", "ids": "trainingIdList",
    "name": "trainingNameList", "names": "trainingNameList",
    "experiment_id": "experimentId", "experiment": "experimentId",
    "status": "trainingStatusCodeList", "statuses": "trainingStatusCodeList",
}  # fmt: skip
TUNING_FILTERS = {
    "id": "hyperparameterTuningIdList", "ids": "hyperparameterTuningIdList",
    "name": "hyperparameterTuningNameList", "names": "hyperparameterTuningNameList",
    "experiment_id": "experimentId", "experiment": "experimentId",
    "status": "hyperparameterTuningStatusCodeList", "statuses": "hyperparameterTuningStatusCodeList",
}  # fmt: skip


def camel_key(key: str) -> str:
    """`model_upload_uri` → `modelUploadUri`; camelCase stays."""
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camel(fields: dict[str, Any]) -> dict[str, Any]:
    """snake_case keys to the API's camelCase; camelCase keys stay."""
    return {camel_key(key): value for key, value in fields.items()}


class EasyMakerClient(PipelineMethods):
    """A session with the EasyMaker API of a running Jupyter server.

    `EasyMakerClient()` finds the server on its own (see `discovery`); `url` (the server URL or its
    `…/easymaker` API root) and `token` override. Every method returns the API's camelCase JSON.
    """

    def __init__(
        self, url: str | None = None, token: str | None = None, appkey: str | None = None, timeout: float = 30.0
    ) -> None:
        self._appkey = appkey or os.environ.get("EM_APPKEY")
        info = discover(url, token)
        self.api_url, self.token, self.source = info.api_url, info.token, info.source
        self.timeout = timeout
        self.session = requests.Session()
        if self.token:
            self.session.headers["Authorization"] = f"token {self.token}"

    @property
    def appkey(self) -> str:
        """The project: as given, else EM_APPKEY, else the server's default appkey."""
        if self._appkey is None:
            self._appkey = self.info().get("defaultAppkey") or DEFAULT_APPKEY
        return self._appkey

    def info(self) -> dict:
        """The server's version, backend, default appkey and region."""
        return self.request("GET", f"{self.api_url}/v1.0/info")["info"]

    @property
    def server_url(self) -> str:
        """The Jupyter server's URL (with its base_url), ending in '/'."""
        return self.api_url[: -len("easymaker")]

    @property
    def base_url(self) -> str:
        """Where the routes start: …/easymaker/v1.0/appkeys/{appkey}."""
        return f"{self.api_url}/v1.0/appkeys/{self.appkey}"

    def __repr__(self) -> str:
        return f"EasyMakerClient({self.api_url!r}, appkey={self.appkey!r})"

    # -- the wire ------------------------------------------------------------------------------------------------------

    def request(self, method: str, path: str, json: Any = None, params: dict | None = None) -> dict:
        """Call a route (`path` below …/appkeys/{appkey}, or a full URL); the body without its header.

        Raises `ApiError` when the API refuses and `ServerNotFound` when it cannot be reached.
        """
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"
        try:
            response = self.session.request(method, url, json=json, params=_params(params), timeout=self.timeout)
        except requests.ConnectionError as err:
            raise ServerNotFound(f"Cannot reach the EasyMaker API at {self.api_url}; {HOW_TO_START}.") from err
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            text = " ".join(response.text.split())[:200]
            raise ApiError(response.status_code, f"{method} {url} answered HTTP {response.status_code}: {text}")
        header = body.pop("header", None) or {}
        if not response.ok or not header.get("isSuccessful", True):
            message = header.get("resultMessage") or body.get("message") or response.reason or "request failed"
            raise ApiError(response.status_code, message, body.get("errorList"))
        return body

    def get(self, path: str, **params: Any) -> dict:
        return self.request("GET", path, params=params)

    # -- catalog -------------------------------------------------------------------------------------------------------

    def images(self, group: str | None = None) -> list[dict]:
        """The images; `group` ("TRAINING", "NOTEBOOK", "HYPERPARAMETER_TUNING") keeps those serving it."""
        return self.get("/images", groupTypeCodeList=group)["imageList"]

    def flavors(self) -> list[dict]:
        return self.get("/flavors")["flavorList"]

    def algorithms(self) -> list[dict]:
        return self.get("/algorithms")["algorithmList"]

    def image_id(self, name: str, group: str | None = None) -> str:
        """The id of the image with this name (or id)."""
        return _pick(self.images(group), name, "imageId", "imageName", "image")

    def flavor_id(self, name: str) -> str:
        """The id of the instance type (flavor) with this name (or id), e.g. 'm2.c2m4'."""
        return _pick(self.flavors(), name, "id", "name", "flavor")

    # -- experiments ---------------------------------------------------------------------------------------------------

    def experiments(self, names: list[str] | None = None, ids: list[str] | None = None) -> list[dict]:
        return self.get("/experiments", experimentNameList=names, experimentIdList=ids)["experimentList"]

    def experiment(self, experiment_id: str) -> dict:
        return self.get(f"/experiments/{experiment_id}")["experiment"]

    def find_experiment(self, name_or_id: str) -> dict:
        found = self.experiments(names=[name_or_id])
        if not found and _ID.match(name_or_id):
            found = self.experiments(ids=[name_or_id])
        if not found:
            names = ", ".join(e["experimentName"] for e in self.experiments()) or "none yet"
            raise UnknownName(f"No experiment named or with id '{name_or_id}'; the experiments are: {names}.")
        return found[0]

    def create_experiment(self, name: str, description: str | None = None) -> dict:
        body = {"experimentName": name, **({"description": description} if description is not None else {})}
        return self.request("POST", "/experiments", json=body)["experiment"]

    def ensure_experiment(self, name: str, description: str | None = None) -> dict:
        """The experiment called `name`, created if there is none."""
        for _ in range(2):
            found = self.experiments(names=[name])
            if found:
                return found[0]
            try:
                return self.create_experiment(name, description)
            except ApiError as err:
                if err.status != 409:  # else someone created it meanwhile: read it again
                    raise
        return self.experiments(names=[name])[0]

    def update_experiment(self, experiment_id: str, description: str | None) -> dict:
        return self.request("PUT", f"/experiments/{experiment_id}", json={"description": description})["experiment"]

    def delete_experiment(self, experiment_id: str) -> None:
        self.request("DELETE", f"/experiments/{experiment_id}")

    # -- training templates --------------------------------------------------------------------------------------------

    def templates(self, names: list[str] | None = None) -> list[dict]:
        return self.get("/training-templates", trainingTemplateNameList=names)["trainingTemplateList"]

    def template(self, template_id: str) -> dict:
        return self.get(f"/training-templates/{template_id}")["trainingTemplate"]

    def create_template(self, name: str | None = None, /, **fields: Any) -> dict:
        """Fields as the API takes them (camelCase, or snake_case converted): imageId, flavorId, sourceDirUri …"""
        body = {**({"trainingTemplateName": name} if name else {}), **camel(fields)}
        return self.request("POST", "/training-templates", json=body)["trainingTemplate"]

    def update_template(self, template_id: str, **fields: Any) -> dict:
        return self.request("PUT", f"/training-templates/{template_id}", json=camel(fields))["trainingTemplate"]

    def copy_template(self, template_id: str, **overrides: Any) -> dict:
        path = f"/training-templates/{template_id}/copy"
        return self.request("POST", path, json=camel(overrides))["trainingTemplate"]

    def delete_template(self, template_id: str) -> None:
        self.request("DELETE", f"/training-templates/{template_id}")

    # -- trainings -----------------------------------------------------------------------------------------------------

    def trainings(self, **filters: Any) -> list[dict]:
        """Newest first. Filters: name(s), id(s), experiment_id, status(es), or the API's own names
        (trainingNameList, trainingIdList, experimentIdList, experimentId, trainingStatusCodeList); a str or a list."""
        params = {TRAINING_FILTERS.get(k, camel_key(k)): v for k, v in filters.items()}
        return self.get("/trainings", **params)["trainingList"]

    def training(self, training_id: str) -> dict:
        return self.get(f"/trainings/{training_id}")["training"]

    def find_training(self, name_or_id: str) -> dict:
        """The training with this name, else with this id; `UnknownName` listing the recent ones otherwise."""
        found = self.trainings(name=[name_or_id])
        if found:
            return found[0]
        if _ID.match(name_or_id):
            try:
                return self.training(name_or_id)
            except ApiError as err:
                if err.status != 404:
                    raise
        recent = [t["trainingName"] for t in self.trainings()[:20]]
        listed = ", ".join(recent) if recent else "none yet"
        raise UnknownName(f"No training named or with id '{name_or_id}'; recent trainings: {listed}.")

    def create_training(self, body: dict | None = None, **fields: Any) -> dict:
        """Submit a training. `body` is the camelCase JSON the API takes (trainingName, experimentId, imageId,
        flavorId, sourceDirUri, entryPoint, modelUploadUri …); keyword fields are added (snake_case converted)."""
        return self.request("POST", "/trainings", json={**(body or {}), **camel(fields)})["training"]

    def stop_training(self, training_id: str) -> dict:
        return self.request("PUT", f"/trainings/{training_id}/stop")["training"]

    def copy_training(self, training_id: str, **overrides: Any) -> dict:
        """A new training with the same settings; overrides such as training_name=…, timeout_minutes=…"""
        return self.request("POST", f"/trainings/{training_id}/copy", json=camel(overrides))["training"]

    def delete_training(self, training_id: str) -> None:
        self.request("DELETE", f"/trainings/{training_id}")

    def metrics(self, training_id: str, names: list[str] | None = None, max_points: int | None = None) -> dict:
        """{"metricList": [{name, step, value, time}], "metricSummaryList": [{name, min, max, latest, count}]};
        `max_points` thins each series to about that many points (for charts)."""
        return self.get(f"/trainings/{training_id}/metrics", metricNameList=names, maxPoints=max_points)

    def monitoring(self, training_id: str) -> list[dict]:
        """CPU and memory samples: [{time, cpuPercent, memoryBytes}]."""
        return self.get(f"/trainings/{training_id}/monitoring")["usageList"]

    def training_handle(self, training: str | dict) -> Training:
        """A `Training` for a name, an id, or a training dict the API returned."""
        from .training import Training

        return Training(self, training if isinstance(training, dict) else self.find_training(training))

    # -- notebooks -----------------------------------------------------------------------------------------------------

    def notebooks(self, names: list[str] | None = None, ids: list[str] | None = None,
                  statuses: list[str] | None = None) -> list[dict]:  # fmt: skip
        params = {"notebookNameList": names, "notebookIdList": ids, "notebookStatusCodeList": statuses}
        return self.get("/notebooks", **params)["notebookList"]

    def notebook(self, notebook_id: str) -> dict:
        return self.get(f"/notebooks/{notebook_id}")["notebook"]

    def create_notebook(self, body: dict | None = None, **fields: Any) -> dict:
        """Create a notebook instance. `body` is the camelCase JSON the API takes (notebookName, imageId, flavorId,
        bootStorageSize, dataStorageSize, nasList, tagList …); keyword fields are added (snake_case converted)."""
        return self.request("POST", "/notebooks", json={**(body or {}), **camel(fields)})["notebook"]

    def update_notebook(self, notebook_id: str, **fields: Any) -> dict:
        """Rename it (notebook_name=…) or change its description (description=…)."""
        return self.request("PUT", f"/notebooks/{notebook_id}", json=camel(fields))["notebook"]

    def start_notebook(self, notebook_id: str) -> dict:
        return self.request("PUT", f"/notebooks/{notebook_id}/start")["notebook"]

    def stop_notebook(self, notebook_id: str) -> dict:
        return self.request("PUT", f"/notebooks/{notebook_id}/stop")["notebook"]

    def reboot_notebook(self, notebook_id: str) -> dict:
        return self.request("PUT", f"/notebooks/{notebook_id}/reboot")["notebook"]

    def change_notebook_flavor(self, notebook_id: str, flavor: str) -> dict:
        """Change a STOPPED notebook's instance type; `flavor` is a name ('m2.c4m8') or an id."""
        body = {"flavorId": self.flavor_id(flavor)}
        return self.request("PUT", f"/notebooks/{notebook_id}/flavor", json=body)["notebook"]

    def delete_notebook(self, notebook_id: str) -> dict:
        """Deleting takes a moment: the notebook is DELETE IN PROGRESS until its storage is gone."""
        return self.request("DELETE", f"/notebooks/{notebook_id}")["notebook"]

    def notebook_monitoring(self, notebook_id: str) -> list[dict]:
        """CPU and memory samples of the notebook's server and kernels: [{time, cpuPercent, memoryBytes}]."""
        return self.get(f"/notebooks/{notebook_id}/monitoring")["usageList"]

    def notebook_url(self, notebook: str | dict) -> str:
        """Where Open Jupyter Notebook leads (for a logged-in user of this server)."""
        notebook_id = notebook["notebookId"] if isinstance(notebook, dict) else notebook
        return f"{self.api_url}/notebooks/{notebook_id}/"

    def wait_notebook(self, notebook_id: str, until: tuple[str, ...] = NOTEBOOK_SETTLED, timeout: float | None = None,
                      poll: float = 0.5) -> dict:  # fmt: skip
        """Poll until the notebook is in one of `until` (by default: no task in progress) and return it."""
        return poll_until(
            lambda: self.notebook(notebook_id),
            lambda n: n["notebookStatusCode"] in until,
            lambda n: f"Notebook '{n['notebookName']}' is still {n['notebookStatusCode']}",
            timeout, poll,
        )  # fmt: skip

    # -- hyperparameter tunings ----------------------------------------------------------------------------------------

    def tunings(self, **filters: Any) -> list[dict]:
        """Newest first. Filters: name(s), id(s), experiment_id, status(es), or the API's own names
        (hyperparameterTuningNameList, hyperparameterTuningIdList, experimentId, …); a str or a list."""
        params = {TUNING_FILTERS.get(k, k): v for k, v in filters.items()}
        return self.get("/hyperparameter-tunings", **params)["hyperparameterTuningList"]

    def tuning(self, tuning_id: str) -> dict:
        return self.get(f"/hyperparameter-tunings/{tuning_id}")["hyperparameterTuning"]

    def find_tuning(self, name_or_id: str) -> dict:
        """The tuning with this name, else with this id; `UnknownName` listing the recent ones otherwise."""
        found = self.tunings(name=[name_or_id])
        if not found and _ID.match(name_or_id):
            found = self.tunings(id=[name_or_id])
        if found:
            return found[0]
        recent = [t["hyperparameterTuningName"] for t in self.tunings()[:20]]
        listed = ", ".join(recent) or "none yet"
        raise UnknownName(f"No hyperparameter tuning named or with id '{name_or_id}'; recent tunings: {listed}.")

    def create_tuning(self, body: dict | None = None, **fields: Any) -> dict:
        """Start a hyperparameter tuning. `body` is the camelCase JSON the API takes (hyperparameterTuningName,
        experimentId, imageId, flavorId, sourceDirUri, entryPoint, modelUploadUri, hyperparameterSpecList,
        objectiveMetric, objectiveTypeCode, tuningStrategyName, …); keyword `fields` (snake_case is fine) add to it."""
        body = {**(body or {}), **camel(fields)}
        return self.request("POST", "/hyperparameter-tunings", json=body)["hyperparameterTuning"]

    def stop_tuning(self, tuning_id: str) -> dict:
        return self.request("PUT", f"/hyperparameter-tunings/{tuning_id}/stop")["hyperparameterTuning"]

    def copy_tuning(self, tuning_id: str, **overrides: Any) -> dict:
        """A new tuning with the same settings; overrides such as hyperparameter_tuning_name=…, max_trial_count=…"""
        path = f"/hyperparameter-tunings/{tuning_id}/copy"
        return self.request("POST", path, json=camel(overrides))["hyperparameterTuning"]

    def delete_tuning(self, tuning_id: str) -> None:
        self.request("DELETE", f"/hyperparameter-tunings/{tuning_id}")

    def trials(self, tuning_id: str, statuses: list[str] | None = None) -> list[dict]:
        """A tuning's trials in creation order; each trial's `trainingId` gives its logs and metrics."""
        path = f"/hyperparameter-tunings/{tuning_id}/trials"
        return self.get(path, trialStatusCodeList=statuses)["trialList"]

    def tuning_handle(self, tuning: str | dict) -> Tuning:
        """A `Tuning` for a name, an id, or a tuning dict the API returned."""
        from .tuning import Tuning

        return Tuning(self, tuning if isinstance(tuning, dict) else self.find_tuning(tuning))

    def wait_tuning(
        self, tuning_id: str, timeout: float | None = None, poll: float = 0.5,
        on_status: Callable[[dict], Any] | None = None,
    ) -> dict:  # fmt: skip
        """Poll until the tuning is final (COMPLETE, FAIL HYPERPARAMETER TUNING, STOPPED, CREATE FAILED).
        `on_status(tuning)` is called with the tuning each time its status or trial counts change (and first)."""
        return poll_until(
            lambda: self.tuning(tuning_id),
            lambda t: t["hyperparameterTuningStatusCode"] in TUNING_FINAL_STATUSES,
            lambda t: f"Tuning '{t['hyperparameterTuningName']}' is still {t['hyperparameterTuningStatusCode']}",
            timeout, poll, on_status,
            lambda t: (t["hyperparameterTuningStatusCode"], t["completedTrialCount"], t["runningTrialCount"]),
        )  # fmt: skip

    # -- models --------------------------------------------------------------------------------------------------------

    def models(self, names: list[str] | None = None, ids: list[str] | None = None) -> list[dict]:
        return self.get("/models", modelNameList=names, modelIdList=ids)["modelList"]

    def model(self, model_id: str) -> dict:
        return self.get(f"/models/{model_id}")["model"]

    def find_model(self, name_or_id: str) -> dict:
        return self._find(self.models, self.model, name_or_id, "model", "modelName")

    def create_model(self, name: str, framework: str = "SKLEARN", uri: str | None = None, **fields: Any) -> dict:
        """Register a model from an artifact `uri`, or from a COMPLETE training (training_id=…). Parameters as
        parameters={"name": "value"}. A missing or malformed artifact gives a model in CREATE FAILED, with why."""
        parameters = fields.pop("parameters", None) or {}
        body = {"modelName": name, "modelFormatCode": framework, "modelUploadUri": uri, **camel(fields)}
        if parameters:
            body["parameterList"] = [{"parameterName": k, "parameterValue": str(v)} for k, v in parameters.items()]
        return self.request("POST", "/models", json={k: v for k, v in body.items() if v is not None})["model"]

    def update_model(self, model_id: str, **fields: Any) -> dict:
        """Rename (model_name=…) or describe (description=…) a model."""
        return self.request("PUT", f"/models/{model_id}", json=camel(fields))["model"]

    def delete_model(self, model_id: str) -> None:
        self.request("DELETE", f"/models/{model_id}")

    def model_handle(self, model: str | dict) -> Model:
        from .serving import Model

        return Model(self, model if isinstance(model, dict) else self.find_model(model))

    # -- endpoints, stages, stage resources -------------------------------------------------------------------------

    def endpoints(self, names: list[str] | None = None, ids: list[str] | None = None) -> list[dict]:
        return self.get("/endpoints", endpointNameList=names, endpointIdList=ids)["endpointList"]

    def endpoint(self, endpoint_id: str) -> dict:
        return self.get(f"/endpoints/{endpoint_id}")["endpoint"]

    def find_endpoint(self, name_or_id: str) -> dict:
        return self._find(self.endpoints, self.endpoint, name_or_id, "endpoint", "endpointName")

    def create_endpoint(self, name: str, model_ids: list[str], flavor: str = "m2.c2m4", **fields: Any) -> dict:
        """An endpoint whose default stage serves these models (each at /{model name}); the answer holds the
        endpoint's API key (apiKey) — the only time it is shown. Fields: node_count, is_public, description …"""
        body = {"endpointName": name, "flavorId": self.flavor_id(flavor), "nodeCount": 1,
                "endpointModelResourceList": [{"modelId": m} for m in model_ids], **camel(fields)}  # fmt: skip
        return self.request("POST", "/endpoints", json=body)["endpoint"]

    def update_endpoint(self, endpoint_id: str, **fields: Any) -> dict:
        """description=…, is_public=True/False, default_endpoint_stage_id=… (the old default's resources go)."""
        return self.request("PUT", f"/endpoints/{endpoint_id}", json=camel(fields))["endpoint"]

    def delete_endpoint(self, endpoint_id: str) -> None:
        self.request("DELETE", f"/endpoints/{endpoint_id}")

    def new_api_key(self, endpoint_id: str) -> str:
        return self.request("POST", f"/endpoints/{endpoint_id}/api-key")["apiKey"]

    def stages(self, endpoint_id: str | None = None) -> list[dict]:
        return self.get("/endpoint-stages", endpointId=endpoint_id)["endpointStageList"]

    def stage(self, stage_id: str) -> dict:
        return self.get(f"/endpoint-stages/{stage_id}")["endpointStage"]

    def create_stage(self, endpoint_id: str, name: str, model_ids: list[str], flavor: str = "m2.c2m4",
                     **fields: Any) -> dict:  # fmt: skip
        body = {
            "endpointId": endpoint_id,
            "apigwStageName": name,
            "flavorId": self.flavor_id(flavor),
            "nodeCount": 1,
            "endpointModelResourceList": [{"modelId": m} for m in model_ids],
            **camel(fields),
        }
        return self.request("POST", "/endpoint-stages", json=body)["endpointStage"]  # fmt: skip

    def delete_stage(self, stage_id: str) -> None:
        self.request("DELETE", f"/endpoint-stages/{stage_id}")

    def stage_statistics(self, stage_id: str, minutes: int = 60) -> dict:
        return self.get(f"/endpoint-stages/{stage_id}/statistics", minutes=minutes)

    def stage_monitoring(self, stage_id: str) -> dict:
        """CPU and memory of a stage's model servers: {usageList (summed), instanceList (per process)}."""
        return self.get(f"/endpoint-stages/{stage_id}/monitoring")

    def batch_inference_monitoring(self, batch_inference_id: str) -> dict:
        """CPU and memory of a batch inference's processes: {usageList (summed), instanceList (per process)}."""
        return self.get(f"/batch-inferences/{batch_inference_id}/monitoring")

    def top_endpoints(self, minutes: int = 1440, count: int = 3) -> list[dict]:
        return self.get("/endpoints/statistics", minutes=minutes, count=count)["endpointStatisticsList"]

    def stage_resources(self, stage_id: str | None = None) -> list[dict]:
        return self.get("/endpoint-models", endpointStageId=stage_id)["endpointModelList"]

    def add_stage_resource(self, stage_id: str, model_id: str, **fields: Any) -> dict:
        """Serve another model on a stage; apigw_resource_uri="/path" (default /{model name}), pod_count=…."""
        body = {"endpointStageId": stage_id, "modelId": model_id, **camel(fields)}
        return self.request("POST", "/endpoint-models", json=body)["endpointModel"]

    def delete_stage_resource(self, resource_id: str) -> None:
        self.request("DELETE", f"/endpoint-models/{resource_id}")

    def wait_stage(self, stage_id: str, timeout: float | None = 300, poll: float = 0.3) -> dict:
        """Until the stage is ACTIVE (returned) or failed (ApiError with the reason)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            stage = self.stage(stage_id)
            status = stage["endpointStageStatusCode"]
            pending = [r for r in stage["endpointModelList"] if r["endpointModelStatusCode"] != "ACTIVE"
                       and r["endpointModelStatusCode"] != "DELETE IN PROGRESS"]  # fmt: skip
            if status == "ACTIVE" and not pending:
                return stage
            if "FAILED" in status or any(r["endpointModelStatusCode"] == "CREATE FAILED" for r in pending):
                raise ApiError(409, f"Stage '{stage['endpointStageName']}' is {status}: {stage['statusReason']}")
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"Stage '{stage['endpointStageName']}' is still {status} after {timeout}s.")
            time.sleep(poll)

    def deploy(self, model: str, endpoint: str | None = None, stage: str | None = None, **fields: Any) -> Endpoint:
        """Serve a model (name or id): on a new endpoint (named `endpoint`, default the model's name), as a new
        `stage` of an existing endpoint, or as one more resource of an existing stage. Waits until it serves."""
        from .serving import Endpoint

        found = self.find_model(model)
        name = endpoint or found["modelName"]
        existing = self.endpoints(names=[name])
        if not existing:
            created = self.create_endpoint(name, [found["modelId"]], **fields)
            handle = Endpoint(self, created, api_key=created.get("apiKey"))
            self.wait_stage(created["defaultEndpointStageId"])
            return handle.refresh()
        target = existing[0]
        stages = {s["endpointStageName"]: s for s in self.stages(target["endpointId"])}
        if stage and stage not in stages:
            created_stage = self.create_stage(target["endpointId"], stage, [found["modelId"]], **fields)
            self.wait_stage(created_stage["endpointStageId"])
        else:
            chosen = stages[stage] if stage else next(s for s in stages.values() if s["isDefaultStage"])
            self.add_stage_resource(chosen["endpointStageId"], found["modelId"], **fields)
            self.wait_stage(chosen["endpointStageId"])
        return Endpoint(self, self.endpoint(target["endpointId"]))

    def endpoint_handle(self, endpoint: str | dict, api_key: str | None = None) -> Endpoint:
        from .serving import Endpoint

        return Endpoint(self, endpoint if isinstance(endpoint, dict) else self.find_endpoint(endpoint), api_key)

    def _find(self, listing: Callable, getter: Callable, name_or_id: str, what: str, name_key: str) -> dict:
        found = listing(names=[name_or_id])
        if found:
            return found[0]
        if _ID.match(name_or_id):
            try:
                return getter(name_or_id)
            except ApiError as err:
                if err.status != 404:
                    raise
        recent = ", ".join(item[name_key] for item in listing()[:20]) or "none yet"
        raise UnknownName(f"No {what} named or with id '{name_or_id}'; recent: {recent}.")

    # -- logs, waiting -------------------------------------------------------------------------------------------------

    def logs(
        self, training_id: str, after: int = 0, limit: int = LOG_PAGE, *,
        tail: int | None = None, query: str | None = None, level: str | None = None,
    ) -> list[dict]:  # fmt: skip
        """One page of log records (oldest first, `logId` > `after`), or the last `tail` records.
        A record: {logId, body, logLevel, time, trainingId, rank, …}."""
        params = {"trainingId": training_id, "after": after, "limit": limit, "tail": tail, "query": query}
        return self.get("/logs", **params, logLevel=level)["logList"]

    def find_logs(
        self, *, after: int = 0, limit: int = LOG_PAGE, tail: int | None = None, query: str | None = None,
        level: str | None = None, category: str | None = None, **resource: str,
    ) -> list[dict]:  # fmt: skip
        """One page of log records of any resource: endpoint_id=, endpoint_stage_id=, batch_inference_id=,
        training_id=, hyperparameter_tuning_id= or pipeline_run_id= (camelCase works too)."""
        params = {"after": after, "limit": limit, "tail": tail, "query": query, "category": category}
        return self.get("/logs", **params, **camel(resource), logLevel=level)["logList"]

    def all_logs(self, training_id: str, after: int = 0) -> list[dict]:
        """Every log record so far, page after page."""
        records: list[dict] = []
        while True:
            page = self.logs(training_id, after=after)
            records += page
            if len(page) < LOG_PAGE:
                return records
            after = page[-1]["logId"]

    def follow_logs(
        self, training_id: str, poll: float = 0.5, after: int = 0, timeout: float | None = None
    ) -> Iterator[dict]:
        """Yield each new log record once, as it arrives, until the training is final and every record is read.

        A training turns final in the same transaction that stores its last lines, so reading after seeing a
        final status reads them all.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            final = self.training(training_id)["trainingStatusCode"] in FINAL_STATUSES
            while True:
                page = self.logs(training_id, after=after)
                yield from page
                if page:
                    after = page[-1]["logId"]
                if len(page) < LOG_PAGE:
                    break
            if final:
                return
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"Training {training_id} was not final after {timeout}s of following its logs.")
            time.sleep(poll)

    def wait_training(
        self, training_id: str, timeout: float | None = None, poll: float = 0.5,
        on_status: Callable[[dict], Any] | None = None,
    ) -> dict:  # fmt: skip
        """Poll until the training is final (COMPLETE, FAIL TRAIN, STOPPED, CREATE FAILED) and return it.
        `on_status(training)` is called with the training each time its status changes (and first)."""
        return poll_until(
            lambda: self.training(training_id),
            lambda t: t["trainingStatusCode"] in FINAL_STATUSES,
            lambda t: f"Training '{t['trainingName']}' is still {t['trainingStatusCode']}",
            timeout, poll, on_status, lambda t: t["trainingStatusCode"],
        )  # fmt: skip


def _params(params: dict | None) -> dict:
    out: dict[str, Any] = {}
    for key, value in (params or {}).items():
        if value is None or value == []:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, tuple, set, frozenset)):
            value = [str(v) for v in value]
        out[key] = value
    return out


def _pick(items: list[dict], wanted: str, id_key: str, name_key: str, what: str) -> str:
    for match in (
        lambda i: i[id_key] == wanted or i[name_key] == wanted,
        lambda i: i[name_key].casefold() == wanted.strip().casefold(),
    ):
        for item in items:
            if match(item):
                return item[id_key]
    names = ", ".join(repr(i[name_key]) for i in items)
    raise UnknownName(f"No {what} named '{wanted}'; choose one of: {names}.")


_default: EasyMakerClient | None = None


def default_client(refresh: bool = False) -> EasyMakerClient:
    """One shared client for magics and widgets, discovered on first use (`refresh=True` discovers again)."""
    global _default
    if _default is None or refresh:
        _default = EasyMakerClient()
    return _default
