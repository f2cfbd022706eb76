#!/usr/bin/env bash
# Sets everything up, then runs the whole test suite (arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check jupyter_easymaker tests benchmarks
exec .venv/bin/python -m pytest "$@"
