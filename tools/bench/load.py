"""`tender-ledger bench load`: the service under a mixed load, as it runs in production — several
worker processes on PostgreSQL, the chain in a node process (the embedded chain's
`tender-ledger node`, or anvil) — for 1, 2 and 4 workers.

Each run starts its own PostgreSQL server, data directory, chain and service, prepares the
clients' keys and a tender (`tools.load.prepare`), then `clients` clients drive the mix of
`tools.load` for `duration` seconds with a share `invalid` of invalid requests, and the run ends
with `tools.load.check`: every acknowledged write on chain exactly once and in the store, the
store equal to its rebuild, every invalid request answered with its own 4xx, no 5xx.

Figures per run (suffix `_{N}_workers_{chain}`): throughput (operations accepted between the end
of the warm-up — the first fifth of the run, at most 60 s — and the end of the run, per second)
and p50/p99 latency per operation started after the warm-up (an operation is all its requests:
an anchor is its prepare and its signed submission), the
workers' resident memory after the warm-up and at the end (growth in %), and the run's
correctness counts. The `soak_*` figures total the correctness counts over every run and take the
largest memory growth; the unsuffixed `p50_ms_<op>` / `p99_ms_<op>` are the soak run's: the one
with the most workers on the first chain named.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

from eth_account import Account
from pydantic import SecretStr

from api.db.journal import Store
from api.db.locks import nonce_guard_name
from ledger import memtrace
from ledger.config import Settings
from ledger.runtime import open_runtime
from tools import load
from tools.bench.machine import cpu_model, machine
from tools.localnet import AnvilNode, PostgresServer, Service, rss_bytes

Progress = Callable[[str], None]
CHAINS = ("embedded", "anvil")
WARMUP_MAX_S = 60.0


def warmup_s(duration: float) -> float:
    return min(WARMUP_MAX_S, duration / 5)


def _settle(rt: Any, *, quiet_s: float = 5.0, limit_s: float = 600.0) -> None:
    """Wait until no block has been added for `quiet_s` (at most `limit_s`): a request whose client
    timed out is still executed by its worker, and a write mined while the check compares the store
    with its rebuild would show as a difference that is only a late arrival."""
    head, since, give_up = rt.client.block_number(), time.monotonic(), time.monotonic() + limit_s
    while time.monotonic() - since < quiet_s and time.monotonic() < give_up:
        time.sleep(0.5)
        now = rt.client.block_number()
        if now != head:
            head, since = now, time.monotonic()


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_once(*, workers: int, chain: str, duration: float, clients: int, invalid: float,
             say: Progress) -> dict[str, Any]:
    """One run; its figures (unsuffixed) and its findings' problems under `problems`."""
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tl-bench-load-")))
        say(f"{workers} worker(s) on {chain}: starting PostgreSQL, the chain and the service")
        pg = stack.enter_context(PostgresServer())
        database_url = pg.new_database("load")
        data_dir = tmp / "data"
        settings: dict[str, str] = {}
        if chain == "anvil":
            node = stack.enter_context(AnvilNode(prune_history=False))  # state at past blocks, as a node keeps it
            relayer = Account.create()
            node.set_balance(relayer.address, 10**30)
            settings = {"rpc_url": node.url, "signer_key": relayer.key.hex(), "chain_id": str(node.chain_id)}
        # TL_TRACEMALLOC: the workers and the node snapshot their allocations when their memory is sampled
        trace = os.environ.get(memtrace.VARIABLE)
        traced = {"tracemalloc": f"{trace}.{workers}w-{chain}"} if trace else {}
        log = stack.enter_context(open(tmp / "service.log", "wb"))
        try:
            service = stack.enter_context(Service(data_dir, database_url, workers=workers, log=log,
                                                       **settings, **traced))
        except RuntimeError as exc:
            log.flush()
            tail = (tmp / "service.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{exc}; its log ends:\n{tail}") from None
        on_node = Settings(rpc_url=settings["rpc_url"], signer_key=SecretStr(settings["signer_key"]),
                           chain_id=int(settings["chain_id"])) if settings \
            else Settings(rpc_url=None, chain_id=None, chain_clock="production")  # as the service's: no TL_ setting
        rt = open_runtime(on_node.model_copy(update={"data_dir": data_dir, "database_url": database_url}),
                          shared=True)
        stack.callback(rt.close)
        store = Store(rt)
        rt.client.nonce_guard = lambda address: store.lock(nonce_guard_name(address))
        say("preparing the clients' keys and the tender")
        world = load.prepare(service.url, rt, clients=clients, say=say)
        tally = load.Tally()
        pids = service.worker_pids()
        node_pid = service.node_pid()
        say(f"{clients} clients for {duration:.0f} s ({invalid:.0%} invalid requests)")
        start = time.monotonic()
        warm_end = start + warmup_s(duration)
        sampled: dict[str, dict[int, int | None]] = {}

        def sample(label: str) -> None:
            sampled[label] = {pid: rss_bytes(pid) for pid in (*pids, *([node_pid] if node_pid else []))}
            if trace:
                for pid in sampled[label]:
                    with suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGUSR1)

        sampler = threading.Timer(warmup_s(duration), sample, args=("warm",))
        sampler.start()
        progress = threading.Event()

        def report() -> None:
            while not progress.wait(60):
                say(f"{time.monotonic() - start:.0f} s: {len(tally.outcomes)} operations")

        reporter = threading.Thread(target=report, daemon=True)
        reporter.start()
        load.run(world, tally, clients=clients, invalid=invalid, until=start + duration)
        end = time.monotonic()
        sampler.join()
        sample("end")
        progress.set()
        workers_now = service.worker_pids()
        say("waiting for the chain to settle (requests whose clients gave up may still be mined)")
        _settle(rt)
        say("checking the chain and the store")
        found = load.check(tally, rt, store)
    figures: dict[str, Any] = {}
    until = start + duration
    accepted = [o for o in tally.outcomes
                if o.ok and not o.op.startswith("invalid:") and warm_end <= o.started + o.seconds <= until]
    figures["throughput_ops_per_s"] = len(accepted) / (until - warm_end)
    figures["drain_s"] = end - until  # the operations under way at the end, finishing
    figures["operations"] = sum(1 for o in tally.outcomes if not o.op.startswith("invalid:"))
    refused = Counter(f"{o.op} {o.status}" for o in tally.outcomes if not o.ok and not o.op.startswith("invalid:"))
    figures["refused_by_status"] = dict(sorted(refused.items()))  # "anchor 599": no answer in time
    figures["requests"] = sum(tally.statuses.values())
    for op, times in load.latencies(tally.outcomes, since=warm_end):
        figures[f"p50_ms_{op}"] = _percentile(times, 0.50) * 1000
        figures[f"p99_ms_{op}"] = _percentile(times, 0.99) * 1000
        figures[f"count_{op}"] = len(times)
    growth = []
    for pid in pids:
        warm, last = sampled.get("warm", {}).get(pid), sampled["end"].get(pid)
        if warm and last:
            growth.append(100.0 * (last - warm) / warm)
    figures["rss_growth_pct"] = max(growth) if growth else None
    figures["rss_mb_end"] = sum(v or 0 for p, v in sampled["end"].items() if p in pids) / 1e6
    node_warm, node_end = (sampled.get(label, {}).get(node_pid or 0) for label in ("warm", "end"))
    if node_warm and node_end:
        figures["node_rss_growth_pct"] = 100.0 * (node_end - node_warm) / node_warm
    figures["worker_restarts"] = len(set(workers_now) - set(pids))
    figures |= {
        "5xx_count": found.errors_5xx, "no_answer_count": found.no_answer, "valid_refused_count": found.valid_refused,
        "invalid_sent": found.invalid_sent, "invalid_rejected_4xx": found.invalid_rejected,
        "invalid_misanswered": found.invalid_misanswered, "lost_writes": found.lost,
        "duplicated_writes": found.duplicated, "refused_but_applied": found.refused_but_applied,
        "events_missing_or_doubled": found.events_missing_or_doubled,
        "store_equals_rebuild": found.store_equals_rebuild,
        "acknowledged_writes": len(tally.anchored) + len(tally.bids) + sum(len(s) for s in tally.guarantees.values()),
        "problems": found.problems,
    }
    return figures


