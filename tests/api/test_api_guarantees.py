"""E-guarantees through the HTTP API: the admin authorises issuers, bidders apply from a template
filled in from the ledger and bind with their own transactions, issuers issue 明文 or 密文 or
reject, the centre checks them at opening, records the award and the signing, and files claims
with evidence that the bidder may contest within the contest period (then settled by anyone, or
decided by the governance's M-of-N); credit commitment letters; black- and red-listed firms.
Every refusal is a specific 4xx and leaves nothing behind."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from eth_account import Account
from eth_account.signers.local import LocalAccount

from api.db import guarantees as gdb
from ledger.chain.guarantee_book import onchain_terms
from ledger.crypto.canonical import keccak
from ledger.crypto.guarantee import terms_commitment
from ledger.documents import Kind, SealedCredential
from ledger.model.guarantee import CommitmentLetter, Form, GuaranteeTerms, IssuerType
from ledger.errors import Unauthorised
from ledger.rules.guarantee import sign_commitment_letter
from ledger.service.guarantees import seal_terms
from ledger.uscc import generate_uscc
from tests.scenes import Actor, Scene

DAY = 86_400
SECTIONS = [
    {"code": "E3203010319005778001001", "name": "一标段", "estimated_price": "12000000.00",
     "bid_guarantee": "200000.00"},
    {"code": "E3203010319005778001002", "name": "二标段", "estimated_price": "6000000.00",
     "bid_guarantee": "100000.00", "credit_commitment_allowed": True},
]


def get(actor: Actor, path: str, **params: Any) -> Any:
    """A signed GET by `actor`."""
    return actor.http.get(path, params=params, headers=actor.headers("GET", path, b""))


class Desk:
    """The guarantee flow's steps in a scene: a regulator anchors the firms' identity credentials
    (and credit records); four firms; a bank (with a published red-list discount) and an insurer;
    a published 3-of-5 tender with a 200,000 元 section and a 100,000 元 section that takes a
    commitment letter. The centre is the data directory's centre key; the governance authorises the banks."""

    def __init__(self, scene: Desk) -> None:
        self.scene, self.http, self.rt, self.centre = scene, scene.http, scene.rt, scene.centre
        self.regulator = scene.issuer(Kind.IDENTITY, Kind.CREDIT)
        self.now = scene.now()
        self.firms = [scene.firm(self.regulator, kinds=(Kind.IDENTITY,)) for _ in range(4)]
        # the bank holds no funds: the relayer tops up each of its own steps (issue, reject, release)
        self.bank = scene.guarantor(IssuerType.BANK, profile={"name": "中国银行珠海分行",
                                                              "uscc": generate_uscc(scene.rng), "red_discount": "0.5"},
                                    funds=0)
        self.insurer = scene.guarantor(IssuerType.INSURER)
        self.tender = scene.tender(sections=[{**s, "qualification": [], "personnel": []} for s in SECTIONS])
        self.tid = self.tender.tid

    def _funded(self) -> LocalAccount:
        return self.scene.account()

    def gb(self, actor: Actor, function: str, *args: Any) -> str:
        """`actor`'s own signed GuaranteeBook transaction, prepared by the service."""
        return self.scene.guarantee_tx(actor, function, *args)

    def section_path(self, section: int, rest: str) -> str:
        return f"/tenders/{self.tid}/sections/{section}/guarantees/{rest}"

    # ---------------------------------------------------------------- steps
    def template(self, n: int, section: int = 0, issuer: Actor | None = None) -> Any:
        return get(self.firms[n].actor, self.section_path(section, "application-template"),
                   issuer=(issuer or self.bank).account.address)

    def apply(self, n: int, section: int = 0, issuer: Actor | None = None) -> str:
        r = self.template(n, section, issuer)
        assert r.status_code == 200, r.text
        actor = self.firms[n].actor
        r = actor.post("/guarantees", {"application": r.json()["application"],
                                       "signed_tx": actor.sign_tx(r.json()["tx"])})
        assert r.status_code == 201, r.text
        return str(r.json()["guarantee_id"])

    def terms(self, gid: str, issuer: Actor | None = None, kind: IssuerType = IssuerType.BANK,
              **changes: Any) -> tuple[GuaranteeTerms, dict[str, Any]]:
        issuer = issuer or self.bank
        r = get(issuer, f"/guarantees/{gid}/issue-template", rate_bps=30)
        assert r.status_code == 200, r.text
        filled = r.json()
        terms = GuaranteeTerms.model_validate({
            **filled["terms"], "guarantee_no": "BH" + os.urandom(4).hex(), "issuer_type": int(kind),
            "doc_hash": "0x" + hashlib.sha256(b"%PDF guarantee " + gid.encode()).hexdigest(), **changes})
        return terms, filled

    def issue(self, gid: str, form: Form = Form.PLAINTEXT, issuer: Actor | None = None, *,
              unchecked: bool = False, **changes: Any) -> Any:
        """Issue through the API; `unchecked` signs a transaction the issuer built itself, with a
        fixed gas limit, so that the service's own checks are what refuses it."""
        issuer = issuer or self.bank
        terms, filled = self.terms(gid, issuer, **changes)
        if form is Form.PLAINTEXT:
            onchain, body = onchain_terms(terms, form), {"terms": terms.model_dump(mode="json")}
        else:
            seal = filled["sealing"]
            envelope = seal_terms(terms, chain_id=seal["chain_id"], book_address=seal["guarantee_book"],
                                     opening_public=bytes.fromhex(seal["opening_public_key"][2:]))
            onchain = onchain_terms(terms, form, terms_commitment(envelope))
            body = {"sealed_terms_b64": base64.b64encode(envelope).decode()}
        if unchecked:
            fn = self.rt.client.contract("GuaranteeBook", self.rt.addresses["GuaranteeBook"]).functions.issue(bytes.fromhex(gid[2:]), onchain)
            tx = issuer.sign_tx(self.rt.client.build(issuer.account.address, {
                "to": fn.address, "data": fn._encode_transaction_data(), "gas": 300_000}))
        else:
            tx = self.gb(issuer, "issue", gid, ["0x" + v.hex() if isinstance(v, bytes) else v for v in onchain])
        return issuer.post(f"/guarantees/{gid}/issue", {**body, "signed_tx": tx})

    def bind(self, n: int, gid: str, section: int = 0, function: str = "bind") -> Any:
        actor = self.firms[n].actor
        return actor.post(self.section_path(section, function), {"signed_tx": self.gb(actor, function, gid)})

    def guarantee(self, n: int, section: int = 0, form: Form = Form.PLAINTEXT) -> str:
        gid = self.apply(n, section)
        assert self.issue(gid, form).status_code == 200
        assert self.bind(n, gid, section).status_code == 200
        return gid

    def bid(self, n: int, section: int = 0) -> None:
        r = self.scene.bid(self.firms[n], self.tender, section, credentials=[])
        assert r.status_code == 201, r.text

    def pass_deadline(self, shares: int = 3) -> None:
        self.scene.after_deadline(self.tender)
        self.scene.release(self.tender, shares)

    def blacklist(self, n: int, record_no: str, record_type: str = "blacklist") -> None:
        self.scene.credential(self.firms[n], Kind.CREDIT, issuer=self.regulator, n=1,
                              valid_from=self.now - timedelta(days=30), valid_until=self.now + timedelta(days=900),
                              record_type=record_type, record_no=record_no,
                              listed_date=(self.now - timedelta(days=1)).date().isoformat(), removal_date=None)

    def view(self, gid: str) -> Any:
        """The guarantee as its issuer reads it (before opening only its parties may)."""
        issuer = self.rt.guarantee_book.known_guarantee(bytes.fromhex(gid[2:])).issuer
        party = next(a for a in (self.bank, self.insurer, *(f.actor for f in self.firms))
                     if a.account.address == issuer)
        r = get(party, f"/guarantees/{gid}")
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Desk]:
    with Scene.served(tmp_path, seed=8) as scene:
        yield Desk(scene)


