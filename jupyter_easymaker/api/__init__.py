"""Tornado handlers, one module per resource family, all under {base_url}easymaker/v1.0/appkeys/{appkey}/…"""

from __future__ import annotations

from tornado import web

from . import catalog, experiments, logs, openapi, templates, trainings

API_ROOT = "easymaker"
FAMILIES = (catalog, experiments, templates, trainings, logs)


class RegionProbeHandler(web.RequestHandler):
    """The SDK checks that its API URL answers (GET …/nhn-api-gateway) before it will talk to it."""

    def get(self) -> None:
        self.finish({"status": "ok"})


def routes(base_url: str) -> list[tuple[str, type]]:
    root = f"{base_url.rstrip('/')}/{API_ROOT}"
    prefix = f"{root}/v1.0/appkeys"
    found = [route for family in FAMILIES for route in family.routes(prefix)]
    return [*found, (f"{root}/openapi.json", openapi.OpenApiHandler), (f"{root}/nhn-api-gateway", RegionProbeHandler)]
