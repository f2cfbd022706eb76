"""The catalog: images, instance types and algorithms, exactly as the guides and as the SDK reads them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from easymaker.common import utils as sdk_utils
from easymaker.common.image import Image as SdkImage
from easymaker.common.instance_type import InstanceType as SdkInstanceType
from easymaker.training.components import Algorithm as SdkAlgorithm

from jupyter_easymaker.resources import catalog
from jupyter_easymaker.resources.catalog import (
    ALGORITHMS,
    DEFAULT_IMAGES,
    DEFAULT_INSTANCE_TYPES,
    image_from_config,
    images_for_group,
    instance_type_from_config,
    validate_datasets,
    validate_hyperparameters,
)

REFERENCE = Path("/work/shared/reference")
K = "fb34a0a4-kr1-registry.container.nhncloud.com/easymaker"
E = "fb34a0a4-en1-registry.container.nhncloud.com/easymaker"

# Transcribed from console guide > Private Image (name, core, framework, framework version, python version, address)
NOTEBOOK_TABLE = [
    ("Ubuntu 22.04 CPU Python Notebook", "CPU", "PYTHON", "3.10.12", "3.10",
     f"{K}/python-notebook:3.10.12-cpu-py310-ubuntu2204"),
    ("Ubuntu 22.04 GPU Python Notebook", "GPU", "PYTHON", "3.10.12", "3.10",
     f"{K}/python-notebook:3.10.12-gpu-py310-ubuntu2204"),
    ("Ubuntu 22.04 CPU PyTorch Notebook", "CPU", "PYTORCH", "2.0.1", "3.10",
     f"{K}/pytorch-notebook:2.0.1-cpu-py310-ubuntu2204"),
    ("Ubuntu 22.04 GPU PyTorch Notebook", "GPU", "PYTORCH", "2.0.1", "3.10",
     f"{K}/pytorch-notebook:2.0.1-gpu-py310-ubuntu2204"),
    ("Ubuntu 22.04 CPU TensorFlow Notebook", "CPU", "TENSORFLOW", "2.12.0", "3.10",
     f"{K}/tensorflow-notebook:2.12.0-cpu-py310-ubuntu2204"),
    ("Ubuntu 22.04 GPU TensorFlow Notebook", "GPU", "TENSORFLOW", "2.12.0", "3.10",
     f"{E}/tensorflow-notebook:2.12.0-gpu-py310-ubuntu2204"),
]  # fmt: skip
TRAINING_TABLE = [
    ("Ubuntu 22.04 CPU PyTorch Training", "CPU", "PYTORCH", "2.0.1", "3.10",
     f"{K}/pytorch-train:2.0.1-cpu-py310-ubuntu2204"),
    ("Ubuntu 22.04 GPU PyTorch Training", "GPU", "PYTORCH", "2.0.1", "3.10",
     f"{E}/pytorch-train:2.0.1-gpu-py310-ubuntu2204"),
    ("Ubuntu 22.04 CPU TensorFlow Training", "CPU", "TENSORFLOW", "2.12.0", "3.10",
     f"{K}/tensorflow-train:2.12.0-cpu-py310-ubuntu2204"),
    ("Ubuntu 22.04 GPU TensorFlow Training", "GPU", "TENSORFLOW", "2.12.0", "3.10",
     f"{K}/tensorflow-train:2.12.0-gpu-py310-ubuntu2204"),
]  # fmt: skip

# Transcribed from the algorithm guide: name -> (type, default, min) ; every one optional, max ∞
HYPERPARAMETERS = {
    "Image Classification": {
        "input_size": ("int", "28", "4"),
        "learning_rate": ("double", "0.1", "0.0"),
        "per_device_train_batch_size": ("int", "16", "2"),
        "per_device_eval_batch_size": ("int", "16", "1"),
        "num_train_epochs": ("int", "3", "1"),
        "logging_steps": ("int", "500", "500"),
    },
    "Semantic Segmentation": {
        "learning_rate": ("double", "2e-4", "0.0"),
        "per_device_train_batch_size": ("int", "4", "0"),
        "num_train_epochs": ("double", "3.0", "0.0"),
        "logging_steps": ("int", "500", "500"),
    },
    "Object Detection": {
        "learning_rate": ("double", "2e-4", "0.0"),
        "per_device_train_batch_size": ("int", "4", "1"),
        "per_device_eval_batch_size": ("int", "4", "1"),
        "num_train_epochs": ("double", "3.0", "0.0"),
        "logging_steps": ("int", "500", "500"),
    },
}
DATASETS = {
    "Image Classification": {"train": True, "validation": True, "test": False},
    "Semantic Segmentation": {"train": True, "validation": True, "resources": True, "test": False},
    "Object Detection": {"train": True, "validation": True, "test": True},
}


def by_name(name: str) -> catalog.Image:
    image = catalog.find_image(name)
    assert image is not None, name
    return image


def algorithm(name: str) -> catalog.Algorithm:
    found = catalog.find_algorithm(name)
    assert found is not None, name
    return found


# ---------------------------------------------------------------------------------------------------------- images


@pytest.mark.parametrize(
    "row,image_type",
    [(row, "NOTEBOOK") for row in NOTEBOOK_TABLE] + [(row, "TRAINING") for row in TRAINING_TABLE],
    ids=lambda v: v[0] if isinstance(v, tuple) else v,
)
def test_every_guide_image_is_present_exactly(row: tuple[str, ...], image_type: str) -> None:
    name, core, framework, framework_version, python_version, address = row
    image = by_name(name)
    assert image.image_type_code == image_type
    assert image.core_type_code == core
    assert image.framework_code == framework
    assert image.framework_version == framework_version
    assert image.python_version == python_version
    assert image.address == address


def test_guide_images_are_the_two_tables_in_order() -> None:
    assert [i.image_name for i in catalog.GUIDE_IMAGES] == [r[0] for r in NOTEBOOK_TABLE + TRAINING_TABLE]
    assert DEFAULT_IMAGES[: len(catalog.GUIDE_IMAGES)] == catalog.GUIDE_IMAGES


def _guide_tables() -> list[list[str]]:
    text = (REFERENCE / "console-guide.en.md").read_text(encoding="utf-8")
    section = text[text.index("#### Notebook Image") : text.index("### Create Private Image")]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].startswith("Ubuntu"):
            rows.append(cells)
    return rows


@pytest.mark.skipif(not (REFERENCE / "console-guide.en.md").exists(), reason="reference guide not available")
def test_images_match_the_guide_file_itself() -> None:
    rows = _guide_tables()
    assert len(rows) == 10
    for name, core, framework, framework_version, python_version, address in rows:
        image = by_name(name)
        assert (image.core_type_code, image.framework_code) == (core, framework.upper())
        assert (image.framework_version, image.python_version, image.address) == (
            framework_version,
            python_version,
            address,
        )


def test_image_names_and_ids_are_unique() -> None:
    assert len({i.image_name for i in DEFAULT_IMAGES}) == len(DEFAULT_IMAGES)
    assert len({i.image_id for i in DEFAULT_IMAGES}) == len(DEFAULT_IMAGES)
    for image in DEFAULT_IMAGES:
        assert str(uuid.UUID(image.image_id)) == image.image_id
        assert image.image_id == catalog.image_id_for(image.image_name)


def _ids_in_fresh_interpreter() -> dict[str, list[str]]:
    code = (
        "import json; from jupyter_easymaker.resources import catalog as c; print(json.dumps({"
        "'images': [i.image_id for i in c.DEFAULT_IMAGES],"
        "'types': [t.id for t in c.DEFAULT_INSTANCE_TYPES],"
        "'algorithms': [a.algorithm_id for a in c.ALGORITHMS]}))"
    )
    root = str(Path(catalog.__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out)


def test_ids_are_stable_across_imports() -> None:
    first = _ids_in_fresh_interpreter()
    second = _ids_in_fresh_interpreter()
    assert first == second
    assert first["images"] == [i.image_id for i in DEFAULT_IMAGES]
    assert first["types"] == [t.id for t in DEFAULT_INSTANCE_TYPES]
    assert first["algorithms"] == [a.algorithm_id for a in ALGORITHMS]
    # and pinned: a change of namespace would orphan every stored reference
    assert by_name("Ubuntu 22.04 CPU PyTorch Training").image_id == "dd8a4915-4544-523a-96c6-5d6b51af3c2e"


@pytest.mark.parametrize("image", DEFAULT_IMAGES, ids=lambda i: i.image_name)
def test_image_wire_parses_with_the_sdk(image: catalog.Image) -> None:
    wire = image.to_wire()
    json.dumps(wire)
    sdk = SdkImage.model_validate(wire)
    assert sdk.id == image.image_id
    assert sdk.name == image.image_name
    assert sdk.image_type_code == image.image_type_code
    assert sdk.core_type_code == image.core_type_code
    assert sdk.framework_code == image.framework_code
    assert sdk.framework_version == image.framework_version
    assert sdk.python_version == image.python_version
    assert wire["imageAddress"] == image.address
    expected_groups = ["NOTEBOOK"] if image.image_type_code == "NOTEBOOK" else ["TRAINING", "HYPERPARAMETER_TUNING"]
    assert wire["groupTypeCodeList"] == expected_groups


def test_sdk_resolves_image_names_from_the_wire_list() -> None:
    wire = [i.to_wire() for i in images_for_group(DEFAULT_IMAGES, "TRAINING")]
    for name in (
        "Ubuntu 22.04 CPU PyTorch Training",
        "Ubuntu 22.04 GPU TensorFlow Training",
        "Image Classification CPU",
    ):
        assert sdk_utils.from_name_to_id(wire, name, SdkImage) == by_name(name).image_id


def test_images_for_group() -> None:
    training = images_for_group(DEFAULT_IMAGES, "TRAINING")
    notebook = images_for_group(DEFAULT_IMAGES, "NOTEBOOK")
    assert {i.image_name for i in notebook} == {r[0] for r in NOTEBOOK_TABLE}
    assert {r[0] for r in TRAINING_TABLE} <= {i.image_name for i in training}
    assert all(i.image_type_code == "TRAINING" for i in training)
    assert images_for_group(DEFAULT_IMAGES, "HYPERPARAMETER_TUNING") == training
    assert images_for_group(DEFAULT_IMAGES, None) == list(DEFAULT_IMAGES)
    assert images_for_group(DEFAULT_IMAGES, "") == list(DEFAULT_IMAGES)
    assert images_for_group(DEFAULT_IMAGES, "training") == training
    assert images_for_group(DEFAULT_IMAGES, "NOTEBOOK,TRAINING") == list(DEFAULT_IMAGES)
    assert images_for_group(DEFAULT_IMAGES, ["NOTEBOOK"]) == notebook
    assert images_for_group(DEFAULT_IMAGES, "ENDPOINT") == []


# --------------------------------------------------------------------------------------------------- instance types


def test_default_instance_types() -> None:
    specs = {t.name: (t.vcpus, t.ram_mb, t.core_type, t.gpu_count) for t in DEFAULT_INSTANCE_TYPES}
    assert specs == {
        "m2.c2m4": (2, 4096, "CPU", 0),
        "m2.c4m8": (4, 8192, "CPU", 0),
        "m2.c8m16": (8, 16384, "CPU", 0),
        "m2.c16m32": (16, 32768, "CPU", 0),
        "g2.t4.c8m64": (8, 65536, "GPU", 1),
        "g2.t4.c16m128": (16, 131072, "GPU", 2),
    }
    assert len({t.id for t in DEFAULT_INSTANCE_TYPES}) == len(DEFAULT_INSTANCE_TYPES)


@pytest.mark.parametrize("instance_type", DEFAULT_INSTANCE_TYPES, ids=lambda t: t.name)
def test_instance_type_wire_parses_with_the_sdk(instance_type: catalog.InstanceType) -> None:
    wire = instance_type.to_wire()
    sdk = SdkInstanceType.model_validate(wire)
    assert sdk.id == instance_type.id
    assert sdk.name == instance_type.name
    assert sdk.vcpus == instance_type.vcpus
    assert sdk.ram == instance_type.ram_mb
    assert sdk.disk == instance_type.disk_gb
    assert sdk.gpu is (instance_type.core_type == "GPU")
    assert sdk.gpu_count == instance_type.gpu_count
    assert sdk.gpu_memory == instance_type.gpu_memory_mb
    assert wire["coreTypeCode"] == instance_type.core_type


def test_sdk_resolves_instance_type_names() -> None:
    wire = [t.to_wire() for t in DEFAULT_INSTANCE_TYPES]
    assert sdk_utils.from_name_to_id(wire, "m2.c4m8", SdkInstanceType) == catalog.find_instance_type("m2.c4m8").id


def test_instance_type_from_config() -> None:
    t = instance_type_from_config({"name": "big.cpu", "vcpus": 32, "ramMb": 65536, "diskGb": 200})
    assert (t.name, t.vcpus, t.ram_mb, t.disk_gb, t.core_type, t.gpu_count) == ("big.cpu", 32, 65536, 200, "CPU", 0)
    assert t.id == catalog.instance_type_id_for("big.cpu")
    g = instance_type_from_config(
        {"id": "my-id", "name": "a100", "vcpus": "8", "ram": 131072, "disk": 50, "coreType": "gpu", "gpuCount": 1,
         "gpuMemoryMb": 81920}
    )  # fmt: skip
    assert (g.id, g.core_type, g.gpu_count, g.gpu_memory_mb, g.vcpus, g.ram_mb) == ("my-id", "GPU", 1, 81920, 8, 131072)
    inferred = instance_type_from_config({"name": "g", "vcpus": 4, "ramMb": 1024, "gpuCount": 2})
    assert inferred.core_type == "GPU"
    assert SdkInstanceType.model_validate(g.to_wire()).name == "a100"


@pytest.mark.parametrize(
    "config,key",
    [
        ({"vcpus": 2, "ramMb": 1024}, "name"),
        ({"id": "", "name": "x", "vcpus": 2, "ramMb": 1024}, "id"),
        ({"name": "", "vcpus": 2, "ramMb": 1024}, "name"),
        ({"name": 5, "vcpus": 2, "ramMb": 1024}, "name"),
        ({"name": "x", "ramMb": 1024}, "vcpus"),
        ({"name": "x", "vcpus": 0, "ramMb": 1024}, "vcpus"),
        ({"name": "x", "vcpus": "two", "ramMb": 1024}, "vcpus"),
        ({"name": "x", "vcpus": True, "ramMb": 1024}, "vcpus"),
        ({"name": "x", "vcpus": 2}, "ramMb"),
        ({"name": "x", "vcpus": 2, "ram": -1}, "ram"),
        ({"name": "x", "vcpus": 2, "ramMb": 1024, "ram": 1024}, "ramMb"),
        ({"name": "x", "vcpus": 2, "ramMb": 1024, "diskGb": 1.5}, "diskGb"),
        ({"name": "x", "vcpus": 2, "ramMb": 1024, "coreType": "TPU"}, "coreType"),
        ({"name": "x", "vcpus": 2, "ramMb": 1024, "coreType": "GPU"}, "gpuCount"),
        ({"name": "x", "vcpus": 2, "ramMb": 1024, "coreType": "CPU", "gpuCount": 1}, "gpuCount"),
        ({"name": "x", "vcpus": 2, "ramMb": 1024, "gpuCount": -1}, "gpuCount"),
        ({"name": "x", "vcpus": 2, "ramMb": 1024, "gpuMemoryMb": 1024}, "gpuMemoryMb"),
        ({"name": "x", "vcpus": 2, "ramMB": 1024}, "ramMB"),
    ],
)
def test_instance_type_from_config_rejects_bad_input(config: dict, key: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"'{key}'")):
        instance_type_from_config(config)


def test_instance_type_from_config_rejects_non_mapping() -> None:
    with pytest.raises(ValueError, match="mapping"):
        instance_type_from_config(["name", "x"])  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------- extra images

GOOD_IMAGE = {
    "imageName": "My PyTorch Training",
    "imageTypeCode": "training",
    "coreTypeCode": "GPU",
    "frameworkCode": "PyTorch",
    "frameworkVersion": "2.1.0",
    "pythonVersion": "3.11",
    "imageAddress": "example-kr1-registry.container.nhncloud.com/registry/custom-training:v1",
}


def test_image_from_config() -> None:
    image = image_from_config(GOOD_IMAGE)
    assert image.image_name == "My PyTorch Training"
    assert (image.image_type_code, image.core_type_code, image.framework_code) == ("TRAINING", "GPU", "PYTORCH")
    assert (image.framework_version, image.python_version) == ("2.1.0", "3.11")
    assert image.address == GOOD_IMAGE["imageAddress"]
    assert image.image_id == catalog.image_id_for("My PyTorch Training")
    assert image_from_config({**GOOD_IMAGE, "imageId": "fixed"}).image_id == "fixed"
    assert SdkImage.model_validate(image.to_wire()).name == "My PyTorch Training"
    assert image in images_for_group([image], "TRAINING")
    assert images_for_group([image], "NOTEBOOK") == []


@pytest.mark.parametrize(
    "change,key",
    [
        ({"imageName": None}, "imageName"),
        ({"imageName": "  "}, "imageName"),
        ({"imageTypeCode": "ENDPOINT"}, "imageTypeCode"),
        ({"imageTypeCode": None}, "imageTypeCode"),
        ({"coreTypeCode": "NPU"}, "coreTypeCode"),
        ({"frameworkCode": "JAX"}, "frameworkCode"),
        ({"frameworkCode": 3}, "frameworkCode"),
        ({"frameworkVersion": None}, "frameworkVersion"),
        ({"pythonVersion": 3.10}, "pythonVersion"),
        ({"imageAddress": 42}, "imageAddress"),
        ({"address": "x"}, "imageAddress"),
        ({"framework": "PYTORCH"}, "framework"),
    ],
)
def test_image_from_config_rejects_bad_input(change: dict, key: str) -> None:
    config = {k: v for k, v in {**GOOD_IMAGE, **change}.items() if v is not None}
    with pytest.raises(ValueError, match=re.escape(f"'{key}'")):
        image_from_config(config)


# ------------------------------------------------------------------------------------------------------- algorithms


def test_algorithm_names() -> None:
    assert [a.algorithm_name for a in ALGORITHMS] == [
        "Image Classification",
        "Semantic Segmentation",
        "Object Detection",
    ]
    assert len({a.algorithm_id for a in ALGORITHMS}) == 3


@pytest.mark.parametrize("name", list(HYPERPARAMETERS))
def test_algorithm_hyperparameters_match_the_guide(name: str) -> None:
    algo = algorithm(name)
    got = {s.name: (s.type, s.default, s.min) for s in algo.hyperparameters}
    assert got == HYPERPARAMETERS[name]
    assert all(s.max is None and s.is_optional for s in algo.hyperparameters)


@pytest.mark.parametrize("name", list(DATASETS))
def test_algorithm_datasets_match_the_guide(name: str) -> None:
    assert {d.name: d.required for d in algorithm(name).datasets} == DATASETS[name]


def test_algorithm_metrics() -> None:
    assert algorithm("Image Classification").metrics == ("Accuracy", "Precision", "Recall", "F1-Score")
    assert algorithm("Semantic Segmentation").metrics == (
        "mean_iou",
        "mean_accuracy",
        "overall_accuracy",
        "per_category_accuracy",
        "per_category_iou",
    )
    assert algorithm("Object Detection").metrics


def _guide_hyperparameter_rows() -> dict[str, list[list[str]]]:
    text = (REFERENCE / "algorithm-guide.en.md").read_text(encoding="utf-8")
    out: dict[str, list[list[str]]] = {}
    for name in HYPERPARAMETERS:
        start = text.index(f"\n## {name}")
        section = text[start : text.index("### Data Set", start)]
        rows = []
        for line in section.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 6 and cells[1] in ("True", "False"):
                rows.append(cells)
        out[name] = rows
    return out


@pytest.mark.skipif(not (REFERENCE / "algorithm-guide.en.md").exists(), reason="reference guide not available")
def test_hyperparameters_match_the_guide_file_itself() -> None:
    for name, rows in _guide_hyperparameter_rows().items():
        algo = algorithm(name)
        assert [r[0] for r in rows] == [s.name for s in algo.hyperparameters]
        for hp_name, required, value_type, default, valid_range, description in rows:
            spec = algo.hyperparameter(hp_name)
            assert spec is not None
            assert spec.is_optional is (required == "False")
            assert spec.type == {"int": "int", "float": "double"}[value_type]
            assert spec.default == default
            assert valid_range == f"[{spec.min}~∞)"
            assert spec.description == description


@pytest.mark.parametrize("algo", ALGORITHMS, ids=lambda a: a.algorithm_name)
def test_algorithm_wire_parses_with_the_sdk(algo: catalog.Algorithm) -> None:
    wire = algo.to_wire()
    json.dumps(wire)
    sdk = SdkAlgorithm.model_validate(wire)
    assert sdk.id == algo.algorithm_id
    assert sdk.name == algo.algorithm_name
    assert sdk.cpu_training_image_id == algo.cpu_training_image_id
    assert sdk.gpu_training_image_id == algo.gpu_training_image_id
    assert [d["datasetName"] for d in sdk.algorithm_dataset_schema] == [d.name for d in algo.datasets]
    specs = {s.hyperparameter_name: s for s in sdk.hyperparameter_spec_list}
    assert list(specs) == [s.name for s in algo.hyperparameters]
    for spec in algo.hyperparameters:
        parsed = specs[spec.name]
        assert parsed.hyperparameter_type_code.value == spec.type
        assert parsed.hyperparameter_min_value == spec.min
        assert parsed.hyperparameter_max_value is None
        assert parsed.default_value == spec.default
        assert parsed.is_optional is True
    assert wire["metricList"] == [{"name": m} for m in algo.metrics]
    assert wire["description"] == algo.description


@pytest.mark.parametrize("algo", ALGORITHMS, ids=lambda a: a.algorithm_name)
def test_algorithm_training_images_are_pytorch_training_images_in_the_catalog(algo: catalog.Algorithm) -> None:
    training = {i.image_id: i for i in images_for_group(DEFAULT_IMAGES, "TRAINING")}
    cpu, gpu = training[algo.cpu_training_image_id], training[algo.gpu_training_image_id]
    assert (cpu.core_type_code, gpu.core_type_code) == ("CPU", "GPU")
    assert cpu.framework_code == gpu.framework_code == "PYTORCH"
    assert cpu.image_name == f"{algo.algorithm_name} CPU"
    assert cpu.address == by_name("Ubuntu 22.04 CPU PyTorch Training").address
    assert gpu.address == by_name("Ubuntu 22.04 GPU PyTorch Training").address
    assert algo.training_image_id("gpu") == gpu.image_id


def test_sdk_sample_names_resolve() -> None:
    """The SDK's own sample runs an algorithm training with image_name="<Algorithm> CPU"."""
    images = [i.to_wire() for i in DEFAULT_IMAGES]
    algorithms = [a.to_wire() for a in ALGORITHMS]
    for name in ("Image Classification", "Object Detection", "Semantic Segmentation"):
        image_id = sdk_utils.from_name_to_id(images, f"{name} CPU", SdkImage)
        algorithm_id = sdk_utils.from_name_to_id(algorithms, name, SdkAlgorithm)
        assert algorithm(algorithm_id).cpu_training_image_id == image_id


