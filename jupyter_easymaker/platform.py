"""What every operation needs: the store, the catalog, the storage roots and a way to wake the controller."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .resources.catalog import Algorithm, Image, InstanceType
from .storage import StorageConfig
from .store import Store


@dataclass(frozen=True)
class Catalog:
    images: dict[str, Image]
    instance_types: dict[str, InstanceType]
    algorithms: dict[str, Algorithm]


@dataclass
class Platform:
    store: Store
    catalog: Catalog
    storage: StorageConfig
    data_dir: Path
    region: str = "local"
    wake: Callable[[], None] = field(default=lambda: None)
    forget: Callable[[str], None] = field(default=lambda work_id: None)  # remove what a work left on its backend

    @property
    def tensorboard_root(self) -> Path:
        return self.data_dir / "tensorboard"

    def tensorboard_dir(self, appkey: str, experiment_id: str, training_id: str | None = None) -> Path:
        """TensorBoard logs live per training under its experiment, so one board can show a whole experiment."""
        path = self.tensorboard_root / appkey / experiment_id
        return path / training_id if training_id else path


def default_data_dir() -> Path:
    """As in the notebook pod: /root/easymaker where that exists, else ~/easymaker; EM_DATA_DIR overrides."""
    if os.environ.get("EM_DATA_DIR"):
        return Path(os.environ["EM_DATA_DIR"]).expanduser()
    pod = Path("/root/easymaker")
    return pod if pod.is_dir() else Path.home() / "easymaker"


def new_id() -> str:
    return str(uuid.uuid4())


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def wire_time(value: datetime | None) -> str | None:
    """UTC timestamps as the SDK shows them: ISO 8601 with a Z."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" if value else None