def test_the_application_comes_filled_in_from_the_ledger_and_an_altered_field_is_refused(scene: Desk) -> None:
    r = scene.template(0)
    assert r.status_code == 200, r.text
    app = r.json()["application"]
    actor, uscc = scene.firms[0].actor, scene.firms[0].uscc
    assert (app["applicant"], app["applicant_uscc"], app["issuer"]) == (actor.account.address, uscc,
                                                                       scene.bank.account.address)
    assert (app["tender_id"], app["section_code"], app["amount_fen"]) == (scene.tid, SECTIONS[0]["code"], 200_000_00)
    assert app["tenderer_uscc"] == scene.tender.view["params"]["tenderer_uscc"]
    assert app["validity_end"] == scene.tender.view["deadline"] + 90 * DAY
    before = scene.rt.client.block_number()
    altered = actor.post("/guarantees", {"application": {**app, "amount_fen": 100_000_00},
                                         "signed_tx": actor.sign_tx(r.json()["tx"])})
    assert altered.status_code == 422
    assert altered.json()["message"].startswith("application.amount_fen is 10000000 but the ledger says 20000000")
    other = scene.firms[1].actor
    stolen = other.post("/guarantees", {"application": app, "signed_tx": actor.sign_tx(r.json()["tx"])})
    assert stolen.status_code == 403 and stolen.json()["contract_error"] == "SignerMismatch"
    assert scene.rt.client.block_number() == before
    assert scene.http.get("/guarantees", params={"applicant": actor.account.address}).json() == []
    unbound = Actor.of(scene.http, scene._funded())  # a key bound to no firm gets no template
    r = get(unbound, scene.section_path(0, "application-template"), issuer=scene.bank.account.address)
    assert r.status_code == 403 and "identity credential" in r.json()["message"]


def test_a_plaintext_guarantee_is_applied_for_issued_bound_and_read_back(scene: Desk) -> None:
    gid = scene.guarantee(0)
    view = scene.view(gid)
    assert (view["state"], view["form"], view["amount_fen"], view["fee_fen"]) == ("BOUND", "PLAINTEXT", 200_000_00,
                                                                                   600_00)
    assert view["terms"]["beneficiary_uscc"] == scene.tender.view["params"]["tenderer_uscc"]
    firm = scene.firms[0].actor
    mine = get(firm, scene.section_path(0, f"bids/{firm.account.address}")).json()
    assert mine["kind"] == "guarantee" and mine["guarantee"]["guarantee_id"] == gid
    r = scene.http.get(scene.section_path(0, f"bids/{scene.firms[1].actor.account.address}"))
    assert r.status_code == 404 and r.json()["contract_error"] == "NoGuarantee"
    assert [g["guarantee_id"] for g in get(scene.bank, "/guarantees", issuer=scene.bank.account.address).json()] == [gid]


