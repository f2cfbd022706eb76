"""What both the pipeline resources and a backend read from a KFP pipeline spec (IR, as a dict)."""

from __future__ import annotations


def container_components(spec: dict) -> list[str]:
    """Components that are container components (not lightweight Python ones): they need a container runtime."""
    executors = (spec.get("deploymentSpec") or {}).get("executors") or {}
    found = []
    for label, executor in executors.items():
        container = executor.get("container")
        if container is None:
            continue
        parts = [*(container.get("command") or []), *(container.get("args") or [])]
        if not any("kfp.dsl.executor_main" in str(part) for part in parts):
            found.append(label.removeprefix("exec-"))
    return found
