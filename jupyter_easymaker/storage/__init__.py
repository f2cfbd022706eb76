"""Resolution of every storage URI the platform accepts.

Accepted forms:

* ``obs://{endpoint}/{path}`` -- NHN Cloud Object Storage. Without a cloud configured it maps to a local object
  store directory, ``<object_store_root>/<endpoint>/<path>``, and behaves like a remote store (staging copies).
* ``nas://{id}:/{path}`` -- a NAS share mounted on this machine at ``nas_mounts[id]``; used in place.
* ``s3://{bucket}/{key}`` -- through ``fsspec``/``s3fs`` (optional extra ``jupyter-easymaker[s3]``).
* ``file:///abs/path`` and plain paths; relative plain paths are taken from ``StorageConfig.local_root``.

Paths are taken literally (no percent-decoding), but a ``..`` segment is refused in any spelling, so a URI can never
climb out of its root; for obs and nas the resolved path (symbolic links followed) must also stay inside the root.
"""

from __future__ import annotations

import posixpath
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

__all__ = [
    "ACCEPTED_SCHEMES",
    "Location",
    "StorageConfig",
    "StorageError",
    "exists",
    "resolve",
    "stage_in",
    "upload",
    "validate_uri",
]

ACCEPTED_SCHEMES = ("obs", "nas", "s3", "file")
_ACCEPTED_TEXT = "obs://, nas://, s3://, file:// or a plain file system path"
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$", re.DOTALL)
_NAS_RE = re.compile(r"^([^/:\s]+):(/.*)$", re.DOTALL)
_OBS_EXAMPLE = "obs://kr1-api-object-storage.nhncloudservice.com/v1/AUTH_<tenant>/<container>/<path>"
_S3_HINT = "s3:// URIs need the optional S3 support; install it with: pip install jupyter-easymaker[s3]"


class StorageError(ValueError):
    """A URI that cannot be used; str(err) is a user-facing sentence (no field name prefix; callers add the field)."""


@dataclass(frozen=True)
class StorageConfig:
    """Where URIs land on this machine.

    Values are coerced to ``Path`` (and ``~`` expanded) so traitlets' plain strings can be passed straight in.
    """

    object_store_root: Path
    nas_mounts: dict[str, Path] = field(default_factory=dict)
    local_root: Path = field(default_factory=Path.cwd)
    #: An S3-compatible store's URL (MinIO, Ceph, …) for s3:// URIs; None: AWS itself. Credentials come from the
    #: standard AWS environment variables and configuration files.
    s3_endpoint_url: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "object_store_root", Path(self.object_store_root).expanduser())
        object.__setattr__(self, "nas_mounts", {str(k): Path(v).expanduser() for k, v in self.nas_mounts.items()})
        object.__setattr__(self, "local_root", Path(self.local_root).expanduser())


@dataclass(frozen=True)
class Location:
    uri: str  # as given
    scheme: str  # "obs" | "nas" | "s3" | "file"   (plain paths report "file")
    local_path: Path | None  # set when the URI maps to this machine's file system
    remote_url: str | None  # set for fsspec-backed schemes (s3)


@dataclass(frozen=True)
class _Parsed:
    scheme: str
    authority: str  # obs endpoint, nas id, s3 bucket; "" for file
    segments: tuple[str, ...]  # path segments, empty ones dropped
    absolute: bool  # only meaningful for file: False for a relative plain path


# --------------------------------------------------------------------------- parsing


def _segments(path: str) -> tuple[str, ...]:
    return tuple(s for s in path.split("/") if s)


def _refuse_dotdot(uri: str, text: str) -> None:
    # Backslashes are split too and segments percent-decoded: harmless locally, but a store or tool further down
    # the line might interpret them, and no legitimate path needs "..".
    for seg in re.split(r"[/\\]", text):
        if unquote(seg) == "..":
            raise StorageError(
                f"'{uri}' contains a '..' path segment, which is not allowed: paths may not leave their root"
            )


