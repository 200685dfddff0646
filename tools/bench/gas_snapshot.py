"""The gas of every public function of CredentialRegistry, TenderBook, GuaranteeBook,
SelectionBook, LotteryBook, PerformanceBook and CheckpointBook, measured on a fresh embedded chain.

    .venv/bin/python -m tools.bench.gas_snapshot            # print the figures
    .venv/bin/python -m tools.bench.gas_snapshot --update   # write contracts/gas-snapshot.json

Writes are whole transactions (receipt gas, 21,000 base included); views are `eth_estimateGas` of
the call. Every figure is deterministic: fixed ids, keys, salts, seeds and batches, a development
clock. The GuaranteeBook and PerformanceBook scenarios reach their award through
`tools.bench.selection_award`, seeded so that its members, seat salts and sheets are derived from a
fixed label. SelectionBook's scenario reads its committee draws from `LotteryBookDouble` (as the
contract tests do: the draw is LotteryBook's business, measured in its own scenario with a fixed
draw key, fixed shares and fixed seeds).
`tests/contracts/test_gas_snapshot.py` fails when any figure rises above the committed snapshot.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from eth_account import Account

from ledger.chain.client import ChainClient
from ledger.chain.embedded import EmbeddedChain
from ledger.crypto.bids import authorise_bid
from ledger.crypto.canonical import keccak
from ledger.crypto.draw_seal import ORDER, point_of, public_key_bytes, seal_seed
from ledger.crypto.merkle import MerkleTree, leaf_of, position_of
from ledger.crypto.seat_keys import seat_link
from ledger.crypto.shares import share_hash, split
from ledger.rules.lottery import draw_id
from tools.bench.selection_award import Selection

SNAPSHOT = Path(__file__).resolve().parents[2] / "contracts" / "gas-snapshot.json"
QUALIFICATION = 1


DAY = 86_400
BIDDING_TIME = 21 * DAY  # publication to deadline (TenderBook: at least 20 days)
DECRYPTED, FAILED_BIDDER = 0, 1  # ITenderBook.Outcome
BANK, INSURER = 0, 2  # IGuaranteeBook.IssuerType
SEALED = 1  # IGuaranteeBook.Form
DECRYPTION_FAILED_BY_BIDDER = 3  # IGuaranteeBook.ClaimCause
AMOUNT = 200_000_00  # a bid guarantee, in 分
USCC_WORD = b"91440300MA5F000010".ljust(32, b"\x00")
EVALUATION, SELECTION = 0, 1  # ISelectionBook committee kinds
VOTE = 0  # ISelectionBook.Basis


def _account(label: str) -> Any:
    return Account.from_key(keccak(f"gas snapshot {label}".encode()))


def measure() -> dict[str, dict[str, int]]:
    """contract → name → gas of every public function, each contract in one fixed scenario on a
    fresh chain."""
    return {
        "CredentialRegistry": _on_fresh_chain(_registry_scenario),
        "TenderBook": _on_fresh_chain(_tender_scenario),
        "GuaranteeBook": _on_fresh_chain(_guarantee_scenario),
        "SelectionBook": _on_fresh_chain(_selection_scenario),
        "LotteryBook": _on_fresh_chain(_lottery_scenario),
        "PerformanceBook": _on_fresh_chain(_performance_scenario),
        "CheckpointBook": _on_fresh_chain(_checkpoint_scenario),
    }


def _on_fresh_chain(scenario: Any) -> dict[str, int]:
    people = [_account(str(n)) for n in range(12)]
    with tempfile.TemporaryDirectory(prefix="tl-gas-") as tmp:
        chain = EmbeddedChain.create(Path(tmp) / "c.sqlite", chain_id=1337,
                                     alloc={a.address: 10**24 for a in people}, clock="development")
        client = ChainClient.for_embedded(chain)
        try:
            return dict(sorted(scenario(client, *people).items()))
        finally:
            client.close()


class _Recorder:
    """Sends and estimates, noting the gas of each named call (writes: receipt gas; views:
    `eth_estimateGas`); the clock moves a second after each write."""

    def __init__(self, client: ChainClient) -> None:
        self.client = client
        self.gas: dict[str, int] = {}

    def send(self, name: str, call: Any, by: Any) -> Any:
        receipt = self.client.send(by, call)
        self.gas[name] = int(receipt["gasUsed"])
        self.client.increase_time(1)
        return receipt

    def view(self, name: str, call: Any) -> None:
        self.gas[name] = int(call.estimate_gas())

    def now(self) -> int:
        return self.client.block_timestamp()


class _Chain:
    """What `Selection` drives the chain through, over a `ChainClient`."""

    def __init__(self, client: ChainClient, funder: Any) -> None:
        self.client, self.funder, self.made = client, funder, 0

    @property
    def w3(self) -> Any:
        return self.client.w3

    def deploy(self, name: str, *args: Any, sender: Any) -> Any:
        return self.client.deploy(name, *args, sender=sender)[0]

    def transact(self, call: Any, by: Any) -> Any:
        return self.client.send(by, call)

    def new_account(self, funds: int) -> Any:
        self.made += 1
        account = _account(f"new account {self.made}")
        self.client.fund(self.funder, account.address, funds)
        return account

    def increase_time(self, seconds: int) -> None:
        self.client.increase_time(seconds)


def _tender_params(now: int, officers: list[str], shares: list[bytes], sections: int = 2) -> tuple[Any, ...]:
    """TenderParams: `sections` sections, one valid bid suffices, a 2-of-3 committee."""
    return (keccak(b"tender document"), keccak(b"canonical parameters"), sections, now + BIDDING_TIME, 3_600, 1, 1,
            keccak(b"opening public key"), 2, [keccak(s) for s in shares], officers)


def _sealed(tb: Any, tender_id: bytes, section: int, bidder: str, label: str, credentials: int = 0) -> tuple[Any, ...]:
    """(commitment, ciphertext hash, salt, sorted credential ids) of a bid, by TenderBook's own formulas."""
    ciphertext, salt = keccak(f"ciphertext {label}".encode()), keccak(f"salt {label}".encode())
    ids = sorted(keccak(f"credential {label} {i}".encode()) for i in range(credentials))
    cred_set = tb.functions.credSetCommitment(salt, ids).call()
    commitment = tb.functions.bidCommitment(tender_id, section, bidder, ciphertext, cred_set).call()
    return commitment, ciphertext, salt, ids, cred_set


