"""Trainings end to end on the local backend: the workload contract, statuses, logs, metrics, outputs, rules."""

from __future__ import annotations

import json
import time
from pathlib import Path

from conftest import write_script

REPORT = """
import json, os, sys
report = {"argv": sys.argv[1:], "env": {k: v for k, v in os.environ.items() if k.startswith(("EM_", "OMP_"))},
          "cwd": os.getcwd()}
for name in ("MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK", "TF_CONFIG", "PET_NNODES", "PET_NODE_RANK",
             "PET_NPROC_PER_NODE", "CUDA_VISIBLE_DEVICES"):
    report["env"][name] = os.environ.get(name)
rank = os.environ.get("RANK", "0")
for step in range(3):
    print(f"step={step} loss={1.0 / (step + 1):.3f} accuracy={0.5 + step / 10}")
print("a warning on stderr", file=sys.stderr)
with open(os.path.join(os.environ["EM_MODEL_DIR"], f"report-{rank}.json"), "w") as f:
    json.dump(report, f)
"""


SUCCESS_PATH = ["CREATE REQUESTED", "CREATE IN PROGRESS", "RUNNING", "COMPLETE IN PROGRESS", "COMPLETE"]


def in_order(seen: list[str], path: list[str]) -> bool:
    """Every status seen belongs to `path`, in its order (fast polling may skip some)."""
    positions = [path.index(status) for status in seen if status in path]
    return len(positions) == len(seen) and positions == sorted(positions)


def test_workload_contract(api, shared_server, tmp_path):
    source = write_script(tmp_path / "src", REPORT)
    data = tmp_path / "data"
    (data / "train").mkdir(parents=True)
    (data / "train" / "rows.csv").write_text("a,b\n1,2\n")
    output = tmp_path / "out"
    experiment = api.experiment("contract")
    body = api.training_body(
        "contract", experiment, source, output,
        hyperparameterList=[{"parameterName": "epochs", "parameterValue": "3"},
                            {"parameterName": "learning-rate", "parameterValue": "0.01"}],
        datasetList=[{"datasetName": "train", "dataUri": f"file://{data / 'train'}"}],
    )  # fmt: skip
    created = api.post("/trainings", body)["training"]
    assert created["trainingStatusCode"] == "CREATE REQUESTED"
    training, seen = api.wait_training(created["trainingId"])
    assert training["trainingStatusCode"] == "COMPLETE", training
    assert in_order(["CREATE REQUESTED", *seen], SUCCESS_PATH), seen
    plan = json.loads((shared_server.data_dir / "runs" / training["trainingId"] / "spec.json").read_text())
    assert plan["work"]["timeout_seconds"] == training["timeoutMinutes"] * 60 == 43200 * 60
    assert training["elapsedTimeSeconds"] >= 0 and training["startedDatetime"] and training["finishedDatetime"]

    report = json.loads((output / "report-0.json").read_text())
    assert report["argv"] == ["--epochs", "3", "--learning-rate", "0.01"]
    env = report["env"]
    assert env["EM_HP_EPOCHS"] == "3" and env["EM_HP_LEARNING_RATE"] == "0.01"
    assert json.loads(env["EM_HPS"]) == {"epochs": "3", "learning-rate": "0.01"}
    assert Path(env["EM_DATASET_TRAIN"], "rows.csv").read_text() == "a,b\n1,2\n"
    assert [d["datasetName"] for d in json.loads(env["EM_DATASETS"])] == ["train"]
    assert env["EM_ENTRY_POINT"] == "train.py" and Path(env["EM_SOURCE_DIR"], "train.py").is_file()
    assert report["cwd"] == env["EM_SOURCE_DIR"]
    assert env["EM_APPKEY"] == "local" and env["EM_REGION"] == "local"
    assert env["EM_TENSORBOARD_LOG_DIR"] == training["tensorboardLogDir"]
    assert experiment in env["EM_TENSORBOARD_LOG_DIR"] and training["trainingId"] in env["EM_TENSORBOARD_LOG_DIR"]
    assert "EM_CHECKPOINT_INPUT_DIR" not in env and env["EM_CHECKPOINT_DIR"]
    assert env["OMP_NUM_THREADS"] == str(len(training["appliedResources"]["cpuAffinity"]))
    assert report["env"]["MASTER_ADDR"] is None, "a single node gets no distributed variables"

    logs = api.logs(training["trainingId"])
    bodies = [r["body"] for r in logs]
    assert "step=2 loss=0.333 accuracy=0.7" in bodies
    record = next(r for r in logs if r["body"] == "a warning on stderr")
    assert record["logLevel"] == "ERROR"
    for field in ("easymakerAppKey", "category", "logLevel", "body", "logType", "time", "trainingId"):
        assert field in record
    assert record["category"] == "easymaker.training" and record["logType"] == "NHNCloud-AIEasyMaker"
    assert len(bodies) == len(set(r["logId"] for r in logs))

    metrics = api.get(f"/trainings/{training['trainingId']}/metrics")
    loss = [(m["step"], m["value"]) for m in metrics["metricList"] if m["name"] == "loss"]
    assert loss == [(0, 1.0), (1, 0.5), (2, 0.333)]
    summary = {s["name"]: s for s in metrics["metricSummaryList"]}
    assert summary["accuracy"]["latest"] == 0.7 and summary["loss"]["min"] == 0.333


