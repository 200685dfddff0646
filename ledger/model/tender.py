"""A published tender as the chain holds it, and the states of its bids and sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

from ledger.crypto.sealing import BidPackage
from ledger.model.receipt import Mined
from ledger.rules.verify import Check
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
    """A published tender: its parameters and every value the chain fixed for it. `issued_at` is
    the block time of its publication; `deadline` the one in force on chain (the parameters'
    deadline, or later when an amendment postponed it)."""

    tender_id: bytes
    params: TenderParams
    doc_hash: bytes
    deadline: int
    opening_public: bytes
    officers: tuple[str, ...]
    threshold: int
    share_hashes: tuple[bytes, ...]
    mined: Mined
    issued_at: int


@dataclass(frozen=True)
class TenderTerms:
    """The contract's `TenderParams`: everything TenderBook fixes for a tender at publication."""

    doc_hash: bytes
    params_hash: bytes
    section_count: int
    deadline: int
    opening_window: int
    min_valid_bids: int
    opening_public: bytes
    threshold: int
    share_hashes: tuple[bytes, ...]
    officers: tuple[str, ...]
    selection: int  # the selection method's word (`ledger.rules.selection.selection_code`)

    def as_struct(self) -> tuple[object, ...]:
        return (self.doc_hash, self.params_hash, self.section_count, self.deadline, self.opening_window,
                self.min_valid_bids, self.selection, self.opening_public, self.threshold, list(self.share_hashes),
                list(self.officers))


@dataclass(frozen=True)
class OnChainTender:
    """`tenderOf`: the publishing centre, the current version, when it was issued and its terms."""

    tender_id: bytes
    centre: str
    version: int
    issued_at: int
    terms: TenderTerms


@dataclass(frozen=True)
class TenderHeader:
    """`tenderHeader`: the lean view of a tender (centre, deadline, sections, threshold, shares
    released) and its index, its place in the order of publication from 1 (0 if unknown), which
    GuaranteeBook keeps in place of the tender id."""

    tender_id: bytes
    centre: str
    deadline: int
    section_count: int
    threshold: int
    shares_released: int
    index: int = 0


@dataclass(frozen=True)
class BidState:
    """`bidOf`: a bidder's live commitment in a section (zero when none), its version and opening."""

    commitment: bytes
    version: int
    opened: bool
    outcome: Outcome
    price_fen: int = 0  # the price the opening recorded for a decrypted bid, in 分 (0 otherwise)

    @property
    def live(self) -> bool:
        return self.commitment != b"\x00" * 32


@dataclass(frozen=True)
class SectionState:
    """`sectionOf`: a section's status and counts, and the hash of its latest evaluation report."""

    status: SectionStatus
    bids: int
    opened: int
    decrypted: int
    valid_bids: int
    evaluations: int
    report_hash: bytes


@dataclass(frozen=True)
class Opening:
    """The result of one decryption attempt and the cause when it failed. `envelope_hash` and
    `credential_set_commitment` are what the attempt is recorded with on chain: they rebuild the
    bid's commitment (both empty for a 撤回 where the platform holds nothing the bidder committed to)."""

    bidder: str
    section: int
    outcome: Outcome
    reason: str
    envelope_hash: bytes
    package: BidPackage | None = field(default=None, repr=False)
    credential_set_commitment: bytes = b""

    @property
    def credential_ids(self) -> list[bytes]:
        return sorted(self.package.credential_ids) if self.package else []


@dataclass(frozen=True)
class RecordedFailure:
    """A failed opening as TenderBook logged it (DecryptionFailed): the outcome, and the ciphertext
    hash and credential-set commitment the contract proved against the bid's commitment (both 0
    for a 撤回 recorded without the ciphertext)."""

    tender_id: bytes
    section: int
    bidder: str
    outcome: Outcome
    ciphertext_hash: bytes
    credential_set_commitment: bytes
    block_number: int

    @property
    def proven(self) -> bool:
        return self.ciphertext_hash != b"\x00" * 32 or self.credential_set_commitment != b"\x00" * 32


