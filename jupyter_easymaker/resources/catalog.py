"""The fixed catalog: base images, instance types and the NHN Cloud algorithms.

Spelled exactly as the console guide ("Private Image" tables) and the NHN Cloud algorithm guide. Every id is a
uuid5 of the item's name under a fixed namespace, so ids never change between runs or processes.

Pure data and small functions: no I/O, no web framework.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# --------------------------------------------------------------------------------------------------------------------
# Stable ids
# --------------------------------------------------------------------------------------------------------------------

#: Root namespace of every catalog id. Never change it: stored trainings refer to these ids.
CATALOG_NAMESPACE = uuid.UUID("9cfe7731-9110-4595-9f5f-9bba4c4aee02")
IMAGE_NAMESPACE = uuid.uuid5(CATALOG_NAMESPACE, "image")
INSTANCE_TYPE_NAMESPACE = uuid.uuid5(CATALOG_NAMESPACE, "instance-type")
ALGORITHM_NAMESPACE = uuid.uuid5(CATALOG_NAMESPACE, "algorithm")


def image_id_for(name: str) -> str:
    """The stable id of the image called `name`."""
    return str(uuid.uuid5(IMAGE_NAMESPACE, name))


def instance_type_id_for(name: str) -> str:
    """The stable id of the instance type (flavor) called `name`."""
    return str(uuid.uuid5(INSTANCE_TYPE_NAMESPACE, name))


def algorithm_id_for(name: str) -> str:
    """The stable id of the algorithm called `name`."""
    return str(uuid.uuid5(ALGORITHM_NAMESPACE, name))


# --------------------------------------------------------------------------------------------------------------------
# Codes
# --------------------------------------------------------------------------------------------------------------------

IMAGE_TYPE_NOTEBOOK = "NOTEBOOK"
IMAGE_TYPE_TRAINING = "TRAINING"
IMAGE_TYPE_CODES: tuple[str, ...] = (IMAGE_TYPE_NOTEBOOK, IMAGE_TYPE_TRAINING)

CORE_TYPE_CODES: tuple[str, ...] = ("CPU", "GPU")
FRAMEWORK_CODES: tuple[str, ...] = ("PYTHON", "PYTORCH", "TENSORFLOW")

#: Which resource groups an image of each type serves (the SDK filters with ``groupTypeCodeList``).
#: Training images also run hyperparameter tuning trials (the SDK asks for TRAINING images in both cases).
GROUP_TYPES_BY_IMAGE_TYPE: dict[str, tuple[str, ...]] = {
    IMAGE_TYPE_NOTEBOOK: ("NOTEBOOK",),
    IMAGE_TYPE_TRAINING: ("TRAINING", "HYPERPARAMETER_TUNING"),
}

#: The SDK's HyperparameterTypeCode values.
HYPERPARAMETER_TYPE_CODES: tuple[str, ...] = ("int", "double", "discrete", "categorical")


# --------------------------------------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Image:
    """One container image of the catalog."""

    image_id: str
    image_name: str
    image_type_code: str  # "NOTEBOOK" | "TRAINING"
    core_type_code: str  # "CPU" | "GPU"
    framework_code: str  # "PYTHON" | "PYTORCH" | "TENSORFLOW"
    framework_version: str
    python_version: str
    address: str
    description: str = ""

    @property
    def group_type_codes(self) -> tuple[str, ...]:
        return GROUP_TYPES_BY_IMAGE_TYPE.get(self.image_type_code, (self.image_type_code,))

    def to_wire(self) -> dict[str, Any]:
        return {
            "imageId": self.image_id,
            "imageName": self.image_name,
            "imageTypeCode": self.image_type_code,
            "coreTypeCode": self.core_type_code,
            "frameworkCode": self.framework_code,
            "frameworkVersion": self.framework_version,
            "pythonVersion": self.python_version,
            "description": self.description,
            "imageAddress": self.address,
            "groupTypeCodeList": list(self.group_type_codes),
        }


def _image(
    name: str,
    image_type: str,
    core: str,
    framework: str,
    framework_version: str,
    python_version: str,
    address: str,
    description: str = "",
) -> Image:
    return Image(
        image_id=image_id_for(name),
        image_name=name,
        image_type_code=image_type,
        core_type_code=core,
        framework_code=framework,
        framework_version=framework_version,
        python_version=python_version,
        address=address,
        description=description,
    )


_REGISTRY = "fb34a0a4-kr1-registry.container.nhncloud.com/easymaker"
# The guide prints two addresses with "en1" instead of "kr1"; kept verbatim (see NOTEBOOK/TRAINING tables below).
_REGISTRY_EN1 = "fb34a0a4-en1-registry.container.nhncloud.com/easymaker"

#: console guide > Private Image > Notebook Image
NOTEBOOK_IMAGES: tuple[Image, ...] = (
    _image(
        "Ubuntu 22.04 CPU Python Notebook", IMAGE_TYPE_NOTEBOOK, "CPU", "PYTHON", "3.10.12", "3.10",
        f"{_REGISTRY}/python-notebook:3.10.12-cpu-py310-ubuntu2204",
    ),
    _image(
        "Ubuntu 22.04 GPU Python Notebook", IMAGE_TYPE_NOTEBOOK, "GPU", "PYTHON", "3.10.12", "3.10",
        f"{_REGISTRY}/python-notebook:3.10.12-gpu-py310-ubuntu2204",
    ),
    _image(
        "Ubuntu 22.04 CPU PyTorch Notebook", IMAGE_TYPE_NOTEBOOK, "CPU", "PYTORCH", "2.0.1", "3.10",
        f"{_REGISTRY}/pytorch-notebook:2.0.1-cpu-py310-ubuntu2204",
    ),
    _image(
        "Ubuntu 22.04 GPU PyTorch Notebook", IMAGE_TYPE_NOTEBOOK, "GPU", "PYTORCH", "2.0.1", "3.10",
        f"{_REGISTRY}/pytorch-notebook:2.0.1-gpu-py310-ubuntu2204",
    ),
    _image(
        "Ubuntu 22.04 CPU TensorFlow Notebook", IMAGE_TYPE_NOTEBOOK, "CPU", "TENSORFLOW", "2.12.0", "3.10",
        f"{_REGISTRY}/tensorflow-notebook:2.12.0-cpu-py310-ubuntu2204",
    ),
    _image(
        "Ubuntu 22.04 GPU TensorFlow Notebook", IMAGE_TYPE_NOTEBOOK, "GPU", "TENSORFLOW", "2.12.0", "3.10",
        f"{_REGISTRY_EN1}/tensorflow-notebook:2.12.0-gpu-py310-ubuntu2204",
    ),
)  # fmt: skip

#: console guide > Private Image > Deep Learning Images
TRAINING_IMAGES: tuple[Image, ...] = (
    _image(
        "Ubuntu 22.04 CPU PyTorch Training", IMAGE_TYPE_TRAINING, "CPU", "PYTORCH", "2.0.1", "3.10",
        f"{_REGISTRY}/pytorch-train:2.0.1-cpu-py310-ubuntu2204",
    ),
    _image(
        "Ubuntu 22.04 GPU PyTorch Training", IMAGE_TYPE_TRAINING, "GPU", "PYTORCH", "2.0.1", "3.10",
        f"{_REGISTRY_EN1}/pytorch-train:2.0.1-gpu-py310-ubuntu2204",
    ),
    _image(
        "Ubuntu 22.04 CPU TensorFlow Training", IMAGE_TYPE_TRAINING, "CPU", "TENSORFLOW", "2.12.0", "3.10",
        f"{_REGISTRY}/tensorflow-train:2.12.0-cpu-py310-ubuntu2204",
    ),
    _image(
        "Ubuntu 22.04 GPU TensorFlow Training", IMAGE_TYPE_TRAINING, "GPU", "TENSORFLOW", "2.12.0", "3.10",
        f"{_REGISTRY}/tensorflow-train:2.12.0-gpu-py310-ubuntu2204",
    ),
)  # fmt: skip

#: Every image of the guide's two tables.
GUIDE_IMAGES: tuple[Image, ...] = NOTEBOOK_IMAGES + TRAINING_IMAGES

_PYTORCH_TRAINING = {image.core_type_code: image for image in TRAINING_IMAGES if image.framework_code == "PYTORCH"}

# --------------------------------------------------------------------------------------------------------------------
# Hyperparameters, datasets, algorithms
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HyperparameterSpec:
    """One hyperparameter of an algorithm. Bounds are inclusive; ``None`` means unbounded (the guide's ∞)."""

    name: str
    type: str  # "int" | "double" | "discrete" | "categorical"
    min: str | None
    max: str | None
    default: str | None
    is_optional: bool
    description: str
    step: str | None = None
    specified_values: str | None = None  # comma-separated, for "discrete" / "categorical"

    def to_wire(self) -> dict[str, Any]:
        return {
            "hyperparameterName": self.name,
            "hyperparameterTypeCode": self.type,
            "hyperparameterMinValue": self.min,
            "hyperparameterMaxValue": self.max,
            "hyperparameterStep": self.step,
            "hyperparameterSpecifiedValues": self.specified_values,
            "isOptional": self.is_optional,
            "defaultValue": self.default,
            "description": self.description,
        }


@dataclass(frozen=True)
class AlgorithmDataset:
    """One data set an algorithm reads (its name is the ``datasetName`` the SDK sends)."""

    name: str
    required: bool
    description: str

    def to_wire(self) -> dict[str, Any]:
        return {"datasetName": self.name, "isRequired": self.required, "description": self.description}


@dataclass(frozen=True)
class Algorithm:
    """One NHN Cloud algorithm (algorithm guide)."""

    algorithm_id: str
    algorithm_name: str
    description: str
    cpu_training_image_id: str
    gpu_training_image_id: str
    hyperparameters: tuple[HyperparameterSpec, ...]
    datasets: tuple[AlgorithmDataset, ...]
    metrics: tuple[str, ...]

    def hyperparameter(self, name: str) -> HyperparameterSpec | None:
        return next((spec for spec in self.hyperparameters if spec.name == name), None)

    def default_hyperparameters(self) -> dict[str, str]:
        """``{name: default}`` for every hyperparameter that has a default."""
        return {spec.name: spec.default for spec in self.hyperparameters if spec.default is not None}

    def training_image_id(self, core_type: str) -> str:
        return self.gpu_training_image_id if core_type.upper() == "GPU" else self.cpu_training_image_id

    def to_wire(self) -> dict[str, Any]:
        return {
            "algorithmId": self.algorithm_id,
            "algorithmName": self.algorithm_name,
            "description": self.description,
            "cpuTrainingImageId": self.cpu_training_image_id,
            "gpuTrainingImageId": self.gpu_training_image_id,
            "algorithmDatasetSchema": [dataset.to_wire() for dataset in self.datasets],
            "hyperparameterSpecList": [spec.to_wire() for spec in self.hyperparameters],
            "metricList": [{"name": metric} for metric in self.metrics],
        }


def _hp(name: str, type_: str, default: str, min_: str | None, description: str) -> HyperparameterSpec:
    # Every hyperparameter in the guide is "Required: False" with a range "[min~∞)".
    return HyperparameterSpec(
        name=name, type=type_, min=min_, max=None, default=default, is_optional=True, description=description
    )


_LR_DESC = "The initial learning rate value of the AdamW optimizer"
_TRAIN_BS_DESC = "Training batch size per GPU/TPU core/CPU"
_EVAL_BS_DESC = "evaluation batch size per GPU/TPU core/CPU"
_EPOCHS_DESC = "The total number of times the entire training is performed"
_LOGGING_DESC = "Step cycle to output logs"

IMAGE_CLASSIFICATION = "Image Classification"
SEMANTIC_SEGMENTATION = "Semantic Segmentation"
OBJECT_DETECTION = "Object Detection"


def _algorithm_images(algorithm_name: str, model: str) -> tuple[Image, Image]:
    """The per-algorithm training images ("Image Classification CPU", ...) the SDK's own samples name.

    They are PyTorch training images: same framework, versions and address as the guide's PyTorch Training image of
    the same core type.
    """
    images = []
    for core in CORE_TYPE_CODES:
        base = _PYTORCH_TRAINING[core]
        images.append(
            _image(
                f"{algorithm_name} {core}", IMAGE_TYPE_TRAINING, core, base.framework_code, base.framework_version,
                base.python_version, base.address,
                f"{core} training image of the NHN Cloud {algorithm_name} algorithm ({model})",
            )
        )  # fmt: skip
    return images[0], images[1]


_IC_CPU, _IC_GPU = _algorithm_images(IMAGE_CLASSIFICATION, "ResNet-50")
_SS_CPU, _SS_GPU = _algorithm_images(SEMANTIC_SEGMENTATION, "SegFormer-B3")
_OD_CPU, _OD_GPU = _algorithm_images(OBJECT_DETECTION, "detr-resnet-50")

#: The training images of the three NHN Cloud algorithms.
ALGORITHM_IMAGES: tuple[Image, ...] = (_IC_CPU, _IC_GPU, _SS_CPU, _SS_GPU, _OD_CPU, _OD_GPU)

#: Every image served by default: the guide's two tables, then the algorithm training images.
DEFAULT_IMAGES: tuple[Image, ...] = GUIDE_IMAGES + ALGORITHM_IMAGES

ALGORITHMS: tuple[Algorithm, ...] = (
    Algorithm(
        algorithm_id=algorithm_id_for(IMAGE_CLASSIFICATION),
        algorithm_name=IMAGE_CLASSIFICATION,
        description="It is an algorithm (ResNet-50) that classifies types of images.",
        cpu_training_image_id=_IC_CPU.image_id,
        gpu_training_image_id=_IC_GPU.image_id,
        hyperparameters=(
            _hp("input_size", "int", "28", "4", "Resolution of the output image"),
            _hp("learning_rate", "double", "0.1", "0.0", _LR_DESC),
            _hp("per_device_train_batch_size", "int", "16", "2", _TRAIN_BS_DESC),
            _hp("per_device_eval_batch_size", "int", "16", "1", _EVAL_BS_DESC),
            _hp("num_train_epochs", "int", "3", "1", _EPOCHS_DESC),
            _hp("logging_steps", "int", "500", "500", _LOGGING_DESC),
        ),
        datasets=(
            AlgorithmDataset("train", True, "folder/train/{label}/image_file.png"),
            AlgorithmDataset("validation", True, "folder/validation/{label}/image_file.png"),
            AlgorithmDataset("test", False, "folder/test/{label}/image_file.png"),
        ),
        metrics=("Accuracy", "Precision", "Recall", "F1-Score"),
    ),
    Algorithm(
        algorithm_id=algorithm_id_for(SEMANTIC_SEGMENTATION),
        algorithm_name=SEMANTIC_SEGMENTATION,
        description="An algorithm (SegFormer-B3) that predicts the label of every pixel region within an image.",
        cpu_training_image_id=_SS_CPU.image_id,
        gpu_training_image_id=_SS_GPU.image_id,
        hyperparameters=(
            _hp("learning_rate", "double", "2e-4", "0.0", _LR_DESC),
            _hp("per_device_train_batch_size", "int", "4", "0", _TRAIN_BS_DESC),
            _hp("num_train_epochs", "double", "3.0", "0.0", _EPOCHS_DESC),
            _hp("logging_steps", "int", "500", "500", _LOGGING_DESC),
        ),
        datasets=(
            AlgorithmDataset("train", True, "folder/train/train.json, images/*.png, annotations/*.png"),
            AlgorithmDataset("validation", True, "folder/validation/validation.json, images/*.png, annotations/*.png"),
            AlgorithmDataset("resources", True, "folder/resources/id2lable.json (label id -> label class)"),
            AlgorithmDataset("test", False, "folder/test/test.json, images/*.png, annotations/*.png"),
        ),
        metrics=("mean_iou", "mean_accuracy", "overall_accuracy", "per_category_accuracy", "per_category_iou"),
    ),
    Algorithm(
        algorithm_id=algorithm_id_for(OBJECT_DETECTION),
        algorithm_name=OBJECT_DETECTION,
        description=(
            "An algorithm (detr-resnet-50) that predicts the position (bbox) and class (class) of all objects "
            "present in an image."
        ),
        cpu_training_image_id=_OD_CPU.image_id,
        gpu_training_image_id=_OD_GPU.image_id,
        hyperparameters=(
            _hp("learning_rate", "double", "2e-4", "0.0", _LR_DESC),
            _hp("per_device_train_batch_size", "int", "4", "1", _TRAIN_BS_DESC),
            _hp("per_device_eval_batch_size", "int", "4", "1", _EVAL_BS_DESC),
            _hp("num_train_epochs", "double", "3.0", "0.0", _EPOCHS_DESC),
            _hp("logging_steps", "int", "500", "500", _LOGGING_DESC),
        ),
        datasets=(
            AlgorithmDataset("train", True, "folder/train/_annotations.coco.json, *.png (COCO format)"),
            AlgorithmDataset("validation", True, "folder/validation/_annotations.coco.json, *.png (COCO format)"),
            AlgorithmDataset("test", True, "folder/test/_annotations.coco.json, *.png (COCO format)"),
        ),
        # The guide has no indicator table for Object Detection; these are the metric names the SDK's own
        # sample tunes on (COCO AP/AR).
        metrics=("AP-IoU=0.50:0.95-area=all-maxDets=100", "AR-IoU=0.50:0.95-area=all-maxDets=100"),
    ),
)


def find_algorithm(name_or_id: str, algorithms: Iterable[Algorithm] = ALGORITHMS) -> Algorithm | None:
    """The algorithm whose name or id is `name_or_id`, or None."""
    return next((a for a in algorithms if name_or_id in (a.algorithm_name, a.algorithm_id)), None)


# --------------------------------------------------------------------------------------------------------------------
# Instance types
# --------------------------------------------------------------------------------------------------------------------

DEFAULT_DISK_GB = 100


@dataclass(frozen=True)
class InstanceType:
    """One instance type (flavor). ``gpu_memory_mb`` is the total over all the flavor's GPUs."""

    id: str
    name: str
    vcpus: int
    ram_mb: int
    disk_gb: int
    core_type: str  # "CPU" | "GPU"
    gpu_count: int = 0
    gpu_memory_mb: int = 0

    @property
    def is_gpu(self) -> bool:
        return self.core_type == "GPU"

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "vcpus": self.vcpus,
            "ram": self.ram_mb,
            "disk": self.disk_gb,
            "gpuFlavor": self.is_gpu,
            "gpuCount": self.gpu_count,
            "gpuMemory": self.gpu_memory_mb,
            "coreTypeCode": self.core_type,
        }


