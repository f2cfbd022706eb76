"""Remote artifacts (s3://) copied to this machine once: a model server or batch run loads files, not URLs.

A copy is kept under `cache_root/<key>`, the key a hash of the URI and of every object's ETag (or, without one,
size and modification time) under it, so the same content is downloaded once however often it is deployed, and
changed content gets a fresh copy. A copy is written beside its place and renamed into it when complete (then
`<key>.json` marks it done), so a download that fails or is cut leaves nothing a later call would take for it.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import shutil
import tempfile
from pathlib import Path

from . import StorageConfig, StorageError, filesystem, resolve


def fingerprint(uri: str, config: StorageConfig) -> tuple[str, list[tuple[str, dict]]]:
    """(cache key, [(object path relative to the URI, its listing)]); StorageError when nothing is there."""
    location = resolve(uri, config)
    if location.remote_url is None:
        raise StorageError(f"'{uri}' is not a remote URI")
    fs, path = filesystem(location.remote_url, config)
    try:
        if fs.isfile(path):
            objects = [(posixpath.basename(path), fs.info(path))]
        else:
            found = fs.find(path, detail=True)
            objects = sorted((posixpath.relpath(name, path), info) for name, info in found.items())
    except FileNotFoundError:
        objects = []
    except OSError as err:
        raise StorageError(f"'{uri}' could not be read: {err}") from err
    if not objects:
        raise StorageError(f"'{uri}' does not exist (no object at or under it)")
    identity = [location.remote_url] + [
        [name, str(info.get("ETag") or ""), info.get("size"), str(info.get("LastModified") or info.get("mtime"))]
        for name, info in objects
    ]
    return hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:32], objects


def fetch(uri: str, config: StorageConfig, cache_root: Path) -> Path:
    """The local directory holding the URI's content (an object: the directory holding that one file)."""
    key, objects = fingerprint(uri, config)
    target, complete = cache_root / key, cache_root / f"{key}.json"
    if complete.exists() and target.is_dir():
        return target
    cache_root.mkdir(parents=True, exist_ok=True)
    location = resolve(uri, config)
    fs, path = filesystem(location.remote_url or "", config)
    partial = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=cache_root))
    try:
        single = len(objects) == 1 and fs.isfile(path)
        for name, _info in objects:
            destination = (partial / name).resolve()
            if not destination.is_relative_to(partial.resolve()):
                raise StorageError(f"'{uri}' holds the object '{name}', which would land outside the cache")
            destination.parent.mkdir(parents=True, exist_ok=True)
            fs.get_file(path if single else f"{path}/{name}", str(destination))
        if target.exists():  # an earlier copy that never completed
            shutil.rmtree(target, ignore_errors=True)
        try:
            partial.rename(target)
        except OSError:  # another process completed the same copy meanwhile
            if not complete.exists():
                raise
        complete.write_text(json.dumps({"uri": uri, "objects": len(objects)}))
    except OSError as err:
        raise StorageError(f"'{uri}' could not be downloaded: {err}") from err
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target
