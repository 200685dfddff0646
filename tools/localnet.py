"""Local processes the load bench and the slow tests start and stop: a throw-away PostgreSQL
server, an anvil node, and the service as `tender-ledger serve --workers N` on PostgreSQL (with
the embedded chain as a `tender-ledger node` process, or on a node such as anvil).

    with PostgresServer() as pg, Service(data_dir, pg.new_database("load"), workers=4) as service:
        httpx.get(service.url + "/chain")
        service.worker_pids()          # the worker processes, for their resident memory

Nothing here is a mock: each is the real program, on 127.0.0.1 and a free port.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import httpx
import requests

from api.serving import free_port

ROOT = Path(__file__).resolve().parents[1]
ANVIL = ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
ANVIL_CHAIN_ID = 31337
SERVICE_START_S = 300.0
"""How long the service may take to answer (a new chain is created and deployed first)."""


# ---------------------------------------------------------------------------------- PostgreSQL


# Connections the local server takes: one server serves a whole test session (every store a test
# opens keeps its pool until it is closed), above PostgreSQL's default 100 that production sizes for.
MAX_CONNECTIONS = 200


def find_bindir() -> Path | None:
    """The directory of the machine's PostgreSQL server programs (initdb, pg_ctl), if any."""
    if shutil.which("pg_ctl") and shutil.which("initdb"):
        return Path(shutil.which("pg_ctl")).resolve().parent  # type: ignore[arg-type]
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


class PostgresServer:
    """initdb + pg_ctl on 127.0.0.1 and a free port; run as the postgres user when we are root."""

    def __init__(self) -> None:
        bindir = find_bindir()
        if bindir is None:
            raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) not found")
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="tl-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "60",
                  "-o", f"-h 127.0.0.1 -p {self.port} -k {self.root} -F -c max_connections={MAX_CONNECTIONS}",
                  "start")
        self.admin_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self._as_user, str(self.bindir / tool), *args], check=True, capture_output=True,
                       timeout=120)

    def new_database(self, name: str) -> str:
        """A new empty database; its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


# ---------------------------------------------------------------------------------- anvil


class AnvilNode:
    """An anvil process from the npm package; stopped by process group."""

    def __init__(self, chain_id: int = ANVIL_CHAIN_ID, *, prune_history: bool = True,
                 options: tuple[str, ...] = ()) -> None:
        """`prune_history=False` keeps every block's state: `anvil_reorg` needs it; `options` are
        more anvil options (e.g. the fees of a free gas network)."""
        if not ANVIL.exists():
            raise FileNotFoundError(f"{ANVIL} is missing: run `npm ci` first")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.chain_id = chain_id
        self.proc = subprocess.Popen(
            [str(ANVIL), "--host", "127.0.0.1", "--port", str(self.port), "--chain-id", str(chain_id),
             "--hardfork", "cancun", *(["--prune-history"] if prune_history else []), "--silent",
             "--accounts", "2", *options],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"anvil exited with {self.proc.returncode}")
            try:
                self.rpc("eth_chainId")
                return
            except requests.RequestException:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("anvil did not answer within 20 s")

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        r = requests.post(self.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []},
                          timeout=10)
        body = r.json()
        if "error" in body:
            raise RuntimeError(body["error"])
        return body["result"]

    def set_balance(self, address: str, wei: int) -> None:
        self.rpc("anvil_setBalance", [address, hex(wei)])

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


# ---------------------------------------------------------------------------------- the service


def service_env(data_dir: Path, database_url: str, **settings: str) -> dict[str, str]:
    """This process's environment without its TL_ settings, plus the data directory, the store
    and `settings` (e.g. rpc_url=…, signer_key=… as TL_RPC_URL, TL_SIGNER_KEY)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TL_")}
    env |= {"TL_DATA_DIR": str(data_dir), "TL_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    return env | {f"TL_{k.upper()}": v for k, v in settings.items()}


class Service:
    """`tender-ledger serve --workers N` on PostgreSQL, started and answering on a free port;
    stopped (SIGINT, as an operator's Ctrl-C) on leaving. With one worker it is the same layout
    (`python -m tools.serve`: the chain in a node process, one worker process reaching it by URL),
    since `serve --workers 1` keeps the chain in its own process.

    `log`: where the service's output goes (default: inherited)."""

    def __init__(self, data_dir: Path, database_url: str, *, workers: int, log: IO[bytes] | None = None,
                 **settings: str) -> None:
        self.data_dir, self.workers = Path(data_dir), workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = (["-m", "tools.cli", "serve", "--workers", str(workers), "--port", str(self.port)] if workers > 1
                   else ["-m", "tools.serve", "--port", str(self.port)])
        self.process = subprocess.Popen([sys.executable, *command], cwd=ROOT, stdin=subprocess.DEVNULL,
                                        stdout=log, stderr=log,
                                        env=service_env(self.data_dir, database_url, **settings))
        try:
            self._wait()
        except BaseException:
            self.stop()
            raise

    def _wait(self) -> None:
        deadline = time.monotonic() + SERVICE_START_S
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the service stopped as it started (exit code {self.process.returncode})")
            try:
                if httpx.get(f"{self.url}/chain", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the service did not answer within {SERVICE_START_S:.0f} s")
            time.sleep(0.2)
        while len(self.worker_pids()) < self.workers and time.monotonic() < deadline:
            time.sleep(0.2)  # the first worker answers before the last has started

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: uvicorn's worker processes (the serving process
        itself with one worker)."""
        if self.workers == 1:
            return [self.process.pid]
        return [pid for pid in children(self.process.pid) if "spawn_main" in command_line(pid)]

    def node_pid(self) -> int | None:
        """The `tender-ledger node` process the service started for the embedded chain, if any."""
        try:
            pid = int(json.loads((self.data_dir / "node.json").read_text())["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return pid if pid in children(self.process.pid) else None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


# ---------------------------------------------------------------------------------- processes (Linux /proc)


def children(pid: int) -> list[int]:
    """The live child processes of `pid`."""
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2:].split()  # after the command name, which may hold spaces
        if int(fields[1]) == pid:
            found.append(int(stat.split("/")[2]))
    return sorted(found)


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def rss_bytes(pid: int) -> int | None:
    """The resident memory of `pid` (VmRSS), or None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None
