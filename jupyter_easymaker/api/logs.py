"""Logs: /logs, filtered by resource, category, level and text."""

from __future__ import annotations

from ..resources import logs
from .base import APPKEY, ApiHandler, endpoint, run

FILTERS = logs.FILTERS


class LogsHandler(ApiHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        filters = {name: self.get_query_argument(name, None) for name in FILTERS}
        records, cursor = await run(logs.query, self.platform, appkey, filters)
        self.respond({"logList": records, "nextCursor": cursor})


def routes(prefix: str) -> list[tuple[str, type]]:
    return [(rf"{prefix}/{APPKEY}/logs", LogsHandler)]
