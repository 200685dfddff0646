"""The embedded chain's storage-read draw (`ledger.chain.lottery_state`, what `LotteryBookGateway.draw`
answers there) against the contract's own `drawOf`, run in the EVM: at every stage of draws (opened,
each seed, each share, finished, a party that never commits, the most parties and candidates), and
the storage layout constants against the compiler's."""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_utils import keccak

from ledger.chain import lottery_state as state
from ledger.chain.lottery_book import LotteryBookGateway
from ledger.crypto.officer_box import open_share
from ledger.errors import DeploymentMissing
from ledger.model.lottery import DrawStatus
from tests.conftest import _embedded_env
from tests.contracts.test_contract_lottery import Book, cand, people

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def book(tmp_path: Path) -> Iterator[Book]:
    chain = _embedded_env(tmp_path)
    admin, centre, rival = chain.accounts[:3]
    tender_book = chain.deploy("TenderBook", admin.address, sender=admin)
    for c in (centre, rival):
        chain.transact(tender_book.functions.authoriseCentre(c.address), admin)
    contract = chain.deploy("LotteryBook", tender_book.address, sender=admin)
    yield Book(chain, tender_book, LotteryBookGateway.of(chain.client, contract.address), admin, centre, rival)
    chain.client.close()


def agree(book: Book, draw_id: bytes) -> DrawStatus:
    """The storage path and drawOf give the same draw; its status."""
    from_storage, from_evm = book.lottery.draw(draw_id), book.lottery._draw_call(draw_id)
    assert from_storage == from_evm
    return from_storage.status


def test_the_storage_draw_is_the_contracts_at_every_stage(book: Book) -> None:
    parties = people(book, 3)
    d = book.open(parties, tuple(cand(i) for i in range(40)), 7, threshold=2)
    assert agree(book, d.draw_id) is DrawStatus.OPEN
    for p in parties[:2]:  # the third never commits
        book.commit(d, p)
        agree(book, d.draw_id)
    book.pass_deadline(d)
    assert book.lottery._opened  # its fixed parts are kept, read once
    picks = book.finish(d)
    assert agree(book, d.draw_id) is DrawStatus.FINISHED
    assert book.lottery.draw(d.draw_id).picks == picks == book.expected(d)
    assert book.lottery.draw(d.draw_id).committed == (True, True, False)


def test_shares_released_one_by_one_show_in_the_storage_draw(book: Book) -> None:
    parties = people(book, 2)
    d = book.open(parties, tuple(cand(i) for i in range(5)), 1, threshold=3)
    for p in parties:
        book.commit(d, p)
    book.pass_deadline(d)
    for n, (officer, sealed) in enumerate(zip(d.officers, d.sealed_shares, strict=True), start=1):
        book.lottery.release_share(officer, d.draw_id, open_share(sealed, bytes(officer.key)))
        agree(book, d.draw_id)
        assert book.lottery.draw(d.draw_id).shares_released == n


def test_the_largest_draw_and_an_unknown_one_agree(book: Book) -> None:
    parties = people(book, 2)
    candidates = tuple(keccak(i.to_bytes(32, "big")) for i in range(200))
    d = book.open(parties, tuple(sorted(candidates)), 9)
    agree(book, d.draw_id)
    unknown = keccak(text="no such draw")
    assert agree(book, unknown) is DrawStatus.NONE  # answered by the contract itself


def test_another_contract_at_the_address_is_refused(book: Book) -> None:
    """A gateway pointed at a contract that is not a LotteryBook does not read its storage as one."""
    impostor = LotteryBookGateway.of(book.chain.client, book.tender_book.address)
    with pytest.raises(DeploymentMissing, match="no LotteryBook"):
        impostor.draw(keccak(text="any"))


@pytest.mark.slow
def test_the_layout_constants_are_the_compilers() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import compile_contracts as c

    settings = copy.deepcopy(c.SETTINGS)
    settings["outputSelection"]["*"]["*"].append("storageLayout")
    c.SETTINGS = settings
    layout = c.solc(c.read_sources())["contracts"]["contracts/LotteryBook.sol"]["LotteryBook"]["storageLayout"]
    slots = {s["label"]: int(s["slot"]) for s in layout["storage"]}
    assert slots["_draws"] == state.DRAWS_SLOT
    draw = next(v for t, v in layout["types"].items() if t.startswith("t_struct(Draw)"))
    members = {m["label"]: (int(m["slot"]), m["offset"], layout["types"][m["type"]]["numberOfBytes"])
               for m in draw["members"]}
    packed = {name: (offset * 8, int(size) * 8) for name, (slot, offset, size) in members.items() if slot == 0}
    assert packed == state.DRAW_FIELDS
    assert {name: slot for name, (slot, _, _) in members.items() if slot} == state.DRAW_WORDS
