"""Issuers anchor and change credentials (signed requests + their own signed transactions);
anyone verifies a credential and reads its history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.convertors import Convertor, register_url_convertor

from api.auth import SignedCallerDep
from api.deps import CredentialServiceDep, RuntimeDep
from api.encoding import word
from api.params import Address, CredentialId, Hex32, SignedTransaction, UnixTime, Uscc
from api.responses import (
    PREPARE,
    READ,
    SIGNED,
    AnchoredBatch,
    BulkRevocation,
    CredentialSummary,
    CredentialWithStatus,
    IssuerGrant,
    PreparedAnchor,
    PreparedRevocation,
    PreparedTx,
    RegistryEvent,
    StatusChange,
    VerificationReport,
    answers,
    link,
)
from api.views import credentials as views
from ledger.chain.gateway import Gateway
from ledger.errors import ValidationFailed
from ledger.model.selection import DecisionBasis
from ledger.rules.anchoring import MAX_BATCH
from ledger.service.credentials import MAX_REVOCATIONS, parse_sealed
from ledger.uscc import InvalidUSCC, validate_uscc

router = APIRouter(tags=["credentials"])

StatusAction = Literal["revoke", "suspend", "reinstate", "supersede"]


class _StatusActionConvertor(Convertor[str]):
    """An action segment, never the name of the route beside it: POST /credentials/{id}/history
    is a 405 for that route, not an unknown action (any other word is, with the four named)."""

    regex = "(?!history$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("credential_action", _StatusActionConvertor())


class _CredentialIdConvertor(Convertor[str]):
    """A credential id segment, never the name of a route beside it: GET /credentials/prepare-anchor
    (or prepare-revocation, revocations) is a 405 for that route, not a credential id that fails its format."""

    regex = "(?!(?:prepare-anchor|prepare-revocation|revocations)$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("credential_id", _CredentialIdConvertor())


def credential_links(credential_id: str) -> dict[str, dict[str, Any]]:
    """Where a credential id in an answer (at the runtime expression `credential_id`) leads."""
    return {
        "GetCredential": link("GET", "/credentials/{credential_id}", credential_id=credential_id),
        "GetHistory": link("GET", "/credentials/{credential_id}/history", credential_id=credential_id),
        "ChangeStatus": link("POST", "/credentials/{credential_id}/{action}", credential_id=credential_id),
    }


MAX_UPLOAD = MAX_BATCH


class SignedTx(BaseModel):
    signed_tx: SignedTransaction


class AnchorRequest(SignedTx):
    documents: list[dict[str, Any]] = Field(
        description="sealed credentials ({document, masterSalt}) of one kind, issued by the caller",
        max_length=MAX_UPLOAD,
    )


class PrepareAnchor(BaseModel):
    documents: list[dict[str, Any]] = Field(max_length=MAX_UPLOAD)
    sender: Address


Reason = Annotated[int | str, Field(
    description="why: a reason code by number or name (1 issued_in_error, 2 fraud, 3 expired_early, "
                "4 court_order, 5 under_investigation, 6 superseded, 255 other)")]
RevokedIds = Annotated[list[CredentialId], Field(
    min_length=1, max_length=MAX_REVOCATIONS,
    description="credentials of one batch of the caller's, each once, in any order")]


class PrepareRevocation(BaseModel):
    sender: Address = Field(description="the batch's issuer, who will sign the transaction")
    credential_ids: RevokedIds
    reason: Reason


class RevocationRequest(SignedTx):
    credential_ids: RevokedIds
    reason: Reason


PREPARABLE = {
    "CredentialRegistry": {"revoke", "suspend", "reinstate", "supersede"},
    "TenderBook": {"withdrawBid", "releaseShare", "submitBid", "cancelNonces"},
    "LotteryBook": {"commitSeed", "releaseDrawShare"},
    "SelectionBook": {"commitSheet", "revealSheet", "submitShortlist", "commitVote", "revealVote", "object",
                      "complain", "decide"},  # decide: only the 集体议事 chair's own (CHAIR_ONLY)
    "PerformanceBook": {"recordMilestone", "fileComplaint", "acknowledge"},
}


#: `decide` is the centre's to send (the service sends it with its own key), except the 集体议事
#: chair's decision, which the chair's seat signs: only that one is prepared for a sender.
CHAIR_BASIS = int(DecisionBasis.CHAIR)


def _preparable(contract: str, function: str, args: list[Any]) -> bool:
    if function not in PREPARABLE[contract]:
        return False
    if (contract, function) == ("SelectionBook", "decide"):
        return len(args) > 2 and str(args[2]) == str(CHAIR_BASIS)
    return True


class PrepareCall(BaseModel):
    sender: Address = Field(description="address that will sign the transaction")
    contract: Literal["CredentialRegistry", "TenderBook", "LotteryBook", "SelectionBook",
                      "PerformanceBook"] = "CredentialRegistry"
    function: str
    args: list[Any]


class VerifyRequest(BaseModel):
    document: dict[str, Any] = Field(description="a sealed credential or a disclosure of one")
    at: datetime | UnixTime | None = Field(
        default=None, description="instant to verify at (ISO 8601 or unix seconds); default now"
    )
    expected_subject: Uscc | None = Field(default=None, description="USCC of the expected firm")
    credential_id: Hex32 | None = Field(
        default=None, description="the id the holder claims; an altered document then fails integrity against it"
    )


@router.post("/credentials/prepare-anchor", **answers(PreparedAnchor, PREPARE))
def prepare_anchor(body: PrepareAnchor, service: CredentialServiceDep) -> dict[str, Any]:
    """Root, kind and an unsigned anchor transaction for a batch; check the root, sign, submit."""
    return views.prepared_anchor(service.prepare_anchor(body.sender, parse_sealed(body.documents)))


@router.post("/tx/prepare", **answers(PreparedTx, PREPARE))
def prepare_call(body: PrepareCall, runtime: RuntimeDep) -> dict[str, Any]:
    """An unsigned transaction (nonce, gas, fees filled in) for the sender to sign and submit."""
    if not _preparable(body.contract, body.function, body.args):
        raise ValidationFailed(
            f"{body.contract}.{body.function} cannot be prepared here with these arguments; one of "
            f"{', '.join(sorted(PREPARABLE[body.contract]))} (decide: only the 集体议事 chair's, basis {CHAIR_BASIS})"
        )
    gateway: Gateway = {"CredentialRegistry": runtime.registry, "TenderBook": runtime.tender_book,
                        "LotteryBook": runtime.lottery_book, "SelectionBook": runtime.selection_book,
                        "PerformanceBook": runtime.performance_book}[body.contract]
    args = _decode_args(body.args)
    try:
        gateway.calldata(body.function, *args)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"arguments do not fit {body.function}: {exc}") from None
    return {"tx": views.unsigned_tx(gateway.prepare(body.sender, body.function, *args))}


@router.post("/credentials", **answers(AnchoredBatch, SIGNED, status=201,
                                       links=credential_links("$response.body#/credentials/0/credential_id")))
def anchor(body: AnchorRequest, caller: SignedCallerDep, service: CredentialServiceDep) -> dict[str, Any]:
    """Anchor one credential or a batch: the documents plus the issuer's own anchor transaction."""
    documents = parse_sealed(body.documents)
    batch = service.relay_anchor(signer=caller.signer, documents=documents, signed_tx=body.signed_tx)
    return views.anchored_batch(batch)


