"""JSON of the governance: members, proposals (with their calls in words) and relayed steps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from api.encoding import to_hex
from api.views.chain import unsigned_tx
from ledger.documents.pool_card import PoolCard
from ledger.model.governance import GovernedCall, Member, Proposal
from ledger.model.receipt import UnsignedTx
from ledger.service.governance import GovernanceStep


def _time(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _arg(value: Any) -> Any:
    if isinstance(value, bytes):
        return to_hex(value)
    if isinstance(value, list | tuple):
        return [_arg(v) for v in value]
    return value


def member(m: Member) -> dict[str, Any]:
    return {"address": m.address, "name": m.name}


def overview(members: list[Member], threshold: int, address: str) -> dict[str, Any]:
    return {"address": address, "members": [member(m) for m in members], "threshold": threshold}


def call(c: GovernedCall) -> dict[str, Any]:
    return {"target": c.target, "contract": c.contract, "function": c.function,
            "args": {k: _arg(v) for k, v in c.args.items()}, "data": to_hex(c.data)}


def card(c: PoolCard) -> dict[str, Any]:
    return {**c.as_json(), "content": c.content().decode()}


def proposal(p: Proposal, names: dict[str, str], filed: PoolCard | None = None) -> dict[str, Any]:
    return {
        "proposal_id": to_hex(p.proposal_id), "proposer": p.proposer, "proposer_name": names.get(p.proposer),
        "call": call(p.call), "salt": to_hex(p.salt), "expires_at": _time(p.expiry), "state": p.state.name,
        "approvals": [{"address": a, "name": names.get(a)} for a in p.approvals],
        "threshold": p.threshold, "ready": p.ready,
        "executed_tx": to_hex(p.executed_tx) if p.executed_tx else None,
        "card": card(filed) if filed is not None else None,
    }


def prepared(tx: UnsignedTx, pid: bytes, c: GovernedCall | None, made: PoolCard | None = None) -> dict[str, Any]:
    return {"tx": unsigned_tx(tx), "proposal_id": to_hex(pid), "call": call(c) if c is not None else None,
            "card": card(made) if made is not None else None}


def step(s: GovernanceStep, names: dict[str, str]) -> dict[str, Any]:
    return {"function": s.function, "member": s.member, "member_name": names.get(s.member),
            "tx_hash": s.mined.tx_hex, "block_number": s.mined.block_number,
            "proposal": proposal(s.proposal, names, s.card),
            "executed_tx": s.executed.tx_hex if s.executed is not None else None}
