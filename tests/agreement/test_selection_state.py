"""The embedded chain's storage-read seats and votes (`ledger.chain.selection_state`, what
`SelectionBookGateway.seat_of` and `vote_of` answer there) against the contract's own `seatOf` and
`voteOf`, run in the EVM: at every read a whole 评定分离 run makes (each compared as it is made), then
for every seat, stranger and round after it; and the storage layout constants against the compiler's."""

from __future__ import annotations

import copy
import random
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from ledger.chain import selection_state as state
from ledger.chain.selection_book import SelectionBookGateway
from ledger.errors import DeploymentMissing
from ledger.model.selection import CommitteeKind, Seat, SeatState, VoteState

ROOT = Path(__file__).resolve().parents[2]
SEAT_OF, VOTE_OF = SelectionBookGateway.seat_of, SelectionBookGateway.vote_of  # before any patching


def evm_seat(gw: SelectionBookGateway, tid: bytes, section: int, kind: CommitteeKind, seat: str) -> Seat:
    embedded, gw.client.embedded = gw.client.embedded, None  # as on a node: the contract's view
    try:
        return SEAT_OF(gw, tid, section, kind, seat)
    finally:
        gw.client.embedded = embedded


def evm_vote(gw: SelectionBookGateway, tid: bytes, section: int, round: int, seat: str) -> VoteState:
    embedded, gw.client.embedded = gw.client.embedded, None
    try:
        return VOTE_OF(gw, tid, section, round, seat)
    finally:
        gw.client.embedded = embedded


def test_seats_and_votes_from_storage_are_the_contracts_throughout_a_run(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from api.db.journal import Store
    from api.deps import draw_service, selection_service
    from ledger.config import Settings
    from ledger.runtime import open_runtime
    from ledger.uscc import generate_uscc
    from tools.bench.selection import _bidders
    from tools.selection_run import SelectionRun, publish_bid_open, register_pools, selection_params

    compared: dict[str, int] = {"seat": 0, "vote": 0}
    seat_of, vote_of = SEAT_OF, VOTE_OF

    def checked_seat(gw: SelectionBookGateway, *args: Any) -> Seat:
        got = seat_of(gw, *args)
        assert got == evm_seat(gw, *args), args
        compared["seat"] += 1
        return got

    def checked_vote(gw: SelectionBookGateway, *args: Any) -> VoteState:
        got = vote_of(gw, *args)
        assert got == evm_vote(gw, *args), args
        compared["vote"] += 1
        return got

    monkeypatch.setattr(SelectionBookGateway, "seat_of", checked_seat)
    monkeypatch.setattr(SelectionBookGateway, "vote_of", checked_vote)
    rng = random.Random(11)
    settings = Settings(data_dir=tmp_path / "chain", rpc_url=None, chain_id=None, chain_clock="development")
    with open_runtime(settings) as rt:
        store = Store(rt)
        store.reconcile()
        firms = _bidders(store, 3, rng)
        tenderer = generate_uscc(rng)
        now = datetime.fromtimestamp(rt.client.block_timestamp(), UTC)
        params = selection_params(project_code="E440400012026000011", tenderer_uscc=tenderer,
                                  deadline=(now + timedelta(days=21)).isoformat(), criteria=2, experts=5,
                                  shortlist=3, members=5)
        opened = publish_bid_open(store, params, firms, [Decimal(100_000 + i) for i in range(3)], lambda _m: None)
        experts, members = register_pools(rt, experts=8, members=8, tenderer_uscc=tenderer, say=lambda _m: None)
        run = SelectionRun(rt=rt, svc=selection_service(store), draws=draw_service(store), tender_id=opened.tender_id,
                           section=0, experts=experts, members=members)
        run.run(lambda _m: None)
        assert compared["seat"] > 10 and compared["vote"] > 5, compared
        gw, tid = rt.selection_book, opened.tender_id
        last = gw.status(tid, 0).last_round
        stranger = Account.create().address
        for kind in CommitteeKind:
            for seat in [*run.seats[kind], stranger]:
                assert seat_of(gw, tid, 0, kind, seat) == evm_seat(gw, tid, 0, kind, seat)
                assert seat_of(gw, tid, 1, kind, seat) == evm_seat(gw, tid, 1, kind, seat)  # no such section
        seats = list(run.seats[CommitteeKind.SELECTION])
        assert seat_of(gw, tid, 0, CommitteeKind.SELECTION, seats[0]).state is SeatState.ACTIVE
        revealed = 0
        for number in range(last + 2):
            for seat in [*seats, *run.seats[CommitteeKind.EVALUATION], stranger]:
                vote = vote_of(gw, tid, 0, number, seat)
                assert vote == evm_vote(gw, tid, 0, number, seat), (number, seat)
                revealed += vote.revealed
        assert revealed >= len(seats)


def test_another_contract_at_the_address_is_refused(tmp_path: Path) -> None:
    from tests.conftest import _embedded_env

    chain = _embedded_env(tmp_path)
    try:
        admin = chain.accounts[0]
        tender_book = chain.deploy("TenderBook", admin.address, sender=admin)
        impostor = SelectionBookGateway.of(chain.client, tender_book.address)
        with pytest.raises(DeploymentMissing, match="no SelectionBook"):
            impostor.seat_of(b"\x01" * 32, 0, CommitteeKind.SELECTION, admin.address)
        with pytest.raises(DeploymentMissing, match="no SelectionBook"):
            SelectionBookGateway.of(chain.client, Account.create().address).vote_of(b"\x01" * 32, 0, 1, admin.address)
    finally:
        chain.client.close()


@pytest.mark.slow
def test_the_layout_constants_are_the_compilers() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import compile_contracts as c

    settings = copy.deepcopy(c.SETTINGS)
    settings["outputSelection"]["*"]["*"].append("storageLayout")
    c.SETTINGS = settings
    layout = c.solc(c.read_sources())["contracts"]["contracts/SelectionBook.sol"]["SelectionBook"]["storageLayout"]
    slots = {s["label"]: int(s["slot"]) for s in layout["storage"]}
    assert (slots["_committees"], slots["_seats"], slots["_rounds"], slots["_votes"]) == (
        state.COMMITTEES_SLOT, state.SEATS_SLOT, state.ROUNDS_SLOT, state.VOTES_SLOT)

    def members(struct: str) -> dict[str, tuple[int, int, int]]:
        found = next(v for t, v in layout["types"].items() if t.startswith(f"t_struct({struct})"))
        return {m["label"]: (int(m["slot"]), m["offset"] * 8, int(layout["types"][m["type"]]["numberOfBytes"]) * 8)
                for m in found["members"]}

    seat, committee, round_ = members("Seat"), members("Committee"), members("Round")
    assert {name: (off, width) for name, (slot, off, width) in seat.items() if slot == 0} == state.SEAT_FIELDS
    assert {name: slot for name, (slot, _, _) in seat.items() if slot} == state.SEAT_WORDS
    assert committee["drawId"][0] == state.COMMITTEE_DRAW_WORD
    assert {name: (round_[name][1], round_[name][2]) for name in state.ROUND_FIELDS} == state.ROUND_FIELDS
    assert all(round_[name][0] == 0 for name in state.ROUND_FIELDS)
