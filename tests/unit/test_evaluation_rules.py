"""Evaluation (评标) rules: the evaluation parameters, score sheets and their commitments, the
panel when an expert does not reveal, and the unranked shortlist under each method."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ledger.crypto.canonical import canonical_json, keccak
from ledger.errors import ValidationFailed
from ledger.rules.evaluation import (
    Bid,
    ReviewSheet,
    ScoreSheet,
    Sheet,
    check_reveal,
    evaluate,
    panel,
    parse_sheet,
    sheet_commitment,
    sheet_hash,
    validate_sheet,
)
from ledger.rules.lottery import draw_id, run_draw, seed_commitment
from ledger.tenders import EvaluationMethod, TenderParams
from tests.scenes import tender_params


def addr(n: int) -> str:
    return to_checksum_address("0x" + f"{n:02x}" * 20)


A, B, C, D, E = (addr(n) for n in (0x11, 0x22, 0x33, 0x44, 0x55))
EXPERTS = [addr(0xE0 + n) for n in range(7)]
RESERVES = [addr(0xF0 + n) for n in range(3)]
SCORING = [
    {"code": "T1", "name": "施工组织设计", "max_score": "40"},
    {"code": "T2", "name": "项目管理机构", "max_score": "50"},
    {"code": "P", "name": "投标报价", "kind": "price", "max_score": "10"},
]
REVIEW = [{"code": "Q1", "name": "施工方案可行"}, {"code": "Q2", "name": "工期满足要求"}]
SALT = bytes(range(32))


def params(method: str = "综合评分", shortlist: int = 2, **evaluation: Any) -> TenderParams:
    criteria = {"综合评分": SCORING, "定性评审": REVIEW, "最低价": []}[method]
    return TenderParams.model_validate(tender_params(
        evaluation_method=method, shortlist_size=shortlist,
        evaluation={"criteria": criteria, **evaluation},
    ))


def score_sheets(marks: dict[str, list[tuple[str, str]]]) -> dict[str, Sheet]:
    """bidder → one (T1, T2) per expert, in EXPERTS order → each expert's sheet."""
    experts = len(next(iter(marks.values())))
    return {EXPERTS[e]: ScoreSheet.model_validate({"scores": {
        bid: {"T1": per[e][0], "T2": per[e][1]} for bid, per in marks.items()}}) for e in range(experts)}


def review_sheets(fails: dict[tuple[str, str], int], bidders: list[str], experts: int = 5) -> dict[str, Sheet]:
    """(bidder, criterion) → how many experts (the first ones) fail it; everything else passes."""
    return {EXPERTS[e]: ReviewSheet.model_validate({"reviews": {
        bid: {c["code"]: ({"passed": False, "reason": f"专家{e + 1}: 不满足{c['name']}"}
                          if e < fails.get((bid, c["code"]), 0) else {"passed": True})
              for c in REVIEW} for bid in bidders}}) for e in range(experts)}


def shortlist_draw(p: TenderParams, candidates: tuple[str, ...], k: int):  # type: ignore[no-untyped-def]
    parties = RESERVES  # any three parties
    seeds = [bytes([n + 1]) * 32 for n in range(3)]
    did = draw_id(p.tender_id(), 0, "shortlist", 1)
    return run_draw(tender_id=p.tender_id(), section=0, purpose="shortlist", round=1, parties=parties,
                    commitments=[seed_commitment(did, q, s) for q, s in zip(parties, seeds, strict=True)],
                    seeds=seeds, candidates=candidates, k=k)


# ------------------------------------------------------------------ parameters


