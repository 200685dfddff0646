"""Evaluation (评标) under 评定分离: the experts' score sheets, their commitments, and the rule that
turns the revealed sheets into an UNRANKED shortlist (入围定标候选人). The service that records an
evaluation and an auditor who replays one from the chain run these same functions on the same
inputs.

Inputs are the eligible bids only (eligibility from opening gates everything: an ineligible bid is
never given here), each with its opened price in 元, and the sheets of the experts whose sheets
count (`panel` says whose those are when an expert did not reveal).

- 综合评分: each expert scores every judged criterion of every bid; the price criterion (at most
  one) is computed, not typed: max_score × lowest eligible price / price (低价优先), 2 decimals
  half-up. An expert's total for a bid is its judged scores plus the price score; the bid's score
  is the mean of the experts' totals after dropping the single highest and the single lowest
  (when the tender says so and at least 5 sheets count), 2 decimals half-up. The shortlist is the
  N best scores.
- 定性评审: each expert passes or fails every bid on every criterion, a fail with a written
  reason; a bid passes a criterion when a strict majority of experts pass it and qualifies when
  it passes every criterion. The shortlist is every qualified bid if there are at most N, else N
  of them drawn by lottery.
- 最低价: no sheets; the shortlist is the N lowest prices.

A tie at the shortlist's cut (several bids share the N-th score or price) is broken by a lottery
among the tied for the places left: `evaluate` first answers with the draw needed (`tie`), and
given the recorded draw, checks it is that draw and verifies, and completes the shortlist. The
shortlist is returned sorted by address, so its order tells no rank. No qualified bid at all
gives an empty shortlist: the section cannot go on to selection (the service re-tenders).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_utils import is_address, to_checksum_address
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ledger.crypto.canonical import canonical_json, keccak
from ledger.errors import ValidationFailed
from ledger.rules.lottery import Draw, address_key, by_address, check_draw
from ledger.tenders import Criterion, CriterionKind, EvaluationMethod, EvaluationRules, TenderParams
from ledger.values import address

CENT = Decimal("0.01")
SHORTLIST_DRAW_ROUND = 1
"""A tie at the cut is broken by the section's first (and only) "shortlist" draw."""


def _two_decimals(value: Decimal, what: str) -> Decimal:
    if not value.is_finite():
        raise ValueError(f"{what} is not a number")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and value != value.quantize(CENT):
        raise ValueError(f"{what} has more than 2 decimals: {value}")
    value = value.quantize(CENT)
    return value if value != 0 else Decimal("0.00")  # no "-0.00" in a hashed sheet


