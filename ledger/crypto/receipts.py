"""Receipts the service signs for what it received and the chain does not pin.

Some records decide an outcome but have no hash on chain: the ciphertext a bidder uploaded (the
chain holds only the bid's commitment, which hashes the ciphertext together with a salted
credential set that only the opened bid reveals), the eligibility report of an opened bid, the
fee discount a guarantee issuer publishes. When the service accepts one, it signs a receipt with
the trading centre's key: keccak256 of a domain tag, the chain id, the contract, the on-chain value
the record is filed under and the keccak of the record. Whoever edits the store without that key
cannot make a record that still matches its receipt; anyone can check a receipt against the
centre's address on chain.

This protects against the store, not against the centre's own key (issue 9 item 3: a bidder-caused
failure is to be provable on chain).
"""

from __future__ import annotations

from eth_account.signers.local import LocalAccount
from eth_keys import keys
from eth_keys.exceptions import BadSignature
from eth_utils import to_canonical_address, to_checksum_address

from ledger.crypto.canonical import keccak

ENVELOPE = "TenderLedger.EnvelopeReceipt.v1"  # a sealed bid, under its bid commitment
OPENING = "TenderLedger.OpeningReport.v1"  # the opening report of a bid, under its bid commitment
PROFILE = "TenderLedger.GuarantorProfile.v1"  # a guarantee issuer's profile, under its address


def receipt_digest(tag: str, *, chain_id: int, contract: str, key: bytes, content_hash: bytes) -> bytes:
    """What a receipt signs: keccak256(keccak256(tag) ‖ chainId (32) ‖ contract (20) ‖ key ‖ keccak(content))."""
    if len(content_hash) != 32:
        raise ValueError("content_hash must be 32 bytes")
    return keccak(keccak(tag.encode()) + chain_id.to_bytes(32, "big") + to_canonical_address(contract)
                  + key + content_hash)


def sign_receipt(account: LocalAccount, digest: bytes) -> bytes:
    """The 65-byte signature (r ‖ s ‖ v) of `account` over `digest`."""
    return bytes(keys.PrivateKey(bytes(account.key)).sign_msg_hash(digest).to_bytes())


def receipt_signer(digest: bytes, signature: bytes) -> str | None:
    """The address that signed `digest`, or None when `signature` is no signature of it."""
    try:
        public = keys.Signature(signature).recover_public_key_from_msg_hash(digest)
    except (BadSignature, ValueError, TypeError):
        return None
    return to_checksum_address(public.to_canonical_address())
