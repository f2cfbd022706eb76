"""Triton's model layout without Triton: `{model}/config.pbtxt` + numbered version folders, or a repository of
such models (the one named as the served model, or the only one, is served). The version served is the highest
the config's version_policy allows (Triton's default: the latest). The platform or backend picks the runtime:
ONNX (onnxruntime), TorchScript (pytorch_libtorch) and TensorFlow SavedModels (tensorflow_savedmodel) are served
here. Inputs and outputs are the config's (name, data_type, dims; with max_batch_size > 0 a batch dimension leads),
or the model's own when it has none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from . import onnx, savedmodel
from .loaded import Loaded, LoadError, TensorSpec, parameter
from .pbtxt import PbtxtError, parse

RUNTIMES = {"onnxruntime_onnx": "onnx", "onnxruntime": "onnx", "pytorch_libtorch": "torchscript",
            "pytorch": "torchscript", "tensorflow_savedmodel": "savedmodel"}  # fmt: skip
DEFAULT_FILES = {"onnx": "model.onnx", "torchscript": "model.pt", "savedmodel": "model.savedmodel"}


def model_dir(path: Path, name: str | None) -> Path:
    if (path / "config.pbtxt").is_file():
        return path
    models = sorted(p for p in path.iterdir() if (p / "config.pbtxt").is_file())
    chosen = [m for m in models if m.name == name] or (models if len(models) == 1 else [])
    if not chosen:
        names = ", ".join(m.name for m in models)
        raise LoadError(f"{path} holds the Triton models {names}; give the parameter model_name to say which "
                        "this model serves (or point modelUploadUri at one of them)")  # fmt: skip
    return chosen[0]


def version(model: Path, config: dict) -> Path:
    available = sorted(int(p.name) for p in model.iterdir() if p.is_dir() and p.name.isdigit() and any(p.iterdir()))
    policy = config.get("version_policy") or {}
    allowed = available
    if "specific" in policy:
        wanted = {int(v) for v in policy["specific"].get("versions", [])}
        allowed = [v for v in available if v in wanted]
    if not allowed:
        raise LoadError(f"{model} has no version folder the config's version_policy allows ({policy or 'latest'})")
    return model / str(max(allowed))


def tensors(entries: list[dict], batched: bool) -> list[TensorSpec]:
    specs = []
    for entry in entries:
        kind = str(entry.get("data_type", "TYPE_FP32")).removeprefix("TYPE_")
        kind = "BYTES" if kind == "STRING" else kind
        dims = [int(d) for d in entry.get("dims", [])]
        specs.append(TensorSpec(str(entry["name"]), kind, [-1, *dims] if batched else dims))
    return specs


def load(path: Path, parameters: dict[str, str]) -> Loaded:
    model = model_dir(path, parameter(parameters, "model_name"))
    try:
        config = parse((model / "config.pbtxt").read_text())
    except (PbtxtError, UnicodeDecodeError) as err:
        raise LoadError(f"{model / 'config.pbtxt'}: {err}") from None
    kind = RUNTIMES.get(str(config.get("platform") or config.get("backend") or ""))
    if kind is None:
        served = ", ".join(sorted(RUNTIMES))
        raise LoadError(f"Triton {config.get('platform') or config.get('backend')} models are not served here "
                        f"(platform or backend served: {served})")  # fmt: skip
    folder = version(model, config)
    file = folder / str(config.get("default_model_filename") or DEFAULT_FILES[kind])
    if not file.exists():
        raise LoadError(f"no {file.name} in {folder}; put the model there or set default_model_filename")
    batched = int(config.get("max_batch_size", 0) or 0) > 0
    inputs = tensors(config.get("input", []), batched) or None
    outputs = tensors(config.get("output", []), batched) or None
    if kind == "onnx":
        return onnx.load(file, inputs, outputs, folder.name)
    if kind == "savedmodel":
        signature = parameter(parameters, "signature_name") or savedmodel.DEFAULT_SIGNATURE
        return savedmodel.load_dir(file, signature, inputs, outputs, folder.name)
    return torchscript(file, inputs, outputs, folder.name)


def torchscript(file: Path, inputs: list[TensorSpec] | None, outputs: list[TensorSpec] | None,
                version: str) -> Loaded:  # fmt: skip
    """Triton's PyTorch backend: a TorchScript module taking the inputs in config order, giving the outputs."""
    try:
        import torch
    except ImportError:
        raise LoadError("TorchScript serving needs torch in the serving environment") from None
    if not inputs or not outputs:
        raise LoadError("a pytorch_libtorch model's config.pbtxt must declare its inputs and outputs")
    module = torch.jit.load(str(file), map_location="cpu").eval()

    def infer(named: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        with torch.no_grad():
            result: Any = module(*(torch.from_numpy(np.ascontiguousarray(named[i.name])) for i in inputs))
        results = result if isinstance(result, (tuple, list)) else [result]
        return {o.name: r.numpy() for o, r in zip(outputs, results, strict=False)}

    def predict(array: np.ndarray) -> np.ndarray:
        if len(inputs) != 1:
            raise ValueError("the model has several inputs; call it with named inputs")
        return infer({inputs[0].name: array.astype(np.float32)})[outputs[0].name]

    return Loaded(predict, "pytorch_libtorch", infer=infer, inputs=inputs, outputs=outputs, version=version)
