"""Experiments: /experiments."""

from __future__ import annotations

from ..resources import experiments
from ..resources.schema import ExperimentCreate, ExperimentUpdate, parse
from .base import APPKEY, ID, ApiHandler, endpoint, run

EXPERIMENT_ID = ID.format("experiment_id")


class ExperimentsHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        found = await run(
            experiments.list_,
            self.platform,
            appkey,
            self.list_arg("experimentIdList"),
            self.list_arg("experimentNameList"),
        )
        self.respond({"experimentList": found, "paging": {"totalCount": len(found)}})

    @endpoint
    async def post(self, appkey: str) -> None:
        body = parse(ExperimentCreate, self.json_body())
        self.respond({"experiment": await run(experiments.create, self.platform, appkey, body)}, 201)


class ExperimentHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, experiment_id: str) -> None:
        self.respond({"experiment": await run(experiments.get, self.platform, appkey, experiment_id)})

    @endpoint
    async def put(self, appkey: str, experiment_id: str) -> None:
        body = parse(ExperimentUpdate, self.json_body())
        self.respond({"experiment": await run(experiments.update, self.platform, appkey, experiment_id, body)})

    @endpoint
    async def delete(self, appkey: str, experiment_id: str) -> None:
        await run(experiments.delete, self.platform, appkey, experiment_id)
        self.respond()


class ExperimentRetryHandler(ApiHandler):
    @endpoint
    async def put(self, appkey: str, experiment_id: str) -> None:
        self.respond({"experiment": await run(experiments.retry, self.platform, appkey, experiment_id)})


def routes(prefix: str) -> list[tuple[str, type]]:
    return [
        (rf"{prefix}/{APPKEY}/experiments", ExperimentsHandler),
        (rf"{prefix}/{APPKEY}/experiments/{EXPERIMENT_ID}", ExperimentHandler),
        (rf"{prefix}/{APPKEY}/experiments/{EXPERIMENT_ID}/retry", ExperimentRetryHandler),
    ]