def _flavor(name: str, vcpus: int, ram_gb: int, gpu_count: int = 0, gpu_memory_gb: int = 0) -> InstanceType:
    return InstanceType(
        id=instance_type_id_for(name),
        name=name,
        vcpus=vcpus,
        ram_mb=ram_gb * 1024,
        disk_gb=DEFAULT_DISK_GB,
        core_type="GPU" if gpu_count else "CPU",
        gpu_count=gpu_count,
        gpu_memory_mb=gpu_memory_gb * 1024,
    )


#: Names follow the SDK examples: m2.c{vCPU}m{RAM GiB}; GPU flavors g2.{gpu}.c{vCPU}m{RAM GiB} (T4 = 16 GiB each).
DEFAULT_INSTANCE_TYPES: tuple[InstanceType, ...] = (
    _flavor("m2.c2m4", 2, 4),
    _flavor("m2.c4m8", 4, 8),
    _flavor("m2.c8m16", 8, 16),
    _flavor("m2.c16m32", 16, 32),
    _flavor("g2.t4.c8m64", 8, 64, gpu_count=1, gpu_memory_gb=16),
    _flavor("g2.t4.c16m128", 16, 128, gpu_count=2, gpu_memory_gb=32),
)


# --------------------------------------------------------------------------------------------------------------------
# Builders from user configuration
# --------------------------------------------------------------------------------------------------------------------

