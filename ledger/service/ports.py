"""The ports the use cases stand on: what they need from a store, as abstract protocols.

The API implements them over SQLModel (`api/db/`); the fast tests implement them in memory
(`tests/fakes.py`). A use case never knows which.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ledger.crypto.sealing import BidPackage, OpeningKey
from ledger.model.credential import StoredCredential
from ledger.model.tender import BidEligibility, OpenedBid, StoredBid, StoredTender, Tender, TenderVersionInfo
from ledger.rules.verify import Check
from ledger.tenders import TenderParams


class CredentialLookup(Protocol):
    """Anchored credentials the ledger holds the holder's copy of."""

    def credential(self, credential_id: bytes) -> StoredCredential | None:
        """The credential `credential_id`, or None if the ledger holds no copy of it."""
        ...

    def identities_bound_to(self, address: str) -> Sequence[StoredCredential]:
        """Identity credentials (营业执照) naming `address` as the firm's signing key."""
        ...

    def credit_records_of(self, uscc: str) -> Sequence[StoredCredential]:
        """Every credit record (信用) anchored about the firm `uscc`."""
        ...

    def of_subject(self, uscc: str) -> Sequence[StoredCredential]:
        """Every credential anchored about the firm `uscc`."""
        ...


class GuaranteeCheck(Protocol):
    """The check, at opening, of the e-guarantee (or commitment letter) behind one bid."""

    def __call__(self, *, tender: Tender, section: int, bidder: str, opening_key: OpeningKey | None,
                 package: BidPackage | None, record: bool) -> Check:
        ...


class TenderRecords(Protocol):
    """Tenders, their versions and the opened bids as the ledger's store holds them."""

    def stored_tender(self, tender_id: bytes) -> StoredTender | None:
        """The tender `tender_id` with its published parameters and document, or None."""
        ...

    def versions(self, tender_id: bytes) -> Sequence[TenderVersionInfo]:
        """Every published version of the tender, oldest first."""
        ...

    def openings(self, tender_id: bytes, section: int) -> Sequence[OpenedBid]:
        """Every opened bid of the section, by bidder."""
        ...

    def envelope(self, tender_id: bytes, section: int, bidder: str, commitment: bytes) -> StoredBid | None:
        """The sealed bid `bidder` uploaded under `commitment`, or None if the ledger holds none."""
        ...

    def file_tender(self, params: TenderParams, document: bytes, *, reason: str | None = None) -> None:
        """File the tender's document and parameters (and an amendment's reason) under their hashes,
        before the transaction that puts those hashes on chain."""
        ...

    def file_envelope(self, commitment: bytes, envelope: bytes, credential_set_commitment: bytes) -> None:
        """File a sealed bid and its credential-set commitment under the bid's commitment, before
        the commitment goes on chain."""
        ...

    def file_opening(self, commitment: bytes, *, reason: str, price: str | None,
                     eligibility: BidEligibility | None) -> None:
        """File the opening report of a bid under its commitment, before the opening goes on chain."""
        ...

    def catch_up(self) -> None:
        """Project every event mined so far (the records reflect the chain when this returns)."""
        ...
