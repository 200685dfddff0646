"""Every error the ledger raises, and the one place where contract reverts become them.

    LedgerError
    ├── ConfigurationError          settings, data directory or node cannot be used
    │   ├── DataDirError
    │   │   ├── DataDirInUse        another process holds the data directory
    │   │   ├── ForeignDataDir      the directory holds something that is not ours
    │   │   ├── CorruptDataDir      our files are there but unreadable or inconsistent
    │   │   └── NewerDataDir        written by a newer version of tender-ledger
    │   ├── NodeUnavailable         the JSON-RPC URL does not answer
    │   ├── WrongChain              the node's chain id (or genesis) is not the expected one
    │   ├── RelayerUnfunded         the relayer's key has no funds to deploy or relay
    │   ├── DeploymentMissing       no contract at the recorded address
    │   ├── ClockLocked             the chain's clock cannot be moved (not a development chain)
    │   └── StoreMismatch           the off-chain store disagrees with the chain or its hashes
    ├── TransactionRejected         the chain refused a transaction before executing it
    │   └── InsufficientFunds       the signing key cannot pay for gas
    ├── ValidationFailed            input that breaks a domain rule (bad USCC, dates, …)
    └── ContractRevert              a contract rejected the call; `.error` names the custom error
        ├── Unauthorised            the caller lacks the role (NotAdmin, NotAuthorised, NotIssuerOf…)
        ├── NotFound                the id is unknown (UnknownRoot, NotInBatch…)
        ├── Conflict                the state forbids it (AlreadyAnchored, AlreadyRevoked, LateBid…)
        └── InvalidArgument         the call's arguments break a rule (InvalidKind, UnsortedCredentials…)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from importlib import resources
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address, to_hex


class LedgerError(Exception):
    """Root of every error the ledger raises on purpose."""


class ConfigurationError(LedgerError):
    """The settings, the data directory or the node cannot be used as configured."""


class DataDirError(ConfigurationError):
    """The data directory cannot be used; nothing in it was changed."""


class DataDirInUse(DataDirError):
    """Another process has the data directory open."""


class ForeignDataDir(DataDirError):
    """The directory is not empty and was not created by tender-ledger."""


class CorruptDataDir(DataDirError):
    """The data directory's files are unreadable or inconsistent."""


class NewerDataDir(DataDirError):
    """The data directory was written by a newer tender-ledger; upgrade to open it."""


class NodeUnavailable(ConfigurationError):
    """The JSON-RPC node at the configured URL does not answer."""


class WrongChain(ConfigurationError):
    """The node serves another chain than the one configured."""


class RelayerUnfunded(ConfigurationError):
    """The relayer's key (which pays for deployments and relayed transactions) has no funds."""


class DeploymentMissing(ConfigurationError):
    """The recorded contract address holds no code on this chain."""


class ClockLocked(ConfigurationError):
    """Moving the chain's clock is development-only: a production embedded chain, or a node
    without the `evm_*` development methods, refuses it."""


class StoreMismatch(ConfigurationError):
    """The off-chain store disagrees with the chain, or with a hash the chain holds: a row or a
    document was changed, deleted or inserted outside the ledger. The decision that needed it is
    refused (never taken from the store, never silently corrected) and the disagreement is logged;
    it is the centre's to repair (`tender-ledger rebuild-store`, or restoring documents)."""

    HINT = ("stop the service and run `tender-ledger rebuild-store`; if the disagreement stays, "
            "restore the documents from a backup")

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(f"the store disagrees with the chain: {what}; {self.HINT}")
        # Made only where a disagreement was found: every one is logged, whoever catches it.
        logging.getLogger("ledger.store").error("store disagrees with the chain: %s", what)


class TransactionRejected(LedgerError):
    """The chain refused the transaction before executing it (nonce, fee, funds, size)."""


class InsufficientFunds(TransactionRejected):
    """The signing account cannot pay for the transaction's gas."""


class ValidationFailed(LedgerError):
    """Input breaks a domain rule; the message says which and why."""


class ContractRevert(LedgerError):
    """A contract rejected the call with a custom error (`error`) and its arguments (`args_`)."""

    def __init__(self, error: str, args: dict[str, Any], message: str | None = None) -> None:
        self.error = error
        self.args_ = args
        shown = ", ".join(f"{k}={_show(v)}" for k, v in args.items())
        super().__init__(message or f"{error}({shown})")

    def plain_args(self) -> dict[str, Any]:
        """The arguments as JSON takes them: bytes as 0x-hex, integers as integers, enums by name."""
        return {str(k): _plain(v) for k, v in self.args_.items()}