# ------------------------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize("algo", ALGORITHMS, ids=lambda a: a.algorithm_name)
def test_defaults_are_valid(algo: catalog.Algorithm) -> None:
    assert validate_hyperparameters(algo, algo.default_hyperparameters()) == []
    assert validate_hyperparameters(algo, {}) == []
    assert validate_datasets(algo, [d.name for d in algo.datasets]) == []


def test_sdk_sample_hyperparameters_are_valid() -> None:
    ic = {"input_size": "28", "learning_rate": "0.01", "logging_steps": "500", "num_train_epochs": "2",
          "per_device_eval_batch_size": "16", "per_device_train_batch_size": "16"}  # fmt: skip
    od = {"learning_rate": "0.0002", "logging_steps": "500", "num_train_epochs": "2",
          "per_device_eval_batch_size": "4", "per_device_train_batch_size": "4"}  # fmt: skip
    ss = {
        "learning_rate": "0.0002",
        "logging_steps": "500",
        "num_train_epochs": "2",
        "per_device_train_batch_size": "4",
    }
    assert validate_hyperparameters(algorithm("Image Classification"), ic) == []
    assert validate_hyperparameters(algorithm("Object Detection"), od) == []
    assert validate_hyperparameters(algorithm("Semantic Segmentation"), ss) == []


