"""Tender parameters used across tests: one realistic municipal-works tender."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any


def tender_params(*, guarantee: str = "200000.00", **overrides: Any) -> dict[str, Any]:
    """The tender's parameters; `guarantee` is section 0's bid guarantee in 元 ("0": none required)."""
    issued = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    params: dict[str, Any] = {
        "project_code": "E3203010319005778",
        "title": "珠海市香洲区市政道路改造工程",
        "tenderer": "珠海市香洲区住房和城乡建设局",
        "tenderer_uscc": "91350100M000100Y43",
        "sections": [
            {
                "code": "E3203010319005778001001",
                "name": "一标段",
                "estimated_price": "12000000.00",
                "bid_guarantee": guarantee,
                "qualification": [
                    {"category": "建筑业企业资质", "name_contains": "市政公用工程", "min_grade": "二级"}
                ],
                "performance": {"count": 1, "min_amount_wan": "500", "within_years": 5},
                "personnel": [{"registration_type": "一级注册建造师", "specialty": "市政", "count": 1}],
            }
        ],
        "issued_at": issued.isoformat(),
        "deadline": (issued + timedelta(days=21)).isoformat(),
        "bid_validity_days": 90,
        "evaluation_method": "定性评审",
        "shortlist_size": 3,
        "selection": {"method": "直接票决", "committee_size": 7},
    }
    params.update(overrides)
    return params
