"""Who bid stays secret until opening (招标投标法 Art. 22): firms bid, apply for and bind their
e-guarantees with per-tender bid keys; the firm link sealed inside the bid is checked at opening.

Each test is named after what it tries: reading who bid before opening from every public
endpoint and from the chain's own logs, a forged firm link, one firm behind two bid keys, a bid
key with no link, and a bid key's sponsored guarantee steps asking the relayer for too much."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account import Account

from ledger.chain.guarantee_book import onchain_terms
from ledger.model.guarantee import Form, GuaranteeTerms, IssuerType
from ledger.uscc import generate_uscc
from tests.scenes import KINDS, Actor, Firm, Scene, Tender

GUARANTEE = "100000.00"


@dataclass
class Stage:
    scene: Scene
    firms: list[Firm]
    bank: Actor


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    with Scene.served(tmp_path_factory.mktemp("secrecy"), seed=21) as scene:
        issuer = scene.issuer(*KINDS)
        firms = [scene.firm(issuer) for _ in range(4)]
        bank = scene.guarantor(IssuerType.BANK, profile={"name": "中国银行珠海分行",
                                                         "uscc": generate_uscc(scene.rng), "red_discount": "0"})
        yield Stage(scene, firms, bank)


def signed_get(actor: Actor, path: str, **params: Any) -> Any:
    return actor.http.get(path, params=params, headers=actor.headers("GET", path, b""))


def guarantee_by_bid_key(stage: Stage, firm: Firm, tender: Tender) -> str:
    """`firm` applies for, gets and binds its e-guarantee with its unfunded bid key, showing its
    firm link to the service and the bank; the relayer pays the bid key's gas."""
    scene, bank = stage.scene, stage.bank
    key, link = scene.bid_key(firm, tender)
    assert scene.rt.client.balance(key.account.address) == 0
    section = f"/tenders/{tender.tid}/sections/0/guarantees"
    r = signed_get(key, section + "/application-template", issuer=bank.account.address, firm=link.firm,
                   firm_signature=link.signature)
    assert r.status_code == 200, r.text
    app = r.json()["application"]
    assert (app["applicant"], app["applicant_uscc"], app["firm_link"]["firm"]) == (
        key.account.address, firm.uscc, firm.address)
    r = key.post("/guarantees", {"application": app, "signed_tx": key.sign_tx(r.json()["tx"])})
    assert r.status_code == 201, r.text
    gid = r.json()["guarantee_id"]
    filled = signed_get(bank, f"/guarantees/{gid}/issue-template", rate_bps=30).json()
    terms = GuaranteeTerms.model_validate({
        **filled["terms"], "guarantee_no": "BH" + os.urandom(4).hex(), "issuer_type": int(IssuerType.BANK),
        "doc_hash": "0x" + hashlib.sha256(b"%PDF guarantee " + gid.encode()).hexdigest()})
    onchain = onchain_terms(terms, Form.PLAINTEXT)
    tx = scene.guarantee_tx(bank, "issue", gid, ["0x" + v.hex() if isinstance(v, bytes) else v for v in onchain])
    r = bank.post(f"/guarantees/{gid}/issue", {"terms": terms.model_dump(mode="json"), "signed_tx": tx})
    assert r.status_code == 200, r.text
    r = key.post(section + "/bind", {"signed_tx": scene.guarantee_tx(key, "bind", gid)})
    assert r.status_code == 200, r.text
    return str(gid)


def public_reads(scene: Scene, tender: Tender, bid_keys: list[str], gids: list[str]) -> str:
    """Everything anyone can read without a key about this tender, concatenated."""
    paths = ["/events?limit=1000", f"/tenders/{tender.tid}", f"/tenders/{tender.tid}/versions",
             "/guarantees", *(f"/guarantees/{g}" for g in gids),
             *(f"/tenders/{tender.tid}/sections/0/guarantees/bids/{k}" for k in bid_keys),
             *(f"/guarantees?applicant={k}" for k in bid_keys),
             f"/guarantees?issuer={bid_keys[0]}"]
    return "\n".join(scene.http.get(p).text for p in paths)


def chain_logs(scene: Scene, from_block: int) -> str:
    """Every log of every contract since `from_block`, topics and data, as hex."""
    logs = scene.rt.client.w3.eth.get_logs({"fromBlock": from_block, "toBlock": "latest"})
    return "\n".join(bytes(t).hex() for log in logs for t in (*log["topics"], log["data"]))


