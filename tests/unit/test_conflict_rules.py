"""Conflict of interest within `conflict_years` (ledger.rules.conflict): the window's boundary to
the second, the calendar years, and the registry's status deciding when an employment ended."""

from __future__ import annotations

from datetime import datetime

import pytest

from ledger.errors import ValidationFailed
from ledger.model.credential import Status
from ledger.rules.conflict import CST, conflict_cutoff, personnel_conflict

BIDDER = "91350100M000100Y43"
OTHER = "91130125MA07WJNA83"
DEADLINE = int(datetime(2026, 6, 15, 9, 30, tzinfo=CST).timestamp())
CUTOFF_3Y = int(datetime(2023, 6, 15, 9, 30, tzinfo=CST).timestamp())
LONG_AGO = int(datetime(2015, 1, 1, tzinfo=CST).timestamp())


def finding(*, employer: str = BIDDER, valid_until: int | None = None, revoked_at: int | None = None,
            years: int = 3, valid_from: int = LONG_AGO, anchored_at: int = LONG_AGO):  # type: ignore[no-untyped-def]
    asked: list[int] = []

    def status_at(t: int) -> Status:
        asked.append(t)
        return Status.REVOKED if revoked_at is not None and t >= revoked_at else Status.VALID

    f = personnel_conflict(employer=employer, bidders={BIDDER}, valid_from=valid_from, valid_until=valid_until,
                           anchored_at=anchored_at, deadline=DEADLINE, years=years, status_at=status_at)
    return f, asked


def test_the_cutoff_is_calendar_years_before_the_deadline_in_china_time() -> None:
    assert conflict_cutoff(DEADLINE, 3) == CUTOFF_3Y
    assert conflict_cutoff(DEADLINE, 0) == DEADLINE
    leap = int(datetime(2028, 2, 29, 12, 0, tzinfo=CST).timestamp())
    assert conflict_cutoff(leap, 1) == int(datetime(2027, 2, 28, 12, 0, tzinfo=CST).timestamp())
    with pytest.raises(ValidationFailed):
        conflict_cutoff(DEADLINE, -1)


def test_a_current_employee_of_a_bidder_is_conflicted() -> None:
    f, _ = finding()
    assert f.conflicted and f.status is Status.VALID


def test_an_employee_of_a_firm_that_did_not_bid_is_not() -> None:
    f, asked = finding(employer=OTHER)
    assert not f.conflicted and asked == [] and "bid in no opened bid" in f.reason


@pytest.mark.parametrize(("ended", "conflicted"), [
    (CUTOFF_3Y - 1, False), (CUTOFF_3Y, False), (CUTOFF_3Y + 1, True), (DEADLINE, True),
])
def test_the_boundary_of_a_registration_that_expired(ended: int, conflicted: bool) -> None:
    """validUntil is exclusive: one that ended exactly at the cutoff was not in force in the window."""
    assert finding(valid_until=ended)[0].conflicted is conflicted


@pytest.mark.parametrize(("revoked", "conflicted"), [
    (CUTOFF_3Y - 86_400, False), (CUTOFF_3Y, False), (CUTOFF_3Y + 1, True),
])
def test_the_boundary_of_a_registration_revoked_or_superseded_on_chain(revoked: int, conflicted: bool) -> None:
    f, asked = finding(revoked_at=revoked)
    assert f.conflicted is conflicted and asked == [CUTOFF_3Y]


def test_a_longer_conflict_period_catches_an_older_employment() -> None:
    ended = CUTOFF_3Y - 86_400  # left the bidder three years and a day before the deadline
    assert not finding(revoked_at=ended, years=3)[0].conflicted
    assert finding(revoked_at=ended, years=4)[0].conflicted


def test_zero_years_conflicts_only_an_employment_in_force_at_the_deadline() -> None:
    assert not finding(revoked_at=DEADLINE, years=0)[0].conflicted
    assert finding(revoked_at=DEADLINE + 1, years=0)[0].conflicted


def test_a_registration_valid_from_after_the_cutoff_is_asked_about_from_then() -> None:
    later = CUTOFF_3Y + 1000
    f, asked = finding(valid_from=later, anchored_at=later - 10)
    assert f.conflicted and asked == [later]
    f, asked = finding(valid_from=later, anchored_at=later - 10, revoked_at=later)  # revoked as it began
    assert not f.conflicted and asked == [later]


def test_a_registration_anchored_after_the_fact_is_judged_by_its_dates() -> None:
    """An issuer records an old employment today: nothing on chain ended it before its anchoring."""
    f, asked = finding(valid_until=CUTOFF_3Y + 86_400, anchored_at=DEADLINE + 86_400)
    assert f.conflicted and f.status is None and asked == []
    assert not finding(valid_until=CUTOFF_3Y, anchored_at=DEADLINE + 86_400)[0].conflicted


def test_a_suspended_registration_is_still_an_employment() -> None:
    f = personnel_conflict(employer=BIDDER, bidders={BIDDER}, valid_from=LONG_AGO, valid_until=None,
                           anchored_at=LONG_AGO, deadline=DEADLINE, years=3, status_at=lambda t: Status.SUSPENDED)
    assert f.conflicted
