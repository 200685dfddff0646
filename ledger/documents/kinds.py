"""Credential documents: one frozen model per kind, sharing a common envelope.

Field names follow the national platform 四库一平台 (`APT_CERTNO`, `PRJNUM`, …) or W3C VC 2.0
(`validFrom`, `validUntil`) where one exists; otherwise the Python name is the JSON name.
"""

from __future__ import annotations

from datetime import date
from enum import IntEnum, StrEnum
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo

from ledger.documents.fields import USCC, Address, Bytes32, Quantity, Text, UtcDatetime, WanYuan


class Kind(IntEnum):
    """Credential kind; the number is what the registry contract stores."""

    IDENTITY = 0  # 营业执照
    QUALIFICATION = 1  # 资质
    PERSONNEL = 2  # 注册人员
    PERFORMANCE = 3  # 业绩
    AWARD = 4  # 获奖
    CREDIT = 5  # 信用
    CONTRACT_PERFORMANCE = 6  # 履约评价


class DocumentError(ValueError):
    """A credential document cannot be read: unknown kind or malformed input."""


class UnknownKind(DocumentError):
    """The document's `kind` is not one of `Kind`."""


class Grade(StrEnum):
    """资质等级. 甲级/乙级 are the grades of the 2020 qualification reform."""

    SPECIAL = "特级"
    FIRST = "一级"
    SECOND = "二级"
    THIRD = "三级"
    A = "甲级"
    B = "乙级"


class AwardLevel(StrEnum):
    NATIONAL = "国家级"
    PROVINCIAL = "省级"
    MUNICIPAL = "市级"


class CreditType(StrEnum):
    GOOD = "good"  # 良好行为
    BAD = "bad"  # 不良行为
    JOINT_PUNISHMENT = "joint-punishment"  # 失信联合惩戒
    BLACKLIST = "blacklist"  # 黑名单
    REDLIST = "redlist"  # 红名单


class Rating(StrEnum):
    """履约评价 rating."""

    EXCELLENT = "优秀"
    GOOD = "良好"
    PASS = "合格"
    FAIL = "不合格"


class Credential(BaseModel):
    """The envelope every kind shares: who issued it, about which firm, valid when."""

    # JSON names are validation/serialisation aliases rather than `alias=`, so that type
    # checkers see the Python names as constructor keywords.
    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True
    )

    # Fields whose value should travel only as a salted hash unless a disclosure names them.
    SENSITIVE_FIELDS: ClassVar[frozenset[str]] = frozenset()

    kind: Kind
    issuer: Address
    subject: USCC
    valid_from: UtcDatetime = Field(validation_alias="validFrom", serialization_alias="validFrom")
    valid_until: UtcDatetime | None = Field(
        None, validation_alias="validUntil", serialization_alias="validUntil"
    )
    issued_at: UtcDatetime

    @model_validator(mode="after")
    def _validity_is_a_forward_interval(self) -> Self:
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise ValueError(
                f"validUntil ({self.valid_until.isoformat()}) must be after "
                f"validFrom ({self.valid_from.isoformat()})"
            )
        return self

    def to_json_dict(self) -> dict[str, Any]:
        """The document as JSON values under their serialised names; unset fields left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    @classmethod
    def claim_names(cls) -> list[str]:
        """Serialised names of the kind-specific fields (everything but the envelope)."""
        envelope = Credential.model_fields.keys()
        return [
            _json_name(name, info)
            for name, info in cls.model_fields.items()
            if name not in envelope
        ]

    @classmethod
    def serialised_name(cls, name: str) -> str:
        """The JSON name of a field given either its Python or its JSON name."""
        json_names = {n: _json_name(n, info) for n, info in cls.model_fields.items()}
        if name in json_names:
            return json_names[name]
        if name in json_names.values():
            return name
        known = ", ".join(sorted(json_names.values()))
        raise DocumentError(f"{cls.__name__} has no field {name!r}; its fields are {known}")


def _json_name(name: str, info: FieldInfo) -> str:
    return info.serialization_alias or name


def _not_before(
    later: date | None, earlier: date | None, later_name: str, earlier_name: str
) -> None:
    if later is not None and earlier is not None and later < earlier:
        raise ValueError(f"{later_name} ({later}) is before {earlier_name} ({earlier})")


class IdentityCredential(Credential):
    """营业执照: binds the firm's signing address to its USCC."""

    kind: Literal[Kind.IDENTITY] = Kind.IDENTITY
    firm_name: Text
    legal_representative: Text
    registered_address: Text
    registration_type: Text  # 企业类型, e.g. 有限责任公司
    signing_address: Address


class QualificationCredential(Credential):
    """资质证书 issued by a housing & construction department."""

    kind: Literal[Kind.QUALIFICATION] = Kind.QUALIFICATION
    certificate_no: Text = Field(validation_alias="APT_CERTNO", serialization_alias="APT_CERTNO")
    qualification_name: Text = Field(validation_alias="APT_NAME", serialization_alias="APT_NAME")
    category: Text = Field(validation_alias="APT_TYPE_NAME", serialization_alias="APT_TYPE_NAME")
    qualification_code: Text = Field(validation_alias="APT_CODE", serialization_alias="APT_CODE")
    grade: Grade
    issue_date: date
    expiry_date: date = Field(validation_alias="APT_EDATE", serialization_alias="APT_EDATE")
    issuing_authority: Text = Field(
        validation_alias="APT_GRANT_UNIT", serialization_alias="APT_GRANT_UNIT"
    )
    status: Text = "有效"

    @model_validator(mode="after")
    def _expires_after_issue(self) -> Self:
        _not_before(self.expiry_date, self.issue_date, "APT_EDATE", "issue_date")
        return self