def test_before_opening_nothing_public_and_nothing_on_chain_links_a_bid_to_its_firm(stage: Stage) -> None:
    scene, firms = stage.scene, stage.firms
    start = scene.rt.client.block_number()
    tender = scene.tender(guarantee=GUARANTEE)
    gids = [guarantee_by_bid_key(stage, firm, tender) for firm in firms[:3]]
    for firm in firms[:3]:
        r = scene.bid(firm, tender, bid_key=True)
        assert r.status_code == 201 and r.json()["firm"] is None, r.text
    bid_keys = [scene.bid_key(f, tender)[0].account.address for f in firms[:3]]
    secrets_ = [s for f in firms[:3] for s in (f.uscc, f.address[2:].lower(), f.address[2:])]
    seen = public_reads(scene, tender, bid_keys, gids) + chain_logs(scene, start + 1)
    assert not [s for s in secrets_ if s in seen], "a public read or a log names a bidding firm before opening"
    # The parties themselves still see their own guarantee.
    own = scene.bid_key(firms[0], tender)[0]
    assert signed_get(own, f"/guarantees/{gids[0]}").json()["application"]["applicant_uscc"] == firms[0].uscc
    # At opening the firm links are checked, and from then on who bid is public.
    scene.after_deadline(tender)
    scene.release(tender)
    opened = scene.open(tender)
    assert opened.status_code == 200, opened.text
    bids = {b["bidder"]: b for b in opened.json()["bids"]}
    assert set(bids) == set(bid_keys)
    for firm, key in zip(firms[:3], bid_keys, strict=True):
        report = bids[key]
        assert report["eligible"] and report["eligibility"]["firm"] == firm.uscc, report
        identity = next(c for c in report["eligibility"]["checks"] if c["name"] == "identity")
        assert firm.address in identity["reason"] and "firm link" in identity["reason"]
        guarantee = next(c for c in report["eligibility"]["checks"] if c["name"] == "guarantee")
        assert guarantee["status"] == "VALID", guarantee
    after = scene.http.get(f"/guarantees/{gids[0]}")
    assert after.status_code == 200 and after.json()["application"]["applicant_uscc"] == firms[0].uscc


def test_a_firm_link_signed_by_another_key_makes_the_bid_ineligible(stage: Stage) -> None:
    """An attacker claims a reputable firm's credentials: the link names that firm but is not its
    signature, so the bid is judged as no firm's."""
    scene, firms = stage.scene, stage.firms
    tender = scene.tender()
    attacker = Account.create()
    for firm in firms[:3]:
        assert scene.bid(firm, tender, bid_key=True).status_code == 201
    victim = firms[3]
    _, forged = scene.bid_key(victim, tender, link_signer=attacker)
    assert forged.firm == victim.address
    r = scene.bid(victim, tender, bid_key=True, link=forged)  # the bid key is the victim's: only the link is forged
    assert r.status_code == 201, r.text
    scene.after_deadline(tender)
    scene.release(tender)
    opened = scene.open(tender)
    assert opened.status_code == 200, opened.text
    key = scene.bid_key(victim, tender)[0].account.address
    report = next(b for b in opened.json()["bids"] if b["bidder"] == key)
    assert not report["eligible"] and report["eligibility"].get("firm") is None
    assert "firm link" in report["eligibility"]["checks"][0]["reason"]
    assert attacker.address in report["eligibility"]["checks"][0]["reason"]
    assert opened.json()["valid_bids"] == 3


def test_one_firm_behind_its_bid_key_and_its_firm_key_has_both_bids_rejected_at_opening(stage: Stage) -> None:
    scene, firms = stage.scene, stage.firms
    tender = scene.tender()
    for firm in firms[:3]:
        assert scene.bid(firm, tender, bid_key=True).status_code == 201
    twice = firms[0]
    assert scene.bid(twice, tender).status_code == 201  # and again in the open, with its firm key
    scene.after_deadline(tender)
    scene.release(tender)
    opened = scene.open(tender)
    assert opened.status_code == 200, opened.text
    body = opened.json()
    theirs = [b for b in body["bids"] if b["eligibility"].get("firm") == twice.uscc]
    assert len(theirs) == 2 and not any(b["eligible"] for b in theirs)
    assert all(any(c["name"] == "one_bid_per_firm" for c in b["eligibility"]["checks"]) for b in theirs)
    assert body["valid_bids"] == 2 and body["status"] == "FAILED"  # 流标 counts firms: two are left


def test_a_bid_key_without_a_firm_link_is_judged_as_its_own_key_and_is_bound_to_no_firm(stage: Stage) -> None:
    scene, firms = stage.scene, stage.firms
    tender = scene.tender()
    for firm in firms[:3]:
        assert scene.bid(firm, tender, bid_key=True).status_code == 201
    anonymous = Firm(Actor.of(scene.http, Account.create()), generate_uscc(scene.rng), dict(firms[3].ids))
    assert scene.bid(anonymous, tender).status_code == 201
    scene.after_deadline(tender)
    scene.release(tender)
    body = scene.open(tender).json()
    report = next(b for b in body["bids"] if b["bidder"] == anonymous.address)
    assert not report["eligible"] and "bound to no firm" in report["eligibility"]["checks"][0]["reason"]


def test_a_guarantee_application_with_another_keys_firm_link_is_refused(stage: Stage) -> None:
    scene, firms, bank = stage.scene, stage.firms, stage.bank
    tender = scene.tender(guarantee=GUARANTEE)
    key, _ = scene.bid_key(firms[0], tender)
    _, forged = scene.bid_key(firms[0], tender, link_signer=Account.create())
    path = f"/tenders/{tender.tid}/sections/0/guarantees/application-template"
    r = signed_get(key, path, issuer=bank.account.address, firm=forged.firm, firm_signature=forged.signature)
    assert r.status_code == 422 and "not that key's link" in r.json()["message"]
    half = signed_get(key, path, issuer=bank.account.address, firm=forged.firm)
    assert half.status_code == 422 and "give both or neither" in half.json()["message"]
    other_tender = scene.tender(guarantee=GUARANTEE)
    _, elsewhere = scene.bid_key(firms[0], other_tender)  # a genuine link, but for another tender's bid key
    r = signed_get(key, path, issuer=bank.account.address, firm=elsewhere.firm, firm_signature=elsewhere.signature)
    assert r.status_code == 422


