"""Hyperparameter tunings: /hyperparameter-tunings and their trials."""

from __future__ import annotations

from ..resources import tunings
from ..resources.schema import TuningCopy, TuningCreate, parse
from .base import APPKEY, ID, ApiHandler, endpoint, run

TUNING_ID = ID.format("hyperparameter_tuning_id")
FILTERS = (
    "hyperparameterTuningIdList", "hyperparameterTuningNameList", "experimentIdList", "experimentId",
    "hyperparameterTuningStatusCodeList",
)  # fmt: skip


class TuningsHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        filters = {name: self.list_arg(name) for name in FILTERS}
        found = await run(tunings.list_, self.platform, appkey, filters)
        self.respond({"hyperparameterTuningList": found, "paging": {"totalCount": len(found)}})

    @endpoint
    async def post(self, appkey: str) -> None:
        body = parse(TuningCreate, self.json_body())
        self.respond({"hyperparameterTuning": await run(tunings.create, self.platform, appkey, body)}, 201)


class TuningHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, hyperparameter_tuning_id: str) -> None:
        found = await run(tunings.get, self.platform, appkey, hyperparameter_tuning_id)
        self.respond({"hyperparameterTuning": found})

    @endpoint
    async def delete(self, appkey: str, hyperparameter_tuning_id: str) -> None:
        await run(tunings.delete, self.platform, appkey, hyperparameter_tuning_id)
        self.respond()


class TuningStopHandler(ApiHandler):
    @endpoint
    async def put(self, appkey: str, hyperparameter_tuning_id: str) -> None:
        found = await run(tunings.stop, self.platform, appkey, hyperparameter_tuning_id)
        self.respond({"hyperparameterTuning": found})


class TuningCopyHandler(ApiHandler):
    @endpoint
    async def post(self, appkey: str, hyperparameter_tuning_id: str) -> None:
        body = parse(TuningCopy, self.json_body())
        found = await run(tunings.copy, self.platform, appkey, hyperparameter_tuning_id, body)
        self.respond({"hyperparameterTuning": found}, 201)


class TrialsHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, hyperparameter_tuning_id: str) -> None:
        statuses = self.list_arg("trialStatusCodeList")
        found = await run(tunings.trials, self.platform, appkey, hyperparameter_tuning_id, statuses)
        self.respond({"trialList": found, "paging": {"totalCount": len(found)}})


def routes(prefix: str) -> list[tuple[str, type]]:
    base = rf"{prefix}/{APPKEY}/hyperparameter-tunings"
    return [
        (base, TuningsHandler),
        (rf"{base}/{TUNING_ID}", TuningHandler),
        (rf"{base}/{TUNING_ID}/stop", TuningStopHandler),
        (rf"{base}/{TUNING_ID}/copy", TuningCopyHandler),
        (rf"{base}/{TUNING_ID}/trials", TrialsHandler),
    ]