def test_evaluation_parameters_default_and_leave_an_older_tenders_hash_unchanged() -> None:
    old = TenderParams.model_validate(tender_params())
    assert old.evaluation.experts == 5 and old.evaluation.reserves == 2
    assert old.evaluation.drop_extremes and old.evaluation.conflict_years == 3
    # The hash of the scene's tender as published before `evaluation` existed.
    assert old.params_hash().hex() == "713b116f88b86ee0857ec205359446a063ede0130f95164630608f8f6c36e6a2"
    assert TenderParams.model_validate_json(old.model_dump_json()).params_hash() == old.params_hash()
    hashes = {old.params_hash(), params("定性评审").params_hash(), params("定性评审", experts=7).params_hash(),
              params("定性评审", drop_extremes=False).params_hash(), params("定性评审", reserves=3).params_hash()}
    assert len(hashes) == 5


def test_officer_names_enter_the_hash_only_when_given_and_name_addresses() -> None:
    old = TenderParams.model_validate(tender_params())
    assert old.officer_names == {} and "officer_names" in old.model_dump()
    assert old.params_hash().hex() == "713b116f88b86ee0857ec205359446a063ede0130f95164630608f8f6c36e6a2"
    officer = "0x" + "ab" * 20
    named = TenderParams.model_validate({**tender_params(), "officer_names": {officer: " 王开标 "}})
    assert named.officer_names == {to_checksum_address(officer): "王开标"}
    assert named.params_hash() != old.params_hash()
    assert TenderParams.model_validate_json(named.model_dump_json()).params_hash() == named.params_hash()
    from ledger.service.tenders import check_officer_names

    check_officer_names(named, [officer])
    with pytest.raises(ValidationFailed, match="not one of the tender's opening officers"):
        check_officer_names(named, ["0x" + "cd" * 20])


