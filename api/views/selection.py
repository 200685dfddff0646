"""评定分离 as the API's JSON: the section's selection state (committees, shortlist, rounds, the
step the fixed rule asks for, the decision, objections, the winner), the evaluation the rule
computes from the revealed sheets, an exclusion, a relayed step."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from collections.abc import Mapping
from typing import Any

from api.encoding import to_hex
from ledger.documents.pool_card import PoolCard
from ledger.model.receipt import Mined
from ledger.model.selection import (
    Committee,
    Decision,
    EvaluationOutcome,
    Exclusion,
    FiledText,
    PoolEntry,
    Replacement,
    RoundRecord,
    SelectionState,
)
from ledger.rules.selection import Decided, NeedDecision, NeedDraw, NeedViews, NeedVote, Step


def _time(ts: int) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat() if ts else None


def mined(function: str, m: Mined) -> dict[str, Any]:
    return {"function": function, "tx_hash": to_hex(m.tx_hash), "block_number": m.block_number}


def step(s: Step | None) -> dict[str, Any] | None:
    """What the fixed rule asks for next (`next`: vote, draw, views, decision or decided)."""
    if s is None:
        return None
    if isinstance(s, NeedVote):
        return {"next": "vote", "round": s.round, "candidates": list(s.candidates), "waiting": list(s.waiting)}
    if isinstance(s, NeedDraw):
        return {"next": "draw", "purpose": s.purpose, "round": s.round, "candidates": list(s.candidates), "k": s.k}
    if isinstance(s, NeedViews):
        return {"next": "views", "candidates": list(s.candidates), "waiting": list(s.waiting)}
    if isinstance(s, NeedDecision):
        return {"next": "decision", "candidates": list(s.candidates), "chair": s.chair}
    assert isinstance(s, Decided)
    return {"next": "decided", "winner": s.winner, "how": s.how, "detail": s.detail, "figures": dict(s.figures)}


def committee(c: Committee, holders: dict[str, str]) -> dict[str, Any]:
    return {"kind": c.kind.name, "draw_id": to_hex(c.draw_id), "size": c.size,
            "commit_deadline": _time(c.commit_deadline), "reveal_deadline": _time(c.reveal_deadline),
            "revealed": c.revealed,
            "seats": [{"seat": s, "holder": holders.get(s)} for s in c.seats],
            **({"chair_index": c.chair_index} if c.chair_index is not None else {})}


def round_record(r: RoundRecord) -> dict[str, Any]:
    st = r.state
    return {"round": st.round, "candidates": list(st.candidates), "tallies": list(st.tallies),
            "abstentions": st.abstentions, "commit_deadline": _time(st.commit_deadline),
            "reveal_deadline": _time(st.reveal_deadline), "closed": r.closed,
            "votes": [{"seat": s, "candidate": c} for s, c in r.votes]}


def objection(f: FiledText) -> dict[str, Any]:
    g = f.filing
    return {"id": g.id, "by": g.by, "filed_at": _time(g.filed_at), "reason": f.reason,
            "reason_hash": to_hex(g.reason_hash), "answered_at": _time(g.closed_at), "late": g.late,
            "answer": f.answer}


def complaint(f: FiledText) -> dict[str, Any]:
    g = f.filing
    return {"id": g.id, "by": g.by, "filed_at": _time(g.filed_at), "reason": f.reason,
            "reason_hash": to_hex(g.reason_hash), "ruled_at": _time(g.closed_at),
            "upheld": g.upheld if g.closed_at else None, "redo": g.redo.name if g.closed_at and g.upheld else None,
            "ruling_hash": to_hex(g.answer_hash) if g.closed_at else None, "ruling": f.answer}


def withdrawn(d: Decision) -> dict[str, Any]:
    return {"winner": d.winner, "draw_id": to_hex(d.draw_id) if d.draw_id else None,
            "record_hash": to_hex(d.record_hash), "decided_at": _time(d.decided_at)}


def pool(entries: list[PoolEntry], cards: Mapping[str, PoolCard]) -> dict[str, Any]:
    """The pool's entries, each with the name on its pool card where one is filed and fits."""
    def entry(e: PoolEntry) -> dict[str, Any]:
        card = cards.get(e.address.lower())
        return {"address": e.address, "speciality": e.speciality, "name": card.name if card else None,
                "organisation": (card.organisation or None) if card else None}

    return {"count": len(entries), "entries": [entry(e) for e in entries]}


def replacement(r: Replacement) -> dict[str, Any]:
    return {"tender_id": to_hex(r.tender_id), "section": r.section, "kind": r.kind.name, "old_seat": r.old_seat,
            "new_seat": r.new_seat, "reason": json.loads(r.reason), "reason_hash": to_hex(r.reason_hash)}


def state(s: SelectionState) -> dict[str, Any]:
    d = s.decision
    return {
        "tender_id": to_hex(s.tender_id), "section": s.section, "stage": s.status.stage.name,
        "tenderer": s.tenderer.rstrip(b"\x00").decode("ascii", "replace") if s.tenderer else None,
        "committees": [committee(c, s.holders) for c in s.committees if c.seated],
        "shortlist": None if s.shortlist is None else {
            "candidates": list(s.shortlist.candidates), "max_size": s.shortlist.max_size,
            "report_hash": to_hex(s.shortlist.report_hash), "version": s.shortlist.version},
        "rounds": [round_record(r) for r in s.rounds], "step": step(s.step),  # type: ignore[arg-type]
        "draws": [to_hex(x) for x in s.draws],
        "decision": None if d is None else {
            "winner": d.winner, "draw_id": to_hex(d.draw_id) if d.draw_id else None,
            "record_hash": to_hex(d.record_hash), "record": json.loads(s.record) if s.record else None,
            "decided_at": _time(d.decided_at), "publicity_ends": _time(d.publicity_ends), "awarded": d.awarded},
        "objections": [objection(o) for o in s.objections],
        "complaints": [complaint(c) for c in s.complaints],
        "withdrawn_decisions": [withdrawn(d) for d in s.withdrawn],
        "winner": s.winner,
    }


def evaluation(e: EvaluationOutcome) -> dict[str, Any]:
    result: Any = e.result
    return {
        "tender_id": to_hex(e.tender_id), "section": e.section, "method": result.method.value,
        "shortlist": list(result.shortlist), "max_size": e.max_size,
        "report_hash": to_hex(e.report_hash), "report": json.loads(e.report),
        "sheets": [{"seat": s.seat, "holder": s.holder, "sheet_hash": to_hex(s.sheet_hash),
                    "sheet": s.sheet.model_dump(mode="json")} for s in e.sheets],  # type: ignore[attr-defined]
        "filed": e.filed is not None,
    }


def exclusion(x: Exclusion) -> dict[str, Any]:
    return {"tender_id": to_hex(x.tender_id), "section": x.section, "kind": x.kind.name, "expert": x.expert,
            "reason": json.loads(x.reason), "reason_hash": to_hex(x.reason_hash)}
