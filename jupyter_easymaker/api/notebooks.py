"""Notebook instances: /notebooks."""

from __future__ import annotations

from ..resources import notebooks
from ..resources.schema import NotebookCreate, NotebookFlavorChange, NotebookUpdate, parse
from .base import APPKEY, ID, ApiHandler, endpoint, run

NOTEBOOK_ID = ID.format("notebook_id")
FILTERS = ("notebookIdList", "notebookNameList", "notebookStatusCodeList")


class NotebooksHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        filters = {name: self.list_arg(name) for name in FILTERS}
        found = await run(notebooks.list_, self.platform, appkey, filters)
        self.respond({"notebookList": found, "paging": {"totalCount": len(found)}})

    @endpoint
    async def post(self, appkey: str) -> None:
        body = parse(NotebookCreate, self.json_body())
        self.respond({"notebook": await run(notebooks.create, self.platform, appkey, body)}, 201)


class NotebookHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, notebook_id: str) -> None:
        self.respond({"notebook": await run(notebooks.get, self.platform, appkey, notebook_id)})

    @endpoint
    async def put(self, appkey: str, notebook_id: str) -> None:
        body = parse(NotebookUpdate, self.json_body())
        self.respond({"notebook": await run(notebooks.update, self.platform, appkey, notebook_id, body)})

    @endpoint
    async def delete(self, appkey: str, notebook_id: str) -> None:
        self.respond({"notebook": await run(notebooks.delete, self.platform, appkey, notebook_id)})


class NotebookStartHandler(ApiHandler):
    @endpoint
    async def put(self, appkey: str, notebook_id: str) -> None:
        self.respond({"notebook": await run(notebooks.start, self.platform, appkey, notebook_id)})


class NotebookStopHandler(ApiHandler):
    @endpoint
    async def put(self, appkey: str, notebook_id: str) -> None:
        self.respond({"notebook": await run(notebooks.stop, self.platform, appkey, notebook_id)})


class NotebookRebootHandler(ApiHandler):
    @endpoint
    async def put(self, appkey: str, notebook_id: str) -> None:
        self.respond({"notebook": await run(notebooks.reboot, self.platform, appkey, notebook_id)})


class NotebookFlavorHandler(ApiHandler):
    @endpoint
    async def put(self, appkey: str, notebook_id: str) -> None:
        body = parse(NotebookFlavorChange, self.json_body())
        self.respond({"notebook": await run(notebooks.change_flavor, self.platform, appkey, notebook_id, body)})


class NotebookMonitoringHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, notebook_id: str) -> None:
        self.respond({"usageList": await run(notebooks.monitoring, self.platform, appkey, notebook_id)})


def routes(prefix: str) -> list[tuple[str, type]]:
    base = rf"{prefix}/{APPKEY}/notebooks"
    return [
        (base, NotebooksHandler),
        (rf"{base}/{NOTEBOOK_ID}", NotebookHandler),
        (rf"{base}/{NOTEBOOK_ID}/start", NotebookStartHandler),
        (rf"{base}/{NOTEBOOK_ID}/stop", NotebookStopHandler),
        (rf"{base}/{NOTEBOOK_ID}/reboot", NotebookRebootHandler),
        (rf"{base}/{NOTEBOOK_ID}/flavor", NotebookFlavorHandler),
        (rf"{base}/{NOTEBOOK_ID}/monitoring", NotebookMonitoringHandler),
    ]
