"""The backend contract: what the controller hands over and what it reads back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Protocol


@dataclass(frozen=True)
class ImageRef:
    image_id: str
    name: str
    address: str
    framework: str  # PYTHON | PYTORCH | TENSORFLOW
    core_type: str  # CPU | GPU


@dataclass(frozen=True)
class Resources:
    """The instance type the user chose; a backend applies what it can and reports the rest."""

    instance_type: str
    vcpus: int
    ram_mb: int
    gpu_count: int


@dataclass(frozen=True)
class WorkSpec:
    """A training workload, in the terms of the workload contract (DESIGN.md)."""

    work_id: str
    appkey: str
    region: str
    image: ImageRef
    resources: Resources
    source_uri: str
    entry_point: str
    hyperparameters: list[tuple[str, str]]
    datasets: list[tuple[str, str]]
    model_upload_uri: str
    checkpoint_input_uri: str | None
    checkpoint_upload_uri: str | None
    tensorboard_dir: str
    timeout_seconds: int
    nodes: int = 1
    nproc_per_node: int = 1
    use_torchrun: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> WorkSpec:
        data = dict(data)
        data["image"] = ImageRef(**data["image"])
        data["resources"] = Resources(**data["resources"])
        data["hyperparameters"] = [tuple(p) for p in data["hyperparameters"]]
        data["datasets"] = [tuple(d) for d in data["datasets"]]
        return cls(**data)


class Phase(str, Enum):
    PENDING = "pending"  # accepted, not started yet
    STAGING = "staging"  # fetching source, data, checkpoints; installing requirements
    RUNNING = "running"
    UPLOADING = "uploading"  # succeeded; uploading the model and checkpoints
    FAILING = "failing"  # failed; saving checkpoints and cleaning up
    STOPPING = "stopping"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CREATE_FAILED = "create_failed"  # could not be set up (bad source, missing data, requirements failed)
    STOPPED = "stopped"
    LOST = "lost"  # the backend no longer knows the work and it left no result

    @property
    def final(self) -> bool:
        return self in {Phase.SUCCEEDED, Phase.FAILED, Phase.CREATE_FAILED, Phase.STOPPED, Phase.LOST}


@dataclass(frozen=True)
class Observation:
    phase: Phase
    message: str = ""
    started_at: float | None = None  # epoch seconds the workload itself started running
    finished_at: float | None = None
    applied_resources: dict | None = None


@dataclass(frozen=True)
class LogLine:
    time: float
    stream: str  # stdout | stderr | system
    rank: int
    text: str
    level: str | None = None  # INFO | WARNING | ERROR, where the producer knows it


@dataclass(frozen=True)
class UsageSample:
    time: float
    cpu_percent: float
    memory_bytes: int


class Backend(Protocol):
    name: str

    def submit(self, spec: WorkSpec) -> None:
        """Start the work unless it was started already (idempotent by work_id)."""

    def observe(self, work_id: str) -> Observation: ...

    def read_logs(self, work_id: str, cursor: int) -> tuple[list[LogLine], int]:
        """Log lines after `cursor`, and the cursor to pass next time."""

    def read_usage(self, work_id: str, cursor: int) -> tuple[list[UsageSample], int]: ...

    def stop(self, work_id: str) -> None: ...

    def delete(self, work_id: str) -> None:
        """Forget the work and remove what it left on the backend (not its uploaded outputs)."""


# -- notebooks ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotebookSpec:
    """One launch (`generation`) of a notebook instance: a Jupyter server serving the data storage, under
    `base_url`, with a fresh boot area. On Kubernetes: a StatefulSet of one pod, its boot disk an emptyDir, the data
    storage a PVC mounted at /root/easymaker, NAS as NFS volumes."""

    notebook_id: str
    generation: int
    appkey: str
    region: str
    image: ImageRef
    resources: Resources
    boot_storage_gb: int
    data_storage_gb: int
    mounts: list[tuple[str, str]]  # (mount directory name, nas:// URI)
    base_url: str  # the URL path the server is reached under, ending in "/"

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> NotebookSpec:
        data = dict(data)
        data["image"] = ImageRef(**data["image"])
        data["resources"] = Resources(**data["resources"])
        data["mounts"] = [tuple(m) for m in data["mounts"]]
        return cls(**data)


@dataclass(frozen=True)
class NotebookObservation:
    """What runs for a notebook. `generation` is the launch observed (None: nothing was ever launched)."""

    generation: int | None = None
    alive: bool = False  # the launch is running (its server process lives)
    healthy: bool = False  # and its Jupyter server answers /api/status
    ended: bool = False  # the launch is over (stopped, exited or failed); see message
    message: str = ""
    started_at: float | None = None
    applied_resources: dict | None = None


@dataclass(frozen=True)
class NotebookConnection:
    """Where a running notebook's Jupyter server answers and the token it takes (never shown to the user)."""

    url: str  # http://host:port, without the base_url
    token: str


class NotebookBackend(Protocol):
    def start(self, spec: NotebookSpec) -> None:
        """Launch this generation unless it was launched already (idempotent by notebook id and generation).
        The boot area is reset; the data storage is kept."""

    def observe(self, notebook_id: str) -> NotebookObservation: ...

    def stop(self, notebook_id: str) -> None:
        """Ask the running launch to end (idempotent); observe() reports when it has."""

    def delete(self, notebook_id: str) -> None:
        """End whatever runs and remove the notebook's boot and data storage (not its NAS)."""

    def read_usage(self, notebook_id: str, cursor: int) -> tuple[list[UsageSample], int]: ...

    def connection(self, notebook_id: str) -> NotebookConnection | None:
        """How to reach the running server, or None when none runs."""
