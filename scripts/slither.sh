#!/usr/bin/env bash
# Slither static analysis of contracts/, offline: slither runs in its own virtual environment
# (.venv-slither, from scripts/slither-requirements.txt: slither-analyzer needs web3 < 8 and the
# project pins web3 8), and compiles through forge (foundry.toml), which compiles with the pinned
# solc-js through scripts/solc_native.js, with the production settings (viaIR). Needs `npm ci`.
#
#   scripts/slither.sh                       # the report on the terminal
#   scripts/slither.sh --json report.json    # and as JSON (tests/contracts/test_slither.py)
#
# Exits 255 when slither reports any finding; which ones are accepted, and why, is in
# docs/contracts.md ("Static analysis"), and the test fails on any other high or medium one.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv-slither
if [ ! -x "$VENV/bin/slither" ] || ! cmp -s scripts/slither-requirements.txt "$VENV/requirements.txt"; then
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r scripts/slither-requirements.txt
  cp scripts/slither-requirements.txt "$VENV/requirements.txt"
fi
[ -x node_modules/.bin/forge ] || { echo "error: forge is not installed: run npm ci" >&2; exit 2; }

# forge builds contracts/ (not the invariant suites) into its own directory, so that a fuzzing run's
# build is left alone.
export PATH="$PWD/node_modules/.bin:$PATH" FOUNDRY_OUT=build/slither/out FOUNDRY_CACHE_PATH=build/slither/cache
exec "$VENV/bin/slither" . "$@"
