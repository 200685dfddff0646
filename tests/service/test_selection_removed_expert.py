"""An expert the governance removes from the pool after it was seated: SelectionBook opens every
seat ever held only to a member of the pool at the reveal (NotInPool), and the service reveals both
committees with the decision. The service says so before it records a decision it could not
publish (HolderRemoved), names the seat and the expert, and refuses the replacement by the next
reserve for a seat that scored; once the governance registers the expert again, the decision,
the reveal and the award follow. The tests run in file order on one section."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ledger.crypto.canonical import keccak
from ledger.errors import Conflict
from ledger.model.selection import CommitteeKind, DecisionBasis, Stage
from ledger.rules.selection import Decided, decision_document, view_document, vote_commitment
from tests.scenes import Scene
from tests.selection_scene import DAY, HOUR, SECTION, Section, deliberation_section, selection_seats

EV, SEL = CommitteeKind.EVALUATION, CommitteeKind.SELECTION
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def s(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Section]:
    with Scene.served(tmp_path_factory.mktemp("removed"), seed=71) as scene:
        yield Section.make(scene)


def test_a_decision_whose_committee_could_not_be_revealed_is_refused_in_words(s: Section) -> None:
    s.evaluate()
    decided = s.select()
    assert isinstance(decided, Decided)
    seat, holder = next(iter(s.holders[EV].items()))
    s.scene.govern("SelectionBook", "removeExpert", holder.address)
    assert s.svc.removed_holders(s.tid, SECTION, EV) == [(seat, holder.address)]
    with pytest.raises(Conflict) as refused:
        s.svc.decide(signer=s.centre, tender_id=s.tid, section=SECTION)
    assert refused.value.error == "HolderRemoved"
    said = str(refused.value)
    assert seat in said and holder.address in said and "NotInPool" in said and "next reserve" in said
    assert "registerExpert" in said
    assert s.svc.book.decision(s.tid, SECTION).winner is None  # nothing recorded
    assert s.svc.book.status(s.tid, SECTION).stage is Stage.SELECTION
    # the replacement by the next reserve is no way round: the seat scored
    reserve = s.svc.reserves(s.tid, SECTION, EV)[0]
    s.later(DAY)
    with pytest.raises(Conflict) as refused:
        s.svc.replace_no_show(signer=s.centre, tender_id=s.tid, section=SECTION, kind=EV, seat=seat,
                              reserve=reserve, reserve_seat=s.scene.account().address)
    assert refused.value.error == "SeatActed"


def test_once_the_governance_registers_the_expert_again_the_decision_reveal_and_award_follow(s: Section) -> None:
    _, holder = next(iter(s.holders[EV].items()))
    s.scene.govern("SelectionBook", "registerExpert", holder.address, "房屋建筑")
    assert s.svc.removed_holders(s.tid, SECTION, EV) == []
    state = s.svc.decide(signer=s.centre, tender_id=s.tid, section=SECTION)
    assert state.decision is not None and all(c.revealed for c in state.committees)
    assert state.holders[next(iter(s.holders[EV]))] == holder.address
    assert s.svc.removed_holders(s.tid, SECTION, EV) == []  # revealed: nothing left to open
    s.later(3 * DAY + 1)
    state, _ = s.svc.award(signer=s.centre, tender_id=s.tid, section=SECTION)
    assert state.winner == state.decision.winner  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def d(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Section]:
    with deliberation_section(tmp_path_factory.mktemp("removed-chair"), seed=73) as section:
        yield section


def test_the_chair_is_refused_too_without_learning_who_holds_the_seat(d: Section) -> None:
    """集体议事: the chair's own decision is refused likewise, in words that name neither the seat
    nor the member (membership is the centre's secret until the reveal)."""
    chair = selection_seats(d)[0]
    d.svc.name_chair(signer=d.centre, tender_id=d.tid, section=SECTION, seat=chair)
    d.svc.open_round(signer=d.centre, tender_id=d.tid, section=SECTION, commit_deadline=d.now() + HOUR,
                     reveal_deadline=d.now() + 2 * HOUR)
    listed = list(d.svc.step(d.tid, SECTION).candidates)  # type: ignore[union-attr]
    docs = {}
    for seat in selection_seats(d):
        docs[seat] = doc = view_document(tender_id=d.tid, section=SECTION, round=1, seat=seat, candidate=listed[0],
                                         reason="施工方案最优", nonce=os.urandom(32))
        c = vote_commitment(tender_id=d.tid, section=SECTION, round=1, seat=seat, candidate=listed[0], salt=keccak(doc))
        d.svc.commit_vote(signer=seat, tender_id=d.tid, section=SECTION,
                          signed_tx=d.tx(d.seats[SEL][seat], "commitVote", d.tid, SECTION, 1, c))
    for seat, doc in docs.items():
        d.svc.reveal_vote(signer=seat, tender_id=d.tid, section=SECTION, view=doc,
                          signed_tx=d.tx(d.seats[SEL][seat], "revealVote", d.tid, SECTION, 1, listed[0], keccak(doc)))
    seat, holder = next(iter(d.holders[EV].items()))
    d.scene.govern("SelectionBook", "removeExpert", holder.address)
    _, found = d.svc.views(d.tid, SECTION)
    written = decision_document(tender_id=d.tid, section=SECTION, chair=chair, winner=listed[0], reason="意见一致",
                                views={k: v for k, v, _ in found}, silent=())
    tx = d.tx(d.seats[SEL][chair], "decide", d.tid, SECTION, int(DecisionBasis.CHAIR), 0, listed[0], bytes(32),
              keccak(written), 3)
    with pytest.raises(Conflict) as refused:
        d.svc.chair_decide(signer=chair, tender_id=d.tid, section=SECTION, signed_tx=tx, decision=written)
    said = f"{refused.value} {refused.value.args_}"
    assert refused.value.error == "HolderRemoved" and "NotInPool" in said
    assert holder.address.lower() not in said.lower() and seat.lower() not in said.lower()
    assert d.svc.book.decision(d.tid, SECTION).winner is None
