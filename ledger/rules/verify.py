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
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, Protocol

from web3.exceptions import Web3Exception

from ledger.crypto.merkle import leaf_of, verify_proof
from ledger.documents import Disclosure, DocumentError, Kind, SealedCredential
from ledger.errors import LedgerError, ValidationFailed
from ledger.model.credential import Anchor, Status, StatusAt

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
        checks.append(
            Check(
                STATUS_AT, CheckStatus.NOT_CHECKED, "the anchor could not be read (see anchoring)"
            )
        )
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
        check = Check(INTEGRITY, CheckStatus.INVALID, f"the credential cannot be hashed: {exc}")
        return {}, frozenset(), None, check

    details: dict[str, Any] = {
        "credential_id": _hex(computed),
        "leaf": _hex(leaf_of(computed)),
        "proof_length": len(proof),
        "revealed": sorted(shown),
        "hidden": sorted(hidden),
    }
    if claimed is not None and claimed != computed:
        reason = (
            f"the fields hash to {_hex(computed)}, not to the claimed credential id "
            f"{_hex(claimed)}: a field was changed"
        )
        return shown, hidden, computed, Check(INTEGRITY, CheckStatus.INVALID, reason, details)
    words = [p for p in proof if isinstance(p, bytes)]
    if len(words) != len(proof) or not verify_proof(root, computed, words):
        where = "the batch proof" if proof else "a one-credential root (empty proof)"
        reason = (
            f"the fields hash to credential id {_hex(computed)}, which {where} does not link "
            f"to root {_hex(root)}: a field was changed, or the proof is for another credential"
        )
        return shown, hidden, computed, Check(INTEGRITY, CheckStatus.INVALID, reason, details)
    how = f"a Merkle proof of {len(proof)} hashes" if proof else "the root being its leaf"
    reason = f"the fields hash to credential id {_hex(computed)}, in root {_hex(root)} by {how}"
    return shown, hidden, computed, Check(INTEGRITY, CheckStatus.VALID, reason, details)


def _anchoring(anchor: Anchor | None, root: bytes, at: int) -> Check:
    if anchor is None:
        return Check(
            ANCHORING,
            CheckStatus.INVALID,
            f"unknown credential: root {_hex(root)} has never been anchored",
            {"root": _hex(root)},
        )
    details = {
        "root": _hex(root),
        "issuer": anchor.issuer,
        "kind": _name(anchor.kind),
        "anchored_at": anchor.anchored_at,
        "anchored_at_iso": _iso(anchor.anchored_at),
    }
    if anchor.anchored_at > at:
        reason = (
            f"root {_hex(root)} was anchored at {_iso(anchor.anchored_at)}, after the instant "
            f"{_iso(at)}: the credential did not exist yet"
        )
        return Check(ANCHORING, CheckStatus.INVALID, reason, details)
    reason = f"root anchored by {anchor.issuer} at {_iso(anchor.anchored_at)}"
    return Check(ANCHORING, CheckStatus.VALID, reason, details)


def _issuer(anchor: Anchor | None, shown: Mapping[str, Any], hidden: frozenset[str]) -> Check:
    if anchor is None:
        return Check(
            ISSUER_AUTHORISED, CheckStatus.NOT_CHECKED, "the root is not anchored: no issuer"
        )
    details: dict[str, Any] = {"issuer": anchor.issuer, "kind": _name(anchor.kind)}
    problems: list[str] = []
    if "kind" in shown:
        details["document_kind"] = _kind_name(shown["kind"])
        if shown["kind"] != anchor.kind:
            problems.append(
                f"the document is a {_kind_name(shown['kind'])} credential, but the root holds "
                f"{_name(anchor.kind)} credentials"
            )
    else:
        problems.append(_undisclosed("kind", hidden, "the anchored kind"))
    if "issuer" in shown:
        named = shown["issuer"]
        details["document_issuer"] = named
        if not isinstance(named, str) or named.lower() != anchor.issuer.lower():
            problems.append(
                f"wrong issuer: the document names issuer {named}, but the root was anchored "
                f"by {anchor.issuer}"
            )
    else:
        problems.append(_undisclosed("issuer", hidden, "the anchoring issuer"))
    if problems:
        return Check(ISSUER_AUTHORISED, CheckStatus.INVALID, "; ".join(problems), details)
    reason = (
        f"{anchor.issuer} held kind {_name(anchor.kind)} when it anchored the root (the registry "
        "refuses anchors from issuers without the kind), and the document names it as issuer"
    )
    return Check(ISSUER_AUTHORISED, CheckStatus.VALID, reason, details)


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
        return Check(
            STATUS_AT,
            CheckStatus.NOT_CHECKED,
            "the credential is not proven to be under the root (see integrity)",
        )
    if anchor is None:
        return Check(STATUS_AT, CheckStatus.NOT_CHECKED, "the root is not anchored (see anchoring)")
    if contradicts:
        # A document of one kind in a root of another kind (or naming another issuer) is not a
        # credential its root's issuer was authorised to anchor: its status there means nothing.
        return Check(
            STATUS_AT, CheckStatus.NOT_CHECKED,
            "the credential is not one its root's issuer anchored as its kind (see issuer_authorised)",
        )
    if anchor.anchored_at > at:
        return Check(
            STATUS_AT, CheckStatus.NOT_CHECKED, "the root was not anchored yet at the instant"
        )
    try:
        found = known if known is not None else reads.status_at(root, credential_id, list(proof), at)
    except _CHAIN_ERRORS as exc:
        return _error(STATUS_AT, "statusAt", exc)
    details: dict[str, Any] = {"status": found.status.name, "reason_code": int(found.reason)}
    if found.status is Status.VALID:
        return Check(STATUS_AT, CheckStatus.VALID, f"valid at {_iso(at)}", details)
    if found.status in (Status.REVOKED, Status.SUSPENDED):
        details["reason"] = _name(found.reason)
        word = found.status.name.lower()
        reason = f"{word} at {_iso(at)} (reason {_name(found.reason)}, code {int(found.reason)})"
        return Check(STATUS_AT, CheckStatus.INVALID, reason, details)
    if found.status is Status.SUPERSEDED:
        reason = f"superseded at {_iso(at)} by a newer version"
        try:
            successor = reads.successor_of(root, credential_id)
        except _CHAIN_ERRORS:
            successor = None  # the status is known; the successor is a courtesy
        if successor is not None:
            details["successor_root"], details["successor_id"] = map(_hex, successor)
            reason += f": credential {_hex(successor[1])} under root {_hex(successor[0])}"
        return Check(STATUS_AT, CheckStatus.INVALID, reason, details)
    return Check(STATUS_AT, CheckStatus.INVALID, f"not anchored at {_iso(at)}", details)


