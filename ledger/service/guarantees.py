"""E-guarantee use cases on the GuaranteeBook gateway: applying, issuing (明文 or 密文), binding,
the check at opening, award and release, claims with evidence, expiry and the commitment
letter's breach record. Each returns model objects; none knows HTTP, SQL or JSON.

Black-listed firms are refused at application and at issue; red-listed firms pay the fee less
the discount their issuer publishes (`ledger.rules.credit.guarantee_fee`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from web3.exceptions import Web3Exception

from ledger import registry as reg
from ledger.chain.guarantee_book import GuaranteeBookGateway, onchain_terms
from ledger.crypto.canonical import keccak
from ledger.crypto.guarantee import reason_hash, seal_terms_bytes, terms_commitment
from ledger.crypto.sealing import BidPackage, OpeningKey
from ledger.documents import SealedCredential
from ledger.errors import LedgerError, ValidationFailed
from ledger.model.guarantee import (
    BOUND_STATES,
    CHECK_NAME,
    ZERO_WORD,
    Application,
    Applied,
    ClaimCause,
    Claimed,
    CommitmentLetter,
    Form,
    GuaranteeTerms,
    Issued,
    Released,
    State,
)
from ledger.model.receipt import Mined
from ledger.model.tender import Tender
from ledger.rules import guarantee as rules
from ledger.rules.credit import CreditStanding
from ledger.rules.verify import Check, CheckStatus


def apply_for(book: GuaranteeBookGateway, *, applicant: LocalAccount, application: Application,
              credit: CreditStanding, gas: int | None = None) -> Applied:
    """Apply, as the bidder, for the guarantee described by `application` (its own transaction).

    `credit` is the firm's standing now; a black-listed firm is refused before anything is sent.
    `gas` skips the estimate (for callers that have checked the step)."""
    rules.check_applicant(application, applicant.address, credit)
    mined = book.apply_for(applicant, application, gas=gas)
    return Applied(application.guarantee_id(), application, mined)


def seal_terms(terms: GuaranteeTerms, *, chain_id: int, book_address: str, opening_public: bytes) -> bytes:
    """密文: the terms sealed to the tender's opening key, bound to this guarantee."""
    return seal_terms_bytes(terms.to_bytes(), chain_id=chain_id, book_address=book_address,
                            guarantee_id=terms.guarantee_id, opening_public=opening_public)


def issue(book: GuaranteeBookGateway, *, issuer: LocalAccount, application: Application, terms: GuaranteeTerms,
          form: Form, credit: CreditStanding, red_discount: Decimal, opening_public: bytes | None = None,
          gas: int | None = None) -> Issued:
    """Issue the guarantee applied for (the issuer's own transaction). The applicant must not be
    black-listed now; 密文 terms are sealed to `opening_public` and only their keccak is sent."""
    if credit.uscc != application.applicant_uscc:
        raise ValidationFailed(f"the credit standing is {credit.uscc}'s, the applicant is {application.applicant_uscc}")
    rules.refuse_blacklisted(credit, step="issue")
    rules.check_terms(application, terms, credit=credit, red_discount=red_discount)
    envelope = None
    commitment = ZERO_WORD
    if form is Form.SEALED:
        if opening_public is None:
            raise ValidationFailed("a 密文 guarantee is sealed to the tender's opening public key: pass it")
        envelope = seal_terms(terms, chain_id=book.client.chain_id, book_address=book.address,
                              opening_public=opening_public)
        commitment = terms_commitment(envelope)
    mined = book.issue(issuer, terms.guarantee_id, onchain_terms(terms, form, commitment), gas=gas)
    return Issued(terms.guarantee_id, terms, form, envelope, mined)


def reject(book: GuaranteeBookGateway, *, issuer: LocalAccount, guarantee_id: bytes, reason: str) -> Mined:
    """Refuse the application; the reason's keccak goes on chain."""
    if not reason.strip():
        raise ValidationFailed("a rejection needs a reason")
    return book.reject(issuer, guarantee_id, reason_hash(reason))


def bind(book: GuaranteeBookGateway, *, bidder: LocalAccount, guarantee_id: bytes, tender_id: bytes | None = None,
         section: int | None = None) -> Mined:
    """Bind the bidder's issued guarantee to its bid (its own transaction, before the deadline).

    With `tender_id` and `section`, a guarantee for another tender or section is refused here
    with both named (the contract would bind it to the bid it was applied for)."""
    g = book.known_guarantee(guarantee_id)
    rules.check_backs(g, tender_id=tender_id, section=section, bidder=bidder.address)
    return book.bind(bidder, guarantee_id)


