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
    """Anchored credentials the ledger holds the holder's copy of, each proven against the chain:
    its document hashes to its id, its proof puts the id in an anchored root, the root's anchor is
    the document's issuer and kind; subject and signing address are the verified document's, and
    issuer, kind and anchoring time are its root's anchor as read from the chain. A copy or row that disagrees raises StoreMismatch; so does a lookup
    by absence while some anchored batch lacks its documents (`ledger.service.proven`)."""

    def credential(self, credential_id: bytes) -> StoredCredential | None:
        """The credential `credential_id`, or None if no batch the ledger holds documents of has it."""
        ...

    def check_complete(self) -> None:
        """StoreMismatch unless the ledger holds the documents of every batch anchored on chain (so
        that `credential` returning None means the id is not anchored)."""
        ...

    def identities_bound_to(self, address: str) -> Sequence[StoredCredential]:
        """Identity credentials (营业执照) naming `address` as the firm's signing key."""
        ...

    def credit_records_of(self, uscc: str) -> Sequence[StoredCredential]:
        """Every credit record (信用) anchored about the firm `uscc`."""
        ...

    def identities_of(self, uscc: str) -> Sequence[StoredCredential]:
        """Every identity credential (营业执照) anchored about the firm `uscc`: its keys, old and new."""
        ...

    def of_subject(self, uscc: str) -> Sequence[StoredCredential]:
        """Every credential anchored about the firm `uscc`."""
        ...


class GuaranteeCheck(Protocol):
    """The check, at opening, of the e-guarantee (or commitment letter) behind one bid."""

    def __call__(self, *, tender: Tender, section: int, bidder: str, opening_key: OpeningKey | None,
                 package: BidPackage | None, record: bool, firm: str | None = None) -> Check:
        """`firm`: the firm (USCC) the opened bid proves to be, when known; a guarantee or letter of
        another firm does not back the bid."""
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

    def file_envelope(self, commitment: bytes, envelope: bytes, credential_set_commitment: bytes, *,
                      receipt: bytes) -> None:
        """File a sealed bid, its credential-set commitment and the centre's signed receipt of it
        under the bid's commitment, before the commitment goes on chain."""
        ...

    def receipt(self, commitment: bytes) -> bytes | None:
        """The centre's receipt of the envelope filed under `commitment`, or None."""
        ...

    def file_opening(self, commitment: bytes, *, reason: str, price: str | None,
                     eligibility: BidEligibility | None, receipt: bytes) -> None:
        """File the opening report of a bid and the centre's receipt of it under the bid's commitment,
        before the opening goes on chain."""
        ...

    def opening_receipt(self, commitment: bytes) -> bytes | None:
        """The centre's receipt of the opening report filed under `commitment`, or None."""
        ...

    def catch_up(self) -> None:
        """Project every event mined so far (the records reflect the chain when this returns)."""
        ...
