"""Backends turn a workload spec into running work and report what they observe.

They know nothing of HTTP or the store. `local` runs on this machine; `kubernetes` (a later
issue) maps the same contract onto Training Operator jobs.
"""

from .base import Backend, LogLine, Observation, Phase, UsageSample, WorkSpec

__all__ = ["Backend", "LogLine", "Observation", "Phase", "UsageSample", "WorkSpec"]
