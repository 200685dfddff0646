"""`tender-ledger audit log` and `audit prove`: the store's log against CheckpointBook's checkpoints.

The auditor reads the chain (a node, or a data directory read-only) and the centre's store (read
only): every checkpoint's root must be the root of the store's log at its size, consecutive
checkpoints must be consistent, and each logged row must be its newest record (`ledger.audit.
checkpoints`). `--witness FILE` is the auditor's own copy of the leaves it last verified: read when
it exists (it names the first rewritten record exactly), written again after an audit where every
check held.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.db import storelog
from ledger.audit.chain import ChainView
from ledger.audit.checkpoints import InclusionProof, LogAudit, audit_log, prove
from ledger.errors import ConfigurationError
from ledger.model.checkpoint import Checkpoint, LogRecord
from tools.audit_export import readonly_engine


@dataclass(frozen=True)
class StoreLogView:
    records: list[LogRecord]
    pending: list[LogRecord]
    live: dict[tuple[str, str], bytes]


def read_store(database: str) -> StoreLogView:
    engine = readonly_engine(database)
    try:
        from sqlalchemy import inspect

        if storelog.TABLE not in inspect(engine).get_table_names():
            raise ConfigurationError(f"the store at {database} has no log ({storelog.TABLE}): it predates checkpoints; "
                                     "`tender-ledger db upgrade` adds it")
        return StoreLogView(storelog.records(engine), storelog.waiting(engine), storelog.live_records(engine))
    finally:
        engine.dispose()


def chain_checkpoints(chain: ChainView) -> list[Checkpoint]:
    book = chain.checkpoint_book
    if book is None:
        raise ConfigurationError("the contracts' addresses name no CheckpointBook: this deployment records no "
                                 "checkpoints of its store")
    return book.checkpoints()


def read_witness(path: Path | None) -> list[bytes] | None:
    if path is None or not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [bytes.fromhex(h.removeprefix("0x")) for h in data["leaves"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigurationError(f"{path} is not a witness of the store's log: {exc}") from None


def write_witness(path: Path, chain: ChainView, cp: Checkpoint, leaves: list[bytes]) -> None:
    data = {"chain_id": chain.chain_id, "genesis": chain.genesis, "checkpoint": cp.index, "size": cp.size,
            "root": "0x" + cp.root.hex(), "leaves": ["0x" + leaf.hex() for leaf in leaves]}
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=0) + "\n", encoding="utf-8")
    tmp.replace(path)


def run(chain: ChainView, database: str, witness_path: Path | None) -> tuple[LogAudit, list[Checkpoint]]:
    checkpoints = chain_checkpoints(chain)
    store = read_store(database)
    audit = audit_log(checkpoints, store.records, live=store.live, pending=store.pending,
                      witness=read_witness(witness_path))
    if witness_path is not None and audit.witness is not None and checkpoints:
        write_witness(witness_path, chain, checkpoints[-1], audit.witness)
    return audit, checkpoints


def proof_json(p: InclusionProof) -> dict[str, Any]:
    return {"position": p.record.position, "kind": p.record.kind, "key": p.record.key,
            "record": p.record.data.decode("utf-8"), "leaf_hash": "0x" + p.leaf.hex(),
            "checkpoint": {"index": p.checkpoint.index, "size": p.checkpoint.size, "root": "0x" + p.checkpoint.root.hex(),
                           "tx": p.checkpoint.tx, "block": p.checkpoint.block},
            "path": ["0x" + h.hex() for h in p.path], "verified": p.verified, "hash": "sha256 (RFC 6962)"}


def prove_record(chain: ChainView, database: str, which: str) -> InclusionProof:
    return prove(chain_checkpoints(chain), read_store(database).records, which)
