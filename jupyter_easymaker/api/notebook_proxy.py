"""Open Jupyter Notebook: {base_url}easymaker/notebooks/{notebookId}/… reverse-proxied to the notebook's own server.

HTTP and WebSockets (kernels, terminals) go through. Only a user logged in to this server gets through; the
notebook server's own token is added on the way in and scrubbed from what comes back, so the user never sees it.
The notebook server runs with this very path as its base_url, so its pages and links work unchanged.

Not part of the JSON API (and so not in openapi.json): it serves JupyterLab's own pages.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import httpclient, httputil, iostream, web, websocket

from ..errors import EasyMakerError
from ..resources import notebooks
from .base import ID, run

#: Request headers that concern this hop, or that the notebook server must not see (our auth, our XSRF).
PRIVATE = {"host", "connection", "authorization", "cookie", "x-easymaker-token", "x-nhn-authorization", "origin",
           "x-xsrftoken", "accept-encoding", "content-length", "transfer-encoding", "upgrade", "keep-alive",
           "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
           "sec-websocket-protocol"}  # fmt: skip
#: Response headers that concern the other hop (and the notebook server's own cookies).
HOP = {"connection", "transfer-encoding", "content-length", "content-encoding", "keep-alive", "server", "date",
       "set-cookie"}  # fmt: skip
BODY_METHODS = {"POST", "PUT", "PATCH"}
MAX_MESSAGE = 256 << 20


class NotebookProxyHandler(ExtensionHandlerMixin, websocket.WebSocketHandler, JupyterHandler):
    """One handler for both: a request asking to upgrade is proxied as a WebSocket, any other as plain HTTP."""

    upstream: websocket.WebSocketClientConnection | None = None

    def check_origin(self, origin: str | None = None) -> bool:
        """Jupyter's own origin rules, for WebSockets too (it reads the Origin header itself)."""
        return JupyterHandler.check_origin(self)

    # -- finding the notebook --------------------------------------------------------------------------------------

    async def target(self, notebook_id: str) -> tuple[str, str]:
        """The notebook server's URL and token; an HTTP error saying why when the notebook cannot be opened."""
        try:
            return await run(self._target, notebook_id)  # one trip off the event loop: the store, then the backend
        except EasyMakerError as err:
            raise web.HTTPError(err.status, err.message) from None

    def _target(self, notebook_id: str) -> tuple[str, str]:
        name, status = notebooks.status_of(self.settings["easymaker_platform"], notebook_id)
        refusal = notebooks.open_refusal(name, status)
        if refusal is not None:
            raise refusal
        connection = self.settings["easymaker_notebooks"].connection(notebook_id)
        if connection is None:
            raise EasyMakerError(f"Notebook '{name}' has no running server; reboot it.", 503)
        return connection.url, connection.token

    def upstream_uri(self) -> str:
        """This request's path and query without our token (the notebook's path is the same as ours)."""
        query = [(k, v) for k, v in parse_qsl(self.request.query, keep_blank_values=True) if k != "token"]
        return self.request.path + (f"?{urlencode(query)}" if query else "")

    def upstream_headers(self, token: str) -> dict[str, str]:
        headers = {k: v for k, v in self.request.headers.get_all() if k.lower() not in PRIVATE}
        headers["Authorization"] = f"token {token}"
        return headers

    # -- HTTP ------------------------------------------------------------------------------------------------------

    async def get(self, notebook_id: str, rest: str | None = None) -> None:
        if self.current_user is None:
            raise web.HTTPError(403)
        if not rest:
            query = f"?{self.request.query}" if self.request.query else ""
            self.redirect(f"{self.request.path}/{query}")
            return
        if self.request.headers.get("Upgrade", "").lower() == "websocket":
            await self.open_websocket(notebook_id, rest)
        else:
            await self.proxy(notebook_id)

    @web.authenticated
    async def post(self, notebook_id: str, rest: str | None = None) -> None:
        await self.proxy(notebook_id)

    @web.authenticated
    async def put(self, notebook_id: str, rest: str | None = None) -> None:
        await self.proxy(notebook_id)

    @web.authenticated
    async def patch(self, notebook_id: str, rest: str | None = None) -> None:
        await self.proxy(notebook_id)

    @web.authenticated
    async def delete(self, notebook_id: str, rest: str | None = None) -> None:
        await self.proxy(notebook_id)

    @web.authenticated
    async def head(self, notebook_id: str, rest: str | None = None) -> None:
        await self.proxy(notebook_id)

    async def proxy(self, notebook_id: str) -> None:
        url, token = await self.target(notebook_id)
        if self.request.method == "GET":
            self.xsrf_token  # noqa: B018 - sets this server's _xsrf cookie, which the notebook's pages then send
        body = self.request.body if self.request.method in BODY_METHODS else None
        relay = _Relay(self, url, token)
        fetch = httpclient.AsyncHTTPClient().fetch(
            url + self.upstream_uri(),
            method=self.request.method,
            headers=self.upstream_headers(token),
            body=body if body is not None or self.request.method not in BODY_METHODS else b"",
            follow_redirects=False,
            raise_error=False,
            allow_nonstandard_methods=True,
            request_timeout=3600,
            header_callback=relay.header_line,
            streaming_callback=relay.chunk,
        )
        try:
            response = await fetch
        except (OSError, httpclient.HTTPClientError) as err:
            if relay.started:  # cut off half-way: what was passed on stays passed on
                self.finish()
                return
            raise web.HTTPError(502, f"The notebook's server did not answer: {err}") from None
        if not relay.started:
            relay.start(response.code, response.reason, response.headers)
        relay.end()
        self.finish()

    # -- WebSocket -------------------------------------------------------------------------------------------------

    async def open_websocket(self, notebook_id: str, rest: str | None) -> None:
        url, token = await self.target(notebook_id)
        wanted = [p.strip() for p in self.request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]
        request = httpclient.HTTPRequest(
            "ws" + url.removeprefix("http") + self.upstream_uri(), headers=self.upstream_headers(token)
        )
        self._pending: list[str | bytes] = []
        self._opened = False
        try:
            self.upstream = await websocket.websocket_connect(
                request, on_message_callback=self.on_upstream_message, subprotocols=wanted or None,
                max_message_size=MAX_MESSAGE,
            )  # fmt: skip
        except (OSError, httpclient.HTTPClientError) as err:
            status = err.code if isinstance(err, httpclient.HTTPClientError) else 502
            raise web.HTTPError(status, f"The notebook's server refused the WebSocket: {err}") from None
        await websocket.WebSocketHandler.get(self, notebook_id, rest)

    def select_subprotocol(self, subprotocols: list[str]) -> str | None:
        chosen = self.upstream.selected_subprotocol if self.upstream else None
        return chosen if chosen in subprotocols else None

    def open(self, *args: str, **kwargs: str) -> None:
        self._opened = True
        for message in self._pending:
            self.write_message(message, binary=isinstance(message, bytes))
        self._pending.clear()

    def on_upstream_message(self, message: str | bytes | None) -> None:
        if message is None:  # the notebook's side closed
            if self.ws_connection is not None:
                self.close()
            return
        if not self._opened:
            self._pending.append(message)
            return
        try:
            self.write_message(message, binary=isinstance(message, bytes))
        except websocket.WebSocketClosedError:
            if self.upstream is not None:
                self.upstream.close()

    async def on_message(self, message: str | bytes) -> None:
        if self.upstream is not None:
            await self.upstream.write_message(message, binary=isinstance(message, bytes))

    def on_close(self) -> None:
        if self.upstream is not None:
            self.upstream.close()
            self.upstream = None

    def get_compression_options(self) -> dict | None:
        return self.settings.get("websocket_compression_options")

    @property
    def max_message_size(self) -> int:
        return MAX_MESSAGE


