"""ONNX models run by onnxruntime (CPU): named tensors in and out, their names, datatypes and shapes read from the
graph unless the caller (a Triton config.pbtxt) says them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .loaded import Loaded, LoadError, TensorSpec, check_names

ONNX_TYPES = {
    "tensor(float)": "FP32", "tensor(double)": "FP64", "tensor(float16)": "FP16", "tensor(bool)": "BOOL",
    "tensor(int8)": "INT8", "tensor(int16)": "INT16", "tensor(int32)": "INT32", "tensor(int64)": "INT64",
    "tensor(uint8)": "UINT8", "tensor(uint16)": "UINT16", "tensor(uint32)": "UINT32", "tensor(uint64)": "UINT64",
    "tensor(string)": "BYTES",
}  # fmt: skip


def load(file: Path, inputs: list[TensorSpec] | None = None, outputs: list[TensorSpec] | None = None,
         version: str = "1") -> Loaded:  # fmt: skip
    try:
        import onnxruntime
    except ImportError:
        raise LoadError("ONNX serving needs onnxruntime: pip install 'jupyter-easymaker[onnx]'") from None
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    try:
        session = onnxruntime.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime raises its own exception types
        raise LoadError(f"{file} is not a usable ONNX model: {err}") from None
    graph_inputs = [_spec(i) for i in session.get_inputs()]
    graph_outputs = [_spec(o) for o in session.get_outputs()]
    check_names("input", inputs, graph_inputs, file)
    check_names("output", outputs, graph_outputs, file)
    inputs, outputs = inputs or graph_inputs, outputs or graph_outputs
    output_names = [o.name for o in outputs]

    def infer(named: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        try:
            results = session.run(output_names, named)
        except Exception as err:  # a shape or type the graph refuses is the caller's error
            raise ValueError(str(err).split("\n")[0]) from None
        return dict(zip(output_names, results, strict=True))

    def predict(array: np.ndarray) -> np.ndarray:
        if len(inputs) != 1:
            raise ValueError(f"the model has inputs {', '.join(i.name for i in inputs)}; call it with named inputs")
        dtype = {"FP32": np.float32, "FP64": np.float64, "INT64": np.int64, "INT32": np.int32}.get(inputs[0].datatype)
        return infer({inputs[0].name: array.astype(dtype) if dtype else array})[output_names[0]]

    return Loaded(predict, "onnxruntime_onnx", infer=infer, inputs=inputs, outputs=outputs, version=version)


def _spec(node: object) -> TensorSpec:
    shape = [d if isinstance(d, int) else -1 for d in getattr(node, "shape", [])]
    return TensorSpec(node.name, ONNX_TYPES.get(node.type, "BYTES"), shape)  # type: ignore[attr-defined]
