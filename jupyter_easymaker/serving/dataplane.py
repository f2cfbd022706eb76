"""One data plane, two protocols on top (as KServe's python server): OIP v1 and v2 requests decoded to arrays,
run through the loaded model, and encoded back. Errors carry the HTTP status OIP gives them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import __version__
from .loaders import Loaded

DATATYPES = {
    "BOOL": np.bool_, "UINT8": np.uint8, "UINT16": np.uint16, "UINT32": np.uint32, "UINT64": np.uint64,
    "INT8": np.int8, "INT16": np.int16, "INT32": np.int32, "INT64": np.int64,
    "FP16": np.float16, "FP32": np.float32, "FP64": np.float64, "BYTES": np.object_,
}  # fmt: skip


class InferenceError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def bad(message: str) -> InferenceError:
    return InferenceError(400, message)


@dataclass
class ServedModel:
    name: str
    framework: str
    model: Loaded
    version: str = "1"
    parameters: dict[str, str] = field(default_factory=dict)

    def run(self, array: np.ndarray, output: str = "predict") -> np.ndarray:
        method = self.model.predict_proba if output == "predict_proba" else self.model.predict
        if method is None:
            raise bad(f"model '{self.name}' has no output '{output}'; it offers: {', '.join(self.outputs)}")
        try:
            return np.asarray(method(array))
        except (ValueError, TypeError, IndexError) as err:
            raise bad(f"model '{self.name}' cannot predict on this input: {err}") from None

    @property
    def outputs(self) -> list[str]:
        return ["predict", *(["predict_proba"] if self.model.predict_proba is not None else [])]


class DataPlane:
    def __init__(self, models: list[ServedModel]) -> None:
        self.models = {m.name: m for m in models}

    def get(self, name: str, version: str | None = None) -> ServedModel:
        model = self.models.get(name)
        if model is None:
            raise InferenceError(404, f"Model with name {name} does not exist.")
        if version is not None and version != model.version:
            raise InferenceError(404, f"Model {name} has no version {version}; served: {model.version}")
        return model

    # -- v1 --------------------------------------------------------------------------------------------------------

    def v1_models(self) -> dict:
        return {"models": list(self.models)}

    def v1_ready(self, name: str) -> dict:
        return {"name": self.get(name).name, "ready": True}

    def v1_predict(self, name: str, body: Any) -> dict:
        model = self.get(name)
        if not isinstance(body, dict):
            raise bad('the request body must be a JSON object with "instances": [...]')
        instances = body.get("instances", body.get("inputs"))
        if not isinstance(instances, list) or not instances:
            raise bad('"instances" must be a non-empty list')
        try:
            array = np.asarray(instances)
        except ValueError as err:
            raise bad(f'"instances" is not a rectangular array: {err}') from None
        if array.dtype == np.object_:
            raise bad('"instances" must be a rectangular array of numbers')
        return {"predictions": model.run(array).tolist()}

    def v1_explain(self, name: str, body: Any) -> dict:
        self.get(name)
        raise InferenceError(501, f"model '{name}' has no explainer; deploy one to use …/explain")

    # -- v2 --------------------------------------------------------------------------------------------------------

    def v2_server(self) -> dict:
        return {"name": "jupyter-easymaker", "version": __version__, "extensions": []}

    def v2_metadata(self, name: str, version: str | None) -> dict:
        model = self.get(name, version)
        return {
            "name": model.name,
            "versions": [model.version],
            "platform": model.model.platform,
            "inputs": [],
            "outputs": [{"name": out, "datatype": "FP64", "shape": [-1]} for out in model.outputs],
        }

    def v2_ready(self, name: str, version: str | None) -> dict:
        model = self.get(name, version)
        return {"name": model.name, "ready": True}

    def v2_infer(self, name: str, version: str | None, body: Any) -> dict:
        model = self.get(name, version)
        if not isinstance(body, dict):
            raise bad('the request body must be a JSON object with "inputs": [...]')
        inputs = body.get("inputs")
        if not isinstance(inputs, list) or not inputs:
            raise bad('"inputs" must be a non-empty list of tensors')
        arrays = [decode(i, n) for n, i in enumerate(inputs)]
        array = arrays[0] if len(arrays) == 1 else np.column_stack([a.reshape(len(a), -1) for a in arrays])
        wanted = body.get("outputs") or [{"name": "predict"}]
        if not isinstance(wanted, list) or not all(isinstance(o, dict) and isinstance(o.get("name"), str)
                                                   for o in wanted):  # fmt: skip
            raise bad('"outputs" must be a list of {"name": ...}')
        outputs = [encode(o["name"], model.run(array, o["name"])) for o in wanted]
        response = {"model_name": model.name, "model_version": model.version, "outputs": outputs}
        if "id" in body:
            response["id"] = body["id"]
        return response


def decode(tensor: Any, index: int) -> np.ndarray:
    where = f"inputs[{index}]"
    if not isinstance(tensor, dict):
        raise bad(f"{where} must be an object with name, shape, datatype and data")
    for key in ("name", "shape", "datatype", "data"):
        if key not in tensor:
            raise bad(f"{where} lacks '{key}'")
    shape, datatype, data = tensor["shape"], tensor["datatype"], tensor["data"]
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise bad(f"{where}.shape must be a list of non-negative integers")
    if datatype not in DATATYPES:
        raise bad(f"{where}.datatype '{datatype}' is not one of {', '.join(DATATYPES)}")
    try:
        array = np.asarray(data, dtype=DATATYPES[datatype])
    except (ValueError, TypeError) as err:
        raise bad(f"{where}.data does not hold {datatype} values: {err}") from None
    if array.size != math.prod(shape):
        raise bad(f"{where}.data has {array.size} elements but shape {shape} needs {math.prod(shape)}")
    return array.reshape(shape)


def encode(name: str, array: np.ndarray) -> dict:
    kind = array.dtype.kind
    datatype = {"b": "BOOL", "i": "INT64", "u": "UINT64", "f": "FP64"}.get(kind, "BYTES")
    data = array.astype(str) if datatype == "BYTES" else array
    return {"name": name, "shape": list(array.shape), "datatype": datatype, "data": data.ravel().tolist()}
