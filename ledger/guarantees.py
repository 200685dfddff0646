"""E-guarantees (电子保函) on the GuaranteeBook contract, and the credit commitment letter
(信用承诺书) that may stand in for one where a tender allows it.

A bidder applies for a guarantee backing its bid in one section; the application is filled in
from the ledger (tender, section, firm, required amount), never typed. The issuer it names
issues it in clear (明文) or sealed to the tender's opening key (密文: only the keccak of the
sealed terms goes on chain), or rejects it. The bidder binds it to its bid; at opening the
centre checks it (`check_guarantee`) and records the result; once the award is recorded every
losing guarantee is released, the winner's after the contract signing; a guarantee is claimed
only for a cause the chain can check, with the hash of the evidence.

Black-listed firms are refused at application and at issue; red-listed firms pay the fee less
the discount their issuer publishes (`ledger.rules.credit.guarantee_fee`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import IntEnum
from typing import Annotated, Any, Literal

from eth_abi.abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import Web3Exception
from web3.types import TxReceipt

from ledger import registry as reg
from ledger.model.tender import Tender
from ledger.crypto.canonical import canonical_json, keccak
from ledger.chain.client import ChainClient
from ledger.model.receipt import Mined
from ledger.rules.credit import CreditStanding, guarantee_fee
from ledger.documents import CreditCredential, CreditType, SealedCredential
from ledger.documents.fields import USCC, Address, Bytes32, Text
from ledger.errors import LedgerError, NotFound, Unauthorised, ValidationFailed
from ledger.crypto.sealing import BidFile, BidPackage, DecryptionFailed, OpeningKey, open_sealed, seal
from ledger.rules.verify import Check, CheckStatus

DAY = 86_400
MAX_BATCH = 100  # GuaranteeBook.MAX_BATCH: most ids one releaseMany may carry
RELEASE_PERIOD = 5 * DAY  # GuaranteeBook.RELEASE_PERIOD: guarantees back within 5 days of signing
CHECK_NAME = "guarantee"
ZERO_WORD = b"\x00" * 32
TERMS_CONTEXT_TAG = keccak(b"TenderLedger.GuaranteeTerms.v1")
"""Prefix of `terms_aad`, so sealed terms are never mistaken for a sealed bid under the same key."""
LETTER_FILE = "credit-commitment.json"
"""Name of the signed commitment letter inside a sealed bid package."""


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
    CLAIMED = 9
    EXPIRED = 10


BOUND_STATES = (State.BOUND, State.VERIFIED, State.INVALID)


class Form(IntEnum):
    PLAINTEXT = 0  # 明文
    SEALED = 1  # 密文: terms sealed to the tender's opening key until opening


class ClaimCause(IntEnum):
    WITHDRAWAL_AFTER_DEADLINE = 0
    REFUSED_TO_SIGN = 1
    NO_PERFORMANCE_BOND = 2
    DECRYPTION_FAILED_BY_BIDDER = 3  # 撤销


def _mined(receipt: TxReceipt) -> Mined:
    return Mined(bytes(receipt["transactionHash"]), int(receipt["blockNumber"]), int(receipt["gasUsed"]))


def _send(client: ChainClient, account: LocalAccount, fn: ContractFunction, gas: int | None) -> Mined:
    """Send `fn` signed by `account`. With `gas`, no estimate is run first: for callers that have
    checked the step already; a transaction that reverts is still mined (and reported as its error)."""
    if gas is None:
        return _mined(client.send(account, fn))
    return _mined(client.send(account, {"to": fn.address, "data": fn._encode_transaction_data(), "gas": gas}))


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


def _iso(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


# ---------------------------------------------------------------------- the application


class Application(BaseModel):
    """保函申请: every field comes from the ledger (tender, section, firm, amount), none is typed.

    Its keccak over RFC 8785 JSON is the `applicationHash` logged by `applyFor`; the guarantee
    id is derived from the applicant and that hash (`guarantee_id_of`).
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
    amount_fen: int = Field(ge=1, lt=2**64, description="the section's bid guarantee, in 分")
    deadline: int
    validity_end: int = Field(description="bid deadline + bid validity: the guarantee must last this long")

    def hash(self) -> bytes:
        return keccak(canonical_json(self.model_dump(mode="json")))

    def guarantee_id(self) -> bytes:
        return guarantee_id_of(self.applicant, self.hash())


def guarantee_id_of(applicant: str, application_hash: bytes) -> bytes:
    """keccak256(abi.encode(address applicant, bytes32 applicationHash)): the guarantee's id."""
    return keccak(abi_encode(["address", "bytes32"], [to_checksum_address(applicant), application_hash]))


def _section(tender: Tender, section: int) -> Any:
    sections = tender.params.sections
    if not 0 <= section < len(sections):
        raise NotFound("UnknownSection", {"tenderId": tender.tender_id, "section": section},
                       f"tender {tender.params.project_code} has sections 0..{len(sections) - 1}")
    return sections[section]


def validity_end(tender: Tender) -> int:
    """When the bids' validity ends: the deadline plus the tender's bid validity period."""
    return tender.deadline + tender.params.bid_validity_days * DAY


