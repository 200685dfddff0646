"""E-guarantee use cases on the GuaranteeBook gateway: applying, issuing (明文 or 密文), binding,
the check at opening, award and release, claims with evidence (filed by the centre, open to the
bidder's contest for CONTEST_PERIOD, then settled, or decided by the governance), expiry and the
commitment letter's breach record. Each returns model objects; none knows HTTP, SQL or JSON.

Black-listed firms are refused at application and at issue; red-listed firms pay the fee less
the discount their issuer publishes (`ledger.rules.credit.guarantee_fee`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from hexbytes import HexBytes
from pydantic import ValidationError
from web3.exceptions import Web3Exception

from ledger.chain.guarantee_book import TERMS_FIELDS, GuaranteeBookGateway, onchain_terms, terms_tuple
from ledger.chain.relay import RelayedTx
from ledger.crypto.bid_keys import FirmLink
from ledger.crypto.canonical import keccak
from ledger.crypto.guarantee import reason_hash, seal_terms_bytes, terms_commitment
from ledger.crypto.sealing import MIN_ENVELOPE_SIZE, BidPackage, OpeningKey
from ledger.crypto.sealing import VERSION as SEAL_VERSION
from ledger.crypto.shares import Share, ShareError
from ledger.documents import SealedCredential
from ledger.values import address, to_hex, word
from ledger.errors import Conflict, LedgerError, NotFound, StoreMismatch, Unauthorised, ValidationFailed
from ledger.model.guarantee import (
    BOUND_STATES,
    CHECK_NAME,
    ZERO_WORD,
    Application,
    Applied,
    ClaimCause,
    Claimed,
    ClaimFile,
    CommitmentLetter,
    Form,
    Guarantee,
    GuaranteeFile,
    GuaranteeInfo,
    GuaranteeTerms,
    IssuerInfo,
    IssuerProfile,
    IssuerType,
    Issued,
    RegisteredLetter,
    Released,
    State,
    first_error,
    uscc_of_word,
)
from ledger.model.credential import Batch
from ledger.model.receipt import Mined, UnsignedTx
from ledger.model.tender import BidState, SectionState, SectionStatus, StoredTender, Tender
from ledger.rules import guarantee as rules
from ledger.rules.credit import CreditStanding
from ledger.rules.opening import rebuild_opening_key
from ledger.rules.verify import Check, CheckStatus
from ledger.rules.reasons import Reason, plain, said
from ledger.service.ports import GuaranteeCheck
from ledger.uscc import InvalidUSCC, validate_uscc


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
        public = book.issued_terms(gid)
        # `issue` reverts unless the issuer holds the type at that moment, so the Issued event is
        # the proof of authority when it issued; a later withdrawal is not retroactive.
        authorised = public is not None
    except (LedgerError, Web3Exception, OSError, ValueError) as exc:
        return Check(CHECK_NAME, CheckStatus.ERROR, *said(Reason.CHAIN_UNREADABLE, error=str(exc)))
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

    def record(self, gid: bytes) -> GuaranteeFile | None: ...

    def file_opened_terms(self, gid: bytes, terms: GuaranteeTerms) -> None: ...

    def filing_verification(self, report_hash: bytes, report: str) -> AbstractContextManager[None]: ...


def verification_json(check: Check) -> str:
    """The recorded check as the store keeps it (its report's keccak is on chain; like the report,
    without the reason's code and arguments)."""
    return json.dumps({"status": check.status.value, "reason": check.reason, "details": plain(check.details)},
                      default=str)


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
                 package: BidPackage | None = None, record: bool = True, firm: str | None = None) -> Check:
        book = self.book
        bidder = to_checksum_address(bidder)
        gid = book.guarantee_of_bid(tender.tender_id, section, bidder)
        sealed = self.files.sealed_terms(gid) if gid is not None else None
        if gid is not None:
            self._check_sealed_terms(gid, sealed)
        letter = rules.letter_from_package(package) if package is not None else None
        if letter is None:
            letter = self.files.letter(tender.tender_id, section, bidder)
            if letter is not None:
                self._check_registered(letter, tender=tender, section=section, bidder=bidder)
        check = check_guarantee(book, tender=tender, section=section, bidder=bidder, opening_key=opening_key,
                                sealed_terms=sealed, commitment_letter=letter)
        if firm is not None and check.status is CheckStatus.VALID:
            check = self._same_firm(check, gid, letter, firm)
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

    def _same_firm(self, check: Check, gid: bytes | None, letter: CommitmentLetter | None, firm: str) -> Check:
        """A guarantee applied for, or a letter signed, for another firm than the one the opened bid
        proves to be (its sealed firm link) does not back the bid: a claim on it would fall on a
        firm that did not bid."""
        backer = None
        if gid is not None:
            row = self.files.record(gid)
            backer = row.application.applicant_uscc if row is not None else None
            if row is not None and row.application.guarantee_id() != gid:
                raise StoreMismatch(f"the stored application of guarantee {to_hex(gid)} is not the one its id was "
                                    "made from")
        elif letter is not None:
            backer = letter.firm_uscc
        if backer is None or backer == firm:
            return check
        reason, why = said(Reason.GUARANTEE_OTHER_FIRM if gid is not None else Reason.LETTER_OTHER_FIRM,
                           backer=backer, firm=firm)
        return Check(check.name, CheckStatus.INVALID, reason,
                     {**plain(check.details), "backer_uscc": backer, "bid_firm": firm, **why})

    def _check_sealed_terms(self, gid: bytes, sealed: bytes | None) -> None:
        """A 密文 guarantee's sealed terms were filed before it was issued, under the commitment the
        chain holds: the store must still hold exactly those (StoreMismatch), so that a swapped or
        lost copy is never judged as the guarantee's own fault."""
        g = self.book.guarantee_of(gid)
        if g.form is not Form.SEALED:
            return
        if sealed is None:
            raise StoreMismatch(f"密文 guarantee {to_hex(gid)} was issued with sealed terms the store no longer holds")
        if terms_commitment(sealed) != g.terms_commitment:
            raise StoreMismatch(f"the stored sealed terms of guarantee {to_hex(gid)} hash to "
                                f"{to_hex(terms_commitment(sealed))}, not to its on-chain commitment "
                                f"{to_hex(g.terms_commitment)}")

    def _check_registered(self, letter: CommitmentLetter, *, tender: Tender, section: int, bidder: str) -> None:
        """A letter is registered only once checked to be signed by its bidder for this bid: one whose
        signature or bid no longer match was changed in the store (StoreMismatch), not by the bidder.
        (Whether it still fits the tender is the check's to judge.)"""
        where = (to_checksum_address(letter.bidder), letter.tender_id, letter.section)
        try:
            signer = letter.signer()
        except ValidationFailed:
            signer = None
        if where != (bidder, tender.tender_id, section) or signer != bidder:
            raise StoreMismatch(f"the commitment letter registered for {bidder} in section {section} is not the one "
                                "the bidder signed for this bid")


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
    """File a claim on a guarantee for the tenderer (the publishing centre), for a cause the chain's
    records support, with the keccak of the evidence (published off chain). Nothing is paid yet:
    the bidder may contest it for CONTEST_PERIOD; then `settle_claim`, or the governance decides."""
    if not evidence:
        raise ValidationFailed("a claim needs its evidence (the withdrawal letter, the refusal, the failure report)")
    evidence_hash = keccak(evidence)
    mined = book.claim(centre, guarantee_id, ClaimCause(cause), evidence_hash)
    return Claimed(guarantee_id, ClaimCause(cause), evidence_hash, mined)


