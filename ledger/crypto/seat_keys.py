"""Per-tender seat keys: who sits on a committee stays secret until the result (招标投标法 Art. 37).

An expert (or a selection-committee member) does not act on chain with the key the pool knows it
by: anything that key signed before the result would tell everyone who sits. It acts with a
**seat key** derived from its own key, the tender, the section and the committee, which nobody
can link to it:

    seat key = (keccak256("TenderLedger.SeatKey.v1" ‖ member private key ‖ tender id ‖
                          uint16 section ‖ uint8 kind) mod (n − 1)) + 1

(n the secp256k1 group order), the sibling of the bid key (`ledger.crypto.bid_keys`) with its own
tag. The centre seats the committee by these keys, each with a **seat link** committing to the
pool member who holds it:

    seatLink = keccak256(abi.encode(bytes32 tenderId, uint16 section, uint8 kind, address seat,
                                    address member, bytes32 salt))

and opens the links after the decision (`SelectionBook.revealCommittee`), when the contract checks
that each opens to a pool member the committee's draw picked, none twice, none excluded.
"""

from __future__ import annotations

from eth_abi.abi import encode as abi_encode
from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.crypto.bid_keys import SECP256K1_N
from ledger.crypto.canonical import keccak
from ledger.errors import ValidationFailed
from ledger.values import address

SEAT_KEY_TAG = b"TenderLedger.SeatKey.v1"
EVALUATION, SELECTION = 0, 1
KINDS = (EVALUATION, SELECTION)


def _check(tender_id: bytes, section: int, kind: int) -> None:
    if len(tender_id) != 32:
        raise ValidationFailed("a tender id is 32 bytes")
    if not 0 <= section < 2**16:
        raise ValidationFailed(f"the section must be in 0..65535, got {section}")
    if kind not in KINDS:
        raise ValidationFailed(f"a committee kind is 0 (evaluation) or 1 (selection), got {kind}")


def derive_seat_key(member: LocalAccount, tender_id: bytes, section: int, kind: int) -> LocalAccount:
    """The member's seat key on committee `kind` of the section: deterministic, unlinkable."""
    _check(tender_id, section, kind)
    material = SEAT_KEY_TAG + bytes(member.key) + tender_id + section.to_bytes(2, "big") + bytes([kind])
    seed = int.from_bytes(keccak(material), "big")
    key: LocalAccount = Account.from_key(((seed % (SECP256K1_N - 1)) + 1).to_bytes(32, "big"))
    return key


def seat_link(*, tender_id: bytes, section: int, kind: int, seat: str, member: str, salt: bytes) -> bytes:
    """keccak256(abi.encode(bytes32 tenderId, uint16 section, uint8 kind, address seat,
    address member, bytes32 salt)): hides which pool member holds `seat`."""
    _check(tender_id, section, kind)
    if len(salt) != 32:
        raise ValidationFailed("a salt is 32 bytes")
    return keccak(abi_encode(
        ["bytes32", "uint16", "uint8", "address", "address", "bytes32"],
        [tender_id, section, kind, address(seat, "the seat"), address(member, "the member"), salt],
    ))