def test_failure_shows_fail_train_and_the_error(api, tmp_path):
    source = write_script(tmp_path / "src", "print('about to fail')\nraise SystemExit('bad things happened')\n")
    training_id = api.post("/trainings", api.training_body("fails2", api.experiment("fails"), source, tmp_path / "o"))[
        "training"
    ]["trainingId"]
    training, seen = api.wait_training(training_id)
    assert training["trainingStatusCode"] == "FAIL TRAIN"
    assert in_order(
        seen, ["CREATE REQUESTED", "CREATE IN PROGRESS", "RUNNING", "FAIL TRAIN IN PROGRESS", "FAIL TRAIN"]
    ), seen
    assert "exit code : 1" in training["statusReason"]
    bodies = [r["body"] for r in api.logs(training_id)]
    assert "bad things happened" in bodies and "about to fail" in bodies
    assert not (tmp_path / "o").exists(), "a failed training uploads no model"


def test_checkpoints_in_and_out_and_obs_source(api, shared_server, tmp_path):
    store = shared_server.data_dir / "object-storage" / "kr1-api-object-storage.nhncloudservice.com" / "v1" / "AUTH_t"
    write_script(store / "bucket" / "algo", """
import os, pathlib
previous = pathlib.Path(os.environ["EM_CHECKPOINT_INPUT_DIR"], "ckpt.txt").read_text()
pathlib.Path(os.environ["EM_CHECKPOINT_DIR"], "ckpt.txt").write_text(previous + "+1")
pathlib.Path(os.environ["EM_MODEL_DIR"], "model.bin").write_text("weights")
""")  # fmt: skip
    (store / "bucket" / "ckpt-in").mkdir(parents=True)
    (store / "bucket" / "ckpt-in" / "ckpt.txt").write_text("epoch-1")
    obs = "obs://kr1-api-object-storage.nhncloudservice.com/v1/AUTH_t/bucket"
    body = api.training_body("ckpt", api.experiment("ckpt"), tmp_path, tmp_path, sourceDirUri=f"{obs}/algo",
                             modelUploadUri=f"{obs}/model", checkPointInputUri=f"{obs}/ckpt-in",
                             checkPointUploadUri=f"{obs}/ckpt-out", dataStorageSize=300)  # fmt: skip
    training, _ = api.wait_training(api.post("/trainings", body)["training"]["trainingId"])
    assert training["trainingStatusCode"] == "COMPLETE", training
    assert (store / "bucket" / "model" / "model.bin").read_text() == "weights"
    assert (store / "bucket" / "ckpt-out" / "ckpt.txt").read_text() == "epoch-1+1"
    assert not (store / "bucket" / "algo" / "__pycache__").exists(), "obs sources are staged, not run in place"


def test_requirements_installed_first(api, tmp_path):
    source = write_script(tmp_path / "src", "import mini_dep\nprint('value', mini_dep.VALUE)\n")
    package = tmp_path / "mini-dep"
    write_script(package / "mini_dep", "VALUE = 42\n", name="__init__.py")
    (package / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "mini-dep"\nversion = "1.0"\n'
    )
    (source / "requirements.txt").write_text(f"mini-dep @ file://{package}\n")
    training_id = api.post("/trainings", api.training_body("reqs", api.experiment("reqs"), source, tmp_path / "o"))[
        "training"
    ]["trainingId"]
    training, seen = api.wait_training(training_id, timeout=180)
    assert training["trainingStatusCode"] == "COMPLETE", api.logs(training_id)[-20:]
    assert "value 42" in [r["body"] for r in api.logs(training_id)]
    import importlib.util

    assert importlib.util.find_spec("mini_dep") is None, "requirements go into the run's own environment"


def test_stop_a_running_training(api, tmp_path):
    source = write_script(tmp_path / "src", "import time\nprint('started', flush=True)\ntime.sleep(600)\n")
    training_id = api.post("/trainings", api.training_body("stopme", api.experiment("stop"), source, tmp_path / "o"))[
        "training"
    ]["trainingId"]
    api.wait_training(training_id, until=("RUNNING",))
    stopping = api.put(f"/trainings/{training_id}/stop")["training"]
    assert stopping["trainingStatusCode"] == "STOP IN PROGRESS"
    training, _ = api.wait_training(training_id)
    assert training["trainingStatusCode"] == "STOPPED"
    status, body = api.call("PUT", f"/trainings/{training_id}/stop")
    assert status == 409 and "STOPPED" in body["header"]["resultMessage"]


