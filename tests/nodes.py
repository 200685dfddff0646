"""Real JSON-RPC node processes for tests, on 127.0.0.1 and a free port: anvil from the npm package
(`tools.localnet.AnvilNode`, which the load bench starts too), and `tender-ledger node` serving a
data directory's embedded chain. Foundry's `cast` (npm) is the outside client that reads them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tools.localnet import ANVIL, ANVIL_CHAIN_ID, AnvilNode  # noqa: F401  (the tests import them from here)

ROOT = Path(__file__).resolve().parent.parent
CAST = ROOT / "node_modules" / "@foundry-rs" / "cast-linux-amd64" / "bin" / "cast"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cast(*args: str) -> str:
    """Run foundry's `cast` and return its stdout, stripped; AssertionError with its stderr if it fails."""
    if not CAST.exists():
        raise FileNotFoundError(f"{CAST} is missing: run `npm ci` first")
    result = subprocess.run([str(CAST), *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"cast {' '.join(args)}: {result.stderr}"
    return result.stdout.strip()


def tender_ledger(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the `tender-ledger` command line as a subprocess, with no TL_* setting but those in `env`."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TL_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "tools.cli", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


class LedgerNode:
    """`tender-ledger node` on `data_dir` (a free port), as a real process; `stop` ends it with SIGTERM."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.log = self.data_dir.parent / f"{self.data_dir.name}-node.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("TL_")}
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tools.cli", "node", "--data-dir", str(self.data_dir), "--port", "0"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tender-ledger node exited with {self.proc.returncode}: {self.stderr}")
            info = self._published()
            if info is not None and info.get("pid") == self.proc.pid:
                self.url: str = info["url"]
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"tender-ledger node did not start within 60 s: {self.stderr}")

    def _published(self) -> dict | None:  # type: ignore[type-arg]
        try:
            return json.loads((self.data_dir / "node.json").read_text())  # type: ignore[no-any-return]
        except (OSError, ValueError):
            return None

    @property
    def stderr(self) -> str:
        return self.log.read_text()

    def rpc(self, method: str, params: list | None = None):  # type: ignore[no-untyped-def]
        r = requests.post(self.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []},
                          timeout=30)
        body = r.json()
        if "error" in body:
            raise RuntimeError(body["error"])
        return body["result"]

    def stop(self) -> int:
        """SIGTERM, then wait; the exit code."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        return int(self.proc.returncode)