def prefill_application(
    *, chain_id: int, book_address: str, tender: Tender, section: int, applicant: str,
    applicant_uscc: str, issuer: str, application_no: str,
) -> Application:
    """The application for `applicant`'s guarantee in `section`, filled in from the tender."""
    sec = _section(tender, section)
    if sec.bid_guarantee <= 0:
        raise ValidationFailed(f"section {sec.code} requires no bid guarantee")
    p = tender.params
    try:
        return Application(
            application_no=application_no, chain_id=chain_id, guarantee_book=to_checksum_address(book_address),
            tender_id=tender.tender_id, project_code=p.project_code, title=p.title, section=section,
            section_code=sec.code, section_name=sec.name, tenderer=p.tenderer, tenderer_uscc=p.tenderer_uscc,
            applicant=to_checksum_address(applicant), applicant_uscc=applicant_uscc,
            issuer=to_checksum_address(issuer), amount_fen=to_fen(sec.bid_guarantee), deadline=tender.deadline,
            validity_end=validity_end(tender),
        )
    except ValidationError as exc:
        raise ValidationFailed(_first_error(exc)) from None


def refuse_blacklisted(credit: CreditStanding, *, step: str) -> None:
    """Raise Unauthorised("Blacklisted") naming the records when the firm is black-listed."""
    if credit.is_blacklisted:
        records = ", ".join(credit.blacklisted)
        raise Unauthorised(
            "Blacklisted", {"uscc": credit.uscc, "records": list(credit.blacklisted)},
            f"firm {credit.uscc} is black-listed ({records}) at {_iso(credit.at)}: "
            f"a black-listed firm cannot obtain a guarantee ({step} refused)",
        )


def apply_call(book: Contract, application: Application) -> ContractFunction:
    """The applicant's `applyFor` for `application`."""
    return book.functions.applyFor(
        application.guarantee_id(), application.tender_id, application.section, application.issuer,
        application.amount_fen, application.hash(),
    )


@dataclass(frozen=True)
class Applied:
    guarantee_id: bytes
    application: Application
    mined: Mined


def apply_for(
    *, client: ChainClient, book: Contract, applicant: LocalAccount, application: Application,
    credit: CreditStanding, gas: int | None = None,
) -> Applied:
    """Apply, as the bidder, for the guarantee described by `application` (its own transaction).

    `credit` is the firm's standing now; a black-listed firm is refused before anything is sent.
    `gas` skips the estimate (see `_send`).
    """
    if to_checksum_address(applicant.address) != application.applicant:
        raise Unauthorised("NotApplicant", {"caller": applicant.address},
                           f"the application is {application.applicant}'s, not {applicant.address}'s")
    if credit.uscc != application.applicant_uscc:
        raise ValidationFailed(f"the credit standing is {credit.uscc}'s, the applicant is {application.applicant_uscc}")
    refuse_blacklisted(credit, step="application")
    mined = _send(client, applicant, apply_call(book, application), gas)
    return Applied(application.guarantee_id(), application, mined)


def cancel(*, client: ChainClient, book: Contract, applicant: LocalAccount, guarantee_id: bytes) -> Mined:
    return _mined(client.send(applicant, book.functions.cancel(guarantee_id)))


# ---------------------------------------------------------------------- issuing


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
    amount_fen: int = Field(ge=1, lt=2**64)
    fee_fen: int = Field(ge=0, lt=2**64)
    rate_bps: int = Field(ge=0, le=10_000)
    red_discount: Annotated[Decimal, Field(ge=0, lt=1)] = Decimal(0)
    start: int = Field(ge=0)
    end: int = Field(lt=2**40)
    doc_hash: Bytes32 = Field(description="SHA-256 of the guarantee document (PDF/OFD)")

    @model_validator(mode="after")
    def _period(self) -> GuaranteeTerms:
        if self.end <= self.start:
            raise ValueError(f"the guarantee ends ({self.end}) before it starts ({self.start})")
        return self

    def to_bytes(self) -> bytes:
        return canonical_json(self.model_dump(mode="json"))


def quote_fee(amount_fen: int, rate_bps: int, *, credit: CreditStanding, red_discount: Decimal) -> int:
    """The fee in 分 for `amount_fen` at `rate_bps`, less the issuer's red-list discount."""
    fee = guarantee_fee(to_yuan(amount_fen), rate_bps, redlisted=credit.is_redlisted, red_discount=red_discount)
    return to_fen(fee)


def prefill_terms(
    application: Application, *, guarantee_no: str, issuer_type: IssuerType, rate_bps: int,
    credit: CreditStanding, red_discount: Decimal, doc_hash: bytes, start: int, end: int | None = None,
) -> GuaranteeTerms:
    """The issuer's terms for `application`: its amount, beneficiary and codes, the fee at
    `rate_bps` with the red-list discount, in force from `start` to the bid validity end."""
    try:
        return GuaranteeTerms(
            guarantee_id=application.guarantee_id(), guarantee_no=guarantee_no, issuer=application.issuer,
            issuer_type=issuer_type, applicant=application.applicant, applicant_uscc=application.applicant_uscc,
            beneficiary=application.tenderer, beneficiary_uscc=application.tenderer_uscc,
            project_code=application.project_code, section_code=application.section_code,
            amount_fen=application.amount_fen,
            fee_fen=quote_fee(application.amount_fen, rate_bps, credit=credit, red_discount=red_discount),
            rate_bps=rate_bps, red_discount=red_discount if credit.is_redlisted else Decimal(0),
            start=start, end=end if end is not None else application.validity_end, doc_hash=doc_hash,
        )
    except ValidationError as exc:
        raise ValidationFailed(_first_error(exc)) from None


