#!/usr/bin/env bash
# Installs tender-ledger (no Node.js needed) and runs the main job on the embedded default:
# an embedded py-evm chain and an SQLite store in ./tender-ledger-data, no servers to start.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
exec .venv/bin/tender-ledger demo "$@"
