"""Persistence: the store is the truth for every resource's desired and observed state."""

from .db import Store
from .models import (
    ApiCallStatRow,
    BatchInferenceRow,
    EndpointModelRow,
    EndpointRow,
    EndpointStageRow,
    ExperimentRow,
    LogRow,
    MetricRow,
    ModelRow,
    TemplateRow,
    TrainingRow,
    UsageRow,
)

__all__ = [
    "Store",
    "ApiCallStatRow",
    "BatchInferenceRow",
    "EndpointModelRow",
    "EndpointRow",
    "EndpointStageRow",
    "ModelRow",
    "ExperimentRow",
    "LogRow",
    "MetricRow",
    "TemplateRow",
    "TrainingRow",
    "UsageRow",
]
