"""Traitlets configuration reaching the work: images as environments, NAS mounts, the instance type catalog."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import TOKEN, write_script

ENV_REPORT = """
import json, os, sys
import image_only  # installed in the image's environment only
files = sorted(os.listdir(os.environ["EM_DATASET_DATA"]))
json.dump({"executable": sys.executable, "prefix": sys.prefix, "files": files},
          open(os.path.join(os.environ["EM_MODEL_DIR"], "env.json"), "w"))
"""


def test_images_nas_and_instance_types_from_config(server_factory, tmp_path):
    data_dir = tmp_path / "em-data"
    env = data_dir / "custom-conda-envs" / "tf-env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(env)], check=True)
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    env_site = subprocess.run([env / "bin" / "python", "-c", purelib], capture_output=True, text=True, check=True)
    Path(env_site.stdout.strip(), "image_only.py").write_text("")
    nas = tmp_path / "nas-volume"
    write_script(nas / "algo", ENV_REPORT)
    package = tmp_path / "tiny-dep"
    write_script(package / "tiny_dep", "", name="__init__.py")
    (package / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "tiny-dep"\nversion = "1.0"\n'
    )
    with_requirements = write_script(nas / "algo-reqs", ENV_REPORT + "import tiny_dep\n")
    (with_requirements / "requirements.txt").write_text(f"tiny-dep @ file://{package}\n")  # the env has no pip
    (nas / "datasets" / "d").mkdir(parents=True)
    (nas / "datasets" / "d" / "part-0.csv").write_text("x")
    config = tmp_path / "jupyter_server_config.json"
    config.write_text(json.dumps({"EasyMakerApp": {
        "image_environments": {"Ubuntu 22.04 CPU TensorFlow Training": "custom-conda-envs/tf-env"},
        "nas_mounts": {"nas01": str(nas)},
        "instance_types": [{"name": "local.c1m1", "vcpus": 1, "ramMb": 1024, "diskGb": 10, "coreType": "CPU"}],
    }}))  # fmt: skip
    server = server_factory(data_dir=data_dir, extra_args=(f"--config={config}",))
    api = server.api
    assert [f["name"] for f in api.get("/flavors")["flavorList"]] == ["local.c1m1"]
    body = {
        "trainingName": "configured", "experimentId": api.experiment("cfg"),
        "imageId": api.image_id("Ubuntu 22.04 CPU TensorFlow Training"), "flavorId": api.flavor_id("local.c1m1"),
        "sourceDirUri": "nas://nas01:/algo", "entryPoint": "train.py", "modelUploadUri": "nas://nas01:/models/m1",
        "datasetList": [{"datasetName": "data", "dataUri": "nas://nas01:/datasets/d"}],
    }  # fmt: skip
    training, _ = api.wait_training(api.post("/trainings", body)["training"]["trainingId"])
    assert training["trainingStatusCode"] == "COMPLETE", api.logs(training["trainingId"])
    report = json.loads((nas / "models" / "m1" / "env.json").read_text())
    assert report["prefix"] == str(env), "the image ran in the environment configured for it"
    assert report["files"] == ["part-0.csv"]
    assert training["appliedResources"]["threads"] == 1

    status, answer = api.call(
        "POST", "/trainings", json={**body, "trainingName": "other", "sourceDirUri": "nas://nas02:/x"}
    )
    assert status == 400 and "nas02" in answer["header"]["resultMessage"]


TORCHRUN = """
import os
import torch
import torch.distributed as dist

dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
value = torch.tensor([float(rank)])
dist.all_reduce(value)
print(f"rank {rank} of {world}: sum={value.item()} local={os.environ['LOCAL_RANK']} node={os.environ['PET_NODE_RANK']}")
if rank == 0:
    open(os.path.join(os.environ["EM_MODEL_DIR"], "result.txt"), "w").write(f"{world} {value.item()}")
dist.destroy_process_group()
"""


def test_torchrun_across_nodes(api, tmp_path):
    source = write_script(tmp_path / "src", TORCHRUN)
    output = tmp_path / "out"
    body = api.training_body("torchrun", api.experiment("torchrun"), source, output,
                             instanceCount=2, useTorchrun=True, nprocPerNode=2)  # fmt: skip
    training, _ = api.wait_training(api.post("/trainings", body)["training"]["trainingId"], timeout=180)
    assert training["trainingStatusCode"] == "COMPLETE", api.logs(training["trainingId"])[-20:]
    assert (output / "result.txt").read_text() == "4 6.0"
    text = "\n".join(r["body"] for r in api.logs(training["trainingId"]))
    assert text.count("of 4: sum=6.0") == 4, (
        "every process's output is in the log (lines of processes sharing one pipe may interleave)"
    )


def test_default_appkey_reaches_clients(server_factory, monkeypatch):
    server = server_factory(extra_args=("--EasyMakerApp.default_appkey=team-a",))
    info = server.api.session.get(f"{server.url}easymaker/v1.0/info").json()["info"]
    assert info["defaultAppkey"] == "team-a" and info["backend"] == "local" and info["version"]
    monkeypatch.delenv("EM_APPKEY", raising=False)
    from jupyter_easymaker.client import EasyMakerClient

    client = EasyMakerClient(url=server.url, token=TOKEN)
    assert client.appkey == "team-a"
    created = client.create_experiment("in-team-a")
    assert created["appKey"] == "team-a"
    assert server.api.get("/experiments")["experimentList"] == [], "the 'local' project stays empty"
