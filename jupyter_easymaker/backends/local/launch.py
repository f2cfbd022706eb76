"""The workload contract on this machine: each worker's command line and environment."""

from __future__ import annotations

import json
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path

from ..base import WorkSpec

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")


@dataclass(frozen=True)
class StagedPaths:
    source_dir: Path
    datasets: dict[str, Path]
    model_dir: Path
    checkpoint_input_dir: Path | None
    checkpoint_dir: Path
    tensorboard_dir: Path


@dataclass(frozen=True)
class Worker:
    rank: int
    command: list[str]
    env: dict[str, str]
    cwd: Path


def env_key(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name).upper()


def contract_env(spec: WorkSpec, paths: StagedPaths) -> dict[str, str]:
    """The EM_* variables of the console guide's appendix 4."""
    env = {
        "EM_SOURCE_DIR": str(paths.source_dir),
        "EM_ENTRY_POINT": spec.entry_point,
        "EM_MODEL_DIR": str(paths.model_dir),
        "EM_CHECKPOINT_DIR": str(paths.checkpoint_dir),
        "EM_TENSORBOARD_LOG_DIR": str(paths.tensorboard_dir),
        "EM_REGION": spec.region,
        "EM_APPKEY": spec.appkey,
        "EM_HPS": json.dumps(dict(spec.hyperparameters)),
        "EM_DATASETS": json.dumps(
            [{"datasetName": name, "dataUri": uri, "path": str(paths.datasets[name])} for name, uri in spec.datasets]
        ),
    }
    if paths.checkpoint_input_dir is not None:
        env["EM_CHECKPOINT_INPUT_DIR"] = str(paths.checkpoint_input_dir)
    for name, _ in spec.datasets:
        env[f"EM_DATASET_{env_key(name)}"] = str(paths.datasets[name])
    for key, value in spec.hyperparameters:
        env[f"EM_HP_{env_key(key)}"] = value
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def workers(spec: WorkSpec, python: str, paths: StagedPaths, threads: int, gpus: list[int]) -> list[Worker]:
    """One worker per distributed node, wired together the way Training Operator wires pods."""
    entry = paths.source_dir / spec.entry_point
    args = [part for key, value in spec.hyperparameters for part in (f"--{key}", value)]
    nodes, nproc = spec.nodes, spec.nproc_per_node if spec.use_torchrun else 1
    port = free_port()
    tf_ports = [free_port() for _ in range(nodes)] if spec.image.framework == "TENSORFLOW" and nodes > 1 else []
    base = {
        **os.environ,
        **spec.extra_env,
        **contract_env(spec, paths),
        "PYTHONUNBUFFERED": "1",
        "CUDA_VISIBLE_DEVICES": ",".join(map(str, gpus)),
        **{name: str(threads) for name in THREAD_VARIABLES},
    }
    result = []
    for rank in range(nodes):
        env = dict(base)
        if nodes > 1 or spec.use_torchrun:
            env.update(
                MASTER_ADDR="127.0.0.1",
                MASTER_PORT=str(port),
                WORLD_SIZE=str(nodes * nproc),
                RANK=str(rank),
                PET_NNODES=str(nodes),
                PET_NODE_RANK=str(rank),
                PET_NPROC_PER_NODE=str(nproc),
                PET_MASTER_ADDR="127.0.0.1",
                PET_MASTER_PORT=str(port),
            )
        if tf_ports:
            cluster = {"worker": [f"127.0.0.1:{p}" for p in tf_ports]}
            env["TF_CONFIG"] = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": rank}})
        if spec.use_torchrun:
            command = [
                python, "-m", "torch.distributed.run",
                f"--nnodes={nodes}", f"--node_rank={rank}", f"--nproc_per_node={nproc}",
                "--master_addr=127.0.0.1", f"--master_port={port}",
                str(entry), *args,
            ]  # fmt: skip
        elif entry.suffix == ".sh":
            command = ["bash", str(entry), *args]
        else:
            command = [python, str(entry), *args]
        result.append(Worker(rank, command, env, paths.source_dir))
    return result
