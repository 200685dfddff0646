"""`tender-ledger serve --workers 4` on PostgreSQL with the embedded chain as a node process, and 64
clients at once mixing anchors, bids, guarantee steps and verifications (`tools.load`, the mix the
load bench drives for longer): no 5xx, no acknowledged write lost, none applied twice, and the
store equal to its rebuild from the chain.

The test process itself sends with the relayer's key meanwhile (it funds each guarantee cycle's
new firm through the same node, under the same nonce guard), so five processes share that key's
nonces.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.db.journal import Store
from api.db.locks import nonce_guard_name
from ledger.config import Settings
from ledger.runtime import Runtime, open_runtime
from tools import load
from tools.localnet import Service

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

WORKERS = 4
CLIENTS = 64  # 16 of each of the four kinds
STEPS = 5  # each client's operations: a guarantee client's one whole cycle
PATIENCE_S = 600.0  # a client waits this long for an answer: on a busy machine writes queue for minutes


@pytest.fixture
def service(tmp_path: Path, postgres: Any) -> Iterator[tuple[str, Runtime, Store]]:
    """The service with four workers on a new PostgreSQL database and its own node; and this
    process's runtime on the same directory (shared, through the node) and store."""
    database_url = postgres.new_database("workers")
    data_dir = tmp_path / "data"
    with Service(data_dir, database_url, workers=WORKERS) as served:
        assert len(served.worker_pids()) == WORKERS
        rt = open_runtime(Settings(data_dir=data_dir, database_url=database_url), shared=True)
        try:
            store = Store(rt)
            rt.client.nonce_guard = lambda address: store.lock(nonce_guard_name(address))
            yield served.url, rt, store
        finally:
            rt.close()
    assert not (data_dir / "node.json").exists(), "the node serve started outlived it"


def test_four_workers_and_sixty_four_clients_lose_nothing_and_apply_nothing_twice(
    service: tuple[str, Runtime, Store],
) -> None:
    url, rt, store = service
    world = load.prepare(url, rt, clients=CLIENTS)
    tally = load.Tally()
    load.run(world, tally, clients=CLIENTS, invalid=0.0, steps=STEPS, timeout=PATIENCE_S)

    quarter = CLIENTS // 4
    done = [o for o in tally.outcomes if o.ok]
    assert len(done) == len(tally.outcomes) == CLIENTS * STEPS, [o.note for o in tally.outcomes if not o.ok][:5]
    # Every kind of operation ran under load: 5 batches per issuer, a bank's cycle with a new firm
    # (identity, application, issue, bind, bid) per guarantee client, 5 bids per firm.
    assert len(tally.anchored) == quarter * STEPS + quarter
    assert len(tally.bids) == quarter * STEPS + quarter
    assert [sorted(s) for s in tally.guarantees.values()] == [["apply", "bind", "issue"]] * quarter
    assert {o.op for o in done} == set(load.OPS)

    # Nothing lost, nothing applied twice, the store's events the chain's, the store its rebuild.
    found = load.check(tally, rt, store)
    assert found.clean, found.problems
    assert found.errors_5xx == 0 and found.lost == 0 and found.duplicated == 0
    assert found.store_equals_rebuild
