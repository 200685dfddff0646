"""LotteryBook's `drawOf` read straight from its storage, for the embedded chain.

`drawOf` is a view: on a node one eth_call runs it. On the embedded chain an eth_call is a whole
py-evm message execution, and `drawOf` copies every candidate (up to 200 storage words) into
memory and ABI-encodes them, while after the draw is opened only its first word (status,
commits, shares released, who committed) and, once it is finished, its picks can change. This
module reads the draw's words from the chain's state; the gateway keeps what cannot change once a
draw is opened (tender, section, round, k, threshold, key, parties, candidates, officers, share
hashes) and reads only the first word and the picks again. The same answer as the contract's:
`tests/agreement/test_lottery_state.py` compares both at every stage of draws and checks these
constants against the compiler's storage layout, so a change to the contract's state that is not
mirrored here fails the tests.

The storage layout is the contract's (solc `storageLayout` of contracts/LotteryBook.sol: `_draws`
slot 0; the `Draw` struct's word 0 packs the fields below, then `tenderId`, `pkX`, `pkY` and the
arrays `parties`, `candidates`, `officers`, `shareHashes`, `picks`, one word each).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils import to_checksum_address

from ledger.chain.registry_state import StorageReads, mapping_slot
from ledger.crypto.canonical import keccak
from ledger.crypto.draw_seal import point_bytes
from ledger.model.lottery import DrawStatus, OnChainDraw

DRAWS_SLOT = 0
DRAW_FIELDS = {
    "commitDeadline": (0, 64), "section": (64, 16), "round": (80, 16), "k": (96, 16), "threshold": (112, 8),
    "sharesReleased": (120, 8), "commits": (128, 16), "status": (144, 8), "committedMask": (152, 32),
    "releasedMask": (184, 16), "purpose": (200, 8),
}
"""(bit offset from the low end of word 0, bit width) of each packed member of `Draw`."""
DRAW_WORDS = {"tenderId": 1, "pkX": 2, "pkY": 3, "parties": 4, "candidates": 5, "officers": 6, "shareHashes": 7,
              "picks": 8}
"""The word of each other member of `Draw`, from the draw's first slot (arrays: their length)."""


def _field(word: int, name: str) -> int:
    offset, width = DRAW_FIELDS[name]
    return (word >> offset) & ((1 << width) - 1)


def draw_slot(draw_id: bytes) -> int:
    """The first storage slot of `_draws[draw_id]`."""
    return mapping_slot(bytes(draw_id), DRAWS_SLOT)


def array_words(reads: StorageReads, address: str, slot: int) -> list[int]:
    """The words of a dynamic array of one-word elements whose length is at `slot`."""
    length = reads.storage(address, slot)
    first = int.from_bytes(keccak(slot.to_bytes(32, "big")), "big")
    return [reads.storage(address, first + i) for i in range(length)]


@dataclass(frozen=True)
class OpenedDraw:
    """What a draw's storage holds that cannot change once it is opened."""

    tender_id: bytes
    public_key: bytes
    parties: tuple[str, ...]
    candidates: tuple[bytes, ...]
    officers: tuple[str, ...]
    share_hashes: tuple[bytes, ...]


def opened_of(reads: StorageReads, address: str, draw_id: bytes) -> OpenedDraw:
    """The parts of draw `draw_id` fixed when it was opened, read from storage."""
    base = draw_slot(draw_id)

    def word(name: str) -> int:
        return reads.storage(address, base + DRAW_WORDS[name])

    def words(name: str) -> list[int]:
        return array_words(reads, address, base + DRAW_WORDS[name])

    pkx, pky = word("pkX"), word("pkY")
    return OpenedDraw(
        tender_id=word("tenderId").to_bytes(32, "big"),
        public_key=point_bytes((pkx, pky)) if pkx or pky else b"",
        parties=tuple(to_checksum_address(w.to_bytes(20, "big")) for w in words("parties")),
        candidates=tuple(w.to_bytes(32, "big") for w in words("candidates")),
        officers=tuple(to_checksum_address(w.to_bytes(20, "big")) for w in words("officers")),
        share_hashes=tuple(w.to_bytes(32, "big") for w in words("shareHashes")),
    )


def status_word(reads: StorageReads, address: str, draw_id: bytes) -> int:
    """Word 0 of draw `draw_id`: 0 for a draw never opened."""
    return reads.storage(address, draw_slot(draw_id))


def draw_of(reads: StorageReads, address: str, draw_id: bytes, word0: int, opened: OpenedDraw) -> OnChainDraw:
    """`drawOf(draw_id)` as the contract answers it, from its word 0, its fixed parts and its picks."""
    status = DrawStatus(_field(word0, "status"))
    mask = _field(word0, "committedMask")
    picks = array_words(reads, address, draw_slot(draw_id) + DRAW_WORDS["picks"])
    return OnChainDraw(
        draw_id=bytes(draw_id), status=status, tender_id=opened.tender_id, section=_field(word0, "section"),
        round=_field(word0, "round"), k=_field(word0, "k"), threshold=_field(word0, "threshold"),
        shares_released=_field(word0, "sharesReleased"), commits=_field(word0, "commits"),
        commit_deadline=_field(word0, "commitDeadline"), public_key=opened.public_key, parties=opened.parties,
        committed=tuple((mask >> i) & 1 == 1 for i in range(len(opened.parties))),
        candidates=opened.candidates, officers=opened.officers, share_hashes=opened.share_hashes,
        picks=tuple(w.to_bytes(32, "big") for w in picks),
    )
