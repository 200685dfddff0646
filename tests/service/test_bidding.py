"""Tenders and sealed bids end to end on the chain (embedded and anvil): publish, bid, replace,
late bid, release shares, open with every outcome, record credential use, eligibility, 流标."""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import UTC, datetime, timedelta

import pytest
from eth_account.signers.local import LocalAccount

from ledger.chain.tender_book import TenderBookGateway
from ledger.crypto.bids import SealedBid, authorisation, seal_bid, sign_bid
from ledger.crypto.officer_box import OfficerKey, open_share
from ledger.model.tender import Opening, Outcome, SectionStatus
from ledger.rules.opening import open_bid, rebuild_opening_key, rerun_opening
from ledger.service.tenders import publish_with_new_key
from ledger.documents import Kind, SealedCredential
from ledger.chain.registry import RegistryGateway
from ledger.rules.eligibility import EligibilityReport, TickedCredential, Verdicts, check_bid
from ledger.errors import Conflict, Unauthorised
from ledger.crypto.sealing import BidPackage, OpeningKey, ciphertext_hash
from ledger.tenders import TenderParams
from ledger.uscc import generate_uscc
from tests.conftest import ChainEnv
from tests.scenes import make_document, tender_params


class World:
    """A registry with anchored credentials for four firms and a published 3-of-5 tender."""

    def __init__(self, chain: ChainEnv) -> None:
        import random

        self.chain = chain
        self.client = chain.client
        self.centre, self.issuer = chain.accounts[0], chain.accounts[1]
        self.registry = chain.deploy("CredentialRegistry", self.centre.address, sender=self.centre)
        self.book = chain.deploy("TenderBook", self.centre.address, sender=self.centre)
        self.gw = TenderBookGateway(self.client, self.book.address)
        self.reads = RegistryGateway.of(self.client, self.registry.address)
        self.gw.authorise_centre(self.centre, self.centre.address)
        for kind in (Kind.QUALIFICATION, Kind.PERFORMANCE, Kind.PERSONNEL):
            self.reads.authorise_issuer(self.centre, self.issuer.address, kind)
        now = datetime.fromtimestamp(self.client.block_timestamp(), UTC)
        rng = random.Random(7)
        self.firms: list[tuple[LocalAccount, str]] = [
            (chain.new_account(10**20), generate_uscc(rng)) for _ in range(4)
        ]
        self.ticks: dict[str, list[TickedCredential]] = {}
        for n, (account, uscc) in enumerate(self.firms):
            docs = [
                SealedCredential.seal(make_document(
                    Kind.QUALIFICATION, issuer=self.issuer.address, subject=uscc, n=4 * n,
                    valid_from=now - timedelta(days=400), valid_until=now + timedelta(days=900),
                    APT_NAME="市政公用工程施工总承包一级", grade="一级",
                    # Relative to the chain's clock: a shared anvil node's time runs years ahead
                    # after a session of tests that pass 20-day deadlines.
                    APT_EDATE=(now + timedelta(days=4 * 365)).date().isoformat())),
                SealedCredential.seal(make_document(
                    Kind.PERFORMANCE, issuer=self.issuer.address, subject=uscc, n=4 * n + 1,
                    valid_from=now - timedelta(days=300), valid_until=now + timedelta(days=900),
                    contract_amount_wan="800", EDATE=(now - timedelta(days=200)).date().isoformat())),
                SealedCredential.seal(make_document(
                    Kind.PERSONNEL, issuer=self.issuer.address, subject=uscc, n=4 * n + 2,
                    valid_from=now - timedelta(days=300), valid_until=now + timedelta(days=900),
                    registration_type="一级注册建造师", specialty="市政公用工程",
                    registered_employer_uscc=uscc, expiry_date=(now + timedelta(days=4 * 365)).date().isoformat())),
            ]
            ticked = []
            for d in docs:
                batch = self.reads.anchor_batch(self.issuer, [d])
                ticked.append(TickedCredential(d.credential_id(), d, batch.root, []))
            self.ticks[account.address] = ticked
        self.officers = [chain.new_account(10**20) for _ in range(5)]
        params = tender_params(deadline=(now + timedelta(days=21)).isoformat())
        self.params = TenderParams.model_validate(params)
        self.tender, sealed = publish_with_new_key(
            self.gw, self.centre, params=self.params, document=b"%PDF tender documents",
            officers=[OfficerKey.of_private(bytes(o.key)) for o in self.officers], threshold=3,
        )
        # Each officer opens its own sealed share with its own key.
        self.shares = {o.address: open_share(sealed[o.address], bytes(o.key)) for o in self.officers}
        # What the platform holds beside each envelope: the credential-set commitment, by commitment.
        self.cred_sets: dict[bytes, bytes] = {}

    def seal(self, account: LocalAccount, *, price: str = "11000000", public: bytes | None = None) -> SealedBid:
        package = BidPackage.create(
            price=price, files={"bid.pdf": {"sha256": hashlib.sha256(b"bid").hexdigest(),
                              "content": base64.b64encode(b"bid").decode()}},
            credential_ids=["0x" + t.credential_id.hex() for t in self.ticks[account.address]],
            salt="0x" + os.urandom(32).hex(),
        )
        sealed = seal_bid(
            chain_id=self.client.chain_id, book_address=self.book.address, tender_id=self.tender.tender_id,
            section=0, bidder=account.address, opening_public=public or self.tender.opening_public, package=package,
        )
        self.cred_sets[sealed.commitment] = sealed.credential_set_commitment
        return sealed

    def open(self, envelopes: dict[str, bytes]) -> list[Opening]:
        shares = self.gw.released_shares(self.tender.tender_id)
        key = rebuild_opening_key(self.tender, shares)
        out = []
        for addr, envelope in envelopes.items():
            bid = self.gw.bid(self.tender.tender_id, 0, addr)
            out.append(open_bid(
                key=key, chain_id=self.client.chain_id, book_address=self.book.address,
                tender_id=self.tender.tender_id, section=0, bidder=addr, envelope=envelope,
                credential_set_commitment=self.cred_sets.get(bid.commitment), commitment=bid.commitment,
            ))
        return out

    def release(self, count: int = 3) -> None:
        for officer in self.officers[:count]:
            self.gw.release_share(officer, self.tender.tender_id, self.shares[officer.address])


