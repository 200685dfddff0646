"""E-guarantees (电子保函): the admin authorises issuers, bidders apply from a filled-in template
and bind, issuers issue or reject, the centre checks them at opening, records the award and
the signing (which release them) and files claims with evidence; the bidder may contest a claim
within its contest period, after which anyone settles it (a contested one is decided by the
governance, through /governance); anyone reads a guarantee."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from api.auth import OptionalCallerDep, SignedCallerDep
from api.deps import GuaranteeServiceDep
from api.params import Address, Base64, Signature, ClaimCauseName, GuaranteeId, RateBps, Section, TenderId, UnixTime, Uscc
from api.responses import (
    PREPARE,
    SIGNED,
    SIGNED_READ,
    SEALED_READ,
    ApplicationTemplate,
    Awarded,
    BidBacking,
    BreachDraft,
    ContractSigned,
    GuaranteeIssuer,
    GuaranteeIssuerProfile,
    GuaranteeView,
    IssueTemplate,
    LetterTemplate,
    PreparedTx,
    RegisteredLetter,
    SectionChecks,
    answers,
    link,
)
from api.views import guarantees as views
from api.routes.credentials import SignedTx, _decode_args
from ledger.crypto.bid_keys import FirmLink
from ledger.errors import ValidationFailed

router = APIRouter(tags=["guarantees"])
SECTION = "/tenders/{tender_id}/sections/{section}/guarantees"


def guarantee_links(at: str) -> dict[str, dict[str, Any]]:
    """Where a guarantee in an answer (at the JSON pointer `at`) leads: its own steps, its tender
    and the bid it backs."""
    gid, tender = f"$response.body#{at}/guarantee_id", f"$response.body#{at}/tender_id"
    section, applicant = f"$response.body#{at}/section", f"$response.body#{at}/applicant"
    own = {name: link(method, f"/guarantees/{{guarantee_id}}{rest}", guarantee_id=gid) for name, method, rest in (
        ("GetGuarantee", "GET", ""), ("IssueTemplate", "GET", "/issue-template"), ("Issue", "POST", "/issue"),
        ("Reject", "POST", "/reject"), ("Cancel", "POST", "/cancel"), ("Release", "POST", "/release"),
        ("Claim", "POST", "/claims"), ("Expire", "POST", "/expire"))}
    return {**own, "GetTender": link("GET", "/tenders/{tender_id}", tender_id=tender),
            "BidBacking": link("GET", SECTION + "/bids/{bidder}", tender_id=tender, section=section, bidder=applicant)}


def _b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(f"{what} must be base64") from None


class ProfileRequest(BaseModel):
    name: str = Field(description="the issuer's name, e.g. 中国银行珠海分行")
    uscc: Uscc = Field(description="the issuer's 统一社会信用代码")
    red_discount: str = Field(description="fee discount for red-listed firms, a fraction in [0, 1), e.g. '0.3'")


class PrepareRequest(BaseModel):
    sender: Address = Field(description="address that will sign the transaction")
    function: str
    args: list[Any]


class ApplyRequest(SignedTx):
    application: dict[str, Any] = Field(description="the application exactly as the template returned it")


class IssueRequest(SignedTx):
    terms: dict[str, Any] | None = Field(default=None, description="明文: the guarantee terms in clear")
    sealed_terms_b64: Base64 | None = Field(default=None, description="密文: the terms sealed to the opening key")


class RejectRequest(SignedTx):
    reason: str = Field(min_length=1, description="why the application is refused; its keccak goes on chain")


class FirmLinkBody(BaseModel):
    firm: Address = Field(description="the firm key (the one its identity credential names)")
    signature: Signature = Field(description="its EIP-712 BidKey(tenderId, bidKey) signature")


class LetterRequest(BaseModel):
    letter: dict[str, Any] = Field(description="the signed credit commitment letter (信用承诺书)")
    firm_link: FirmLinkBody | None = Field(default=None, description="when the caller is a per-tender bid key: "
                                           "the firm key's signed link to it")


class AwardRequest(BaseModel):
    winner: Address | None = Field(default=None, description=(
        "optional: the winner the centre expects; the award records the winner SelectionBook awarded "
        "after 评定分离 and 公示 (none for a failed section), and refuses (409) a request naming another"))


class SigningRequest(BaseModel):
    signed_at: datetime | UnixTime = Field(description="when the contract was signed (ISO 8601 or unix seconds)")


class ContestRequest(SignedTx):
    reason: str = Field(min_length=1, description="why the claim is wrong; its keccak goes on chain")


class SettleRequest(BaseModel):
    signed_tx: str | None = Field(default=None, description="the caller's own settleClaim transaction; "
                                                            "without it the centre sends one")


class ClaimRequest(BaseModel):
    cause: ClaimCauseName
    evidence_b64: Base64 = Field(description="the evidence (withdrawal letter, refusal, failure report), base64")


# ---------------------------------------------------------------------- issuers


@router.get("/guarantee-issuers", **answers(list[GuaranteeIssuer], (503,), links={
    "GuaranteesIssued": link("GET", "/guarantees", **{"query.issuer": "$response.body#/0/issuer"})}))
def issuers(svc: GuaranteeServiceDep) -> list[dict[str, Any]]:
    """Every guarantee issuer with its types now, its name and its red-list discount."""
    return [views.issuer(i) for i in svc.issuers()]


@router.post("/guarantee-issuers/profile", **answers(GuaranteeIssuerProfile, SIGNED))
def profile(body: ProfileRequest, caller: SignedCallerDep, svc: GuaranteeServiceDep) -> dict[str, Any]:
    """An authorised issuer publishes its name, USCC and the fee discount red-listed firms get."""
    return views.profile(svc.publish_profile(signer=caller.signer, name=body.name, uscc=body.uscc,
                                             red_discount=body.red_discount))


@router.post("/guarantees/tx/prepare", **answers(PreparedTx, PREPARE))
def prepare(body: PrepareRequest, svc: GuaranteeServiceDep) -> dict[str, Any]:
    """An unsigned GuaranteeBook transaction (gas, fees, nonce filled in) for the sender to sign."""
    return {"tx": views.unsigned_tx(svc.prepare(sender=body.sender, function=body.function,
                                              args=_decode_args(body.args)))}


# ---------------------------------------------------------------------- bidders


FirmQuery = Annotated[Address | None, Query(description="a per-tender bid key's firm key (with firm_signature)")]
FirmSignatureQuery = Annotated[Signature | None, Query(
    description="the firm key's EIP-712 BidKey(tenderId, bidKey) signature linking it to the calling bid key")]


def _firm_link(firm: str | None, signature: str | None) -> FirmLink | None:
    if (firm is None) != (signature is None):
        raise ValidationFailed("a firm link is the firm key's address and its signature: give both or neither")
    if firm is None or signature is None:
        return None
    try:
        return FirmLink(firm=firm, signature=signature)
    except PydanticValidationError as exc:
        raise ValidationFailed(f"firm link: {exc.errors()[0]['msg']}") from None


@router.get(SECTION + "/application-template", **answers(ApplicationTemplate, SIGNED_READ))
def application_template(tender_id: TenderId, section: Section, caller: SignedCallerDep, svc: GuaranteeServiceDep,
                         issuer: Annotated[Address, Query(description="the issuer applied to")],
                         firm: FirmQuery = None, firm_signature: FirmSignatureQuery = None) -> dict[str, Any]:
    """The caller's application filled in from the tender, section and firm, with its applyFor to sign.
    A per-tender bid key shows its firm link (`firm`, `firm_signature`), which the application carries."""
    return views.application_template(svc.application_template(
        signer=caller.signer, tender_id=tender_id, section=section, issuer=issuer,
        firm_link=_firm_link(firm, firm_signature)))


@router.post("/guarantees", **answers(GuaranteeView, SIGNED, status=201,
                                      links=guarantee_links("")))
def apply(body: ApplyRequest, caller: SignedCallerDep, svc: GuaranteeServiceDep) -> dict[str, Any]:
    """Apply for a guarantee: the filled-in application and the bidder's own signed applyFor."""
    return views.guarantee(svc.apply(signer=caller.signer, application=body.application, signed_tx=body.signed_tx))


