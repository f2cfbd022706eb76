"""Persistence: the store is the truth for every resource's desired and observed state."""

from .db import Store
from .models import (
    ExperimentRow,
    LogRow,
    MetricRow,
    NotebookRow,
    PipelineRecurringRunRow,
    PipelineRow,
    PipelineRunRow,
    TemplateRow,
    TrainingRow,
    TrialRow,
    TuningRow,
    UsageRow,
)

__all__ = [
    "Store",
    "ExperimentRow",
    "LogRow",
    "MetricRow",
    "NotebookRow",
    "PipelineRecurringRunRow",
    "PipelineRow",
    "PipelineRunRow",
    "TemplateRow",
    "TrainingRow",
    "TrialRow",
    "TuningRow",
    "UsageRow",
]
