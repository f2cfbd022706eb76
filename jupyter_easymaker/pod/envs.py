"""Environments under `<data dir>/custom-conda-envs/` (console guide: Configure User Virtual Execution Environment).

Anything there with a `bin/python` is an environment: made by `conda create --prefix`, by `python -m venv`, or
through the API. Everything here reads the file system only (no conda, no subprocess), so listing is cheap enough
for a kernel spec request.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

ENVS_DIR = "custom-conda-envs"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
NAME_RULE = "use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"
KERNEL_PREFIX = "em-env-"


@dataclass(frozen=True)
class Environment:
    name: str
    path: Path

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def kind(self) -> str:
        return "conda" if (self.path / "conda-meta").is_dir() else "venv"

    @property
    def kernel_name(self) -> str:
        """Stable and valid as a kernel spec name (lowercase); distinct names stay distinct."""
        slug = re.sub(r"[^a-z0-9._-]", "-", self.name.lower())
        if slug != self.name:
            slug += f"-{_short_hash(self.name)}"
        return KERNEL_PREFIX + slug

    def site_packages(self) -> list[Path]:
        return sorted(self.path.glob("lib/python3*/site-packages"))

    def python_version(self) -> str | None:
        config = self.path / "pyvenv.cfg"
        if config.exists():
            for line in config.read_text(errors="replace").splitlines():
                key, _, value = line.partition("=")
                if key.strip() in ("version", "version_info"):
                    return value.strip()
        for meta in sorted((self.path / "conda-meta").glob("python-3*.json")):
            match = re.match(r"python-(3\.\d+\.\d+)", meta.name)
            if match:
                return match.group(1)
        libs = [p.name.removeprefix("python") for p in self.path.glob("lib/python3*") if p.is_dir()]
        return sorted(libs)[-1] if libs else None

    def packages(self) -> list[dict]:
        """Installed Python distributions ({name, version}), from the dist-info folders, sorted by name."""
        found: dict[str, str] = {}
        for site in self.site_packages():
            for info in site.glob("*.dist-info"):
                name, _, version = info.name.removesuffix(".dist-info").partition("-")
                found.setdefault(name.replace("_", "-").lower(), version)
        return [{"name": name, "version": version} for name, version in sorted(found.items())]

    def has_ipykernel(self) -> bool:
        return any((site / "ipykernel" / "__init__.py").exists() for site in self.site_packages())

    def size_bytes(self) -> int:
        total = 0
        for root, _, files in os.walk(self.path):
            for name in files:
                try:
                    total += os.lstat(os.path.join(root, name)).st_size
                except OSError:
                    pass
        return total


def envs_dir(data_dir: Path) -> Path:
    return data_dir / ENVS_DIR


def environments(data_dir: Path) -> list[Environment]:
    folder = envs_dir(data_dir)
    if not folder.is_dir():
        return []
    return [
        Environment(entry.name, entry)
        for entry in sorted(folder.iterdir(), key=lambda p: p.name)
        if entry.is_dir() and (entry / "bin" / "python").exists()
    ]


def find(data_dir: Path, name: str) -> Environment | None:
    return next((env for env in environments(data_dir) if env.name == name), None)


def _short_hash(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode()).hexdigest()[:6]
