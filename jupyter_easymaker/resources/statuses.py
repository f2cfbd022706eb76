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


class NotebookStatus(str, Enum):
    CREATE_REQUESTED = "CREATE REQUESTED"
    CREATE_IN_PROGRESS = "CREATE IN PROGRESS"
    ACTIVE_HEALTHY = "ACTIVE (HEALTHY)"
    ACTIVE_UNHEALTHY = "ACTIVE (UNHEALTHY)"
    STOP_IN_PROGRESS = "STOP IN PROGRESS"
    STOPPED = "STOPPED"
    START_IN_PROGRESS = "START IN PROGRESS"
    REBOOT_IN_PROGRESS = "REBOOT IN PROGRESS"
    DELETE_IN_PROGRESS = "DELETE IN PROGRESS"
    CREATE_FAILED = "CREATE FAILED"
    STOP_FAILED = "STOP FAILED"
    START_FAILED = "START FAILED"
    REBOOT_FAILED = "REBOOT FAILED"
    DELETE_FAILED = "DELETE FAILED"


NOTEBOOK_ACTIVE = frozenset({NotebookStatus.ACTIVE_HEALTHY, NotebookStatus.ACTIVE_UNHEALTHY})
#: Statuses in which the notebook server is being started (a generation launched, not yet answering).
NOTEBOOK_LAUNCHING = frozenset(
    {NotebookStatus.CREATE_IN_PROGRESS, NotebookStatus.START_IN_PROGRESS, NotebookStatus.REBOOT_IN_PROGRESS}
)
NOTEBOOK_LAUNCH_FAILED = {
    NotebookStatus.CREATE_IN_PROGRESS: NotebookStatus.CREATE_FAILED,
    NotebookStatus.START_IN_PROGRESS: NotebookStatus.START_FAILED,
    NotebookStatus.REBOOT_IN_PROGRESS: NotebookStatus.REBOOT_FAILED,
}
NOTEBOOK_STARTABLE = frozenset({NotebookStatus.STOPPED, NotebookStatus.START_FAILED})
NOTEBOOK_STOPPABLE = frozenset(
    {*NOTEBOOK_ACTIVE, NotebookStatus.STOP_FAILED, NotebookStatus.START_FAILED, NotebookStatus.REBOOT_FAILED}
)
NOTEBOOK_REBOOTABLE = frozenset({*NOTEBOOK_ACTIVE, NotebookStatus.REBOOT_FAILED})
NOTEBOOK_DELETABLE = frozenset(
    {*NOTEBOOK_ACTIVE, NotebookStatus.STOPPED, NotebookStatus.CREATE_FAILED, NotebookStatus.STOP_FAILED,
     NotebookStatus.START_FAILED, NotebookStatus.REBOOT_FAILED, NotebookStatus.DELETE_FAILED}
)  # fmt: skip


class PipelineStatus(str, Enum):
    CREATE_REQUESTED = "CREATE REQUESTED"
    CREATE_IN_PROGRESS = "CREATE IN PROGRESS"
    CREATE_FAILED = "CREATE FAILED"
    ACTIVE = "ACTIVE"


class PipelineRunStatus(str, Enum):
    CREATE_REQUESTED = "CREATE REQUESTED"
    CREATE_IN_PROGRESS = "CREATE IN PROGRESS"
    CREATE_FAILED = "CREATE FAILED"
    RUNNING = "RUNNING"
    COMPLETE_IN_PROGRESS = "COMPLETE IN PROGRESS"
    COMPLETE = "COMPLETE"
    STOP_IN_PROGRESS = "STOP IN PROGRESS"  # the guide's table misprints this row; STOP IN PROGRESS is meant
    STOPPED = "STOPPED"
    FAIL_PIPELINE_RUN_IN_PROGRESS = "FAIL PIPELINE RUN IN PROGRESS"
    FAIL_PIPELINE_RUN = "FAIL PIPELINE RUN"


PIPELINE_RUN_FINAL = frozenset(
    {
        PipelineRunStatus.CREATE_FAILED,
        PipelineRunStatus.COMPLETE,
        PipelineRunStatus.STOPPED,
        PipelineRunStatus.FAIL_PIPELINE_RUN,
    }
)
PIPELINE_RUN_STOPPABLE = frozenset(
    {PipelineRunStatus.CREATE_REQUESTED, PipelineRunStatus.CREATE_IN_PROGRESS, PipelineRunStatus.RUNNING}
)


class RecurringRunStatus(str, Enum):
    CREATE_REQUESTED = "CREATE REQUESTED"
    CREATE_FAILED = "CREATE FAILED"
    ENABLED = "ENABLED"
    ENABLED_EXPIRED = "ENABLED(EXPIRED)"
    DISABLED = "DISABLED"


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
