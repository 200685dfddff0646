"""Selection (定标) rules: every method of domain.md §4.6 reaches a decision from a recorded
history, ties go to re-votes then a lottery, and each forged or misplaced act is refused."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.crypto.canonical import canonical_json, keccak
from ledger.errors import ValidationFailed
from ledger.model.selection import DecisionBasis
from ledger.rules.lottery import Draw, draw_id, run_draw, seed_commitment
from ledger.rules.selection import (
    Decided,
    History,
    NeedDecision,
    NeedDraw,
    NeedViews,
    NeedVote,
    Statement,
    Step,
    VoteRound,
    WrittenView,
    decision_document,
    next_step,
    parse_decision,
    parse_view,
    view_document,
)
from ledger.tenders import Selection


def addr(n: int) -> str:
    return to_checksum_address("0x" + f"{n:02x}" * 20)


TENDER = keccak(b"E3203010319005778")
A, B, C, D, E = (addr(n) for n in (0x11, 0x22, 0x33, 0x44, 0x55))
SHORTLIST = (A, B, C)
MEMBERS = tuple(addr(0xA0 + n) for n in range(5))
M1, M2, M3, M4, M5 = MEMBERS
PARTIES = tuple(addr(0xD0 + n) for n in range(3))


def sel(method: str, **kw: Any) -> Selection:
    return Selection.model_validate({"method": method, "committee_size": 5, **kw})


def history(**kw: Any) -> History:
    return History(tender_id=TENDER, section=0, members=MEMBERS, **kw)


def votes(number: int, *choices: str | None) -> VoteRound:
    """Round `number`: the members vote in order for `choices` (None abstains)."""
    return VoteRound(number, tuple(zip(MEMBERS, choices, strict=True)))


def lottery(round: int, candidates: Sequence[str], k: int = 1, salt: int = 0) -> Draw[str]:
    seeds = [bytes([salt + n + 1]) * 32 for n in range(len(PARTIES))]
    did = draw_id(TENDER, 0, "selection", round)
    return run_draw(tender_id=TENDER, section=0, purpose="selection", round=round, parties=PARTIES,
                    commitments=[seed_commitment(did, p, s) for p, s in zip(PARTIES, seeds, strict=True)],
                    seeds=seeds, candidates=tuple(candidates), k=k)


def play(selection: Selection, shortlist: Sequence[str], prices: dict[str, Decimal] | None,
         voter: Callable[[NeedVote], tuple[str | None, ...]], salt: int = 0) -> tuple[Decided, History]:
    """Drive a selection to its decision: each NeedVote answered by `voter`, each NeedDraw drawn."""
    h = history()
    for _ in range(100):
        step = next_step(selection, shortlist, prices, h)
        if isinstance(step, Decided):
            return step, h
        if isinstance(step, NeedVote):
            h = replace(h, rounds=(*h.rounds, votes(step.round, *voter(step))))
        elif isinstance(step, NeedDraw):
            h = replace(h, draws=(*h.draws, lottery(step.round, step.candidates, step.k, salt)))
        else:
            raise AssertionError(step)
    raise AssertionError("no decision in 100 steps")


# ------------------------------------------------------------------ 直接票决


def test_direct_vote_the_most_votes_wins() -> None:
    s = sel("直接票决")
    assert next_step(s, [C, A, B], None, history()) == NeedVote(1, (A, B, C), MEMBERS)
    decided = next_step(s, SHORTLIST, None, history(rounds=(votes(1, B, B, A, C, B),)))
    assert decided == Decided(B, "vote", "most votes in round 1")
    # Plurality, not majority: 2 of 5 with an abstention.
    assert next_step(s, SHORTLIST, None, history(rounds=(votes(1, A, A, B, C, None),))).winner == A


def test_tie_resolved_by_re_vote() -> None:
    s = sel("直接票决")
    first = votes(1, A, A, B, B, C)
    assert next_step(s, SHORTLIST, None, history(rounds=(first,))) == NeedVote(2, (A, B), MEMBERS)
    decided = next_step(s, SHORTLIST, None, history(rounds=(first, votes(2, A, B, B, B, A))))
    assert decided == Decided(B, "vote", "most votes in round 2")


def test_tie_resolved_by_re_vote_then_lottery() -> None:
    s = sel("直接票决")  # revote_rounds defaults to 2
    rounds = (votes(1, A, A, B, B, C), votes(2, A, A, B, B, None), votes(3, A, B, A, B, None))
    step = next_step(s, SHORTLIST, None, history(rounds=rounds))
    assert step == NeedDraw("selection", 1, (A, B), 1)
    record = lottery(1, (A, B))
    decided = next_step(s, SHORTLIST, None, history(rounds=rounds, draws=(record,)))
    assert isinstance(decided, Decided) and decided.how == "lottery" and decided.winner == record.picks[0]
    assert decided.detail == "still tied after 2 re-vote(s): selection draw 1"
    # No re-votes allowed: straight to the lottery.
    assert next_step(sel("直接票决", revote_rounds=0), SHORTLIST, None, history(rounds=rounds[:1])) == \
        NeedDraw("selection", 1, (A, B), 1)


# ------------------------------------------------------------------ 逐轮票决


def test_round_elimination_drops_the_fewest_voted_each_round() -> None:
    s = sel("逐轮票决")
    r1 = votes(1, A, A, B, B, C)  # C drops
    assert next_step(s, SHORTLIST, None, history(rounds=(r1,))) == NeedVote(2, (A, B), MEMBERS)
    decided = next_step(s, SHORTLIST, None, history(rounds=(r1, votes(2, A, B, B, A, A))))
    assert decided == Decided(A, "vote", "last remaining after round 2")


def test_round_elimination_tie_for_fewest_is_re_voted_then_drawn() -> None:
    s = sel("逐轮票决", revote_rounds=1)
    r1 = votes(1, A, A, A, B, C)  # B and C tied for fewest
    assert next_step(s, SHORTLIST, None, history(rounds=(r1,))) == NeedVote(2, (B, C), MEMBERS)
    r2 = votes(2, B, B, C, C, None)  # still tied, no re-votes left: a lottery picks who drops
    assert next_step(s, SHORTLIST, None, history(rounds=(r1, r2))) == NeedDraw("selection", 1, (B, C), 1)
    record = lottery(1, (B, C))
    dropped = record.picks[0]
    kept = ({B, C} - {dropped}).pop()
    step = next_step(s, SHORTLIST, None, history(rounds=(r1, r2), draws=(record,)))
    assert step == NeedVote(3, tuple(sorted((A, kept), key=str.lower)), MEMBERS)
    r3 = votes(3, kept, kept, kept, A, A)
    assert next_step(s, SHORTLIST, None, history(rounds=(r1, r2, r3), draws=(record,))).winner == kept


# ------------------------------------------------------------------ 票决抽签


def test_vote_then_lottery_keeps_the_top_k_then_draws_the_winner() -> None:
    s = sel("票决抽签", lottery_among=2)
    shortlist = (A, B, C, D, E)
    r1 = votes(1, A, A, C, C, D)
    assert next_step(s, shortlist, None, history(rounds=(r1,))) == NeedDraw("selection", 1, (A, C), 1)
    record = lottery(1, (A, C))
    decided = next_step(s, shortlist, None, history(rounds=(r1,), draws=(record,)))
    assert isinstance(decided, Decided) and decided.winner == record.picks[0] and decided.how == "lottery"


def test_vote_then_lottery_tie_at_the_cut_is_re_voted_then_drawn() -> None:
    s = sel("票决抽签", lottery_among=2, revote_rounds=1)
    shortlist = (A, B, C, D, E)
    r1 = votes(1, A, A, A, B, C)  # A is in; B and C tie for the one place left
    assert next_step(s, shortlist, None, history(rounds=(r1,))) == NeedVote(2, (B, C), MEMBERS)
    r2 = votes(2, B, B, C, C, None)
    assert next_step(s, shortlist, None, history(rounds=(r1, r2))) == NeedDraw("selection", 1, (B, C), 1)
    cut = lottery(1, (B, C))
    step = next_step(s, shortlist, None, history(rounds=(r1, r2), draws=(cut,)))
    assert step == NeedDraw("selection", 2, tuple(sorted((A, cut.picks[0]), key=str.lower)), 1)
    final = lottery(2, step.candidates)  # type: ignore[union-attr]
    decided = next_step(s, shortlist, None, history(rounds=(r1, r2), draws=(cut, final)))
    assert isinstance(decided, Decided) and decided.winner == final.picks[0]


def test_vote_then_lottery_with_a_short_shortlist_goes_straight_to_the_lottery() -> None:
    assert next_step(sel("票决抽签", lottery_among=3), SHORTLIST, None, history()) == \
        NeedDraw("selection", 1, SHORTLIST, 1)


# ------------------------------------------------------------------ 价格竞争

PRICES = {A: Decimal("980000"), B: Decimal("1000000"), C: Decimal("1050000"), D: Decimal("1200000")}


@pytest.mark.parametrize(("rule", "extra", "winner", "figures"), [
    ("lowest", {}, A, {"price": "980000"}),
    ("second_lowest", {}, B, {"price": "1000000"}),
    ("nth_lowest", {"price_n": 3}, C, {"price": "1050000"}),
    ("nth_lowest", {"price_n": 9}, D, {"price": "1200000"}),  # fewer candidates than n: the highest
    # average 1057500: C is 7500 away, B 57500.
    ("closest_to_average", {}, C, {"average": "1057500.00"}),
])
def test_price_competition_variants(rule: str, extra: dict[str, int], winner: str,
                                    figures: dict[str, str]) -> None:
    decided = next_step(sel("价格竞争", price_rule=rule, **extra), (A, B, C, D), PRICES, history())
    assert isinstance(decided, Decided) and decided.how == "price"
    assert (decided.winner, dict(decided.figures)) == (winner, figures)


def test_price_competition_tie_goes_to_a_lottery() -> None:
    s = sel("价格竞争", price_rule="lowest")
    prices = {**PRICES, C: PRICES[A]}
    assert next_step(s, (A, B, C), prices, history()) == NeedDraw("selection", 1, (A, C), 1)
    record = lottery(1, (A, C))
    assert next_step(s, (A, B, C), prices, history(draws=(record,))).winner == record.picks[0]  # type: ignore[union-attr]
    # Closest to the average, equally far on either side: 100 and 300 around 200.
    around = {A: Decimal(100), B: Decimal(200) + Decimal("0.00"), C: Decimal(300)}
    far = next_step(sel("价格竞争", price_rule="closest_to_average"), (A, C), around, history())
    assert far == NeedDraw("selection", 1, (A, C), 1)
    # The n-th lowest counts bids: 100, 100, 120 → the 2nd lowest is 100, shared → lottery.
    twice = {A: Decimal(100), B: Decimal(100), C: Decimal(120)}
    assert next_step(sel("价格竞争", price_rule="second_lowest"), (A, B, C), twice, history()) == \
        NeedDraw("selection", 1, (A, B), 1)


def test_price_competition_needs_every_shortlisted_price_and_no_votes() -> None:
    s = sel("价格竞争", price_rule="lowest")
    with pytest.raises(ValidationFailed, match=f"{C} has none"):
        next_step(s, (A, B, C), {A: PRICES[A], B: PRICES[B]}, history())
    with pytest.raises(ValidationFailed, match="takes no votes"):
        next_step(s, (A, B, C), PRICES, history(rounds=(votes(1, A, A, A, A, A),)))


# ------------------------------------------------------------------ 直接抽签 and the sole candidate


def test_direct_lottery_draws_among_the_whole_shortlist() -> None:
    s = sel("直接抽签")
    assert next_step(s, (C, B, A), None, history()) == NeedDraw("selection", 1, SHORTLIST, 1)
    record = lottery(1, SHORTLIST)
    assert next_step(s, SHORTLIST, None, history(draws=(record,))) == \
        Decided(record.picks[0], "lottery", "直接抽签 among the shortlist (selection draw 1)",
                basis=DecisionBasis.LOTTERY)


def test_sole_candidate_is_decided_without_vote_or_draw() -> None:
    for method in ("直接票决", "直接抽签"):
        assert next_step(sel(method), [A], None, history()) == \
            Decided(A, "sole_candidate", "the shortlist holds one candidate", basis=DecisionBasis.SOLE_CANDIDATE)
    with pytest.raises(ValidationFailed, match="1 more vote round"):
        next_step(sel("直接票决"), [A], None, history(rounds=(votes(1, A, A, A, A, A),)))
    with pytest.raises(ValidationFailed, match="shortlist is empty"):
        next_step(sel("直接票决"), [], None, history())


# ------------------------------------------------------------------ 集体议事


def views(*picks: tuple[str, str, str]) -> tuple[Statement, ...]:
    return tuple(Statement(m, c, r) for m, c, r in picks)


ALL_VIEWS = views(*((m, B, f"成员{n + 1}: 施工方案最优") for n, m in enumerate(MEMBERS)))


def test_collective_deliberation_every_view_then_the_chairs_decision() -> None:
    s = sel("集体议事")
    assert next_step(s, SHORTLIST, None, history(chair=M1)) == NeedViews(SHORTLIST, MEMBERS)
    assert next_step(s, SHORTLIST, None, history(chair=M1, views=ALL_VIEWS[:3])) == NeedViews(SHORTLIST, (M4, M5))
    assert next_step(s, SHORTLIST, None, history(chair=M1, views=ALL_VIEWS)) == NeedDecision(SHORTLIST, M1)
    decided = next_step(s, SHORTLIST, None, history(chair=M1, views=ALL_VIEWS,
                                                    decision=Statement(M1, C, "综合考虑履约能力")))
    assert decided == Decided(C, "decision", "the chair's decision: 综合考虑履约能力", basis=DecisionBasis.CHAIR)


def test_a_member_who_never_reveals_a_view_is_silent_after_the_deadline_and_the_chair_decides() -> None:
    s = sel("集体议事")
    # before the view round's reveal deadline the chair waits; after it M4 and M5 are 未表态
    assert next_step(s, SHORTLIST, None, history(chair=M1, views=ALL_VIEWS[:3])) == NeedViews(SHORTLIST, (M4, M5))
    closed = history(chair=M1, views=ALL_VIEWS[:3], views_closed=True)
    assert next_step(s, SHORTLIST, None, closed) == NeedDecision(SHORTLIST, M1, (M4, M5))
    decided = next_step(s, SHORTLIST, None, history(chair=M1, views=ALL_VIEWS[:3], views_closed=True,
                                                    decision=Statement(M1, C, "综合考虑")))
    assert decided == Decided(C, "decision", f"the chair's decision: 综合考虑 (未表态: {M4}, {M5})",
                              basis=DecisionBasis.CHAIR)
    # a chair's decision recorded before the deadline with a view missing is refused on replay
    with pytest.raises(ValidationFailed, match="after the view round's reveal deadline"):
        next_step(s, SHORTLIST, None, history(chair=M1, views=ALL_VIEWS[:3], decision=Statement(M1, C, "抢先")))
    # with every view in, nobody is silent
    assert next_step(s, SHORTLIST, None, history(chair=M1, views=ALL_VIEWS, views_closed=True)) == NeedDecision(
        SHORTLIST, M1)


def test_collective_deliberation_a_view_may_name_none_of_the_candidates() -> None:
    none = (*ALL_VIEWS[:4], Statement(M5, None, "五家均未达到本人预期"))
    step = next_step(sel("集体议事"), SHORTLIST, None, history(chair=M1, views=none,
                                                            decision=Statement(M1, B, "多数成员倾向")))
    assert isinstance(step, Decided) and step.winner == B and step.basis is DecisionBasis.CHAIR
    with pytest.raises(ValidationFailed, match="names no candidate"):
        next_step(sel("集体议事"), SHORTLIST, None, history(chair=M1, views=none,
                                                         decision=Statement(M1, None, "不定")))


@pytest.mark.parametrize(("change", "message"), [
    ({"decision": Statement(M1, D, "理由")}, "the chair's decision names .* not on the shortlist"),
    ({"decision": Statement(M2, C, "理由")}, "only the chair"),
    ({"decision": Statement(M1, C, " ")}, "the chair's decision gives no reason"),
    ({"views": (*ALL_VIEWS[:4], Statement(E, B, "理由"))}, "is not a member"),
    ({"views": (*ALL_VIEWS, Statement(M2, A, "改变主意"))}, "stated a view a second time"),
    ({"views": (*ALL_VIEWS[:4], Statement(M5, B, ""))}, "gives no reason"),
    ({"views": (*ALL_VIEWS[:4], Statement(M5, D, "理由"))}, "not on the shortlist"),
    ({"views": ALL_VIEWS[:4], "decision": Statement(M1, C, "理由")}, "after every member has stated a view"),
    ({"chair": E}, "chair .* is not a member"),
    ({"chair": None}, "needs the chair"),
    ({"rounds": (votes(1, A, A, A, A, A),)}, "takes no votes or draws"),
])
def test_collective_deliberation_attacks_are_refused(change: dict[str, Any], message: str) -> None:
    h = replace(history(chair=M1, views=ALL_VIEWS), **change)
    with pytest.raises(ValidationFailed, match=message):
        next_step(sel("集体议事"), SHORTLIST, None, h)


def test_views_under_another_method_are_refused() -> None:
    with pytest.raises(ValidationFailed, match="records no views"):
        next_step(sel("直接票决"), SHORTLIST, None, history(views=ALL_VIEWS))


# ------------------------------------------------------------------ votes that break the rules


def test_vote_by_a_non_member_is_refused() -> None:
    stranger = VoteRound(1, ((M1, A), (M2, A), (M3, A), (M4, B), (E, B)))
    with pytest.raises(ValidationFailed, match=f"round 1: {E} is not a member"):
        next_step(sel("直接票决"), SHORTLIST, None, history(rounds=(stranger,)))


def test_second_vote_by_one_member_in_a_round_is_refused() -> None:
    twice = VoteRound(1, ((M1, A), (M2, B), (M2, A), (M3, A), (M4, B), (M5, C)))
    with pytest.raises(ValidationFailed, match=f"member {M2} voted a second time"):
        next_step(sel("直接票决"), SHORTLIST, None, history(rounds=(twice,)))


def test_vote_for_a_candidate_not_in_the_round_is_refused() -> None:
    # Round 2 re-votes between A and B only; a vote for C is not counted, it is refused.
    rounds = (votes(1, A, A, B, B, C), votes(2, A, B, C, B, A))
    with pytest.raises(ValidationFailed, match=f"round 2: member {M3} voted for {C}, not a candidate"):
        next_step(sel("直接票决"), SHORTLIST, None, history(rounds=rounds))
    with pytest.raises(ValidationFailed, match="not a candidate"):
        next_step(sel("直接票决"), SHORTLIST, None, history(rounds=(votes(1, A, A, D, B, C),)))


def test_round_closes_only_when_every_member_has_voted_or_abstained() -> None:
    partial = VoteRound(1, ((M1, A), (M3, None)))
    assert next_step(sel("直接票决"), SHORTLIST, None, history(rounds=(partial,))) == \
        NeedVote(1, SHORTLIST, (M2, M4, M5))
    with pytest.raises(ValidationFailed, match="round 1 is incomplete, yet later rounds"):
        next_step(sel("直接票决"), SHORTLIST, None, history(rounds=(partial, votes(2, A, A, A, A, A))))
    # All abstain: a tie among all, re-voted like any other tie.
    assert next_step(sel("直接票决"), SHORTLIST, None, history(rounds=(votes(1, *[None] * 5),))) == \
        NeedVote(2, SHORTLIST, MEMBERS)


def test_misnumbered_or_surplus_rounds_and_draws_are_refused() -> None:
    s = sel("直接票决")
    with pytest.raises(ValidationFailed, match="vote round 2 is recorded where round 1 comes"):
        next_step(s, SHORTLIST, None, history(rounds=(votes(2, A, A, A, B, C),)))
    with pytest.raises(ValidationFailed, match="decided, yet 1 more vote round"):
        next_step(s, SHORTLIST, None, history(rounds=(votes(1, A, A, A, B, C), votes(2, A, A, A, B, C))))
    with pytest.raises(ValidationFailed, match="decided, yet 1 more draw"):
        next_step(s, SHORTLIST, None, history(rounds=(votes(1, A, A, A, B, C),), draws=(lottery(1, (A, B)),)))


def test_forged_or_misplaced_draw_is_refused() -> None:
    s = sel("直接抽签")
    record = lottery(1, SHORTLIST)
    with pytest.raises(ValidationFailed, match="does not match its commitment"):
        next_step(s, SHORTLIST, None, history(draws=(replace(record, seeds=(bytes(32), *record.seeds[1:])),)))
    other = next(c for c in SHORTLIST if c != record.picks[0])
    with pytest.raises(ValidationFailed, match="do not follow from the seeds"):
        next_step(s, SHORTLIST, None, history(draws=(replace(record, picks=(other,)),)))
    with pytest.raises(ValidationFailed, match="the rule asks for selection round 1 of 1 among"):
        next_step(s, SHORTLIST, None, history(draws=(lottery(1, (A, B)),)))
    with pytest.raises(ValidationFailed, match="another tender or section"):
        next_step(s, SHORTLIST, None, replace(history(draws=(record,)), section=1))


def test_committee_of_another_size_or_with_a_member_twice_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="has 7 members, the history lists 5"):
        next_step(Selection(method="直接票决"), SHORTLIST, None, history())  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed, match="listed twice"):
        next_step(sel("直接票决"), SHORTLIST, None, replace(history(), members=(M1, M1, M2, M3, M4)))


# ------------------------------------------------------------------ properties

METHODS = [
    sel("直接票决"), sel("直接票决", revote_rounds=0), sel("逐轮票决"), sel("逐轮票决", revote_rounds=1),
    sel("票决抽签", lottery_among=2), sel("票决抽签", lottery_among=3), sel("价格竞争", price_rule="lowest"),
    sel("价格竞争", price_rule="closest_to_average"), sel("价格竞争", price_rule="nth_lowest", price_n=2),
    sel("直接抽签"),
]


@settings(max_examples=150, deadline=None)
@given(method=st.sampled_from(METHODS), size=st.integers(min_value=1, max_value=5),
       prices=st.lists(st.integers(min_value=1, max_value=4), min_size=5, max_size=5), data=st.data())
def test_every_method_reaches_a_winner_in_the_shortlist(method: Selection, size: int, prices: list[int],
                                                         data: st.DataObject) -> None:
    shortlist = (A, B, C, D, E)[:size]
    priced = {c: Decimal(p * 100_000) for c, p in zip((A, B, C, D, E), prices, strict=True)}

    def voter(step: NeedVote) -> tuple[str | None, ...]:
        choice = st.one_of(st.none(), st.sampled_from(step.candidates))
        return tuple(data.draw(choice) for _ in MEMBERS)

    decided, recorded = play(method, shortlist, priced, voter, salt=data.draw(st.integers(0, 100)))
    assert decided.winner in shortlist
    # An auditor replaying the recorded history reaches the same decision.
    assert next_step(method, list(reversed(shortlist)), priced, recorded) == decided


def test_collective_deliberation_reaches_decided_by_replay() -> None:
    final: Step = next_step(sel("集体议事"), SHORTLIST, None, history(
        chair=M3, views=ALL_VIEWS, decision=Statement(M3, A, "理由充分")))
    assert isinstance(final, Decided) and final.winner in SHORTLIST


# ------------------------------------------------------------------ 集体议事: written views and decision

TID = bytes(range(32))


def test_a_view_document_reads_back_and_its_hash_is_the_votes_salt() -> None:
    nonce = bytes(32)
    doc = view_document(tender_id=TID, section=2, round=1, seat=M1, candidate=B, reason="报价合理", nonce=nonce)
    assert parse_view(doc) == WrittenView(TID, 2, 1, M1, B, "报价合理")
    none = view_document(tender_id=TID, section=2, round=1, seat=M1, candidate=None, reason="均不合适", nonce=nonce)
    assert parse_view(none).candidate is None
    # another nonce, another salt: the salt does not give the candidate away
    other = view_document(tender_id=TID, section=2, round=1, seat=M1, candidate=B, reason="报价合理",
                          nonce=b"\x01" * 32)
    assert keccak(doc) != keccak(other)


@pytest.mark.parametrize(("document", "message"), [
    (b"not json", "canonical JSON"),
    (b'{"kind":"something else"}', "not a 集体议事 view"),
    (b'{"reason":"x","kind":"\xe9\x9b\x86\xe4\xbd\x93\xe8\xae\xae\xe4\xba\x8b view"}', "canonical JSON|malformed"),
])
def test_a_malformed_view_document_is_refused(document: bytes, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        parse_view(document)


def test_a_view_document_with_an_extra_field_or_no_reason_is_refused() -> None:
    import json

    doc = json.loads(view_document(tender_id=TID, section=0, round=1, seat=M1, candidate=A, reason="理由",
                                   nonce=bytes(32)))
    with pytest.raises(ValidationFailed, match="fields other than"):
        parse_view(canonical_json({**doc, "extra": 1}))
    with pytest.raises(ValidationFailed, match="gives no reason"):
        parse_view(canonical_json({**doc, "reason": "  "}))


def test_a_decision_document_names_every_views_hash() -> None:
    hashes = {m: keccak(m.encode()) for m in MEMBERS}
    doc = decision_document(tender_id=TID, section=0, chair=M2, winner=C, reason="综合考虑", views=hashes)
    read = parse_decision(doc)
    assert (read.chair, read.winner, read.reason, dict(read.views)) == (M2, C, "综合考虑", hashes)
    with pytest.raises(ValidationFailed, match="gives no reason"):
        decision_document(tender_id=TID, section=0, chair=M2, winner=C, reason="", views=hashes)


def test_a_decision_document_names_the_silent_members_once_and_never_with_a_view() -> None:
    hashes = {m: keccak(m.encode()) for m in MEMBERS[:3]}
    doc = decision_document(tender_id=TID, section=0, chair=M2, winner=C, reason="综合考虑", views=hashes,
                            silent=(M5, M4))
    read = parse_decision(doc)
    assert read.silent == tuple(sorted((M4, M5))) and dict(read.views) == hashes
    assert "silent" not in json.loads(decision_document(tender_id=TID, section=0, chair=M2, winner=C,
                                                        reason="综合考虑", views=hashes))
    for silent in ((M1,), (M4, M4)):  # a member with a view named silent; a silent member named twice
        with pytest.raises(ValidationFailed, match="named twice"):
            decision_document(tender_id=TID, section=0, chair=M2, winner=C, reason="r", views=hashes, silent=silent)
    for bad in ("0x12", [M4, M4], "M4"):
        with pytest.raises(ValidationFailed):
            parse_decision(canonical_json({**json.loads(doc), "silent": bad}))