def check_terms(
    application: Application, terms: GuaranteeTerms, *, credit: CreditStanding, red_discount: Decimal
) -> None:
    """Raise ValidationFailed unless `terms` answer `application`, with the fee the issuer's
    published discount gives (a red-listed firm pays less), and last the bid validity."""
    expected = {
        "guarantee_id": application.guarantee_id(), "issuer": application.issuer,
        "applicant": application.applicant, "applicant_uscc": application.applicant_uscc,
        "beneficiary_uscc": application.tenderer_uscc, "project_code": application.project_code,
        "section_code": application.section_code,
    }
    for name, value in expected.items():
        if getattr(terms, name) != value:
            shown = "0x" + value.hex() if isinstance(value, bytes) else value
            raise ValidationFailed(f"terms.{name} must be {shown} (from the application)")
    if terms.amount_fen < application.amount_fen:
        raise ValidationFailed(f"the amount {to_yuan(terms.amount_fen)} 元 is below the "
                               f"{to_yuan(application.amount_fen)} 元 applied for")
    if terms.end < application.validity_end:
        raise ValidationFailed(f"the guarantee ends {_iso(terms.end)}, before the bid validity ends "
                               f"{_iso(application.validity_end)}")
    fee = quote_fee(terms.amount_fen, terms.rate_bps, credit=credit, red_discount=red_discount)
    if terms.fee_fen != fee:
        why = f" (red-listed: {', '.join(credit.redlisted)}; discount {red_discount})" if credit.is_redlisted else ""
        raise ValidationFailed(f"the fee must be {to_yuan(fee)} 元 at {terms.rate_bps} bp{why}, "
                               f"not {to_yuan(terms.fee_fen)} 元")


def terms_aad(*, chain_id: int, book_address: str, guarantee_id: bytes) -> bytes:
    """The context sealed terms are bound to:

    keccak("TenderLedger.GuaranteeTerms.v1") ‖ abi.encode(uint256 chainId, address book, bytes32 guaranteeId)
    """
    return TERMS_CONTEXT_TAG + abi_encode(
        ["uint256", "address", "bytes32"], [chain_id, to_checksum_address(book_address), guarantee_id]
    )


def seal_terms(terms: GuaranteeTerms, *, chain_id: int, book_address: str, opening_public: bytes) -> bytes:
    """密文: the terms sealed to the tender's opening key, bound to this guarantee."""
    aad = terms_aad(chain_id=chain_id, book_address=book_address, guarantee_id=terms.guarantee_id)
    return seal(terms.to_bytes(), opening_public, aad=aad)


def terms_commitment(envelope: bytes) -> bytes:
    """keccak256 of the sealed terms: what `IssueTerms.termsCommitment` holds."""
    return keccak(envelope)


def open_terms(
    envelope: bytes, key: OpeningKey, *, chain_id: int, book_address: str, guarantee_id: bytes
) -> GuaranteeTerms:
    """Open sealed terms; DecryptionFailed if they do not open, ValidationFailed if not terms."""
    plain = open_sealed(envelope, key, aad=terms_aad(chain_id=chain_id, book_address=book_address,
                                                     guarantee_id=guarantee_id))
    try:
        return GuaranteeTerms.model_validate_json(plain)
    except ValidationError as exc:
        raise ValidationFailed(f"the sealed terms are not guarantee terms: {_first_error(exc)}") from None


def onchain_terms(terms: GuaranteeTerms, form: Form, commitment: bytes = ZERO_WORD) -> tuple[Any, ...]:
    """The `IssueTerms` tuple: in clear for 明文; for 密文 amount, fee and rate stay 0 on chain."""
    if form is Form.PLAINTEXT:
        return (terms.doc_hash, terms.amount_fen, terms.fee_fen, terms.rate_bps, terms.start, terms.end,
                int(form), ZERO_WORD, int(terms.issuer_type), uscc_word(terms.beneficiary_uscc))
    if commitment == ZERO_WORD:
        raise ValidationFailed("a 密文 guarantee needs the commitment to its sealed terms")
    return (terms.doc_hash, 0, 0, 0, terms.start, terms.end, int(form), commitment,
            int(terms.issuer_type), uscc_word(terms.beneficiary_uscc))


@dataclass(frozen=True)
class Issued:
    guarantee_id: bytes
    terms: GuaranteeTerms
    form: Form
    sealed_terms: bytes | None
    mined: Mined