def _tender_scenario(client: ChainClient, admin: Any, centre: Any, other: Any, *people: Any) -> dict[str, int]:
    r = _Recorder(client)
    tb, _ = client.deploy("TenderBook", admin.address, sender=admin)
    fn = tb.functions
    o1, o2, o3, b0, b1, b2, b3, b4, relayer = people[:9]
    shares = [keccak(f"share {n}".encode()) + bytes(16) for n in range(3)]
    officers = [o1.address, o2.address, o3.address]
    r.send("authoriseCentre", fn.authoriseCentre(other.address), admin)
    r.send("withdrawCentre", fn.withdrawCentre(other.address), admin)
    client.send(admin, fn.authoriseCentre(centre.address))
    tid = keccak(b"gas snapshot tender")
    r.send("publishTender (2 sections, 2-of-3 committee)",
           fn.publishTender(tid, _tender_params(r.now(), officers, shares)), centre)
    deadline = fn.tenderHeader(tid).call()[1]
    r.send("amendTender", fn.amendTender(tid, keccak(b"doc v2"), keccak(b"params v2"), 1, deadline, keccak(b"r")),
           centre)
    bids = {b.address: _sealed(tb, tid, 0, b.address, b.address, 3) for b in (b0, b1, b2, b3)}
    r.send("submitBid (first in its section)", fn.submitBid(tid, 0, bids[b0.address][0]), b0)
    r.send("submitBid (later bidder)", fn.submitBid(tid, 0, bids[b1.address][0]), b1)
    client.send(b2, fn.submitBid(tid, 0, keccak(b"an earlier bid")))
    r.send("submitBid (replacement)", fn.submitBid(tid, 0, bids[b2.address][0]), b2)
    client.send(b3, fn.submitBid(tid, 0, bids[b3.address][0]))
    r.send("withdrawBid", fn.withdrawBid(tid, 0), b3)
    relayed = _sealed(tb, tid, 1, b4.address, "relayed")[0]
    auth = authorise_bid(bidder=b4, chain_id=client.chain_id, book_address=tb.address, tender_id=tid, section=1,
                         commitment=relayed, nonce=0, expiry=2**64 - 1)
    row = (auth.tender_id, auth.section, auth.commitment, auth.bidder, auth.nonce, auth.expiry, auth.signature)
    r.send("submitBidsBySig (one bid)", fn.submitBidsBySig([row]), relayer)
    r.send("cancelNonces", fn.cancelNonces(5), b4)
    client.increase_time(BIDDING_TIME)
    r.send("releaseShare", fn.releaseShare(tid, shares[0]), o1)
    client.send(o2, fn.releaseShare(tid, shares[1]))
    _, ct, salt, ids, _ = bids[b0.address]
    r.send("recordOpening (decrypted, 3 credentials)",
           fn.recordOpening(tid, 0, b0.address, DECRYPTED, ct, salt, ids, 11_000_000_00), centre)
    _, ct, _, _, cred_set = bids[b1.address]
    r.send("recordOpening (failed by the bidder)",
           fn.recordOpening(tid, 0, b1.address, FAILED_BIDDER, ct, cred_set, [], 0), centre)
    _, ct, salt, ids, _ = bids[b2.address]
    client.send(centre, fn.recordOpening(tid, 0, b2.address, DECRYPTED, ct, salt, ids, 12_000_000_00))
    r.send("closeSection", fn.closeSection(tid, 0, 2), centre)
    r.send("publishEvaluation", fn.publishEvaluation(tid, 0, keccak(b"evaluation report")), centre)
    r.send("transferAdmin", fn.transferAdmin(other.address), admin)
    r.send("acceptAdmin", fn.acceptAdmin(), other)
    views = {
        "tenderOf": fn.tenderOf(tid), "tenderHeader": fn.tenderHeader(tid), "tenderAt": fn.tenderAt(1),
        "tenderCount": fn.tenderCount(), "selectionOf": fn.selectionOf(tid), "sharesReleased": fn.sharesReleased(tid),
        "bidOf": fn.bidOf(tid, 0, b0.address), "bidCount": fn.bidCount(tid, 0), "sectionOf": fn.sectionOf(tid, 0),
        "nonces": fn.nonces(b4.address), "isCentre": fn.isCentre(centre.address), "admin": fn.admin(),
        "pendingAdmin": fn.pendingAdmin(), "DOMAIN_SEPARATOR": fn.DOMAIN_SEPARATOR(), "MAX_BATCH": fn.MAX_BATCH(),
        "MAX_CREDENTIALS": fn.MAX_CREDENTIALS(), "MAX_OFFICERS": fn.MAX_OFFICERS(),
        "MIN_AMENDMENT_NOTICE": fn.MIN_AMENDMENT_NOTICE(), "MIN_BID_PERIOD": fn.MIN_BID_PERIOD(),
        "bidCommitment": fn.bidCommitment(tid, 0, b0.address, keccak(b"c"), keccak(b"s")),
        "bidDigest": fn.bidDigest(tid, 0, keccak(b"c"), 0, 2**64 - 1),
        "credSetCommitment (3 credentials)": fn.credSetCommitment(keccak(b"s"), bids[b0.address][3]),
    }
    for name, call in views.items():
        r.view(name, call)
    return r.gas


