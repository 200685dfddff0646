"""Tender model objects as the API's JSON."""

from __future__ import annotations

import base64
import json
from typing import Any

from api.encoding import to_hex
from ledger.model.receipt import Mined
from ledger.model.tender import (
    BidEligibility,
    FailedOpening,
    OpenedBid,
    PublishedEvaluation,
    RelayedCall,
    SectionOpening,
    SectionResults,
    StoredBid,
    SubmittedBid,
    TenderDetails,
    TenderVersionInfo,
)


def version(v: TenderVersionInfo) -> dict[str, Any]:
    """One version; `deadline` is the one TenderBook put in force, `postponed` when that is later
    than the parameters' (`requested_deadline`): an amendment less than 15 days before it."""
    return {"version": v.version, "reason": v.reason, "params": v.params.model_dump(mode="json"),
            "doc_hash": to_hex(v.doc_hash), "deadline": v.deadline, "requested_deadline": v.requested_deadline,
            "postponed": v.postponed, "tx_hash": to_hex(v.tx_hash), "published_at": v.published_at.isoformat()}


def eligibility_json(e: BidEligibility | None) -> dict[str, Any]:
    """An eligibility report ({} when none was made; `firm` only when the report names one)."""
    if e is None:
        return {}
    checks = [{"name": c.name, "status": c.status.name, "reason": c.reason} for c in e.checks]
    if e.firm is None:
        return {"checks": checks, "eligible": e.eligible}
    return {"firm": e.firm, "eligible": e.eligible, "checks": checks}


def opened_bid(b: OpenedBid) -> dict[str, Any]:
    return {"bidder": b.bidder, "outcome": b.outcome.name, "reason": b.reason, "price": b.price,
            "credential_ids": [to_hex(c) for c in b.credential_ids], "eligible": b.eligible,
            "eligibility": eligibility_json(b.eligibility)}


def section_results(r: SectionResults) -> dict[str, Any]:
    return {"tender_id": to_hex(r.tender_id), "section": r.section, "status": r.status.name, "public": r.public,
            "bids": [opened_bid(b) for b in r.bids]}


def tender(d: TenderDetails) -> dict[str, Any]:
    """The tender as the chain holds it (the opening key, deadline and hashes come from
    TenderBook.tenderOf, not from the service's database), plus its published parameters."""
    t, on_chain, params = d.on_chain.terms, d.on_chain, d.stored.tender.params
    return {
        "tender_id": to_hex(d.stored.tender.tender_id), "project_code": params.project_code,
        "params": json.loads(params.model_dump_json()),
        "params_hash": to_hex(t.params_hash), "doc_hash": to_hex(t.doc_hash), "deadline": t.deadline,
        "opening_window_s": t.opening_window, "min_valid_bids": t.min_valid_bids,
        "opening_public_key": to_hex(t.opening_public), "officers": list(t.officers), "threshold": t.threshold,
        "share_hashes": [to_hex(h) for h in t.share_hashes], "version": on_chain.version, "centre": on_chain.centre,
        "issued_at": on_chain.issued_at, "tx_hash": to_hex(d.stored.tender.mined.tx_hash),
        "chain_id": d.chain_id, "tender_book": d.book,
    }


def submitted_bid(b: SubmittedBid) -> dict[str, Any]:
    return {"tender_id": to_hex(b.tender_id), "section": b.section, "bidder": b.bidder, "firm": b.firm,
            "commitment": to_hex(b.commitment), "envelope_hash": to_hex(b.envelope_hash),
            "tx_hash": to_hex(b.mined.tx_hash), "block_number": b.mined.block_number}


def withdrawal(mined: Mined) -> dict[str, Any]:
    return {"function": "submitBidsBySig (withdrawal)", "tx_hash": to_hex(mined.tx_hash),
            "block_number": mined.block_number}


def my_bid(b: StoredBid) -> dict[str, Any]:
    assert b.envelope is not None and b.envelope_hash is not None and b.uploaded_at is not None
    return {"commitment": to_hex(b.commitment), "version": b.version, "opened": b.opened,
            "envelope_hash": to_hex(b.envelope_hash), "envelope": to_hex(b.envelope),
            "credential_set_commitment": to_hex(b.credential_set_commitment)
            if b.credential_set_commitment is not None else None,
            "uploaded_at": b.uploaded_at.isoformat()}


def failed_opening(f: FailedOpening) -> dict[str, Any]:
    """A recorded failed opening with what anyone needs to rerun it (the rule is
    `ledger.rules.opening.rerun_opening`), and the service's own rerun."""
    r = f.recorded
    return {
        "tender_id": to_hex(r.tender_id), "section": r.section, "bidder": r.bidder, "outcome": r.outcome.name,
        "commitment": to_hex(f.commitment), "ciphertext_hash": to_hex(r.ciphertext_hash),
        "credential_set_commitment": to_hex(r.credential_set_commitment), "proven": r.proven,
        "block_number": r.block_number,
        "envelope_b64": base64.b64encode(f.envelope).decode() if f.envelope is not None else None,
        "rerun": {"outcome": f.rerun.outcome.name, "reason": f.rerun.reason} if f.rerun is not None else None,
    }


def relayed(r: RelayedCall) -> dict[str, Any]:
    return {"function": r.function, "tx_hash": to_hex(r.mined.tx_hash), "block_number": r.mined.block_number}


def section_opening(o: SectionOpening) -> dict[str, Any]:
    return {"tender_id": to_hex(o.tender_id), "section": o.section, "status": o.status.name,
            "valid_bids": o.valid_bids, "bids": [opened_bid(b) for b in o.bids]}


def evaluation(e: PublishedEvaluation) -> dict[str, Any]:
    return {"tx_hash": to_hex(e.mined.tx_hash), "report_hash": to_hex(e.report_hash)}
