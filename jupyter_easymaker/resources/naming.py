"""Names for copies, as the console pre-fills them."""

from __future__ import annotations

from ..errors import conflict


def free_copy_name(name: str, taken: set[str]) -> str:
    """`name-copy`, then `name-copy-2`, … cut to fit the 50-character limit."""
    for n in range(1, 1000):
        suffix = "-copy" if n == 1 else f"-copy-{n}"
        candidate = name[: 50 - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise conflict("No free '-copy-N' name is left; give the copy a name.")
