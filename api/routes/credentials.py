"""Issuers anchor and change credentials (signed requests + their own signed transactions);
anyone verifies a credential and reads its history."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.auth import SignedCallerDep
from api.deps import CredentialServiceDep, RuntimeDep
from api.encoding import word
from api.views import credentials as views
from ledger.chain.gateway import Gateway
from ledger.errors import ValidationFailed
from ledger.rules.anchoring import MAX_BATCH
from ledger.service.credentials import parse_sealed
from ledger.uscc import InvalidUSCC, validate_uscc

router = APIRouter(tags=["credentials"])

MAX_UPLOAD = MAX_BATCH


class SignedTx(BaseModel):
    signed_tx: str = Field(description="0x-hex EIP-1559 transaction signed by the caller's own key")


class AnchorRequest(SignedTx):
    documents: list[dict[str, Any]] = Field(
        description="sealed credentials ({document, masterSalt}) of one kind, issued by the caller",
        max_length=MAX_UPLOAD,
    )


class PrepareAnchor(BaseModel):
    documents: list[dict[str, Any]] = Field(max_length=MAX_UPLOAD)
    sender: str


PREPARABLE = {
    "CredentialRegistry": {"revoke", "suspend", "reinstate", "supersede"},
    "TenderBook": {"withdrawBid", "releaseShare", "submitBid", "cancelNonces"},
}


class PrepareCall(BaseModel):
    sender: str = Field(description="address that will sign the transaction")
    contract: Literal["CredentialRegistry", "TenderBook"] = "CredentialRegistry"
    function: str
    args: list[Any]


class VerifyRequest(BaseModel):
    document: dict[str, Any] = Field(description="a sealed credential or a disclosure of one")
    at: datetime | int | None = Field(
        default=None, description="instant to verify at (ISO 8601 or unix seconds); default now"
    )
    expected_subject: str | None = Field(default=None, description="USCC of the expected firm")
    credential_id: str | None = Field(
        default=None, description="the id the holder claims; an altered document then fails integrity against it"
    )


@router.post("/credentials/prepare-anchor")
def prepare_anchor(body: PrepareAnchor, service: CredentialServiceDep) -> dict[str, Any]:
    """Root, kind and an unsigned anchor transaction for a batch; check the root, sign, submit."""
    return views.prepared_anchor(service.prepare_anchor(body.sender, parse_sealed(body.documents)))


@router.post("/tx/prepare")
def prepare_call(body: PrepareCall, runtime: RuntimeDep) -> dict[str, Any]:
    """An unsigned transaction (nonce, gas, fees filled in) for the sender to sign and submit."""
    if body.function not in PREPARABLE[body.contract]:
        raise ValidationFailed(
            f"{body.contract}.{body.function} cannot be prepared here; one of "
            f"{', '.join(sorted(PREPARABLE[body.contract]))}"
        )
    gateway: Gateway = runtime.registry if body.contract == "CredentialRegistry" else runtime.tender_book
    args = _decode_args(body.args)
    try:
        gateway.calldata(body.function, *args)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"arguments do not fit {body.function}: {exc}") from None
    return {"tx": views.unsigned_tx(gateway.prepare(body.sender, body.function, *args))}


@router.post("/credentials", status_code=201)
def anchor(body: AnchorRequest, caller: SignedCallerDep, service: CredentialServiceDep) -> dict[str, Any]:
    """Anchor one credential or a batch: the documents plus the issuer's own anchor transaction."""
    documents = parse_sealed(body.documents)
    batch = service.relay_anchor(signer=caller.signer, documents=documents, signed_tx=body.signed_tx)
    return views.anchored_batch(batch)


@router.post("/credentials/{credential_id}/{action}")
def change_status(
    credential_id: str,
    action: Literal["revoke", "suspend", "reinstate", "supersede"],
    body: SignedTx,
    caller: SignedCallerDep,
    service: CredentialServiceDep,
) -> dict[str, Any]:
    """Revoke, suspend, reinstate or supersede a credential with the issuer's own transaction."""
    change = service.relay_status_change(
        signer=caller.signer, credential_id=word(credential_id, "credential id"), action=action,
        signed_tx=body.signed_tx,
    )
    return views.status_change(change)


@router.get("/issuers")
def issuers(service: CredentialServiceDep) -> list[dict[str, Any]]:
    """Every issuer and kind, with whether it is authorised now and since when."""
    return [views.issuer_grant(g) for g in service.issuers()]


@router.post("/verify")
def verify(body: VerifyRequest, service: CredentialServiceDep) -> dict[str, Any]:
    """Verify a credential (full or partly disclosed) as of an instant: one entry per check."""
    at = body.at
    if isinstance(at, datetime):
        if at.tzinfo is None:
            raise ValidationFailed("at needs a UTC offset (e.g. 2026-05-01T09:00:00+08:00)")
        at = int(at.timestamp())
    if body.expected_subject is not None:
        try:
            validate_uscc(body.expected_subject)
        except InvalidUSCC as exc:
            raise ValidationFailed(f"expected_subject: {exc}") from None
    claimed = word(body.credential_id, "credential_id") if body.credential_id is not None else None
    report = service.verify_document(body.document, at=at, expected_subject=body.expected_subject,
                                     credential_id=claimed)
    return views.report(report)


@router.get("/firms/{uscc}/credentials")
def firm_credentials(
    uscc: str, service: CredentialServiceDep, at: int | None = Query(default=None, description="unix seconds")
) -> list[dict[str, Any]]:
    """A firm's anchored credentials with their status now (or at `at`)."""
    try:
        code = validate_uscc(uscc)
    except InvalidUSCC as exc:
        raise ValidationFailed(str(exc)) from None
    return [views.with_status(c) for c in service.list_for_subject(code, at=at)]


@router.get("/credentials/{credential_id}")
def credential(credential_id: str, service: CredentialServiceDep) -> dict[str, Any]:
    """One credential's batch, proof and anchoring transaction."""
    return views.summary(service.get(word(credential_id, "credential id")))


@router.get("/credentials/{credential_id}/history")
def credential_history(credential_id: str, service: CredentialServiceDep) -> list[dict[str, Any]]:
    """Every on-chain event about a credential, oldest first."""
    return [views.event(e) for e in service.history(word(credential_id, "credential id"))]


def _decode_args(args: list[Any]) -> list[Any]:
    out: list[Any] = []
    for a in args:
        if isinstance(a, str) and a.startswith("0x") and len(a) != 42 and len(a) % 2 == 0:
            # hex that is not an address: bytes32 ids and byte strings (e.g. a share)
            try:
                out.append(bytes.fromhex(a[2:]))
            except ValueError:
                raise ValidationFailed(f"argument {a[:20]}… is not hex") from None
        elif isinstance(a, list):
            out.append(_decode_args(a))
        else:
            out.append(a)
    return out