def issue(
    *, client: ChainClient, book: Contract, issuer: LocalAccount, application: Application,
    terms: GuaranteeTerms, form: Form, credit: CreditStanding, red_discount: Decimal,
    opening_public: bytes | None = None, gas: int | None = None,
) -> Issued:
    """Issue the guarantee applied for (the issuer's own transaction). The applicant must not be
    black-listed now; 密文 terms are sealed to `opening_public` and only their keccak is sent."""
    if credit.uscc != application.applicant_uscc:
        raise ValidationFailed(f"the credit standing is {credit.uscc}'s, the applicant is {application.applicant_uscc}")
    refuse_blacklisted(credit, step="issue")
    check_terms(application, terms, credit=credit, red_discount=red_discount)
    envelope = None
    commitment = ZERO_WORD
    if form is Form.SEALED:
        if opening_public is None:
            raise ValidationFailed("a 密文 guarantee is sealed to the tender's opening public key: pass it")
        envelope = seal_terms(terms, chain_id=client.chain_id, book_address=book.address,
                              opening_public=opening_public)
        commitment = terms_commitment(envelope)
    fn = book.functions.issue(terms.guarantee_id, onchain_terms(terms, form, commitment))
    return Issued(terms.guarantee_id, terms, form, envelope, _send(client, issuer, fn, gas))


def reject(*, client: ChainClient, book: Contract, issuer: LocalAccount, guarantee_id: bytes, reason: str) -> Mined:
    """Refuse the application; the reason's keccak goes on chain."""
    if not reason.strip():
        raise ValidationFailed("a rejection needs a reason")
    return _mined(client.send(issuer, book.functions.reject(guarantee_id, keccak(reason.encode()))))


def authorise_issuer(*, client: ChainClient, book: Contract, admin: LocalAccount, issuer: str,
                     issuer_type: IssuerType) -> Mined:
    """Let `issuer` issue guarantees of `issuer_type` (the admin's transaction)."""
    return _mined(client.send(admin, book.functions.authoriseIssuer(to_checksum_address(issuer), int(issuer_type))))


def withdraw_issuer(*, client: ChainClient, book: Contract, admin: LocalAccount, issuer: str,
                    issuer_type: IssuerType) -> Mined:
    return _mined(client.send(admin, book.functions.withdrawIssuer(to_checksum_address(issuer), int(issuer_type))))


# ---------------------------------------------------------------------- reading


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


def guarantee_of(client: ChainClient, book: Contract, guarantee_id: bytes) -> Guarantee:
    """The guarantee `guarantee_id` (state NONE if nobody applied for it)."""
    row = client.call(book.functions.guaranteeOf(guarantee_id))
    state, tender_id, section, applicant, issuer, issuer_type, form, amount, end, closed, late, doc, commit = row
    return Guarantee(guarantee_id, State(state), bytes(tender_id), int(section), applicant, issuer, int(issuer_type),
                     Form(form), int(amount), int(end), int(closed), bool(late), bytes(doc), bytes(commit))


def known_guarantee(client: ChainClient, book: Contract, guarantee_id: bytes) -> Guarantee:
    g = guarantee_of(client, book, guarantee_id)
    if g.state is State.NONE:
        raise NotFound("UnknownGuarantee", {"guaranteeId": guarantee_id}, f"no guarantee 0x{guarantee_id.hex()}")
    return g


def guarantee_of_bid(client: ChainClient, book: Contract, *, tender_id: bytes, section: int, bidder: str) -> bytes | None:
    """The id of the guarantee bound (now or last) to the bid, or None."""
    gid = bytes(client.call(book.functions.guaranteeOfBid(tender_id, section, to_checksum_address(bidder))))
    return None if gid == ZERO_WORD else gid


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


def issued_terms(client: ChainClient, book: Contract, guarantee_id: bytes, *, from_block: int = 0) -> PublicTerms | None:
    """The terms logged when the guarantee was issued, or None if it never was."""
    try:
        logs = book.events.Issued.get_logs(from_block=from_block, to_block="latest",
                                           argument_filters={"guaranteeId": guarantee_id})
    except (Web3Exception, OSError, ValueError) as exc:
        raise client.translate_error(exc) from None
    if not logs:
        return None
    t = logs[-1]["args"]["terms"]

    def get(key: str, index: int) -> Any:  # the terms decode as a dict or as a tuple
        return t[key] if isinstance(t, dict) else t[index]

    return PublicTerms(
        doc_hash=bytes(get("docHash", 0)), amount=int(get("amount", 1)), fee=int(get("fee", 2)),
        rate_bps=int(get("rateBps", 3)), start=int(get("start", 4)), end=int(get("end", 5)),
        form=Form(get("form", 6)), terms_commitment=bytes(get("termsCommitment", 7)),
        issuer_type=int(get("issuerType", 8)), beneficiary_uscc=uscc_of_word(get("beneficiaryUscc", 9)),
        block_number=int(logs[-1]["blockNumber"]),
    )


# ---------------------------------------------------------------------- binding


def bind(
    *, client: ChainClient, book: Contract, bidder: LocalAccount, guarantee_id: bytes,
    tender_id: bytes | None = None, section: int | None = None,
) -> Mined:
    """Bind the bidder's issued guarantee to its bid (its own transaction, before the deadline).

    With `tender_id` and `section`, a guarantee for another tender or section is refused here
    with both named (the contract would bind it to the bid it was applied for)."""
    g = known_guarantee(client, book, guarantee_id)
    check_backs(g, tender_id=tender_id, section=section, bidder=bidder.address)
    return _mined(client.send(bidder, book.functions.bind(guarantee_id)))


