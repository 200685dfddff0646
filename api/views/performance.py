"""JSON of a section's performance record (履约): parties, entries with their texts, completion."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from api.encoding import to_hex
from ledger.model.performance import EntryKind, FiledEntry, FiledRuling, PerformanceRecord

# A ruling's verdict in words.
VERDICT = {True: ("UPHELD", "投诉成立", "upheld"), False: ("DISMISSED", "投诉不成立", "dismissed")}


def _time(ts: int) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat() if ts else None


def entry(filed: FiledEntry) -> dict[str, Any]:
    e, document = filed.entry, filed.document
    completion = e.kind is EntryKind.COMPLETION
    return {
        "index": e.index, "kind": e.kind.name, "by": e.by, "recorded_at": _time(e.recorded_at),
        "acknowledged_at": _time(e.acknowledged_at), "document_hash": to_hex(e.document_hash),
        "text": document.decode() if document is not None and not completion else None,
        "evaluation": json.loads(document) if document is not None and completion else None,
        "ruling": ruling(filed.ruling) if filed.ruling is not None else None,
    }


def ruling(filed: FiledRuling) -> dict[str, Any]:
    r = filed.ruling
    verdict, zh, en = VERDICT[r.upheld]
    return {"upheld": r.upheld, "verdict": verdict, "words": {"zh": zh, "en": en}, "ruled_at": _time(r.ruled_at),
            "by": r.by, "ruling_hash": to_hex(r.ruling_hash), "text": filed.text}


def record(r: PerformanceRecord) -> dict[str, Any]:
    c = r.completion
    return {
        "tender_id": to_hex(r.tender_id), "section": r.section, "centre": r.centre, "winner": r.winner or None,
        "contract_signed_at": _time(r.signed_at), "entries": [entry(f) for f in r.entries],
        "completed": c is not None, "completed_at": _time(c.completed_at) if c else None,
        "evaluation_hash": to_hex(c.evaluation_hash) if c else None,
        "evaluation": r.evaluation.model_dump(mode="json", by_alias=True, exclude_none=True) if r.evaluation else None,
    }
