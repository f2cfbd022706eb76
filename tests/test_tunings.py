"""Hyperparameter tunings end to end through the Python client: real trials (trainings) on the local backend."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest
from conftest import TOKEN, write_script

from jupyter_easymaker.client import ApiError, EasyMakerClient
from jupyter_easymaker.tuner.space import parse_space
from jupyter_easymaker.tuner.suggest import suggest

#: Reports `loss` (from --x, plus --y for categorical "far") once per step; x >= 50 is a long, plainly bad run.
SCRIPT = """
import argparse, os, sys, time
parser = argparse.ArgumentParser()
parser.add_argument("--x", type=float, default=0.0)
parser.add_argument("--y", default="near")
parser.add_argument("--mode", default="ok")
args, _ = parser.parse_known_args()
if args.mode == "fail":
    sys.exit(4)
if args.mode == "sleep":
    time.sleep(600)
steps = 40 if args.x >= 50 else 3
for step in range(steps):
    if args.mode != "silent":
        loss = args.x + (1 if args.y == "far" else 0) + 1 / (step + 1)
        print(f"epoch={step} loss={loss} accuracy={1 - args.x / 200}", flush=True)
    if args.x >= 50:
        time.sleep(0.25)
open(os.path.join(os.environ["EM_TENSORBOARD_LOG_DIR"], "events.txt"), "w").write("board")
os.makedirs(os.environ["EM_MODEL_DIR"], exist_ok=True)
open(os.path.join(os.environ["EM_MODEL_DIR"], "model.txt"), "w").write(str(args.x))
"""


@pytest.fixture
def client(shared_server) -> EasyMakerClient:
    return EasyMakerClient(url=shared_server.url, token=TOKEN, appkey="local")


@pytest.fixture
def source(tmp_path) -> Path:
    return write_script(tmp_path / "src", SCRIPT)


def spec(name: str, kind: str, low: str | None = None, high: str | None = None, step: str | None = None,
         values: str | None = None) -> dict:  # fmt: skip
    found = {"hyperparameterName": name, "hyperparameterTypeCode": kind}
    for key, value in (("hyperparameterMinValue", low), ("hyperparameterMaxValue", high),
                       ("hyperparameterStep", step), ("hyperparameterSpecifiedValues", values)):  # fmt: skip
        if value is not None:
            found[key] = value
    return found


def body(client: EasyMakerClient, name: str, source: Path, output: Path, **extra) -> dict:
    return {
        "hyperparameterTuningName": name,
        "experimentName": "tuning-tests",
        "imageId": client.image_id("Ubuntu 22.04 CPU PyTorch Training"),
        "flavorId": client.flavor_id("m2.c2m4"),
        "sourceDirUri": str(source),
        "entryPoint": "train.py",
        "modelUploadUri": str(output),
        "hyperparameterSpecList": [spec("x", "double", "0", "1")],
        "metricList": [{"name": "loss"}, {"name": "accuracy"}],
        "objectiveMetric": {"name": "loss"},
        "objectiveTypeCode": "MINIMIZE",
        "tuningStrategyName": "RANDOM",
        "tuningStrategyRandomState": 7,
        **extra,
    }


def run(client: EasyMakerClient, payload: dict, timeout: float = 120) -> tuple[dict, list[dict]]:
    tuning = client.tuning_handle(client.create_tuning(payload)).wait(timeout=timeout, poll=0.1)
    return tuning.data, client.trials(tuning.id)


def test_goal_reached_ends_the_tuning_early(client, source, tmp_path):
    payload = body(client, "goal", source, tmp_path / "out", objectiveGoal=3.0, maxTrialCount=8, parallelTrialCount=1)
    tuning, trials = run(client, payload)
    assert (tuning["hyperparameterTuningStatusCode"], tuning["hyperparameterTuningStatusReason"]) == (
        "COMPLETE", "GoalReached")  # fmt: skip
    assert len(trials) == 1, "the first trial's loss (x + 1/3 <= 1.34) already reaches the goal"
    best = tuning["optimalTrial"]
    assert best["trialId"] == trials[0]["trialId"] and best["trialStatusCode"] == "SUCCEEDED"
    x = float(best["hyperparameterList"][0]["parameterValue"])
    assert best["objectiveMetricValue"] == pytest.approx(x + 1 / 3), "min strategy: the lowest loss reported"
    assert {m["trialMetricName"] for m in best["trialMetricList"]} == {"loss", "accuracy"}
    assert Path(best["modelUploadUri"]) == tmp_path / "out" / best["trialName"]
    assert (Path(best["modelUploadUri"]) / "model.txt").read_text() == str(x), "each trial uploads its own model"
    assert tuning["completedTrialCount"] == tuning["successfulTrialCount"] == 1 and tuning["runningTrialCount"] == 0
    assert tuning["tensorboardAccessPath"] == f"hyperparameter-tunings/{tuning['hyperparameterTuningId']}/tensorboard"
    assert Path(best["tensorboardLogDir"]).parent == Path(tuning["tensorboardLogDir"])
    assert Path(best["tensorboardLogDir"]).name == best["trialId"]
    assert (Path(tuning["tensorboardLogDir"]) / best["trialId"] / "events.txt").read_text() == "board"


def test_max_trials_with_parallel_trials(client, source, tmp_path):
    payload = body(
        client,
        "max-trials",
        source,
        tmp_path / "out",
        maxTrialCount=3,
        parallelTrialCount=2,
        hyperparameterSpecList=[spec("x", "double", "0", "1"), spec("y", "categorical", values="near,far")],
    )
    tuning, trials = run(client, payload)
    assert (tuning["hyperparameterTuningStatusCode"], tuning["hyperparameterTuningStatusReason"]) == (
        "COMPLETE", "MaxTrialsReached")  # fmt: skip
    assert [t["trialStatusCode"] for t in trials] == ["SUCCEEDED"] * 3
    assert tuning["successfulTrialCount"] == 3 and tuning["elapsedTimeSeconds"] >= 0
    best = min(trials, key=lambda t: t["objectiveMetricValue"])
    assert tuning["optimalTrialId"] == best["trialId"]
    names = {t["trialName"] for t in trials}
    assert len(names) == 3 and all(n.startswith("max-trials-") and len(n) == len("max-trials-") + 8 for n in names)
    trial_ids = {t["trialId"] for t in trials}
    assert not trial_ids & {t["trainingId"] for t in client.trainings()}, "trials stay out of the training list"
    training = client.training(trials[0]["trainingId"])
    assert training["hyperparameterTuningId"] == tuning["hyperparameterTuningId"]
    given = {p["parameterName"]: p["parameterValue"] for p in training["hyperparameterList"]}
    assert given == {p["parameterName"]: p["parameterValue"] for p in trials[0]["hyperparameterList"]}
    # its trials' log records, found by the tuning (the guide's hyperparameterTuningId log field)
    records = client.find_logs(hyperparameter_tuning_id=tuning["hyperparameterTuningId"], limit=10000)
    assert {r["trainingId"] for r in records} == {t["trainingId"] for t in trials}
    assert all(r["hyperparameterTuningId"] == tuning["hyperparameterTuningId"] for r in records)


def test_grid_runs_every_combination_then_ends(client, source, tmp_path):
    grid = [spec("x", "double", "0.1", "0.35", step="0.1"), spec("y", "categorical", values="near,far")]
    payload = body(client, "grid", source, tmp_path / "out", tuningStrategyName="GRID", parallelTrialCount=2,
                   hyperparameterSpecList=grid, metricList=[{"name": "loss", "strategy": "latest"}])  # fmt: skip
    tuning, trials = run(client, payload)
    assert (tuning["hyperparameterTuningStatusCode"], tuning["hyperparameterTuningStatusReason"]) == (
        "COMPLETE", "SuggestionEndReached")  # fmt: skip
    tried = sorted(tuple(p["parameterValue"] for p in t["hyperparameterList"]) for t in trials)
    assert tried == sorted(itertools.product(["0.1", "0.2", "0.3"], ["near", "far"])), "Katib's grid: max by step"
    for trial in trials:
        x, y = (p["parameterValue"] for p in trial["hyperparameterList"])
        expected = float(x) + (y == "far") + 1 / 3
        assert trial["objectiveMetricValue"] == pytest.approx(expected), "strategy latest: the last loss reported"
    assert tuning["optimalTrial"]["hyperparameterList"] == [
        {"parameterName": "x", "parameterValue": "0.1"}, {"parameterName": "y", "parameterValue": "near"}]  # fmt: skip


def test_max_failed_trials_fails_the_tuning(client, source, tmp_path):
    payload = body(client, "fails", source, tmp_path / "out", maxTrialCount=5, maxFailedTrialCount=1,
                   hyperparameterSpecList=[spec("mode", "categorical", values="fail,silent")])  # fmt: skip
    tuning, trials = run(client, payload)
    assert tuning["hyperparameterTuningStatusCode"] == "FAIL HYPERPARAMETER TUNING"
    assert tuning["hyperparameterTuningStatusReason"] == "MaxFailedTrialsReached"
    assert len(trials) == 2, "Katib fails the experiment once failed trials exceed maxFailedTrialCount"
    statuses = {t["hyperparameterList"][0]["parameterValue"]: t["trialStatusCode"] for t in trials}
    for mode, status in statuses.items():
        assert status == {"fail": "FAILED", "silent": "METRICS_UNAVAILABLE"}[mode]
    assert tuning["failedTrialCount"] == 2 and tuning["optimalTrial"] is None


def _seed_putting_last(space: list[dict], values: list[str], wanted: str) -> int:
    """A random state whose grid order tries `wanted` after the others (so the rule exists when it starts)."""
    params = parse_space(space)
    for seed in range(100):
        order = [s.params["x"] for s in suggest("GRID", params, seed, False, [], len(values))]
        if order[-1] == wanted:
            return seed
    raise AssertionError("no seed found")


def test_median_stopping_stops_a_plainly_bad_trial(client, source, tmp_path):
    grid = [spec("x", "discrete", values="1,2,100")]
    seed = _seed_putting_last(grid, ["1", "2", "100"], "100")
    payload = body(client, "median", source, tmp_path / "out", tuningStrategyName="GRID", parallelTrialCount=1,
                   hyperparameterSpecList=grid, tuningStrategyRandomState=seed, earlyStoppingAlgorithm="MEDIAN",
                   earlyStoppingMinTrialCount=2, earlyStoppingStartStep=2)  # fmt: skip
    tuning, trials = run(client, payload)
    by_x = {t["hyperparameterList"][0]["parameterValue"]: t for t in trials}
    assert by_x["1"]["trialStatusCode"] == by_x["2"]["trialStatusCode"] == "SUCCEEDED"
    bad = by_x["100"]
    assert bad["trialStatusCode"] == "EARLY_STOPPED", bad
    # Katib's rule value: the mean of each succeeded trial's average over its first start_step (2) losses
    assert bad["earlyStoppingRuleValue"] == pytest.approx(((1 + 1 + 1 + 0.5) / 2 + (2 + 1 + 2 + 0.5) / 2) / 2)
    losses = [m for m in client.metrics(bad["trainingId"], ["loss"])["metricList"]]
    assert 2 <= len(losses) < 40, "stopped soon after start_step, long before its 40 steps"
    assert (tuning["hyperparameterTuningStatusCode"], tuning["hyperparameterTuningStatusReason"]) == (
        "COMPLETE", "SuggestionEndReached")  # fmt: skip
    assert tuning["earlyStoppedTrialCount"] == 1 and tuning["optimalTrial"]["hyperparameterList"][0][
        "parameterValue"] == "1"  # fmt: skip


def test_stop_mid_run_kills_running_trials_then_copy_and_delete(client, source, tmp_path):
    payload = body(client, "stopped", source, tmp_path / "out", parallelTrialCount=2, maxTrialCount=4,
                   hyperparameterSpecList=[spec("mode", "categorical", values="sleep")])  # fmt: skip
    tuning = client.tuning_handle(client.create_tuning(payload))
    deadline = time.monotonic() + 60
    while [t["trialStatusCode"] for t in client.trials(tuning.id)] != ["RUNNING", "RUNNING"]:
        assert time.monotonic() < deadline, client.trials(tuning.id)
        time.sleep(0.1)
    with pytest.raises(ApiError) as refused:
        client.delete_tuning(tuning.id)
    assert refused.value.status == 409 and "stop it first" in str(refused.value)
    assert tuning.stop().status == "STOP IN PROGRESS"
    tuning.wait(timeout=60, poll=0.1)
    assert tuning.status == "STOPPED"
    assert [t["trialStatusCode"] for t in tuning.trials(records=True)] == ["KILLED", "KILLED"]
    frame = tuning.trials()
    assert list(frame["trialStatusCode"]) == ["KILLED", "KILLED"] and list(frame["mode"]) == ["sleep", "sleep"]

    copied = client.copy_tuning(tuning.id, max_trial_count=2)
    assert copied["hyperparameterTuningName"] == "stopped-copy" and copied["maxTrialCount"] == 2
    assert copied["hyperparameterSpecList"] == tuning.data["hyperparameterSpecList"]
    client.stop_tuning(copied["hyperparameterTuningId"])
    client.wait_tuning(copied["hyperparameterTuningId"], timeout=60, poll=0.1)
    trial_ids = [t["trialId"] for t in client.trials(tuning.id)]
    client.delete_tuning(tuning.id)
    with pytest.raises(ApiError) as missing:
        client.tuning(tuning.id)
    assert missing.value.status == 404
    with pytest.raises(ApiError):
        client.training(trial_ids[0])
    assert not Path(tuning.data["tensorboardLogDir"]).exists()
    client.delete_tuning(copied["hyperparameterTuningId"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tuningStrategyName": "GRID"}, "hyperparameterSpecList[0].hyperparameterStep"),
        ({"tuningStrategyName": "GRID", "maxTrialCount": 4,
          "hyperparameterSpecList": [spec("x", "int", "1", "3")]}, "maxTrialCount"),
        ({"tuningStrategyName": "GRID", "hyperparameterSpecList": [spec("x", "int", "0", "1000000000")]},
         "hyperparameterSpecList"),
        ({"hyperparameterSpecList": [spec("x", "double", "nan", "1")]},
         "hyperparameterSpecList[0].hyperparameterMinValue"),
        ({"maxTrialCount": 2, "parallelTrialCount": 3}, "parallelTrialCount"),
        ({"maxTrialCount": 2, "maxFailedTrialCount": 3}, "maxFailedTrialCount"),
        ({"objectiveMetric": {"name": "val_loss"}}, "objectiveMetric"),
        ({"objectiveMetric": None}, "objectiveMetric"),
        ({"tuningStrategyName": None}, "tuningStrategyName"),
        ({"tuningStrategyName": "HYPERBAND"}, "tuningStrategyName"),
        ({"hyperparameterSpecList": [spec("x", "double", "1", "0")]},
         "hyperparameterSpecList[0].hyperparameterMaxValue"),
        ({"hyperparameterSpecList": [spec("x", "discrete", values="a,b")]},
         "hyperparameterSpecList[0].hyperparameterSpecifiedValues"),
        ({"earlyStoppingAlgorithm": "MEDIAN", "earlyStoppingStartStep": 0}, "earlyStoppingStartStep"),
        ({"metricList": [{"name": "loss", "strategy": "average"}]}, "metricList[0].strategy"),
        ({"instanceCount": 3, "parallelTrialCount": 2}, "instanceCount"),
        ({"entryPoint": "missing.py"}, "entryPoint"),
    ],
)  # fmt: skip
def test_invalid_tunings_name_the_field_and_leave_nothing(api, client, source, tmp_path, change, field):
    payload = {**body(client, "refused", source, tmp_path / "out"), **change}
    payload = {k: v for k, v in payload.items() if v is not None}
    status, answer = api.call("POST", "/hyperparameter-tunings", json=payload)
    assert status == 400, answer
    assert field in [e["field"] for e in answer["errorList"]], answer
    assert not client.tunings(name="refused")


def test_names_are_unique_per_appkey(api, client, source, tmp_path):
    payload = body(client, "unique", source, tmp_path / "out", maxTrialCount=1)
    first = client.create_tuning(payload)
    status, answer = api.call("POST", "/hyperparameter-tunings", json=payload)
    assert status == 409 and "already exists" in answer["header"]["resultMessage"]
    done = client.wait_tuning(first["hyperparameterTuningId"], timeout=60, poll=0.1)
    assert client.find_tuning("unique")["hyperparameterTuningId"] == done["hyperparameterTuningId"]
    status, answer = api.call("PUT", f"/hyperparameter-tunings/{done['hyperparameterTuningId']}/stop")
    assert status == 409 and "only a tuning that is" in answer["header"]["resultMessage"]
    status, answer = api.call("DELETE", f"/trainings/{client.trials(done['hyperparameterTuningId'])[0]['trialId']}")
    assert status == 409 and "deleted with its tuning" in answer["header"]["resultMessage"]
    experiment = done["experiment"]["experimentId"]
    status, answer = api.call("DELETE", f"/experiments/{experiment}")
    assert status == 409


def test_answers_match_the_openapi_document(client, source, tmp_path):
    from test_openapi import CHECKED_IN, check_object

    paths = CHECKED_IN["paths"]
    prefix = "/easymaker/v1.0/appkeys/{appkey}/hyperparameter-tunings"
    ok = {"isSuccessful": True, "resultCode": 0, "resultMessage": "SUCCESS"}

    def schema(template: str, status: str = "200") -> dict:
        return paths[prefix + template]["get" if status == "200" else "post"]["responses"][status]["content"][
            "application/json"]["schema"]  # fmt: skip

    created = client.create_tuning(body(client, "documented", source, tmp_path / "out", maxTrialCount=2))
    check_object({"header": ok, "hyperparameterTuning": created}, schema("", "201"), "POST")
    tuning_id = created["hyperparameterTuningId"]
    done = client.wait_tuning(tuning_id, timeout=60, poll=0.1)
    check_object({"header": ok, "hyperparameterTuning": done}, schema("/{hyperparameterTuningId}"), "GET one")
    check_object(done["optimalTrial"], CHECKED_IN["components"]["schemas"]["Trial"], "optimalTrial")
    check_object(done, CHECKED_IN["components"]["schemas"]["HyperparameterTuning"], "tuning")
    for trial in client.trials(tuning_id):
        check_object(trial, CHECKED_IN["components"]["schemas"]["Trial"], "trial")
        check_object(client.training(trial["trainingId"]), CHECKED_IN["components"]["schemas"]["Training"], "work")
    listed = {"header": ok, "hyperparameterTuningList": client.tunings(), "paging": {"totalCount": 1}}
    check_object(listed, schema(""), "GET list")


def test_a_template_fills_the_training_settings(client, source, tmp_path):
    full = body(client, "unused", source, tmp_path / "out")
    template = client.create_template(
        "tuning-template", imageId=full["imageId"], flavorId=full["flavorId"], sourceDirUri=str(source),
        entryPoint="train.py", modelUploadUri=str(tmp_path / "tpl-out"),
        hyperparameterList=[{"parameterName": "y", "parameterValue": "far"}],
    )  # fmt: skip
    tuning = client.create_tuning(
        hyperparameter_tuning_name="from-template", experiment_name="tuning-tests",
        training_template_id=template["trainingTemplateId"], hyperparameter_spec_list=[spec("x", "int", "1", "1")],
        objective_metric={"name": "loss"}, objective_type_code="MINIMIZE", tuning_strategy_name="SOBOL",
        max_trial_count=1,
    )  # fmt: skip
    assert tuning["trainingTemplateId"] == template["trainingTemplateId"] and tuning["entryPoint"] == "train.py"
    done = client.wait_tuning(tuning["hyperparameterTuningId"], timeout=60, poll=0.1)
    best = done["optimalTrial"]
    assert best["hyperparameterList"] == [{"parameterName": "x", "parameterValue": "1"}]
    assert best["objectiveMetricValue"] == pytest.approx(1 + 1 + 1 / 3), "the template's fixed y=far reached it"
    assert best["modelUploadUri"].startswith(str(tmp_path / "tpl-out"))
    # the SDK's TuningStrategy enum has no SOBOL: leave none on the shared server for the SDK tests' listings
    client.delete_tuning(tuning["hyperparameterTuningId"])


SKLEARN_TRIAL = """
import argparse, os, joblib
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
parser = argparse.ArgumentParser()
parser.add_argument("--c", type=float)
args, _ = parser.parse_known_args()
X, y = load_iris(return_X_y=True)
model = LogisticRegression(C=args.c, max_iter=500).fit(X, y)
print(f"accuracy={model.score(X, y)}")
joblib.dump(model, os.path.join(os.environ["EM_MODEL_DIR"], "model.joblib"))
"""


def test_a_model_from_the_best_trial_of_a_complete_tuning(api, client, tmp_path):
    source = write_script(tmp_path / "sk", SKLEARN_TRIAL)
    payload = body(client, "tuning-to-model", source, tmp_path / "models", tuningStrategyName="GRID",
                   hyperparameterSpecList=[spec("c", "discrete", values="0.001,10")], maxTrialCount=2,
                   metricList=[{"name": "accuracy"}], objectiveMetric={"name": "accuracy"},
                   objectiveTypeCode="MAXIMIZE")  # fmt: skip
    created = client.create_tuning(payload)
    status, early = api.call(
        "POST",
        "/models",
        json={
            "modelName": "too-early",
            "modelFormatCode": "SKLEARN",
            "hyperparameterTuningId": created["hyperparameterTuningId"],
        },
    )
    if status == 400:  # still running: a model comes only from a COMPLETE tuning
        assert early["errorList"][0]["field"] == "hyperparameterTuningId" and "COMPLETE" in early["errorList"][0][
            "message"]  # fmt: skip
    tuning = client.tuning_handle(created).wait(timeout=180)
    assert tuning.status == "COMPLETE", tuning.data
    best = tuning.best_trial
    assert [p["parameterValue"] for p in best["hyperparameterList"]] == ["10"]  # the larger C fits iris better
    model = api.post("/models", {"modelName": "from-tuning", "modelFormatCode": "SKLEARN",
                                 "hyperparameterTuningId": tuning.id})["model"]  # fmt: skip
    assert model["modelStatusCode"] == "ACTIVE", model
    assert model["modelUploadUri"] == best["modelUploadUri"]
    assert model["hyperparameterTuning"]["trialName"] == best["trialName"]
    status, refused = api.call("DELETE", f"/hyperparameter-tunings/{tuning.id}")  # the guide: model first
    assert status == 409 and "while a model made from it exists ('from-tuning')" in refused["header"]["resultMessage"]
    api.delete(f"/models/{model['modelId']}")
    api.delete(f"/hyperparameter-tunings/{tuning.id}")
