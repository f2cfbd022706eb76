"""The one map from a framework to its loader: each gives a `Loaded` (serving/loaded.py). Frameworks are imported
only when a model of theirs is loaded, in the model-server (or batch) process, never in the Jupyter server."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

from . import hf, mar, savedmodel, triton
from .artifacts import WEIGHT_SUFFIXES, sklearn_file
from .loaded import Loaded, LoadError

__all__ = ["LOADERS", "Loaded", "LoadError", "load"]


def load(framework: str, path: Path, parameters: dict[str, str]) -> Loaded:
    loader = LOADERS.get(framework)
    if loader is None:
        raise LoadError(f"{framework} models cannot be served on this backend (served here: {', '.join(LOADERS)})")
    return loader(path, parameters)


def load_sklearn(path: Path, parameters: dict[str, str]) -> Loaded:
    try:
        import joblib
    except ImportError:
        raise LoadError("scikit-learn serving needs joblib and scikit-learn in the serving environment") from None
    model = joblib.load(sklearn_file(path))
    if not hasattr(model, "predict"):
        raise LoadError(f"{path} holds a {type(model).__name__}, which has no predict()")
    return Loaded(model.predict, "sklearn", getattr(model, "predict_proba", None))


def load_pytorch(path: Path, parameters: dict[str, str]) -> Loaded:
    """TorchServe's layout without TorchServe: model.py's nn.Module, the weights, handler.py's pre/postprocess.
    A .mar archive is unpacked first and read by its manifest."""
    if path.suffix == ".mar":
        files = mar.unpack(path)
        return torchserve_model(files.root, files.model_file, files.handler_file, files.serialized_file)
    weights = next(p for p in sorted(path.iterdir()) if p.suffix in WEIGHT_SUFFIXES)
    return torchserve_model(path, path / "model.py", path / "handler.py", weights)


def torchserve_model(root: Path, model_file: Path | None, handler_file: Path | None, weights: Path) -> Loaded:
    """Without a model file, the weights are TorchScript (torch.jit.save); without a handler, tensors in and out."""
    try:
        import torch
    except ImportError:
        raise LoadError("PyTorch serving needs torch in the serving environment") from None
    _ensure_base_handler()
    sys.path.insert(0, str(root))
    if model_file is None:
        model = torch.jit.load(str(weights), map_location="cpu")
    else:
        model_module = _import(model_file, "em_model")
        loaded = torch.load(weights, map_location="cpu", weights_only=False)
        if isinstance(loaded, torch.nn.Module):
            model = loaded
        else:
            classes = [c for c in vars(model_module).values() if isinstance(c, type)
                       and issubclass(c, torch.nn.Module) and c.__module__ == model_module.__name__]  # fmt: skip
            if len(classes) != 1:
                raise LoadError(
                    f"{model_file.name} must define exactly one torch.nn.Module subclass (found {len(classes)})"
                )
            model = classes[0]()
            model.load_state_dict(loaded)
    model.eval()
    handler = None
    if handler_file is not None:
        handler_module = _import(handler_file, "em_handler")
        handlers = [c for c in vars(handler_module).values() if isinstance(c, type) and hasattr(c, "preprocess")
                    and c.__module__ == handler_module.__name__]  # fmt: skip
        handler = handlers[0]() if handlers else None
    if handler is not None:
        handler.model, handler.device, handler.initialized = model, torch.device("cpu"), True

    def predict(instances: Any) -> Any:
        with torch.no_grad():
            if handler is None:
                return model(torch.as_tensor(instances, dtype=torch.float32)).numpy()
            data = handler.preprocess(instances.tolist() if hasattr(instances, "tolist") else instances)
            output = handler.inference(data) if hasattr(handler, "inference") else model(data)
            return handler.postprocess(output) if hasattr(handler, "postprocess") else output

    return Loaded(predict, "pytorch")


def _import(file: Path, name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _ensure_base_handler() -> None:
    """handler.py files subclass TorchServe's BaseHandler; without TorchServe, give them its serving contract."""
    try:
        import ts.torch_handler.base_handler  # noqa: F401
    except ImportError:
        import torch

        class BaseHandler:
            model: Any = None
            device = torch.device("cpu")
            initialized = False

            def preprocess(self, data: Any) -> Any:
                return torch.as_tensor(data, dtype=torch.float32)

            def inference(self, data: Any, *args: Any, **kwargs: Any) -> Any:
                return self.model(data)

            def postprocess(self, data: Any) -> Any:
                return data.tolist()

        for name in ("ts", "ts.torch_handler", "ts.torch_handler.base_handler"):
            sys.modules.setdefault(name, types.ModuleType(name))
        sys.modules["ts.torch_handler.base_handler"].BaseHandler = BaseHandler  # type: ignore[attr-defined]


LOADERS = {
    "SKLEARN": load_sklearn,
    "PYTORCH": load_pytorch,
    "HUGGING_FACE": hf.load,
    "TRITON": triton.load,
    "TENSORFLOW": savedmodel.load,
}