def _by_bidder(value: dict[str, Any], what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not is_address(key):
            raise ValueError(f"{what} is keyed by bidder address, got {key!r}")
        bidder = to_checksum_address(key)
        if bidder in out:
            raise ValueError(f"bid {bidder} appears more than once")
        out[bidder] = item
    return out


# ------------------------------------------------------------------------------ sheets


class ScoreSheet(BaseModel):
    """An expert's 综合评分 sheet: bidder address → judged criterion code → score (≤ 2 decimals).
    Price criteria are not on it: they are computed from the prices."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    scores: dict[str, dict[str, Decimal]]

    @field_validator("scores")
    @classmethod
    def _normalise(cls, value: dict[str, dict[str, Decimal]]) -> dict[str, dict[str, Decimal]]:
        value = _by_bidder(value, "a score sheet")
        return {bid: {code: _two_decimals(score, f"bid {bid} {code}'s score") for code, score in marks.items()}
                for bid, marks in value.items()}


class Review(BaseModel):
    """One 定性评审 verdict: passed or failed, with the expert's reason (required for a fail)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    passed: bool
    reason: str = Field(default="", max_length=2000)


class ReviewSheet(BaseModel):
    """An expert's 定性评审 sheet: bidder address → criterion code → verdict."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    reviews: dict[str, dict[str, Review]]

    @field_validator("reviews")
    @classmethod
    def _normalise(cls, value: dict[str, dict[str, Review]]) -> dict[str, dict[str, Review]]:
        return _by_bidder(value, "a review sheet")


Sheet = ScoreSheet | ReviewSheet


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise ValidationFailed(f"the sheet names {key!r} more than once")
    return dict(pairs)


def parse_sheet(data: bytes | str | Mapping[str, Any]) -> Sheet:
    """A sheet from its JSON (bytes/str: a key repeated in one object is refused) or a mapping;
    scores are normalised to 2 decimals and addresses to checksum case before hashing."""
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data, object_pairs_hook=_no_duplicate_keys)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(f"the sheet is not JSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise ValidationFailed("a sheet is a JSON object")
    model: type[ScoreSheet | ReviewSheet] = ReviewSheet if "reviews" in data else ScoreSheet
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ValidationFailed(f"sheet {where}: {err['msg']}".replace(": Value error, ", ": ")) from None


def sheet_hash(sheet: Sheet) -> bytes:
    """keccak256 of the sheet's RFC 8785 canonical JSON (scores as strings with 2 decimals)."""
    return keccak(canonical_json(sheet.model_dump(mode="json")))


def sheet_commitment(*, tender_id: bytes, section: int, expert: str, salt: bytes, sheet: Sheet) -> bytes:
    """keccak256(abi.encode(bytes32 tenderId, uint16 section, address expert, bytes32 salt,
    bytes32 sheetHash)): what an expert commits before any sheet is revealed."""
    if len(tender_id) != 32 or len(salt) != 32:
        raise ValidationFailed("the tender id and the salt are 32 bytes each")
    if not 0 <= section < 2**16:
        raise ValidationFailed(f"the section must be in 0..65535, got {section}")
    return keccak(abi_encode(
        ["bytes32", "uint16", "address", "bytes32", "bytes32"],
        [tender_id, section, address(expert, "the expert"), salt, sheet_hash(sheet)],
    ))


def check_reveal(*, commitment: bytes, tender_id: bytes, section: int, expert: str, salt: bytes,
                 sheet: Sheet) -> None:
    """Refuse a revealed sheet (or salt) that is not the one the expert committed to."""
    if sheet_commitment(tender_id=tender_id, section=section, expert=expert, salt=salt, sheet=sheet) != commitment:
        raise ValidationFailed(f"expert {address(expert, 'the expert')}'s revealed sheet does not match "
                               "its commitment")


@dataclass(frozen=True)
class Bid:
    """An eligible bid: its bidder (the bid's key, an address) and its opened price in 元."""

    bidder: str
    price: Decimal


def _bids(bids: Sequence[Bid]) -> list[Bid]:
    out, seen = [], set()
    for bid in bids:
        bidder = address(bid.bidder, "a bidder")
        if bidder in seen:
            raise ValidationFailed(f"bid {bidder} is given more than once")
        if not isinstance(bid.price, Decimal) or not bid.price.is_finite() or bid.price <= 0:
            raise ValidationFailed(f"bid {bidder}'s price must be a positive amount in 元, got {bid.price!r}")
        seen.add(bidder)
        out.append(Bid(bidder, bid.price))
    return sorted(out, key=lambda b: address_key(b.bidder))


def judged(criteria: Sequence[Criterion]) -> list[Criterion]:
    return [c for c in criteria if c.kind is CriterionKind.JUDGED]


def sheet_problems(sheet: Sheet, *, method: EvaluationMethod, criteria: Sequence[Criterion],
                   bidders: Sequence[str]) -> list[str]:
    """What is wrong with a sheet for these eligible bids and criteria (nothing: empty)."""
    expected_bids = {address(b, "a bidder") for b in bidders}
    wanted = judged(criteria)
    codes = {c.code for c in wanted}
    problems: list[str] = []
    if method is EvaluationMethod.COMPREHENSIVE_SCORING:
        if not isinstance(sheet, ScoreSheet):
            return ["综合评分 takes a score sheet (scores), not a review sheet"]
        marks: Mapping[str, Mapping[str, Any]] = sheet.scores
    elif method is EvaluationMethod.QUALITATIVE:
        if not isinstance(sheet, ReviewSheet):
            return ["定性评审 takes a review sheet (reviews: passed + reason), not scores"]
        marks = sheet.reviews
    else:
        return ["最低价 takes no sheets: the prices decide"]
    for bid in sorted(expected_bids - marks.keys(), key=address_key):
        problems.append(f"bid {bid} is missing from the sheet")
    for bid in sorted(marks.keys() - expected_bids, key=address_key):
        problems.append(f"bid {bid} is not an eligible bid of this section")
    priced = {c.code for c in criteria if c.kind is CriterionKind.PRICE}
    maxima = {c.code: c.max_score for c in wanted}
    for bid in sorted(marks.keys() & expected_bids, key=address_key):
        given = marks[bid]
        for code in sorted(codes - given.keys()):
            problems.append(f"bid {bid}: criterion {code} is missing")
        for code in sorted(given.keys() - codes):
            why = "is computed from the prices, not scored" if code in priced else "is not a criterion of this tender"
            problems.append(f"bid {bid}: criterion {code} {why}")
        for code in sorted(given.keys() & codes):
            mark = given[code]
            if isinstance(mark, Review):
                if not mark.passed and not mark.reason.strip():
                    problems.append(f"bid {bid}: criterion {code} is failed without a reason")
            elif not Decimal(0) <= mark <= maxima[code]:
                problems.append(f"bid {bid}: criterion {code} scored {mark}, outside 0..{maxima[code]}")
    return problems


def validate_sheet(sheet: Sheet, *, method: EvaluationMethod, criteria: Sequence[Criterion],
                   bidders: Sequence[str], expert: str = "") -> None:
    problems = sheet_problems(sheet, method=method, criteria=criteria, bidders=bidders)
    if problems:
        who = f"expert {expert}'s sheet: " if expert else "the sheet: "
        raise ValidationFailed(who + "; ".join(problems))


# ------------------------------------------------------------------------------ the panel


@dataclass(frozen=True)
class Panel:
    """Whose sheets count: seat by seat, the member who revealed or the reserve replacing them."""

    counted: tuple[str, ...]
    replacements: tuple[tuple[str, str], ...]  # (member who did not reveal, reserve in its place)
    unfilled: tuple[str, ...]  # members who did not reveal and whom no reserve could replace

    @property
    def complete(self) -> bool:
        return not self.unfilled


def panel(committee: Sequence[str], reserves: Sequence[str], revealed: Sequence[str]) -> Panel:
    """The rule for a missing expert, fixed in advance: each member who did not reveal (in
    committee order) is replaced by the first reserve, in the reserves' drawn order, who revealed
    and is not yet used. Too few reveals leave seats `unfilled` (the panel is not complete and the
    evaluation cannot be concluded)."""
    members = [address(m, "a committee member") for m in committee]
    spare = [address(r, "a reserve") for r in reserves]
    if len(set(members)) != len(members) or len(set(spare)) != len(spare):
        raise ValidationFailed("an expert is listed twice in the committee or the reserves")
    if set(members) & set(spare):
        raise ValidationFailed("an expert is both a committee member and a reserve")
    shown = {address(r, "an expert who revealed") for r in revealed}
    stranger = shown - set(members) - set(spare)
    if stranger:
        raise ValidationFailed(f"{min(stranger, key=address_key)} revealed a sheet but is neither "
                               "a member nor a reserve")
    available = [r for r in spare if r in shown]
    counted, replacements, unfilled = [], [], []
    for member in members:
        if member in shown:
            counted.append(member)
        elif available:
            reserve = available.pop(0)
            counted.append(reserve)
            replacements.append((member, reserve))
        else:
            unfilled.append(member)
    return Panel(tuple(counted), tuple(replacements), tuple(unfilled))


# ------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class ExpertTotal:
    expert: str
    total: Decimal  # judged scores + the computed price score
    dropped: str | None = None  # "highest" | "lowest" when dropped from the mean


@dataclass(frozen=True)
class Verdict:
    """定性评审: one criterion of one bid, with the experts' reasons (fails first)."""

    code: str
    passes: int
    fails: int
    passed: bool
    reasons: tuple[tuple[str, bool, str], ...]  # (expert, passed, reason) for each written reason


@dataclass(frozen=True)
class BidEvaluation:
    bidder: str
    price: Decimal
    price_score: Decimal | None = None  # 综合评分 with a price criterion
    totals: tuple[ExpertTotal, ...] = ()  # 综合评分
    score: Decimal | None = None  # 综合评分: the mean of the totals kept
    verdicts: tuple[Verdict, ...] = ()  # 定性评审
    qualified: bool = True  # 定性评审: passed every criterion; otherwise every eligible bid is


@dataclass(frozen=True)
class ShortlistTie:
    """A tie at the cut: `places` of `candidates` (sorted by address, the draw's order) are drawn;
    `certain` are in without a draw."""

    candidates: tuple[str, ...]
    places: int
    certain: tuple[str, ...]


@dataclass(frozen=True)
class EvaluationResult:
    method: EvaluationMethod
    bids: tuple[BidEvaluation, ...]  # sorted by address
    shortlist: tuple[str, ...] | None  # sorted by address; None while a tie awaits its draw
    tie: ShortlistTie | None = None  # the draw the shortlist needs (or needed)
    draw: Draw[str] | None = None  # the draw used

    @property
    def needs_draw(self) -> bool:
        return self.shortlist is None


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def price_scores(bids: Sequence[Bid], criterion: Criterion) -> dict[str, Decimal]:
    """低价优先: max_score × lowest eligible price / price, 2 decimals half-up."""
    lowest = min(b.price for b in bids)
    return {b.bidder: _half_up(criterion.max_score * lowest / b.price) for b in bids}


def criteria_of(params: TenderParams) -> list[Criterion]:
    """The tender's criteria; refused when its method needs criteria and the tender fixed none."""
    criteria = list(params.evaluation.criteria)
    if params.evaluation_method is not EvaluationMethod.LOWEST_PRICE and not criteria:
        raise ValidationFailed(f"tender {params.project_code} fixes no evaluation criteria, so it "
                               f"cannot be evaluated by {params.evaluation_method.value}")
    return criteria


def _cut(ranked: Sequence[tuple[str, Any]], n: int) -> tuple[list[str], list[str], int]:
    """Ranked (bidder, key) best first → (certain, tied at the cut, places left for the tied)."""
    if len(ranked) <= n:
        return [b for b, _ in ranked], [], 0
    edge = ranked[n - 1][1]
    certain = [b for b, key in ranked if key < edge]
    tied = [b for b, key in ranked if key == edge]
    places = n - len(certain)
    if len(tied) == places:
        return certain + tied, [], 0
    return certain, tied, places


def _shortlist(
    params: TenderParams, section: int, certain: list[str], tied: list[str], places: int,
    draw: Draw[str] | None, method: EvaluationMethod, bids: tuple[BidEvaluation, ...],
) -> EvaluationResult:
    if not tied:
        if draw is not None:
            raise ValidationFailed("the shortlist needs no draw, yet one was given")
        return EvaluationResult(method, bids, by_address(certain))
    tie = ShortlistTie(by_address(tied), places, by_address(certain))
    if draw is None:
        return EvaluationResult(method, bids, None, tie)
    picks = check_draw(draw, tender_id=params.tender_id(), section=section, purpose="shortlist",
                       round=SHORTLIST_DRAW_ROUND, candidates=tie.candidates, k=places)
    return EvaluationResult(method, bids, by_address([*certain, *picks]), tie, draw)


def evaluate(params: TenderParams, section: int, bids: Sequence[Bid],
             sheets: Mapping[str, Sheet] | None = None, draw: Draw[str] | None = None) -> EvaluationResult:
    """The evaluation of one section from its eligible bids and the sheets that count (one per
    seat of the committee, see `panel`): every figure, and the unranked shortlist, or the draw a
    tie at the cut needs (`result.tie`, with `shortlist` None) until that draw is given."""
    if not 0 <= section < len(params.sections):
        raise ValidationFailed(f"tender {params.project_code} has sections 0..{len(params.sections) - 1}")
    method, rules, n = params.evaluation_method, params.evaluation, params.shortlist_size
    eligible = _bids(bids)
    sheets = sheets or {}
    if not eligible:
        return _shortlist(params, section, [], [], 0, draw, method, ())
    if method is EvaluationMethod.LOWEST_PRICE:
        if sheets:
            raise ValidationFailed("最低价 takes no sheets: the prices decide")
        ranked = sorted(((b.bidder, b.price) for b in eligible), key=lambda r: (r[1], address_key(r[0])))
        result = tuple(BidEvaluation(b.bidder, b.price) for b in eligible)
        return _shortlist(params, section, *_cut(ranked, n), draw, method, result)
    criteria = criteria_of(params)
    counted = _sheets(sheets, rules, method, criteria, eligible)
    if method is EvaluationMethod.COMPREHENSIVE_SCORING:
        scored = _score(eligible, counted, criteria, rules)
        ranked = sorted(((b.bidder, -(b.score or Decimal(0))) for b in scored),
                        key=lambda r: (r[1], address_key(r[0])))
        return _shortlist(params, section, *_cut(ranked, n), draw, method, scored)
    reviewed = _review(eligible, counted, criteria)
    qualified = [b.bidder for b in reviewed if b.qualified]
    if len(qualified) <= n:
        return _shortlist(params, section, qualified, [], 0, draw, method, reviewed)
    return _shortlist(params, section, [], qualified, n, draw, method, reviewed)


def _sheets(sheets: Mapping[str, Sheet], rules: EvaluationRules, method: EvaluationMethod,
            criteria: Sequence[Criterion], eligible: Sequence[Bid]) -> dict[str, Sheet]:
    counted: dict[str, Sheet] = {}
    for expert, sheet in sheets.items():
        who = address(expert, "an expert")
        if who in counted:
            raise ValidationFailed(f"expert {who} has two sheets")
        validate_sheet(sheet, method=method, criteria=criteria, bidders=[b.bidder for b in eligible], expert=who)
        counted[who] = sheet
    if len(counted) != rules.experts:
        raise ValidationFailed(f"the evaluation counts one sheet per seat of the {rules.experts}-expert "
                               f"committee, got {len(counted)} (see panel: a reserve replaces a no-show)")
    return dict(sorted(counted.items(), key=lambda kv: address_key(kv[0])))


def _score(eligible: Sequence[Bid], sheets: Mapping[str, Sheet], criteria: Sequence[Criterion],
           rules: EvaluationRules) -> tuple[BidEvaluation, ...]:
    priced = [c for c in criteria if c.kind is CriterionKind.PRICE]
    price = price_scores(eligible, priced[0]) if priced else {}
    drop = rules.drop_extremes and len(sheets) >= 5
    out = []
    for bid in eligible:
        bonus = price.get(bid.bidder, Decimal(0))
        totals = []
        for expert, sheet in sheets.items():
            assert isinstance(sheet, ScoreSheet)
            totals.append(ExpertTotal(expert, sum(sheet.scores[bid.bidder].values(), Decimal(0)) + bonus))
        if drop:
            # One highest and one lowest; among equal totals, the expert first by address.
            order = sorted(range(len(totals)), key=lambda i: (totals[i].total, address_key(totals[i].expert)))
            low = order[0]
            high = max(order[1:], key=lambda i: (totals[i].total, -int(totals[i].expert, 16)))
            totals[low] = ExpertTotal(totals[low].expert, totals[low].total, "lowest")
            totals[high] = ExpertTotal(totals[high].expert, totals[high].total, "highest")
        kept = [t.total for t in totals if t.dropped is None]
        score = _half_up(sum(kept, Decimal(0)) / len(kept))
        out.append(BidEvaluation(bid.bidder, bid.price, price.get(bid.bidder), tuple(totals), score))
    return tuple(out)


def _review(eligible: Sequence[Bid], sheets: Mapping[str, Sheet],
            criteria: Sequence[Criterion]) -> tuple[BidEvaluation, ...]:
    out = []
    for bid in eligible:
        verdicts = []
        for criterion in criteria:
            marks = []
            for expert, sheet in sheets.items():
                assert isinstance(sheet, ReviewSheet)
                marks.append((expert, sheet.reviews[bid.bidder][criterion.code]))
            passes = sum(1 for _, m in marks if m.passed)
            reasons = tuple((e, m.passed, m.reason) for e, m in sorted(marks, key=lambda em: em[1].passed)
                            if m.reason.strip())
            verdicts.append(Verdict(criterion.code, passes, len(marks) - passes, 2 * passes > len(marks), reasons))
        out.append(BidEvaluation(bid.bidder, bid.price, verdicts=tuple(verdicts),
                                 qualified=all(v.passed for v in verdicts)))
    return tuple(out)
