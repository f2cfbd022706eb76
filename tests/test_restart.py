"""Killing the Jupyter server loses nothing: work goes on, and a new server picks up every record."""

from __future__ import annotations

import time

from conftest import write_script

SCRIPT = """
import os, sys, time
with open(os.environ["EM_HP_MARKER"], "a") as f:
    f.write(f"{os.getpid()}\\n")
for i in range(int(os.environ["EM_HP_LINES"])):
    print(f"line {i} step={i}", flush=True)
    time.sleep(0.1)
if os.environ["EM_HP_FAIL"] == "yes":
    sys.exit(3)
"""


def parameters(pairs: list[tuple[str, str]]) -> list[dict]:
    return [{"parameterName": k, "parameterValue": v} for k, v in pairs]


def test_sigkill_during_two_trainings(server_factory, tmp_path):
    server = server_factory()
    api = server.api
    source = write_script(tmp_path / "src", SCRIPT)
    experiment = api.experiment("restart")
    ids = {}
    for name, fail in (("survivor-ok", "no"), ("survivor-fail", "yes")):
        hps = [("marker", str(tmp_path / f"{name}.ran")), ("lines", "40"), ("fail", fail)]
        body = api.training_body(name, experiment, source, tmp_path / name,
                                 hyperparameterList=parameters(hps))  # fmt: skip
        ids[name] = api.post("/trainings", body)["training"]["trainingId"]
    for training_id in ids.values():
        api.wait_training(training_id, until=("RUNNING",))
    server.kill()

    restarted = server_factory(data_dir=server.data_dir)
    api = restarted.api
    ok, _ = api.wait_training(ids["survivor-ok"])
    failed, _ = api.wait_training(ids["survivor-fail"])
    assert ok["trainingStatusCode"] == "COMPLETE"
    assert failed["trainingStatusCode"] == "FAIL TRAIN" and "exit code : 3" in failed["statusReason"]
    assert (tmp_path / "survivor-ok" / "").exists(), "the model was uploaded after the restart"
    for name, training_id in ids.items():
        assert len((tmp_path / f"{name}.ran").read_text().split()) == 1, f"{name} ran more than once"
        bodies = [r["body"] for r in api.logs(training_id) if r["body"].startswith("line ")]
        assert bodies == [f"line {i} step={i}" for i in range(40)], f"{name}: logs lost or doubled"
        steps = [m["step"] for m in api.get(f"/trainings/{training_id}/metrics")["metricList"] if m["name"] == "step"]
        assert steps == list(range(40))


def test_restart_keeps_resources_and_resubmits_nothing(server_factory, tmp_path):
    server = server_factory()
    api = server.api
    source = write_script(tmp_path / "src", SCRIPT)
    experiment = api.experiment("kept")
    hps = [("marker", str(tmp_path / "done.ran")), ("lines", "1"), ("fail", "no")]
    body = api.training_body("finished", experiment, source, tmp_path / "o",
                             hyperparameterList=parameters(hps))  # fmt: skip
    training_id = api.post("/trainings", body)["training"]["trainingId"]
    api.wait_training(training_id)
    server.kill()
    api = server_factory(data_dir=server.data_dir).api
    assert api.get(f"/experiments/{experiment}")["experiment"]["experimentStatusCode"] == "ACTIVE"
    assert api.get(f"/trainings/{training_id}")["training"]["trainingStatusCode"] == "COMPLETE"
    assert len((tmp_path / "done.ran").read_text().split()) == 1


TUNING_SCRIPT = """
import os, time
with open(os.environ["EM_HP_MARKER"], "a") as f:
    f.write(os.environ["EM_HP_X"] + "\\n")
for step in range(15):
    print(f"loss={float(os.environ['EM_HP_X']) + 1 / (step + 1)}", flush=True)
    time.sleep(0.1)
"""


def test_sigkill_mid_tuning_loses_and_repeats_no_trial(server_factory, tmp_path):
    server = server_factory()
    api = server.api
    source = write_script(tmp_path / "src", TUNING_SCRIPT)
    marker = tmp_path / "trials.ran"
    body = {
        "hyperparameterTuningName": "survives", "experimentName": "restart", "imageId": api.image_id(),
        "flavorId": api.flavor_id(), "sourceDirUri": str(source), "entryPoint": "train.py",
        "modelUploadUri": str(tmp_path / "out"), "hyperparameterList": parameters([("marker", str(marker))]),
        "hyperparameterSpecList": [{"hyperparameterName": "x", "hyperparameterTypeCode": "double",
                                    "hyperparameterMinValue": "0", "hyperparameterMaxValue": "1"}],
        "objectiveMetric": {"name": "loss"}, "objectiveTypeCode": "MINIMIZE", "tuningStrategyName": "TPE",
        "maxTrialCount": 5, "parallelTrialCount": 2,
    }  # fmt: skip
    tuning_id = api.post("/hyperparameter-tunings", body)["hyperparameterTuning"]["hyperparameterTuningId"]
    deadline = time.time() + 60
    while [t["trialStatusCode"] for t in api.get(f"/hyperparameter-tunings/{tuning_id}/trials")["trialList"]] != [
        "SUCCEEDED", "SUCCEEDED", "RUNNING", "RUNNING"]:  # fmt: skip
        assert time.time() < deadline
        time.sleep(0.05)
    server.kill()

    api = server_factory(data_dir=server.data_dir).api
    while api.get(f"/hyperparameter-tunings/{tuning_id}")["hyperparameterTuning"]["hyperparameterTuningStatusCode"] in (
        "RUNNING", "COMPLETE IN PROGRESS"):  # fmt: skip
        assert time.time() < deadline + 60
        time.sleep(0.1)
    tuning = api.get(f"/hyperparameter-tunings/{tuning_id}")["hyperparameterTuning"]
    assert (tuning["hyperparameterTuningStatusCode"], tuning["hyperparameterTuningStatusReason"]) == (
        "COMPLETE", "MaxTrialsReached")  # fmt: skip
    trials = api.get(f"/hyperparameter-tunings/{tuning_id}/trials")["trialList"]
    assert [t["trialStatusCode"] for t in trials] == ["SUCCEEDED"] * 5
    ran = marker.read_text().split()
    assert sorted(ran) == sorted(t["hyperparameterList"][0]["parameterValue"] for t in trials), "each trial ran once"
