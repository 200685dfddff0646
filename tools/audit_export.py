"""`tender-ledger audit export`: the trading centre writes the audit bundle from its data directory.

Every document whose hash is on chain and that an audit needs, read from the service's store
(`document` table) and written one file each, named by its keccak, with an index
(`ledger/audit/bundle.py`). Only what is public goes out: tender documents, parameters and
amendment reasons; the envelopes and opening reports of bids once they are opened (with the
centre's receipts); every credential batch's ids; the holders' copies of identity and credit
records and of every credential ticked into an opened bid; guarantee applications and terms once
their section is closed; rejections, verification reports, claims' evidence and contests;
评定分离's documents once decided; the texts of the governance's rulings on 履约 complaints.

The chain is read read-only and the store is opened read-only: the service may keep running.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from api.db import audit_documents as documents
from api.db.audit_documents import chain_key
from ledger.audit.bundle import write_bundle
from ledger.audit.chain import ChainView

__all__ = ["chain_key", "collect", "export", "readonly_engine"]


def readonly_engine(url: str) -> Any:
    """An engine on the store that cannot write (SQLite opened with mode=ro)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///")).resolve()
        if not path.is_file():
            from ledger.errors import ConfigurationError

            raise ConfigurationError(f"there is no store at {path}")
        return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    return create_engine(url)


def collect(chain: ChainView, database_url: str) -> Iterator[tuple[str, str, bytes, dict[str, Any]]]:
    chain.replay()
    engine = readonly_engine(database_url)
    try:
        yield from documents.collect(chain, engine, chain_key(chain))
    finally:
        engine.dispose()


def export(chain: ChainView, database_url: str, out: Path) -> int:
    items = list(collect(chain, database_url))
    return write_bundle(out, chain_id=chain.chain_id, genesis=chain.genesis, addresses=chain.addresses, items=items)
