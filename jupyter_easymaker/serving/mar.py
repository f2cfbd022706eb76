"""TorchServe model archives (.mar): a zip with MAR-INF/MANIFEST.json naming the serialized weights, the model
file and the handler. Unpacked once into a cache folder keyed by the archive's content, then served through the
same TorchServe-style path as a directory."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .loaded import LoadError

#: TorchServe's built-in handlers are names, not files; serving them needs TorchServe itself.
BUILTIN_HANDLERS = ("image_classifier", "image_segmenter", "object_detector", "text_classifier")


@dataclass(frozen=True)
class MarFiles:
    root: Path
    serialized_file: Path
    model_file: Path | None
    handler_file: Path | None


def cache_root() -> Path:
    return Path(os.environ.get("EM_MAR_CACHE") or Path(tempfile.gettempdir()) / "jupyter-easymaker-mar")


def unpack(archive: Path) -> MarFiles:
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:16]
    root = cache_root() / f"{archive.stem}-{digest}"
    try:
        with zipfile.ZipFile(archive) as zipped:
            manifest = json.loads(zipped.read("MAR-INF/MANIFEST.json"))
            if not (root / "MAR-INF" / "MANIFEST.json").exists():
                partial = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=_ensure(root.parent)))
                for member in zipped.namelist():  # no member may land outside the folder
                    target = (partial / member).resolve()
                    if not target.is_relative_to(partial.resolve()):
                        raise LoadError(f"{archive.name}: member '{member}' points outside the archive")
                zipped.extractall(partial)
                try:
                    partial.rename(root)
                except OSError:  # another pod of the pool unpacked it first
                    pass
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise LoadError(f"{archive.name} is not a model archive made by torch-model-archiver ({err})") from None
    model = manifest.get("model") or {}
    serialized, model_file, handler = model.get("serializedFile"), model.get("modelFile"), model.get("handler")
    if not serialized:
        raise LoadError(f"{archive.name}: MAR-INF/MANIFEST.json names no serializedFile")
    if handler and not handler.endswith(".py") and handler.split(":")[0] in BUILTIN_HANDLERS:
        raise LoadError(f"{archive.name} uses TorchServe's built-in handler '{handler}'; archive a handler.py instead")
    files = MarFiles(
        root,
        root / serialized,
        root / model_file if model_file else None,
        root / handler.split(":")[0] if handler else None,
    )
    for name in (files.serialized_file, files.model_file, files.handler_file):
        if name is not None and not name.is_file():
            raise LoadError(f"{archive.name}: the manifest names {name.name}, which the archive lacks")
    return files


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
