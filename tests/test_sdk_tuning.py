"""Hyperparameter tuning with the public `easymaker` SDK (PyPI 2.1.5), unchanged, pointed at this server."""

from __future__ import annotations

import pytest
from conftest import write_script
from easymaker.common.exceptions import EasyMakerError

IMAGE, FLAVOR = "Ubuntu 22.04 CPU PyTorch Training", "m2.c2m4"
SCRIPT = """
import argparse, os, sys, time
parser = argparse.ArgumentParser()
parser.add_argument("--learning_rate", type=float)
parser.add_argument("--epochs", type=int)
parser.add_argument("--optimizer")
args, _ = parser.parse_known_args()
if args.optimizer == "broken":
    sys.exit(1)
if args.optimizer == "slow":
    time.sleep(600)
for epoch in range(args.epochs):
    print(f"epoch={epoch} val_loss={abs(args.learning_rate - 0.03) + 1 / (epoch + 1)}", flush=True)
"""


def specs(sdk, optimizers: str) -> list:
    return [
        sdk.HyperparameterSpec(hyperparameter_name="learning_rate",
                               hyperparameter_type_code=sdk.HyperparameterTypeCode.DOUBLE,
                               hyperparameter_min_value="0.01", hyperparameter_max_value="0.05"),
        sdk.HyperparameterSpec(hyperparameter_name="epochs", hyperparameter_type_code=sdk.HyperparameterTypeCode.INT,
                               hyperparameter_min_value="2", hyperparameter_max_value="4"),
        sdk.HyperparameterSpec(hyperparameter_name="optimizer",
                               hyperparameter_type_code=sdk.HyperparameterTypeCode.CATEGORICAL,
                               hyperparameter_specified_values=optimizers),
    ]  # fmt: skip


def run(sdk, tmp_path, name: str, optimizers: str = "sgd,adam", **extra):
    source = write_script(tmp_path / "src", SCRIPT)
    experiment = sdk.Experiment().create(experiment_name="sdk-tuning")
    settings = {
        "experiment_id": experiment.experiment_id, "hyperparameter_tuning_name": name, "image_name": IMAGE,
        "instance_type_name": FLAVOR, "source_dir_uri": str(source), "entry_point": "train.py",
        "model_upload_uri": str(tmp_path / "model"), "hyperparameter_spec_list": specs(sdk, optimizers),
        "metric_list": [sdk.Metric(name="val_loss"), sdk.Metric(name="epoch")], "objective_metric_name": "val_loss",
        "objective_type_code": sdk.ObjectiveTypeCode.MINIMIZE, "tuning_strategy_random_state": 1, "timeout_hours": 1,
        **extra,
    }  # fmt: skip
    return sdk.HyperparameterTuning().run(**settings)


def test_bayesian_tuning_runs_to_max_trials_with_median_stopping(sdk, tmp_path):
    tuning = run(
        sdk, tmp_path, "sdk-bayes", parallel_trial_count=2, distributed_node_count=1, max_trial_count=4,
        max_failed_trial_count=2, tuning_strategy_name=sdk.TuningStrategy.BAYESIAN_OPTIMIZATION,
        early_stopping_algorithm=sdk.EarlyStoppingAlgorithm.MEDIAN, early_stopping_min_trial_count=2,
        early_stopping_start_step=1, description="from the SDK",
    )  # fmt: skip
    assert tuning.hyperparameter_tuning_status_code == "COMPLETE"
    assert tuning.hyperparameter_tuning_status_reason == "MaxTrialsReached"
    fetched = sdk.HyperparameterTuning(tuning.hyperparameter_tuning_id)
    assert fetched.tuning_strategy_name == sdk.TuningStrategy.BAYESIAN_OPTIMIZATION
    assert fetched.early_stopping_algorithm == sdk.EarlyStoppingAlgorithm.MEDIAN
    assert fetched.parallel_trial_count == 2 and fetched.instance_count == 2 and fetched.max_trial_count == 4
    assert [m.name for m in fetched.metric_list] == [
        "val_loss",
        "epoch",
    ] and fetched.objective_metric_name == "val_loss"
    assert fetched.successful_trial_count + fetched.failed_trial_count <= 4 and fetched.running_trial_count == 0
    best = fetched.optimal_trial
    assert best.trial_status_code in ("SUCCEEDED", "EARLY_STOPPED") and fetched.optimal_trial_id == best.trial_id
    assert {p.parameter_name for p in best.hyperparameter_list} == {"learning_rate", "epochs", "optimizer"}
    loss = next(m for m in best.trial_metric_list if m.trial_metric_name == "val_loss")
    assert float(loss.trial_metric_min_value) <= float(loss.trial_metric_latest_value)
    assert fetched.experiment.experiment_name == "sdk-tuning" and fetched.instance_type.name == FLAVOR
    assert fetched.tensorboard_access_path.endswith("/tensorboard")
    listed = sdk.HyperparameterTuning.get_list()
    assert tuning.hyperparameter_tuning_id in [t.hyperparameter_tuning_id for t in listed]
    sdk.HyperparameterTuning(tuning.hyperparameter_tuning_id).delete()
    assert tuning.hyperparameter_tuning_id not in [
        t.hyperparameter_tuning_id for t in sdk.HyperparameterTuning.get_list()
    ]


def test_failed_trials_fail_the_tuning_and_wait_raises(sdk, tmp_path):
    with pytest.raises(EasyMakerError, match="FAIL HYPERPARAMETER TUNING"):
        run(sdk, tmp_path, "sdk-broken", optimizers="broken", max_trial_count=3, max_failed_trial_count=0,
            tuning_strategy_name=sdk.TuningStrategy.RANDOM)  # fmt: skip
    failed = sdk.HyperparameterTuning.get_list()
    tuning = next(t for t in failed if t.hyperparameter_tuning_name == "sdk-broken")
    assert tuning.failed_trial_count == 1 and tuning.hyperparameter_tuning_status_reason == "MaxFailedTrialsReached"


def test_grid_from_the_sdk_refuses_doubles_without_step(sdk, tmp_path):
    with pytest.raises(EasyMakerError, match=r"hyperparameterSpecList\[0\].hyperparameterStep"):
        run(sdk, tmp_path, "sdk-grid", tuning_strategy_name=sdk.TuningStrategy.GRID)


def test_stop_from_the_sdk(sdk, tmp_path):
    tuning = run(sdk, tmp_path, "sdk-stop", optimizers="slow", max_trial_count=2, wait=False,
                 tuning_strategy_name=sdk.TuningStrategy.GRID.RANDOM)  # fmt: skip
    tuning.stop()
    with pytest.raises(EasyMakerError, match="STOP"):
        tuning.wait()
    assert sdk.HyperparameterTuning(tuning.hyperparameter_tuning_id).hyperparameter_tuning_status_code in (
        "STOP IN PROGRESS", "STOPPED")  # fmt: skip
