"""k-of-n Shamir sharing of a tender's opening key among its opening officers.

No single officer can open bids early: the X25519 private key is split when the tender is
published, the keccak of every share is published on chain with it, and after the deadline
any k officers' shares rebuild the key.

The field is GF(p) with p = 2^521 − 1 (a Mersenne prime). Every 32-byte value is below
2^256 < p, so any 32-byte key, clamped or not, is a field element and round-trips unchanged;
a 256-bit prime such as the secp256k1 order would lose the keys at or above it.

    ShareError(ValidationFailed)
    ├── BadThreshold          k < 2, k > n or n > 255
    ├── MalformedShare        bytes or JSON that are not a share
    ├── DuplicateShareIndex   two shares claim the same officer index
    ├── NotEnoughShares       fewer than k shares
    ├── UnknownShareIndex     a share index that no officer was dealt (not an officer's share)
    ├── WrongShare            a share whose keccak differs from the one published for its index
    ├── InconsistentShares    more than k shares that do not lie on one polynomial
    └── KeyMismatch           the rebuilt key is not the tender's opening key
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ledger.crypto.canonical import keccak
from ledger.errors import ValidationFailed

PRIME = 2**521 - 1
"""The field modulus: larger than every 32-byte secret."""

SECRET_SIZE = 32
VALUE_SIZE = (PRIME.bit_length() + 7) // 8  # 66 bytes
SHARE_SIZE = 1 + VALUE_SIZE
MAX_SHARES = 255  # the index is one byte, and 0 is the secret itself


class ShareError(ValidationFailed):
    """Root of every secret-sharing error."""


class BadThreshold(ShareError):
    """k and n do not describe a usable sharing (need 2 ≤ k ≤ n ≤ 255)."""


class MalformedShare(ShareError):
    """The bytes or JSON given are not a share."""


class DuplicateShareIndex(ShareError):
    """Two of the shares given have the same index."""


class NotEnoughShares(ShareError):
    """Fewer shares than the threshold k were given."""


class UnknownShareIndex(ShareError):
    """A share's index is not one that was dealt to an officer."""


class WrongShare(ShareError):
    """A share does not match the hash published for its index."""


class InconsistentShares(ShareError):
    """More than k shares were given and they do not all come from the same sharing."""


class KeyMismatch(ShareError):
    """The key rebuilt from the shares is not the expected opening key."""


class RandomSource(Protocol):
    """Where `split` draws its coefficients; `secrets` in production."""

    def randbelow(self, exclusive_upper_bound: int, /) -> int: ...