def _validity(shown: Mapping[str, Any], hidden: frozenset[str], at: int) -> Check:
    if "validFrom" not in shown:
        reason = _undisclosed("validFrom", hidden, "the instant")
        return Check(VALIDITY_WINDOW, CheckStatus.INVALID, reason)
    if "validUntil" in hidden:
        reason = _undisclosed("validUntil", hidden, "the instant")
        return Check(VALIDITY_WINDOW, CheckStatus.INVALID, reason)
    try:
        start = _timestamp(shown["validFrom"])
        end = _timestamp(shown["validUntil"]) if "validUntil" in shown else None
    except (TypeError, ValueError) as exc:
        return Check(VALIDITY_WINDOW, CheckStatus.INVALID, f"unreadable validity dates: {exc}")
    details: dict[str, Any] = {
        "valid_from": shown["validFrom"],
        "valid_until": shown.get("validUntil"),
    }
    if at < start:
        reason = f"not yet valid at {_iso(at)}: validFrom is {shown['validFrom']}"
        return Check(VALIDITY_WINDOW, CheckStatus.INVALID, reason, details)
    if end is not None and at >= end:
        reason = f"expired at {_iso(at)}: validUntil is {shown['validUntil']}"
        return Check(VALIDITY_WINDOW, CheckStatus.INVALID, reason, details)
    until = shown["validUntil"] if end is not None else "open-ended"
    reason = f"{_iso(at)} is within {shown['validFrom']} .. {until}"
    return Check(VALIDITY_WINDOW, CheckStatus.VALID, reason, details)


def _subject(shown: Mapping[str, Any], hidden: frozenset[str], expected: str | None) -> Check:
    if expected is None:
        return Check(SUBJECT, CheckStatus.NOT_CHECKED, "no expected subject given")
    details: dict[str, Any] = {"expected_subject": expected}
    if "subject" not in shown:
        return Check(
            SUBJECT,
            CheckStatus.INVALID,
            _undisclosed("subject", hidden, "the expected one"),
            details,
        )
    subject = shown["subject"]
    details["subject"] = subject
    if not isinstance(subject, str) or subject.strip().upper() != expected.strip().upper():
        reason = f"wrong subject: the credential is about {subject}, not {expected}"
        return Check(SUBJECT, CheckStatus.INVALID, reason, details)
    return Check(SUBJECT, CheckStatus.VALID, f"the credential is about {subject}", details)


# ---------------------------------------------------------------------- helpers


def _error(name: str, call: str, exc: BaseException) -> Check:
    reason = f"the chain could not be read ({call}): {type(exc).__name__}: {exc}"
    return Check(name, CheckStatus.ERROR, reason, {"error": type(exc).__name__})


def _undisclosed(name: str, hidden: frozenset[str], against: str) -> str:
    state = "is not disclosed" if name in hidden else "is missing"
    return f"the document's {name} field {state}, so it cannot be checked against {against}"


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


@lru_cache(maxsize=65_536)  # pure; a deadline is written into every check of every bid judged at it
def _iso(t: int) -> str:
    try:
        return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return str(t)


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
