"""The tender use cases against in-memory ports: bids refused and accepted, opening outcomes and
eligibility decisions, who may see the results when."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from eth_account import Account
from eth_utils import keccak

from ledger.crypto.bids import seal_bid
from ledger.crypto.sealing import BidPackage, OpeningKey
from ledger.crypto.shares import share_hash, split
from ledger.documents import Kind
from ledger.errors import NotFound, Unauthorised, ValidationFailed
from ledger.model.credential import StoredCredential
from ledger.model.receipt import Mined
from ledger.model.tender import Outcome, SectionStatus, StoredTender, Tender
from ledger.rules.verify import Check, CheckStatus
from ledger.service.tenders import TenderService
from ledger.tenders import TenderParams
from ledger.uscc import generate_uscc
from tests.fakes import FakeCredentialLookup, FakeStatusReads, FakeTenderChain, FakeTenderRecords
from tests.scenes import tender_params

CENTRE = Account.create()
FIRM = "91110000MA01ABCD3X"
NOW = 1_700_000_000
CHAIN = 31337


class Relayer:
    def __init__(self, chain: FakeTenderChain) -> None:
        self.chain = chain
        self.checked: list[Any] = []
        self.submitted: list[Any] = []

    def check(self, auth: Any) -> None:
        self.checked.append(auth)

    def submit(self, auth: Any) -> Mined:
        self.submitted.append(auth)
        self.chain.commit(auth.tender_id, auth.section, auth.bidder, auth.commitment)
        return Mined(b"\x01" * 32, 7)


class Scene:
    def __init__(self, *, identities: dict[str, str] | None = None) -> None:
        issued = datetime.fromtimestamp(NOW, UTC)
        self.params = TenderParams.model_validate(tender_params(deadline=(issued + timedelta(days=21)).isoformat()))
        self.key = OpeningKey.generate()
        self.shares = split(self.key.private, 3, 5)
        self.tender = Tender(
            tender_id=self.params.tender_id(), params=self.params, doc_hash=keccak(b"%PDF"),
            deadline=int(self.params.deadline.timestamp()), opening_public=self.key.public,
            officers=tuple(Account.create().address for _ in range(5)), threshold=3,
            share_hashes=tuple(share_hash(s) for s in self.shares), mined=Mined(b"\x03" * 32, 1), issued_at=NOW)
        self.chain = FakeTenderChain(CENTRE.address)
        self.records = FakeTenderRecords(self.chain)
        self.records.tenders[self.tender.tender_id] = StoredTender(self.tender, b"%PDF", 1, issued)
        self.chain.publish(self.records.tenders[self.tender.tender_id])
        creds = [StoredCredential(
            credential_id=os.urandom(32), root=os.urandom(32), kind=Kind.IDENTITY, issuer="0xissuer", subject=uscc,
            signing_address=address, proof=(), sealed=cast(Any, None), tx_hash=b"\x00" * 32, block_number=1,
            anchored_at=NOW) for address, uscc in (identities or {}).items()]
        self.reads = FakeStatusReads({c.credential_id for c in creds})
        self.service = TenderService(self.chain, self.reads, self.records, FakeCredentialLookup(creds), CENTRE,
                                     chain_id=CHAIN, now=lambda: NOW)
        self.relayer = Relayer(self.chain)

    def others(self, count: int) -> list[str]:
        """Bids from `count` more firms, each with its own identity, so that the section reaches the
        three bids it needs to be opened at all (fewer close it as 流标 unopened)."""
        keys = [Account.create().address for _ in range(count)]
        for n, key in enumerate(keys):
            identity = _identity(key, generate_uscc(random.Random(n)), block=1)
            self.service.credentials.credentials.append(identity)
            self.reads.valid.add(identity.credential_id)
            self.bid(key)
        return keys

    def envelope(self, bidder: str, *, public: bytes | None = None, ids: tuple[bytes, ...] = ()) -> Any:
        package = BidPackage.create(price="1000000", files={}, credential_ids=["0x" + i.hex() for i in ids],
                                    salt="0x" + os.urandom(32).hex())
        return seal_bid(chain_id=CHAIN, book_address=self.chain.address, tender_id=self.tender.tender_id, section=0,
                        bidder=bidder, opening_public=public or self.key.public, package=package)

    def auth(self, bidder: str, commitment: bytes) -> dict[str, Any]:
        return {"bidder": bidder, "commitment": commitment, "nonce": 0, "expiry": NOW + 100, "signature": b"\x00" * 65}

    def bid(self, bidder: str, **kw: Any) -> Any:
        sealed = self.envelope(bidder, **kw)
        return self.service.submit_bid(self.relayer, signer=bidder, tender_id=self.tender.tender_id, section=0,
                                       envelope=sealed.envelope, credential_set_commitment=sealed.credential_set_commitment,
                                       auth=self.auth(bidder, sealed.commitment))


def test_a_bid_is_refused_for_an_unknown_section_an_unsealed_envelope_or_a_wrong_signer() -> None:
    firm = Account.create().address
    scene = Scene(identities={firm: FIRM})
    sealed = scene.envelope(firm)
    cred_set = sealed.credential_set_commitment
    submit = scene.service.submit_bid
    tid = scene.tender.tender_id
    with pytest.raises(NotFound) as unknown:
        submit(scene.relayer, signer=firm, tender_id=tid, section=9, envelope=sealed.envelope,
               credential_set_commitment=cred_set, auth=scene.auth(firm, sealed.commitment))
    assert unknown.value.error == "UnknownSection"
    with pytest.raises(ValidationFailed, match="not a sealed envelope"):
        submit(scene.relayer, signer=firm, tender_id=tid, section=0, envelope=b"plain text bid" * 10,
               credential_set_commitment=cred_set, auth=scene.auth(firm, sealed.commitment))
    with pytest.raises(Unauthorised) as mismatch:
        submit(scene.relayer, signer=Account.create().address, tender_id=tid, section=0, envelope=sealed.envelope,
               credential_set_commitment=cred_set, auth=scene.auth(firm, sealed.commitment))
    assert mismatch.value.error == "SignerMismatch"
    with pytest.raises(NotFound) as no_tender:
        submit(scene.relayer, signer=firm, tender_id=b"\x09" * 32, section=0, envelope=sealed.envelope,
               credential_set_commitment=cred_set, auth=scene.auth(firm, sealed.commitment))
    assert no_tender.value.error == "UnknownTender"
    assert scene.relayer.submitted == [] and scene.records.envelopes == {}
    stranger = Account.create().address  # a per-tender bid key: no firm is known by it until opening
    assert scene.bid(stranger).firm is None and len(scene.relayer.submitted) == 1


def test_a_bid_whose_envelope_and_credential_set_do_not_rebuild_its_signed_commitment_is_refused() -> None:
    firm = Account.create().address
    scene = Scene(identities={firm: FIRM})
    sealed, other = scene.envelope(firm), scene.envelope(firm)
    tid = scene.tender.tender_id
    for envelope, cred_set in ((other.envelope, sealed.credential_set_commitment),  # a swapped envelope
                               (sealed.envelope, other.credential_set_commitment),  # a wrong credential set
                               (sealed.envelope, b"\x00" * 32)):
        with pytest.raises(ValidationFailed, match="does not follow from this envelope"):
            scene.service.submit_bid(scene.relayer, signer=firm, tender_id=tid, section=0, envelope=envelope,
                                     credential_set_commitment=cred_set, auth=scene.auth(firm, sealed.commitment))
    with pytest.raises(ValidationFailed, match="32 bytes"):
        scene.service.submit_bid(scene.relayer, signer=firm, tender_id=tid, section=0, envelope=sealed.envelope,
                                 credential_set_commitment=b"\x01", auth=scene.auth(firm, sealed.commitment))
    assert scene.relayer.checked == [] and scene.records.envelopes == {}


def test_an_accepted_bid_is_dry_run_filed_before_relaying_and_names_its_firm() -> None:
    firm = Account.create().address
    scene = Scene(identities={firm: FIRM})
    submitted = scene.bid(firm)
    assert submitted.firm == FIRM and submitted.mined.block_number == 7
    assert scene.relayer.checked == scene.relayer.submitted
    assert submitted.commitment in scene.records.envelopes and scene.records.catch_ups == 1
    mine = scene.service.my_bid(signer=firm, tender_id=scene.tender.tender_id, section=0)
    assert mine.commitment == submitted.commitment and mine.envelope == scene.records.envelopes[mine.commitment]
    with pytest.raises(NotFound):
        scene.service.my_bid(signer=Account.create().address, tender_id=scene.tender.tender_id, section=0)


def test_only_a_centre_publishes_opens_or_evaluates() -> None:
    scene = Scene()
    outsider = Account.create().address
    with pytest.raises(Unauthorised) as info:
        scene.service.open_section(lambda **_: None, signer=outsider, tender_id=scene.tender.tender_id,  # type: ignore[arg-type,return-value]
                                   section=0)
    assert info.value.error == "NotCentre"
    with pytest.raises(Unauthorised):
        scene.service.publish_evaluation(signer=outsider, tender_id=scene.tender.tender_id, section=0, report=b"r")


def _guarantee(status: CheckStatus) -> Any:
    def check(**_: Any) -> Check:
        return Check("guarantee", status, "checked")
    return check


def test_opening_records_each_outcome_and_eligibility_then_closes_the_section() -> None:
    firms = [Account.create().address for _ in range(3)]
    scene = Scene(identities={firms[0]: FIRM, firms[1]: "91110000MA01ABCD4Y", firms[2]: "91110000MA01ABCD5Z"})
    scene.bid(firms[0], ids=(b"\x07" * 32,))  # ticks a credential the ledger never anchored
    scene.bid(firms[1], public=OpeningKey.generate().public)  # sealed to the wrong key: the bidder's fault
    scene.bid(firms[2])
    never = scene.chain.bid(scene.tender.tender_id, 0, firms[2]).commitment  # never uploaded: nor received
    scene.records.envelopes.pop(never)
    scene.records.receipts.pop(never)
    scene.chain.shares[scene.tender.tender_id] = scene.shares[:3]
    opening = scene.service.open_section(_guarantee(CheckStatus.VALID), signer=CENTRE.address,
                                         tender_id=scene.tender.tender_id, section=0)
    by = {b.bidder: b for b in opening.bids}
    assert opening.status is SectionStatus.FAILED and opening.valid_bids == 0
    assert by[firms[0]].outcome is Outcome.DECRYPTED and not by[firms[0]].eligible
    assert by[firms[0]].eligibility is not None and by[firms[0]].eligibility.firm is None
    assert [c.reason for c in by[firms[0]].eligibility.checks] == ["not an anchored credential", "checked"]
    assert by[firms[1]].outcome is Outcome.FAILED_BIDDER and by[firms[1]].eligibility is None
    assert by[firms[2]].outcome is not Outcome.DECRYPTED
    assert [o.bidder for _, o in scene.chain.recorded] == sorted(firms)


def test_a_decrypted_bid_whose_key_names_no_firm_fails_identity_and_a_failed_guarantee_fails_the_bid() -> None:
    scene = Scene()
    bidder = Account.create().address
    decision = scene.service.eligibility(scene.tender, 0, bidder, [])
    assert not decision.eligible and decision.firm is None
    assert decision.checks[0].name == "identity" and decision.checks[0].status is CheckStatus.INVALID
    firm = Account.create().address
    scene = Scene(identities={firm: FIRM})
    scene.bid(firm)
    scene.others(2)
    scene.chain.shares[scene.tender.tender_id] = scene.shares[:3]
    opening = scene.service.open_section(_guarantee(CheckStatus.INVALID), signer=CENTRE.address,
                                         tender_id=scene.tender.tender_id, section=0)
    bid = next(b for b in opening.bids if b.bidder == firm)
    assert bid.outcome is Outcome.DECRYPTED and not bid.eligible
    assert bid.eligibility is not None and bid.eligibility.firm == FIRM
    assert bid.eligibility.checks[-1].name == "guarantee"


def test_results_are_public_after_evaluation_own_entry_before_and_everything_to_the_centre() -> None:
    firms = [Account.create().address for _ in range(2)]
    scene = Scene(identities={firms[0]: FIRM, firms[1]: "91110000MA01ABCD4Y"})
    for f in firms:
        scene.bid(f)
    firms += scene.others(1)
    scene.chain.shares[scene.tender.tender_id] = scene.shares[:3]
    scene.service.open_section(_guarantee(CheckStatus.VALID), signer=CENTRE.address,
                               tender_id=scene.tender.tender_id, section=0)
    results = scene.service.results
    tid = scene.tender.tender_id
    with pytest.raises(Unauthorised):
        results(tender_id=tid, section=0, viewer=None)
    own = results(tender_id=tid, section=0, viewer=firms[0])
    assert not own.public and [b.bidder for b in own.bids] == [firms[0]]
    assert {b.bidder for b in results(tender_id=tid, section=0, viewer=CENTRE.address).bids} == set(firms)
    scene.service.publish_evaluation(signer=CENTRE.address, tender_id=tid, section=0, report=b"report")
    public = results(tender_id=tid, section=0, viewer=None)
    assert public.public and {b.bidder for b in public.bids} == set(firms)


def test_a_store_price_other_than_the_chains_is_refused_as_a_store_mismatch() -> None:
    """The price each decrypted bid was opened at is on chain (in 分): an opened bid whose stored price
    differs — an edited row, or a centre recording one price on chain and filing another — is not
    served (prices decide 价格竞争 and the price score)."""
    from dataclasses import replace

    from ledger.errors import StoreMismatch

    firms = [Account.create().address for _ in range(2)]
    scene = Scene(identities={firms[0]: FIRM, firms[1]: "91110000MA01ABCD4Y"})
    for f in firms:
        scene.bid(f)
    firms += scene.others(1)
    scene.chain.shares[scene.tender.tender_id] = scene.shares[:3]
    tid = scene.tender.tender_id
    scene.service.open_section(_guarantee(CheckStatus.VALID), signer=CENTRE.address, tender_id=tid, section=0)
    assert {b.bidder for b in scene.service.results(tender_id=tid, section=0, viewer=CENTRE.address).bids} == set(firms)
    key = (tid, 0, firms[0])
    scene.chain.bids[key] = replace(scene.chain.bids[key], price_fen=scene.chain.bids[key].price_fen + 1)
    with pytest.raises(StoreMismatch, match="price"):
        scene.service.results(tender_id=tid, section=0, viewer=CENTRE.address)


def _identity(address: str, uscc: str, *, block: int, cid: bytes | None = None) -> StoredCredential:
    return StoredCredential(
        credential_id=cid or os.urandom(32), root=os.urandom(32), kind=Kind.IDENTITY, issuer="0xissuer",
        subject=uscc, signing_address=address, proof=(), sealed=cast(Any, None), tx_hash=b"\x00" * 32,
        block_number=block, anchored_at=NOW)


def test_a_new_identity_credential_supersedes_the_firms_old_key() -> None:
    """Key rotation: once a newer identity credential of the firm names another key, the old key
    is no longer the firm's — it cannot bid, and its earlier bid is judged as no firm's."""
    old, new = Account.create().address, Account.create().address
    scene = Scene(identities={old: FIRM})
    scene.bid(old)
    rotated = _identity(new, FIRM, block=2)
    scene.service.credentials.credentials.append(rotated)
    scene.reads.valid.add(rotated.credential_id)
    with pytest.raises(Unauthorised) as refused:
        scene.bid(old)
    assert refused.value.error == "IdentitySuperseded" and new in str(refused.value)
    scene.bid(new)
    scene.others(1)
    scene.chain.shares[scene.tender.tender_id] = scene.shares[:3]
    opening = scene.service.open_section(_guarantee(CheckStatus.VALID), signer=CENTRE.address,
                                         tender_id=scene.tender.tender_id, section=0)
    by = {b.bidder: b for b in opening.bids}
    assert by[new].eligibility is not None and by[new].eligibility.firm == FIRM
    old_report = by[old].eligibility
    assert old_report is not None and old_report.firm is None and not by[old].eligible
    assert "no longer" in old_report.checks[0].reason
    assert opening.valid_bids <= 2  # 流标 counts firms: the firm's two keys count once
    # (Two bids that still resolve to one firm are both rejected by `one_bid_per_firm`, the
    # opening's backstop: tests/unit/test_tender_rules.py.)


def test_the_firm_behind_a_key_is_judged_as_of_the_deadline_not_the_opening() -> None:
    key = Account.create().address
    scene = Scene(identities={key: FIRM})
    scene.bid(key)
    identity = scene.service.credentials.identities_bound_to(key)[0]
    scene.reads.revoked_at[identity.credential_id] = scene.tender.deadline + 3600  # revoked after the deadline
    scene.others(2)
    scene.chain.shares[scene.tender.tender_id] = scene.shares[:3]
    opening = scene.service.open_section(_guarantee(CheckStatus.VALID), signer=CENTRE.address,
                                         tender_id=scene.tender.tender_id, section=0)
    mine = next(b for b in opening.bids if b.bidder == key)
    report = mine.eligibility
    assert report is not None and report.firm == FIRM  # still the bidder's firm at the deadline
    scene = Scene(identities={key: FIRM})
    scene.bid(key)
    identity = scene.service.credentials.identities_bound_to(key)[0]
    scene.reads.revoked_at[identity.credential_id] = scene.tender.deadline - 3600  # revoked before it
    scene.others(2)
    scene.chain.shares[scene.tender.tender_id] = scene.shares[:3]
    opening = scene.service.open_section(_guarantee(CheckStatus.VALID), signer=CENTRE.address,
                                         tender_id=scene.tender.tender_id, section=0)
    mine = next(b for b in opening.bids if b.bidder == key)
    report = mine.eligibility
    assert report is not None and report.firm is None and not mine.eligible
    assert report.checks[0].name == "identity"
