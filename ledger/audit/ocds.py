"""Publication in the Open Contracting Data Standard 1.1: one release per tender, in a release package,
built only from what the audit replays from the chain and proves from the bundle.

- `ocid`: the publisher's registered prefix and the on-chain tender id; every other id is derived
  from an on-chain id (a lot is `<tender id>-<section>`, an award the same, a document its hash).
- `tender`: title, the tenderer as procuring entity, the lots (标段) with their estimated prices,
  the tender period up to the deadline in force, the number of tenderers (firms), the procurement
  method, and the tender document and parameters (each `id` its on-chain hash).
- `bids` (the OCDS bids extension): per lot, the bids opened and the bids valid (firms) as the
  chain closed the section.
- `awards`: per lot awarded on SelectionBook, the winning firm and its opened price (元, CNY).
- `parties`: the tenderer and every firm that bid, identified by 统一社会信用代码 under scheme
  `CN-USCC` (the firm behind a bid key from the audit's rerun of the eligibility, its name from
  its identity credential).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from eth_utils import to_checksum_address

from ledger.audit.checks import Context, hx

OCDS_VERSION = "1.1"
BIDS_EXTENSION = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"
LOTS_EXTENSION = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json"
SCHEME = "CN-USCC"
CURRENCY = "CNY"
DEFAULT_PREFIX = "ocds-tl0001"  # replace by the publisher's registered ocid prefix (`--ocid-prefix`)


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _amount(value: Decimal | str) -> float | int:
    d = Decimal(str(value))
    return int(d) if d == d.to_integral_value() else float(d)


def party_id(uscc: str) -> str:
    return f"{SCHEME}-{uscc}"


def release_package(ctx: Context, *, names: Mapping[str, str], prefix: str = DEFAULT_PREFIX,
                    published: int | None = None) -> dict[str, Any]:
    """The release package of every tender on chain (`ctx` after the opening, eligibility and
    selection families ran; `names`: USCC → firm name from the identity credentials)."""
    head = ctx.chain.time(ctx.chain.head)
    releases = [release(ctx, t.tender_id, names=names, prefix=prefix) for t in ctx.tenders.values()
                if t.tender_id in ctx.params]
    return {
        "uri": f"urn:tender-ledger:{ctx.chain.chain_id}:{ctx.chain.genesis}:{ctx.chain.head}",
        "version": OCDS_VERSION,
        "extensions": [BIDS_EXTENSION, LOTS_EXTENSION],
        "publishedDate": _iso(published if published is not None else head),
        "publisher": {"name": "tender-ledger audit", "scheme": None, "uid": None, "uri": None},
        "releases": releases,
    }


def release(ctx: Context, tender_id: bytes, *, names: Mapping[str, str], prefix: str = DEFAULT_PREFIX
            ) -> dict[str, Any]:
    t = ctx.tenders[tender_id]
    params = ctx.params[tender_id]
    tid = hx(tender_id)
    firms = ctx.summaries.get(tid, {})  # bid key -> USCC
    buyer: dict[str, Any] = {"id": party_id(params.tenderer_uscc), "name": params.tenderer,
             "identifier": {"scheme": SCHEME, "id": params.tenderer_uscc, "legalName": params.tenderer},
             "roles": ["buyer", "procuringEntity"]}
    parties: dict[str, dict[str, Any]] = {buyer["id"]: buyer}
    for uscc in sorted(set(firms.values())):
        name = names.get(uscc, uscc)
        parties[party_id(uscc)] = {"id": party_id(uscc), "name": name,
                                   "identifier": {"scheme": SCHEME, "id": uscc, "legalName": name},
                                   "roles": ["tenderer"]}
    lots, statistics, awards = [], [], []
    tags = ["tender"]
    latest = t.published.block_number
    for n, section in enumerate(params.sections):
        lot_id = f"{tid}-{n}"
        lots.append({"id": lot_id, "title": section.name, "description": section.code,
                     "value": {"amount": _amount(section.estimated_price), "currency": CURRENCY}})
        facts = t.sections.get(n)
        if facts is None:
            continue
        opened = len(facts.openings)
        if opened:
            statistics.append({"id": f"{lot_id}-bids", "measure": "bids", "value": opened, "relatedLot": lot_id})
        if facts.closed is not None:
            statistics.append({"id": f"{lot_id}-validBids", "measure": "validBids",
                               "value": int(facts.closed.args["validBids"]), "relatedLot": lot_id})
            latest = max(latest, facts.closed.block_number)
        for e in ctx.chain.of("SelectionBook", "Awarded"):
            if bytes(e.args["tenderId"]) != tender_id or int(e.args["section"]) != n:
                continue
            winner = to_checksum_address(e.args["winner"])
            supplier = firms.get(winner)
            award: dict[str, Any] = {"id": lot_id, "status": "active", "date": _iso(ctx.chain.time(e.block_number)),
                                     "relatedLots": [lot_id]}
            if supplier is not None:
                parties[party_id(supplier)]["roles"] = ["tenderer", "supplier"]
                award["suppliers"] = [{"id": party_id(supplier), "name": names.get(supplier, supplier)}]
            price = ctx.eligible.get((tender_id, n), {}).get(winner)
            if price is not None:
                award["value"] = {"amount": _amount(price), "currency": CURRENCY}
            awards.append(award)
            latest = max(latest, e.block_number)
    if awards:
        tags.append("award")
    doc_hash = bytes(t.amendments[-1].args["docHash"]) if t.amendments else t.terms.doc_hash
    documents = [
        {"id": hx(doc_hash), "documentType": "tenderNotice", "title": "招标文件",
         "description": "its id is the keccak-256 of the tender document, as the chain holds it"},
        {"id": hx(t.params_hash()), "documentType": "evaluationCriteria", "title": "招标参数",
         "description": "its id is the tender parameters' hash, as the chain holds it", "format": "application/json"},
    ]
    status = "complete" if len(awards) == len(params.sections) else "active"
    tender: dict[str, Any] = {
        "id": tid, "title": params.title, "status": status,
        "procuringEntity": {"id": buyer["id"], "name": buyer["name"]},
        "procurementMethod": "open", "procurementMethodDetails": f"{params.evaluation_method.value}; "
                                                                 f"定标: {params.selection.method.value}",
        "mainProcurementCategory": "works",
        "value": {"amount": _amount(sum((s.estimated_price for s in params.sections), Decimal(0))),
                  "currency": CURRENCY},
        "tenderPeriod": {"startDate": _iso(ctx.chain.time(t.published.block_number)), "endDate": _iso(t.deadline)},
        "numberOfTenderers": len(set(firms.values())),
        "tenderers": [{"id": party_id(u), "name": names.get(u, u)} for u in sorted(set(firms.values()))],
        "lots": lots,
        "documents": documents,
    }
    out: dict[str, Any] = {
        "ocid": f"{prefix}-{tid[2:]}",
        "id": f"{tid}-{latest}",
        "date": _iso(ctx.chain.time(latest)),
        "tag": tags,
        "initiationType": "tender",
        "parties": list(parties.values()),
        "buyer": {"id": buyer["id"], "name": buyer["name"]},
        "tender": tender,
    }
    if statistics:
        out["bids"] = {"statistics": statistics}
    if awards:
        out["awards"] = awards
    return out
