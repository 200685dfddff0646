"""PerformanceBook on a real EVM, against a real TenderBook, SelectionBook and GuaranteeBook: the
履约 record of an awarded section (milestones, complaints, the completion evaluation and
acknowledgements) is written only by the section's two parties — the tender's publishing centre and
the winner GuaranteeBook awarded — and only after the contract signing; the completion only by the
centre, once. Each rule is tried the way an attacker would break it (a stranger, a losing bidder,
another centre, the winner of another section, before the award, before the signing, a second
completion, a milestone after it, acknowledging one's own entry or twice, an empty document, a
withdrawn centre); reverts are asserted by custom-error name and arguments, and a refused call
changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from ledger.chain.performance_book import PerformanceBookGateway
from ledger.errors import ContractRevert
from ledger.model.performance import EntryKind
from tests.conftest import ChainEnv
from tests.selection_award import Selection

DAY = 86_400
BIDDING_TIME = 21 * DAY
PRICE = 11_000_000_00
DECRYPTED = 0
ZERO_WORD = b"\x00" * 32
MILESTONE, COMPLAINT, COMPLETION = EntryKind.MILESTONE, EntryKind.COMPLAINT, EntryKind.COMPLETION


def word(label: str) -> bytes:
    return keccak(text=label)


def reverts(action: Callable[[], Any]) -> tuple[str, tuple[Any, ...]]:
    with pytest.raises(ContractRevert) as info:
        action()
    return info.value.error, tuple(info.value.args_.values())


@dataclass
class Books:
    chain: ChainEnv
    tenders: Any
    guarantees: Any
    selection: Selection
    book: PerformanceBookGateway
    admin: LocalAccount
    centre: LocalAccount
    rival: LocalAccount
    winner: LocalAccount
    loser: LocalAccount
    stranger: LocalAccount
    tid: bytes = b""

    def send(self, call: Any, by: LocalAccount) -> Any:
        return self.chain.transact(call, by)

    def now(self) -> int:
        return int(self.chain.w3.eth.get_block("latest")["timestamp"])

    def record(self, by: LocalAccount, kind: EntryKind, document: bytes, section: int = 0,
               tender_id: bytes | None = None) -> Any:
        return self.book.record(by, kind, self.tid if tender_id is None else tender_id, section, document)

    def refused(self, by: LocalAccount, kind: EntryKind, document: bytes = b"", section: int = 0,
                tender_id: bytes | None = None) -> tuple[str, tuple[Any, ...]]:
        """The revert of recording an entry; and it changed nothing."""
        before = self.state()
        got = reverts(lambda: self.record(by, kind, document or word("a document"), section, tender_id))
        assert self.state() == before
        return got

    def state(self) -> tuple[Any, ...]:
        return tuple((s, self.book.entries(self.tid, s), self.book.completion(self.tid, s)) for s in (0, 1))

    def publish_bid_and_open(self) -> None:
        """A two-section tender; the winner and the loser bid in section 0, opened and decrypted."""
        shares = [os.urandom(48) for _ in range(3)]
        officers = [self.admin.address, self.rival.address, Account.create().address]
        deadline = self.now() + BIDDING_TIME
        self.tid = word(f"performance {os.urandom(4).hex()}")
        params = (word("doc"), word("params"), 2, deadline, 3_600, 1, 1, word("opening key"), 2,
                  [keccak(s) for s in shares], officers)
        tb = self.tenders.functions
        self.send(tb.publishTender(self.tid, params), self.centre)
        bids = {}
        for bidder in (self.winner, self.loser):
            ciphertext, salt = os.urandom(32), os.urandom(32)
            cred_set = keccak(abi_encode(["bytes32", "bytes32[]"], [salt, []]))
            commitment = keccak(abi_encode(
                ["uint256", "address", "bytes32", "uint16", "address", "bytes32", "bytes32"],
                [self.chain.client.chain_id, self.tenders.address, self.tid, 0, bidder.address, ciphertext,
                 cred_set]))
            self.send(tb.submitBid(self.tid, 0, commitment), bidder)
            bids[bidder.address] = (ciphertext, salt)
        self.chain.increase_time(deadline - self.now() + 1)
        self.send(tb.releaseShare(self.tid, shares[0]), self.admin)
        self.send(tb.releaseShare(self.tid, shares[1]), self.rival)
        for bidder, (ciphertext, salt) in bids.items():
            self.send(tb.recordOpening(self.tid, 0, bidder, DECRYPTED, ciphertext, salt, [], PRICE), self.centre)

    def award(self) -> None:
        self.selection.award(self.tid, 0, self.winner.address, self.centre)
        self.send(self.guarantees.functions.recordAward(self.tid, 0, self.winner.address), self.centre)

    def sign(self) -> None:
        self.send(self.guarantees.functions.recordContractSigned(self.tid, 0, self.now()), self.centre)


@pytest.fixture
def books(chain: ChainEnv) -> Books:
    admin, centre, rival, winner, loser, stranger = chain.accounts[:6]
    tenders = chain.deploy("TenderBook", admin.address, sender=admin)
    chain.transact(tenders.functions.authoriseCentre(centre.address), admin)
    chain.transact(tenders.functions.authoriseCentre(rival.address), admin)
    selection = Selection(chain, tenders, admin)
    guarantees = chain.deploy("GuaranteeBook", admin.address, tenders.address, selection.address, sender=admin)
    performance = chain.deploy("PerformanceBook", tenders.address, guarantees.address, sender=admin)
    book = PerformanceBookGateway.of(chain.client, performance.address)
    b = Books(chain, tenders, guarantees, selection, book, admin, centre, rival, winner, loser, stranger)
    b.publish_bid_and_open()
    return b


@pytest.fixture
def signed(books: Books) -> Books:
    books.award()
    books.sign()
    return books


def test_the_constructor_takes_deployed_books_only(books: Books) -> None:
    chain, tb, gb = books.chain, books.tenders.address, books.guarantees.address
    fn = chain.client.contract("PerformanceBook", books.book.address).functions
    assert (fn.tenderBook().call(), fn.guaranteeBook().call()) == (tb, gb)
    no_code = Account.create().address
    assert reverts(lambda: chain.deploy("PerformanceBook", no_code, gb)) == ("InvalidTenderBook", (no_code,))
    assert reverts(lambda: chain.deploy("PerformanceBook", tb, no_code)) == ("InvalidGuaranteeBook", (no_code,))


def test_nothing_is_recorded_before_the_award_nor_before_the_contract_signing(books: Books) -> None:
    tid = books.tid
    zero = "0x" + "00" * 20
    assert books.book.parties(tid, 0) == (books.centre.address, zero, 0)
    assert books.book.parties(word("never published"), 0) == (zero, zero, 0)
    for who in (books.centre, books.winner):
        for kind in EntryKind:
            assert books.refused(who, kind) == ("NotAwarded", (tid, 0))
    assert books.refused(books.centre, MILESTONE, tender_id=word("never published")) == (
        "UnknownTender", (word("never published"),))
    assert books.refused(books.centre, MILESTONE, section=2) == ("UnknownSection", (tid, 2))
    books.award()
    for who in (books.centre, books.winner):
        for kind in EntryKind:
            assert books.refused(who, kind) == ("ContractNotSigned", (tid, 0))
    assert books.book.parties(tid, 0) == (books.centre.address, books.winner.address, 0)
    books.sign()
    assert 0 < books.book.parties(tid, 0)[2] <= books.now()
    books.record(books.centre, MILESTONE, word("foundations"))
    assert books.book.entry_count(tid, 0) == 1


def test_a_stranger_a_losing_bidder_or_another_centre_records_nothing(signed: Books) -> None:
    b, tid = signed, signed.tid
    for who in (b.stranger, b.loser, b.rival, b.admin):
        for kind in (MILESTONE, COMPLAINT):
            assert b.refused(who, kind) == ("NotPerformanceParty", (tid, 0, who.address))
        assert b.refused(who, COMPLETION) == ("NotPublisher", (tid, who.address))


def test_the_winner_of_one_section_records_nothing_in_another(signed: Books) -> None:
    """Section 1 of the same tender was never awarded: neither party of section 0 acts on it."""
    for who in (signed.winner, signed.centre):
        for kind in EntryKind:
            assert signed.refused(who, kind, section=1) == ("NotAwarded", (signed.tid, 1))


def test_an_entry_names_a_document(signed: Books) -> None:
    for who, kind in ((signed.centre, MILESTONE), (signed.winner, COMPLAINT), (signed.centre, COMPLETION)):
        before = signed.state()
        assert reverts(lambda: signed.record(who, kind, ZERO_WORD)) == ("MissingDocument", (signed.tid, 0))  # noqa: B023
        assert signed.state() == before


def test_milestones_complaints_and_acknowledgements_by_the_two_parties(signed: Books) -> None:
    b, tid, book = signed, signed.tid, signed.book
    m1 = b.record(b.centre, MILESTONE, word("foundations done"))
    m2 = b.record(b.winner, MILESTONE, word("main structure topped out"))
    c1 = b.record(b.winner, COMPLAINT, word("progress payment late"))
    entries = book.entries(tid, 0)
    assert [(e.index, e.kind, e.by, e.document_hash, e.acknowledged_at) for e in entries] == [
        (0, MILESTONE, b.centre.address, word("foundations done"), 0),
        (1, MILESTONE, b.winner.address, word("main structure topped out"), 0),
        (2, COMPLAINT, b.winner.address, word("progress payment late"), 0)]
    assert [e.recorded_at for e in entries] == [m.timestamp for m in (m1, m2, c1)]

    # the other party acknowledges, once; nobody acknowledges its own entry or an unknown one
    before = b.state()
    assert reverts(lambda: book.acknowledge(b.centre, tid, 0, 0)) == ("NotAcknowledgeable", (tid, 0, 0, b.centre.address))
    assert reverts(lambda: book.acknowledge(b.stranger, tid, 0, 0)) == (
        "NotPerformanceParty", (tid, 0, b.stranger.address))
    assert reverts(lambda: book.acknowledge(b.winner, tid, 0, 3)) == ("UnknownEntry", (tid, 0, 3))
    assert b.state() == before
    ack = book.acknowledge(b.winner, tid, 0, 0)
    book.acknowledge(b.centre, tid, 0, 2)
    assert book.entry(tid, 0, 0).acknowledged_at == ack.timestamp
    assert reverts(lambda: book.acknowledge(b.winner, tid, 0, 0)) == ("NotAcknowledgeable", (tid, 0, 0, b.winner.address))
    assert book.entry(tid, 0, 1).acknowledged_at == 0
    assert reverts(lambda: book.entry(tid, 0, 3)) == ("UnknownEntry", (tid, 0, 3))


def test_only_the_centre_completes_once_then_no_milestone_but_complaints_may_follow(signed: Books) -> None:
    b, tid, book = signed, signed.tid, signed.book
    b.record(b.centre, MILESTONE, word("handed over"))
    assert book.completion(tid, 0) is None
    assert b.refused(b.winner, COMPLETION) == ("NotPublisher", (tid, b.winner.address))
    done = b.record(b.centre, COMPLETION, word("履约评价: 优秀"))
    completion = book.completion(tid, 0)
    assert completion is not None
    assert (completion.evaluation_hash, completion.completed_at, completion.winner, completion.index) == (
        word("履约评价: 优秀"), done.timestamp, b.winner.address, 1)
    assert b.refused(b.centre, COMPLETION, word("a second, kinder evaluation")) == ("AlreadyCompleted", (tid, 0))
    for who in (b.centre, b.winner):
        assert b.refused(who, MILESTONE) == ("AlreadyCompleted", (tid, 0))
    b.record(b.winner, COMPLAINT, word("the rating ignores the client's late drawings"))
    book.acknowledge(b.winner, tid, 0, 1)  # the winner acknowledges receiving the evaluation
    assert [e.kind for e in book.entries(tid, 0)] == [MILESTONE, COMPLETION, COMPLAINT]


def test_a_centre_the_governance_withdrew_records_nothing_more(signed: Books) -> None:
    b = signed
    b.send(b.tenders.functions.withdrawCentre(b.centre.address), b.admin)
    for kind in EntryKind:
        assert b.refused(b.centre, kind) == ("NotCentre", (b.centre.address,))
    b.record(b.winner, MILESTONE, word("the winner's own record still goes in"))


def test_the_logs_alone_rebuild_the_record(signed: Books) -> None:
    b, tid, book = signed, signed.tid, signed.book
    b.record(b.centre, MILESTONE, word("m1"))
    b.record(b.winner, COMPLAINT, word("c1"))
    book.acknowledge(b.winner, tid, 0, 0)
    b.record(b.centre, COMPLETION, word("evaluation"))
    rebuilt: dict[int, dict[str, Any]] = {}
    for log in book.logs():
        a = log.args
        assert (a["tenderId"], a["section"]) == (tid, 0)
        if log.event == "PerformanceRecorded":
            assert a["winner"] == b.winner.address
            rebuilt[a["index"]] = {"kind": EntryKind(a["kind"]), "by": a["by"], "recorded_at": a["recordedAt"],
                                   "acknowledged_at": 0, "document_hash": a["documentHash"]}
        else:
            assert log.event == "PerformanceAcknowledged"
            rebuilt[a["index"]]["acknowledged_at"] = a["acknowledgedAt"]
    entries = book.entries(tid, 0)
    assert [rebuilt[e.index] for e in entries] == [
        {"kind": e.kind, "by": e.by, "recorded_at": e.recorded_at, "acknowledged_at": e.acknowledged_at,
         "document_hash": e.document_hash} for e in entries]


# ---------------------------------------------------------------- complaints: window and ruling


def test_late_complaint_after_the_window_that_the_completion_opened_is_refused(signed: Books) -> None:
    b, tid, book = signed, signed.tid, signed.book
    period = book.complaint_period()
    assert period == 30 * DAY
    b.record(b.winner, COMPLAINT, word("during performance: the client withholds the site"))
    done = b.record(b.centre, COMPLETION, word("履约评价: 合格"))
    closes = done.timestamp + period
    b.chain.increase_time(period - 60)
    b.record(b.winner, COMPLAINT, word("within the window: the rating ignores the variation orders"))
    b.chain.increase_time(120)  # past the window
    for who in (b.winner, b.centre):
        code, args = b.refused(who, COMPLAINT, word("a late complaint"))
        assert (code, args[:3]) == ("PerformanceComplaintLate", (tid, 0, closes)) and args[3] > closes
    assert [e.kind for e in book.entries(tid, 0)] == [COMPLAINT, COMPLETION, COMPLAINT]


def test_ruling_by_wrong_key_a_second_ruling_or_on_a_non_complaint_is_refused(signed: Books) -> None:
    b, tid, book = signed, signed.tid, signed.book
    b.record(b.centre, MILESTONE, word("m1"))
    b.record(b.winner, COMPLAINT, word("the client pays late"))
    ruling = word("监督机构裁决: 投诉成立")

    def refused(by: LocalAccount, index: int, upheld: bool = True, h: bytes = ruling) -> tuple[str, tuple[Any, ...]]:
        before = (book.ruling(tid, 0, 0), book.ruling(tid, 0, 1))
        got = reverts(lambda: book.rule_complaint(by, tid, 0, index, upheld, h))
        assert (book.ruling(tid, 0, 0), book.ruling(tid, 0, 1)) == before
        return got

    # the parties, a stranger and a rival centre are not the supervisor (GuaranteeBook's admin)
    for who in (b.centre, b.winner, b.stranger, b.rival):
        assert refused(who, 1) == ("NotSupervisor", (who.address,))
    assert refused(b.admin, 0) == ("NotAComplaint", (tid, 0, 0))
    assert refused(b.admin, 2) == ("UnknownEntry", (tid, 0, 2))
    assert refused(b.admin, 1, h=ZERO_WORD) == ("MissingDocument", (tid, 0))
    assert book.ruling(tid, 0, 1) is None
    mined = book.rule_complaint(b.admin, tid, 0, 1, True, ruling)
    got = book.ruling(tid, 0, 1)
    assert got is not None and (got.upheld, got.ruled_at, got.by, got.ruling_hash) == (
        True, mined.timestamp, b.admin.address, ruling)
    (log,) = [lg for lg in book.logs() if lg.event == "PerformanceComplaintRuled"]
    assert (log.args["index"], log.args["upheld"], log.args["rulingHash"], log.args["by"]) == (
        1, True, ruling, b.admin.address)
    # a second ruling, even the opposite one by the same supervisor, is refused
    assert refused(b.admin, 1, upheld=False, h=word("改判")) == ("ComplaintAlreadyRuled", (tid, 0, 1))
    # the supervisor is whoever GuaranteeBook's admin is now
    b.send(b.guarantees.functions.transferAdmin(b.rival.address), b.admin)
    b.send(b.guarantees.functions.acceptAdmin(), b.rival)
    b.record(b.centre, COMPLAINT, word("the winner's crew left the site"))
    assert refused(b.admin, 2) == ("NotSupervisor", (b.admin.address,))
    book.rule_complaint(b.rival, tid, 0, 2, False, word("投诉不成立"))
    dismissed = book.ruling(tid, 0, 2)
    assert dismissed is not None and (dismissed.upheld, dismissed.by) == (False, b.rival.address)
