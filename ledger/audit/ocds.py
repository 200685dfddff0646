"""Publication in the Open Contracting Data Standard 1.1, built only from what the audit replays
from the chain and proves from the bundle: per tender, its releases (one per step the chain
recorded) in a release package, and a compiled record in a record package.

- `ocid`: the publisher's registered prefix and the on-chain tender id; every other id is derived
  from an on-chain id (a lot, award and contract are `<tender id>-<section>`, a bid its on-chain
  commitment, a document the hash the chain holds, a release `<tender id>-<block>-<log index>` of
  the event it publishes).
- Releases: `tender` at publication, `tenderAmendment` per amendment (更正公告), `tenderUpdate`
  when a section closes (its bids), `award` when 评定分离 decides (status `pending` during 公示)
  and when the section is awarded (`active`), `contract` when GuaranteeBook records the winner's
  signing. Each release is the tender's state as of its event; the record's `compiledRelease` is
  the state at the head (tag `compiled`).
- `tender`: title, the tenderer as procuring entity, the lots (标段) with their estimated prices,
  the tender period up to the deadline in force, the number of tenderers (firms), the procurement
  method, and the tender document, parameters and amendment reasons.
- `bids` (the OCDS bids extension): per lot, the bids opened and the bids valid (firms) as the
  chain closed the section; every opened bid (`details`): its commitment, when it was submitted,
  `valid` or `disqualified` by the audit's rerun of the eligibility, the firm, the opened price.
- `awards`: per lot decided on SelectionBook, the winning firm (评定分离: the 定标 winner) and its
  opened price, with the evaluation report and decision record as documents.
- `contracts`: per lot whose winner's signing GuaranteeBook recorded.
- `parties`: the tenderer and every firm that bid, identified by 统一社会信用代码 under scheme
  `CN-USCC` (the firm behind a bid key from the audit's rerun of the eligibility, its name from
  its identity credential).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from eth_utils import to_checksum_address

from ledger.audit.checks import Context, hx
from ledger.audit.facts import TenderFacts
from ledger.chain.gateway import ChainLog
from ledger.model.tender import Outcome

OCDS_VERSION = "1.1"
BIDS_EXTENSION = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"
LOTS_EXTENSION = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json"
EXTENSIONS = (BIDS_EXTENSION, LOTS_EXTENSION)
SCHEME = "CN-USCC"
CURRENCY = "CNY"
DEFAULT_PREFIX = "ocds-tl0001"  # replace by the publisher's registered ocid prefix (`--ocid-prefix`)
PUBLISHER = {"name": "tender-ledger audit"}

Position = tuple[int, int]
HEAD: Position = (2**63, 0)


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _amount(value: Decimal | str) -> float | int:
    d = Decimal(str(value))
    return int(d) if d == d.to_integral_value() else float(d)


def party_id(uscc: str) -> str:
    return f"{SCHEME}-{uscc}"


def ocid(tender_id: bytes, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}-{tender_id.hex()}"


def _package_head(ctx: Context, published: int | None) -> dict[str, Any]:
    head = ctx.chain.time(ctx.chain.head)
    return {"uri": f"urn:tender-ledger:{ctx.chain.chain_id}:{ctx.chain.genesis}:{ctx.chain.head}",
            "version": OCDS_VERSION, "extensions": list(EXTENSIONS),
            "publishedDate": _iso(published if published is not None else head), "publisher": dict(PUBLISHER)}


def release_package(ctx: Context, *, names: Mapping[str, str], prefix: str = DEFAULT_PREFIX,
                    published: int | None = None, tender_id: bytes | None = None) -> dict[str, Any]:
    """The release package of every tender on chain (or of one): every release of each, oldest
    first (`ctx` after the opening, eligibility and selection families ran; `names`: USCC → firm
    name from the identity credentials)."""
    releases = [r for t in _tenders(ctx, tender_id) for r in releases_of(ctx, t.tender_id, names=names, prefix=prefix)]
    return {**_package_head(ctx, published), "releases": releases}


def record_package(ctx: Context, *, names: Mapping[str, str], prefix: str = DEFAULT_PREFIX,
                   published: int | None = None, tender_id: bytes | None = None) -> dict[str, Any]:
    """The record package: per tender its releases (embedded) and the compiled release (its state
    at the head)."""
    records = []
    for t in _tenders(ctx, tender_id):
        compiled = release(ctx, t.tender_id, names=names, prefix=prefix)
        compiled["tag"] = ["compiled"]
        compiled["id"] = f"{t.tid}-compiled-{ctx.chain.head}"
        records.append({"ocid": compiled["ocid"],
                        "releases": releases_of(ctx, t.tender_id, names=names, prefix=prefix),
                        "compiledRelease": compiled})
    return {**_package_head(ctx, published), "records": records}


def _tenders(ctx: Context, tender_id: bytes | None) -> list[TenderFacts]:
    return [t for t in ctx.tenders.values() if t.tender_id in ctx.params
            and (tender_id is None or t.tender_id == tender_id)]


def _of_tender(ctx: Context, tender_id: bytes, contract: str, *events: str) -> list[ChainLog]:
    return [e for e in ctx.chain.of(contract, *events) if bytes(e.args["tenderId"]) == tender_id]


def steps(ctx: Context, tender_id: bytes) -> list[tuple[ChainLog, str]]:
    """The events a release publishes, oldest first, with each one's tag."""
    t = ctx.tenders[tender_id]
    out: list[tuple[ChainLog, str]] = [(t.published, "tender")]
    out += [(a, "tenderAmendment") for a in t.amendments]
    out += [(s.closed, "tenderUpdate") for s in t.sections.values() if s.closed is not None]
    if "SelectionBook" in ctx.chain.addresses:
        out += [(e, "award") for e in _of_tender(ctx, tender_id, "SelectionBook", "Decided", "Awarded")]
    if "GuaranteeBook" in ctx.chain.addresses:
        out += [(e, "contract") for e in _of_tender(ctx, tender_id, "GuaranteeBook", "ContractSigned")]
    return sorted(out, key=lambda x: x[0].position)