_INT_RE = re.compile(r"^[+-]?\d+$")


def _check_keys(d: Mapping[str, Any], allowed: Iterable[str], what: str) -> None:
    if not isinstance(d, Mapping):
        raise ValueError(f"{what} config must be a mapping, got {type(d).__name__}")
    allowed_set = set(allowed)
    for key in d:
        if key not in allowed_set:
            raise ValueError(f"{what} config: unknown key '{key}' (allowed: {', '.join(sorted(allowed_set))})")


def _pick(d: Mapping[str, Any], keys: Sequence[str], what: str) -> tuple[str, Any] | None:
    """(key, value) of the one alias present among `keys`, or None; refuses two aliases at once."""
    present = [k for k in keys if k in d and d[k] is not None]
    if len(present) > 1:
        raise ValueError(f"{what} config: '{present[0]}' and '{present[1]}' are the same setting; give only one")
    return (present[0], d[present[0]]) if present else None


def _config_str(
    d: Mapping[str, Any], keys: Sequence[str], what: str, *, default: str | None = None, allow_empty: bool = False
) -> str:
    picked = _pick(d, keys, what)
    if picked is None:
        if default is None:
            raise ValueError(f"{what} config: '{keys[0]}' is required")
        return default
    key, value = picked
    if not isinstance(value, str):
        raise ValueError(f"{what} config: '{key}' must be a string, got {type(value).__name__} {value!r}")
    if not allow_empty and not value.strip():
        raise ValueError(f"{what} config: '{key}' must not be empty")
    return value.strip()


