"""Fast tests of the guarantee use cases (GuaranteeService) against in-memory ports: templates
filled in from the ledger, altered fields refused, the black and red lists, one guarantee per
application, claims only for a cause the chain records."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from eth_account import Account

from ledger.errors import Conflict, Unauthorised, ValidationFailed
from ledger.model.guarantee import ClaimCause, IssuerProfile, IssuerType
from ledger.model.receipt import Mined
from ledger.model.tender import StoredTender, Tender
from ledger.rules.credit import CreditStanding
from ledger.service.guarantees import GuaranteeService
from ledger.tenders import TenderParams
from tests.fakes import FakeAwards, FakeFirms, FakeGuaranteeBook, FakeGuaranteeRecords
from tests.scenes import tender_params

ADMIN = Account.from_key(b"\x01" * 32).address
ISSUER = Account.from_key(b"\x02" * 32).address
BIDDER = Account.from_key(b"\x03" * 32).address
CENTRE = Account.from_key(b"\x04" * 32)
FIRM = "91350100M000100Y43"
TID = b"\x07" * 32


class Tenders:
    def __init__(self, tender: Tender) -> None:
        self.tender = tender

    def stored_tender(self, tender_id: bytes) -> StoredTender | None:
        if tender_id != self.tender.tender_id:
            return None
        return StoredTender(self.tender, b"", 1, datetime(2026, 12, 20, tzinfo=UTC))


class Centres:
    def is_centre(self, account: str) -> bool:
        return account == CENTRE.address


def _service(*, standing: CreditStanding | None = None) -> tuple[GuaranteeService, FakeGuaranteeBook,
                                                                   FakeGuaranteeRecords]:
    params = TenderParams.model_validate(tender_params(deadline="2027-01-20T09:00:00+08:00"))
    deadline = int(datetime(2027, 1, 20, 1, tzinfo=UTC).timestamp())
    issued = int(datetime(2026, 12, 20, 1, tzinfo=UTC).timestamp())
    tender = Tender(TID, params, b"\x00" * 32, deadline, b"\x09" * 32, (), 3, (), Mined(b"\x00" * 32, 1), issued)
    book, records = FakeGuaranteeBook(ADMIN), FakeGuaranteeRecords()
    book.types[ISSUER] = [IssuerType.BANK]
    records.profiles_[ISSUER] = IssuerProfile(ISSUER, "中国银行珠海分行", FIRM, "0.3", datetime(2026, 1, 1, tzinfo=UTC))
    firms = FakeFirms({BIDDER: FIRM}, {FIRM: standing} if standing else None)
    svc = GuaranteeService(book, Centres(), records, Tenders(tender), firms,  # type: ignore[arg-type]
                           lambda **_: None, centre=CENTRE, selection=FakeAwards())  # type: ignore[arg-type]
    return svc, book, records


def _apply(svc: GuaranteeService, book: FakeGuaranteeBook, **changes: object) -> None:
    t = svc.application_template(signer=BIDDER, tender_id="0x" + TID.hex(), section=0, issuer=ISSUER,
                                 application_no="SQ-1")
    app = t.application.model_dump(mode="json") | changes
    a = t.application
    signed = book.sign(BIDDER, "applyFor", guaranteeId=a.guarantee_id(), tenderId=a.tender_id, section=a.section,
                       issuer=a.issuer, amount=a.amount_fen, applicationHash=a.hash())
    svc.apply(signer=BIDDER, application=app, signed_tx=signed)


def test_the_application_template_is_filled_in_from_the_ledger() -> None:
    svc, _, _ = _service()
    t = svc.application_template(signer=BIDDER, tender_id="0x" + TID.hex(), section=0, issuer=ISSUER)
    assert (t.application.applicant, t.application.applicant_uscc, t.application.tender_id) == (BIDDER, FIRM, TID)
    assert t.application.issuer == ISSUER and t.red_discount == Decimal(0)


def test_an_altered_application_field_is_refused_by_name() -> None:
    svc, book, records = _service()
    with pytest.raises(ValidationFailed, match="application.amount_fen is 1 but the ledger says"):
        _apply(svc, book, amount_fen=1)
    assert records.filed == [] and book.guarantees == {}


def test_a_blacklisted_firm_cannot_apply_and_a_redlisted_one_gets_the_discount() -> None:
    svc, _, _ = _service(standing=CreditStanding(uscc=FIRM, at=0, blacklisted=["HMD-7"]))
    with pytest.raises(Unauthorised):
        svc.application_template(signer=BIDDER, tender_id="0x" + TID.hex(), section=0, issuer=ISSUER)
    svc, _, _ = _service(standing=CreditStanding(uscc=FIRM, at=0, redlisted=["HONG-1"]))
    t = svc.application_template(signer=BIDDER, tender_id="0x" + TID.hex(), section=0, issuer=ISSUER)
    assert t.red_discount == Decimal("0.3")


def test_one_guarantee_per_application_and_nothing_filed_when_the_chain_refuses() -> None:
    svc, book, records = _service()
    _apply(svc, book)
    assert [kind for kind, _ in records.filed] == ["application"] and records.caught_up == 1
    with pytest.raises(Conflict):
        _apply(svc, book)
    assert len(book.guarantees) == 1 and len(records.filed) == 1


def test_a_claim_needs_a_cause_the_chain_records() -> None:
    svc, book, records = _service()
    _apply(svc, book)
    gid = next(iter(book.guarantees))
    with pytest.raises(Unauthorised):
        svc.claim(signer=BIDDER, guarantee_id="0x" + gid.hex(), cause="REFUSED_TO_SIGN", evidence=b"letter")
    with pytest.raises(Conflict, match="REFUSED_TO_SIGN"):
        svc.claim(signer=CENTRE.address, guarantee_id="0x" + gid.hex(), cause="REFUSED_TO_SIGN", evidence=b"letter")
    assert ("evidence", b"letter") not in records.filed
    book.causes.add((gid, int(ClaimCause.REFUSED_TO_SIGN)))
    svc.claim(signer=CENTRE.address, guarantee_id="0x" + gid.hex(), cause="REFUSED_TO_SIGN", evidence=b"letter")
    assert book.claims[0][1] is ClaimCause.REFUSED_TO_SIGN and ("evidence", b"letter") in records.filed
