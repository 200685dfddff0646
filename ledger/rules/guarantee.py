"""The e-guarantee decisions, as functions of model objects and a time: the application and the
terms filled in from the ledger, the checks an issue and a binding must pass, the fee with the
red-list discount, the commitment letter's validity, and the guarantee check at opening."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from eth_utils import to_checksum_address
from pydantic import ValidationError

from ledger.crypto.bid_keys import FirmLink
from ledger.crypto.canonical import canonical_json, keccak
from ledger.crypto.guarantee import open_terms_bytes, sign_typed, terms_commitment
from ledger.crypto.sealing import BidFile, BidPackage, DecryptionFailed, OpeningKey
from ledger.documents import CreditCredential, CreditType, SealedCredential
from ledger.errors import NotFound, Unauthorised, ValidationFailed
from ledger.model.guarantee import (
    CHECK_NAME,
    DAY,
    LETTER_FILE,
    LETTER_STATEMENT,
    Application,
    CommitmentLetter,
    Form,
    Guarantee,
    GuaranteeTerms,
    IssuerType,
    PublicTerms,
    State,
    first_error,
    iso,
    to_fen,
    to_yuan,
)
from ledger.model.tender import Tender
from ledger.rules.credit import CreditStanding, guarantee_fee
from ledger.rules.reasons import Reason, plain, said
from ledger.rules.verify import Check, CheckStatus
from ledger.tenders import Section


def section_of(tender: Tender, section: int) -> Section:
    sections = tender.params.sections
    if not 0 <= section < len(sections):
        raise NotFound("UnknownSection", {"tenderId": tender.tender_id, "section": section},
                       f"tender {tender.params.project_code} has sections 0..{len(sections) - 1}")
    return sections[section]


def validity_end(tender: Tender) -> int:
    """When the bids' validity ends: the deadline plus the tender's bid validity period."""
    return tender.deadline + tender.params.bid_validity_days * DAY


# ---------------------------------------------------------------------- applying


def prefill_application(
    *, chain_id: int, book_address: str, tender: Tender, section: int, applicant: str,
    applicant_uscc: str, issuer: str, application_no: str, firm_link: FirmLink | None = None,
) -> Application:
    """The application for `applicant`'s guarantee in `section`, filled in from the tender."""
    sec = section_of(tender, section)
    if sec.bid_guarantee <= 0:
        raise ValidationFailed(f"section {sec.code} requires no bid guarantee")
    p = tender.params
    try:
        return Application(
            application_no=application_no, chain_id=chain_id, guarantee_book=to_checksum_address(book_address),
            tender_id=tender.tender_id, project_code=p.project_code, title=p.title, section=section,
            section_code=sec.code, section_name=sec.name, tenderer=p.tenderer, tenderer_uscc=p.tenderer_uscc,
            applicant=to_checksum_address(applicant), applicant_uscc=applicant_uscc,
            issuer=to_checksum_address(issuer), amount_fen=to_fen(sec.bid_guarantee), deadline=tender.deadline,
            validity_end=validity_end(tender), firm_link=firm_link,
        )
    except ValidationError as exc:
        raise ValidationFailed(first_error(exc)) from None


def refuse_blacklisted(credit: CreditStanding, *, step: str) -> None:
    """Raise Unauthorised("Blacklisted") naming the records when the firm is black-listed."""
    if credit.is_blacklisted:
        records = ", ".join(credit.blacklisted)
        raise Unauthorised(
            "Blacklisted", {"uscc": credit.uscc, "records": list(credit.blacklisted)},
            f"firm {credit.uscc} is black-listed ({records}) at {iso(credit.at)}: "
            f"a black-listed firm cannot obtain a guarantee ({step} refused)",
        )


def check_applicant(application: Application, applicant: str, credit: CreditStanding) -> None:
    """Raise unless `applicant` is the application's and its firm may obtain a guarantee now."""
    if to_checksum_address(applicant) != application.applicant:
        raise Unauthorised("NotApplicant", {"caller": applicant},
                           f"the application is {application.applicant}'s, not {applicant}'s")
    if credit.uscc != application.applicant_uscc:
        raise ValidationFailed(f"the credit standing is {credit.uscc}'s, the applicant is {application.applicant_uscc}")
    refuse_blacklisted(credit, step="application")


# ---------------------------------------------------------------------- issuing


