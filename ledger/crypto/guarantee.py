"""Guarantee ids, the context sealed guarantee terms are bound to, their on-chain commitment, and
the EIP-712 typed data of the credit commitment letter (信用承诺书)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from ledger.crypto.canonical import keccak
from ledger.crypto.sealing import OpeningKey, open_sealed, seal
from ledger.errors import ValidationFailed

TERMS_CONTEXT_TAG = keccak(b"TenderLedger.GuaranteeTerms.v1")
"""Prefix of `terms_aad`, so sealed terms are never mistaken for a sealed bid under the same key."""

LETTER_DOMAIN = "TenderLedger.CreditCommitment"
LETTER_TYPES = {
    "CreditCommitment": [
        {"name": "tenderId", "type": "bytes32"},
        {"name": "section", "type": "uint16"},
        {"name": "sectionCode", "type": "string"},
        {"name": "bidder", "type": "address"},
        {"name": "firmUscc", "type": "string"},
        {"name": "guaranteeAmount", "type": "uint256"},
        {"name": "statement", "type": "string"},
        {"name": "signedAt", "type": "uint64"},
    ]
}


def guarantee_id_of(applicant: str, application_hash: bytes) -> bytes:
    """keccak256(abi.encode(address applicant, bytes32 applicationHash)): the guarantee's id."""
    return keccak(abi_encode(["address", "bytes32"], [to_checksum_address(applicant), application_hash]))


def reason_hash(reason: str) -> bytes:
    """What `reject` logs for a reason: keccak of its UTF-8 bytes."""
    return keccak(reason.encode())


def terms_aad(*, chain_id: int, book_address: str, guarantee_id: bytes) -> bytes:
    """The context sealed terms are bound to:

    keccak("TenderLedger.GuaranteeTerms.v1") ‖ abi.encode(uint256 chainId, address book, bytes32 guaranteeId)
    """
    return TERMS_CONTEXT_TAG + abi_encode(
        ["uint256", "address", "bytes32"], [chain_id, to_checksum_address(book_address), guarantee_id]
    )


def seal_terms_bytes(plain: bytes, *, chain_id: int, book_address: str, guarantee_id: bytes,
                     opening_public: bytes) -> bytes:
    """密文: the terms' bytes sealed to the tender's opening key, bound to this guarantee."""
    aad = terms_aad(chain_id=chain_id, book_address=book_address, guarantee_id=guarantee_id)
    return seal(plain, opening_public, aad=aad)


def open_terms_bytes(envelope: bytes, key: OpeningKey, *, chain_id: int, book_address: str,
                     guarantee_id: bytes) -> bytes:
    """The sealed terms' bytes; DecryptionFailed if they do not open with `key` in this context."""
    return open_sealed(envelope, key, aad=terms_aad(chain_id=chain_id, book_address=book_address,
                                                    guarantee_id=guarantee_id))


def terms_commitment(envelope: bytes) -> bytes:
    """keccak256 of the sealed terms: what `IssueTerms.termsCommitment` holds."""
    return keccak(envelope)


def letter_typed(*, chain_id: int, book_address: str, message: Mapping[str, Any]) -> SignableMessage:
    """The commitment letter's EIP-712 message (domain: GuaranteeBook on this chain)."""
    return encode_typed_data(
        domain_data={"name": LETTER_DOMAIN, "version": "1", "chainId": chain_id,
                     "verifyingContract": book_address},
        message_types=LETTER_TYPES, message_data=dict(message),
    )


def typed_digest(message: SignableMessage) -> bytes:
    return keccak(b"\x19" + message.version + message.header + message.body)


def recover_signer(message: SignableMessage, signature: str) -> str:
    try:
        return str(Account.recover_message(message, signature=bytes.fromhex(signature.removeprefix("0x"))))
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(f"the commitment letter's signature does not verify: {exc}") from None


def sign_typed(message: SignableMessage, account: LocalAccount) -> str:
    return "0x" + bytes(account.sign_message(message).signature).hex()