def routes(api_root: str) -> list[tuple[str, type]]:
    """`api_root` is {base_url}easymaker."""
    return [(rf"{api_root}/notebooks/{ID.format('notebook_id')}(?P<rest>/.*)?", NotebookProxyHandler)]


class _Relay:
    """Passes the notebook server's answer on as it arrives (large downloads are not held in memory). HTML pages
    are held and scrubbed whole: JupyterLab's page carries its server's token, which the user must not see."""

    def __init__(self, handler: web.RequestHandler, url: str, token: str) -> None:
        self.handler, self.url, self.token = handler, url, token
        self.start_line: httputil.ResponseStartLine | None = None
        self.headers = httputil.HTTPHeaders()
        self.started = False
        self.held: list[bytes] | None = None

    def header_line(self, line: str) -> None:
        if self.start_line is None:
            self.start_line = httputil.parse_response_start_line(line.rstrip("\r\n"))
        elif line.strip():
            self.headers.parse_line(line.rstrip("\r\n"))
        elif self.start_line.code == 100:  # an interim answer: the real one follows
            self.start_line, self.headers = None, httputil.HTTPHeaders()
        else:
            self.start(self.start_line.code, self.start_line.reason, self.headers)

    def start(self, code: int, reason: str | None, headers: httputil.HTTPHeaders) -> None:
        handler = self.handler
        handler.clear()
        handler.set_status(code, reason)
        names = {name.lower() for name, _ in headers.get_all()} - HOP
        for name in names:
            handler.clear_header(name)
        for name, value in headers.get_all():
            if name.lower() in names:
                handler.add_header(name, value.replace(self.url, "").replace(self.token, ""))
        if "html" in headers.get("Content-Type", ""):
            self.held = []
        self.started = True

    def chunk(self, data: bytes) -> None:
        if self.held is not None:
            self.held.append(data)
            return
        self.handler.write(data)
        try:
            self.handler.flush()
        except iostream.StreamClosedError:
            pass

    def end(self) -> None:
        if self.held:
            self.handler.write(b"".join(self.held).replace(self.token.encode(), b""))
