"""Merkle trees over credential ids, compatible with OpenZeppelin StandardMerkleTree/MerkleProof."""

from __future__ import annotations

import random

import pytest
from eth_abi.abi import encode

from ledger.crypto.canonical import keccak
from ledger.crypto.merkle import (
    DuplicateLeaf,
    MerkleError,
    MerkleTree,
    UnknownLeaf,
    hash_pair,
    leaf_of,
    process_proof,
    verify_proof,
)


def ids(count: int, seed: int = 0) -> list[bytes]:
    rng = random.Random(seed)
    return [rng.randbytes(32) for _ in range(count)]


# Fixed vector for the contract side: credential ids bytes32(uint256(1)), (2), (3).
VECTOR_IDS = [i.to_bytes(32, "big") for i in (1, 2, 3)]
VECTOR_LEAVES = [
    "b5d9d894133a730aa651ef62d26b0ffa846233c74177a591a4a896adfda97d22",
    "1ab0c6948a275349ae45a06aad66a8bd65ac18074615d53676c09b67809099e0",
    "2584db4a68aa8b172f70bc04e2e74541617c003374de6eb4b295e823e5beab01",
]
VECTOR_ROOT = "6115218373392d12cc18a3d50ad2a53a2c99b391060070dfc0ebbbbe158ec944"
VECTOR_PROOFS = [
    ["673620737675e2755ce8269a99904022d15da8d5843f5aec205cd243ff80240a"],
    [
        "2584db4a68aa8b172f70bc04e2e74541617c003374de6eb4b295e823e5beab01",
        "b5d9d894133a730aa651ef62d26b0ffa846233c74177a591a4a896adfda97d22",
    ],
    [
        "1ab0c6948a275349ae45a06aad66a8bd65ac18074615d53676c09b67809099e0",
        "b5d9d894133a730aa651ef62d26b0ffa846233c74177a591a4a896adfda97d22",
    ],
]


def test_leaf_is_the_double_keccak_of_the_abi_encoded_id() -> None:
    credential_id = VECTOR_IDS[0]
    assert encode(["bytes32"], [credential_id]) == credential_id
    assert leaf_of(credential_id) == keccak(keccak(encode(["bytes32"], [credential_id])))


def test_node_hash_is_commutative_and_sorts_its_inputs() -> None:
    a, b = ids(2)
    assert hash_pair(a, b) == hash_pair(b, a) == keccak(min(a, b) + max(a, b))


def test_the_layout_matches_openzeppelin_merkle_tree_for_its_own_test_vector() -> None:
    # @openzeppelin/merkle-tree src/standard.test.ts: StandardMerkleTree.of([['a']..['f']],
    # ['string']) renders this root and these nodes in array order.
    leaves = [keccak(keccak(encode(["string"], [c]))) for c in "abcdef"]
    tree = MerkleTree(leaves)
    expected = [
        "6deb52b5da8fd108f79fab00341f38d2587896634c646ee52e49f845680a70c8",
        "52426e0f1f65ff7e209a13b8c29cffe82e3acaf3dad0a9b9088f3b9a61a929c3",
        "fd3cf45654e88d1cc5d663578c82c76f4b5e3826bacaa1216441443504538f51",
        "8076923e76cf01a7c048400a2304c9a9c23bbbdac3a98ea3946340fdafbba34f",
        "965b92c6cf08303cc4feb7f3e0819c436c2cec17c6f0688a6af139c9a368707c",
        "eba909cf4bb90c6922771d7f126ad0fd11dfde93f3937a196274e1ac20fd2f5b",
        "c62a8cfa41edc0ef6f6ae27a2985b7d39c7fea770787d7e104696c6e81f64848",
        "9cf5a63718145ba968a01c1d557020181c5b252f665cf7386d370eddb176517b",
        "9c15a6a0eaeed500fd9eed4cbeab71f797cefcc67bfd46683e4d2e6ff7f06d1c",
        "9a4f64e953595df82d1b4f570d34c4f4f0cfaf729a61e9d60e83e579e1aa283e",
        "19ba6c6333e0e9a15bf67523e0676e2f23eb8e574092552d5e888c64a4bb3681",
    ]
    assert [node.hex() for node in tree.nodes] == expected


