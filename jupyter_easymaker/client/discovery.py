"""Finding the EasyMaker API, as `jupyter server list` finds servers.

Order: an explicit `url`; else `EM_API_URL` (the SDK's variable); else the running Jupyter servers recorded in the
runtime directory (jpserver-*.json), the one that launched this kernel first (`JUPYTER_SERVER_URL`, `JPY_PARENT_PID`
are hints when present), keeping the first that answers the EasyMaker API with its token.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from .errors import ServerNotFound

API_ROOT = "easymaker"
HOW_TO_START = "start JupyterLab with `bash scripts/lab.sh`, or set EM_API_URL and EM_TOKEN"
PROBE_TIMEOUT = 3.0


@dataclass(frozen=True)
class ServerInfo:
    api_url: str  # e.g. http://127.0.0.1:8888/easymaker (no trailing slash)
    token: str | None
    source: str  # where it came from, for messages: "url argument", "EM_API_URL", a jpserver file …


def api_root(url: str) -> str:
    """The API root for `url`: `http://h:8888/easymaker` stays; a server URL `http://h:8888/base/` gets `easymaker`."""
    url = url.strip().rstrip("/")
    return url if url.endswith(f"/{API_ROOT}") else f"{url}/{API_ROOT}"


def env_token() -> str | None:
    return os.environ.get("EM_TOKEN") or os.environ.get("JUPYTER_TOKEN") or None


def running_servers(runtime_dir: str | None = None) -> list[dict]:
    """The live servers' info (url, token, base_url, pid …), the parent of this kernel first."""
    from jupyter_server.serverapp import list_running_servers

    servers = [s for s in list_running_servers(runtime_dir) if s.get("url")]
    parent = os.environ.get("JPY_PARENT_PID")
    return sorted(servers, key=lambda s: str(s.get("pid")) != parent)


def _same_server(api_url: str, server_url: str) -> bool:
    a, b = urlsplit(api_url), urlsplit(api_root(server_url))
    return a.port == b.port and a.path.rstrip("/") == b.path.rstrip("/")


def token_for(api_url: str, servers: list[dict] | None = None) -> str | None:
    """The token of the running server behind `api_url`, if it is one of ours."""
    for server in running_servers() if servers is None else servers:
        if _same_server(api_url, server["url"]):
            return server.get("token") or None
    return None


def answers(api_url: str, token: str | None, timeout: float = PROBE_TIMEOUT) -> bool:
    """Whether `api_url` is an EasyMaker API that accepts `token`."""
    headers = {"Authorization": f"token {token}"} if token else {}
    try:
        response = requests.get(f"{api_url}/v1.0/info", headers=headers, timeout=timeout)
        return response.status_code == 200 and bool(response.json().get("header", {}).get("isSuccessful"))
    except (requests.RequestException, ValueError, AttributeError):
        return False


def discover(url: str | None = None, token: str | None = None) -> ServerInfo:
    """Where the API is and which token it takes; `ServerNotFound` when nothing answers."""
    if url:
        api_url = api_root(url)
        return ServerInfo(api_url, token or env_token() or _quiet_token_for(api_url), "url argument")
    if os.environ.get("EM_API_URL"):
        api_url = api_root(os.environ["EM_API_URL"])
        return ServerInfo(api_url, token or env_token() or _quiet_token_for(api_url), "EM_API_URL")

    servers = running_servers()
    candidates: list[ServerInfo] = []
    hint = os.environ.get("JUPYTER_SERVER_URL")
    if hint:
        api_url = api_root(hint)
        hinted = token or env_token() or token_for(api_url, servers)
        candidates.append(ServerInfo(api_url, hinted, "JUPYTER_SERVER_URL"))
    for server in servers:
        source = f"jpserver-{server.get('pid')}.json"
        candidates.append(ServerInfo(api_root(server["url"]), token or server.get("token") or env_token(), source))
    for candidate in candidates:
        if answers(candidate.api_url, candidate.token):
            return candidate

    from jupyter_core.paths import jupyter_runtime_dir

    tried = f"{len(servers)} running Jupyter server(s) in {jupyter_runtime_dir()}"
    raise ServerNotFound(f"No Jupyter server with the EasyMaker API was found ({tried}); {HOW_TO_START}.")


def _quiet_token_for(api_url: str) -> str | None:
    try:
        return token_for(api_url)
    except Exception:  # the runtime directory is only a fallback for the token here
        return None
