"""Credential services behind the API, the CLI and the demo: relay, record, look up, verify.

The service never signs for anyone. Writes arrive as transactions signed by the acting party;
the service checks that each one does exactly what the request says (right signer, right
contract, right function, arguments matching the uploaded documents) before relaying it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eth_account import Account
from eth_account.typed_transactions import TypedTransaction
from hexbytes import HexBytes
from sqlmodel import col, select

from api.encoding import to_hex, word
from api.db.credentials import CredentialRecord
from api.db.events import ChainEvent
from api.db.journal import Store
from ledger import registry as reg
from ledger.documents import DocumentError, SealedCredential
from ledger.errors import Conflict, NotFound, Unauthorised, ValidationFailed
from ledger.crypto.merkle import MerkleTree, leaf_of
from ledger.rules.verify import VerificationReport, verify

# One relayed write at a time per process: the chain is single-writer anyway, and this keeps
# "check in DB → relay → record" free of races between two uploads of the same credential.
_WRITE_LOCK = threading.Lock()


@dataclass(frozen=True)
class RelayedTx:
    """A decoded, signature-checked transaction addressed to one of our contracts."""

    raw: bytes
    sender: str
    to: str
    data: bytes
    function: str
    args: dict[str, Any]


def decode_signed_tx(store: Store, raw_hex: str, *, contract: str = "CredentialRegistry") -> RelayedTx:
    """Decode and check a signed transaction; ValidationFailed says what is wrong with it."""
    rt = store.runtime
    try:
        raw = bytes(HexBytes(raw_hex))
        tx = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
        sender = Account.recover_transaction(raw)
    except Exception as exc:
        raise ValidationFailed(
            f"signed_tx is not a signed EIP-1559 transaction: {type(exc).__name__}: {exc}"
        ) from None
    if int(tx.get("chainId", -1)) != rt.client.chain_id:
        raise ValidationFailed(
            f"signed_tx is for chain id {tx.get('chainId')}, this ledger runs chain id {rt.client.chain_id}"
        )
    target = rt.addresses[contract]
    to = tx.get("to") or b""
    to_hex = "0x" + to.hex() if isinstance(to, bytes) else str(to)
    if to_hex.lower() != target.lower():
        raise ValidationFailed(f"signed_tx is addressed to {to_hex}, not the {contract} at {target}")
    try:
        fn, args = rt.contract(contract).decode_function_input(HexBytes(tx.get("data", b"")))
    except ValueError as exc:
        raise ValidationFailed(f"signed_tx does not call a {contract} function: {exc}") from None
    data = bytes(HexBytes(tx.get("data", b"")))
    return RelayedTx(raw=raw, sender=sender, to=target, data=data, function=fn.fn_name, args=dict(args))


def _relay(store: Store, relayed: RelayedTx) -> Any:
    """Dry-run the transaction first: one that would revert is refused, never mined."""
    client = store.runtime.client
    try:
        client.w3.eth.call({"from": relayed.sender, "to": relayed.to, "data": relayed.data})
    except Exception as exc:
        raise client.translate_error(exc) from None
    return client.send_raw(relayed.raw)


def _require(relayed: RelayedTx, signer: str, functions: Sequence[str]) -> None:
    if relayed.sender != signer:
        raise Unauthorised(
            "SignerMismatch", {},
            f"the transaction is signed by {relayed.sender} but the request by {signer}: "
            "each party signs its own transaction",
        )
    if relayed.function not in functions:
        raise ValidationFailed(
            f"signed_tx calls {relayed.function}, expected {' or '.join(functions)}"
        )


def parse_sealed(items: Sequence[Any]) -> list[SealedCredential]:
    """Sealed credentials from JSON objects; ValidationFailed names each bad item."""
    out: list[SealedCredential] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        try:
            out.append(SealedCredential.from_dict(item))
        except (DocumentError, ValueError, TypeError, KeyError) as exc:
            problems.append(f"document {index}: {exc}")
    if problems:
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise ValidationFailed("; ".join(problems[:5]) + more)
    return out


# ---------------------------------------------------------------------- writes


@dataclass(frozen=True)
class AnchoredBatch:
    root: str
    kind: int
    issuer: str
    tx_hash: str
    block_number: int
    anchored_at: datetime
    credentials: list[dict[str, Any]]


def relay_anchor(
    store: Store, *, signer: str, documents: Sequence[SealedCredential], signed_tx: str
) -> AnchoredBatch:
    """Check a batch against its signed anchor transaction, relay it and record the documents."""
    relayed = decode_signed_tx(store, signed_tx)
    _require(relayed, signer, ("anchor",))
    kind, ids = reg.check_batch(signer, documents)
    tree = MerkleTree.build(ids)
    if relayed.args["root"] != tree.root:
        raise ValidationFailed(
            f"signed_tx anchors root {to_hex(relayed.args['root'])}, but the documents hash to "
            f"{to_hex(tree.root)}"
        )
    if relayed.args["kind"] != int(kind):
        raise ValidationFailed(f"signed_tx anchors kind {relayed.args['kind']}, the documents are {kind.name}")
    with _WRITE_LOCK:
        with store.session() as s:
            known = s.exec(
                select(CredentialRecord.credential_id).where(
                    CredentialRecord.chain_key == store.chain_key,
                    col(CredentialRecord.credential_id).in_([to_hex(i) for i in ids]),
                )
            ).all()
        if known:
            raise Conflict(
                "AlreadyAnchored", {"credential_id": known[0]},
                f"{len(known)} of these credentials are anchored already (e.g. {known[0]})",
            )
        receipt = _relay(store, relayed)
        block = store.runtime.client.block_timestamp(receipt["blockNumber"])
        anchored_at = datetime.fromtimestamp(block, UTC)
        rows = []
        # check_batch returned the ids in document order (duplicates are refused there)
        for cid, sealed in zip(ids, documents, strict=True):
            rows.append(
                CredentialRecord(
                    chain_key=store.chain_key, credential_id=to_hex(cid), root=to_hex(tree.root),
                    kind=int(kind), issuer=signer, subject=str(sealed.document.subject),
                    signing_address=getattr(sealed.document, "signing_address", None),
                    proof=json.dumps([to_hex(p) for p in tree.proof(cid)]), sealed=sealed.to_json(),
                    tx_hash=to_hex(receipt["transactionHash"]), block_number=receipt["blockNumber"],
                    anchored_at=anchored_at,
                )
            )
        with store.session() as s:
            s.add_all(rows)
            s.commit()
        store.reconcile()
    return AnchoredBatch(
        root=to_hex(tree.root), kind=int(kind), issuer=signer, tx_hash=to_hex(receipt["transactionHash"]),
        block_number=receipt["blockNumber"], anchored_at=anchored_at,
        credentials=[{"credential_id": r.credential_id, "proof": json.loads(r.proof)} for r in rows],
    )


STATUS_FUNCTIONS = {"revoke": "revoke", "suspend": "suspend", "reinstate": "reinstate", "supersede": "supersede"}


def relay_status_change(store: Store, *, signer: str, credential_id: str, action: str, signed_tx: str) -> dict[str, Any]:
    """Relay a revoke/suspend/reinstate/supersede signed by the credential's issuer."""
    function = STATUS_FUNCTIONS.get(action)
    if function is None:
        raise ValidationFailed(f"unknown action {action!r}: use {', '.join(STATUS_FUNCTIONS)}")
    record = get_record(store, credential_id)
    relayed = decode_signed_tx(store, signed_tx)
    _require(relayed, signer, (function,))
    first_id = relayed.args.get("credentialId", relayed.args.get("oldId"))
    if first_id is None or to_hex(first_id) != record.credential_id:
        raise ValidationFailed(
            f"signed_tx {function}s credential {to_hex(first_id) if first_id else '?'}, "
            f"not {record.credential_id}"
        )
    if record.issuer != signer:
        raise Unauthorised(
            "NotIssuerOf", {"root": record.root, "caller": signer},
            f"only the issuer {record.issuer} may {action} credential {credential_id}",
        )
    with _WRITE_LOCK:
        receipt = _relay(store, relayed)
        store.reconcile()
    return {"credential_id": record.credential_id, "action": action,
            "tx_hash": to_hex(receipt["transactionHash"]), "block_number": receipt["blockNumber"]}


