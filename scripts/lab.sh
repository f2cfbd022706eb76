#!/usr/bin/env bash
# Sets everything up, then starts JupyterLab with the extension on the embedded default
# (SQLite store, local backend, local object store; data in ~/easymaker or $EM_DATA_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
args=(); [ "$(id -u)" = 0 ] && args+=(--allow-root)  # the notebook pod runs as root too
exec .venv/bin/jupyter lab "${args[@]}" "$@"
