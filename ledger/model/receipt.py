"""A mined transaction, as every gateway reports one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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


@dataclass(frozen=True)
class UnsignedTx:
    """A transaction prepared for a party to sign with its own key: everything but the signature."""

    sender: str
    to: str
    data: bytes
    gas: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    nonce: int
    chain_id: int
    value: int = 0

    @classmethod
    def from_built(cls, tx: dict[str, Any]) -> UnsignedTx:
        """From the dictionary `ChainClient.build` makes."""
        data = tx.get("data", b"")
        return cls(sender=str(tx["from"]), to=str(tx["to"]),
                   data=bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data),
                   gas=int(tx["gas"]), max_fee_per_gas=int(tx["maxFeePerGas"]),
                   max_priority_fee_per_gas=int(tx["maxPriorityFeePerGas"]), nonce=int(tx["nonce"]),
                   chain_id=int(tx["chainId"]), value=int(tx.get("value", 0)))

    def for_signing(self) -> dict[str, Any]:
        """The EIP-1559 fields an account signs (`LocalAccount.sign_transaction`)."""
        return {"to": self.to, "data": self.data, "gas": self.gas, "maxFeePerGas": self.max_fee_per_gas,
                "maxPriorityFeePerGas": self.max_priority_fee_per_gas, "value": self.value,
                "chainId": self.chain_id, "type": 2, "nonce": self.nonce}
