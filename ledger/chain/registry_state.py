"""CredentialRegistry's status rule read straight from its storage, for the embedded chain.

`statusAt` is a view: on a node one eth_call runs it. On the embedded chain an eth_call is a whole
py-evm message execution (ABI decoding, the Merkle proof in EVM keccak, ~800 opcodes, ~10 ms),
while the answer depends on three storage words. This module reads those words from the chain's
state and applies the contract's `_statusAt` rule in Python — the same rule, so it is tested
against the contract on every path (`tests/agreement/test_registry_state.py`): anchored or not
(and not before `anchoredAt`), in the batch or not (the proof), revoked, superseded, suspended
in a period begun by `t` and not yet ended, else valid. Revocations are stamped bitmap words per
batch, by leaf position (`position_of`): the word `layer` of region `position // 176` holds the
positions it revoked in bits 0..175, their time in bits 176..239 and their reason in 240..255;
a region's layers run from 0 to the first zero word.

The storage layout is the contract's (solc `storageLayout` of contracts/CredentialRegistry.sol:
`_anchors` slot 3, `_records` slot 4, `_suspensions` slot 5, `_revocations` slot 7; each struct one
word);
`tests/agreement/test_registry_state.py` recompiles the contract with that output and checks these
constants, so a change to the contract's state that is not mirrored here fails the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

from ledger.crypto.canonical import PURE_CACHE_ENTRIES, keccak
from ledger.crypto.merkle import hash_pair, leaf_of, position_of
from ledger.model.credential import Status

ANCHORS_SLOT = 3
RECORDS_SLOT = 4
SUSPENSIONS_SLOT = 5
REVOCATIONS_SLOT = 7
REGION = 176
"""Leaf positions per revocation word (the rest of the word is the time and the reason)."""
ANCHOR_FIELDS = {"issuer": (0, 160), "kind": (160, 8), "anchoredAt": (168, 64)}
RECORD_FIELDS = {"supersededAt": (0, 64), "suspensions": (64, 8), "suspended": (72, 8)}
SUSPENSION_FIELDS = {"suspendedAt": (0, 64), "reinstatedAt": (64, 64), "reason": (128, 16)}
REVOCATION_FIELDS = {"positions": (0, REGION), "revokedAt": (REGION, 64), "reason": (240, 16)}
"""(bit offset from the low end of the word, bit width) of each struct member."""


class StorageReads(Protocol):
    def storage(self, address: str, slot: int, block: str = "latest") -> int: ...


def _field(word: int, fields: dict[str, tuple[int, int]], name: str) -> int:
    offset, width = fields[name]
    return (word >> offset) & ((1 << width) - 1)


@lru_cache(maxsize=PURE_CACHE_ENTRIES)
def mapping_slot(key: bytes, slot: int) -> int:
    """The storage slot of `mapping[key]` for a mapping declared at `slot` (bytes32 keys)."""
    return int.from_bytes(keccak(key + slot.to_bytes(32, "big")), "big")


@lru_cache(maxsize=PURE_CACHE_ENTRIES)
def status_key(root: bytes, credential_id: bytes) -> bytes:
    """CredentialHash.statusKey: keccak256(root ‖ credentialId)."""
    return keccak(root + credential_id)


@lru_cache(maxsize=PURE_CACHE_ENTRIES)
def revocation_key(root: bytes, region: int, layer: int) -> bytes:
    """CredentialHash.revocationKey: keccak256(root ‖ region ‖ layer)."""
    return keccak(root + region.to_bytes(32, "big") + layer.to_bytes(32, "big"))


def first_slots(root: bytes, credential_id: bytes, proof: Sequence[bytes]) -> list[int]:
    """The storage slots `status_at` reads first for `credential_id` under `root`: the anchor, the
    first revocation layer of its region and its record. Only a revoked region's later layers and a
    suspended credential's periods are read beyond these, so a reader that fetches these words in
    one batch (an audit through a node) leaves few single reads."""
    region = position_of(credential_id, list(proof)) // REGION
    return [mapping_slot(root, ANCHORS_SLOT),
            mapping_slot(revocation_key(root, region, 0), REVOCATIONS_SLOT),
            mapping_slot(status_key(root, credential_id), RECORDS_SLOT)]


def revocation_of(reads: StorageReads, registry: str, root: bytes, position: int) -> tuple[int, int]:
    """(revokedAt, reason) of the credential at leaf `position` of `root`, (0, 0) if it was not revoked:
    the region's layers in order, up to the first zero word (`_revocationOf`)."""
    region, bit = divmod(position, REGION)
    layer = 0
    while True:
        word = reads.storage(registry, mapping_slot(revocation_key(root, region, layer), REVOCATIONS_SLOT))
        if word == 0:
            return 0, 0
        if word >> bit & 1:
            return _field(word, REVOCATION_FIELDS, "revokedAt"), _field(word, REVOCATION_FIELDS, "reason")
        layer += 1


