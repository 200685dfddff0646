"""评定分离 past the happy path, on one section in file order: a seat that misses the commit
deadline replaced by the next reserve of its committee draw, the pools kept through the
governance, a complaint (投诉) ruled by the governance's members and upheld so that the selection is
redone and ends in a new decision, and a complaint after its window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger.crypto.canonical import keccak
from ledger.crypto.seat_keys import derive_seat_key
from ledger.errors import Conflict, ValidationFailed
from ledger.model.selection import CommitteeKind, Stage
from ledger.rules.selection import Decided, NeedDraw, NeedVote
from tests.scenes import Scene
from tests.selection_scene import DAY, HOUR, SECTION, Section

EV, SEL = CommitteeKind.EVALUATION, CommitteeKind.SELECTION

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def s(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Section]:
    with Scene.served(tmp_path_factory.mktemp("complaints"), seed=53) as scene:
        yield Section.make(scene)


def centre(s: Section) -> str:
    return str(s.rt.centre.address)


def vote_round(s: Section, choices: list[str]) -> None:
    """Every selection seat commits then reveals in the chain's current round."""
    s.svc.open_round(signer=centre(s), tender_id=s.tid, section=SECTION, commit_deadline=s.now() + HOUR,
                     reveal_deadline=s.now() + 2 * HOUR)
    number = s.svc.book.status(s.tid, SECTION).last_round
    seats = list(s.seats[SEL])
    for seat, choice in zip(seats, choices, strict=True):
        s.commit_vote(number, seat, choice)
    for seat in seats:
        s.reveal_vote(number, seat)


def take_reserve(s: Section, kind: CommitteeKind, member: str) -> str:
    pool = {p.address: p for p in (s.experts if kind is EV else s.members)}
    key = derive_seat_key(pool[member], s.tid, SECTION, int(kind))
    s.seats[kind][key.address] = key
    s.holders[kind][key.address] = pool[member]
    return str(key.address)


def test_a_pool_call_proposed_by_a_lone_member_does_nothing_and_three_of_four_register_an_expert(s: Section) -> None:
    newcomer = s.scene.account().address
    s.scene.govern("SelectionBook", "registerExpert", newcomer, "市政公用", approvals=1)
    listed = s.scene.http.get("/selection/experts").json()["entries"]
    assert newcomer not in {e["address"] for e in listed}
    s.scene.govern("SelectionBook", "registerExpert", newcomer, "市政公用")
    listed = s.scene.http.get("/selection/experts").json()["entries"]
    unnamed = {"name": None, "organisation": None}  # registered without a pool card
    assert {"address": newcomer, "speciality": "市政公用", **unnamed} in listed
    assert {"address": s.experts[0].address, "speciality": "房屋建筑", **unnamed} in listed
    uscc = s.tender.params["tenderer_uscc"]
    pool = s.scene.http.get(f"/selection/pools/{uscc}").json()
    assert pool["count"] == len(s.members)
    assert s.scene.http.get("/selection/pools/91440500MA4W00000X").status_code == 422


def test_replacing_a_seat_before_its_commit_deadline_is_refused(s: Section) -> None:
    picks = s.committee_draw(EV)  # 7 seats and 2 reserves
    s.seat(EV, picks[:7])
    seats = list(s.seats[EV])
    for seat in seats[:6]:
        s.commit_sheet(seat)
    reserve_seat = take_reserve(s, EV, picks[7])
    with pytest.raises(Conflict) as refused:
        s.svc.replace_no_show(signer=centre(s), tender_id=s.tid, section=SECTION, kind=EV, seat=seats[6],
                              reserve=picks[7], reserve_seat=reserve_seat)
    assert refused.value.error == "CommitPeriodOpen"


def test_a_no_show_replaced_by_a_reserve_out_of_order_is_refused_and_the_next_reserve_sits(s: Section) -> None:
    picks = [p for p in s.picks(s.svc.book.committee(s.tid, SECTION, EV).draw_id)]
    seats = list(s.seats[EV])[:7]
    s.later(DAY)  # seat 7 missed the commit deadline
    skipped = take_reserve(s, EV, picks[8])
    with pytest.raises(Conflict) as refused:
        s.svc.replace_no_show(signer=centre(s), tender_id=s.tid, section=SECTION, kind=EV, seat=seats[6],
                              reserve=picks[8], reserve_seat=skipped)
    assert refused.value.error == "NotNextReserve"
    with pytest.raises(Conflict) as refused:  # a seat that committed is not missing
        s.svc.replace_no_show(signer=centre(s), tender_id=s.tid, section=SECTION, kind=EV, seat=seats[0],
                              reserve=picks[7], reserve_seat=skipped)
    assert refused.value.error == "SeatActed"
    new = [a for a, k in s.holders[EV].items() if k.address == picks[7]][0]
    done = s.svc.replace_no_show(signer=centre(s), tender_id=s.tid, section=SECTION, kind=EV, seat=seats[6],
                                 reserve=picks[7], reserve_seat=new)
    assert done.new_seat == new and '"reserve_place":8' in done.reason
    assert s.svc.reserves(s.tid, SECTION, EV) == [picks[8]]
    s.commit_sheet(new)  # in the reopened window
    for seat in [*seats[:6], new]:
        s.reveal_sheet(seat)
    s.submit_shortlist(seats[0])


