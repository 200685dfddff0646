"""Benchmarks of the chain layer: write cost as history grows, throughput, log queries, restart."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hexbytes import HexBytes

from ledger.config import Settings
from ledger.documents import Kind
from ledger.runtime import Runtime, open_runtime
from tools.bench.machine import machine

Progress = Callable[[str], None]


def _timed_writes(
    rt: Runtime, n: int, *, estimate: bool = True, cpu: list[float] | None = None
) -> list[float]:
    """Send n anchor transactions one after another; each is timed until its receipt.

    Wall time goes in the result; CPU time of this process (the embedded chain runs in it, so
    this is the write's cost undisturbed by other load on the machine) goes in `cpu`.
    """
    # The centre doubles as the issuer here: a benchmark of the chain needs no more parties.
    reg, op = rt.registry, rt.centre
    times = []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        reg.anchor_root(op, os.urandom(32), Kind.QUALIFICATION, gas=None if estimate else 80_000)
        times.append(time.perf_counter() - t0)
        if cpu is not None:
            cpu.append(time.process_time() - c0)
    return times


def _log_query_ms(rt: Runtime, from_block: int, span: int, repeat: int = 20) -> float:
    reg = rt.registry
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        found = reg.log_count(from_block=from_block, to_block=from_block + span - 1)
        samples.append(time.perf_counter() - t0)
    assert found, "the queried range holds anchor logs"
    return statistics.median(samples) * 1000


def bench_chain(
    *, blocks: int = 20_000, sample: int = 200, progress: Progress | None = None,
    data_dir: Path | None = None,
) -> dict[str, Any]:
    """Measure write cost at 100 and at `blocks` blocks, throughput, log queries and restart."""
    say = progress or (lambda _msg: None)
    tmp = tempfile.TemporaryDirectory(prefix="tl-bench-")
    path = data_dir or Path(tmp.name) / "data"
    settings = Settings(data_dir=path)
    result: dict[str, Any] = {"blocks": blocks}
    try:
        rt = open_runtime(settings)
        rt.govern(rt.registry, "authoriseIssuer", rt.centre.address, int(Kind.QUALIFICATION))
        _timed_writes(rt, max(0, 100 - rt.client.block_number()), estimate=False)
        say(f"at {rt.client.block_number()} blocks: timing {sample} writes")
        early_cpu: list[float] = []
        early = _timed_writes(rt, sample, cpu=early_cpu)
        result["tx_ms_at_100_blocks"] = statistics.median(early) * 1000
        result["tx_cpu_ms_at_100_blocks"] = statistics.median(early_cpu) * 1000
        result["log_query_ms_at_100_blocks"] = _log_query_ms(rt, 50, 100)
        t0 = time.perf_counter()
        n = 1000
        _timed_writes(rt, n)
        result["tx_per_s"] = n / (time.perf_counter() - t0)

        grow_to = blocks - sample
        step = 1000
        while rt.client.block_number() < grow_to:
            todo = min(step, grow_to - rt.client.block_number())
            _timed_writes(rt, todo, estimate=False)
            say(f"history: {rt.client.block_number()} / {blocks} blocks")
        late_cpu: list[float] = []
        late = _timed_writes(rt, sample, cpu=late_cpu)
        result[f"tx_ms_at_{blocks}_blocks"] = statistics.median(late) * 1000
        result[f"tx_cpu_ms_at_{blocks}_blocks"] = statistics.median(late_cpu) * 1000
        result[f"log_query_ms_at_{blocks}_blocks"] = _log_query_ms(rt, 50, 100)
        t0 = time.perf_counter()
        _timed_writes(rt, n)
        result[f"tx_per_s_at_{blocks}_blocks"] = n / (time.perf_counter() - t0)
        result["tx_cost_ratio"] = (
            result[f"tx_ms_at_{blocks}_blocks"] / result["tx_ms_at_100_blocks"]
        )
        result["tx_cpu_cost_ratio"] = (
            result[f"tx_cpu_ms_at_{blocks}_blocks"] / result["tx_cpu_ms_at_100_blocks"]
        )
        first_tx = rt.client.w3.eth.get_block(60)["transactions"][0]
        assert isinstance(first_tx, HexBytes)  # a hash: the block was read without full transactions
        t0 = time.perf_counter()
        rt.client.w3.eth.get_transaction_receipt(first_tx)
        result["early_receipt_ms"] = (time.perf_counter() - t0) * 1000
        head = rt.client.block_number()
        rt.close()
        say("restarting")
        t0 = time.perf_counter()
        rt = open_runtime(settings)
        result["restart_s"] = time.perf_counter() - t0
        assert rt.client.block_number() == head
        result["chain_file_mb"] = rt.datadir.chain_file.stat().st_size / 1e6
        rt.close()
    finally:
        tmp.cleanup()
    result.update(machine())
    return result
