"""Which TensorBoard log directory a resource's board shows: `LOG_DIRS[kind](platform, appkey, id)`.

A kind is the path segment of its `tensorboardAccessPath` (`experiments/{id}/tensorboard`, …); a resource family
with a board adds its entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..platform import Platform
from . import experiments, trainings, tunings


def experiment_log_dir(platform: Platform, appkey: str, experiment_id: str) -> Path:
    with platform.store.session() as session:
        experiments.get_row(session, appkey, experiment_id)
    return platform.tensorboard_dir(appkey, experiment_id)


def training_log_dir(platform: Platform, appkey: str, training_id: str) -> Path:
    with platform.store.session() as session:
        return trainings.tensorboard_dir(platform, trainings.get_row(session, appkey, training_id))


LOG_DIRS: dict[str, Callable[[Platform, str, str], Path]] = {
    "experiments": experiment_log_dir,
    "trainings": training_log_dir,
    "hyperparameter-tunings": tunings.tensorboard_log_dir,
}
