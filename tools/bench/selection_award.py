"""The cheapest honest way for a contract-level test (or the gas snapshot) to reach a section
SelectionBook awarded.

GuaranteeBook.recordAward takes only the winner SelectionBook awarded (`winnerOf`), so a test of
release, signing or claims first takes the section through 评定分离. `Selection` deploys a
SelectionBook whose admin is a plain account and whose lottery is `LotteryBookDouble` (the test
double of contracts/test, whose draws the test writes: the lottery is LotteryBook's business and
tests/contracts/test_contract_lottery.py its test), and `award` runs the shortest path the
contract allows: a 5-seat evaluation committee (MIN_SEATS) that commits and reveals its sheets, a
shortlist of the one winner, a 5-seat selection committee, the SOLE_CANDIDATE decision, both
committees revealed, 3 days of 公示, the award. Every step is a real SelectionBook transaction
that the contract checks; only the draws' picks are written rather than drawn.

The members' keys, the seat salts and the sheet are fresh random values, unless `seed` is given
(the gas snapshot): then each is derived from the seed and a fixed label, so that two runs send the
same transactions. The service never uses this module: its salts stay random.
"""

from __future__ import annotations

import os
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.crypto.canonical import keccak
from ledger.crypto.seat_keys import seat_link
from ledger.rules.lottery import draw_id

EVALUATION, SELECTION = 0, 1
SEATS = 5  # SelectionBook.MIN_SEATS
PUBLICITY_DAYS = 3  # SelectionBook.MIN_PUBLICITY_DAYS
DAY = 86_400
USCC = b"91440500MA4W000000".ljust(32, b"\x00")  # every tender's tenderer here: one member pool
SOLE_CANDIDATE = 2  # ISelectionBook.Basis
EVALUATION_STAGE = 0  # ISelectionBook.Stage: the step an upheld complaint redoes
PENDING, CLOSED, EVALUATED = 0, 1, 2  # ITenderBook.SectionStatus (FAILED = 3)


def _word(account: str) -> bytes:
    return bytes(12) + bytes.fromhex(account[2:])


