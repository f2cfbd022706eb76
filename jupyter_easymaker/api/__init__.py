"""Tornado handlers, one module per resource family, all under {base_url}easymaker/v1.0/appkeys/{appkey}/…"""

from __future__ import annotations

from tornado import web

from . import (
    batch_inferences,
    catalog,
    endpoints,
    experiments,
    gateway,
    logs,
    models,
    notebook_proxy,
    notebooks,
    openapi,
    pipelines,
    pod,
    templates,
    tensorboard,
    trainings,
    tunings,
    ui,
)
from .base import ApiHandler, endpoint

API_ROOT = "easymaker"
FAMILIES = (
    catalog, experiments, templates, trainings, tunings, logs, models, endpoints, batch_inferences, pod,
    notebooks, pipelines,
)  # fmt: skip


class RegionProbeHandler(ApiHandler):
    """The SDK checks that its API URL answers (GET …/nhn-api-gateway) before it will talk to it. No auth needed."""

    def get(self) -> None:
        self.finish({"status": "ok"})


class InfoHandler(ApiHandler):
    """What a client needs to know about this server before it picks an appkey."""

    @endpoint
    async def get(self) -> None:
        from .. import __version__

        info = {
            "version": __version__,
            "backend": self.settings["easymaker_backend"],
            "defaultAppkey": self.settings["easymaker_default_appkey"],
            "region": self.platform.region,
        }
        self.respond({"info": info})


class NoRouteHandler(ApiHandler):
    """Anything under easymaker/ that no route matches: the envelope, never Jupyter's HTML page."""

    def prepare(self) -> None:
        raise web.HTTPError(404, f"No API route {self.request.method} {self.request.path}; see easymaker/openapi.json")


def handlers(base_url: str) -> list[tuple[str, type]]:
    """What the server registers: the documented routes, TensorBoard's and notebooks' pages, the inference gateway,
    then the fallback for the rest."""
    root = f"{base_url.rstrip('/')}/{API_ROOT}"
    boards = tensorboard.routes(f"{root}/v1.0/appkeys")
    opened = notebook_proxy.routes(root)
    return [*routes(base_url), *boards, *opened, *gateway.routes(root), (f"{root}/.*", NoRouteHandler)]


def routes(base_url: str) -> list[tuple[str, type]]:
    root = f"{base_url.rstrip('/')}/{API_ROOT}"
    prefix = f"{root}/v1.0/appkeys"
    found = [route for family in FAMILIES for route in family.routes(prefix)]
    return [
        *found,
        *ui.routes(root),
        (f"{root}/v1.0/info", InfoHandler),
        (f"{root}/openapi.json", openapi.OpenApiHandler),
        (f"{root}/nhn-api-gateway", RegionProbeHandler),
    ]
