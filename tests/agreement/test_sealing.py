"""Sealed bids: the envelope, the bid package, and the commitments the contract recomputes."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eth_abi.abi import encode
from web3 import Web3
from web3.contract import Contract

from ledger.crypto.canonical import keccak
from ledger.errors import ValidationFailed
from ledger.crypto.sealing import (
    MAX_FILE_BYTES,
    BidFile,
    BidPackage,
    DecryptionFailed,
    FailureReason,
    OpeningKey,
    RevealMismatch,
    SealingError,
    bid_aad,
    bid_commitment,
    check_credential_reveal,
    ciphertext_hash,
    credential_set_commitment,
    open_sealed,
    seal,
)
from ledger.crypto.shares import Share, combine, share_hash, split
from tests.share_vectors import VECTOR_SHARE_HASHES, VECTOR_SHARES

CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
BIDDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
OTHER_BIDDER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
TENDER = keccak(b"E3203010319005778001")


def word(n: int) -> bytes:
    return n.to_bytes(32, "big")


def context(**changes: Any) -> bytes:
    fields: dict[str, Any] = {
        "chain_id": 31337,
        "contract": CONTRACT,
        "tender_id": TENDER,
        "section": 1,
        "bidder": BIDDER,
    }
    fields.update(changes)
    return bid_aad(**fields)


def package(**changes: Any) -> BidPackage:
    fields: dict[str, Any] = {
        "price": "12345678.90",
        "files": {
            "商务标.pdf": BidFile.of(b"%PDF-1.7 commercial"),
            "技术标.pdf": BidFile.of(b"%PDF-1.7 technical"),
        },
        "credential_ids": [word(3), word(1), word(2)],
        "salt": keccak(b"credential-set salt"),
    }
    fields.update(changes)
    return BidPackage.create(**fields)


# --- fixed vectors, for the contract and for bidder clients written in other languages -------

# credential_set_commitment(keccak("salt"), [bytes32(3), bytes32(1), bytes32(2)])
VECTOR_SALT = keccak(b"salt")
VECTOR_IDS = [word(3), word(1), word(2)]
VECTOR_CREDENTIAL_SET = "0x918c4145ff5277770578dd9a7b7eceebe7d7a0fac007442f6e96012571b9b9ea"
# bid_commitment(31337, CONTRACT, keccak("tender-1"), 1, BIDDER, keccak("ciphertext"),
#                VECTOR_CREDENTIAL_SET)
VECTOR_BID_COMMITMENT = "0x04a12d2e93b642aad4d6acd253871b224a8e3cc3c94121e6eb8965f3bfecc9e1"
# bid_aad(chain_id=31337, contract=CONTRACT, tender_id=keccak("tender-1"), section=1,
#         bidder=BIDDER)
VECTOR_AAD = (
    "0xf48b7d575d1683db2e3b7cd887006f458754be8a54db486f9a4f264f5a0614bd"
    "0000000000000000000000000000000000000000000000000000000000007a69"
    "0000000000000000000000005fbdb2315678afecb367f032d93f642f64180aa3"
    "657d0595f93bc5b25dead9810d0da43d17ba550c2dab846c0a07803f2258045a"
    "0000000000000000000000000000000000000000000000000000000000000001"
    "00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8"
)
# seal(b"price=12345678.90", public of keccak("opening key"), aad=VECTOR_AAD) with ephemeral
# private key keccak("ephemeral") and nonce 0x000102030405060708090a0b
VECTOR_OPENING_PRIVATE = keccak(b"opening key")
VECTOR_EPHEMERAL_PRIVATE = keccak(b"ephemeral")
VECTOR_NONCE = bytes(range(12))
VECTOR_PLAINTEXT = b"price=12345678.90"
VECTOR_OPENING_PUBLIC = "0x38b6cde12060a9d184545b323287587c3cc73c68a6b69cda45486b320876a618"
VECTOR_ENVELOPE = (
    "0x01"  # version
    "da47a8cc1c10796dd43f98ed113c648625e2e504c16ac5da9c65669e2377241b"  # ephemeral public
    "000102030405060708090a0b"  # nonce
    "0d3f7e945bf43f9a8271f140b8a5351f1a"  # ciphertext (17 bytes)
    "870746235b503d505a5813c2ad4d87c1"  # tag
)


def test_vector_credential_set_commitment() -> None:
    expected = keccak(encode(["bytes32", "bytes32[]"], [VECTOR_SALT, sorted(VECTOR_IDS)]))
    assert credential_set_commitment(VECTOR_SALT, VECTOR_IDS) == expected
    assert "0x" + expected.hex() == VECTOR_CREDENTIAL_SET


def test_vector_bid_commitment() -> None:
    credential_set = bytes.fromhex(VECTOR_CREDENTIAL_SET[2:])
    expected = keccak(
        encode(
            ["uint256", "address", "bytes32", "uint16", "address", "bytes32", "bytes32"],
            [
                31337,
                CONTRACT,
                keccak(b"tender-1"),
                1,
                BIDDER,
                keccak(b"ciphertext"),
                credential_set,
            ],
        )
    )
    actual = bid_commitment(
        chain_id=31337,
        contract=CONTRACT,
        tender_id=keccak(b"tender-1"),
        section=1,
        bidder=BIDDER,
        ciphertext_hash=keccak(b"ciphertext"),
        credential_set_commitment=credential_set,
    )
    assert actual == expected
    assert "0x" + expected.hex() == VECTOR_BID_COMMITMENT


def test_vector_bid_context() -> None:
    aad = bid_aad(
        chain_id=31337, contract=CONTRACT, tender_id=keccak(b"tender-1"), section=1, bidder=BIDDER
    )
    assert aad[:32] == keccak(b"TenderLedger.BidContext.v1")
    assert aad[32:] == encode(
        ["uint256", "address", "bytes32", "uint16", "address"],
        [31337, CONTRACT, keccak(b"tender-1"), 1, BIDDER],
    )
    assert "0x" + aad.hex() == VECTOR_AAD


def test_vector_envelope_follows_the_documented_construction_and_opens() -> None:
    aad = bytes.fromhex(VECTOR_AAD[2:])
    recipient = X25519PrivateKey.from_private_bytes(VECTOR_OPENING_PRIVATE)
    recipient_public = recipient.public_key().public_bytes_raw()
    ephemeral = X25519PrivateKey.from_private_bytes(VECTOR_EPHEMERAL_PRIVATE)
    ephemeral_public = ephemeral.public_key().public_bytes_raw()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    info = b"TenderLedger.Seal.v1" + ephemeral_public + recipient_public
    key = HKDF(algorithm=SHA256(), length=32, salt=None, info=info).derive(shared)
    header = b"\x01" + ephemeral_public + VECTOR_NONCE
    envelope = header + AESGCM(key).encrypt(VECTOR_NONCE, VECTOR_PLAINTEXT, header + aad)

    assert "0x" + recipient_public.hex() == VECTOR_OPENING_PUBLIC
    assert "0x" + envelope.hex() == VECTOR_ENVELOPE
    assert open_sealed(envelope, VECTOR_OPENING_PRIVATE, aad=aad) == VECTOR_PLAINTEXT


# The formulas as a Solidity contract would write them, compiled with the project's solc-js
# and run on py-evm: the vectors above are what `keccak256(abi.encode(…))` gives on chain.
REFERENCE_SOLIDITY = """
// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;
contract Reference {
    function credentialSet(bytes32 salt, bytes32[] calldata ids) external pure returns (bytes32) {
        for (uint256 i = 1; i < ids.length; ++i) require(ids[i - 1] < ids[i], "not ascending");
        return keccak256(abi.encode(salt, ids));
    }
    function bid(uint256 chainId, address c, bytes32 tenderId, uint16 section, address bidder,
                 bytes32 ciphertextHash, bytes32 credSet) external pure returns (bytes32) {
        return keccak256(abi.encode(chainId, c, tenderId, section, bidder, ciphertextHash, credSet));
    }
    function share(uint8 index, bytes calldata value) external pure returns (bytes32) {
        return keccak256(abi.encodePacked(index, value));
    }
}
"""
SOLC_JS = Path(__file__).resolve().parents[2] / "scripts" / "solc_compile.js"


@pytest.fixture(scope="module")
def reference() -> Contract:
    node = shutil.which("node")
    if node is None or not (SOLC_JS.parent.parent / "node_modules" / "solc").is_dir():
        pytest.skip("solc-js is not installed (npm ci)")
    request = {
        "language": "Solidity",
        "sources": {"Reference.sol": {"content": REFERENCE_SOLIDITY}},
        "settings": {
            "evmVersion": "cancun",
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
        },
    }
    done = subprocess.run(
        [node, str(SOLC_JS)], input=json.dumps(request), capture_output=True, text=True, check=True
    )
    output = json.loads(done.stdout)
    assert not [e for e in output.get("errors", []) if e["severity"] == "error"], output
    compiled = output["contracts"]["Reference.sol"]["Reference"]
    w3 = Web3(Web3.EthereumTesterProvider())
    factory = w3.eth.contract(abi=compiled["abi"], bytecode=compiled["evm"]["bytecode"]["object"])
    tx = factory.constructor().transact({"from": w3.eth.accounts[0]})
    address = w3.eth.get_transaction_receipt(tx)["contractAddress"]
    assert address is not None
    return w3.eth.contract(address=address, abi=compiled["abi"])


def test_solidity_computes_the_same_commitments_and_share_hashes(reference: Contract) -> None:
    credential_set = reference.functions.credentialSet(VECTOR_SALT, sorted(VECTOR_IDS)).call()
    assert "0x" + credential_set.hex() == VECTOR_CREDENTIAL_SET
    committed = reference.functions.bid(
        31337, CONTRACT, keccak(b"tender-1"), 1, BIDDER, keccak(b"ciphertext"), credential_set
    ).call()
    assert "0x" + committed.hex() == VECTOR_BID_COMMITMENT
    for raw, expected in zip(VECTOR_SHARES, VECTOR_SHARE_HASHES, strict=True):
        share = Share.from_bytes(bytes.fromhex(raw))
        on_chain = reference.functions.share(share.index, share.value).call()
        assert "0x" + on_chain.hex() == expected == "0x" + share_hash(share).hex()


# --- the envelope ----------------------------------------------------------------------------


def test_a_sealed_bid_opens_with_the_opening_key_and_its_own_context() -> None:
    key = OpeningKey.generate()
    envelope = seal(b"bid documents", key.public, aad=context())
    assert open_sealed(envelope, key, aad=context()) == b"bid documents"
    assert open_sealed(envelope, key.private, aad=context()) == b"bid documents"


def test_an_envelope_is_the_plaintext_plus_61_bytes_and_never_repeats() -> None:
    key = OpeningKey.generate()
    first = seal(b"same", key.public, aad=context())
    second = seal(b"same", key.public, aad=context())
    assert len(first) == len(b"same") + 1 + 32 + 12 + 16
    assert first != second
    assert first[0] == 1
    assert b"same" not in first


def test_an_empty_plaintext_still_seals_and_opens() -> None:
    key = OpeningKey.generate()
    assert open_sealed(seal(b"", key.public, aad=context()), key, aad=context()) == b""


def test_changing_any_single_byte_fails_authentication_or_the_version_check() -> None:
    key = OpeningKey.generate()
    envelope = seal(b"price 100.00", key.public, aad=context())
    for position in range(len(envelope)):
        tampered = bytearray(envelope)
        tampered[position] ^= 0x01
        with pytest.raises(DecryptionFailed) as failure:
            open_sealed(bytes(tampered), key, aad=context())
        expected = FailureReason.MALFORMED if position == 0 else FailureReason.AUTHENTICATION
        assert failure.value.reason is expected, position


@pytest.mark.parametrize(
    "other",
    [
        {"section": 2},
        {"bidder": OTHER_BIDDER},
        {"tender_id": keccak(b"another tender")},
        {"chain_id": 1},
        {"contract": "0x" + "11" * 20},
    ],
    ids=["section", "bidder", "tender", "chain", "contract"],
)
def test_an_envelope_moved_to_another_bid_does_not_open(other: dict[str, Any]) -> None:
    key = OpeningKey.generate()
    envelope = seal(b"bid", key.public, aad=context())
    with pytest.raises(DecryptionFailed, match="authentication failed") as failure:
        open_sealed(envelope, key, aad=context(**other))
    assert failure.value.reason is FailureReason.AUTHENTICATION


def test_an_envelope_sealed_to_another_key_fails_authentication() -> None:
    envelope = seal(b"bid", OpeningKey.generate().public, aad=context())
    with pytest.raises(DecryptionFailed) as failure:
        open_sealed(envelope, OpeningKey.generate(), aad=context())
    assert failure.value.reason is FailureReason.AUTHENTICATION


def test_a_truncated_envelope_is_malformed_until_only_the_tag_is_cut() -> None:
    key = OpeningKey.generate()
    envelope = seal(b"bid", key.public, aad=context())
    for length in range(61):
        with pytest.raises(DecryptionFailed, match="malformed envelope") as failure:
            open_sealed(envelope[:length], key, aad=context())
        assert failure.value.reason is FailureReason.MALFORMED
    for length in range(61, len(envelope)):
        with pytest.raises(DecryptionFailed) as failure:
            open_sealed(envelope[:length], key, aad=context())
        assert failure.value.reason is FailureReason.AUTHENTICATION


def test_unknown_versions_and_unusable_ephemeral_keys_are_malformed() -> None:
    key = OpeningKey.generate()
    envelope = seal(b"bid", key.public, aad=context())
    with pytest.raises(DecryptionFailed, match="unknown envelope version 2"):
        open_sealed(b"\x02" + envelope[1:], key, aad=context())
    low_order = envelope[:1] + bytes(32) + envelope[33:]
    with pytest.raises(DecryptionFailed, match="low-order") as failure:
        open_sealed(low_order, key, aad=context())
    assert failure.value.reason is FailureReason.MALFORMED
    with pytest.raises(DecryptionFailed, match="malformed envelope"):
        open_sealed("not bytes", key, aad=context())  # type: ignore[arg-type]


def test_sealing_needs_a_usable_key_and_a_context() -> None:
    key = OpeningKey.generate()
    with pytest.raises(SealingError, match="32 bytes"):
        seal(b"bid", key.public[:31], aad=context())
    with pytest.raises(SealingError, match="low-order"):
        seal(b"bid", bytes(32), aad=context())
    with pytest.raises(SealingError, match="aad"):
        seal(b"bid", key.public, aad=b"")
    with pytest.raises(SealingError, match="aad"):
        open_sealed(seal(b"bid", key.public, aad=context()), key, aad=b"")


def test_an_opening_key_keeps_its_private_half_out_of_its_repr() -> None:
    key = OpeningKey.generate()
    assert key.private.hex() not in repr(key)
    assert key.public.hex() in repr(key)
    assert OpeningKey(key.private) == key
    with pytest.raises(SealingError, match="does not belong"):
        OpeningKey(key.private, OpeningKey.generate().public)
    with pytest.raises(SealingError, match="32 bytes"):
        OpeningKey(b"short")


def test_decryption_failures_are_validation_failures_with_a_reason() -> None:
    assert issubclass(DecryptionFailed, ValidationFailed)
    assert issubclass(RevealMismatch, ValidationFailed)
    assert issubclass(SealingError, ValidationFailed)
    error = DecryptionFailed(FailureReason.MALFORMED, "too short")
    assert str(error) == "malformed envelope: too short"
    assert error.detail == "too short"


# --- the bid package -------------------------------------------------------------------------


def test_a_bid_package_round_trips_through_its_envelope() -> None:
    key = OpeningKey.generate()
    bid = package()
    envelope = bid.encrypt(key.public, context())
    opened = BidPackage.decrypt(envelope, key, context())
    assert opened == bid
    assert opened.price == Decimal("12345678.90")
    assert opened.files["技术标.pdf"].content == b"%PDF-1.7 technical"
    assert opened.credential_ids == [word(3), word(1), word(2)]


def test_a_bid_package_serialises_price_as_a_string_and_ids_as_hex() -> None:
    data = package().model_dump(mode="json")
    assert data["price"] == "12345678.90"
    assert data["credential_ids"][1] == "0x" + word(1).hex()
    pdf = data["files"]["商务标.pdf"]
    assert pdf == {
        "sha256": hashlib.sha256(b"%PDF-1.7 commercial").hexdigest(),
        "content": "JVBERi0xLjcgY29tbWVyY2lhbA==",
    }
    assert BidPackage.model_validate_json(package().to_bytes()) == package()


def test_a_bid_package_for_another_bid_context_does_not_open() -> None:
    key = OpeningKey.generate()
    envelope = package().encrypt(key.public, context())
    with pytest.raises(DecryptionFailed) as failure:
        BidPackage.decrypt(envelope, key, context(bidder=OTHER_BIDDER))
    assert failure.value.reason is FailureReason.AUTHENTICATION


@pytest.mark.parametrize(
    "plaintext",
    [b"not json", b"{}", b'{"price": "1.00", "salt": "0x00"}'],
    ids=["not-json", "empty-object", "bad-salt"],
)
def test_an_authentic_envelope_holding_no_valid_package_is_an_invalid_package(
    plaintext: bytes,
) -> None:
    key = OpeningKey.generate()
    envelope = seal(plaintext, key.public, aad=context())
    with pytest.raises(DecryptionFailed, match="invalid bid package") as failure:
        BidPackage.decrypt(envelope, key, context())
    assert failure.value.reason is FailureReason.INVALID_PACKAGE


@pytest.mark.parametrize(
    ("price", "message"),
    [
        (0, "greater than 0"),
        ("-1.00", "greater than 0"),
        ("1.001", "decimal places"),
        ("NaN", "finite"),
        (1234.5, "not a float"),
        ("abc", "decimal"),
    ],
)
def test_a_price_must_be_a_positive_amount_in_yuan_exact_to_the_fen(
    price: object, message: str
) -> None:
    with pytest.raises(ValidationFailed, match=f"price.*{message}"):
        package(price=price)


def test_prices_in_whole_yuan_or_fen_are_accepted() -> None:
    assert package(price=15).price == Decimal(15)
    assert package(price=Decimal("0.01")).price == Decimal("0.01")


def test_a_file_whose_hash_does_not_match_its_content_is_rejected() -> None:
    with pytest.raises(ValidationFailed, match="sha256 does not match"):
        package(files={"a.pdf": {"sha256": "00" * 32, "content": b"x"}})
    with pytest.raises(ValidationFailed, match="64 lower-case hex"):
        package(files={"a.pdf": {"sha256": "xyz", "content": b"x"}})
    with pytest.raises(ValidationFailed, match="base64"):
        package(files={"a.pdf": {"sha256": "00" * 32, "content": "***"}})


@pytest.mark.parametrize("name", ["", "../etc/passwd", "dir/a.pdf", "a\\b.pdf", "..", "x" * 256])
def test_file_names_are_plain_names_not_paths(name: str) -> None:
    with pytest.raises(ValidationFailed, match="file name"):
        package(files={name: BidFile.of(b"x")})


def test_files_over_the_size_limit_are_refused_with_the_limit_named() -> None:
    big = BidFile.of(bytes(MAX_FILE_BYTES // 2 + 1))
    with pytest.raises(ValidationFailed, match=r"over the limit of 20971520 bytes \(20 MiB\)"):
        package(files={"a.bin": big, "b.bin": big})
    assert package(files={"a.bin": big}).files["a.bin"] == big


def test_a_tender_can_set_a_smaller_size_limit_at_packing_and_at_opening() -> None:
    files = {"a.pdf": BidFile.of(b"0123456789")}
    with pytest.raises(ValidationFailed, match="10 bytes, over the limit of 9 bytes"):
        BidPackage.create(
            price="1.00", files=files, salt=word(7), credential_ids=[], max_file_bytes=9
        )
    key = OpeningKey.generate()
    envelope = package(files=files).encrypt(key.public, context())
    with pytest.raises(DecryptionFailed, match="invalid bid package.*over the limit") as failure:
        BidPackage.decrypt(envelope, key, context(), max_file_bytes=9)
    assert failure.value.reason is FailureReason.INVALID_PACKAGE


def test_a_credential_ticked_twice_is_rejected() -> None:
    with pytest.raises(ValidationFailed, match="ticked more than once"):
        package(credential_ids=[word(1), word(2), word(1)])


def test_credential_ids_and_salt_must_be_32_bytes() -> None:
    with pytest.raises(ValidationFailed, match="credential_ids"):
        package(credential_ids=[b"\x01" * 31])
    with pytest.raises(ValidationFailed, match="salt"):
        package(salt="0x1234")


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationFailed, match="bidder: Extra inputs are not permitted"):
        package(bidder=BIDDER)


# --- commitments -----------------------------------------------------------------------------


def test_the_credential_set_commitment_ignores_the_order_ids_were_ticked_in() -> None:
    salt = keccak(b"s")
    assert credential_set_commitment(salt, [word(1), word(2), word(3)]) == (
        credential_set_commitment(salt, [word(3), word(1), word(2)])
    )


def test_the_credential_set_commitment_changes_with_the_salt_and_every_id() -> None:
    salt, ids = keccak(b"s"), [word(1), word(2), word(3)]
    base = credential_set_commitment(salt, ids)
    variants = {
        credential_set_commitment(keccak(b"t"), ids),
        credential_set_commitment(salt, ids[:2]),
        credential_set_commitment(salt, [*ids, word(4)]),
        credential_set_commitment(salt, []),
    }
    for i in range(3):
        changed = list(ids)
        changed[i] = word(10 + i)
        variants.add(credential_set_commitment(salt, changed))
    assert base not in variants
    assert len(variants) == 7


def test_the_credential_set_commitment_refuses_duplicates_and_wrong_sizes() -> None:
    with pytest.raises(ValidationFailed, match="more than once"):
        credential_set_commitment(word(0), [word(1), word(1)])
    with pytest.raises(ValidationFailed, match="32 bytes"):
        credential_set_commitment(word(0), [b"\x01"])
    with pytest.raises(ValidationFailed, match="salt"):
        credential_set_commitment(b"", [word(1)])


def test_a_reveal_must_match_the_committed_credential_set() -> None:
    bid = package()
    committed = bid.credential_set_commitment()
    bid.check_credential_reveal(committed)
    check_credential_reveal(bid.salt, reversed(bid.credential_ids), committed)
    with pytest.raises(RevealMismatch, match="committed to"):
        check_credential_reveal(bid.salt, bid.credential_ids[:2], committed)
    with pytest.raises(RevealMismatch):
        check_credential_reveal(keccak(b"other salt"), bid.credential_ids, committed)
    with pytest.raises(RevealMismatch):
        package(credential_ids=[word(1), word(2), word(4)]).check_credential_reveal(committed)


def test_the_bid_commitment_changes_with_every_input() -> None:
    fields: dict[str, Any] = {
        "chain_id": 31337,
        "contract": CONTRACT,
        "tender_id": TENDER,
        "section": 1,
        "bidder": BIDDER,
        "ciphertext_hash": keccak(b"ct"),
        "credential_set_commitment": keccak(b"cs"),
    }
    changes: dict[str, Any] = {
        "chain_id": 1,
        "contract": "0x" + "22" * 20,
        "tender_id": keccak(b"t2"),
        "section": 2,
        "bidder": OTHER_BIDDER,
        "ciphertext_hash": keccak(b"ct2"),
        "credential_set_commitment": keccak(b"cs2"),
    }
    base = bid_commitment(**fields)
    seen = {base}
    for name, value in changes.items():
        seen.add(bid_commitment(**{**fields, name: value}))
    assert len(seen) == 1 + len(changes)
    # Addresses may be given checksummed, lower-case or as raw bytes.
    assert bid_commitment(**{**fields, "bidder": BIDDER.lower()}) == base
    assert bid_commitment(**{**fields, "bidder": bytes.fromhex(BIDDER[2:])}) == base


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("section", 65536, "uint16"),
        ("section", -1, "uint16"),
        ("chain_id", True, "uint256"),
        ("bidder", "0x1234", "address"),
        ("bidder", BIDDER.lower().replace("c", "C", 1), "address"),
        ("tender_id", b"\x00" * 31, "tender id"),
        ("ciphertext_hash", "0x" + "00" * 32, "ciphertext hash"),
    ],
)
def test_the_bid_commitment_refuses_values_outside_their_abi_types(
    name: str, value: object, message: str
) -> None:
    fields: dict[str, Any] = {
        "chain_id": 31337,
        "contract": CONTRACT,
        "tender_id": TENDER,
        "section": 1,
        "bidder": BIDDER,
        "ciphertext_hash": keccak(b"ct"),
        "credential_set_commitment": keccak(b"cs"),
        name: value,
    }
    with pytest.raises(ValidationFailed, match=message):
        bid_commitment(**fields)


def test_the_ciphertext_hash_is_the_keccak_of_the_whole_envelope() -> None:
    envelope = seal(b"bid", OpeningKey.generate().public, aad=context())
    assert ciphertext_hash(envelope) == keccak(envelope)


# --- the whole flow --------------------------------------------------------------------------


def test_three_of_five_officers_open_a_sealed_bid_and_the_reveal_matches_its_commitment() -> None:
    # Publication: the opening key is split among five officers; only share hashes go on chain.
    opening = OpeningKey.generate()
    shares = split(opening.private, 3, 5)
    published_hashes = {s.index: share_hash(s) for s in shares}
    public_key = opening.public
    del opening

    # Bidding: the bidder seals its package and commits to the envelope and its credential set.
    bid = package()
    aad = context()
    envelope = bid.encrypt(public_key, aad)
    committed = bid_commitment(
        chain_id=31337,
        contract=CONTRACT,
        tender_id=TENDER,
        section=1,
        bidder=BIDDER,
        ciphertext_hash=ciphertext_hash(envelope),
        credential_set_commitment=bid.credential_set_commitment(),
    )

    # Opening: officers 2, 4 and 5 release their shares; the key is rebuilt and checked.
    released = [shares[1], shares[3], shares[4]]
    private = combine(released, k=3, expected_public=public_key, share_hashes=published_hashes)
    opened = BidPackage.decrypt(envelope, private, aad)

    assert opened == bid
    assert committed == bid_commitment(
        chain_id=31337,
        contract=CONTRACT,
        tender_id=TENDER,
        section=1,
        bidder=BIDDER,
        ciphertext_hash=keccak(envelope),
        credential_set_commitment=opened.credential_set_commitment(),
    )
    opened.check_credential_reveal(bid.credential_set_commitment())
