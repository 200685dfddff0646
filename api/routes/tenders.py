"""Tenders and sealed bids: centres publish and open, bidders submit and withdraw their own
signed bids, officers release their shares, everyone reads what is published."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from hexbytes import HexBytes
from pydantic import BaseModel, Field, ValidationError

from api.auth import SignedCallerDep, signed_caller
from api.deps import BidRelayerDep, GuaranteeCheckDep, RuntimeDep, TenderServiceDep
from api.encoding import address, word
from api.routes.credentials import SignedTx
from api.views import tenders as views
from ledger.errors import NotFound, ValidationFailed
from ledger.crypto.requests import HEADER_SIGNATURE, SignedRequest
from ledger.tenders import TenderParams

router = APIRouter(tags=["tenders"])


def _b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(f"{what} must be base64") from None


class PublishRequest(BaseModel):
    params: dict[str, Any]
    document_b64: str = Field(description="the tender documents (PDF/OFD), base64")
    opening_public_key: str = Field(description="0x X25519 public key of the opening key")
    share_hashes: list[str] = Field(description="keccak of each officer's share, in officer order")
    officers: list[str]
    threshold: int = Field(ge=2)


class BidRequest(BaseModel):
    envelope_b64: str = Field(description="the sealed bid package, base64")
    credential_set_commitment: str = Field(
        description="0x keccak256(abi.encode(salt, ids)) of the ticked credentials (hides the ids); with the "
                    "envelope's keccak it must rebuild the commitment")
    commitment: str
    nonce: int = Field(ge=0)
    expiry: int = Field(ge=0, description="unix seconds until which the signature may be relayed")
    signature: str = Field(description="EIP-712 Bid signature (65 bytes, 0x-hex)")


class EvaluationRequest(BaseModel):
    report_b64: str


def tender_key(tender_id: str) -> bytes:
    """The tender id of a path; NotFound (UnknownTender) when it cannot name one."""
    try:
        raw = bytes(HexBytes(tender_id)) if tender_id.startswith("0x") else b""
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != 32:
        raise NotFound("UnknownTender", {"tenderId": tender_id}, f"no tender {tender_id}")
    return raw


async def optional_caller(request: Request) -> SignedRequest | None:
    if HEADER_SIGNATURE.lower() not in {k.lower() for k in request.headers}:
        return None
    return await signed_caller(request)


@router.post("/tenders", status_code=201)
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
    document_b64: str
    reason: str = Field(min_length=1, description="why the tender changes; its hash goes on chain")


def _params(data: dict[str, Any]) -> TenderParams:
    try:
        return TenderParams.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValidationFailed(f"params.{where}: {first['msg']}" if where else f"params: {first['msg']}") from None


@router.post("/tenders/{tender_id}/amendments")
def amend(tender_id: str, body: AmendRequest, caller: SignedCallerDep, service: TenderServiceDep) -> dict[str, Any]:
    """Amend a tender before its deadline: a new on-chain version with its reason."""
    return views.tender(service.amend(signer=caller.signer, tender_id=tender_key(tender_id), params=_params(body.params),
                                      document=_b64(body.document_b64, "document_b64"), reason=body.reason))


@router.get("/tenders/{tender_id}/versions")
def versions(tender_id: str, service: TenderServiceDep) -> list[dict[str, Any]]:
    """Every version of a tender, the first and each amendment with its reason."""
    return [views.version(v) for v in service.versions(tender_key(tender_id))]


@router.get("/tenders/{tender_id}")
def tender(tender_id: str, service: TenderServiceDep) -> dict[str, Any]:
    """A tender's published parameters, opening public key, committee and contract."""
    return views.tender(service.details(tender_key(tender_id)))


@router.get("/tenders/{tender_id}/nonces/{bidder}")
def bid_nonce(tender_id: str, bidder: str, runtime: RuntimeDep) -> dict[str, int]:
    """The next nonce a bidder's signed bid must carry."""
    return {"nonce": runtime.tender_book.nonce(address(bidder, "bidder"))}


@router.post("/tenders/{tender_id}/sections/{section}/bids", status_code=201)
def submit_bid(
    tender_id: str, section: int, body: BidRequest, caller: SignedCallerDep, service: TenderServiceDep,
    relayer: BidRelayerDep,
) -> dict[str, Any]:
    """Submit (or replace) a sealed bid: the envelope and the bidder's EIP-712 signed commitment."""
    auth = {"bidder": caller.signer, "commitment": word(body.commitment, "commitment"), "nonce": body.nonce,
            "expiry": body.expiry, "signature": bytes(HexBytes(body.signature))}
    return views.submitted_bid(service.submit_bid(
        relayer, signer=caller.signer, tender_id=tender_key(tender_id), section=section,
        envelope=_b64(body.envelope_b64, "envelope_b64"),
        credential_set_commitment=word(body.credential_set_commitment, "credential_set_commitment"), auth=auth))


