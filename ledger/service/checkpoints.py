"""Checkpoints of the store's log: its size and RFC 6962 root, recorded on chain by the centre.

The store keeps an append-only log of what the chain does not fix (`api/db/storelog.py`); this
use case places the records written since the last checkpoint (`StoreLog.sequence`), computes the
tree head and has the trading centre's key record it in CheckpointBook. Before it does, the log's
root at the latest checkpoint's size must still be that checkpoint's root: a store whose history
was rewritten is never checkpointed again (StoreMismatch), so a rewrite cannot be laundered by the
next checkpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Protocol

from eth_account.signers.local import LocalAccount

from ledger.chain.checkpoint_book import CheckpointBookGateway
from ledger.crypto.transparency import leaf_hash, roots_at
from ledger.errors import StoreMismatch
from ledger.model.checkpoint import Checkpoint, LogRecord
from ledger.model.receipt import Mined


class StoreLog(Protocol):
    """The store's log, as the checkpoint use case needs it."""

    def sequence(self) -> int:
        """Place every record written but not yet placed; return the log's size."""
        ...

    def records(self, upto: int | None = None) -> Sequence[LogRecord]:
        """The placed records by position (the first `upto` with `upto`)."""
        ...

    def written(self) -> int:
        """How many records were written, placed or not (the size the log will have)."""
        ...

    def written_at(self, position: int) -> float | None:
        """When (unix seconds, the service's clock) the record that is or will be at `position`
        was written; None when there is none yet."""
        ...


@dataclass(frozen=True)
class CheckpointPolicy:
    """When the service checkpoints by itself: once `records` records wait for a checkpoint, or
    once the oldest of them has waited `seconds` (0 turns either off)."""

    records: int = 100
    seconds: float = 3600.0

    def due(self, *, pending: int, waited: float) -> bool:
        """Whether a checkpoint is due with `pending` records written since the latest checkpoint,
        the oldest of them written `waited` seconds ago."""
        if pending <= 0:
            return False
        if self.records and pending >= self.records:
            return True
        return bool(self.seconds) and waited >= self.seconds


@dataclass(frozen=True)
class CheckpointOutcome:
    """What a checkpoint run did: the log's size and root now, the latest checkpoint before, and
    the new one with its transaction (None when nothing was new or it was not due)."""

    size: int
    root: bytes
    previous: Checkpoint | None
    recorded: Checkpoint | None
    mined: Mined | None


class CheckpointService:
    def __init__(self, book: CheckpointBookGateway, log: StoreLog, centre: LocalAccount,
                 lock: AbstractContextManager[object] | None = None) -> None:
        self.book, self.log, self.centre = book, log, centre
        self.lock = lock if lock is not None else nullcontext()

    def checkpoint(self, *, policy: CheckpointPolicy | None = None, now: float | None = None) -> CheckpointOutcome:
        """Place the records written since, and record the log's tree head on chain when it grew
        (with `policy`, only when due at `now`, unix seconds of the service's clock)."""
        if policy is not None:  # cheap first: nothing is read or placed until a checkpoint is due
            latest = self.book.latest()
            base = latest.size if latest is not None else 0
            oldest = self.log.written_at(base)
            waited = 0.0 if oldest is None or now is None else now - oldest
            if not policy.due(pending=self.log.written() - base, waited=waited):
                return CheckpointOutcome(base, latest.root if latest else b"", latest, None, None)
        with self.lock:
            size = self.log.sequence()
            previous = self.book.latest()
            leaves = [leaf_hash(r.data) for r in self.log.records(size)]
            sizes = [size] + ([previous.size] if previous is not None else [])
            heads = roots_at(leaves, sizes)
            if previous is not None:
                held = heads.get(previous.size)
                if held is None or held != previous.root:
                    what = (f"holds only {size} records" if held is None else
                            "has another root at that size")
                    raise StoreMismatch(
                        f"the store's log {what} than checkpoint {previous.index} (size {previous.size}, root "
                        f"0x{previous.root.hex()}) on chain: its history was rewritten; run `tender-ledger "
                        "audit log` to find where — no checkpoint is recorded over it")
            head = heads[size]
            if size <= (previous.size if previous is not None else 0):
                return CheckpointOutcome(size, head, previous, None, None)
            mined = self.book.checkpoint(self.centre, size, head)
            index = previous.index + 1 if previous is not None else 0
            recorded = Checkpoint(index, size, head, int(mined.timestamp or 0), by=self.centre.address,
                                  tx=mined.tx_hex, block=mined.block_number)
            return CheckpointOutcome(size, head, previous, recorded, mined)