def test_the_selection_is_decided_and_a_complaint_during_publicity_is_refused(s: Section) -> None:
    picks = s.committee_draw(SEL)
    s.seat(SEL, picks[:5])
    a, b, _ = s.svc.step(s.tid, SECTION).candidates  # type: ignore[union-attr]
    vote_round(s, [a, a, a, b, b])
    step = s.svc.step(s.tid, SECTION)
    assert isinstance(step, NeedDraw) and step.round == 1
    s.draw("selection", 1, list(step.candidates), 1)
    state = s.svc.decide(signer=centre(s), tender_id=s.tid, section=SECTION)
    assert state.decision is not None
    complainant = s.scene.account()
    reason = "定标委员会成员与中标候选人存在利害关系"
    with pytest.raises(Conflict) as refused:  # refused when the transaction is prepared (estimated) already
        s.svc.complain(signer=complainant.address, tender_id=s.tid, section=SECTION, reason=reason,
                       signed_tx=s.tx(complainant, "complain", s.tid, SECTION, keccak(reason.encode())))
    assert refused.value.error == "ComplaintWindowClosed"


def test_a_complaint_after_publicity_pauses_the_award_and_a_ruling_by_a_lone_member_does_nothing(s: Section) -> None:
    s.later(3 * DAY + 1)
    complainant = s.scene.account()
    reason = "定标委员会成员与中标候选人存在利害关系"
    with pytest.raises(ValidationFailed, match="reason hash"):
        s.svc.complain(signer=complainant.address, tender_id=s.tid, section=SECTION, reason="另一段文字",
                       signed_tx=s.tx(complainant, "complain", s.tid, SECTION, keccak(reason.encode())))
    filed = s.svc.complain(signer=complainant.address, tender_id=s.tid, section=SECTION, reason=reason,
                           signed_tx=s.tx(complainant, "complain", s.tid, SECTION, keccak(reason.encode())))
    assert filed.reason == reason and filed.filing.open
    with pytest.raises(Conflict) as paused:
        s.svc.award(signer=centre(s), tender_id=s.tid, section=SECTION)
    assert paused.value.error == "AwardPaused"
    ruling = "投诉成立：定标委员会重新票决。"
    proposal = s.scene.govern("SelectionBook", "ruleComplaint", "0x" + s.tid.hex(), SECTION, 1, True,
                              int(Stage.SELECTION), "0x" + keccak(ruling.encode()).hex(), approvals=1)
    assert proposal["state"] != "EXECUTED"
    assert s.svc.complaint(s.tid, SECTION, 1).filing.open
    with pytest.raises(Conflict) as refused:
        s.svc.file_ruling(tender_id=s.tid, section=SECTION, complaint_id=1, ruling=ruling)
    assert refused.value.error == "NotRuled"


def test_an_upheld_complaint_withdraws_the_decision_and_the_selection_is_redone_to_a_new_decision(s: Section) -> None:
    first = s.svc.state(s.tid, SECTION).decision
    assert first is not None
    ruling = "投诉成立：定标委员会重新票决。"
    s.scene.govern("SelectionBook", "ruleComplaint", "0x" + s.tid.hex(), SECTION, 1, True,
                   int(Stage.SELECTION), "0x" + keccak(ruling.encode()).hex())
    with pytest.raises(ValidationFailed, match="hashes to"):
        s.svc.file_ruling(tender_id=s.tid, section=SECTION, complaint_id=1, ruling="投诉不成立。")
    ruled = s.svc.file_ruling(tender_id=s.tid, section=SECTION, complaint_id=1, ruling=ruling)
    assert ruled.answer == ruling and ruled.filing.upheld and ruled.filing.redo is Stage.SELECTION
    state = s.svc.state(s.tid, SECTION)
    assert state.decision is None and state.status.stage is Stage.SELECTION
    assert [d.winner for d in state.withdrawn] == [first.winner]
    step = s.svc.step(s.tid, SECTION)
    assert isinstance(step, NeedVote) and step.round == 1  # the rule's first round of the redone selection
    a, b, c = step.candidates
    vote_round(s, [b, b, b, c, c])  # chain round 2
    assert s.svc.book.status(s.tid, SECTION).last_round == 2
    step = s.svc.step(s.tid, SECTION)
    assert isinstance(step, NeedDraw) and step.round == 2  # the next selection draw after the first
    s.draw("selection", 2, list(step.candidates), 1)
    decided = s.svc.step(s.tid, SECTION)
    assert isinstance(decided, Decided)
    state = s.svc.decide(signer=centre(s), tender_id=s.tid, section=SECTION)
    assert state.decision is not None and state.decision.winner == decided.winner
    assert state.record is not None and '"redone_after"' in state.record and '"redo":"SELECTION"' in state.record
    shown = s.scene.http.get(f"/tenders/{s.tender.tid}/sections/{SECTION}/selection").json()
    assert shown["complaints"][0]["upheld"] is True and shown["complaints"][0]["ruling"] == ruling
    assert shown["withdrawn_decisions"][0]["winner"] == first.winner


def test_a_complaint_after_its_ten_days_is_refused_and_the_award_follows(s: Section) -> None:
    s.later(3 * DAY + 10 * DAY + 1)
    complainant = s.scene.account()
    reason = "迟到的投诉"
    with pytest.raises(Conflict) as refused:
        s.svc.complain(signer=complainant.address, tender_id=s.tid, section=SECTION, reason=reason,
                       signed_tx=s.tx(complainant, "complain", s.tid, SECTION, keccak(reason.encode())))
    assert refused.value.error == "ComplaintWindowClosed"
    state, _ = s.svc.award(signer=centre(s), tender_id=s.tid, section=SECTION)
    assert state.status.stage is Stage.AWARDED and state.winner == state.decision.winner  # type: ignore[union-attr]
