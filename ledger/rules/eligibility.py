"""资格审查 (合格制): is a bid eligible for its section, credential by credential, as of the deadline?

Each ticked credential is verified against the registry as of the bid deadline and must belong
to the bidder (personnel: registered to the bidder); then the section's requirements must be met
by the credentials that passed. The report lists every check with its reason.

A caller that judges many bids against one registry state that cannot change (an audit, at the
head it replayed) may hand `check_bid` a `Verdicts` memo: a full copy ticked again at the same
deadline, under the same root and proof, for the same firm, is then judged once (`verify` is a
function of exactly those and of the registry's answers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ledger.rules.credit import CreditStanding
from ledger.documents import (
    ContractPerformanceCredential,
    Disclosure,
    DocumentError,
    Kind,
    PerformanceCredential,
    PersonnelCredential,
    QualificationCredential,
    SealedCredential,
    parse_document,
)
from ledger.tenders import Section, meets_grade
from ledger.rules.reasons import Reason, said
from ledger.rules.verify import Check, CheckStatus, RegistryReads, VerificationReport, read_statuses, verify


@dataclass(frozen=True)
class TickedCredential:
    """A credential a bidder ticked into a bid, with what is needed to verify it."""

    credential_id: bytes
    credential: SealedCredential | Disclosure
    root: bytes
    proof: Sequence[bytes]


VerdictKey = tuple[bytes, bytes, bytes, tuple[bytes, ...], int, str]
"""(computed credential id, claimed id, root, proof, deadline, expected subject)."""


class Verdicts(dict[VerdictKey, VerificationReport]):
    """Verification reports of full copies, remembered for `check_bid` while the registry reads
    it is given answer the same (never across a change of the chain: a revocation recorded later
    can change a status as of a past instant). Only full sealed copies are remembered: their
    computed id fixes every field `verify` reads; a disclosure's shown fields it does not."""


def _verdict_key(t: TickedCredential, deadline: int, subject: str) -> VerdictKey | None:
    if not isinstance(t.credential, SealedCredential):
        return None
    try:
        computed = t.credential.credential_id()  # remembered on the copy
    except (DocumentError, ValueError, TypeError):
        return None  # `verify` says why it cannot be hashed
    return computed, t.credential_id, t.root, tuple(t.proof), deadline, subject


@dataclass
class EligibilityReport:
    bidder: str
    bidder_uscc: str
    section: str
    deadline: int
    checks: list[Check] = field(default_factory=list)
    credentials: dict[str, VerificationReport] = field(default_factory=dict)

    @property
    def eligible(self) -> bool:
        return all(c.status in (CheckStatus.VALID, CheckStatus.NOT_CHECKED) for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status in (CheckStatus.INVALID, CheckStatus.ERROR)]


def _document(item: SealedCredential | Disclosure) -> Any:
    if isinstance(item, SealedCredential):
        return item.document
    values = dict(item.values)
    try:
        return parse_document(values)
    except Exception:
        return None  # a partial disclosure cannot show the fields a requirement needs


