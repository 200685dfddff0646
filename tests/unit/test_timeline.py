"""A tender's timeline and a credential's history read from contract events: the same from a node's
decoded logs (bytes) and from the journal (0x-hex); another tender's events are left out; an
answer closes its objection, a ruling its complaint; the deadline is the one in force; the facts
go to JSON and back, and what is not a step is refused."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.chain.timeline import TimedEvent, credential_marks, tender_timeline
from ledger.model.timeline import CredentialStep, Milestone, Phase, Step

TID = bytes.fromhex("ab" * 32)
OTHER = bytes.fromhex("cd" * 32)
DAY = 86_400
T0 = 1_790_000_000
WINNER = "0x" + "11" * 20


def events(tid: bytes, hexed: bool) -> list[TimedEvent]:
    word: Any = "0x" + tid.hex() if hexed else tid

    def e(contract: str, name: str, at: int, **args: Any) -> TimedEvent:
        return TimedEvent(contract, name, {"tenderId": word, **args}, at)

    return [
        e("TenderBook", "TenderPublished", T0, version=1, params={"deadline": T0 + 20 * DAY}),
        e("TenderBook", "TenderAmended", T0 + 8 * DAY, version=2, deadline=T0 + 23 * DAY,
          requestedDeadline=T0 + 20 * DAY),
        e("TenderBook", "SectionClosed", T0 + 23 * DAY + 60, section=0, validBids=4),
        e("TenderBook", "SectionFailed", T0 + 23 * DAY + 90, section=1, validBids=1),
        e("SelectionBook", "CommitteeSeated", T0 + 24 * DAY, section=0, kind=0, revealDeadline=T0 + 25 * DAY),
        e("SelectionBook", "ShortlistFiled", T0 + 25 * DAY + 10, section=0, version=1),
        e("TenderBook", "EvaluationPublished", T0 + 25 * DAY + 20, section=0, revision=1),
        e("SelectionBook", "CommitteeSeated", T0 + 26 * DAY, section=0, kind=1, revealDeadline=0),
        e("SelectionBook", "RoundOpened", T0 + 26 * DAY + 10, section=0, round=1, revealDeadline=T0 + 26 * DAY + 7200),
        e("SelectionBook", "Decided", T0 + 27 * DAY, section=0, winner=WINNER, publicityEnds=T0 + 30 * DAY),
        e("SelectionBook", "ObjectionFiled", T0 + 28 * DAY, section=0, id=1),
        e("SelectionBook", "ObjectionAnswered", T0 + 29 * DAY, section=0, id=1, late=False),
        e("SelectionBook", "ObjectionFiled", T0 + 29 * DAY + 5, section=0, id=2),
        e("SelectionBook", "Awarded", T0 + 30 * DAY + 1, section=0, winner=WINNER),
        e("GuaranteeBook", "AwardRecorded", T0 + 30 * DAY + 1, section=0, winner=WINNER),
        e("GuaranteeBook", "ContractSigned", T0 + 31 * DAY, section=0, winner=WINNER),
        e("PerformanceBook", "PerformanceRecorded", T0 + 60 * DAY, section=0, index=0, kind=0),
        e("PerformanceBook", "PerformanceRecorded", T0 + 90 * DAY, section=0, index=1, kind=1),
        e("PerformanceBook", "PerformanceRecorded", T0 + 200 * DAY, section=0, index=2, kind=2),
        e("TenderBook", "BidSubmitted", T0 + DAY, section=0),  # not a step
    ]


@pytest.mark.parametrize("hexed", [False, True], ids=["decoded", "journal"])
def test_every_step_of_a_tender_from_its_events(hexed: bool) -> None:
    others = [TimedEvent(x.contract, x.name, {**x.args, "tenderId": OTHER}, x.at) for x in events(OTHER, False)]
    steps = tender_timeline(TID, [*events(TID, hexed), *others])
    assert [(m.step, m.section) for m in steps] == [
        (Step.PUBLISHED, None), (Step.AMENDED, None), (Step.DEADLINE, None), (Step.OPENED, 0), (Step.OPENED, 1),
        (Step.EVALUATION, 0), (Step.SHORTLIST, 0), (Step.REPORT, 0), (Step.SELECTION, 0), (Step.SELECTION, 0),
        (Step.DECIDED, 0), (Step.PUBLICITY, 0), (Step.OBJECTION, 0), (Step.OBJECTION, 0), (Step.AWARD, 0),
        (Step.SIGNED, 0), (Step.MILESTONE, 0), (Step.PERFORMANCE_COMPLAINT, 0), (Step.COMPLETED, 0)]
    by = {(m.step, m.number): m for m in steps}
    assert by[(Step.DEADLINE, None)].at == T0 + 23 * DAY and by[(Step.DEADLINE, None)].flag == "postponed"
    assert by[(Step.AMENDED, 2)].flag == "postponed"
    assert [m.flag for m in steps if m.step is Step.OPENED] == [None, "failed"]
    assert by[(Step.PUBLICITY, None)].until == T0 + 30 * DAY
    assert by[(Step.OBJECTION, 1)].until == T0 + 29 * DAY and by[(Step.OBJECTION, 1)].flag == "answered"
    assert by[(Step.OBJECTION, 2)].until is None and by[(Step.OBJECTION, 2)].flag == "open"
    assert by[(Step.SELECTION, 1)].until == T0 + 26 * DAY + 7200
    assert by[(Step.EVALUATION, None)].until == T0 + 25 * DAY
    assert by[(Step.MILESTONE, 1)].phase is Phase.PERFORMANCE and by[(Step.AWARD, None)].phase is Phase.SELECTION


def test_a_late_answer_and_a_ruling_close_their_filings() -> None:
    def e(name: str, at: int, **args: Any) -> TimedEvent:
        return TimedEvent("SelectionBook", name, {"tenderId": TID, "section": 0, "id": 1, **args}, at)

    found = [e("ObjectionFiled", T0), e("ObjectionAnswered", T0 + 5 * DAY, late=True),
             e("ComplaintFiled", T0 + DAY), e("ComplaintRuled", T0 + 9 * DAY, upheld=True),
             e("ObjectionAnswered", T0 + 2 * DAY, section=1)]  # another section's objection: closes nothing here
    objection, complaint = tender_timeline(TID, found)
    assert (objection.step, objection.flag, objection.until) == (Step.OBJECTION, "late", T0 + 5 * DAY)
    assert (complaint.step, complaint.flag, complaint.until) == (Step.COMPLAINT, "upheld", T0 + 9 * DAY)


def test_a_credentials_history_as_marks() -> None:
    marks = credential_marks([
        ("Anchored", T0, {"root": "0x" + "00" * 32}),
        ("Suspended", T0 + DAY, {"reason": 5}),
        ("Reinstated", T0 + 2 * DAY, {}),
        ("CredentialUsed", T0 + 3 * DAY, {"tenderId": "0x" + "AB" * 32, "section": 1}),
        ("RevokedAt", T0 + 4 * DAY, {"reason": 2, "position": 3}),
        ("SomethingElse", T0, {}),
    ])
    assert [m.step for m in marks] == [CredentialStep.ANCHORED, CredentialStep.SUSPENDED, CredentialStep.REINSTATED,
                                       CredentialStep.USED, CredentialStep.REVOKED]
    assert marks[1].reason == 5 and marks[4].reason == 2
    assert (marks[3].tender, marks[3].section) == ("0x" + "ab" * 32, 1)


def test_a_step_goes_to_json_and_back() -> None:
    for m in tender_timeline(TID, events(TID, False)):
        assert Milestone.from_json(m.as_json()) == m


@pytest.mark.parametrize("bad, words", [
    ({"step": "coronation", "at": 1}, "unknown step"),
    ({"at": 1}, "unknown step"),
    ({"step": "award", "at": 1, "flag": "<b>"}, "unknown flag"),
    ({"step": "award"}, "needs its time"),
    ({"step": "award", "at": -5}, "not a non-negative"),
    ({"step": "award", "at": "soon"}, "not a non-negative"),
    ({"step": "award", "at": True}, "not a non-negative"),
    ({"step": "award", "at": 1, "section": 1.5}, "section is not"),
])
def test_what_is_not_a_step_is_refused(bad: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Milestone.from_json(bad)