@pytest.mark.parametrize(("names", "message"), [
    ({"nobody": "王"}, "is not an address"), ({"0x" + "ab" * 20: ""}, "1..64 characters"),
    ({"0x" + "ab" * 20: "王\n李"}, "1..64 characters"), ({"0x" + "ab" * 20: "王" * 65}, "1..64 characters"),
    ({"0x" + "ab" * 20: "王", "0x" + "AB" * 20: "李"}, "named twice"),
])
def test_bad_officer_names_are_refused(names: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TenderParams.model_validate({**tender_params(), "officer_names": names})


@pytest.mark.parametrize(("method", "evaluation", "message"), [
    ("综合评分", {"criteria": SCORING[:2]}, "sum to 100, got 90"),
    ("综合评分", {"criteria": [*SCORING[:2], {**SCORING[2], "code": "P1"}, {**SCORING[2], "code": "P2",
                                                                         "max_score": "0.5"}][:4]},
     "at most one price criterion"),
    ("定性评审", {"criteria": [*REVIEW, SCORING[2]]}, "P is a price criterion"),
    ("最低价", {"criteria": REVIEW}, "最低价 takes no evaluation criteria"),
    ("定性评审", {"experts": 6}, "odd number of experts, got 6"),
    ("定性评审", {"experts": 3}, "greater than or equal to 5"),
    ("定性评审", {"criteria": [REVIEW[0], REVIEW[0]]}, "codes must be unique"),
    ("综合评分", {"criteria": [{**SCORING[0], "max_score": "0"}]}, "greater than 0"),
    ("定性评审", {"criteria": [{"code": "has space", "name": "x"}]}, "pattern"),
])
def test_evaluation_parameters_that_break_the_rules_are_refused(method: str, evaluation: dict[str, Any],
                                                                 message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TenderParams.model_validate(tender_params(evaluation_method=method, evaluation=evaluation))


def test_a_tender_without_criteria_loads_but_cannot_be_scored() -> None:
    # Published before criteria were parameters: it still loads (and keeps its hash) ...
    legacy = TenderParams.model_validate(tender_params(evaluation_method="综合评分"))
    # ... but nothing can be scored against criteria it never fixed.
    with pytest.raises(ValidationFailed, match="fixes no evaluation criteria"):
        evaluate(legacy, 0, [Bid(A, Decimal(1)), Bid(B, Decimal(2))], {})


# ------------------------------------------------------------------ sheets and commitments


def test_score_out_of_range_is_refused() -> None:
    p = params()
    sheet = parse_sheet({"scores": {A: {"T1": "40.01", "T2": "10"}}})
    with pytest.raises(ValidationFailed, match=r"criterion T1 scored 40.01, outside 0..40"):
        validate_sheet(sheet, method=p.evaluation_method, criteria=p.evaluation.criteria, bidders=[A])
    with pytest.raises(ValidationFailed, match="greater than or equal to 0|outside"):
        validate_sheet(parse_sheet({"scores": {A: {"T1": "-1", "T2": "10"}}}), method=p.evaluation_method,
                       criteria=p.evaluation.criteria, bidders=[A])


def test_score_with_three_decimals_or_not_a_number_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="more than 2 decimals: 27.505"):
        parse_sheet({"scores": {A: {"T1": "27.505", "T2": "10"}}})
    with pytest.raises(ValidationFailed, match="sheet scores"):
        parse_sheet({"scores": {A: {"T1": "NaN", "T2": "10"}}})
    assert parse_sheet({"scores": {A: {"T1": "27.500", "T2": "1E+1"}}}).model_dump(mode="json") == {
        "scores": {A: {"T1": "27.50", "T2": "10.00"}}}


def test_sheet_missing_a_bid_or_a_criterion_or_naming_a_stranger_is_refused() -> None:
    p = params()
    sheet = parse_sheet({"scores": {A: {"T1": "30"}, C: {"T1": "30", "T2": "40"}}})
    with pytest.raises(ValidationFailed) as caught:
        validate_sheet(sheet, method=p.evaluation_method, criteria=p.evaluation.criteria, bidders=[A, B],
                       expert=EXPERTS[0])
    message = str(caught.value)
    assert message.startswith(f"expert {EXPERTS[0]}'s sheet: ")
    assert f"bid {B} is missing from the sheet" in message
    assert f"bid {C} is not an eligible bid of this section" in message
    assert f"bid {A}: criterion T2 is missing" in message


def test_typed_price_score_is_refused_it_is_computed() -> None:
    p = params()
    sheet = parse_sheet({"scores": {A: {"T1": "30", "T2": "40", "P": "10"}}})
    with pytest.raises(ValidationFailed, match="criterion P is computed from the prices, not scored"):
        validate_sheet(sheet, method=p.evaluation_method, criteria=p.evaluation.criteria, bidders=[A])


def test_fail_without_a_reason_and_the_wrong_kind_of_sheet_are_refused() -> None:
    p = params("定性评审")
    sheet = parse_sheet({"reviews": {A: {"Q1": {"passed": False, "reason": "  "}, "Q2": {"passed": True}}}})
    with pytest.raises(ValidationFailed, match="criterion Q1 is failed without a reason"):
        validate_sheet(sheet, method=p.evaluation_method, criteria=p.evaluation.criteria, bidders=[A])
    with pytest.raises(ValidationFailed, match="定性评审 takes a review sheet"):
        validate_sheet(parse_sheet({"scores": {A: {"Q1": "1"}}}), method=p.evaluation_method,
                       criteria=p.evaluation.criteria, bidders=[A])
    with pytest.raises(ValidationFailed, match="最低价 takes no sheets"):
        validate_sheet(sheet, method=EvaluationMethod.LOWEST_PRICE, criteria=[], bidders=[A])


def test_bid_named_twice_in_one_sheet_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="names 'T1' more than once"):
        parse_sheet('{"scores": {"%s": {"T1": "1", "T1": "40"}}}' % A)
    with pytest.raises(ValidationFailed, match="appears more than once"):
        mixed = addr(0xAB)  # the same bidder in checksum and in lower case
        parse_sheet({"scores": {mixed: {"T1": "1"}, mixed.lower(): {"T1": "40"}}})
    with pytest.raises(ValidationFailed, match="keyed by bidder address"):
        parse_sheet({"scores": {"某公司": {"T1": "1"}}})


