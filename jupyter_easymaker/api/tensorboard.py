"""TensorBoard for an experiment or a training, behind the server's auth: …/{kind}/{id}/tensorboard/ (a proxy).

Not part of the JSON API (and so not in openapi.json): it serves TensorBoard's own pages, for a lab tab or an
IFrame in a notebook.
"""

from __future__ import annotations

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import httpclient, web

from ..errors import EasyMakerError
from ..resources.tensorboard import LOG_DIRS
from .base import APPKEY, ID, run

#: Request headers that concern this hop, or that TensorBoard must not see (our auth).
PRIVATE = {"host", "connection", "authorization", "cookie", "x-easymaker-token", "x-nhn-authorization",
           "accept-encoding", "content-length", "transfer-encoding", "upgrade", "keep-alive"}  # fmt: skip
#: Response headers that concern the other hop.
HOP = {"connection", "transfer-encoding", "content-length", "content-encoding", "keep-alive", "server", "date"}


class TensorBoardHandler(ExtensionHandlerMixin, JupyterHandler):
    def check_xsrf_cookie(self) -> None:
        """TensorBoard's pages post (read-only queries) without Jupyter's XSRF token; the board is read-only."""

    @web.authenticated
    async def get(self, appkey: str, kind: str, resource_id: str, rest: str | None) -> None:
        await self.proxy(appkey, kind, resource_id, rest)

    @web.authenticated
    async def post(self, appkey: str, kind: str, resource_id: str, rest: str | None) -> None:
        await self.proxy(appkey, kind, resource_id, rest)

    async def proxy(self, appkey: str, kind: str, resource_id: str, rest: str | None) -> None:
        platform = self.settings["easymaker_platform"]
        try:
            log_dir = await run(LOG_DIRS[kind], platform, appkey, resource_id)
        except EasyMakerError as err:
            raise web.HTTPError(err.status, err.message) from None
        prefix = self.request.path[: len(self.request.path) - len(rest or "")]
        if not rest:
            query = f"?{self.request.query}" if self.request.query else ""
            self.redirect(f"{prefix}/{query}")
            return
        board = await self.settings["easymaker_tensorboards"].url(log_dir, prefix)
        headers = {k: v for k, v in self.request.headers.get_all() if k.lower() not in PRIVATE}
        response = await httpclient.AsyncHTTPClient().fetch(
            board + self.request.uri,
            method=self.request.method,
            headers=headers,
            body=self.request.body if self.request.method == "POST" else None,
            follow_redirects=False,
            raise_error=False,
            request_timeout=300,
        )
        if response.code == 599:
            raise web.HTTPError(502, f"TensorBoard did not answer: {response.error}")
        self.clear()
        self.set_status(response.code, response.reason)
        for name, value in response.headers.get_all():
            if name.lower() not in HOP:
                self.add_header(name, value)
        self.finish(response.body)


def routes(prefix: str) -> list[tuple[str, type]]:
    kinds = "|".join(LOG_DIRS)
    pattern = rf"{prefix}/{APPKEY}/(?P<kind>{kinds})/{ID.format('resource_id')}/tensorboard(?P<rest>/.*)?"
    return [(pattern, TensorBoardHandler)]