def contest_claim(book: GuaranteeBookGateway, *, applicant: LocalAccount, guarantee_id: bytes, reason: str) -> Mined:
    """Contest the pending claim on one's own guarantee (the bidder's own key), within the contest
    period; the reason's keccak goes on chain and the claim waits for the governance."""
    if not reason.strip():
        raise ValidationFailed("a contest needs its reasons")
    return book.contest_claim(applicant, guarantee_id, reason_hash(reason))


def settle_claim(book: GuaranteeBookGateway, *, by: LocalAccount, guarantee_id: bytes) -> Mined:
    """Pay out an uncontested claim once its contest period is over (anyone may)."""
    return book.settle_claim(by, guarantee_id)


# ---------------------------------------------------------------------- commitment letters


@dataclass(frozen=True)
class Breach:
    """A broken commitment letter as a bad-conduct credit record (and its anchoring, if done)."""

    sealed: SealedCredential
    evidence_hash: bytes
    batch: Batch | None


def record_commitment_breach(
    *, letter: CommitmentLetter, breach: str, evidence: bytes, record_no: str, deciding_body: str,
    decision_document_no: str, listed_date: date, issued_at: datetime, valid_until: datetime | None = None,
    issuer_address: str | None = None, credit_authority: LocalAccount | None = None,
    anchor: Callable[[LocalAccount, SealedCredential], Batch] | None = None,
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


# ---------------------------------------------------------------------- the API's use cases


class GuaranteeRecords(GuaranteeFiles, Protocol):
    """What the API's use cases need of the store: the guarantees' documents, filed under their
    on-chain values before the write that puts those values on chain, and the projected rows.

    A `filing_*` context files its document on entry and puts back what was under that key before
    if the write inside fails; two filings under one key never overlap (in any process), filings
    under different keys do."""

    def claim_of(self, gid: bytes) -> ClaimFile | None: ...

    def claims_of(self, gid: bytes) -> Sequence[ClaimFile]: ...

    def records(self, *, applicant: str | None = None, issuer: str | None = None) -> Sequence[GuaranteeFile]: ...

    def profile(self, issuer: str) -> IssuerProfile | None: ...

    def profiles(self) -> Mapping[str, IssuerProfile]: ...

    def publish_profile(self, issuer: str, *, name: str, uscc: str, red_discount: Decimal) -> IssuerProfile: ...

    def file_letter(self, letter: CommitmentLetter) -> RegisteredLetter: ...

    def filing_application(self, application: Application) -> AbstractContextManager[None]: ...

    def filing_terms(self, gid: bytes, terms: GuaranteeTerms) -> AbstractContextManager[None]: ...

    def filing_sealed_terms(self, commitment: bytes, sealed: bytes) -> AbstractContextManager[None]: ...

    def filing_rejection(self, reason: str) -> AbstractContextManager[None]: ...

    def filing_evidence(self, evidence: bytes) -> AbstractContextManager[None]: ...

    def filing_contest(self, reason: str) -> AbstractContextManager[None]: ...

    def catch_up(self) -> None:
        """Journal and project whatever reached the chain."""
        ...


class FirmRecords(Protocol):
    """Who a signing key belongs to, and a firm's black/red-list standing (the credential side)."""

    def identity_of(self, address: str) -> str:
        """The USCC whose valid identity credential binds `address`; Unauthorised if none."""
        ...

    def credit_standing(self, uscc: str, *, at: int) -> CreditStanding: ...


class TenderLookup(Protocol):
    """The tenders the guarantees are for (`ledger.service.tenders.VerifiedTenders`: checked against
    TenderBook)."""

    def stored_tender(self, tender_id: bytes) -> StoredTender | None: ...


class TenderBookReads(Protocol):
    """What the guarantee use cases read of TenderBook (`TenderBookGateway` has it all)."""

    def is_centre(self, account: str) -> bool: ...

    def released_shares(self, tender_id: bytes, *, from_block: int = 0) -> list[Share]: ...

    def bidders(self, tender_id: bytes, section: int, *, from_block: int = 0) -> set[str]: ...

    def bid(self, tender_id: bytes, section: int, bidder: str) -> BidState: ...

    def section(self, tender_id: bytes, section: int) -> SectionState: ...

    @property
    def address(self) -> str: ...


class AwardedWinners(Protocol):
    """What the award reads of SelectionBook (`SelectionBookGateway` has it): the winner 评定分离
    awarded the section, None before the award (or after an upheld complaint withdrew it)."""

    def winner_of(self, tender_id: bytes, section: int) -> str | None: ...


PREPARABLE = frozenset({"applyFor", "issue", "reject", "cancel", "bind",
                        "unbind", "release", "expire", "contestClaim", "settleClaim"})


@dataclass(frozen=True)
class ApplicationTemplate:
    application: Application
    tx: UnsignedTx
    credit: CreditStanding
    red_discount: Decimal


@dataclass(frozen=True)
class IssueTemplate:
    guarantee_id: bytes
    application: Application
    fee_fen: int
    rate_bps: int
    red_discount: Decimal
    start: int
    credit: CreditStanding
    chain_id: int
    book_address: str
    opening_public: bytes


@dataclass(frozen=True)
class LetterTemplate:
    letter: CommitmentLetter


@dataclass(frozen=True)
class SectionChecks:
    tender_id: bytes
    section: int
    checks: list[tuple[str, Check]]


@dataclass(frozen=True)
class SectionClosed:
    """An award or a contract signing recorded, with what it released."""

    tender_id: bytes
    section: int
    released: Released
    winner: str | None = None  # the award's winner (None for a section without one)


@dataclass(frozen=True)
class BreachDraft:
    breach: Breach
    letter: CommitmentLetter


@dataclass(frozen=True)
class BidBacking:
    """What backs a bid: its bound guarantee, or its registered commitment letter."""

    guarantee: GuaranteeInfo | None
    letter: CommitmentLetter | None


def _show(value: Any) -> str:
    return to_hex(value) if isinstance(value, bytes) else str(value)


def parse_discount(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        raise ValidationFailed(f"red_discount must be a decimal fraction such as '0.3', got {text!r}") from None
    if not Decimal(0) <= value < Decimal(1):
        raise ValidationFailed(f"red_discount is a fraction in [0, 1), got {value}")
    return value


def _own(relayed: RelayedTx, signer: str, functions: tuple[str, ...]) -> None:
    relayed.require(signer, functions)


def _about(relayed: RelayedTx, gid: bytes) -> None:
    if bytes(relayed.args["guaranteeId"]) != gid:
        raise ValidationFailed(f"signed_tx {relayed.function}s guarantee {to_hex(relayed.args['guaranteeId'])}, "
                               f"not {to_hex(gid)}")


class GuaranteeService:
    """The e-guarantee use cases of the API, on the GuaranteeBook and TenderBook gateways, the
    tender, firm and guarantee records, and the check at opening. Parties' writes are their own
    signed transactions, checked to do exactly what the request says and relayed; the centre's
    steps are sent with `centre` (the publishing centre on chain). Writes run one at a time
    under `lock`; the store catches up (`records.catch_up()`) after each."""

    def __init__(self, book: GuaranteeBookGateway, tender_book: TenderBookReads, records: GuaranteeRecords,
                 tenders: TenderLookup, firms: FirmRecords, check: GuaranteeCheck, *, centre: LocalAccount,
                 selection: AwardedWinners, lock: AbstractContextManager[Any] | None = None,
                 sponsor: LocalAccount | None = None) -> None:
        self.book, self.tender_book, self.records, self.selection = book, tender_book, records, selection
        self.sponsor = sponsor
        self.tenders, self.firms, self.check, self.centre = tenders, firms, check, centre
        self.lock: AbstractContextManager[Any] = lock if lock is not None else nullcontext()

    # ------------------------------------------------------------------ helpers
    def now(self) -> int:
        return self.book.now()

    def tender(self, tender_id: str) -> Tender:
        try:
            tid: bytes | None = bytes(HexBytes(tender_id))
        except (ValueError, TypeError):
            tid = None
        found = self.tenders.stored_tender(tid) if tid is not None and len(tid) == 32 else None
        if found is None:
            raise NotFound("UnknownTender", {"tenderId": tender_id}, f"no tender {tender_id}")
        return found.tender

    def section_of(self, tender_id: str, section: int) -> Tender:
        tender = self.tender(tender_id)
        count = len(tender.params.sections)
        if not 0 <= section < count:
            raise NotFound("UnknownSection", {"tenderId": tender.tender_id, "section": section},
                           f"tender {tender.params.project_code} has sections 0..{count - 1}")
        return tender

    def require_centre(self, signer: str) -> None:
        if not self.tender_book.is_centre(signer):
            raise Unauthorised("NotCentre", {"caller": signer}, f"{signer} is not an authorised trading centre")

    def _record(self, gid: bytes) -> GuaranteeFile:
        row = self._checked(gid, self.records.record(gid))
        if row is None:
            raise NotFound("UnknownGuarantee", {"guaranteeId": gid}, f"no guarantee application {to_hex(gid)} on record")
        return row

    @staticmethod
    def _checked(gid: bytes, row: GuaranteeFile | None) -> GuaranteeFile | None:
        """The stored documents of guarantee `gid`, once shown to be its own: the guarantee id is the
        keccak of the applicant and the application's hash, so an application edited in the store no
        longer names it (StoreMismatch), nor do terms filed for another guarantee."""
        if row is None:
            return None
        app = row.application
        if app.guarantee_id() != gid or "0x" + app.hash().hex() != row.application_hash.lower():
            raise StoreMismatch(f"the stored application of guarantee {to_hex(gid)} is not the one its id was made "
                                f"from (it names guarantee {to_hex(app.guarantee_id())})")
        if row.terms is not None and row.terms.guarantee_id != gid:
            raise StoreMismatch(f"the stored terms of guarantee {to_hex(gid)} are those of guarantee "
                                f"{to_hex(row.terms.guarantee_id)}")
        return row

    def _types(self, issuer: str) -> list[IssuerType]:
        return self.book.issuer_types(issuer)

    def _require_issuer(self, issuer: str) -> None:
        if not self._types(issuer):
            raise Unauthorised("NotGuarantor", {"issuer": issuer}, f"{issuer} is not an authorised guarantee issuer")

    def _firm(self, signer: str, tender: Tender, firm_link: FirmLink | None) -> str:
        """The firm (USCC) behind `signer`: its own identity credential's, or, for a per-tender bid
        key, that of the firm key whose link to it (`ledger.crypto.bid_keys`) the caller shows."""
        key = signer
        if firm_link is not None:
            key = firm_link.firm_of(chain_id=self.book.chain_id, book_address=self.tender_book.address,
                                    tender_id=tender.tender_id, bid_key=signer)
        return self.firms.identity_of(key)

    def _relay(self, relayed: RelayedTx, filing: AbstractContextManager[Any] | None = None, *,
               sponsored: bool = False) -> Mined:
        """Relay a party's own transaction. `sponsored`: the relayer first tops the signer's gas up
        to what the transaction may cost — a bidder's per-tender bid key holds no funds (and must
        not get them from the firm's key, which would link the two), and a guarantor, or whoever
        settles a claim, needs none either. Every party step is sponsored the same way: dry-run as
        its signer first (one that would revert costs nothing), within the sponsorship cap."""
        # the chain decides whether the step applies; the filing guards its own document only
        # (see `GuaranteeRecords.filing_*`), so steps of different guarantees relay together
        with filing if filing is not None else nullcontext():
            mined = self.book.relay(relayed, sponsor=self.sponsor if sponsored else None)
        self.records.catch_up()
        return mined

    # ------------------------------------------------------------------ issuers
    def publish_profile(self, *, signer: str, name: str, uscc: str, red_discount: str) -> IssuerInfo:
        """An authorised issuer publishes its name, USCC and the fee discount red-listed firms get."""
        self._require_issuer(signer)
        try:
            code = validate_uscc(uscc)
        except InvalidUSCC as exc:
            raise ValidationFailed(f"uscc: {exc}") from None
        discount = parse_discount(red_discount)
        if not name.strip():
            raise ValidationFailed("name must not be empty")
        profile = self.records.publish_profile(signer, name=name.strip(), uscc=code, red_discount=discount)
        return IssuerInfo(signer, self._types(signer), profile)

    def red_discount_of(self, issuer: str) -> Decimal:
        """The discount `issuer` publishes for red-listed firms (0 if it published none)."""
        profile = self.records.profile(issuer)
        return Decimal(profile.red_discount) if profile else Decimal(0)

    def issuers(self) -> list[IssuerInfo]:
        """Every address ever authorised as a guarantee issuer, with its types now and its profile."""
        self.records.catch_up()
        profiles = self.records.profiles()
        return [IssuerInfo(issuer, self._types(issuer), profiles.get(issuer)) for issuer in self.book.ever_authorised()]

    def prepare(self, *, sender: str, function: str, args: Sequence[Any]) -> UnsignedTx:
        """An unsigned GuaranteeBook transaction for `sender` to sign (gas estimated: one that would
        revert is refused here with the contract's error)."""
        if function not in PREPARABLE:
            raise ValidationFailed(
                f"GuaranteeBook.{function} cannot be prepared here; one of {', '.join(sorted(PREPARABLE))}")
        sender = address(sender, "sender")
        try:
            return self.book.prepare(sender, function, *args)
        except (TypeError, ValueError) as exc:
            raise ValidationFailed(f"arguments do not fit {function}: {exc}") from None

    # ------------------------------------------------------------------ applying
    def _expected_application(self, tender: Tender, *, section: int, applicant: str, uscc: str, issuer: str,
                              application_no: str, firm_link: FirmLink | None) -> Application:
        return rules.prefill_application(
            chain_id=self.book.chain_id, book_address=self.book.address, tender=tender, section=section,
            applicant=applicant, applicant_uscc=uscc, issuer=issuer, application_no=application_no,
            firm_link=firm_link)

    def application_template(self, *, signer: str, tender_id: str, section: int, issuer: str,
                             application_no: str | None = None,
                             firm_link: FirmLink | None = None) -> ApplicationTemplate:
        """The bidder's application, filled in from the tender, the section and its firm, with the
        unsigned applyFor transaction: sign it and post both back. A per-tender bid key shows its
        firm link, which the application carries to the issuer."""
        tender = self.section_of(tender_id, section)
        issuer = address(issuer, "issuer")
        uscc = self._firm(signer, tender, firm_link)
        credit = self.firms.credit_standing(uscc, at=self.now())
        rules.refuse_blacklisted(credit, step="application")
        self._require_issuer(issuer)
        app = self._expected_application(tender, section=section, applicant=signer, uscc=uscc, issuer=issuer,
                                         application_no=application_no or f"SQ-{secrets.token_hex(8)}",
                                         firm_link=firm_link)
        tx = self.book.prepare_apply(app)
        discount = self.red_discount_of(issuer) if credit.is_redlisted else Decimal(0)
        return ApplicationTemplate(app, tx, credit, discount)

    def apply(self, *, signer: str, application: Mapping[str, Any], signed_tx: str) -> GuaranteeInfo:
        """Relay the bidder's own applyFor for an application that matches the ledger field by field."""
        try:
            app = Application.model_validate(application)
        except ValidationError as exc:
            raise ValidationFailed(f"application: {first_error(exc)}") from None
        if app.applicant != signer:
            raise Unauthorised("SignerMismatch", {}, f"the application is {app.applicant}'s, the request {signer}'s")
        tender = self.section_of(to_hex(app.tender_id), app.section)
        uscc = self._firm(signer, tender, app.firm_link)
        expected = self._expected_application(tender, section=app.section, applicant=signer, uscc=uscc,
                                              issuer=app.issuer, application_no=app.application_no,
                                              firm_link=app.firm_link)
        if app != expected:
            sent, ledger = app.model_dump(mode="json"), expected.model_dump(mode="json")
            wrong = [k for k in ledger if sent[k] != ledger[k]]
            raise ValidationFailed(
                f"application.{wrong[0]} is {sent[wrong[0]]!r} but the ledger says {ledger[wrong[0]]!r}: the "
                "application is filled in from the tender, the section and the firm "
                "(GET …/guarantees/application-template)")
        credit = self.firms.credit_standing(uscc, at=self.now())
        rules.refuse_blacklisted(credit, step="application")
        relayed = self.book.decode_signed(signed_tx)
        _own(relayed, signer, ("applyFor",))
        want = {"guaranteeId": app.guarantee_id(), "tenderId": app.tender_id, "section": app.section,
                "issuer": app.issuer, "amount": app.amount_fen, "applicationHash": app.hash()}
        for name, value in want.items():
            if relayed.args[name] != value:
                raise ValidationFailed(f"signed_tx applyFor has {name} {_show(relayed.args[name])}, the application "
                                       f"{_show(value)}")
        self._relay(relayed, self.records.filing_application(app), sponsored=True)
        return self.get(app.guarantee_id())

    # ------------------------------------------------------------------ issuing
    def issue_template(self, *, signer: str, guarantee_id: str, rate_bps: int) -> IssueTemplate:
        """For the named issuer: the terms filled in from the application (amount, beneficiary,
        period to the bid validity end, fee at `rate_bps` less its published red-list discount),
        and what a 密文 guarantee is sealed to."""
        gid = word(guarantee_id, "guarantee id")
        row, g = self._record(gid), self.book.known_guarantee(gid)
        if g.issuer != signer:
            raise Unauthorised("NotIssuer", {"guaranteeId": gid, "caller": signer},
                               f"guarantee {to_hex(gid)} was applied for to {g.issuer}, not to {signer}")
        if g.state is not State.APPLIED:
            raise Conflict("WrongState", {"guaranteeId": gid, "state": g.state.name},
                           f"guarantee {to_hex(gid)} is {g.state.name}, not APPLIED")
        app = row.application
        credit = self.firms.credit_standing(app.applicant_uscc, at=self.now())
        rules.refuse_blacklisted(credit, step="issue")
        discount = self.red_discount_of(signer)
        if not 0 <= rate_bps <= 10_000:
            raise ValidationFailed("rate_bps is in basis points, 0 to 10,000")
        fee = rules.quote_fee(app.amount_fen, rate_bps, credit=credit, red_discount=discount)
        tender = self.tender(to_hex(row.tender_id))
        return IssueTemplate(gid, app, fee, rate_bps, discount if credit.is_redlisted else Decimal(0), self.now(),
                             credit, self.book.chain_id, self.book.address, tender.opening_public)

    def issue(self, *, signer: str, guarantee_id: str, signed_tx: str, terms: Mapping[str, Any] | None,
              sealed_terms: bytes | None) -> GuaranteeInfo:
        """Relay the issuer's own issue: 明文 with the terms in clear (checked against the
        application and the published discount), 密文 with only the sealed terms (their keccak must
        be the on-chain commitment; the amount is checked at opening)."""
        gid = word(guarantee_id, "guarantee id")
        row, g = self._record(gid), self.book.known_guarantee(gid)
        if g.issuer != signer:
            raise Unauthorised("NotIssuer", {"guaranteeId": gid, "caller": signer},
                               f"guarantee {to_hex(gid)} was applied for to {g.issuer}: only it may issue")
        app = row.application
        credit = self.firms.credit_standing(app.applicant_uscc, at=self.now())
        rules.refuse_blacklisted(credit, step="issue")
        relayed = self.book.decode_signed(signed_tx)
        _own(relayed, signer, ("issue",))
        _about(relayed, gid)
        sent = relayed.args["t"]
        onchain = terms_tuple(sent)
        form = Form(int(sent["form"])) if int(sent["form"]) in Form._value2member_map_ else None
        discount = self.red_discount_of(signer)
        filing: AbstractContextManager[None]
        if form is Form.PLAINTEXT:
            if terms is None or sealed_terms is not None:
                raise ValidationFailed("a 明文 guarantee is issued with its terms in clear and no sealed terms")
            try:
                parsed = GuaranteeTerms.model_validate(terms)
            except ValidationError as exc:
                raise ValidationFailed(f"terms: {first_error(exc)}") from None
            rules.check_terms(app, parsed, credit=credit, red_discount=discount)
            expected = onchain_terms(parsed, Form.PLAINTEXT)
            for name, a, b in zip(TERMS_FIELDS, onchain, expected, strict=True):
                if a != b:
                    raise ValidationFailed(f"signed_tx issues {name} {_show(a)}, the terms say {_show(b)}")
            filing = self.records.filing_terms(gid, parsed)
        elif form is Form.SEALED:
            if terms is not None:
                raise ValidationFailed("a 密文 guarantee's terms stay sealed until opening: send only sealed_terms")
            if sealed_terms is None:
                raise ValidationFailed("a 密文 guarantee needs its sealed terms (sealed_terms_b64)")
            if len(sealed_terms) < MIN_ENVELOPE_SIZE or sealed_terms[0] != SEAL_VERSION:
                raise ValidationFailed("sealed_terms is not a sealed envelope (ledger.service.guarantees.seal_terms)")
            if terms_commitment(sealed_terms) != bytes(sent["termsCommitment"]):
                raise ValidationFailed("the keccak of sealed_terms is not the termsCommitment the transaction issues")
            if uscc_of_word(sent["beneficiaryUscc"]) != app.tenderer_uscc:
                raise ValidationFailed(f"the beneficiary must be the tenderer {app.tenderer_uscc}")
            if int(sent["end"]) < app.validity_end:
                raise ValidationFailed("the guarantee must last until the bid validity ends "
                                       f"({datetime.fromtimestamp(app.validity_end, UTC).isoformat()})")
            filing = self.records.filing_sealed_terms(bytes(sent["termsCommitment"]), sealed_terms)
        else:
            raise ValidationFailed(f"form {sent['form']} is neither 0 (明文) nor 1 (密文)")
        self._relay(relayed, filing, sponsored=True)
        return self.get(gid)

    def reject(self, *, signer: str, guarantee_id: str, signed_tx: str, reason: str) -> GuaranteeInfo:
        """Relay the issuer's own reject; the reason is kept, its keccak is on chain."""
        gid = word(guarantee_id, "guarantee id")
        self._record(gid)
        relayed = self.book.decode_signed(signed_tx)
        _own(relayed, signer, ("reject",))
        _about(relayed, gid)
        if bytes(relayed.args["reasonHash"]) != reason_hash(reason):
            raise ValidationFailed("signed_tx rejects with another reason than the one sent (reasonHash = keccak(reason))")
        self._relay(relayed, self.records.filing_rejection(reason), sponsored=True)
        return self.get(gid)

    def relay_own(self, *, signer: str, guarantee_id: str, signed_tx: str, function: str) -> GuaranteeInfo:
        """Relay a party's own cancel (applicant) or release (issuer, or the centre's own key)."""
        gid = word(guarantee_id, "guarantee id")
        self.book.known_guarantee(gid)
        relayed = self.book.decode_signed(signed_tx)
        _own(relayed, signer, (function,))
        _about(relayed, gid)
        self._relay(relayed, sponsored=True)
        return self.get(gid)

    # ------------------------------------------------------------------ binding and letters
    def bind(self, *, signer: str, tender_id: str, section: int, signed_tx: str, function: str) -> GuaranteeInfo:
        """Relay the bidder's own bind (or unbind) of its guarantee to its bid in this section."""
        tender = self.section_of(tender_id, section)
        relayed = self.book.decode_signed(signed_tx)
        _own(relayed, signer, (function,))
        gid = bytes(relayed.args["guaranteeId"])
        g = self.book.known_guarantee(gid)
        rules.check_backs(g, tender_id=tender.tender_id, section=section, bidder=signer)
        self._relay(relayed, sponsored=True)
        return self.get(gid)

    def letter_template(self, *, signer: str, tender_id: str, section: int,
                        firm_link: FirmLink | None = None) -> CommitmentLetter:
        """The bidder's credit commitment letter for this section, filled in, to sign (EIP-712); a
        per-tender bid key shows its firm link."""
        tender = self.section_of(tender_id, section)
        uscc = self._firm(signer, tender, firm_link)
        return rules.draft_commitment_letter(chain_id=self.book.chain_id, book_address=self.book.address,
                                             tender=tender, section=section, bidder=signer, firm_uscc=uscc,
                                             signed_at=self.now())

    def submit_letter(self, *, signer: str, tender_id: str, section: int, letter: Mapping[str, Any],
                      firm_link: FirmLink | None = None) -> RegisteredLetter:
        """Register the bidder's signed letter before the deadline (the same letter goes into its
        sealed bid as `credit-commitment.json`, which the bid's on-chain commitment anchors)."""
        tender = self.section_of(tender_id, section)
        try:
            parsed = CommitmentLetter.model_validate(letter)
        except ValidationError as exc:
            raise ValidationFailed(f"letter: {first_error(exc)}") from None
        uscc = self._firm(signer, tender, firm_link)
        if self.now() >= tender.deadline:
            raise Conflict("DeadlinePassed", {"tenderId": tender.tender_id, "deadline": tender.deadline},
                           "the deadline has passed: a commitment letter comes with the bid")
        rules.check_commitment_letter(parsed, chain_id=self.book.chain_id, book_address=self.book.address,
                                      tender=tender, section=section, bidder=signer, firm_uscc=uscc)
        return self.records.file_letter(parsed)

    # ------------------------------------------------------------------ opening
    def verify_section(self, *, signer: str, tender_id: str, section: int) -> SectionChecks:
        """The centre checks every live bid's guarantee in the section (after the deadline; 密文 ones
        need k released shares) and records each result on chain."""
        self.require_centre(signer)
        tender = self.section_of(tender_id, section)
        if self.now() < tender.deadline:
            raise Conflict("TooEarly", {"tenderId": tender.tender_id, "deadline": tender.deadline},
                           "guarantees are checked at opening, after the deadline")
        key: OpeningKey | None
        try:
            key = rebuild_opening_key(tender, self.tender_book.released_shares(tender.tender_id))
        except ShareError:
            key = None  # 明文 guarantees can still be checked; 密文 ones report ERROR
        checks = []
        for bidder in sorted(self.tender_book.bidders(tender.tender_id, section)):
            if self.tender_book.bid(tender.tender_id, section, bidder).commitment == ZERO_WORD:
                continue
            checks.append((bidder, self.check(tender=tender, section=section, bidder=bidder, opening_key=key,
                                              package=None, record=True)))
        self.records.catch_up()
        return SectionChecks(tender.tender_id, section, checks)

    # ------------------------------------------------------------------ award, release, claims
    def award(self, *, signer: str, tender_id: str, section: int, winner: str | None = None) -> SectionClosed:
        """Record the section's outcome as the chain has it and release every losing guarantee
        (batches of ≤ 100): the winner SelectionBook awarded after 评定分离 and 公示, or none for a
        section that failed (流标). The centre chooses nobody: a `winner` it names must be that one.
        (SelectionService.award records this in the same step; this records it for a failed
        section, or if that step's second transaction did not go through.)"""
        self.require_centre(signer)
        tender = self.section_of(tender_id, section)
        tid = tender.tender_id
        named = address(winner, "winner") if winner else None
        awarded = self.selection.winner_of(tid, section)
        if awarded is None and self.tender_book.section(tid, section).status is not SectionStatus.FAILED:
            raise Conflict("NotSelected", {"tenderId": tid, "section": section},
                           f"section {section} has no outcome to record yet: 评定分离 has not awarded it (the award "
                           "follows 公示 with no objection or complaint open) and it did not fail")
        if winner is not None and named != awarded:
            raise Conflict("NotTheAwardedWinner", {"winner": named},
                           f"{named} is not the winner SelectionBook awarded section {section} "
                           f"({awarded or 'none: the section failed'})")
        with self.lock:
            done = record_award(self.book, centre=self.centre, tender_id=tid, section=section, winner=awarded)
            self.records.catch_up()
        return SectionClosed(tid, section, done, awarded)

    def contract_signed(self, *, signer: str, tender_id: str, section: int, signed_at: int) -> SectionClosed:
        """Record the winner's contract signing and release the guarantees still held."""
        self.require_centre(signer)
        tender = self.section_of(tender_id, section)
        with self.lock:
            done = record_contract_signed(self.book, centre=self.centre, tender_id=tender.tender_id, section=section,
                                          signed_at=signed_at)
            self.records.catch_up()
        return SectionClosed(tender.tender_id, section, done)

    def claim(self, *, signer: str, guarantee_id: str, cause: str, evidence: bytes) -> GuaranteeInfo:
        """The centre files a claim for the tenderer, for a cause the chain's records support,
        publishing the evidence (its keccak goes on chain). It is paid only once the bidder's
        contest period is over (`settle`), or when the governance upholds a contested claim."""
        self.require_centre(signer)
        gid = word(guarantee_id, "guarantee id")
        try:
            reason = ClaimCause[cause]
        except KeyError:
            raise ValidationFailed(f"cause must be one of {', '.join(c.name for c in ClaimCause)}") from None
        self.book.known_guarantee(gid)
        with self.lock:
            with self.records.filing_evidence(evidence):
                claim(self.book, centre=self.centre, guarantee_id=gid, cause=reason, evidence=evidence)
            self.records.catch_up()
        return self.get(gid)

    def contest(self, *, signer: str, guarantee_id: str, signed_tx: str, reason: str) -> GuaranteeInfo:
        """Relay the bidder's own contestClaim (its own key only), keeping its reasons (their
        keccak is on chain); the claim then waits for the governance's resolveClaim."""
        gid = word(guarantee_id, "guarantee id")
        g = self.book.known_guarantee(gid)
        if g.applicant != signer:
            raise Unauthorised("NotApplicant", {"guaranteeId": gid, "caller": signer},
                               f"only the applicant {g.applicant} contests a claim on guarantee {to_hex(gid)}")
        if not reason.strip():
            raise ValidationFailed("a contest needs its reasons")
        relayed = self.book.decode_signed(signed_tx)
        _own(relayed, signer, ("contestClaim",))
        _about(relayed, gid)
        if bytes(relayed.args["reasonHash"]) != reason_hash(reason):
            raise ValidationFailed("signed_tx contests with another reason than the one sent (reasonHash = keccak(reason))")
        self._relay(relayed, self.records.filing_contest(reason), sponsored=True)
        return self.get(gid)

    def settle(self, *, signer: str, guarantee_id: str, signed_tx: str | None) -> GuaranteeInfo:
        """Pay out an uncontested claim after its contest period: anyone's own settleClaim (its gas
        topped up by the relayer, like every party's step, once the dry run shows it settles), or,
        without one, the centre's."""
        gid = word(guarantee_id, "guarantee id")
        self.book.known_guarantee(gid)
        if signed_tx is not None:
            relayed = self.book.decode_signed(signed_tx)
            _own(relayed, signer, ("settleClaim",))
            _about(relayed, gid)
            self._relay(relayed, sponsored=True)
            return self.get(gid)
        self.require_centre(signer)
        with self.lock:
            settle_claim(self.book, by=self.centre, guarantee_id=gid)
            self.records.catch_up()
        return self.get(gid)

    def expire(self, *, signer: str, guarantee_id: str) -> GuaranteeInfo:
        """Expire a guarantee past its end that was neither released nor claimed (the centre sends it;
        the contract allows anyone, and refuses one not yet ended)."""
        self.require_centre(signer)
        gid = word(guarantee_id, "guarantee id")
        self.book.known_guarantee(gid)
        with self.lock:
            self.book.expire(self.centre, gid)
            self.records.catch_up()
        return self.get(gid)

    def draft_breach(self, *, signer: str, tender_id: str, section: int, bidder: str, breach: str, evidence: bytes,
                     issuer: str, record_no: str, deciding_body: str, decision_document_no: str) -> BreachDraft:
        """The bad-conduct credit record for a broken commitment letter, sealed and ready for the
        credit authority (`issuer`) to anchor with its own key through POST /credentials."""
        self.require_centre(signer)
        tender = self.section_of(tender_id, section)
        letter = self.records.letter(tender.tender_id, section, address(bidder, "bidder"))
        if letter is None:
            raise NotFound("NoCommitmentLetter", {"bidder": bidder},
                           f"{bidder} registered no credit commitment letter for section {section}")
        now = datetime.fromtimestamp(self.now(), UTC)
        result = record_commitment_breach(
            letter=letter, breach=breach, evidence=evidence, record_no=record_no, deciding_body=deciding_body,
            decision_document_no=decision_document_no, listed_date=now.date(), issued_at=now,
            issuer_address=address(issuer, "issuer"))
        return BreachDraft(result, letter)

    # ------------------------------------------------------------------ reads
    def get(self, gid: bytes) -> GuaranteeInfo:
        """A guarantee as the chain holds it, with its application, terms (明文, or 密文 once opened),
        rejection, verification and claim."""
        g = self.book.known_guarantee(gid)
        claims = tuple(self.records.claims_of(gid))
        if claims:
            last = claims[-1]
            logged = self.book.claimed(gid)
            evidence = None if last.evidence is None else "0x" + keccak(last.evidence).hex()
            if logged is None or (last.cause, last.evidence_hash.lower()) != (logged[0].name, to_hex(logged[1])) \
                    or evidence != to_hex(logged[1]):
                raise StoreMismatch(f"the stored claim on guarantee {to_hex(gid)} (cause, evidence) is not the one "
                                    "the chain logged")
        return GuaranteeInfo(gid, g, self._checked(gid, self.records.record(gid)), claims[-1] if claims else None,
                             claims)

    # ------------------------------------------------------------------ reads (sealed until opening)
    def opened(self, tender_id: bytes, section: int) -> bool:
        """Whether the section's bids were opened (its opening closed on chain): from then on who
        bid, and so whose guarantee backs which bid, is public."""
        return self.tender_book.section(tender_id, section).status is not SectionStatus.PENDING

    def visible(self, g: Guarantee, viewer: str | None) -> bool:
        """A guarantee's documents name the firm behind a bid key, so before its section is opened
        only its parties (the applicant and the issuer) see them (招标投标法 Art. 22)."""
        if viewer is not None and to_checksum_address(viewer) in (g.applicant, g.issuer):
            return True
        return self.opened(g.tender_id, g.section)

    def _sealed(self, what: str) -> Unauthorised:
        return Unauthorised("SealedUntilOpening", {}, f"{what} is shown only to its applicant and issuer until the "
                            "section's bids are opened (who bid stays secret until opening); sign the request as "
                            "one of them")

    def guarantee(self, guarantee_id: str, *, viewer: str | None = None) -> GuaranteeInfo:
        info = self.get(word(guarantee_id, "guarantee id"))
        if not self.visible(info.chain, viewer):
            raise self._sealed(f"guarantee {to_hex(info.guarantee_id)}")
        return info

    def bid_guarantee(self, *, tender_id: str, section: int, bidder: str, viewer: str | None = None) -> BidBacking:
        """What backs a bid: the guarantee bound to it, or the registered commitment letter (to the
        bidder, or the issuer, before opening; to anyone after)."""
        tender = self.section_of(tender_id, section)
        bidder = address(bidder, "bidder")
        gid = self.book.guarantee_of_bid(tender.tender_id, section, bidder)
        if gid is not None:
            info = self.get(gid)
            if not self.visible(info.chain, viewer):
                raise self._sealed(f"the guarantee of {bidder}'s bid")
            return BidBacking(info, None)
        letter = self.records.letter(tender.tender_id, section, bidder)
        if letter is not None:
            if viewer != bidder and not self.opened(tender.tender_id, section):
                raise self._sealed(f"the commitment letter of {bidder}'s bid")
            return BidBacking(None, letter)
        raise NotFound("NoGuarantee", {"bidder": bidder},
                       f"no guarantee is bound to {bidder}'s bid in section {section}, and no commitment letter")

    def guarantees_of(self, *, applicant: str | None = None, issuer: str | None = None,
                      viewer: str | None = None) -> list[GuaranteeInfo]:
        """Guarantee applications on record, newest first, by applicant or by issuer: those of
        opened sections, and the viewer's own (as applicant or issuer) whatever their section."""
        rows = self.records.records(applicant=address(applicant, "applicant") if applicant else None,
                                    issuer=address(issuer, "issuer") if issuer else None)
        infos = [self.get(r.guarantee_id) for r in rows]
        return [i for i in infos if self.visible(i.chain, viewer)]