@router.post("/guarantees/{guarantee_id}/cancel", **answers(GuaranteeView, SIGNED))
def cancel(guarantee_id: GuaranteeId, body: SignedTx, caller: SignedCallerDep, svc: GuaranteeServiceDep) -> dict[str, Any]:
    """The applicant withdraws its application (its own cancel transaction)."""
    return views.guarantee(svc.relay_own(signer=caller.signer, guarantee_id=guarantee_id, signed_tx=body.signed_tx,
                                         function="cancel"))


@router.post(SECTION + "/bind", **answers(GuaranteeView, SIGNED))
def bind(tender_id: TenderId, section: Section, body: SignedTx, caller: SignedCallerDep, svc: GuaranteeServiceDep) -> dict[str, Any]:
    """Bind one's issued guarantee to one's bid in this section (own bind transaction)."""
    return views.guarantee(svc.bind(signer=caller.signer, tender_id=tender_id, section=section,
                                    signed_tx=body.signed_tx, function="bind"))


@router.post(SECTION + "/unbind", **answers(GuaranteeView, SIGNED))
def unbind(tender_id: TenderId, section: Section, body: SignedTx, caller: SignedCallerDep, svc: GuaranteeServiceDep) -> dict[str, Any]:
    """Unbind one's guarantee from one's bid before the deadline (own unbind transaction)."""
    return views.guarantee(svc.bind(signer=caller.signer, tender_id=tender_id, section=section,
                                    signed_tx=body.signed_tx, function="unbind"))


