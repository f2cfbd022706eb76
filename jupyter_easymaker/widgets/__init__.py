"""ipywidgets over the client: live views of work submitted from a cell."""

from __future__ import annotations

from .training import TrainingMonitor

__all__ = ["TrainingMonitor"]
