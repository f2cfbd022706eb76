"""Images, instance types (flavors) and algorithms the platform offers."""

from __future__ import annotations

from ..resources.catalog import images_for_group
from .base import APPKEY, ApiHandler, endpoint


class ImagesHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        images = images_for_group(list(self.platform.catalog.images.values()), self.list_arg("groupTypeCodeList"))
        self.respond({"imageList": [i.to_wire() for i in images]})


class FlavorsHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        flavors = self.platform.catalog.instance_types.values()
        self.respond({"flavorList": [f.to_wire() for f in flavors]})


class AlgorithmsHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        self.respond({"algorithmList": [a.to_wire() for a in self.platform.catalog.algorithms.values()]})


def routes(prefix: str) -> list[tuple[str, type]]:
    return [
        (rf"{prefix}/{APPKEY}/images", ImagesHandler),
        (rf"{prefix}/{APPKEY}/flavors", FlavorsHandler),
        (rf"{prefix}/{APPKEY}/algorithms", AlgorithmsHandler),
    ]