class PersonnelCredential(Credential):
    """注册人员: a registered professional and the firm they are registered to."""

    kind: Literal[Kind.PERSONNEL] = Kind.PERSONNEL
    SENSITIVE_FIELDS: ClassVar[frozenset[str]] = frozenset({"id_number"})

    person_name: Text
    id_number: Text | None = None
    registration_type: Text  # e.g. 一级注册建造师
    certificate_no: Text = Field(validation_alias="REG_CERTNO", serialization_alias="REG_CERTNO")
    seal_no: Text | None = None  # 执业印章号
    specialty: Text
    expiry_date: date
    registered_employer_uscc: USCC


class PerformanceCredential(Credential):
    """业绩: a completed project the firm may cite in later bids."""

    kind: Literal[Kind.PERFORMANCE] = Kind.PERFORMANCE
    project_no: Text = Field(validation_alias="PRJNUM", serialization_alias="PRJNUM")
    project_name: Text
    award_notice_no: Text | None = Field(
        None, validation_alias="TENDERNUM", serialization_alias="TENDERNUM"
    )
    client_name: Text
    client_uscc: USCC
    contract_no: Text
    contract_amount_wan: WanYuan
    completion_date: date = Field(validation_alias="EDATE", serialization_alias="EDATE")
    project_manager_cert_no: Text | None = Field(
        None, validation_alias="REG_CERTNO", serialization_alias="REG_CERTNO"
    )
    building_area_m2: Quantity | None = None
    investment_wan: WanYuan | None = None


class AwardCredential(Credential):
    """获奖, e.g. 鲁班奖."""

    kind: Literal[Kind.AWARD] = Kind.AWARD
    award_name: Text
    level: AwardLevel
    issuing_body: Text
    certificate_no: Text
    project_no: Text | None = Field(None, validation_alias="PRJNUM", serialization_alias="PRJNUM")
    award_date: date


class CreditCredential(Credential):
    """信用记录: good or bad conduct, joint punishment, black or red list entry."""

    kind: Literal[Kind.CREDIT] = Kind.CREDIT
    record_no: Text
    record_type: CreditType
    decision: Text
    deciding_body: Text
    decision_document_no: Text
    listed_date: date
    removal_date: date | None = None
    publication_until: date | None = None  # end of the 公示 period

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        _not_before(self.removal_date, self.listed_date, "removal_date", "listed_date")
        _not_before(self.publication_until, self.listed_date, "publication_until", "listed_date")
        return self


class ContractPerformanceCredential(Credential):
    """履约评价 after a contract awarded on this ledger completes; counts as a new 业绩."""

    kind: Literal[Kind.CONTRACT_PERFORMANCE] = Kind.CONTRACT_PERFORMANCE
    project_no: Text = Field(validation_alias="PRJNUM", serialization_alias="PRJNUM")
    project_name: Text
    section_code: Text
    award_notice_no: Text = Field(validation_alias="TENDERNUM", serialization_alias="TENDERNUM")
    award_id: Bytes32 | None = None  # the award's id on the ledger, when known
    evaluation_hash: Bytes32 | None = None  # PerformanceBook's completion evaluation, when recorded there
    client_name: Text
    client_uscc: USCC
    contract_no: Text
    contract_amount_wan: WanYuan
    rating: Rating
    score: Quantity | None = None
    completion_date: date = Field(validation_alias="EDATE", serialization_alias="EDATE")


Document = (
    IdentityCredential
    | QualificationCredential
    | PersonnelCredential
    | PerformanceCredential
    | AwardCredential
    | CreditCredential
    | ContractPerformanceCredential
)

MODEL_OF_KIND: dict[Kind, type[Credential]] = {
    Kind.IDENTITY: IdentityCredential,
    Kind.QUALIFICATION: QualificationCredential,
    Kind.PERSONNEL: PersonnelCredential,
    Kind.PERFORMANCE: PerformanceCredential,
    Kind.AWARD: AwardCredential,
    Kind.CREDIT: CreditCredential,
    Kind.CONTRACT_PERFORMANCE: ContractPerformanceCredential,
}


def parse_document(data: dict[str, Any]) -> Document:
    """Validate a JSON-shaped document into the model of its `kind`.

    Raises `UnknownKind` for a missing or unknown kind and pydantic's `ValidationError` (a
    `ValueError`, located at the offending field) for anything else.
    """
    if not isinstance(data, dict):
        raise DocumentError(f"a credential document is a JSON object, got {type(data).__name__}")
    raw = data.get("kind")
    try:
        # bool is an int subclass, and "1" is not a kind: only real integers name a kind.
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError
        kind = Kind(raw)
    except ValueError:
        known = ", ".join(f"{k.value} ({k.name})" for k in Kind)
        raise UnknownKind(f"unknown credential kind {raw!r}; expected one of {known}") from None
    model = MODEL_OF_KIND[kind]
    return model.model_validate(data)  # type: ignore[return-value]
