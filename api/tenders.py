"""Former names of the tender helpers, for api/guarantees.py until it calls `ledger.service.tenders`
(`TenderService.tender`, `require_centre`, `identity_of`, `credit_standing`) itself."""

from __future__ import annotations

from api.db.journal import Store
from api.deps import tender_service
from api.routes.tenders import tender_key
from ledger.model.tender import StoredTender, Tender
from ledger.rules.credit import CreditStanding


def _tender(store: Store, tender_id: str) -> StoredTender:
    return tender_service(store).stored(tender_key(tender_id))


def published(stored: StoredTender) -> Tender:
    return stored.tender


def require_centre(store: Store, signer: str) -> None:
    tender_service(store).require_centre(signer)


def _identity_of(store: Store, bidder: str) -> str:
    return tender_service(store).identity_of(bidder)


def credit_standing(store: Store, uscc: str, *, at: int) -> CreditStanding:
    return tender_service(store).credit_standing(uscc, at=at)
