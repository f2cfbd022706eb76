"""One data plane, two protocols on top (as KServe's python server): OIP v1 and v2 requests decoded to arrays,
run through the loaded model, and encoded back. Errors carry the HTTP status OIP gives them.

Three kinds of model (serving/loaded.py): numeric `predict(array)` ones; ones with named tensors (`infer`), called
by name in v2 and in v1 as TensorFlow Serving does (`instances` rows, of {input: value} when there are several
inputs; `predictions` rows, of {output: value} when there are several outputs); and text models, whose v1
instances and v2 BYTES input are strings."""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import __version__
from .loaded import Loaded, TensorSpec

DATATYPES = {
    "BOOL": np.bool_, "UINT8": np.uint8, "UINT16": np.uint16, "UINT32": np.uint32, "UINT64": np.uint64,
    "INT8": np.int8, "INT16": np.int16, "INT32": np.int32, "INT64": np.int64,
    "FP16": np.float16, "FP32": np.float32, "FP64": np.float64, "BYTES": np.object_,
}  # fmt: skip
NAMES = {np.dtype(t): name for name, t in DATATYPES.items() if name != "BYTES"}


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

    def __post_init__(self) -> None:
        self.version = self.model.version or self.version

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
        if self.model.outputs:
            return [o.name for o in self.model.outputs]
        return ["predict", *(["predict_proba"] if self.model.predict_proba is not None else [])]

    def texts(self, texts: list[str]) -> list:
        try:
            return list(self.model.predict(texts))
        except (ValueError, TypeError, IndexError) as err:
            raise bad(f"model '{self.name}' cannot predict on this input: {err}") from None

    def infer(self, named: dict[str, np.ndarray], wanted: list[str] | None = None) -> dict[str, np.ndarray]:
        """Named tensors in and out; inputs cast to the model's datatypes, every input required."""
        assert self.model.infer is not None
        specs = {spec.name: spec for spec in self.model.inputs}
        unknown = sorted(set(named) - set(specs))
        if unknown:
            raise bad(f"model '{self.name}' has no input '{unknown[0]}'; its inputs: {', '.join(specs)}")
        missing = [name for name in specs if name not in named]
        if missing:
            raise bad(f"model '{self.name}' needs the input '{missing[0]}' too; its inputs: {', '.join(specs)}")
        for name in wanted or []:
            if name not in self.outputs:
                raise bad(f"model '{self.name}' has no output '{name}'; it offers: {', '.join(self.outputs)}")
        cast = {}
        for name, array in named.items():
            spec = specs[name]
            try:
                cast[name] = array.astype(DATATYPES[spec.datatype]) if spec.datatype in DATATYPES else array
            except (ValueError, TypeError) as err:
                raise bad(f"input '{name}' does not hold {spec.datatype} values: {err}") from None
            pairs = zip(spec.shape, array.shape, strict=False)
            fits = len(spec.shape) == array.ndim and all(d in (-1, n) for d, n in pairs)
            if not fits:
                raise bad(f"input '{name}' has shape {list(array.shape)}; the model takes {spec.shape} (-1: any)")
        try:
            results = self.model.infer(cast)
        except (ValueError, TypeError, IndexError) as err:
            raise bad(f"model '{self.name}' cannot infer on this input: {err}") from None
        return {name: np.asarray(results[name]) for name in (wanted or self.outputs)}


class DataPlane:
    def __init__(self, models: list[ServedModel]) -> None:
        self.models = {m.name: m for m in models}
        self.started = time.time()

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
        if model.model.text:
            if not all(isinstance(i, str) for i in instances):
                raise bad(f"model '{name}' takes texts: \"instances\" must be a list of strings")
            return {"predictions": model.texts(instances)}
        if model.model.infer is not None:
            return {"predictions": rows(model.infer(columns(model, instances)))}
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
            "inputs": [spec_json(i) for i in model.model.inputs],
            "outputs": [spec_json(o) for o in model.model.outputs]
            or [{"name": out, "datatype": "FP64", "shape": [-1]} for out in model.outputs],
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
        wanted = body.get("outputs") or None
        if wanted is not None and (not isinstance(wanted, list) or not all(
                isinstance(o, dict) and isinstance(o.get("name"), str) for o in wanted)):  # fmt: skip
            raise bad('"outputs" must be a list of {"name": ...}')
        names = [o["name"] for o in wanted] if wanted else None
        if model.model.text:
            if len(arrays) != 1 or arrays[0].dtype != np.object_:
                raise bad(f"model '{name}' takes one BYTES input of texts")
            texts = [t.decode() if isinstance(t, bytes) else str(t) for t in arrays[0].ravel().tolist()]
            outputs = [encode((names or ["output-0"])[0], result_array(model.texts(texts)))]
        elif model.model.infer is not None:
            named = {tensor["name"]: array for tensor, array in zip(inputs, arrays, strict=True)}
            outputs = [encode(out, array) for out, array in model.infer(named, names).items()]
        else:
            array = arrays[0] if len(arrays) == 1 else np.column_stack([a.reshape(len(a), -1) for a in arrays])
            outputs = [encode(out, model.run(array, out)) for out in names or ["predict"]]
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
    datatype = NAMES.get(array.dtype, "BYTES")
    data = array.astype(str) if datatype == "BYTES" else array
    return {"name": name, "shape": list(array.shape), "datatype": datatype, "data": data.ravel().tolist()}


def spec_json(spec: TensorSpec) -> dict:
    return {"name": spec.name, "datatype": spec.datatype, "shape": spec.shape}


def result_array(results: list) -> np.ndarray:
    """A text model's results as one tensor: numbers as they are, anything ragged or structured as JSON texts."""
    try:
        array = np.asarray(results)
        if array.dtype.kind in "biuf" or array.dtype.kind == "U":
            return array
    except ValueError:
        pass
    return np.asarray([r if isinstance(r, str) else json.dumps(r) for r in results], dtype=object)


def columns(model: ServedModel, instances: list) -> dict[str, np.ndarray]:
    """TensorFlow Serving's row format: rows of {input: value}, or plain rows when the model has one input."""
    names = [spec.name for spec in model.model.inputs]
    try:
        if all(isinstance(i, dict) for i in instances):
            return {key: np.asarray([i.get(key) for i in instances]) for key in {k for i in instances for k in i}}
        if len(names) != 1:
            raise bad(f"model '{model.name}' has inputs {', '.join(names)}: give each instance as {{input: value}}")
        return {names[0]: np.asarray(instances)}
    except ValueError as err:
        raise bad(f'"instances" is not a rectangular array: {err}') from None


def rows(outputs: dict[str, np.ndarray]) -> list:
    if len(outputs) == 1:
        return next(iter(outputs.values())).tolist()
    listed = {name: array.tolist() for name, array in outputs.items()}
    count = min(len(v) for v in listed.values())
    return [{name: values[i] for name, values in listed.items()} for i in range(count)]
