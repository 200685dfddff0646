"""SelectionBook's `seatOf` and `voteOf` read straight from its storage, for the embedded chain.

The service reads every seat of a committee and every seat's vote after each step (about 250 of
these views in one 评定分离 run). On a node each is one eth_call; on the embedded chain each is a
whole py-evm message execution, while the answer is a few storage words. This module reads those
words and applies the views' own logic in Python (the seat's draw falls back to its committee's; a
vote counts as committed only for an active seat whose bit is set in the round's mask, and as
revealed only once committed). `tests/agreement/test_selection_state.py` compares both with the
contract's views over a whole run and checks these constants against the compiler's storage
layout, so a change to the contract's state that is not mirrored here fails the tests.

The storage layout is the contract's (solc `storageLayout` of contracts/SelectionBook.sol:
`_committees` slot 8, `_seats` slot 9, `_rounds` slot 14, `_votes` slot 16).
"""

from __future__ import annotations

from eth_abi import encode

from ledger.chain.registry_state import StorageReads
from ledger.crypto.canonical import keccak

COMMITTEES_SLOT = 8
SEATS_SLOT = 9
ROUNDS_SLOT = 14
VOTES_SLOT = 16
COMMITTEE_DRAW_WORD = 1
"""The word of `Committee.drawId` from the committee's first slot."""
SEAT_FIELDS = {"state": (0, 8), "index": (8, 8), "expert": (16, 160)}
SEAT_WORDS = {"link": 1, "drawId": 2}
ROUND_FIELDS = {"committed": (144, 32), "revealed": (176, 32)}
"""(bit offset from the low end of the first word, bit width) of the members read."""
ACTIVE, REPLACED = 1, 2  # SeatState
SELECTION = 1  # CommitteeKind.SELECTION
MAX_KIND = 1


def _field(word: int, fields: dict[str, tuple[int, int]], name: str) -> int:
    offset, width = fields[name]
    return (word >> offset) & ((1 << width) - 1)


def _slot(key: bytes, slot: int) -> int:
    """The slot of `mapping[key]` for a mapping at `slot` (`key` already one ABI word)."""
    return int.from_bytes(keccak(key + slot.to_bytes(32, "big")), "big")


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def section_key(tender_id: bytes, section: int) -> bytes:
    """SelectionBook._sectionKey: keccak256(abi.encode(tenderId, section))."""
    return keccak(encode(["bytes32", "uint16"], [tender_id, section]))


def committee_key(tender_id: bytes, section: int, kind: int) -> bytes:
    """SelectionBook._committeeKey: keccak256(abi.encode(tenderId, section, kind)) (kind ≤ 1)."""
    return keccak(encode(["bytes32", "uint16", "uint8"], [tender_id, section, kind]))


def _seat_slot(ck: bytes, seat: str) -> int:
    return _slot(_word(int(seat, 16)), _slot(ck, SEATS_SLOT))


def seat_of(reads: StorageReads, address: str, tender_id: bytes, section: int, kind: int, seat: str
            ) -> tuple[int, int, bytes, bytes, int]:
    """`seatOf(tenderId, section, kind, seat)`: (state, index, link, drawId, expert as a number)."""
    if kind > MAX_KIND:
        raise ValueError(f"committee kind {kind} does not exist")  # the contract reverts: callers ask it
    ck = committee_key(tender_id, section, kind)
    base = _seat_slot(ck, seat)
    word0 = reads.storage(address, base)
    state = _field(word0, SEAT_FIELDS, "state")
    link = reads.storage(address, base + SEAT_WORDS["link"])
    draw = reads.storage(address, base + SEAT_WORDS["drawId"])
    if draw == 0 and state != 0:
        draw = reads.storage(address, _slot(ck, COMMITTEES_SLOT) + COMMITTEE_DRAW_WORD)
    return state, _field(word0, SEAT_FIELDS, "index"), _word(link), _word(draw), _field(word0, SEAT_FIELDS, "expert")


def vote_of(reads: StorageReads, address: str, tender_id: bytes, section: int, round: int, seat: str
            ) -> tuple[bool, bool, bytes, int]:
    """`voteOf(tenderId, section, round, seat)`: (committed, revealed, commitment, candidate as a number)."""
    seat_word = reads.storage(address, _seat_slot(committee_key(tender_id, section, SELECTION), seat))
    state = _field(seat_word, SEAT_FIELDS, "state")
    if state not in (ACTIVE, REPLACED):
        return False, False, bytes(32), 0
    sk = section_key(tender_id, section)
    round_word = reads.storage(address, _slot(_word(round), _slot(sk, ROUNDS_SLOT)))
    word = reads.storage(address, _slot(_word(int(seat, 16)), _slot(_word(round), _slot(sk, VOTES_SLOT))))
    bit = (1 << _field(seat_word, SEAT_FIELDS, "index")) & 0xFFFFFFFF  # uint32(1) << index
    committed = state == ACTIVE and _field(round_word, ROUND_FIELDS, "committed") & bit != 0
    revealed = committed and _field(round_word, ROUND_FIELDS, "revealed") & bit != 0
    if revealed:
        return True, True, bytes(32), word & ((1 << 160) - 1)
    return committed, False, _word(word) if committed else bytes(32), 0
