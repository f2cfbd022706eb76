"""Waiting for a resource: one polling loop for every `wait_*` of the client."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def poll_until(
    read: Callable[[], dict],
    done: Callable[[dict], bool],
    still: Callable[[dict], str],
    timeout: float | None = None,
    poll: float = 0.5,
    on_change: Callable[[dict], Any] | None = None,
    change: Callable[[dict], Any] = lambda data: None,
) -> dict:
    """`read()` every `poll` seconds until `done(data)`; returns that data.

    `on_change(data)` is called first and whenever `change(data)` differs from the last time. After `timeout`
    seconds, TimeoutError says `still(data)` (e.g. "Training 'x' is still RUNNING") and how long it waited.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    last: Any = object()
    while True:
        data = read()
        key = change(data)
        if key != last:
            last = key
            if on_change is not None:
                on_change(data)
        if done(data):
            return data
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"{still(data)} after {timeout}s.")
        time.sleep(poll)
