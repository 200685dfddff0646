"""What an audit reports: one result per check, each with the evidence it rests on."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ledger.model.timeline import Milestone


class Status(StrEnum):
    PASS = "pass"  # the record holds: rerun, it gives what was recorded
    FAIL = "fail"  # a finding: the record does not hold, or something the chain needs is missing
    INFO = "info"  # recorded, but nothing on chain or in the bundle can prove it either way


@dataclass(frozen=True)
class Evidence:
    """Where a check looked: a transaction and its block (and time), and/or a document by hash."""

    tx: str | None = None
    block: int | None = None
    time: int | None = None  # unix seconds of the block
    document: str | None = None  # keccak of the bundle file (its name) or the on-chain value it is filed under
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Result:
    """One check: its family (a registry key), what it checked, its status and why."""

    family: str
    name: str
    status: Status
    message: str
    tender: str | None = None  # 0x tender id, when the check is about one
    section: int | None = None
    evidence: tuple[Evidence, ...] = ()
    # the name and message as a stable code with its arguments (ledger.audit.words), for whoever
    # words them in another language; None for a result that has no code
    code: str | None = None
    args: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"family": self.family, "name": self.name, "status": self.status.value,
                               "message": self.message, "evidence": [e.as_json() for e in self.evidence]}
        if self.code is not None:
            out["code"] = self.code
            out["args"] = dict(self.args)
        if self.tender is not None:
            out["tender"] = self.tender
        if self.section is not None:
            out["section"] = self.section
        return out


@dataclass
class TenderSummary:
    """What the report shows of a tender beside its checks (read from the chain and the bundle)."""

    tender_id: str
    title: str | None = None
    project_code: str | None = None
    centre: str | None = None
    issued_at: int | None = None
    deadline: int | None = None
    sections: list[dict[str, Any]] = field(default_factory=list)  # code, name, estimated price, guarantee (元)
    firms: dict[str, str] = field(default_factory=dict)  # bidder key -> firm name (USCC) as the documents give it
    timeline: tuple[Milestone, ...] = ()  # its steps as the chain's events give them, in time order

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "timeline": [m.as_json() for m in self.timeline]}


@dataclass
class AuditReport:
    chain_id: int
    genesis: str
    head_block: int
    head_time: int
    addresses: dict[str, str]
    events: int
    documents: int
    results: list[Result] = field(default_factory=list)
    tenders: dict[str, TenderSummary] = field(default_factory=dict)
    families: list[str] = field(default_factory=list)
    not_checked: list[str] = field(default_factory=list)  # what this version cannot check yet
    # 围标串标 flags for people to review (ledger.rules.collusion): listed with their evidence, never a failure
    flags: list[dict[str, Any]] = field(default_factory=list)
    # registered experts and committee members (lower-case address → "name (role)") by their pool cards
    people: dict[str, str] = field(default_factory=dict)

    @property
    def failures(self) -> list[Result]:
        return [r for r in self.results if r.status is Status.FAIL]

    @property
    def ok(self) -> bool:
        return not self.failures

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for r in self.results:
            out[r.status.value] += 1
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "chain_id": self.chain_id, "genesis": self.genesis, "head_block": self.head_block,
            "head_time": self.head_time, "addresses": self.addresses, "events_replayed": self.events,
            "bundle_documents": self.documents, "counts": self.counts(), "families": self.families,
            "not_checked": self.not_checked,
            "tenders": {k: v.as_json() for k, v in self.tenders.items()},
            "checks": [r.as_json() for r in self.results],
            "flags": self.flags,
            "people": self.people,
        }
