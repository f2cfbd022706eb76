"""The notebook pod: /custom-envs (environments that are kernels), /cont-init-scripts and /cont-init-runs.

A script can also be run again alone (POST …/cont-init-scripts/{name}/run), as the sidebar's "Run" does."""

from __future__ import annotations

from ..resources import pod
from ..resources.schema import ENVIRONMENT_NAME, SCRIPT_NAME, EnvironmentCreate, PackageInstall, ScriptPut, parse
from .base import APPKEY, ID, ApiHandler, endpoint, run

ENV = rf"(?P<environment_name>{ENVIRONMENT_NAME})"
SCRIPT = rf"(?P<script_name>{SCRIPT_NAME})"
OPERATION = ID.format("operation_id")


class PodHandler(ApiHandler):
    @property
    def data_dir(self):
        return self.platform.data_dir


class EnvironmentsHandler(PodHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        self.respond(await run(pod.environments, self.data_dir))

    @endpoint
    async def post(self, appkey: str) -> None:
        body = parse(EnvironmentCreate, self.json_body())
        self.respond({"operation": await run(pod.create_environment, self.data_dir, body)}, 202)


class EnvironmentHandler(PodHandler):
    @endpoint
    async def get(self, appkey: str, environment_name: str) -> None:
        self.respond({"environment": await run(pod.environment, self.data_dir, environment_name)})

    @endpoint
    async def delete(self, appkey: str, environment_name: str) -> None:
        await run(pod.delete_environment, self.data_dir, environment_name)
        self.respond()


class PackagesHandler(PodHandler):
    @endpoint
    async def post(self, appkey: str, environment_name: str) -> None:
        body = parse(PackageInstall, self.json_body())
        self.respond({"operation": await run(pod.install_packages, self.data_dir, environment_name, body)}, 202)


class OperationHandler(PodHandler):
    @endpoint
    async def get(self, appkey: str, operation_id: str) -> None:
        self.respond({"operation": await run(pod.operation, self.data_dir, operation_id)})


class ScriptsHandler(PodHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        self.respond(await run(pod.scripts, self.data_dir))


class ScriptHandler(PodHandler):
    @endpoint
    async def get(self, appkey: str, script_name: str) -> None:
        self.respond({"script": await run(pod.script, self.data_dir, script_name)})

    @endpoint
    async def put(self, appkey: str, script_name: str) -> None:
        body = parse(ScriptPut, self.json_body())
        self.respond({"script": await run(pod.put_script, self.data_dir, script_name, body)})

    @endpoint
    async def delete(self, appkey: str, script_name: str) -> None:
        await run(pod.delete_script, self.data_dir, script_name)
        self.respond()


class ScriptRunHandler(PodHandler):
    @endpoint
    async def post(self, appkey: str, script_name: str) -> None:
        timeout = self.settings["easymaker_cont_init_timeout"]
        self.respond({"run": await run(pod.start_run, self.data_dir, timeout, script_name)}, 202)


class ContInitRunsHandler(PodHandler):
    @endpoint
    async def get(self, appkey: str) -> None:
        self.respond({"run": await run(pod.run_state, self.data_dir)})

    @endpoint
    async def post(self, appkey: str) -> None:
        timeout = self.settings["easymaker_cont_init_timeout"]
        self.respond({"run": await run(pod.start_run, self.data_dir, timeout)}, 202)


def routes(prefix: str) -> list[tuple[str, type]]:
    base = rf"{prefix}/{APPKEY}"
    return [
        (rf"{base}/custom-envs", EnvironmentsHandler),
        (rf"{base}/custom-envs/{ENV}", EnvironmentHandler),
        (rf"{base}/custom-envs/{ENV}/packages", PackagesHandler),
        (rf"{base}/custom-env-operations/{OPERATION}", OperationHandler),
        (rf"{base}/cont-init-scripts", ScriptsHandler),
        (rf"{base}/cont-init-scripts/{SCRIPT}", ScriptHandler),
        (rf"{base}/cont-init-scripts/{SCRIPT}/run", ScriptRunHandler),
        (rf"{base}/cont-init-runs", ContInitRunsHandler),
    ]