def check_backs(g: Guarantee, *, tender_id: bytes | None, section: int | None, bidder: str) -> None:
    """Raise unless guarantee `g` was applied for by `bidder` for this tender and section."""
    gid = "0x" + g.guarantee_id.hex()
    if g.applicant != to_checksum_address(bidder):
        raise Unauthorised("NotApplicant", {"guaranteeId": g.guarantee_id, "caller": bidder},
                           f"guarantee {gid} was applied for by {g.applicant}: a bid can only be "
                           "backed by its bidder's own guarantee")
    if tender_id is not None and g.tender_id != tender_id:
        raise ValidationFailed(f"guarantee {gid} backs tender 0x{g.tender_id.hex()}, not 0x{tender_id.hex()}")
    if section is not None and g.section != section:
        raise ValidationFailed(f"guarantee {gid} backs section {g.section}, not section {section}")


def unbind(*, client: ChainClient, book: Contract, bidder: LocalAccount, guarantee_id: bytes) -> Mined:
    return _mined(client.send(bidder, book.functions.unbind(guarantee_id)))


# ---------------------------------------------------------------------- credit commitment letters

LETTER_STATEMENT = (
    "本单位承诺：投标截止后不撤回投标；不因本单位原因导致投标文件无法解密；中标后按招标文件约定签订合同并提交履约担保。"
    "如违反上述承诺，自愿接受记入不良行为记录等信用惩戒。"
)
"""The undertaking a credit commitment letter makes: exactly the guarantee's claimable events."""

LETTER_TYPES = {
    "CreditCommitment": [
        {"name": "tenderId", "type": "bytes32"},
        {"name": "section", "type": "uint16"},
        {"name": "sectionCode", "type": "string"},
        {"name": "bidder", "type": "address"},
        {"name": "firmUscc", "type": "string"},
        {"name": "guaranteeAmount", "type": "uint256"},
        {"name": "statement", "type": "string"},
        {"name": "signedAt", "type": "uint64"},
    ]
}


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

    def _typed(self) -> Any:
        return encode_typed_data(
            domain_data={"name": "TenderLedger.CreditCommitment", "version": "1", "chainId": self.chain_id,
                         "verifyingContract": self.guarantee_book},
            message_types=LETTER_TYPES,
            message_data={"tenderId": self.tender_id, "section": self.section, "sectionCode": self.section_code,
                          "bidder": self.bidder, "firmUscc": self.firm_uscc,
                          "guaranteeAmount": self.guarantee_amount_fen, "statement": self.statement,
                          "signedAt": self.signed_at},
        )

    def digest(self) -> bytes:
        """The EIP-712 digest the bidder signs: the letter's id everywhere (its hash)."""
        m = self._typed()
        return keccak(b"\x19" + m.version + m.header + m.body)

    def signer(self) -> str:
        try:
            return str(Account.recover_message(self._typed(), signature=bytes.fromhex(self.signature.removeprefix("0x"))))
        except (ValueError, TypeError) as exc:
            raise ValidationFailed(f"the commitment letter's signature does not verify: {exc}") from None


def draft_commitment_letter(
    *, chain_id: int, book_address: str, tender: Tender, section: int, bidder: str,
    firm_uscc: str, signed_at: int,
) -> CommitmentLetter:
    """The letter for `bidder`'s bid in `section`, filled in from the tender (unsigned)."""
    sec = _section(tender, section)
    if not sec.credit_commitment_allowed:
        raise ValidationFailed(f"section {sec.code} does not allow a credit commitment letter in place of a guarantee")
    return CommitmentLetter(
        chain_id=chain_id, guarantee_book=to_checksum_address(book_address), tender_id=tender.tender_id,
        section=section, section_code=sec.code, bidder=to_checksum_address(bidder), firm_uscc=firm_uscc,
        guarantee_amount_fen=to_fen(sec.bid_guarantee), signed_at=signed_at,
    )


def sign_commitment_letter(letter: CommitmentLetter, bidder: LocalAccount) -> CommitmentLetter:
    signature = bytes(bidder.sign_message(letter._typed()).signature)
    return letter.model_copy(update={"signature": "0x" + signature.hex()})


def check_commitment_letter(
    letter: CommitmentLetter, *, chain_id: int, book_address: str, tender: Tender, section: int,
    bidder: str, firm_uscc: str | None = None,
) -> None:
    """Raise ValidationFailed unless the letter is signed by `bidder` for this very bid, in a
    section that allows one, for the section's guarantee amount, before the deadline."""
    sec = _section(tender, section)
    if not sec.credit_commitment_allowed:
        raise ValidationFailed(f"section {sec.code} does not allow a credit commitment letter in place of a guarantee")
    expected = {"chain_id": chain_id, "guarantee_book": to_checksum_address(book_address),
                "tender_id": tender.tender_id, "section": section, "section_code": sec.code,
                "bidder": to_checksum_address(bidder), "guarantee_amount_fen": to_fen(sec.bid_guarantee),
                "statement": LETTER_STATEMENT}
    if firm_uscc is not None:
        expected["firm_uscc"] = firm_uscc
    for name, value in expected.items():
        if getattr(letter, name) != value:
            shown = "0x" + value.hex() if isinstance(value, bytes) else value
            raise ValidationFailed(f"the commitment letter's {name} must be {shown}")
    if letter.signed_at >= tender.deadline:
        raise ValidationFailed(f"the commitment letter is dated {_iso(letter.signed_at)}, after the deadline")
    if letter.signer() != to_checksum_address(bidder):
        raise ValidationFailed(f"the commitment letter is signed by {letter.signer()}, not by the bidder {bidder}")


