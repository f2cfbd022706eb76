"""Every environment in custom-conda-envs/ with ipykernel is a kernel, with no `ipykernel install` (as
nb_conda_kernels does, but reading the file system instead of calling conda on a request path).

Enabled by `ServerApp.kernel_spec_manager_class` (the package's jupyter-config sets it); the kernels are named
`em-env-<environment>`, so a notebook saved with one finds it again after a restart.
"""

from __future__ import annotations

import os
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel
from traitlets import Unicode

from ..platform import default_data_dir
from .envs import KERNEL_PREFIX, Environment, environments


class EnvKernelSpecManager(KernelSpecManager):
    easymaker_data_dir = Unicode(
        config=True, help="The EasyMaker data directory. Default: EasyMakerApp.data_dir, else its default."
    )

    def envs_data_dir(self) -> Path:
        configured = self.easymaker_data_dir or self.config.get("EasyMakerApp", {}).get("data_dir")
        return Path(configured).expanduser() if configured else default_data_dir()

    def env_kernels(self) -> dict[str, Environment]:
        return {env.kernel_name: env for env in environments(self.envs_data_dir()) if env.has_ipykernel()}

    def find_kernel_specs(self) -> dict[str, str]:
        specs = super().find_kernel_specs()
        for name in self.env_kernels():
            specs[name] = _logo_dir()
        return specs

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        if kernel_name.startswith(KERNEL_PREFIX):
            env = self.env_kernels().get(kernel_name)
            if env is None:
                raise NoSuchKernel(kernel_name)
            return env_kernel_spec(env)
        return super().get_kernel_spec(kernel_name)


def env_kernel_spec(env: Environment) -> KernelSpec:
    version = env.python_version() or "3"
    path = f"{env.path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    variables = {
        "PATH": path,
        **({"CONDA_PREFIX": str(env.path)} if env.kind == "conda" else {"VIRTUAL_ENV": str(env.path)}),
    }
    return KernelSpec(
        argv=[str(env.python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        display_name=f"Python {'.'.join(version.split('.')[:2])} ({env.name})",
        language="python",
        env=variables,
        metadata={"easymaker": {"environment": env.name, "path": str(env.path), "kind": env.kind}},
        resource_dir=_logo_dir(),
    )


def _logo_dir() -> str:
    """The kernel's logos are ipykernel's (never the environment folder itself, which the server would serve)."""
    try:
        from ipykernel.kernelspec import RESOURCES
    except ImportError:
        return ""
    return RESOURCES
