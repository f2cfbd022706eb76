"""TensorBoard processes on this machine, one per log directory, started on first use and ended when idle."""

from __future__ import annotations

import asyncio
import ctypes
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT = 60.0
IDLE_SECONDS = 30 * 60


class TensorBoardError(RuntimeError):
    """TensorBoard could not be started; the message says why."""


@dataclass
class _Board:
    process: subprocess.Popen
    port: int
    log: Path
    last_used: float = field(default_factory=time.monotonic)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class TensorBoards:
    """`await url(logdir, path_prefix)`: the address of a TensorBoard serving `logdir` under `path_prefix`.

    A board is reused while alive; boards unused for `idle_seconds` are ended on the next call, and all of them
    when the server stops (and, on Linux, when the server process dies). Call from the event loop's thread: the
    death signal is tied to the thread that starts a board.
    """

    def __init__(self, state_dir: Path, idle_seconds: float = IDLE_SECONDS) -> None:
        self.state_dir = state_dir
        self.idle_seconds = idle_seconds
        self._boards: dict[tuple[str, str], _Board] = {}
        self._lock = threading.Lock()

    async def url(self, logdir: Path, path_prefix: str) -> str:
        key = (str(logdir), path_prefix)
        with self._lock:
            self._end_idle()
            board = self._boards.get(key)
            if board is None or board.process.poll() is not None:
                board = self._boards[key] = self._start(logdir, path_prefix)
            board.last_used = time.monotonic()
        await _until_listening(board)
        return board.url

    def stop_all(self) -> None:
        with self._lock:
            for board in self._boards.values():
                _end(board)
            self._boards.clear()

    def _end_idle(self) -> None:
        now = time.monotonic()
        for key, board in list(self._boards.items()):
            if now - board.last_used > self.idle_seconds:
                _end(board)
                del self._boards[key]

    def _start(self, logdir: Path, path_prefix: str) -> _Board:
        logdir.mkdir(parents=True, exist_ok=True)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        log = self.state_dir / f"tensorboard-{port}.log"
        command = [
            sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir), "--host", "127.0.0.1",
            "--port", str(port), "--path_prefix", path_prefix.rstrip("/"), "--reload_interval", "5",
        ]  # fmt: skip
        with open(log, "wb") as out:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
            )
        return _Board(process, port, log)


async def _until_listening(board: _Board) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if board.process.poll() is not None:
            tail = board.log.read_text(errors="replace")[-2000:]
            raise TensorBoardError(f"TensorBoard exited with code {board.process.returncode}: {tail.strip()}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", board.port)
        except OSError:
            await asyncio.sleep(0.2)
        else:
            writer.close()
            return
    _end(board)
    raise TensorBoardError(f"TensorBoard did not answer within {START_TIMEOUT:.0f}s; see {board.log}")


def _end(board: _Board) -> None:
    if board.process.poll() is None:
        board.process.terminate()
        try:
            board.process.wait(5)
        except subprocess.TimeoutExpired:
            board.process.kill()
            board.process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """A board must not outlive a killed server: ask Linux to SIGTERM it when its parent dies (elsewhere, no-op)."""
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
