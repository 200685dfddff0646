"""EIP-712 signed API requests: how a caller proves control of its key for one HTTP write.

The signed data binds the chain id and the registry contract (EIP-712 domain), the method,
path and a Keccak hash of the exact body bytes, a caller-chosen nonce and an expiry. A server
that relays the request cannot change any of it, and cannot replay it once the nonce is used.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address

DOMAIN_NAME = "TenderLedger"
DOMAIN_VERSION = "1"
MAX_LIFETIME_S = 600

HEADER_SIGNER = "X-TL-Signer"
HEADER_NONCE = "X-TL-Nonce"
HEADER_EXPIRY = "X-TL-Expiry"
HEADER_SIGNATURE = "X-TL-Signature"

REQUEST_TYPES = {
    "Request": [
        {"name": "method", "type": "string"},
        {"name": "path", "type": "string"},
        {"name": "bodyHash", "type": "bytes32"},
        {"name": "nonce", "type": "uint256"},
        {"name": "expiry", "type": "uint64"},
    ]
}


@dataclass(frozen=True)
class SignedRequest:
    """What the server learns from the headers: who signed, with which nonce, until when."""

    signer: str
    nonce: int
    expiry: int


def _typed(chain_id: int, contract: str, method: str, path: str, body: bytes, nonce: int, expiry: int) -> Any:
    return encode_typed_data(
        domain_data={
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": to_checksum_address(contract),
        },
        message_types=REQUEST_TYPES,
        message_data={
            "method": method.upper(),
            "path": path,
            "bodyHash": keccak(body),
            "nonce": nonce,
            "expiry": expiry,
        },
    )


def sign_request(
    account: LocalAccount,
    *,
    chain_id: int,
    contract: str,
    method: str,
    path: str,
    body: bytes,
    lifetime_s: int = 120,
    nonce: int | None = None,
    now: int | None = None,
) -> dict[str, str]:
    """HTTP headers that authenticate one request as `account`."""
    nonce = secrets.randbits(128) if nonce is None else nonce
    expiry = (now if now is not None else int(time.time())) + lifetime_s
    signed = account.sign_message(_typed(chain_id, contract, method, path, body, nonce, expiry))
    return {
        HEADER_SIGNER: account.address,
        HEADER_NONCE: str(nonce),
        HEADER_EXPIRY: str(expiry),
        HEADER_SIGNATURE: "0x" + bytes(signed.signature).hex(),
    }


class RequestAuthError(ValueError):
    """The request's signature headers are missing, malformed, expired or do not verify."""


def verify_request(
    headers: dict[str, str],
    *,
    chain_id: int,
    contract: str,
    method: str,
    path: str,
    body: bytes,
    now: int | None = None,
) -> SignedRequest:
    """Check the headers of one request; return the signer, or raise RequestAuthError saying why."""
    lower = {k.lower(): v for k, v in headers.items()}
    names = (HEADER_SIGNER, HEADER_NONCE, HEADER_EXPIRY, HEADER_SIGNATURE)
    missing = [n for n in names if n.lower() not in lower]
    if missing:
        raise RequestAuthError(f"missing header(s) {', '.join(missing)}: sign the request")
    try:
        signer = to_checksum_address(lower[HEADER_SIGNER.lower()])
        nonce = int(lower[HEADER_NONCE.lower()])
        expiry = int(lower[HEADER_EXPIRY.lower()])
        signature = bytes.fromhex(lower[HEADER_SIGNATURE.lower()].removeprefix("0x"))
    except ValueError as exc:
        raise RequestAuthError(f"malformed signature headers: {exc}") from None
    if not 0 <= nonce < 2**256:
        raise RequestAuthError("nonce out of range")
    now = int(time.time()) if now is None else now
    if expiry <= now:
        raise RequestAuthError(f"request expired at {expiry} (now {now})")
    if expiry > now + MAX_LIFETIME_S:
        raise RequestAuthError(f"expiry more than {MAX_LIFETIME_S} s ahead")
    try:
        recovered = Account.recover_message(
            _typed(chain_id, contract, method, path, body, nonce, expiry), signature=signature
        )
    except Exception as exc:  # malformed signature bytes
        raise RequestAuthError(f"signature does not verify: {exc}") from None
    if recovered != signer:
        raise RequestAuthError("signature does not match the signer (or the request was altered)")
    return SignedRequest(signer=signer, nonce=nonce, expiry=expiry)
