"""The ports the use cases stand on: what they need from a store, as abstract protocols.

The API implements them over SQLModel (`api/db/`); the fast tests implement them in memory
(`tests/fakes.py`). A use case never knows which.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ledger.crypto.sealing import BidPackage, OpeningKey
from ledger.model.credential import StoredCredential
from ledger.model.tender import OpenedBid, StoredTender, Tender, TenderVersionInfo
from ledger.rules.verify import Check


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
