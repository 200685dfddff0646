"""LotteryBook, spoken to in Python terms: draws opened, seeds sealed, key shares released, finished.

The only code that knows LotteryBook's ABI: every call, send and log read of the contract is a
method here, taking and returning model objects.
"""

from __future__ import annotations

from typing import Any, ClassVar

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from ledger.chain import lottery_state as state
from ledger.chain.client import ChainClient
from ledger.chain.gateway import Gateway
from ledger.chain.relay import RelayedTx, decode_signed_tx, relay
from ledger.crypto.draw_seal import SealedSeed, point_bytes
from ledger.crypto.shares import Share
from ledger.model.lottery import DrawSetup, DrawStatus, OnChainDraw, RecordedDraw
from ledger.model.receipt import Mined


def _opened_from_log(draw_id: bytes, a: dict[str, Any]) -> OnChainDraw:
    parties = tuple(to_checksum_address(p) for p in a["parties"])
    return OnChainDraw(
        draw_id=draw_id, status=DrawStatus.OPEN, tender_id=bytes(a["tenderId"]), section=int(a["section"]),
        round=int(a["round"]), k=int(a["k"]), threshold=int(a["threshold"]), shares_released=0, commits=0,
        commit_deadline=int(a["commitDeadline"]),
        public_key=point_bytes((int(a["publicKeyX"]), int(a["publicKeyY"]))),
        parties=parties, committed=(False,) * len(parties), candidates=tuple(bytes(c) for c in a["candidates"]),
        officers=tuple(to_checksum_address(o) for o in a["officers"]),
        share_hashes=tuple(bytes(h) for h in a["shareHashes"]), picks=(),
    )