@router.get(SECTION + "/commitment-letter-template", **answers(LetterTemplate, SIGNED_READ))
def letter_template(tender_id: TenderId, section: Section, caller: SignedCallerDep, svc: GuaranteeServiceDep,
                    firm: FirmQuery = None, firm_signature: FirmSignatureQuery = None) -> dict[str, Any]:
    """The caller's credit commitment letter for this section, filled in, to sign (EIP-712); a
    per-tender bid key shows its firm link."""
    return views.letter_template(svc.letter_template(signer=caller.signer, tender_id=tender_id, section=section,
                                                     firm_link=_firm_link(firm, firm_signature)))


@router.post(SECTION + "/commitment-letter", **answers(RegisteredLetter, SIGNED, status=201))
def commitment_letter(tender_id: TenderId, section: Section, body: LetterRequest, caller: SignedCallerDep,
                      svc: GuaranteeServiceDep) -> dict[str, Any]:
    """Register one's signed credit commitment letter in place of a guarantee, before the deadline."""
    link = None if body.firm_link is None else _firm_link(body.firm_link.firm, body.firm_link.signature)
    registered = svc.submit_letter(signer=caller.signer, tender_id=tender_id, section=section, letter=body.letter,
                                   firm_link=link)
    return views.registered_letter(registered, section=section, bidder=caller.signer)


# ---------------------------------------------------------------------- issuers' decisions


@router.get("/guarantees/{guarantee_id}/issue-template", **answers(IssueTemplate, SIGNED_READ))
def issue_template(guarantee_id: GuaranteeId, caller: SignedCallerDep, svc: GuaranteeServiceDep,
                   rate_bps: Annotated[RateBps, Query(description="the fee rate in basis points")]) -> dict[str, Any]:
    """For the issuer applied to: the terms filled in from the application, the fee with its
    published red-list discount, and the opening key a 密文 guarantee is sealed to."""
    return views.issue_template(svc.issue_template(signer=caller.signer, guarantee_id=guarantee_id, rate_bps=rate_bps))


@router.post("/guarantees/{guarantee_id}/issue", **answers(GuaranteeView, SIGNED))
def issue(guarantee_id: GuaranteeId, body: IssueRequest, caller: SignedCallerDep, svc: GuaranteeServiceDep) -> dict[str, Any]:
    """Issue a guarantee: 明文 terms in clear, or 密文 sealed terms, with the issuer's own issue transaction."""
    sealed = _b64(body.sealed_terms_b64, "sealed_terms_b64") if body.sealed_terms_b64 is not None else None
    return views.guarantee(svc.issue(signer=caller.signer, guarantee_id=guarantee_id, signed_tx=body.signed_tx,
                                     terms=body.terms, sealed_terms=sealed))