def test_before_opening_a_guarantee_is_shown_to_its_applicant_and_issuer_only(scene: Desk) -> None:
    """Its application names the firm behind the bid key: public only once the section is opened."""
    gid = scene.guarantee(0)
    firm = scene.firms[0].actor
    for path in (f"/guarantees/{gid}", scene.section_path(0, f"bids/{firm.account.address}")):
        unsigned = scene.http.get(path)
        assert unsigned.status_code == 403 and unsigned.json()["contract_error"] == "SealedUntilOpening", path
        stranger = get(scene.firms[1].actor, path)
        assert stranger.status_code == 403, path
        assert get(firm, path).status_code == 200 and get(scene.bank, path).status_code == 200, path
    assert scene.http.get("/guarantees", params={"issuer": scene.bank.account.address}).json() == []
    assert get(scene.firms[1].actor, "/guarantees", applicant=firm.account.address).json() == []
    assert [g["guarantee_id"] for g in get(firm, "/guarantees", applicant=firm.account.address).json()] == [gid]


def test_a_guarantee_backs_one_bid_only_its_bidders_and_only_in_its_section(scene: Desk) -> None:
    gid = scene.guarantee(0)
    again = scene.firms[0].actor.post(scene.section_path(0, "bind"),
                                   {"signed_tx": scene.gb(scene.firms[0].actor, "unbind", gid)})
    assert again.status_code == 422 and "calls unbind, expected bind" in again.json()["message"]
    r = scene.http.post("/guarantees/tx/prepare", json={"sender": scene.firms[0].actor.account.address,
                                                        "function": "bind", "args": [gid]})
    assert r.status_code == 409 and r.json()["contract_error"] == "AlreadyBound"
    second = scene.apply(0)  # a second guarantee for the same bid
    assert scene.issue(second).status_code == 200
    r = scene.http.post("/guarantees/tx/prepare", json={"sender": scene.firms[0].actor.account.address,
                                                        "function": "bind", "args": [second]})
    assert r.status_code == 409 and r.json()["contract_error"] == "BidHasGuarantee"
    # another bidder's bid, with a transaction it signed itself
    other = scene.firms[1].actor
    tx = other.sign_tx(scene.rt.client.build(other.account.address, {
        "to": scene.rt.addresses["GuaranteeBook"],
        "data": scene.rt.guarantee_book.calldata("bind", bytes.fromhex(gid[2:])),
        "gas": 200_000}))
    before = scene.rt.client.block_number()
    r = other.post(scene.section_path(0, "bind"), {"signed_tx": tx})
    assert r.status_code == 403 and "applied for by" in r.json()["message"]
    assert scene.rt.client.block_number() == before  # refused before it was relayed
    # a guarantee for section 1 bound through section 0
    g1 = scene.apply(1, section=1)
    assert scene.issue(g1).status_code == 200
    before = scene.rt.client.block_number()
    r = scene.bind(1, g1, section=0)
    assert r.status_code == 422 and r.json()["message"].endswith("backs section 1, not section 0")
    assert scene.rt.client.block_number() == before
    assert scene.view(g1)["state"] == "ISSUED"


def test_issuing_is_for_the_named_issuer_with_terms_that_answer_the_application(scene: Desk) -> None:
    r = scene.template(0, issuer=Actor.of(scene.http, Account.create()))
    assert r.status_code == 403 and r.json()["contract_error"] == "NotGuarantor"
    gid = scene.apply(0)
    r = get(scene.insurer, f"/guarantees/{gid}/issue-template", rate_bps=30)
    assert r.status_code == 403 and r.json()["contract_error"] == "NotIssuer"
    with pytest.raises(AssertionError, match="InsufficientAmount"):  # the prepared transaction is refused
        scene.issue(gid, amount_fen=150_000_00, fee_fen=450_00)
    r = scene.issue(gid, amount_fen=150_000_00, fee_fen=450_00, unchecked=True)  # too small an amount
    assert r.status_code == 422 and "below the 200000.00 元 applied for" in r.json()["message"]
    r = scene.issue(gid, end=scene.tender.view["deadline"] + 30 * DAY)  # ends before the bid validity
    assert r.status_code == 422 and "before the bid validity ends" in r.json()["message"]
    r = scene.issue(gid, fee_fen=1)
    assert r.status_code == 422 and r.json()["message"].startswith("the fee must be 600.00 元 at 30 bp")
    stranger = Actor.of(scene.http, scene._funded())
    r = scene.http.post("/governance/prepare-proposal", json={
        "sender": stranger.account.address, "contract": "GuaranteeBook", "function": "authoriseIssuer",
        "args": [stranger.account.address, 0]})
    assert r.status_code == 403 and r.json()["contract_error"] == "NotMember"
    assert scene.view(gid)["state"] == "APPLIED"
    reason = "申请人资信审核未通过"
    r = scene.bank.post(f"/guarantees/{gid}/reject", {"reason": reason, "signed_tx": scene.gb(
        scene.bank, "reject", gid, "0x" + keccak(reason.encode()).hex())})
    assert r.status_code == 200 and r.json()["state"] == "REJECTED" and r.json()["rejection"] == reason
    r = scene.http.post("/guarantees/tx/prepare", json={
        "sender": scene.bank.account.address, "function": "reject", "args": [gid, "0x" + "11" * 32]})
    assert r.status_code == 409 and r.json()["contract_error"] == "WrongState"
    assert_rebuilds(scene)
    other = scene.apply(0)  # the bidder withdraws an application it no longer needs
    firm = scene.firms[0].actor
    r = firm.post(f"/guarantees/{other}/cancel", {"signed_tx": scene.gb(firm, "cancel", other)})
    assert r.status_code == 200 and r.json()["state"] == "CANCELLED"


