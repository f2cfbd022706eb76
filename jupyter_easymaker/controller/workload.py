"""Resources as the workloads backends run."""

from __future__ import annotations

from ..backends import WorkSpec
from ..backends.base import ImageRef, Resources
from ..platform import Platform
from ..resources import trainings
from ..store import TrainingRow


def training_work(platform: Platform, row: TrainingRow) -> WorkSpec:
    """A training as the workload a backend runs (the workload contract of DESIGN.md)."""
    config = row.config
    image = platform.catalog.images[config["imageId"]]
    flavor = platform.catalog.instance_types[config["flavorId"]]
    return WorkSpec(
        work_id=row.id,
        appkey=row.appkey,
        region=platform.region,
        image=ImageRef(image.image_id, image.image_name, image.address, image.framework_code, image.core_type_code),
        resources=Resources(flavor.name, flavor.vcpus, flavor.ram_mb, flavor.gpu_count),
        source_uri=config["sourceDirUri"],
        entry_point=config["entryPoint"],
        hyperparameters=[(p["parameterName"], p["parameterValue"]) for p in config["hyperparameterList"]],
        datasets=[(d["datasetName"], d["dataUri"]) for d in config["datasetList"]],
        model_upload_uri=config["modelUploadUri"],
        checkpoint_input_uri=config.get("checkPointInputUri"),
        checkpoint_upload_uri=config.get("checkPointUploadUri"),
        tensorboard_dir=str(trainings.tensorboard_dir(platform, row)),
        timeout_seconds=config["timeoutMinutes"] * 60,
        nodes=config["instanceCount"],
        nproc_per_node=config["nprocPerNode"],
        use_torchrun=config["useTorchrun"],
    )
