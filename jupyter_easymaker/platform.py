"""What every operation needs: the store, the catalog, the storage roots and a way to wake the controller."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .backends import Backend
from .errors import invalid
from .resources.catalog import Algorithm, Image, InstanceType
from .storage import StorageConfig
from .store import Store


@dataclass(frozen=True)
class Catalog:
    images: dict[str, Image]
    instance_types: dict[str, InstanceType]
    algorithms: dict[str, Algorithm]

    def image(self, image_id: str, field_name: str = "imageId") -> Image:
        if image_id not in self.images:
            raise invalid(field_name, f"no image with id '{image_id}'; GET …/images lists them")
        return self.images[image_id]

    def instance_type(self, flavor_id: str, field_name: str = "flavorId") -> InstanceType:
        if flavor_id not in self.instance_types:
            raise invalid(field_name, f"no instance type with id '{flavor_id}'; GET …/flavors lists them")
        return self.instance_types[flavor_id]

    def algorithm(self, algorithm_id: str, field_name: str = "algorithmId") -> Algorithm:
        if algorithm_id not in self.algorithms:
            raise invalid(field_name, f"no algorithm with id '{algorithm_id}'; GET …/algorithms lists them")
        return self.algorithms[algorithm_id]


@dataclass
class Platform:
    store: Store
    catalog: Catalog
    backend: Backend
    storage: StorageConfig
    data_dir: Path
    region: str = "local"
    wake: Callable[[], None] = field(default=lambda: None)

    @property
    def tensorboard_root(self) -> Path:
        return self.data_dir / "tensorboard"

    def tensorboard_dir(self, appkey: str, experiment_id: str, training_id: str | None = None) -> Path:
        """TensorBoard logs live per training under its experiment, so one board can show a whole experiment."""
        path = self.tensorboard_root / appkey / experiment_id
        return path / training_id if training_id else path


def new_id() -> str:
    return str(uuid.uuid4())


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def wire_time(value: datetime | None) -> str | None:
    """UTC timestamps as the SDK shows them: ISO 8601 with a Z."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" if value else None
