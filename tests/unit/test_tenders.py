"""Tender parameters: the published rules are enforced and every outcome parameter is hashed."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from ledger.tenders import TenderParams, meets_grade, tender_id
from tests.scenes import tender_params


def test_a_realistic_tender_is_accepted_and_has_a_stable_hash() -> None:
    a = TenderParams.model_validate(tender_params())
    b = TenderParams.model_validate(copy.deepcopy(tender_params()))
    assert a.params_hash() == b.params_hash() and len(a.params_hash()) == 32
    assert a.tender_id() == tender_id("E3203010319005778")


def test_changing_any_outcome_parameter_changes_the_hash() -> None:
    base = TenderParams.model_validate(tender_params()).params_hash()
    changed = [
        tender_params(shortlist_size=5),
        tender_params(selection={"method": "直接抽签", "committee_size": 7}),
        tender_params(evaluation_method="最低价"),
    ]
    sections = tender_params()["sections"]
    sections[0]["qualification"][0]["min_grade"] = "一级"
    changed.append(tender_params(sections=sections))
    assert len({TenderParams.model_validate(p).params_hash() for p in changed} | {base}) == 5


def test_a_bid_guarantee_above_two_percent_of_the_estimate_is_refused() -> None:
    params = tender_params()
    params["sections"][0]["bid_guarantee"] = "240000.01"
    with pytest.raises(ValidationError, match="exceeds 2% of the estimated price"):
        TenderParams.model_validate(params)


def test_a_bid_guarantee_larger_than_guaranteebook_records_is_refused_not_truncated() -> None:
    # GuaranteeBook keeps an amount in 40 bits of 分: 2^40 − 1 分 = 10,995,116,277.75 元 is the most.
    params = tender_params()
    params["sections"][0]["estimated_price"] = "1000000000000"
    params["sections"][0]["bid_guarantee"] = "10995116277.75"
    TenderParams.model_validate(params)
    params["sections"][0]["bid_guarantee"] = "10995116277.76"
    with pytest.raises(ValidationError, match="exceeds the most GuaranteeBook records, 10995116277.75 元"):
        TenderParams.model_validate(params)


def test_a_self_declared_issue_time_is_refused_the_chain_fixes_it_at_publication() -> None:
    # The 20-day bid period runs from the block time of publication (TenderBook checks it): an
    # issue time typed into the parameters, e.g. backdated to make a short deadline pass, is refused.
    deadline = datetime(2026, 12, 21, 9, tzinfo=UTC)
    backdated = tender_params(issued_at=(deadline - timedelta(days=30)).isoformat(), deadline=deadline.isoformat())
    with pytest.raises(ValidationError, match="issued_at is not a tender parameter"):
        TenderParams.model_validate(backdated)
    assert "issued_at" not in TenderParams.model_validate(tender_params()).model_dump()


def test_an_even_selection_committee_and_missing_method_parameters_are_refused() -> None:
    with pytest.raises(ValidationError, match="odd number"):
        TenderParams.model_validate(tender_params(selection={"method": "直接票决", "committee_size": 6}))
    with pytest.raises(ValidationError, match="price_rule"):
        TenderParams.model_validate(tender_params(selection={"method": "价格竞争"}))


def test_times_without_an_offset_and_an_invalid_tenderer_uscc_are_refused() -> None:
    with pytest.raises(ValidationError, match="UTC offset"):
        TenderParams.model_validate(tender_params(deadline="2026-12-22T09:00:00"))
    with pytest.raises(ValidationError, match="check digit"):
        TenderParams.model_validate(tender_params(tenderer_uscc="911301257502818178"))


def test_grades_compare_by_rank() -> None:
    assert meets_grade("一级", "二级") and meets_grade("特级", "一级") and not meets_grade("三级", "二级")
