"""Opening officers' shares sealed to their own secp256k1 keys (ECIES: ECDH, HKDF-SHA256,
AES-256-GCM, the tender, officer and index bound as associated data): round trips, and every
way of opening a share that is not one's own — a wrong key, a tampered box, a box relabelled
for another officer, index or tender — and malformed input, each refused with its own error."""

from __future__ import annotations

import dataclasses
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.crypto.officer_box import (
    BOX_SIZE,
    HEADER_SIZE,
    ORDER,
    PUBLIC_SIZE,
    MalformedOfficerKey,
    MalformedSealedShare,
    OfficerBoxError,
    OfficerKey,
    SealedShare,
    SealedShareDoesNotOpen,
    WrongOfficerKey,
    deal,
    open_share,
    seal_share,
)
from ledger.crypto.shares import BadThreshold, Share, combine, share_hash, split
from ledger.errors import ValidationFailed

TENDER = b"\x07" * 32
OTHER_TENDER = b"\x08" * 32


def officer_key(account: LocalAccount) -> OfficerKey:
    return OfficerKey.of_private(bytes(account.key))


@pytest.fixture(scope="module")
def officers() -> list[LocalAccount]:
    return [Account.create() for _ in range(5)]


@pytest.fixture(scope="module")
def dealt(officers: list[LocalAccount]):  # type: ignore[no-untyped-def]
    return deal(tender_id=TENDER, officers=[officer_key(o) for o in officers], threshold=3)


def relabel(sealed: SealedShare, **changes: object) -> SealedShare:
    return dataclasses.replace(sealed, **changes)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- round trips


def test_the_address_of_an_officer_key_is_its_ethereum_address(officers: list[LocalAccount]) -> None:
    for account in officers:
        key = officer_key(account)
        assert key.address == account.address
        assert len(key.public) == PUBLIC_SIZE and key.public[0] == 4
        point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), key.public)
        compressed = point.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
        for text in (key.to_hex(), key.public[1:].hex(), "0x" + compressed.hex(), key.to_hex().upper()[2:]):
            assert OfficerKey.from_hex(text) == key


def test_each_officer_opens_its_own_share_and_any_k_rebuild_the_opening_key(
    officers: list[LocalAccount], dealt
) -> None:  # type: ignore[no-untyped-def]
    assert dealt.officers == tuple(o.address for o in officers)
    assert [s.officer for s in dealt.sealed] == list(dealt.officers)
    assert [s.index for s in dealt.sealed] == [1, 2, 3, 4, 5]
    shares = []
    for account, sealed in zip(officers, dealt.sealed, strict=True):
        from_file = SealedShare.from_json(sealed.to_json())
        assert from_file == sealed and len(sealed.box) == BOX_SIZE
        share = open_share(from_file, bytes(account.key))
        assert share.index == sealed.index and share_hash(share) == dealt.share_hashes[share.index - 1]
        shares.append(share)
    for chosen in (shares[:3], shares[2:], [shares[0], shares[2], shares[4]]):
        combine(chosen, k=3, expected_public=dealt.opening_public, share_hashes=dealt.share_hashes)


def test_two_sealings_of_one_share_differ_and_both_open() -> None:
    account = Account.create()
    share = split(b"\x05" * 32, 2, 2)[0]
    a = seal_share(share, tender_id=TENDER, officer=officer_key(account))
    b = seal_share(share, tender_id=TENDER, officer=officer_key(account))
    assert a.box != b.box  # a fresh ephemeral key and nonce each time
    assert open_share(a, bytes(account.key)) == open_share(b, bytes(account.key)) == share


def test_what_a_dealing_hands_out_holds_neither_the_key_nor_a_share(
    officers: list[LocalAccount], dealt
) -> None:  # type: ignore[no-untyped-def]
    shares = [open_share(s, bytes(o.key)) for s, o in zip(dealt.sealed, officers, strict=True)]
    private = combine(shares[:3], k=3, expected_public=dealt.opening_public)
    handed_out = repr(dealt).encode() + b"".join(s.to_json().encode() + s.box for s in dealt.sealed)
    secrets = [private, private.hex().encode()] + [x for s in shares for x in (s.value, s.value.hex().encode())]
    assert not [s for s in secrets if s in handed_out]