@router.post("/guarantees/{guarantee_id}/reject", **answers(GuaranteeView, SIGNED))
def reject(guarantee_id: GuaranteeId, body: RejectRequest, caller: SignedCallerDep, svc: GuaranteeServiceDep) -> dict[str, Any]:
    """Refuse an application, with the reason (the issuer's own reject transaction)."""
    return views.guarantee(svc.reject(signer=caller.signer, guarantee_id=guarantee_id, signed_tx=body.signed_tx,
                                      reason=body.reason))


@router.post("/guarantees/{guarantee_id}/release", **answers(GuaranteeView, SIGNED))
def release(guarantee_id: GuaranteeId, body: SignedTx, caller: SignedCallerDep, svc: GuaranteeServiceDep) -> dict[str, Any]:
    """The issuer releases a guarantee once the chain allows it (its own release transaction)."""
    return views.guarantee(svc.relay_own(signer=caller.signer, guarantee_id=guarantee_id, signed_tx=body.signed_tx,
                                         function="release"))


# ---------------------------------------------------------------------- the centre


@router.post(SECTION + "/verify", **answers(SectionChecks, SIGNED))
def verify(tender_id: TenderId, section: Section, caller: SignedCallerDep, svc: GuaranteeServiceDep) -> dict[str, Any]:
    """Check every live bid's guarantee at opening and record each result on chain (centre)."""
    return views.section_checks(svc.verify_section(signer=caller.signer, tender_id=tender_id, section=section))


@router.post(SECTION + "/award", **answers(Awarded, SIGNED))
def award(tender_id: TenderId, section: Section, body: AwardRequest, caller: SignedCallerDep, svc: GuaranteeServiceDep) -> dict[str, Any]:
    """Record the section's outcome: the winner SelectionBook awarded (none for a failed section);
    every losing guarantee is released (centre). The selection award records it already."""
    done = svc.award(signer=caller.signer, tender_id=tender_id, section=section, winner=body.winner)
    return views.awarded(done)


@router.post(SECTION + "/contract-signed", **answers(ContractSigned, SIGNED))
def contract_signed(tender_id: TenderId, section: Section, body: SigningRequest, caller: SignedCallerDep,
                    svc: GuaranteeServiceDep) -> dict[str, Any]:
    """Record the winner's contract signing; the winner's guarantee is released (centre)."""
    at = body.signed_at
    if isinstance(at, datetime):
        if at.tzinfo is None:
            raise ValidationFailed("signed_at needs a UTC offset (e.g. 2027-01-20T10:00:00+08:00)")
        at = int(at.timestamp())
    done = svc.contract_signed(signer=caller.signer, tender_id=tender_id, section=section, signed_at=at)
    return views.contract_signed(done, signed_at=at)


@router.post("/guarantees/{guarantee_id}/claims", **answers(GuaranteeView, SIGNED, status=201))
def claim(guarantee_id: GuaranteeId, body: ClaimRequest, caller: SignedCallerDep, svc: GuaranteeServiceDep) -> dict[str, Any]:
    """File a claim for the tenderer, for a cause the chain records, with the evidence (centre).
    Nothing is paid before the bidder's contest period is over."""
    return views.guarantee(svc.claim(signer=caller.signer, guarantee_id=guarantee_id, cause=body.cause,
                                     evidence=_b64(body.evidence_b64, "evidence_b64")))


@router.post("/guarantees/{guarantee_id}/claims/contest", **answers(GuaranteeView, SIGNED))
def contest(guarantee_id: GuaranteeId, body: ContestRequest, caller: SignedCallerDep,
            svc: GuaranteeServiceDep) -> dict[str, Any]:
    """The bidder contests the pending claim on its guarantee, with its reasons (its own
    contestClaim transaction), within the contest period; the governance then decides."""
    return views.guarantee(svc.contest(signer=caller.signer, guarantee_id=guarantee_id, signed_tx=body.signed_tx,
                                       reason=body.reason))


