"""Tenders: the parameters a trading centre publishes, checked against the rules, and their hash.

Every parameter that decides the outcome (sections, requirements, guarantee, evaluation and
selection method, shortlist size, deadline) goes into `params_hash`, which is fixed on chain
before any bid; an amendment is a new version with a reason.

The time rules are TenderBook's, on block time, not these parameters': a tender is issued when
it is published (the block time, `issuedAt` on chain), its deadline is at least MIN_BID_PERIOD
after that, and an amendment less than MIN_AMENDMENT_NOTICE before the deadline postpones it.
So the parameters carry the deadline the centre asks for but no issue time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from eth_utils import keccak
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ledger.crypto.canonical import canonical_json
from ledger.documents import Grade
from ledger.model.guarantee import MAX_AMOUNT_FEN

MAX_GUARANTEE_SHARE = Decimal("0.02")  # rule: bid guarantee ≤ 2 % of the estimated price
MIN_VALID_BIDS = 3  # rule: fewer than 3 bids → no opening (流标), re-tender

GRADE_RANK: dict[Grade, int] = {
    Grade.SPECIAL: 4, Grade.FIRST: 3, Grade.A: 3, Grade.SECOND: 2, Grade.B: 2, Grade.THIRD: 1,
}


class EvaluationMethod(StrEnum):
    QUALITATIVE = "定性评审"
    COMPREHENSIVE_SCORING = "综合评分"
    LOWEST_PRICE = "最低价"


class SelectionMethod(StrEnum):
    DIRECT_VOTE = "直接票决"
    ROUND_ELIMINATION = "逐轮票决"
    VOTE_THEN_LOTTERY = "票决抽签"
    PRICE_COMPETITION = "价格竞争"
    DIRECT_LOTTERY = "直接抽签"
    COLLECTIVE_DELIBERATION = "集体议事"


Money = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=2)]


class QualificationRequirement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    category: str = Field(min_length=1, description="APT_TYPE_NAME, e.g. 建筑业企业资质")
    name_contains: str = Field(default="", description="text the APT_NAME must contain, e.g. 市政公用工程")
    min_grade: Grade


class PerformanceRequirement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    count: int = Field(ge=1, le=20)
    min_amount_wan: Decimal = Field(ge=0)
    within_years: int = Field(ge=1, le=20, description="completed within this many years of the deadline")


class PersonnelRequirement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    registration_type: str = Field(min_length=1, description="e.g. 一级注册建造师")
    specialty: str = ""
    count: int = Field(default=1, ge=1, le=20)


class Section(BaseModel):
    """标段: one lot, with its own requirements, price estimate and guarantee."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str = Field(min_length=1, max_length=64, description="e.g. E3203010319005778001001")
    name: str = Field(min_length=1)
    estimated_price: Money = Field(description="元")
    bid_guarantee: Decimal = Field(ge=0, description="元; 0 = no guarantee required")
    qualification: list[QualificationRequirement] = Field(default_factory=list)
    performance: PerformanceRequirement | None = None
    personnel: list[PersonnelRequirement] = Field(default_factory=list)
    credit_commitment_allowed: bool = False

    @model_validator(mode="after")
    def _guarantee_cap(self) -> Section:
        cap = (self.estimated_price * MAX_GUARANTEE_SHARE).quantize(Decimal("0.01"))
        if self.bid_guarantee > cap:
            raise ValueError(
                f"section {self.code}: bid guarantee {self.bid_guarantee} exceeds 2% of the "
                f"estimated price {self.estimated_price} (at most {cap})"
            )
        if self.bid_guarantee * 100 > MAX_AMOUNT_FEN:
            raise ValueError(
                f"section {self.code}: bid guarantee {self.bid_guarantee} exceeds the most GuaranteeBook "
                f"records, {Decimal(MAX_AMOUNT_FEN) / 100} 元"
            )
        return self


