"""CPU and memory of named processes (the Monitoring tab's instances), sampled with psutil."""

from __future__ import annotations

from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class ProcessUsage:
    instance: str  # e.g. "model-server-0 (pid 1234)"
    cpu_percent: float  # of one core, since the previous sample of the same process
    memory_bytes: int  # resident


class ProcessProbes:
    """Keeps a psutil handle per process, so each CPU reading covers the time since the previous one."""

    def __init__(self) -> None:
        self._probes: dict[tuple[int, float], psutil.Process] = {}

    def sample(self, processes: list[tuple[str, int, float]]) -> list[ProcessUsage]:
        """(name, pid, create_time) of each process → its usage; ended processes are left out. A process seen for
        the first time reports 0 % CPU (its first reading only starts the clock)."""
        found = []
        for name, pid, create_time in processes:
            key = (pid, create_time)
            probe = self._probes.get(key)
            try:
                if probe is None:
                    probe = self._probes[key] = psutil.Process(pid)
                    if abs(probe.create_time() - create_time) > 1:
                        raise psutil.NoSuchProcess(pid)  # the pid was reused by another process
                    probe.cpu_percent(None)
                found.append(ProcessUsage(f"{name} (pid {pid})", probe.cpu_percent(None), probe.memory_info().rss))
            except psutil.Error:
                self._probes.pop(key, None)
        return found


def summed(usage: list[ProcessUsage]) -> tuple[float, int, int]:
    """(mean CPU % per process, total resident memory in bytes, processes)."""
    count = len(usage)
    cpu = sum(u.cpu_percent for u in usage)
    return (cpu / count if count else 0.0), sum(u.memory_bytes for u in usage), count