@pytest.fixture
def world(chain: ChainEnv) -> World:
    return World(chain)


def _submit_all(world: World) -> dict[str, bytes]:
    envelopes = {}
    for account, _ in world.firms:
        sealed = world.seal(account)
        world.gw.submit_bid(account, sealed.tender_id, sealed.section, sealed.commitment)
        envelopes[account.address] = sealed.envelope
    return envelopes


def test_bids_are_opened_after_three_officers_release_and_every_credential_use_is_recorded(world: World) -> None:
    envelopes = _submit_all(world)
    world.chain.increase_time(22 * 86400)
    world.release()
    openings = world.open(envelopes)
    assert [o.outcome for o in openings] == [Outcome.DECRYPTED] * 4
    for o in openings:
        world.gw.record_opening(world.centre, world.tender.tender_id, o)
    used = [e for e in world.gw.events() if e.event == "CredentialUsed"]
    expected = {(a.address, t.credential_id) for a, _ in world.firms for t in world.ticks[a.address]}
    assert {(u.args["bidder"], bytes(u.args["credentialId"])) for u in used} == expected
    status = world.gw.close_section(world.centre, world.tender.tender_id, 0, 4)
    assert status is SectionStatus.CLOSED


def test_each_decrypted_bid_is_eligible_when_its_credentials_meet_the_section(world: World) -> None:
    envelopes = _submit_all(world)
    world.chain.increase_time(22 * 86400)
    world.release()
    opening = world.open(envelopes)[0]
    account, uscc = world.firms[0]
    report = check_bid(world.reads, section=world.params.sections[0], bidder=account.address,
                       bidder_uscc=uscc, deadline=world.tender.deadline, ticked=world.ticks[account.address])
    assert opening.outcome is Outcome.DECRYPTED
    assert report.eligible, [(c.name, c.reason) for c in report.failures]
    # Another firm's credential ticked into this bid is flagged as not the bidder's own.
    other = world.ticks[world.firms[1][0].address][0]
    report = check_bid(world.reads, section=world.params.sections[0], bidder=account.address,
                       bidder_uscc=uscc, deadline=world.tender.deadline, ticked=[*world.ticks[account.address], other])
    assert not report.eligible
    assert any("subject" in c.reason for c in report.failures)


class _CountingReads:
    """The registry gateway, counting the status reads a judgement makes."""

    def __init__(self, reads: RegistryGateway) -> None:
        self.reads, self.status_reads = reads, 0

    def anchor_of(self, root: bytes) -> object:
        return self.reads.anchor_of(root)

    def status_at(self, root: bytes, credential_id: bytes, proof: list[bytes], at: int) -> object:
        self.status_reads += 1
        return self.reads.status_at(root, credential_id, proof, at)

    def statuses_in(self, root: bytes, members: list[tuple[bytes, list[bytes]]], at: int) -> list[object]:
        self.status_reads += len(members)
        return list(self.reads.statuses_in(root, members, at))

    def successor_of(self, root: bytes, credential_id: bytes) -> tuple[bytes, bytes] | None:
        return self.reads.successor_of(root, credential_id)


