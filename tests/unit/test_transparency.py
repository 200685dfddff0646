"""The store's checkpoint log: an RFC 6962 / RFC 9162 Merkle tree, its proofs and their verifiers.

The vectors are RFC 6962's test data as certificate-transparency carries it (eight leaves of
growing length); the properties are the RFC's: every inclusion proof of every leaf and every
consistency proof between every m ≤ n verifies, for every n up to 33, and no tampered one does.
"""

from __future__ import annotations

import hashlib

import pytest

from ledger.crypto.canonical import NotCanonical, store_record
from ledger.crypto.transparency import (
    EMPTY_ROOT,
    LogProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    roots_at,
    verify_consistency,
    verify_inclusion,
)

RFC_LEAVES = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43", bytes(range(0x50, 0x58)),
              bytes(range(0x60, 0x70))]
RFC_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
MAX_N = 33


def leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def test_the_rfc_6962_vectors_give_their_tree_heads() -> None:
    hashes = [leaf_hash(d) for d in RFC_LEAVES]
    assert root([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()
    for n in range(1, 9):
        assert root(hashes[:n]).hex() == RFC_ROOTS[n - 1]
    assert {n: r.hex() for n, r in roots_at(hashes, range(1, 9)).items()} == dict(enumerate(RFC_ROOTS, 1))


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    """A leaf's data that is two node hashes is not that node (second preimage)."""
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert leaf_hash(a + b) != node_hash(a, b)
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()


def test_roots_at_every_size_are_the_tree_heads_of_the_prefixes() -> None:
    hashes = leaves(MAX_N)
    assert roots_at(hashes, range(MAX_N + 5)) == {n: root(hashes[:n]) for n in range(MAX_N + 1)}


@pytest.mark.parametrize("n", range(1, MAX_N + 1))
def test_every_leaf_has_an_inclusion_proof_that_verifies(n: int) -> None:
    hashes = leaves(n)
    head = root(hashes)
    for i in range(n):
        proof = inclusion_proof(i, hashes)
        assert verify_inclusion(i, n, hashes[i], proof, head)


@pytest.mark.parametrize("n", range(1, MAX_N + 1))
def test_every_smaller_tree_has_a_consistency_proof_that_verifies(n: int) -> None:
    hashes = leaves(n)
    head = root(hashes)
    for m in range(n + 1):
        proof = consistency_proof(m, hashes)
        assert verify_consistency(m, n, root(hashes[:m]), head, proof), (m, n)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13])
def test_tampered_inclusion_proofs_fail(n: int) -> None:
    hashes = leaves(n)
    head = root(hashes)
    other = leaf_hash(b"not logged")
    for i in range(n):
        proof = inclusion_proof(i, hashes)
        assert not verify_inclusion(i, n, other, proof, head)  # another record
        assert not verify_inclusion(i, n, hashes[i], proof, other)  # another root
        assert not verify_inclusion(n, n, hashes[i], proof, head)  # an index past the tree
        assert not verify_inclusion(i, n, hashes[i], [*proof, other], head)  # a step too many
        for j in range(len(proof)):
            flipped = [*proof]
            flipped[j] = bytes([proof[j][0] ^ 1]) + proof[j][1:]
            assert not verify_inclusion(i, n, hashes[i], flipped, head)
            assert not verify_inclusion(i, n, hashes[i], proof[:j] + proof[j + 1:], head)  # a step dropped
        if n > 1:
            assert not any(verify_inclusion(k, n, hashes[i], proof, head) for k in range(n) if k != i)
    assert not verify_inclusion(0, 1, hashes[0], [b"short"], head)


@pytest.mark.parametrize("n", [2, 3, 5, 8, 13])
def test_tampered_consistency_proofs_fail(n: int) -> None:
    hashes = leaves(n)
    head = root(hashes)
    forged = leaf_hash(b"forged")
    for m in range(1, n):
        old = root(hashes[:m])
        proof = consistency_proof(m, hashes)
        assert not verify_consistency(m, n, forged, head, proof)
        assert not verify_consistency(m, n, old, forged, proof)
        assert not verify_consistency(n, m, head, old, proof)  # a shrinking pair
        assert not verify_consistency(m, n, old, head, [])
        assert not verify_consistency(m, n, old, head, [*proof, forged])
        for j in range(len(proof)):
            flipped = [*proof]
            flipped[j] = bytes([proof[j][0] ^ 1]) + proof[j][1:]
            assert not verify_consistency(m, n, old, head, flipped)
        # a history rewritten below m: the old root is no prefix of the new tree
        rewritten = [forged, *hashes[1:]]
        assert not verify_consistency(m, n, old, root(rewritten), consistency_proof(m, rewritten))
    assert not verify_consistency(n, n, head, forged, [])
    assert not verify_consistency(0, n, forged, head, [])


def test_proofs_outside_the_tree_are_refused() -> None:
    with pytest.raises(LogProofError):
        inclusion_proof(3, leaves(3))
    with pytest.raises(LogProofError):
        inclusion_proof(-1, leaves(3))
    with pytest.raises(LogProofError):
        consistency_proof(4, leaves(3))


def test_a_store_record_has_one_canonical_form() -> None:
    a = store_record("document", {"kind": "tender", "key": "0x01", "sha256": "0xab"})
    b = store_record("document", {"sha256": "0xab", "key": "0x01", "kind": "tender"})
    assert a == b == b'{"fields":{"key":"0x01","kind":"tender","sha256":"0xab"},"record":"document"}'
    assert leaf_hash(a) != leaf_hash(store_record("usednonce", {"key": "0x01", "kind": "tender", "sha256": "0xab"}))
    with pytest.raises(NotCanonical):
        store_record("", {})
    with pytest.raises(NotCanonical):
        store_record("document", {"n": 2**60})