class Unauthorised(ContractRevert):
    """The caller does not hold the role the action needs."""


class NotFound(ContractRevert):
    """An id named in the call is unknown to the contract."""


class Conflict(ContractRevert):
    """The current state forbids the action (already done, wrong state, too late or too early)."""


class InvalidArgument(ContractRevert):
    """The call's arguments break a rule of the contract."""


# Custom error name → exception class. Names not listed map to plain ContractRevert.
_ERROR_CLASSES: dict[str, type[ContractRevert]] = {
    **dict.fromkeys(
        ("NotAdmin", "NotPendingAdmin", "NotAuthorised", "NotIssuerOf", "NotCentre", "NotPublisher",
         "NotOfficer", "BadSignature", "NotGuarantor", "IssuerNotAuthorised", "NotApplicant",
         "NotIssuer", "NotReleaser", "NotMember", "NotGovernance", "NotProposer", "NotParty", "NotDrawOfficer"),
        Unauthorised,
    ),
    **dict.fromkeys(
        ("UnknownRoot", "NotInBatch", "UnknownTender", "UnknownSection", "NoBid",
         "UnknownGuarantee", "UnknownProposal", "UnknownDraw"),
        NotFound,
    ),
    **dict.fromkeys(
        ("AlreadyAnchored", "AlreadyRevoked", "AlreadyRevokedAt", "AlreadySuspended", "NotSuspended", "AlreadySuperseded",
         "TooManySuspensions", "TenderExists", "DeadlinePassed", "LateBid", "TooEarly",
         "AlreadyReleased", "WrongShare", "SharesMissing", "WrongSectionStatus", "AlreadyOpened",
         "RevealMismatch", "BidsUnopened", "BadNonce", "SignatureExpired", "TooFewBids",
         "GuaranteeExists", "WrongState", "AlreadyBound", "BidHasGuarantee", "AlreadyAwarded",
         "NotAwarded", "AlreadySigned", "ContractNotSigned", "GuaranteeExpired", "NotExpired",
         "NotClaimable", "ProposalExists", "ProposalNotPending", "ProposalExpired", "AlreadyApproved",
         "NotApproved", "BelowThreshold", "ExecutionFailed", "DrawExists", "AlreadyCommitted", "CommitClosed",
         "CommitPeriodOpen", "DrawShareAlreadyReleased", "WrongDrawShare", "WrongDrawKey", "DrawAlreadyFinished"),
        Conflict,
    ),
    # A claim's contest period: a late contest, or a settlement before the period is over.
    **dict.fromkeys(("ContestPeriodOver", "ContestPeriodOpen"), Conflict),
    # SelectionBook (评定分离): who acts, what it names, and which step the section is at.
    **dict.fromkeys(("NotSeat", "NotChair"), Unauthorised),
    **dict.fromkeys(("NotInPool", "UnknownFiling", "NoTenderer"), NotFound),
    **dict.fromkeys(
        ("AlreadyInPool", "TendererSet", "AlreadySeated", "NotSeated", "SeatActed", "DrawNotFinished",
         "AlreadyRevealed", "CommitteeHidden", "CommitPeriodOver", "SeatAlreadyCommitted", "RevealNotOpen",
         "LateReveal", "NothingToReveal", "SheetsMissing", "SheetsShown", "SectionNotEvaluable", "ShortlistExists",
         "NoShortlist", "WrongRound", "RoundOpen", "AlreadyDecided", "NotDecided", "NotInPublicity",
         "PublicityRunning", "AwardPaused", "FilingClosed", "ComplaintWindowClosed", "SectionAwarded",
         "ChairFixed", "ViewsMissing"),
        Conflict,
    ),
    **dict.fromkeys(
        ("UnknownCommitteeKind", "WrongDraw", "InvalidSeats", "InvalidReplacement", "ExcludedExpert",
         "LinkMismatch", "NotDrawn", "DuplicateExpert", "SheetMismatch", "VoteMismatch", "ShortlistSize",
         "CandidatesNotAscending", "IneligibleBid", "NotShortlisted", "InvalidRound", "NotACandidate",
         "NotDrawWinner", "NoMajority", "PublicityTooShort", "InvalidRedo", "MissingReason", "InvalidPool",
         "InvalidDependency", "NotPriceWinner", "TieNeedsDraw", "NotSoleCandidate", "InvalidBasis",
         "BasisNotAllowed"),
        InvalidArgument,
    ),
    # GuaranteeBook's award follows SelectionBook's: none to record until 评定分离 awarded the section.
    # An award an upheld complaint withdrew counts for nothing until the award in force is recorded.
    **dict.fromkeys(("NotSelected", "AlreadyRevokedAt", "AwardWithdrawn"), Conflict),
    **dict.fromkeys(("InvalidSelectionBook", "InvalidPrice", "InvalidPosition"), InvalidArgument),
    # PerformanceBook (履约): the two parties, one completion per section, entries by index.
    **dict.fromkeys(("NotPerformanceParty", "NotAcknowledgeable", "NotSupervisor"), Unauthorised),
    **dict.fromkeys(("UnknownEntry",), NotFound),
    # A complaint after its window, a second ruling.
    **dict.fromkeys(("AlreadyCompleted", "PerformanceComplaintLate", "ComplaintAlreadyRuled"), Conflict),
    **dict.fromkeys(("InvalidGuaranteeBook", "MissingDocument", "NotAComplaint"), InvalidArgument),
    # CheckpointBook: the store's log only grows.
    **dict.fromkeys(("CheckpointNotGrowing",), Conflict),
    **dict.fromkeys(("MissingRoot",), InvalidArgument),
    **dict.fromkeys(
        ("InvalidKind", "InvalidAdmin", "KindMismatch", "InvalidSuccessor", "InvalidPosition", "InvalidSectionCount",
         "InvalidMinValidBids", "InvalidSelection", "BidPeriodTooShort", "DeadlineBroughtForward", "DeadlineTooLate",
         "InvalidCommittee", "InvalidOfficer",
         "EmptyCommitment", "BatchTooLarge", "UnsortedCredentials", "TooManyCredentials",
         "UnexpectedCredentials", "TooManyValidBids", "InvalidIssuerType", "InvalidTenderBook",
         "InvalidWinner", "InvalidSigningTime", "InvalidGuaranteeId", "InvalidAmount",
         "InsufficientAmount", "IncompleteTerms", "InvalidForm", "InvalidPeriod", "AmountMismatch",
         "MissingEvidence", "InvalidMember", "TooManyMembers", "InvalidThreshold", "InvalidName",
         "InvalidPurpose", "InvalidDrawParameters", "InvalidCommitDeadline", "InvalidParty", "InvalidDrawOfficer",
         "UnsortedCandidates", "BadPoint"),
        InvalidArgument,
    ),
}


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return to_hex(value)
    if value is None or isinstance(value, bool | str | float):
        return value
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, int):
        return int(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return to_hex(value)
    return str(value)


def _when(seconds: int) -> str:
    try:
        return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):  # past year 9999: the number itself
        return f"{int(seconds)} s after 1970"