def letter_file(letter: CommitmentLetter) -> BidFile:
    """The signed letter as a bid file, to put in the package under `LETTER_FILE` before sealing."""
    return BidFile.of(canonical_json(letter.model_dump(mode="json")))


def letter_from_package(package: BidPackage | None) -> CommitmentLetter | None:
    """The signed letter an opened bid package carries, or None (ValidationFailed if unreadable)."""
    if package is None or LETTER_FILE not in package.files:
        return None
    try:
        return CommitmentLetter.model_validate_json(package.files[LETTER_FILE].content)
    except ValidationError as exc:
        raise ValidationFailed(f"{LETTER_FILE} in the bid is not a commitment letter: {_first_error(exc)}") from None


@dataclass(frozen=True)
class Breach:
    """A broken commitment letter as a bad-conduct credit record (and its anchoring, if done)."""

    sealed: SealedCredential
    evidence_hash: bytes
    batch: reg.Batch | None


def record_commitment_breach(
    *, letter: CommitmentLetter, breach: str, evidence: bytes, record_no: str, deciding_body: str,
    decision_document_no: str, listed_date: date, issued_at: datetime, valid_until: datetime | None = None,
    issuer_address: str | None = None, credit_authority: LocalAccount | None = None,
    client: ChainClient | None = None, registry: Contract | None = None,
) -> Breach:
    """A CREDIT credential of type "bad" (不良行为) about the letter's firm for breaking it.

    The decision names the letter (its EIP-712 digest), the breach and the keccak of the
    evidence. Given the credit authority's key (and the client and registry) it is anchored
    through `ledger.registry`; otherwise it is returned for `issuer_address` to anchor.
    """
    if not breach.strip():
        raise ValidationFailed("say how the commitment was broken")
    if not evidence:
        raise ValidationFailed("a breach needs its evidence")
    if letter.signer() != letter.bidder:  # a letter that does not verify proves no commitment
        raise ValidationFailed(f"the commitment letter is signed by {letter.signer()}, not by {letter.bidder}")
    issuer = credit_authority.address if credit_authority is not None else issuer_address
    if issuer is None:
        raise ValidationFailed("name the credit authority that issues the record (issuer_address or its key)")
    evidence_hash = keccak(evidence)
    decision = (f"违反信用承诺书（0x{letter.digest().hex()}，项目{letter.section_code}）：{breach.strip()}；"
                f"证据 keccak 0x{evidence_hash.hex()}")
    try:
        doc = CreditCredential(
            issuer=issuer, subject=letter.firm_uscc, valid_from=issued_at, valid_until=valid_until,
            issued_at=issued_at, record_no=record_no, record_type=CreditType.BAD, decision=decision,
            deciding_body=deciding_body, decision_document_no=decision_document_no, listed_date=listed_date,
        )
    except ValidationError as exc:
        raise ValidationFailed(_first_error(exc)) from None
    sealed = SealedCredential.seal(doc)
    batch = None
    if credit_authority is not None:
        if client is None or registry is None:
            raise ValidationFailed("anchoring the record needs the client and the registry")
        batch = reg.anchor_one(client=client, registry=registry, issuer=credit_authority, sealed=sealed)
    return Breach(sealed, evidence_hash, batch)


# ---------------------------------------------------------------------- opening


def check_guarantee(
    client: ChainClient,
    guarantee_book: Contract,
    *,
    tender: Tender,
    section: int,
    bidder: str,
    opening_key: OpeningKey | None,
    sealed_terms: bytes | None = None,
    commitment_letter: CommitmentLetter | None = None,
) -> Check:
    """The bid's guarantee check at opening, as one Check named "guarantee".

    VALID when the guarantee bound to the bid was issued by an issuer authorised for its type,
    to this bidder for this tender and section, names the tenderer as beneficiary, is in force
    at the deadline, covers the required amount and lasts until the bid validity ends, and is
    still bound (not released, claimed or expired). A 密文 guarantee's amount is read from its
    `sealed_terms`, opened with `opening_key` and checked against the on-chain commitment.
    NOT_CHECKED when the section requires no guarantee. Where the section allows it and no
    guarantee is bound, a valid `commitment_letter` (from the opened bid) makes it VALID.
    ERROR when a 密文 guarantee cannot be opened for want of the key or the sealed terms.
    """
    _section(tender, section)  # an unknown section is the caller's mistake, not the bid's
    try:
        return _check_guarantee(client, guarantee_book, tender, section, to_checksum_address(bidder),
                                opening_key, sealed_terms, commitment_letter)
    except (LedgerError, Web3Exception, OSError, ValueError) as exc:
        return Check(CHECK_NAME, CheckStatus.ERROR, f"the chain could not be read: {exc}")