@router.post("/credentials/prepare-revocation", **answers(PreparedRevocation, PREPARE))
def prepare_revocation(body: PrepareRevocation, service: CredentialServiceDep) -> dict[str, Any]:
    """The unsigned revocation, by leaf position in one transaction, of credentials of one of the
    sender's batches: check the positions against your own proofs, sign, submit to /credentials/revocations."""
    ids = [word(c, f"credential_ids[{i}]") for i, c in enumerate(body.credential_ids)]
    return views.prepared_revocation(service.prepare_bulk_revoke(body.sender, ids, body.reason))


@router.post("/credentials/revocations", **answers(BulkRevocation, SIGNED))
def revoke_many(body: RevocationRequest, caller: SignedCallerDep, service: CredentialServiceDep) -> dict[str, Any]:
    """Revoke, for good and in one transaction, credentials of one batch with the issuer's own
    `revokeAt_Fni` transaction (it must revoke exactly their positions, with the reason given)."""
    ids = [word(c, f"credential_ids[{i}]") for i, c in enumerate(body.credential_ids)]
    revoked = service.relay_bulk_revoke(signer=caller.signer, credential_ids=ids, reason=body.reason,
                                        signed_tx=body.signed_tx)
    return views.bulk_revocation(revoked)


@router.post("/credentials/{credential_id}/{action:credential_action}", **answers(StatusChange, SIGNED))
def change_status(
    credential_id: CredentialId,
    action: StatusAction,
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


@router.get("/issuers", **answers(list[IssuerGrant], (503,)))
def issuers(service: CredentialServiceDep) -> list[dict[str, Any]]:
    """Every issuer and kind, with whether it is authorised now and since when."""
    return [views.issuer_grant(g) for g in service.issuers()]


@router.post("/verify", **answers(VerificationReport, PREPARE))
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


@router.get("/firms/{uscc}/credentials", **answers(list[CredentialWithStatus], READ,
                                                   links=credential_links("$response.body#/0/credential_id")))
def firm_credentials(
    uscc: Uscc, service: CredentialServiceDep,
    at: Annotated[UnixTime | None, Query(description="the instant (unix seconds); default now")] = None,
) -> list[dict[str, Any]]:
    """A firm's anchored credentials with their status now (or at `at`)."""
    try:
        code = validate_uscc(uscc)
    except InvalidUSCC as exc:
        raise ValidationFailed(str(exc)) from None
    return [views.with_status(c) for c in service.list_for_subject(code, at=at)]


@router.get("/credentials/{credential_id:credential_id}", **answers(CredentialSummary, READ))
def credential(credential_id: CredentialId, service: CredentialServiceDep) -> dict[str, Any]:
    """One credential's batch, proof and anchoring transaction."""
    return views.summary(service.get(word(credential_id, "credential id")))


@router.get("/credentials/{credential_id}/history", **answers(list[RegistryEvent], READ))
def credential_history(credential_id: CredentialId, service: CredentialServiceDep) -> list[dict[str, Any]]:
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
