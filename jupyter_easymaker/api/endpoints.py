"""Endpoints, stages and stage resources: /endpoints, /endpoint-stages, /endpoint-models."""

from __future__ import annotations

from ..resources import endpoints
from ..resources.schema import EndpointCreate, EndpointUpdate, StageCreate, StageResourceCreate, parse, query_int
from .base import APPKEY, ID, ApiHandler, endpoint, run

ENDPOINT_ID = ID.format("endpoint_id")
STAGE_ID = ID.format("stage_id")
RESOURCE_ID = ID.format("resource_id")
FILTERS = ("endpointIdList", "endpointNameList")


class GatewayAware(ApiHandler):
    @property
    def gateway(self) -> str:
        """The gateway's root without a scheme, as the SDK wants it (it prepends https://)."""
        return f"{self.request.host}{self.base_url}easymaker/gateway"


class EndpointsHandler(GatewayAware):
    @endpoint
    async def get(self, appkey: str) -> None:
        filters = {name: self.list_arg(name) for name in FILTERS}
        found = await run(endpoints.list_endpoints, self.platform, appkey, filters, self.gateway)
        self.respond({"endpointList": found, "paging": {"totalCount": len(found)}})

    @endpoint
    async def post(self, appkey: str) -> None:
        body = parse(EndpointCreate, self.json_body())
        self.respond({"endpoint": await run(endpoints.create_endpoint, self.platform, appkey, body, self.gateway)}, 201)


class EndpointHandler(GatewayAware):
    @endpoint
    async def get(self, appkey: str, endpoint_id: str) -> None:
        self.respond({"endpoint": await run(endpoints.get_endpoint, self.platform, appkey, endpoint_id, self.gateway)})

    @endpoint
    async def put(self, appkey: str, endpoint_id: str) -> None:
        body = parse(EndpointUpdate, self.json_body())
        found = await run(endpoints.update_endpoint, self.platform, appkey, endpoint_id, body, self.gateway)
        self.respond({"endpoint": found})

    @endpoint
    async def delete(self, appkey: str, endpoint_id: str) -> None:
        await run(endpoints.delete_endpoint, self.platform, appkey, endpoint_id)
        self.respond()


class EndpointApiKeyHandler(ApiHandler):
    @endpoint
    async def post(self, appkey: str, endpoint_id: str) -> None:
        key = await run(endpoints.new_api_key, self.platform, appkey, endpoint_id)
        self.respond({"apiKey": key}, 201)


class EndpointTopHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        minutes = query_int(self.get_query_argument("minutes", None), "minutes", 60 * 24, 1, 60 * 24 * 31)
        count = query_int(self.get_query_argument("count", None), "count", 3, 1, 100)
        self.respond({"endpointStatisticsList": await run(endpoints.top_endpoints, self.platform, appkey, minutes,
                                                          count)})  # fmt: skip


class StagesHandler(GatewayAware):
    @endpoint
    async def get(self, appkey: str) -> None:
        endpoint_id = self.get_query_argument("endpointId", None)
        found = await run(endpoints.list_stages, self.platform, appkey, endpoint_id, self.gateway)
        self.respond({"endpointStageList": found, "paging": {"totalCount": len(found)}})

    @endpoint
    async def post(self, appkey: str) -> None:
        body = parse(StageCreate, self.json_body())
        found = await run(endpoints.create_stage, self.platform, appkey, body, self.gateway)
        self.respond({"endpointStage": found}, 201)


class StageHandler(GatewayAware):
    @endpoint
    async def get(self, appkey: str, stage_id: str) -> None:
        found = await run(endpoints.get_stage, self.platform, appkey, stage_id, self.gateway)
        self.respond({"endpointStage": found})

    @endpoint
    async def delete(self, appkey: str, stage_id: str) -> None:
        await run(endpoints.delete_stage, self.platform, appkey, stage_id)
        self.respond()


class StageStatisticsHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, stage_id: str) -> None:
        minutes = query_int(self.get_query_argument("minutes", None), "minutes", 60, 1, 60 * 24 * 31)
        self.respond(await run(endpoints.stage_statistics, self.platform, appkey, stage_id, minutes))


class StageMonitoringHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str, stage_id: str) -> None:
        self.respond(await run(endpoints.stage_monitoring, self.platform, appkey, stage_id))


class ResourcesHandler(GatewayAware):
    @endpoint
    async def get(self, appkey: str) -> None:
        stage_id = self.get_query_argument("endpointStageId", None)
        found = await run(endpoints.list_resources, self.platform, appkey, stage_id, self.gateway)
        self.respond({"endpointModelList": found, "paging": {"totalCount": len(found)}})

    @endpoint
    async def post(self, appkey: str) -> None:
        body = parse(StageResourceCreate, self.json_body())
        found = await run(endpoints.create_resource, self.platform, appkey, body, self.gateway)
        self.respond({"endpointModel": found}, 201)


class ResourceHandler(GatewayAware):
    @endpoint
    async def get(self, appkey: str, resource_id: str) -> None:
        found = await run(endpoints.get_resource, self.platform, appkey, resource_id, self.gateway)
        self.respond({"endpointModel": found})

    @endpoint
    async def delete(self, appkey: str, resource_id: str) -> None:
        await run(endpoints.delete_resource, self.platform, appkey, resource_id)
        self.respond()


def routes(prefix: str) -> list[tuple[str, type]]:
    root = rf"{prefix}/{APPKEY}"
    return [
        (rf"{root}/endpoints", EndpointsHandler),
        (rf"{root}/endpoints/statistics", EndpointTopHandler),
        (rf"{root}/endpoints/{ENDPOINT_ID}", EndpointHandler),
        (rf"{root}/endpoints/{ENDPOINT_ID}/api-key", EndpointApiKeyHandler),
        (rf"{root}/endpoint-stages", StagesHandler),
        (rf"{root}/endpoint-stages/{STAGE_ID}", StageHandler),
        (rf"{root}/endpoint-stages/{STAGE_ID}/statistics", StageStatisticsHandler),
        (rf"{root}/endpoint-stages/{STAGE_ID}/monitoring", StageMonitoringHandler),
        (rf"{root}/endpoint-models", ResourcesHandler),
        (rf"{root}/endpoint-models/{RESOURCE_ID}", ResourceHandler),
    ]