def test_sheet_hash_is_over_the_normalised_sheet() -> None:
    one = parse_sheet({"scores": {A.lower(): {"T1": "27.5", "T2": "40"}}})
    two = parse_sheet(('{"scores":{"%s":{"T2":"40.00","T1":27.50}}}' % A).encode())
    assert sheet_hash(one) == sheet_hash(two)
    assert sheet_hash(one) != sheet_hash(parse_sheet({"scores": {A: {"T1": "27.51", "T2": "40"}}}))


def test_vector_sheet_hash_and_commitment() -> None:
    # For the contract and any expert's client: the canonical form, its hash and the commitment.
    sheet = parse_sheet({"scores": {A: {"T1": "30", "T2": "40.5"}}})
    assert canonical_json(sheet.model_dump(mode="json")) == (
        b'{"scores":{"0x1111111111111111111111111111111111111111":{"T1":"30.00","T2":"40.50"}}}')
    assert sheet_hash(sheet).hex() == "24f63397a7683c3b90fd566b69f29123cf2a6c47a083f05edb6ca4e964d82004"
    commitment = sheet_commitment(tender_id=keccak(b"E3203010319005778"), section=0, expert=EXPERTS[0],
                                  salt=SALT, sheet=sheet)
    assert commitment.hex() == "83778c0c79cb00a8c02385f93575f7c8e6f97353ebff43c78418b79b3f474b0b"


def test_forged_reveal_does_not_match_the_commitment() -> None:
    p = params()
    tid = p.tender_id()
    sheet = parse_sheet({"scores": {A: {"T1": "30", "T2": "40"}}})
    commitment = sheet_commitment(tender_id=tid, section=0, expert=EXPERTS[0], salt=SALT, sheet=sheet)
    check_reveal(commitment=commitment, tender_id=tid, section=0, expert=EXPERTS[0], salt=SALT, sheet=sheet)
    copied = parse_sheet({"scores": {A: {"T1": "30", "T2": "41"}}})
    attempts = [
        dict(sheet=copied),  # another sheet than the one committed (e.g. copied after seeing others)
        dict(salt=bytes(32)),  # another salt
        dict(expert=EXPERTS[1]),  # another expert claiming the commitment
        dict(section=1),  # another section
    ]
    for change in attempts:
        args: dict[str, Any] = dict(commitment=commitment, tender_id=tid, section=0, expert=EXPERTS[0],
                                    salt=SALT, sheet=sheet) | change
        with pytest.raises(ValidationFailed, match="does not match its commitment"):
            check_reveal(**args)
    with pytest.raises(ValidationFailed, match="32 bytes"):
        sheet_commitment(tender_id=tid, section=0, expert=EXPERTS[0], salt=b"salt", sheet=sheet)
    with pytest.raises(ValidationFailed, match="not an address"):
        sheet_commitment(tender_id=tid, section=0, expert="专家甲", salt=SALT, sheet=sheet)


# ------------------------------------------------------------------ the panel


def test_no_show_is_replaced_by_the_first_reserve_who_revealed() -> None:
    committee = EXPERTS[:5]
    revealed = [EXPERTS[0], EXPERTS[2], EXPERTS[4], RESERVES[1], RESERVES[2]]
    result = panel(committee, RESERVES, revealed)
    assert result.complete
    assert result.counted == (EXPERTS[0], RESERVES[1], EXPERTS[2], RESERVES[2], EXPERTS[4])
    assert result.replacements == ((EXPERTS[1], RESERVES[1]), (EXPERTS[3], RESERVES[2]))
    # All members revealed: the reserves' sheets do not count.
    full = panel(committee, RESERVES, [*committee, *RESERVES])
    assert full.counted == tuple(committee) and not full.replacements


