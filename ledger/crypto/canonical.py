"""Canonical JSON (RFC 8785 JCS) and Ethereum Keccak-256, the primitives every ledger hash uses."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import rfc8785

from ledger.errors import ValidationFailed

try:  # pysha3's Keccak directly: eth_utils spends most of a short hash checking its argument
    from sha3 import keccak_256 as _keccak_256

    def _keccak(data: bytes) -> bytes:
        digest: bytes = _keccak_256(data).digest()
        return digest

except ImportError:  # pragma: no cover - safe-pysha3 is a declared dependency
    from eth_utils.crypto import keccak as _eth_keccak

    def _keccak(data: bytes) -> bytes:
        return _eth_keccak(data)


class NotCanonical(ValidationFailed, ValueError):
    """A value with no RFC 8785 form (an integer beyond ±2^53, a non-finite number, a key that is
    not a string): input the ledger cannot hash, refused as such (422), never a server error."""


def canonical_json(value: Any) -> bytes:
    """Serialise a JSON value as RFC 8785 canonical UTF-8 bytes (sorted keys, no whitespace)."""
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise NotCanonical(f"not representable as canonical JSON (RFC 8785): {exc}") from None


def keccak(data: bytes) -> bytes:
    """Keccak-256 as in Solidity's keccak256 (not NIST SHA3-256, whose padding differs)."""
    return _keccak(bytes(data))


@lru_cache(maxsize=4096)
def keccak_text(text: str) -> bytes:
    """Keccak-256 of a UTF-8 string, cached: field names are hashed for every document."""
    return _keccak(text.encode("utf-8"))


def jcs_key_order(name: str) -> bytes:
    """Sort key that orders strings as RFC 8785 orders object members (UTF-16 code units)."""
    # Big-endian UTF-16 bytes compare exactly as the sequence of 16-bit code units does.
    return name.encode("utf-16-be")