def _terms(now: int, **changes: Any) -> tuple[Any, ...]:
    """IssueTerms: a 明文 bank guarantee of AMOUNT for 180 days."""
    t = {"docHash": keccak(b"guarantee.pdf"), "amount": AMOUNT, "fee": 1_000_00, "rateBps": 50, "start": now,
         "end": now + 180 * DAY, "form": 0, "termsCommitment": bytes(32), "issuerType": BANK,
         "beneficiaryUscc": USCC_WORD}
    t.update(changes)
    return tuple(t.values())


def _guarantee_scenario(client: ChainClient, admin: Any, centre: Any, other: Any, *people: Any) -> dict[str, int]:
    r = _Recorder(client)
    o1, o2, bank, insurer, alice, bob, carol, dave = people[:8]
    tb, _ = client.deploy("TenderBook", admin.address, sender=admin)
    client.send(admin, tb.functions.authoriseCentre(centre.address))
    selection = Selection(_Chain(client, admin), tb, admin, seed="gas snapshot")
    gb, _ = client.deploy("GuaranteeBook", admin.address, tb.address, selection.address, sender=admin)
    fn = gb.functions
    r.send("authoriseIssuer", fn.authoriseIssuer(insurer.address, INSURER), admin)
    r.send("withdrawIssuer", fn.withdrawIssuer(insurer.address, INSURER), admin)
    client.send(admin, fn.authoriseIssuer(bank.address, BANK))
    shares = [keccak(f"share {n}".encode()) + bytes(16) for n in range(3)]
    tid = keccak(b"gas snapshot tender")
    client.send(centre, tb.functions.publishTender(
        tid, _tender_params(r.now(), [o1.address, o2.address, other.address], shares)))

    def apply(label: str, bidder: Any, section: int = 0, measured: str | None = None) -> bytes:
        gid = keccak(label.encode())
        call = fn.applyFor(gid, tid, section, bank.address, AMOUNT, keccak(b"application"))
        r.send(measured, call, bidder) if measured else client.send(bidder, call)
        return gid

    won = apply("won", alice, measured="applyFor")
    r.send("issue (明文)", fn.issue(won, _terms(r.now())), bank)
    r.send("bind", fn.bind(won), alice)
    r.send("unbind", fn.unbind(won), alice)
    client.send(alice, fn.bind(won))
    sealed = apply("sealed", bob)
    r.send("issue (密文)", fn.issue(sealed, _terms(r.now(), form=SEALED, termsCommitment=keccak(b"sealed"),
                                                     amount=0, fee=0)), bank)
    client.send(bob, fn.bind(sealed))
    r.send("reject", fn.reject(apply("rejected", bob, 1), keccak(b"incomplete")), bank)
    r.send("cancel", fn.cancel(apply("cancelled", bob, 1)), bob)
    ending = apply("ending", carol, 1)
    client.send(bank, fn.issue(ending, _terms(r.now(), end=r.now() + 2 * DAY)))
    failed, contested = apply("failed", carol), apply("contested", dave)
    for gid, bidder in ((failed, carol), (contested, dave)):
        client.send(bank, fn.issue(gid, _terms(r.now())))
        client.send(bidder, fn.bind(gid))
    bids = {}
    for b in (alice, bob, carol, dave):
        bids[b.address] = _sealed(tb, tid, 0, b.address, b.address)
        client.send(b, tb.functions.submitBid(tid, 0, bids[b.address][0]))
    client.increase_time(BIDDING_TIME)
    client.send(o1, tb.functions.releaseShare(tid, shares[0]))
    client.send(o2, tb.functions.releaseShare(tid, shares[1]))
    for b, outcome in ((alice, DECRYPTED), (bob, DECRYPTED), (carol, FAILED_BIDDER), (dave, FAILED_BIDDER)):
        _, ct, salt, ids, cred_set = bids[b.address]
        reveal, price = ((salt, ids), 11_000_000_00) if outcome == DECRYPTED else ((cred_set, []), 0)
        client.send(centre, tb.functions.recordOpening(tid, 0, b.address, outcome, ct, reveal[0], reveal[1], price))
    r.send("recordVerification", fn.recordVerification(won, True, bytes(32), 0), centre)
    client.send(centre, fn.recordVerification(sealed, True, keccak(b"opened"), AMOUNT))
    r.send("claim (filed, decryption failed by the bidder)",
           fn.claim(failed, DECRYPTION_FAILED_BY_BIDDER, keccak(b"evidence")), centre)
    client.send(centre, fn.claim(contested, DECRYPTION_FAILED_BY_BIDDER, keccak(b"evidence")))
    r.send("contestClaim", fn.contestClaim(contested, keccak(b"it decrypts")), dave)
    selection.award(tid, 0, alice.address, centre)
    r.send("recordAward", fn.recordAward(tid, 0, alice.address), centre)
    r.send("release (by the centre)", fn.release(sealed), centre)
    r.send("recordContractSigned", fn.recordContractSigned(tid, 0, r.now()), centre)
    r.send("release (by the issuer)", fn.release(won), bank)
    client.increase_time(5 * DAY)
    r.send("settleClaim", fn.settleClaim(failed), bob)
    r.send("resolveClaim (dismissed)", fn.resolveClaim(contested, False, keccak(b"it does")), admin)
    r.send("releaseMany (one guarantee)", fn.releaseMany([contested]), centre)
    r.send("expire", fn.expire(ending), carol)
    r.send("transferAdmin", fn.transferAdmin(other.address), admin)
    r.send("acceptAdmin", fn.acceptAdmin(), other)
    views = {
        "guaranteeOf": fn.guaranteeOf(won), "guaranteeOfBid": fn.guaranteeOfBid(tid, 0, alice.address),
        "awardOf": fn.awardOf(tid, 0), "claimOf": fn.claimOf(failed), "issuerTypes": fn.issuerTypes(bank.address),
        "isAuthorised": fn.isAuthorised(bank.address, BANK), "admin": fn.admin(), "pendingAdmin": fn.pendingAdmin(),
        "tenderBook": fn.tenderBook(), "selectionBook": fn.selectionBook(), "MAX_BATCH": fn.MAX_BATCH(),
        "RELEASE_PERIOD": fn.RELEASE_PERIOD(), "CONTEST_PERIOD": fn.CONTEST_PERIOD(),
    }
    for name, call in views.items():
        r.view(name, call)
    return r.gas