@pytest.mark.parametrize(
    "algo_name,values,bad",
    [
        ("Image Classification", {"input_size": "3"}, "input_size"),
        ("Image Classification", {"per_device_train_batch_size": "1"}, "per_device_train_batch_size"),
        ("Image Classification", {"per_device_eval_batch_size": "0"}, "per_device_eval_batch_size"),
        ("Image Classification", {"num_train_epochs": "0"}, "num_train_epochs"),
        ("Image Classification", {"num_train_epochs": "2.5"}, "num_train_epochs"),
        ("Image Classification", {"logging_steps": "499"}, "logging_steps"),
        ("Image Classification", {"learning_rate": "-0.1"}, "learning_rate"),
        ("Image Classification", {"learning_rate": "fast"}, "learning_rate"),
        ("Image Classification", {"learning_rate": "inf"}, "learning_rate"),
        ("Image Classification", {"learning_rate": "nan"}, "learning_rate"),
        ("Image Classification", {"input_size": ""}, "input_size"),
        ("Image Classification", {"input_size": None}, "input_size"),
        ("Semantic Segmentation", {"per_device_train_batch_size": "-1"}, "per_device_train_batch_size"),
        ("Semantic Segmentation", {"num_train_epochs": "-0.5"}, "num_train_epochs"),
        ("Semantic Segmentation", {"per_device_eval_batch_size": "4"}, "per_device_eval_batch_size"),
        ("Semantic Segmentation", {"input_size": "28"}, "input_size"),
        ("Object Detection", {"per_device_train_batch_size": "0"}, "per_device_train_batch_size"),
        ("Object Detection", {"logging_steps": "100"}, "logging_steps"),
        ("Object Detection", {"epochs": "3"}, "epochs"),
    ],
)
def test_validate_hyperparameters_catches(algo_name: str, values: dict, bad: str) -> None:
    errors = validate_hyperparameters(algorithm(algo_name), values)
    assert [name for name, _ in errors] == [bad]
    assert errors[0][1]


