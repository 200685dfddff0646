"""Signing a prepared transaction with a party's own key, on the party's side."""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount

from ledger.model.receipt import UnsignedTx


def sign(account: LocalAccount, tx: UnsignedTx | dict[str, Any]) -> str:
    """0x-hex of `tx` signed by `account` (the party's own key; the service only relays it)."""
    unsigned = tx.for_signing() if isinstance(tx, UnsignedTx) else {k: v for k, v in tx.items() if k != "from"}
    return "0x" + bytes(account.sign_transaction(unsigned).raw_transaction).hex()