def _days(seconds: int) -> str:
    return f"{int(seconds) / 86_400:g} days"


# The time rules' errors, in words (the arguments stay in `args_` and `contract_error` names the
# error). Each reads only the error's own arguments: the contract's numbers, not copies of them.
_PROPOSAL_STATES = ("NONE", "PENDING", "EXECUTED", "CANCELLED")

_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "ProposalNotPending": lambda a: (
        f"proposal {to_hex(a['id'])} is {_PROPOSAL_STATES[a['state']] if a['state'] < 4 else a['state']}, "
        "no longer pending: nothing more can be approved, taken back or executed on it"),
    "BelowThreshold": lambda a: (
        f"proposal {to_hex(a['id'])} has {a['approvals']} approval(s) of current members; {a['threshold']} "
        "are needed"),
    "BidPeriodTooShort": lambda a: (
        f"the bid deadline {_when(a['deadline'])} is too early: tender {to_hex(a['tenderId'])} would be "
        f"issued at {_when(a['issuedAt'])} (the block time of its publication) and its deadline must be at "
        f"least {_days(a['earliest'] - a['issuedAt'])} later, from {_when(a['earliest'])} "
        "(招标投标法 Art. 24)"),
    "DeadlineBroughtForward": lambda a: (
        f"an amendment cannot bring the deadline of tender {to_hex(a['tenderId'])} forward, from "
        f"{_when(a['deadline'])} to {_when(a['newDeadline'])}: a deadline only moves later"),
    "DeadlineTooLate": lambda a: (
        f"the deadline {_when(a['deadline'])} asked for tender {to_hex(a['tenderId'])} is after "
        f"{_when(a['latest'])}, the latest the chain stores (32-bit seconds)"),
    "DeadlinePassed": lambda a: (
        f"the deadline of tender {to_hex(a['tenderId'])}, {_when(a['deadline'])}, has passed (block time "
        f"{_when(a['blockTime'])})"),
    "LateBid": lambda a: (
        f"the bid is late: tender {to_hex(a['tenderId'])} closed at {_when(a['deadline'])}, the block time "
        f"is {_when(a['blockTime'])}"),
}


