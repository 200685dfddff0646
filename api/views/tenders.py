"""Tender model objects as the API's JSON."""

from __future__ import annotations

from typing import Any

from api.db.tenders import eligibility_json
from api.encoding import to_hex
from ledger.model.tender import OpenedBid, SectionResults, TenderVersionInfo


def version(v: TenderVersionInfo) -> dict[str, Any]:
    return {"version": v.version, "reason": v.reason, "params": v.params.model_dump(mode="json"),
            "doc_hash": to_hex(v.doc_hash), "deadline": v.deadline, "tx_hash": to_hex(v.tx_hash),
            "published_at": v.published_at.isoformat()}


def opened_bid(b: OpenedBid) -> dict[str, Any]:
    return {"bidder": b.bidder, "outcome": b.outcome.name, "reason": b.reason, "price": b.price,
            "credential_ids": [to_hex(c) for c in b.credential_ids], "eligible": b.eligible,
            "eligibility": eligibility_json(b.eligibility)}


def section_results(r: SectionResults) -> dict[str, Any]:
    return {"tender_id": to_hex(r.tender_id), "section": r.section, "status": r.status.name, "public": r.public,
            "bids": [opened_bid(b) for b in r.bids]}