def _opened_tender(client: ChainClient, tb: Any, centre: Any, officers: list[Any], bidders: list[Any]) -> bytes:
    """A 2-section tender whose `bidders` bid in section 0, opened (each bid decrypted, the prices
    rising in bidder order) and the section closed."""
    shares = [keccak(f"share {n}".encode()) + bytes(16) for n in range(3)]
    tid = keccak(b"gas snapshot tender")
    client.send(centre, tb.functions.publishTender(
        tid, _tender_params(client.block_timestamp(), [o.address for o in officers], shares)))
    bids = {}
    for b in bidders:
        bids[b.address] = _sealed(tb, tid, 0, b.address, b.address)
        client.send(b, tb.functions.submitBid(tid, 0, bids[b.address][0]))
    client.increase_time(BIDDING_TIME)
    client.send(officers[0], tb.functions.releaseShare(tid, shares[0]))
    client.send(officers[1], tb.functions.releaseShare(tid, shares[1]))
    for n, b in enumerate(bidders):
        _, ct, salt, ids, _ = bids[b.address]
        client.send(centre, tb.functions.recordOpening(tid, 0, b.address, DECRYPTED, ct, salt, ids,
                                                       11_000_000_00 + n))
    client.send(centre, tb.functions.closeSection(tid, 0, len(bidders)))
    return tid