# ---------------------------------------------------------------------- attacks


def test_opening_another_officers_share_with_ones_own_key_is_refused(
    officers: list[LocalAccount], dealt
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WrongOfficerKey, match=f"sealed to officer {officers[0].address}"):
        open_share(dealt.sealed[0], bytes(officers[1].key))
    with pytest.raises(WrongOfficerKey):
        open_share(dealt.sealed[0], bytes(Account.create().key))


def test_a_share_relabelled_for_another_officer_does_not_open_for_that_officer(
    officers: list[LocalAccount], dealt
) -> None:  # type: ignore[no-untyped-def]
    a, b = officers[0], officers[1]
    stolen = relabel(dealt.sealed[0], officer=b.address, index=2)
    with pytest.raises(SealedShareDoesNotOpen):
        open_share(stolen, bytes(b.key))
    with pytest.raises(SealedShareDoesNotOpen):
        open_share(relabel(dealt.sealed[0], officer=b.address), bytes(b.key))
    # Officer B's own box, labelled as A's: A's key does not open it either.
    with pytest.raises(SealedShareDoesNotOpen):
        open_share(relabel(dealt.sealed[1], officer=a.address, index=1), bytes(a.key))


def test_a_share_moved_to_another_tender_or_index_does_not_open(
    officers: list[LocalAccount], dealt
) -> None:  # type: ignore[no-untyped-def]
    owner = officers[0]
    with pytest.raises(SealedShareDoesNotOpen, match="relabelled"):
        open_share(relabel(dealt.sealed[0], tender_id=OTHER_TENDER), bytes(owner.key))
    with pytest.raises(SealedShareDoesNotOpen):
        open_share(relabel(dealt.sealed[0], index=4), bytes(owner.key))


def test_every_tampered_byte_of_a_sealed_share_is_detected(officers: list[LocalAccount], dealt) -> None:  # type: ignore[no-untyped-def]
    owner, sealed = officers[0], dealt.sealed[0]
    for position in range(BOX_SIZE):
        box = bytearray(sealed.box)
        box[position] ^= 0x01
        if position == 0:
            with pytest.raises(MalformedSealedShare, match="version"):
                relabel(sealed, box=bytes(box))
            continue
        tampered = relabel(sealed, box=bytes(box))
        expected = (MalformedSealedShare, SealedShareDoesNotOpen) if position < 1 + PUBLIC_SIZE else SealedShareDoesNotOpen
        with pytest.raises(expected):
            open_share(tampered, bytes(owner.key))
    truncated = sealed.to_dict() | {"box": "0x" + sealed.box[:-1].hex()}
    with pytest.raises(MalformedSealedShare, match=f"{BOX_SIZE} bytes"):
        SealedShare.from_dict(truncated)


def test_a_box_sealed_to_one_key_does_not_open_under_a_header_from_another(officers: list[LocalAccount]) -> None:
    owner = officers[0]
    share = split(b"\x01" * 32, 2, 2)[0]
    one = seal_share(share, tender_id=TENDER, officer=officer_key(owner))
    two = seal_share(share, tender_id=TENDER, officer=officer_key(owner))
    spliced = one.box[:HEADER_SIZE] + two.box[HEADER_SIZE:]
    with pytest.raises(SealedShareDoesNotOpen):
        open_share(relabel(one, box=spliced), bytes(owner.key))


# ---------------------------------------------------------------------- malformed input

MALFORMED_FILES = [
    "", "null", "[]", "{}", "1", '"box"', "[" * 100_000 + "]" * 100_000,
    json.dumps({"tender_id": "0x" + "07" * 32, "officer": Account.create().address, "share": "0x" + "00" * 67}),
]


@pytest.mark.parametrize("text", MALFORMED_FILES, ids=range(len(MALFORMED_FILES)))
def test_a_file_that_is_not_a_sealed_share_is_refused_as_malformed(text: str) -> None:
    with pytest.raises(MalformedSealedShare):
        SealedShare.from_json(text)


