"""The model server a stage runs: `python -m jupyter_easymaker.serving.server CONFIG [--param value …]`.

Generative text models also answer the OpenAI routes (serving/openai.py). CONFIG is a JSON file:
{"host", "port", "models": [{"name", "framework", "path", "parameters"}]}. Every model
is loaded before the port is bound, so a server that listens is ready. Several processes may serve one port
(SO_REUSEPORT): that is a stage's pod pool. Model parameters also arrive as `--name value` arguments and as
SCREAMING_SNAKE environment variables, which the model's own code (a PyTorch handler) may read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

from tornado import httpserver, ioloop, netutil, web

from . import openai
from .dataplane import DataPlane, InferenceError, ServedModel
from .loaders import load

NAME = r"(?P<name>[^/:]+)"
DRAIN_SECONDS = 1.0
VERSION = r"(?:/versions/(?P<version>[^/]+))?"


class Handler(web.RequestHandler):
    def initialize(self, plane: DataPlane) -> None:
        self.plane = plane

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json")

    def body(self) -> Any:
        try:
            return json.loads(self.request.body or b"null")
        except ValueError as err:
            raise InferenceError(400, f"the request body is not valid JSON: {err}") from None

    def answer(self, call: Any, *args: Any) -> None:
        try:
            result = call(*args)
        except InferenceError as err:
            self.set_status(err.status)
            result = {"error": err.message}
        except Exception as err:  # a model failing is the server's error, said as OIP says errors
            self.set_status(500)
            result = {"error": f"{type(err).__name__}: {err}"}
        self.finish(json.dumps(result))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish(json.dumps({"error": self._reason}))


class V1Models(Handler):
    def get(self) -> None:
        self.answer(self.plane.v1_models)


class V1Model(Handler):
    def get(self, name: str) -> None:
        self.answer(self.plane.v1_ready, name)


class V1Predict(Handler):
    def post(self, name: str, verb: str) -> None:
        call = self.plane.v1_predict if verb == "predict" else self.plane.v1_explain
        self.answer(lambda: call(name, self.body()))


class V2Server(Handler):
    def get(self) -> None:
        self.answer(self.plane.v2_server)


class V2Health(Handler):
    def get(self, what: str) -> None:
        self.answer(lambda: {"live": True} if what == "live" else {"ready": True})


class V2Model(Handler):
    def get(self, name: str, version: str | None, ready: str | None) -> None:
        call = self.plane.v2_ready if ready else self.plane.v2_metadata
        self.answer(call, name, version)


class V2Infer(Handler):
    def post(self, name: str, version: str | None) -> None:
        self.answer(lambda: self.plane.v2_infer(name, version, self.body()))


class NotFound(Handler):
    def prepare(self) -> None:
        self.set_status(404)
        self.finish(json.dumps({"error": f"No route {self.request.method} {self.request.path}"}))


def application(plane: DataPlane) -> web.Application:
    args = {"plane": plane}
    return web.Application([
        (r"/v1/models", V1Models, args),
        (rf"/v1/models/{NAME}", V1Model, args),
        (rf"/v1/models/{NAME}[:/](?P<verb>predict|explain)", V1Predict, args),
        (r"/v2/?", V2Server, args),
        (r"/v2/health/(?P<what>live|ready)", V2Health, args),
        (rf"/v2/models/{NAME}{VERSION}(?P<ready>/ready)?", V2Model, args),
        (rf"/v2/models/{NAME}{VERSION}/infer", V2Infer, args),
        *openai.routes(plane),
        (r".*", NotFound, args),
    ])  # fmt: skip


def load_models(config: dict) -> DataPlane:
    models = []
    for entry in config["models"]:
        loaded = load(entry["framework"], Path(entry["path"]), entry.get("parameters") or {})
        models.append(ServedModel(entry["name"], entry["framework"], loaded, parameters=entry.get("parameters") or {}))
    return DataPlane(models)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("config")
    args, _model_parameters = parser.parse_known_args(argv)
    config = json.loads(Path(args.config).read_text())
    try:
        plane = load_models(config)
    except Exception as err:
        print(f"ERROR loading models: {type(err).__name__}: {err}", file=sys.stderr, flush=True)
        sys.exit(3)
    sockets = netutil.bind_sockets(config["port"], config.get("host", "127.0.0.1"), reuse_port=True)
    server = httpserver.HTTPServer(application(plane), xheaders=True)
    server.add_sockets(sockets)
    print(f"serving {', '.join(plane.models)} on {config.get('host', '127.0.0.1')}:{config['port']}", flush=True)
    loop = ioloop.IOLoop.current()

    def drain(*_: object) -> None:
        """SIGTERM (a pool shrinking, a generation retiring): take no new connections, finish, then exit."""
        server.stop()
        loop.call_later(DRAIN_SECONDS, loop.stop)

    asyncio.get_event_loop().add_signal_handler(signal.SIGTERM, drain)
    loop.start()


if __name__ == "__main__":
    main()
