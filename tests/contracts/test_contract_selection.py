"""SelectionBook (评定分离): committees seated by pseudonymous seats from a draw, sheets and votes
committed then revealed, the unranked shortlist, the decision, 公示, objections, complaints, award.

The tender and its opening are real TenderBook steps (the helpers of test_contract_tenderbook);
the admin is a real 3-of-4 Governance; the lottery is `LotteryBookDouble`, a test double whose
draws the test writes (the real lottery is another contract's business: SelectionBook reads only
`ILotteryBook`). Every refusal of the issue's "Bad input" list has its own test, named after the
attack. Hashes are computed by the Python rules (`ledger.rules.evaluation.sheet_commitment`,
`ledger.rules.selection.vote_commitment`, `ledger.crypto.seat_keys.seat_link`), so every accepted
reveal is also a check that Python and Solidity agree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from ledger.chain.governance import GovernanceGateway
from ledger.chain.selection_book import SelectionBookGateway
from ledger.crypto.canonical import keccak
from ledger.crypto.seat_keys import EVALUATION, SELECTION, derive_seat_key, seat_link
from ledger.errors import Conflict, ContractRevert, InvalidArgument, Unauthorised
from ledger.model.selection import CommitteeKind, Stage
from ledger.rules.evaluation import ScoreSheet, sheet_commitment, sheet_hash
from ledger.rules.lottery import draw_id
from ledger.rules.selection import view_document, vote_commitment
from ledger.service.governance import enact
from tests.conftest import ChainEnv
from tests.contracts.test_contract_tenderbook import FAILED_BIDDER, Book, Tender, reverts, word

DAY = 86_400
ZERO_ADDRESS = "0x" + "00" * 20
GAS_LIMIT = 60_000  # the budget for each sheet or vote commitment and each reveal
NAMES = ["市住房和城乡建设局", "市市场监督管理局", "市社会信用体系建设办公室", "市公共资源交易中心"]
USCC = b"91440500MA4W000000".ljust(32, b"\x00")  # the tenderer's USCC as a bytes32 word
SECTION = 0
SEAT_FUNDS = 10**18
PRICES = [500_000_00, 300_000_00, 420_000_00, 300_000_00, 700_000_00, 610_000_00]  # the 6 decrypted bids', in 分
VOTE, LOTTERY, SOLE_CANDIDATE, NTH_LOWEST_PRICE, CLOSEST_TO_AVERAGE, ELIMINATION_DRAW, CHAIR = range(7)  # ISelectionBook.Basis
# Selection words (SelectionRule.sol) a scene's tender is published with: `scene` takes one by
# indirect parametrisation, 直接票决 by default.
DIRECT_VOTE, ROUND_ELIMINATION, VOTE_THEN_LOTTERY, DIRECT_LOTTERY, COLLECTIVE = 1, 2, 3, 5, 6
CLOSEST_PRICE, LOWEST_PRICE, THIRD_LOWEST_PRICE = 4, 4 | 1 << 8, 4 | 3 << 8


def as_word(account: str) -> bytes:
    return bytes(12) + bytes.fromhex(account[2:])


@dataclass
class Committee:
    kind: int
    draw: bytes
    holders: list[LocalAccount]  # pool members, in seat order
    seats: list[LocalAccount]  # their seat keys, ascending
    salts: list[bytes]


@dataclass
class Scene:
    """A tender section opened in TenderBook (6 bids decrypted, 1 failed), the pools registered by
    the governance, and SelectionBook ready for 评定分离."""

    chain: ChainEnv
    book: Book
    tender: Tender
    sel: Any
    lottery: Any
    gov: GovernanceGateway
    governors: list[LocalAccount]
    relayer: LocalAccount
    decrypted: list[str]  # ascending
    failed: str
    experts: list[LocalAccount]
    members: list[LocalAccount]
    gas: dict[str, list[int]] = field(default_factory=dict)
    committees: dict[int, Committee] = field(default_factory=dict)
    sheets: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)  # seat → (salt, sheet hash)
    prices: dict[str, int] = field(default_factory=dict)  # decrypted bidder → opened price in 分

    # ------------------------------------------------------------ plumbing
    @property
    def tid(self) -> bytes:
        return self.tender.tender_id

    @property
    def fn(self) -> Any:
        return self.sel.functions

    @property
    def centre(self) -> LocalAccount:
        return self.book.centre

    def send(self, call: Any, by: LocalAccount, label: str | None = None) -> Any:
        receipt = self.chain.transact(call, by)
        if label:
            self.gas.setdefault(label, []).append(int(receipt["gasUsed"]))
        return receipt

    def fails(self, call: Any, by: LocalAccount) -> tuple[str, tuple[Any, ...]]:
        return reverts(lambda: self.chain.transact(call, by))

    def now(self) -> int:
        return self.book.now()

    def later(self, seconds: int) -> None:
        self.chain.increase_time(seconds)

    def govern(self, function: str, *args: Any) -> Any:
        target = SelectionBookGateway.of(self.chain.client, self.sel.address)
        return enact(self.gov, self.governors[:3], self.relayer, target, function, *args)

    # ------------------------------------------------------------ committees
    def set_draw(self, purpose: str, round: int, picks: list[str], *, finished: bool = True,
                 tender_id: bytes | None = None) -> bytes:
        did = draw_id(tender_id or self.tid, SECTION, purpose, round)
        self.send(self.lottery.functions.setDraw(did, tender_id or self.tid, SECTION, purpose, finished,
                                                 [as_word(p) for p in picks]), self.relayer)
        return did

    def seat(self, kind: int, holders: list[LocalAccount], *, draw_round: int = 1,
             deadlines: tuple[int, int] | None = None, picks: list[str] | None = None) -> Committee:
        did = self.set_draw("committee", draw_round + (0 if kind == EVALUATION else 10),
                            [h.address for h in holders] if picks is None else picks)
        keyed = sorted(((derive_seat_key(h, self.tid, SECTION, kind), h) for h in holders),
                       key=lambda p: int(p[0].address, 16))
        seats = [s for s, _ in keyed]
        ordered = [h for _, h in keyed]
        salts = [os.urandom(32) for _ in seats]
        links = [seat_link(tender_id=self.tid, section=SECTION, kind=kind, seat=s.address, member=h.address, salt=x)
                 for s, h, x in zip(seats, ordered, salts, strict=True)]
        for s in seats:
            self.chain.client.fund(self.relayer, s.address, SEAT_FUNDS)
        if deadlines is None:
            deadlines = (self.now() + DAY, self.now() + 2 * DAY) if kind == EVALUATION else (0, 0)
        self.send(self.fn.seat(self.tid, SECTION, kind, did, [s.address for s in seats], links, *deadlines),
                  self.centre, "seat")
        committee = Committee(kind, did, ordered, seats, salts)
        self.committees[kind] = committee
        return committee

    def seat_evaluation(self) -> Committee:
        return self.seat(EVALUATION, self.experts[:7])

    def seat_selection(self) -> Committee:
        self.send(self.fn.nameTenderer(self.tid, USCC), self.centre)
        return self.seat(SELECTION, self.members[:7])

    def reveal_committee(self, kind: int) -> Any:
        c = self.committees[kind]
        seats = list(self.fn.committeeOf(self.tid, SECTION, kind).call()[7])
        by_seat = {s.address: (h.address, x) for s, h, x in zip(c.seats, c.holders, c.salts, strict=True)}
        holders = [by_seat[s][0] for s in seats]
        salts = [by_seat[s][1] for s in seats]
        return self.send(self.fn.revealCommittee(self.tid, SECTION, kind, holders, salts), self.centre,
                         "revealCommittee")

    # ------------------------------------------------------------ sheets and shortlist
    def sheet_of(self, seat: LocalAccount) -> tuple[bytes, bytes, bytes]:
        """A real 综合评分 sheet of `seat` over the decrypted bids: (salt, sheet hash, commitment)."""
        n = int(seat.address, 16) % 7
        sheet = ScoreSheet(scores={b: {"tech": Decimal(60 + (i * 7 + n) % 40)} for i, b in enumerate(self.decrypted)})
        salt = os.urandom(32)
        commitment = sheet_commitment(tender_id=self.tid, section=SECTION, expert=seat.address, salt=salt,
                                      sheet=sheet)
        return salt, sheet_hash(sheet), commitment

    def commit_sheet(self, seat: LocalAccount) -> Any:
        salt, digest, commitment = self.sheet_of(seat)
        self.sheets[seat.address] = (salt, digest)
        return self.send(self.fn.commitSheet(self.tid, SECTION, commitment), seat, "commitSheet")

    def reveal_sheet(self, seat: LocalAccount) -> Any:
        salt, digest = self.sheets[seat.address]
        return self.send(self.fn.revealSheet(self.tid, SECTION, salt, digest), seat, "revealSheet")

    def evaluate(self) -> Committee:
        c = self.seat_evaluation()
        for s in c.seats:
            self.commit_sheet(s)
        for s in c.seats:
            self.reveal_sheet(s)
        return c

    def shortlist(self, candidates: list[str] | None = None, max_size: int = 5) -> list[str]:
        chosen = self.decrypted[:5] if candidates is None else candidates
        seat = self.committees[EVALUATION].seats[0]
        self.send(self.fn.submitShortlist(self.tid, SECTION, chosen, max_size, word("report")), seat,
                  "submitShortlist")
        return chosen

    # ------------------------------------------------------------ votes
    def open_round(self, round: int, candidates: list[str]) -> Any:
        return self.send(self.fn.openRound(self.tid, SECTION, round, candidates, self.now() + DAY, self.now() + 2 * DAY),
                         self.centre, "openRound")

    def vote(self, round: int, choices: list[str | None]) -> None:
        """Every selection seat, in seat order, commits then reveals its choice (None abstains)."""
        seats = self.committees[SELECTION].seats
        salts = [os.urandom(32) for _ in seats]
        for s, choice, salt in zip(seats, choices, salts, strict=True):
            c = vote_commitment(tender_id=self.tid, section=SECTION, round=round, seat=s.address, candidate=choice,
                                salt=salt)
            self.send(self.fn.commitVote(self.tid, SECTION, round, c), s, "commitVote")
        for s, choice, salt in zip(seats, choices, salts, strict=True):
            self.send(self.fn.revealVote(self.tid, SECTION, round, choice or ZERO_ADDRESS, salt), s, "revealVote")

    def commit_vote(self, seat: LocalAccount, round: int, choice: str | None) -> bytes:
        salt = os.urandom(32)
        c = vote_commitment(tender_id=self.tid, section=SECTION, round=round, seat=seat.address, candidate=choice,
                            salt=salt)
        self.send(self.fn.commitVote(self.tid, SECTION, round, c), seat)
        return salt

    def to_selection(self) -> list[str]:
        """Evaluated, shortlisted (5), the selection committee seated."""
        self.evaluate()
        listed = self.shortlist()
        self.seat_selection()
        return listed

    def to_decision(self) -> str:
        """One round that gives the lowest shortlisted address 4 of 7 votes, then the decision."""
        listed = self.to_selection()
        self.open_round(1, listed)
        self.vote(1, [listed[0]] * 4 + [listed[1]] * 3)
        self.send(self.fn.decide(self.tid, SECTION, VOTE, 0, listed[0], bytes(32), word("record"), 3), self.centre, "decide")
        return listed[0]


@pytest.fixture
def scene(chain: ChainEnv, request: pytest.FixtureRequest) -> Scene:
    relayer, tb_admin, centre, rival, o1, o2, *governors = chain.accounts[:10]
    governors = [*governors, *(chain.new_account(10**21) for _ in range(4 - len(governors)))]
    gov_contract = chain.deploy("Governance", [g.address for g in governors], NAMES, 3, sender=relayer)
    gov = GovernanceGateway(chain.client, gov_contract.address)
    tenders = chain.deploy("TenderBook", tb_admin.address, sender=tb_admin)
    for c in (centre, rival):
        chain.transact(tenders.functions.authoriseCentre(c.address), tb_admin)
    lottery = chain.deploy("LotteryBookDouble", sender=relayer)
    sel = chain.deploy("SelectionBook", gov_contract.address, tenders.address, lottery.address, sender=relayer)
    bidders = [chain.new_account(10**21) for _ in range(7)]
    from eth_account import Account

    book = Book(chain, tenders, tb_admin, centre, rival, bidders[:3], [o1, o2, Account.create()])
    tender = book.publish(selection=getattr(request, "param", DIRECT_VOTE))
    sealed = [book.bid(tender, b) for b in bidders]
    book.pass_deadline(tender)
    book.release(tender)
    prices = {}
    for s, price in zip(sealed[:6], PRICES, strict=True):
        book.open(tender, replace(s, price=price))
        prices[s.bidder] = price
    book.fail(tender, sealed[6], FAILED_BIDDER)
    chain.transact(tenders.functions.closeSection(tender.tender_id, SECTION, 6), centre)
    experts = [Account.create() for _ in range(9)]
    members = [Account.create() for _ in range(8)]
    s = Scene(chain, book, tender, sel, lottery, gov, governors, relayer,
              sorted((b.bidder for b in sealed[:6]), key=lambda a: int(a, 16)), sealed[6].bidder, experts, members,
              prices=prices)
    for e in experts:
        s.govern("registerExpert", e.address, word("speciality: 房屋建筑"))
    for m in members:
        s.govern("registerMember", USCC, m.address)
    return s


# ---------------------------------------------------------------- the happy path


def test_one_section_goes_through_the_whole_of_pingding_fenli(scene: Scene) -> None:
    s = scene
    assert sorted(s.fn.experts().call()) == sorted(e.address for e in s.experts)
    assert sorted(s.fn.membersOf(USCC).call()) == sorted(m.address for m in s.members)

    # 7 experts' sheets, committed then revealed
    ev = s.evaluate()
    view = s.fn.committeeOf(s.tid, SECTION, EVALUATION).call()
    assert view[3] == 7 and view[4] == view[5] == 2**7 - 1 and view[6] is False
    committed, revealed, digest = s.fn.sheetOf(s.tid, SECTION, ev.seats[0].address).call()
    assert committed and revealed and digest == s.sheets[ev.seats[0].address][1]

    # the unranked shortlist of 5
    listed = s.shortlist()
    assert s.fn.shortlistOf(s.tid, SECTION).call() == [listed, 5, word("report"), 0]
    assert s.fn.sectionOf(s.tid, SECTION).call()[0] == 1  # SELECTION

    # a 7-member committee votes two rounds: a tie, then a majority
    s.seat_selection()
    s.open_round(1, listed)
    s.vote(1, [listed[0]] * 3 + [listed[1]] * 3 + [None])
    r1 = s.fn.roundOf(s.tid, SECTION, 1).call()
    assert r1[0] == listed and r1[1] == [3, 3, 0, 0, 0] and r1[2] == 1
    assert s.fails(s.fn.decide(s.tid, SECTION, VOTE, 0, listed[0], bytes(32), word("record"), 3), s.centre)[0] == "NoMajority"
    s.open_round(2, listed[:2])
    s.vote(2, [listed[1]] * 4 + [listed[0]] * 3)
    assert s.fn.roundOf(s.tid, SECTION, 2).call()[1] == [3, 4]
    seat0 = s.committees[SELECTION].seats[0]
    assert s.fn.voteOf(s.tid, SECTION, 2, seat0.address).call() == [True, True, bytes(32), listed[1]]

    # the decision, 公示 with an objection answered, committees revealed, award
    s.send(s.fn.decide(s.tid, SECTION, VOTE, 0, listed[1], bytes(32), word("record"), 3), s.centre, "decide")
    decision = s.fn.decisionOf(s.tid, SECTION).call()
    assert decision[0] == listed[1] and decision[4] == decision[3] + 3 * DAY and decision[5] is False
    bidder = s.chain.new_account(10**20)
    s.send(s.fn.object(s.tid, SECTION, word("异议")), bidder, "object")
    s.later(DAY)
    s.send(s.fn.answerObjection(s.tid, SECTION, 1, word("答复")), s.centre, "answerObjection")
    objection = s.fn.objectionOf(s.tid, SECTION, 1).call()
    assert objection[0] == bidder.address and objection[3] is False and objection[7] == word("答复")
    s.reveal_committee(EVALUATION)
    s.reveal_committee(SELECTION)
    for kind, c in s.committees.items():
        for seat, holder in zip(c.seats, c.holders, strict=True):
            assert s.fn.seatOf(s.tid, SECTION, kind, seat.address).call()[4] == holder.address
    s.later(3 * DAY)
    assert s.fn.winnerOf(s.tid, SECTION).call() == ZERO_ADDRESS
    s.send(s.fn.award(s.tid, SECTION), bidder, "award")
    assert s.fn.winnerOf(s.tid, SECTION).call() == listed[1]
    assert s.fn.sectionOf(s.tid, SECTION).call()[0] == 3  # AWARDED
    assert s.fails(s.fn.award(s.tid, SECTION), bidder)[0] == "SectionAwarded"
    print(f"SelectionBook gas on {s.chain.backend} (max per step): "
          + str({k: max(v) for k, v in sorted(s.gas.items())}))


def test_each_sheet_or_vote_commitment_and_each_reveal_costs_at_most_60000_gas(scene: Scene) -> None:
    s = scene
    s.to_decision()
    for label in ("commitSheet", "revealSheet", "commitVote", "revealVote"):
        assert s.gas[label] and max(s.gas[label]) <= GAS_LIMIT, (label, s.gas[label])
    print(f"SelectionBook gas on {s.chain.backend}: "
          + str({k: max(v) for k, v in sorted(s.gas.items())}))


# ---------------------------------------------------------------- hashing rules agree


def test_the_python_hashes_are_the_contracts(scene: Scene) -> None:
    s = scene
    seat, member, cand, salt = s.experts[0].address, s.experts[1].address, s.decrypted[0], os.urandom(32)
    sheet = ScoreSheet(scores={cand: {"tech": Decimal("87.5")}})
    assert bytes(s.fn.sheetCommitment(s.tid, 3, seat, salt, sheet_hash(sheet)).call()) == sheet_commitment(
        tender_id=s.tid, section=3, expert=seat, salt=salt, sheet=sheet)
    for choice in (cand, None):
        assert bytes(s.fn.voteCommitment(s.tid, 3, 2, seat, choice or ZERO_ADDRESS, salt).call()) == vote_commitment(
            tender_id=s.tid, section=3, round=2, seat=seat, candidate=choice, salt=salt)
    for kind in (EVALUATION, SELECTION):
        assert bytes(s.fn.seatLink(s.tid, 3, kind, seat, member, salt).call()) == seat_link(
            tender_id=s.tid, section=3, kind=kind, seat=seat, member=member, salt=salt)


def test_seat_keys_differ_per_tender_section_and_committee_and_from_the_members_key(scene: Scene) -> None:
    e = scene.experts[0]
    keys = {derive_seat_key(e, t, sec, k).address for t in (word("a"), word("b")) for sec in (0, 1) for k in (0, 1)}
    assert len(keys) == 8 and e.address not in keys
    assert derive_seat_key(e, word("a"), 0, 0).address == derive_seat_key(e, word("a"), 0, 0).address


# ---------------------------------------------------------------- attacks: who acts


def test_a_sheet_by_a_non_seat_is_refused(scene: Scene) -> None:
    s = scene
    s.seat_evaluation()
    expert = s.experts[0]  # a drawn expert acting with its own pool key, not its seat key
    s.chain.client.fund(s.relayer, expert.address, SEAT_FUNDS)
    assert s.fails(s.fn.commitSheet(s.tid, SECTION, word("c")), expert) == (
        "NotSeat", (s.tid, SECTION, EVALUATION, expert.address))


def test_a_sheet_by_a_replaced_seat_is_refused(scene: Scene) -> None:
    s = scene
    c = s.seat_evaluation()
    old = c.seats[2]
    reserve = s.experts[7]
    new = derive_seat_key(reserve, s.tid, SECTION, EVALUATION)
    s.chain.client.fund(s.relayer, new.address, SEAT_FUNDS)
    reserve_draw = s.set_draw("reserve", 1, [reserve.address])
    link = seat_link(tender_id=s.tid, section=SECTION, kind=EVALUATION, seat=new.address, member=reserve.address,
                     salt=word("reserve salt"))
    s.send(s.fn.replaceSeat(s.tid, SECTION, EVALUATION, old.address, new.address, reserve_draw, link,
                            word("回避: 曾受雇于投标人")), s.centre)
    assert s.fails(s.fn.commitSheet(s.tid, SECTION, word("c")), old)[0] == "NotSeat"
    s.commit_sheet(new)  # the replacement acts in its place
    # a seat that acted can no longer be replaced
    other = derive_seat_key(s.experts[8], s.tid, SECTION, EVALUATION)
    assert s.fails(s.fn.replaceSeat(s.tid, SECTION, EVALUATION, new.address, other.address, reserve_draw, link,
                                    word("no-show")), s.centre)[0] == "SeatActed"


def test_a_vote_by_a_non_seat_or_a_replaced_seat_is_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    s.open_round(1, listed)
    member = s.members[0]
    s.chain.client.fund(s.relayer, member.address, SEAT_FUNDS)
    assert s.fails(s.fn.commitVote(s.tid, SECTION, 1, word("v")), member)[0] == "NotSeat"
    c = s.committees[SELECTION]
    old = c.seats[0]
    new = derive_seat_key(s.members[7], s.tid, SECTION, SELECTION)
    s.chain.client.fund(s.relayer, new.address, SEAT_FUNDS)
    link = seat_link(tender_id=s.tid, section=SECTION, kind=SELECTION, seat=new.address, member=s.members[7].address,
                     salt=word("s"))
    s.send(s.fn.replaceSeat(s.tid, SECTION, SELECTION, old.address, new.address, bytes(32), link, word("缺席")),
           s.centre)
    assert s.fails(s.fn.commitVote(s.tid, SECTION, 1, word("v")), old) == (
        "NotSeat", (s.tid, SECTION, SELECTION, old.address))
    s.commit_vote(new, 1, listed[0])


def test_a_centre_acting_on_another_centres_tender_is_refused(scene: Scene) -> None:
    s = scene
    rival = s.book.rival
    did = s.set_draw("committee", 1, [e.address for e in s.experts[:7]])
    seats = sorted((derive_seat_key(e, s.tid, SECTION, 0).address for e in s.experts[:7]), key=lambda a: int(a, 16))
    refused = ("NotPublisher", (s.tid, rival.address))
    assert s.fails(s.fn.seat(s.tid, SECTION, 0, did, seats, [word(a) for a in seats], s.now() + DAY,
                             s.now() + 2 * DAY), rival) == refused
    assert s.fails(s.fn.exclude(s.tid, SECTION, 0, s.experts[0].address, word("r")), rival) == refused
    assert s.fails(s.fn.nameTenderer(s.tid, USCC), rival) == refused
    listed = s.to_selection()
    assert s.fails(s.fn.openRound(s.tid, SECTION, 1, listed, s.now() + DAY, s.now() + 2 * DAY), rival) == refused
    s.open_round(1, listed)
    s.vote(1, [listed[0]] * 7)
    assert s.fails(s.fn.decide(s.tid, SECTION, VOTE, 0, listed[0], bytes(32), word("r"), 3), rival) == refused
    s.send(s.fn.decide(s.tid, SECTION, VOTE, 0, listed[0], bytes(32), word("r"), 3), s.centre)
    s.send(s.fn.object(s.tid, SECTION, word("异议")), rival)
    assert s.fails(s.fn.answerObjection(s.tid, SECTION, 1, word("a")), rival) == refused
    c = s.committees[EVALUATION]
    assert s.fails(s.fn.revealCommittee(s.tid, SECTION, 0, [h.address for h in c.holders], c.salts), rival) == refused


def test_a_lone_governance_key_cannot_rule_a_complaint(scene: Scene) -> None:
    s = scene
    s.to_decision()
    s.later(3 * DAY)
    s.send(s.fn.complain(s.tid, SECTION, word("投诉")), s.book.bidders[1])
    lone = s.governors[0]
    args = (s.tid, SECTION, 1, True, 1, word("ruling"))
    assert s.fails(s.fn.ruleComplaint(*args), lone) == ("NotAdmin", (lone.address,))
    target = SelectionBookGateway.of(s.chain.client, s.sel.address)
    call = s.gov.call_of(target, "ruleComplaint", *args)
    s.gov.propose(lone, call, word("salt"))
    with pytest.raises(ContractRevert) as info:
        s.gov.execute(lone, call, word("salt"))
    assert info.value.error == "BelowThreshold"
    assert s.fn.complaintOf(s.tid, SECTION, 1).call()[2] == 0  # still pending
    assert s.fails(s.fn.award(s.tid, SECTION), lone)[0] == "AwardPaused"

    # three of four uphold it: the section goes back to the selection, recorded
    s.govern("ruleComplaint", *args)
    complaint = s.fn.complaintOf(s.tid, SECTION, 1).call()
    assert complaint[4] is True and complaint[5] == 1 and complaint[7] == word("ruling")
    assert s.fn.decisionOf(s.tid, SECTION).call()[3] == 0
    view = s.fn.sectionOf(s.tid, SECTION).call()
    assert view[0] == 1 and view[2] == 2  # SELECTION again, counting rounds from 2
    listed = s.fn.shortlistOf(s.tid, SECTION).call()[0]
    assert s.fails(s.fn.decide(s.tid, SECTION, VOTE, 0, listed[0], bytes(32), word("r"), 3), s.centre)[0] == "NoMajority"


def test_a_complaint_upheld_back_to_the_shortlist_takes_a_new_shortlist(scene: Scene) -> None:
    s = scene
    s.to_decision()
    s.later(3 * DAY)
    s.send(s.fn.complain(s.tid, SECTION, word("投诉")), s.book.bidders[1])
    s.govern("ruleComplaint", s.tid, SECTION, 1, True, 0, word("ruling"))
    assert s.fn.shortlistOf(s.tid, SECTION).call() == [[], 0, bytes(32), 1]
    s.shortlist(s.decrypted[1:4], 3)
    assert s.fn.sectionOf(s.tid, SECTION).call()[0] == 1


def test_a_complaint_after_ten_days_is_refused(scene: Scene) -> None:
    s = scene
    s.to_decision()
    s.later(13 * DAY + 1)
    assert s.fails(s.fn.complain(s.tid, SECTION, word("投诉")), s.relayer)[0] == "ComplaintWindowClosed"


# ---------------------------------------------------------------- attacks: commit and reveal


def test_a_second_sheet_commit_is_refused(scene: Scene) -> None:
    s = scene
    c = s.seat_evaluation()
    s.commit_sheet(c.seats[0])
    assert s.fails(s.fn.commitSheet(s.tid, SECTION, word("again")), c.seats[0]) == (
        "SeatAlreadyCommitted", (s.tid, SECTION, c.seats[0].address))


def test_a_second_vote_in_a_round_is_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    s.open_round(1, listed)
    seat = s.committees[SELECTION].seats[0]
    s.commit_vote(seat, 1, listed[0])
    assert s.fails(s.fn.commitVote(s.tid, SECTION, 1, word("again")), seat)[0] == "SeatAlreadyCommitted"


def test_a_sheet_reveal_that_does_not_match_is_refused(scene: Scene) -> None:
    s = scene
    c = s.seat_evaluation()
    for seat in c.seats:
        s.commit_sheet(seat)
    seat = c.seats[0]
    salt, digest = s.sheets[seat.address]
    for bad in ((salt, word("another sheet")), (word("another salt"), digest)):
        assert s.fails(s.fn.revealSheet(s.tid, SECTION, *bad), seat) == ("SheetMismatch", (s.tid, SECTION, seat.address))
    # another seat's reveal, replayed by this seat, does not open this seat's commitment either
    assert s.fails(s.fn.revealSheet(s.tid, SECTION, *s.sheets[c.seats[1].address]), seat)[0] == "SheetMismatch"
    s.reveal_sheet(seat)
    assert s.fails(s.fn.revealSheet(s.tid, SECTION, salt, digest), seat)[0] == "NothingToReveal"


def test_a_vote_reveal_that_does_not_match_is_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    s.open_round(1, listed)
    seats = s.committees[SELECTION].seats
    salts = [s.commit_vote(seat, 1, listed[0]) for seat in seats]
    assert s.fails(s.fn.revealVote(s.tid, SECTION, 1, listed[1], salts[0]), seats[0]) == (
        "VoteMismatch", (s.tid, SECTION, 1, seats[0].address))
    assert s.fails(s.fn.revealVote(s.tid, SECTION, 1, ZERO_ADDRESS, salts[0]), seats[0])[0] == "VoteMismatch"


def test_a_sheet_reveal_before_every_commit_or_the_deadline_is_refused(scene: Scene) -> None:
    s = scene
    c = s.seat_evaluation()
    s.commit_sheet(c.seats[0])
    salt, digest = s.sheets[c.seats[0].address]
    assert s.fails(s.fn.revealSheet(s.tid, SECTION, salt, digest), c.seats[0])[0] == "RevealNotOpen"


def test_a_late_sheet_commit_or_reveal_is_refused(scene: Scene) -> None:
    s = scene
    c = s.seat_evaluation()
    for seat in c.seats[:6]:
        s.commit_sheet(seat)
    s.later(DAY)
    assert s.fails(s.fn.commitSheet(s.tid, SECTION, word("late")), c.seats[6])[0] == "CommitPeriodOver"
    s.reveal_sheet(c.seats[0])  # the commit deadline passed: reveals are open without the seventh
    s.later(DAY)
    salt, digest = s.sheets[c.seats[1].address]
    assert s.fails(s.fn.revealSheet(s.tid, SECTION, salt, digest), c.seats[1])[0] == "LateReveal"


def test_a_no_show_replaced_after_the_commit_deadline_gets_a_fresh_window_before_any_reveal(scene: Scene) -> None:
    s = scene
    c = s.seat_evaluation()
    for seat in c.seats[:6]:
        s.commit_sheet(seat)
    s.later(DAY)  # seat 7 missed the commit deadline
    reserve = s.experts[7]
    new = derive_seat_key(reserve, s.tid, SECTION, EVALUATION)
    s.chain.client.fund(s.relayer, new.address, SEAT_FUNDS)
    link = seat_link(tender_id=s.tid, section=SECTION, kind=EVALUATION, seat=new.address, member=reserve.address,
                     salt=word("reserve salt"))
    s.send(s.fn.replaceSeat(s.tid, SECTION, EVALUATION, c.seats[6].address, new.address, bytes(32), link,
                            word("未在提交截止前提交")), s.centre)
    # reveals wait again: the replacement commits in its fresh window before any sheet is shown
    salt, digest = s.sheets[c.seats[0].address]
    assert s.fails(s.fn.revealSheet(s.tid, SECTION, salt, digest), c.seats[0])[0] == "RevealNotOpen"
    s.commit_sheet(new)
    for seat in [*c.seats[:6], new]:
        s.reveal_sheet(seat)
    s.send(s.fn.submitShortlist(s.tid, SECTION, s.decrypted[:3], 5, word("r")), c.seats[0])


def test_replacing_a_no_show_after_a_sheet_was_shown_is_refused(scene: Scene) -> None:
    s = scene
    c = s.seat_evaluation()
    for seat in c.seats[:6]:
        s.commit_sheet(seat)
    s.later(DAY)
    s.reveal_sheet(c.seats[0])
    new = derive_seat_key(s.experts[7], s.tid, SECTION, EVALUATION)
    link = seat_link(tender_id=s.tid, section=SECTION, kind=EVALUATION, seat=new.address,
                     member=s.experts[7].address, salt=word("reserve salt"))
    assert s.fails(s.fn.replaceSeat(s.tid, SECTION, EVALUATION, c.seats[6].address, new.address, bytes(32), link,
                                    word("no-show")), s.centre)[0] == "SheetsShown"


def test_a_shortlist_from_fewer_sheets_than_the_quorum_after_the_deadline_is_refused(scene: Scene) -> None:
    s = scene
    c = s.seat_evaluation()
    for seat in c.seats:
        s.commit_sheet(seat)
    for seat in c.seats[:4]:
        s.reveal_sheet(seat)
    s.later(2 * DAY)  # past the reveal deadline with 4 of 7: fewer than MIN_SEATS
    assert s.fails(s.fn.submitShortlist(s.tid, SECTION, s.decrypted[:3], 5, word("r")), c.seats[0])[0] == (
        "SheetsMissing")


def test_a_shortlist_with_a_sheet_withheld_waits_for_the_reveal_deadline(scene: Scene) -> None:
    s = scene
    c = s.seat_evaluation()
    for seat in c.seats:
        s.commit_sheet(seat)
    for seat in c.seats[:6]:
        s.reveal_sheet(seat)
    assert s.fails(s.fn.submitShortlist(s.tid, SECTION, s.decrypted[:3], 5, word("r")), c.seats[0])[0] == (
        "SheetsMissing")
    s.later(2 * DAY)  # the seventh sheet is void; six revealed ≥ MIN_SEATS
    s.send(s.fn.submitShortlist(s.tid, SECTION, s.decrypted[:3], 5, word("r")), c.seats[0])


def test_a_late_vote_reveal_is_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    s.open_round(1, listed)
    seats = s.committees[SELECTION].seats
    salts = [s.commit_vote(seat, 1, listed[0]) for seat in seats]
    s.later(2 * DAY)
    assert s.fails(s.fn.revealVote(s.tid, SECTION, 1, listed[0], salts[0]), seats[0])[0] == "LateReveal"
    assert s.fails(s.fn.commitVote(s.tid, SECTION, 1, word("late")), seats[0])[0] in ("CommitPeriodOver",
                                                                                    "SeatAlreadyCommitted")


def test_a_vote_for_a_candidate_outside_the_round_is_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    s.open_round(1, listed[:2])
    seats = s.committees[SELECTION].seats
    salts = [s.commit_vote(seat, 1, listed[2]) for seat in seats]
    assert s.fails(s.fn.revealVote(s.tid, SECTION, 1, listed[2], salts[0]), seats[0])[0] == "NotACandidate"


# ---------------------------------------------------------------- attacks: the shortlist


def test_a_shortlist_larger_than_max_size_is_refused(scene: Scene) -> None:
    s = scene
    s.evaluate()
    seat = s.committees[EVALUATION].seats[0]
    assert s.fails(s.fn.submitShortlist(s.tid, SECTION, s.decrypted, 5, word("r")), seat) == (
        "ShortlistSize", (s.tid, SECTION, 6, 5))
    assert s.fails(s.fn.submitShortlist(s.tid, SECTION, [], 5, word("r")), seat)[0] == "ShortlistSize"


def test_a_shortlist_holding_a_bid_that_did_not_decrypt_is_refused(scene: Scene) -> None:
    s = scene
    s.evaluate()
    seat = s.committees[EVALUATION].seats[0]
    for stranger in (s.failed, s.relayer.address):
        listed = sorted([*s.decrypted[:3], stranger], key=lambda a: int(a, 16))
        assert s.fails(s.fn.submitShortlist(s.tid, SECTION, listed, 5, word("r")), seat) == (
            "IneligibleBid", (s.tid, SECTION, stranger))


def test_a_shortlist_not_ascending_is_refused(scene: Scene) -> None:
    s = scene
    s.evaluate()
    seat = s.committees[EVALUATION].seats[0]
    ranked = [s.decrypted[2], s.decrypted[0], s.decrypted[1]]
    assert s.fails(s.fn.submitShortlist(s.tid, SECTION, ranked, 5, word("r")), seat)[0] == "CandidatesNotAscending"
    twice = [s.decrypted[0], s.decrypted[0]]
    assert s.fails(s.fn.submitShortlist(s.tid, SECTION, twice, 5, word("r")), seat)[0] == "CandidatesNotAscending"


def test_a_shortlist_before_every_sheet_is_revealed_or_by_a_non_seat_is_refused(scene: Scene) -> None:
    s = scene
    c = s.seat_evaluation()
    for seat in c.seats:
        s.commit_sheet(seat)
    for seat in c.seats[:6]:
        s.reveal_sheet(seat)
    assert s.fails(s.fn.submitShortlist(s.tid, SECTION, s.decrypted[:3], 5, word("r")), c.seats[0])[0] == (
        "SheetsMissing")
    s.reveal_sheet(c.seats[6])
    assert s.fails(s.fn.submitShortlist(s.tid, SECTION, s.decrypted[:3], 5, word("r")), s.centre)[0] == "NotSeat"


# ---------------------------------------------------------------- attacks: the decision


def test_a_winner_outside_the_shortlist_is_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    s.open_round(1, listed)
    s.vote(1, [listed[0]] * 7)
    outsider = s.decrypted[5]
    assert outsider not in listed
    assert s.fails(s.fn.decide(s.tid, SECTION, VOTE, 0, outsider, bytes(32), word("r"), 3), s.centre) == (
        "NotShortlisted", (s.tid, SECTION, outsider))


def test_a_winner_that_is_not_the_draws_first_pick_is_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    did = s.set_draw("selection", 1, [listed[3], listed[1]])
    assert s.fails(s.fn.decide(s.tid, SECTION, LOTTERY, 0, listed[1], did, word("r"), 3), s.centre) == (
        "NotDrawWinner", (s.tid, SECTION, did, listed[1]))
    unfinished = s.set_draw("selection", 2, [listed[1]], finished=False)
    assert s.fails(s.fn.decide(s.tid, SECTION, LOTTERY, 0, listed[1], unfinished, word("r"), 3), s.centre)[0] == "DrawNotFinished"
    wrong_purpose = s.set_draw("shortlist", 1, [listed[1]])
    assert s.fails(s.fn.decide(s.tid, SECTION, LOTTERY, 0, listed[1], wrong_purpose, word("r"), 3), s.centre)[0] == "WrongDraw"
    other_tender = s.set_draw("selection", 1, [listed[1]], tender_id=word("another tender"))
    assert s.fails(s.fn.decide(s.tid, SECTION, LOTTERY, 0, listed[1], other_tender, word("r"), 3), s.centre)[0] == "WrongDraw"
    assert s.fails(s.fn.decide(s.tid, SECTION, LOTTERY, 0, listed[3], did, word("r"), 2), s.centre)[0] == "PublicityTooShort"
    s.send(s.fn.decide(s.tid, SECTION, LOTTERY, 0, listed[3], did, word("r"), 3), s.centre)
    assert list(s.fn.decisionOf(s.tid, SECTION).call())[:2] == [listed[3], did]


def test_a_decision_before_the_last_round_is_over_is_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    s.open_round(1, listed)
    s.commit_vote(s.committees[SELECTION].seats[0], 1, listed[0])
    assert s.fails(s.fn.decide(s.tid, SECTION, VOTE, 0, listed[0], bytes(32), word("r"), 3), s.centre)[0] == "RoundOpen"
    assert s.fails(s.fn.openRound(s.tid, SECTION, 2, listed, s.now() + DAY, s.now() + 2 * DAY), s.centre)[0] == (
        "RoundOpen")
    assert s.fails(s.fn.openRound(s.tid, SECTION, 3, listed, s.now() + DAY, s.now() + 2 * DAY), s.centre)[0] == (
        "WrongRound")


# ---------------------------------------------------------------- attacks: 公示 and award


def test_an_award_during_an_open_objection_is_refused(scene: Scene) -> None:
    s = scene
    s.to_decision()
    s.send(s.fn.object(s.tid, SECTION, word("异议")), s.relayer)
    s.reveal_committee(EVALUATION)
    s.reveal_committee(SELECTION)
    assert s.fails(s.fn.award(s.tid, SECTION), s.relayer)[0] == "PublicityRunning"
    s.later(4 * DAY)
    assert s.fails(s.fn.award(s.tid, SECTION), s.relayer) == ("AwardPaused", (s.tid, SECTION, 1))
    s.send(s.fn.answerObjection(s.tid, SECTION, 1, word("答复")), s.centre)
    assert s.fn.objectionOf(s.tid, SECTION, 1).call()[3] is True  # answered more than 3 days later: late
    assert s.fails(s.fn.answerObjection(s.tid, SECTION, 1, word("again")), s.centre)[0] == "FilingClosed"
    s.send(s.fn.award(s.tid, SECTION), s.relayer)


def test_an_objection_after_publicity_is_refused(scene: Scene) -> None:
    s = scene
    assert s.fails(s.fn.object(s.tid, SECTION, word("异议")), s.relayer)[0] == "NotDecided"
    s.to_decision()
    s.later(3 * DAY)
    ends = s.fn.decisionOf(s.tid, SECTION).call()[4]
    err, args = s.fails(s.fn.object(s.tid, SECTION, word("异议")), s.relayer)
    assert err == "NotInPublicity" and args[2] == ends


def test_an_award_before_both_committees_are_revealed_is_refused(scene: Scene) -> None:
    s = scene
    s.to_decision()
    s.later(3 * DAY)
    assert s.fails(s.fn.award(s.tid, SECTION), s.relayer) == ("CommitteeHidden", (s.tid, SECTION, EVALUATION))
    s.reveal_committee(EVALUATION)
    assert s.fails(s.fn.award(s.tid, SECTION), s.relayer) == ("CommitteeHidden", (s.tid, SECTION, SELECTION))


# ---------------------------------------------------------------- attacks: revealing the committee


def test_revealing_a_seat_held_by_an_excluded_expert_fails(scene: Scene) -> None:
    s = scene
    s.send(s.fn.exclude(s.tid, SECTION, EVALUATION, s.experts[3].address, word("受雇于投标人")), s.centre)
    assert s.fn.exclusionOf(s.tid, SECTION, EVALUATION, s.experts[3].address).call() == word("受雇于投标人")
    s.to_decision()  # the centre seated the excluded expert anyway
    with pytest.raises(ContractRevert) as info:
        s.reveal_committee(EVALUATION)
    assert (info.value.error, info.value.args_["expert"]) == ("ExcludedExpert", s.experts[3].address)
    assert s.fails(s.fn.exclude(s.tid, SECTION, EVALUATION, s.experts[4].address, word("r")), s.centre)[0] == (
        "AlreadySeated")


def test_revealing_a_committee_with_a_wrong_or_undrawn_member_fails(scene: Scene) -> None:
    s = scene
    s.to_decision()
    c = s.committees[EVALUATION]
    holders, salts = [h.address for h in c.holders], list(c.salts)
    call = s.fn.revealCommittee
    assert s.fails(call(s.tid, SECTION, 0, holders[:6], salts[:6]), s.centre)[0] == "InvalidSeats"
    swapped = [holders[1], holders[0], *holders[2:]]
    assert s.fails(call(s.tid, SECTION, 0, swapped, salts), s.centre)[0] == "LinkMismatch"
    assert s.fails(call(s.tid, SECTION, 1, holders, salts), s.centre)[0] == "LinkMismatch"


def test_revealing_a_seat_held_by_an_expert_the_draw_did_not_pick_fails(scene: Scene) -> None:
    s = scene
    undrawn = s.experts[6]
    s.seat(EVALUATION, s.experts[:7], picks=[e.address for e in s.experts[:6]] + [s.experts[8].address])
    for seat in s.committees[EVALUATION].seats:
        s.commit_sheet(seat)
    for seat in s.committees[EVALUATION].seats:
        s.reveal_sheet(seat)
    listed = s.shortlist()
    s.seat_selection()
    s.open_round(1, listed)
    s.vote(1, [listed[0]] * 7)
    s.send(s.fn.decide(s.tid, SECTION, VOTE, 0, listed[0], bytes(32), word("r"), 3), s.centre)
    with pytest.raises(ContractRevert) as info:
        s.reveal_committee(EVALUATION)
    assert (info.value.error, info.value.args_["expert"]) == ("NotDrawn", undrawn.address)


def test_a_committee_is_revealed_only_after_the_decision(scene: Scene) -> None:
    s = scene
    c = s.evaluate()
    assert s.fails(s.fn.revealCommittee(s.tid, SECTION, 0, [h.address for h in c.holders], c.salts), s.centre)[0] == (
        "NotDecided")


def test_seating_refuses_even_small_unsorted_or_foreign_draw_committees(scene: Scene) -> None:
    s = scene
    did = s.set_draw("committee", 1, [e.address for e in s.experts[:7]])
    seats = sorted((derive_seat_key(e, s.tid, SECTION, 0).address for e in s.experts[:7]), key=lambda a: int(a, 16))
    links = [word(a) for a in seats]
    times = (s.now() + DAY, s.now() + 2 * DAY)
    seat = s.fn.seat
    assert s.fails(seat(s.tid, SECTION, 0, did, seats[:6], links[:6], *times), s.centre)[0] == "InvalidSeats"
    assert s.fails(seat(s.tid, SECTION, 0, did, seats[:3], links[:3], *times), s.centre)[0] == "InvalidSeats"
    assert s.fails(seat(s.tid, SECTION, 0, did, seats[::-1], links, *times), s.centre)[0] == "InvalidSeats"
    foreign = s.set_draw("committee", 1, [e.address for e in s.experts[:7]], tender_id=word("another"))
    assert s.fails(seat(s.tid, SECTION, 0, foreign, seats, links, *times), s.centre)[0] == "WrongDraw"
    assert s.fails(seat(s.tid, SECTION, 2, did, seats, links, *times), s.centre)[0] == "UnknownCommitteeKind"
    assert s.fails(seat(s.tid, SECTION, 1, did, seats, links, 0, 0), s.centre)[0] == "NoTenderer"


def test_only_the_governance_keeps_the_pools(scene: Scene) -> None:
    s = scene
    lone = s.governors[0]
    assert s.fails(s.fn.registerExpert(lone.address, word("x")), lone) == ("NotAdmin", (lone.address,))
    assert s.fails(s.fn.removeMember(USCC, s.members[0].address), s.centre)[0] == "NotAdmin"
    s.govern("removeExpert", s.experts[8].address)
    assert s.experts[8].address not in s.fn.experts().call() and len(s.fn.experts().call()) == 8
    with pytest.raises(ContractRevert) as info:
        s.govern("registerExpert", s.experts[0].address, word("again"))
    assert info.value.error == "AlreadyInPool"


# ---------------------------------------------------------------- the Python gateway


def test_the_gateway_reads_every_step_as_typed_objects_and_maps_refusals(scene: Scene) -> None:
    s = scene
    winner = s.to_decision()
    g = SelectionBookGateway.of(s.chain.client, s.sel.address)
    assert g.admin() == s.gov.address and g.tender_book() == s.book.address
    committee = g.committee(s.tid, SECTION, CommitteeKind.EVALUATION)
    assert committee.size == 7 and committee.revealed_mask == 2**7 - 1 and not committee.revealed
    seat = s.committees[EVALUATION].seats[0]
    assert g.sheet_of(s.tid, SECTION, seat.address).sheet_hash == s.sheets[seat.address][1]
    assert g.shortlist(s.tid, SECTION).candidates == tuple(s.decrypted[:5])
    r1 = g.round_of(s.tid, SECTION, 1)
    assert r1.tallies == (4, 3, 0, 0, 0) and r1.abstentions == 0
    assert g.vote_of(s.tid, SECTION, 1, s.committees[SELECTION].seats[0].address).candidate == winner
    decision = g.decision(s.tid, SECTION)
    assert decision.winner == winner and decision.draw_id is None and not decision.awarded
    mined = g.object(s.relayer, s.tid, SECTION, word("异议"))
    assert g.objection(s.tid, SECTION, 1).filed_at == mined.timestamp
    assert g.status(s.tid, SECTION).stage is Stage.PUBLICITY and g.winner_of(s.tid, SECTION) is None
    assert [e.event for e in g.section_logs(s.tid, SECTION)][-2:] == ["Decided", "ObjectionFiled"]
    with pytest.raises(Conflict):
        g.award(s.relayer, s.tid, SECTION)
    with pytest.raises(Unauthorised):
        g.commit_sheet(s.relayer, s.tid, SECTION, word("c"))
    holders = [h.address for h in s.committees[EVALUATION].holders]
    with pytest.raises(InvalidArgument) as info:
        g.reveal_committee(s.centre, s.tid, SECTION, CommitteeKind.EVALUATION, holders, [word("x")] * 7)
    assert info.value.error == "LinkMismatch"


# ---------------------------------------------------------------- every selection method, checked on its basis


def _by_price(s: Scene, listed: list[str]) -> list[str]:
    return sorted(listed, key=lambda a: s.prices[a])


@pytest.mark.parametrize("scene", [THIRD_LOWEST_PRICE], indirect=True)
def test_a_price_decision_naming_another_than_the_rules_bidder_is_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    ranked = _by_price(s, listed)
    lone = [a for a in listed if [s.prices[b] for b in listed].count(s.prices[a]) == 1]
    # 价格竞争 by the n-th lowest: every shortlisted bidder but the n-th lowest is refused
    third = ranked[2]
    assert third in lone
    for other in listed:
        if s.prices[other] != s.prices[third]:
            call = s.fn.decide(s.tid, SECTION, NTH_LOWEST_PRICE, 3, other, bytes(32), word("r"), 3)
            assert s.fails(call, s.centre) == ("NotPriceWinner", (s.tid, SECTION, other))
    # n = 0 is no rule; a draw where nothing is tied is refused
    assert s.fails(s.fn.decide(s.tid, SECTION, NTH_LOWEST_PRICE, 0, third, bytes(32), word("r"), 3),
                   s.centre)[0] == "InvalidBasis"
    did = s.set_draw("selection", 1, [third])
    assert s.fails(s.fn.decide(s.tid, SECTION, NTH_LOWEST_PRICE, 3, third, did, word("r"), 3),
                   s.centre)[0] == "InvalidBasis"
    # a price tender is never decided by a vote, nor by another price rule than its own
    assert s.fails(s.fn.decide(s.tid, SECTION, VOTE, 0, third, bytes(32), word("r"), 3), s.centre) == (
        "BasisNotAllowed", (s.tid, SECTION, THIRD_LOWEST_PRICE, VOTE, 0))
    assert s.fails(s.fn.decide(s.tid, SECTION, NTH_LOWEST_PRICE, 1, ranked[0], bytes(32), word("r"), 3),
                   s.centre) == ("BasisNotAllowed", (s.tid, SECTION, THIRD_LOWEST_PRICE, NTH_LOWEST_PRICE, 1))
    # the rule's bidder is accepted, and the basis is in the log
    receipt = s.send(s.fn.decide(s.tid, SECTION, NTH_LOWEST_PRICE, 3, third, bytes(32), word("r"), 3), s.centre)
    decided = s.sel.events.Decided().process_receipt(receipt)[0]["args"]
    assert (decided["winner"], decided["basis"], decided["n"]) == (third, NTH_LOWEST_PRICE, 3)


@pytest.mark.parametrize("scene", [LOWEST_PRICE], indirect=True)
def test_a_price_tie_is_decided_by_the_draws_first_pick(scene: Scene) -> None:
    s = scene
    low = min(PRICES)
    tied = [a for a in s.decrypted if s.prices[a] == low]
    # shortlist both bids at the lowest price (the first five by address may leave one out)
    listed = sorted([*tied, *(a for a in s.decrypted if a not in tied)][:5], key=lambda a: int(a, 16))
    s.evaluate()
    s.shortlist(listed)
    s.seat_selection()
    # the lowest price is shared by two: the tie needs the draw, whose first pick must be the winner
    assert len(tied) == 2
    assert s.fails(s.fn.decide(s.tid, SECTION, NTH_LOWEST_PRICE, 1, tied[0], bytes(32), word("r"), 3),
                   s.centre) == ("TieNeedsDraw", (s.tid, SECTION, tied[0]))
    tie_draw = s.set_draw("selection", 2, [tied[1], tied[0]])
    assert s.fails(s.fn.decide(s.tid, SECTION, NTH_LOWEST_PRICE, 1, tied[0], tie_draw, word("r"), 3),
                   s.centre)[0] == "NotDrawWinner"
    did = s.set_draw("selection", 1, [tied[1], tied[0]])
    s.send(s.fn.decide(s.tid, SECTION, NTH_LOWEST_PRICE, 1, tied[1], did, word("r"), 3), s.centre)
    assert list(s.fn.decisionOf(s.tid, SECTION).call()[:2]) == [tied[1], did]


@pytest.mark.parametrize("scene", [CLOSEST_PRICE], indirect=True)
def test_closest_to_average_is_computed_exactly_over_the_shortlist(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    n, total = len(listed), sum(s.prices[a] for a in listed)
    distance = {a: abs(n * s.prices[a] - total) for a in listed}
    best = min(distance.values())
    winners = [a for a in listed if distance[a] == best]
    assert len(winners) == 1
    for other in listed:
        if other != winners[0]:
            call = s.fn.decide(s.tid, SECTION, CLOSEST_TO_AVERAGE, 0, other, bytes(32), word("r"), 3)
            assert s.fails(call, s.centre) == ("NotPriceWinner", (s.tid, SECTION, other))
    assert s.fails(s.fn.decide(s.tid, SECTION, CLOSEST_TO_AVERAGE, 2, winners[0], bytes(32), word("r"), 3),
                   s.centre)[0] == "InvalidBasis"
    s.send(s.fn.decide(s.tid, SECTION, CLOSEST_TO_AVERAGE, 0, winners[0], bytes(32), word("r"), 3), s.centre)
    assert s.fn.decisionOf(s.tid, SECTION).call()[0] == winners[0]


def test_a_sole_candidate_decision_with_two_shortlisted_is_refused(scene: Scene) -> None:
    s = scene
    s.evaluate()
    listed = s.shortlist(s.decrypted[:2])
    s.seat_selection()
    assert s.fails(s.fn.decide(s.tid, SECTION, SOLE_CANDIDATE, 0, listed[0], bytes(32), word("r"), 3),
                   s.centre) == ("NotSoleCandidate", (s.tid, SECTION, 2))


def test_a_shortlist_of_one_is_decided_without_a_vote_or_draw(scene: Scene) -> None:
    s = scene
    s.evaluate()
    [only] = s.shortlist(s.decrypted[:1])
    did = s.set_draw("selection", 1, [only])
    assert s.fails(s.fn.decide(s.tid, SECTION, SOLE_CANDIDATE, 0, only, did, word("r"), 3),
                   s.centre)[0] == "InvalidBasis"
    s.send(s.fn.decide(s.tid, SECTION, SOLE_CANDIDATE, 0, only, bytes(32), word("r"), 3), s.centre)
    assert s.fn.decisionOf(s.tid, SECTION).call()[0] == only


@pytest.mark.parametrize("scene", [ROUND_ELIMINATION], indirect=True)
def test_an_elimination_ended_by_a_draw_names_the_one_the_draw_did_not_drop(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    final = listed[:2]
    s.open_round(1, final)
    s.vote(1, [final[0]] * 3 + [final[1]] * 3 + [None])  # tied
    did = s.set_draw("selection", 1, [final[0]])  # final[0] drops
    assert s.fails(s.fn.decide(s.tid, SECTION, ELIMINATION_DRAW, 0, final[0], did, word("r"), 3),
                   s.centre)[0] == "NotDrawWinner"
    assert s.fails(s.fn.decide(s.tid, SECTION, VOTE, 0, final[1], bytes(32), word("r"), 3),
                   s.centre)[0] == "NoMajority"
    s.send(s.fn.decide(s.tid, SECTION, ELIMINATION_DRAW, 0, final[1], did, word("r"), 3), s.centre)
    assert list(s.fn.decisionOf(s.tid, SECTION).call()[:2]) == [final[1], did]


# ---------------------------------------------------------------- the method fixed before bids decides the basis


@pytest.mark.parametrize(("scene", "forbidden"), [
    (DIRECT_VOTE, [(NTH_LOWEST_PRICE, 3), (NTH_LOWEST_PRICE, 1), (CLOSEST_TO_AVERAGE, 0), (ELIMINATION_DRAW, 0)]),
    (ROUND_ELIMINATION, [(LOTTERY, 0), (NTH_LOWEST_PRICE, 1), (CLOSEST_TO_AVERAGE, 0)]),
], indirect=["scene"])
def test_a_centre_deciding_a_vote_tender_by_price_or_draw_is_refused(scene: Scene,
                                                                     forbidden: list[tuple[int, int]]) -> None:
    """With five shortlisted, the centre claims another basis than the tender's method gives: the
    lowest price where the tender said vote. Every such basis is refused; the vote passes."""
    s = scene
    listed = s.to_selection()
    rule = s.book.fn.selectionOf(s.tid).call()
    cheapest = _by_price(s, listed)[0]
    did = s.set_draw("selection", 1, [cheapest])
    for basis, n in forbidden:
        draw = did if basis in (LOTTERY, ELIMINATION_DRAW) else bytes(32)
        assert s.fails(s.fn.decide(s.tid, SECTION, basis, n, cheapest, draw, word("r"), 3), s.centre) == (
            "BasisNotAllowed", (s.tid, SECTION, rule, basis, n)), (basis, n)
    s.open_round(1, listed)
    s.vote(1, [listed[0]] * 4 + [listed[1]] * 3)
    s.send(s.fn.decide(s.tid, SECTION, VOTE, 0, listed[0], bytes(32), word("r"), 3), s.centre)
    assert s.fn.decisionOf(s.tid, SECTION).call()[0] == listed[0]


@pytest.mark.parametrize("scene", [VOTE_THEN_LOTTERY, DIRECT_LOTTERY], indirect=True)
def test_a_lottery_tender_decided_by_a_vote_or_price_is_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    rule = s.book.fn.selectionOf(s.tid).call()
    s.open_round(1, listed)
    s.vote(1, [listed[0]] * 7)
    for basis, n in [(VOTE, 0), (NTH_LOWEST_PRICE, 1), (CLOSEST_TO_AVERAGE, 0)]:
        assert s.fails(s.fn.decide(s.tid, SECTION, basis, n, listed[0], bytes(32), word("r"), 3), s.centre) == (
            "BasisNotAllowed", (s.tid, SECTION, rule, basis, n))
    did = s.set_draw("selection", 1, [listed[2]])
    s.send(s.fn.decide(s.tid, SECTION, LOTTERY, 0, listed[2], did, word("r"), 3), s.centre)
    assert list(s.fn.decisionOf(s.tid, SECTION).call()[:2]) == [listed[2], did]


# Which bases each method word allows (besides SOLE_CANDIDATE, always): ledger.rules.selection.next_step's.
ALLOWED = {
    DIRECT_VOTE: {(VOTE, 0), (LOTTERY, 0)},
    ROUND_ELIMINATION: {(VOTE, 0), (ELIMINATION_DRAW, 0)},
    VOTE_THEN_LOTTERY: {(LOTTERY, 0)},
    CLOSEST_PRICE: {(CLOSEST_TO_AVERAGE, 0)},
    LOWEST_PRICE: {(NTH_LOWEST_PRICE, 1)},
    THIRD_LOWEST_PRICE: {(NTH_LOWEST_PRICE, 3)},
    4 | 255 << 8: {(NTH_LOWEST_PRICE, 255)},
    DIRECT_LOTTERY: {(LOTTERY, 0)},
    COLLECTIVE: {(CHAIR, 0)},
}


def test_each_method_allows_exactly_its_bases(chain: ChainEnv) -> None:
    probe = chain.deploy("SelectionRuleProbe").functions
    for rule, allowed in ALLOWED.items():
        assert probe.valid(rule).call(), rule
        for basis in range(7):
            for n in (0, 1, 2, 3, 255):
                expected = basis == SOLE_CANDIDATE or (basis, n) in allowed
                assert probe.allows(rule, basis, n).call() == expected, (rule, basis, n)
    for rule in (0, 7, 255, 1 | 1 << 8, 3 | 2 << 8, 5 | 1 << 8, 6 | 255 << 8):
        assert not probe.valid(rule).call(), rule
        # a word no tender can hold allows nothing but a shortlist of one
        assert [b for b in range(7) for n in (0, 1, 2) if probe.allows(rule, b, n).call()] == [SOLE_CANDIDATE] * 3


# ---------------------------------------------------------------- 集体议事: views, the chair's decision


def _views(s: Scene, listed: list[str], choices: list[str | None], *, reveal: int | None = None) -> dict[str, bytes]:
    """Round 1 over `listed` (the views): every seat commits its written view, then the first
    `reveal` (all by default) reveal it; the salt is the view document's hash. seat → view hash."""
    s.open_round(1, listed)
    seats = s.committees[SELECTION].seats
    hashes = {}
    for seat, choice in zip(seats, choices, strict=True):
        doc = view_document(tender_id=s.tid, section=SECTION, round=1, seat=seat.address, candidate=choice,
                            reason=f"{seat.address[:8]} 的意见", nonce=os.urandom(32))
        hashes[seat.address] = keccak(doc)
        c = vote_commitment(tender_id=s.tid, section=SECTION, round=1, seat=seat.address, candidate=choice,
                            salt=hashes[seat.address])
        s.send(s.fn.commitVote(s.tid, SECTION, 1, c), seat, "commitView")
    for seat, choice in list(zip(seats, choices, strict=True))[:reveal]:
        s.send(s.fn.revealVote(s.tid, SECTION, 1, choice or ZERO_ADDRESS, hashes[seat.address]), seat, "revealView")
    return hashes


