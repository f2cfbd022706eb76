"""What a framework's loader hands the data plane: a loaded model and how to call it.

Numeric models give `predict(array) -> array`. Models with named tensors (ONNX, TensorFlow signatures) also give
`infer({name: array}) -> {name: array}` and describe their tensors, so OIP v2 calls them by name. Text models
(Hugging Face) take a list of strings. Generative text models also give a `generator` for the OpenAI routes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


class LoadError(RuntimeError):
    pass


@dataclass(frozen=True)
class TensorSpec:
    name: str
    datatype: str  # an OIP datatype: FP32, INT64, BYTES …
    shape: list[int]  # -1 where any size goes


@dataclass
class Loaded:
    predict: Callable[[Any], Any]
    platform: str
    predict_proba: Callable[[Any], Any] | None = None
    infer: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]] | None = None
    inputs: list[TensorSpec] = field(default_factory=list)
    outputs: list[TensorSpec] = field(default_factory=list)
    text: bool = False
    generator: Any = None  # serving.generation.Generator for generative text models
    version: str = "1"


def parameter(parameters: dict[str, str], name: str, default: str | None = None) -> str | None:
    """A model parameter however the user spelled it: max_length, maxLength, MAX_LENGTH, max-length."""
    wanted = name.replace("_", "").lower()
    for key, value in parameters.items():
        if key.replace("_", "").replace("-", "").lower() == wanted:
            return value
    return default


def check_names(kind: str, declared: list[TensorSpec] | None, graph: list[TensorSpec], file: Path) -> None:
    """A Triton config.pbtxt may only name tensors the model really has."""
    if declared:
        names = {spec.name for spec in graph}
        for spec in declared:
            if spec.name not in names:
                raise LoadError(f"config.pbtxt names the {kind} '{spec.name}', which {file.name} lacks "
                                f"(its {kind}s: {', '.join(sorted(names))})")  # fmt: skip