@router.post("/guarantees/{guarantee_id}/claims/settle", **answers(GuaranteeView, SIGNED))
def settle(guarantee_id: GuaranteeId, body: SettleRequest, caller: SignedCallerDep,
           svc: GuaranteeServiceDep) -> dict[str, Any]:
    """Pay out an uncontested claim once its contest period is over (anyone's own settleClaim, or the centre)."""
    return views.guarantee(svc.settle(signer=caller.signer, guarantee_id=guarantee_id, signed_tx=body.signed_tx))


@router.post("/guarantees/{guarantee_id}/expire", **answers(GuaranteeView, SIGNED))
def expire(guarantee_id: GuaranteeId, caller: SignedCallerDep, svc: GuaranteeServiceDep) -> dict[str, Any]:
    """Expire a guarantee past its end that was neither released nor claimed (centre)."""
    return views.guarantee(svc.expire(signer=caller.signer, guarantee_id=guarantee_id))


class BreachRequest(BaseModel):
    bidder: Address
    breach: str = Field(min_length=1, description="how the commitment was broken")
    evidence_b64: Base64
    issuer: Address = Field(description="the credit authority that will anchor the record")
    record_no: str = Field(min_length=1)
    deciding_body: str = Field(min_length=1)
    decision_document_no: str = Field(min_length=1)


@router.post(SECTION + "/commitment-letter/breach", **answers(BreachDraft, SIGNED))
def breach(tender_id: TenderId, section: Section, body: BreachRequest, caller: SignedCallerDep,
           svc: GuaranteeServiceDep) -> dict[str, Any]:
    """Draft the bad-conduct record for a broken commitment letter (centre); the credit authority
    anchors the returned sealed credential with its own key (POST /credentials)."""
    svc.require_centre(caller.signer)
    evidence = _b64(body.evidence_b64, "evidence_b64")
    return views.breach_draft(svc.draft_breach(
        signer=caller.signer, tender_id=tender_id, section=section, bidder=body.bidder, breach=body.breach,
        evidence=evidence, issuer=body.issuer, record_no=body.record_no, deciding_body=body.deciding_body,
        decision_document_no=body.decision_document_no))


# ---------------------------------------------------------------------- reads


@router.get("/guarantees/{guarantee_id}", **answers(GuaranteeView, SEALED_READ, links=guarantee_links("")))
def guarantee(guarantee_id: GuaranteeId, svc: GuaranteeServiceDep, caller: OptionalCallerDep) -> dict[str, Any]:
    """A guarantee: its state on chain, application, terms (密文 only after opening) and any claim.
    Until its section is opened only its applicant and issuer see it (sign the request)."""
    return views.guarantee(svc.guarantee(guarantee_id, viewer=caller.signer if caller else None))


@router.get("/guarantees", **answers(list[GuaranteeView], (401, 422, 503),
                                     links=guarantee_links("/0")))
def guarantees(svc: GuaranteeServiceDep, caller: OptionalCallerDep, applicant: Address | None = None,
               issuer: Address | None = None) -> list[dict[str, Any]]:
    """Guarantee applications on record, newest first, by applicant or by issuer: those of opened
    sections, and the signer's own (as applicant or issuer) before that."""
    return [views.guarantee(g) for g in svc.guarantees_of(applicant=applicant, issuer=issuer,
                                                           viewer=caller.signer if caller else None)]


@router.get(SECTION + "/bids/{bidder}", **answers(BidBacking, SEALED_READ))
def bid_guarantee(tender_id: TenderId, section: Section, bidder: Address, svc: GuaranteeServiceDep,
                  caller: OptionalCallerDep) -> dict[str, Any]:
    """What backs a bid: its bound guarantee, or its credit commitment letter (until the section is
    opened, only to the bidder and the guarantee's issuer)."""
    return views.bid_backing(svc.bid_guarantee(tender_id=tender_id, section=section, bidder=bidder,
                                               viewer=caller.signer if caller else None))
