"""Credit lists (红黑名单) as of an instant: is a firm black-listed or red-listed at T?

Red/black list and bad-conduct entries are credentials of kind CREDIT with listing and removal
dates. An entry is in force at T when its credential is valid on chain at T (anchored, not
revoked, suspended or superseded), T lies in its validity window, it was listed on or before T
and not removed by T.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from ledger.documents import CreditCredential, CreditType, SealedCredential
from ledger.model.credential import Status, StatusAt


class StatusReads(Protocol):
    """The registry's status of a credential at an instant (`RegistryGateway` has it; tests fake it)."""

    def status_at(self, root: bytes, credential_id: bytes, proof: Sequence[bytes], at: int) -> StatusAt: ...


@dataclass(frozen=True)
class CreditEntry:
    """One anchored credit record of a firm: the sealed document, its root and its proof there
    (empty for a one-credential root)."""

    credential_id: bytes
    sealed: SealedCredential
    root: bytes
    proof: Sequence[bytes] = ()


@dataclass
class CreditStanding:
    uscc: str
    at: int
    blacklisted: list[str] = field(default_factory=list)  # record numbers in force at `at`
    redlisted: list[str] = field(default_factory=list)
    bad_conduct: list[str] = field(default_factory=list)

    @property
    def is_blacklisted(self) -> bool:
        return bool(self.blacklisted)

    @property
    def is_redlisted(self) -> bool:
        return bool(self.redlisted) and not self.blacklisted


def _in_force(doc: CreditCredential, at: datetime) -> bool:
    day: date = at.date()
    if doc.listed_date > day:
        return False
    if doc.removal_date is not None and doc.removal_date <= day:
        return False
    if doc.valid_from > at:
        return False
    return doc.valid_until is None or at < doc.valid_until


def standing(registry: StatusReads, *, uscc: str, entries: Sequence[CreditEntry], at: int) -> CreditStanding:
    """The firm's credit standing at unix time `at`, from its anchored credit records and their
    status on the registry at `at` (read through `registry`)."""
    result = CreditStanding(uscc=uscc, at=at)
    when = datetime.fromtimestamp(at, UTC)
    for entry in entries:
        doc = entry.sealed.document
        if not isinstance(doc, CreditCredential) or doc.subject != uscc or not _in_force(doc, when):
            continue
        if registry.status_at(entry.root, entry.credential_id, list(entry.proof), at).status is not Status.VALID:
            continue
        if doc.record_type in (CreditType.BLACKLIST, CreditType.JOINT_PUNISHMENT):
            # 失信联合惩戒 bars a firm from public tenders just as the black list does.
            result.blacklisted.append(doc.record_no)
        elif doc.record_type is CreditType.REDLIST:
            result.redlisted.append(doc.record_no)
        elif doc.record_type is CreditType.BAD:
            result.bad_conduct.append(doc.record_no)
    return result


def guarantee_fee(amount: Decimal, rate_bps: int, *, redlisted: bool, red_discount: Decimal) -> Decimal:
    """Fee in 元 for a guarantee: amount × rate, less the issuer's published red-list discount."""
    if not Decimal(0) <= red_discount < Decimal(1):
        raise ValueError("a red-list discount is a fraction in [0, 1)")
    fee = amount * Decimal(rate_bps) / Decimal(10_000)
    if redlisted:
        fee *= Decimal(1) - red_discount
    return fee.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
