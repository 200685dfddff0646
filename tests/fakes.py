"""In-memory fakes of the ports and gateways the use cases stand on, for the fast tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


# ---------------------------------------------------------------------- TenderBook


class FakeTenderBook:
    """An in-memory stand-in for `TenderBookGateway`'s bid relay: refuses the bids it is told to."""

    def __init__(self, refuse: set[bytes] | None = None) -> None:
        self.refuse = set(refuse or ())  # commitments whose relay reverts
        self.relayed: list[list[Any]] = []  # each relayed batch, in order
        self.dry_runs: list[list[Any]] = []

    def _check(self, auths: Sequence[Any]) -> None:
        from ledger.errors import ContractRevert

        for a in auths:
            if a.commitment in self.refuse:
                raise ContractRevert("BadSignature", {}, "the bid's signature does not recover to its bidder")

    def relay_bids(self, relayer: Any, auths: Sequence[Any]) -> Any:
        from ledger.model.receipt import Mined

        self._check(auths)
        self.relayed.append(list(auths))
        n = len(self.relayed)
        return Mined(n.to_bytes(32, "big"), n)

    def dry_run_bids(self, relayer: str, auths: Sequence[Any]) -> None:
        self.dry_runs.append(list(auths))
        self._check(auths)
