"""Models: /models."""

from __future__ import annotations

from ..resources import models
from ..resources.schema import ModelCreate, ModelUpdate, parse
from .base import APPKEY, ID, ApiHandler, endpoint, run

MODEL_ID = ID.format("model_id")
FILTERS = ("modelIdList", "modelNameList", "modelStatusCodeList")


class ModelsHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        filters = {name: self.list_arg(name) for name in FILTERS}
        found = await run(models.list_, self.platform, appkey, filters)
        self.respond({"modelList": found, "paging": {"totalCount": len(found)}})

    @endpoint
    async def post(self, appkey: str) -> None:
        body = parse(ModelCreate, self.json_body())
        self.respond({"model": await run(models.create, self.platform, appkey, body)}, 201)


class ModelHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, model_id: str) -> None:
        self.respond({"model": await run(models.get, self.platform, appkey, model_id)})

    @endpoint
    async def put(self, appkey: str, model_id: str) -> None:
        body = parse(ModelUpdate, self.json_body())
        self.respond({"model": await run(models.update, self.platform, appkey, model_id, body)})

    @endpoint
    async def delete(self, appkey: str, model_id: str) -> None:
        await run(models.delete, self.platform, appkey, model_id)
        self.respond()


def routes(prefix: str) -> list[tuple[str, type]]:
    base = rf"{prefix}/{APPKEY}/models"
    return [(base, ModelsHandler), (rf"{base}/{MODEL_ID}", ModelHandler)]