def _selection_scenario(client: ChainClient, admin: Any, centre: Any, other: Any, *people: Any) -> dict[str, int]:
    """One section through 评定分离 by a vote: pools kept, an expert excluded, a 5-seat evaluation
    committee (one seat replaced before it acts) that commits and reveals its sheets, a shortlist
    of two, a 5-seat selection committee with a chair, one round of votes (3 to 2), the decision,
    an objection answered, both committees revealed, a complaint dismissed, the award."""
    r = _Recorder(client)
    o1, o2, o3, b0, b1 = people[:5]
    tb, _ = client.deploy("TenderBook", admin.address, sender=admin)
    client.send(admin, tb.functions.authoriseCentre(centre.address))
    lottery, _ = client.deploy("LotteryBookDouble", sender=admin)
    sb, _ = client.deploy("SelectionBook", admin.address, tb.address, lottery.address, sender=admin)
    fn = sb.functions
    tid = _opened_tender(client, tb, centre, [o1, o2, o3], [b0, b1])
    experts = sorted((_account(f"expert {n}") for n in range(8)), key=lambda a: int(a.address, 16))
    members = sorted((_account(f"member {n}") for n in range(6)), key=lambda a: int(a.address, 16))
    for a in experts + members:
        client.fund(admin, a.address, 10**18)
    uscc = keccak(b"gas snapshot tenderer")
    r.send("registerExpert", fn.registerExpert(experts[0].address, USCC_WORD), admin)
    for e in experts[1:]:
        client.send(admin, fn.registerExpert(e.address, USCC_WORD))
    r.send("registerMember", fn.registerMember(uscc, members[0].address), admin)
    for m in members[1:]:
        client.send(admin, fn.registerMember(uscc, m.address))
    r.send("removeExpert", fn.removeExpert(experts[7].address), admin)
    r.send("removeMember", fn.removeMember(uscc, members[5].address), admin)
    r.send("nameTenderer", fn.nameTenderer(tid, uscc), centre)
    r.send("exclude", fn.exclude(tid, 0, EVALUATION, experts[6].address, keccak(b"employed by a bidder")), centre)

    def seat(kind: int, picked: list[Any], seated: list[Any], measured: str) -> list[bytes]:
        did = draw_id(tid, 0, "committee", 1 + kind * 10)
        client.send(admin, lottery.functions.setDraw(did, tid, 0, "committee", True,
                                                     [bytes(12) + bytes.fromhex(a.address[2:]) for a in picked]))
        salts = [keccak(f"seat salt {kind} {n}".encode()) for n in range(len(picked))]
        links = [seat_link(tender_id=tid, section=0, kind=kind, seat=a.address, member=a.address, salt=x)
                 for a, x in zip(picked, salts, strict=True)]
        deadlines = (r.now() + DAY, r.now() + 2 * DAY) if kind == EVALUATION else (0, 0)
        r.send(measured, fn.seat(tid, 0, kind, did, [a.address for a in seated], links[:len(seated)], *deadlines),
               centre)
        return salts

    panel = experts[:5]
    salts = seat(EVALUATION, experts[:6], panel, "seat (evaluation, 5 seats)")
    spare = experts[5]
    link = seat_link(tender_id=tid, section=0, kind=EVALUATION, seat=spare.address, member=spare.address,
                     salt=salts[5])
    r.send("replaceSeat", fn.replaceSeat(tid, 0, EVALUATION, panel[4].address, spare.address, bytes(32), link,
                                         keccak(b"absent")), centre)
    panel = panel[:4] + [spare]
    sheet = keccak(b"gas snapshot sheet")
    for n, e in enumerate(panel):
        commitment = fn.sheetCommitment(tid, 0, e.address, sheet, sheet).call()
        r.send("commitSheet", fn.commitSheet(tid, 0, commitment), e) if n == 0 else client.send(
            e, fn.commitSheet(tid, 0, commitment))
    for n, e in enumerate(panel):
        call = fn.revealSheet(tid, 0, sheet, sheet)
        r.send("revealSheet", call, e) if n == 0 else client.send(e, call)
    listed = sorted((b0.address, b1.address), key=lambda a: int(a, 16))
    r.send("submitShortlist (2 candidates)", fn.submitShortlist(tid, 0, listed, 5, keccak(b"report")), panel[0])
    board = members[:5]
    member_salts = seat(SELECTION, board, board, "seat (selection, 5 seats)")
    r.send("nameChair", fn.nameChair(tid, 0, board[0].address), centre)
    r.send("openRound (2 candidates)", fn.openRound(tid, 0, 1, listed, r.now() + DAY, r.now() + 2 * DAY), centre)
    choices = [listed[0], listed[0], listed[0], listed[1], listed[1]]
    vote_salts = [keccak(f"vote salt {n}".encode()) for n in range(5)]
    for n, (m, choice) in enumerate(zip(board, choices, strict=True)):
        call = fn.commitVote(tid, 0, 1, fn.voteCommitment(tid, 0, 1, m.address, choice, vote_salts[n]).call())
        r.send("commitVote", call, m) if n == 0 else client.send(m, call)
    for n, (m, choice) in enumerate(zip(board, choices, strict=True)):
        call = fn.revealVote(tid, 0, 1, choice, vote_salts[n])
        r.send("revealVote", call, m) if n == 0 else client.send(m, call)
    r.send("decide (vote)", fn.decide(tid, 0, VOTE, 0, listed[0], bytes(32), keccak(b"record"), 3), centre)
    loser = b0 if listed[1] == b0.address else b1
    r.send("object", fn.object(tid, 0, keccak(b"objection")), loser)
    r.send("answerObjection", fn.answerObjection(tid, 0, 1, keccak(b"answer")), centre)
    r.send("revealCommittee (evaluation, 5 seats and a replaced one)",  # every seat ever held, in seat order
           fn.revealCommittee(tid, 0, EVALUATION, [e.address for e in experts[:6]], salts), centre)
    client.send(centre, fn.revealCommittee(tid, 0, SELECTION, [m.address for m in board], member_salts))
    client.increase_time(3 * DAY)
    r.send("complain", fn.complain(tid, 0, keccak(b"complaint")), loser)
    r.send("ruleComplaint (dismissed)", fn.ruleComplaint(tid, 0, 1, False, 0, keccak(b"ruling")), admin)
    r.send("award", fn.award(tid, 0), centre)
    r.send("transferAdmin", fn.transferAdmin(other.address), admin)
    r.send("acceptAdmin", fn.acceptAdmin(), other)
    views = {
        "experts": fn.experts(), "specialityOf": fn.specialityOf(experts[0].address), "membersOf": fn.membersOf(uscc),
        "tendererOf": fn.tendererOf(tid), "committeeOf": fn.committeeOf(tid, 0, EVALUATION),
        "seatOf": fn.seatOf(tid, 0, EVALUATION, panel[0].address),
        "exclusionOf": fn.exclusionOf(tid, 0, EVALUATION, experts[6].address),
        "sheetOf": fn.sheetOf(tid, 0, panel[0].address), "shortlistOf": fn.shortlistOf(tid, 0),
        "roundOf": fn.roundOf(tid, 0, 1), "voteOf": fn.voteOf(tid, 0, 1, board[0].address),
        "decisionOf": fn.decisionOf(tid, 0), "objectionOf": fn.objectionOf(tid, 0, 1),
        "complaintOf": fn.complaintOf(tid, 0, 1), "sectionOf": fn.sectionOf(tid, 0), "winnerOf": fn.winnerOf(tid, 0),
        "sheetCommitment": fn.sheetCommitment(tid, 0, panel[0].address, sheet, sheet),
        "voteCommitment": fn.voteCommitment(tid, 0, 1, board[0].address, listed[0], vote_salts[0]),
        "seatLink": fn.seatLink(tid, 0, EVALUATION, panel[0].address, panel[0].address, salts[0]),
        "tenderBook": fn.tenderBook(), "lotteryBook": fn.lotteryBook(), "admin": fn.admin(),
        "pendingAdmin": fn.pendingAdmin(),
    }
    for name, call in views.items():
        r.view(name, call)
    return r.gas