def test_remembered_verdicts_judge_a_ticked_credential_once_per_deadline_and_firm(world: World) -> None:
    account, uscc = world.firms[0]
    reads, verdicts = _CountingReads(world.reads), Verdicts()
    ticked = world.ticks[account.address]

    def judge(deadline: int = world.tender.deadline) -> EligibilityReport:
        return check_bid(reads, section=world.params.sections[0], bidder=account.address, bidder_uscc=uscc,
                         deadline=deadline, ticked=ticked, verdicts=verdicts)

    first = judge()
    assert first.eligible and reads.status_reads == len(ticked) and len(verdicts) == len(ticked)
    again = judge()  # the same bid's credentials in another section: nothing read again
    assert reads.status_reads == len(ticked)
    assert [(c.name, c.status) for c in again.checks] == [(c.name, c.status) for c in first.checks]
    judge(deadline=world.tender.deadline + 1)  # another deadline is judged afresh
    assert reads.status_reads == 2 * len(ticked)


def test_remembered_verdicts_do_not_pass_an_edited_copy_claiming_a_judged_id(world: World) -> None:
    account, uscc = world.firms[0]
    verdicts = Verdicts()
    ticked = world.ticks[account.address]
    section, deadline = world.params.sections[0], world.tender.deadline
    assert check_bid(world.reads, section=section, bidder=account.address, bidder_uscc=uscc, deadline=deadline,
                     ticked=ticked, verdicts=verdicts).eligible
    # The holder edits the grade of its judged qualification, keeps its salt, id, root and proof.
    t = ticked[0]
    assert isinstance(t.credential, SealedCredential)
    edited = SealedCredential(t.credential.document.model_copy(update={"qualification_name": "市政公用工程施工总承包特级"}),
                              t.credential.master_salt)
    forged = TickedCredential(t.credential_id, edited, t.root, t.proof)
    report = check_bid(world.reads, section=section, bidder=account.address, bidder_uscc=uscc, deadline=deadline,
                       ticked=[forged, *ticked[1:]], verdicts=verdicts)
    assert not report.eligible
    assert any(c.name == f"credential 0x{t.credential_id.hex()}" and "integrity" in c.reason for c in report.failures)


def test_remembered_verdicts_do_not_lend_one_firm_s_credentials_to_another(world: World) -> None:
    (account, uscc), (other, other_uscc) = world.firms[0], world.firms[1]
    verdicts = Verdicts()
    section, deadline = world.params.sections[0], world.tender.deadline
    assert check_bid(world.reads, section=section, bidder=account.address, bidder_uscc=uscc, deadline=deadline,
                     ticked=world.ticks[account.address], verdicts=verdicts).eligible
    # Another firm's bid ticks the first firm's judged credentials.
    report = check_bid(world.reads, section=section, bidder=other.address, bidder_uscc=other_uscc, deadline=deadline,
                       ticked=world.ticks[account.address], verdicts=verdicts)
    assert not report.eligible
    assert all("subject" in c.reason for c in report.failures if c.name.startswith("credential "))


def test_a_late_bid_is_refused_by_the_contract(world: World) -> None:
    account = world.firms[0][0]
    sealed = world.seal(account)
    world.chain.increase_time(22 * 86400)
    with pytest.raises(Conflict) as info:
        world.gw.submit_bid(account, sealed.tender_id, sealed.section, sealed.commitment)
    assert info.value.error == "LateBid"


def test_a_second_bid_replaces_the_first_and_only_the_live_one_opens(world: World) -> None:
    envelopes = _submit_all(world)
    account = world.firms[0][0]
    newer = world.seal(account, price="10500000")
    world.gw.submit_bid(account, newer.tender_id, newer.section, newer.commitment)
    bid = world.gw.bid(world.tender.tender_id, 0, account.address)
    assert bid.version == 2 and bid.commitment == newer.commitment
    world.chain.increase_time(22 * 86400)
    world.release()
    stale, fresh = world.open({account.address: envelopes[account.address]})[0], world.open({account.address: newer.envelope})[0]
    # The replaced envelope is not what the live commitment binds: the platform's mix-up (撤回), never 撤销.
    assert stale.outcome is Outcome.FAILED_OTHER and "commitment" in stale.reason
    assert fresh.outcome is Outcome.DECRYPTED and str(fresh.package.price) == "10500000"


