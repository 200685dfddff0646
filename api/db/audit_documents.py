"""The documents of an audit bundle, read from the service's store: every document whose hash is
on chain and that an audit needs, and that is public (`tools.audit_export` writes them as a bundle;
the API's publications rerun the audit's rules on them in memory).

Only what is public goes out: tender documents, parameters and amendment reasons; the envelopes
and opening reports of bids once they are opened (with the centre's receipts); every credential
batch's ids; the holders' copies of identity and credit records and of every credential ticked
into an opened bid; guarantee applications and terms once their section is closed; rejections,
verification reports, claims' evidence and contests; 评定分离's documents once decided; the texts of
the governance's rulings on 履约 complaints; the pool cards naming registered experts and members.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.db.documents import Document
from api.db.selection import SeatHolderRow
from api.db.tenders import CREDENTIAL_SET, OPENING_RECEIPT
from ledger.audit import bundle as kinds
from ledger.audit.chain import ChainView
from ledger.audit.checks import SELECTION_HASHES
from ledger.audit.credentials import batch_ids
from ledger.audit.facts import tender_facts
from ledger.crypto.canonical import canonical_json
from ledger.crypto.seat_keys import seat_link
from ledger.documents import Kind

PUBLIC_ALWAYS = (kinds.TENDER, kinds.PARAMS, kinds.REASON, kinds.BATCH, kinds.REJECTION, kinds.VERIFICATION,
                 kinds.EVIDENCE, kinds.CONTEST)


def chain_key(chain: ChainView) -> str:
    return f"{chain.chain_id}:{chain.client.w3.eth.get_block(0)['hash'].hex()}"


def collect(chain: ChainView, engine: Engine, key: str) -> Iterator[tuple[str, str, bytes, dict[str, Any]]]:
    """The public documents of the store on `engine` (chain `key`) an audit needs, as (kind, key,
    content, extra) items; `chain` replayed."""
    facts = tender_facts(chain)
    with Session(engine) as session:
        docs = {(d.kind, d.key): d.content
                for d in session.exec(select(Document).where(Document.chain_key == key))}
        holders = list(session.exec(select(SeatHolderRow).where(SeatHolderRow.chain_key == key)))

    def doc(kind: str, k: bytes | str) -> bytes | None:
        return docs.get((kind, k if isinstance(k, str) else "0x" + k.hex()))

    for (kind, k), content in docs.items():
        if kind in PUBLIC_ALWAYS:
            yield kind, k, content, {}
    ticked: set[bytes] = set()
    closed: set[tuple[bytes, int]] = set()
    for t in facts.values():
        for s in t.sections.values():
            if s.closed is not None:
                closed.add((t.tender_id, s.index))
            for bidder, opened in s.openings.items():
                live = s.commitment_at(bidder, opened.position)
                if live is None:
                    continue
                commitment = live[0]
                envelope, cred_set = doc(kinds.ENVELOPE, commitment), doc(CREDENTIAL_SET, commitment)
                if envelope is not None:
                    yield kinds.ENVELOPE, "0x" + commitment.hex(), envelope, {
                        "credential_set_commitment": "0x" + (cred_set or b"").hex(), "tender_id": t.tid,
                        "section": s.index, "bidder": bidder}
                report, receipt = doc(kinds.OPENING, commitment), doc(OPENING_RECEIPT, commitment)
                if report is not None:
                    yield kinds.OPENING, "0x" + commitment.hex(), report, {
                        "receipt": "0x" + (receipt or b"").hex(), "tender_id": t.tid, "section": s.index,
                        "bidder": bidder}
            for ids in s.uses.values():
                ticked.update(ids)
    wanted = set(ticked)
    for e in chain.of("CredentialRegistry", "Anchored"):
        if int(e.args["kind"]) in (int(Kind.IDENTITY), int(Kind.CREDIT)):
            wanted.update(batch_ids(doc(kinds.BATCH, bytes(e.args["root"]))) or [])
    for cid in sorted(wanted):
        copy = doc(kinds.SEALED, cid)
        if copy is not None:
            yield kinds.SEALED, "0x" + cid.hex(), copy, {}
    applied: dict[bytes, Any] = {}
    for a in chain.of("GuaranteeBook", "Applied"):
        applied.setdefault(bytes(a.args["guaranteeId"]), a)
    for e in chain.of("GuaranteeBook", "Applied", "Issued"):
        gid = bytes(e.args["guaranteeId"])
        app = applied.get(gid)
        if app is None or (bytes(app.args["tenderId"]), int(app.args["section"])) not in closed:
            continue  # not public before its section is opened and closed
        if e.event == "Applied":
            application = doc(kinds.APPLICATION, bytes(e.args["applicationHash"]))
            if application is not None:
                yield kinds.APPLICATION, "0x" + bytes(e.args["applicationHash"]).hex(), application, {}
        else:
            terms = doc(kinds.TERMS, gid)
            if terms is not None:
                yield kinds.TERMS, "0x" + gid.hex(), terms, {}
    yield from _selection(chain, doc, holders)
    for e in chain.of("PerformanceBook", "PerformanceComplaintRuled"):  # 履约: the governance's rulings, once filed
        ruling = doc(kinds.PERFORMANCE_RULING, bytes(e.args["rulingHash"]))
        if ruling is not None:
            yield kinds.PERFORMANCE_RULING, "0x" + bytes(e.args["rulingHash"]).hex(), ruling, {
                "tender_id": "0x" + bytes(e.args["tenderId"]).hex(), "section": int(e.args["section"]),
                "index": int(e.args["index"])}
    for e in chain.of("Governance", "Proposed"):  # the pool cards naming registered experts and members
        card = doc(kinds.POOL_CARD, bytes(e.args["salt"]))
        if card is not None:
            yield kinds.POOL_CARD, "0x" + bytes(e.args["salt"]).hex(), card, {}


def _selection(chain: ChainView, doc: Any, holders: list[SeatHolderRow]
               ) -> Iterator[tuple[str, str, bytes, dict[str, Any]]]:
    """评定分离's documents of every decided section (public from 公示 on: the sheets, the report,
    the record, exclusion and replacement reasons, objections, answers, complaints, rulings), and
    the holders of every revealed committee's seats."""
    decided = {(bytes(e.args["tenderId"]), int(e.args["section"])) for e in chain.of("SelectionBook", "Decided")}
    seen: set[tuple[str, str]] = set()
    for e in chain.of("SelectionBook"):
        if e.event not in SELECTION_HASHES or (bytes(e.args["tenderId"]), int(e.args["section"])) not in decided:
            continue
        for kind, name in SELECTION_HASHES[e.event]:
            k = "0x" + bytes(e.args[name]).hex()
            content = doc(kind, k)
            if content is not None and (kind, k) not in seen:
                seen.add((kind, k))
                yield kind, k, content, {"tender_id": "0x" + bytes(e.args["tenderId"]).hex(),
                                         "section": int(e.args["section"])}
    revealed = {(bytes(e.args["tenderId"]), int(e.args["section"]), int(e.args["kind"]))
                for e in chain.of("SelectionBook", "CommitteeRevealed")}
    for h in holders:
        tid = bytes.fromhex(h.tender_id[2:])
        if (tid, h.section, h.kind) not in revealed:
            continue  # the centre's secret until the committee is revealed
        record = {"tender_id": h.tender_id, "section": h.section, "kind": h.kind, "seat": h.seat, "member": h.member,
                  "salt": h.salt}
        link = seat_link(tender_id=tid, section=h.section, kind=h.kind, seat=h.seat, member=h.member,
                         salt=bytes.fromhex(h.salt[2:]))
        yield kinds.SEAT_HOLDER, "0x" + link.hex(), canonical_json(record), {}
