"""A page of the tender list as the API's JSON."""

from __future__ import annotations

from typing import Any

from api.encoding import to_hex
from ledger.service.catalogue import TenderPage


def tender_page(page: TenderPage) -> dict[str, Any]:
    return {
        "query": page.query, "offset": page.offset, "limit": page.limit, "total": page.total,
        "tenders": [{
            "tender_id": to_hex(t.stored.tender.tender_id), "project_code": t.stored.tender.params.project_code,
            "title": t.stored.tender.params.title, "tenderer": t.stored.tender.params.tenderer,
            "deadline": t.stored.tender.deadline, "version": t.stored.version,
            "published_at": t.stored.published_at.isoformat(),
            "sections": [{"code": s.code, "name": s.name, "status": state.status.name}
                         for s, state in zip(t.stored.tender.params.sections, t.sections, strict=True)],
        } for t in page.tenders],
    }