def test_a_sponsored_guarantee_step_asking_the_relayer_for_too_much_gas_is_refused(stage: Stage) -> None:
    scene, firms, bank = stage.scene, stage.firms, stage.bank
    tender = scene.tender(guarantee=GUARANTEE)
    key, link = scene.bid_key(firms[1], tender)
    r = signed_get(key, f"/tenders/{tender.tid}/sections/0/guarantees/application-template",
                   issuer=bank.account.address, firm=link.firm, firm_signature=link.signature)
    tx = dict(r.json()["tx"])
    tx["maxFeePerGas"] = int(tx["maxFeePerGas"]) * 10**6
    tx["maxPriorityFeePerGas"] = int(tx["maxFeePerGas"])
    relayer = scene.rt.relayer.address
    before = scene.rt.client.balance(relayer)
    r = key.post("/guarantees", {"application": r.json()["application"], "signed_tx": key.sign_tx(tx)})
    assert r.status_code == 422 and "sponsors" in r.json()["message"], r.text
    assert scene.rt.client.balance(key.account.address) == 0 and scene.rt.client.balance(relayer) == before



def test_a_guarantee_got_by_one_firm_does_not_back_another_firms_bid_through_a_shared_bid_key(stage: Stage) -> None:
    """Firm B gets a guarantee for bid key K (its own), then lets colluding firm A bid with K and A's
    firm link: the bid opens as A's, and B's guarantee does not back it (a claim would fall on B)."""
    scene, firms = stage.scene, stage.firms
    tender = scene.tender(guarantee=GUARANTEE)
    for firm in firms[:3]:
        guarantee_by_bid_key(stage, firm, tender)
    lender, borrower = firms[1], firms[3]
    key, _ = scene.bid_key(lender, tender)  # B's bid key, B's guarantee bound to it
    view = tender.view
    from ledger.crypto.bid_keys import sign_link
    a_link = sign_link(borrower.account, chain_id=view["chain_id"], book_address=view["tender_book"],
                       tender_id=bytes.fromhex(tender.tid[2:]), bid_key=key.account.address)
    for firm in (firms[0], firms[2]):
        assert scene.bid(firm, tender, bid_key=True).status_code == 201
    r = scene.bid(lender, tender, bid_key=True, link=a_link)  # K's bid, carrying A's link
    assert r.status_code == 201, r.text
    scene.after_deadline(tender)
    scene.release(tender)
    opened = scene.open(tender)
    assert opened.status_code == 200, opened.text
    report = next(b for b in opened.json()["bids"] if b["bidder"] == key.account.address)
    assert report["eligibility"]["firm"] == borrower.uscc and not report["eligible"]
    guarantee = next(c for c in report["eligibility"]["checks"] if c["name"] == "guarantee")
    assert guarantee["status"] == "INVALID" and lender.uscc in guarantee["reason"], guarantee


def test_a_commitment_letter_signed_by_a_bid_key_names_the_firm_its_link_proves(stage: Stage) -> None:
    from ledger.model.guarantee import CommitmentLetter
    from ledger.rules.guarantee import sign_commitment_letter

    scene, firm = stage.scene, stage.firms[2]
    tender = scene.tender(sections=[{"code": "E3203010319005778009001", "name": "一标段",
                                     "estimated_price": "6000000.00", "bid_guarantee": "100000.00",
                                     "credit_commitment_allowed": True, "qualification": [], "personnel": []}])
    key, link = scene.bid_key(firm, tender)
    base = f"/tenders/{tender.tid}/sections/0/guarantees"
    no_link = signed_get(key, base + "/commitment-letter-template")
    assert no_link.status_code == 403 and "bound to no firm" in no_link.json()["message"]
    r = signed_get(key, base + "/commitment-letter-template", firm=link.firm, firm_signature=link.signature)
    assert r.status_code == 200, r.text
    letter = CommitmentLetter.model_validate(r.json()["letter"])
    assert (letter.bidder, letter.firm_uscc) == (key.account.address, firm.uscc)
    signed = sign_commitment_letter(letter, key.account)
    unlinked = key.post(base + "/commitment-letter", {"letter": signed.model_dump(mode="json")})
    assert unlinked.status_code == 403, unlinked.text
    r = key.post(base + "/commitment-letter", {"letter": signed.model_dump(mode="json"), "firm_link": link.model_dump()})
    assert r.status_code == 201, r.text
    path = base + f"/bids/{key.account.address}"
    assert scene.http.get(path).status_code == 403
    assert signed_get(key, path).json()["letter"]["firm_uscc"] == firm.uscc
