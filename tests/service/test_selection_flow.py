"""评定分离 through the service: one section from its opening to the award, every party signing
its own transactions, the centre's steps sent with the centre's key. The service never chooses:
the committees are the draws' picks, the shortlist is the rule's, the rounds are the ones the rule
asks for, and a winner the rule does not give is refused. The tests run in file order on one
section, each taking it one stage further.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from api.db.documents import Document
from ledger.documents import Kind
from ledger.errors import Conflict, StoreMismatch, Unauthorised, ValidationFailed
from ledger.model.selection import CommitteeKind, Stage
from ledger.rules.conflict import conflict_cutoff
from ledger.rules.evaluation import ScoreSheet, sheet_hash
from ledger.rules.selection import Decided, NeedDraw, NeedVote
from ledger.service.selection import SHEET
from tests.scenes import Scene
from tests.selection_scene import DAY, HOUR, SECTION, Section, sign

EV, SEL = CommitteeKind.EVALUATION, CommitteeKind.SELECTION

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def s(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Section]:
    with Scene.served(tmp_path_factory.mktemp("selection"), seed=47) as scene:
        yield Section.make(scene)


def centre(s: Section) -> str:
    return str(s.rt.centre.address)


def test_an_expert_employed_by_a_bidder_is_excluded_and_the_next_pick_sits(s: Section) -> None:
    picks = s.committee_draw(EV)
    conflicted = picks[0]
    firm = s.firms[0]
    excluded = s.svc.exclude_conflicted(signer=centre(s), tender_id=s.tid, section=SECTION, kind=EV,
                                        expert=conflicted, credential_id=bytes.fromhex(firm.ids[Kind.PERSONNEL][2:]))
    assert firm.uscc in excluded.reason and s.rt.selection_book.exclusion_of(s.tid, SECTION, EV, conflicted)
    with pytest.raises(Conflict) as refused:
        s.seat(EV, picks[:7])
    assert refused.value.error == "ExcludedExpert"
    with pytest.raises(Conflict) as refused:
        s.seat(EV, picks[2:9])  # skipping a pick not excluded: the centre does not choose who sits
    assert refused.value.error == "NotDrawn"
    committee = s.seat(EV, picks[1:8])
    assert committee.size == 7 and len(committee.seats) == 7


def test_only_the_centre_seats_and_excluding_without_a_conflict_is_refused(s: Section) -> None:
    stranger = s.scene.account()
    with pytest.raises(Unauthorised):
        s.svc.exclude_conflicted(signer=stranger.address, tender_id=s.tid, section=SECTION, kind=EV,
                                 expert=s.experts[0].address, credential_id=bytes(32))
    outsider = s.scene.firm(s.issuer)  # a firm that did not bid
    with pytest.raises(Conflict) as refused:
        s.svc.exclude_conflicted(signer=centre(s), tender_id=s.tid, section=SECTION, kind=SEL,
                                 expert=s.members[0].address,
                                 credential_id=bytes.fromhex(outsider.ids[Kind.PERSONNEL][2:]))
    assert refused.value.error == "NoConflict"


def test_an_employment_with_a_bidder_ended_before_conflict_years_is_no_conflict_and_one_after_is(s: Section) -> None:
    """The tender's `evaluation.conflict_years` (3) before the bid deadline is the cutoff: a
    registration with a bidder that ended a day before it shows no conflict, one that ended a day
    after it does (the rule's boundary to the second: tests/unit/test_conflict_rules.py)."""
    deadline = s.svc.tenders.tender(s.tid).deadline
    cutoff = datetime.fromtimestamp(conflict_cutoff(deadline, 3), UTC)
    firm = s.firms[1]
    person = s.scene.account().address  # not in the pool: the later seating is not affected
    old = s.scene.credential(firm, Kind.PERSONNEL, issuer=s.issuer, valid_from=cutoff - timedelta(days=900),
                             valid_until=cutoff - timedelta(days=1))
    with pytest.raises(Conflict) as refused:
        s.svc.exclude_conflicted(signer=centre(s), tender_id=s.tid, section=SECTION, kind=SEL,
                                 expert=person, credential_id=bytes.fromhex(old[2:]))
    assert refused.value.error == "NoConflict" and "ended" in str(refused.value)
    recent = s.scene.credential(firm, Kind.PERSONNEL, issuer=s.issuer, valid_from=cutoff - timedelta(days=900),
                                valid_until=cutoff + timedelta(days=1))
    excluded = s.svc.exclude_conflicted(signer=centre(s), tender_id=s.tid, section=SECTION, kind=SEL,
                                        expert=person, credential_id=bytes.fromhex(recent[2:]))
    assert '"conflict_years":3' in excluded.reason and firm.uscc in excluded.reason


def test_sheets_are_committed_then_revealed_and_a_score_out_of_range_is_refused(s: Section) -> None:
    seats = list(s.seats[EV])
    for seat in seats:
        s.commit_sheet(seat)
    first = seats[0]
    salt, sheet = s.sheets[first]
    bad = ScoreSheet(scores={b: {**m, "T1": Decimal(41)} for b, m in sheet.scores.items()})
    # The seat's own transaction revealing the out-of-range sheet (prepared from a good one: the
    # chain's gas estimate would already refuse it), refused before anything is filed or sent.
    key, book = s.seats[EV][first], s.rt.selection_book
    unsigned = replace(book.prepare(first, "revealSheet", s.tid, SECTION, salt, sheet_hash(sheet)),
                       data=book.calldata("revealSheet", s.tid, SECTION, salt, sheet_hash(bad)))
    with pytest.raises(ValidationFailed, match="outside 0..40"):
        s.svc.reveal_sheet(signer=first, tender_id=s.tid, section=SECTION, sheet=bad.model_dump_json(),
                           signed_tx=sign(key, unsigned))
    assert s.svc.files.document(SHEET, sheet_hash(bad)) is None
    for seat in seats:
        s.reveal_sheet(seat)
    outcome = s.svc.evaluation(s.tid, SECTION)
    assert len(outcome.result.shortlist) == 3  # type: ignore[attr-defined]


def test_a_shortlist_the_rule_does_not_give_is_refused_and_the_rules_is_filed(s: Section) -> None:
    outcome = s.svc.evaluation(s.tid, SECTION)
    listed = list(outcome.result.shortlist)  # type: ignore[attr-defined]
    outsider = next(b for b in s.bidders if b not in listed)
    seat = next(iter(s.seats[EV]))
    with pytest.raises(ValidationFailed, match="not the one the rule gives"):
        s.submit_shortlist(seat, [*listed[:2], outsider])
    filed = s.submit_shortlist(seat)
    assert filed.filed is not None and list(filed.filed.candidates) == listed
    assert filed.filed.report_hash == filed.report_hash


def test_a_stored_sheet_edited_in_the_database_is_a_store_mismatch(s: Section) -> None:
    with s.scene.store.session() as db:
        row = db.exec(select(Document).where(Document.kind == SHEET)).first()
        original = row.content
        row.content = original.replace(b'"T1":"3', b'"T1":"2', 1)
        assert row.content != original
        db.add(row)
        db.commit()
    try:
        with pytest.raises(StoreMismatch):
            s.svc.evaluation(s.tid, SECTION)
    finally:
        with s.scene.store.session() as db:
            row = db.exec(select(Document).where(Document.kind == SHEET, Document.key == row.key)).one()
            row.content = original
            db.add(row)
            db.commit()
    s.svc.evaluation(s.tid, SECTION)


def test_the_selection_committee_votes_the_round_the_rule_asks_for(s: Section) -> None:
    picks = s.committee_draw(SEL)
    s.seat(SEL, picks[:5])
    step = s.svc.step(s.tid, SECTION)
    assert isinstance(step, NeedVote) and step.round == 1 and len(step.candidates) == 3
    with pytest.raises(Conflict, match="not reached a decision"):
        s.svc.decide(signer=centre(s), tender_id=s.tid, section=SECTION)
    s.svc.open_round(signer=centre(s), tender_id=s.tid, section=SECTION, commit_deadline=s.now() + HOUR,
                     reveal_deadline=s.now() + 2 * HOUR)
    with pytest.raises(Conflict) as refused:
        s.svc.open_round(signer=centre(s), tender_id=s.tid, section=SECTION, commit_deadline=s.now() + HOUR,
                         reveal_deadline=s.now() + 2 * HOUR)
    assert refused.value.error == "RoundOpen"


def test_a_vote_relayed_for_another_seat_is_signer_mismatch(s: Section) -> None:
    seats = list(s.seats[SEL])
    with pytest.raises(Unauthorised) as refused:
        s.commit_vote(1, seats[0], None, signer=seats[1])
    assert refused.value.error == "SignerMismatch"


def test_the_votes_keep_two_then_the_draw_decides_and_a_winner_the_rules_do_not_give_is_refused(s: Section) -> None:
    seats = list(s.seats[SEL])
    a, b, _ = s.svc.step(s.tid, SECTION).candidates  # type: ignore[union-attr]
    choices = [a, a, a, b, b]
    for seat, choice in zip(seats, choices, strict=True):
        s.commit_vote(1, seat, choice)
    for seat in seats:
        s.reveal_vote(1, seat)
    step = s.svc.step(s.tid, SECTION)
    assert isinstance(step, NeedDraw) and step.candidates == (a, b) and step.k == 1
    s.draw("selection", 1, list(step.candidates), 1)
    decided = s.svc.step(s.tid, SECTION)
    assert isinstance(decided, Decided) and decided.how == "lottery"
    loser = a if decided.winner == b else b
    with pytest.raises(Conflict) as refused:
        s.svc.decide(signer=centre(s), tender_id=s.tid, section=SECTION, winner=loser)
    assert refused.value.error == "NotTheRulesWinner"
    with pytest.raises(Unauthorised):
        s.svc.decide(signer=s.scene.account().address, tender_id=s.tid, section=SECTION)
    state = s.svc.decide(signer=centre(s), tender_id=s.tid, section=SECTION, winner=decided.winner)
    assert state.decision is not None and state.decision.winner == decided.winner
    assert state.status.stage is Stage.PUBLICITY
    assert all(c.revealed for c in state.committees)
    assert set(state.holders.values()) >= {m.address for m in s.holders[SEL].values()}


def test_an_objection_pauses_the_award_until_answered(s: Section) -> None:
    objector = s.scene.account()
    reason = "第二名的项目经理证书已过期"
    from ledger.crypto.canonical import keccak

    tx = s.tx(objector, "object", s.tid, SECTION, keccak(reason.encode()))
    filed = s.svc.object(signer=objector.address, tender_id=s.tid, section=SECTION, signed_tx=tx, reason=reason)
    assert filed.reason == reason and filed.filing.open
    s.later(3 * DAY + 1)
    with pytest.raises(Conflict) as paused:
        s.svc.award(signer=centre(s), tender_id=s.tid, section=SECTION)
    assert paused.value.error == "AwardPaused"
    answered, mined = s.svc.answer(signer=centre(s), tender_id=s.tid, section=SECTION, objection_id=1,
                                   answer="经核查，证书在截标时有效，异议不成立。")
    assert answered.answer and not answered.filing.open
    assert mined.tx_hash and mined.block_number


def test_the_award_names_the_decided_winner(s: Section) -> None:
    decided = s.svc.state(s.tid, SECTION).decision
    assert decided is not None
    state, released = s.svc.award(signer=centre(s), tender_id=s.tid, section=SECTION)
    assert state.winner == decided.winner and state.status.stage is Stage.AWARDED
    assert released.mined.tx_hash and released.released == []  # no guarantee was asked for: none to release
    results = s.scene.http.get(f"/tenders/{s.tender.tid}/sections/{SECTION}/results")
    assert results.status_code == 200 and results.json()["public"] is True
