"""Health, chain status and the audit journal of contract events."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter

from api.deps import RuntimeDep, StoreDep
from api.params import EventLimit
from api.responses import ChainStatus, Health, JournalEntry, answers

router = APIRouter(tags=["chain"])


@router.get("/health", **answers(Health, (503,)))
def health(runtime: RuntimeDep) -> dict[str, Any]:
    """Liveness: the chain answers."""
    return {"ok": True, "block_number": runtime.client.block_number()}


@router.get("/chain", **answers(ChainStatus, (503,)))
def chain_status(runtime: RuntimeDep) -> dict[str, Any]:
    """Which chain, which contracts, how far it has got and the latest block's time (what the
    contracts' deadlines are measured against); `clock` is the embedded chain's clock mode
    (`production`, or `development`: its time may be moved forward), null on a node."""
    embedded = runtime.client.embedded
    return {
        "chain_id": runtime.client.chain_id,
        "backend": "embedded" if embedded else "json-rpc",
        "clock": embedded.clock.value if embedded else None,
        "block_number": runtime.client.block_number(),
        "block_timestamp": runtime.client.block_timestamp(),
        "contracts": runtime.addresses,
    }


@router.get("/events", **answers(list[JournalEntry], (422, 503)))
def events(store: StoreDep, name: str | None = None, limit: EventLimit = 1000) -> list[dict[str, Any]]:
    """The journal of contract events, oldest first (after reconciling with the chain)."""
    store.reconcile()
    return [
        {
            "block_number": e.block_number, "log_index": e.log_index, "tx_hash": e.tx_hash,
            "contract": e.contract, "event": e.name, "args": json.loads(e.args),
            "block_time": e.block_time.isoformat(),
        }
        for e in store.events(name)[:limit]
    ]