def _config_code(d: Mapping[str, Any], keys: Sequence[str], what: str, allowed: Sequence[str]) -> str:
    picked = _pick(d, keys, what)
    if picked is None:
        raise ValueError(f"{what} config: '{keys[0]}' is required")
    key, value = picked
    code = value.strip().upper() if isinstance(value, str) else None
    if code is None or code not in allowed:
        raise ValueError(f"{what} config: '{key}' must be one of {', '.join(allowed)}, got {value!r}")
    return code


def _config_int(d: Mapping[str, Any], keys: Sequence[str], what: str, *, minimum: int, default: int | None) -> int:
    picked = _pick(d, keys, what)
    if picked is None:
        if default is None:
            raise ValueError(f"{what} config: '{keys[0]}' is required")
        return default
    key, value = picked
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _INT_RE.match(value.strip()):
        number = int(value.strip())
    else:
        number = None
    if number is None:
        raise ValueError(f"{what} config: '{key}' must be an integer, got {value!r}")
    if number < minimum:
        raise ValueError(f"{what} config: '{key}' must be at least {minimum}, got {number}")
    return number


_INSTANCE_TYPE_KEYS = (
    "id", "name", "vcpus", "ramMb", "ram", "diskGb", "disk", "coreType", "coreTypeCode", "gpuCount", "gpuMemoryMb",
)  # fmt: skip


