"""Canonical JSON (RFC 8785 JCS) and Ethereum Keccak-256, the primitives every ledger hash uses."""

from __future__ import annotations

import json
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


_SAFE_INT = 2**53 - 1  # RFC 8785 numbers are IEEE doubles: integers beyond this have no exact form
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False,
                            check_circular=False)


def _plain(value: Any) -> bool:
    """Whether `value` is made only of what the standard JSON encoder writes exactly as RFC 8785
    does: None, bool, str, int within ±(2^53 − 1), and lists, tuples and dicts of them, each of
    exactly that type, the dicts' keys strings without a character beyond U+FFFF (the encoder
    sorts keys by code point, RFC 8785 by UTF-16 code unit: the two orders differ only there).
    Floats (ECMAScript number form), subclasses (enums) and anything else are left to the
    reference encoder."""
    t = type(value)
    if t is str or value is None or t is bool:
        return True
    if t is int:
        return -_SAFE_INT <= value <= _SAFE_INT  # type: ignore[no-any-return]
    if t is dict:
        return all(type(k) is str and (k.isascii() or max(k) <= "\uffff") and _plain(v) for k, v in value.items())
    if t is list or t is tuple:
        return all(_plain(v) for v in value)
    return False


def canonical_json(value: Any) -> bytes:
    """Serialise a JSON value as RFC 8785 canonical UTF-8 bytes (sorted keys, no whitespace).

    Plain values (`_plain`) are written by the standard library's C encoder, which escapes strings
    as RFC 8785 does (`\\"`, `\\\\`, the short forms of \\b \\f \\n \\r \\t, other controls as
    lower-case `\\u00xx`, everything else as UTF-8). Lone surrogates and every other value go to
    the reference encoder (`rfc8785`), whose bytes and refusals the fast path is tested against
    (tests/unit/test_documents.py)."""
    if _plain(value):
        try:
            return _COMPACT.encode(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: refused by the reference encoder below, as always
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise NotCanonical(f"not representable as canonical JSON (RFC 8785): {exc}") from None


def keccak(data: bytes) -> bytes:
    """Keccak-256 as in Solidity's keccak256 (not NIST SHA3-256, whose padding differs)."""
    return _keccak(bytes(data))


PURE_CACHE_ENTRIES = 16_384
"""How many answers each remembered pure function (storage keys, Merkle proof checks) keeps. The
service's workers run for months: a bound of this size keeps each cache to a few megabytes (a
proof's entry holds its path, about a kilobyte), while an audit, which meets a credential again
in every bid that ticks it, still finds it (its verdicts are memoised per deadline as well)."""


@lru_cache(maxsize=4096)
def keccak_text(text: str) -> bytes:
    """Keccak-256 of a UTF-8 string, cached: field names are hashed for every document."""
    return _keccak(text.encode("utf-8"))


def jcs_key_order(name: str) -> bytes:
    """Sort key that orders strings as RFC 8785 orders object members (UTF-16 code units)."""
    # Big-endian UTF-16 bytes compare exactly as the sequence of 16-bit code units does.
    return name.encode("utf-16-be")


def store_record(kind: str, fields: dict[str, Any]) -> bytes:
    """The one canonical form of a store record the checkpoint log holds (a leaf's data, see
    `ledger.crypto.transparency.leaf_hash`): RFC 8785 JSON of {"record": kind, "fields": fields},
    `fields` the record's columns as JSON values (hashes and binary values as 0x-hex, times as
    ISO 8601 UTC). A record that cannot be put so (NotCanonical) is not logged."""
    if not kind or not isinstance(kind, str):
        raise NotCanonical(f"a store record needs a kind, not {kind!r}")
    return canonical_json({"record": kind, "fields": dict(fields)})
