"""Prints a hash of the lab extension's sources (labextension/), which scripts/build-labextension.sh stores beside
the build so tests/test_labextension.py can tell when the committed build no longer matches the TypeScript."""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "labextension"
INPUTS = ("package.json", "tsconfig.json", "src", "style")


def source_hash(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        path = root / name
        for file in sorted([path] if path.is_file() else (p for p in path.rglob("*") if p.is_file())):
            digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


if __name__ == "__main__":
    print(source_hash())
