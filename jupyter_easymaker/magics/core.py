"""What every magic shares: registration, option parsing and errors shown as one line (IPython's UsageError).

A magic is a function with IPython's `@magic_arguments` options, registered with `@magic(kind, name)`:

    @magic("line", "em_status")
    @magic_arguments()
    @argument("name", nargs="?")
    def em_status(line): ...

`load_ipython_extension` registers every magic of the modules in `jupyter_easymaker.magics.MODULES`.
"""

from __future__ import annotations

import functools
import shlex
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError

from ..client import ClientError, EasyMakerClient, default_client

#: (kind, name, function) of every magic defined so far; kind is "line", "cell" or "line_cell".
REGISTRY: list[tuple[str, str, Callable]] = []


def magic(kind: str, name: str) -> Callable[[Callable], Callable]:
    """Register a magic whose client errors and bad options become one readable line, not a traceback."""

    def register(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any) -> Any:
            try:
                return func(*args)
            except UsageError:
                raise
            except (ClientError, TimeoutError) as err:
                raise UsageError(str(err)) from None

        wrapper.magic_name = name  # type: ignore[attr-defined]
        REGISTRY.append((kind, name, wrapper))
        return wrapper

    return register


def options(func: Callable, line: str, prefix: str = "%") -> Any:
    """The parsed options of `line`; a wrong one says where to look."""
    try:
        return func.parser.parse_args(shlex.split(line))
    except ValueError as err:  # shlex: an unclosed quote
        raise UsageError(f"Cannot read the options ({err}); check the quotes.") from None
    except UsageError as err:
        raise UsageError(f"{err}. See {prefix}{func.__name__}? for the options.") from None


def client() -> EasyMakerClient:
    """The shared client (discovers the server on first use; ServerNotFound says how to start one)."""
    return default_client()


def key_values(items: list[str] | None, option: str, value_name: str = "value") -> list[tuple[str, str]]:
    """`["lr=0.1", "epochs=3"]` → pairs; anything without `=` is refused naming the option."""
    pairs = []
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{option} '{item}' is not name={value_name}; write it as {option} name={value_name}.")
        pairs.append((key.strip(), value.strip()))
    return pairs
