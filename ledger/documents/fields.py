"""Validated value types shared by every credential kind (USCC, address, UTC time, amounts)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated

from eth_utils.address import is_checksum_address, is_hex_address, to_checksum_address
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
)

from ledger.uscc import InvalidUSCC, validate_uscc


def _uscc(value: str, info: ValidationInfo) -> str:
    # Name the field in the message itself, so it survives being re-raised without its location.
    try:
        return validate_uscc(value)
    except InvalidUSCC as exc:
        raise ValueError(f"{info.field_name} is not a valid USCC: {exc}") from None


@lru_cache(maxsize=65_536)  # a pure function of the text; documents name the same issuers again and again
def _checksum_address(value: str) -> str:
    if not isinstance(value, str) or not value.startswith("0x") or not is_hex_address(value):
        raise ValueError(f"not a 0x-prefixed 20-byte Ethereum address: {value!r}")
    digits = value[2:]
    # Mixed case carries an EIP-55 checksum; a wrong one means a typo, not a style choice.
    if digits != digits.lower() and digits != digits.upper() and not is_checksum_address(value):
        raise ValueError(f"address has a wrong EIP-55 checksum: {value!r}")
    return to_checksum_address(value)


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _bytes32(value: object) -> bytes:
    if isinstance(value, bytes):
        raw = value
    elif isinstance(value, str) and value.startswith("0x"):
        try:
            raw = bytes.fromhex(value[2:])
        except ValueError:
            raise ValueError(f"not hex: {value!r}") from None
    else:
        raise ValueError(f"expected 32 bytes or a 0x-prefixed hex string, got {value!r}")
    if len(raw) != 32:
        raise ValueError(f"expected 32 bytes, got {len(raw)}")
    return raw


USCC = Annotated[str, AfterValidator(_uscc)]
"""A 统一社会信用代码, normalised (stripped, upper-case) and check-digit verified."""

Address = Annotated[str, AfterValidator(_checksum_address)]
"""An Ethereum address, stored EIP-55 checksummed."""

UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A point in time with an explicit offset, stored in UTC.

Naive times are refused: in this domain they are usually Beijing time, and guessing UTC would
shift every deadline by eight hours.
"""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""Non-empty text, surrounding whitespace removed."""

Quantity = Annotated[Decimal, Field(ge=0, decimal_places=6, allow_inf_nan=False)]
"""A non-negative exact decimal (area, score), serialised as a decimal string.

Strings, not JSON numbers, so that the hashed bytes never depend on float formatting.
"""

WanYuan = Quantity
"""An amount in 万元 (10,000 CNY); six decimal places reach the 分."""

Bytes32 = Annotated[
    bytes,
    BeforeValidator(_bytes32),
    PlainSerializer(lambda value: "0x" + value.hex(), return_type=str, when_used="json"),
]
"""32 raw bytes, written as 0x-prefixed hex in JSON."""