def instance_type_from_config(d: Mapping[str, Any]) -> InstanceType:
    """Build an instance type from a user config dict.

    Keys: ``name`` (required), ``vcpus`` (required), ``ramMb`` or ``ram`` (MB, required), ``diskGb`` or ``disk``
    (GB, default 100), ``coreType`` ("CPU"/"GPU"; default GPU when ``gpuCount`` > 0), ``gpuCount``,
    ``gpuMemoryMb`` and ``id`` (default: uuid5 of the name). Raises ValueError naming the bad key.
    """
    what = "instance type"
    _check_keys(d, _INSTANCE_TYPE_KEYS, what)
    name = _config_str(d, ("name",), what)
    vcpus = _config_int(d, ("vcpus",), what, minimum=1, default=None)
    ram_mb = _config_int(d, ("ramMb", "ram"), what, minimum=1, default=None)
    disk_gb = _config_int(d, ("diskGb", "disk"), what, minimum=0, default=DEFAULT_DISK_GB)
    gpu_count = _config_int(d, ("gpuCount",), what, minimum=0, default=0)
    gpu_memory_mb = _config_int(d, ("gpuMemoryMb",), what, minimum=0, default=0)
    core_keys = ("coreType", "coreTypeCode")
    if _pick(d, core_keys, what) is None:
        core_type = "GPU" if gpu_count else "CPU"
    else:
        core_type = _config_code(d, core_keys, what, CORE_TYPE_CODES)
    core_key = (_pick(d, core_keys, what) or ("coreType",))[0]
    if core_type == "GPU" and gpu_count < 1:
        raise ValueError(f"{what} config: 'gpuCount' must be at least 1 when '{core_key}' is GPU")
    if core_type == "CPU" and gpu_count:
        raise ValueError(f"{what} config: 'gpuCount' must be 0 when '{core_key}' is CPU, got {gpu_count}")
    if core_type == "CPU" and gpu_memory_mb:
        raise ValueError(f"{what} config: 'gpuMemoryMb' must be 0 when '{core_key}' is CPU, got {gpu_memory_mb}")
    instance_id = _config_str(d, ("id",), what, default=instance_type_id_for(name))
    return InstanceType(
        id=instance_id,
        name=name,
        vcpus=vcpus,
        ram_mb=ram_mb,
        disk_gb=disk_gb,
        core_type=core_type,
        gpu_count=gpu_count,
        gpu_memory_mb=gpu_memory_mb,
    )


