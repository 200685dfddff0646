"""Issuers anchor and change credentials (signed requests + their own signed transactions);
anyone verifies a credential and reads its history."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api import credentials as svc
from api.auth import SignedCallerDep
from api.deps import RuntimeDep, StoreDep
from ledger import registry as reg
from ledger.documents import Kind
from ledger.errors import ValidationFailed
from ledger.crypto.merkle import MerkleTree
from ledger.uscc import InvalidUSCC, validate_uscc

router = APIRouter(tags=["credentials"])

MAX_UPLOAD = reg.MAX_BATCH


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
    "CredentialRegistry": {"authoriseIssuer", "withdrawIssuer", "revoke", "suspend", "reinstate", "supersede"},
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
def prepare_anchor(body: PrepareAnchor, runtime: RuntimeDep) -> dict[str, Any]:
    """Root, kind and an unsigned anchor transaction for a batch; check the root, sign, submit."""
    documents = svc.parse_sealed(body.documents)
    kind, ids = reg.check_batch(body.sender, documents)
    tree = MerkleTree.build(ids)
    tx = reg.build_anchor_tx(
        client=runtime.client, registry=runtime.contract("CredentialRegistry"),
        issuer_address=body.sender, root=tree.root, kind=kind,
    )
    return {"root": "0x" + tree.root.hex(), "kind": int(kind), "tx": _jsonable_tx(tx)}


@router.post("/tx/prepare")
def prepare_call(body: PrepareCall, runtime: RuntimeDep) -> dict[str, Any]:
    """An unsigned transaction (nonce, gas, fees filled in) for the sender to sign and submit."""
    if body.function not in PREPARABLE[body.contract]:
        raise ValidationFailed(
            f"{body.contract}.{body.function} cannot be prepared here; one of "
            f"{', '.join(sorted(PREPARABLE[body.contract]))}"
        )
    contract = runtime.contract(body.contract)
    try:
        fn = contract.functions[body.function](*_decode_args(body.args))
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"arguments do not fit {body.function}: {exc}") from None
    return {"tx": _jsonable_tx(runtime.client.build(body.sender, fn))}


@router.post("/credentials", status_code=201)
def anchor(body: AnchorRequest, caller: SignedCallerDep, store: StoreDep) -> dict[str, Any]:
    """Anchor one credential or a batch: the documents plus the issuer's own anchor transaction."""
    documents = svc.parse_sealed(body.documents)
    batch = svc.relay_anchor(store, signer=caller.signer, documents=documents, signed_tx=body.signed_tx)
    return {
        "root": batch.root, "kind": batch.kind, "issuer": batch.issuer, "tx_hash": batch.tx_hash,
        "block_number": batch.block_number, "anchored_at": batch.anchored_at.isoformat(),
        "credentials": batch.credentials,
    }


@router.post("/credentials/{credential_id}/{action}")
def change_status(
    credential_id: str,
    action: Literal["revoke", "suspend", "reinstate", "supersede"],
    body: SignedTx,
    caller: SignedCallerDep,
    store: StoreDep,
) -> dict[str, Any]:
    """Revoke, suspend, reinstate or supersede a credential with the issuer's own transaction."""
    return svc.relay_status_change(
        store, signer=caller.signer, credential_id=credential_id, action=action,
        signed_tx=body.signed_tx,
    )


@router.post("/issuers")
def authorise(body: SignedTx, caller: SignedCallerDep, store: StoreDep) -> dict[str, Any]:
    """The registry admin authorises or withdraws an issuer for a kind (admin's own transaction)."""
    return svc.relay_admin(store, signer=caller.signer, signed_tx=body.signed_tx)


@router.get("/issuers")
def issuers(store: StoreDep) -> list[dict[str, Any]]:
    """Every issuer and kind, with whether it is authorised now and since when."""
    from sqlmodel import select

    from api.db.credentials import IssuerKind

    store.reconcile()
    with store.session() as s:
        rows = s.exec(select(IssuerKind).where(IssuerKind.chain_key == store.chain_key)).all()
    return [
        {"issuer": r.issuer, "kind": r.kind, "kind_name": Kind(r.kind).name,
         "authorised": r.authorised, "since": r.changed_at.isoformat()}
        for r in rows
    ]


@router.post("/verify")
def verify(body: VerifyRequest, store: StoreDep) -> dict[str, Any]:
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
    report = svc.verify_document(store, body.document, at=at, expected_subject=body.expected_subject,
                                 credential_id=body.credential_id)
    return svc.report_json(report)


@router.get("/firms/{uscc}/credentials")
def firm_credentials(
    uscc: str, store: StoreDep, at: int | None = Query(default=None, description="unix seconds")
) -> list[dict[str, Any]]:
    """A firm's anchored credentials with their status now (or at `at`)."""
    try:
        code = validate_uscc(uscc)
    except InvalidUSCC as exc:
        raise ValidationFailed(str(exc)) from None
    return svc.list_for_subject(store, code, at=at)


@router.get("/credentials/{credential_id}")
def credential(credential_id: str, store: StoreDep) -> dict[str, Any]:
    """One credential's batch, proof and anchoring transaction."""
    return svc.summary(svc.get_record(store, credential_id))


@router.get("/credentials/{credential_id}/history")
def credential_history(credential_id: str, store: StoreDep) -> list[dict[str, Any]]:
    """Every on-chain event about a credential, oldest first."""
    return svc.history(store, credential_id)


def _jsonable_tx(tx: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in tx.items():
        if isinstance(v, bytes):
            out[k] = "0x" + v.hex()
        else:
            out[k] = v
    return out


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
