"""The Jupyter server extension: configuration, wiring, handler registration."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join
from traitlets import Bool, CaselessStrEnum, Dict, Float, List, Unicode, default

from .api import API_ROOT, handlers
from .api.gateway import Gateway
from .backends.local import LocalBackend
from .backends.local.batch import LocalBatchRunner
from .backends.local.modelserver import LocalModelServers
from .backends.local.notebooks import LocalNotebooks
from .backends.local.pipelines import LocalPipelineBackend
from .backends.local.tensorboard import TensorBoards
from .controller import Controller
from .controller.batch import BatchReconciler
from .controller.notebooks import NotebookReconciler
from .controller.pipelines import PipelineReconciler
from .controller.serving import StageReconciler
from .platform import Catalog, Platform, default_data_dir
from .pod import continit
from .pod.kernels import EnvKernelSpecManager
from .resources import pod
from .resources.catalog import (
    ALGORITHMS,
    DEFAULT_IMAGES,
    DEFAULT_INSTANCE_TYPES,
    image_from_config,
    instance_type_from_config,
)
from .storage import StorageConfig
from .store import Store


class EasyMakerApp(ExtensionApp):
    name = "jupyter_easymaker"
    description = "AI EasyMaker resources (experiments, trainings, …) behind one REST API."

    backend = CaselessStrEnum(
        ["local"], default_value="local", config=True,
        help="Where work runs. 'local': detached processes on this machine.",
    )  # fmt: skip
    data_dir = Unicode(config=True, help="Platform state, object store, TensorBoard logs, custom-conda-envs/.")
    database_url = Unicode(config=True, help="SQLAlchemy URL of the store. Default: SQLite in data_dir.")
    default_appkey = Unicode("local", config=True, help="The appkey (project) the lab and magics use by default.")
    region = Unicode("local", config=True, help="Reported to workloads as EM_REGION.")
    instance_types = List(
        Dict(), default_value=None, allow_none=True, config=True,
        help="Instance type catalog, replacing the default one: [{name, vcpus, ramMb, diskGb, coreType, gpuCount}].",
    )  # fmt: skip
    images = List(Dict(), config=True, help="Extra images added to the console guide's base images.")
    image_environments = Dict(
        config=True,
        help="Image name or id -> Python interpreter (or environment directory) that stands in for it locally. "
        "Relative paths are taken from data_dir (e.g. 'custom-conda-envs/torch'). Default: the server's Python.",
    )
    nas_mounts = Dict(config=True, help="NAS id -> local directory, so nas://{id}:/{path} URIs resolve here.")
    object_store_root = Unicode(
        config=True, help="Local object store behind obs:// URIs. Default: data_dir/object-storage."
    )
    s3_endpoint_url = Unicode(
        None, allow_none=True, config=True,
        help="URL of an S3-compatible store (MinIO, Ceph RGW, …) for s3:// URIs; unset: AWS S3 (or the "
        "AWS_ENDPOINT_URL environment variable). Credentials: the standard AWS environment variables and files.",
    )  # fmt: skip
    controller_interval = Float(0.5, config=True, help="Seconds between reconcile passes.")
    run_cont_init = Bool(
        False, config=True,
        help="Run data_dir/cont-init.d/ scripts at start, before anything else (as the notebook pod does).",
    )  # fmt: skip
    env_kernels = Bool(
        True, config=True,
        help="Offer every environment in data_dir/custom-conda-envs/ with ipykernel as a kernel (sets the server's "
        "kernel_spec_manager_class, unless it was configured to something else).",
    )  # fmt: skip
    cont_init_timeout = Float(
        continit.DEFAULT_TIMEOUT, config=True, help="Seconds a start-up script may run before it is ended."
    )

    @default("data_dir")
    def _default_data_dir(self) -> str:
        return str(default_data_dir())

    def _link_jupyter_server_extension(self, serverapp) -> None:
        """Linking happens before the server makes its kernel spec manager: the moment to choose ours."""
        super()._link_jupyter_server_extension(serverapp)
        chosen = "kernel_spec_manager_class" in serverapp.config.ServerApp or "kernel_spec_manager_class" in (
            serverapp._trait_values
        )
        gateway = serverapp.config.GatewayClient.get("url") or os.environ.get("JUPYTER_GATEWAY_URL")
        if self.env_kernels and not chosen and not gateway:
            serverapp.kernel_spec_manager_class = EnvKernelSpecManager
            serverapp.config.EnvKernelSpecManager.easymaker_data_dir = self.data_dir

    def initialize_settings(self) -> None:
        data_dir = Path(self.data_dir).expanduser()
        data_dir.mkdir(parents=True, exist_ok=True)
        if self.run_cont_init:
            results = continit.run_all(data_dir, self.cont_init_timeout)
            self.log.info("cont-init: %s", ", ".join(f"{r.name}={r.skipped or r.exit_code}" for r in results) or "none")
        pod.empty_trash(data_dir)
        catalog = self.build_catalog()
        storage = StorageConfig(
            object_store_root=Path(self.object_store_root or data_dir / "object-storage"),
            nas_mounts={k: Path(v) for k, v in self.nas_mounts.items()},
            local_root=Path(self.serverapp.root_dir),
            s3_endpoint_url=self.s3_endpoint_url or None,
        )
        storage.object_store_root.mkdir(parents=True, exist_ok=True)
        store = Store(self.database_url or f"sqlite:///{data_dir / 'easymaker.db'}")
        backend = LocalBackend(data_dir / "runs", storage, self.image_pythons(catalog, data_dir))
        self.platform = Platform(store=store, catalog=catalog, storage=storage, data_dir=data_dir, region=self.region)
        notebooks = NotebookReconciler(
            self.platform,
            LocalNotebooks(data_dir / "notebooks", storage, self.image_pythons(catalog, data_dir)),
            url_path_join(self.serverapp.base_url, API_ROOT, "notebooks/"),
        )
        pipelines = PipelineReconciler(self.platform, LocalPipelineBackend(data_dir / "pipeline-runs"))
        stages = StageReconciler(self.platform, LocalModelServers(data_dir / "stages"))
        batches = BatchReconciler(self.platform, LocalBatchRunner(data_dir / "batch-inferences"))
        families = [notebooks, pipelines, stages, batches]
        self.controller = Controller(self.platform, backend, self.controller_interval, families)
        self.platform.wake, self.platform.forget = self.controller.wake, self.controller.forget
        self.tensorboards = TensorBoards(data_dir / "tensorboard-boards")
        self.settings.update(
            easymaker_platform=self.platform,
            easymaker_tensorboards=self.tensorboards,
            easymaker_cont_init_timeout=self.cont_init_timeout,
            easymaker_default_appkey=self.default_appkey,
            easymaker_backend=self.backend,
            easymaker_notebooks=notebooks.backend,
            easymaker_gateway=Gateway(self.platform),
        )

    def build_catalog(self) -> Catalog:
        images = [*DEFAULT_IMAGES, *(image_from_config(d) for d in self.images)]
        flavors = DEFAULT_INSTANCE_TYPES if self.instance_types is None else [
            instance_type_from_config(d) for d in self.instance_types
        ]  # fmt: skip
        return Catalog(
            images={i.image_id: i for i in images},
            instance_types={f.id: f for f in flavors},
            algorithms={a.algorithm_id: a for a in ALGORITHMS},
        )

    def image_pythons(self, catalog: Catalog, data_dir: Path) -> dict[str, str]:
        by_name = {i.image_name: i.image_id for i in catalog.images.values()}
        result = {}
        for key, target in self.image_environments.items():
            image_id = by_name.get(key, key)
            if image_id not in catalog.images:
                raise ValueError(f"EasyMakerApp.image_environments: no image named or with id '{key}'")
            path = Path(target).expanduser()
            path = path if path.is_absolute() else data_dir / path
            result[image_id] = str(path / "bin" / "python" if path.is_dir() else path)
        return result

    def initialize_handlers(self) -> None:
        self.handlers.extend(handlers("/"))  # ExtensionApp prefixes base_url itself

    async def _start_jupyter_server_extension(self, serverapp) -> None:
        self.controller.start()

    async def stop_extension(self) -> None:
        await self.controller.stop()
        self.settings["easymaker_gateway"].stop()
        self.tensorboards.stop_all()
        self.platform.store.close()


main = launch_new_instance = EasyMakerApp.launch_instance

if __name__ == "__main__":
    sys.exit(main())
