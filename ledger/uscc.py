"""统一社会信用代码 (Unified Social Credit Code, GB 32100-2015): validation and synthetic codes.

The 18th character is a mod-31 check over the first 17.
"""

from __future__ import annotations

import random

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 symbols a USCC may use; a symbol's value is its index (I, O, S, V, Z are excluded)."""

USCC_LENGTH = 18

_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 3^(i-1) mod 31 for i = 1..17

# GB 11714 organisation code (positions 9 to 17): 8-character body plus a mod-11 check.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


class InvalidUSCC(ValueError):
    """A string is not a well-formed USCC; the message says which rule it breaks."""


def uscc_check_digit(first17: str) -> str:
    """Return the check character for the first 17 characters of a USCC."""
    if len(first17) != 17:
        raise InvalidUSCC(f"check digit needs exactly 17 characters, got {len(first17)}")
    total = 0
    for position, (symbol, weight) in enumerate(zip(first17, _WEIGHTS, strict=True), start=1):
        value = _VALUE.get(symbol)
        if value is None:
            raise InvalidUSCC(_illegal_character(symbol, position))
        total += value * weight
    return ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code: str) -> str:
    """Return `code` stripped and upper-cased, or raise `InvalidUSCC` naming the problem."""
    if not isinstance(code, str):
        raise InvalidUSCC(f"USCC must be a string, got {type(code).__name__}")
    normalised = code.strip().upper()
    if len(normalised) != USCC_LENGTH:
        raise InvalidUSCC(
            f"USCC must be {USCC_LENGTH} characters, got {len(normalised)}: {normalised!r}"
        )
    for position, symbol in enumerate(normalised, start=1):
        if symbol not in _VALUE:
            raise InvalidUSCC(f"{_illegal_character(symbol, position)} in {normalised!r}")
    expected = uscc_check_digit(normalised[:17])
    if normalised[17] != expected:
        raise InvalidUSCC(
            f"bad check digit in {normalised!r}: expected {expected} got {normalised[17]}"
        )
    return normalised


def is_valid_uscc(code: str) -> bool:
    """True when `code` (after stripping and upper-casing) is a valid USCC."""
    try:
        validate_uscc(code)
    except InvalidUSCC:
        return False
    return True


def generate_uscc(rng: random.Random, region: str = "440400") -> str:
    """A synthetic, valid enterprise USCC (工商-registered company) in `region` (GB/T 2260).

    The organisation code part also carries a correct GB 11714 check character, so the code
    looks like a real one to tools that check both.
    """
    if len(region) != 6 or not region.isdigit():
        raise ValueError(f"region must be a 6-digit GB/T 2260 code, got {region!r}")
    body = "".join(rng.choice(ALPHABET) for _ in range(8))
    first17 = "91" + region + body + _org_code_check(body)
    return first17 + uscc_check_digit(first17)


def _org_code_check(body: str) -> str:
    # GB 11714 values letters A=10 … Z=35 over the full Latin alphabet, unlike GB 32100.
    total = sum(int(symbol, 36) * weight for symbol, weight in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _illegal_character(symbol: str, position: int) -> str:
    hint = " (I, O, S, V and Z are never used)" if symbol in "IOSVZ" else ""
    return f"illegal character {symbol!r} at position {position}{hint}"