def releases_of(ctx: Context, tender_id: bytes, *, names: Mapping[str, str], prefix: str = DEFAULT_PREFIX
                ) -> list[dict[str, Any]]:
    """One release per step the chain recorded, each the tender's state as of its event."""
    out = []
    for log, tag in steps(ctx, tender_id):
        r = release(ctx, tender_id, names=names, prefix=prefix, upto=log.position)
        r["id"] = f"{hx(tender_id)}-{log.block_number}-{log.position[1]}"
        r["date"] = _iso(ctx.chain.time(log.block_number))
        r["tag"] = [tag]
        out.append(r)
    return out


def _price(ctx: Context, tender_id: bytes, section: int, bidder: str) -> Decimal | None:
    rerun = ctx.openings.get((tender_id, section, bidder))
    if rerun is None or rerun.package is None:
        return None
    try:
        return Decimal(str(rerun.package.price))
    except InvalidOperation:
        return None


def release(ctx: Context, tender_id: bytes, *, names: Mapping[str, str], prefix: str = DEFAULT_PREFIX,
            upto: Position = HEAD) -> dict[str, Any]:
    """The tender's state as of chain position `upto` (the head by default) as one release."""
    t = ctx.tenders[tender_id]
    amendments = [a for a in t.amendments if a.position <= upto]
    params_hash = bytes(amendments[-1].args["paramsHash"]) if amendments else t.terms.params_hash
    params = ctx.params[tender_id] if params_hash == t.params_hash() else ctx.verified_params(params_hash)
    params = params or ctx.params[tender_id]
    deadline = int(amendments[-1].args["deadline"]) if amendments else t.terms.deadline
    tid = hx(tender_id)
    firms = ctx.summaries.get(tid, {})  # bid key -> USCC
    buyer: dict[str, Any] = {"id": party_id(params.tenderer_uscc), "name": params.tenderer,
                             "identifier": {"scheme": SCHEME, "id": params.tenderer_uscc,
                                            "legalName": params.tenderer},
                             "roles": ["buyer", "procuringEntity"]}
    parties: dict[str, dict[str, Any]] = {buyer["id"]: buyer}

    def party(uscc: str, role: str) -> dict[str, str]:
        name = names.get(uscc, uscc)
        p = parties.setdefault(party_id(uscc), {"id": party_id(uscc), "name": name,
                                                "identifier": {"scheme": SCHEME, "id": uscc, "legalName": name},
                                                "roles": []})
        if role not in p["roles"]:
            p["roles"].append(role)
        return {"id": p["id"], "name": name}

    lots, statistics, details, awards, contracts = [], [], [], [], []
    tenderers: dict[str, dict[str, str]] = {}
    selection = "SelectionBook" in ctx.chain.addresses
    for n, section in enumerate(params.sections):
        lot_id = f"{tid}-{n}"
        lots.append({"id": lot_id, "title": section.name, "description": section.code,
                     "value": {"amount": _amount(section.estimated_price), "currency": CURRENCY}})
        facts = t.sections.get(n)
        if facts is None:
            continue
        opened = {b: o for b, o in facts.openings.items() if o.position <= upto}
        if opened:
            statistics.append({"id": f"{lot_id}-bids", "measure": "bids", "value": len(opened), "relatedLot": lot_id})
        if facts.closed is not None and facts.closed.position <= upto:
            statistics.append({"id": f"{lot_id}-validBids", "measure": "validBids",
                               "value": int(facts.closed.args["validBids"]), "relatedLot": lot_id})
        valid = ctx.eligible.get((tender_id, n), {})
        for bidder, o in sorted(opened.items()):
            live = facts.commitment_at(bidder, o.position)
            if live is None:
                continue
            bid: dict[str, Any] = {"id": hx(live[0]), "date": _iso(ctx.chain.time(live[1].block_number)),
                                   "status": "valid" if bidder in valid else "disqualified",
                                   "relatedLots": [lot_id]}
            uscc = firms.get(bidder)
            if uscc is not None:
                bid["tenderers"] = [party(uscc, "tenderer")]
                tenderers[uscc] = bid["tenderers"][0]
            price = _price(ctx, tender_id, n, bidder)
            rerun = ctx.openings.get((tender_id, n, bidder))
            if price is not None and rerun is not None and rerun.outcome is Outcome.DECRYPTED:
                bid["value"] = {"amount": _amount(price), "currency": CURRENCY}
            details.append(bid)
        if not selection:
            continue
        award: dict[str, Any] | None = None
        for e in ctx.chain.of("SelectionBook", "Decided", "Awarded"):
            if bytes(e.args["tenderId"]) != tender_id or int(e.args["section"]) != n or e.position > upto:
                continue
            winner = to_checksum_address(e.args["winner"])
            if award is None:
                award = {"id": lot_id, "date": _iso(ctx.chain.time(e.block_number)), "relatedLots": [lot_id],
                         "relatedBids": [], "documents": []}
                supplier = firms.get(winner)
                if supplier is not None:
                    award["suppliers"] = [party(supplier, "supplier")]
                price = valid.get(winner)
                if price is not None:
                    award["value"] = {"amount": _amount(price), "currency": CURRENCY}
                live = facts.commitment_at(winner, opened[winner].position) if winner in opened else None
                if live is not None:
                    award["relatedBids"].append(hx(live[0]))
            if e.event == "Decided":
                award["status"] = "pending"  # 公示 until publicityEnds, objections open
                award["documents"].append({"id": hx(e.args["recordHash"]), "documentType": "awardNotice",
                                           "title": "定标记录", "description": "its id is the decision record's "
                                           "keccak-256, as SelectionBook holds it"})
            else:
                award["status"] = "active"
                award["date"] = _iso(ctx.chain.time(e.block_number))
        if award is not None:
            for e in ctx.chain.of("SelectionBook", "ShortlistFiled"):
                if bytes(e.args["tenderId"]) == tender_id and int(e.args["section"]) == n and e.position <= upto:
                    award["documents"].insert(0, {"id": hx(e.args["reportHash"]), "documentType": "evaluationReports",
                                                  "title": "评标报告", "description": "its id is the evaluation "
                                                  "report's keccak-256, as SelectionBook holds it"})
            for k in ("relatedBids", "documents"):
                if not award[k]:
                    del award[k]
            awards.append(award)
        if "GuaranteeBook" in ctx.chain.addresses:
            for e in _of_tender(ctx, tender_id, "GuaranteeBook", "ContractSigned"):
                if int(e.args["section"]) == n and e.position <= upto:
                    contracts.append({"id": lot_id, "awardID": lot_id, "status": "active",
                                      "dateSigned": _iso(int(e.args["signedAt"]))})
    documents = [
        {"id": hx(bytes(amendments[-1].args["docHash"]) if amendments else t.terms.doc_hash),
         "documentType": "tenderNotice", "title": "招标文件",
         "description": "its id is the keccak-256 of the tender document, as the chain holds it"},
        {"id": hx(params_hash), "documentType": "evaluationCriteria", "title": "招标参数",
         "description": "its id is the tender parameters' hash, as the chain holds it", "format": "application/json"},
        *({"id": hx(a.args["reasonHash"]), "documentType": "clarifications", "title": "更正公告",
           "description": "its id is the keccak-256 of the amendment's reason, as the chain holds it",
           "datePublished": _iso(ctx.chain.time(a.block_number))} for a in amendments),
    ]
    awarded = [a for a in awards if a.get("status") == "active"]
    status = "complete" if len(awarded) == len(params.sections) else "active"
    tender: dict[str, Any] = {
        "id": tid, "title": params.title, "status": status,
        "procuringEntity": {"id": buyer["id"], "name": buyer["name"]},
        "procurementMethod": "open", "procurementMethodDetails": f"{params.evaluation_method.value}; "
                                                                 f"定标: {params.selection.method.value}",
        "mainProcurementCategory": "works",
        "value": {"amount": _amount(sum((s.estimated_price for s in params.sections), Decimal(0))),
                  "currency": CURRENCY},
        "tenderPeriod": {"startDate": _iso(ctx.chain.time(t.published.block_number)), "endDate": _iso(deadline)},
        "numberOfTenderers": len(tenderers),
        "lots": lots,
        "documents": documents,
    }
    if tenderers:
        tender["tenderers"] = [tenderers[u] for u in sorted(tenderers)]
    tags = ["tender"] + (["award"] if awards else []) + (["contract"] if contracts else [])
    out: dict[str, Any] = {
        "ocid": ocid(tender_id, prefix),
        "id": f"{tid}-{ctx.chain.head}",
        "date": _iso(ctx.chain.time(min(upto[0], ctx.chain.head))),
        "tag": tags,
        "initiationType": "tender",
        "parties": list(parties.values()),
        "buyer": {"id": buyer["id"], "name": buyer["name"]},
        "tender": tender,
    }
    if statistics or details:
        out["bids"] = {k: v for k, v in (("statistics", statistics), ("details", details)) if v}
    if awards:
        out["awards"] = awards
    if contracts:
        out["contracts"] = contracts
    return out
