"""What the API answers, as OpenAPI documentation: one model per JSON shape the views build,
and the one error body every 4xx and 5xx carries.

The views build the JSON (api/views); these models only describe it (the routes declare them
with `answers`, and FastAPI neither filters nor re-validates what a view returns). They forbid
keys they do not list, so a view that grows or renames a field without its model is caught: the
schemathesis run in tests/api checks every response against them.
"""

from __future__ import annotations

from enum import Enum
from http import HTTPStatus
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.params import HEX32_PATTERN, Address, ClaimCauseName, Hex32
from ledger.documents import Kind
from ledger.errors import ContractRevert, LedgerError
from ledger.model.credential import Status
from ledger.model.guarantee import Application, CommitmentLetter, Form, GuaranteeTerms, IssuerType, State
from ledger.model.tender import Outcome, SectionStatus
from ledger.rules.verify import CheckStatus
from ledger.tenders import TenderParams

# ---------------------------------------------------------------------- errors


class ErrorBody(BaseModel):
    """Every error answer: the error's name and a message saying what to fix."""

    model_config = ConfigDict(extra="forbid")

    error: str = Field(description="ValidationFailed, NotFound, Conflict, Unauthorised, InsufficientFunds, "
                                   "Unauthenticated, PayloadTooLarge, … (the ledger error or the HTTP status)")
    message: str = Field(description="what is wrong, naming the field or the rule")
    contract_error: str | None = Field(default=None, description="the contract's custom error, when it refused")
    args: dict[str, Any] | None = Field(default=None, description="the refusal's arguments by name, with "
                                        "`contract_error` (bytes as 0x-hex, integers as numbers)")
    detail: Any = Field(default=None, description="the framework's own detail (a string, or the list of "
                                                  "request validation errors)")


def ledger_error_body(exc: LedgerError) -> dict[str, Any]:
    """The `ErrorBody` of a ledger error: its class and message, and for a contract's refusal (or the
    service's, under the same names) the error's name and arguments, from which a client words it."""
    body: dict[str, Any] = {"error": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, ContractRevert):
        body["contract_error"] = exc.error
        body["args"] = exc.plain_args()
    return body


ERROR_DESCRIPTIONS = {
    400: "the request body is not JSON (not UTF-8, or nested too deeply)",
    401: "unsigned, forged, expired or replayed request signature",
    402: "the signing key cannot pay for the transaction's gas",
    403: "the signer does not hold the role this needs",
    404: "an id names nothing on chain or on record",
    409: "the chain's state forbids it now (too early, too late, already done) or the chain refused it",
    413: "the request body is over the size limit",
    422: "the request breaks a format (the schema's) or a domain rule (the message names it)",
    429: "the signer (or the client address) is over its rate limit: retry after Retry-After seconds",
    503: "the store disagrees with the chain, or the chain cannot be used",
}

READ = (404, 422, 503)
"""A public read by id."""
PREPARE = (400, 402, 404, 409, 413, 422, 503)
"""An unsigned request that prepares or checks something with a body."""
SIGNED_READ = (401, 403, 404, 409, 422, 429, 503)
"""A signed read (a template filled in for the signer)."""
SEALED_READ = (401, 403, 404, 422, 429, 503)
"""A read public from opening on, and before that only to its parties (who sign the request)."""
SIGNED = (400, 401, 402, 403, 404, 409, 413, 422, 429, 503)
"""A signed write."""


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody, "description": ERROR_DESCRIPTIONS.get(code, HTTPStatus(code).phrase)}
            for code in codes}


