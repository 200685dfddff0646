"""`tender-ledger serve --workers N`: N worker processes of the HTTP API on one PostgreSQL store.

Every guard the workers need is the store's (`api.db.locks`: PostgreSQL advisory locks), so the
store must be PostgreSQL: SQLite is one process's store and is refused. With the embedded chain,
the chain is one process too: unless a `tender-ledger node` already serves the data directory's
chain, one is started here (on a free loopback port) and stopped when the service stops; every
worker reaches the chain through it by URL, as it would any node. The workers write their metrics
to a directory made for the run (prometheus_client's multiprocess mode), so that /metrics, from
any worker, sums them.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ledger.config import Settings
from ledger.datadir import DataDir
from ledger.errors import ConfigurationError, DataDirInUse

EXIT_OK = 0
EXIT_USAGE = 2
MULTIPROC_VARIABLES = ("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir")
WORKER_HEALTHCHECK_S = 30
"""How long a worker may take to answer uvicorn's health check before it is killed and replaced.
uvicorn's 5 s default kills workers still starting (importing the EVM, opening the store) on a
loaded host, again and again."""
NODE_START_S = 300.0
"""How long a node started here may take to open (or create and deploy) the chain."""


def refusal(settings: Settings, workers: int) -> str | None:
    """Why `workers` processes cannot serve with `settings` (None: they can)."""
    if workers < 1:
        return f"--workers must be at least 1, not {workers}"
    if workers == 1:
        return None
    if not settings.database_url:
        return (f"--workers {workers} needs the store on PostgreSQL (TL_DATABASE_URL=postgresql+psycopg://…): "
                "the default SQLite store is one process's, and its guards hold in one process only")
    try:
        backend = make_url(settings.database_url).get_backend_name()
    except ArgumentError:
        return "TL_DATABASE_URL is not a database URL (postgresql+psycopg://user@host/db)"
    if backend != "postgresql":
        return (f"--workers {workers} needs the store on PostgreSQL, and TL_DATABASE_URL is a {backend} URL: "
                "its guards would hold in one process only")
    return None


def serve(settings: Settings, *, host: str, port: int, workers: int, log_options: dict[str, Any],
          preflight: Any) -> int:
    """Run `workers` worker processes (one or more; the CLI sends one worker elsewhere) until
    interrupted; see the module's docstring."""
    reason = refusal(settings, workers)
    if reason is not None:
        print(f"error: {reason}", file=sys.stderr)
        return EXIT_USAGE
    with few_malloc_arenas():
        return _serve(settings, host=host, port=port, workers=workers, log_options=log_options, preflight=preflight)


def _serve(settings: Settings, *, host: str, port: int, workers: int, log_options: dict[str, Any],
           preflight: Any) -> int:
    import uvicorn

    node = start_node(settings.data_dir) if settings.embedded else None
    try:
        preflight(settings)  # deploys, creates the schema and catches the store up, once
        if workers > 1 and settings.db_pool_size is None:  # the workers share PostgreSQL's connections
            os.environ["TL_DB_POOL_SIZE"] = str(worker_pool_size(workers))
        datadir = DataDir.open(settings.data_dir, shared=True)
        try:
            datadir.hold_serving()
            with worker_metrics():
                uvicorn.run("api.app:worker_app", factory=True, host=host, port=port, workers=workers,
                            **_healthcheck_option(uvicorn.run), **log_options)
        finally:
            datadir.close()
    finally:
        if node is not None:
            stop_node(node)
    return EXIT_OK


SHARED_POOL = 40  # PostgreSQL connections `serve --workers N` shares among its workers (twice that at peaks)


