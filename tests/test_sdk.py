"""The public `easymaker` SDK (PyPI 2.1.5), unchanged, pointed at this server with EM_API_URL."""

from __future__ import annotations

import easymaker
import pytest
from conftest import write_script
from easymaker.common.exceptions import EasyMakerError

OBS = "obs://kr1-api-object-storage.nhncloudservice.com/v1/AUTH_tenant/container"


@pytest.fixture
def bucket(shared_server):
    root = shared_server.data_dir / "object-storage" / OBS.removeprefix("obs://")
    root.mkdir(parents=True, exist_ok=True)
    return root


def test_catalog(sdk):
    images = sdk.Training.get_image_list()
    assert "Ubuntu 22.04 CPU PyTorch Training" in [i.image_name for i in images]
    assert all(i.image_id for i in images)
    flavors = sdk.Training.get_instance_type_list()
    assert "m2.c4m8" in [f.name for f in flavors]
    algorithms = sdk.Training.get_algorithm_list()
    assert {"Image Classification", "Semantic Segmentation", "Object Detection"} <= {
        a.algorithm_name for a in algorithms
    }
    assert all(a.cpu_training_image_name for a in algorithms), "the SDK resolves each algorithm's image by id"


def test_experiment_create_is_idempotent_by_name(sdk):
    first = sdk.Experiment().create(experiment_name="sdk-exp", description="from the SDK")
    assert first.experiment_status_code == "ACTIVE"
    again = sdk.Experiment().create(experiment_name="sdk-exp")
    assert again.experiment_id == first.experiment_id
    assert "sdk-exp" in [e.experiment_name for e in sdk.Experiment.get_list()]
    sdk.Experiment(first.experiment_id).delete()
    assert "sdk-exp" not in [e.experiment_name for e in sdk.Experiment.get_list()]


def test_training_run_wait_list_delete(sdk, bucket):
    write_script(bucket / "algo", """
import os, argparse
parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int)
parser.add_argument("--batch-size", type=int)
args, _ = parser.parse_known_args()
train = open(os.path.join(os.environ["EM_DATASET_TRAIN"], "train.csv")).read()
for epoch in range(args.epochs):
    print(f"epoch={epoch} loss={1 / (epoch + 1)}")
open(os.path.join(os.environ["EM_MODEL_DIR"], "model.txt"), "w").write(f"{train.strip()} {args.batch_size}")
""")  # fmt: skip
    (bucket / "data" / "train").mkdir(parents=True, exist_ok=True)
    (bucket / "data" / "train" / "train.csv").write_text("rows")
    experiment = sdk.Experiment().create(experiment_name="sdk-train")
    training = sdk.Training().run(
        experiment_id=experiment.experiment_id,
        training_name="sdk-training",
        description="run by the SDK",
        image_name="Ubuntu 22.04 CPU PyTorch Training",
        instance_type_name="m2.c4m8",
        distributed_node_count=1,
        data_storage_size=300,
        source_dir_uri=f"{OBS}/algo",
        entry_point="train.py",
        hyperparameter_list=[
            sdk.Parameter(parameter_name="epochs", parameter_value="3"),
            sdk.Parameter(parameter_name="batch-size", parameter_value="30"),
        ],
        timeout_hours=1,
        model_upload_uri=f"{OBS}/model",
        dataset_list=[sdk.Dataset(dataset_name="train", data_uri=f"{OBS}/data/train")],
        use_log=True,
    )
    assert training.training_status_code == "COMPLETE"
    assert (bucket / "model" / "model.txt").read_text() == "rows 30"
    fetched = sdk.Training(training.training_id)
    assert fetched.training_name == "sdk-training" and fetched.instance_type.name == "m2.c4m8"
    assert fetched.experiment.experiment_id == experiment.experiment_id
    assert [p.parameter_value for p in fetched.hyperparameter_list] == ["3", "30"]
    assert fetched.timeout_minutes == 60 and fetched.image.image_name == "Ubuntu 22.04 CPU PyTorch Training"
    assert training.training_id in [t.training_id for t in sdk.Training.get_list()]
    with pytest.raises(EasyMakerError):
        sdk.Experiment(experiment.experiment_id).delete()  # it still holds a training
    sdk.Training(training.training_id).delete()
    assert training.training_id not in [t.training_id for t in sdk.Training.get_list()]
    sdk.Experiment(experiment.experiment_id).delete()


def test_failed_training_raises_from_wait(sdk, tmp_path):
    source = write_script(tmp_path / "src", "raise SystemExit(2)\n")
    experiment = sdk.Experiment().create(experiment_name="sdk-fail")
    with pytest.raises(EasyMakerError, match="FAIL TRAIN"):
        sdk.Training().run(
            experiment_id=experiment.experiment_id, training_name="sdk-fails",
            image_name="Ubuntu 22.04 CPU PyTorch Training", instance_type_name="m2.c2m4",
            source_dir_uri=str(source), entry_point="train.py", model_upload_uri=str(tmp_path / "out"),
        )  # fmt: skip


def test_stop_from_the_sdk(sdk, tmp_path):
    source = write_script(tmp_path / "src", "import time\ntime.sleep(600)\n")
    experiment = sdk.Experiment().create(experiment_name="sdk-stop")
    training = sdk.Training().run(
        experiment_id=experiment.experiment_id, training_name="sdk-stopped",
        image_name="Ubuntu 22.04 CPU PyTorch Training", instance_type_name="m2.c2m4",
        source_dir_uri=str(source), entry_point="train.py", model_upload_uri=str(tmp_path / "out"), wait=False,
    )  # fmt: skip
    training.stop()
    with pytest.raises(EasyMakerError, match="STOP"):
        training.wait()
    assert sdk.Training(training.training_id).training_status_code in ("STOP IN PROGRESS", "STOPPED")


def test_bad_input_reaches_the_user_with_the_field(sdk, tmp_path):
    with pytest.raises(EasyMakerError) as caught:
        sdk.Training().run(
            experiment_id="does-not-exist", training_name="sdk-bad",
            image_name="Ubuntu 22.04 CPU PyTorch Training", instance_type_name="m2.c2m4",
            source_dir_uri=str(tmp_path), entry_point="train.py", model_upload_uri=str(tmp_path / "out"),
        )  # fmt: skip
    assert "entryPoint" in str(caught.value) or "experimentId" in str(caught.value)


def test_wrong_token_is_refused(shared_server, monkeypatch):
    monkeypatch.setenv("EM_API_URL", f"{shared_server.url}easymaker")
    easymaker.init(appkey="local", region="kr1", access_token="wrong")
    with pytest.raises(EasyMakerError):
        easymaker.Experiment.get_list()