def test_each_malformed_field_of_a_sealed_share_is_named(dealt) -> None:  # type: ignore[no-untyped-def]
    good = dealt.sealed[0].to_dict()
    cases = {
        "format": [("format", "TenderLedger.OfficerShare.v2"), ("format", None)],
        "tender_id": [("tender_id", "0x" + "07" * 31), ("tender_id", "07" * 32), ("tender_id", "0xzz"), ("tender_id", 7)],
        "officer": [("officer", "0x1234"), ("officer", None), ("officer", "not an address")],
        "index": [("index", 0), ("index", 256), ("index", True), ("index", "1"), ("index", 1.0)],
        "box": [("box", "0x"), ("box", "0x" + "00" * BOX_SIZE), ("box", "0xgg"), ("box", ["00"])],
    }
    for field, changes in cases.items():
        for key, value in changes:
            with pytest.raises(MalformedSealedShare) as info:
                SealedShare.from_dict(good | {key: value})
            assert field.split("_")[0] in str(info.value), (key, value, str(info.value))
    with pytest.raises(MalformedSealedShare, match="unencrypted"):
        SealedShare.from_dict({"tender_id": good["tender_id"], "officer": good["officer"], "share": "0x00"})
    with pytest.raises(MalformedSealedShare):
        SealedShare.from_dict(good | {"extra": 1})


def test_a_box_whose_ephemeral_key_is_not_a_curve_point_is_malformed(officers: list[LocalAccount], dealt) -> None:  # type: ignore[no-untyped-def]
    sealed = dealt.sealed[0]
    box = sealed.box[:1] + b"\x04" + b"\x00" * 64 + sealed.box[1 + PUBLIC_SIZE:]
    with pytest.raises(MalformedSealedShare, match="ephemeral"):
        open_share(relabel(sealed, box=box), bytes(officers[0].key))


@pytest.mark.parametrize("text", [
    "", "0x", "zz", "0x04", "0x04" + "00" * 64, "0x05" + "11" * 64, "0x02" + "00" * 32, "0x" + "11" * 66,
])
def test_a_string_that_is_not_a_secp256k1_public_key_is_refused(text: str) -> None:
    with pytest.raises(MalformedOfficerKey):
        OfficerKey.from_hex(text)


def test_an_address_alone_is_not_an_officer_key() -> None:
    with pytest.raises(MalformedOfficerKey, match="is an address, not a public key"):
        OfficerKey.from_hex(Account.create().address)


@pytest.mark.parametrize("private", [b"", b"\x00" * 32, ORDER.to_bytes(32, "big"), b"\xff" * 32, b"\x01" * 31, "00" * 32])
def test_an_unusable_private_key_is_refused(private: object, dealt) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MalformedOfficerKey):
        OfficerKey.of_private(private)  # type: ignore[arg-type]
    with pytest.raises(MalformedOfficerKey):
        open_share(dealt.sealed[0], private)  # type: ignore[arg-type]


def test_dealing_refuses_addresses_duplicates_and_bad_thresholds(officers: list[LocalAccount]) -> None:
    keys = [officer_key(o) for o in officers]
    with pytest.raises(MalformedOfficerKey):
        deal(tender_id=TENDER, officers=[o.address for o in officers], threshold=3)  # type: ignore[misc]
    with pytest.raises(ValidationFailed, match="once"):
        deal(tender_id=TENDER, officers=[keys[0], keys[1], keys[0]], threshold=2)
    for k in (1, 6):
        with pytest.raises(BadThreshold):
            deal(tender_id=TENDER, officers=keys, threshold=k)
    with pytest.raises(MalformedSealedShare):
        deal(tender_id=b"\x07" * 31, officers=keys, threshold=3)


def test_every_error_here_is_a_validation_failure() -> None:
    for cls in (MalformedOfficerKey, MalformedSealedShare, WrongOfficerKey, SealedShareDoesNotOpen):
        assert issubclass(cls, OfficerBoxError) and issubclass(cls, ValidationFailed)
    assert isinstance(Share(1, b"\x00" * 66), Share)