def test_validate_hyperparameters_messages_and_boundaries() -> None:
    ic = algorithm("Image Classification")
    assert validate_hyperparameters(ic, {"input_size": "4", "logging_steps": "500", "learning_rate": "0"}) == []
    assert validate_hyperparameters(algorithm("Semantic Segmentation"), {"num_train_epochs": "1"}) == []
    assert validate_hyperparameters(algorithm("Semantic Segmentation"), {"per_device_train_batch_size": "0"}) == []
    [(name, message)] = validate_hyperparameters(ic, {"input_size": "3"})
    assert name == "input_size" and "[4~∞)" in message
    [(name, message)] = validate_hyperparameters(ic, {"foo": "1"})
    assert name == "foo" and "unknown" in message
    several = validate_hyperparameters(ic, {"foo": "1", "input_size": "x", "learning_rate": "0.5"})
    assert [n for n, _ in several] == ["foo", "input_size"]


def test_validate_hyperparameters_required_and_choices() -> None:
    spec_required = catalog.HyperparameterSpec("a", "int", "1", "10", None, False, "")
    spec_discrete = catalog.HyperparameterSpec("b", "discrete", None, None, "1", True, "", specified_values="1,2,4")
    algo = catalog.Algorithm("id", "Custom", "", "c", "g", (spec_required, spec_discrete), (), ())
    assert validate_hyperparameters(algo, {"a": "10", "b": "4"}) == []
    assert [n for n, _ in validate_hyperparameters(algo, {"b": "4"})] == ["a"]
    assert [n for n, _ in validate_hyperparameters(algo, {"a": "11", "b": "3"})] == ["a", "b"]


def test_validate_datasets() -> None:
    od = algorithm("Object Detection")
    assert [n for n, _ in validate_datasets(od, ["train", "validation"])] == ["test"]
    ic = algorithm("Image Classification")
    assert validate_datasets(ic, ["train", "validation"]) == []
    assert [n for n, _ in validate_datasets(ic, ["train", "validation", "resources"])] == ["resources"]
    ss = algorithm("Semantic Segmentation")
    assert [n for n, _ in validate_datasets(ss, ["train", "validation", "test"])] == ["resources"]