def test_relayed_bids_signed_by_their_bidders_are_committed_in_one_transaction(world: World) -> None:
    auths = []
    for account, _ in world.firms:
        sealed = world.seal(account)
        auths.append(sign_bid(bidder=account, chain_id=world.client.chain_id, book_address=world.book.address,
                                      sealed=sealed, nonce=0, expiry=world.tender.deadline))
    relayer = world.chain.accounts[5]
    mined = world.gw.relay_bids(relayer, [authorisation(a) for a in auths])
    assert world.gw.bid_count(world.tender.tender_id, 0) == 4
    assert mined.block_number > 0
    forged = dict(auths[0], commitment=os.urandom(32), nonce=1)
    with pytest.raises(Unauthorised) as info:
        world.gw.relay_bids(relayer, [authorisation(a) for a in [forged]])
    assert info.value.error == "BadSignature"


def test_a_wrong_share_and_a_non_officers_share_are_refused(world: World) -> None:
    _submit_all(world)
    world.chain.increase_time(22 * 86400)
    officer = world.officers[0]
    wrong = world.shares[world.officers[1].address]
    with pytest.raises(Conflict) as info:
        world.gw.release_share(officer, world.tender.tender_id, wrong)
    assert info.value.error == "WrongShare"
    with pytest.raises(Unauthorised) as info2:
        world.gw.release_share(world.chain.accounts[6], world.tender.tender_id, world.shares[officer.address])
    assert info2.value.error == "NotOfficer"


def test_nobody_opens_early_and_two_shares_are_not_enough(world: World) -> None:
    _submit_all(world)
    with pytest.raises(Conflict) as info:
        world.gw.release_share(world.officers[0], world.tender.tender_id, world.shares[world.officers[0].address])
    assert info.value.error == "TooEarly"
    world.chain.increase_time(22 * 86400)
    world.release(2)
    from ledger.crypto.shares import ShareError

    shares = world.gw.released_shares(world.tender.tender_id)
    with pytest.raises(ShareError):
        rebuild_opening_key(world.tender, shares)


def test_decryption_failures_are_recorded_with_their_cause(world: World) -> None:
    envelopes = _submit_all(world)
    wrong_key_bidder = world.firms[1][0]
    sealed_wrong = world.seal(wrong_key_bidder, public=OpeningKey.generate().public)
    world.gw.submit_bid(wrong_key_bidder, sealed_wrong.tender_id, sealed_wrong.section, sealed_wrong.commitment)
    envelopes[wrong_key_bidder.address] = sealed_wrong.envelope
    damaged_bidder = world.firms[2][0]
    damaged = envelopes[damaged_bidder.address]  # one bit flipped in the store: always a change
    envelopes[damaged_bidder.address] = damaged[:-1] + bytes([damaged[-1] ^ 1])
    world.chain.increase_time(22 * 86400)
    world.release()
    outcomes = {o.bidder: o for o in world.open(envelopes)}
    assert outcomes[wrong_key_bidder.address].outcome is Outcome.FAILED_BIDDER  # 撤销
    assert outcomes[damaged_bidder.address].outcome is Outcome.FAILED_OTHER  # 撤回
    for o in outcomes.values():
        world.gw.record_opening(world.centre, world.tender.tender_id, o)
    failed = [e for e in world.gw.events() if e.event == "DecryptionFailed"]
    zero = b"\x00" * 32
    # The 撤销 carries the ciphertext and credential set the bidder committed to; the 撤回 none.
    assert {(f.args["bidder"], f.args["outcome"], bytes(f.args["ciphertextHash"]),
             bytes(f.args["credSetCommitment"])) for f in failed} == {
        (wrong_key_bidder.address, 1, ciphertext_hash(sealed_wrong.envelope), sealed_wrong.credential_set_commitment),
        (damaged_bidder.address, 2, zero, zero)}
    status = world.gw.close_section(world.centre, world.tender.tender_id, 0, 2)
    assert status is SectionStatus.FAILED  # 流标: fewer than three valid bids


def test_a_bidder_without_funds_withdraws_through_a_relayer_by_signing_a_zero_commitment(world: World) -> None:
    firm = world.firms[0][0]
    balance = world.client.balance(firm.address)
    sealed = world.seal(firm)
    auth = sign_bid(bidder=firm, chain_id=world.client.chain_id, book_address=world.book.address,
                            sealed=sealed, nonce=0, expiry=world.tender.deadline)
    relayer = world.chain.accounts[5]
    world.gw.relay_bids(relayer, [authorisation(a) for a in [auth]])
    withdrawal = SealedBid(sealed.tender_id, 0, firm.address, b"", b"\x00" * 32, sealed.package)
    auth = sign_bid(bidder=firm, chain_id=world.client.chain_id, book_address=world.book.address,
                            sealed=withdrawal, nonce=1, expiry=world.tender.deadline)
    world.gw.relay_bids(relayer, [authorisation(a) for a in [auth]])
    bid = world.gw.bid(world.tender.tender_id, 0, firm.address)
    assert bid.commitment == b"\x00" * 32
    assert [e.args["bidder"] for e in world.gw.events() if e.event == "BidWithdrawn"] == [firm.address]
    assert world.client.balance(firm.address) == balance  # the relayer paid for both