@dataclass(frozen=True, slots=True)
class Share:
    """One officer's share: the point (index, f(index)) of the dealer's polynomial.

    `to_bytes` is 67 bytes: the index (uint8) then the value (uint521, 66 bytes big-endian).
    """

    index: int
    value: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.index, int) or not 1 <= self.index <= MAX_SHARES:
            raise MalformedShare(f"share index must be 1..{MAX_SHARES}, got {self.index!r}")
        if not isinstance(self.value, bytes) or len(self.value) != VALUE_SIZE:
            size = len(self.value) if isinstance(self.value, bytes) else type(self.value).__name__
            raise MalformedShare(f"share value must be {VALUE_SIZE} bytes, got {size}")
        if int.from_bytes(self.value, "big") >= PRIME:
            raise MalformedShare(f"share {self.index} has a value outside the field")

    def __repr__(self) -> str:
        # A share is secret material: keep it out of logs and tracebacks.
        return f"Share(index={self.index}, value=<{VALUE_SIZE} bytes>)"

    @property
    def y(self) -> int:
        return int.from_bytes(self.value, "big")

    def to_bytes(self) -> bytes:
        return bytes([self.index]) + self.value

    @classmethod
    def from_bytes(cls, data: bytes) -> Share:
        if not isinstance(data, bytes) or len(data) != SHARE_SIZE:
            size = len(data) if isinstance(data, bytes) else type(data).__name__
            raise MalformedShare(f"a share is {SHARE_SIZE} bytes, got {size}")
        return cls(data[0], data[1:])

    def to_json(self) -> str:
        """`{"index": 3, "value": "0x…"}` with sorted keys and no whitespace."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "value": "0x" + self.value.hex()}

    @classmethod
    def from_json(cls, text: str | bytes) -> Share:
        try:
            data = json.loads(text)
        except (ValueError, TypeError) as exc:
            raise MalformedShare(f"share is not JSON: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> Share:
        if not isinstance(data, dict) or set(data) != {"index", "value"}:
            raise MalformedShare('a share is an object with exactly "index" and "value"')
        index, value = data["index"], data["value"]
        if not isinstance(index, int) or isinstance(index, bool):
            raise MalformedShare(f"share index must be an integer, got {index!r}")
        if not isinstance(value, str) or not value.startswith("0x"):
            raise MalformedShare("share value must be a 0x-prefixed hex string")
        try:
            raw = bytes.fromhex(value[2:])
        except ValueError as exc:
            raise MalformedShare(f"share value is not hex: {exc}") from exc
        return cls(index, raw)


def share_hash(share: Share) -> bytes:
    """keccak256 of the share's 67 bytes: what the contract publishes for each officer.

    In Solidity: keccak256(abi.encodePacked(uint8 index, bytes value)), value 66 bytes.
    """
    return keccak(share.to_bytes())


def verify_share(share: Share, expected_hash: bytes) -> bool:
    """True when `share` is the one whose hash was published as `expected_hash`."""
    return share_hash(share) == expected_hash


def public_key_of(private_key: bytes) -> bytes:
    """The X25519 public key (32 bytes) of a 32-byte private key."""
    key = X25519PrivateKey.from_private_bytes(private_key)
    return key.public_key().public_bytes_raw()


def split(secret: bytes, k: int, n: int, rng: RandomSource = secrets) -> list[Share]:
    """Split a 32-byte secret into n shares (indexes 1..n), any k of which rebuild it."""
    _check_threshold(k, n)
    if not isinstance(secret, bytes) or len(secret) != SECRET_SIZE:
        raise ShareError(f"the secret must be {SECRET_SIZE} bytes")
    coefficients = [int.from_bytes(secret, "big")]
    coefficients += [rng.randbelow(PRIME) for _ in range(k - 1)]
    return [
        Share(x, _evaluate(coefficients, x).to_bytes(VALUE_SIZE, "big")) for x in range(1, n + 1)
    ]


def combine(
    shares: Iterable[Share],
    *,
    k: int,
    expected_public: bytes,
    share_hashes: Mapping[int, bytes] | Sequence[bytes] | None = None,
    public_key: Callable[[bytes], bytes] | None = None,
) -> bytes:
    """Rebuild the opening private key from at least k shares and prove it is the right one.

    Plain Shamir turns k wrong shares into a wrong key without complaint, so the result is
    checked against the tender's opening public key (`KeyMismatch`), computed by `public_key`
    (X25519's by default; a draw key passes `ledger.crypto.draw_seal.public_key_bytes`). With `share_hashes`
    (index → keccak, or a list where item i is the hash for index i + 1) every share is
    checked first, naming the wrong or foreign share instead of failing as a whole.
    """
    given = _checked(shares, k, share_hashes)
    secret = _interpolate_at_zero(given[:k])
    for extra in given[k:]:
        if _interpolate_at(given[:k], extra.index) != extra.y:
            raise InconsistentShares(
                f"share {extra.index} does not lie on the polynomial of shares "
                f"{', '.join(str(s.index) for s in given[:k])}"
            )
    if secret >= 2 ** (8 * SECRET_SIZE):
        raise KeyMismatch("the shares do not rebuild a 32-byte key: at least one share is wrong")
    private_key = secret.to_bytes(SECRET_SIZE, "big")
    try:
        rebuilt_public = (public_key or public_key_of)(private_key)
    except ValidationFailed:
        rebuilt_public = None
    if rebuilt_public != expected_public:
        raise KeyMismatch(
            "the rebuilt key is not the tender's opening key: at least one share is wrong"
        )
    return private_key


def recover_secret(shares: Iterable[Share], *, k: int) -> bytes:
    """The 32-byte secret from k shares, unchecked: wrong shares give a wrong secret.

    Use `combine` for opening keys; this is for secrets that have no public counterpart.
    """
    given = _checked(shares, k, None)
    secret = _interpolate_at_zero(given[:k])
    if secret >= 2 ** (8 * SECRET_SIZE):
        raise ShareError("the shares do not rebuild a 32-byte secret: at least one is wrong")
    return secret.to_bytes(SECRET_SIZE, "big")


def _check_threshold(k: int, n: int) -> None:
    if not isinstance(k, int) or not isinstance(n, int):
        raise BadThreshold(f"k and n must be integers, got k={k!r} n={n!r}")
    if k < 2:
        raise BadThreshold(f"k must be at least 2 (one officer alone must not open), got {k}")
    if n > MAX_SHARES:
        raise BadThreshold(f"n must be at most {MAX_SHARES}, got {n}")
    if k > n:
        raise BadThreshold(f"k ({k}) cannot exceed n ({n})")


def _checked(
    shares: Iterable[Share], k: int, share_hashes: Mapping[int, bytes] | Sequence[bytes] | None
) -> list[Share]:
    given = list(shares)
    if not isinstance(k, int) or k < 2 or k > MAX_SHARES:
        raise BadThreshold(f"k must be 2..{MAX_SHARES}, got {k!r}")
    for share in given:
        if not isinstance(share, Share):
            raise MalformedShare(f"expected a Share, got {type(share).__name__}")
    seen: set[int] = set()
    for share in given:
        if share.index in seen:
            raise DuplicateShareIndex(f"share index {share.index} given more than once")
        seen.add(share.index)
    if share_hashes is not None:
        published = (
            dict(share_hashes)
            if isinstance(share_hashes, Mapping)
            else {i: h for i, h in enumerate(share_hashes, start=1)}
        )
        for share in given:
            expected = published.get(share.index)
            if expected is None:
                raise UnknownShareIndex(
                    f"share index {share.index} was not dealt to any opening officer "
                    f"(indexes are {min(published)}..{max(published)})"
                    if published
                    else "no share hashes were published"
                )
            if not verify_share(share, expected):
                raise WrongShare(
                    f"share {share.index} does not match the hash published for officer "
                    f"{share.index} (0x{expected.hex()})"
                )
    if len(given) < k:
        raise NotEnoughShares(f"{k} shares are needed to rebuild the key, got {len(given)}")
    return sorted(given, key=lambda s: s.index)


def _evaluate(coefficients: Sequence[int], x: int) -> int:
    result = 0
    for c in reversed(coefficients):
        result = (result * x + c) % PRIME
    return result


def _interpolate_at_zero(points: Sequence[Share]) -> int:
    return _interpolate_at(points, 0)


def _interpolate_at(points: Sequence[Share], x: int) -> int:
    """Lagrange interpolation of the polynomial through `points`, evaluated at `x`."""
    total = 0
    for i, pi in enumerate(points):
        numerator, denominator = 1, 1
        for j, pj in enumerate(points):
            if i != j:
                numerator = numerator * (x - pj.index) % PRIME
                denominator = denominator * (pi.index - pj.index) % PRIME
        total = (total + pi.y * numerator * pow(denominator, -1, PRIME)) % PRIME
    return total
