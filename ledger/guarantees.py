"""E-guarantees (电子保函) under their former names, for callers not yet moved to the new places.

The model is `ledger.model.guarantee`, the decisions `ledger.rules.guarantee`, ids, hashes and
signatures `ledger.crypto.guarantee`, the chain calls `ledger.chain.guarantee_book`
(`GuaranteeBookGateway`) and the use cases `ledger.service.guarantees`. The functions below take
(client, contract) as before and speak through the gateway.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from eth_account.signers.local import LocalAccount
from web3.contract import Contract

from ledger import registry as reg
from ledger.chain.client import ChainClient
from ledger.chain.guarantee_book import GuaranteeBookGateway, onchain_terms
from ledger.crypto.canonical import keccak
from ledger.crypto.guarantee import guarantee_id_of, terms_aad, terms_commitment
from ledger.crypto.sealing import OpeningKey
from ledger.model.guarantee import (
    BOUND_STATES,
    CHECK_NAME,
    DAY,
    LETTER_FILE,
    LETTER_STATEMENT,
    MAX_BATCH,
    RELEASE_PERIOD,
    ZERO_WORD,
    Application,
    Applied,
    ClaimCause,
    Claimed,
    CommitmentLetter,
    Form,
    Guarantee,
    GuaranteeTerms,
    Issued,
    IssuerType,
    PublicTerms,
    Released,
    State,
    to_fen,
    to_yuan,
    uscc_of_word,
    uscc_word,
)
from ledger.model.receipt import Mined
from ledger.model.tender import Tender
from ledger.rules.credit import CreditStanding
from ledger.rules.guarantee import (
    check_backs,
    check_commitment_letter,
    check_terms,
    draft_commitment_letter,
    letter_file,
    letter_from_package,
    open_terms,
    prefill_application,
    prefill_terms,
    quote_fee,
    refuse_blacklisted,
    sign_commitment_letter,
    validity_end,
    verification_report,
)
from ledger.rules.verify import Check
from ledger.service import guarantees as svc
from ledger.service.guarantees import Breach

__all__ = [
    "BOUND_STATES", "CHECK_NAME", "DAY", "LETTER_FILE", "LETTER_STATEMENT", "MAX_BATCH", "RELEASE_PERIOD",
    "ZERO_WORD", "Application", "Applied", "Breach", "Check", "ClaimCause", "Claimed", "CommitmentLetter", "Form",
    "Guarantee", "GuaranteeTerms", "Issued", "IssuerType", "PublicTerms", "Released", "State", "check_backs",
    "check_commitment_letter", "check_terms", "draft_commitment_letter", "guarantee_id_of", "keccak", "letter_file",
    "letter_from_package", "onchain_terms", "open_terms", "prefill_application", "prefill_terms", "quote_fee",
    "refuse_blacklisted", "sign_commitment_letter", "terms_aad", "terms_commitment", "to_fen", "to_yuan",
    "uscc_of_word", "uscc_word", "validity_end", "verification_report",
]


def gateway(client: ChainClient, book: Contract) -> GuaranteeBookGateway:
    return GuaranteeBookGateway(client, book.address)


def seal_terms(terms: GuaranteeTerms, *, chain_id: int, book_address: str, opening_public: bytes) -> bytes:
    return svc.seal_terms(terms, chain_id=chain_id, book_address=book_address, opening_public=opening_public)


def apply_for(*, client: ChainClient, book: Contract, applicant: LocalAccount, application: Application,
              credit: CreditStanding, gas: int | None = None) -> Applied:
    return svc.apply_for(gateway(client, book), applicant=applicant, application=application, credit=credit, gas=gas)


def cancel(*, client: ChainClient, book: Contract, applicant: LocalAccount, guarantee_id: bytes) -> Mined:
    return gateway(client, book).cancel(applicant, guarantee_id)


def issue(*, client: ChainClient, book: Contract, issuer: LocalAccount, application: Application,
          terms: GuaranteeTerms, form: Form, credit: CreditStanding, red_discount: Decimal,
          opening_public: bytes | None = None, gas: int | None = None) -> Issued:
    return svc.issue(gateway(client, book), issuer=issuer, application=application, terms=terms, form=form,
                     credit=credit, red_discount=red_discount, opening_public=opening_public, gas=gas)


def reject(*, client: ChainClient, book: Contract, issuer: LocalAccount, guarantee_id: bytes, reason: str) -> Mined:
    return svc.reject(gateway(client, book), issuer=issuer, guarantee_id=guarantee_id, reason=reason)


def authorise_issuer(*, client: ChainClient, book: Contract, admin: LocalAccount, issuer: str,
                     issuer_type: IssuerType) -> Mined:
    return gateway(client, book).authorise_issuer(admin, issuer, issuer_type)


def withdraw_issuer(*, client: ChainClient, book: Contract, admin: LocalAccount, issuer: str,
                    issuer_type: IssuerType) -> Mined:
    return gateway(client, book).withdraw_issuer(admin, issuer, issuer_type)


def guarantee_of(client: ChainClient, book: Contract, guarantee_id: bytes) -> Guarantee:
    return gateway(client, book).guarantee_of(guarantee_id)


def known_guarantee(client: ChainClient, book: Contract, guarantee_id: bytes) -> Guarantee:
    return gateway(client, book).known_guarantee(guarantee_id)


def guarantee_of_bid(client: ChainClient, book: Contract, *, tender_id: bytes, section: int,
                     bidder: str) -> bytes | None:
    return gateway(client, book).guarantee_of_bid(tender_id, section, bidder)


def issued_terms(client: ChainClient, book: Contract, guarantee_id: bytes, *,
                 from_block: int = 0) -> PublicTerms | None:
    return gateway(client, book).issued_terms(guarantee_id, from_block=from_block)


def bind(*, client: ChainClient, book: Contract, bidder: LocalAccount, guarantee_id: bytes,
         tender_id: bytes | None = None, section: int | None = None) -> Mined:
    return svc.bind(gateway(client, book), bidder=bidder, guarantee_id=guarantee_id, tender_id=tender_id,
                    section=section)


def unbind(*, client: ChainClient, book: Contract, bidder: LocalAccount, guarantee_id: bytes) -> Mined:
    return gateway(client, book).unbind(bidder, guarantee_id)


def check_guarantee(client: ChainClient, guarantee_book: Contract, *, tender: Tender, section: int, bidder: str,
                    opening_key: OpeningKey | None, sealed_terms: bytes | None = None,
                    commitment_letter: CommitmentLetter | None = None) -> Check:
    return svc.check_guarantee(gateway(client, guarantee_book), tender=tender, section=section, bidder=bidder,
                               opening_key=opening_key, sealed_terms=sealed_terms,
                               commitment_letter=commitment_letter)


def record_verification(client: ChainClient, guarantee_book: Contract, *, centre: LocalAccount, check: Check) -> Mined:
    return svc.record_verification(gateway(client, guarantee_book), centre=centre, check=check)


def section_guarantees(client: ChainClient, book: Contract, *, tender_id: bytes, section: int,
                       from_block: int = 0) -> list[Guarantee]:
    return gateway(client, book).section_guarantees(tender_id, section, from_block=from_block)


def release(*, client: ChainClient, book: Contract, by: LocalAccount, guarantee_id: bytes) -> Mined:
    return gateway(client, book).release(by, guarantee_id)


def release_many(*, client: ChainClient, book: Contract, by: LocalAccount,
                 guarantee_ids: Sequence[bytes]) -> list[Mined]:
    return gateway(client, book).release_many(by, guarantee_ids)


def record_award(*, client: ChainClient, book: Contract, centre: LocalAccount, tender_id: bytes, section: int,
                 winner: str | None) -> Released:
    return svc.record_award(gateway(client, book), centre=centre, tender_id=tender_id, section=section,
                            winner=winner)


def record_contract_signed(*, client: ChainClient, book: Contract, centre: LocalAccount, tender_id: bytes,
                           section: int, signed_at: int) -> Released:
    return svc.record_contract_signed(gateway(client, book), centre=centre, tender_id=tender_id, section=section,
                                      signed_at=signed_at)


def claim(*, client: ChainClient, book: Contract, centre: LocalAccount, guarantee_id: bytes, cause: ClaimCause,
          evidence: bytes) -> Claimed:
    return svc.claim(gateway(client, book), centre=centre, guarantee_id=guarantee_id, cause=cause, evidence=evidence)


def expire(*, client: ChainClient, book: Contract, by: LocalAccount, guarantee_id: bytes) -> Mined:
    return gateway(client, book).expire(by, guarantee_id)


def record_commitment_breach(
    *, letter: CommitmentLetter, breach: str, evidence: bytes, record_no: str, deciding_body: str,
    decision_document_no: str, listed_date: date, issued_at: datetime, valid_until: datetime | None = None,
    issuer_address: str | None = None, credit_authority: LocalAccount | None = None,
    client: ChainClient | None = None, registry: Contract | None = None,
) -> Breach:
    anchor = None
    if client is not None and registry is not None:
        def anchor(issuer: LocalAccount, sealed: reg.SealedCredential) -> reg.Batch:
            return reg.anchor_one(client=client, registry=registry, issuer=issuer, sealed=sealed)
    return svc.record_commitment_breach(
        letter=letter, breach=breach, evidence=evidence, record_no=record_no, deciding_body=deciding_body,
        decision_document_no=decision_document_no, listed_date=listed_date, issued_at=issued_at,
        valid_until=valid_until, issuer_address=issuer_address, credit_authority=credit_authority, anchor=anchor)
