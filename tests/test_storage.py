"""Tests for jupyter_easymaker.storage: URI mapping, refusal rules, staging and upload."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from jupyter_easymaker import storage
from jupyter_easymaker.storage import Location, StorageConfig, StorageError, exists, resolve, stage_in, upload

ENDPOINT = "kr1-api-object-storage.nhncloudservice.com"


@pytest.fixture
def cfg(tmp_path: Path) -> StorageConfig:
    (tmp_path / "nas01").mkdir()
    (tmp_path / "work").mkdir()
    return StorageConfig(
        object_store_root=tmp_path / "obs",
        nas_mounts={"nas01": tmp_path / "nas01"},
        local_root=tmp_path / "work",
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- mapping


def test_obs_maps_into_object_store(cfg: StorageConfig, tmp_path: Path) -> None:
    uri = f"obs://{ENDPOINT}/v1/AUTH_abc/mycontainer/data/train"
    loc = resolve(uri, cfg)
    assert loc == Location(
        uri=uri,
        scheme="obs",
        local_path=(tmp_path / "obs" / ENDPOINT / "v1/AUTH_abc/mycontainer/data/train").resolve(),
        remote_url=None,
    )


def test_nas_maps_into_mount(cfg: StorageConfig, tmp_path: Path) -> None:
    loc = resolve("nas://nas01:/datasets/mnist", cfg)
    assert loc.scheme == "nas"
    assert loc.local_path == (tmp_path / "nas01" / "datasets" / "mnist").resolve()
    assert loc.remote_url is None
    assert resolve("nas://nas01:/", cfg).local_path == (tmp_path / "nas01").resolve()


def test_s3_is_remote(cfg: StorageConfig) -> None:
    loc = resolve("s3://bucket/some//key/", cfg)
    assert loc == Location(
        uri="s3://bucket/some//key/", scheme="s3", local_path=None, remote_url="s3://bucket/some/key"
    )


def test_file_uri_and_absolute_plain_path(cfg: StorageConfig, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "x"
    assert resolve(f"file://{target}", cfg) == Location(f"file://{target}", "file", target, None)
    assert resolve(f"file://localhost{target}", cfg).local_path == target
    assert resolve(str(target), cfg) == Location(str(target), "file", target, None)


def test_relative_plain_path_uses_local_root(cfg: StorageConfig, tmp_path: Path) -> None:
    loc = resolve("data/x", cfg)
    assert loc.scheme == "file"
    assert loc.local_path == tmp_path / "work" / "data" / "x"


def test_config_accepts_strings(tmp_path: Path) -> None:
    config = StorageConfig(object_store_root=str(tmp_path), nas_mounts={"n": str(tmp_path)})  # type: ignore[arg-type]
    assert config.object_store_root == tmp_path
    assert config.nas_mounts == {"n": tmp_path}
    assert StorageConfig(object_store_root=tmp_path).local_root == Path.cwd()


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "uri",
    [
        f"obs://{ENDPOINT}/v1/AUTH_abc/c/../../../etc",
        "obs://../x/y",
        "nas://nas01:/datasets/../../etc",
        "s3://bucket/a/../b",
        "file:///data/../etc/passwd",
        "/data/../etc",
        "../outside",
        "data/..",
        "data/%2e%2e/x",
        "data\\..\\x",
    ],
)
def test_dotdot_refused_in_every_scheme(uri: str, cfg: StorageConfig) -> None:
    with pytest.raises(StorageError, match=r"'\.\.'"):
        storage.validate_uri(uri)
    with pytest.raises(StorageError, match=r"'\.\.'"):
        resolve(uri, cfg)


@pytest.mark.parametrize("uri", ["ftp://host/file", "http://example.com/data", "foo://bar"])
def test_unknown_scheme_refused(uri: str) -> None:
    scheme = uri.split("://")[0]
    with pytest.raises(StorageError) as info:
        storage.validate_uri(uri)
    message = str(info.value)
    assert f"'{scheme}://'" in message
    for accepted in ("obs://", "nas://", "s3://", "file://"):
        assert accepted in message


@pytest.mark.parametrize(
    ("uri", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("data/\x00x", "NUL"),
        ("obs://", "endpoint and a path"),
        (f"obs://{ENDPOINT}", "endpoint and a path"),
        (f"obs://{ENDPOINT}/", "endpoint and a path"),
        ("obs:///v1/AUTH_abc/c", "endpoint and a path"),
        ("nas://nas01/datasets", "nas://<id>:/<path>"),
        ("nas://:/datasets", "nas://<id>:/<path>"),
        ("s3://", "bucket"),
        ("file://host/data", "absolute path"),
        ("file://", "absolute path"),
    ],
)
def test_malformed_uris_refused(uri: str, fragment: str) -> None:
    with pytest.raises(StorageError, match=fragment):
        storage.validate_uri(uri)


def test_valid_uris_pass_validation() -> None:
    for uri in (
        f"obs://{ENDPOINT}/v1/AUTH_abc/c/d",
        "nas://nas01:/x",
        "s3://b/k",
        "file:///x",
        "/x",
        "x/y",
        "OBS://e/p",
    ):
        storage.validate_uri(uri)


def test_non_string_refused() -> None:
    with pytest.raises(StorageError, match="string"):
        storage.validate_uri(None)  # type: ignore[arg-type]


def test_unknown_nas_id_names_id_and_config(cfg: StorageConfig) -> None:
    storage.validate_uri("nas://nas99:/x")  # syntax is fine; only resolving needs the config
    with pytest.raises(StorageError) as info:
        resolve("nas://nas99:/x", cfg)
    message = str(info.value)
    assert "'nas99'" in message
    assert "EasyMakerApp.nas_mounts" in message
    assert "nas01" in message  # lists what is configured


def test_nas_mount_missing_refused(tmp_path: Path) -> None:
    config = StorageConfig(object_store_root=tmp_path, nas_mounts={"gone": tmp_path / "not-mounted"})
    with pytest.raises(StorageError, match="not a mounted directory"):
        resolve("nas://gone:/x", config)


def test_symlink_escaping_nas_mount_refused(cfg: StorageConfig, tmp_path: Path) -> None:
    secret = write(tmp_path / "secret" / "key.txt", "s")
    (tmp_path / "nas01" / "link").symlink_to(secret.parent, target_is_directory=True)
    with pytest.raises(StorageError, match="outside"):
        resolve("nas://nas01:/link/key.txt", cfg)
    with pytest.raises(StorageError, match="outside"):
        stage_in("nas://nas01:/link", cfg, tmp_path / "dest")


def test_symlink_inside_nas_mount_allowed(cfg: StorageConfig, tmp_path: Path) -> None:
    write(tmp_path / "nas01" / "real" / "a.txt", "a")
    (tmp_path / "nas01" / "alias").symlink_to(tmp_path / "nas01" / "real", target_is_directory=True)
    assert resolve("nas://nas01:/alias/a.txt", cfg).local_path == (tmp_path / "nas01" / "real" / "a.txt").resolve()


def test_symlink_escaping_object_store_refused(cfg: StorageConfig, tmp_path: Path) -> None:
    (tmp_path / "obs" / ENDPOINT).mkdir(parents=True)
    (tmp_path / "obs" / ENDPOINT / "v1").symlink_to(tmp_path / "work", target_is_directory=True)
    with pytest.raises(StorageError, match="outside the object store"):
        resolve(f"obs://{ENDPOINT}/v1/AUTH_abc/c", cfg)
    with pytest.raises(StorageError, match="outside the object store"):
        upload(tmp_path / "nas01", f"obs://{ENDPOINT}/v1/x", cfg)


# --------------------------------------------------------------------------- exists


def test_exists(cfg: StorageConfig, tmp_path: Path) -> None:
    write(tmp_path / "obs" / ENDPOINT / "v1/AUTH_abc/c/data/f.txt", "x")
    write(tmp_path / "nas01" / "datasets" / "mnist" / "a.bin", "x")
    write(tmp_path / "work" / "data" / "x", "x")
    assert exists(f"obs://{ENDPOINT}/v1/AUTH_abc/c/data", cfg)
    assert exists(f"obs://{ENDPOINT}/v1/AUTH_abc/c/data/f.txt", cfg)
    assert not exists(f"obs://{ENDPOINT}/v1/AUTH_abc/c/other", cfg)
    assert exists("nas://nas01:/datasets/mnist", cfg)
    assert not exists("nas://nas01:/datasets/cifar", cfg)
    assert exists("data/x", cfg)
    assert exists(f"file://{tmp_path}/work/data/x", cfg)
    assert not exists(f"{tmp_path}/work/data/y", cfg)
    with pytest.raises(StorageError):
        exists("ftp://x/y", cfg)


# --------------------------------------------------------------------------- stage_in


def test_stage_in_obs_directory_copies_tree(cfg: StorageConfig, tmp_path: Path) -> None:
    src = tmp_path / "obs" / ENDPOINT / "v1/AUTH_abc/c/data"
    write(src / "train.csv", "1,2")
    write(src / "sub" / "deep.txt", "deep")
    dest = tmp_path / "staged"
    result = stage_in(f"obs://{ENDPOINT}/v1/AUTH_abc/c/data", cfg, dest)
    assert result == dest
    assert (dest / "train.csv").read_text() == "1,2"
    assert (dest / "sub" / "deep.txt").read_text() == "deep"
    # a copy, not a view: changing it leaves the store untouched
    (dest / "train.csv").write_text("changed")
    assert (src / "train.csv").read_text() == "1,2"


def test_stage_in_obs_single_file_lands_in_dest(cfg: StorageConfig, tmp_path: Path) -> None:
    src = write(tmp_path / "obs" / ENDPOINT / "v1/AUTH_abc/c/model.bin", "weights")
    dest = tmp_path / "staged"
    result = stage_in(f"obs://{ENDPOINT}/v1/AUTH_abc/c/model.bin", cfg, dest)
    assert result == dest
    assert result.is_dir()
    assert (dest / "model.bin").read_text() == "weights"
    assert src.read_text() == "weights"


def test_stage_in_nas_and_file_are_in_place(cfg: StorageConfig, tmp_path: Path) -> None:
    nas_dir = tmp_path / "nas01" / "datasets" / "mnist"
    write(nas_dir / "a.bin", "x")
    local_file = write(tmp_path / "work" / "data" / "x.csv", "x")
    dest = tmp_path / "staged"
    assert stage_in("nas://nas01:/datasets/mnist", cfg, dest) == nas_dir.resolve()
    assert stage_in("data/x.csv", cfg, dest) == local_file
    assert stage_in(f"file://{local_file}", cfg, dest) == local_file
    assert not dest.exists()  # nothing was copied


@pytest.mark.parametrize(
    "uri", [f"obs://{ENDPOINT}/v1/AUTH_abc/c/none", "nas://nas01:/none", "none", "file:///no/such"]
)
def test_stage_in_missing_source(uri: str, cfg: StorageConfig, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        stage_in(uri, cfg, tmp_path / "dest")


# --------------------------------------------------------------------------- upload


def test_upload_merges_into_existing_directory(cfg: StorageConfig, tmp_path: Path) -> None:
    out = tmp_path / "obs" / ENDPOINT / "v1/AUTH_abc/c/out"
    write(out / "keep.txt", "old")
    write(out / "same.txt", "old")
    src = tmp_path / "result"
    write(src / "same.txt", "new")
    write(src / "sub" / "model.bin", "w")
    upload(src, f"obs://{ENDPOINT}/v1/AUTH_abc/c/out", cfg)
    assert (out / "keep.txt").read_text() == "old"
    assert (out / "same.txt").read_text() == "new"
    assert (out / "sub" / "model.bin").read_text() == "w"
    assert not (out / "result").exists()  # the content of src, not src itself


@pytest.mark.parametrize("uri", ["nas://nas01:/models/m1", "models/m1", "file://{tmp}/work/models/m1"])
def test_upload_creates_destination(uri: str, cfg: StorageConfig, tmp_path: Path) -> None:
    src = tmp_path / "result"
    write(src / "model.bin", "w")
    upload(src, uri.format(tmp=tmp_path), cfg)
    loc = resolve(uri.format(tmp=tmp_path), cfg)
    assert loc.local_path is not None
    assert (loc.local_path / "model.bin").read_text() == "w"


def test_upload_refusals(cfg: StorageConfig, tmp_path: Path) -> None:
    src = tmp_path / "result"
    write(src / "a.txt", "a")
    with pytest.raises(StorageError, match="not a directory"):
        upload(src / "a.txt", "models/x", cfg)
    write(tmp_path / "work" / "afile", "x")
    with pytest.raises(StorageError, match="names a file"):
        upload(src, "afile", cfg)
    with pytest.raises(StorageError, match="inside it"):
        upload(src, f"{src}/nested", cfg)
    with pytest.raises(StorageError, match=r"'\.\.'"):
        upload(src, "nas://nas01:/../x", cfg)


# --------------------------------------------------------------------------- s3 / fsspec


def test_s3_without_fsspec_gives_install_hint(cfg: StorageConfig, tmp_path: Path, monkeypatch) -> None:
    # A None entry in sys.modules makes the import fail, whether or not fsspec is installed.
    monkeypatch.setitem(sys.modules, "fsspec", None)
    monkeypatch.setitem(sys.modules, "fsspec.core", None)
    for call in (
        lambda: exists("s3://bucket/key", cfg),
        lambda: stage_in("s3://bucket/key", cfg, tmp_path / "d"),
        lambda: upload(tmp_path, "s3://bucket/key", cfg),
    ):
        with pytest.raises(StorageError, match=r"pip install jupyter-easymaker\[s3\]"):
            call()


def test_s3_without_s3fs_gives_install_hint(cfg: StorageConfig, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "s3fs", None)  # as if the [s3] extra were not installed
    monkeypatch.setattr(importlib.import_module("fsspec.registry"), "_registry", {})  # nor imported before
    with pytest.raises(StorageError, match=r"pip install jupyter-easymaker\[s3\]"):
        exists("s3://bucket/key", cfg)


def test_remote_roundtrip_through_fsspec(tmp_path: Path) -> None:
    """The s3 code path is generic fsspec; exercise it on the in-memory file system (no network)."""
    fsspec = pytest.importorskip("fsspec")
    url = f"memory://test-{tmp_path.name}/out"
    src = tmp_path / "result"
    write(src / "model.bin", "w")
    write(src / "sub" / "deep.txt", "deep")
    try:
        assert not storage._remote_exists(url)
        storage._remote_upload(src, url)
        assert storage._remote_exists(url)
        assert storage._remote_exists(f"{url}/sub/deep.txt")

        dest = storage._remote_stage_in(url, tmp_path / "staged")
        assert (dest / "model.bin").read_text() == "w"
        assert (dest / "sub" / "deep.txt").read_text() == "deep"

        single = storage._remote_stage_in(f"{url}/model.bin", tmp_path / "single")
        assert (single / "model.bin").read_text() == "w"

        with pytest.raises(StorageError, match="does not exist"):
            storage._remote_stage_in(f"{url}/missing", tmp_path / "x")
    finally:
        fsspec.filesystem("memory").rm(f"/test-{tmp_path.name}", recursive=True)