def test_a_blacklisted_firm_is_refused_and_a_redlisted_one_pays_the_published_discount(scene: Desk) -> None:
    gid = scene.apply(0)
    red = scene.apply(1)
    scene.blacklist(0, "HMD-2026-8")
    scene.blacklist(1, "HONG-3", record_type="redlist")
    r = scene.template(0)
    assert r.status_code == 403 and r.json()["contract_error"] == "Blacklisted"
    assert "HMD-2026-8" in r.json()["message"] and "application refused" in r.json()["message"]
    r = get(scene.bank, f"/guarantees/{gid}/issue-template", rate_bps=30)
    assert r.status_code == 403 and "HMD-2026-8" in r.json()["message"]
    terms, _ = scene.terms(red)
    assert terms.fee_fen == 300_00 and terms.red_discount == Decimal("0.5")
    r = scene.issue(red, fee_fen=600_00, red_discount="0")
    assert r.status_code == 422 and "red-listed: HONG-3" in r.json()["message"]
    assert scene.issue(red).status_code == 200
    assert scene.view(red)["fee_fen"] == 300_00


def test_the_centre_checks_sealed_and_plaintext_guarantees_at_opening_then_awards_and_releases(scene: Desk) -> None:
    ids = [scene.guarantee(0, form=Form.SEALED), scene.guarantee(1), scene.guarantee(2)]
    assert scene.view(ids[0])["amount_fen"] == 0 and scene.view(ids[0])["sealed"] is True
    for n in range(3):
        scene.bid(n)
    r = scene.firms[0].actor.post(scene.section_path(0, "verify"), {})
    assert r.status_code == 403
    scene.pass_deadline()
    r = scene.centre.post(scene.section_path(0, "verify"), {})
    assert r.status_code == 200, r.text
    checks = {c["bidder"]: c for c in r.json()["checks"]}
    assert all(c["status"] == "VALID" for c in checks.values()), checks
    sealed = scene.view(ids[0])
    assert (sealed["state"], sealed["amount_fen"], sealed["sealed"]) == ("VERIFIED", 200_000_00, False)
    assert sealed["terms"]["amount_fen"] == 200_000_00 and sealed["verification"]["status"] == "VALID"
    r = scene.http.post("/guarantees/tx/prepare", json={"sender": scene.bank.account.address,
                                                        "function": "release", "args": [ids[1]]})
    assert r.status_code == 409 and r.json()["contract_error"] == "NotAwarded"
    fn = scene.rt.client.contract("GuaranteeBook", scene.rt.addresses["GuaranteeBook"]).functions.release(bytes.fromhex(ids[2][2:]))
    own = scene.bank.sign_tx(scene.rt.client.build(scene.bank.account.address, {
        "to": fn.address, "data": fn._encode_transaction_data(), "gas": 200_000}))
    before = scene.rt.client.block_number()
    r = scene.bank.post(f"/guarantees/{ids[2]}/release", {"signed_tx": own})  # dry-run refuses it
    assert r.status_code == 409 and r.json()["contract_error"] == "NotAwarded"
    assert scene.rt.client.block_number() == before
    opened = scene.centre.post(f"/tenders/{scene.tid}/sections/0/open", {})
    assert opened.status_code == 200, opened.text
    winner = scene.firms[1].actor.account.address
    r = scene.firms[1].actor.post(scene.section_path(0, "award"), {"winner": winner})
    assert r.status_code == 403
    # The award follows SelectionBook's: before 评定分离 awarded the section the centre records no
    # winner of its choosing, nor "none" for a section that did not fail. (The selection award
    # records it and releases the losers: tests/api/test_api_selection.py; the signing releases
    # the winner's: tests/service/test_guarantees.py.)
    for body in ({"winner": winner}, {}, {"winner": None}):
        r = scene.centre.post(scene.section_path(0, "award"), body)
        assert r.status_code == 409 and r.json()["contract_error"] == "NotSelected", r.text
    assert [scene.view(g)["state"] for g in ids] == ["VERIFIED"] * 3
    assert_rebuilds(scene)


def assert_rebuilds(scene: Desk) -> None:
    """Every guarantee table is a projection of the chain and the documents: dropped and replayed,
    the rows come back identical."""
    store = scene.http.app.state.store  # type: ignore[attr-defined]
    tables = (gdb.GuarantorProfile, gdb.GuaranteeRecord, gdb.GuaranteeClaim, gdb.CommitmentLetterRecord)

    def snapshot() -> dict[str, list[dict[str, Any]]]:
        with store.session() as s:
            return {t.__name__: sorted((r.model_dump() for r in s.exec(select(t)).all()), key=repr) for t in tables}

    store.reconcile()
    before = snapshot()
    assert before["GuarantorProfile"]
    store.rebuild()
    assert snapshot() == before


