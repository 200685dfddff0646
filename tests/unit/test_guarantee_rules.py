"""The guarantee decisions on model objects alone: no chain, no store."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from eth_account import Account

from ledger.errors import Unauthorised, ValidationFailed
from ledger.model.guarantee import Application, Form, Guarantee, IssuerType, PublicTerms, State
from ledger.model.receipt import Mined
from ledger.model.tender import Tender
from ledger.rules import guarantee as rules
from ledger.rules.credit import CreditStanding
from ledger.rules.reasons import ARGS, Reason
from ledger.rules.verify import CheckStatus
from ledger.tenders import TenderParams
from tests.scenes import tender_params

BOOK = "0x" + "11" * 20
ISSUER = Account.from_key(b"\x02" * 32).address
BIDDER = Account.from_key(b"\x03" * 32)
FIRM = "91350100M000100Y43"


def _tender() -> Tender:
    params = TenderParams.model_validate(tender_params(deadline="2027-01-20T09:00:00+08:00"))
    deadline = int(datetime(2027, 1, 20, 1, tzinfo=UTC).timestamp())
    issued = int(datetime(2026, 12, 20, 1, tzinfo=UTC).timestamp())
    return Tender(b"\x07" * 32, params, b"\x00" * 32, deadline, b"", (), 3, (), Mined(b"\x00" * 32, 1), issued)


def _credit(**lists: list[str]) -> CreditStanding:
    return CreditStanding(uscc=FIRM, at=0, **lists)


def _application(tender: Tender) -> Application:
    return rules.prefill_application(chain_id=1, book_address=BOOK, tender=tender, section=0,
                                     applicant=BIDDER.address, applicant_uscc=FIRM, issuer=ISSUER,
                                     application_no="SQ-1")


def test_blacklisted_firm_is_refused() -> None:
    with pytest.raises(Unauthorised) as info:
        rules.refuse_blacklisted(_credit(blacklisted=["B-1"]), step="application")
    assert "Blacklisted" in repr(info.value.args) or "black-listed" in str(info.value)
    rules.refuse_blacklisted(_credit(), step="application")


def test_red_listed_fee_and_terms_check() -> None:
    tender = _tender()
    app = _application(tender)
    plain = rules.quote_fee(app.amount_fen, 30, credit=_credit(), red_discount=Decimal("0.5"))
    red = rules.quote_fee(app.amount_fen, 30, credit=_credit(redlisted=["R-1"]), red_discount=Decimal("0.5"))
    assert red * 2 == plain
    terms = rules.prefill_terms(app, guarantee_no="BH-1", issuer_type=IssuerType.BANK, rate_bps=30,
                                credit=_credit(), red_discount=Decimal("0.5"), doc_hash=b"\x05" * 32, start=0)
    rules.check_terms(app, terms, credit=_credit(), red_discount=Decimal("0.5"))
    with pytest.raises(ValidationFailed, match="the fee must be"):
        rules.check_terms(app, terms.model_copy(update={"fee_fen": 1}), credit=_credit(), red_discount=Decimal(0))
    with pytest.raises(ValidationFailed, match="before the bid validity ends"):
        rules.check_terms(app, terms.model_copy(update={"end": app.validity_end - 1}), credit=_credit(),
                          red_discount=Decimal("0.5"))


def _guarantee(tender: Tender, **changes: object) -> Guarantee:
    values: dict[str, object] = dict(
        guarantee_id=b"\x09" * 32, state=State.BOUND, tender_id=tender.tender_id, section=0,
        applicant=BIDDER.address, issuer=ISSUER, issuer_type=int(IssuerType.BANK), form=Form.PLAINTEXT,
        amount=200_000_00, end=rules.validity_end(tender), closed_at=0, released_late=False,
        doc_hash=b"\x05" * 32, terms_commitment=b"\x00" * 32)
    values.update(changes)
    return Guarantee(**values)  # type: ignore[arg-type]


def _public(tender: Tender, start: int = 0) -> PublicTerms:
    return PublicTerms(b"\x05" * 32, 200_000_00, 0, 30, start, rules.validity_end(tender), Form.PLAINTEXT,
                       b"\x00" * 32, 0, tender.params.tenderer_uscc, 1)


@pytest.mark.parametrize(("changes", "authorised", "status", "words"), [
    ({}, True, CheckStatus.VALID, "covers the bid validity"),
    ({}, False, CheckStatus.INVALID, "was not an authorised BANK issuer when it issued it"),
    ({"state": State.RELEASED}, True, CheckStatus.INVALID, "RELEASED"),
    ({"amount": 100_000_00}, True, CheckStatus.INVALID, "below the required"),
    ({"section": 1}, True, CheckStatus.INVALID, "backs section 1"),
])
def test_check_at_opening(changes: dict[str, object], authorised: bool, status: CheckStatus, words: str) -> None:
    tender = _tender()
    check = rules.check_bound_guarantee(
        _guarantee(tender, **changes), tender=tender, section=0, bidder=BIDDER.address, authorised=authorised,
        public=_public(tender), chain_id=1, book_address=BOOK, key=None, sealed_terms=None)
    assert check.status is status and words in check.reason


def test_sealed_guarantee_needs_the_key() -> None:
    tender = _tender()
    check = rules.check_bound_guarantee(
        _guarantee(tender, form=Form.SEALED, amount=0), tender=tender, section=0, bidder=BIDDER.address,
        authorised=True, public=_public(tender), chain_id=1, book_address=BOOK, key=None, sealed_terms=None)
    assert check.status is CheckStatus.ERROR


def test_check_backs_names_the_wrong_section() -> None:
    tender = _tender()
    with pytest.raises(ValidationFailed, match="not section 1"):
        rules.check_backs(_guarantee(tender), tender_id=tender.tender_id, section=1, bidder=BIDDER.address)
    with pytest.raises(Unauthorised):
        rules.check_backs(_guarantee(tender), tender_id=None, section=None, bidder=ISSUER)


@pytest.mark.parametrize(("changes", "authorised", "code"), [
    ({}, True, Reason.GUARANTEE_VALID),
    ({}, False, Reason.GUARANTEE_ISSUER_UNAUTHORISED),
    ({"amount": 100_000_00}, True, Reason.GUARANTEE_AMOUNT_LOW),
])
def test_the_reason_code_stays_out_of_the_recorded_report(changes: dict[str, object], authorised: bool,
                                                          code: Reason) -> None:
    """The check says why as a code too, but the report whose keccak goes on chain is the check
    without it: the same bytes as before codes were given."""
    tender = _tender()
    check = rules.check_bound_guarantee(
        _guarantee(tender, **changes), tender=tender, section=0, bidder=BIDDER.address, authorised=authorised,
        public=_public(tender), chain_id=1, book_address=BOOK, key=None, sealed_terms=None)
    assert check.details["code"] == code.value and set(check.details["args"]) == set(ARGS[code])
    report = json.loads(rules.verification_report(check))
    facts = {k: v for k, v in check.details.items() if k not in ("code", "args")}
    assert report == {"name": check.name, "status": check.status.value, "reason": check.reason,
                      "details": json.loads(json.dumps(facts, default=str))}
    assert rules.verification_report(check) == rules.verification_report(replace(check, details=facts))