def test_too_few_experts_revealed_leaves_the_panel_incomplete() -> None:
    result = panel(EXPERTS[:5], RESERVES[:2], [EXPERTS[0], EXPERTS[1], EXPERTS[2], RESERVES[0]])
    assert not result.complete and result.unfilled == (EXPERTS[4],)


def test_reveal_by_a_stranger_or_an_expert_listed_twice_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="neither a member nor a reserve"):
        panel(EXPERTS[:5], RESERVES, [EXPERTS[6]])
    with pytest.raises(ValidationFailed, match="both a committee member and a reserve"):
        panel(EXPERTS[:5], [EXPERTS[0]], [])


# ------------------------------------------------------------------ 综合评分

PRICES = {A: "1000000", B: "800000", C: "490000", D: "700000"}


def bids(prices: dict[str, str] = PRICES) -> list[Bid]:
    return [Bid(b, Decimal(p)) for b, p in prices.items()]


MARKS = {  # (T1, T2) from each of five experts
    A: [("30", "30"), ("31", "31"), ("29", "29"), ("35", "30"), ("25", "25")],
    B: [("38", "45"), ("36", "44"), ("39", "46"), ("40", "50"), ("30", "40")],
    C: [("20", "20"), ("22", "20"), ("21", "21"), ("25", "25"), ("15", "15")],
    D: [("35", "40"), ("36", "40"), ("34", "41"), ("38", "45"), ("30", "30")],
}


def test_comprehensive_scoring_computes_price_scores_drops_extremes_and_shortlists_unranked() -> None:
    result = evaluate(params(), 0, bids(), score_sheets(MARKS))
    by = {b.bidder: b for b in result.bids}
    # 低价优先 10 × 490000 / price, half-up: 800000 → 6.125 → 6.13 (not 6.12).
    assert {b: by[b].price_score for b in by} == {
        A: Decimal("4.90"), B: Decimal("6.13"), C: Decimal("10.00"), D: Decimal("7.00")}
    # A: judged 60, 62, 58, 65, 50 + 4.90; the 69.90 and 54.90 are dropped; mean of the rest.
    assert [t.total for t in by[A].totals] == [Decimal(x) for x in ("64.90", "66.90", "62.90", "69.90", "54.90")]
    assert [t.dropped for t in by[A].totals] == [None, None, None, "highest", "lowest"]
    assert by[A].score == Decimal("64.90")
    # B: 83, 80, 85, 90, 70 (+6.13) → keep 83, 80, 85 → 82.67 + 6.13 = 88.80.
    assert by[B].score == Decimal("88.80")
    assert by[D].score == Decimal("82.33")  # 75, 76, 75 kept: 75.33 + 7.00
    assert result.shortlist == (B, D) and result.tie is None and not result.needs_draw
    assert [b.bidder for b in result.bids] == [A, B, C, D]  # by address, not by score


def test_comprehensive_scoring_without_dropping_extremes_takes_the_plain_mean_half_up() -> None:
    marks = {A: [("40", "40"), ("40", "40"), ("40", "40"), ("40", "40"), ("40", "40.03")],
             B: [("10", "10")] * 5}
    result = evaluate(params(drop_extremes=False), 0, bids({A: "100", B: "100"}), score_sheets(marks))
    by = {b.bidder: b for b in result.bids}
    assert all(t.dropped is None for t in by[A].totals)
    assert by[A].score == Decimal("90.01")  # 450.03 / 5 = 90.006 → 90.01


def test_all_equal_totals_drop_two_different_experts() -> None:
    marks = {A: [("30", "30")] * 5, B: [("20", "20")] * 5}
    by = {b.bidder: b for b in evaluate(params(), 0, bids({A: "1", B: "1"}), score_sheets(marks)).bids}
    assert sorted(t.dropped or "" for t in by[A].totals) == ["", "", "", "highest", "lowest"]
    assert by[A].score == Decimal("70.00")


