"""TensorFlow SavedModels, called as TensorFlow Serving calls them: through a signature (`serving_default` unless the
model's parameter `signature_name` says another), named tensors in and out, described by the signature itself."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .artifacts import tensorflow_dir
from .dataplane import NAMES
from .loaded import Loaded, LoadError, TensorSpec, check_names, parameter

DEFAULT_SIGNATURE = "serving_default"


def load(path: Path, parameters: dict[str, str]) -> Loaded:
    """A SavedModel directory, or TensorFlow Serving's base path of numbered versions (the highest is served)."""
    root = tensorflow_dir(path)
    return load_dir(root, parameter(parameters, "signature_name") or DEFAULT_SIGNATURE,
                    version=root.name if root.name.isdigit() else "1")  # fmt: skip


def load_dir(root: Path, signature_name: str = DEFAULT_SIGNATURE, inputs: list[TensorSpec] | None = None,
             outputs: list[TensorSpec] | None = None, version: str = "1") -> Loaded:  # fmt: skip
    tf = import_tensorflow()
    try:
        model = tf.saved_model.load(str(root))
    except Exception as err:  # TensorFlow raises many types for unreadable models
        raise LoadError(f"{root} is not a loadable SavedModel: {str(err).splitlines()[0]}") from None
    signatures = dict(model.signatures)
    if signature_name not in signatures:
        names = ", ".join(sorted(signatures)) or "none"
        raise LoadError(f"the SavedModel has no signature '{signature_name}' (its signatures: {names}); "
                        "export one with tf.saved_model.save(..., signatures=...) or set signature_name")  # fmt: skip
    signature = signatures[signature_name]
    input_specs = signature.structured_input_signature[1]
    graph_inputs = [_spec(name, spec) for name, spec in sorted(input_specs.items())]
    graph_outputs = [_spec(name, spec) for name, spec in sorted(signature.structured_outputs.items())]
    check_names("input", inputs, graph_inputs, root)
    check_names("output", outputs, graph_outputs, root)
    inputs, outputs = inputs or graph_inputs, outputs or graph_outputs
    dtypes = {name: spec.dtype for name, spec in input_specs.items()}

    def infer(named: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        missing = sorted(set(dtypes) - set(named))
        if missing:
            raise ValueError(f"missing input {', '.join(missing)} (the signature takes {', '.join(sorted(dtypes))})")
        try:
            tensors = {name: tf.constant(named[name], dtype=dtype) for name, dtype in dtypes.items()}
            results: dict[str, Any] = signature(**tensors)
        except (tf.errors.InvalidArgumentError, TypeError, ValueError) as err:
            raise ValueError(str(err).strip().splitlines()[0]) from None
        return {o.name: np.asarray(results[o.name]) for o in outputs}

    def predict(array: np.ndarray) -> np.ndarray:
        if len(inputs) != 1:
            raise ValueError(f"the model has inputs {', '.join(i.name for i in inputs)}; call it with named inputs")
        return infer({inputs[0].name: array})[outputs[0].name]

    return Loaded(predict, "tensorflow", infer=infer, inputs=inputs, outputs=outputs, version=version)


def _spec(name: str, spec: Any) -> TensorSpec:
    shape = [-1 if d is None else int(d) for d in spec.shape.as_list()] if spec.shape.rank is not None else [-1]
    datatype = "BYTES" if spec.dtype.name == "string" else NAMES.get(np.dtype(spec.dtype.as_numpy_dtype), "BYTES")
    return TensorSpec(name, datatype, shape)


def import_tensorflow() -> Any:
    """TensorFlow, imported after Triton when Triton is installed. Triton is the compiler PyTorch's CUDA builds
    install, and torch and transformers import it on their own; it and TensorFlow each carry LLVM, and importing
    Triton after TensorFlow kills the process with a segmentation fault (the other order works). A model server may
    serve a PyTorch or Hugging Face model next to a TensorFlow one, so Triton goes first."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" not in sys.modules and importlib.util.find_spec("triton") is not None:
        importlib.import_module("triton")
    try:
        return importlib.import_module("tensorflow")
    except ImportError:
        raise LoadError("TensorFlow serving needs TensorFlow: pip install 'jupyter-easymaker[tensorflow]'") from None