_IMAGE_KEYS = (
    "imageId", "imageName", "imageTypeCode", "coreTypeCode", "frameworkCode", "frameworkVersion", "pythonVersion",
    "imageAddress", "address", "description",
)  # fmt: skip


def image_from_config(d: Mapping[str, Any]) -> Image:
    """Build an extra image from a user config dict.

    Keys: ``imageName``, ``imageTypeCode`` (NOTEBOOK/TRAINING), ``coreTypeCode`` (CPU/GPU), ``frameworkCode``
    (PYTHON/PYTORCH/TENSORFLOW), ``frameworkVersion`` and ``pythonVersion`` (strings: write "3.10", not 3.10) are
    required; ``imageAddress`` (or ``address``), ``description`` and ``imageId`` (default: uuid5 of the name) are
    optional. Codes are case-insensitive. Raises ValueError naming the bad key.
    """
    what = "image"
    _check_keys(d, _IMAGE_KEYS, what)
    name = _config_str(d, ("imageName",), what)
    return Image(
        image_id=_config_str(d, ("imageId",), what, default=image_id_for(name)),
        image_name=name,
        image_type_code=_config_code(d, ("imageTypeCode",), what, IMAGE_TYPE_CODES),
        core_type_code=_config_code(d, ("coreTypeCode",), what, CORE_TYPE_CODES),
        framework_code=_config_code(d, ("frameworkCode",), what, FRAMEWORK_CODES),
        framework_version=_config_str(d, ("frameworkVersion",), what),
        python_version=_config_str(d, ("pythonVersion",), what),
        address=_config_str(d, ("imageAddress", "address"), what, default="", allow_empty=True),
        description=_config_str(d, ("description",), what, default="", allow_empty=True),
    )


