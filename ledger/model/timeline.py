"""A tender's timeline and a credential's status history as typed facts, for the pictures that show
them (the portal's pages, the audit report).

Each fact is a step at a block time (unix seconds), for one section or for the whole tender, a span
when it lasts (a 公示 window, an objection until its answer); `ledger.chain.timeline` reads them from
the contracts' events. The facts hold no words: the pictures label them in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Step(StrEnum):
    """A step in a tender's life, in the order the process takes them."""

    PUBLISHED = "published"  # the notice (version 1)
    AMENDED = "amended"  # a later version (答疑澄清 / 修改), `number` its version
    DEADLINE = "deadline"  # the bid deadline in force
    OPENED = "opened"  # a section opened; flag "failed" for 流标
    EVALUATION = "evaluation"  # the evaluation committee seated, until its sheets' reveal deadline
    REPORT = "report"  # the evaluation report published (`number`: its revision)
    SHORTLIST = "shortlist"  # the unranked shortlist filed (`number`: its version)
    SELECTION = "selection"  # the selection committee seated, or a vote round (`number`) until its reveal deadline
    DECIDED = "decided"  # the decision
    PUBLICITY = "publicity"  # the 公示 window, from the decision to its end
    OBJECTION = "objection"  # an objection (`number`), until its answer; flag "late" or "open"
    COMPLAINT = "complaint"  # a complaint (`number`), until its ruling; flag "upheld" or "open"
    AWARD = "award"  # the winner final
    SIGNED = "signed"  # the contract signed
    MILESTONE = "milestone"  # 履约: a progress milestone (`number`: the entry's index)
    PERFORMANCE_COMPLAINT = "performance_complaint"  # 履约: a complaint about performance
    COMPLETED = "completed"  # 履约评价: the completion evaluation


class Phase(StrEnum):
    """The part of the process a step belongs to (what the pictures group and colour by)."""

    TENDERING = "tendering"  # 招标
    OPENING = "opening"  # 开标评标
    SELECTION = "selection"  # 定标 and 公示
    PERFORMANCE = "performance"  # 履约


PHASE_OF: dict[Step, Phase] = {
    Step.PUBLISHED: Phase.TENDERING, Step.AMENDED: Phase.TENDERING, Step.DEADLINE: Phase.TENDERING,
    Step.OPENED: Phase.OPENING, Step.EVALUATION: Phase.OPENING, Step.REPORT: Phase.OPENING,
    Step.SHORTLIST: Phase.OPENING, Step.SELECTION: Phase.SELECTION, Step.DECIDED: Phase.SELECTION,
    Step.PUBLICITY: Phase.SELECTION, Step.OBJECTION: Phase.SELECTION, Step.COMPLAINT: Phase.SELECTION,
    Step.AWARD: Phase.SELECTION, Step.SIGNED: Phase.PERFORMANCE, Step.MILESTONE: Phase.PERFORMANCE,
    Step.PERFORMANCE_COMPLAINT: Phase.PERFORMANCE, Step.COMPLETED: Phase.PERFORMANCE,
}

FLAGS = frozenset({"failed", "postponed", "late", "open", "upheld", "dismissed", "answered"})


@dataclass(frozen=True)
class Milestone:
    """One step of a tender: when (`at`), for which section (None: the whole tender), until when if
    it lasts, its number (version, round, objection id, entry index) and a flag (`FLAGS`)."""

    step: Step
    at: int
    section: int | None = None
    until: int | None = None
    number: int | None = None
    flag: str | None = None

    @property
    def phase(self) -> Phase:
        return PHASE_OF[self.step]

    def as_json(self) -> dict[str, Any]:
        return {k: (v.value if isinstance(v, Step) else v) for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Milestone:
        """From `as_json`'s shape; ValueError naming what is wrong."""
        try:
            step = Step(value["step"])
        except (KeyError, ValueError):
            raise ValueError(f"unknown step {value.get('step')!r}") from None
        flag = value.get("flag")
        if flag is not None and flag not in FLAGS:
            raise ValueError(f"unknown flag {flag!r}")

        def number(key: str) -> int | None:
            v = value.get(key)
            if v is None:
                return None
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"{key} is not a non-negative whole number: {v!r}")
            return v

        at = number("at")
        if at is None:
            raise ValueError("a step needs its time (at)")
        return cls(step, at, number("section"), number("until"), number("number"), flag)


class CredentialStep(StrEnum):
    """What happened to a credential."""

    ANCHORED = "anchored"
    SUSPENDED = "suspended"
    REINSTATED = "reinstated"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    USED = "used"  # ticked into a bid that was opened


@dataclass(frozen=True)
class CredentialMark:
    """One change of a credential's status, or one use in a tender (which tender and section)."""

    step: CredentialStep
    at: int
    tender: str | None = None  # 0x tender id, for a use
    section: int | None = None
    reason: int | None = None  # the revocation or suspension reason code


@dataclass(frozen=True)
class CredentialTrack:
    """A credential's history as a picture draws it: its label (in the reader's words), the validity
    of its document, and every mark, oldest first."""

    label: str
    anchored_at: int
    valid_from: int
    valid_until: int | None
    marks: tuple[CredentialMark, ...]
