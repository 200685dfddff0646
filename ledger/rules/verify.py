"""Verification of a credential, full or selectively disclosed, against the registry at an instant.

`verify` never raises for a bad credential or a failing chain: it returns a report with one
entry per check, in this order:

    integrity          the fields hash to the credential id, and the proof links the id to the root
    anchoring          the root is anchored, at or before the instant
    issuer_authorised  the anchoring issuer held the kind (the registry refuses anchors otherwise),
                       and the document's own `kind` and `issuer` fields match the anchor
    status_at          statusAt(root, id, proof, at) is VALID, not revoked, suspended or superseded
                       (read only for a credential proven to be in a batch its issuer may anchor)
    validity_window    validFrom <= at < validUntil
    subject            the document's subject is the expected one

Each entry's reason is an English sentence made from a code with its arguments
(`ledger.rules.reasons`), which the entry's details carry (`{"code": …, "args": {…}}`) for whoever
words it in another language.

Each entry is VALID, INVALID (the credential fails it; `reason` says how), ERROR (the chain could
not be read) or NOT_CHECKED (nothing to check against: no expected subject was given, or a check
it depends on failed, so its answer would mean nothing). The report is `ok` when no entry is
INVALID or ERROR. A field the check needs but the holder kept hidden makes the check INVALID:
a verifier cannot accept what it was not shown.

A verification costs one `anchorOf` and one `statusAt` call (plus `successorOf` for a superseded
credential); hashing and the Merkle proof are checked in Python, with the same rules as the
contract (tests/agreement/test_hash_agreement.py proves they agree), and `statusAt` checks the
proof again on chain: an id it does not prove reads NOT_ANCHORED, never VALID.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, Protocol

from web3.exceptions import Web3Exception

from ledger.crypto.merkle import leaf_of, verify_proof
from ledger.documents import Disclosure, DocumentError, Kind, SealedCredential
from ledger.errors import LedgerError, ValidationFailed
from ledger.model.credential import Anchor, Status, StatusAt
from ledger.rules.reasons import Reason, coded, instant, said

INTEGRITY = "integrity"
ANCHORING = "anchoring"
ISSUER_AUTHORISED = "issuer_authorised"
STATUS_AT = "status_at"
VALIDITY_WINDOW = "validity_window"
SUBJECT = "subject"
CHECK_NAMES = (INTEGRITY, ANCHORING, ISSUER_AUTHORISED, STATUS_AT, VALIDITY_WINDOW, SUBJECT)

_CHAIN_ERRORS = (LedgerError, Web3Exception, OSError, ValueError)


class CheckStatus(StrEnum):
    VALID = "VALID"
    INVALID = "INVALID"
    ERROR = "ERROR"
    NOT_CHECKED = "NOT_CHECKED"


@dataclass(frozen=True)
class Check:
    """The outcome of one check: name, status, a sentence saying why, and the facts behind it."""

    name: str
    status: CheckStatus
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


def _check(name: str, status: CheckStatus, reason: Reason, details: Mapping[str, Any] | None = None,
           **args: Any) -> Check:
    """A check saying `reason` with `args`: the sentence, and the code with the arguments in its details."""
    sentence, words = said(reason, **args)
    return Check(name, status, sentence, {**(details or {}), **words})


@dataclass(frozen=True)
class VerificationReport:
    """Every check of one credential under `root` at unix time `at`; `ok` when none failed."""

    credential_id: bytes | None
    root: bytes
    at: int
    checks: list[Check]
    ok: bool

    def check(self, name: str) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def failures(self) -> list[Check]:
        """The checks that are INVALID or ERROR."""
        return [c for c in self.checks if c.status in (CheckStatus.INVALID, CheckStatus.ERROR)]


class RegistryReads(Protocol):
    """The three registry views a verification reads (`RegistryGateway` has them; tests fake them)."""

    def anchor_of(self, root: bytes) -> Anchor | None: ...

    def status_at(self, root: bytes, credential_id: bytes, proof: Sequence[bytes], at: int) -> StatusAt: ...

    def statuses_in(self, root: bytes, members: Sequence[tuple[bytes, Sequence[bytes]]], at: int) -> list[StatusAt]: ...

    def successor_of(self, root: bytes, credential_id: bytes) -> tuple[bytes, bytes] | None: ...


def verify(
    reads: RegistryReads,
    credential: SealedCredential | Disclosure,
    *,
    root: bytes,
    proof: Sequence[bytes],
    at: int,
    expected_subject: str | None = None,
    credential_id: bytes | None = None,
    anchors: dict[bytes, Any] | None = None,
    statuses: Mapping[tuple[bytes, bytes], StatusAt] | None = None,
) -> VerificationReport:
    """Verify a sealed credential or a disclosure of one under `root` at unix time `at`, reading
    the registry through `reads`.

    `credential_id`, when given, is the id the holder claims; the fields must hash to it.
    Raises ValidationFailed only for malformed arguments (`root` not 32 bytes, `at` not a uint64);
    everything about the credential and the chain is reported in the checks.
    """
    if not isinstance(root, bytes) or len(root) != 32:
        raise ValidationFailed(f"root must be 32 bytes, got {root!r}")
    if isinstance(at, bool) or not isinstance(at, int) or not 0 <= at < 2**64:
        raise ValidationFailed(f"at is a unix time in seconds (uint64), got {at!r}")
    shown, hidden, computed, integrity = _integrity(credential, root, proof, credential_id)
    proven = integrity.status is CheckStatus.VALID
    checks = [integrity]

    try:
        # `anchors` lets a caller verifying many credentials of few batches read each root once.
        if anchors is not None and root in anchors:
            anchor = anchors[root]
        else:
            anchor = reads.anchor_of(root)
            if anchors is not None:
                anchors[root] = anchor
    except _CHAIN_ERRORS as exc:
        checks.append(_error(ANCHORING, "anchorOf", exc))
        checks.append(_error(ISSUER_AUTHORISED, "anchorOf", exc))
        checks.append(_check(STATUS_AT, CheckStatus.NOT_CHECKED, Reason.VERIFY_STATUS_ANCHOR_UNREAD))
    else:
        checks.append(_anchoring(anchor, root, at))
        checks.append(_issuer(anchor, shown, hidden))
        known = statuses.get((root, computed)) if statuses is not None and computed is not None else None
        checks.append(_status(reads, anchor, root, computed, proof, at, proven, _contradicts(anchor, shown), known))
    checks.append(_validity(shown, hidden, at))
    checks.append(_subject(shown, hidden, expected_subject))
    ok = not any(c.status in (CheckStatus.INVALID, CheckStatus.ERROR) for c in checks)
    return VerificationReport(credential_id=computed, root=root, at=at, checks=checks, ok=ok)


def read_statuses(reads: RegistryReads, members: Iterable[tuple[bytes, bytes, Sequence[bytes]]],
                  at: int) -> dict[tuple[bytes, bytes], StatusAt]:
    """`statusAt` of many (root, credential id, proof) at `at`, one `statusesIn` call per root, for
    `verify(statuses=…)`. Members whose proof does not hold are left out (their verification says
    why), and so is every member of a root the chain could not be read for: `verify` reads those
    itself and reports the error."""
    by_root: dict[bytes, list[tuple[bytes, Sequence[bytes]]]] = {}
    for root, credential_id, proof in members:
        words = [p for p in proof if isinstance(p, bytes)]
        if len(words) == len(proof) and verify_proof(root, credential_id, words):
            by_root.setdefault(root, []).append((credential_id, words))
    found: dict[tuple[bytes, bytes], StatusAt] = {}
    for root, group in by_root.items():
        try:
            answers = reads.statuses_in(root, group, at)
        except _CHAIN_ERRORS:
            continue
        found.update({(root, cid): status for (cid, _), status in zip(group, answers, strict=True)})
    return found


# ---------------------------------------------------------------------- the checks


def _integrity(
    credential: SealedCredential | Disclosure,
    root: bytes,
    proof: Sequence[bytes],
    claimed: bytes | None,
) -> tuple[Mapping[str, Any], frozenset[str], bytes | None, Check]:
    """(shown fields, hidden field names, computed id, the integrity check)."""
    try:
        if isinstance(credential, SealedCredential):
            shown: Mapping[str, Any] = credential.fields()
            hidden: frozenset[str] = frozenset()
        elif isinstance(credential, Disclosure):
            shown, hidden = credential.values, frozenset(credential.hidden)
        else:
            raise DocumentError(
                f"expected a SealedCredential or a Disclosure, got {type(credential).__name__}"
            )
        computed = credential.credential_id()
    except (DocumentError, ValueError, TypeError) as exc:
        check = _check(INTEGRITY, CheckStatus.INVALID, Reason.VERIFY_UNHASHABLE, error=str(exc))
        return {}, frozenset(), None, check

    details: dict[str, Any] = {
        "credential_id": _hex(computed),
        "leaf": _hex(leaf_of(computed)),
        "proof_length": len(proof),
        "revealed": sorted(shown),
        "hidden": sorted(hidden),
    }
    if claimed is not None and claimed != computed:
        return shown, hidden, computed, _check(INTEGRITY, CheckStatus.INVALID, Reason.VERIFY_ID_MISMATCH, details,
                                               computed=_hex(computed), claimed=_hex(claimed))
    words = [p for p in proof if isinstance(p, bytes)]
    if len(words) != len(proof) or not verify_proof(root, computed, words):
        return shown, hidden, computed, _check(
            INTEGRITY, CheckStatus.INVALID, Reason.VERIFY_NOT_IN_ROOT if proof else Reason.VERIFY_NOT_ROOT, details,
            credential_id=_hex(computed), root=_hex(root))
    if proof:
        return shown, hidden, computed, _check(INTEGRITY, CheckStatus.VALID, Reason.VERIFY_IN_ROOT, details,
                                               credential_id=_hex(computed), root=_hex(root), count=len(proof))
    return shown, hidden, computed, _check(INTEGRITY, CheckStatus.VALID, Reason.VERIFY_IS_ROOT, details,
                                           credential_id=_hex(computed), root=_hex(root))


def _anchoring(anchor: Anchor | None, root: bytes, at: int) -> Check:
    if anchor is None:
        return _check(ANCHORING, CheckStatus.INVALID, Reason.VERIFY_NEVER_ANCHORED, {"root": _hex(root)},
                      root=_hex(root))
    details = {
        "root": _hex(root),
        "issuer": anchor.issuer,
        "kind": _name(anchor.kind),
        "anchored_at": anchor.anchored_at,
        "anchored_at_iso": instant(anchor.anchored_at),
    }
    if anchor.anchored_at > at:
        return _check(ANCHORING, CheckStatus.INVALID, Reason.VERIFY_ANCHORED_LATER, details, root=_hex(root),
                      anchored_at=anchor.anchored_at, at=at)
    return _check(ANCHORING, CheckStatus.VALID, Reason.VERIFY_ANCHORED, details, issuer=anchor.issuer,
                  anchored_at=anchor.anchored_at)


def _issuer(anchor: Anchor | None, shown: Mapping[str, Any], hidden: frozenset[str]) -> Check:
    if anchor is None:
        return _check(ISSUER_AUTHORISED, CheckStatus.NOT_CHECKED, Reason.VERIFY_NO_ISSUER)
    details: dict[str, Any] = {"issuer": anchor.issuer, "kind": _name(anchor.kind)}
    problems: list[dict[str, Any]] = []
    if "kind" in shown:
        details["document_kind"] = _kind_name(shown["kind"])
        if shown["kind"] != anchor.kind:
            problems.append(coded(Reason.VERIFY_KIND_WRONG, document_kind=_kind_name(shown["kind"]),
                                  kind=_name(anchor.kind)))
    else:
        problems.append(coded(Reason.VERIFY_KIND_HIDDEN if "kind" in hidden else Reason.VERIFY_KIND_MISSING))
    if "issuer" in shown:
        named = shown["issuer"]
        details["document_issuer"] = named
        if not isinstance(named, str) or named.lower() != anchor.issuer.lower():
            problems.append(coded(Reason.VERIFY_ISSUER_WRONG, named=_text(named), issuer=anchor.issuer))
    else:
        problems.append(coded(Reason.VERIFY_ISSUER_HIDDEN if "issuer" in hidden else Reason.VERIFY_ISSUER_MISSING))
    if problems:
        return _check(ISSUER_AUTHORISED, CheckStatus.INVALID, Reason.VERIFY_ISSUER_MISMATCH, details,
                      problems=problems)
    return _check(ISSUER_AUTHORISED, CheckStatus.VALID, Reason.VERIFY_ISSUER_VALID, details, issuer=anchor.issuer,
                  kind=_name(anchor.kind))


def _contradicts(anchor: Anchor | None, shown: Mapping[str, Any]) -> bool:
    """Whether the document's shown kind or issuer contradicts its root's anchor."""
    if anchor is None:
        return False
    wrong_kind = "kind" in shown and shown["kind"] != anchor.kind
    named = shown.get("issuer", anchor.issuer)
    wrong_issuer = not isinstance(named, str) or named.lower() != anchor.issuer.lower()
    return wrong_kind or wrong_issuer


def _status(
    reads: RegistryReads,
    anchor: Anchor | None,
    root: bytes,
    credential_id: bytes | None,
    proof: Sequence[bytes],
    at: int,
    proven: bool,
    contradicts: bool,
    known: StatusAt | None = None,
) -> Check:
    if not proven or credential_id is None:
        return _check(STATUS_AT, CheckStatus.NOT_CHECKED, Reason.VERIFY_STATUS_UNPROVEN)
    if anchor is None:
        return _check(STATUS_AT, CheckStatus.NOT_CHECKED, Reason.VERIFY_STATUS_UNANCHORED)
    if contradicts:
        # A document of one kind in a root of another kind (or naming another issuer) is not a
        # credential its root's issuer was authorised to anchor: its status there means nothing.
        return _check(STATUS_AT, CheckStatus.NOT_CHECKED, Reason.VERIFY_STATUS_CONTRADICTED)
    if anchor.anchored_at > at:
        return _check(STATUS_AT, CheckStatus.NOT_CHECKED, Reason.VERIFY_STATUS_TOO_EARLY)
    try:
        found = known if known is not None else reads.status_at(root, credential_id, list(proof), at)
    except _CHAIN_ERRORS as exc:
        return _error(STATUS_AT, "statusAt", exc)
    details: dict[str, Any] = {"status": found.status.name, "reason_code": int(found.reason)}
    if found.status is Status.VALID:
        return _check(STATUS_AT, CheckStatus.VALID, Reason.VERIFY_VALID_AT, details, at=at)
    if found.status in (Status.REVOKED, Status.SUSPENDED):
        details["reason"] = _name(found.reason)
        code = Reason.VERIFY_REVOKED if found.status is Status.REVOKED else Reason.VERIFY_SUSPENDED
        return _check(STATUS_AT, CheckStatus.INVALID, code, details, at=at, ground=_name(found.reason),
                      ground_code=int(found.reason))
    if found.status is Status.SUPERSEDED:
        try:
            successor = reads.successor_of(root, credential_id)
        except _CHAIN_ERRORS:
            successor = None  # the status is known; the successor is a courtesy
        if successor is None:
            return _check(STATUS_AT, CheckStatus.INVALID, Reason.VERIFY_SUPERSEDED, details, at=at)
        details["successor_root"], details["successor_id"] = map(_hex, successor)
        return _check(STATUS_AT, CheckStatus.INVALID, Reason.VERIFY_SUPERSEDED_BY, details, at=at,
                      successor_id=_hex(successor[1]), successor_root=_hex(successor[0]))
    return _check(STATUS_AT, CheckStatus.INVALID, Reason.VERIFY_NOT_ANCHORED_AT, details, at=at)


def _validity(shown: Mapping[str, Any], hidden: frozenset[str], at: int) -> Check:
    for name in ("validFrom", "validUntil"):
        if name in hidden or (name == "validFrom" and name not in shown):
            code = Reason.VERIFY_VALIDITY_HIDDEN if name in hidden else Reason.VERIFY_VALIDITY_MISSING
            return _check(VALIDITY_WINDOW, CheckStatus.INVALID, code, field=name)
    try:
        start = _timestamp(shown["validFrom"])
        end = _timestamp(shown["validUntil"]) if "validUntil" in shown else None
    except (TypeError, ValueError) as exc:
        return _check(VALIDITY_WINDOW, CheckStatus.INVALID, Reason.VERIFY_DATES_UNREADABLE, error=str(exc))
    details: dict[str, Any] = {
        "valid_from": shown["validFrom"],
        "valid_until": shown.get("validUntil"),
    }
    if at < start:
        return _check(VALIDITY_WINDOW, CheckStatus.INVALID, Reason.VERIFY_NOT_YET_VALID, details, at=at,
                      valid_from=shown["validFrom"])
    if end is not None and at >= end:
        return _check(VALIDITY_WINDOW, CheckStatus.INVALID, Reason.VERIFY_EXPIRED, details, at=at,
                      valid_until=shown["validUntil"])
    if end is None:
        return _check(VALIDITY_WINDOW, CheckStatus.VALID, Reason.VERIFY_WITHIN_OPEN, details, at=at,
                      valid_from=shown["validFrom"])
    return _check(VALIDITY_WINDOW, CheckStatus.VALID, Reason.VERIFY_WITHIN, details, at=at,
                  valid_from=shown["validFrom"], valid_until=shown["validUntil"])


def _subject(shown: Mapping[str, Any], hidden: frozenset[str], expected: str | None) -> Check:
    if expected is None:
        return _check(SUBJECT, CheckStatus.NOT_CHECKED, Reason.VERIFY_NO_SUBJECT_GIVEN)
    details: dict[str, Any] = {"expected_subject": expected}
    if "subject" not in shown:
        code = Reason.VERIFY_SUBJECT_HIDDEN if "subject" in hidden else Reason.VERIFY_SUBJECT_MISSING
        return _check(SUBJECT, CheckStatus.INVALID, code, details)
    subject = shown["subject"]
    details["subject"] = subject
    if not isinstance(subject, str) or subject.strip().upper() != expected.strip().upper():
        return _check(SUBJECT, CheckStatus.INVALID, Reason.VERIFY_SUBJECT_WRONG, details, subject=_text(subject),
                      expected=expected)
    return _check(SUBJECT, CheckStatus.VALID, Reason.VERIFY_SUBJECT, details, subject=subject)


# ---------------------------------------------------------------------- helpers


def _error(name: str, call: str, exc: BaseException) -> Check:
    return _check(name, CheckStatus.ERROR, Reason.VERIFY_CHAIN_ERROR, {"error": type(exc).__name__}, call=call,
                  error=f"{type(exc).__name__}: {exc}")


def _text(value: Any) -> str:
    """A document's value as an argument of a reason: as the sentence writes it."""
    return value if isinstance(value, str) else f"{value}"


def _timestamp(value: Any) -> float:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 time, got {value!r}")
    return _parsed(value)


@lru_cache(maxsize=65_536)
def _parsed(value: str) -> float:
    """Remembered (pure): the same validity dates are read in every bid that ticks the credential."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return moment.timestamp()



def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _name(value: Any) -> str:
    """An enum member's name, or the bare value when it is a number we have no name for."""
    return str(getattr(value, "name", value))


def _kind_name(value: Any) -> str:
    try:
        return Kind(value).name
    except (ValueError, TypeError):
        return repr(value)