def test_tie_at_the_shortlist_cut_needs_a_draw_then_takes_its_picks() -> None:
    marks = {A: [("30", "30")] * 5, B: [("35", "35")] * 5, C: [("30", "30")] * 5, D: [("30", "30")] * 5}
    p = params()
    same = {A: "100", B: "100", C: "100", D: "100"}
    pending = evaluate(p, 0, bids(same), score_sheets(marks))
    assert pending.needs_draw and pending.shortlist is None
    assert pending.tie is not None
    assert (pending.tie.candidates, pending.tie.places, pending.tie.certain) == ((A, C, D), 1, (B,))
    record = shortlist_draw(p, pending.tie.candidates, 1)
    done = evaluate(p, 0, bids(same), score_sheets(marks), draw=record)
    assert done.shortlist == tuple(sorted((B, record.picks[0]), key=str.lower)) and done.draw == record


def test_draw_for_another_tie_or_a_draw_not_needed_is_refused() -> None:
    p = params()
    same = {A: "100", B: "100", C: "100", D: "100"}
    tied = {A: [("30", "30")] * 5, B: [("35", "35")] * 5, C: [("30", "30")] * 5, D: [("30", "30")] * 5}
    with pytest.raises(ValidationFailed, match="the rule asks for shortlist round 1 of 1"):
        evaluate(p, 0, bids(same), score_sheets(tied), draw=shortlist_draw(p, (A, C), 1))
    with pytest.raises(ValidationFailed, match="needs no draw"):
        evaluate(p, 0, bids(), score_sheets(MARKS), draw=shortlist_draw(p, (A, C, D), 1))


def test_evaluation_counts_exactly_one_sheet_per_seat() -> None:
    sheets = score_sheets(MARKS)
    four = dict(list(sheets.items())[:4])
    with pytest.raises(ValidationFailed, match="one sheet per seat of the 5-expert committee, got 4"):
        evaluate(params(), 0, bids(), four)
    with pytest.raises(ValidationFailed, match="two sheets"):
        evaluate(params(), 0, bids(), {**four, EXPERTS[0].lower(): sheets[EXPERTS[0]]})


def test_sheet_missing_an_eligible_bid_stops_the_evaluation() -> None:
    sheets = score_sheets(MARKS)
    marks = copy.deepcopy(sheets[EXPERTS[2]].model_dump(mode="json"))
    del marks["scores"][D]
    sheets[EXPERTS[2]] = parse_sheet(marks)
    with pytest.raises(ValidationFailed, match=f"expert {EXPERTS[2]}'s sheet: bid {D} is missing"):
        evaluate(params(), 0, bids(), sheets)


def test_fewer_bids_than_places_shortlists_them_all() -> None:
    marks = {A: MARKS[A], B: MARKS[B]}
    result = evaluate(params(shortlist=3), 0, bids({A: "100", B: "200"}), score_sheets(marks))
    assert result.shortlist == (A, B)
    assert evaluate(params(shortlist=3), 0, [], {}).shortlist == ()


def test_malformed_bids_are_refused() -> None:
    with pytest.raises(ValidationFailed, match="given more than once"):
        evaluate(params("最低价"), 0, [Bid(A, Decimal(1)), Bid(A.lower(), Decimal(2))])
    with pytest.raises(ValidationFailed, match="positive amount"):
        evaluate(params("最低价"), 0, [Bid(A, Decimal(0))])
    with pytest.raises(ValidationFailed, match="sections 0..0"):
        evaluate(params("最低价"), 1, [Bid(A, Decimal(1))])


# ------------------------------------------------------------------ 定性评审


