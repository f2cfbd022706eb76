"""The API gateway: {base_url}easymaker/gateway/{endpoint}[/{stage}]{resource path}[/v1/…|/v2/…] → the stage's
model server. A call is let in by the endpoint's API key (x-nhn-apikey), by the server's own authentication, or
by nothing at all when the endpoint is public. Every call is counted per stage resource (API statistics); on a
stage with log management (useLog) each call also becomes an `easymaker.inference` log record. Both are kept in
memory and written every FLUSH_SECONDS off the event loop, so a call never waits for the store."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx
from tornado import ioloop, iostream

from ..platform import Platform
from ..resources import endpoints, logs
from ..resources.endpoints import CallTally, EndpointRoute, StageRoute
from .base import ApiHandler, run

log = logging.getLogger(__name__)

ROUTE_TTL_SECONDS = 0.5  # the controller keeps removed resources serving longer than this
FLUSH_SECONDS = 2.0
REQUEST_ID_HEADER = "X-Request-ID"


class Gateway:
    """Route cache and call tallies shared by all gateway requests of this server."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._routes: dict[str, tuple[float, EndpointRoute | None]] = {}
        self._tallies: dict[tuple[str, datetime], CallTally] = {}
        self._records: list[dict] = []
        self._flusher: ioloop.PeriodicCallback | None = None
        # kept-alive connections to the stages' model servers (a new connection per call costs a third)
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=64)
        self.client = httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(600.0, connect=10.0))

    async def route(self, endpoint_name: str, fresh: bool = False) -> EndpointRoute | None:
        cached = self._routes.get(endpoint_name)
        if cached and not fresh and time.monotonic() - cached[0] < ROUTE_TTL_SECONDS:
            return cached[1]
        found = await run(endpoints.route_table, self.platform, endpoint_name)
        self._routes[endpoint_name] = (time.monotonic(), found)
        return found

    def count(self, route: EndpointRoute, stage: StageRoute, resource_id: str, status: int, seconds: float) -> None:
        minute = datetime.now(timezone.utc).replace(tzinfo=None, second=0, microsecond=0)
        key = (resource_id, minute)
        tally = self._tallies.get(key)
        if tally is None:
            tally = self._tallies[key] = CallTally(route.endpoint_id, stage.stage_id, resource_id, minute)
        tally.add(status, seconds * 1000)
        self._start_flushing()

    def log_call(self, route: EndpointRoute, target: Target, request: dict, status: int, seconds: float) -> None:
        """One easymaker.inference record (the call, not its payload), written with the next flush."""
        body = {**request, "status": status, "latencyMs": round(seconds * 1000, 3)}
        self._records.append({
            "appkey": route.appkey, "category": logs.INFERENCE, "resource_id": target.stage.stage_id,
            "parent_id": route.endpoint_id, "log_level": logs.level_of_status(status), "body": json.dumps(body),
            "time": datetime.now(timezone.utc).replace(tzinfo=None),
            "fields": {"inferenceId": request["inferenceId"], "action": request["action"],
                       "modelName": target.model},
        })  # fmt: skip
        self._start_flushing()

    def _start_flushing(self) -> None:
        if self._flusher is None:
            self._flusher = ioloop.PeriodicCallback(self.flush, FLUSH_SECONDS * 1000)
            self._flusher.start()

    async def flush(self) -> None:
        tallies, self._tallies = list(self._tallies.values()), {}
        records, self._records = self._records, []
        if tallies:
            try:
                await asyncio.to_thread(endpoints.record_calls, self.platform, tallies)
            except Exception:
                log.exception("recording API statistics failed")
        if records:
            try:
                await asyncio.to_thread(logs.append, self.platform, records)
            except Exception:
                log.exception("recording %d inference log records failed", len(records))

    def stop(self) -> None:
        if self._flusher is not None:
            self._flusher.stop()
        if self._tallies:
            endpoints.record_calls(self.platform, list(self._tallies.values()))
            self._tallies = {}
        if self._records:
            logs.append(self.platform, self._records)
            self._records = []


@dataclass
class Target:
    stage: StageRoute
    resource_id: str
    model: str
    remainder: str


