"""A published tender as the chain holds it, and the states of its bids and sections."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from ledger.model.receipt import Mined
from ledger.tenders import TenderParams


class Outcome(IntEnum):
    """What opening one bid came to (the contract's `Outcome`)."""

    DECRYPTED = 0
    FAILED_BIDDER = 1  # 撤销: the bidder caused it; its guarantee may be claimed
    FAILED_OTHER = 2  # 撤回: any other cause; no penalty


class SectionStatus(IntEnum):
    """Where a section stands after its deadline (the contract's `SectionStatus`)."""

    PENDING = 0
    CLOSED = 1
    FAILED = 2  # 流标
    EVALUATED = 3


@dataclass(frozen=True)
class Tender:
    """A published tender: its parameters and every value the chain fixed for it."""

    tender_id: bytes
    params: TenderParams
    doc_hash: bytes
    deadline: int
    opening_public: bytes
    officers: tuple[str, ...]
    threshold: int
    share_hashes: tuple[bytes, ...]
    mined: Mined
