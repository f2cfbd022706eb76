"""Trainings: /trainings."""

from __future__ import annotations

from ..resources import trainings
from ..resources.schema import TrainingCopy, TrainingCreate, parse, query_int
from .base import APPKEY, ID, ApiHandler, endpoint, run

TRAINING_ID = ID.format("training_id")
FILTERS = ("trainingIdList", "trainingNameList", "experimentIdList", "experimentId", "trainingStatusCodeList")


class TrainingsHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        filters = {name: self.list_arg(name) for name in FILTERS}
        found = await run(trainings.list_, self.platform, appkey, filters)
        self.respond({"trainingList": found, "paging": {"totalCount": len(found)}})

    @endpoint
    async def post(self, appkey: str) -> None:
        body = parse(TrainingCreate, self.json_body())
        self.respond({"training": await run(trainings.create, self.platform, appkey, body)}, 201)


class TrainingHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, training_id: str) -> None:
        self.respond({"training": await run(trainings.get, self.platform, appkey, training_id)})

    @endpoint
    async def delete(self, appkey: str, training_id: str) -> None:
        await run(trainings.delete, self.platform, appkey, training_id)
        self.respond()


class TrainingStopHandler(ApiHandler):
    @endpoint
    async def put(self, appkey: str, training_id: str) -> None:
        self.respond({"training": await run(trainings.stop, self.platform, appkey, training_id)})


class TrainingCopyHandler(ApiHandler):
    @endpoint
    async def post(self, appkey: str, training_id: str) -> None:
        body = parse(TrainingCopy, self.json_body())
        self.respond({"training": await run(trainings.copy, self.platform, appkey, training_id, body)}, 201)


class TrainingMetricsHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, training_id: str) -> None:
        names = self.list_arg("metricNameList")
        max_points = query_int(self.get_query_argument("maxPoints", None), "maxPoints", 0, 2, 100000) or None
        self.respond(await run(trainings.metrics, self.platform, appkey, training_id, names, max_points))


class TrainingMonitoringHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, training_id: str) -> None:
        self.respond({"usageList": await run(trainings.monitoring, self.platform, appkey, training_id)})


def routes(prefix: str) -> list[tuple[str, type]]:
    base = rf"{prefix}/{APPKEY}/trainings"
    return [
        (base, TrainingsHandler),
        (rf"{base}/{TRAINING_ID}", TrainingHandler),
        (rf"{base}/{TRAINING_ID}/stop", TrainingStopHandler),
        (rf"{base}/{TRAINING_ID}/copy", TrainingCopyHandler),
        (rf"{base}/{TRAINING_ID}/metrics", TrainingMetricsHandler),
        (rf"{base}/{TRAINING_ID}/monitoring", TrainingMonitoringHandler),
    ]
