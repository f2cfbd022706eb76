"""Status tables, spelled exactly as the console guide's."""

from __future__ import annotations

from enum import Enum


class ExperimentStatus(str, Enum):
    CREATE_REQUESTED = "CREATE REQUESTED"
    CREATE_IN_PROGRESS = "CREATE IN PROGRESS"
    CREATE_FAILED = "CREATE FAILED"
    ACTIVE = "ACTIVE"


class TrainingStatus(str, Enum):
    CREATE_REQUESTED = "CREATE REQUESTED"
    CREATE_IN_PROGRESS = "CREATE IN PROGRESS"
    RUNNING = "RUNNING"
    STOPPED = "STOPPED"
    COMPLETE = "COMPLETE"
    STOP_IN_PROGRESS = "STOP IN PROGRESS"
    FAIL_TRAIN = "FAIL TRAIN"
    CREATE_FAILED = "CREATE FAILED"
    FAIL_TRAIN_IN_PROGRESS = "FAIL TRAIN IN PROGRESS"
    COMPLETE_IN_PROGRESS = "COMPLETE IN PROGRESS"


TRAINING_FINAL = frozenset(
    {TrainingStatus.STOPPED, TrainingStatus.COMPLETE, TrainingStatus.FAIL_TRAIN, TrainingStatus.CREATE_FAILED}
)
TRAINING_STOPPABLE = frozenset(
    {TrainingStatus.CREATE_REQUESTED, TrainingStatus.CREATE_IN_PROGRESS, TrainingStatus.RUNNING}
)
