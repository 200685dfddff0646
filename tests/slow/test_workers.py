"""`tender-ledger serve --workers 4` on PostgreSQL with the embedded chain as a node process, and 64
clients at once mixing anchors, bids, guarantee steps and verifications: no 5xx, no acknowledged
write lost, none applied twice, and the store equal to its rebuild from the chain.

The test process itself sends with the relayer's key meanwhile (it funds keys through the same
node, under the same nonce guard), so five processes share that key's nonces.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import SQLModel, select

from api.db.events import ChainEvent
from api.db.journal import NOT_PROJECTED, Store
from api.db.locks import nonce_guard_name
from api.serving import free_port
from ledger.config import Settings
from ledger.documents import Kind, SealedCredential
from ledger.runtime import Runtime, open_runtime
from tests.api.test_api_guarantees import Desk
from tests.scenes import Actor, Firm, Scene

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

WORKERS = 4
PER_KIND = 16  # clients of each of the four kinds: 64 in all
ROOT = Path(__file__).resolve().parents[2]


def _env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TL_")}
    return env | {"TL_DATA_DIR": str(data_dir), "TL_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}


@pytest.fixture
def service(tmp_path: Path, postgres: Any) -> Iterator[tuple[str, Runtime, Store]]:
    """The service with four workers on a new PostgreSQL database and its own node; and this
    process's runtime on the same directory (shared, through the node) and store."""
    database_url = postgres.new_database("workers")
    data_dir = tmp_path / "data"
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.cli", "serve", "--workers", str(WORKERS), "--port", str(port)],
        env=_env(data_dir, database_url), cwd=ROOT, stdin=subprocess.DEVNULL)
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
        rt = open_runtime(Settings(data_dir=data_dir, database_url=database_url), shared=True)
        try:
            store = Store(rt)
            rt.client.nonce_guard = lambda address: store.lock(nonce_guard_name(address))
            yield url, rt, store
        finally:
            rt.close()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert not (data_dir / "node.json").exists(), "the node serve started outlived it"


def _projection(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the chain gives back, sorted."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with store.session() as s:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in NOT_PROJECTED:
                found[table.name] = sorted((tuple(map(repr, row)) for row in s.execute(table.select())))
    return found


def test_four_workers_and_sixty_four_clients_lose_nothing_and_apply_nothing_twice(
    service: tuple[str, Runtime, Store],
) -> None:
    url, rt, store = service
    http = httpx.Client(base_url=url, timeout=120)
    scene = Scene(http, rt)
    desk = Desk(scene)  # type: ignore[arg-type]
    issuers = [scene.issuer(Kind.QUALIFICATION) for _ in range(PER_KIND)]
    guarantors = [scene.firm(desk.regulator, kinds=(Kind.IDENTITY,)) for _ in range(PER_KIND)]
    bidders = [scene.firm(desk.regulator, kinds=(Kind.IDENTITY,)) for _ in range(PER_KIND)]
    checked = [f.identity for f in (*guarantors, *bidders)]
    desk.firms = guarantors
    bank_lock = threading.Lock()  # the bank signs its own transactions one after another

    outcomes: list[tuple[str, int, Any]] = []
    record = threading.Lock()

    def note(step: str, response: Any, extra: Any = None) -> Any:
        with record:
            outcomes.append((step, response.status_code, extra if extra is not None else response.text))
        return response

    def anchor(n: int) -> None:
        issuer = Actor.of(httpx.Client(base_url=url, timeout=120), issuers[n].account)  # type: ignore[arg-type]
        firm = Firm(issuer, bidders[n].uscc)
        for batch in range(3):
            docs = [SealedCredential.seal(scene.document(firm, Kind.QUALIFICATION, issuer=issuer,
                                                         n=1000 * n + 10 * batch + i)) for i in range(5)]
            r = note("anchor", issuer.anchor(docs))
            if r.status_code == 201:
                with record:
                    outcomes.append(("anchored", 201, [c["credential_id"] for c in r.json()["credentials"]]))

    def guarantee(n: int) -> None:
        gid = desk.apply(n, 0)
        note("apply", httpx.Response(201), gid)
        with bank_lock:
            note("issue", desk.issue(gid))
        note("bind", desk.bind(n, gid, 0), gid)
        note("bid", scene.bid(guarantors[n], desk.tender, 0, credentials=[]), guarantors[n].address.lower())

    def bid(n: int) -> None:
        note("bid", scene.bid(bidders[n], desk.tender, 1, credentials=[]), bidders[n].address.lower())

    def verify(n: int) -> None:
        sealed = checked[n % len(checked)]
        assert sealed is not None
        for _ in range(3):
            r = note("verify", http.post("/verify", json={"document": sealed.to_dict()}))
            assert r.status_code != 200 or r.json()["ok"], r.text

    jobs: list[Callable[[], None]] = [
        *(lambda n=n: anchor(n) for n in range(PER_KIND)), *(lambda n=n: guarantee(n) for n in range(PER_KIND)),
        *(lambda n=n: bid(n) for n in range(PER_KIND)), *(lambda n=n: verify(n) for n in range(PER_KIND))]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result(timeout=600)

    statuses = Counter((step, status) for step, status, _ in outcomes)
    assert not [s for s in statuses if s[1] >= 500], statuses
    assert {s: c for s, c in statuses.items() if s[1] >= 400} == {}, [o for o in outcomes if o[1] >= 400][:5]
    assert statuses[("anchor", 201)] == 3 * PER_KIND
    assert statuses[("bind", 200)] == PER_KIND and statuses[("bid", 201)] == 2 * PER_KIND
    assert statuses[("verify", 200)] == 3 * PER_KIND

    store.reconcile()
    with store.session() as s:
        events = list(s.exec(select(ChainEvent).where(ChainEvent.chain_key == store.chain_key)))
    # Nothing lost: every acknowledged credential, bid and binding is in the store.
    anchored = [cid for step, _, ids in outcomes if step == "anchored" for cid in ids]
    assert len(anchored) == len(set(anchored)) == 3 * 5 * PER_KIND
    for cid in anchored:
        assert http.get(f"/credentials/{cid}").status_code == 200, cid
    bid_events = Counter(_arg(e, "bidder") for e in events if e.name == "BidSubmitted")
    for step, status, bidder in outcomes:
        if step == "bid":
            assert bid_events[bidder] == 1, bidder  # there, and once
    bound = Counter(_arg(e, "guaranteeId") for e in events if e.name == "Bound")
    for step, _, gid in outcomes:
        if step == "bind":
            assert bound[gid] == 1, gid
    # Applied once: the store holds every event of the chain exactly once.
    on_chain = sum(len(rt.gateway(name).logs(from_block=0, to_block=rt.client.block_number()))
                   for name in rt.addresses)
    assert len(events) == len({(e.block_number, e.log_index) for e in events}) == on_chain

    # The store equals its rebuild from the chain.
    before = _projection(store)
    store.rebuild()
    assert _projection(store) == before


def _arg(event: ChainEvent, name: str) -> Any:
    value = json.loads(event.args)[name]
    return value.lower() if isinstance(value, str) else value
