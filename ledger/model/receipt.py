"""A mined transaction, as every gateway reports one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mined:
    """A mined transaction: its hash, its block, the gas it used and, when read, the block's time."""

    tx_hash: bytes
    block_number: int
    gas_used: int = 0
    timestamp: int | None = None

    @property
    def tx_hex(self) -> str:
        return "0x" + self.tx_hash.hex()
