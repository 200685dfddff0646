"""CheckpointBook, spoken to in Python terms: the store's log checkpoints (size, root, time).

The only code that knows CheckpointBook's ABI: every call, send and log read of the contract is a
method here, taking and returning model objects.
"""

from __future__ import annotations

from typing import ClassVar

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from ledger.chain.gateway import Gateway
from ledger.model.checkpoint import Checkpoint
from ledger.model.receipt import Mined


class CheckpointBookGateway(Gateway):
    NAME: ClassVar[str] = "CheckpointBook"

    # ------------------------------------------------------------------ reads
    def count(self) -> int:
        return int(self._call("checkpointCount"))

    def at(self, index: int) -> Checkpoint:
        size, recorded_at, root = self._call("checkpointAt", index)
        return Checkpoint(index, int(size), bytes(root), int(recorded_at))

    def latest(self) -> Checkpoint | None:
        """The latest checkpoint, None before the first."""
        count = self.count()
        return self.at(count - 1) if count else None

    def checkpoints(self) -> list[Checkpoint]:
        """Every checkpoint in order, from the contract's events (who recorded each, in which
        transaction and block)."""
        out = []
        for lg in self.logs(event="Checkpointed"):
            a = lg.args
            out.append(Checkpoint(int(a["index"]), int(a["size"]), bytes(a["root"]), int(a["recordedAt"]),
                                  by=to_checksum_address(a["centre"]), tx="0x" + lg.tx_hash.hex(),
                                  block=lg.block_number))
        return sorted(out, key=lambda c: c.index)

    # ------------------------------------------------------------------ writes
    def check(self, sender: str, size: int, root: bytes) -> None:
        """Dry-run the checkpoint as `sender`: the contract's own error if it would refuse."""
        self.dry_run(sender, self.calldata("checkpoint", size, root))

    def checkpoint(self, centre: LocalAccount, size: int, root: bytes) -> Mined:
        """Record that the store's log of `size` records has root `root` (the centre's own key)."""
        return self._send(centre, "checkpoint", size, root, timestamp=True)