def test_the_centre_claims_with_evidence_only_for_a_cause_the_chain_records(scene: Desk) -> None:
    gid = scene.guarantee(0)
    scene.bid(0)
    evidence = base64.b64encode(b"%PDF letter withdrawing the bid after the deadline").decode()
    r = scene.centre.post(f"/guarantees/{gid}/claims", {"cause": "WITHDRAWAL_AFTER_DEADLINE", "evidence_b64": evidence})
    assert r.status_code == 409 and r.json()["contract_error"] == "NotClaimable"  # before the deadline
    scene.pass_deadline(shares=0)
    r = scene.bank.post(f"/guarantees/{gid}/claims", {"cause": "WITHDRAWAL_AFTER_DEADLINE", "evidence_b64": evidence})
    assert r.status_code == 403 and r.json()["contract_error"] == "NotCentre"
    r = scene.centre.post(f"/guarantees/{gid}/claims", {"cause": "LATE", "evidence_b64": evidence})
    assert r.status_code == 422 and "cause must be one of" in r.json()["message"]
    r = scene.centre.post(f"/guarantees/{gid}/claims", {"cause": "REFUSED_TO_SIGN", "evidence_b64": evidence})
    assert r.status_code == 409 and r.json()["contract_error"] == "NotClaimable"
    r = scene.centre.post(f"/guarantees/{gid}/claims", {"cause": "WITHDRAWAL_AFTER_DEADLINE", "evidence_b64": ""})
    assert r.status_code == 422 and "needs its evidence" in r.json()["message"]
    r = scene.centre.post(f"/guarantees/{gid}/claims", {"cause": "WITHDRAWAL_AFTER_DEADLINE", "evidence_b64": evidence})
    assert r.status_code == 201, r.text
    claim = r.json()["claim"]
    assert r.json()["state"] == "CLAIM_PENDING" and claim["cause"] == "WITHDRAWAL_AFTER_DEADLINE"
    assert claim["evidence_hash"] == "0x" + keccak(base64.b64decode(evidence)).hex()
    assert claim["evidence_b64"] == evidence and claim["status"] == "PENDING"  # anyone can check it
    r = scene.centre.post(f"/guarantees/{gid}/claims", {"cause": "WITHDRAWAL_AFTER_DEADLINE", "evidence_b64": evidence})
    assert r.status_code == 409 and r.json()["contract_error"] == "WrongState"
    assert_rebuilds(scene)


# ---------------------------------------------------------------------- contest window


EVIDENCE = base64.b64encode(b"%PDF letter withdrawing the bid after the deadline").decode()


def _filed(scene: Desk, *firms: int) -> list[str]:
    """Each firm's guarantee (firm 0 by default), its bid live at the deadline, and a claim filed on it."""
    ids = [scene.guarantee(n) for n in firms or (0,)]
    for n in firms or (0,):
        scene.bid(n)
    scene.pass_deadline(shares=0)
    for gid in ids:
        r = scene.centre.post(f"/guarantees/{gid}/claims", {"cause": "WITHDRAWAL_AFTER_DEADLINE",
                                                            "evidence_b64": EVIDENCE})
        assert r.status_code == 201, r.text
    return ids


def _own_tx(scene: Desk, actor: Actor, function: str, *args: Any) -> str:
    """`actor`'s own GuaranteeBook transaction with a fixed gas limit, built without the
    service's estimate, so that it is the relay's own checks (or its dry run) that refuse it."""
    fn = getattr(scene.rt.client.contract("GuaranteeBook", scene.rt.addresses["GuaranteeBook"]).functions, function)
    call = fn(*args)
    return actor.sign_tx(scene.rt.client.build(actor.account.address, {
        "to": call.address, "data": call._encode_transaction_data(), "gas": 200_000}))


def _contest(scene: Desk, gid: str, reason: str, *, by: Actor | None = None, signer: Actor | None = None) -> Any:
    """The bidder (`by`, firm 0 by default) contests, sending `signer`'s own contestClaim."""
    by = by or scene.firms[0].actor
    tx = _own_tx(scene, signer or by, "contestClaim", bytes.fromhex(gid[2:]), keccak(reason.encode()))
    return by.post(f"/guarantees/{gid}/claims/contest", {"signed_tx": tx, "reason": reason})