class _Derived:
    """`randbelow` from keccak of a label and a counter: `shares.split`'s coefficients, fixed."""

    def __init__(self, label: str) -> None:
        self.label, self.n = label, 0

    def randbelow(self, bound: int, /) -> int:
        self.n += 1
        return int.from_bytes(keccak(f"{self.label} {self.n}".encode()) * 3, "big") % bound


def _lottery_scenario(client: ChainClient, admin: Any, centre: Any, other: Any, *people: Any) -> dict[str, int]:
    """A committee draw of 5 from 10 candidates: 3 parties commit sealed seeds, 2 of 3 officers
    release their shares of the draw key, the draw is finished; the key, its shares, the seeds and
    their sealing scalars are derived from fixed labels."""
    r = _Recorder(client)
    o1, o2, o3, p1, p2, p3, finisher = people[:7]
    tb, _ = client.deploy("TenderBook", admin.address, sender=admin)
    client.send(admin, tb.functions.authoriseCentre(centre.address))
    lb, _ = client.deploy("LotteryBook", tb.address, sender=admin)
    fn = lb.functions
    shares = [keccak(f"share {n}".encode()) + bytes(16) for n in range(3)]
    tid = keccak(b"gas snapshot tender")
    client.send(centre, tb.functions.publishTender(
        tid, _tender_params(r.now(), [o1.address, o2.address, o3.address], shares)))
    sk = (int.from_bytes(keccak(b"gas snapshot draw key"), "big") % (ORDER - 1) + 1).to_bytes(32, "big")
    pk = public_key_bytes(sk)
    key_shares = split(sk, 2, 3, rng=_Derived("gas snapshot draw shares"))
    parties, officers = [p1, p2, p3], [o1, o2, o3]
    candidates = [n.to_bytes(32, "big") for n in range(1, 11)]
    did = draw_id(tid, 0, "committee", 1)
    r.send("openDraw (3 parties, 5 of 10, 2-of-3 officers)", fn.openDraw(
        tid, 0, "committee", 1, [p.address for p in parties], candidates, 5, int.from_bytes(pk[:32], "big"),
        int.from_bytes(pk[32:], "big"), r.now() + 3_600, [o.address for o in officers],
        [share_hash(s) for s in key_shares], 2), centre)
    for n, p in enumerate(parties):
        sealed = seal_seed(keccak(f"seed {n}".encode()), public=point_of(pk), draw_id=did, party=p.address,
                           rho=int.from_bytes(keccak(f"rho {n}".encode()), "big") % (ORDER - 1) + 1)
        call = fn.commitSeed(did, sealed.rx, sealed.ry, sealed.ciphertext)
        r.send("commitSeed", call, p) if n == 0 else client.send(p, call)
    r.send("releaseDrawShare", fn.releaseDrawShare(did, key_shares[0].to_bytes()), o1)
    client.send(o2, fn.releaseDrawShare(did, key_shares[1].to_bytes()))
    r.send("finishDraw (3 seeds, 5 picks)", fn.finishDraw(did, int.from_bytes(sk, "big")), finisher)
    views = {
        "drawOf": fn.drawOf(did), "drawHeaderOf": fn.drawHeaderOf(did), "picksOf": fn.picksOf(did),
        "sealedSeedOf": fn.sealedSeedOf(did, p1.address), "drawIdOf": fn.drawIdOf(tid, 0, "committee", 1),
        "tenderBook": fn.tenderBook(), "MAX_CANDIDATES": fn.MAX_CANDIDATES(), "MAX_OFFICERS": fn.MAX_OFFICERS(),
        "MAX_PARTIES": fn.MAX_PARTIES(),
    }
    for name, call in views.items():
        r.view(name, call)
    return r.gas


