"""A tender through the HTTP API: publish, bids by bound firm keys (batched relay), late and
unbound bids refused, shares released by officers' own transactions, opening, eligibility and
the visibility of what each bidder used (own only → centre after opening → public after evaluation)."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_utils import keccak

from api.db.events import ChainEvent
from api.db.tenders import SqlTenderRecords, project_tender_book
from api.views.tenders import opened_bid
from ledger.crypto.bids import seal_bid, sign_bid
from ledger.model.tender import BidEligibility, Outcome
from ledger.rules.verify import Check, CheckStatus
from ledger.crypto.sealing import BidPackage
from ledger.tenders import TenderParams
from tests.scenes import KINDS, Firm, Scene, Tender, tender_params


@dataclass
class Bidders:
    """Three firms holding what the section asks for, and a fourth whose key no identity names."""

    bound: list[Firm]
    unbound: Firm


def _bidders(scene: Scene) -> Bidders:
    issuer = scene.issuer(*KINDS)
    bound = [scene.firm(issuer) for _ in range(3)]
    return Bidders(bound, scene.firm(issuer, bound=False))


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    """One service for the module: each test publishes its own tender in it."""
    with Scene.served(tmp_path_factory.mktemp("tenders")) as scene:
        yield scene


@pytest.fixture(scope="module")
def firms(scene: Scene) -> Bidders:
    return _bidders(scene)


@pytest.fixture
def tender(scene: Scene) -> Tender:
    return scene.tender()


def _mine(firm: Firm, tender: Tender) -> Any:
    path = f"/tenders/{tender.tid}/sections/0/bids/mine"
    return firm.actor.http.get(path, headers=firm.actor.headers("GET", path, b""))


def test_a_tender_is_published_with_its_parameters_fixed(scene: Scene, tender: Tender) -> None:
    t = scene.http.get(f"/tenders/{tender.tid}").json()
    assert t["params"]["project_code"] == tender.params["project_code"]
    assert t["params"]["project_code"].startswith("E3203010319005778")
    assert t["threshold"] == 3 and len(t["officers"]) == 5


def test_a_bid_from_a_key_no_firm_is_known_by_is_taken_sealed_and_names_no_firm(
    scene: Scene, firms: Bidders, tender: Tender
) -> None:
    """A per-tender bid key is bound to no identity credential by design: its firm is sealed
    inside the bid and judged at opening (tests/api/test_bid_secrecy.py), so the service cannot
    refuse it for want of one."""
    r = scene.bid(firms.unbound, tender)
    assert r.status_code == 201 and r.json()["firm"] is None, r.text
    w = scene.withdraw(firms.unbound, tender)
    assert w.status_code == 200, w.text


def test_bids_open_after_three_shares_and_usage_becomes_public_after_evaluation(
    scene: Scene, firms: Bidders, tender: Tender
) -> None:
    for firm in firms.bound:
        r = scene.bid(firm, tender)
        assert r.status_code == 201, r.text
    mine = firms.bound[0]
    own = _mine(mine, tender)
    assert own.status_code == 200 and own.json()["version"] == 1
    early = scene.open(tender, 0)
    assert early.status_code in (409, 422)  # no shares released yet
    scene.after_deadline(tender)
    # signed to be relayable for longer than the deadline, so it is the deadline that refuses it
    late = scene.bid(mine, tender, expiry=tender.deadline + 30 * 86400)
    assert late.status_code == 409 and late.json()["contract_error"] == "LateBid"
    scene.release(tender)
    opened = scene.open(tender, 0)
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert body["status"] == "CLOSED" and body["valid_bids"] == 3
    assert all(b["outcome"] == "DECRYPTED" and b["eligible"] for b in body["bids"]), body["bids"]
    guarantee = [c for c in body["bids"][0]["eligibility"]["checks"] if c["name"] == "guarantee"]
    assert guarantee == [{"name": "guarantee", "status": "NOT_CHECKED",
                          "reason": "no guarantee required (the section's bid guarantee is 0)"}]
    path = f"/tenders/{tender.tid}/sections/0/results"
    assert scene.http.get(path).status_code == 403  # not public before evaluation
    own_view = scene.get(mine.actor, path).json()
    assert [b["bidder"] for b in own_view["bids"]] == [mine.address]
    r = scene.centre.post(f"/tenders/{tender.tid}/sections/0/evaluation", {"report_b64": base64.b64encode(b"report").decode()})
    assert r.status_code == 200, r.text
    public = scene.http.get(path).json()
    assert public["public"] is True and len(public["bids"]) == 3
    assert {c for b in public["bids"] for c in b["credential_ids"]} == {c for f in firms.bound for c in f.ticks}
    # each ticked credential's history shows the use, read from TenderBook's CredentialUsed logs
    ticked = mine.ticks[0]
    history = scene.http.get(f"/credentials/{ticked}/history").json()
    uses = [e for e in history if e["event"] == "CredentialUsed"]
    assert [(u["args"]["tenderId"], u["args"]["section"], u["args"]["bidder"]) for u in uses] == [
        (tender.tid, 0, mine.address)]
    assert history[0]["event"] == "Anchored" and [e["block_number"] for e in history] == sorted(
        e["block_number"] for e in history)


def test_a_section_with_fewer_bids_than_its_minimum_fails_at_opening_with_every_bid_left_sealed(
    scene: Scene, firms: Bidders, tender: Tender
) -> None:
    """流标 before opening: two bids where the tender asks for three. The chain refuses to open a
    bid of such a section, so the opening closes it as failed and records no opening at all."""
    for firm in firms.bound[:2]:
        assert scene.bid(firm, tender).status_code == 201
    scene.after_deadline(tender)
    scene.release(tender)
    opened = scene.open(tender, 0)
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert body["status"] == "FAILED" and body["valid_bids"] == 0 and body["bids"] == []
    events = {e["event"] for e in scene.http.get(f"/events?limit=1000&tender_id={tender.tid}").json()}
    assert "SectionFailed" in events and not events & {"BidOpened", "DecryptionFailed", "CredentialUsed"}
    again = scene.open(tender, 0)  # the section is closed: nothing to open twice
    assert again.status_code == 409, again.text


def test_a_wrong_share_is_refused_and_nothing_is_recorded(scene: Scene, firms: Bidders, tender: Tender) -> None:
    for firm in firms.bound:
        assert scene.bid(firm, tender).status_code == 201
    scene.after_deadline(tender)
    officer = tender.officers[0]
    wrong = tender.shares[tender.officers[1].address]
    before = scene.rt.client.block_number()
    r = scene.http.post("/tx/prepare", json={"sender": officer.address, "contract": "TenderBook",
                                             "function": "releaseShare", "args": [tender.tid, "0x" + wrong.to_bytes().hex()]})
    assert r.status_code == 409 and r.json()["contract_error"] == "WrongShare"
    assert scene.rt.client.block_number() == before


def test_a_bid_for_an_unknown_section_or_tender_is_404(firms: Bidders, tender: Tender) -> None:
    actor = firms.bound[0].actor
    r = actor.post(f"/tenders/{tender.tid}/sections/7/bids", {
        "envelope_b64": base64.b64encode(b"x").decode(), "credential_set_commitment": "0x" + "44" * 32,
        "commitment": "0x" + "11" * 32, "nonce": 0,
        "expiry": tender.deadline, "signature": "0x" + "22" * 65})
    assert r.status_code == 404 and "sections 0..0" in r.json()["message"]
    r = actor.post("/tenders/0x" + "33" * 32 + "/sections/0/bids", {
        "envelope_b64": base64.b64encode(b"x").decode(), "credential_set_commitment": "0x" + "44" * 32,
        "commitment": "0x" + "11" * 32, "nonce": 0,
        "expiry": tender.deadline, "signature": "0x" + "22" * 65})
    assert r.status_code == 404


def test_a_bid_signed_by_another_key_is_refused_and_nothing_is_stored(scene: Scene, firms: Bidders, tender: Tender) -> None:
    firm, other = firms.bound[0], firms.bound[1]
    package = BidPackage.create(price="1", credential_ids=firm.ticks, salt="0x" + os.urandom(32).hex())
    sealed = seal_bid(
        chain_id=tender.view["chain_id"], book_address=tender.view["tender_book"],
        tender_id=bytes.fromhex(tender.tid[2:]), section=0, bidder=firm.address,
        opening_public=bytes.fromhex(tender.view["opening_public_key"][2:]), package=package)
    nonce = scene.http.get(f"/tenders/{tender.tid}/nonces/{firm.address}").json()["nonce"]
    forged = sign_bid(bidder=other.account, chain_id=tender.view["chain_id"],
                      book_address=tender.view["tender_book"], sealed=sealed, nonce=nonce,
                      expiry=tender.deadline)
    before = scene.rt.client.block_number()
    r = firm.actor.post(f"/tenders/{tender.tid}/sections/0/bids", {
        "envelope_b64": base64.b64encode(sealed.envelope).decode(),
        "credential_set_commitment": "0x" + sealed.credential_set_commitment.hex(),
        "commitment": "0x" + sealed.commitment.hex(),
        "nonce": nonce, "expiry": forged["expiry"], "signature": "0x" + forged["signature"].hex()})
    assert r.status_code == 403 and r.json()["contract_error"] == "BadSignature"
    assert scene.rt.client.block_number() == before
    assert _mine(firm, tender).status_code == 404


@pytest.mark.parametrize("content", [b"", b"price=11000000, plain text bid " * 4])
def test_an_unencrypted_or_empty_bid_is_refused(firms: Bidders, tender: Tender, content: bytes) -> None:
    r = firms.bound[0].actor.post(f"/tenders/{tender.tid}/sections/0/bids", {
        "envelope_b64": base64.b64encode(content).decode(), "credential_set_commitment": "0x" + "44" * 32,
        "commitment": "0x" + "11" * 32, "nonce": 0,
        "expiry": tender.deadline, "signature": "0x" + "22" * 65})
    assert r.status_code == 422 and "unencrypted bids are refused" in r.json()["message"]


def test_an_amendment_is_a_new_visible_version_with_its_reason(scene: Scene, tender: Tender) -> None:
    params = tender.params
    deadline = datetime.fromtimestamp(tender.deadline, UTC) + timedelta(days=7)
    params["deadline"] = deadline.isoformat()
    r = scene.centre.post(f"/tenders/{tender.tid}/amendments", {
        "params": params, "document_b64": base64.b64encode(b"%PDF amended").decode(),
        "reason": "答疑澄清：延长投标截止时间"})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["deadline"] == int(deadline.timestamp())
    history = scene.http.get(f"/tenders/{tender.tid}/versions").json()
    assert [(v["version"], v["reason"]) for v in history] == [(1, "published"), (2, "答疑澄清：延长投标截止时间")]
    changed = scene.http.get("/events").json()
    assert any(e["event"] == "TenderAmended" for e in changed)


def test_only_a_centre_may_publish_or_amend(firms: Bidders, tender: Tender) -> None:
    r = firms.bound[0].actor.post(f"/tenders/{tender.tid}/amendments", {
        "params": tender.params, "document_b64": "", "reason": "x"})
    assert r.status_code == 403 and r.json()["contract_error"] == "NotCentre"


def test_bids_without_the_required_guarantee_are_ineligible_and_the_section_fails(scene: Scene, firms: Bidders) -> None:
    tender = scene.tender(guarantee="200000.00")
    for firm in firms.bound:
        assert scene.bid(firm, tender).status_code == 201
    scene.after_deadline(tender)
    scene.release(tender)
    body = scene.open(tender, 0).json()
    assert body["status"] == "FAILED" and body["valid_bids"] == 0  # 流标
    for b in body["bids"]:
        assert b["outcome"] == "DECRYPTED" and not b["eligible"]
        g = [c for c in b["eligibility"]["checks"] if c["name"] == "guarantee"]
        assert g and g[0]["status"] == "INVALID"


def test_centre_cannot_record_a_valid_bid_as_bidder_failure(scene: Scene, firms: Bidders, tender: Tender) -> None:
    """A database administrator swaps a bidder's stored envelope for one that will not open: the
    opening is refused as the store disagreeing with the chain, and nothing on chain lets its
    guarantee be claimed as 撤销. (Had the centre's receipt been forged too, the opening rule would
    still find no ciphertext the bidder committed to and could record only a 撤回, without proof:
    tests/service/test_bidding.py.)"""
    from api.db import documents
    from api.db.tenders import ENVELOPE, BidEnvelope
    from sqlmodel import select

    for firm in firms.bound:
        assert scene.bid(firm, tender).status_code == 201
    victim = firms.bound[0]
    commitment = _mine(victim, tender).json()["commitment"]
    other = BidPackage.create(price="1", salt="0x" + os.urandom(32).hex())
    swapped = seal_bid(chain_id=tender.view["chain_id"], book_address=tender.view["tender_book"],
                       tender_id=bytes.fromhex(tender.tid[2:]), section=0, bidder=victim.address,
                       opening_public=os.urandom(32), package=other).envelope
    store = scene.store
    with store.session() as s:  # the rewrite reaches both the filed document and the projected row
        doc = documents.get(s, chain_key=store.chain_key, kind=ENVELOPE, key=commitment)
        assert doc is not None
        doc.content = swapped
        s.add(doc)
        for row in s.exec(select(BidEnvelope).where(BidEnvelope.commitment == commitment)):
            row.envelope, row.envelope_hash = swapped, "0x" + keccak(swapped).hex()
            s.add(row)
        s.commit()
    scene.after_deadline(tender)
    scene.release(tender)
    # The centre's receipt of what it received no longer matches: the opening is refused, not
    # recorded (the store disagrees with the chain), and nothing on chain marks the bid 撤销.
    opened = scene.open(tender, 0)
    assert opened.status_code == 503 and opened.json()["error"] == "StoreMismatch", opened.text
    assert "is not the one the service received" in opened.json()["message"]
    bid = scene.rt.tender_book.bid(bytes.fromhex(tender.tid[2:]), 0, victim.address)
    assert not bid.opened
    assert scene.rt.tender_book.failed_opening(bytes.fromhex(tender.tid[2:]), 0, victim.address) is None


def test_anyone_can_rerun_a_recorded_bidder_failure(scene: Scene, firms: Bidders, tender: Tender) -> None:
    """A bid sealed to the wrong key is 撤销; an auditor holding only the chain and the envelope
    the service publishes after opening reruns the decryption and reaches the same outcome."""
    from ledger.chain.tender_book import TenderBookGateway
    from ledger.rules.opening import rerun_opening

    careless = firms.bound[2]
    for firm in firms.bound:
        sealed_to = os.urandom(32) if firm is careless else None
        assert scene.bid(firm, tender, sealed_to=sealed_to).status_code == 201
    path = f"/tenders/{tender.tid}/sections/0/bids/{careless.address}/failed-opening"
    assert scene.http.get(path).status_code == 404  # sealed until its opening is recorded
    scene.after_deadline(tender)
    scene.release(tender)
    opened = scene.open(tender, 0)
    assert opened.status_code == 200, opened.text
    at_opening = {b["bidder"]: b for b in opened.json()["bids"]}[careless.address]
    assert at_opening["outcome"] == "FAILED_BIDDER"
    from ledger.rules.reasons import OPENING, SENTENCES, Reason, recognised
    assert at_opening["reason"] == SENTENCES[Reason.OPENING_WRONG_KEY]  # the sentence opening.py always wrote
    assert recognised(at_opening["reason"], OPENING) == {"code": "opening_wrong_key", "args": {}}
    published = scene.http.get(path).json()
    assert published["outcome"] == "FAILED_BIDDER" and published["proven"] is True
    assert published["rerun"] == {"outcome": "FAILED_BIDDER", "reason": at_opening["reason"]}
    decrypted = firms.bound[0].address
    assert scene.http.get(f"/tenders/{tender.tid}/sections/0/bids/{decrypted}/failed-opening").status_code == 404

    # The auditor: its own connection to the chain and the published envelope, nothing else.
    chain = scene.http.get("/chain").json()
    auditor = TenderBookGateway.of(scene.rt.client, chain["contracts"]["TenderBook"])
    tid = bytes.fromhex(tender.tid[2:])
    recorded = auditor.failed_opening(tid, 0, careless.address)
    assert recorded is not None and recorded.outcome is Outcome.FAILED_BIDDER
    envelope = base64.b64decode(published["envelope_b64"])
    assert keccak(envelope) == recorded.ciphertext_hash  # the ciphertext the bidder committed to
    rerun = rerun_opening(terms=auditor.tender(tid).terms, shares=auditor.released_shares(tid),
                          chain_id=chain["chain_id"], book_address=auditor.address, tender_id=tid, section=0,
                          bidder=careless.address, envelope=envelope,
                          credential_set_commitment=recorded.credential_set_commitment,
                          commitment=auditor.bid(tid, 0, careless.address).commitment)
    assert (rerun.outcome.name, rerun.reason) == ("FAILED_BIDDER", at_opening["reason"])


def _tender_tables(store: Any) -> dict[str, list[dict[str, Any]]]:
    from sqlmodel import select

    from api.db.tenders import TABLES

    tables: dict[str, list[dict[str, Any]]] = {}
    for table in TABLES:
        keys = [c.name for c in table.__table__.primary_key.columns]  # type: ignore[attr-defined]
        with store.session() as s:
            rows = [r.model_dump() for r in s.exec(select(table))]
        tables[table.__name__] = sorted(rows, key=lambda r: tuple(str(r[k]) for k in keys))
    return tables


def test_the_tender_tables_rebuild_identically_from_the_chain_and_the_filed_documents(tmp_path: Path) -> None:
    with Scene.served(tmp_path) as scene:  # a service of its own: the test counts every row
        firms = _bidders(scene).bound
        tender = scene.tender()
        params = tender.params
        params["deadline"] = (datetime.fromtimestamp(tender.deadline, UTC) + timedelta(days=1)).isoformat()
        r = scene.centre.post(f"/tenders/{tender.tid}/amendments", {
            "params": params, "document_b64": base64.b64encode(b"%PDF amended").decode(), "reason": "答疑澄清"})
        assert r.status_code == 200, r.text
        tender.view = scene.http.get(f"/tenders/{tender.tid}").json()
        for firm in firms:
            assert scene.bid(firm, tender).status_code == 201
        assert scene.bid(firms[0], tender, price="10500000").status_code == 201  # replaced
        third = firms[2].actor
        tx = third.prepare_on("TenderBook", "withdrawBid", tender.tid, 0)
        r = third.post(f"/tenders/{tender.tid}/sections/0/withdraw", {"signed_tx": tx})
        assert r.status_code == 200, r.text
        assert scene.bid(firms[2], tender, price="12000000").status_code == 201  # and bids again
        scene.after_deadline(tender)
        scene.release(tender)
        opened = scene.open(tender, 0)
        assert opened.status_code == 200, opened.text
        r = scene.centre.post(f"/tenders/{tender.tid}/sections/0/evaluation",
                              {"report_b64": base64.b64encode(b"report").decode()})
        assert r.status_code == 200, r.text
        store = scene.store
        before = _tender_tables(store)
        assert len(before["TenderVersion"]) == 2 and len(before["BidEnvelope"]) == 5
        assert len(before["OpeningRecord"]) == 3
        assert len(before["TenderOfficer"]) == 5 and len(before["TenderShareHash"]) == 5
        assert len(before["CredentialUse"]) == 9  # three ticked credentials in each of three bids
        assert {r["bidder"] for r in before["EligibilityCheck"]} == {r["bidder"] for r in before["OpeningRecord"]}
        assert all(r["checked"] for r in before["OpeningRecord"])
        assert [b["committed"] for b in before["BidEnvelope"]].count(True) == 3
        store.rebuild()
        assert _tender_tables(store) == before
        results = scene.http.get(f"/tenders/{tender.tid}/sections/0/results").json()
        assert sorted(b["price"] for b in results["bids"]) == ["10500000", "11000000", "12000000"]
        assert results["bids"] == opened.json()["bids"]


class _SqliteStore:
    """A store of nothing but tables in memory: the tender projector is fed events by hand."""

    chain_key = "31337:0xgenesis"

    def __init__(self) -> None:
        from sqlalchemy.pool import StaticPool
        from sqlmodel import SQLModel, create_engine

        import api.db.journal  # noqa: F401  (every table in the metadata)

        self.engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
        SQLModel.metadata.create_all(self.engine)
        self.events = 0

    def session(self) -> Any:
        from sqlmodel import Session

        return Session(self.engine, expire_on_commit=False)

    def project(self, name: str, args: dict[str, Any], tx: str) -> None:
        self.events += 1
        ev = ChainEvent(chain_key=self.chain_key, block_number=self.events, log_index=0, tx_hash=tx,
                        contract="TenderBook", name=name, args=json.dumps(args),
                        block_time=datetime(2027, 1, 1, tzinfo=UTC))
        with self.session() as s:
            s.add(ev)
            project_tender_book(s, self.chain_key, ev, args)
            s.commit()


def test_the_repository_assembles_tenders_and_opened_bids_from_their_typed_rows() -> None:
    store, tid = _SqliteStore(), "0x" + "11" * 32
    records = SqlTenderRecords(store)
    params = TenderParams.model_validate(tender_params())
    document = b"%PDF tender"
    records.file_tender(params, document)
    officers = [Account.create().address for _ in range(3)]
    hashes = ["0x" + bytes([i]).hex() * 32 for i in (3, 1, 2)]
    store.project("TenderPublished", {"tenderId": tid, "version": 1, "params": {
        "paramsHash": "0x" + params.params_hash().hex(), "docHash": "0x" + keccak(document).hex(),
        "deadline": 1_800_000_000, "openingPublicKey": "0x" + "ab" * 33, "officers": officers, "threshold": 2,
        "shareHashes": hashes}}, tx="0x" + "aa" * 32)
    stored = records.stored_tender(bytes.fromhex(tid[2:]))
    assert stored is not None and stored.document == document and stored.tender.officers == tuple(officers)
    assert ["0x" + h.hex() for h in stored.tender.share_hashes] == hashes

    alice, bob, carol = sorted(Account.create().address for _ in range(3))
    with_firm = BidEligibility(firm="91440400MA4UQX1J2B", eligible=True, checks=(
        Check("qualification", CheckStatus.VALID, "一级"), Check("guarantee", CheckStatus.NOT_CHECKED, "none")))
    without = BidEligibility(firm=None, eligible=False, checks=(Check("identity", CheckStatus.INVALID, "unbound"),))
    ids = ["0x" + bytes([i]).hex() * 32 for i in (9, 4)]
    for n, (bidder, eligibility) in enumerate(((alice, with_firm), (bob, without), (carol, None))):
        commitment = bytes([n + 1]) * 32
        records.file_envelope(commitment, b"sealed", b"\x44" * 32, receipt=b"")
        store.project("BidSubmitted", {"tenderId": tid, "section": 0, "bidder": bidder,
                                       "commitment": "0x" + commitment.hex()}, tx="0x" + f"{n:02x}" * 32)
        records.file_opening(commitment, reason="" if eligibility else "bad envelope",
                             price="100" if eligibility else None, eligibility=eligibility,
                             receipt=b"")
    store.project("CredentialUsed", {"tenderId": tid, "section": 0, "bidder": alice, "credentialId": ids[0]},
                  tx="0x" + "bb" * 32)
    store.project("CredentialUsed", {"tenderId": tid, "section": 0, "bidder": alice, "credentialId": ids[1]},
                  tx="0x" + "bb" * 32)
    store.project("BidOpened", {"tenderId": tid, "section": 0, "bidder": alice}, tx="0x" + "bb" * 32)
    store.project("BidOpened", {"tenderId": tid, "section": 0, "bidder": bob}, tx="0x" + "cc" * 32)
    store.project("DecryptionFailed", {"tenderId": tid, "section": 0, "bidder": carol,
                                       "outcome": int(Outcome.FAILED_BIDDER)}, tx="0x" + "dd" * 32)

    bids = records.openings(bytes.fromhex(tid[2:]), 0)
    assert [b.bidder for b in bids] == [alice, bob, carol]
    assert bids[0].eligibility == with_firm and bids[1].eligibility == without and bids[2].eligibility is None
    assert ["0x" + c.hex() for c in bids[0].credential_ids] == sorted(ids) and bids[1].credential_ids == ()
    assert [opened_bid(b) for b in bids] == [
        {"bidder": alice, "outcome": "DECRYPTED", "reason": "", "price": "100", "credential_ids": sorted(ids),
         "eligible": True, "eligibility": {"firm": "91440400MA4UQX1J2B", "eligible": True, "checks": [
             {"name": "qualification", "status": "VALID", "reason": "一级"},
             {"name": "guarantee", "status": "NOT_CHECKED", "reason": "none"}]}},
        {"bidder": bob, "outcome": "DECRYPTED", "reason": "", "price": "100", "credential_ids": [],
         "eligible": False, "eligibility": {"checks": [{"name": "identity", "status": "INVALID",
                                                        "reason": "unbound"}], "eligible": False}},
        {"bidder": carol, "outcome": "FAILED_BIDDER", "reason": "bad envelope", "price": None, "credential_ids": [],
         "eligible": False, "eligibility": {}},
    ]
    assert [list(json.loads(json.dumps(opened_bid(b)))["eligibility"]) for b in bids] == [
        ["firm", "eligible", "checks"], ["checks", "eligible"], []]


def test_a_tender_file_edited_in_the_store_is_refused_as_disagreeing_with_the_chain() -> None:
    from api.db import documents
    from ledger.errors import ConfigurationError

    store, tid = _SqliteStore(), "0x" + "12" * 32
    records = SqlTenderRecords(store)
    params = TenderParams.model_validate(tender_params())
    document = b"%PDF tender"
    records.file_tender(params, document)
    store.project("TenderPublished", {"tenderId": tid, "version": 1, "params": {
        "paramsHash": "0x" + params.params_hash().hex(), "docHash": "0x" + keccak(document).hex(),
        "deadline": 1_800_000_000, "openingPublicKey": "0x" + "ab" * 33, "officers": [Account.create().address],
        "threshold": 1, "shareHashes": ["0x" + "01" * 32]}}, tx="0x" + "bb" * 32)
    with store.session() as s:  # the database administrator swaps the tender's file
        filed = documents.get(s, chain_key=store.chain_key, kind="tender", key="0x" + keccak(document).hex())
        assert filed is not None
        filed.content = b"%PDF another tender"
        s.add(filed)
        s.commit()
    with pytest.raises(ConfigurationError, match="store disagrees with the chain"):
        records.stored_tender(bytes.fromhex(tid[2:]))