def revoked_in_word(region: int, word: int) -> tuple[list[int], int, int]:
    """The leaf positions a revocation word (a `RevokedAt` log's `word`, or a layer of region
    `region` in storage) revokes, ascending, with its time and reason code."""
    bits = _field(word, REVOCATION_FIELDS, "positions")
    positions = [region * REGION + i for i in range(REGION) if bits >> i & 1]
    return positions, _field(word, REVOCATION_FIELDS, "revokedAt"), _field(word, REVOCATION_FIELDS, "reason")


def status_at(reads: StorageReads, registry: str, root: bytes, credential_id: bytes, proof: Sequence[bytes],
              t: int) -> tuple[Status, int]:
    """(status, reason code) of `credential_id` under `root` at `t`, as `statusAt` answers it."""
    anchor = reads.storage(registry, mapping_slot(root, ANCHORS_SLOT))
    if _field(anchor, ANCHOR_FIELDS, "issuer") == 0 or _field(anchor, ANCHOR_FIELDS, "anchoredAt") > t:
        return Status.NOT_ANCHORED, 0
    if not _proves(root, credential_id, proof):
        return Status.NOT_ANCHORED, 0
    revoked, reason = revocation_of(reads, registry, root, position_of(credential_id, proof))
    if revoked != 0 and revoked <= t:
        return Status.REVOKED, reason
    key = status_key(root, credential_id)
    record = reads.storage(registry, mapping_slot(key, RECORDS_SLOT))
    superseded = _field(record, RECORD_FIELDS, "supersededAt")
    if superseded != 0 and superseded <= t:
        return Status.SUPERSEDED, 0
    base = mapping_slot(key, SUSPENSIONS_SLOT)
    for i in range(_field(record, RECORD_FIELDS, "suspensions"), 0, -1):
        period = reads.storage(registry, base + i - 1)
        if _field(period, SUSPENSION_FIELDS, "suspendedAt") <= t:
            reinstated = _field(period, SUSPENSION_FIELDS, "reinstatedAt")
            if reinstated == 0 or reinstated > t:
                return Status.SUSPENDED, _field(period, SUSPENSION_FIELDS, "reason")
            break
    return Status.VALID, 0


def _proves(root: bytes, credential_id: bytes, proof: Sequence[bytes]) -> bool:
    return _proves_path(root, credential_id, tuple(proof))


@lru_cache(maxsize=PURE_CACHE_ENTRIES)
def _proves_path(root: bytes, credential_id: bytes, proof: tuple[bytes, ...]) -> bool:
    """Whether `proof` puts `credential_id` in `root` (pure: remembered, as a status is read per bid)."""
    if len(root) != 32 or len(credential_id) != 32 or any(len(p) != 32 for p in proof):
        return False
    node = leaf_of(credential_id)
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node == root


def anchor_of(reads: StorageReads, registry: str, root: bytes) -> tuple[int, int, int]:
    """(issuer as an integer, kind, anchoredAt) of `root`, as `anchorOf` answers it (issuer 0: none)."""
    word = reads.storage(registry, mapping_slot(root, ANCHORS_SLOT))
    return (_field(word, ANCHOR_FIELDS, "issuer"), _field(word, ANCHOR_FIELDS, "kind"),
            _field(word, ANCHOR_FIELDS, "anchoredAt"))
