"""Checkpoints of the store's log (CheckpointBook) and what a store's log holds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Checkpoint:
    """One on-chain checkpoint: the store's log of `size` records had RFC 6962 root `root`, recorded
    at block time `recorded_at` (its index on chain; `by` and `tx` when read from its event)."""

    index: int
    size: int
    root: bytes
    recorded_at: int
    by: str | None = None
    tx: str | None = None
    block: int | None = None


@dataclass(frozen=True)
class LogRecord:
    """One record of the store's log: its position, what it is (`kind`, `key`: the table and the
    row's key, e.g. document tender:0x…), and its canonical form (the leaf's data)."""

    position: int
    kind: str
    key: str
    data: bytes
