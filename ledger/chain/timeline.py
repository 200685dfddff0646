"""A tender's timeline and a credential's history read from the contracts' events (`ledger.model.timeline`).

The events come decoded from a node (`ChainLog`, bytes as bytes) or from the store's journal (bytes as
0x-hex): both read the same here, each with the time of its block.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledger.model.selection import CommitteeKind
from ledger.model.timeline import CredentialMark, CredentialStep, Milestone, Step

# PerformanceBook's EntryKind -> the step it records
_ENTRY_STEPS = {0: Step.MILESTONE, 1: Step.PERFORMANCE_COMPLAINT, 2: Step.COMPLETED}


@dataclass(frozen=True)
class TimedEvent:
    """One contract event with the time of its block (unix seconds)."""

    contract: str
    name: str
    args: Mapping[str, Any]
    at: int


def unix(moment: datetime) -> int:
    """A block time as unix seconds (a time without an offset is UTC, as the journal keeps it)."""
    return int((moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).timestamp())


def _hex(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return str(value).lower()


def _int(value: Any) -> int:
    return int(value, 0) if isinstance(value, str) else int(value)


def tender_timeline(tender_id: bytes, events: Iterable[TimedEvent]) -> tuple[Milestone, ...]:
    """The steps of one tender in its events (any others are skipped), in time order: versions and the
    deadline in force, each section's opening, evaluation, shortlist, selection, decision and 公示,
    objections and complaints with their answers, the award, the contract and its 履约 entries."""
    tid = "0x" + tender_id.hex()
    out: list[Milestone] = []
    deadline: int | None = None
    postponed = False
    objections: dict[tuple[int, int], int] = {}  # (section, id) -> index in out
    complaints: dict[tuple[int, int], int] = {}
    awarded: set[tuple[int, str]] = set()
    for e in sorted(events, key=lambda e: e.at):
        a = e.args
        if _hex(a.get("tenderId", "")) != tid:
            continue
        section = _int(a["section"]) if "section" in a else None
        key = (e.contract, e.name)
        if key == ("TenderBook", "TenderPublished"):
            deadline = _int(a["params"]["deadline"])
            out.append(Milestone(Step.PUBLISHED, e.at, number=_int(a["version"])))
        elif key == ("TenderBook", "TenderAmended"):
            moved = _int(a["deadline"]) != _int(a["requestedDeadline"])
            postponed = postponed or moved or (deadline is not None and _int(a["deadline"]) > deadline)
            deadline = _int(a["deadline"])
            out.append(Milestone(Step.AMENDED, e.at, number=_int(a["version"]), flag="postponed" if moved else None))
        elif key == ("TenderBook", "SectionClosed"):
            out.append(Milestone(Step.OPENED, e.at, section))
        elif key == ("TenderBook", "SectionFailed"):
            out.append(Milestone(Step.OPENED, e.at, section, flag="failed"))
        elif key == ("TenderBook", "EvaluationPublished"):
            out.append(Milestone(Step.REPORT, e.at, section, number=_int(a["revision"])))
        elif key == ("SelectionBook", "CommitteeSeated"):
            step = Step.EVALUATION if _int(a["kind"]) == CommitteeKind.EVALUATION else Step.SELECTION
            until = _int(a["revealDeadline"]) or None
            out.append(Milestone(step, e.at, section, until=until if until and until > e.at else None))
        elif key == ("SelectionBook", "ShortlistFiled"):
            out.append(Milestone(Step.SHORTLIST, e.at, section, number=_int(a["version"])))
        elif key == ("SelectionBook", "RoundOpened"):
            out.append(Milestone(Step.SELECTION, e.at, section, until=_int(a["revealDeadline"]),
                                 number=_int(a["round"])))
        elif key == ("SelectionBook", "Decided"):
            out.append(Milestone(Step.DECIDED, e.at, section))
            out.append(Milestone(Step.PUBLICITY, e.at, section, until=_int(a["publicityEnds"])))
        elif key == ("SelectionBook", "ObjectionFiled"):
            objections[(section or 0, _int(a["id"]))] = len(out)
            out.append(Milestone(Step.OBJECTION, e.at, section, number=_int(a["id"]), flag="open"))
        elif key == ("SelectionBook", "ObjectionAnswered"):
            i = objections.get((section or 0, _int(a["id"])))
            if i is not None:
                out[i] = Milestone(Step.OBJECTION, out[i].at, section, until=e.at, number=out[i].number,
                                   flag="late" if a.get("late") else "answered")
        elif key == ("SelectionBook", "ComplaintFiled"):
            complaints[(section or 0, _int(a["id"]))] = len(out)
            out.append(Milestone(Step.COMPLAINT, e.at, section, number=_int(a["id"]), flag="open"))
        elif key == ("SelectionBook", "ComplaintRuled"):
            i = complaints.get((section or 0, _int(a["id"])))
            if i is not None:
                out[i] = Milestone(Step.COMPLAINT, out[i].at, section, until=e.at, number=out[i].number,
                                   flag="upheld" if a.get("upheld") else "dismissed")
        elif key in (("SelectionBook", "Awarded"), ("GuaranteeBook", "AwardRecorded")):
            who = (section or 0, _hex(a.get("winner", "")))
            if who not in awarded:  # SelectionBook's award and GuaranteeBook's record of it are one step
                awarded.add(who)
                out.append(Milestone(Step.AWARD, e.at, section))
        elif key == ("GuaranteeBook", "ContractSigned"):
            out.append(Milestone(Step.SIGNED, e.at, section))
        elif key == ("PerformanceBook", "PerformanceRecorded"):
            entry = _ENTRY_STEPS.get(_int(a["kind"]))
            if entry is not None:
                out.append(Milestone(entry, e.at, section, number=_int(a["index"]) + 1))
    if deadline is not None:
        out.append(Milestone(Step.DEADLINE, deadline, flag="postponed" if postponed else None))
    return tuple(sorted(out, key=lambda m: (m.at, list(Step).index(m.step))))


_CREDENTIAL_STEPS = {"Anchored": CredentialStep.ANCHORED, "Suspended": CredentialStep.SUSPENDED,
                     "Reinstated": CredentialStep.REINSTATED, "Revoked": CredentialStep.REVOKED,
                     "RevokedAt": CredentialStep.REVOKED, "Superseded": CredentialStep.SUPERSEDED,
                     "CredentialUsed": CredentialStep.USED}


def credential_marks(events: Iterable[tuple[str, int, Mapping[str, Any]]]) -> tuple[CredentialMark, ...]:
    """A credential's history (each event as its name, block time and arguments: what
    `CredentialService.history` reads) as marks, oldest first; events of other names are skipped."""
    out = []
    for name, at, args in events:
        step = _CREDENTIAL_STEPS.get(name)
        if step is None:
            continue
        reason = args.get("reason")
        out.append(CredentialMark(step, at, tender=_hex(args["tenderId"]) if "tenderId" in args else None,
                                  section=_int(args["section"]) if "section" in args else None,
                                  reason=_int(reason) if reason is not None else None))
    return tuple(sorted(out, key=lambda m: m.at))