def _parse(uri: object) -> _Parsed:
    if not isinstance(uri, str):
        raise StorageError(f"a storage URI must be a string, not {type(uri).__name__}")
    text = uri.strip()
    if not text:
        raise StorageError("the storage URI is empty")
    if "\x00" in text:
        raise StorageError("the storage URI contains a NUL byte")
    _refuse_dotdot(text, text)

    match = _SCHEME_RE.match(text)
    if match is None:
        return _Parsed("file", "", _segments(text), text.startswith("/"))
    scheme, rest = match.group(1).lower(), match.group(2)

    if scheme == "obs":
        endpoint, _, path = rest.partition("/")
        segments = _segments(path)
        if not endpoint or not segments:
            raise StorageError(f"'{text}' needs an endpoint and a path, e.g. {_OBS_EXAMPLE}")
        if endpoint == ".":
            raise StorageError(f"'{text}' has an invalid endpoint '.'")
        return _Parsed("obs", endpoint, segments, True)

    if scheme == "nas":
        nas = _NAS_RE.match(rest)
        if nas is None:
            raise StorageError(
                f"'{text}' is not a valid NAS URI; the form is nas://<id>:/<path>, e.g. nas://nas01:/datasets"
            )
        return _Parsed("nas", nas.group(1), _segments(nas.group(2)), True)

    if scheme == "s3":
        bucket, _, key = rest.partition("/")
        if not bucket:
            raise StorageError(f"'{text}' needs a bucket, e.g. s3://my-bucket/data/train")
        return _Parsed("s3", bucket, _segments(key), True)

    if scheme == "file":
        if rest.startswith("localhost/"):
            rest = rest[len("localhost") :]
        if not rest.startswith("/"):
            raise StorageError(f"'{text}' must name an absolute path on this machine, e.g. file:///data/train")
        return _Parsed("file", "", _segments(rest), True)

    raise StorageError(f"unsupported storage scheme '{scheme}://' in '{text}'; use {_ACCEPTED_TEXT}")


def validate_uri(uri: str) -> None:
    """Check syntax only (known scheme, well-formed, no ``..``); needs no configuration. Raises StorageError."""
    _parse(uri)


# --------------------------------------------------------------------------- mapping


def _inside(uri: str, root: Path, rel: tuple[str, ...], what: str, allow_root: bool) -> Path:
    """Join and resolve (following symlinks), then make sure the result is still inside ``root``."""
    real_root = root.resolve()
    target = real_root.joinpath(*rel).resolve()
    if not target.is_relative_to(real_root) or (target == real_root and not allow_root):
        raise StorageError(
            f"'{uri}' resolves to {target}, outside {what} ({real_root}); symbolic links may not leave it"
        )
    return target


def resolve(uri: str, config: StorageConfig) -> Location:
    """Validate ``uri`` and map it to a local path or a remote URL. Raises StorageError."""
    parsed = _parse(uri)
    if parsed.scheme == "obs":
        path = _inside(
            uri, config.object_store_root, (parsed.authority, *parsed.segments), "the object store", allow_root=False
        )
        return Location(uri, "obs", path, None)
    if parsed.scheme == "nas":
        mount = config.nas_mounts.get(parsed.authority)
        if mount is None:
            known = ", ".join(sorted(config.nas_mounts)) or "none"
            raise StorageError(
                f"unknown NAS id '{parsed.authority}' (configured: {known}); add it to EasyMakerApp.nas_mounts, a "
                f"mapping of NAS id to local mount directory, e.g. "
                f"c.EasyMakerApp.nas_mounts = {{'{parsed.authority}': '/mnt/{parsed.authority}'}}"
            )
        if not mount.is_dir():
            raise StorageError(f"NAS '{parsed.authority}' is configured at {mount}, which is not a mounted directory")
        path = _inside(uri, mount, parsed.segments, f"NAS mount '{parsed.authority}'", allow_root=True)
        return Location(uri, "nas", path, None)
    if parsed.scheme == "s3":
        return Location(uri, "s3", None, "s3://" + "/".join((parsed.authority, *parsed.segments)))
    # file:// and plain paths; "/" joins the segments back, so repeated slashes are folded.
    base = Path("/") if parsed.absolute else config.local_root
    return Location(uri, "file", base.joinpath(*parsed.segments).absolute(), None)


# --------------------------------------------------------------------------- remote (fsspec)


def filesystem(url: str, config: StorageConfig | None = None) -> tuple[Any, str]:
    """Return ``(fsspec filesystem, path)`` for ``url``; missing optional packages become a StorageError. Listings
    are not cached, so what was just uploaded is seen."""
    try:
        import fsspec.core
    except ImportError as err:
        raise StorageError(_S3_HINT) from err
    options: dict[str, Any] = {}
    if url.startswith("s3://"):
        options = {"use_listings_cache": False, "skip_instance_cache": True}
        if config is not None and config.s3_endpoint_url:
            options["endpoint_url"] = config.s3_endpoint_url
    try:
        fs, path = fsspec.core.url_to_fs(url, **options)
    except ImportError as err:  # fsspec present, protocol implementation (s3fs) missing
        raise StorageError(_S3_HINT) from err
    return fs, path.rstrip("/")