def _performance_scenario(client: ChainClient, admin: Any, centre: Any, other: Any, *people: Any) -> dict[str, int]:
    """A section awarded (through `Selection`, seeded) and its contract signed, then its 履约 record:
    a milestone by the winner, a complaint by the centre, each acknowledged by the other party, the
    completion by the centre, the supervisor's ruling on the complaint."""
    r = _Recorder(client)
    o1, o2, o3, winner, loser = people[:5]
    tb, _ = client.deploy("TenderBook", admin.address, sender=admin)
    client.send(admin, tb.functions.authoriseCentre(centre.address))
    selection = Selection(_Chain(client, admin), tb, admin, seed="gas snapshot")
    gb, _ = client.deploy("GuaranteeBook", admin.address, tb.address, selection.address, sender=admin)
    pb, _ = client.deploy("PerformanceBook", tb.address, gb.address, sender=admin)
    fn = pb.functions
    tid = _opened_tender(client, tb, centre, [o1, o2, o3], [winner, loser])
    selection.award(tid, 0, winner.address, centre)
    client.send(centre, gb.functions.recordAward(tid, 0, winner.address))
    client.send(centre, gb.functions.recordContractSigned(tid, 0, r.now()))
    r.send("recordMilestone", fn.recordMilestone(tid, 0, keccak(b"milestone")), winner)
    r.send("fileComplaint", fn.fileComplaint(tid, 0, keccak(b"complaint")), centre)
    r.send("acknowledge", fn.acknowledge(tid, 0, 0), centre)
    client.send(winner, fn.acknowledge(tid, 0, 1))
    r.send("recordCompletion", fn.recordCompletion(tid, 0, keccak(b"evaluation")), centre)
    r.send("ruleComplaint", fn.ruleComplaint(tid, 0, 1, True, keccak(b"ruling")), admin)  # admin: GuaranteeBook's
    views = {
        "entryCount": fn.entryCount(tid, 0), "entryOf": fn.entryOf(tid, 0, 0), "partiesOf": fn.partiesOf(tid, 0),
        "completionOf": fn.completionOf(tid, 0), "tenderBook": fn.tenderBook(), "guaranteeBook": fn.guaranteeBook(),
        "rulingOf": fn.rulingOf(tid, 0, 1), "COMPLAINT_PERIOD": fn.COMPLAINT_PERIOD(),
    }
    for name, call in views.items():
        r.view(name, call)
    return r.gas


def _checkpoint_scenario(client: ChainClient, admin: Any, centre: Any, *_others: Any) -> dict[str, int]:
    """The centre checkpoints the store's log twice: the first checkpoint, then a later one (each
    two new storage slots and the event)."""
    r = _Recorder(client)
    tb, _ = client.deploy("TenderBook", admin.address, sender=admin)
    client.send(admin, tb.functions.authoriseCentre(centre.address))
    cb, _ = client.deploy("CheckpointBook", tb.address, sender=admin)
    fn = cb.functions
    r.send("checkpoint (first)", fn.checkpoint(100, keccak(b"root at 100")), centre)
    r.send("checkpoint", fn.checkpoint(200, keccak(b"root at 200")), centre)
    views = {"checkpointCount": fn.checkpointCount(), "checkpointAt": fn.checkpointAt(1),
             "latestCheckpoint": fn.latestCheckpoint(), "tenderBook": fn.tenderBook()}
    for name, call in views.items():
        r.view(name, call)
    return r.gas