def _chair_decides(s: Scene, chair: LocalAccount, winner: str, record: bytes | None = None) -> Any:
    return s.fn.decide(s.tid, SECTION, CHAIR, 0, winner, bytes(32), record or word("the chair's reasons"), 3)


@pytest.mark.parametrize("scene", [COLLECTIVE], indirect=True)
def test_collective_deliberation_every_view_then_the_chair_decides(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    seats = s.committees[SELECTION].seats
    chair = seats[2]
    s.send(s.fn.nameChair(s.tid, SECTION, chair.address), s.centre)
    assert s.fn.committeeOf(s.tid, SECTION, SELECTION).call()[8] == 3  # index 2, + 1
    assert s.fails(s.fn.nameChair(s.tid, SECTION, seats[1].address), s.centre) == ("ChairFixed", (s.tid, SECTION))
    # the chair decides against the plurality of the views: its decision, its reasons, recorded
    _views(s, listed, [listed[0]] * 4 + [listed[1], None, listed[1]])
    receipt = s.send(_chair_decides(s, chair, listed[1]), chair, "decide")
    assert s.fn.decisionOf(s.tid, SECTION).call()[0] == listed[1]
    (decided,) = s.sel.events.Decided().process_receipt(receipt)
    assert decided["args"]["basis"] == CHAIR and decided["args"]["recordHash"] == word("the chair's reasons")


@pytest.mark.parametrize("scene", [COLLECTIVE], indirect=True)
def test_a_view_by_a_non_member_is_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    s.open_round(1, listed)
    outsider = s.members[7]  # in the pool, not drawn: no seat
    s.chain.client.fund(s.relayer, outsider.address, SEAT_FUNDS)
    c = vote_commitment(tender_id=s.tid, section=SECTION, round=1, seat=outsider.address, candidate=listed[0],
                        salt=os.urandom(32))
    assert s.fails(s.fn.commitVote(s.tid, SECTION, 1, c), outsider)[0] == "NotSeat"


@pytest.mark.parametrize("scene", [COLLECTIVE], indirect=True)
def test_a_chair_who_is_not_a_member_is_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    seats = s.committees[SELECTION].seats
    stranger = s.members[7]
    assert s.fails(s.fn.nameChair(s.tid, SECTION, stranger.address), s.centre) == (
        "NotSeat", (s.tid, SECTION, SELECTION, stranger.address))
    assert s.fails(s.fn.nameChair(s.tid, SECTION, seats[0].address), s.book.rival)[0] == "NotPublisher"
    s.send(s.fn.nameChair(s.tid, SECTION, seats[0].address), s.centre)
    _views(s, listed, [listed[0]] * 7)
    # another member, the centre, an outsider: none of them is the chair
    for who in (seats[1], s.centre):
        assert s.fails(_chair_decides(s, who, listed[0]), who) == ("NotChair", (s.tid, SECTION, who.address))
    s.send(_chair_decides(s, seats[0], listed[0]), seats[0])


@pytest.mark.parametrize("scene", [COLLECTIVE], indirect=True)
def test_a_chair_renamed_or_named_after_the_views_opened_is_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    seats = s.committees[SELECTION].seats
    s.open_round(1, listed)  # the views opened with no chair: none can be named now
    assert s.fails(s.fn.nameChair(s.tid, SECTION, seats[0].address), s.centre) == ("ChairFixed", (s.tid, SECTION))


@pytest.mark.parametrize("scene", [COLLECTIVE], indirect=True)
def test_deciding_before_every_view_or_the_reveal_deadline_is_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    seats = s.committees[SELECTION].seats
    chair = seats[0]
    s.send(s.fn.nameChair(s.tid, SECTION, chair.address), s.centre)
    assert s.fails(_chair_decides(s, chair, listed[0]), chair) == ("ViewsMissing", (s.tid, SECTION, 0))
    _views(s, listed, [listed[0]] * 7, reveal=6)
    assert s.fails(_chair_decides(s, chair, listed[0]), chair) == ("ViewsMissing", (s.tid, SECTION, 1))
    s.later(DAY)  # the commit period is over, the reveal period is not: still waiting for the view
    assert s.fails(_chair_decides(s, chair, listed[0]), chair) == ("ViewsMissing", (s.tid, SECTION, 1))


@pytest.mark.parametrize("scene", [COLLECTIVE], indirect=True)
def test_a_member_who_never_reveals_a_view_cannot_block_the_chair(scene: Scene) -> None:
    """The rule fixed in advance: past the view round's reveal deadline the chair decides on the
    views revealed; the silent member is 未表态 (its bit missing from the round's revealed mask),
    and its view cannot be revealed afterwards, to react to the decision or to undo it."""
    s = scene
    listed = s.to_selection()
    seats = s.committees[SELECTION].seats
    chair, silent = seats[0], seats[6]
    s.send(s.fn.nameChair(s.tid, SECTION, chair.address), s.centre)
    hashes = _views(s, listed, [listed[0]] * 7, reveal=6)
    s.later(2 * DAY)  # past the reveal deadline
    late = s.fn.revealVote(s.tid, SECTION, 1, listed[0], hashes[silent.address])
    assert s.fails(late, silent)[0] == "LateReveal"
    # only the chair's seat decides, after the deadline as before it
    assert s.fails(_chair_decides(s, seats[1], listed[1]), seats[1]) == ("NotChair", (s.tid, SECTION, seats[1].address))
    s.send(_chair_decides(s, chair, listed[1]), chair, "decide")
    assert s.fn.decisionOf(s.tid, SECTION).call()[0] == listed[1]
    state = s.fn.roundOf(s.tid, SECTION, 1).call()
    assert state[-1] == (1 << 7) - 1 - (1 << 6)  # revealedMask: every seat but the silent one
    assert s.fails(late, silent)[0] == "LateReveal"


@pytest.mark.parametrize("scene", [COLLECTIVE], indirect=True)
def test_views_over_part_of_the_shortlist_are_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    chair = s.committees[SELECTION].seats[0]
    s.send(s.fn.nameChair(s.tid, SECTION, chair.address), s.centre)
    _views(s, listed[:3], [listed[0]] * 7)  # two shortlisted bids were kept from the members
    assert s.fails(_chair_decides(s, chair, listed[0]), chair) == ("ViewsMissing", (s.tid, SECTION, 1))


@pytest.mark.parametrize("scene", [COLLECTIVE], indirect=True)
def test_a_chair_deciding_for_a_winner_outside_the_shortlist_or_without_reasons_is_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    chair = s.committees[SELECTION].seats[0]
    s.send(s.fn.nameChair(s.tid, SECTION, chair.address), s.centre)
    _views(s, listed, [listed[0]] * 7)
    outside = next(b for b in s.decrypted if b not in listed)
    assert s.fails(_chair_decides(s, chair, outside), chair) == ("NotShortlisted", (s.tid, SECTION, outside))
    assert s.fails(_chair_decides(s, chair, listed[0], bytes(32)), chair) == ("MissingReason", (s.tid, SECTION))


@pytest.mark.parametrize("scene", [COLLECTIVE], indirect=True)
def test_a_collective_deliberation_decided_by_the_centres_vote_is_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    rule = s.book.fn.selectionOf(s.tid).call()
    s.send(s.fn.nameChair(s.tid, SECTION, s.committees[SELECTION].seats[0].address), s.centre)
    _views(s, listed, [listed[0]] * 7)
    for basis, n in [(VOTE, 0), (NTH_LOWEST_PRICE, 1), (CLOSEST_TO_AVERAGE, 0)]:
        assert s.fails(s.fn.decide(s.tid, SECTION, basis, n, listed[0], bytes(32), word("r"), 3), s.centre) == (
            "BasisNotAllowed", (s.tid, SECTION, rule, basis, n))
    did = s.set_draw("selection", 1, [listed[0]])
    for basis in (LOTTERY, ELIMINATION_DRAW):
        assert s.fails(s.fn.decide(s.tid, SECTION, basis, 0, listed[0], did, word("r"), 3), s.centre) == (
            "BasisNotAllowed", (s.tid, SECTION, rule, basis, 0))


def test_a_chairs_decision_on_another_methods_tender_is_refused(scene: Scene) -> None:
    s = scene  # 直接票决
    listed = s.to_selection()
    rule = s.book.fn.selectionOf(s.tid).call()
    chair = s.committees[SELECTION].seats[0]
    s.send(s.fn.nameChair(s.tid, SECTION, chair.address), s.centre)
    _views(s, listed, [listed[1]] * 7)
    assert s.fails(_chair_decides(s, chair, listed[0]), chair) == ("BasisNotAllowed", (s.tid, SECTION, rule, CHAIR, 0))


@pytest.mark.parametrize("scene", [COLLECTIVE], indirect=True)
def test_the_chairs_seat_replaced_before_acting_passes_the_chair_to_its_replacement(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    c = s.committees[SELECTION]
    old = c.seats[0]
    s.send(s.fn.nameChair(s.tid, SECTION, old.address), s.centre)
    # the chair recuses before the views: a reserve takes its seat, and the chair with it
    reserve = s.members[7]
    did = s.set_draw("committee", 12, [reserve.address])
    fresh = derive_seat_key(reserve, s.tid, SECTION, SELECTION)
    salt = os.urandom(32)
    link = seat_link(tender_id=s.tid, section=SECTION, kind=SELECTION, seat=fresh.address, member=reserve.address,
                     salt=salt)
    s.chain.client.fund(s.relayer, fresh.address, SEAT_FUNDS)
    s.send(s.fn.replaceSeat(s.tid, SECTION, SELECTION, old.address, fresh.address, did, link, word("recusal")),
           s.centre)
    c.seats[0] = fresh
    _views(s, listed, [listed[3]] * 7)
    assert s.fails(_chair_decides(s, old, listed[3]), old)[0] == "NotChair"
    s.send(_chair_decides(s, fresh, listed[3]), fresh)
    assert s.fn.decisionOf(s.tid, SECTION).call()[0] == listed[3]


# ---------------------------------------------------------------- attacks: steps out of order, taken twice


def test_a_selection_book_wired_to_an_account_without_code_is_refused(scene: Scene) -> None:
    """SelectionBook reads TenderBook and the lottery on every step; wired to a plain account
    it would read zeros (no tender, no draw) instead of failing."""
    s = scene
    nobody = s.chain.new_account(funds=0).address
    for tenders, lottery in ((nobody, s.lottery.address), (s.book.address, nobody)):
        with pytest.raises(ContractRevert) as info:
            s.chain.deploy("SelectionBook", s.gov.address, tenders, lottery, sender=s.relayer)
        assert (info.value.error, info.value.args_["account"]) == ("InvalidDependency", nobody)


def test_naming_the_tenderer_twice_or_as_zero_is_refused(scene: Scene) -> None:
    """The tenderer's USCC picks the pool the selection committee is drawn from: renamed after
    the draw, the committee would be revealed against another pool."""
    s = scene
    assert s.fails(s.fn.nameTenderer(s.tid, bytes(32)), s.centre) == ("TendererSet", (s.tid,))
    s.send(s.fn.nameTenderer(s.tid, USCC), s.centre)
    other = b"91440500MA4W999999".ljust(32, b"\x00")
    assert s.fails(s.fn.nameTenderer(s.tid, other), s.centre) == ("TendererSet", (s.tid,))
    assert bytes(s.fn.tendererOf(s.tid).call()) == USCC


def test_a_member_pool_without_a_uscc_is_refused(scene: Scene) -> None:
    s = scene
    with pytest.raises(ContractRevert) as info:
        s.govern("registerMember", bytes(32), s.members[0].address)
    assert (info.value.error, bytes(info.value.args_["pool"])) == ("InvalidPool", bytes(32))
    assert s.fn.membersOf(bytes(32)).call() == []


def test_removing_or_excluding_someone_outside_the_pools_is_refused(scene: Scene) -> None:
    s = scene
    stranger = s.chain.new_account(funds=0).address
    with pytest.raises(ContractRevert) as info:
        s.govern("removeExpert", stranger)
    assert (info.value.error, info.value.args_["account"]) == ("NotInPool", stranger)
    with pytest.raises(ContractRevert) as info:
        s.govern("removeMember", USCC, s.experts[0].address)  # an expert, not one of the tenderer's members
    assert (info.value.error, bytes(info.value.args_["pool"])) == ("NotInPool", USCC)
    assert s.fails(s.fn.exclude(s.tid, SECTION, EVALUATION, ZERO_ADDRESS, word("回避")), s.centre) == (
        "NotInPool", (bytes(32), ZERO_ADDRESS))


def test_revealing_a_seat_held_by_someone_outside_the_expert_pool_fails(scene: Scene) -> None:
    """The centre seats an outsider (drawn by its own draw, linked by its own seat link): the
    committee cannot be revealed, so the section is never awarded."""
    s = scene
    outsider = s.chain.new_account(funds=0)
    s.seat(EVALUATION, [*s.experts[:6], outsider])
    for seat in s.committees[EVALUATION].seats:
        s.commit_sheet(seat)
    for seat in s.committees[EVALUATION].seats:
        s.reveal_sheet(seat)
    listed = s.shortlist()
    s.seat_selection()
    s.open_round(1, listed)
    s.vote(1, [listed[0]] * 7)
    s.send(s.fn.decide(s.tid, SECTION, VOTE, 0, listed[0], bytes(32), word("r"), 3), s.centre)
    with pytest.raises(ContractRevert) as info:
        s.reveal_committee(EVALUATION)
    assert (info.value.error, bytes(info.value.args_["pool"]), info.value.args_["account"]) == (
        "NotInPool", bytes(32), outsider.address)


def test_replacing_or_revealing_a_committee_never_seated_is_refused(scene: Scene) -> None:
    s = scene
    seat = s.chain.new_account(funds=0).address
    for kind in (EVALUATION, SELECTION):
        assert s.fails(s.fn.replaceSeat(s.tid, SECTION, kind, seat, seat, bytes(32), word("l"), word("r")),
                       s.centre) == ("NotSeated", (s.tid, SECTION, kind))
        assert s.fails(s.fn.revealCommittee(s.tid, SECTION, kind, [], []), s.centre) == (
            "NotSeated", (s.tid, SECTION, kind))


def test_a_round_opened_before_the_selection_committee_is_seated_is_refused(scene: Scene) -> None:
    s = scene
    s.evaluate()
    listed = s.shortlist()
    assert s.fails(s.fn.openRound(s.tid, SECTION, 1, listed, s.now() + DAY, s.now() + 2 * DAY), s.centre) == (
        "NotSeated", (s.tid, SECTION, SELECTION))


def test_a_round_or_decision_before_the_shortlist_is_refused(scene: Scene) -> None:
    s = scene
    s.evaluate()
    s.seat_selection()
    candidates = s.decrypted[:3]
    assert s.fails(s.fn.openRound(s.tid, SECTION, 1, candidates, s.now() + DAY, s.now() + 2 * DAY), s.centre) == (
        "NoShortlist", (s.tid, SECTION))
    assert s.fails(s.fn.decide(s.tid, SECTION, SOLE_CANDIDATE, 0, candidates[0], bytes(32), word("r"), 3),
                   s.centre) == ("NoShortlist", (s.tid, SECTION))


def test_a_round_without_candidates_too_many_or_with_deadlines_out_of_order_is_refused(scene: Scene) -> None:
    s = scene
    listed = s.to_selection()
    now = s.now()
    crowd = sorted((s.chain.new_account(funds=0).address for _ in range(16)), key=lambda a: int(a, 16))
    for candidates, commit_by, reveal_by in (
        ([], now + DAY, now + 2 * DAY),  # nobody to vote for
        (crowd, now + DAY, now + 2 * DAY),  # more than MAX_CANDIDATES (15)
        (listed, now, now + 2 * DAY),  # the commit period over before it starts
        (listed, now + DAY, now + DAY),  # no reveal period
    ):
        assert s.fails(s.fn.openRound(s.tid, SECTION, 1, candidates, commit_by, reveal_by), s.centre) == (
            "InvalidRound", (s.tid, SECTION, 1))
    s.open_round(1, listed)


def test_a_second_shortlist_is_refused(scene: Scene) -> None:
    """Once filed, the shortlist is what the selection votes on; only an upheld complaint sends
    the section back for another revision."""
    s = scene
    s.evaluate()
    s.shortlist(s.decrypted[:3], 3)
    assert s.fails(s.fn.submitShortlist(s.tid, SECTION, s.decrypted[3:5], 3, word("again")),
                   s.committees[EVALUATION].seats[1]) == ("ShortlistExists", (s.tid, SECTION))
    assert s.fn.shortlistOf(s.tid, SECTION).call()[0] == s.decrypted[:3]


def test_a_shortlist_for_a_section_not_closed_is_refused(scene: Scene) -> None:
    """Section 1 of the tender was never closed (still PENDING in TenderBook): an evaluation
    committee seated and done there cannot file a shortlist for it."""
    s = scene
    section = 1
    did = draw_id(s.tid, section, "committee", 1)
    s.send(s.lottery.functions.setDraw(did, s.tid, section, "committee", True,
                                       [as_word(e.address) for e in s.experts[:7]]), s.relayer)
    seats = sorted((derive_seat_key(e, s.tid, section, EVALUATION) for e in s.experts[:7]),
                   key=lambda k: int(k.address, 16))
    s.send(s.fn.seat(s.tid, section, EVALUATION, did, [k.address for k in seats], [word(k.address) for k in seats],
                     s.now() + DAY, s.now() + 2 * DAY), s.centre)
    digest = word("sheet")
    for k in seats:
        s.chain.client.fund(s.relayer, k.address, SEAT_FUNDS)
        commitment = s.fn.sheetCommitment(s.tid, section, k.address, word(k.address), digest).call()
        s.send(s.fn.commitSheet(s.tid, section, commitment), k)
    for k in seats:
        s.send(s.fn.revealSheet(s.tid, section, word(k.address), digest), k)
    assert s.book.fn.sectionOf(s.tid, section).call()[0] == 0  # PENDING
    assert s.fails(s.fn.submitShortlist(s.tid, section, s.decrypted[:3], 5, word("r")), seats[0]) == (
        "SectionNotEvaluable", (s.tid, section))


def test_replacing_a_seat_with_no_seat_a_seat_in_use_or_no_link_is_refused(scene: Scene) -> None:
    s = scene
    c = s.seat_evaluation()
    old, sitting = c.seats[0], c.seats[1]
    reserve = derive_seat_key(s.experts[7], s.tid, SECTION, EVALUATION).address
    link = seat_link(tender_id=s.tid, section=SECTION, kind=EVALUATION, seat=reserve, member=s.experts[7].address,
                     salt=word("reserve salt"))
    for new, new_link in ((ZERO_ADDRESS, link), (sitting.address, link), (old.address, link), (reserve, bytes(32))):
        call = s.fn.replaceSeat(s.tid, SECTION, EVALUATION, old.address, new, bytes(32), new_link, word("回避"))
        assert s.fails(call, s.centre) == ("InvalidReplacement", (s.tid, SECTION, EVALUATION, new)), new
    s.send(s.fn.replaceSeat(s.tid, SECTION, EVALUATION, old.address, reserve, bytes(32), link, word("回避")),
           s.centre)
    # the seat it replaced can never come back, in its own place or another's
    assert s.fails(s.fn.replaceSeat(s.tid, SECTION, EVALUATION, sitting.address, old.address, bytes(32), link,
                                    word("回避")), s.centre) == ("InvalidReplacement",
                                                               (s.tid, SECTION, EVALUATION, old.address))


def test_one_member_holding_two_seats_cannot_be_revealed(scene: Scene) -> None:
    """A seat replaced by a fresh key linked to a member who already holds another seat: one
    member, two votes. The reveal names the member twice and is refused."""
    s = scene
    listed = s.to_selection()
    c = s.committees[SELECTION]
    old, twin = c.seats[0], c.holders[1]
    fresh = s.chain.new_account(funds=SEAT_FUNDS)
    salt = os.urandom(32)
    link = seat_link(tender_id=s.tid, section=SECTION, kind=SELECTION, seat=fresh.address, member=twin.address,
                     salt=salt)
    s.send(s.fn.replaceSeat(s.tid, SECTION, SELECTION, old.address, fresh.address, bytes(32), link, word("缺席")),
           s.centre)
    c.seats[0] = fresh
    s.open_round(1, listed)
    s.vote(1, [listed[0]] * 4 + [listed[1]] * 3)
    s.send(s.fn.decide(s.tid, SECTION, VOTE, 0, listed[0], bytes(32), word("r"), 3), s.centre)
    by_seat = {old.address: (c.holders[0].address, c.salts[0]), fresh.address: (twin.address, salt)}
    by_seat.update({k.address: (h.address, x) for k, h, x in zip(c.seats[1:], c.holders[1:], c.salts[1:], strict=True)})
    seats = s.fn.committeeOf(s.tid, SECTION, SELECTION).call()[7]
    assert seats[-1] == fresh.address
    holders, salts = [by_seat[k][0] for k in seats], [by_seat[k][1] for k in seats]
    assert s.fails(s.fn.revealCommittee(s.tid, SECTION, SELECTION, holders, salts), s.centre) == (
        "DuplicateExpert", (s.tid, SECTION, SELECTION, twin.address))


def test_a_committee_revealed_twice_or_replaced_after_its_reveal_is_refused(scene: Scene) -> None:
    s = scene
    s.to_decision()
    s.reveal_committee(EVALUATION)
    assert s.fails(s.fn.revealCommittee(s.tid, SECTION, EVALUATION, [], []), s.centre) == (
        "AlreadyRevealed", (s.tid, SECTION, EVALUATION))
    c = s.committees[EVALUATION]
    fresh = s.chain.new_account(funds=0).address
    assert s.fails(s.fn.replaceSeat(s.tid, SECTION, EVALUATION, c.seats[0].address, fresh, bytes(32), word("l"),
                                    word("r")), s.centre) == ("AlreadyRevealed", (s.tid, SECTION, EVALUATION))


def test_a_second_decision_or_a_round_after_the_decision_is_refused(scene: Scene) -> None:
    s = scene
    winner = s.to_decision()
    listed = s.fn.shortlistOf(s.tid, SECTION).call()[0]
    other = next(a for a in listed if a != winner)
    assert s.fails(s.fn.decide(s.tid, SECTION, VOTE, 0, other, bytes(32), word("r"), 3), s.centre) == (
        "AlreadyDecided", (s.tid, SECTION))
    assert s.fails(s.fn.openRound(s.tid, SECTION, 2, listed, s.now() + DAY, s.now() + 2 * DAY), s.centre) == (
        "AlreadyDecided", (s.tid, SECTION))
    assert s.fn.decisionOf(s.tid, SECTION).call()[0] == winner


def test_answering_or_ruling_a_filing_never_made_is_refused(scene: Scene) -> None:
    s = scene
    s.to_decision()
    assert s.fails(s.fn.answerObjection(s.tid, SECTION, 1, word("答复")), s.centre) == (
        "UnknownFiling", (s.tid, SECTION, 1))
    s.send(s.fn.object(s.tid, SECTION, word("异议")), s.relayer)
    for wrong in (0, 2):
        assert s.fails(s.fn.answerObjection(s.tid, SECTION, wrong, word("答复")), s.centre) == (
            "UnknownFiling", (s.tid, SECTION, wrong))
    s.send(s.fn.answerObjection(s.tid, SECTION, 1, word("答复")), s.centre)
    s.later(3 * DAY)
    with pytest.raises(ContractRevert) as info:
        s.govern("ruleComplaint", s.tid, SECTION, 1, True, int(Stage.SELECTION), word("ruling"))
    assert (info.value.error, info.value.args_["id"]) == ("UnknownFiling", 1)
    assert s.fn.decisionOf(s.tid, SECTION).call()[3] != 0  # the decision stands


def test_a_complaint_upheld_with_a_redo_past_the_selection_is_refused(scene: Scene) -> None:
    """An upheld complaint sends the section back to the evaluation or the selection; a ruling
    naming 公示 or the award as the step to redo would withdraw the decision and redo nothing."""
    s = scene
    s.to_decision()
    s.later(3 * DAY)
    s.send(s.fn.complain(s.tid, SECTION, word("投诉")), s.book.bidders[1])
    for redo in (Stage.PUBLICITY, Stage.AWARDED):
        with pytest.raises(ContractRevert) as info:
            s.govern("ruleComplaint", s.tid, SECTION, 1, True, int(redo), word("ruling"))
        assert (info.value.error, info.value.args_["redo"]) == ("InvalidRedo", redo)
    assert s.fn.complaintOf(s.tid, SECTION, 1).call()[2] == 0  # still pending
    s.govern("ruleComplaint", s.tid, SECTION, 1, False, int(Stage.AWARDED), word("dismissed"))  # a dismissal names no redo
    assert s.fn.complaintOf(s.tid, SECTION, 1).call()[5] == 0  # recorded as EVALUATION


# ---------------------------------------------------------------- an expert removed from the pool after seating
#
# The governance may remove an expert from the pool at any time (retired, struck off). The reveal
# opens every seat the committee ever held, a replaced one too, and requires each holder to be in
# the pool at the reveal (NotInPool): a holder removed after seating stalls the reveal, and the
# award waits for both committees (CommitteeHidden). These tests record what happens today.


def _seat_with_reserves(s: Scene) -> Committee:
    """The evaluation committee of the first 7 experts, from a draw of 9 picks (2 reserves)."""
    return s.seat(EVALUATION, s.experts[:7], picks=[e.address for e in s.experts[:9]])


def _replace_by(s: Scene, c: Committee, index: int, reserve: LocalAccount, reason: str) -> tuple[str, str, bytes]:
    """The centre replaces seat `index` of `c` by `reserve` (the committee's draw); `c` now lists
    the replacement in its place. Returns the replaced seat, its holder and salt."""
    fresh = derive_seat_key(reserve, s.tid, SECTION, c.kind)
    salt = os.urandom(32)
    link = seat_link(tender_id=s.tid, section=SECTION, kind=c.kind, seat=fresh.address, member=reserve.address,
                     salt=salt)
    s.chain.client.fund(s.relayer, fresh.address, SEAT_FUNDS)
    old, holder, old_salt = c.seats[index], c.holders[index], c.salts[index]
    s.send(s.fn.replaceSeat(s.tid, SECTION, c.kind, old.address, fresh.address, bytes(32), link, word(reason)),
           s.centre)
    c.seats[index], c.holders[index], c.salts[index] = fresh, reserve, salt
    return old.address, holder.address, old_salt


def _reveal_call(s: Scene, c: Committee, former: dict[str, tuple[str, bytes]] | None = None) -> Any:
    """The revealCommittee call opening every seat the committee ever held (`former`: replaced
    seat → its holder and salt)."""
    by_seat = {k.address: (h.address, x) for k, h, x in zip(c.seats, c.holders, c.salts, strict=True)}
    by_seat.update(former or {})
    seats = s.fn.committeeOf(s.tid, SECTION, c.kind).call()[7]
    return s.fn.revealCommittee(s.tid, SECTION, c.kind, [by_seat[k][0] for k in seats],
                                [by_seat[k][1] for k in seats])


def _evaluate_and_decide(s: Scene, c: Committee) -> str:
    """The seated evaluation committee scores, the shortlist is filed, the selection committee
    seated votes one round, and the centre decides (the reveal is possible from here on)."""
    for seat in c.seats:
        s.commit_sheet(seat)
    for seat in c.seats:
        s.reveal_sheet(seat)
    listed = s.shortlist()
    s.seat_selection()
    s.open_round(1, listed)
    s.vote(1, [listed[0]] * 4 + [listed[1]] * 3)
    s.send(s.fn.decide(s.tid, SECTION, VOTE, 0, listed[0], bytes(32), word("record"), 3), s.centre)
    return listed[0]


def test_an_expert_removed_after_scoring_stalls_the_reveal_and_no_replacement_can_unblock_it(scene: Scene) -> None:
    """Today: the governance removes a seated expert after its sheet was committed. The reveal
    (only possible after the decision) is refused with NotInPool; the centre cannot replace the
    seat by the next reserve (it acted: SeatActed), so the section is never awarded."""
    s = scene
    c = _seat_with_reserves(s)
    winner = _evaluate_and_decide(s, c)
    removed = c.holders[2]
    s.govern("removeExpert", removed.address)
    assert s.fails(_reveal_call(s, c), s.centre) == ("NotInPool", (bytes(32), removed.address))
    reserve = derive_seat_key(s.experts[7], s.tid, SECTION, EVALUATION).address
    link = seat_link(tender_id=s.tid, section=SECTION, kind=EVALUATION, seat=reserve, member=s.experts[7].address,
                     salt=word("reserve salt"))
    assert s.fails(s.fn.replaceSeat(s.tid, SECTION, EVALUATION, c.seats[2].address, reserve, bytes(32), link,
                                    word("专家已被移出专家库")), s.centre) == (
        "SeatActed", (s.tid, SECTION, EVALUATION, c.seats[2].address))
    s.reveal_committee(SELECTION)
    s.later(3 * DAY)
    assert s.fails(s.fn.award(s.tid, SECTION), s.relayer) == ("CommitteeHidden", (s.tid, SECTION, EVALUATION))
    assert s.fn.winnerOf(s.tid, SECTION).call() == ZERO_ADDRESS
    assert s.fn.decisionOf(s.tid, SECTION).call()[0] == winner


def test_an_expert_removed_before_scoring_is_replaced_by_the_next_reserve_but_the_reveal_still_fails(
        scene: Scene) -> None:
    """Today: the governance removes a seated expert before it committed a sheet. The centre may
    replace its seat by the next reserve of the committee draw (the seat did not act), and the
    reserve scores in its place; but the reveal opens the replaced seat too, to the removed
    expert, and is refused with NotInPool: the replacement does not unblock the section."""
    s = scene
    c = _seat_with_reserves(s)
    removed = c.holders[2]
    s.govern("removeExpert", removed.address)
    old, holder, salt = _replace_by(s, c, 2, s.experts[7], "专家已被移出专家库")
    assert holder == removed.address
    assert s.fn.seatOf(s.tid, SECTION, EVALUATION, old).call()[0] == 2  # REPLACED
    _evaluate_and_decide(s, c)
    assert s.fails(_reveal_call(s, c, {old: (holder, salt)}), s.centre) == ("NotInPool", (bytes(32), removed.address))


def test_the_governance_registering_the_removed_expert_again_is_todays_only_way_to_the_award(scene: Scene) -> None:
    """Today's only way round the stall is the governance's: it registers the removed expert
    again, the centre reveals, and the governance may remove the expert once more. The centre
    alone has none, and nothing in it changes the decision."""
    s = scene
    c = _seat_with_reserves(s)
    winner = _evaluate_and_decide(s, c)
    removed = c.holders[2]
    s.govern("removeExpert", removed.address)
    assert s.fails(_reveal_call(s, c), s.centre)[0] == "NotInPool"
    s.govern("registerExpert", removed.address, word("speciality: 房屋建筑"))
    s.send(_reveal_call(s, c), s.centre)
    s.reveal_committee(SELECTION)
    s.govern("removeExpert", removed.address)
    s.later(3 * DAY)
    s.send(s.fn.award(s.tid, SECTION), s.relayer)
    assert s.fn.winnerOf(s.tid, SECTION).call() == winner
    assert s.fn.seatOf(s.tid, SECTION, EVALUATION, c.seats[2].address).call()[4] == removed.address


@pytest.mark.xfail(strict=True, raises=ContractRevert,
                   reason="SelectionBook.revealCommittee requires every holder, of a replaced seat too, to be in the "
                          "pool at the reveal (NotInPool): an expert removed after seating stalls the section until "
                          "the governance registers it again; the fix (accepting a holder removed after its "
                          "seat was taken) is a contract change of about 250 bytes SelectionBook has no room for "
                          "(24,563 of 24,576 bytes)")
@pytest.mark.parametrize("when", ["before scoring, replaced by the next reserve", "after scoring, its seat stands"])
def test_an_honest_removal_after_seating_leaves_the_section_awardable(scene: Scene, when: str) -> None:
    s = scene
    c = _seat_with_reserves(s)
    removed = c.holders[2]
    former: dict[str, tuple[str, bytes]] = {}
    if when.startswith("before"):
        s.govern("removeExpert", removed.address)
        old, holder, salt = _replace_by(s, c, 2, s.experts[7], "专家已被移出专家库")
        former[old] = (holder, salt)
        winner = _evaluate_and_decide(s, c)
    else:
        winner = _evaluate_and_decide(s, c)
        s.govern("removeExpert", removed.address)
    s.send(_reveal_call(s, c, former), s.centre)
    s.reveal_committee(SELECTION)
    s.later(3 * DAY)
    s.send(s.fn.award(s.tid, SECTION), s.relayer)
    assert s.fn.winnerOf(s.tid, SECTION).call() == winner


def test_the_replacement_path_cannot_swap_out_a_seated_expert_who_scored_or_seat_one_the_draw_did_not_pick(
        scene: Scene) -> None:
    """The centre cannot use a removal's replacement to swap out an expert still in the pool: a
    seat that committed its sheet is never replaced (SeatActed, before and after the commit
    deadline), after the decision no evaluation seat is (SeatActed; a no-show once sheets are shown:
    SheetsShown), and a replacement by an expert the committee draw did not pick cannot be
    revealed (NotDrawn). (A seat that has not yet committed may be replaced before the commit
    deadline: the contract does not know why; the service replaces only by the rule, with the next
    reserve, and the reason is filed under the hash SeatReplaced records.)"""
    s = scene
    c = _seat_with_reserves(s)
    s.govern("removeExpert", c.holders[2].address)  # another seat's expert is removed
    s.commit_sheet(c.seats[0])
    reserve = derive_seat_key(s.experts[7], s.tid, SECTION, EVALUATION).address
    link = seat_link(tender_id=s.tid, section=SECTION, kind=EVALUATION, seat=reserve, member=s.experts[7].address,
                     salt=word("reserve salt"))
    call = s.fn.replaceSeat(s.tid, SECTION, EVALUATION, c.seats[0].address, reserve, bytes(32), link,
                            word("专家已被移出专家库"))
    assert s.fails(call, s.centre) == ("SeatActed", (s.tid, SECTION, EVALUATION, c.seats[0].address))
    # an undrawn expert put into a seat that has not acted: seated, but never revealed
    undrawn = s.chain.new_account(funds=0)
    s.govern("registerExpert", undrawn.address, word("speciality: 房屋建筑"))
    old, holder, salt = _replace_by(s, c, 1, undrawn, "缺席")
    for seat in c.seats[1:]:
        s.commit_sheet(seat)
    s.later(DAY)
    assert s.fails(call, s.centre) == ("SeatActed", (s.tid, SECTION, EVALUATION, c.seats[0].address))
    for seat in c.seats:
        s.reveal_sheet(seat)
    listed = s.shortlist()
    s.seat_selection()
    s.open_round(1, listed)
    s.vote(1, [listed[0]] * 7)
    s.send(s.fn.decide(s.tid, SECTION, VOTE, 0, listed[0], bytes(32), word("record"), 3), s.centre)
    for seat in c.seats:
        assert s.fails(s.fn.replaceSeat(s.tid, SECTION, EVALUATION, seat.address, reserve, bytes(32), link,
                                        word("r")), s.centre)[0] == "SeatActed"
    s.govern("registerExpert", c.holders[2].address, word("speciality: 房屋建筑"))  # not the failure under test
    with pytest.raises(ContractRevert) as info:
        s.send(_reveal_call(s, c, {old: (holder, salt)}), s.centre)
    assert (info.value.error, info.value.args_["expert"]) == ("NotDrawn", undrawn.address)