def test_qualitative_review_passes_a_criterion_on_a_strict_majority() -> None:
    fails = {(A, "Q1"): 2, (B, "Q1"): 3, (C, "Q2"): 5}
    result = evaluate(params("定性评审", shortlist=3), 0, bids(), review_sheets(fails, [A, B, C, D]))
    by = {b.bidder: b for b in result.bids}
    assert [(v.code, v.passes, v.fails, v.passed) for v in by[A].verdicts] == [("Q1", 3, 2, True), ("Q2", 5, 0, True)]
    assert by[A].qualified and not by[B].qualified and not by[C].qualified and by[D].qualified
    # The reasons for each fail are kept with the verdict.
    assert [(e, ok) for e, ok, _ in by[B].verdicts[0].reasons] == [(EXPERTS[0], False), (EXPERTS[1], False),
                                                                    (EXPERTS[2], False)]
    assert by[B].verdicts[0].reasons[0][2] == "专家1: 不满足施工方案可行"
    # Fewer qualified than N: all of them, no draw.
    assert result.shortlist == (A, D) and result.tie is None


def test_more_qualified_than_places_are_drawn_by_lottery() -> None:
    p = params("定性评审", shortlist=2)
    sheets = review_sheets({(C, "Q1"): 4}, [A, B, C, D, E])
    prices = {**PRICES, E: "900000"}
    pending = evaluate(p, 0, bids(prices), sheets)
    assert pending.tie is not None and pending.tie.candidates == (A, B, D, E) and pending.tie.places == 2
    assert pending.tie.certain == ()
    record = shortlist_draw(p, (A, B, D, E), 2)
    done = evaluate(p, 0, bids(prices), sheets, draw=record)
    assert done.shortlist is not None and set(done.shortlist) == set(record.picks)
    assert list(done.shortlist) == sorted(done.shortlist, key=str.lower)


def test_no_bid_qualifies_gives_an_empty_shortlist() -> None:
    sheets = review_sheets({(b, "Q2"): 3 for b in (A, B)}, [A, B])
    assert evaluate(params("定性评审"), 0, bids({A: "1", B: "2"}), sheets).shortlist == ()


# ------------------------------------------------------------------ 最低价


def test_lowest_price_shortlists_the_n_lowest_and_draws_a_tie_at_the_cut() -> None:
    p = params("最低价", shortlist=2)
    assert evaluate(p, 0, bids()).shortlist == (C, D)
    tied = {A: "700000", B: "800000", C: "490000", D: "700000"}
    pending = evaluate(p, 0, bids(tied))
    assert pending.tie is not None and (pending.tie.candidates, pending.tie.places) == ((A, D), 1)
    record = shortlist_draw(p, (A, D), 1)
    assert evaluate(p, 0, bids(tied), draw=record).shortlist == tuple(sorted((C, record.picks[0]), key=str.lower))
    with pytest.raises(ValidationFailed, match="最低价 takes no sheets"):
        evaluate(p, 0, bids(), score_sheets(MARKS))


# ------------------------------------------------------------------ properties


@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=1, max_value=5), data=st.data())
def test_the_shortlist_never_holds_more_than_n(n: int, data: st.DataObject) -> None:
    count = data.draw(st.integers(min_value=1, max_value=6))
    bidders = [addr(0x11 * (i + 1)) for i in range(count)]
    prices = {b: str(data.draw(st.integers(min_value=1, max_value=4)) * 1000) for b in bidders}
    score = st.sampled_from(["10", "20", "30"])
    marks = {b: [(data.draw(score), data.draw(score)) for _ in range(5)] for b in bidders}
    p = params(shortlist=n)
    result = evaluate(p, 0, bids(prices), score_sheets(marks))
    if result.tie is not None:
        assert result.shortlist is None
        result = evaluate(p, 0, bids(prices), score_sheets(marks),
                          draw=shortlist_draw(p, result.tie.candidates, result.tie.places))
    assert result.shortlist is not None
    assert len(result.shortlist) == min(n, count) and set(result.shortlist) <= set(bidders)
    lowest = evaluate(params("最低价", shortlist=n), 0, bids(prices))
    assert lowest.shortlist is None or len(lowest.shortlist) == min(n, count)