def test_a_fixed_vector_of_three_credential_ids() -> None:
    tree = MerkleTree.build(VECTOR_IDS)
    assert [leaf_of(i).hex() for i in VECTOR_IDS] == VECTOR_LEAVES
    assert tree.root.hex() == VECTOR_ROOT
    assert [[p.hex() for p in tree.proof(i)] for i in VECTOR_IDS] == VECTOR_PROOFS


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_every_leaf_has_a_proof_that_verifies(size: int) -> None:
    credential_ids = ids(size, seed=size)
    tree = MerkleTree.build(credential_ids)
    assert len(tree) == size
    for credential_id in credential_ids:
        proof = tree.proof(credential_id)
        assert verify_proof(tree.root, credential_id, proof)
        assert process_proof(leaf_of(credential_id), proof) == tree.root
        assert credential_id in tree


def test_a_single_leaf_is_its_own_root_with_an_empty_proof() -> None:
    (credential_id,) = ids(1)
    tree = MerkleTree.build([credential_id])
    assert tree.root == leaf_of(credential_id)
    assert tree.proof(credential_id) == []
    assert verify_proof(tree.root, credential_id, [])


def test_the_root_does_not_depend_on_input_order() -> None:
    credential_ids = ids(37)
    shuffled = list(credential_ids)
    random.Random(1).shuffle(shuffled)
    assert MerkleTree.build(credential_ids).root == MerkleTree.build(shuffled).root


def test_a_credential_not_in_the_tree_fails_every_proof() -> None:
    credential_ids = ids(7)
    outsider = ids(1, seed=99)[0]
    tree = MerkleTree.build(credential_ids)
    assert outsider not in tree
    for credential_id in credential_ids:
        assert not verify_proof(tree.root, outsider, tree.proof(credential_id))
    with pytest.raises(UnknownLeaf, match="is not in this tree"):
        tree.proof(outsider)


def test_a_proof_for_another_leaf_or_a_tampered_proof_fails() -> None:
    credential_ids = ids(7)
    tree = MerkleTree.build(credential_ids)
    first, second = credential_ids[:2]
    assert not verify_proof(tree.root, first, tree.proof(second))

    proof = tree.proof(first)
    for i in range(len(proof)):
        tampered = list(proof)
        tampered[i] = bytes([proof[i][0] ^ 1]) + proof[i][1:]
        assert not verify_proof(tree.root, first, tampered)
    assert not verify_proof(tree.root, first, proof[:-1])
    assert not verify_proof(tree.root, first, [*proof, proof[0]])
    other_root = MerkleTree.build(ids(7, seed=5)).root
    assert not verify_proof(other_root, first, proof)


def test_an_inner_node_cannot_pose_as_a_credential() -> None:
    # Double hashing the leaf means an inner node's preimage is never a valid leaf input.
    tree = MerkleTree.build(ids(4))
    inner = tree.nodes[1]
    assert not verify_proof(tree.root, inner, [tree.nodes[2]])


def test_malformed_inputs_to_verify_return_false() -> None:
    tree = MerkleTree.build(ids(3))
    credential_id = ids(3)[0]
    assert not verify_proof(tree.root[:31], credential_id, tree.proof(credential_id))
    assert not verify_proof(tree.root, credential_id[:31], [])
    assert not verify_proof(tree.root, credential_id, [b"\x00" * 31])


def test_duplicate_credential_ids_are_rejected_by_name() -> None:
    credential_ids = ids(3)
    with pytest.raises(DuplicateLeaf, match=f"0x{credential_ids[1].hex()} appears more than once"):
        MerkleTree.build([*credential_ids, credential_ids[1]])
    with pytest.raises(DuplicateLeaf, match="appears more than once"):
        MerkleTree([leaf_of(credential_ids[0])] * 2)


def test_empty_trees_and_wrong_sized_ids_are_rejected() -> None:
    with pytest.raises(MerkleError, match="at least one"):
        MerkleTree.build([])
    with pytest.raises(MerkleError, match="at least one"):
        MerkleTree([])
    with pytest.raises(MerkleError, match="must be 32 bytes, got 20 bytes"):
        MerkleTree.build([b"\x01" * 20])
    with pytest.raises(MerkleError, match="must be 32 bytes, got str"):
        MerkleTree.build(["0x" + "00" * 32])  # type: ignore[list-item]


def test_a_tree_of_three_thousand_leaves_proves_every_one_of_them() -> None:
    # Its build and proof time is a figure of `tender-ledger bench registry`.
    credential_ids = ids(3000)
    tree = MerkleTree.build(credential_ids)
    proofs = [tree.proof(credential_id) for credential_id in credential_ids]
    assert len(tree) == 3000
    pairs = zip(credential_ids, proofs, strict=True)
    assert all(verify_proof(tree.root, credential_id, proof) for credential_id, proof in pairs)
    assert {len(proof) for proof in proofs} <= {11, 12}  # ⌈log2 3000⌉ = 12
    assert not verify_proof(tree.root, credential_ids[0], proofs[1])
