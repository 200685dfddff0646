"""Conflict of interest of an expert or a selection-committee member (评定分离, domain.md §4.6):
one employed by a bidder — now, or within the tender's `evaluation.conflict_years` — may not sit.

The ledger knows employment from registered-personnel credentials (注册人员): each names the
person's registered employer (`registered_employer_uscc`) and holds from its `validFrom` until the
earliest of its `validUntil` and the instant the chain recorded it revoked or superseded (a
suspended registration is still an employment). The reference instant is the tender's bid
deadline, fixed on chain before any committee is drawn, so the service and an auditor reach the
same answer whenever they ask.

The window: an employment conflicts if it was still in force at the cutoff or later, the cutoff
being `conflict_years` calendar years before the deadline (China Standard Time; 29 February goes
back to 28 February). A registration is in force at t when validFrom ≤ t < validUntil and the
chain's status at t is VALID or SUSPENDED: one that ended exactly at the cutoff does not conflict,
one that ended a second later does. `conflict_years` 0 means only an employment still in force at
the deadline or after.

Since a revocation or a supersession never lapses, an employment in force at any instant from the
cutoff on is in force at the first such instant its own dates allow (`probe_instant`): the rule asks
the registry for one status there. A registration anchored later than that instant (an issuer
recording an employment after the fact) was in force there by its dates alone: nothing on chain
can end it before its anchoring.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from ledger.errors import ValidationFailed
from ledger.model.credential import Status

CST = timezone(timedelta(hours=8), "CST")
IN_FORCE = (Status.VALID, Status.SUSPENDED)
"""The statuses at which a registration still ties the person to its employer."""


def conflict_cutoff(deadline: int, years: int) -> int:
    """The instant (unix seconds) `years` calendar years before `deadline`, in China Standard Time."""
    if not 0 <= years <= 100:
        raise ValidationFailed(f"conflict_years must be in 0..100, got {years}")
    at = datetime.fromtimestamp(deadline, CST)
    try:
        back = at.replace(year=at.year - years)
    except ValueError:  # 29 February in a year without one
        back = at.replace(year=at.year - years, day=28)
    return int(back.astimezone(UTC).timestamp())


def probe_instant(*, valid_from: int, deadline: int, years: int) -> int:
    """The first instant from the cutoff on at which the registration can be in force: not
    before the cutoff nor its `validFrom`."""
    return max(conflict_cutoff(deadline, years), valid_from)


@dataclass(frozen=True)
class ConflictFinding:
    """Whether a personnel credential ties its holder to a bidder within the window, and why."""

    conflicted: bool
    employer: str
    cutoff: int  # unix seconds
    probe: int  # the first instant from the cutoff on the registration's dates allow
    status: Status | None  # the registry's answer there (None: not asked)
    reason: str


def personnel_conflict(*, employer: str, bidders: Collection[str], valid_from: int, valid_until: int | None,
                       anchored_at: int, deadline: int, years: int,
                       status_at: Callable[[int], Status]) -> ConflictFinding:
    """The conflict a personnel credential shows (see the module's docstring): its employer is a
    firm that bid (`bidders`, USCCs), and the registration was in force after the cutoff."""
    cutoff = conflict_cutoff(deadline, years)
    probe = probe_instant(valid_from=valid_from, deadline=deadline, years=years)
    if employer not in bidders:
        return ConflictFinding(False, employer, cutoff, probe, None,
                               f"the registered employer {employer} bid in no opened bid of this section")
    if valid_until is not None and valid_until <= probe:
        return ConflictFinding(False, employer, cutoff, probe, None,
                               f"the registration with {employer} ended (validUntil {_iso(valid_until)}) by the "
                               f"cutoff {_iso(cutoff)}, {years} year(s) before the bid deadline")
    status = status_at(probe) if probe >= anchored_at else None  # before its anchoring nothing ended it
    if status is not None and status not in IN_FORCE:
        return ConflictFinding(False, employer, cutoff, probe, status,
                               f"the registration with {employer} was {status.name.lower()} on chain at "
                               f"{_iso(probe)}, after the cutoff {_iso(cutoff)} ({years} year(s) before the bid "
                               "deadline): it ended before the window")
    return ConflictFinding(True, employer, cutoff, probe, status,  # in force at `probe`
                           f"registered with bidder {employer} after {_iso(cutoff)} (within {years} year(s) "
                           "before the bid deadline)")


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, CST).isoformat()