class Selection(BaseModel):
    """评定分离: the rule the tenderer's committee uses to pick the winner from the shortlist."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    method: SelectionMethod
    committee_size: int = Field(default=7, ge=5, le=25)
    revote_rounds: int = Field(default=2, ge=0, le=5, description="ties: re-votes before a lottery")
    lottery_among: int | None = Field(default=None, ge=2, description="票决抽签: vote down to k")
    price_rule: Literal["lowest", "second_lowest", "closest_to_average", "nth_lowest"] | None = None
    price_n: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _parameters(self) -> Selection:
        if self.committee_size % 2 == 0:
            raise ValueError(f"the selection committee has an odd number of members, got {self.committee_size}")
        if self.method is SelectionMethod.VOTE_THEN_LOTTERY and self.lottery_among is None:
            raise ValueError("票决抽签 needs lottery_among (how many candidates go to the lottery)")
        if self.method is SelectionMethod.PRICE_COMPETITION and self.price_rule is None:
            raise ValueError("价格竞争 needs price_rule")
        if self.price_rule == "nth_lowest" and self.price_n is None:
            raise ValueError("price_rule nth_lowest needs price_n")
        return self


class CriterionKind(StrEnum):
    JUDGED = "judged"  # scored (综合评分) or passed/failed (定性评审) by each expert
    PRICE = "price"  # 综合评分 only: computed from the opened prices, never typed by an expert


class Criterion(BaseModel):
    """One evaluation criterion (评审因素). `max_score` counts under 综合评分 only; under 定性评审 a
    criterion is passed or failed and its `max_score` is ignored (leave it at 1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$", description="e.g. T1, price")
    name: str = Field(min_length=1, max_length=200, description="e.g. 施工组织设计")
    kind: CriterionKind = CriterionKind.JUDGED
    max_score: Decimal = Field(default=Decimal(1), gt=0, le=100, decimal_places=2)


class EvaluationRules(BaseModel):
    """How the evaluation committee (评标委员会) is made up and what it judges."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    experts: int = Field(default=5, ge=5, le=25, description="odd, drawn from the expert pool")
    reserves: int = Field(default=2, ge=0, le=10, description="drawn with the committee; replace a no-show in order")
    drop_extremes: bool = Field(
        default=True, description="综合评分: drop one highest and one lowest expert total (≥ 5 experts)")
    criteria: list[Criterion] = Field(default_factory=list, max_length=50)
    conflict_years: int = Field(
        default=3, ge=0, le=20, description="an expert employed by a bidder within this many years is conflicted")

    @model_validator(mode="after")
    def _shape(self) -> EvaluationRules:
        if self.experts % 2 == 0:
            raise ValueError(f"the evaluation committee has an odd number of experts, got {self.experts}")
        codes = [c.code for c in self.criteria]
        if len(set(codes)) != len(codes):
            raise ValueError("evaluation criteria codes must be unique")
        return self

    def check_for(self, method: EvaluationMethod) -> None:
        """The criteria fit the method (ValueError otherwise). Under 综合评分: at most one price
        criterion and maximum scores summing to 100; under 定性评审: judged (pass/fail) criteria
        only; under 最低价: none. Criteria left out altogether are accepted here (tenders published
        before criteria were parameters have none); `ledger.rules.evaluation` refuses to evaluate
        a 综合评分 or 定性评审 tender without them."""
        if not self.criteria:
            return
        if method is EvaluationMethod.LOWEST_PRICE:
            raise ValueError("最低价 takes no evaluation criteria: the lowest price decides")
        priced = [c.code for c in self.criteria if c.kind is CriterionKind.PRICE]
        if method is EvaluationMethod.QUALITATIVE and priced:
            raise ValueError(f"定性评审 criteria are passed or failed by the experts; {priced[0]} is a price criterion")
        if method is EvaluationMethod.COMPREHENSIVE_SCORING:
            if len(priced) > 1:
                raise ValueError(f"综合评分 has at most one price criterion, got {', '.join(priced)}")
            total = sum((c.max_score for c in self.criteria), Decimal(0))
            if total != 100:
                raise ValueError(f"综合评分 criteria's maximum scores sum to 100, got {total}")


class TenderParams(BaseModel):
    """Everything fixed on chain before the first bid."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    project_code: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1)
    tenderer: str = Field(description="招标人 name")
    tenderer_uscc: str
    sections: list[Section] = Field(min_length=1, max_length=200)
    deadline: datetime = Field(description="the bid deadline asked for; TenderBook holds the one in force")
    bid_validity_days: int = Field(ge=30, le=365)
    opening_window_s: int = Field(default=3600, ge=600, le=86_400)
    evaluation_method: EvaluationMethod
    shortlist_size: int = Field(default=3, ge=1, le=15)
    selection: Selection
    evaluation: EvaluationRules = Field(default_factory=EvaluationRules)
    min_valid_bids: int = Field(default=MIN_VALID_BIDS, ge=MIN_VALID_BIDS)
    officer_names: dict[str, str] = Field(
        default_factory=dict, max_length=32,
        description="开标人: the opening officers' names by address (0x…), each 1..64 characters; optional, "
                    "and only for the tender's own officers")

    @field_validator("tenderer_uscc")
    @classmethod
    def _uscc(cls, value: str) -> str:
        from ledger.uscc import validate_uscc

        return validate_uscc(value)

    @model_validator(mode="before")
    @classmethod
    def _no_issue_time(cls, data: Any) -> Any:
        if isinstance(data, dict) and "issued_at" in data:
            raise ValueError(
                "issued_at is not a tender parameter: a tender is issued when it is published, at the "
                "block time TenderBook records, and the contract checks the deadline against that"
            )
        return data

    @field_validator("officer_names")
    @classmethod
    def _officer_names(cls, value: dict[str, str]) -> dict[str, str]:
        from eth_utils import is_address, to_checksum_address

        from ledger.errors import ValidationFailed
        from ledger.values import one_line

        named: dict[str, str] = {}
        for address, name in value.items():
            if not is_address(address):
                raise ValueError(f"officer_names: {address[:50]!r} is not an address (0x and 40 hex digits)")
            try:
                text = one_line(name, f"officer_names: the name of {address}")
            except ValidationFailed as exc:
                raise ValueError(str(exc)) from None
            key = to_checksum_address(address)
            if key in named:
                raise ValueError(f"officer_names: {key} is named twice")
            named[key] = text
        return named

    @field_validator("deadline")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("times need a UTC offset (e.g. 2026-12-01T09:00:00+08:00)")
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _rules(self) -> TenderParams:
        codes = [s.code for s in self.sections]
        if len(set(codes)) != len(codes):
            raise ValueError("section codes must be unique")
        self.evaluation.check_for(self.evaluation_method)
        return self

    def section_index(self, code: str) -> int:
        for i, s in enumerate(self.sections):
            if s.code == code:
                return i
        raise KeyError(code)

    def params_hash(self) -> bytes:
        """Keccak of the canonical JSON (RFC 8785) of every parameter: the on-chain commitment.

        `evaluation` enters the hash only when it differs from its default, so the hash of a tender
        published before that parameter existed is unchanged (its stored parameters now load with
        the default, which says nothing the old tender did not). `officer_names` likewise enters it
        only when it names someone."""
        dump = self.model_dump(mode="json")
        if self.evaluation == EvaluationRules():
            del dump["evaluation"]
        if not self.officer_names:
            del dump["officer_names"]
        return keccak(canonical_json(dump))

    def tender_id(self) -> bytes:
        return tender_id(self.project_code)


def tender_id(project_code: str) -> bytes:
    """The on-chain id of a tender: Keccak of its project code (UTF-8)."""
    return keccak(project_code.encode())


def meets_grade(grade: Grade | str, minimum: Grade | str) -> bool:
    return GRADE_RANK[Grade(grade)] >= GRADE_RANK[Grade(minimum)]


def load_params(data: dict[str, Any]) -> TenderParams:
    return TenderParams.model_validate(data)