class GatewayHandler(ApiHandler):
    @property
    def gateway(self) -> Gateway:
        return self.settings["easymaker_gateway"]

    def check_xsrf_cookie(self) -> None:
        """Inference clients send no cookies: without one there is nothing to forge."""
        if self.request.headers.get("Cookie"):
            super().check_xsrf_cookie()

    def error(self, status: int, message: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": message}))

    async def get(self, endpoint_name: str, rest: str | None) -> None:
        await self.forward(endpoint_name, rest or "")

    async def post(self, endpoint_name: str, rest: str | None) -> None:
        await self.forward(endpoint_name, rest or "")

    async def forward(self, endpoint_name: str, rest: str) -> None:
        route = await self.gateway.route(endpoint_name)
        if route is None:
            return self.error(404, f"No endpoint named '{endpoint_name}'.")
        refusal = self.refusal(route)
        if refusal and "x-nhn-apikey" in self.request.headers:  # a key renewed since the route was cached
            route = await self.gateway.route(endpoint_name, fresh=True)
            refusal = self.refusal(route) if route else refusal
        if refusal or route is None:
            return self.error(401, refusal or "The endpoint is gone.")
        inference_id = self.request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex
        self.set_header(REQUEST_ID_HEADER, inference_id)
        response: httpx.Response | None = None
        for attempt in (1, 2):
            target = self.target(route, rest)
            if isinstance(target, str):
                return self.error(404, target)
            if not target.stage.address:
                if target.stage.use_log:
                    self.gateway.log_call(route, target, self.call(inference_id, ""), 503, 0.0)
                return self.error(503, f"Stage '{target.stage.name}' is not serving yet; see its status.")
            started = time.perf_counter()
            upstream = self.upstream_path(target)
            try:
                request = self.gateway.client.build_request(
                    self.request.method, f"http://{target.stage.address}{upstream}",
                    content=self.request.body if self.request.method == "POST" else None,
                    headers={"Content-Type": self.request.headers.get("Content-Type", "application/json"),
                             REQUEST_ID_HEADER: inference_id},
                )  # fmt: skip
                response = await self.gateway.client.send(request, stream=True)
            except httpx.TransportError as err:
                fresh = await self.gateway.route(endpoint_name, fresh=True) if attempt == 1 else None
                if fresh is None and attempt == 1:
                    return self.error(404, f"No endpoint named '{endpoint_name}'.")
                if fresh is not None and attempt == 1:  # the stage moved or went since the route was cached, or
                    route = fresh  # a kept-alive connection's process ended (a pool shrank): once more, afresh
                    continue
                self.done(route, target, inference_id, upstream, 502, started)
                return self.error(502, f"stage '{target.stage.name}' did not answer: {err!r}")
            break
        assert response is not None
        try:
            await self.relay(response)
        finally:
            await response.aclose()
            self.done(route, target, inference_id, upstream, response.status_code, started)

    def done(self, route: EndpointRoute, target: Target, inference_id: str, upstream: str, status: int,
             started: float) -> None:  # fmt: skip
        """The call is counted (API statistics) and, on a stage with log management, logged."""
        seconds = time.perf_counter() - started
        self.gateway.count(route, target.stage, target.resource_id, status, seconds)
        if target.stage.use_log:
            self.gateway.log_call(route, target, self.call(inference_id, upstream), status, seconds)

    async def relay(self, response: httpx.Response) -> None:
        """The model server's answer; an event stream (OpenAI `stream: true`) is passed on event by event as the
        model generates, not gathered first."""
        self.set_status(response.status_code)
        content_type = response.headers.get("Content-Type", "application/json")
        self.set_header("Content-Type", content_type)
        if not content_type.startswith("text/event-stream"):
            try:
                body = await response.aread()
            except httpx.TransportError as err:
                return self.error(502, f"the stage's answer broke off: {err!r}")
            return self.finish(body)
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")
        try:
            async for chunk in response.aiter_raw():
                self.write(chunk)
                await self.flush()
        except iostream.StreamClosedError:
            return  # the caller went away: closing the upstream response tells the model server to stop
        except httpx.TransportError:
            pass  # the stage ended mid-stream: end ours too
        self.finish()

    def call(self, inference_id: str, upstream: str) -> dict:
        """What an inference record says of the call: Endpoint.Model (an inference) or Endpoint.Model.Metadata."""
        action = "Endpoint.Model" if self.request.method == "POST" else "Endpoint.Model.Metadata"
        return {"inferenceId": inference_id, "action": action, "method": self.request.method,
                "path": self.request.path, "upstreamPath": upstream}  # fmt: skip

    def refusal(self, route: EndpointRoute) -> str | None:
        key = self.request.headers.get("x-nhn-apikey")
        if key is not None:
            if route.api_key_hash and endpoints.hash_key(key) == route.api_key_hash:
                return None
            return "Unknown API key for this endpoint (x-nhn-apikey)."
        if route.is_public or self.current_user:
            return None
        return "This endpoint needs its API key in the x-nhn-apikey header (or the server's token)."

    @staticmethod
    def target(route: EndpointRoute, rest: str) -> Target | str:
        first, _, after = rest.lstrip("/").partition("/")
        if first in route.stages:
            stage, rest = route.stages[first], f"/{after}" if after else ""
        elif route.default_stage in route.stages:
            stage = route.stages[route.default_stage]
        else:
            return f"Endpoint has no stage '{first}' and no default stage."
        for path, resource_id, model in stage.resources:
            if rest == path or rest.startswith(path + "/"):
                return Target(stage, resource_id, model, rest[len(path) :])
        paths = ", ".join(p for p, _, _ in stage.resources) or "none"
        return f"Stage '{stage.name}' has no resource at '{rest or '/'}'; its resource paths: {paths}."

    def upstream_path(self, target: Target) -> str:
        """The resource path itself is the model's inference URL: v2 when the body has "inputs", OpenAI chat or
        completions when it has "messages" or "prompt", else v1."""
        remainder = target.remainder.rstrip("/")
        if remainder:
            return remainder
        if self.request.method == "GET":
            return f"/v1/models/{target.model}"
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            body = None
        if isinstance(body, dict) and "inputs" in body:
            return f"/v2/models/{target.model}/infer"
        if isinstance(body, dict) and "messages" in body:  # an OpenAI body: the generative model's own routes
            return "/openai/v1/chat/completions"
        if isinstance(body, dict) and "prompt" in body:
            return "/openai/v1/completions"
        return f"/v1/models/{target.model}/predict"


def routes(root: str) -> list[tuple[str, type]]:
    return [(rf"{root}/gateway/(?P<endpoint_name>[A-Za-z0-9_-]+)(?P<rest>/.*)?", GatewayHandler)]