def _check_guarantee(
    client: ChainClient, book: Contract, tender: Tender, section: int, bidder: str,
    key: OpeningKey | None, sealed_terms: bytes | None, letter: CommitmentLetter | None,
) -> Check:
    sec = _section(tender, section)
    required = to_fen(sec.bid_guarantee)
    if required == 0:
        return Check(CHECK_NAME, CheckStatus.NOT_CHECKED, "no guarantee required (the section's bid guarantee is 0)")

    def invalid(reason: str, **details: Any) -> Check:
        return Check(CHECK_NAME, CheckStatus.INVALID, reason, details)

    gid = guarantee_of_bid(client, book, tender_id=tender.tender_id, section=section, bidder=bidder)
    if gid is None:
        if letter is None:
            allowed = " and no credit commitment letter" if sec.credit_commitment_allowed else ""
            return invalid(f"no guarantee is bound to the bid{allowed}")
        try:
            check_commitment_letter(letter, chain_id=client.chain_id, book_address=book.address, tender=tender,
                                    section=section, bidder=bidder)
        except ValidationFailed as exc:
            return invalid(f"no guarantee is bound to the bid, and the credit commitment letter is not valid: {exc}")
        return Check(CHECK_NAME, CheckStatus.VALID,
                     f"credit commitment letter (信用承诺书) 0x{letter.digest().hex()} in place of a guarantee, "
                     f"as section {sec.code} allows", {"commitment_letter": "0x" + letter.digest().hex()})

    g = guarantee_of(client, book, gid)
    details: dict[str, Any] = {"guarantee_id": "0x" + gid.hex(), "form": g.form.name, "issuer": g.issuer}
    if g.state not in (State.BOUND, State.VERIFIED):
        return invalid(f"guarantee 0x{gid.hex()} is {g.state.name}, not bound to a live bid", **details)
    if g.applicant != bidder:
        return invalid(f"guarantee 0x{gid.hex()} was applied for by {g.applicant}, not the bidder", **details)
    if g.tender_id != tender.tender_id or g.section != section:
        return invalid(f"guarantee 0x{gid.hex()} backs section {g.section} of tender 0x{g.tender_id.hex()}", **details)
    if not client.call(book.functions.isAuthorised(g.issuer, g.issuer_type)):
        kind = IssuerType(g.issuer_type).name if g.issuer_type in IssuerType._value2member_map_ else g.issuer_type
        return invalid(f"issued by {g.issuer}, which is not (or no longer) an authorised {kind} issuer", **details)
    public = issued_terms(client, book, gid)
    if public is None:
        return invalid(f"guarantee 0x{gid.hex()} has no Issued record", **details)
    if public.beneficiary_uscc != tender.params.tenderer_uscc:
        return invalid(f"the beneficiary is {public.beneficiary_uscc}, not the tenderer "
                       f"{tender.params.tenderer_uscc}", **details)
    amount = g.amount
    if g.form is Form.SEALED:
        if key is None:
            return Check(CHECK_NAME, CheckStatus.ERROR,
                         "a 密文 guarantee opens only with the tender's opening key, which was not given", details)
        if sealed_terms is None:
            return Check(CHECK_NAME, CheckStatus.ERROR,
                         f"the sealed terms of 密文 guarantee 0x{gid.hex()} are not at hand", details)
        if terms_commitment(sealed_terms) != g.terms_commitment:
            return invalid("the sealed terms at hand do not match the guarantee's on-chain commitment", **details)
        try:
            terms = open_terms(sealed_terms, key, chain_id=client.chain_id, book_address=book.address,
                               guarantee_id=gid)
        except DecryptionFailed as exc:
            return invalid(f"the sealed terms do not open with the tender's key: {exc}", **details)
        except ValidationFailed as exc:
            return invalid(str(exc), **details)
        mismatch = [name for name, ok in (
            ("guarantee_id", terms.guarantee_id == gid), ("doc_hash", terms.doc_hash == g.doc_hash),
            ("end", terms.end == g.end), ("start", terms.start == public.start),
            ("beneficiary_uscc", terms.beneficiary_uscc == public.beneficiary_uscc),
            ("applicant", terms.applicant == g.applicant), ("issuer", terms.issuer == g.issuer),
            ("issuer_type", int(terms.issuer_type) == g.issuer_type),
        ) if not ok]
        if mismatch:
            return invalid(f"the sealed terms contradict the chain in {', '.join(mismatch)}", **details)
        amount = terms.amount_fen
        details.update(revealed_amount_fen=amount, fee_fen=terms.fee_fen, guarantee_no=terms.guarantee_no)
    details.update(amount_fen=amount, start=public.start, end=g.end, validity_end=validity_end(tender))
    if public.start > tender.deadline:
        return invalid(f"the guarantee starts {_iso(public.start)}, after the deadline {_iso(tender.deadline)}",
                       **details)
    if amount < required:
        return invalid(f"the amount {to_yuan(amount)} 元 is below the required {to_yuan(required)} 元", **details)
    end_needed = validity_end(tender)
    if g.end < end_needed:
        return invalid(f"the guarantee ends {_iso(g.end)}, before the bid validity ends {_iso(end_needed)}",
                       **details)
    return Check(CHECK_NAME, CheckStatus.VALID,
                 f"guarantee 0x{gid.hex()} by {g.issuer} for {to_yuan(amount)} 元 to {public.beneficiary_uscc}, "
                 f"in force {_iso(public.start)} to {_iso(g.end)}, covers the bid validity", details)


def verification_report(check: Check) -> bytes:
    """The bytes whose keccak `recordVerification` logs: the check as RFC 8785 JSON."""
    return canonical_json({"name": check.name, "status": check.status.value, "reason": check.reason,
                           "details": json.loads(json.dumps(check.details, default=str))})


