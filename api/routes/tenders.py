"""Tenders and sealed bids: centres publish and open, bidders submit and withdraw their own
signed bids, officers release their shares, everyone reads what is published."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter
from hexbytes import HexBytes
from pydantic import BaseModel, Field, ValidationError

from api.auth import OptionalCallerDep, SignedCallerDep
from api.deps import (
    BidRelayerDep,
    GuaranteeCheckDep,
    RuntimeDep,
    SelectionServiceDep,
    TenderServiceDep,
)
from api.encoding import address, word
from api.params import (
    Address,
    Base64,
    Hex32,
    Section,
    Signature,
    SignedTransaction,
    TenderId,
    Uint8,
    Uint64,
    Uint256,
)
from api.responses import (
    READ,
    SIGNED,
    SIGNED_READ,
    BidNonce,
    Evaluation,
    FailedOpeningDoc,
    Mined,
    MyBid,
    SectionOpening,
    SectionResults,
    SubmittedBid,
    TenderVersion,
    TenderView,
    answers,
    link,
)
from api.routes.credentials import SignedTx
from api.views import selection as selection_views
from api.views import tenders as views
from ledger.errors import NotFound, ValidationFailed
from ledger.tenders import TenderParams

router = APIRouter(tags=["tenders"])

SECTION = "/tenders/{tender_id}/sections/{section}"


def tender_links(tender_id: str) -> dict[str, dict[str, Any]]:
    """Where a tender id in an answer (at the runtime expression `tender_id`) leads."""
    return {
        "GetTender": link("GET", "/tenders/{tender_id}", tender_id=tender_id),
        "GetVersions": link("GET", "/tenders/{tender_id}/versions", tender_id=tender_id),
        "Amend": link("POST", "/tenders/{tender_id}/amendments", tender_id=tender_id),
        "SubmitBid": link("POST", SECTION + "/bids", tender_id=tender_id),
        "OpenSection": link("POST", SECTION + "/open", tender_id=tender_id),
        "GetResults": link("GET", SECTION + "/results", tender_id=tender_id),
        "ApplicationTemplate": link("GET", SECTION + "/guarantees/application-template", tender_id=tender_id),
        "LetterTemplate": link("GET", SECTION + "/guarantees/commitment-letter-template", tender_id=tender_id),
    }


def bid_links(body: str) -> dict[str, dict[str, Any]]:
    """Where a bid in an answer (at the JSON pointer `body`, with tender_id, section and bidder) leads."""
    where = {"tender_id": "$response.body#/tender_id", "section": "$response.body#/section"}
    return {
        "MyBid": link("GET", SECTION + "/bids/mine", **where),
        "BidBacking": link("GET", SECTION + "/guarantees/bids/{bidder}", **where, bidder=f"$response.body#{body}/bidder"),
        "Nonce": link("GET", "/tenders/{tender_id}/nonces/{bidder}", tender_id=where["tender_id"],
                      bidder=f"$response.body#{body}/bidder"),
    }


def _b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(f"{what} must be base64") from None


class PublishRequest(BaseModel):
    params: dict[str, Any]
    document_b64: Base64 = Field(description="the tender documents (PDF/OFD), base64")
    opening_public_key: Hex32 = Field(description="0x X25519 public key of the opening key")
    share_hashes: list[Hex32] = Field(description="keccak of each officer's share, in officer order")
    officers: list[Address]
    threshold: Annotated[Uint8, Field(ge=2, description="shares needed to rebuild the opening key")]


class BidRequest(BaseModel):
    envelope_b64: Base64 = Field(description="the sealed bid package, base64")
    credential_set_commitment: Hex32 = Field(
        description="0x keccak256(abi.encode(salt, ids)) of the ticked credentials (hides the ids); with the "
                    "envelope's keccak it must rebuild the commitment")
    commitment: Hex32
    nonce: Uint256
    expiry: Uint64 = Field(description="unix seconds until which the signature may be relayed")
    signature: Signature = Field(description="EIP-712 Bid signature (65 bytes, 0x-hex)")


class EvaluationRequest(BaseModel):
    report_b64: Base64


def tender_key(tender_id: str) -> bytes:
    """The tender id of a path; NotFound (UnknownTender) when it cannot name one."""
    try:
        raw = bytes(HexBytes(tender_id)) if tender_id.startswith("0x") else b""
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != 32:
        raise NotFound("UnknownTender", {"tenderId": tender_id}, f"no tender {tender_id}")
    return raw


@router.post("/tenders", **answers(TenderView, SIGNED, status=201,
                                   links=tender_links("$response.body#/tender_id")))
def publish(body: PublishRequest, caller: SignedCallerDep, service: TenderServiceDep) -> dict[str, Any]:
    """A centre publishes a tender; the opening key was split k-of-n by the caller beforehand."""
    params = _params(body.params)
    return views.tender(service.publish(
        signer=caller.signer, params=params, document=_b64(body.document_b64, "document_b64"),
        opening_public=word(body.opening_public_key, "opening_public_key"),
        share_hashes=[word(h, "share hash") for h in body.share_hashes],
        officers=body.officers, threshold=body.threshold,
    ))


class AmendRequest(BaseModel):
    params: dict[str, Any]
    document_b64: Base64
    reason: str = Field(min_length=1, description="why the tender changes; its hash goes on chain")


def _params(data: dict[str, Any]) -> TenderParams:
    try:
        return TenderParams.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValidationFailed(f"params.{where}: {first['msg']}" if where else f"params: {first['msg']}") from None


@router.post("/tenders/{tender_id}/amendments", **answers(TenderView, SIGNED))
def amend(tender_id: TenderId, body: AmendRequest, caller: SignedCallerDep, service: TenderServiceDep) -> dict[str, Any]:
    """Amend a tender before its deadline: a new on-chain version with its reason."""
    return views.tender(service.amend(signer=caller.signer, tender_id=tender_key(tender_id), params=_params(body.params),
                                      document=_b64(body.document_b64, "document_b64"), reason=body.reason))


@router.get("/tenders/{tender_id}/versions", **answers(list[TenderVersion], READ))
def versions(tender_id: TenderId, service: TenderServiceDep) -> list[dict[str, Any]]:
    """Every version of a tender, the first and each amendment with its reason."""
    return [views.version(v) for v in service.versions(tender_key(tender_id))]


@router.get("/tenders/{tender_id}", **answers(TenderView, READ, links=tender_links("$request.path.tender_id")))
def tender(tender_id: TenderId, service: TenderServiceDep) -> dict[str, Any]:
    """A tender's published parameters, opening public key, committee and contract."""
    return views.tender(service.details(tender_key(tender_id)))