def relay_admin(store: Store, *, signer: str, signed_tx: str) -> dict[str, Any]:
    """Relay the registry admin's authorise/withdraw of an issuer."""
    relayed = decode_signed_tx(store, signed_tx)
    _require(relayed, signer, ("authoriseIssuer", "withdrawIssuer"))
    rt = store.runtime
    admin = rt.client.call(rt.contract("CredentialRegistry").functions.admin())
    if admin != signer:
        raise Unauthorised("NotAdmin", {"caller": signer}, f"only the registry admin {admin} may do this")
    with _WRITE_LOCK:
        receipt = _relay(store, relayed)
        store.reconcile()
    return {"function": relayed.function, "issuer": relayed.args["issuer"], "kind": relayed.args["kind"],
            "tx_hash": to_hex(receipt["transactionHash"]), "block_number": receipt["blockNumber"]}


# ---------------------------------------------------------------------- reads


def get_record(store: Store, credential_id: str) -> CredentialRecord:
    cid = to_hex(word(credential_id, "credential id"))
    with store.session() as s:
        record = s.get(CredentialRecord, (store.chain_key, cid))
    if record is None:
        raise NotFound("UnknownCredential", {"credential_id": cid}, f"no anchored credential {cid}")
    return record


def list_for_subject(store: Store, subject: str, *, at: int | None = None) -> list[dict[str, Any]]:
    """A firm's credentials (metadata and status now, or at `at`), newest first."""
    rt = store.runtime
    when = at if at is not None else rt.client.block_timestamp()
    with store.session() as s:
        rows = list(
            s.exec(
                select(CredentialRecord)
                .where(CredentialRecord.chain_key == store.chain_key, CredentialRecord.subject == subject)
                .order_by(col(CredentialRecord.block_number).desc())
            )
        )
    registry = rt.contract("CredentialRegistry")
    out = []
    for r in rows:
        st = reg.status_at(client=rt.client, registry=registry, root=bytes(HexBytes(r.root)),
                           credential_id=bytes(HexBytes(r.credential_id)), at=when)
        out.append(summary(r) | {"status": st.status.name, "reason": int(st.reason)})
    return out


