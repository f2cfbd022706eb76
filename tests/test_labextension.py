"""The prebuilt JupyterLab extension: committed in step with its sources, installed by pip, enabled in the lab."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import requests

import jupyter_easymaker
from jupyter_easymaker.testing import TOKEN

ROOT = Path(__file__).resolve().parents[1]
BUILD = Path(jupyter_easymaker.__file__).parent / "labextension"


def test_the_committed_build_matches_the_typescript():
    source_hash = runpy.run_path(str(ROOT / "scripts" / "labextension_hash.py"))["source_hash"]
    built = (BUILD / "source-hash").read_text().strip()
    assert built == source_hash(), "labextension/ changed since the last build: run bash scripts/build-labextension.sh"


def test_the_build_is_complete():
    package = json.loads((BUILD / "package.json").read_text())
    assert package["name"] == "jupyter-easymaker"
    assert (BUILD / package["jupyterlab"]["_build"]["load"]).is_file()


def test_pip_install_put_it_where_jupyterlab_looks():
    installed = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "jupyter-easymaker"
    assert json.loads((installed / "package.json").read_text())["name"] == "jupyter-easymaker"
    assert json.loads((installed / "install.json").read_text())["packageName"] == "jupyter-easymaker"


def test_the_lab_serves_it_enabled(shared_server):
    headers = {"Authorization": f"token {TOKEN}"}
    extensions = requests.get(f"{shared_server.url}lab/api/extensions", headers=headers, timeout=30).json()
    ours = [e for e in extensions if e["name"] == "jupyter-easymaker"]
    assert ours and ours[0]["enabled"] and ours[0]["pkg_type"] == "prebuilt"
