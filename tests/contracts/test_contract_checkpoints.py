"""CheckpointBook on a real EVM against a real TenderBook: only an authorised centre records a
checkpoint of the store's log, and each checkpoint grows the log. The attacks: a stranger's key,
a withdrawn centre, a shrinking checkpoint, a checkpoint of the same size with another root (a
forked history), an empty root; a refused call changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from ledger.chain.checkpoint_book import CheckpointBookGateway
from ledger.errors import Conflict, ContractRevert, InvalidArgument, Unauthorised
from tests.conftest import ChainEnv


def word(label: str) -> bytes:
    return keccak(text=label)


def reverts(action: Callable[[], Any]) -> tuple[str, tuple[Any, ...], type[ContractRevert]]:
    with pytest.raises(ContractRevert) as info:
        action()
    return info.value.error, tuple(info.value.args_.values()), type(info.value)


@dataclass
class Book:
    chain: ChainEnv
    tenders: Any
    book: CheckpointBookGateway
    admin: LocalAccount
    centre: LocalAccount
    stranger: LocalAccount


@pytest.fixture
def book(chain: ChainEnv) -> Book:
    admin, centre, stranger = chain.accounts[:3]
    tenders = chain.deploy("TenderBook", admin.address, sender=admin)
    chain.transact(tenders.functions.authoriseCentre(centre.address), admin)
    contract = chain.deploy("CheckpointBook", tenders.address, sender=admin)
    return Book(chain, tenders, CheckpointBookGateway.of(chain.client, contract.address), admin, centre, stranger)


def test_the_constructor_takes_a_deployed_tender_book_only(book: Book) -> None:
    fn = book.chain.client.contract("CheckpointBook", book.book.address).functions
    assert fn.tenderBook().call() == book.tenders.address
    no_code = Account.create().address
    assert reverts(lambda: book.chain.deploy("CheckpointBook", no_code))[:2] == ("InvalidTenderBook", (no_code,))


def test_a_centre_records_growing_checkpoints_each_with_its_event(book: Book) -> None:
    assert book.book.count() == 0 and book.book.latest() is None
    first = book.book.checkpoint(book.centre, 3, word("root 3"))
    second = book.book.checkpoint(book.centre, 10, word("root 10"))
    assert book.book.count() == 2
    latest = book.book.latest()
    assert latest is not None and (latest.index, latest.size, latest.root) == (1, 10, word("root 10"))
    assert latest.recorded_at == second.timestamp
    logged = book.book.checkpoints()
    assert [(c.index, c.size, c.root, c.by, c.recorded_at) for c in logged] == [
        (0, 3, word("root 3"), book.centre.address, first.timestamp),
        (1, 10, word("root 10"), book.centre.address, second.timestamp)]
    assert logged[0].tx == first.tx_hex


def test_a_checkpoint_from_a_non_centre_key_is_refused(book: Book) -> None:
    assert reverts(lambda: book.book.checkpoint(book.stranger, 1, word("r"))) == (
        "NotCentre", (book.stranger.address,), Unauthorised)
    assert reverts(lambda: book.book.checkpoint(book.admin, 1, word("r")))[0] == "NotCentre"
    book.chain.transact(book.tenders.functions.withdrawCentre(book.centre.address), book.admin)
    assert reverts(lambda: book.book.checkpoint(book.centre, 1, word("r")))[0] == "NotCentre"
    assert book.book.count() == 0


def test_a_shrinking_or_same_size_checkpoint_is_refused(book: Book) -> None:
    book.book.checkpoint(book.centre, 5, word("root 5"))
    assert reverts(lambda: book.book.checkpoint(book.centre, 4, word("root 4"))) == (
        "CheckpointNotGrowing", (4, 5), Conflict)
    # the same size with another root: a forked history, refused as well
    assert reverts(lambda: book.book.checkpoint(book.centre, 5, word("forked")))[:2] == (
        "CheckpointNotGrowing", (5, 5))
    assert book.book.count() == 1 and book.book.latest().root == word("root 5")  # type: ignore[union-attr]


def test_an_empty_log_or_an_empty_root_is_no_checkpoint(book: Book) -> None:
    assert reverts(lambda: book.book.checkpoint(book.centre, 0, word("r")))[:2] == ("CheckpointNotGrowing", (0, 0))
    assert reverts(lambda: book.book.checkpoint(book.centre, 1, b"\x00" * 32)) == ("MissingRoot", (), InvalidArgument)
    assert book.book.count() == 0
