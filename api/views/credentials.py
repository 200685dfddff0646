"""Credential model objects as the API's JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from api.encoding import to_hex
from api.views.chain import unsigned_tx
from ledger.documents import Kind
from ledger.model.credential import (
    Batch,
    BulkRevocation,
    CredentialStatus,
    IssuerGrant,
    RegistryEvent,
    StatusChange,
    StoredCredential,
)
from ledger.rules import reasons
from ledger.rules.verify import Check, VerificationReport
from ledger.service.credentials import PreparedAnchor, PreparedRevocation


def _iso(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).isoformat()


def _iso_stored(moment: datetime) -> str:
    """As the store's datetime columns always rendered (SQLite hands them back without an offset)."""
    return moment.isoformat()


def prepared_anchor(p: PreparedAnchor) -> dict[str, Any]:
    return {"root": to_hex(p.root), "kind": int(p.kind), "tx": unsigned_tx(p.tx)}


def anchored_batch(b: Batch) -> dict[str, Any]:
    return {
        "root": to_hex(b.root), "kind": int(b.kind), "issuer": b.issuer, "tx_hash": to_hex(b.tx_hash),
        "block_number": b.block_number, "anchored_at": _iso(b.anchored_at),
        "credentials": [{"credential_id": to_hex(cid), "proof": [to_hex(p) for p in proof]}
                        for cid, proof in b.proofs.items()],
    }


def status_change(c: StatusChange) -> dict[str, Any]:
    return {"credential_id": to_hex(c.credential_id), "action": c.action,
            "tx_hash": c.mined.tx_hex, "block_number": c.mined.block_number}


def prepared_revocation(p: PreparedRevocation) -> dict[str, Any]:
    return {"root": to_hex(p.root), "reason": int(p.reason), "reason_name": p.reason.name.lower(),
            "credential_ids": [to_hex(c) for c in p.credential_ids], "positions": list(p.positions),
            "tx": unsigned_tx(p.tx)}


def bulk_revocation(r: BulkRevocation) -> dict[str, Any]:
    return {"root": to_hex(r.root), "reason": int(r.reason), "reason_name": r.reason.name.lower(),
            "credential_ids": [to_hex(c) for c in r.credential_ids], "positions": list(r.positions),
            "tx_hash": r.mined.tx_hex, "block_number": r.mined.block_number,
            "revoked_at": _iso(r.mined.timestamp or 0)}


def issuer_grant(g: IssuerGrant) -> dict[str, Any]:
    return {"issuer": g.issuer, "kind": g.kind, "kind_name": Kind(g.kind).name,
            "authorised": g.authorised, "since": _iso_stored(g.since)}


def summary(c: StoredCredential) -> dict[str, Any]:
    return {
        "credential_id": to_hex(c.credential_id), "root": to_hex(c.root), "kind": int(c.kind), "issuer": c.issuer,
        "subject": c.subject, "signing_address": c.signing_address, "tx_hash": to_hex(c.tx_hash),
        "block_number": c.block_number, "anchored_at": _iso_anchored(c.anchored_at),
        "proof": [to_hex(p) for p in c.proof],
    }


def _iso_anchored(unix: int) -> str:
    """The anchoring time as the store's column has always rendered it: UTC, without an offset."""
    return datetime.fromtimestamp(unix, UTC).replace(tzinfo=None).isoformat()


def with_status(s: CredentialStatus) -> dict[str, Any]:
    return summary(s.credential) | {"status": s.status.status.name, "reason": int(s.status.reason)}


def event(e: RegistryEvent) -> dict[str, Any]:
    return {"event": e.name, "block_number": e.block_number, "tx_hash": e.tx_hash,
            "time": _iso_stored(e.time), "args": dict(e.args)}


def report(r: VerificationReport) -> dict[str, Any]:
    return {
        "ok": r.ok,
        "credential_id": to_hex(r.credential_id) if r.credential_id else None,
        "root": to_hex(r.root),
        "at": r.at,
        "checks": [_check(c) for c in r.checks],
    }


def _check(c: Check) -> dict[str, Any]:
    """One check of a report: its reason's code and arguments (`ledger.rules.reasons`) beside the
    sentence, only when they say exactly the sentence, for a client that words it in its own language."""
    out: dict[str, Any] = {"name": c.name, "status": c.status.name, "reason": c.reason}
    if reasons.bound(c.details, c.reason):
        out.update(reasons.words(c.details))
    out["details"] = {k: to_hex(v) if isinstance(v, bytes) else v for k, v in reasons.plain(c.details).items()}
    return out