class Selection:
    """A SelectionBook on `tender_book` with its pools registered, ready to award sections.

    `chain` deploys (`deploy(name, *args, sender=)`), sends (`transact(call, by)`), funds new
    accounts (`new_account(funds)`), moves the clock (`increase_time`) and reads (`w3`): the
    tests' `ChainEnv`, or the gas snapshot's adapter over a `ChainClient`. With `seed`, every key,
    salt and sheet it makes is derived from it (the experts come from `chain.new_account`)."""

    def __init__(self, chain: Any, tender_book: Any, admin: LocalAccount, *, seed: str | None = None) -> None:
        self.chain, self.tender_book, self.admin, self.seed = chain, tender_book, admin, seed
        self.lottery = chain.deploy("LotteryBookDouble", sender=admin)
        self.contract = chain.deploy("SelectionBook", admin.address, tender_book.address, self.lottery.address,
                                     sender=admin)
        self.experts = sorted((chain.new_account(10**18) for _ in range(SEATS)), key=lambda a: int(a.address, 16))
        self.members = sorted((Account.from_key(self._secret(f"member {n}")) for n in range(SEATS)),
                              key=lambda a: int(a.address, 16))
        for e in self.experts:
            self._send(self.fn.registerExpert(e.address, USCC), admin)
        for m in self.members:
            self._send(self.fn.registerMember(USCC, m.address), admin)
        self._named: set[bytes] = set()

    @property
    def address(self) -> str:
        return str(self.contract.address)

    @property
    def fn(self) -> Any:
        return self.contract.functions

    def _secret(self, label: str) -> bytes:
        """32 random bytes; with a seed, keccak of the seed and `label` (the same in every run)."""
        return os.urandom(32) if self.seed is None else keccak(f"{self.seed} {label}".encode())

    def _send(self, call: Any, by: LocalAccount) -> Any:
        return self.chain.transact(call, by)

    def _now(self) -> int:
        return int(self.chain.w3.eth.get_block("latest")["timestamp"])

    def _seat(self, tender_id: bytes, section: int, kind: int, centre: LocalAccount,
              holders: list[Any]) -> list[bytes]:
        """Seat `holders` (each holds its own seat) from a committee draw that picked them."""
        did = draw_id(tender_id, section, "committee", 1 + kind * 10)
        self._send(self.lottery.functions.setDraw(did, tender_id, section, "committee", True,
                                                  [_word(h.address) for h in holders]), self.admin)
        salts = [self._secret(f"seat salt {tender_id.hex()} {section} {kind} {n}") for n in range(len(holders))]
        links = [seat_link(tender_id=tender_id, section=section, kind=kind, seat=h.address, member=h.address,
                           salt=x) for h, x in zip(holders, salts, strict=True)]
        deadlines = (self._now() + DAY, self._now() + 2 * DAY) if kind == EVALUATION else (0, 0)
        self._send(self.fn.seat(tender_id, section, kind, did, [h.address for h in holders], links, *deadlines),
                   centre)
        return salts

    def decide(self, tender_id: bytes, section: int, winner: str, centre: LocalAccount) -> list[list[bytes]]:
        """Evaluate, shortlist `winner` alone, seat the selection committee and decide (公示 starts).
        Closes the TenderBook section first if still pending (every live bid must be opened)."""
        status, _, _, decrypted, *_ = self.tender_book.functions.sectionOf(tender_id, section).call()
        if status == PENDING:
            self._send(self.tender_book.functions.closeSection(tender_id, section, decrypted), centre)
        if tender_id not in self._named:
            self._send(self.fn.nameTenderer(tender_id, USCC), centre)
            self._named.add(tender_id)
        salts = [self._seat(tender_id, section, EVALUATION, centre, self.experts)]
        sheet = self._secret(f"sheet {tender_id.hex()} {section}")
        for e in self.experts:
            commitment = self.fn.sheetCommitment(tender_id, section, e.address, sheet, sheet).call()
            self._send(self.fn.commitSheet(tender_id, section, commitment), e)
        for e in self.experts:
            self._send(self.fn.revealSheet(tender_id, section, sheet, sheet), e)
        self._send(self.fn.submitShortlist(tender_id, section, [winner], 1, sheet), self.experts[0])
        salts.append(self._seat(tender_id, section, SELECTION, centre, self.members))
        self._send(self.fn.decide(tender_id, section, SOLE_CANDIDATE, 0, winner, bytes(32), sheet, PUBLICITY_DAYS),
                   centre)
        return salts

    def award(self, tender_id: bytes, section: int, winner: str, centre: LocalAccount,
              salts: list[list[bytes]] | None = None) -> None:
        """`decide` (unless `salts` say it was), then both committees revealed, 公示 over and the
        award: `winnerOf` is `winner`."""
        if salts is None:
            salts = self.decide(tender_id, section, winner, centre)
        for kind, holders in ((EVALUATION, self.experts), (SELECTION, self.members)):
            self._send(self.fn.revealCommittee(tender_id, section, kind, [h.address for h in holders],
                                               salts[kind]), centre)
        self.chain.increase_time(PUBLICITY_DAYS * DAY)
        self._send(self.fn.award(tender_id, section), centre)
        assert self.fn.winnerOf(tender_id, section).call() == winner

    def withdraw(self, tender_id: bytes, section: int) -> None:
        """After `award`, within the complaint window 公示's end opened: a complaint, upheld by the
        admin with the evaluation redone, which withdraws the award (`winnerOf` is 0 again)."""
        complaints = self.fn.sectionOf(tender_id, section).call()[7]
        self._send(self.fn.complain(tender_id, section, keccak(b"complaint")), self.admin)
        self._send(self.fn.ruleComplaint(tender_id, section, complaints + 1, True, EVALUATION_STAGE,
                                         keccak(b"ruling")), self.admin)
        assert self.fn.winnerOf(tender_id, section).call() == "0x" + "00" * 20

    def reaward(self, tender_id: bytes, section: int, winner: str, centre: LocalAccount) -> None:
        """After `withdraw`: the evaluation seats file a new shortlist of `winner` alone, the
        SOLE_CANDIDATE decision, 公示 and the award again: `winnerOf` is `winner`."""
        sheet = self._secret(f"sheet {tender_id.hex()} {section}")
        self._send(self.fn.submitShortlist(tender_id, section, [winner], 1, sheet), self.experts[0])
        self._send(self.fn.decide(tender_id, section, SOLE_CANDIDATE, 0, winner, bytes(32), sheet, PUBLICITY_DAYS),
                   centre)
        self.chain.increase_time(PUBLICITY_DAYS * DAY)
        self._send(self.fn.award(tender_id, section), centre)
        assert self.fn.winnerOf(tender_id, section).call() == winner
