"""A lottery party's seed sealed to its draw's key on alt_bn128, and the rule that opens it.

Each draw has its own key: `sk` random in [1, r), `pk = sk·G` on alt_bn128 (the curve of the EVM's
ECADD/ECMUL precompiles). A party seals its 32-byte seed to `pk`:

    ρ random in [1, r),  R = ρ·G,  S = ρ·pk
    mask = keccak256(abi.encode(uint256 S.x, uint256 S.y, bytes32 drawId, address party))
    C    = seed XOR mask                                  submitted: (R.x, R.y, C)

and whoever holds `sk` (LotteryBook.finishDraw, once k officers released their shares) opens it
with S = sk·R: the same S, the same mask. The mask binds the seed to its draw and its party: a
sealed seed replayed by another party or in another draw opens to an unrelated value.

A point is given as 64 bytes (x ‖ y, each a big-endian uint256) or as the pair of integers;
the point at infinity is never a valid key or R.

    DrawSealError(ValidationFailed)
    ├── BadDrawPoint    not a point of alt_bn128 (or the point at infinity)
    └── BadDrawKey      a private key outside [1, r), or not the key of the public key given
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from eth_abi.abi import encode as abi_encode
from py_ecc.optimized_bn128 import (
    FQ,
    G1,
    b,
    curve_order,
    field_modulus,
    is_on_curve,
    multiply,
    normalize,
)

from ledger.crypto.canonical import keccak
from ledger.errors import ValidationFailed
from ledger.values import address

ORDER = int(curve_order)
"""r, the order of alt_bn128's group: private keys and ρ are in [1, r)."""
FIELD = int(field_modulus)
"""p, the field coordinates live in."""

Point = tuple[int, int]


class DrawSealError(ValidationFailed):
    """Root of every error of sealing and opening draw seeds."""


class BadDrawPoint(DrawSealError):
    """Not a point of alt_bn128, or the point at infinity."""


class BadDrawKey(DrawSealError):
    """A private key outside [1, r), or one that is not the key of the public key given."""


@dataclass(frozen=True, slots=True)
class SealedSeed:
    """What a party submits: its ephemeral point R and the ciphertext C."""

    rx: int
    ry: int
    ciphertext: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.ciphertext, bytes) or len(self.ciphertext) != 32:
            raise DrawSealError("a sealed seed's ciphertext is 32 bytes")
        check_point((self.rx, self.ry), "a sealed seed's R")


def on_curve(point: Point) -> bool:
    """Whether (x, y) is a point of alt_bn128 other than infinity, as LotteryBook checks it."""
    x, y = point
    if not (isinstance(x, int) and isinstance(y, int)) or not (0 <= x < FIELD and 0 <= y < FIELD):
        return False
    if x == 0 and y == 0:
        return False
    return bool(is_on_curve((FQ(x), FQ(y), FQ(1)), b))


def check_point(point: Point, what: str = "the point") -> Point:
    if not on_curve(point):
        raise BadDrawPoint(f"{what} is not a point of alt_bn128 (other than infinity)")
    return point


def _scalar(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < ORDER:
        raise BadDrawKey(f"{what} must be a number in [1, r) of alt_bn128")
    return value


def mul(point: Point, scalar: int) -> Point:
    """scalar·point, as the ECMUL precompile computes it."""
    x, y = check_point(point)
    result = normalize(multiply((FQ(x), FQ(y), FQ(1)), scalar))
    return int(result[0]), int(result[1])


def public_key(private_key: int) -> Point:
    """sk·G."""
    gx, gy = normalize(G1)
    return mul((int(gx), int(gy)), _scalar(private_key, "a draw's private key"))


def point_bytes(point: Point) -> bytes:
    """x ‖ y, 64 bytes."""
    return point[0].to_bytes(32, "big") + point[1].to_bytes(32, "big")


def point_of(raw: bytes) -> Point:
    """The point of 64 bytes x ‖ y; BadDrawPoint if it is not one."""
    if not isinstance(raw, bytes) or len(raw) != 64:
        raise BadDrawPoint("a point is 64 bytes (x ‖ y)")
    return check_point((int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")))


def key_bytes(private_key: int) -> bytes:
    return _scalar(private_key, "a draw's private key").to_bytes(32, "big")


def public_key_bytes(private_key: bytes) -> bytes:
    """The 64-byte public key of a 32-byte private key: the public-key function draw keys are
    shared with (`ledger.crypto.shares.combine`, `ledger.crypto.officer_box.deal`)."""
    if not isinstance(private_key, bytes) or len(private_key) != 32:
        raise BadDrawKey("a draw's private key is 32 bytes")
    return point_bytes(public_key(int.from_bytes(private_key, "big")))


def new_draw_key() -> tuple[bytes, bytes]:
    """A fresh draw key: (private key, 32 bytes; public key, 64 bytes x ‖ y)."""
    private = (1 + secrets.randbelow(ORDER - 1)).to_bytes(32, "big")
    return private, public_key_bytes(private)


def seed_mask(shared: Point, draw_id: bytes, party: str) -> bytes:
    """keccak256(abi.encode(uint256 S.x, uint256 S.y, bytes32 drawId, address party))."""
    if not isinstance(draw_id, bytes) or len(draw_id) != 32:
        raise DrawSealError("a draw id is 32 bytes")
    return keccak(abi_encode(["uint256", "uint256", "bytes32", "address"],
                             [shared[0], shared[1], draw_id, address(party, "the party")]))


def _xor(a: bytes, b_: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b_, strict=True))


def seal_seed(seed: bytes, *, public: Point, draw_id: bytes, party: str, rho: int | None = None) -> SealedSeed:
    """`seed` sealed to the draw key `public` for `party` in draw `draw_id`."""
    if not isinstance(seed, bytes) or len(seed) != 32:
        raise DrawSealError("a seed is 32 bytes")
    check_point(public, "the draw's public key")
    rho = 1 + secrets.randbelow(ORDER - 1) if rho is None else _scalar(rho, "ρ")
    r_point = public_key(rho)
    shared = mul(public, rho)
    return SealedSeed(r_point[0], r_point[1], _xor(seed, seed_mask(shared, draw_id, party)))


def open_seed(sealed: SealedSeed, *, private_key: int, draw_id: bytes, party: str) -> bytes:
    """The seed in `sealed`, as LotteryBook.finishDraw opens it: C XOR mask(sk·R)."""
    shared = mul((sealed.rx, sealed.ry), _scalar(private_key, "a draw's private key"))
    return _xor(sealed.ciphertext, seed_mask(shared, draw_id, party))


def check_key(private_key: int, public: Point) -> int:
    """`private_key`, once shown to be the key of `public` (BadDrawKey otherwise)."""
    if public_key(private_key) != tuple(public):
        raise BadDrawKey("the private key given is not the draw's key (sk·G ≠ pk)")
    return private_key
