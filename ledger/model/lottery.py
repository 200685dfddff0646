"""A lottery draw as LotteryBook holds it, and as its events recorded it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from ledger.crypto.draw_seal import SealedSeed
from ledger.crypto.shares import Share


class DrawStatus(IntEnum):
    """Where a draw stands (the contract's `Status`)."""

    NONE = 0
    OPEN = 1
    FINISHED = 2


@dataclass(frozen=True)
class DrawSetup:
    """What the centre fixes when it opens a draw. `public_key` is the draw key (64 bytes x ‖ y);
    `share_hashes[i]` is the keccak of `officers[i]`'s share of its private key."""

    tender_id: bytes
    section: int
    purpose: str
    round: int
    parties: tuple[str, ...]
    candidates: tuple[bytes, ...]
    k: int
    public_key: bytes
    commit_deadline: int
    officers: tuple[str, ...]
    share_hashes: tuple[bytes, ...]
    threshold: int


@dataclass(frozen=True)
class OnChainDraw:
    """A draw as `drawOf` returns it: everything fixed at opening, who committed, the picks."""

    draw_id: bytes
    status: DrawStatus
    tender_id: bytes
    section: int
    round: int
    k: int
    threshold: int
    shares_released: int
    commits: int
    commit_deadline: int
    public_key: bytes
    parties: tuple[str, ...]
    committed: tuple[bool, ...]
    candidates: tuple[bytes, ...]
    officers: tuple[str, ...]
    share_hashes: tuple[bytes, ...]
    picks: tuple[bytes, ...]


@dataclass(frozen=True)
class RecordedDraw:
    """A draw as its events recorded it: DrawOpened (with the purpose), every SeedCommitted, every
    DrawShareReleased, and DrawFinished's seeds and picks (None while unfinished)."""

    draw_id: bytes
    purpose: str
    opened: OnChainDraw
    sealed: dict[str, SealedSeed]
    shares: dict[str, Share]
    seeds: tuple[bytes, ...] | None
    picks: tuple[bytes, ...] | None