def check_bid(
    reads: RegistryReads,
    *,
    section: Section,
    bidder: str,
    bidder_uscc: str,
    deadline: int,
    ticked: Sequence[TickedCredential],
    credit: CreditStanding | None = None,
    verdicts: Verdicts | None = None,
) -> EligibilityReport:
    """Eligibility of one bid: every ticked credential, then every requirement of the section,
    then (given the firm's credit standing at the deadline) that it is not black-listed.
    The registry is read through `reads` (and each credential's verification taken from
    `verdicts` when it was judged before, see `Verdicts`)."""
    report = EligibilityReport(bidder=bidder, bidder_uscc=bidder_uscc, section=section.code, deadline=deadline)
    usable: list[Any] = []
    seen: set[bytes] = set()
    anchors: dict[bytes, Any] = {}  # a bid's credentials come from a few batches: read each once
    keys = [_verdict_key(t, deadline, bidder_uscc) if verdicts is not None else None for t in ticked]
    # ... and the statuses of those not judged before in one call per batch
    statuses = read_statuses(reads, [(t.root, t.credential_id, t.proof) for t, key in zip(ticked, keys, strict=True)
                                     if verdicts is None or key not in verdicts], deadline)
    for t, key in zip(ticked, keys, strict=True):
        name = f"credential 0x{t.credential_id.hex()}"
        if t.credential_id in seen:
            report.checks.append(Check(name, CheckStatus.INVALID, *said(Reason.TICKED_TWICE)))
            continue
        seen.add(t.credential_id)
        vr = verdicts.get(key) if verdicts is not None and key is not None else None
        if vr is None:
            vr = verify(
                reads, t.credential, root=t.root, proof=list(t.proof), at=deadline,
                expected_subject=bidder_uscc, credential_id=t.credential_id, anchors=anchors, statuses=statuses,
            )
            if verdicts is not None and key is not None and not _chain_error(vr):
                verdicts[key] = vr
        report.credentials["0x" + t.credential_id.hex()] = vr
        if not vr.ok:
            reasons = "; ".join(f"{c.name}: {c.reason}" for c in vr.failures)
            report.checks.append(Check(name, CheckStatus.INVALID, *said(
                Reason.CREDENTIAL_NOT_VALID, failed=[c.name for c in vr.failures], detail=reasons)))
            continue
        doc = _document(t.credential)
        if isinstance(doc, PersonnelCredential) and doc.registered_employer_uscc != bidder_uscc:
            report.checks.append(
                Check(name, CheckStatus.INVALID,
                      *said(Reason.PERSONNEL_NOT_BIDDERS, person=doc.person_name, employer=doc.registered_employer_uscc))
            )
            continue
        report.checks.append(Check(name, CheckStatus.VALID, *said(Reason.CREDENTIAL_OWN)))
        if doc is not None:
            usable.append(doc)
    report.checks.extend(_requirements(section, usable, deadline))
    if credit is not None:
        if credit.is_blacklisted:
            report.checks.append(Check("credit", CheckStatus.INVALID,
                                       *said(Reason.BLACKLISTED, records=list(credit.blacklisted))))
        else:
            report.checks.append(Check("credit", CheckStatus.VALID, *said(Reason.NOT_BLACKLISTED)))
    return report


def _chain_error(vr: VerificationReport) -> bool:
    """A report with a chain read that failed is not remembered: the next read may succeed."""
    return any(c.status is CheckStatus.ERROR for c in vr.checks)


def _requirements(section: Section, docs: list[Any], deadline: int) -> list[Check]:
    checks: list[Check] = []
    at = datetime.fromtimestamp(deadline, UTC)
    quals = [d for d in docs if isinstance(d, QualificationCredential)]
    for req in section.qualification:
        match = [
            q for q in quals
            if q.category == req.category and req.name_contains in q.qualification_name
            and meets_grade(q.grade, req.min_grade) and q.expiry_date >= at.date()
        ]
        name = f"qualification {req.category} {req.name_contains} ≥ {req.min_grade.value}".replace("  ", " ")
        if match:
            checks.append(Check(name, CheckStatus.VALID,
                                *said(Reason.QUALIFICATION_MET, certificate_no=match[0].certificate_no,
                                      qualification=match[0].qualification_name)))
        else:
            checks.append(Check(name, CheckStatus.INVALID,
                                *said(Reason.QUALIFICATION_UNMET, ticked=[q.qualification_name for q in quals])))
    if section.performance is not None:
        perf = section.performance
        since = (at - timedelta(days=365 * perf.within_years)).date()
        records = [
            d for d in docs
            if isinstance(d, PerformanceCredential | ContractPerformanceCredential)
            and Decimal(d.contract_amount_wan) >= perf.min_amount_wan and since <= d.completion_date <= at.date()
        ]
        name = f"performance ≥ {perf.count} × {perf.min_amount_wan} 万元 within {perf.within_years} years"
        status = CheckStatus.VALID if len(records) >= perf.count else CheckStatus.INVALID
        checks.append(Check(name, status, *said(Reason.PERFORMANCE_RECORDS, count=len(records))))
    people = [d for d in docs if isinstance(d, PersonnelCredential)]
    for preq in section.personnel:
        staff = [
            p for p in people
            if p.registration_type == preq.registration_type and preq.specialty in p.specialty
            and p.expiry_date >= at.date()
        ]
        name = f"personnel {preq.count} × {preq.registration_type} {preq.specialty}".strip()
        status = CheckStatus.VALID if len(staff) >= preq.count else CheckStatus.INVALID
        checks.append(Check(name, status, *said(Reason.PERSONNEL_MATCHING, count=len(staff))))
    if not section.qualification and section.performance is None and not section.personnel:
        checks.append(Check("requirements", CheckStatus.NOT_CHECKED, *said(Reason.NO_REQUIREMENTS)))
    return checks


KINDS_TICKABLE = (Kind.QUALIFICATION, Kind.PERSONNEL, Kind.PERFORMANCE, Kind.AWARD, Kind.CREDIT,
                  Kind.CONTRACT_PERFORMANCE)

