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


class TuningStatus(str, Enum):
    CREATE_REQUESTED = "CREATE REQUESTED"
    CREATE_IN_PROGRESS = "CREATE IN PROGRESS"
    RUNNING = "RUNNING"
    STOPPED = "STOPPED"
    COMPLETE = "COMPLETE"
    STOP_IN_PROGRESS = "STOP IN PROGRESS"
    FAIL_TUNING = "FAIL HYPERPARAMETER TUNING"
    CREATE_FAILED = "CREATE FAILED"
    FAIL_TUNING_IN_PROGRESS = "FAIL HYPERPARAMETER TUNING IN PROGRESS"
    COMPLETE_IN_PROGRESS = "COMPLETE IN PROGRESS"


TUNING_FINAL = frozenset(
    {TuningStatus.STOPPED, TuningStatus.COMPLETE, TuningStatus.FAIL_TUNING, TuningStatus.CREATE_FAILED}
)
TUNING_STOPPABLE = frozenset({TuningStatus.CREATE_REQUESTED, TuningStatus.CREATE_IN_PROGRESS, TuningStatus.RUNNING})
#: Winding down: no new trials, the running ones are being stopped, then the status drops the IN PROGRESS.
TUNING_CLOSING = {
    TuningStatus.COMPLETE_IN_PROGRESS: TuningStatus.COMPLETE,
    TuningStatus.FAIL_TUNING_IN_PROGRESS: TuningStatus.FAIL_TUNING,
    TuningStatus.STOP_IN_PROGRESS: TuningStatus.STOPPED,
}


class TrialStatus(str, Enum):
    """The trainings a tuning generates (console guide: List of Trainings for Hyperparameter Tuning)."""

    CREATED = "CREATED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    KILLED = "KILLED"
    FAILED = "FAILED"
    METRICS_UNAVAILABLE = "METRICS_UNAVAILABLE"
    EARLY_STOPPED = "EARLY_STOPPED"


TRIAL_FINAL = frozenset(
    {
        TrialStatus.SUCCEEDED, TrialStatus.KILLED, TrialStatus.FAILED, TrialStatus.METRICS_UNAVAILABLE,
        TrialStatus.EARLY_STOPPED,
    }
)  # fmt: skip
