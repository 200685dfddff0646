"""Relaying transactions the acting party signed itself: decode, check, dry-run, send.

The service never signs for anyone. A write arrives as a transaction signed by its party; it is
decoded against the one contract it must address, its signer recovered, and it is dry-run before
it is relayed, so a transaction that would revert is refused and never mined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_account.typed_transactions import TypedTransaction
from hexbytes import HexBytes

from ledger.chain.client import RECENT_BLOCKS
from ledger.chain.gateway import Gateway, mined
from ledger.errors import Unauthorised, ValidationFailed
from ledger.model.receipt import Mined


@dataclass(frozen=True)
class RelayedTx:
    """A decoded, signature-checked transaction addressed to one of our contracts."""

    raw: bytes
    sender: str
    to: str
    data: bytes
    function: str
    args: dict[str, Any]
    max_cost: int = 0
    """The most the transaction can cost its signer, in wei: gas limit × max fee per gas + value."""
    gas: int = 0
    """Its gas limit."""

    def require(self, signer: str, functions: Sequence[str]) -> None:
        """It is `signer`'s own transaction, and calls one of `functions`."""
        if self.sender != signer:
            raise Unauthorised(
                "SignerMismatch", {},
                f"the transaction is signed by {self.sender} but the request by {signer}: "
                "each party signs its own transaction",
            )
        if self.function not in functions:
            raise ValidationFailed(f"signed_tx calls {self.function}, expected {' or '.join(functions)}")


def decode_signed_tx(gateway: Gateway, raw_hex: str) -> RelayedTx:
    """Decode and check a signed transaction to `gateway`'s contract; ValidationFailed says why not."""
    chain_id = gateway.client.chain_id
    try:
        raw = bytes(HexBytes(raw_hex))
        tx = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
        sender = Account.recover_transaction(raw)
    except Exception as exc:
        raise ValidationFailed(
            f"signed_tx is not a signed EIP-1559 transaction: {type(exc).__name__}: {exc}"
        ) from None
    if int(tx.get("chainId", -1)) != chain_id:
        raise ValidationFailed(
            f"signed_tx is for chain id {tx.get('chainId')}, this ledger runs chain id {chain_id}"
        )
    to = tx.get("to") or b""
    to_hex = "0x" + to.hex() if isinstance(to, bytes) else str(to)
    if to_hex.lower() != gateway.address.lower():
        raise ValidationFailed(f"signed_tx is addressed to {to_hex}, not the {gateway.NAME} at {gateway.address}")
    data = bytes(HexBytes(tx.get("data", b"")))
    try:
        function, args = gateway.decode_call(data)
    except ValidationFailed:
        raise ValidationFailed(f"signed_tx does not call a {gateway.NAME} function") from None
    try:
        fee = int(tx.get("maxFeePerGas", tx.get("gasPrice", 0)))
        max_cost = int(tx.get("gas", 0)) * fee + int(tx.get("value", 0))
    except (TypeError, ValueError):
        raise ValidationFailed("signed_tx has unreadable gas, fee or value fields") from None
    return RelayedTx(raw=raw, sender=sender, to=gateway.address, data=data, function=function, args=args,
                     max_cost=max_cost, gas=int(tx.get("gas", 0)))


SPONSORED_GAS = 1_000_000
"""The most gas a sponsored transaction may ask for (a guarantee step needs a fraction of it)."""


def relay(gateway: Gateway, relayed: RelayedTx, *, sponsor: LocalAccount | None = None) -> Mined:
    """Dry-run the transaction as its signer, then send it; one that would revert is never mined.

    With `sponsor`, the signer's balance is first topped up, from the sponsor, to what the
    transaction may cost (capped: SPONSORED_GAS at twice the highest fee of the last RECENT_BLOCKS
    blocks, so a step prepared a few blocks ago, while the base fee was higher, still goes through);
    a per-tender bid key holds
    no funds of its own. The top-up is a plain transfer from the relayer, which funds every bid
    key alike, so it tells no one which firm is behind the key. On the embedded chain it is mined
    in the same block as the transaction it pays for, just before it (`send_raw_funded`)."""
    gateway.dry_run(relayed.sender, relayed.data)
    if sponsor is not None:
        client = gateway.client
        short = relayed.max_cost - client.balance(relayed.sender)
        if short > 0:  # a signer with the funds pays its own, however much it signed for
            if relayed.gas > SPONSORED_GAS:
                raise ValidationFailed(
                    f"signed_tx asks for {relayed.gas:,} gas; the relayer sponsors a party's step up to "
                    f"{SPONSORED_GAS:,} gas: sign the transaction as prepared")
            cap = SPONSORED_GAS * 2 * client.fees()["maxFeePerGas"]
            if relayed.max_cost > cap:  # prepared while the base fee was higher, a few blocks ago?
                cap = SPONSORED_GAS * 2 * client.recent_max_fee()
            if relayed.max_cost > cap:
                raise ValidationFailed(
                    f"signed_tx may cost up to {relayed.max_cost} wei; the relayer sponsors a party's step up to "
                    f"{cap} wei ({SPONSORED_GAS:,} gas at twice the highest fee of the last {RECENT_BLOCKS} blocks): "
                    "sign the transaction as prepared")
            return mined(client.send_raw_funded(sponsor, relayed.sender, short, relayed.raw))
    return mined(gateway.client.send_raw(relayed.raw))