def test_delete_rules(api, tmp_path):
    source = write_script(tmp_path / "src", "import time\ntime.sleep(600)\n")
    experiment = api.experiment("delete-rules")
    training_id = api.post("/trainings", api.training_body("busy", experiment, source, tmp_path / "o"))["training"][
        "trainingId"
    ]
    api.wait_training(training_id, until=("RUNNING",))
    status, body = api.call("DELETE", f"/trainings/{training_id}")
    assert status == 409 and "stop" in body["header"]["resultMessage"].lower()
    status, body = api.call("DELETE", f"/experiments/{experiment}")
    assert status == 409 and "holds 1 training" in body["header"]["resultMessage"]
    api.put(f"/trainings/{training_id}/stop")
    api.wait_training(training_id)
    api.delete(f"/trainings/{training_id}")
    assert api.call("GET", f"/trainings/{training_id}")[0] == 404
    assert api.logs(training_id) == []
    api.delete(f"/experiments/{experiment}")
    assert api.call("GET", f"/experiments/{experiment}")[0] == 404


def test_copy_training(api, tmp_path):
    source = write_script(tmp_path / "src", "print('x=1')\n")
    body = api.training_body("original", api.experiment("copy"), f"file://{source}", tmp_path / "o",
                             hyperparameterList=[{"parameterName": "a", "parameterValue": "1"}])  # fmt: skip
    original = api.post("/trainings", body)["training"]
    copied = api.post(f"/trainings/{original['trainingId']}/copy", {})["training"]
    assert copied["trainingName"] == "original-copy" and copied["trainingId"] != original["trainingId"]
    assert copied["hyperparameterList"] == original["hyperparameterList"]
    changed = api.post(
        f"/trainings/{original['trainingId']}/copy",
        {"trainingName": "changed", "hyperparameterList": [{"parameterName": "a", "parameterValue": "2"}]},
    )["training"]
    assert changed["hyperparameterList"] == [{"parameterName": "a", "parameterValue": "2"}]
    assert changed["sourceDirUri"] == original["sourceDirUri"]
    for training in (original, copied, changed):
        assert api.wait_training(training["trainingId"])[0]["trainingStatusCode"] == "COMPLETE"


def test_template_create_copy_update_and_train_from_it(api, tmp_path):
    source = write_script(tmp_path / "src", "import sys\nprint('args', *sys.argv[1:])\n")
    template = api.post("/training-templates", {
        "trainingTemplateName": "tpl", "description": "a template", "imageId": api.image_id(),
        "flavorId": api.flavor_id(), "sourceDirUri": str(source), "entryPoint": "train.py",
        "hyperparameterList": [{"parameterName": "epochs", "parameterValue": "5"}],
    })["trainingTemplate"]  # fmt: skip
    assert template["hyperparameterList"][0]["parameterName"] == "epochs"
    copy = api.post(f"/training-templates/{template['trainingTemplateId']}/copy", {})["trainingTemplate"]
    assert copy["trainingTemplateName"] == "tpl-copy" and copy["sourceDirUri"] == str(source)
    updated = api.put(f"/training-templates/{copy['trainingTemplateId']}", {"description": "changed"})
    assert updated["trainingTemplate"]["description"] == "changed"
    names = [t["trainingTemplateName"] for t in api.get("/training-templates")["trainingTemplateList"]]
    assert {"tpl", "tpl-copy"} <= set(names)

    training = api.post("/trainings", {
        "trainingName": "api-from-template", "experimentId": api.experiment("tpl"),
        "trainingTemplateId": template["trainingTemplateId"], "modelUploadUri": str(tmp_path / "o"),
        "hyperparameterList": [{"parameterName": "epochs", "parameterValue": "7"}],
    })["training"]  # fmt: skip
    assert training["trainingTemplateId"] == template["trainingTemplateId"]
    assert training["entryPoint"] == "train.py"
    done, _ = api.wait_training(training["trainingId"])
    assert done["trainingStatusCode"] == "COMPLETE"
    assert "args --epochs 7" in [r["body"] for r in api.logs(training["trainingId"])]

    api.delete(f"/training-templates/{copy['trainingTemplateId']}")
    assert api.call("GET", f"/training-templates/{copy['trainingTemplateId']}")[0] == 404