def quote_fee(amount_fen: int, rate_bps: int, *, credit: CreditStanding, red_discount: Decimal) -> int:
    """The fee in 分 for `amount_fen` at `rate_bps`, less the issuer's red-list discount."""
    fee = guarantee_fee(to_yuan(amount_fen), rate_bps, redlisted=credit.is_redlisted, red_discount=red_discount)
    return to_fen(fee)


def prefill_terms(
    application: Application, *, guarantee_no: str, issuer_type: IssuerType, rate_bps: int,
    credit: CreditStanding, red_discount: Decimal, doc_hash: bytes, start: int, end: int | None = None,
) -> GuaranteeTerms:
    """The issuer's terms for `application`: its amount, beneficiary and codes, the fee at
    `rate_bps` with the red-list discount, in force from `start` to the bid validity end."""
    try:
        return GuaranteeTerms(
            guarantee_id=application.guarantee_id(), guarantee_no=guarantee_no, issuer=application.issuer,
            issuer_type=issuer_type, applicant=application.applicant, applicant_uscc=application.applicant_uscc,
            beneficiary=application.tenderer, beneficiary_uscc=application.tenderer_uscc,
            project_code=application.project_code, section_code=application.section_code,
            amount_fen=application.amount_fen,
            fee_fen=quote_fee(application.amount_fen, rate_bps, credit=credit, red_discount=red_discount),
            rate_bps=rate_bps, red_discount=red_discount if credit.is_redlisted else Decimal(0),
            start=start, end=end if end is not None else application.validity_end, doc_hash=doc_hash,
        )
    except ValidationError as exc:
        raise ValidationFailed(first_error(exc)) from None


def check_terms(
    application: Application, terms: GuaranteeTerms, *, credit: CreditStanding, red_discount: Decimal
) -> None:
    """Raise ValidationFailed unless `terms` answer `application`, with the fee the issuer's
    published discount gives (a red-listed firm pays less), and last the bid validity."""
    expected = {
        "guarantee_id": application.guarantee_id(), "issuer": application.issuer,
        "applicant": application.applicant, "applicant_uscc": application.applicant_uscc,
        "beneficiary_uscc": application.tenderer_uscc, "project_code": application.project_code,
        "section_code": application.section_code,
    }
    for name, value in expected.items():
        if getattr(terms, name) != value:
            shown = "0x" + value.hex() if isinstance(value, bytes) else value
            raise ValidationFailed(f"terms.{name} must be {shown} (from the application)")
    if terms.amount_fen < application.amount_fen:
        raise ValidationFailed(f"the amount {to_yuan(terms.amount_fen)} 元 is below the "
                               f"{to_yuan(application.amount_fen)} 元 applied for")
    if terms.end < application.validity_end:
        raise ValidationFailed(f"the guarantee ends {iso(terms.end)}, before the bid validity ends "
                               f"{iso(application.validity_end)}")
    fee = quote_fee(terms.amount_fen, terms.rate_bps, credit=credit, red_discount=red_discount)
    if terms.fee_fen != fee:
        why = f" (red-listed: {', '.join(credit.redlisted)}; discount {red_discount})" if credit.is_redlisted else ""
        raise ValidationFailed(f"the fee must be {to_yuan(fee)} 元 at {terms.rate_bps} bp{why}, "
                               f"not {to_yuan(terms.fee_fen)} 元")


def parse_terms(plain: bytes) -> GuaranteeTerms:
    try:
        return GuaranteeTerms.model_validate_json(plain)
    except ValidationError as exc:
        raise ValidationFailed(f"the sealed terms are not guarantee terms: {first_error(exc)}") from None


def open_terms(
    envelope: bytes, key: OpeningKey, *, chain_id: int, book_address: str, guarantee_id: bytes
) -> GuaranteeTerms:
    """Open sealed terms; DecryptionFailed if they do not open, ValidationFailed if not terms."""
    return parse_terms(open_terms_bytes(envelope, key, chain_id=chain_id, book_address=book_address,
                                        guarantee_id=guarantee_id))


# ---------------------------------------------------------------------- binding


