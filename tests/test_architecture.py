"""DESIGN.md's shape: dependencies point inward (api → resources/controller → backends → storage)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "jupyter_easymaker"

#: What each part may not import (package-relative module prefixes, or third-party top-level names).
FORBIDDEN = {
    "resources": ("backends", "controller", "api", "tornado", "jupyter_server"),
    "controller": ("api", "tornado", "jupyter_server", "requests"),
    "backends": ("api", "controller", "resources", "store", "tornado", "jupyter_server"),
    "storage": ("api", "controller", "resources", "store", "backends", "tornado", "jupyter_server"),
    "store": ("api", "controller", "resources", "backends", "tornado", "jupyter_server"),
    # what runs in a user's kernel talks to the server over its REST API only
    "client": ("api", "controller", "backends", "store", "storage", "tornado"),
    "widgets": ("api", "controller", "backends", "store", "storage", "tornado", "resources"),
    "magics": ("api", "controller", "backends", "store", "storage", "tornado", "resources"),
}


def imports(path: Path) -> set[str]:
    """Imported modules, package-relative ones named from the package root (backends.base, …)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = path.parent.relative_to(PACKAGE).parts
                module = ".".join([*parts[: len(parts) - node.level + 1], *(node.module or "").split(".")]).strip(".")
                names.add(module)
                names |= {f"{module}.{alias.name}" for alias in node.names}
            else:
                names.add(node.module or "")
    return {name.removeprefix("jupyter_easymaker.") for name in names}


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_dependencies_point_inward(part):
    offending = []
    for path in (PACKAGE / part).rglob("*.py"):
        for name in imports(path):
            if any(name == bad or name.startswith(f"{bad}.") for bad in FORBIDDEN[part]):
                offending.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not offending, offending