@router.get("/tenders/{tender_id}/sections/{section}/bids/mine")
def my_bid(tender_id: str, section: int, caller: SignedCallerDep, service: TenderServiceDep) -> dict[str, Any]:
    """The caller's own live bid (commitment on chain and the stored envelope), to re-verify."""
    return views.my_bid(service.my_bid(signer=caller.signer, tender_id=tender_key(tender_id), section=section))


class WithdrawRequest(BaseModel):
    signed_tx: str | None = Field(default=None, description="the bidder's own withdrawBid transaction, or:")
    nonce: int | None = Field(default=None, ge=0, description="with expiry and signature: an EIP-712 Bid")
    expiry: int | None = Field(default=None, ge=0)
    signature: str | None = Field(default=None, description="EIP-712 Bid signature over a zero commitment")


@router.post("/tenders/{tender_id}/sections/{section}/withdraw")
def withdraw(
    tender_id: str, section: int, body: WithdrawRequest, caller: SignedCallerDep, service: TenderServiceDep,
    relayer: BidRelayerDep,
) -> dict[str, Any]:
    """Withdraw one's bid before the deadline: the bidder's own withdrawBid transaction, or its
    EIP-712 signature over a zero commitment, relayed like a bid (no funds needed)."""
    if body.signed_tx is not None:
        return views.relayed(service.relay_signed(signer=caller.signer, signed_tx=body.signed_tx,
                                                  functions=("withdrawBid",)))
    if body.nonce is None or body.expiry is None or body.signature is None:
        raise ValidationFailed("give signed_tx, or nonce, expiry and signature of a zero-commitment Bid")
    return views.withdrawal(service.withdraw_by_signature(
        relayer, signer=caller.signer, tender_id=tender_key(tender_id), section=section,
        auth={"bidder": caller.signer, "commitment": b"\x00" * 32, "nonce": body.nonce, "expiry": body.expiry,
              "signature": bytes(HexBytes(body.signature))},
    ))


@router.post("/tenders/{tender_id}/shares")
def release_share(tender_id: str, body: SignedTx, caller: SignedCallerDep, service: TenderServiceDep) -> dict[str, Any]:
    """An opening officer releases its share after the deadline (its own releaseShare transaction)."""
    return views.relayed(service.relay_signed(signer=caller.signer, signed_tx=body.signed_tx,
                                              functions=("releaseShare",)))


@router.post("/tenders/{tender_id}/sections/{section}/open")
def open_section(tender_id: str, section: int, caller: SignedCallerDep, service: TenderServiceDep,
                 guarantee_check: GuaranteeCheckDep) -> dict[str, Any]:
    """Open every bid of a section (needs k released shares), check eligibility, close the section."""
    return views.section_opening(service.open_section(guarantee_check, signer=caller.signer,
                                                      tender_id=tender_key(tender_id), section=section))


@router.post("/tenders/{tender_id}/sections/{section}/evaluation")
def evaluation(tender_id: str, section: int, body: EvaluationRequest, caller: SignedCallerDep,
               service: TenderServiceDep) -> dict[str, Any]:
    """Anchor the evaluation report; from then on what each bidder used is public."""
    return views.evaluation(service.publish_evaluation(signer=caller.signer, tender_id=tender_key(tender_id),
                                                       section=section, report=_b64(body.report_b64, "report_b64")))


@router.get("/tenders/{tender_id}/sections/{section}/results")
def results(tender_id: str, section: int, service: TenderServiceDep,
            caller: Annotated[SignedRequest | None, Depends(optional_caller)]) -> dict[str, Any]:
    """The credentials each bidder used, with their verification results (public after evaluation)."""
    return views.section_results(service.results(tender_id=tender_key(tender_id), section=section,
                                                 viewer=caller.signer if caller else None))


@router.get("/tenders/{tender_id}/sections/{section}/bids/{bidder}/failed-opening")
def failed_opening(tender_id: str, section: int, bidder: str, service: TenderServiceDep) -> dict[str, Any]:
    """A recorded failed opening (撤销 or 撤回) with the envelope the bidder committed to, published
    once the opening is recorded, so that anyone can rerun the decryption with the shares on chain."""
    return views.failed_opening(service.failed_opening(tender_id=tender_key(tender_id), section=section,
                                                       bidder=address(bidder, "bidder")))