def test_a_claim_is_not_paid_before_the_contest_window_ends(scene: Desk) -> None:
    (gid,) = _filed(scene)
    view = scene.view(gid)
    assert view["state"] == "CLAIM_PENDING" and view["closed_at"] == 0
    filed_at = int(scene.rt.client.block_timestamp())
    assert view["claim"]["contest_deadline"] == filed_at + 5 * DAY
    stranger = scene.scene.actor()
    before = scene.rt.client.block_number()
    r = scene.centre.post(f"/guarantees/{gid}/claims/settle", {})
    assert r.status_code == 409 and r.json()["contract_error"] == "ContestPeriodOpen"
    r = stranger.post(f"/guarantees/{gid}/claims/settle", {"signed_tx": _own_tx(scene, stranger, "settleClaim",
                                                                                 bytes.fromhex(gid[2:]))})
    assert r.status_code == 409 and r.json()["contract_error"] == "ContestPeriodOpen"
    r = scene.http.post("/guarantees/tx/prepare", json={"sender": scene.bank.account.address, "function": "release",
                                                        "args": [gid]})
    assert r.status_code == 409 and r.json()["contract_error"] == "WrongState"  # not releasable from under it
    assert stranger.post(f"/guarantees/{gid}/claims/settle", {}).status_code == 403  # not the centre, no own tx
    assert scene.rt.client.block_number() == before
    scene.rt.client.increase_time(5 * DAY - 600)
    assert scene.centre.post(f"/guarantees/{gid}/claims/settle", {}).status_code == 409
    assert scene.view(gid)["state"] == "CLAIM_PENDING"
    scene.rt.client.increase_time(600)
    r = stranger.post(f"/guarantees/{gid}/claims/settle", {"signed_tx": scene.gb(stranger, "settleClaim", gid)})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "CLAIMED" and r.json()["claim"]["status"] == "PAID"
    assert_rebuilds(scene)


def test_a_key_without_funds_settles_with_the_relayer_paying_its_gas(scene: Desk) -> None:
    """Anyone's own settleClaim is sponsored like every party's step: dry-run as its signer first,
    so a settle the chain would refuse costs the relayer nothing, and within the sponsorship cap."""
    (gid,) = _filed(scene)
    settler = scene.scene.actor(funds=0)
    client, relayer = scene.rt.client, scene.rt.relayer.address
    assert client.balance(settler.account.address) == 0
    before, paid = client.block_number(), client.balance(relayer)
    r = settler.post(f"/guarantees/{gid}/claims/settle", {"signed_tx": _own_tx(scene, settler, "settleClaim",
                                                                                bytes.fromhex(gid[2:]))})
    assert r.status_code == 409 and r.json()["contract_error"] == "ContestPeriodOpen"  # too early: nothing paid
    assert client.block_number() == before and client.balance(relayer) == paid
    scene.rt.client.increase_time(5 * DAY)
    call = scene.rt.client.contract("GuaranteeBook", scene.rt.addresses["GuaranteeBook"]).functions.settleClaim(
        bytes.fromhex(gid[2:]))
    greedy = settler.sign_tx(client.build(settler.account.address, {
        "to": call.address, "data": call._encode_transaction_data(), "gas": 30_000_000}))
    r = settler.post(f"/guarantees/{gid}/claims/settle", {"signed_tx": greedy})  # asks the relayer for too much
    assert r.status_code == 422 and "sponsors" in r.json()["message"]
    assert scene.view(gid)["state"] == "CLAIM_PENDING" and client.balance(relayer) == paid
    r = settler.post(f"/guarantees/{gid}/claims/settle", {"signed_tx": scene.gb(settler, "settleClaim", gid)})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "CLAIMED" and r.json()["claim"]["status"] == "PAID"
    assert client.balance(relayer) < paid  # the relayer paid the settler's gas
    assert_rebuilds(scene)


def test_the_bidder_contests_with_its_own_key_only(scene: Desk) -> None:
    (gid,) = _filed(scene)
    bidder, other = scene.firms[0].actor, scene.firms[1].actor
    before = scene.rt.client.block_number()
    r = _contest(scene, gid, "I did not withdraw", by=other)  # another firm, its own transaction
    assert r.status_code == 403 and r.json()["contract_error"] == "NotApplicant"
    r = _contest(scene, gid, "I did not withdraw", by=scene.centre)
    assert r.status_code == 403 and r.json()["contract_error"] == "NotApplicant"
    r = _contest(scene, gid, "I did not withdraw", signer=other)  # the bidder's request, another key's tx
    assert r.status_code == 403 and r.json()["contract_error"] == "SignerMismatch"
    tx = _own_tx(scene, bidder, "contestClaim", bytes.fromhex(gid[2:]), keccak(b"another reason"))
    r = bidder.post(f"/guarantees/{gid}/claims/contest", {"signed_tx": tx, "reason": "I did not withdraw"})
    assert r.status_code == 422 and "another reason" in r.json()["message"]
    r = scene.http.post("/guarantees/tx/prepare", json={"sender": other.account.address, "function": "contestClaim",
                                                        "args": [gid, "0x" + keccak(b"x").hex()]})
    assert r.status_code == 403 and r.json()["contract_error"] == "NotApplicant"
    assert scene.rt.client.block_number() == before and scene.view(gid)["state"] == "CLAIM_PENDING"
    r = _contest(scene, gid, "I did not withdraw: my bid is live, see the chain")
    assert r.status_code == 200, r.text
    claim = r.json()["claim"]
    assert r.json()["state"] == "CLAIM_CONTESTED" and claim["status"] == "CONTESTED"
    assert claim["contest_reason"] == "I did not withdraw: my bid is live, see the chain"
    assert_rebuilds(scene)


