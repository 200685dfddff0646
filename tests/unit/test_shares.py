"""k-of-n Shamir sharing of the opening key: round trips, the errors, and the share hashes."""

from __future__ import annotations

import itertools
import random

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ledger.crypto.canonical import keccak
from ledger.errors import ValidationFailed
from ledger.crypto.shares import (
    PRIME,
    SHARE_SIZE,
    BadThreshold,
    DuplicateShareIndex,
    InconsistentShares,
    KeyMismatch,
    MalformedShare,
    NotEnoughShares,
    Share,
    ShareError,
    UnknownShareIndex,
    WrongShare,
    combine,
    public_key_of,
    recover_secret,
    share_hash,
    split,
    verify_share,
)
from tests.share_vectors import VECTOR_COEFFICIENTS, VECTOR_SECRET, VECTOR_SHARE_HASHES, VECTOR_SHARES


class SeededRandom:
    """A reproducible coefficient source for tests (production uses `secrets`)."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def randbelow(self, bound: int) -> int:
        return self._rng.randrange(bound)


class FixedCoefficients:
    def __init__(self, *values: int) -> None:
        self._values = list(values)

    def randbelow(self, bound: int) -> int:
        value = self._values.pop(0)
        assert value < bound
        return value


def new_key() -> tuple[bytes, bytes]:
    key = X25519PrivateKey.generate()
    return key.private_bytes_raw(), key.public_key().public_bytes_raw()




def test_any_k_of_n_shares_rebuild_the_opening_key() -> None:
    private, public = new_key()
    shares = split(private, 3, 5)
    assert [s.index for s in shares] == [1, 2, 3, 4, 5]
    for subset in itertools.combinations(shares, 3):
        assert combine(subset, k=3, expected_public=public) == private


def test_more_than_k_correct_shares_also_rebuild_the_key() -> None:
    private, public = new_key()
    shares = split(private, 3, 5)
    assert combine(shares, k=3, expected_public=public) == private
    assert combine(reversed(shares[1:]), k=3, expected_public=public) == private


@pytest.mark.parametrize("secret", [b"\x00" * 32, b"\xff" * 32, (2**255 + 19).to_bytes(32, "big")])
def test_every_32_byte_value_round_trips_even_above_the_curve_orders(secret: bytes) -> None:
    shares = split(secret, 2, 3, SeededRandom(1))
    assert recover_secret(shares[1:], k=2) == secret
    assert combine(shares[:2], k=2, expected_public=public_key_of(secret)) == secret


def test_the_field_is_larger_than_every_32_byte_secret() -> None:
    assert PRIME == 2**521 - 1
    assert PRIME > 2**256


def test_fewer_than_k_shares_do_not_reveal_the_key() -> None:
    private, public = new_key()
    shares = split(private, 3, 5)
    with pytest.raises(NotEnoughShares, match="3 shares are needed.*got 2"):
        combine(shares[:2], k=3, expected_public=public)
    # Even forced through plain interpolation, two shares of a 3-of-5 give no key.
    with pytest.raises(ShareError):
        combine(shares[:2], k=2, expected_public=public)


def test_the_same_index_twice_is_rejected() -> None:
    private, public = new_key()
    shares = split(private, 2, 3)
    with pytest.raises(DuplicateShareIndex, match="index 2"):
        combine([shares[1], shares[1]], k=2, expected_public=public)


@pytest.mark.parametrize(
    ("k", "n", "message"),
    [(1, 5, "at least 2"), (0, 5, "at least 2"), (6, 5, "cannot exceed"), (3, 256, "at most 255")],
)
def test_unusable_thresholds_are_rejected(k: int, n: int, message: str) -> None:
    with pytest.raises(BadThreshold, match=message):
        split(b"\x01" * 32, k, n)


def test_the_largest_sharing_has_255_officers() -> None:
    shares = split(b"\x07" * 32, 2, 255, SeededRandom(2))
    assert shares[-1].index == 255
    assert recover_secret([shares[0], shares[-1]], k=2) == b"\x07" * 32


def test_a_secret_that_is_not_32_bytes_is_rejected() -> None:
    with pytest.raises(ShareError, match="32 bytes"):
        split(b"short", 2, 3)


def test_a_wrong_share_yields_a_key_mismatch_not_a_silent_wrong_key() -> None:
    private, public = new_key()
    shares = split(private, 3, 5)
    forged = Share(shares[0].index, (shares[0].y + 1).to_bytes(66, "big"))
    with pytest.raises(KeyMismatch, match="not the tender's opening key"):
        combine([forged, shares[1], shares[2]], k=3, expected_public=public)


def test_shares_of_another_tender_do_not_open_this_one() -> None:
    private, public = new_key()
    other, _ = new_key()
    with pytest.raises(KeyMismatch):
        combine(split(other, 2, 3)[:2], k=2, expected_public=public)
    assert combine(split(private, 2, 3)[:2], k=2, expected_public=public) == private


def test_published_hashes_name_the_wrong_share() -> None:
    private, public = new_key()
    shares = split(private, 3, 5)
    hashes = {s.index: share_hash(s) for s in shares}
    forged = Share(4, (shares[3].y ^ 1).to_bytes(66, "big"))
    with pytest.raises(WrongShare, match="share 4 does not match"):
        combine([shares[0], shares[1], forged], k=3, expected_public=public, share_hashes=hashes)


def test_a_share_with_an_index_no_officer_holds_is_rejected_as_foreign() -> None:
    private, public = new_key()
    shares = split(private, 3, 6)
    hashes = [share_hash(s) for s in shares[:5]]  # only officers 1..5 exist
    with pytest.raises(UnknownShareIndex, match="index 6 was not dealt"):
        combine([shares[0], shares[1], shares[5]], k=3, expected_public=public, share_hashes=hashes)
    assert combine(shares[:3], k=3, expected_public=public, share_hashes=hashes) == private


def test_extra_shares_that_disagree_are_reported() -> None:
    private, public = new_key()
    shares = split(private, 2, 4)
    forged = Share(4, (shares[3].y + 5).to_bytes(66, "big"))
    with pytest.raises(InconsistentShares, match="share 4"):
        combine([shares[0], shares[1], forged], k=2, expected_public=public)


def test_verify_share_accepts_only_the_published_share() -> None:
    shares = split(b"\x05" * 32, 2, 3, SeededRandom(3))
    assert verify_share(shares[0], share_hash(shares[0]))
    assert not verify_share(shares[0], share_hash(shares[1]))
    assert not verify_share(shares[0], b"\x00" * 32)


def test_share_serialisation_is_stable_in_bytes_and_json() -> None:
    share = split(b"\x09" * 32, 2, 3, SeededRandom(4))[2]
    raw = share.to_bytes()
    assert len(raw) == SHARE_SIZE == 67
    assert raw[0] == 3
    assert Share.from_bytes(raw) == share
    text = share.to_json()
    assert text == '{"index":3,"value":"0x' + share.value.hex() + '"}'
    assert Share.from_json(text) == share
    assert share_hash(share) == keccak(raw)


def test_a_share_repr_does_not_print_the_secret_value() -> None:
    share = split(b"\x09" * 32, 2, 3, SeededRandom(4))[0]
    assert share.value.hex() not in repr(share)


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x01" * 66, b"\x01" * 68, b"\x00" + b"\x01" * 66, b"\x01" + b"\xff" * 66],
    ids=["empty", "short", "long", "index-zero", "value-outside-field"],
)
def test_malformed_share_bytes_are_rejected(raw: bytes) -> None:
    with pytest.raises(MalformedShare):
        Share.from_bytes(raw)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"index": 1}',
        '{"index": "1", "value": "0x00"}',
        '{"index": true, "value": "0x' + "00" * 66 + '"}',
        '{"index": 1, "value": "' + "00" * 66 + '"}',
        '{"index": 1, "value": "0xzz"}',
        '{"index": 1, "value": "0x' + "00" * 66 + '", "k": 3}',
    ],
)
def test_malformed_share_json_is_rejected(text: str) -> None:
    with pytest.raises(MalformedShare):
        Share.from_json(text)


def test_share_errors_are_validation_failures() -> None:
    for cls in (
        BadThreshold,
        MalformedShare,
        DuplicateShareIndex,
        NotEnoughShares,
        UnknownShareIndex,
        WrongShare,
        InconsistentShares,
        KeyMismatch,
    ):
        assert issubclass(cls, ShareError)
        assert issubclass(cls, ValidationFailed)


def test_fixed_vector_shares_and_hashes() -> None:
    shares = split(VECTOR_SECRET, 3, 5, FixedCoefficients(*VECTOR_COEFFICIENTS))
    assert [s.to_bytes().hex() for s in shares] == VECTOR_SHARES
    assert ["0x" + share_hash(s).hex() for s in shares] == VECTOR_SHARE_HASHES
    assert recover_secret([shares[4], shares[0], shares[2]], k=3) == VECTOR_SECRET
    a0 = int.from_bytes(VECTOR_SECRET, "big")
    a1, a2 = VECTOR_COEFFICIENTS
    for x, share in enumerate(shares, start=1):
        assert share.y == (a0 + a1 * x + a2 * x * x) % (2**521 - 1)