@router.get("/tenders/{tender_id}/nonces/{bidder}", **answers(BidNonce, READ))
def bid_nonce(tender_id: TenderId, bidder: Address, runtime: RuntimeDep) -> dict[str, int]:
    """The next nonce a bidder's signed bid must carry."""
    return {"nonce": runtime.tender_book.nonce(address(bidder, "bidder"))}


@router.post(SECTION + "/bids", **answers(SubmittedBid, SIGNED, status=201,
                                          links={**bid_links(""), "Withdraw": link("POST", SECTION + "/withdraw",
                                                 tender_id="$response.body#/tender_id",
                                                 section="$response.body#/section")}))
def submit_bid(
    tender_id: TenderId, section: Section, body: BidRequest, caller: SignedCallerDep, service: TenderServiceDep,
    relayer: BidRelayerDep,
) -> dict[str, Any]:
    """Submit (or replace) a sealed bid: the envelope and the bidder's EIP-712 signed commitment."""
    auth = {"bidder": caller.signer, "commitment": word(body.commitment, "commitment"), "nonce": body.nonce,
            "expiry": body.expiry, "signature": bytes(HexBytes(body.signature))}
    return views.submitted_bid(service.submit_bid(
        relayer, signer=caller.signer, tender_id=tender_key(tender_id), section=section,
        envelope=_b64(body.envelope_b64, "envelope_b64"),
        credential_set_commitment=word(body.credential_set_commitment, "credential_set_commitment"), auth=auth))


@router.get("/tenders/{tender_id}/sections/{section}/bids/mine", **answers(MyBid, SIGNED_READ))
def my_bid(tender_id: TenderId, section: Section, caller: SignedCallerDep, service: TenderServiceDep) -> dict[str, Any]:
    """The caller's own live bid (commitment on chain and the stored envelope), to re-verify."""
    return views.my_bid(service.my_bid(signer=caller.signer, tender_id=tender_key(tender_id), section=section))


class WithdrawRequest(BaseModel):
    signed_tx: SignedTransaction | None = Field(default=None,
                                               description="the bidder's own withdrawBid transaction, or:")
    nonce: Uint256 | None = Field(default=None, description="with expiry and signature: an EIP-712 Bid")
    expiry: Uint64 | None = None
    signature: Signature | None = Field(default=None, description="EIP-712 Bid signature over a zero commitment")


