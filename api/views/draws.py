"""JSON of a lottery draw: what was fixed at opening, who committed, the key shares out, the picks,
and whether the draw recomputes from the chain alone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from api.encoding import to_hex
from ledger.service.lottery import DrawAudit


def _time(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def draw(audit: DrawAudit) -> dict[str, Any]:
    recorded, state = audit.recorded, audit.state
    assert recorded is not None and state is not None
    o = recorded.opened
    return {
        "draw_id": to_hex(audit.draw_id), "tender_id": to_hex(o.tender_id), "section": o.section,
        "purpose": recorded.purpose, "round": o.round, "status": state.status.name,
        "commit_deadline": _time(o.commit_deadline), "k": o.k, "threshold": o.threshold,
        "public_key": to_hex(o.public_key),
        "parties": [{"address": p, "committed": p in recorded.sealed} for p in o.parties],
        "candidates": [to_hex(c) for c in o.candidates],
        "officers": [{"address": a, "released": a in recorded.shares} for a in o.officers],
        "seeds": [to_hex(s) for s in recorded.seeds] if recorded.seeds is not None else None,
        "picks": [to_hex(p) for p in recorded.picks] if recorded.picks is not None else None,
        "verified": audit.ok if recorded.picks is not None else None,
        "problems": list(audit.problems) if recorded.picks is not None else [],
    }