def _remote_exists(url: str, config: StorageConfig | None = None) -> bool:
    fs, path = filesystem(url, config)
    return bool(fs.exists(path))


def _remote_stage_in(url: str, dest: Path, config: StorageConfig | None = None) -> Path:
    """Download a remote file (to ``dest/<name>``) or prefix (its content into ``dest``); return ``dest``."""
    fs, path = filesystem(url, config)
    dest.mkdir(parents=True, exist_ok=True)
    if fs.isdir(path):
        real_dest = dest.resolve()
        for remote_file in fs.find(path):
            rel = posixpath.relpath(remote_file, path)
            target = (real_dest / rel).resolve()
            if not target.is_relative_to(real_dest):  # a key with ".." in it must not write outside dest
                raise StorageError(f"'{url}' contains the object '{remote_file}', which would land outside {dest}")
            target.parent.mkdir(parents=True, exist_ok=True)
            fs.get_file(remote_file, str(target))
    elif fs.isfile(path):
        fs.get_file(path, str(dest / posixpath.basename(path)))
    else:
        raise StorageError(f"'{url}' does not exist")
    return dest


def _remote_upload(src: Path, url: str, config: StorageConfig | None = None) -> None:
    """Put every file under ``src`` at ``url/<relative path>`` (object stores have no empty directories)."""
    fs, path = filesystem(url, config)
    for file in sorted(src.rglob("*")):
        if file.is_file():
            fs.put_file(str(file), f"{path}/{file.relative_to(src).as_posix()}")


# --------------------------------------------------------------------------- operations


def exists(uri: str, config: StorageConfig) -> bool:
    """Whether the file or directory the URI names exists. Raises StorageError for an unusable URI."""
    loc = resolve(uri, config)
    if loc.local_path is not None:
        return loc.local_path.exists()
    assert loc.remote_url is not None
    return _remote_exists(loc.remote_url, config)


def _copy_dir_into(src: Path, dst: Path) -> None:
    """Merge the content of directory ``src`` into ``dst`` (created), overwriting files of the same name."""
    real_src, real_dst = src.resolve(), dst.resolve()
    if real_src == real_dst:
        return  # already there: copying onto itself would only fail
    if real_dst.is_relative_to(real_src):
        raise StorageError(f"cannot copy {src} into {dst}, which is inside it")
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src, dst, dirs_exist_ok=True)


def stage_in(uri: str, config: StorageConfig, dest: Path) -> Path:
    """Make the URI's content available locally and return the local path to use.

    * nas, file and plain paths: the resolved path itself, in place, no copy (a NAS is mounted, so copying would only
      cost time and disk). It may be a file or a directory.
    * obs (local object store) and s3: download semantics, the store is left untouched. A directory (prefix) has its
      content copied into ``dest``; a single object is copied to ``dest/<name>``. Either way ``dest`` is returned, so
      the caller can always treat the result of a copying scheme as a directory holding the data. ``dest`` is
      created if missing and merged into if it already has content.

    A missing source raises StorageError("... does not exist").
    """
    loc = resolve(uri, config)
    if loc.remote_url is not None:
        return _remote_stage_in(loc.remote_url, dest, config)
    assert loc.local_path is not None
    source = loc.local_path
    if not source.exists():
        raise StorageError(f"'{uri}' does not exist ({source})")
    if loc.scheme != "obs":
        return source
    if source.is_dir():
        _copy_dir_into(source, dest)
    else:
        dest.mkdir(parents=True, exist_ok=True)
        if source.parent != dest.resolve():
            shutil.copy2(source, dest / source.name)
    return dest


def upload(src: Path, uri: str, config: StorageConfig) -> None:
    """Copy the content of directory ``src`` into the directory the URI names.

    The destination is created if missing; existing files there are kept, same names are overwritten (merge).
    """
    src = Path(src)
    if not src.is_dir():
        raise StorageError(f"cannot upload {src}: it is not a directory")
    loc = resolve(uri, config)
    if loc.remote_url is not None:
        _remote_upload(src, loc.remote_url, config)
        return
    assert loc.local_path is not None
    if loc.local_path.exists() and not loc.local_path.is_dir():
        raise StorageError(f"'{uri}' names a file; an upload needs a directory")
    _copy_dir_into(src, loc.local_path)