def check_backs(g: Guarantee, *, tender_id: bytes | None, section: int | None, bidder: str) -> None:
    """Raise unless guarantee `g` was applied for by `bidder` for this tender and section."""
    gid = "0x" + g.guarantee_id.hex()
    if g.applicant != to_checksum_address(bidder):
        raise Unauthorised("NotApplicant", {"guaranteeId": g.guarantee_id, "caller": bidder},
                           f"guarantee {gid} was applied for by {g.applicant}: a bid can only be "
                           "backed by its bidder's own guarantee")
    if tender_id is not None and g.tender_id != tender_id:
        raise ValidationFailed(f"guarantee {gid} backs tender 0x{g.tender_id.hex()}, not 0x{tender_id.hex()}")
    if section is not None and g.section != section:
        raise ValidationFailed(f"guarantee {gid} backs section {g.section}, not section {section}")


# ---------------------------------------------------------------------- credit commitment letters


def draft_commitment_letter(
    *, chain_id: int, book_address: str, tender: Tender, section: int, bidder: str,
    firm_uscc: str, signed_at: int,
) -> CommitmentLetter:
    """The letter for `bidder`'s bid in `section`, filled in from the tender (unsigned)."""
    sec = section_of(tender, section)
    if not sec.credit_commitment_allowed:
        raise ValidationFailed(f"section {sec.code} does not allow a credit commitment letter in place of a guarantee")
    return CommitmentLetter(
        chain_id=chain_id, guarantee_book=to_checksum_address(book_address), tender_id=tender.tender_id,
        section=section, section_code=sec.code, bidder=to_checksum_address(bidder), firm_uscc=firm_uscc,
        guarantee_amount_fen=to_fen(sec.bid_guarantee), signed_at=signed_at,
    )


def sign_commitment_letter(letter: CommitmentLetter, bidder: Any) -> CommitmentLetter:
    """The letter signed (EIP-712) by `bidder` (a LocalAccount)."""
    return letter.model_copy(update={"signature": sign_typed(letter.typed(), bidder)})


def check_commitment_letter(
    letter: CommitmentLetter, *, chain_id: int, book_address: str, tender: Tender, section: int,
    bidder: str, firm_uscc: str | None = None,
) -> None:
    """Raise ValidationFailed unless the letter is signed by `bidder` for this very bid, in a
    section that allows one, for the section's guarantee amount, before the deadline."""
    sec = section_of(tender, section)
    if not sec.credit_commitment_allowed:
        raise ValidationFailed(f"section {sec.code} does not allow a credit commitment letter in place of a guarantee")
    expected: dict[str, Any] = {
        "chain_id": chain_id, "guarantee_book": to_checksum_address(book_address), "tender_id": tender.tender_id,
        "section": section, "section_code": sec.code, "bidder": to_checksum_address(bidder),
        "guarantee_amount_fen": to_fen(sec.bid_guarantee), "statement": LETTER_STATEMENT}
    if firm_uscc is not None:
        expected["firm_uscc"] = firm_uscc
    for name, value in expected.items():
        if getattr(letter, name) != value:
            shown = "0x" + value.hex() if isinstance(value, bytes) else value
            raise ValidationFailed(f"the commitment letter's {name} must be {shown}")
    if letter.signed_at >= tender.deadline:
        raise ValidationFailed(f"the commitment letter is dated {iso(letter.signed_at)}, after the deadline")
    if letter.signer() != to_checksum_address(bidder):
        raise ValidationFailed(f"the commitment letter is signed by {letter.signer()}, not by the bidder {bidder}")


def letter_file(letter: CommitmentLetter) -> BidFile:
    """The signed letter as a bid file, to put in the package under `LETTER_FILE` before sealing."""
    return BidFile.of(canonical_json(letter.model_dump(mode="json")))


def letter_from_package(package: BidPackage | None) -> CommitmentLetter | None:
    """The signed letter an opened bid package carries, or None (ValidationFailed if unreadable)."""
    if package is None or LETTER_FILE not in package.files:
        return None
    try:
        return CommitmentLetter.model_validate_json(package.files[LETTER_FILE].content)
    except ValidationError as exc:
        raise ValidationFailed(f"{LETTER_FILE} in the bid is not a commitment letter: {first_error(exc)}") from None