def worker_pool_size(workers: int) -> int:
    """Each of `workers` processes' pool: SHARED_POOL shared, at least 2 (so that N workers open at most
    2 × SHARED_POOL connections, within PostgreSQL's default 100 with room for the preflight and tools)."""
    return max(2, SHARED_POOL // max(1, workers))


def _healthcheck_option(run: Any) -> dict[str, Any]:
    """uvicorn's worker health check timeout, where uvicorn has one (0.30 on): WORKER_HEALTHCHECK_S."""
    if "timeout_worker_healthcheck" in inspect.signature(run).parameters:
        return {"timeout_worker_healthcheck": WORKER_HEALTHCHECK_S}
    return {}


MALLOC_ARENAS = "2"
"""glibc's MALLOC_ARENA_MAX for the processes started here (the workers, the node). Each thread that
allocates while another holds an arena gets an arena of its own, up to 8 per core; a worker's
request threads and a node's connection threads so spread their garbage over many arenas, whose
freed but fragmented pages stay resident: the processes' memory then grows with the volume of
work rather than with what they keep. Two arenas should cost little contention here: the
interpreter lock already serialises most of the allocating threads. A process started with
`serve --workers 1` is the serving process itself, which started before this could be set."""


@contextmanager
def few_malloc_arenas() -> Iterator[None]:
    """MALLOC_ARENA_MAX set (unless the operator set it) for the processes started in the block,
    which read it when they start; restored afterwards."""
    saved = os.environ.get("MALLOC_ARENA_MAX")
    if saved is None:
        os.environ["MALLOC_ARENA_MAX"] = MALLOC_ARENAS
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("MALLOC_ARENA_MAX", None)


@contextmanager
def worker_metrics() -> Iterator[Path]:
    """A new, empty directory in PROMETHEUS_MULTIPROC_DIR while the workers run: each worker (a new
    process, which reads it when it imports prometheus_client) writes its metrics there, and
    /metrics sums them. A fresh one each time, so no count of an earlier run is added in; removed,
    and the variable restored, when the workers have stopped."""
    path = Path(tempfile.mkdtemp(prefix="tender-ledger-metrics-"))
    saved = {name: os.environ.get(name) for name in MULTIPROC_VARIABLES}
    os.environ.pop("prometheus_multiproc_dir", None)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    try:
        yield path
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(path, ignore_errors=True)


def preflight(settings: Settings) -> None:
    """Open the data directory, the chain and the store, and catch the store up, before the server
    starts: a damaged or foreign store stops `serve` here with one `error:` line, not a traceback."""
    from api.db.journal import Store
    from ledger.runtime import open_runtime

    with open_runtime(settings) as rt:
        Store(rt).reconcile()


def start_node(data_dir: Path) -> subprocess.Popen[bytes] | None:
    """A `tender-ledger node` on the data directory's embedded chain, started and answering; None
    when one already serves it (that one is left running, and is not stopped here)."""
    path = Path(data_dir).resolve()
    probe = DataDir.open(path)
    try:
        if probe.node_url is not None:
            return None
    finally:
        probe.close()
    process = subprocess.Popen([sys.executable, "-m", "tools.cli", "node", "--data-dir", str(path),
                                "--host", "127.0.0.1", "--port", "0"], stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + NODE_START_S
    node_file = path / "node.json"
    while True:
        code = process.poll()
        if code is not None:
            raise ConfigurationError(f"the chain node for {path} stopped as it started (exit code {code})")
        try:
            info = json.loads(node_file.read_text())
        except (OSError, ValueError):
            info = None
        if isinstance(info, dict) and info.get("pid") == process.pid and _directory_free(path):
            return process  # published, and the directory released for the others
        if time.monotonic() > deadline:
            stop_node(process)
            raise ConfigurationError(f"the chain node for {path} did not start within {NODE_START_S:.0f} s")
        time.sleep(0.05)


def _directory_free(path: Path) -> bool:
    try:
        DataDir.open(path).close()
    except DataDirInUse:
        return False
    return True


def stop_node(process: subprocess.Popen[bytes]) -> None:
    """Stop a node started by `start_node` (it finishes the request it is answering)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str] | None = None) -> int:
    """`python -m tools.serve [--workers N] [--port P]`: `serve` above with any number of workers,
    one included: the layout of `tender-ledger serve --workers N` (the chain in a node process, the
    workers reaching it by URL) with a single worker, as the load bench compares worker counts.
    Settings from the environment (TL_*), as for `tender-ledger serve`."""
    import argparse

    from api.ops import OpsSettings, uvicorn_log_options
    parser = argparse.ArgumentParser(prog="python -m tools.serve")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    settings = Settings()
    try:
        return serve(settings, host="127.0.0.1", port=args.port or settings.port, workers=args.workers,
                     log_options=uvicorn_log_options(OpsSettings()), preflight=preflight)
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