@dataclass(frozen=True)
class FailedOpening:
    """A recorded failed opening as anyone may check it: what the chain recorded, the bid's
    commitment, the envelope filed under it (None unless it hashes to the recorded ciphertext
    hash), and the opening rule rerun on it with the shares released on chain (None without
    the envelope)."""

    recorded: RecordedFailure
    commitment: bytes
    envelope: bytes | None
    rerun: Opening | None


@dataclass(frozen=True)
class TenderVersionInfo:
    """One published version of a tender: the first or an amendment, with its reason. `deadline` is
    the one the chain put in force with this version."""

    version: int
    reason: str
    params: TenderParams
    doc_hash: bytes
    deadline: int
    tx_hash: bytes
    published_at: datetime

    @property
    def requested_deadline(self) -> int:
        """The deadline this version's parameters ask for."""
        return int(self.params.deadline.timestamp())

    @property
    def postponed(self) -> bool:
        """The amendment came less than MIN_AMENDMENT_NOTICE (15 days) before the deadline it asked
        for, so TenderBook put a later one in force (招标投标法 Art. 23)."""
        return self.deadline > self.requested_deadline


@dataclass(frozen=True)
class LoggedVersion:
    """One version of a tender as TenderBook logged it: its parameter and document hashes, deadline,
    and (for an amendment) the hash of its reason."""

    version: int
    params_hash: bytes
    doc_hash: bytes
    deadline: int
    reason_hash: bytes | None
    tx_hash: bytes


@dataclass(frozen=True)
class StoredTender:
    """A tender as the ledger holds it: the published parameters, document and version, and where."""

    tender: Tender
    document: bytes
    version: int
    published_at: datetime


@dataclass(frozen=True)
class StoredBid:
    """A live sealed bid: its on-chain commitment and the envelope the bidder uploaded for it."""

    tender_id: bytes
    section: int
    bidder: str
    commitment: bytes
    version: int
    envelope: bytes | None
    envelope_hash: bytes | None
    uploaded_at: datetime | None
    opened: bool = False
    credential_set_commitment: bytes | None = None  # filed with the envelope; with it rebuilds the commitment


@dataclass(frozen=True)
class BidEligibility:
    """资格审查 of one opened bid: the firm (when known), every check and whether it passed."""

    firm: str | None
    eligible: bool
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class OpenedBid:
    """What opening one bid came to: the outcome, the price and credentials revealed, eligibility."""

    bidder: str
    outcome: Outcome
    reason: str
    price: str | None
    credential_ids: tuple[bytes, ...]
    eligibility: BidEligibility | None  # None unless decrypted

    @property
    def eligible(self) -> bool:
        return self.eligibility is not None and self.eligibility.eligible


@dataclass(frozen=True)
class SectionOpening:
    """A section opened and closed: its status, how many bids were valid, and every bid."""

    tender_id: bytes
    section: int
    status: SectionStatus
    valid_bids: int
    bids: tuple[OpenedBid, ...]


@dataclass(frozen=True)
class SectionResults:
    """The opened bids a viewer may see, and whether the section's evaluation is public."""

    tender_id: bytes
    section: int
    status: SectionStatus
    public: bool
    bids: tuple[OpenedBid, ...]


@dataclass(frozen=True)
class TenderDetails:
    """A tender as served: what the ledger holds of it and what TenderBook holds (`tenderOf`), on which chain."""

    stored: StoredTender
    on_chain: OnChainTender
    chain_id: int
    book: str


@dataclass(frozen=True)
class SubmittedBid:
    """A sealed bid accepted and its bidder-signed commitment mined, with the firm behind the key
    when the key is a firm's own (None for a per-tender bid key: its firm is known from opening)."""

    tender_id: bytes
    section: int
    bidder: str
    firm: str | None
    commitment: bytes
    envelope_hash: bytes
    mined: Mined


@dataclass(frozen=True)
class RelayedCall:
    """A party's own signed transaction, relayed: which function it called and where it was mined."""

    function: str
    mined: Mined


@dataclass(frozen=True)
class PublishedEvaluation:
    """An evaluation report anchored for a section: its hash on chain."""

    tender_id: bytes
    section: int
    report_hash: bytes
    mined: Mined