def _registry_scenario(client: ChainClient, admin: Any, issuer: Any, other: Any, *_: Any) -> dict[str, int]:
    return _scenario(client, admin, issuer, other)


def _scenario(client: ChainClient, admin: Any, issuer: Any, other: Any) -> dict[str, int]:
    reg, _ = client.deploy("CredentialRegistry", admin.address, sender=admin)
    fn = reg.functions
    gas: dict[str, int] = {}

    def send(name: str, call: Any, by: Any) -> None:
        gas[name] = int(client.send(by, call)["gasUsed"])
        client.increase_time(1)

    def view(name: str, call: Any) -> None:
        gas[name] = int(call.estimate_gas())

    ids = [keccak(f"credential {n}".encode()) for n in range(1000)]
    tree = MerkleTree.build(ids)
    proof = {i: tree.proof(i) for i in ids}
    pos = {i: position_of(i, proof[i]) for i in ids}
    single = keccak(b"a single credential")
    new_ids = [keccak(f"successor {n}".encode()) for n in range(1000)]
    newer = MerkleTree.build(new_ids)

    send("authoriseIssuer", fn.authoriseIssuer(issuer.address, QUALIFICATION), admin)
    send("withdrawIssuer", fn.withdrawIssuer(issuer.address, QUALIFICATION), admin)
    client.send(admin, fn.authoriseIssuer(issuer.address, QUALIFICATION))
    send("anchor_wU2 (one credential)", fn.anchor_wU2(leaf_of(single), QUALIFICATION), issuer)
    send("anchor_wU2 (batch of 1000)", fn.anchor_wU2(tree.root, QUALIFICATION), issuer)
    client.send(issuer, fn.anchor_wU2(newer.root, QUALIFICATION))
    send("revoke (proof of 10)", fn.revoke(tree.root, ids[0], proof[ids[0]], 1), issuer)
    send("revokeAt_Fni (1 position)", fn.revokeAt_Fni(tree.root, [pos[ids[1]]], 1), issuer)
    hundred = sorted(pos[i] for i in ids[100::9][:100])
    send("revokeAt_Fni (100 positions)", fn.revokeAt_Fni(tree.root, hundred, 1), issuer)
    send("suspend (first period)", fn.suspend(tree.root, ids[2], proof[ids[2]], 5), issuer)
    send("reinstate", fn.reinstate(tree.root, ids[2], proof[ids[2]]), issuer)
    send("suspend (later period)", fn.suspend(tree.root, ids[2], proof[ids[2]], 5), issuer)
    send("supersede", fn.supersede(tree.root, ids[3], proof[ids[3]], newer.root, new_ids[0],
                                   newer.proof(new_ids[0])), issuer)
    send("transferAdmin", fn.transferAdmin(other.address), admin)
    send("acceptAdmin", fn.acceptAdmin(), other)
    end = 2**64 - 1
    view("statusAt (proof of 10)", fn.statusAt(tree.root, ids[2], proof[ids[2]], end))
    view("statusesIn (20 members)", fn.statusesIn(tree.root, [(i, proof[i]) for i in ids[4:24]], end))
    view("anchorOf", fn.anchorOf(tree.root))
    view("revocationAt", fn.revocationAt(tree.root, pos[ids[1]]))
    view("positionOf", fn.positionOf(ids[5], proof[ids[5]]))
    view("successorOf", fn.successorOf(tree.root, ids[3]))
    view("suspensionsOf", fn.suspensionsOf(tree.root, ids[2]))
    view("isAuthorised", fn.isAuthorised(issuer.address, QUALIFICATION))
    view("issuerKinds", fn.issuerKinds(issuer.address))
    view("leafOf", fn.leafOf(ids[0]))
    view("verifyMembership", fn.verifyMembership(tree.root, ids[6], proof[ids[6]]))
    view("fieldHash", fn.fieldHash(ids[0], "APT_NAME", b'"x"'))
    view("credentialIdOf", fn.credentialIdOf(ids[:8]))
    view("admin", fn.admin())
    view("pendingAdmin", fn.pendingAdmin())
    view("MAX_SUSPENSIONS", fn.MAX_SUSPENSIONS())
    return gas


def dumps(figures: dict[str, Any]) -> str:
    return json.dumps(figures, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help=f"write {SNAPSHOT.name}")
    args = parser.parse_args(argv)
    figures = measure()
    if args.update:
        SNAPSHOT.write_text(dumps(figures))
        print(f"wrote {SNAPSHOT}")
    else:
        sys.stdout.write(dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