def breach_record(
    *, letter: CommitmentLetter, breach: str, evidence: bytes, issuer: str | None, record_no: str,
    deciding_body: str, decision_document_no: str, listed_date: date, issued_at: datetime,
    valid_until: datetime | None = None,
) -> tuple[SealedCredential, bytes]:
    """A CREDIT credential of type "bad" (不良行为) about the letter's firm for breaking it, sealed,
    and the keccak of the evidence. The decision names the letter (its EIP-712 digest), the
    breach and the evidence's keccak."""
    if not breach.strip():
        raise ValidationFailed("say how the commitment was broken")
    if not evidence:
        raise ValidationFailed("a breach needs its evidence")
    if letter.signer() != letter.bidder:  # a letter that does not verify proves no commitment
        raise ValidationFailed(f"the commitment letter is signed by {letter.signer()}, not by {letter.bidder}")
    if issuer is None:
        raise ValidationFailed("name the credit authority that issues the record (issuer_address or its key)")
    evidence_hash = keccak(evidence)
    decision = (f"违反信用承诺书（0x{letter.digest().hex()}，项目{letter.section_code}）：{breach.strip()}；"
                f"证据 keccak 0x{evidence_hash.hex()}")
    try:
        doc = CreditCredential(
            issuer=issuer, subject=letter.firm_uscc, valid_from=issued_at, valid_until=valid_until,
            issued_at=issued_at, record_no=record_no, record_type=CreditType.BAD, decision=decision,
            deciding_body=deciding_body, decision_document_no=decision_document_no, listed_date=listed_date,
        )
    except ValidationError as exc:
        raise ValidationFailed(first_error(exc)) from None
    return SealedCredential.seal(doc), evidence_hash


# ---------------------------------------------------------------------- opening


def check_letter_in_place(
    letter: CommitmentLetter | None, *, chain_id: int, book_address: str, tender: Tender, section: int, bidder: str,
) -> Check:
    """The check when no guarantee is bound to the bid: VALID only for a valid commitment letter."""
    sec = section_of(tender, section)
    if letter is None:
        none = Reason.GUARANTEE_NONE_NO_LETTER if sec.credit_commitment_allowed else Reason.GUARANTEE_NONE
        return Check(CHECK_NAME, CheckStatus.INVALID, *said(none))
    try:
        check_commitment_letter(letter, chain_id=chain_id, book_address=book_address, tender=tender,
                                section=section, bidder=bidder)
    except ValidationFailed as exc:
        return Check(CHECK_NAME, CheckStatus.INVALID, *said(Reason.LETTER_INVALID, error=str(exc)))
    digest = "0x" + letter.digest().hex()
    reason, why = said(Reason.LETTER_IN_PLACE, letter=digest, section=sec.code)
    return Check(CHECK_NAME, CheckStatus.VALID, reason, {"commitment_letter": digest, **why})


