"""E-guarantees (电子保函) and credit commitment letters (信用承诺书) as the ledger holds them.

Plain typed classes: the application filled in from the ledger, the issuer's terms, a guarantee
as GuaranteeBook stores it, the terms its `Issued` event published, the signed commitment
letter, and what each step on chain came to. Ids, hashes and signatures are in
`ledger.crypto.guarantee`; decisions in `ledger.rules.guarantee`; chain calls in
`ledger.chain.guarantee_book`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import IntEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from eth_account.messages import SignableMessage

from ledger.crypto.bid_keys import FirmLink
from ledger.crypto.canonical import canonical_json, keccak
from ledger.crypto.guarantee import guarantee_id_of, letter_typed, recover_signer, typed_digest
from ledger.documents.fields import USCC, Address, Bytes32, Text
from ledger.errors import ValidationFailed
from ledger.model.receipt import Mined

DAY = 86_400
MAX_BATCH = 100  # GuaranteeBook.MAX_BATCH: most ids one releaseMany may carry
RELEASE_PERIOD = 5 * DAY  # GuaranteeBook.RELEASE_PERIOD: guarantees back within 5 days of signing
CONTEST_PERIOD = 5 * DAY  # GuaranteeBook.CONTEST_PERIOD: how long the bidder may contest a filed claim
MAX_AMOUNT_FEN = 2**40 - 1  # GuaranteeBook stores amounts in 40 bits of 分 (about 110 亿元); InvalidAmount above
MAX_TIME = 2**32 - 1  # GuaranteeBook stores times (a guarantee's end) in 32-bit seconds, to 2106
CHECK_NAME = "guarantee"
ZERO_WORD = b"\x00" * 32
LETTER_FILE = "credit-commitment.json"
"""Name of the signed commitment letter inside a sealed bid package."""

LETTER_STATEMENT = (
    "本单位承诺：投标截止后不撤回投标；不因本单位原因导致投标文件无法解密；中标后按招标文件约定签订合同并提交履约担保。"
    "如违反上述承诺，自愿接受记入不良行为记录等信用惩戒。"
)
"""The undertaking a credit commitment letter makes: exactly the guarantee's claimable events."""


class IssuerType(IntEnum):
    BANK = 0  # 银行保函
    GUARANTEE_COMPANY = 1  # 担保公司保函
    INSURER = 2  # 保证保险保单


class State(IntEnum):
    NONE = 0
    APPLIED = 1
    ISSUED = 2
    REJECTED = 3
    CANCELLED = 4
    BOUND = 5
    VERIFIED = 6
    INVALID = 7
    RELEASED = 8
    CLAIMED = 9  # a claim was paid out
    EXPIRED = 10
    CLAIM_PENDING = 11  # a claim is filed; the bidder may contest it until its contest deadline
    CLAIM_CONTESTED = 12  # the bidder contested the claim; the governance decides it


BOUND_STATES = (State.BOUND, State.VERIFIED, State.INVALID)


class Form(IntEnum):
    PLAINTEXT = 0  # 明文
    SEALED = 1  # 密文: terms sealed to the tender's opening key until opening


class ClaimCause(IntEnum):
    WITHDRAWAL_AFTER_DEADLINE = 0
    REFUSED_TO_SIGN = 1
    NO_PERFORMANCE_BOND = 2
    DECRYPTION_FAILED_BY_BIDDER = 3  # 撤销


# ---------------------------------------------------------------------- amounts


def to_fen(yuan: Decimal) -> int:
    """An amount in 元 (at most two decimals) as an integer number of 分, as the contract holds it."""
    fen = Decimal(yuan) * 100
    if fen != fen.to_integral_value():
        raise ValidationFailed(f"{yuan} 元 is not a whole number of 分")
    return int(fen)


def to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def uscc_word(uscc: str) -> bytes:
    """A USCC as the contract carries it: 18 ASCII characters, left-aligned, zero-padded."""
    return uscc.encode("ascii").ljust(32, b"\x00")


def uscc_of_word(word: bytes) -> str:
    return bytes(word).rstrip(b"\x00").decode("ascii", errors="replace")