def test_distributed_nodes_get_rank_and_world(api, tmp_path):
    source = write_script(tmp_path / "src", REPORT)
    output = tmp_path / "out"
    body = api.training_body("dist", api.experiment("dist"), source, output, instanceCount=3)
    training, _ = api.wait_training(api.post("/trainings", body)["training"]["trainingId"])
    assert training["trainingStatusCode"] == "COMPLETE", training
    reports = [json.loads((output / f"report-{rank}.json").read_text())["env"] for rank in range(3)]
    assert [r["RANK"] for r in reports] == ["0", "1", "2"]
    assert {r["WORLD_SIZE"] for r in reports} == {"3"} and {r["PET_NNODES"] for r in reports} == {"3"}
    assert len({r["MASTER_PORT"] for r in reports}) == 1 and reports[0]["MASTER_ADDR"] == "127.0.0.1"
    assert all(r["TF_CONFIG"] is None for r in reports), "TF_CONFIG is for TensorFlow images"


def test_tensorflow_images_get_tf_config(api, tmp_path):
    source = write_script(tmp_path / "src", REPORT)
    output = tmp_path / "out"
    body = api.training_body("tf", api.experiment("tf"), source, output, instanceCount=2,
                             imageId=api.image_id("Ubuntu 22.04 CPU TensorFlow Training"))  # fmt: skip
    training, _ = api.wait_training(api.post("/trainings", body)["training"]["trainingId"])
    assert training["trainingStatusCode"] == "COMPLETE", training
    configs = [json.loads(json.loads((output / f"report-{r}.json").read_text())["env"]["TF_CONFIG"]) for r in (0, 1)]
    assert [c["task"] for c in configs] == [{"type": "worker", "index": 0}, {"type": "worker", "index": 1}]
    assert configs[0]["cluster"] == configs[1]["cluster"] and len(configs[0]["cluster"]["worker"]) == 2


def test_list_filters_and_elapsed_time(api, tmp_path):
    source = write_script(tmp_path / "src", "import time\ntime.sleep(1.2)\n")
    experiment = api.experiment("filters")
    training_id = api.post("/trainings", api.training_body("elapsed", experiment, source, tmp_path / "o"))["training"][
        "trainingId"
    ]
    training, _ = api.wait_training(training_id)
    assert training["elapsedTimeSeconds"] >= 1
    listed = api.get("/trainings", params={"experimentId": experiment})["trainingList"]
    assert [t["trainingId"] for t in listed] == [training_id]
    by_name = api.get("/trainings", params={"trainingNameList": "elapsed"})["trainingList"]
    assert [t["trainingId"] for t in by_name] == [training_id]
    time.sleep(1.1)
    assert api.get(f"/trainings/{training_id}")["training"]["elapsedTimeSeconds"] == training["elapsedTimeSeconds"]


def test_metrics_thinned_for_charts_and_monitoring_samples(api, tmp_path):
    source = write_script(tmp_path / "src", """
import time
for i in range(1000):
    print(f"loss={1000 - i}")
time.sleep(4.5)
""")  # fmt: skip
    training_id = api.post("/trainings", api.training_body("thin", api.experiment("thin"), source, tmp_path / "o"))[
        "training"
    ]["trainingId"]
    api.wait_training(training_id)
    full = api.get(f"/trainings/{training_id}/metrics")
    assert [p["step"] for p in full["metricList"]] == list(range(1000))
    thinned = api.get(f"/trainings/{training_id}/metrics", params={"maxPoints": 10})
    steps = [p["step"] for p in thinned["metricList"]]
    assert len(steps) <= 11 and steps[0] == 0 and steps[-1] == 999 and steps == sorted(steps)
    assert thinned["metricSummaryList"] == [{"name": "loss", "min": 1.0, "max": 1000.0, "latest": 1.0, "count": 1000}]
    status, body = api.call("GET", f"/trainings/{training_id}/metrics", params={"maxPoints": "lots"})
    assert status == 400 and body["errorList"][0]["field"] == "maxPoints"

    usage = api.get(f"/trainings/{training_id}/monitoring")["usageList"]
    assert len(usage) >= 2 and all(u["memoryBytes"] > 0 for u in usage), usage

    for params, field in (({"tail": -1}, "tail"), ({"limit": 0}, "limit"), ({"after": "x"}, "after"),
                          ({"logLevel": "LOUD"}, "logLevel")):  # fmt: skip
        status, body = api.call("GET", "/logs", params={"trainingId": training_id, **params})
        assert status == 400 and body["errorList"][0]["field"] == field
    last = api.get("/logs", params={"trainingId": training_id, "tail": 2})["logList"]
    assert [r["body"] for r in last][-1].startswith("Training ended: succeeded")
    found = api.get("/logs", params={"trainingId": training_id, "query": "LOSS=500"})["logList"]
    assert [r["body"] for r in found] == ["loss=500"]
