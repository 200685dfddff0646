"""LotteryBook on a real EVM: draws opened by a tender's centre, seeds sealed in Python and opened by
the contract, the key's shares released by officers and combined by anyone, and the picks equal to
`ledger.rules.lottery.draw` on the decrypted seeds (the pinned vectors included). Every rule is
tried the way an attacker would break it; reverts are asserted by custom-error name and arguments.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from ledger.chain.lottery_book import LotteryBookGateway
from ledger.crypto.draw_seal import (
    ORDER,
    SealedSeed,
    new_draw_key,
    open_seed,
    point_of,
    public_key,
    public_key_bytes,
    seal_seed,
)
from ledger.crypto.officer_box import OfficerKey, deal, open_share
from ledger.crypto.shares import Share, combine
from ledger.errors import ContractRevert
from ledger.model.lottery import DrawSetup, DrawStatus, OnChainDraw, RecordedDraw
from ledger.rules.lottery import combined_seed, draw, draw_id
from ledger.service.lottery import audit_draw, verify_recorded_draw
from tests.conftest import ChainEnv

BIDDING_TIME = 21 * 86_400
HOUR = 3_600
ZERO_ADDRESS = "0x" + "00" * 20
SEEDS = (bytes([0x11]) * 32, bytes([0x22]) * 32, bytes([0x33]) * 32)  # tests/unit/test_lottery.py's
TENDER = keccak(b"E3203010319005778")


def cand(i: int) -> bytes:
    """Candidate number i as a bytes32 (ascending with i)."""
    return i.to_bytes(32, "big")


def letters(text: str) -> tuple[bytes, ...]:
    return tuple(c.encode().rjust(32, b"\x00") for c in text)


def reverts(action: Any) -> tuple[str, tuple[Any, ...]]:
    with pytest.raises(ContractRevert) as info:
        action()
    return info.value.error, tuple(info.value.args_.values())


@dataclass
class OpenDraw:
    draw_id: bytes
    setup: DrawSetup
    officers: list[LocalAccount]
    sealed_shares: list[Any]
    parties: list[LocalAccount]
    seeds: dict[str, bytes] = field(default_factory=dict)
    gas: dict[str, int] = field(default_factory=dict)


@dataclass
class Book:
    chain: ChainEnv
    tender_book: Any
    lottery: LotteryBookGateway
    admin: LocalAccount
    centre: LocalAccount
    rival: LocalAccount

    def now(self) -> int:
        return self.chain.client.block_timestamp()

    def publish(self, label: str, sections: int = 2) -> bytes:
        tid = keccak(text=label)
        shares = [os.urandom(48) for _ in range(2)]
        params = (keccak(text=label + " doc"), keccak(text=label + " params"), sections, self.now() + BIDDING_TIME,
                  HOUR, 1, 1, keccak(text="opening key"), 2, [keccak(s) for s in shares],
                  [self.admin.address, self.rival.address])
        self.chain.transact(self.tender_book.functions.publishTender(tid, params), self.centre)
        return tid

    def setup(self, tid: bytes, parties: list[LocalAccount], candidates: tuple[bytes, ...], k: int, *,
              officers: list[LocalAccount] | None = None, threshold: int = 2, section: int = 0,
              purpose: str = "selection", round: int = 1, **changes: Any) -> tuple[DrawSetup, list[LocalAccount], Any]:
        officers = officers if officers is not None else [self.chain.new_account(10**21) for _ in range(3)]
        did = draw_id(tid, section, purpose, round)
        dealing = deal(tender_id=did, officers=[OfficerKey.of_private(o.key) for o in officers],
                       threshold=threshold, new_key=new_draw_key)
        fields: dict[str, Any] = {
            "tender_id": tid, "section": section, "purpose": purpose, "round": round,
            "parties": tuple(p.address for p in parties), "candidates": candidates, "k": k,
            "public_key": dealing.opening_public, "commit_deadline": self.now() + HOUR,
            "officers": dealing.officers, "share_hashes": dealing.share_hashes, "threshold": threshold}
        fields.update(changes)
        return DrawSetup(**fields), officers, dealing.sealed

    def open(self, parties: list[LocalAccount], candidates: tuple[bytes, ...], k: int, *, tid: bytes | None = None,
             **kw: Any) -> OpenDraw:
        tid = tid or self.publish(os.urandom(8).hex())
        setup, officers, sealed = self.setup(tid, parties, candidates, k, **kw)
        mined = self.lottery.open_draw(self.centre, setup)
        did = draw_id(setup.tender_id, setup.section, setup.purpose, setup.round)
        return OpenDraw(did, setup, officers, list(sealed), parties, gas={"openDraw": mined.gas_used})

    def commit(self, d: OpenDraw, party: LocalAccount, seed: bytes | None = None) -> SealedSeed:
        seed = seed if seed is not None else os.urandom(32)
        sealed = seal_seed(seed, public=point_of(d.setup.public_key), draw_id=d.draw_id, party=party.address)
        mined = self.lottery.commit_seed(party, d.draw_id, sealed)
        d.seeds[party.address] = seed
        d.gas["commitSeed"] = mined.gas_used
        return sealed

    def release(self, d: OpenDraw, count: int | None = None) -> list[Share]:
        out = []
        for officer, sealed in list(zip(d.officers, d.sealed_shares, strict=True))[: count or d.setup.threshold]:
            share = open_share(sealed, bytes(officer.key))
            self.lottery.release_share(officer, d.draw_id, share)
            out.append(share)
        return out

    def key(self, d: OpenDraw, shares: list[Share]) -> bytes:
        return combine(shares, k=d.setup.threshold, expected_public=d.setup.public_key,
                       share_hashes=d.setup.share_hashes, public_key=public_key_bytes)

    def pass_deadline(self, d: OpenDraw) -> None:
        self.chain.increase_time(max(d.setup.commit_deadline - self.now(), 0) + 1)

    def finish(self, d: OpenDraw, by: LocalAccount | None = None) -> tuple[bytes, ...]:
        sk = self.key(d, self.release(d))
        mined = self.lottery.finish_draw(by or self.chain.accounts[7], d.draw_id, sk)
        d.gas["finishDraw"] = mined.gas_used
        return self.lottery.picks(d.draw_id)

    def expected(self, d: OpenDraw) -> tuple[bytes, ...]:
        seeds = [d.seeds.get(p.address, bytes(32)) for p in d.parties]
        return tuple(draw(combined_seed(seeds), d.setup.candidates, d.setup.k))


@pytest.fixture
def book(chain: ChainEnv) -> Book:
    admin, centre, rival = chain.accounts[:3]
    tender_book = chain.deploy("TenderBook", admin.address, sender=admin)
    for c in (centre, rival):
        chain.transact(tender_book.functions.authoriseCentre(c.address), admin)
    contract = chain.deploy("LotteryBook", tender_book.address, sender=admin)
    return Book(chain, tender_book, LotteryBookGateway.of(chain.client, contract.address), admin, centre, rival)


def people(book: Book, n: int) -> list[LocalAccount]:
    return [book.chain.new_account(10**21) for _ in range(n)]


# ---------------------------------------------------------------- the draw


def test_the_contract_computes_draw_ids_as_the_rules_do(book: Book) -> None:
    assert book.lottery.draw_id(TENDER, 0, "selection", 1).hex() == (
        "1a7f1ede33dd6c2269ec8091c90ba7a32ee3097df60d74e386610edb5dd95692")
    assert book.lottery.draw_id(TENDER, 2, "committee", 0) == draw_id(TENDER, 2, "committee", 0)
    no_code = Account.create().address
    assert reverts(lambda: book.chain.deploy("LotteryBook", no_code)) == ("InvalidTenderBook", (no_code,))
    assert book.chain.client.call(book.chain.client.contract("LotteryBook", book.lottery.address)
                                  .functions.tenderBook()) == book.tender_book.address


@pytest.mark.parametrize(("candidates", "k", "picks"), [
    (tuple(cand(i) for i in range(10)), 3, [3, 9, 1]),
    (tuple(cand(i) for i in range(200)), 7, [63, 65, 93, 37, 36, 16, 74]),
    (letters("ABCDE"), 5, list(letters("DBAEC"))),
])
def test_pinned_vectors_sealed_in_python_are_drawn_by_the_contract(
        book: Book, candidates: tuple[bytes, ...], k: int, picks: list[Any]) -> None:
    parties = people(book, 3)
    d = book.open(parties, candidates, k)
    for party, seed in zip(parties, SEEDS, strict=True):
        book.commit(d, party, seed)
    got = book.finish(d)  # every party committed: no need to wait for the deadline
    assert got == tuple(p if isinstance(p, bytes) else cand(p) for p in picks)
    record = book.lottery.recorded(d.draw_id)
    assert record is not None and record.seeds == SEEDS and record.picks == got
    assert combined_seed(record.seeds).hex() == "41524791bda53e6da2158f10c15e3672835515d6135111d11c7e9880cfcbe573"


def test_seeds_the_contract_decrypts_are_the_ones_python_opens_from_the_chain(book: Book) -> None:
    parties = people(book, 3)
    d = book.open(parties, tuple(cand(i) for i in range(15)), 1)
    for p in parties:
        book.commit(d, p)
    shares = book.release(d)
    sk = int.from_bytes(book.key(d, shares), "big")
    book.lottery.finish_draw(book.centre, d.draw_id, sk.to_bytes(32, "big"))
    record = book.lottery.recorded(d.draw_id)
    assert record is not None and record.seeds is not None
    # The contract's decryption and Python's agree, both ways: what Python sealed the contract opens,
    # and what the contract recorded Python opens again from the sealed seeds on chain.
    for i, p in enumerate(parties):
        on_chain = book.lottery.sealed_seed(d.draw_id, p.address)
        assert on_chain is not None
        assert record.seeds[i] == d.seeds[p.address] == open_seed(
            on_chain, private_key=sk, draw_id=d.draw_id, party=p.address)
    assert book.lottery.picks(d.draw_id) == book.expected(d)
    state = book.lottery.draw(d.draw_id)
    assert state.status is DrawStatus.FINISHED and state.committed == (True,) * 3 and state.commits == 3
    assert state.shares_released == 2 and verify_recorded_draw(book.lottery, d.draw_id) == []


def test_a_party_that_does_not_commit_contributes_zero_and_cannot_stall_the_draw(book: Book) -> None:
    parties = people(book, 3)
    d = book.open(parties, tuple(cand(i) for i in range(15)), 2)
    book.commit(d, parties[0])
    book.commit(d, parties[2])
    book.pass_deadline(d)
    picks = book.finish(d)
    record = book.lottery.recorded(d.draw_id)
    assert record is not None and record.seeds is not None and record.seeds[1] == bytes(32)
    assert picks == book.expected(d)
    assert book.lottery.draw(d.draw_id).committed == (True, False, True)
    assert verify_recorded_draw(book.lottery, d.draw_id) == []


def test_a_party_committing_garbage_still_contributes_a_deterministic_seed(book: Book) -> None:
    parties = people(book, 2)
    d = book.open(parties, tuple(cand(i) for i in range(15)), 3)
    book.commit(d, parties[0])
    # Any point of the curve and any 32 bytes: not sealed to the key, but it opens to something fixed.
    junk = public_key(1 + int.from_bytes(os.urandom(32), "big") % (ORDER - 1))
    garbage = SealedSeed(junk[0], junk[1], os.urandom(32))
    book.lottery.commit_seed(parties[1], d.draw_id, garbage)
    shares = book.release(d)
    sk = book.key(d, shares)
    d.seeds[parties[1].address] = open_seed(garbage, private_key=int.from_bytes(sk, "big"),
                                            draw_id=d.draw_id, party=parties[1].address)
    book.lottery.finish_draw(book.centre, d.draw_id, sk)
    assert book.lottery.picks(d.draw_id) == book.expected(d)


def test_copying_another_partys_sealed_seed_does_not_copy_its_seed(book: Book) -> None:
    parties = people(book, 3)
    d = book.open(parties, tuple(cand(i) for i in range(15)), 1)
    copied = book.commit(d, parties[0])
    book.lottery.commit_seed(parties[1], d.draw_id, copied)  # the last committer echoes the first
    book.commit(d, parties[2])
    book.finish(d)
    record = book.lottery.recorded(d.draw_id)
    assert record is not None and record.seeds is not None
    assert record.seeds[1] != record.seeds[0]  # the mask binds the party: an echo cancels nothing


def test_gas_of_commit_and_finish(book: Book) -> None:
    figures = {}
    for n_parties, n_candidates, k in ((3, 15, 1), (7, 200, 7)):
        parties = people(book, n_parties)
        d = book.open(parties, tuple(cand(i) for i in range(n_candidates)), k)
        for p in parties:
            book.commit(d, p)
        book.finish(d)
        figures[(n_parties, n_candidates, k)] = dict(d.gas)
    print("\nLotteryBook gas:", figures)
    # Order-of-magnitude guards only; the figures are recorded in docs/contracts.md.
    assert figures[(3, 15, 1)]["commitSeed"] < 150_000
    assert figures[(7, 200, 7)]["finishDraw"] < 1_000_000


# ---------------------------------------------------------------- attacks: opening


def test_a_stranger_another_centre_or_a_withdrawn_centre_cannot_open_a_draw(book: Book) -> None:
    tid = book.publish("tender")
    parties = people(book, 2)
    setup, _, _ = book.setup(tid, parties, tuple(cand(i) for i in range(5)), 1)
    stranger = book.chain.accounts[3]
    for caller in (stranger, book.rival):
        assert reverts(lambda c=caller: book.lottery.open_draw(c, setup)) == ("NotPublisher", (tid, caller.address))
    unknown = keccak(text="no such tender")
    assert reverts(lambda: book.lottery.open_draw(book.centre, DrawSetup(**{**setup.__dict__, "tender_id": unknown}))) \
        == ("UnknownTender", (unknown,))
    assert reverts(lambda: book.lottery.open_draw(book.centre, DrawSetup(**{**setup.__dict__, "section": 2}))) \
        == ("UnknownSection", (tid, 2))
    book.chain.transact(book.tender_book.functions.withdrawCentre(book.centre.address), book.admin)
    assert reverts(lambda: book.lottery.open_draw(book.centre, setup)) == ("NotCentre", (book.centre.address,))
    assert book.lottery.draw(setup_id(setup)).status is DrawStatus.NONE


def setup_id(setup: DrawSetup) -> bytes:
    return draw_id(setup.tender_id, setup.section, setup.purpose, setup.round)


def test_opening_the_same_draw_twice_is_refused(book: Book) -> None:
    parties = people(book, 2)
    d = book.open(parties, tuple(cand(i) for i in range(5)), 1)
    again, _, _ = book.setup(d.setup.tender_id, parties, tuple(cand(i) for i in range(6)), 2)
    assert reverts(lambda: book.lottery.open_draw(book.centre, again)) == ("DrawExists", (d.draw_id,))
    # The next round is another draw.
    book.lottery.open_draw(book.centre, DrawSetup(**{**again.__dict__, "round": 2}))


def test_malformed_draws_are_refused(book: Book) -> None:
    tid = book.publish("malformed")
    p = people(book, 3)
    five = tuple(cand(i) for i in range(5))
    base, _, _ = book.setup(tid, p, five, 1)
    did = setup_id(base)

    def fails(**changes: Any) -> tuple[str, tuple[Any, ...]]:
        return reverts(lambda: book.lottery.open_draw(book.centre, DrawSetup(**{**base.__dict__, **changes})))

    assert fails(parties=(p[0].address,)) == ("InvalidDrawParameters", (1, 5, 1, 2, 3, 3))
    assert fails(k=0) == ("InvalidDrawParameters", (3, 5, 0, 2, 3, 3))
    assert fails(k=6) == ("InvalidDrawParameters", (3, 5, 6, 2, 3, 3))
    assert fails(candidates=tuple(cand(i) for i in range(257)))[0] == "InvalidDrawParameters"
    assert fails(threshold=1)[0] == "InvalidDrawParameters"
    assert fails(threshold=4)[0] == "InvalidDrawParameters"
    assert fails(share_hashes=base.share_hashes[:2])[0] == "InvalidDrawParameters"
    assert fails(parties=(p[0].address, p[1].address, p[0].address)) == ("InvalidParty", (did, p[0].address))
    assert fails(parties=(p[0].address, ZERO_ADDRESS)) == ("InvalidParty", (did, ZERO_ADDRESS))
    officers = base.officers
    assert fails(officers=(officers[0], officers[1], officers[0])) == ("InvalidDrawOfficer", (did, officers[0]))
    assert fails(candidates=(cand(2), cand(1), cand(3))) == ("UnsortedCandidates", (1,))
    assert fails(candidates=(cand(1), cand(1), cand(3))) == ("UnsortedCandidates", (1,))
    assert fails(purpose="winner") == ("InvalidPurpose", ("winner",))
    past = book.now() - 1
    assert fails(commit_deadline=past) == ("InvalidCommitDeadline", (did, past))
    assert fails(public_key=bytes(64)) == ("BadPoint", (0, 0))
    off = (1).to_bytes(32, "big") + (3).to_bytes(32, "big")
    assert fails(public_key=off) == ("BadPoint", (1, 3))
    assert book.lottery.draw(did).status is DrawStatus.NONE


# ---------------------------------------------------------------- attacks: seeds


def test_seed_by_a_non_party_a_second_seed_and_a_late_seed_are_refused(book: Book) -> None:
    parties = people(book, 3)
    d = book.open(parties, tuple(cand(i) for i in range(5)), 1)
    sealed = book.commit(d, parties[0])
    outsider = book.chain.accounts[3]
    assert reverts(lambda: book.lottery.commit_seed(outsider, d.draw_id, sealed)) == (
        "NotParty", (d.draw_id, outsider.address))
    assert reverts(lambda: book.commit(d, parties[0])) == ("AlreadyCommitted", (d.draw_id, parties[0].address))
    book.pass_deadline(d)
    error, args = reverts(lambda: book.commit(d, parties[1]))
    assert (error, args[:2]) == ("CommitClosed", (d.draw_id, d.setup.commit_deadline))
    assert book.lottery.draw(d.draw_id).committed == (True, False, False)


def test_a_seed_off_the_curve_is_refused(book: Book) -> None:
    parties = people(book, 2)
    d = book.open(parties, tuple(cand(i) for i in range(5)), 1)
    for rx, ry in ((0, 0), (1, 3), (1, 2 + 21888242871839275222246405745257275088696311157297823662689037894645226208583)):
        bad = [rx, ry, os.urandom(32)]
        assert reverts(lambda b=bad: book.chain.transact(
            book.chain.client.contract("LotteryBook", book.lottery.address).functions.commitSeed(d.draw_id, *b),
            parties[0])) == ("BadPoint", (rx, ry))


def test_steps_on_an_unknown_draw_are_refused(book: Book) -> None:
    unknown = keccak(text="no draw")
    who = book.chain.accounts[3]
    sealed = seal_seed(bytes(32), public=public_key(5), draw_id=unknown, party=who.address)
    assert reverts(lambda: book.lottery.commit_seed(who, unknown, sealed)) == ("UnknownDraw", (unknown,))
    share = Share(1, bytes(66))
    assert reverts(lambda: book.lottery.release_share(who, unknown, share)) == ("UnknownDraw", (unknown,))
    assert reverts(lambda: book.lottery.finish_draw(who, unknown, (5).to_bytes(32, "big"))) == (
        "UnknownDraw", (unknown,))


# ---------------------------------------------------------------- attacks: the key


def test_shares_released_early_by_strangers_wrong_or_twice_are_refused(book: Book) -> None:
    parties = people(book, 2)
    d = book.open(parties, tuple(cand(i) for i in range(5)), 1)
    book.commit(d, parties[0])
    mine = open_share(d.sealed_shares[0], bytes(d.officers[0].key))
    # Before the deadline, while a seed may still come in, no share is out.
    assert reverts(lambda: book.lottery.release_share(d.officers[0], d.draw_id, mine)) == (
        "CommitPeriodOpen", (d.draw_id, d.setup.commit_deadline, 1, 2))
    book.pass_deadline(d)
    stranger = book.chain.accounts[3]
    assert reverts(lambda: book.lottery.release_share(stranger, d.draw_id, mine)) == (
        "NotDrawOfficer", (d.draw_id, stranger.address))
    theirs = open_share(d.sealed_shares[1], bytes(d.officers[1].key))
    assert reverts(lambda: book.lottery.release_share(d.officers[0], d.draw_id, theirs)) == (
        "WrongDrawShare", (d.draw_id, d.officers[0].address))
    book.lottery.release_share(d.officers[0], d.draw_id, mine)
    assert reverts(lambda: book.lottery.release_share(d.officers[0], d.draw_id, mine)) == (
        "DrawShareAlreadyReleased", (d.draw_id, d.officers[0].address))
    assert book.lottery.draw(d.draw_id).shares_released == 1


def test_an_early_finish_is_refused_until_the_deadline_or_every_seed(book: Book) -> None:
    parties = people(book, 2)
    d = book.open(parties, tuple(cand(i) for i in range(5)), 1)
    book.commit(d, parties[0])
    # Even whoever kept the key cannot draw while a party may still commit.
    secret = book.key(d, [open_share(s, bytes(o.key)) for s, o in zip(d.sealed_shares, d.officers, strict=True)][:2])
    assert reverts(lambda: book.lottery.finish_draw(book.centre, d.draw_id, secret)) == (
        "CommitPeriodOpen", (d.draw_id, d.setup.commit_deadline, 1, 2))
    book.commit(d, parties[1])
    book.lottery.finish_draw(book.centre, d.draw_id, secret)
    assert book.lottery.picks(d.draw_id) == book.expected(d)


def test_a_wrong_key_or_a_second_finish_is_refused(book: Book) -> None:
    parties = people(book, 2)
    d = book.open(parties, tuple(cand(i) for i in range(5)), 2)
    for p in parties:
        book.commit(d, p)
    sk = book.key(d, book.release(d))
    other, _ = new_draw_key()
    for wrong in (other, bytes(32), ORDER.to_bytes(32, "big"),
                  ((int.from_bytes(sk, "big") + ORDER) % 2**256).to_bytes(32, "big")):
        assert reverts(lambda w=wrong: book.lottery.finish_draw(book.centre, d.draw_id, w)) == (
            "WrongDrawKey", (d.draw_id,))
    assert book.lottery.draw(d.draw_id).status is DrawStatus.OPEN
    book.lottery.finish_draw(book.centre, d.draw_id, sk)
    first = book.lottery.picks(d.draw_id)
    assert reverts(lambda: book.lottery.finish_draw(book.rival, d.draw_id, sk)) == (
        "DrawAlreadyFinished", (d.draw_id,))
    assert book.lottery.picks(d.draw_id) == first == book.expected(d)


def test_nothing_after_the_deadline_changes_the_outcome(book: Book) -> None:
    """Whoever finishes, with whichever k shares, after any wait: the same picks."""
    parties = people(book, 3)
    d = book.open(parties, tuple(cand(i) for i in range(30)), 3)
    for p in parties[:2]:
        book.commit(d, p)
    book.pass_deadline(d)
    shares = [open_share(s, bytes(o.key)) for s, o in zip(d.sealed_shares, d.officers, strict=True)]
    for officer, share in zip(d.officers, shares, strict=True):
        book.lottery.release_share(officer, d.draw_id, share)
    keys = {book.key(d, [shares[i], shares[j]]) for i, j in ((0, 1), (0, 2), (1, 2))}
    assert len(keys) == 1
    book.chain.increase_time(30 * 86_400)
    book.lottery.finish_draw(book.chain.accounts[3], d.draw_id, keys.pop())
    assert book.lottery.picks(d.draw_id) == book.expected(d)


# ---------------------------------------------------------------- recomputing from the chain


def test_a_finished_draw_verifies_from_the_chain_alone(book: Book) -> None:
    parties = people(book, 3)
    d = book.open(parties, tuple(cand(i) for i in range(15)), 2)
    for p in parties[:2]:
        book.commit(d, p)
    book.pass_deadline(d)
    book.finish(d)
    audit = audit_draw(book.lottery, d.draw_id)
    assert audit.ok and audit.picks == book.expected(d)
    assert audit.seeds == (d.seeds[parties[0].address], d.seeds[parties[1].address], bytes(32))


def test_an_audit_read_while_the_draw_finishes_is_not_kept_as_final(book: Book) -> None:
    """A reader that read the events before the finish was mined and the contract's state after it
    (a page loading while the draw is finished) sees a finished draw with no picks recorded: that
    audit is not kept as the finished draw's, so the next read sees the draw as it is."""
    parties = people(book, 2)
    d = book.open(parties, tuple(cand(i) for i in range(5)), 1)
    for p in parties:
        book.commit(d, p)
    before = book.lottery.recorded(d.draw_id)  # the events as a reader saw them before the finish
    book.pass_deadline(d)
    book.finish(d)

    class Torn:
        def recorded(self, draw_id: bytes) -> RecordedDraw | None:
            return before

        def draw(self, draw_id: bytes) -> OnChainDraw:
            return book.lottery.draw(draw_id)

    final: dict[tuple[Any, ...], Any] = {}
    torn = audit_draw(Torn(), d.draw_id, final)
    assert torn.problems == ("the draw is not finished: no picks are recorded yet",)
    audit = audit_draw(book.lottery, d.draw_id, final)
    assert audit.ok and audit.picks == book.expected(d)
    assert final[("draw", d.draw_id)] is audit


def test_an_unfinished_or_unknown_draw_does_not_verify(book: Book) -> None:
    parties = people(book, 2)
    d = book.open(parties, tuple(cand(i) for i in range(5)), 1)
    assert verify_recorded_draw(book.lottery, d.draw_id) == ["the draw is not finished: no picks are recorded yet"]
    unknown = keccak(text="none")
    assert verify_recorded_draw(book.lottery, unknown) == [f"no draw 0x{unknown.hex()} was opened on chain"]