@router.post("/tenders/{tender_id}/sections/{section}/withdraw", **answers(Mined, SIGNED))
def withdraw(
    tender_id: TenderId, section: Section, body: WithdrawRequest, caller: SignedCallerDep, service: TenderServiceDep,
    relayer: BidRelayerDep,
) -> dict[str, Any]:
    """Withdraw one's bid before the deadline: the bidder's own withdrawBid transaction, or its
    EIP-712 signature over a zero commitment, relayed like a bid (no funds needed)."""
    if body.signed_tx is not None:
        return views.relayed(service.relay_signed(signer=caller.signer, signed_tx=body.signed_tx,
                                                  functions=("withdrawBid",), sponsor=relayer.relayer))
    if body.nonce is None or body.expiry is None or body.signature is None:
        raise ValidationFailed("give signed_tx, or nonce, expiry and signature of a zero-commitment Bid")
    return views.withdrawal(service.withdraw_by_signature(
        relayer, signer=caller.signer, tender_id=tender_key(tender_id), section=section,
        auth={"bidder": caller.signer, "commitment": b"\x00" * 32, "nonce": body.nonce, "expiry": body.expiry,
              "signature": bytes(HexBytes(body.signature))},
    ))


@router.post("/tenders/{tender_id}/shares", **answers(Mined, SIGNED))
def release_share(tender_id: TenderId, body: SignedTx, caller: SignedCallerDep, service: TenderServiceDep,
                  relayer: BidRelayerDep) -> dict[str, Any]:
    """An opening officer releases its share after the deadline (its own releaseShare transaction,
    its gas paid by the relayer: the officer's key needs no funds)."""
    return views.relayed(service.relay_signed(signer=caller.signer, signed_tx=body.signed_tx,
                                              functions=("releaseShare",), sponsor=relayer.relayer))


@router.post("/tenders/{tender_id}/sections/{section}/open", **answers(SectionOpening, SIGNED))
def open_section(tender_id: TenderId, section: Section, caller: SignedCallerDep, service: TenderServiceDep,
                 guarantee_check: GuaranteeCheckDep) -> dict[str, Any]:
    """Open every bid of a section (needs k released shares), check eligibility, close the section."""
    return views.section_opening(service.open_section(guarantee_check, signer=caller.signer,
                                                      tender_id=tender_key(tender_id), section=section))


@router.post("/tenders/{tender_id}/sections/{section}/evaluation", **answers(Evaluation, SIGNED))
def evaluation(tender_id: TenderId, section: Section, body: EvaluationRequest, caller: SignedCallerDep,
               service: TenderServiceDep) -> dict[str, Any]:
    """Anchor the evaluation report; from then on what each bidder used is public."""
    return views.evaluation(service.publish_evaluation(signer=caller.signer, tender_id=tender_key(tender_id),
                                                       section=section, report=_b64(body.report_b64, "report_b64")))


@router.get(SECTION + "/results", **answers(SectionResults, SIGNED_READ, links=bid_links("/bids/0")))
def results(tender_id: TenderId, section: Section, service: TenderServiceDep, selection: SelectionServiceDep,
            caller: OptionalCallerDep) -> dict[str, Any]:
    """The credentials each bidder used, with their verification results (public after evaluation);
    once 公示 starts, the section's 评定分离 too: the shortlist, the revealed sheets, the votes, the
    draws and the winner."""
    tid = tender_key(tender_id)
    shown = views.section_results(service.results(tender_id=tid, section=section,
                                                  viewer=caller.signer if caller else None))
    if selection.published(tid, section):
        shown["selection"] = selection_views.state(selection.state(tid, section))
        shown["evaluation"] = selection_views.evaluation(selection.evaluation(tid, section))
    return shown


@router.get("/tenders/{tender_id}/sections/{section}/bids/{bidder}/failed-opening", **answers(FailedOpeningDoc, READ))
def failed_opening(tender_id: TenderId, section: Section, bidder: Address, service: TenderServiceDep) -> dict[str, Any]:
    """A recorded failed opening (撤销 or 撤回) with the envelope the bidder committed to, published
    once the opening is recorded, so that anyone can rerun the decryption with the shares on chain."""
    return views.failed_opening(service.failed_opening(tender_id=tender_key(tender_id), section=section,
                                                       bidder=address(bidder, "bidder")))
