"""Recomputing a recorded draw from the chain alone: what `tender-ledger lottery verify` runs.

Nothing here trusts the contract's arithmetic or the service: the sealed seeds come from the
SeedCommitted events, the key from the shares the officers released (checked against the share
hashes fixed at opening, and against the draw's public key), the candidates and parties from
DrawOpened; the seeds are opened and the draw rerun with `ledger.rules.lottery`, and the result is
compared with what the contract recorded (DrawFinished and `picksOf`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ledger.crypto.draw_seal import DrawSealError, open_seed, public_key_bytes
from ledger.crypto.shares import ShareError, combine
from ledger.errors import ValidationFailed
from ledger.model.lottery import DrawStatus, OnChainDraw, RecordedDraw
from ledger.rules.lottery import combined_seed, draw, draw_id

NO_SEED = bytes(32)
"""What a party that did not commit contributes: bytes32(0), as the contract records it."""


class DrawReads(Protocol):
    """What recomputing a draw reads from the chain (LotteryBookGateway provides it)."""

    def recorded(self, draw_id: bytes) -> RecordedDraw | None: ...

    def draw(self, draw_id: bytes) -> OnChainDraw: ...


@dataclass(frozen=True)
class DrawAudit:
    """A draw recomputed from the chain: what was recorded, what the recomputation gives, and
    every disagreement (`problems`; empty when the draw verifies)."""

    draw_id: bytes
    recorded: RecordedDraw | None
    state: OnChainDraw | None
    seeds: tuple[bytes, ...] | None  # recomputed, in the parties' order
    picks: tuple[bytes, ...] | None  # recomputed, in draw order
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def audit_draw(reads: DrawReads, did: bytes) -> DrawAudit:
    """Recompute draw `did` from the chain and compare it with what the contract recorded."""
    recorded = reads.recorded(did)
    if recorded is None:
        return DrawAudit(did, None, None, None, None, (f"no draw 0x{did.hex()} was opened on chain",))
    state = reads.draw(did)
    opened = recorded.opened
    problems: list[str] = []
    try:
        expected_id = draw_id(opened.tender_id, opened.section, recorded.purpose, opened.round)
    except ValidationFailed as exc:
        expected_id = None
        problems.append(f"the draw's recorded tender, section, purpose or round are malformed: {exc}")
    if expected_id is not None and expected_id != did:
        problems.append("the draw id is not keccak256(abi.encode(tenderId, section, purpose, round)) "
                        "of what DrawOpened recorded")
    if (state.parties, state.candidates, state.k, state.public_key) != (
            opened.parties, opened.candidates, opened.k, opened.public_key):
        problems.append("the contract's draw differs from what DrawOpened recorded")
    committed = tuple(p in recorded.sealed for p in opened.parties)
    if state.committed != committed:
        problems.append("the contract's list of who committed differs from the SeedCommitted events")
    if state.status is not DrawStatus.FINISHED or recorded.picks is None:
        problems.append("the draw is not finished: no picks are recorded yet")
        return DrawAudit(did, recorded, state, None, None, tuple(problems))

    index = {officer: n for n, officer in enumerate(opened.officers, start=1)}
    shares = []
    for officer, share in recorded.shares.items():
        if index.get(officer) != share.index:
            problems.append(f"officer {officer} released share {share.index}, not its own")
        shares.append(share)
    try:
        key = combine(shares, k=opened.threshold, expected_public=opened.public_key,
                      share_hashes=opened.share_hashes, public_key=public_key_bytes)
    except ShareError as exc:
        problems.append(f"the released shares do not rebuild the draw key: {exc}")
        return DrawAudit(did, recorded, state, None, None, tuple(problems))

    sk = int.from_bytes(key, "big")
    seeds = []
    for party in opened.parties:
        sealed = recorded.sealed.get(party)
        try:
            seeds.append(NO_SEED if sealed is None else open_seed(sealed, private_key=sk, draw_id=did, party=party))
        except DrawSealError as exc:
            problems.append(f"party {party}'s sealed seed does not open: {exc}")
            seeds.append(NO_SEED)
    picks = tuple(draw(combined_seed(seeds), opened.candidates, opened.k))
    if tuple(seeds) != recorded.seeds:
        problems.append("the seeds DrawFinished recorded are not the sealed seeds opened with the released key")
    if picks != recorded.picks:
        problems.append("the picks DrawFinished recorded do not follow from the seeds and the candidates")
    if picks != state.picks:
        problems.append("the picks the contract holds do not follow from the seeds and the candidates")
    return DrawAudit(did, recorded, state, tuple(seeds), picks, tuple(problems))


def verify_recorded_draw(reads: DrawReads, did: bytes) -> list[str]:
    """What is wrong with recorded draw `did` (nothing: an empty list), recomputed from the chain."""
    return list(audit_draw(reads, did).problems)
