"""Chain-level model objects as the API's JSON: transactions prepared for a party to sign."""

from __future__ import annotations

from typing import Any

from api.encoding import to_hex
from ledger.model.receipt import UnsignedTx


def unsigned_tx(tx: UnsignedTx) -> dict[str, Any]:
    """The fields a wallet signs, as `eth_account` names them, plus `from` (who must sign it)."""
    return {"to": tx.to, "data": to_hex(tx.data), "from": tx.sender, "gas": tx.gas,
            "maxFeePerGas": tx.max_fee_per_gas, "maxPriorityFeePerGas": tx.max_priority_fee_per_gas,
            "value": tx.value, "chainId": tx.chain_id, "type": 2, "nonce": tx.nonce}