# ---------------------------------------------------------------------- opening


def check_guarantee(
    book: GuaranteeBookGateway, *, tender: Tender, section: int, bidder: str, opening_key: OpeningKey | None,
    sealed_terms: bytes | None = None, commitment_letter: CommitmentLetter | None = None,
) -> Check:
    """The bid's guarantee check at opening, as one Check named "guarantee".

    VALID when the guarantee bound to the bid passes `rules.check_bound_guarantee`; NOT_CHECKED
    when the section requires no guarantee. Where the section allows it and no guarantee is
    bound, a valid `commitment_letter` (from the opened bid) makes it VALID. ERROR when the chain
    cannot be read, or a 密文 guarantee cannot be opened for want of the key or the sealed terms.
    """
    rules.section_of(tender, section)  # an unknown section is the caller's mistake, not the bid's
    skipped = rules.not_required(tender, section)
    if skipped is not None:
        return skipped
    bidder = to_checksum_address(bidder)
    try:
        gid = book.guarantee_of_bid(tender.tender_id, section, bidder)
        if gid is None:
            return rules.check_letter_in_place(commitment_letter, chain_id=book.client.chain_id,
                                               book_address=book.address, tender=tender, section=section,
                                               bidder=bidder)
        g = book.guarantee_of(gid)
        authorised = book.is_authorised(g.issuer, g.issuer_type)
        public = book.issued_terms(gid)
    except (LedgerError, Web3Exception, OSError, ValueError) as exc:
        return Check(CHECK_NAME, CheckStatus.ERROR, f"the chain could not be read: {exc}")
    return rules.check_bound_guarantee(g, tender=tender, section=section, bidder=bidder, authorised=authorised,
                                       public=public, chain_id=book.client.chain_id, book_address=book.address,
                                       key=opening_key, sealed_terms=sealed_terms)


def record_verification(book: GuaranteeBookGateway, *, centre: LocalAccount, check: Check) -> Mined:
    """Record a finished guarantee check on chain (VERIFIED or INVALID), by the publishing centre,
    with the revealed amount of a 密文 guarantee and the keccak of the check's report."""
    gid, valid, revealed = rules.recordable(check)
    return book.record_verification(centre, gid, valid=valid, report_hash=keccak(rules.verification_report(check)),
                                    revealed_amount=revealed)


class GuaranteeFiles(Protocol):
    """What the check at opening reads and files besides the chain: a 密文 guarantee's sealed
    terms and, once opened, its terms; the bidder's registered letter; the recorded report."""

    def sealed_terms(self, gid: bytes) -> bytes | None: ...

    def opened(self, gid: bytes) -> bool: ...

    def letter(self, tender_id: bytes, section: int, bidder: str) -> CommitmentLetter | None: ...

    def file_opened_terms(self, gid: bytes, terms: GuaranteeTerms) -> None: ...

    def filing_verification(self, report_hash: bytes, report: str) -> AbstractContextManager[None]: ...


def verification_json(check: Check) -> str:
    """The recorded check as the store keeps it (its report's keccak is on chain)."""
    return json.dumps({"status": check.status.value, "reason": check.reason, "details": check.details}, default=str)


class BookGuaranteeCheck:
    """The `GuaranteeCheck` port on the GuaranteeBook gateway and the guarantee files: the check
    at opening for one bid (the letter in the opened `package` first, else the registered one),
    recorded on chain by `centre` as VERIFIED or INVALID when `record` and the guarantee is still
    only bound. A 密文 guarantee's terms, once opened, are filed: from opening on they are no secret."""

    def __init__(self, book: GuaranteeBookGateway, files: GuaranteeFiles, *, centre: LocalAccount,
                 lock: AbstractContextManager[Any] | None = None) -> None:
        self.book, self.files, self.centre = book, files, centre
        self.lock: AbstractContextManager[Any] = lock if lock is not None else nullcontext()

    def __call__(self, *, tender: Tender, section: int, bidder: str, opening_key: OpeningKey | None,
                 package: BidPackage | None = None, record: bool = True) -> Check:
        book = self.book
        bidder = to_checksum_address(bidder)
        gid = book.guarantee_of_bid(tender.tender_id, section, bidder)
        sealed = self.files.sealed_terms(gid) if gid is not None else None
        letter = rules.letter_from_package(package) if package is not None else None
        if letter is None:
            letter = self.files.letter(tender.tender_id, section, bidder)
        check = check_guarantee(book, tender=tender, section=section, bidder=bidder, opening_key=opening_key,
                                sealed_terms=sealed, commitment_letter=letter)
        if gid is None or check.status not in (CheckStatus.VALID, CheckStatus.INVALID):
            return check
        if sealed is not None and opening_key is not None and not self.files.opened(gid):
            try:
                opened = rules.open_terms(sealed, opening_key, chain_id=book.client.chain_id,
                                          book_address=book.address, guarantee_id=gid)
            except ValidationFailed:
                pass  # the check already says why
            else:
                self.files.file_opened_terms(gid, opened)
        if record and book.guarantee_of(gid).state is State.BOUND:
            with self.lock, self.files.filing_verification(keccak(rules.verification_report(check)),
                                                           verification_json(check)):
                record_verification(book, centre=self.centre, check=check)
        return check


