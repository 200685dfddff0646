"""A tender through the HTTP API: publish, bids by bound firm keys (batched relay), late and
unbound bids refused, shares released by officers' own transactions, opening, eligibility and
the visibility of what each bidder used (own only → centre after opening → public after evaluation)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_utils import keccak
from fastapi.testclient import TestClient

from api.app import create_app
from api.db.events import ChainEvent
from api.db.tenders import SqlTenderRecords, project_tender_book
from api.views.tenders import opened_bid
from ledger.crypto.bids import seal_bid, sign_bid
from ledger.config import Settings
from ledger.documents import Kind, SealedCredential
from ledger.model.tender import BidEligibility, Outcome
from ledger.rules.verify import Check, CheckStatus
from ledger.runtime import Runtime
from ledger.crypto.sealing import BidPackage, OpeningKey
from ledger.crypto.shares import share_hash, split
from ledger.tenders import TenderParams
from ledger.uscc import generate_uscc
from tests.api_actor import Actor
from tests.tender_fixtures import tender_params
from tests.documents_helpers import make_document

FUNDS = 10**21
KINDS = (Kind.IDENTITY, Kind.QUALIFICATION, Kind.PERFORMANCE, Kind.PERSONNEL)


class Scene:
    def __init__(self, http: TestClient, rt: Runtime, guarantee: str = "0") -> None:
        import random

        self.http, self.rt = http, rt
        self.centre = Actor.of(http, rt.operator)
        issuer = Account.create()
        rt.client.fund(rt.operator, issuer.address, FUNDS)
        for kind in KINDS:
            r = self.centre.post("/issuers", {"signed_tx": self.centre.prepare("authoriseIssuer", issuer.address, int(kind))})
            assert r.status_code == 200, r.text
        self.issuer = Actor.of(http, issuer)
        now = datetime.fromtimestamp(rt.client.block_timestamp(), UTC)
        rng = random.Random(3)
        self.firms: list[tuple[Actor, str, list[str]]] = []
        for n in range(4):
            account, uscc = Account.create(), generate_uscc(rng)
            window = {"valid_from": now - timedelta(days=400), "valid_until": now + timedelta(days=900)}
            docs = {
                Kind.IDENTITY: make_document(Kind.IDENTITY, issuer=issuer.address, subject=uscc, n=n,
                                             signing_address=account.address, **window),
                Kind.QUALIFICATION: make_document(Kind.QUALIFICATION, issuer=issuer.address, subject=uscc, n=n,
                                                  APT_NAME="市政公用工程施工总承包一级", grade="一级",
                                                  APT_EDATE="2030-12-31", **window),
                Kind.PERFORMANCE: make_document(Kind.PERFORMANCE, issuer=issuer.address, subject=uscc, n=n,
                                                contract_amount_wan="900",
                                                EDATE=(now - timedelta(days=100)).date().isoformat(), **window),
                Kind.PERSONNEL: make_document(Kind.PERSONNEL, issuer=issuer.address, subject=uscc, n=n,
                                              registration_type="一级注册建造师", specialty="市政公用工程",
                                              registered_employer_uscc=uscc, expiry_date="2030-01-01", **window),
            }
            ticks = []
            for kind, doc in docs.items():
                if n == 3 and kind is Kind.IDENTITY:
                    continue  # the fourth firm's key is bound to no firm
                r = self.issuer.anchor([SealedCredential.seal(doc)])
                assert r.status_code == 201, r.text
                if kind is not Kind.IDENTITY:
                    ticks.append(r.json()["credentials"][0]["credential_id"])
            self.firms.append((Actor.of(http, account), uscc, ticks))
        self.officers = [Account.create() for _ in range(5)]
        for o in self.officers:
            rt.client.fund(rt.operator, o.address, FUNDS)
        # The centre's client makes and splits the opening key; the service never sees it.
        key = OpeningKey.generate()
        self.shares = dict(zip([o.address for o in self.officers], split(key.private, 3, 5), strict=True))
        # No bid guarantee: the e-guarantee flow has its own tests (test_api_guarantees.py).
        params = tender_params(guarantee=guarantee, issued_at=now.isoformat(),
                               deadline=(now + timedelta(days=21)).isoformat())
        self.params = TenderParams.model_validate(params)
        r = self.centre.post("/tenders", {
            "params": params, "document_b64": base64.b64encode(b"%PDF tender").decode(),
            "opening_public_key": "0x" + key.public.hex(),
            "share_hashes": ["0x" + share_hash(s).hex() for s in self.shares.values()],
            "officers": [o.address for o in self.officers], "threshold": 3,
        })
        assert r.status_code == 201, r.text
        self.tender = r.json()
        self.tid = self.tender["tender_id"]

    def bid(self, actor: Actor, ticks: list[str], price: str = "11000000", expiry: int | None = None) -> Any:
        package = BidPackage.create(
            price=price, files={"bid.pdf": {"sha256": hashlib.sha256(b"x").hexdigest(),
                                            "content": base64.b64encode(b"x").decode()}},
            credential_ids=ticks, salt="0x" + os.urandom(32).hex(),
        )
        sealed = seal_bid(
            chain_id=self.tender["chain_id"], book_address=self.tender["tender_book"],
            tender_id=bytes.fromhex(self.tid[2:]), section=0, bidder=actor.account.address,
            opening_public=bytes.fromhex(self.tender["opening_public_key"][2:]), package=package,
        )
        nonce = self.http.get(f"/tenders/{self.tid}/nonces/{actor.account.address}").json()["nonce"]
        auth = sign_bid(bidder=actor.account, chain_id=self.tender["chain_id"],
                                book_address=self.tender["tender_book"], sealed=sealed, nonce=nonce,
                                expiry=expiry or self.tender["deadline"])
        return actor.post(f"/tenders/{self.tid}/sections/0/bids", {
            "envelope_b64": base64.b64encode(sealed.envelope).decode(), "commitment": "0x" + sealed.commitment.hex(),
            "nonce": nonce, "expiry": auth["expiry"], "signature": "0x" + auth["signature"].hex(),
        })


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Scene]:
    app = create_app(Settings(data_dir=tmp_path / "data"))
    with TestClient(app) as http:
        yield Scene(http, app.state.runtime)


def test_a_tender_is_published_with_its_parameters_fixed(scene: Scene) -> None:
    t = scene.http.get(f"/tenders/{scene.tid}").json()
    assert t["params"]["project_code"] == "E3203010319005778"
    assert t["threshold"] == 3 and len(t["officers"]) == 5


def test_a_bid_from_a_key_bound_to_no_firm_is_refused(scene: Scene) -> None:
    actor, _, ticks = scene.firms[3]
    r = scene.bid(actor, ticks)
    assert r.status_code == 403 and "identity credential" in r.json()["message"]


def test_bids_open_after_three_shares_and_usage_becomes_public_after_evaluation(scene: Scene) -> None:
    for actor, _, ticks in scene.firms[:3]:
        r = scene.bid(actor, ticks)
        assert r.status_code == 201, r.text
    mine = scene.firms[0][0]
    own = mine.http.get(f"/tenders/{scene.tid}/sections/0/bids/mine",
                        headers=mine.headers("GET", f"/tenders/{scene.tid}/sections/0/bids/mine", b""))
    assert own.status_code == 200 and own.json()["version"] == 1
    early = scene.centre.post(f"/tenders/{scene.tid}/sections/0/open", {})
    assert early.status_code in (409, 422)  # no shares released yet
    scene.rt.client.increase_time(22 * 86400)
    # signed to be relayable for longer than the deadline, so it is the deadline that refuses it
    late = scene.bid(scene.firms[0][0], scene.firms[0][2], expiry=scene.tender["deadline"] + 30 * 86400)
    assert late.status_code == 409 and late.json()["contract_error"] == "LateBid"
    for officer in scene.officers[:3]:
        actor = Actor.of(scene.http, officer)
        tx = actor.prepare_on("TenderBook", "releaseShare", scene.tid, "0x" + scene.shares[officer.address].to_bytes().hex())
        r = actor.post(f"/tenders/{scene.tid}/shares", {"signed_tx": tx})
        assert r.status_code == 200, r.text
    opened = scene.centre.post(f"/tenders/{scene.tid}/sections/0/open", {})
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert body["status"] == "CLOSED" and body["valid_bids"] == 3
    assert all(b["outcome"] == "DECRYPTED" and b["eligible"] for b in body["bids"]), body["bids"]
    guarantee = [c for c in body["bids"][0]["eligibility"]["checks"] if c["name"] == "guarantee"]
    assert guarantee == [{"name": "guarantee", "status": "NOT_CHECKED",
                          "reason": "no guarantee required (the section's bid guarantee is 0)"}]
    path = f"/tenders/{scene.tid}/sections/0/results"
    assert scene.http.get(path).status_code == 403  # not public before evaluation
    own_view = mine.http.get(path, headers=mine.headers("GET", path, b"")).json()
    assert [b["bidder"] for b in own_view["bids"]] == [mine.account.address]
    r = scene.centre.post(f"/tenders/{scene.tid}/sections/0/evaluation", {"report_b64": base64.b64encode(b"report").decode()})
    assert r.status_code == 200, r.text
    public = scene.http.get(path).json()
    assert public["public"] is True and len(public["bids"]) == 3
    assert {c for b in public["bids"] for c in b["credential_ids"]} == {c for _, _, t in scene.firms[:3] for c in t}


def test_a_wrong_share_is_refused_and_nothing_is_recorded(scene: Scene) -> None:
    for actor, _, ticks in scene.firms[:3]:
        assert scene.bid(actor, ticks).status_code == 201
    scene.rt.client.increase_time(22 * 86400)
    officer = scene.officers[0]
    wrong = scene.shares[scene.officers[1].address]
    before = scene.rt.client.block_number()
    r = scene.http.post("/tx/prepare", json={"sender": officer.address, "contract": "TenderBook",
                                             "function": "releaseShare", "args": [scene.tid, "0x" + wrong.to_bytes().hex()]})
    assert r.status_code == 409 and r.json()["contract_error"] == "WrongShare"
    assert scene.rt.client.block_number() == before


def test_a_bid_for_an_unknown_section_or_tender_is_404(scene: Scene) -> None:
    actor, _, ticks = scene.firms[0]
    r = actor.post(f"/tenders/{scene.tid}/sections/7/bids", {
        "envelope_b64": base64.b64encode(b"x").decode(), "commitment": "0x" + "11" * 32, "nonce": 0,
        "expiry": scene.tender["deadline"], "signature": "0x" + "22" * 65})
    assert r.status_code == 404 and "sections 0..0" in r.json()["message"]
    r = actor.post("/tenders/0x" + "33" * 32 + "/sections/0/bids", {
        "envelope_b64": base64.b64encode(b"x").decode(), "commitment": "0x" + "11" * 32, "nonce": 0,
        "expiry": scene.tender["deadline"], "signature": "0x" + "22" * 65})
    assert r.status_code == 404


def test_a_bid_signed_by_another_key_is_refused_and_nothing_is_stored(scene: Scene) -> None:
    actor, _, ticks = scene.firms[0]
    other = scene.firms[1][0]
    package = BidPackage.create(price="1", credential_ids=ticks, salt="0x" + os.urandom(32).hex())
    sealed = seal_bid(
        chain_id=scene.tender["chain_id"], book_address=scene.tender["tender_book"],
        tender_id=bytes.fromhex(scene.tid[2:]), section=0, bidder=actor.account.address,
        opening_public=bytes.fromhex(scene.tender["opening_public_key"][2:]), package=package)
    forged = sign_bid(bidder=other.account, chain_id=scene.tender["chain_id"],
                              book_address=scene.tender["tender_book"], sealed=sealed, nonce=0,
                              expiry=scene.tender["deadline"])
    before = scene.rt.client.block_number()
    r = actor.post(f"/tenders/{scene.tid}/sections/0/bids", {
        "envelope_b64": base64.b64encode(sealed.envelope).decode(), "commitment": "0x" + sealed.commitment.hex(),
        "nonce": 0, "expiry": forged["expiry"], "signature": "0x" + forged["signature"].hex()})
    assert r.status_code == 403 and r.json()["contract_error"] == "BadSignature"
    assert scene.rt.client.block_number() == before
    own = actor.http.get(f"/tenders/{scene.tid}/sections/0/bids/mine",
                         headers=actor.headers("GET", f"/tenders/{scene.tid}/sections/0/bids/mine", b""))
    assert own.status_code == 404


@pytest.mark.parametrize("content", [b"", b"price=11000000, plain text bid " * 4])
def test_an_unencrypted_or_empty_bid_is_refused(scene: Scene, content: bytes) -> None:
    actor, _, _ = scene.firms[0]
    r = actor.post(f"/tenders/{scene.tid}/sections/0/bids", {
        "envelope_b64": base64.b64encode(content).decode(), "commitment": "0x" + "11" * 32, "nonce": 0,
        "expiry": scene.tender["deadline"], "signature": "0x" + "22" * 65})
    assert r.status_code == 422 and "unencrypted bids are refused" in r.json()["message"]


def test_an_amendment_is_a_new_visible_version_with_its_reason(scene: Scene) -> None:
    params = dict(scene.tender["params"])
    deadline = datetime.fromtimestamp(scene.tender["deadline"], UTC) + timedelta(days=7)
    params["deadline"] = deadline.isoformat()
    r = scene.centre.post(f"/tenders/{scene.tid}/amendments", {
        "params": params, "document_b64": base64.b64encode(b"%PDF amended").decode(),
        "reason": "答疑澄清：延长投标截止时间"})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["deadline"] == int(deadline.timestamp())
    history = scene.http.get(f"/tenders/{scene.tid}/versions").json()
    assert [(v["version"], v["reason"]) for v in history] == [(1, "published"), (2, "答疑澄清：延长投标截止时间")]
    changed = scene.http.get("/events").json()
    assert any(e["event"] == "TenderAmended" for e in changed)


def test_only_a_centre_may_publish_or_amend(scene: Scene) -> None:
    actor = scene.firms[0][0]
    r = actor.post(f"/tenders/{scene.tid}/amendments", {
        "params": scene.tender["params"], "document_b64": "", "reason": "x"})
    assert r.status_code == 403 and r.json()["contract_error"] == "NotCentre"


def test_bids_without_the_required_guarantee_are_ineligible_and_the_section_fails(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data"))
    with TestClient(app) as http:
        scene = Scene(http, app.state.runtime, guarantee="200000.00")
        for actor, _, ticks in scene.firms[:3]:
            assert scene.bid(actor, ticks).status_code == 201
        scene.rt.client.increase_time(22 * 86400)
        for officer in scene.officers[:3]:
            actor = Actor.of(scene.http, officer)
            tx = actor.prepare_on("TenderBook", "releaseShare", scene.tid,
                                  "0x" + scene.shares[officer.address].to_bytes().hex())
            assert actor.post(f"/tenders/{scene.tid}/shares", {"signed_tx": tx}).status_code == 200
        body = scene.centre.post(f"/tenders/{scene.tid}/sections/0/open", {}).json()
        assert body["status"] == "FAILED" and body["valid_bids"] == 0  # 流标
        for b in body["bids"]:
            assert b["outcome"] == "DECRYPTED" and not b["eligible"]
            g = [c for c in b["eligibility"]["checks"] if c["name"] == "guarantee"]
            assert g and g[0]["status"] == "INVALID"


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
    app = create_app(Settings(data_dir=tmp_path / "data"))
    with TestClient(app) as http:
        scene = Scene(http, app.state.runtime)
        params = dict(scene.tender["params"])
        params["deadline"] = (datetime.fromtimestamp(scene.tender["deadline"], UTC) + timedelta(days=1)).isoformat()
        r = scene.centre.post(f"/tenders/{scene.tid}/amendments", {
            "params": params, "document_b64": base64.b64encode(b"%PDF amended").decode(), "reason": "答疑澄清"})
        assert r.status_code == 200, r.text
        scene.tender = scene.http.get(f"/tenders/{scene.tid}").json()
        for actor, _, ticks in scene.firms[:3]:
            assert scene.bid(actor, ticks).status_code == 201
        first = scene.firms[0]
        assert scene.bid(first[0], first[2], price="10500000").status_code == 201  # replaced
        third = scene.firms[2][0]
        scene.rt.client.fund(scene.rt.operator, third.account.address, FUNDS)
        tx = third.prepare_on("TenderBook", "withdrawBid", scene.tid, 0)
        r = third.post(f"/tenders/{scene.tid}/sections/0/withdraw", {"signed_tx": tx})
        assert r.status_code == 200, r.text
        assert scene.bid(third, scene.firms[2][2], price="12000000").status_code == 201  # and bids again
        scene.rt.client.increase_time(23 * 86400)
        for officer in scene.officers[:3]:
            actor = Actor.of(scene.http, officer)
            tx = actor.prepare_on("TenderBook", "releaseShare", scene.tid,
                                  "0x" + scene.shares[officer.address].to_bytes().hex())
            assert actor.post(f"/tenders/{scene.tid}/shares", {"signed_tx": tx}).status_code == 200
        opened = scene.centre.post(f"/tenders/{scene.tid}/sections/0/open", {})
        assert opened.status_code == 200, opened.text
        r = scene.centre.post(f"/tenders/{scene.tid}/sections/0/evaluation",
                              {"report_b64": base64.b64encode(b"report").decode()})
        assert r.status_code == 200, r.text
        store = app.state.store
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
        results = scene.http.get(f"/tenders/{scene.tid}/sections/0/results").json()
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
        records.file_envelope(commitment, b"sealed")
        store.project("BidSubmitted", {"tenderId": tid, "section": 0, "bidder": bidder,
                                       "commitment": "0x" + commitment.hex()}, tx="0x" + f"{n:02x}" * 32)
        records.file_opening(commitment, reason="" if eligibility else "bad envelope",
                             price="100" if eligibility else None, eligibility=eligibility)
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
