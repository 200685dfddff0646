"""The journal's own tables and the shape of a projector.

`ChainEvent` holds every contract event exactly as the chain logged it; `SyncCursor` how far the
journal has read each contract. Both keep the hash of their block, by which the journal sees a
reorg of what it projected (see `Store.reconcile`). A projector turns one journalled event into rows of the tables
the API reads, inside the same database transaction as the event and the cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Field, Session, SQLModel


class SyncCursor(SQLModel, table=True):
    """How far the journal has read each contract's events on one chain."""

    chain_key: str = Field(primary_key=True)
    contract: str = Field(primary_key=True)
    address: str
    last_block: int
    block_hash: str | None = None  # of `last_block` when it was read: a reorg below it changes it


class ChainEvent(SQLModel, table=True):
    """One contract event, exactly as the chain logged it."""

    chain_key: str = Field(primary_key=True)
    block_number: int = Field(primary_key=True)
    log_index: int = Field(primary_key=True)
    tx_hash: str = Field(index=True)
    contract: str = Field(index=True)
    name: str = Field(index=True)
    args: str  # JSON
    block_time: datetime
    block_hash: str | None = None  # of the block it was logged in (None: journalled before hashes were kept)


class UsedNonce(SQLModel, table=True):
    """A signed request's (signer, nonce): stored once, so the same request cannot be replayed.

    Not a projection of the chain: it is the service's own memory of requests it has served.
    """

    signer: str = Field(primary_key=True)
    nonce: str = Field(primary_key=True)
    used_at: datetime


def jsonable(value: Any) -> Any:
    """An event argument as JSON: bytes as 0x-hex, structs (decoded as mappings) as objects."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
        return str(value)  # beyond what JSON numbers carry exactly in most readers
    return value


# (session, chain key, the journalled event, its arguments as JSON values)
Projector = Callable[[Session, str, ChainEvent, dict[str, Any]], None]
