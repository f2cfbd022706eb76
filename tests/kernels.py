"""A real IPython kernel for tests, driven over its channels as JupyterLab drives it."""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import KernelManager


@dataclass
class Reply:
    """What one execution produced."""

    status: str
    stdout: str = ""
    stderr: str = ""
    error: tuple[str, str] | None = None  # (ename, evalue)
    traceback: list[str] = field(default_factory=list)
    outputs: list[dict] = field(default_factory=list)  # display_data / execute_result contents


class Kernel:
    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(cwd=str(cwd), env=env)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)
        self.messages: list[dict] = []  # every iopub message so far, in order

    def stop(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)

    def _pump(self, timeout: float) -> dict | None:
        try:
            message = self.client.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            return None
        self.messages.append(message)
        return message

    def execute(self, code: str, timeout: float = 120, allow_stdin: bool = False) -> Reply:
        msg_id = self.client.execute(code, allow_stdin=allow_stdin)
        return self.collect(msg_id, timeout)

    def collect(self, msg_id: str, timeout: float = 120) -> Reply:
        """Everything the execution `msg_id` printed and displayed, until the kernel is idle again."""
        reply = Reply(status="ok")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self._pump(0.5)
            if message is None or message["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                setattr(reply, content["name"], getattr(reply, content["name"]) + content["text"])
            elif kind in ("display_data", "execute_result"):
                reply.outputs.append(content)
            elif kind == "error":
                reply.status = "error"
                reply.error = (content["ename"], content["evalue"])
                reply.traceback = content["traceback"]
            elif kind == "status" and content["execution_state"] == "idle":
                shell = self.client.get_shell_msg(timeout=30)
                reply.status = shell["content"]["status"] if reply.status == "ok" else reply.status
                return reply
        raise TimeoutError(f"kernel still busy after {timeout}s running a cell")

    def wait_for(self, predicate, timeout: float = 90) -> None:
        """Read iopub (messages from background threads too) until `predicate(self.messages)` holds."""
        deadline = time.monotonic() + timeout
        while not predicate(self.messages):
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met after {timeout}s")
            self._pump(0.5)

    def widget_states(self) -> list[dict]:
        """The widget state updates the kernel sent (comm_open data and comm_msg updates), in order."""
        states = []
        for message in self.messages:
            data = message["content"].get("data") or {}
            if message["msg_type"] in ("comm_open", "comm_msg") and isinstance(data.get("state"), dict):
                states.append(data["state"])
        return states