def summary(r: CredentialRecord) -> dict[str, Any]:
    return {
        "credential_id": r.credential_id, "root": r.root, "kind": r.kind, "issuer": r.issuer,
        "subject": r.subject, "signing_address": r.signing_address, "tx_hash": r.tx_hash,
        "block_number": r.block_number,
        "anchored_at": r.anchored_at.isoformat(), "proof": json.loads(r.proof),
    }


def history(store: Store, credential_id: str) -> list[dict[str, Any]]:
    """Every chain event about a credential: its batch's anchoring, then its status changes."""
    record = get_record(store, credential_id)
    store.reconcile()
    with store.session() as s:
        events = list(
            s.exec(
                select(ChainEvent)
                .where(ChainEvent.chain_key == store.chain_key, ChainEvent.contract == "CredentialRegistry")
                .order_by(col(ChainEvent.block_number), col(ChainEvent.log_index))
            )
        )
    out = []
    for e in events:
        args = json.loads(e.args)
        about_batch = e.name == "Anchored" and args.get("root") == record.root
        about_it = args.get("root") == record.root and args.get("credentialId") == record.credential_id
        if about_batch or about_it:
            out.append({"event": e.name, "block_number": e.block_number, "tx_hash": e.tx_hash,
                        "time": e.block_time.isoformat(), "args": args})
    return out


def verify_document(
    store: Store, document: Any, *, at: int | None, expected_subject: str | None,
    credential_id: str | None = None,
) -> VerificationReport:
    """Verify a sealed credential or a disclosure against the chain as of `at` (default: now).

    With `credential_id` (the id the holder claims), the batch and proof are those of that id,
    so a document whose fields were altered is reported as failing integrity against it,
    rather than as an unknown credential."""
    from ledger.documents import Disclosure

    rt = store.runtime
    try:
        if not isinstance(document, dict):
            raise ValidationFailed("document must be a JSON object (a sealed credential or a disclosure)")
        if "masterSalt" in document:
            item: Any = SealedCredential.from_dict(document)
        else:
            item = Disclosure.from_dict(document)
    except (DocumentError, ValueError, TypeError, KeyError) as exc:
        raise ValidationFailed(f"document is neither a sealed credential nor a disclosure: {exc}") from None
    claimed = word(credential_id, "credential_id") if credential_id is not None else None
    cid = claimed or item.credential_id()
    with store.session() as s:
        record = s.get(CredentialRecord, (store.chain_key, to_hex(cid)))
    when = at if at is not None else rt.client.block_timestamp()
    # Not in the store: it can still be a one-credential batch anchored directly on chain,
    # whose root is the credential's leaf.
    root = bytes(HexBytes(record.root)) if record else leaf_of(cid)
    proof = [bytes(HexBytes(p)) for p in json.loads(record.proof)] if record else []
    return verify(rt.client, rt.contract("CredentialRegistry"), item, root=root, proof=proof,
                  at=when, expected_subject=expected_subject, credential_id=claimed)


def report_json(report: VerificationReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "credential_id": to_hex(report.credential_id) if report.credential_id else None,
        "root": to_hex(report.root),
        "at": report.at,
        "checks": [
            {"name": c.name, "status": c.status.name, "reason": c.reason,
             "details": {k: to_hex(v) if isinstance(v, bytes) else v for k, v in c.details.items()}}
            for c in report.checks
        ],
    }