# --------------------------------------------------------------------------------------------------------------------
# Queries and validation
# --------------------------------------------------------------------------------------------------------------------


def images_for_group(images: Iterable[Image], group: str | Sequence[str] | None) -> list[Image]:
    """The images serving `group` (e.g. "TRAINING", "NOTEBOOK"); None or "" means all.

    `group` may also be a comma-separated string or a list (``groupTypeCodeList``): an image matches any of them.
    """
    if group is None:
        return list(images)
    parts = group.split(",") if isinstance(group, str) else list(group)
    wanted = {part.strip().upper() for part in parts if part and part.strip()}
    if not wanted:
        return list(images)
    return [image for image in images if wanted.intersection(image.group_type_codes)]


def find_image(name_or_id: str, images: Iterable[Image] = DEFAULT_IMAGES) -> Image | None:
    """The image whose name or id is `name_or_id`, or None."""
    return next((i for i in images if name_or_id in (i.image_name, i.image_id)), None)


def find_instance_type(
    name_or_id: str, instance_types: Iterable[InstanceType] = DEFAULT_INSTANCE_TYPES
) -> InstanceType | None:
    """The instance type whose name or id is `name_or_id`, or None."""
    return next((t for t in instance_types if name_or_id in (t.name, t.id)), None)


def _parse_number(spec: HyperparameterSpec, raw: str) -> float | int | None:
    text = raw.strip()
    if spec.type == "int":
        return int(text) if _INT_RE.match(text) else None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) and "_" not in text else None