def link(method: str, path: str, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link to the operation at `method` `path`, its parameters taken from this answer
    (runtime expressions such as `$response.body#/tender_id`)."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {"operationRef": f"#/paths/{pointer}/{method.lower()}", "parameters": parameters}


def answers(model: Any, errors: tuple[int, ...] = (), status: int = 200,
            links: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Route keyword arguments: `model` documents the `status` answer (without FastAPI filtering
    the view's JSON through it), `links` name the operations its ids lead to, and each of
    `errors` is an `ErrorBody`."""
    ok: dict[str, Any] = {"model": model, "description": HTTPStatus(status).phrase}
    if links:
        ok["links"] = links
    return {"status_code": status, "response_model": None,
            "responses": {status: ok, **error_responses(*errors)}}


# ---------------------------------------------------------------------- building blocks


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _names(enum: type[Enum]) -> Any:
    """Documents a string as naming one of `enum`'s members."""
    return Field(description=f"a {enum.__name__}", json_schema_extra={"enum": [m.name for m in enum]})


KindName = Annotated[str, _names(Kind)]
StatusName = Annotated[str, _names(Status)]
CheckStatusName = Annotated[str, _names(CheckStatus)]
OutcomeName = Annotated[str, _names(Outcome)]
SectionStatusName = Annotated[str, _names(SectionStatus)]
IssuerTypeName = Annotated[str, _names(IssuerType)]
StateName = Annotated[str, _names(State)]
FormName = Annotated[str, _names(Form)]


IsoTime = Annotated[str, Field(description="ISO 8601 time")]
TxHash = Annotated[str, StringConstraints(pattern=HEX32_PATTERN), Field(description="transaction hash, 0x-hex")]
Hex = Annotated[str, StringConstraints(pattern=r"^0x(?:[0-9a-fA-F]{2})*$"), Field(description="bytes as 0x-hex")]


class UnsignedTx(_Doc):
    """The fields a wallet signs, as `eth_account` names them, plus `from` (who must sign it)."""

    to: Address
    data: Hex
    from_: Address = Field(alias="from")
    gas: int
    maxFeePerGas: int
    maxPriorityFeePerGas: int
    value: int
    chainId: int
    type: Literal[2]
    nonce: int


class PreparedTx(_Doc):
    tx: UnsignedTx


class Mined(_Doc):
    function: str
    tx_hash: TxHash
    block_number: int


# ---------------------------------------------------------------------- chain


class Health(_Doc):
    ok: bool
    block_number: int


class ChainStatus(_Doc):
    chain_id: int
    backend: Literal["embedded", "json-rpc"]
    block_number: int
    block_timestamp: int = Field(description="the latest block's time (unix seconds): the clock deadlines are "
                                             "measured against")
    contracts: dict[str, Address] = Field(description="deployed contracts by name")
    clock: Literal["production", "development"] | None = Field(
        description="the embedded chain's clock, fixed at its creation; null on a node")


class JournalEntry(_Doc):
    block_number: int
    log_index: int
    tx_hash: TxHash
    contract: str
    event: str
    args: dict[str, Any]
    block_time: IsoTime
    cursor: str = Field(description="where this entry is: pass it as `cursor` for the entries after it")


# ---------------------------------------------------------------------- credentials


class PreparedAnchor(_Doc):
    root: Hex32
    kind: int
    tx: UnsignedTx


class AnchoredCredential(_Doc):
    credential_id: Hex32
    proof: list[Hex32]


class AnchoredBatch(_Doc):
    root: Hex32
    kind: int
    issuer: Address
    tx_hash: TxHash
    block_number: int
    anchored_at: IsoTime
    credentials: list[AnchoredCredential]


class StatusChange(_Doc):
    credential_id: Hex32
    action: str
    tx_hash: TxHash
    block_number: int


class PreparedRevocation(_Doc):
    root: Hex32
    reason: int
    reason_name: str
    credential_ids: list[Hex32] = Field(description="the credentials in leaf-position order")
    positions: list[int] = Field(description="their leaf positions, ascending, as the transaction sends them")
    tx: UnsignedTx


class BulkRevocation(_Doc):
    root: Hex32
    reason: int
    reason_name: str
    credential_ids: list[Hex32]
    positions: list[int]
    tx_hash: TxHash
    block_number: int
    revoked_at: IsoTime


class IssuerGrant(_Doc):
    issuer: Address
    kind: int
    kind_name: KindName
    authorised: bool
    since: IsoTime


class CredentialSummary(_Doc):
    credential_id: Hex32
    root: Hex32
    kind: int
    issuer: Address
    subject: str = Field(description="the firm's USCC (for personnel: the employer's)")
    signing_address: Address | None = Field(description="identity credentials: the firm's signing key")
    tx_hash: TxHash
    block_number: int
    anchored_at: IsoTime
    proof: list[Hex32]


class CredentialWithStatus(CredentialSummary):
    status: StatusName
    reason: int


class RegistryEvent(_Doc):
    event: str
    block_number: int
    tx_hash: TxHash
    time: IsoTime
    args: dict[str, Any]


class VerificationCheck(_Doc):
    name: str
    status: CheckStatusName
    reason: str
    code: str | None = Field(None, description="the reason as a stable code (ledger/rules/reasons.py), only when "
                                               "it and `args` make exactly `reason`")
    args: dict[str, Any] | None = Field(None, description="the code's arguments (times in unix seconds)")
    details: dict[str, Any]


class VerificationReport(_Doc):
    ok: bool
    credential_id: Hex32 | None
    root: Hex32
    at: int
    checks: list[VerificationCheck]


# ---------------------------------------------------------------------- tenders


class TenderVersion(_Doc):
    version: int
    reason: str
    params: TenderParams
    doc_hash: Hex32
    deadline: int = Field(description="the deadline TenderBook put in force (unix seconds)")
    requested_deadline: int = Field(description="the deadline the parameters asked for")
    postponed: bool = Field(description="the chain moved the deadline out (an amendment < 15 days before it)")
    tx_hash: TxHash
    published_at: IsoTime


class TenderView(_Doc):
    tender_id: Hex32
    project_code: str
    params: TenderParams
    params_hash: Hex32
    doc_hash: Hex32
    deadline: int
    opening_window_s: int
    min_valid_bids: int
    opening_public_key: Hex32
    officers: list[Address]
    threshold: int
    share_hashes: list[Hex32]
    version: int
    centre: Address
    issued_at: int
    tx_hash: TxHash
    chain_id: int
    tender_book: Address


class BidNonce(_Doc):
    nonce: int


class EligibilityCheck(_Doc):
    name: str
    status: CheckStatusName
    reason: str


class Eligibility(_Doc):
    """{} when no report was made; `firm` only when the report names one."""

    firm: str | None = None
    eligible: bool | None = None
    checks: list[EligibilityCheck] | None = None


class OpenedBid(_Doc):
    bidder: Address
    outcome: OutcomeName
    reason: str
    price: str | None
    credential_ids: list[Hex32]
    eligible: bool
    eligibility: Eligibility


class SectionResults(_Doc):
    tender_id: Hex32
    section: int
    status: SectionStatusName
    public: bool
    bids: list[OpenedBid]
    selection: dict[str, Any] | None = Field(
        default=None, description="from 公示 on: the section's 评定分离 (as GET …/selection answers it)")
    evaluation: dict[str, Any] | None = Field(
        default=None, description="from 公示 on: the revealed sheets and the evaluation the rule computes from them")


class SectionOpening(_Doc):
    tender_id: Hex32
    section: int
    status: SectionStatusName
    valid_bids: int
    bids: list[OpenedBid]


class SubmittedBid(_Doc):
    tender_id: Hex32
    section: int
    bidder: Address
    firm: str | None = Field(description="the bidder's firm (USCC) when the bidding key is the firm's own "
                             "(its identity credential names it); null for a per-tender bid key, whose "
                             "firm is sealed inside the bid and known from opening")
    commitment: Hex32
    envelope_hash: Hex32
    tx_hash: TxHash
    block_number: int


class MyBid(_Doc):
    commitment: Hex32
    version: int
    opened: bool
    envelope_hash: Hex32
    envelope: Hex
    credential_set_commitment: Hex32 | None = Field(
        description="the salted commitment to the ticked credentials filed with the bid (null for bids "
                    "filed before it was required)")
    uploaded_at: IsoTime


class Evaluation(_Doc):
    tx_hash: TxHash
    report_hash: Hex32


# ---------------------------------------------------------------------- guarantees


class GuaranteeIssuerProfile(_Doc):
    issuer: Address
    name: str
    uscc: str
    red_discount: str
    published_at: IsoTime
    types: list[IssuerTypeName]


class GuaranteeIssuer(_Doc):
    issuer: Address
    types: list[IssuerTypeName]
    name: str | None
    uscc: str | None
    red_discount: str


class CreditShown(_Doc):
    redlisted: list[str] = Field(description="red-list record numbers in force")
    red_discount: str


class ApplicationTemplate(_Doc):
    application: Application
    application_hash: Hex32
    guarantee_id: Hex32
    tx: UnsignedTx
    credit: CreditShown


class FilledTerms(_Doc):
    guarantee_id: Hex32
    issuer: Address
    applicant: Address
    applicant_uscc: str
    beneficiary: str
    beneficiary_uscc: str
    project_code: str
    section_code: str
    amount_fen: int
    fee_fen: int
    rate_bps: int
    red_discount: str
    start: int
    end: int


class Sealing(_Doc):
    chain_id: int
    guarantee_book: Address
    opening_public_key: Hex32


class IssueTemplate(_Doc):
    terms: FilledTerms
    redlisted: list[str]
    validity_end: int
    sealing: Sealing


class ClaimShown(_Doc):
    """A claim with its evidence and the bidder's reasons, public so anyone can check their hashes."""

    cause: ClaimCauseName
    status: Annotated[str, Field(json_schema_extra={"enum": ["PENDING", "CONTESTED", "PAID", "DISMISSED"]})]
    evidence_hash: Hex32
    evidence_b64: str | None
    tx_hash: TxHash
    claimed_at: IsoTime
    contest_deadline: int = Field(description="unix seconds until which the bidder may contest")
    contest_reason: str | None
    contest_reason_hash: Hex32 | None
    contested_at: IsoTime | None
    upheld: bool | None
    resolution_hash: Hex32 | None
    resolved_at: IsoTime | None
    paid_at: IsoTime | None
    paid_tx: TxHash | None


class GuaranteeView(_Doc):
    """A guarantee as the chain holds it; the application and what follows it once on record."""

    guarantee_id: Hex32
    state: StateName
    tender_id: Hex32
    section: int
    applicant: Address
    issuer: Address
    form: FormName | None
    amount_fen: int
    end: int
    closed_at: int
    released_late: bool
    doc_hash: Hex32
    terms_commitment: Hex32
    application: Application | None = None
    application_hash: Hex32 | None = None
    terms: GuaranteeTerms | None = None
    sealed: bool | None = None
    fee_fen: int | None = None
    rejection: str | None = None
    verification: dict[str, Any] | None = None
    applied_tx: TxHash | None = None
    issued_tx: TxHash | None = None
    claim: ClaimShown | None = Field(default=None, description="the last claim filed")
    claims: list[ClaimShown] | None = Field(default=None, description="every claim filed, oldest first")


class LetterTemplate(_Doc):
    letter: CommitmentLetter
    digest: Hex32
    file_name: str


class RegisteredLetter(_Doc):
    tender_id: Hex32
    section: int
    bidder: Address
    letter_hash: Hex32
    file_name: str


class GuaranteeCheck(_Doc):
    bidder: Address
    name: str
    status: CheckStatusName
    reason: str
    details: dict[str, Any]


class SectionChecks(_Doc):
    tender_id: Hex32
    section: int
    checks: list[GuaranteeCheck]


class Awarded(_Doc):
    tender_id: Hex32
    section: int
    winner: Address | None
    tx_hash: TxHash
    released: list[Hex32] = Field(description="the guarantees released")
    release_batches: list[TxHash]


class ContractSigned(_Doc):
    tender_id: Hex32
    section: int
    signed_at: int
    tx_hash: TxHash
    released: list[Hex32]


class SealedDocument(_Doc):
    document: dict[str, Any]
    masterSalt: Hex32


class BreachDraft(_Doc):
    sealed: SealedDocument
    credential_id: Hex32
    evidence_hash: Hex32
    letter_hash: Hex32


class BidBacking(_Doc):
    kind: Literal["guarantee", "commitment_letter"]
    guarantee: GuaranteeView | None = None
    letter_hash: Hex32 | None = None
    letter: CommitmentLetter | None = None


# ---------------------------------------------------------------------- governance


class GovernanceMember(_Doc):
    address: Address
    name: str


class GovernanceOverview(_Doc):
    address: Address
    members: list[GovernanceMember]
    threshold: int


class GovernedCallDoc(_Doc):
    target: Address
    contract: str
    function: str
    args: dict[str, Any]
    data: Hex


class ApprovalDoc(_Doc):
    address: Address
    name: str | None


class PoolCardDoc(_Doc):
    """Who a registered expert or committee member is (`ledger.documents.pool_card`): the card whose
    keccak-256 is the salt of the proposal that registered the address."""

    role: Annotated[str, Field(json_schema_extra={"enum": ["expert", "member"]})]
    address: Address
    name: str
    organisation: str
    nonce: str
    card_hash: Hex32
    content: str = Field(description="the card's exact JSON (UTF-8), as hashed and as filed")


class ProposalDoc(_Doc):
    proposal_id: Hex32
    proposer: Address
    proposer_name: str | None
    call: GovernedCallDoc
    salt: Hex32
    expires_at: IsoTime
    state: Annotated[str, Field(json_schema_extra={"enum": ["NONE", "PENDING", "EXECUTED", "CANCELLED", "LAPSED"]})]
    approvals: list[ApprovalDoc]
    threshold: int
    ready: bool
    executed_tx: TxHash | None
    card: PoolCardDoc | None = Field(default=None, description="the pool card the proposal carries, once filed")


class PreparedGovernanceTx(_Doc):
    tx: UnsignedTx
    proposal_id: Hex32
    call: GovernedCallDoc | None
    card: PoolCardDoc | None = Field(default=None, description="the pool card made for the proposal (its hash is "
                                                                 "the salt): send its content with the signed step")


class GovernanceStepDoc(_Doc):
    function: str
    member: Address
    member_name: str | None
    tx_hash: TxHash
    block_number: int
    proposal: ProposalDoc
    executed_tx: TxHash | None


class RerunDoc(_Doc):
    outcome: OutcomeName
    reason: str


class FailedOpeningDoc(_Doc):
    """A recorded failed opening (撤销 or 撤回) and what anyone needs to rerun it."""

    tender_id: Hex32
    section: int
    bidder: Address
    outcome: OutcomeName
    commitment: Hex32
    ciphertext_hash: Hex32
    credential_set_commitment: Hex32
    proven: bool = Field(description="the ciphertext and credential-set commitment rebuild the bidder's commitment")
    block_number: int
    envelope_b64: str | None
    rerun: RerunDoc | None


class DrawPartyDoc(_Doc):
    address: Address
    committed: bool


class DrawOfficerDoc(_Doc):
    address: Address
    released: bool


class DrawDoc(_Doc):
    draw_id: Hex32
    tender_id: Hex32
    section: int
    purpose: str = Field(description="committee, reserve, shortlist or selection")
    round: int
    status: Annotated[str, Field(json_schema_extra={"enum": ["NONE", "OPEN", "FINISHED"]})]
    commit_deadline: IsoTime
    k: int = Field(description="how many candidates are drawn")
    threshold: int = Field(description="officers' shares that rebuild the draw key")
    public_key: str = Field(description="the draw key (alt_bn128 point, x ‖ y) the parties seal their seeds to")
    parties: list[DrawPartyDoc]
    candidates: list[Hex32] = Field(description="in the order fixed at opening (ascending)")
    officers: list[DrawOfficerDoc]
    seeds: list[Hex32] | None = Field(description="each party's seed, as the contract decrypted it (null before)")
    picks: list[Hex32] | None = Field(description="the candidates drawn, in draw order (null before the finish)")
    verified: bool | None = Field(description="the draw recomputed from the chain alone gives the recorded picks")
    problems: list[str]


# ---------------------------------------------------------------------- 评定分离


class SelectionDoc(_Doc):
    """A section's 评定分离: committees (seat holders once revealed), the unranked shortlist, the
    vote rounds, the step the fixed rule asks for next, the selection draws, the decision with its
    record, objections with their texts, and the awarded winner."""

    tender_id: Hex32
    section: int
    stage: Literal["EVALUATION", "SELECTION", "PUBLICITY", "AWARDED"]
    tenderer: str | None
    committees: list[dict[str, Any]]
    shortlist: dict[str, Any] | None
    rounds: list[dict[str, Any]]
    step: dict[str, Any] | None = Field(description="next: vote, draw, views, decision or decided")
    draws: list[Hex32]
    decision: dict[str, Any] | None
    objections: list[dict[str, Any]]
    complaints: list[dict[str, Any]] = Field(description="投诉 with their texts and the governance's rulings")
    withdrawn_decisions: list[dict[str, Any]] = Field(description="decisions an upheld complaint withdrew")
    winner: Address | None


class EvaluationDoc(_Doc):
    """The evaluation `ledger.rules.evaluation.evaluate` computes from the revealed sheets and the
    opened prices: the shortlist a seat submits, with the report hash it submits it under."""

    tender_id: Hex32
    section: int
    method: str
    shortlist: list[Address]
    max_size: int
    report_hash: Hex32
    report: dict[str, Any]
    sheets: list[dict[str, Any]]
    filed: bool


class ExclusionDoc(_Doc):
    tender_id: Hex32
    section: int
    kind: Literal["EVALUATION", "SELECTION"]
    expert: Address
    reason: dict[str, Any]
    reason_hash: Hex32


class PoolEntryDoc(_Doc):
    address: Address
    speciality: str | None = Field(description="an expert's speciality (专业) in words; null for a pool member")
    name: str | None = Field(default=None, description="the name on the person's pool card, when one is filed "
                                                        "and fits the proposal that registered the address")
    organisation: str | None = None


class PoolDoc(_Doc):
    """The expert pool (专家库) or a tenderer's selection pool, as SelectionBook holds it."""

    count: int
    entries: list[PoolEntryDoc]


class ViewDoc(_Doc):
    seat: Address
    view_hash: Hex32 = Field(description="keccak256 of the written view: the salt its reveal opened with")
    candidate: Address | None = Field(description="the candidate the view names; null: none of them")
    reason: str


class DeliberationViewsDoc(_Doc):
    """集体议事: the chair's seat (null until named) and the views revealed so far."""

    chair: Address | None
    views: list[ViewDoc]


class ReplacementDoc(_Doc):
    """A seat that did not act in time, replaced by the next reserve of its committee draw."""

    tender_id: Hex32
    section: int
    kind: Literal["EVALUATION", "SELECTION"]
    old_seat: Address
    new_seat: Address
    reason: dict[str, Any]
    reason_hash: Hex32


class SelectionStepDoc(_Doc):
    """A step relayed or sent, and the section's 评定分离 after it."""

    function: str
    tx_hash: Hex32 | None
    block_number: int | None
    selection: SelectionDoc


# ---------------------------------------------------------------------- 履约


class PerformanceRulingDoc(_Doc):
    """The governance's ruling on a performance complaint (PerformanceBook.ruleComplaint)."""

    upheld: bool
    verdict: Annotated[str, Field(json_schema_extra={"enum": ["UPHELD", "DISMISSED"]})]
    words: dict[str, str] = Field(description="the verdict in words: zh (投诉成立 / 投诉不成立) and en")
    ruled_at: IsoTime
    by: str = Field(description="who ruled: GuaranteeBook's admin, the consortium's governance")
    ruling_hash: Hex32 = Field(description="keccak of the ruling's text, as PerformanceBook holds it")
    text: str | None = Field(description="the ruling's text (null until it is filed)")


class PerformanceEntryDoc(_Doc):
    index: int = Field(description="the entry's number in the section's record, from 0")
    kind: Annotated[str, Field(json_schema_extra={"enum": ["MILESTONE", "COMPLAINT", "COMPLETION"]})]
    by: str = Field(description="who recorded it: the publishing centre or the winner")
    recorded_at: IsoTime
    acknowledged_at: IsoTime | None = Field(description="when the other party acknowledged it (null: not yet)")
    document_hash: Hex32 = Field(description="keccak of the document, as PerformanceBook holds it")
    text: str | None = Field(description="the milestone's or complaint's text (null when the ledger holds none)")
    evaluation: dict[str, Any] | None = Field(description="the completion evaluation (履约评价), for a COMPLETION")
    ruling: PerformanceRulingDoc | None = Field(description="for a COMPLAINT the governance ruled on, its ruling")


class PerformanceDoc(_Doc):
    """An awarded section's performance record (履约): its parties, entries and completion."""

    tender_id: Hex32
    section: int
    centre: str = Field(description="the tender's publishing centre, recording for the tenderer")
    winner: str | None = Field(description="the awarded winner (its bid key); null before the award")
    contract_signed_at: IsoTime | None
    entries: list[PerformanceEntryDoc]
    completed: bool
    completed_at: IsoTime | None
    evaluation_hash: Hex32 | None
    evaluation: dict[str, Any] | None


class PerformanceCredentialDraft(_Doc):
    document: dict[str, Any] = Field(description=(
        "the 履约评价 credential (kind 6, a new 业绩) for the issuer to sign and anchor: the winner's firm as "
        "subject, award_id and evaluation_hash naming the award and the completion PerformanceBook recorded"))


# ---------------------------------------------------------------------- publications


class OcdsPackageDoc(_Doc):
    """An OCDS 1.1 release package (`releases`) or record package (`records`): the standard's own
    JSON (https://standard.open-contracting.org/1.1/), with the bids and lots extensions."""

    uri: str
    version: Literal["1.1"]
    extensions: list[str]
    publishedDate: str  # noqa: N815 (the standard's name)
    publisher: dict[str, Any]
    releases: list[dict[str, Any]] | None = Field(default=None, description="a release package's releases")
    records: list[dict[str, Any]] | None = Field(default=None, description="a record package's records")


class FlaggedBidDoc(_Doc):
    bidder: Address = Field(description="the bid key")
    commitment: Hex32 | None = Field(description="the bid's on-chain commitment")
    tx: Hex32 | None = Field(description="the transaction that submitted it")
    block: int | None
    firm: str | None = Field(description="the firm behind the key (统一社会信用代码), from the eligibility rerun")


class FlagDoc(_Doc):
    kind: str = Field(description="the sign (ledger.rules.collusion.Sign), e.g. same-person, price-pattern")
    words: dict[str, str] = Field(description="what the sign means, by language: zh, en")
    message: str = Field(description="what was seen, naming the bidders and the evidence")
    bids: list[FlaggedBidDoc]
    credentials: list[Hex32] = Field(description="the credential ids the flag names (none for most signs)")
    evidence: dict[str, Any] = Field(description="the sign's own evidence: hashes, senders, prices, block times")


class SectionFlagsDoc(_Doc):
    """围标串标 signs of an opened section, for people to review: none of them is a verdict."""

    tender_id: Hex32
    section: int
    opened: bool = Field(description="flags exist only after the section is opened")
    flags: list[FlagDoc]