def record_verification(client: ChainClient, guarantee_book: Contract, *, centre: LocalAccount, check: Check) -> Mined:
    """Record a finished guarantee check on chain (VERIFIED or INVALID), by the publishing centre,
    with the revealed amount of a 密文 guarantee and the keccak of the check's report."""
    gid_hex = check.details.get("guarantee_id")
    if check.name != CHECK_NAME or gid_hex is None:
        raise ValidationFailed("only a guarantee check naming a bound guarantee can be recorded")
    if check.status not in (CheckStatus.VALID, CheckStatus.INVALID):
        raise ValidationFailed(f"a {check.status.value} check is not a result: it is not recorded ({check.reason})")
    revealed = int(check.details.get("revealed_amount_fen", 0))
    fn = guarantee_book.functions.recordVerification(
        bytes.fromhex(gid_hex[2:]), check.status is CheckStatus.VALID, keccak(verification_report(check)), revealed,
    )
    return _mined(client.send(centre, fn))


# ---------------------------------------------------------------------- award, release, claims


def section_guarantees(
    client: ChainClient, book: Contract, *, tender_id: bytes, section: int, from_block: int = 0
) -> list[Guarantee]:
    """Every guarantee ever bound to a bid in the section, as it stands now."""
    try:
        logs = book.events.Bound.get_logs(from_block=from_block, to_block="latest",
                                          argument_filters={"tenderId": tender_id})
    except (Web3Exception, OSError, ValueError) as exc:
        raise client.translate_error(exc) from None
    ids = dict.fromkeys(bytes(e["args"]["guaranteeId"]) for e in logs if int(e["args"]["section"]) == section)
    return [guarantee_of(client, book, gid) for gid in ids]


def release(*, client: ChainClient, book: Contract, by: LocalAccount, guarantee_id: bytes) -> Mined:
    """Release one guarantee (its issuer or the tender's publishing centre)."""
    return _mined(client.send(by, book.functions.release(guarantee_id)))


def release_many(*, client: ChainClient, book: Contract, by: LocalAccount, guarantee_ids: Sequence[bytes]) -> list[Mined]:
    """Release guarantees in batches of at most MAX_BATCH (each batch all or nothing)."""
    ids = list(guarantee_ids)
    return [_mined(client.send(by, book.functions.releaseMany(ids[i : i + MAX_BATCH])))
            for i in range(0, len(ids), MAX_BATCH)]


@dataclass(frozen=True)
class Released:
    mined: Mined
    released: list[bytes] = field(default_factory=list)
    batches: list[Mined] = field(default_factory=list)


def _release_section(client: ChainClient, book: Contract, centre: LocalAccount, tender_id: bytes, section: int,
                     *, keep: str | None) -> tuple[list[bytes], list[Mined]]:
    ids = [g.guarantee_id for g in section_guarantees(client, book, tender_id=tender_id, section=section)
           if g.state in BOUND_STATES and g.applicant != keep]
    return ids, release_many(client=client, book=book, by=centre, guarantee_ids=ids)


def record_award(
    *, client: ChainClient, book: Contract, centre: LocalAccount, tender_id: bytes, section: int, winner: str | None,
) -> Released:
    """Record the section's outcome (`winner`, or None for no winner) and release every other
    bound guarantee of the section in bounded batches."""
    winner_address = to_checksum_address(winner) if winner else "0x" + "00" * 20
    mined = _mined(client.send(centre, book.functions.recordAward(tender_id, section, winner_address)))
    ids, batches = _release_section(client, book, centre, tender_id, section,
                                     keep=winner_address if winner else None)
    return Released(mined, ids, batches)


def record_contract_signed(
    *, client: ChainClient, book: Contract, centre: LocalAccount, tender_id: bytes, section: int, signed_at: int,
) -> Released:
    """Record the winner's contract signing, then release the winner's guarantee (and any other
    of the section still held), within the 5 days the rules allow."""
    mined = _mined(client.send(centre, book.functions.recordContractSigned(tender_id, section, signed_at)))
    ids, batches = _release_section(client, book, centre, tender_id, section, keep=None)
    return Released(mined, ids, batches)


@dataclass(frozen=True)
class Claimed:
    guarantee_id: bytes
    cause: ClaimCause
    evidence_hash: bytes
    mined: Mined


def claim(
    *, client: ChainClient, book: Contract, centre: LocalAccount, guarantee_id: bytes, cause: ClaimCause,
    evidence: bytes,
) -> Claimed:
    """Claim on a guarantee for the tenderer (the publishing centre), for a cause the chain's
    records support, with the keccak of the evidence (kept off chain)."""
    if not evidence:
        raise ValidationFailed("a claim needs its evidence (the withdrawal letter, the refusal, the failure report)")
    evidence_hash = keccak(evidence)
    mined = _mined(client.send(centre, book.functions.claim(guarantee_id, int(cause), evidence_hash)))
    return Claimed(guarantee_id, ClaimCause(cause), evidence_hash, mined)


def expire(*, client: ChainClient, book: Contract, by: LocalAccount, guarantee_id: bytes) -> Mined:
    return _mined(client.send(by, book.functions.expire(guarantee_id)))


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])

