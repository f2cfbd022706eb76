"""Batch inferences: /batch-inferences."""

from __future__ import annotations

from ..resources import batch_inferences
from ..resources.schema import BatchInferenceCopy, BatchInferenceCreate, parse
from .base import APPKEY, ID, ApiHandler, endpoint, run

BATCH_ID = ID.format("batch_inference_id")
FILTERS = ("batchInferenceIdList", "batchInferenceNameList", "batchInferenceStatusCodeList")


class BatchInferencesHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        filters = {name: self.list_arg(name) for name in FILTERS}
        found = await run(batch_inferences.list_, self.platform, appkey, filters)
        self.respond({"batchInferenceList": found, "paging": {"totalCount": len(found)}})

    @endpoint
    async def post(self, appkey: str) -> None:
        body = parse(BatchInferenceCreate, self.json_body())
        self.respond({"batchInference": await run(batch_inferences.create, self.platform, appkey, body)}, 201)


class BatchInferenceHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, batch_inference_id: str) -> None:
        found = await run(batch_inferences.get, self.platform, appkey, batch_inference_id)
        self.respond({"batchInference": found})

    @endpoint
    async def delete(self, appkey: str, batch_inference_id: str) -> None:
        await run(batch_inferences.delete, self.platform, appkey, batch_inference_id)
        self.respond()


class BatchInferenceStopHandler(ApiHandler):
    @endpoint
    async def put(self, appkey: str, batch_inference_id: str) -> None:
        found = await run(batch_inferences.stop, self.platform, appkey, batch_inference_id)
        self.respond({"batchInference": found})


class BatchInferenceCopyHandler(ApiHandler):
    @endpoint
    async def post(self, appkey: str, batch_inference_id: str) -> None:
        body = parse(BatchInferenceCopy, self.json_body())
        found = await run(batch_inferences.copy, self.platform, appkey, batch_inference_id, body)
        self.respond({"batchInference": found}, 201)


class BatchInferenceMonitoringHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, batch_inference_id: str) -> None:
        self.respond(await run(batch_inferences.monitoring_of, self.platform, appkey, batch_inference_id))


def routes(prefix: str) -> list[tuple[str, type]]:
    base = rf"{prefix}/{APPKEY}/batch-inferences"
    return [
        (base, BatchInferencesHandler),
        (rf"{base}/{BATCH_ID}", BatchInferenceHandler),
        (rf"{base}/{BATCH_ID}/stop", BatchInferenceStopHandler),
        (rf"{base}/{BATCH_ID}/copy", BatchInferenceCopyHandler),
        (rf"{base}/{BATCH_ID}/monitoring", BatchInferenceMonitoringHandler),
    ]