class LotteryBookGateway(Gateway):
    NAME: ClassVar[str] = "LotteryBook"
    IMMUTABLES: ClassVar[tuple[str, ...]] = ("tenderBook",)

    def __init__(self, client: ChainClient, address: str) -> None:
        super().__init__(client, address)
        self._opened: dict[bytes, state.OpenedDraw] = {}  # draws' fixed parts, read once (embedded chain)

    # ------------------------------------------------------------------ reads
    def draw_id(self, tender_id: bytes, section: int, purpose: str, round: int) -> bytes:
        return bytes(self._call("drawIdOf", tender_id, section, purpose, round))

    def draw(self, draw_id: bytes) -> OnChainDraw:
        """`drawOf(draw_id)`. On the embedded chain read from the contract's storage (`lottery_state`):
        the draw's first word and picks each time, what its opening fixed once per draw."""
        embedded = self._storage()
        if embedded is not None:
            word0 = state.status_word(embedded, self.address, draw_id)
            if word0:
                opened = self._opened.get(bytes(draw_id))
                if opened is None:
                    opened = self._opened[bytes(draw_id)] = state.opened_of(embedded, self.address, draw_id)
                return state.draw_of(embedded, self.address, draw_id, word0, opened)
        return self._draw_call(draw_id)

    def _draw_call(self, draw_id: bytes) -> OnChainDraw:
        """`drawOf(draw_id)`, run by the chain."""
        v = self._call("drawOf", draw_id)
        (status, tender_id, section, round_, k, threshold, released, commits, deadline, pkx, pky, parties,
         committed, candidates, officers, hashes, picks) = v
        return OnChainDraw(
            draw_id=bytes(draw_id), status=DrawStatus(int(status)), tender_id=bytes(tender_id),
            section=int(section), round=int(round_), k=int(k), threshold=int(threshold),
            shares_released=int(released), commits=int(commits), commit_deadline=int(deadline),
            public_key=point_bytes((int(pkx), int(pky))) if pkx or pky else b"",
            parties=tuple(to_checksum_address(p) for p in parties), committed=tuple(bool(c) for c in committed),
            candidates=tuple(bytes(c) for c in candidates), officers=tuple(to_checksum_address(o) for o in officers),
            share_hashes=tuple(bytes(h) for h in hashes), picks=tuple(bytes(p) for p in picks),
        )

    def picks(self, draw_id: bytes) -> tuple[bytes, ...]:
        return tuple(bytes(p) for p in self._call("picksOf", draw_id))

    def sealed_seed(self, draw_id: bytes, party: str) -> SealedSeed | None:
        rx, ry, ciphertext = self._call("sealedSeedOf", draw_id, to_checksum_address(party))
        return None if rx == ry == 0 else SealedSeed(int(rx), int(ry), bytes(ciphertext))

    def opened_at(self, draw_id: bytes) -> tuple[int, int] | None:
        """Where (block, log index) the draw was opened, None if it never was."""
        opened = [g for g in self.logs(topics=[bytes(draw_id)]) if g.event == "DrawOpened"]
        return opened[0].position if opened else None

    def recorded(self, draw_id: bytes, *, from_block: int = 0) -> RecordedDraw | None:
        """The draw as its events recorded it, or None if no DrawOpened names it. The first of
        each event per party or officer counts (the contract refuses a second)."""
        opened: OnChainDraw | None = None
        purpose = ""
        sealed: dict[str, SealedSeed] = {}
        shares: dict[str, Share] = {}
        seeds: tuple[bytes, ...] | None = None
        picks: tuple[bytes, ...] | None = None
        for log in self.logs(from_block=from_block, topics=[bytes(draw_id)]):
            a = log.args
            if log.event == "DrawOpened" and opened is None:
                opened, purpose = _opened_from_log(bytes(draw_id), a), str(a["purpose"])
            elif log.event == "SeedCommitted":
                sealed.setdefault(to_checksum_address(a["party"]),
                                  SealedSeed(int(a["rx"]), int(a["ry"]), bytes(a["ciphertext"])))
            elif log.event == "DrawShareReleased":
                shares.setdefault(to_checksum_address(a["officer"]), Share.from_bytes(bytes(a["share"])))
            elif log.event == "DrawFinished" and seeds is None:
                seeds = tuple(bytes(s) for s in a["seeds"])
                picks = tuple(bytes(p) for p in a["picks"])
        if opened is None:
            return None
        return RecordedDraw(bytes(draw_id), purpose, opened, sealed, shares, seeds, picks)

    # ------------------------------------------------------------------ writes
    @staticmethod
    def _open_args(setup: DrawSetup) -> tuple[Any, ...]:
        pk = setup.public_key
        return (setup.tender_id, setup.section, setup.purpose, setup.round,
                [to_checksum_address(p) for p in setup.parties], list(setup.candidates), setup.k,
                int.from_bytes(pk[:32], "big"), int.from_bytes(pk[32:], "big"), setup.commit_deadline,
                [to_checksum_address(o) for o in setup.officers], list(setup.share_hashes), setup.threshold)

    def check_open(self, centre: str, setup: DrawSetup) -> None:
        """Dry-run openDraw as `centre`: the contract's own error if it would refuse."""
        self.dry_run(centre, self.calldata("openDraw", *self._open_args(setup)))

    def decode_signed(self, signed_tx: str) -> RelayedTx:
        """A party's or officer's own transaction, decoded and checked to call this LotteryBook."""
        return decode_signed_tx(self, signed_tx)

    def relay(self, relayed: RelayedTx, *, sponsor: LocalAccount | None = None) -> Mined:
        """Dry-run the signer's own transaction, then send it (gas topped up by `sponsor`)."""
        return relay(self, relayed, sponsor=sponsor)

    def now(self) -> int:
        return self.client.block_timestamp()

    def open_draw(self, centre: LocalAccount, setup: DrawSetup) -> Mined:
        return self._send(centre, "openDraw", *self._open_args(setup), timestamp=True)

    def commit_seed(self, party: LocalAccount, draw_id: bytes, sealed: SealedSeed) -> Mined:
        return self._send(party, "commitSeed", draw_id, sealed.rx, sealed.ry, sealed.ciphertext)

    def release_share(self, officer: LocalAccount, draw_id: bytes, share: Share) -> Mined:
        return self._send(officer, "releaseDrawShare", draw_id, share.to_bytes())

    def finish_draw(self, sender: LocalAccount, draw_id: bytes, private_key: bytes) -> Mined:
        return self._send(sender, "finishDraw", draw_id, int.from_bytes(private_key, "big"))
