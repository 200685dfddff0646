"""Contract performance (履约) of an awarded section, as PerformanceBook records it: milestones,
complaints and the completion evaluation (履约评价), each a document filed under its keccak."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ledger.crypto.canonical import canonical_json, keccak
from ledger.documents.fields import Quantity, Text, WanYuan
from ledger.documents.kinds import Rating
from ledger.errors import ValidationFailed


class EntryKind(IntEnum):
    """What an entry records (the contract's `EntryKind`)."""

    MILESTONE = 0  # 进度节点
    COMPLAINT = 1  # 履约投诉
    COMPLETION = 2  # 履约评价


@dataclass(frozen=True)
class Entry:
    """One entry of a section's performance record: recorded by `by` (the centre or the winner) at
    block time `recorded_at`, the document hashing to `document_hash`; `acknowledged_at` is when
    the other party acknowledged it (0: not yet)."""

    index: int
    kind: EntryKind
    by: str
    recorded_at: int
    acknowledged_at: int
    document_hash: bytes


@dataclass(frozen=True)
class Ruling:
    """The supervisor's ruling on a performance complaint: upheld or not, when, by whom, and the
    written ruling's hash."""

    upheld: bool
    ruled_at: int
    by: str
    ruling_hash: bytes


@dataclass(frozen=True)
class Completion:
    """A section's completion on chain: the evaluation's hash, when, the winner it evaluates and
    the entry's index."""

    evaluation_hash: bytes
    completed_at: int
    winner: str
    index: int


@dataclass(frozen=True)
class FiledRuling:
    """The governance's ruling on a complaint with its text (None until the text is filed)."""

    ruling: Ruling
    text: str | None


@dataclass(frozen=True)
class FiledEntry:
    """An entry with the document filed under its hash (None when the ledger holds none) and, for
    a complaint the governance ruled on, the ruling."""

    entry: Entry
    document: bytes | None
    ruling: FiledRuling | None = None


@dataclass(frozen=True)
class PerformanceRecord:
    """A section's performance record: its parties, every entry oldest first, its completion."""

    tender_id: bytes
    section: int
    centre: str
    winner: str
    signed_at: int
    entries: tuple[FiledEntry, ...]
    completion: Completion | None
    evaluation: CompletionEvaluation | None = None


class CompletionEvaluation(BaseModel):
    """The completion evaluation (履约评价) the tenderer's side records: what the new 业绩 credential
    is made from. Its canonical JSON is the document; its keccak goes on chain."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True)

    project_no: Text = Field(validation_alias="PRJNUM", serialization_alias="PRJNUM")
    contract_no: Text
    contract_amount_wan: WanYuan
    completion_date: date = Field(validation_alias="EDATE", serialization_alias="EDATE")
    rating: Rating
    score: Quantity | None = None
    summary: Text

    @classmethod
    def parse(cls, value: Any) -> CompletionEvaluation:
        """From JSON (a dict or its canonical bytes); ValidationFailed naming the first bad field."""
        try:
            if isinstance(value, bytes | bytearray):
                return cls.model_validate_json(bytes(value))
            return cls.model_validate(value)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "evaluation"
            raise ValidationFailed(f"evaluation.{where}: {first['msg']}") from None

    def document(self) -> bytes:
        """The filed document: canonical JSON with the national platform's field names."""
        return canonical_json(self.model_dump(mode="json", by_alias=True, exclude_none=True))

    def hash(self) -> bytes:
        """The keccak PerformanceBook records for it (and the 业绩 credential names)."""
        return keccak(self.document())
