"""The store's append-only log as an RFC 6962 / RFC 9162 Merkle tree (Certificate Transparency).

    leaf hash  = SHA-256(0x00 || record)          (record: `canonical.store_record`'s bytes)
    node hash  = SHA-256(0x01 || left || right)
    MTH(D[n])  = SHA-256("") for n = 0; the leaf hash for n = 1; else, with k the largest power of
                 two below n, node(MTH(D[0:k]), MTH(D[k:n]))

SHA-256, as RFC 6962 has it, not the ledger's usual Keccak: the chain never recomputes a node (the
checkpoint contract keeps a root as an opaque 32-byte word), so Keccak would buy nothing, while
SHA-256 makes every root and proof checkable by any RFC 6962 tool (transparency-dev/merkle,
certificate-transparency-go) and by the RFC's own test vectors. The 0x00 / 0x01 prefixes keep a
leaf from passing for an inner node (second-preimage).

Inclusion and consistency proofs are RFC 9162 §2.1.3 and §2.1.4, their verifiers §2.1.3.2 and
§2.1.4.2 step by step. The functions take leaf *hashes*: `leaf_hash` is the one way to make one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class LogProofError(ValueError):
    """A proof was asked for outside the tree (an index past its size, a size past the log)."""


def leaf_hash(record: bytes) -> bytes:
    """The hash of one log entry: SHA-256(0x00 || record)."""
    return hashlib.sha256(b"\x00" + bytes(record)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """An inner node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH of the tree whose leaf hashes are `leaves` (RFC 9162 §2.1.1)."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def roots_at(leaves: Iterable[bytes], sizes: Iterable[int]) -> dict[int, bytes]:
    """The tree head at each of `sizes`, in one pass over the leaves (a compact range: the roots of
    the perfect subtrees the prefix splits into, folded right to left). A size past the leaves
    given is left out of the answer."""
    wanted = sorted(set(sizes))
    out: dict[int, bytes] = {}
    if wanted and wanted[0] == 0:
        out[0] = EMPTY_ROOT
    stack: list[tuple[int, bytes]] = []  # (height, hash) of perfect subtrees, left to right
    pending = [s for s in wanted if s > 0]
    cursor = 0
    for size, leaf in enumerate(leaves, 1):
        if cursor == len(pending):
            break
        height, node = 0, leaf
        while stack and stack[-1][0] == height:
            node = node_hash(stack.pop()[1], node)
            height += 1
        stack.append((height, node))
        if size == pending[cursor]:
            head = stack[-1][1]
            for _, left in reversed(stack[:-1]):
                head = node_hash(left, head)
            out[size] = head
            cursor += 1
    return out


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]) for the tree of `leaves` (RFC 9162 §2.1.3.1)."""
    n = len(leaves)
    if not 0 <= index < n:
        raise LogProofError(f"leaf {index} is not in a tree of {n} leaves")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*inclusion_proof(index, leaves[:k]), root(leaves[k:])]
    return [*inclusion_proof(index - k, leaves[k:]), root(leaves[:k])]


def consistency_proof(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(first, D[n]) that the tree of the first `first` leaves is a prefix of the tree of
    `leaves` (RFC 9162 §2.1.4.1); empty for first = 0 or first = n."""
    n = len(leaves)
    if not 0 <= first <= n:
        raise LogProofError(f"a tree of {first} leaves is not a prefix of one of {n}")
    if first == 0:
        return []
    return _subproof(first, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


def _words(values: Iterable[bytes]) -> bool:
    return all(isinstance(v, bytes | bytearray) and len(v) == HASH_SIZE for v in values)


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes) -> bool:
    """Whether `proof` puts leaf hash `leaf` at `index` of the tree of `size` leaves whose root is
    `expected_root` (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size or not _words([leaf, expected_root, *proof]):
        return False
    fn, sn, r = index, size - 1, bytes(leaf)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """Whether `proof` shows the tree of `first` leaves with root `first_root` is a prefix of the
    tree of `second` leaves with root `second_root` (RFC 9162 §2.1.4.2; equal sizes need equal
    roots and an empty proof, and the empty tree is a prefix of every tree)."""
    if not 0 <= first <= second or not _words([first_root, second_root, *proof]):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the old root is the first node
        path.insert(0, bytes(first_root))
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
