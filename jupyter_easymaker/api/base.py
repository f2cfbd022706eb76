"""What every route shares: the SDK's auth headers, the response envelope, errors that name the field."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from ..errors import EasyMakerError
from ..platform import Platform

APPKEY = r"(?P<appkey>[A-Za-z0-9_-]{1,64})"
ID = r"(?P<{}>[A-Za-z0-9-]{{1,64}})"


def header(ok: bool, code: int = 0, message: str = "SUCCESS") -> dict:
    return {"header": {"isSuccessful": ok, "resultCode": code, "resultMessage": message}}


class ApiHandler(ExtensionHandlerMixin, APIHandler):
    """Jupyter's authentication guards every route; the SDK's headers carry the server token."""

    async def prepare(self) -> None:
        headers = self.request.headers
        if not headers.get("Authorization"):
            token = headers.get("X-EasyMaker-Token") or _bearer(headers.get("x-nhn-authorization", ""))
            if token:
                headers["Authorization"] = f"token {token}"
        await super().prepare()

    @property
    def platform(self) -> Platform:
        return self.settings["easymaker_platform"]

    def json_body(self) -> Any:
        if not self.request.body:
            return {}
        try:
            return json.loads(self.request.body)
        except ValueError as err:
            raise EasyMakerError(f"The request body is not valid JSON: {err}", 400) from None

    def list_arg(self, name: str) -> list[str]:
        """Repeated (`?a=1&a=2`) or comma-separated (`?a=1,2`) query values."""
        return [part for value in self.get_query_arguments(name) for part in value.split(",") if part]

    def respond(self, payload: dict | None = None, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({**header(True), **(payload or {})}))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if status_code == 405:
            methods = [m for m in ("GET", "POST", "PUT", "DELETE") if m.lower() in type(self).__dict__]
            self.set_header("Allow", ", ".join(methods))
        message = self._reason
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, web.HTTPError) and exc.log_message:
            message = exc.log_message % exc.args if exc.args else exc.log_message
        elif status_code >= 500:
            message = f"Internal server error: {exc!r}" if exc else message
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(header(False, status_code, message)))


def _bearer(value: str) -> str | None:
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def endpoint(method: Callable) -> Callable:
    """An authenticated route whose EasyMakerErrors become the SDK envelope with their status."""

    @web.authenticated
    @functools.wraps(method)
    async def wrapper(self: ApiHandler, *args: Any, **kwargs: Any) -> None:
        try:
            await method(self, *args, **kwargs)
        except EasyMakerError as err:
            self.set_status(err.status)
            self.set_header("Content-Type", "application/json")
            body = header(False, err.status, err.message)
            if err.errors:
                body["errorList"] = [e.to_wire() for e in err.errors]
            self.finish(json.dumps(body))

    return wrapper


async def run(func: Callable, *args: Any) -> Any:
    """Run a store operation off the event loop."""
    return await asyncio.to_thread(func, *args)
