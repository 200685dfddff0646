"""Values as the ledger's edges spell them: bytes as 0x-hex, 32-byte words and addresses read
from text, each refused with a ValidationFailed that names the field."""

from __future__ import annotations

from decimal import Decimal

from eth_utils import to_checksum_address
from hexbytes import HexBytes

from ledger.errors import ValidationFailed


MAX_NAME = 64  # characters of a person's name or organisation


def one_line(value: object, what: str, *, required: bool = True, missing: str | None = None) -> str:
    """A person's name (or organisation) as shown beside an address: text of at most MAX_NAME
    characters on one line, trimmed; ValidationFailed names `what` otherwise (with `missing` for an
    empty one when `required`)."""
    shape = f"{what} is 1..{MAX_NAME} characters on one line: at most {MAX_NAME}, no line breaks"
    if not isinstance(value, str):
        raise ValidationFailed(f"{what} is text")
    text = value.strip()
    if required and not text:
        raise ValidationFailed(missing or shape)
    if len(text) > MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValidationFailed(shape)
    return text


def to_hex(b: bytes) -> str:
    return "0x" + bytes(b).hex()


def word(value: str, what: str) -> bytes:
    """A 32-byte value given as 0x-hex; ValidationFailed names `what` when it is not one."""
    try:
        raw = bytes(HexBytes(value))
    except (ValueError, TypeError):
        raise ValidationFailed(f"{what} must be 0x-prefixed hex, got {value!r}") from None
    if len(raw) != 32:
        raise ValidationFailed(f"{what} must be 32 bytes, got {len(raw)}")
    return raw


def address(value: str, what: str) -> str:
    """An account address given as 0x-hex, checksummed; ValidationFailed names `what` when it is not one."""
    try:
        return str(to_checksum_address(value))
    except (ValueError, TypeError):
        raise ValidationFailed(f"{what} is not an address: {str(value)[:60]!r}") from None


def fen(price: Decimal) -> int:
    """A price in 元 (exact to the 分) as the whole 分 TenderBook records at opening (`Bid.price`)."""
    cents = price * 100
    if not price.is_finite() or price <= 0 or cents != cents.to_integral_value() or cents >= 2**64:
        raise ValidationFailed(f"a price is a positive amount in 元 exact to the 分, got {price}")
    return int(cents)