def iso(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


# ---------------------------------------------------------------------- documents


class Application(BaseModel):
    """保函申请: every field comes from the ledger (tender, section, firm, amount), none is typed.

    Its keccak over RFC 8785 JSON is the `applicationHash` logged by `applyFor`; the guarantee
    id is derived from the applicant and that hash (`ledger.crypto.guarantee.guarantee_id_of`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    version: Literal[1] = 1
    application_no: Text = Field(description="the applicant's own number; makes the id unique")
    chain_id: int
    guarantee_book: Address
    tender_id: Bytes32
    project_code: Text
    title: Text
    section: int = Field(ge=0, lt=2**16)
    section_code: Text
    section_name: Text
    tenderer: Text
    tenderer_uscc: USCC = Field(description="the beneficiary (受益人)")
    applicant: Address
    applicant_uscc: USCC
    issuer: Address
    amount_fen: int = Field(ge=1, le=MAX_AMOUNT_FEN, description="the section's bid guarantee, in 分")
    deadline: int
    validity_end: int = Field(description="bid deadline + bid validity: the guarantee must last this long")
    firm_link: FirmLink | None = Field(
        default=None, description="when the applicant is a per-tender bid key: the firm key's signed link "
        "to it, which tells the issuer whose guarantee this is (shown only to the parties before opening)")

    def to_bytes(self) -> bytes:
        return canonical_json(self.model_dump(mode="json", exclude_none=True))

    def hash(self) -> bytes:
        return keccak(self.to_bytes())

    def guarantee_id(self) -> bytes:
        return guarantee_id_of(self.applicant, self.hash())


class GuaranteeTerms(BaseModel):
    """What the issuer issues: for 明文 published as is, for 密文 sealed to the opening key."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    version: Literal[1] = 1
    guarantee_id: Bytes32
    guarantee_no: Text = Field(description="the issuer's own guarantee number")
    issuer: Address
    issuer_type: IssuerType
    applicant: Address
    applicant_uscc: USCC
    beneficiary: Text
    beneficiary_uscc: USCC
    project_code: Text
    section_code: Text
    amount_fen: int = Field(ge=1, le=MAX_AMOUNT_FEN)
    fee_fen: int = Field(ge=0, lt=2**64)
    rate_bps: int = Field(ge=0, le=10_000)
    red_discount: Annotated[Decimal, Field(ge=0, lt=1)] = Decimal(0)
    start: int = Field(ge=0)
    end: int = Field(le=MAX_TIME)
    doc_hash: Bytes32 = Field(description="SHA-256 of the guarantee document (PDF/OFD)")

    @model_validator(mode="after")
    def _period(self) -> GuaranteeTerms:
        if self.end <= self.start:
            raise ValueError(f"the guarantee ends ({self.end}) before it starts ({self.start})")
        return self

    def to_bytes(self) -> bytes:
        return canonical_json(self.model_dump(mode="json"))


class CommitmentLetter(BaseModel):
    """信用承诺书: the bidder's EIP-712 signed undertaking, in place of the section's guarantee.

    The domain names GuaranteeBook on this chain; the message names the tender, section, bidder,
    firm and the guarantee amount it stands in for. It travels inside the sealed bid package
    (`LETTER_FILE`), so the bid's on-chain commitment anchors it; the service also keeps the copy
    the bidder registers before the deadline, which is the evidence if the bid never opens.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    chain_id: int
    guarantee_book: Address
    tender_id: Bytes32
    section: int = Field(ge=0, lt=2**16)
    section_code: Text
    bidder: Address
    firm_uscc: USCC
    guarantee_amount_fen: int = Field(ge=0, lt=2**256)
    statement: Text = LETTER_STATEMENT
    signed_at: int = Field(ge=0, lt=2**64)
    signature: str = ""

    def typed(self) -> SignableMessage:
        return letter_typed(chain_id=self.chain_id, book_address=self.guarantee_book, message={
            "tenderId": self.tender_id, "section": self.section, "sectionCode": self.section_code,
            "bidder": self.bidder, "firmUscc": self.firm_uscc, "guaranteeAmount": self.guarantee_amount_fen,
            "statement": self.statement, "signedAt": self.signed_at})

    def digest(self) -> bytes:
        """The EIP-712 digest the bidder signs: the letter's id everywhere (its hash)."""
        return typed_digest(self.typed())

    def signer(self) -> str:
        return recover_signer(self.typed(), self.signature)


# ---------------------------------------------------------------------- the chain's records


@dataclass(frozen=True)
class Guarantee:
    """A guarantee as GuaranteeBook stores it; `amount` in 分 (0 for 密文 until opening)."""

    guarantee_id: bytes
    state: State
    tender_id: bytes
    section: int
    applicant: str
    issuer: str
    issuer_type: int
    form: Form
    amount: int
    end: int
    closed_at: int
    released_late: bool
    doc_hash: bytes
    terms_commitment: bytes


@dataclass(frozen=True)
class PublicTerms:
    """The `Issued` event's terms: what the chain published when the guarantee was issued."""

    doc_hash: bytes
    amount: int
    fee: int
    rate_bps: int
    start: int
    end: int
    form: Form
    terms_commitment: bytes
    issuer_type: int
    beneficiary_uscc: str
    block_number: int


@dataclass(frozen=True)
class Applied:
    guarantee_id: bytes
    application: Application
    mined: Mined


@dataclass(frozen=True)
class Issued:
    guarantee_id: bytes
    terms: GuaranteeTerms
    form: Form
    sealed_terms: bytes | None
    mined: Mined


@dataclass(frozen=True)
class Released:
    mined: Mined
    released: list[bytes] = field(default_factory=list)
    batches: list[Mined] = field(default_factory=list)


@dataclass(frozen=True)
class OnChainClaim:
    """The last claim filed on a guarantee as GuaranteeBook stores it (`claimOf`): all 0 if none.
    `prior_state` is where a dismissed claim returns the guarantee; `dismissed_causes` has bit c
    set for each cause the governance dismissed on it (never claimable again)."""

    cause: ClaimCause
    evidence_hash: bytes
    filed_at: int
    contest_deadline: int
    contested: bool
    prior_state: State
    dismissed_causes: int


@dataclass(frozen=True)
class Claimed:
    """A claim filed (nothing is paid before its contest period is over)."""

    guarantee_id: bytes
    cause: ClaimCause
    evidence_hash: bytes
    mined: Mined




# ---------------------------------------------------------------------- what the store holds, and use-case results


@dataclass(frozen=True)
class IssuerProfile:
    """What a guarantee issuer publishes about itself: name, USCC and its red-list fee discount."""

    issuer: str
    name: str
    uscc: str
    red_discount: str  # a fraction in [0, 1), e.g. "0.3" = 30 % off for red-listed firms
    published_at: datetime


@dataclass(frozen=True)
class IssuerInfo:
    """An issuer with its types on chain now and its published profile (if any)."""

    issuer: str
    types: list[IssuerType]
    profile: IssuerProfile | None


@dataclass(frozen=True)
class GuaranteeFile:
    """A guarantee's documents as the store projects them: the application, the terms (明文, or
    密文 once opened), the rejection and the recorded check at opening."""

    guarantee_id: bytes
    tender_id: bytes
    application: Application
    application_hash: str
    terms: GuaranteeTerms | None
    has_sealed_terms: bool
    fee_fen: int | None
    rejection: str | None
    verification: str | None  # the recorded check as JSON (its keccak is on chain)
    applied_tx: str
    issued_tx: str | None

    @property
    def sealed(self) -> bool:
        """密文 terms not opened yet."""
        return self.has_sealed_terms and self.terms is None


@dataclass(frozen=True)
class ClaimFile:
    """A claim (理赔) as recorded: the cause, the evidence's keccak (on chain) and the evidence, when
    it was filed and until when the bidder may contest it; the contest and its reasons; the
    governance's decision; and the payout. `status` is PENDING, CONTESTED, PAID or DISMISSED."""

    cause: str
    evidence_hash: str
    tx_hash: str
    claimed_at: datetime
    contest_deadline: int = 0
    status: str = "PENDING"
    evidence: bytes | None = None
    contest_reason: str | None = None
    contest_reason_hash: str | None = None
    contested_at: datetime | None = None
    upheld: bool | None = None
    resolution_hash: str | None = None
    resolved_at: datetime | None = None
    paid_at: datetime | None = None
    paid_tx: str | None = None


@dataclass(frozen=True)
class GuaranteeInfo:
    """A guarantee as the chain holds it, with what the store holds of it."""

    guarantee_id: bytes
    chain: Guarantee
    file: GuaranteeFile | None
    claim: ClaimFile | None  # the last claim filed
    claims: tuple[ClaimFile, ...] = ()  # every claim filed, oldest first


@dataclass(frozen=True)
class RegisteredLetter:
    tender_id: str
    section: int
    bidder: str
    letter_hash: str
