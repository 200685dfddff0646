"""`tender-ledger serve --workers 2`: /metrics sums the requests every worker served, whichever
worker answers the scrape (prometheus_client's multiprocess mode, in a directory `serve` makes
for the run and removes after it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.serving import free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _environ(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    return dict(item.decode(errors="replace").split("=", 1) for item in raw.split(b"\0") if b"=" in item)


@pytest.fixture
def service(tmp_path: Path, postgres: Any) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TL_") and k.upper() != "PROMETHEUS_MULTIPROC_DIR"}
    env |= {"TL_DATA_DIR": str(tmp_path / "data"), "TL_DATABASE_URL": postgres.new_database("metrics_workers"),
            "TL_SYNC_INTERVAL_S": "0", "PYTHONPATH": str(ROOT)}
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tools.cli", "serve", "--workers", str(WORKERS), "--port",
                                str(port)], env=env, cwd=ROOT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            assert process.poll() is None, "serve --workers stopped as it started"
            try:
                if httpx.get(f"{url}/chain", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "serve --workers did not answer"
            time.sleep(0.2)
        yield url, process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _served_healthz(url: str) -> float:
    """The /healthz requests /metrics counts, as one scrape (on a connection of its own) says."""
    text = httpx.get(f"{url}/metrics", headers={"Connection": "close"}, timeout=30).text
    for family in text_string_to_metric_families(text):
        if family.name == "tl_http_request_duration_seconds":
            for sample in family.samples:
                if sample.name.endswith("_count") and sample.labels.get("route") == "/healthz":
                    return float(sample.value)
    return 0.0


def test_metrics_sum_the_requests_of_every_worker(service: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, process = service
    # uvicorn replaces a worker that misses its health check (a loaded host, during start-up), so
    # the workers are whichever children are running now; all of them have the one directory.
    workers = [pid for pid in _children(process.pid) if "PROMETHEUS_MULTIPROC_DIR" in _environ(pid)]
    assert workers, "the workers are started with the metrics directory"
    directory = Path(_environ(workers[0])["PROMETHEUS_MULTIPROC_DIR"])
    assert {_environ(pid)["PROMETHEUS_MULTIPROC_DIR"] for pid in workers} == {str(directory)}
    assert directory.is_dir()

    def workers_that_served() -> set[int]:
        return {int(p.stem.rsplit("_", 1)[1]) for p in directory.glob("histogram_*.db")}

    sent = 0
    while len(workers_that_served()) < WORKERS:  # new connections, spread over the workers
        assert sent < 2000, f"only the workers {workers_that_served()} ever served a request"
        assert httpx.get(f"{url}/healthz", headers={"Connection": "close"}, timeout=30).status_code == 200
        sent += 1
    for _ in range(10):  # every scrape, whichever worker answers it, counts all of them
        assert _served_healthz(url) == sent

    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    assert not directory.exists(), "the metrics directory is removed when the workers stop"
