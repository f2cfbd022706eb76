"""A Python client for the EasyMaker REST API of a running Jupyter server (what the magics and widgets use).

>>> from jupyter_easymaker.client import EasyMakerClient
>>> client = EasyMakerClient()  # finds the running server, as `jupyter server list` does
>>> experiment = client.ensure_experiment("demo")
>>> training = client.training_handle(client.create_training({...}))
>>> training.wait().metrics()
>>> tuning = client.tuning_handle(client.create_tuning({...}))
>>> tuning.wait().trials()
>>> client.create_model("iris", "SKLEARN", training_id=training.id)
>>> client.deploy("iris").predict([[5.1, 3.5, 1.4, 0.2]])
"""

from __future__ import annotations

from .api import FINAL_STATUSES, EasyMakerClient, default_client
from .discovery import ServerInfo, discover
from .errors import ApiError, ClientError, ServerNotFound, UnknownName
from .pipelines import Pipeline, PipelineRun, RecurringRun
from .serving import Endpoint, Model
from .training import Training
from .tuning import Tuning

__all__ = [
    "FINAL_STATUSES",
    "Pipeline",
    "PipelineRun",
    "RecurringRun",
    "ApiError",
    "ClientError",
    "EasyMakerClient",
    "Endpoint",
    "Model",
    "ServerInfo",
    "ServerNotFound",
    "Training",
    "Tuning",
    "UnknownName",
    "default_client",
    "discover",
]
