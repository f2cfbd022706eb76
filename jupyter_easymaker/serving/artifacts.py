"""What each framework's artifact must look like, checked when a model is created (console guide, appendix 11).

A check reads the files' layout and headers only; it never imports a framework, so it is cheap and safe to run
inside the API call. A problem is a sentence the user can act on.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

SKLEARN_SUFFIXES = (".joblib", ".pkl", ".pickle")
WEIGHT_SUFFIXES = (".pt", ".pth", ".bin")
#: First bytes of a pickle (protocol 2+) or of a joblib file compressed with zlib, gzip, bz2, xz or lz4.
PICKLE_MAGIC = (b"\x80", b"\x78", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"\x04\x22\x4d\x18")
SERVABLE_HERE = ("SKLEARN", "PYTORCH", "HUGGING_FACE", "TRITON", "TENSORFLOW")


class ArtifactError(ValueError):
    """The artifact cannot be served; str() says why and what to put where."""


def check(framework: str, path: Path, parameters: dict[str, str]) -> Path:
    """The file or directory the server loads; ArtifactError if the artifact is missing or malformed."""
    if framework == "HUGGING_FACE" and not path.exists() and hugging_face_id(parameters):
        return hugging_face_cache(hugging_face_id(parameters))
    if not path.exists():
        raise ArtifactError(f"the model artifact {path} does not exist; upload it there or fix modelUploadUri")
    checker = CHECKS.get(framework)
    if checker is None:
        raise ArtifactError(f"{framework} models cannot be served on this backend")
    return checker(path, parameters)


def sklearn_file(path: Path, parameters: dict[str, str] | None = None) -> Path:
    if path.is_file():
        candidates = [path]
    else:
        candidates = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in SKLEARN_SUFFIXES)
        preferred = [p for p in candidates if p.stem == "model"]
        candidates = preferred or candidates
    if not candidates:
        raise ArtifactError(f"no scikit-learn model file (.joblib, .pkl) in {path}; save it with joblib.dump")
    if len(candidates) > 1:
        names = ", ".join(p.name for p in candidates)
        raise ArtifactError(f"several model files in {path} ({names}); keep one, or name it model.joblib")
    file = candidates[0]
    if file.suffix not in SKLEARN_SUFFIXES:
        raise ArtifactError(f"{file.name} is not a .joblib or .pkl file")
    with open(file, "rb") as handle:
        head = handle.read(6)
    if not head or not any(head.startswith(magic) for magic in PICKLE_MAGIC):
        raise ArtifactError(f"{file.name} is not a joblib or pickle file (unexpected header); save it with joblib.dump")
    return file


def pytorch_dir(path: Path, parameters: dict[str, str] | None = None) -> Path:
    if path.is_file() and path.suffix == ".mar":
        return _mar(path)
    if path.is_dir():
        mars = list(path.glob("*.mar"))
        if len(mars) == 1 and not (path / "handler.py").exists():
            return _mar(mars[0])
        missing = [name for name in ("model.py", "handler.py") if not (path / name).is_file()]
        if not any(p.suffix in WEIGHT_SUFFIXES for p in path.iterdir() if p.is_file()):
            missing.append("a weight file (.pt, .pth or .bin)")
        if missing:
            raise ArtifactError(
                f"a PyTorch model needs model.py, handler.py and a weight file (or one .mar); {path} lacks "
                + ", ".join(missing)
            )
        return path
    raise ArtifactError(f"{path} is neither a .mar file nor a directory with model.py, handler.py and weights")


def _mar(path: Path) -> Path:
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("MAR-INF/MANIFEST.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise ArtifactError(f"{path.name} is not a model archive made by torch-model-archiver ({err})") from None
    if "model" not in manifest or "handler" not in manifest["model"]:
        raise ArtifactError(f"{path.name}: MAR-INF/MANIFEST.json names no handler")
    return path


def tensorflow_dir(path: Path, parameters: dict[str, str] | None = None) -> Path:
    if not path.is_dir():
        raise ArtifactError(f"a TensorFlow model is a SavedModel directory; {path} is a file")
    roots = [path, *sorted((p for p in path.iterdir() if p.is_dir() and p.name.isdigit()), key=lambda p: int(p.name))]
    for root in reversed(roots):
        if (root / "saved_model.pb").is_file() or (root / "saved_model.pbtxt").is_file():
            if (root / "variables").exists() and not (root / "variables").is_dir():
                raise ArtifactError(f"{root / 'variables'} must be a directory")
            return root
    raise ArtifactError(
        f"no saved_model.pb in {path} (nor in a numbered version folder); save with tf.saved_model.save"
    )


def triton_dir(path: Path, parameters: dict[str, str] | None = None) -> Path:
    """A Triton model directory (config.pbtxt + numbered versions) or a repository of such directories."""
    if not path.is_dir():
        raise ArtifactError(f"a Triton model is a directory with config.pbtxt and version folders; {path} is a file")
    models = (
        [path] if (path / "config.pbtxt").exists() else [p for p in path.iterdir() if (p / "config.pbtxt").exists()]
    )
    if not models:
        raise ArtifactError(f"no config.pbtxt in {path} or its sub-directories (see the console guide's layout)")
    for model in models:
        config = (model / "config.pbtxt").read_text(errors="replace")
        if not re.search(r"\b(platform|backend)\s*:", config):
            raise ArtifactError(f"{model / 'config.pbtxt'} names neither a platform nor a backend")
        versions = [p for p in model.iterdir() if p.is_dir() and p.name.isdigit() and any(p.iterdir())]
        if not versions:
            raise ArtifactError(f"{model} has no non-empty numbered version folder (e.g. 1/model.onnx)")
    return path


def hugging_face_dir(path: Path, parameters: dict[str, str] | None = None) -> Path:
    if not path.is_dir():
        raise ArtifactError(f"a Hugging Face model is a directory (config.json and .safetensors); {path} is a file")
    if not (path / "config.json").is_file():
        raise ArtifactError(f"no config.json in {path}; save the model with save_pretrained")
    if not list(path.glob("*.safetensors")):
        others = [p.name for p in path.iterdir() if p.suffix in (".bin", ".pt", ".h5", ".msgpack")]
        hint = f" (found {', '.join(others)}; only safetensors are supported)" if others else ""
        raise ArtifactError(f"no .safetensors weights in {path}{hint}")
    return path


def hugging_face_id(parameters: dict[str, str]) -> str | None:
    for key in ("model_id", "hf_model_id", "MODEL_ID", "HF_MODEL_ID"):
        if parameters.get(key):
            return parameters[key]
    return None


def hugging_face_cache(model_id: str) -> Path:
    """A Hugging Face id served from the local cache: there is no download from this backend."""
    hub = Path(os.environ.get("HF_HUB_CACHE") or Path(os.environ.get("HF_HOME", "~/.cache/huggingface")) / "hub")
    snapshots = hub.expanduser() / f"models--{model_id.replace('/', '--')}" / "snapshots"
    found = sorted(snapshots.glob("*"), key=lambda p: p.stat().st_mtime) if snapshots.is_dir() else []
    for snapshot in reversed(found):
        try:
            return hugging_face_dir(snapshot)
        except ArtifactError:
            continue
    raise ArtifactError(
        f"Hugging Face model '{model_id}' is not in the local cache ({hub}); download it there "
        "(huggingface-cli download) or give modelUploadUri of a directory saved with save_pretrained"
    )


CHECKS = {
    "SKLEARN": sklearn_file,
    "PYTORCH": pytorch_dir,
    "TENSORFLOW": tensorflow_dir,
    "TRITON": triton_dir,
    "HUGGING_FACE": hugging_face_dir,
}
