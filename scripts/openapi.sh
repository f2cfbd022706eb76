#!/usr/bin/env bash
# Regenerates jupyter_easymaker/api/openapi.json from the route table (tests/test_openapi.py checks it is current).
set -euo pipefail
cd "$(dirname "$0")/.."
# runpy warns that the package imported the module before running it as __main__; harmless here.
exec .venv/bin/python -W "ignore:'jupyter_easymaker.api.openapi' found in sys.modules:RuntimeWarning" \
  -m jupyter_easymaker.api.openapi "$@"
