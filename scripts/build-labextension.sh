#!/usr/bin/env bash
# Rebuilds the JupyterLab extension from labextension/ (TypeScript) into jupyter_easymaker/labextension/, the
# prebuilt output that is committed and that `pip install` puts into share/jupyter/labextensions. For developers
# only: CI and users never build TypeScript. Needs node (>= 18) and the project's venv (bash scripts/setup.sh).
# `jupyter labextension build` wants to fetch while it builds; this calls JupyterLab's builder directly.
set -euo pipefail
cd "$(dirname "$0")/.."
core="$(.venv/bin/python -c 'import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), "staging"))')"
cd labextension
../.venv/bin/jlpm install
rm -rf lib tsconfig.tsbuildinfo ../jupyter_easymaker/labextension
node_modules/.bin/tsc
node node_modules/@jupyterlab/builder/lib/build-labextension.js --core-path "$core" .
cd ..
.venv/bin/python scripts/labextension_hash.py > jupyter_easymaker/labextension/source-hash
# The editable install copied the previous build into the venv's share/: refresh it.
.venv/bin/python -m pip install --quiet --no-deps -e .
.venv/bin/jupyter labextension list 2>&1 | grep jupyter-easymaker