def bench_load(*, workers: Sequence[int] = (1, 2, 4), chains: Sequence[str] = ("embedded",),
               duration: float = 600.0, clients: int = 64, invalid: float = 0.1,
               progress: Progress | None = None) -> dict[str, Any]:
    """One run per chain and worker count; see the module's docstring for the figures."""
    say = progress or (lambda _msg: None)
    os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")
    result: dict[str, Any] = {"duration_s": duration, "clients": clients, "invalid_share": invalid,
                              "warmup_s": warmup_s(duration)}
    soak = (chains[0], max(workers))
    totals = {"5xx_count": 0, "lost_writes": 0, "duplicated_writes": 0, "invalid_sent": 0,
              "invalid_rejected_4xx": 0, "invalid_misanswered": 0, "valid_refused_count": 0,
              "no_answer_count": 0, "refused_but_applied": 0, "events_missing_or_doubled": 0}
    growths: list[float] = []
    equal = True
    problems: list[str] = []
    for chain in chains:
        for n in workers:
            figures = run_once(workers=n, chain=chain, duration=duration, clients=clients, invalid=invalid, say=say)
            suffix = f"_{n}_workers_{chain}"
            for k in totals:
                totals[k] += figures[k]
            equal = equal and figures["store_equals_rebuild"]
            if figures["rss_growth_pct"] is not None:
                growths.append(figures["rss_growth_pct"])
            problems += [f"{n} workers, {chain}: {p}" for p in figures.pop("problems")]
            if (chain, n) == soak:
                result |= {k: v for k, v in figures.items() if k.startswith(("p50_ms_", "p99_ms_"))}
            result |= {f"{k}{suffix}": v for k, v in figures.items()}
    result |= {f"soak_{k}": v for k, v in totals.items()}
    result["soak_store_equals_rebuild"] = equal
    result["soak_rss_growth_pct"] = max(growths) if growths else None
    result["soak_problems"] = problems[:20]
    result["machine_cpu"] = cpu_model()
    result.update(machine())
    return result