def check_bound_guarantee(
    g: Guarantee, *, tender: Tender, section: int, bidder: str, authorised: bool, public: PublicTerms | None,
    chain_id: int, book_address: str, key: OpeningKey | None, sealed_terms: bytes | None,
) -> Check:
    """The check of guarantee `g`, bound to the bid, against the tender: VALID when it was issued
    by an authorised issuer to this bidder for this tender and section, names the tenderer as
    beneficiary, is in force at the deadline, covers the required amount and lasts until the bid
    validity ends, and is still bound. A 密文 guarantee's amount is read from its sealed terms."""
    sec = section_of(tender, section)
    required = to_fen(sec.bid_guarantee)
    gid = g.guarantee_id
    hex_id = "0x" + gid.hex()
    bidder = to_checksum_address(bidder)
    details: dict[str, Any] = {"guarantee_id": hex_id, "form": g.form.name, "issuer": g.issuer}

    def check(status: CheckStatus, reason: Reason, **args: Any) -> Check:
        sentence, why = said(reason, **args)
        return Check(CHECK_NAME, status, sentence, {**details, **why})

    def invalid(reason: Reason, **args: Any) -> Check:
        return check(CheckStatus.INVALID, reason, **args)

    if g.state not in (State.BOUND, State.VERIFIED):
        return invalid(Reason.GUARANTEE_NOT_LIVE, guarantee=hex_id, state=g.state.name)
    if g.applicant != bidder:
        return invalid(Reason.GUARANTEE_OTHER_APPLICANT, guarantee=hex_id, applicant=g.applicant)
    if g.tender_id != tender.tender_id or g.section != section:
        return invalid(Reason.GUARANTEE_OTHER_TENDER, guarantee=hex_id, section=g.section,
                       tender="0x" + g.tender_id.hex())
    if not authorised:
        kind = IssuerType(g.issuer_type).name if g.issuer_type in IssuerType._value2member_map_ else g.issuer_type
        return invalid(Reason.GUARANTEE_ISSUER_UNAUTHORISED, issuer=g.issuer, issuer_type=str(kind))
    if public is None:
        return invalid(Reason.GUARANTEE_NOT_ISSUED, guarantee=hex_id)
    if public.beneficiary_uscc != tender.params.tenderer_uscc:
        return invalid(Reason.GUARANTEE_OTHER_BENEFICIARY, beneficiary=public.beneficiary_uscc,
                       tenderer=tender.params.tenderer_uscc)
    amount = g.amount
    if g.form is Form.SEALED:
        if key is None:
            return check(CheckStatus.ERROR, Reason.GUARANTEE_NO_KEY)
        if sealed_terms is None:
            return check(CheckStatus.ERROR, Reason.GUARANTEE_TERMS_MISSING, guarantee=hex_id)
        if terms_commitment(sealed_terms) != g.terms_commitment:
            return invalid(Reason.GUARANTEE_TERMS_MISMATCH)
        try:
            terms = open_terms(sealed_terms, key, chain_id=chain_id, book_address=book_address, guarantee_id=gid)
        except DecryptionFailed as exc:
            return invalid(Reason.GUARANTEE_TERMS_UNOPENED, error=str(exc))
        except ValidationFailed as exc:
            return invalid(Reason.GUARANTEE_TERMS_INVALID, error=str(exc))
        mismatch = [name for name, ok in (
            ("guarantee_id", terms.guarantee_id == gid), ("doc_hash", terms.doc_hash == g.doc_hash),
            ("end", terms.end == g.end), ("start", terms.start == public.start),
            ("beneficiary_uscc", terms.beneficiary_uscc == public.beneficiary_uscc),
            ("applicant", terms.applicant == g.applicant), ("issuer", terms.issuer == g.issuer),
            ("issuer_type", int(terms.issuer_type) == g.issuer_type),
        ) if not ok]
        if mismatch:
            return invalid(Reason.GUARANTEE_TERMS_CONTRADICT, fields=mismatch)
        amount = terms.amount_fen
        details.update(revealed_amount_fen=amount, fee_fen=terms.fee_fen, guarantee_no=terms.guarantee_no)
    details.update(amount_fen=amount, start=public.start, end=g.end, validity_end=validity_end(tender))
    if public.start > tender.deadline:
        return invalid(Reason.GUARANTEE_STARTS_LATE, start=public.start, deadline=tender.deadline)
    if amount < required:
        return invalid(Reason.GUARANTEE_AMOUNT_LOW, amount=str(to_yuan(amount)), required=str(to_yuan(required)))
    end_needed = validity_end(tender)
    if g.end < end_needed:
        return invalid(Reason.GUARANTEE_ENDS_EARLY, end=g.end, validity_end=end_needed)
    return check(CheckStatus.VALID, Reason.GUARANTEE_VALID, guarantee=hex_id, issuer=g.issuer,
                 amount=str(to_yuan(amount)), beneficiary=public.beneficiary_uscc, start=public.start, end=g.end)


def not_required(tender: Tender, section: int) -> Check | None:
    """NOT_CHECKED when the section requires no guarantee, else None."""
    if to_fen(section_of(tender, section).bid_guarantee) == 0:
        return Check(CHECK_NAME, CheckStatus.NOT_CHECKED, *said(Reason.GUARANTEE_NOT_REQUIRED))
    return None


def verification_report(check: Check) -> bytes:
    """The bytes whose keccak `recordVerification` logs: the check as RFC 8785 JSON (its details
    without the reason's code and arguments, `reasons.plain`: words about the check, not part of it)."""
    return canonical_json({"name": check.name, "status": check.status.value, "reason": check.reason,
                           "details": json.loads(json.dumps(plain(check.details), default=str))})


def recordable(check: Check) -> tuple[bytes, bool, int]:
    """(guarantee id, valid, revealed amount) of a finished check naming a bound guarantee."""
    gid_hex = check.details.get("guarantee_id")
    if check.name != CHECK_NAME or gid_hex is None:
        raise ValidationFailed("only a guarantee check naming a bound guarantee can be recorded")
    if check.status not in (CheckStatus.VALID, CheckStatus.INVALID):
        raise ValidationFailed(f"a {check.status.value} check is not a result: it is not recorded ({check.reason})")
    return bytes.fromhex(gid_hex[2:]), check.status is CheckStatus.VALID, int(check.details.get("revealed_amount_fen", 0))