def test_centre_cannot_record_a_valid_bid_as_bidder_failure(world: World) -> None:
    """A rewritten envelope in the store is never the bidder's fault, and the centre's key cannot
    record 撤销 on it; with the true proof the contract takes it, and the rerun shows it false."""
    envelopes = _submit_all(world)
    victim = world.firms[0][0]
    # A DB admin puts an envelope that will not open in place of the bidder's own.
    swapped = world.seal(victim, public=OpeningKey.generate().public).envelope
    world.chain.increase_time(22 * 86400)
    world.release()
    opening = world.open({victim.address: swapped})[0]
    assert opening.outcome is Outcome.FAILED_OTHER and opening.envelope_hash == b""
    # Whoever holds the centre's key and tries 撤销 on the swapped envelope is refused by the contract.
    bid = world.gw.bid(world.tender.tender_id, 0, victim.address)
    cred_set = world.cred_sets[bid.commitment]
    forced = Opening(victim.address, 0, Outcome.FAILED_BIDDER, "forced", ciphertext_hash(swapped),
                     credential_set_commitment=cred_set)
    with pytest.raises(Conflict) as info:
        world.gw.record_opening(world.centre, world.tender.tender_id, forced)
    assert info.value.error == "RevealMismatch"
    assert not world.gw.bid(world.tender.tender_id, 0, victim.address).opened
    # With the bidder's own ciphertext the contract cannot tell a false 撤销; the rerun can.
    false = Opening(victim.address, 0, Outcome.FAILED_BIDDER, "forced", ciphertext_hash(envelopes[victim.address]),
                    credential_set_commitment=cred_set)
    world.gw.record_opening(world.centre, world.tender.tender_id, false)
    recorded = world.gw.failed_opening(world.tender.tender_id, 0, victim.address)
    assert recorded is not None and recorded.outcome is Outcome.FAILED_BIDDER
    rerun = rerun_opening(terms=world.gw.tender(world.tender.tender_id).terms,
                          shares=world.gw.released_shares(world.tender.tender_id), chain_id=world.client.chain_id,
                          book_address=world.book.address, tender_id=world.tender.tender_id, section=0,
                          bidder=victim.address, envelope=envelopes[victim.address],
                          credential_set_commitment=recorded.credential_set_commitment, commitment=bid.commitment)
    assert rerun.outcome is Outcome.DECRYPTED


def test_anyone_can_rerun_a_recorded_bidder_failure(world: World) -> None:
    """An auditor with only the chain (the tender's terms, the released shares, the recorded
    failure and the bid's commitment) and the filed envelope reaches the centre's outcome."""
    envelopes = _submit_all(world)
    bidder = world.firms[1][0]
    wrong = world.seal(bidder, public=OpeningKey.generate().public)
    world.gw.submit_bid(bidder, wrong.tender_id, wrong.section, wrong.commitment)
    envelopes[bidder.address] = wrong.envelope
    world.chain.increase_time(22 * 86400)
    world.release()
    at_opening = {o.bidder: o for o in world.open(envelopes)}[bidder.address]
    world.gw.record_opening(world.centre, world.tender.tender_id, at_opening)

    auditor = TenderBookGateway.of(world.client, world.book.address)
    tid = world.tender.tender_id
    recorded = auditor.failed_opening(tid, 0, bidder.address)
    assert recorded is not None and recorded.outcome is Outcome.FAILED_BIDDER and recorded.proven
    envelope = envelopes[bidder.address]  # as published after opening; its keccak is on chain
    assert ciphertext_hash(envelope) == recorded.ciphertext_hash
    rerun = rerun_opening(terms=auditor.tender(tid).terms, shares=auditor.released_shares(tid),
                          chain_id=world.client.chain_id, book_address=auditor.address, tender_id=tid, section=0,
                          bidder=bidder.address, envelope=envelope,
                          credential_set_commitment=recorded.credential_set_commitment,
                          commitment=auditor.bid(tid, 0, bidder.address).commitment)
    assert (rerun.outcome, rerun.reason) == (at_opening.outcome, at_opening.reason)
