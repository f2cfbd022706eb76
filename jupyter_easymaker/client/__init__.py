"""A Python client for the EasyMaker REST API of a running Jupyter server (what the magics and widgets use).

>>> from jupyter_easymaker.client import EasyMakerClient
>>> client = EasyMakerClient()  # finds the running server, as `jupyter server list` does
>>> experiment = client.ensure_experiment("demo")
>>> training = client.training_handle(client.create_training({...}))
>>> training.wait().metrics()
>>> client.create_model("iris", "SKLEARN", training_id=training.id)
>>> client.deploy("iris").predict([[5.1, 3.5, 1.4, 0.2]])
"""

from __future__ import annotations

from .api import FINAL_STATUSES, EasyMakerClient, default_client
from .discovery import ServerInfo, discover
from .errors import ApiError, ClientError, ServerNotFound, UnknownName
from .serving import Endpoint, Model
from .training import Training

__all__ = [
    "FINAL_STATUSES",
    "ApiError",
    "ClientError",
    "EasyMakerClient",
    "Endpoint",
    "Model",
    "ServerInfo",
    "ServerNotFound",
    "Training",
    "UnknownName",
    "default_client",
    "discover",
]
