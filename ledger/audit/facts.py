"""What the chain's events say about each tender, indexed once for every check family."""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger.audit.chain import ChainView, checksum
from ledger.chain.gateway import ChainLog
from ledger.chain.tender_book import terms_of
from ledger.model.tender import TenderTerms


@dataclass
class SectionFacts:
    index: int
    bids: dict[str, list[ChainLog]] = field(default_factory=dict)  # bidder -> BidSubmitted/BidWithdrawn, in order
    openings: dict[str, ChainLog] = field(default_factory=dict)  # bidder -> BidOpened / DecryptionFailed
    uses: dict[str, list[bytes]] = field(default_factory=dict)  # bidder -> CredentialUsed ids (sorted)
    closed: ChainLog | None = None  # SectionClosed / SectionFailed

    def commitment_at(self, bidder: str, position: tuple[int, int]) -> tuple[bytes, ChainLog] | None:
        """The bidder's live commitment just before `position` (its last BidSubmitted, unless withdrawn since)."""
        live: tuple[bytes, ChainLog] | None = None
        for log in self.bids.get(bidder, []):
            if log.position >= position:
                break
            live = (bytes(log.args["commitment"]), log) if log.event == "BidSubmitted" else None
        return live


@dataclass
class TenderFacts:
    tender_id: bytes
    published: ChainLog
    centre: str
    terms: TenderTerms
    amendments: list[ChainLog] = field(default_factory=list)
    shares: list[ChainLog] = field(default_factory=list)
    sections: dict[int, SectionFacts] = field(default_factory=dict)
    evaluations: list[ChainLog] = field(default_factory=list)

    @property
    def tid(self) -> str:
        return "0x" + self.tender_id.hex()

    @property
    def deadline(self) -> int:
        """The deadline in force now (the last version's)."""
        return int(self.amendments[-1].args["deadline"]) if self.amendments else self.terms.deadline

    def deadline_at(self, position: tuple[int, int]) -> int:
        """The deadline in force at a point of the chain (amendments only ever move it later)."""
        deadline = self.terms.deadline
        for a in self.amendments:
            if a.position < position:
                deadline = int(a.args["deadline"])
        return deadline

    def params_hash(self) -> bytes:
        return bytes(self.amendments[-1].args["paramsHash"]) if self.amendments else self.terms.params_hash

    def section(self, n: int) -> SectionFacts:
        return self.sections.setdefault(n, SectionFacts(n))


def tender_facts(chain: ChainView) -> dict[bytes, TenderFacts]:
    out: dict[bytes, TenderFacts] = {}
    for log in chain.of("TenderBook"):
        a = log.args
        tid = bytes(a["tenderId"]) if "tenderId" in a else None
        if log.event == "TenderPublished" and tid is not None:
            out[tid] = TenderFacts(tid, log, checksum(a["centre"]), terms_of(a["params"]))
            continue
        t = out.get(tid) if tid is not None else None
        if t is None:
            continue
        if log.event == "TenderAmended":
            t.amendments.append(log)
        elif log.event == "ShareReleased":
            t.shares.append(log)
        elif log.event == "EvaluationPublished":
            t.evaluations.append(log)
        elif "section" in a:
            s = t.section(int(a["section"]))
            bidder = checksum(a["bidder"]) if "bidder" in a else None
            if log.event in ("BidSubmitted", "BidWithdrawn") and bidder:
                s.bids.setdefault(bidder, []).append(log)
            elif log.event in ("BidOpened", "DecryptionFailed") and bidder:
                s.openings[bidder] = log
            elif log.event == "CredentialUsed" and bidder:
                s.uses.setdefault(bidder, []).append(bytes(a["credentialId"]))
            elif log.event in ("SectionClosed", "SectionFailed"):
                s.closed = log
    for t in out.values():
        for s in t.sections.values():
            s.uses = {b: sorted(ids) for b, ids in s.uses.items()}
    return out
