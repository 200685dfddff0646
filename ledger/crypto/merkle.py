"""Merkle trees over credential ids, laid out like OpenZeppelin's StandardMerkleTree.

Proofs verify on chain with OpenZeppelin `MerkleProof.verify(proof, root, leaf)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import pairwise

from ledger.crypto.canonical import PURE_CACHE_ENTRIES, keccak


class MerkleError(ValueError):
    """A tree cannot be built from the given leaves, or a proof was asked for a missing leaf."""


class DuplicateLeaf(MerkleError):
    """The same credential id (or leaf hash) was given twice; a tree holds each once."""


class UnknownLeaf(MerkleError):
    """A proof was requested for a credential id that is not in the tree."""


def leaf_of(credential_id: bytes) -> bytes:
    """The tree leaf for a credential id: keccak256(bytes.concat(keccak256(abi.encode(id))))."""
    _check_word(credential_id, "credential id")
    # abi.encode(bytes32) is the 32 bytes themselves; hashing twice stops a leaf from being
    # passed off as an inner node (second-preimage attack).
    return keccak(keccak(credential_id))


def hash_pair(a: bytes, b: bytes) -> bytes:
    """OpenZeppelin's commutative node hash: keccak256 of the two children, smaller first."""
    return keccak(a + b) if a < b else keccak(b + a)


def process_proof(leaf: bytes, proof: Iterable[bytes]) -> bytes:
    """The root a proof leads to from `leaf` (MerkleProof.processProof)."""
    node = leaf
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node


def position_of(credential_id: bytes, proof: Sequence[bytes]) -> int:
    """The credential's leaf position that `proof` gives it (MerkleProof.processProofWithPosition):
    1 followed by one bit per proof step, the first step lowest, set when the node is the greater
    hash of its pair. Distinct leaves of one tree have distinct positions; revocation by position
    (`revokeAt_Fni`) and the status rule both use it."""
    node, position = leaf_of(credential_id), 0
    for i, sibling in enumerate(proof):
        if node > sibling:
            position |= 1 << i
        node = hash_pair(node, sibling)
    return position | (1 << len(proof))


def verify_proof(root: bytes, credential_id: bytes, proof: Sequence[bytes]) -> bool:
    """True when `proof` shows `credential_id` is in the tree with `root`."""
    if len(root) != 32 or len(credential_id) != 32 or any(len(p) != 32 for p in proof):
        return False
    return _leads_to(bytes(root), bytes(credential_id), tuple(bytes(p) for p in proof))


@lru_cache(maxsize=PURE_CACHE_ENTRIES)
def _leads_to(root: bytes, credential_id: bytes, proof: tuple[bytes, ...]) -> bool:
    """`verify_proof`'s answer, remembered (pure): an audit checks each credential's proof once per bid."""
    return process_proof(leaf_of(credential_id), proof) == root


class MerkleTree:
    """A complete binary tree in an array: root at 0, children of i at 2i+1 and 2i+2.

    Leaves are sorted by hash and stored from the end of the array backwards, exactly as
    `@openzeppelin/merkle-tree` does, so roots and proofs are interchangeable with it.
    """

    __slots__ = ("_nodes", "_position")

    def __init__(self, leaves: Iterable[bytes]) -> None:
        """A tree over already-hashed 32-byte leaves; use `build` for credential ids."""
        leaf_list = list(leaves)
        for leaf in leaf_list:
            _check_word(leaf, "leaf")
        leaf_list.sort()
        if not leaf_list:
            raise MerkleError("a Merkle tree needs at least one leaf")
        for leaf, following in pairwise(leaf_list):
            if leaf == following:
                raise DuplicateLeaf(f"leaf 0x{leaf.hex()} appears more than once")

        count = len(leaf_list)
        nodes = [b""] * (count - 1) + leaf_list[::-1]
        for i in range(count - 2, -1, -1):
            nodes[i] = hash_pair(nodes[2 * i + 1], nodes[2 * i + 2])
        self._nodes: tuple[bytes, ...] = tuple(nodes)
        self._position = {leaf: len(nodes) - 1 - i for i, leaf in enumerate(leaf_list)}

    @classmethod
    def build(cls, credential_ids: Iterable[bytes]) -> MerkleTree:
        """A tree whose leaves are `leaf_of(id)` for each credential id (order is irrelevant)."""
        seen: set[bytes] = set()
        leaves = []
        for credential_id in credential_ids:
            _check_word(credential_id, "credential id")
            if credential_id in seen:
                raise DuplicateLeaf(f"credential id 0x{credential_id.hex()} appears more than once")
            seen.add(credential_id)
            leaves.append(leaf_of(credential_id))
        if not leaves:
            raise MerkleError("a Merkle tree needs at least one credential id")
        return cls(leaves)

    @property
    def root(self) -> bytes:
        return self._nodes[0]

    @property
    def nodes(self) -> tuple[bytes, ...]:
        """The whole array, as in the `tree` field of an OpenZeppelin tree dump."""
        return self._nodes

    @property
    def leaves(self) -> list[bytes]:
        """The leaf hashes in sorted order."""
        return sorted(self._position)

    def __len__(self) -> int:
        return len(self._position)

    def __contains__(self, credential_id: object) -> bool:
        return (
            isinstance(credential_id, bytes)
            and len(credential_id) == 32
            and leaf_of(credential_id) in self._position
        )

    def proof(self, credential_id: bytes) -> list[bytes]:
        """Sibling hashes from the credential's leaf up to (not including) the root."""
        _check_word(credential_id, "credential id")
        return self.leaf_proof(leaf_of(credential_id))

    def leaf_proof(self, leaf: bytes) -> list[bytes]:
        """Proof for an already-hashed leaf."""
        position = self._position.get(leaf)
        if position is None:
            raise UnknownLeaf(f"leaf 0x{leaf.hex()} is not in this tree")
        nodes = self._nodes
        proof = []
        while position > 0:
            # Odd positions are left children, so their sibling is the next one, and vice versa.
            proof.append(nodes[position + 1] if position % 2 else nodes[position - 1])
            position = (position - 1) // 2
        return proof


def _check_word(value: bytes, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != 32:
        shown = f"{len(value)} bytes" if isinstance(value, bytes) else type(value).__name__
        raise MerkleError(f"{what} must be 32 bytes, got {shown}")
