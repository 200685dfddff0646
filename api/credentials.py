"""Compatibility names for callers not yet moved to the new places; new code does not import this.

The use cases are `ledger.service.credentials.CredentialService` (over `RegistryGateway` and
`api.db.credentials.SqlCredentialFiles`), their JSON `api.views.credentials`, relaying
`ledger.chain.relay`, the table `api.db.credentials.CredentialRecord`. Each function here is one
call of those, answering in the shapes its callers (tools/, api.tenders, api.guarantees) read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from web3.types import TxReceipt

from api.db.credentials import CredentialRecord, SqlCredentialFiles
from api.db.journal import Store
from api.encoding import to_hex, word
from api.views import credentials as views
from ledger.chain.gateway import Gateway
from ledger.chain.relay import RelayedTx
from ledger.chain.relay import decode_signed_tx as _decode
from ledger.documents import SealedCredential
from ledger.errors import NotFound
from ledger.rules.verify import VerificationReport
from ledger.service.credentials import STATUS_FUNCTIONS, CredentialService, parse_sealed

__all__ = [
    "STATUS_FUNCTIONS", "AnchoredBatch", "CredentialRecord", "RelayedTx", "decode_signed_tx", "get_record",
    "history", "list_for_subject", "parse_sealed", "relay_admin", "relay_anchor", "relay_status_change",
    "report_json", "summary", "verify_document",
]


def service(store: Store) -> CredentialService:
    return CredentialService(store.runtime.registry, SqlCredentialFiles(store))


def _gateway(store: Store, contract: str) -> Gateway:
    if contract == "CredentialRegistry":
        return store.runtime.registry
    named = type(f"{contract}Gateway", (Gateway,), {"NAME": contract})
    gateway: Gateway = named(store.runtime.client, store.runtime.addresses[contract])
    return gateway


def decode_signed_tx(store: Store, raw_hex: str, *, contract: str = "CredentialRegistry") -> RelayedTx:
    """Decode and check a signed transaction to `contract`; ValidationFailed says what is wrong with it."""
    return _decode(_gateway(store, contract), raw_hex)


def _relay(store: Store, relayed: RelayedTx) -> TxReceipt:
    """Dry-run the transaction first: one that would revert is refused, never mined."""
    rt = store.runtime
    contract = next(name for name, address in rt.addresses.items() if address.lower() == relayed.to.lower())
    _gateway(store, contract).dry_run(relayed.sender, relayed.data)
    return rt.client.send_raw(relayed.raw)


@dataclass(frozen=True)
class AnchoredBatch:
    root: str
    kind: int
    issuer: str
    tx_hash: str
    block_number: int
    anchored_at: datetime
    credentials: list[dict[str, Any]]


def relay_anchor(store: Store, *, signer: str, documents: Sequence[SealedCredential], signed_tx: str) -> AnchoredBatch:
    batch = service(store).relay_anchor(signer=signer, documents=documents, signed_tx=signed_tx)
    shown = views.anchored_batch(batch)
    return AnchoredBatch(root=shown["root"], kind=shown["kind"], issuer=shown["issuer"], tx_hash=shown["tx_hash"],
                         block_number=shown["block_number"],
                         anchored_at=datetime.fromtimestamp(batch.anchored_at, UTC), credentials=shown["credentials"])


def relay_status_change(store: Store, *, signer: str, credential_id: str, action: str, signed_tx: str) -> dict[str, Any]:
    change = service(store).relay_status_change(signer=signer, credential_id=word(credential_id, "credential id"),
                                                action=action, signed_tx=signed_tx)
    return views.status_change(change)


def relay_admin(store: Store, *, signer: str, signed_tx: str) -> dict[str, Any]:
    return views.issuer_change(service(store).relay_admin(signer=signer, signed_tx=signed_tx))


def get_record(store: Store, credential_id: str) -> CredentialRecord:
    cid = to_hex(word(credential_id, "credential id"))
    with store.session() as s:
        record = s.get(CredentialRecord, (store.chain_key, cid))
    if record is None:
        raise NotFound("UnknownCredential", {"credential_id": cid}, f"no anchored credential {cid}")
    return record


def list_for_subject(store: Store, subject: str, *, at: int | None = None) -> list[dict[str, Any]]:
    return [views.with_status(c) for c in service(store).list_for_subject(subject, at=at)]


def history(store: Store, credential_id: str) -> list[dict[str, Any]]:
    return [views.event(e) for e in service(store).history(word(credential_id, "credential id"))]


def verify_document(store: Store, document: Any, *, at: int | None, expected_subject: str | None,
                    credential_id: str | None = None) -> VerificationReport:
    claimed = word(credential_id, "credential_id") if credential_id is not None else None
    return service(store).verify_document(document, at=at, expected_subject=expected_subject, credential_id=claimed)


def report_json(report: VerificationReport) -> dict[str, Any]:
    return views.report(report)


def summary(r: CredentialRecord) -> dict[str, Any]:
    from api.db.credentials import stored

    return views.summary(stored(r))
