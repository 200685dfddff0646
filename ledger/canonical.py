"""Canonical JSON (RFC 8785 JCS) and Ethereum Keccak-256, the primitives every ledger hash uses."""

from __future__ import annotations

from typing import Any

import rfc8785
from eth_utils.crypto import keccak as _eth_keccak


def canonical_json(value: Any) -> bytes:
    """Serialise a JSON value as RFC 8785 canonical UTF-8 bytes (sorted keys, no whitespace)."""
    return rfc8785.dumps(value)


def keccak(data: bytes) -> bytes:
    """Keccak-256 as in Solidity's keccak256 (not NIST SHA3-256, whose padding differs)."""
    return _eth_keccak(data)


def jcs_key_order(name: str) -> bytes:
    """Sort key that orders strings as RFC 8785 orders object members (UTF-16 code units)."""
    # Big-endian UTF-16 bytes compare exactly as the sequence of 16-bit code units does.
    return name.encode("utf-16-be")