# ---------------------------------------------------------------------- award, release, claims


def _release_section(book: GuaranteeBookGateway, centre: LocalAccount, tender_id: bytes, section: int, *,
                     keep: str | None) -> tuple[list[bytes], list[Mined]]:
    ids = [g.guarantee_id for g in book.section_guarantees(tender_id, section)
           if g.state in BOUND_STATES and g.applicant != keep]
    return ids, book.release_many(centre, ids)


def record_award(book: GuaranteeBookGateway, *, centre: LocalAccount, tender_id: bytes, section: int,
                 winner: str | None) -> Released:
    """Record the section's outcome (`winner`, or None for no winner) and release every other
    bound guarantee of the section in bounded batches."""
    winner_address = to_checksum_address(winner) if winner else None
    mined = book.record_award(centre, tender_id, section, winner_address)
    ids, batches = _release_section(book, centre, tender_id, section, keep=winner_address)
    return Released(mined, ids, batches)


def record_contract_signed(book: GuaranteeBookGateway, *, centre: LocalAccount, tender_id: bytes, section: int,
                           signed_at: int) -> Released:
    """Record the winner's contract signing, then release the winner's guarantee (and any other
    of the section still held), within the 5 days the rules allow."""
    mined = book.record_contract_signed(centre, tender_id, section, signed_at)
    ids, batches = _release_section(book, centre, tender_id, section, keep=None)
    return Released(mined, ids, batches)


def claim(book: GuaranteeBookGateway, *, centre: LocalAccount, guarantee_id: bytes, cause: ClaimCause,
          evidence: bytes) -> Claimed:
    """Claim on a guarantee for the tenderer (the publishing centre), for a cause the chain's
    records support, with the keccak of the evidence (kept off chain)."""
    if not evidence:
        raise ValidationFailed("a claim needs its evidence (the withdrawal letter, the refusal, the failure report)")
    evidence_hash = keccak(evidence)
    mined = book.claim(centre, guarantee_id, ClaimCause(cause), evidence_hash)
    return Claimed(guarantee_id, ClaimCause(cause), evidence_hash, mined)


# ---------------------------------------------------------------------- commitment letters


@dataclass(frozen=True)
class Breach:
    """A broken commitment letter as a bad-conduct credit record (and its anchoring, if done)."""

    sealed: SealedCredential
    evidence_hash: bytes
    batch: reg.Batch | None


def record_commitment_breach(
    *, letter: CommitmentLetter, breach: str, evidence: bytes, record_no: str, deciding_body: str,
    decision_document_no: str, listed_date: date, issued_at: datetime, valid_until: datetime | None = None,
    issuer_address: str | None = None, credit_authority: LocalAccount | None = None,
    anchor: Callable[[LocalAccount, SealedCredential], reg.Batch] | None = None,
) -> Breach:
    """A CREDIT credential of type "bad" (不良行为) about the letter's firm for breaking it.

    Given the credit authority's key and `anchor` (the registry's anchoring) it is anchored;
    otherwise it is returned for `issuer_address` to anchor."""
    issuer = credit_authority.address if credit_authority is not None else issuer_address
    sealed, evidence_hash = rules.breach_record(
        letter=letter, breach=breach, evidence=evidence, issuer=issuer, record_no=record_no,
        deciding_body=deciding_body, decision_document_no=decision_document_no, listed_date=listed_date,
        issued_at=issued_at, valid_until=valid_until)
    batch = None
    if credit_authority is not None:
        if anchor is None:
            raise ValidationFailed("anchoring the record needs the client and the registry")
        batch = anchor(credit_authority, sealed)
    return Breach(sealed, evidence_hash, batch)
