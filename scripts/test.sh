#!/usr/bin/env bash
# Installs everything the test suite needs from the project's own files, then runs all of it
# (fast and slow tests; the embedded chain, a real anvil node and a real PostgreSQL server).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

# solc-js (contract compilation check), Hardhat 2, anvil (the JSON-RPC node) and forge (invariant
# fuzzing) from npm.
npm ci --no-audit --no-fund --loglevel=error

# Slither in its own virtual environment (slither-analyzer needs web3 < 8; the project pins web3 8),
# from the pinned scripts/slither-requirements.txt; forge (for the invariant fuzzing) came with npm ci.
bash scripts/slither.sh --version >/dev/null

# PostgreSQL server binaries for the store tests (the tests start their own server on 127.0.0.1).
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "PostgreSQL server binaries missing: install the 'postgresql' package" >&2
    exit 1
  fi
fi

# Headless Chromium and its WebDriver for the portal's browser tests (tests/portal/test_browser.py),
# and a CJK font so that the Chinese pages render (and their screenshots show) real characters.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null
  else
    echo "Chromium missing: install the 'chromium', 'chromium-driver' and 'fonts-noto-cjk' packages" >&2
    exit 1
  fi
fi

export ETH_HASH_BACKEND=pysha3
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