def test_a_late_contest_is_refused(scene: Desk) -> None:
    (gid,) = _filed(scene)
    scene.rt.client.increase_time(5 * DAY)
    before = scene.rt.client.block_number()
    r = _contest(scene, gid, "too late")
    assert r.status_code == 409 and r.json()["contract_error"] == "ContestPeriodOver"
    assert scene.rt.client.block_number() == before
    r = scene.centre.post(f"/guarantees/{gid}/claims/settle", {})
    assert r.status_code == 200 and r.json()["state"] == "CLAIMED"


def test_a_contested_claim_waits_for_the_governance(scene: Desk) -> None:
    dismissed, upheld = _filed(scene, 0, 1)
    assert _contest(scene, dismissed, "my bid is live").status_code == 200
    assert _contest(scene, upheld, "I never withdrew", by=scene.firms[1].actor).status_code == 200
    scene.rt.client.increase_time(6 * DAY)
    for gid in (dismissed, upheld):
        r = scene.centre.post(f"/guarantees/{gid}/claims/settle", {})
        assert r.status_code == 409 and r.json()["contract_error"] == "WrongState"  # waits for the governance
    p = scene.scene.govern("GuaranteeBook", "resolveClaim", dismissed, False, "0x" + keccak(b"the bid is live").hex())
    assert p["state"] == "EXECUTED", p
    view = scene.view(dismissed)
    assert view["state"] == "BOUND" and view["claim"]["status"] == "DISMISSED" and view["claim"]["upheld"] is False
    assert view["claim"]["resolution_hash"] == "0x" + keccak(b"the bid is live").hex()
    r = scene.centre.post(f"/guarantees/{dismissed}/claims", {"cause": "WITHDRAWAL_AFTER_DEADLINE",
                                                              "evidence_b64": EVIDENCE})
    assert r.status_code == 409 and r.json()["contract_error"] == "NotClaimable"  # dismissed for good
    p = scene.scene.govern("GuaranteeBook", "resolveClaim", upheld, True, "0x" + keccak(b"withdrawn").hex())
    assert p["state"] == "EXECUTED", p
    view = scene.view(upheld)
    assert view["state"] == "CLAIMED" and view["claim"]["status"] == "PAID" and view["claim"]["upheld"] is True
    assert_rebuilds(scene)


def test_a_lone_governance_member_cannot_resolve_a_contest(scene: Desk) -> None:
    (gid,) = _filed(scene)
    assert _contest(scene, gid, "my bid is live").status_code == 200
    reason = "0x" + keccak(b"claim upheld").hex()
    book = scene.rt.guarantee_book
    for key in (scene.scene.members[0].account, scene.rt.centre, scene.rt.relayer):
        with pytest.raises(Unauthorised) as info:  # straight to the contract, with its own key
            book._send(key, "resolveClaim", bytes.fromhex(gid[2:]), True, bytes.fromhex(reason[2:]), gas=300_000)
        assert info.value.error == "NotAdmin"
    p = scene.scene.govern("GuaranteeBook", "resolveClaim", gid, True, reason, approvals=1)
    assert p["state"] == "PENDING" and scene.view(gid)["state"] == "CLAIM_CONTESTED"
    for member in scene.scene.members[1:3]:
        r = scene.http.post(f"/governance/proposals/{p['proposal_id']}/prepare",
                            json={"sender": member.account.address, "function": "approve"})
        assert r.status_code == 200, r.text
        step = member.post("/governance/steps", {"signed_tx": member.sign_tx(r.json()["tx"])})
        assert step.status_code == 200, step.text
        if member is scene.scene.members[1]:  # two of the three needed: still nothing
            assert step.json()["proposal"]["state"] == "PENDING"
            assert scene.view(gid)["state"] == "CLAIM_CONTESTED"
    assert scene.view(gid)["state"] == "CLAIMED"


def test_a_false_bidder_failure_is_exposed_by_the_rerun_and_its_claim_dismissed_on_contest(scene: Desk) -> None:
    """Whoever holds the centre's key records a bid that decrypts as 撤销, with the bidder's true
    ciphertext (the contract cannot decrypt), and claims its guarantee. The published envelope and
    the shares on chain show anyone that it decrypts; the bidder contests in time; the governance
    dismisses the claim and the guarantee is released as usual."""
    from ledger.model.tender import Opening, Outcome

    ids = [scene.guarantee(n) for n in range(3)]
    for n in range(3):
        scene.bid(n)
    scene.pass_deadline()
    victim = scene.firms[0].actor
    mine = get(victim, f"/tenders/{scene.tid}/sections/0/bids/mine").json()
    envelope, cred_set = bytes.fromhex(mine["envelope"][2:]), bytes.fromhex(mine["credential_set_commitment"][2:])
    forged = Opening(victim.account.address, 0, Outcome.FAILED_BIDDER, "forged", keccak(envelope),
                     credential_set_commitment=cred_set)
    scene.rt.tender_book.record_opening(scene.rt.centre, bytes.fromhex(scene.tid[2:]), forged)
    r = scene.centre.post(f"/guarantees/{ids[0]}/claims", {"cause": "DECRYPTION_FAILED_BY_BIDDER",
                                                           "evidence_b64": base64.b64encode(b"forged report").decode()})
    assert r.status_code == 201 and r.json()["state"] == "CLAIM_PENDING", r.text
    rerun = scene.http.get(f"/tenders/{scene.tid}/sections/0/bids/{victim.account.address}/failed-opening").json()
    assert rerun["outcome"] == "FAILED_BIDDER" and rerun["rerun"]["outcome"] == "DECRYPTED"
    assert _contest(scene, ids[0], "my envelope decrypts: " + rerun["rerun"]["reason"]).status_code == 200
    p = scene.scene.govern("GuaranteeBook", "resolveClaim", ids[0], False, "0x" + keccak(b"it decrypts").hex())
    assert p["state"] == "EXECUTED", p
    assert scene.view(ids[0])["state"] == "BOUND"
    opened = scene.centre.post(f"/tenders/{scene.tid}/sections/0/open", {})
    assert opened.status_code == 200, opened.text
    assert scene.view(ids[0])["state"] == "BOUND"  # released by the award 评定分离 leads to, like the rest
    assert_rebuilds(scene)


