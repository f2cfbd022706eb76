"""Training templates: /training-templates."""

from __future__ import annotations

from ..resources import templates
from ..resources.schema import TemplateCreate, TemplateUpdate, parse
from .base import APPKEY, ID, ApiHandler, endpoint, run

TEMPLATE_ID = ID.format("template_id")


class TemplatesHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        found = await run(templates.list_, self.platform, appkey, self.list_arg("trainingTemplateNameList"))
        self.respond({"trainingTemplateList": found, "paging": {"totalCount": len(found)}})

    @endpoint
    async def post(self, appkey: str) -> None:
        body = parse(TemplateCreate, self.json_body())
        self.respond({"trainingTemplate": await run(templates.create, self.platform, appkey, body)}, 201)


class TemplateHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, template_id: str) -> None:
        self.respond({"trainingTemplate": await run(templates.get, self.platform, appkey, template_id)})

    @endpoint
    async def put(self, appkey: str, template_id: str) -> None:
        body = parse(TemplateUpdate, self.json_body())
        self.respond({"trainingTemplate": await run(templates.update, self.platform, appkey, template_id, body)})

    @endpoint
    async def delete(self, appkey: str, template_id: str) -> None:
        await run(templates.delete, self.platform, appkey, template_id)
        self.respond()


class TemplateCopyHandler(ApiHandler):
    @endpoint
    async def post(self, appkey: str, template_id: str) -> None:
        body = parse(TemplateUpdate, self.json_body())
        self.respond({"trainingTemplate": await run(templates.copy, self.platform, appkey, template_id, body)}, 201)


def routes(prefix: str) -> list[tuple[str, type]]:
    return [
        (rf"{prefix}/{APPKEY}/training-templates", TemplatesHandler),
        (rf"{prefix}/{APPKEY}/training-templates/{TEMPLATE_ID}", TemplateHandler),
        (rf"{prefix}/{APPKEY}/training-templates/{TEMPLATE_ID}/copy", TemplateCopyHandler),
    ]