@cache
def _error_abis() -> dict[bytes, dict[str, Any]]:
    """Selector → error ABI entry, over every compiled contract shipped with the package."""
    found: dict[bytes, dict[str, Any]] = {}
    artifacts = resources.files("ledger") / "artifacts"
    if not artifacts.is_dir():
        return found
    for item in artifacts.iterdir():
        if not item.name.endswith(".json") or item.name == "provenance.json":
            continue
        for entry in json.loads(item.read_text()).get("abi", []):
            if entry.get("type") != "error":
                continue
            types = ",".join(abi_type(i) for i in entry["inputs"])
            found[function_signature_to_4byte_selector(f"{entry['name']}({types})")] = entry
    return found


def abi_type(item: dict[str, Any]) -> str:
    if item["type"].startswith("tuple"):
        inner = ",".join(abi_type(c) for c in item["components"])
        return f"({inner}){item['type'][5:]}"
    return str(item["type"])


def decode_revert(data: bytes) -> ContractRevert:
    """Turn raw revert bytes (from any backend) into the matching ledger exception."""
    if len(data) < 4:
        return ContractRevert("Reverted", {}, "the contract reverted without a reason")
    selector, body = data[:4], data[4:]
    if selector == function_signature_to_4byte_selector("Error(string)"):
        (reason,) = abi_decode(["string"], body)
        return ContractRevert("Error", {"reason": reason}, f"reverted: {reason}")
    if selector == function_signature_to_4byte_selector("Panic(uint256)"):
        (code,) = abi_decode(["uint256"], body)
        return ContractRevert("Panic", {"code": code}, f"contract panic 0x{code:02x}")
    entry = _error_abis().get(selector)
    if entry is None:
        return ContractRevert("Unknown", {"data": data}, f"unknown revert {to_hex(data)}")
    values = abi_decode([abi_type(i) for i in entry["inputs"]], body)
    args = {
        i["name"] or f"arg{n}": to_checksum_address(v) if i["type"] == "address" else v
        for n, (i, v) in enumerate(zip(entry["inputs"], values, strict=True))
    }
    if entry["name"] == "ExecutionFailed":
        # The governance's call reverted: what matters is why the governed contract refused it.
        reason = args["reason"]
        return decode_revert(reason if isinstance(reason, bytes) else b"")
    cls = _ERROR_CLASSES.get(entry["name"], ContractRevert)
    words = _MESSAGES.get(entry["name"])
    return cls(entry["name"], args, None if words is None else f"{entry['name']}: {words(args)}")


def revert_data_of(exc: BaseException) -> bytes | None:
    """Extract raw revert bytes from whatever a backend raised, or None if it is no revert."""
    from web3.exceptions import ContractCustomError, ContractLogicError, ContractPanicError

    if isinstance(exc, ContractCustomError | ContractPanicError | ContractLogicError):
        data = exc.data
        if isinstance(data, str) and data.startswith("0x"):
            return bytes.fromhex(data[2:])
        if isinstance(data, bytes):
            return data
        return b""
    # eth-tester raises TransactionFailed with the raw bytes as its first argument.
    if type(exc).__name__ == "TransactionFailed" and exc.args:
        raw = exc.args[0]
        if isinstance(raw, bytes):
            return raw
        if isinstance(raw, str) and raw.startswith("0x"):
            return bytes.fromhex(raw[2:])
    return None


def translate(exc: BaseException) -> LedgerError | None:
    """Map a backend exception to a ledger exception; None if it is not one we know."""
    data = revert_data_of(exc)
    if data is not None:
        return decode_revert(data)
    message = str(exc).lower()
    if "insufficient funds" in message:
        return InsufficientFunds(
            "the signing account has no funds for gas: "
            + _rpc_message(exc)
            + " (fund it, or use a funded key)"
        )
    if any(s in message for s in ("nonce too", "max fee per gas", "exceeds block gas limit")):
        return TransactionRejected(_rpc_message(exc))
    return None


def _rpc_message(exc: BaseException) -> str:
    arg = exc.args[0] if exc.args else str(exc)
    if isinstance(arg, dict) and "message" in arg:
        return str(arg["message"])
    return str(arg)