def _bounds_text(spec: HyperparameterSpec) -> str:
    low = spec.min if spec.min is not None else "-∞"
    high = spec.max if spec.max is not None else "∞"
    return f"[{low}~{high}{']' if spec.max is not None else ')'}"


def validate_hyperparameters(algorithm: Algorithm, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Check hyperparameter values (strings, as the SDK sends them) against the algorithm's spec.

    Returns ``[(hyperparameter name, message)]`` for unknown names, missing required ones, values that are not
    numbers of the right type and values outside the guide's range. Empty when everything is fine.
    """
    errors: list[tuple[str, str]] = []
    for name, value in values.items():
        spec = algorithm.hyperparameter(name)
        if spec is None:
            known = ", ".join(s.name for s in algorithm.hyperparameters)
            errors.append((name, f"unknown hyperparameter for {algorithm.algorithm_name} (expected one of: {known})"))
            continue
        if value is None or isinstance(value, bool) or not isinstance(value, (str, int, float)):
            errors.append((name, f"must be a {spec.type} value, got {value!r}"))
            continue
        raw = str(value)
        if spec.type in ("discrete", "categorical"):
            choices = [c.strip() for c in (spec.specified_values or "").split(",") if c.strip()]
            if choices and raw.strip() not in choices:
                errors.append((name, f"must be one of {', '.join(choices)}, got {raw!r}"))
            continue
        number = _parse_number(spec, raw)
        if number is None:
            kind = "an integer" if spec.type == "int" else "a number"
            errors.append((name, f"must be {kind}, got {raw!r}"))
            continue
        too_low = spec.min is not None and number < float(spec.min)
        too_high = spec.max is not None and number > float(spec.max)
        if too_low or too_high:
            errors.append((name, f"must be in the range {_bounds_text(spec)}, got {raw}"))
    for spec in algorithm.hyperparameters:
        if not spec.is_optional and spec.name not in values:
            errors.append((spec.name, "is required"))
    return errors


def validate_datasets(algorithm: Algorithm, dataset_names: Iterable[str]) -> list[tuple[str, str]]:
    """Check the data set names given for an algorithm training: unknown names and missing required ones."""
    names = list(dataset_names)
    known = {dataset.name for dataset in algorithm.datasets}
    errors: list[tuple[str, str]] = []
    for name in names:
        if name not in known:
            expected = ", ".join(dataset.name for dataset in algorithm.datasets)
            errors.append((name, f"unknown data set for {algorithm.algorithm_name} (expected one of: {expected})"))
    for dataset in algorithm.datasets:
        if dataset.required and dataset.name not in names:
            errors.append((dataset.name, f"data set is required by {algorithm.algorithm_name}"))
    return errors