def test_a_commitment_letter_stands_in_for_the_guarantee_where_the_section_allows_it(scene: Desk) -> None:
    actor = scene.firms[0].actor
    r = get(actor, scene.section_path(0, "commitment-letter-template"))
    assert r.status_code == 422 and "does not allow a credit commitment letter" in r.json()["message"]
    r = get(actor, scene.section_path(1, "commitment-letter-template"))
    assert r.status_code == 200, r.text
    letter = CommitmentLetter.model_validate(r.json()["letter"])
    forged = sign_commitment_letter(letter, scene.firms[1].actor.account)
    r = actor.post(scene.section_path(1, "commitment-letter"), {"letter": forged.model_dump(mode="json")})
    assert r.status_code == 422 and "not by the bidder" in r.json()["message"]
    signed = sign_commitment_letter(letter, actor.account)
    r = actor.post(scene.section_path(1, "commitment-letter"), {"letter": signed.model_dump(mode="json")})
    assert r.status_code == 201 and r.json()["letter_hash"] == "0x" + signed.digest().hex()
    path = scene.section_path(1, f"bids/{actor.account.address}")
    assert scene.http.get(path).json()["contract_error"] == "SealedUntilOpening"  # the letter names the firm
    backing = get(actor, path).json()
    assert backing["kind"] == "commitment_letter" and backing["letter"]["signature"] == signed.signature
    assert_rebuilds(scene)
    scene.bid(0, section=1)
    scene.pass_deadline()
    r = actor.post(scene.section_path(1, "commitment-letter"), {"letter": signed.model_dump(mode="json")})
    assert r.status_code == 409 and r.json()["contract_error"] == "DeadlinePassed"
    r = scene.centre.post(scene.section_path(1, "verify"), {})
    assert r.status_code == 200, r.text
    (check,) = r.json()["checks"]
    assert check["status"] == "VALID" and "信用承诺书" in check["reason"]


def test_a_broken_commitment_letter_becomes_a_bad_conduct_record_the_credit_authority_anchors(scene: Desk) -> None:
    actor, uscc = scene.firms[0].actor, scene.firms[0].uscc
    r = get(actor, scene.section_path(1, "commitment-letter-template"))
    signed = sign_commitment_letter(CommitmentLetter.model_validate(r.json()["letter"]), actor.account)
    assert actor.post(scene.section_path(1, "commitment-letter"), {"letter": signed.model_dump(mode="json")}).status_code == 201
    request = {"bidder": actor.account.address, "breach": "中标后拒绝签订合同",
               "evidence_b64": base64.b64encode(b"refusal letter").decode(), "issuer": scene.regulator.account.address,
               "record_no": "XY-2026-0042", "deciding_body": "珠海市公共资源交易中心",
               "decision_document_no": "珠交〔2026〕42号"}
    assert actor.post(scene.section_path(1, "commitment-letter/breach"), request).status_code == 403  # not a centre
    r = scene.centre.post(scene.section_path(1, "commitment-letter/breach"), request)
    assert r.status_code == 200, r.text
    draft = r.json()
    assert draft["sealed"]["document"]["record_type"] == "bad" and draft["sealed"]["document"]["subject"] == uscc
    assert draft["letter_hash"][2:] in draft["sealed"]["document"]["decision"]
    # the credit authority anchors it with its own key; the firm's credit history now shows it
    assert scene.regulator.anchor([SealedCredential.from_dict(draft["sealed"])]).status_code == 201
    listed = scene.http.get(f"/firms/{uscc}/credentials").json()
    assert draft["credential_id"] in {c["credential_id"] for c in listed}
    nobody = scene.centre.post(scene.section_path(0, "commitment-letter/breach"), request)
    assert nobody.status_code == 404


def test_a_guarantee_expires_only_after_its_end_and_only_through_the_centre(scene: Desk) -> None:
    assert scene.centre.post("/guarantees/0x" + "55" * 32 + "/expire", {}).status_code == 404
    gid = scene.guarantee(0)
    r = scene.centre.post(f"/guarantees/{gid}/expire", {})
    assert r.status_code == 409 and r.json()["contract_error"] == "NotExpired"
    assert scene.firms[0].actor.post(f"/guarantees/{gid}/expire", {}).status_code == 403
    scene.rt.client.increase_time(400 * 86400)
    r = scene.centre.post(f"/guarantees/{gid}/expire", {})
    assert r.status_code == 200 and r.json()["state"] == "EXPIRED"
