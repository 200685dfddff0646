"""The governance over HTTP: members' own signed steps relayed, everyone else refused with a 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.test_store_tampering import sql
from tests.scenes import Scene


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    with Scene.served(tmp_path_factory.mktemp("governance")) as scene:
        yield scene


def _prepare(scene: Scene, sender: str, *args: object, function: str = "authoriseIssuer",
             contract: str = "CredentialRegistry") -> object:
    return scene.http.post("/governance/prepare-proposal", json={
        "sender": sender, "contract": contract, "function": function, "args": list(args)})


def test_members_and_threshold_are_public(scene: Scene) -> None:
    g = scene.http.get("/governance").json()
    assert g["threshold"] == 3 and [m["name"] for m in g["members"]][0] == "市住房和城乡建设局"


def test_a_governed_call_is_executed_on_its_last_approval(scene: Scene) -> None:
    issuer = scene.account(0).address
    p = scene.govern("CredentialRegistry", "authoriseIssuer", issuer, 1)
    assert p["state"] == "EXECUTED" and p["executed_tx"] and len(p["approvals"]) == 3
    assert p["call"]["function"] == "authoriseIssuer" and p["call"]["args"]["issuer"] == issuer
    listed = scene.http.get("/governance/proposals").json()
    assert listed[0]["proposal_id"] == p["proposal_id"]
    assert scene.http.get(f"/governance/proposals/{p['proposal_id']}").json()["state"] == "EXECUTED"


@pytest.mark.parametrize(("args", "status", "words"), [
    (["not-an-address", 1], 422, "authoriseIssuer"),
    (["0x" + "11" * 20, 999], 422, "authoriseIssuer"),
    (["0x" + "11" * 20], 422, "authoriseIssuer"),
])
def test_malformed_calls_are_422(scene: Scene, args: list[object], status: int, words: str) -> None:
    r = _prepare(scene, scene.members[0].account.address, *args)
    assert r.status_code == status and words in r.json()["message"], r.text


def test_unknown_contract_and_proposal(scene: Scene) -> None:
    r = _prepare(scene, scene.members[0].account.address, contract="Nowhere")
    assert r.status_code == 422
    assert scene.http.get("/governance/proposals/0x" + "22" * 32).status_code == 404
    assert scene.http.get("/governance/proposals/0x22").status_code == 422


def test_a_stranger_cannot_propose_or_relay(scene: Scene) -> None:
    stranger = scene.actor()
    r = _prepare(scene, stranger.account.address, stranger.account.address, 1)
    assert r.status_code == 403 and r.json()["contract_error"] == "NotMember"


def test_a_members_transaction_under_another_partys_request_is_refused(scene: Scene) -> None:
    member, stranger = scene.members[0], scene.actor()
    r = _prepare(scene, member.account.address, stranger.account.address, 1)
    assert r.status_code == 200
    signed = member.sign_tx(r.json()["tx"])
    r = stranger.post("/governance/steps", {"signed_tx": signed})
    assert r.status_code == 403 and "each party signs its own" in r.json()["message"]
    r = member.post("/governance/steps", {"signed_tx": "0x1234"})
    assert r.status_code == 422


def test_an_approved_call_cannot_be_replayed(scene: Scene, tmp_path: Path) -> None:
    issuer = scene.account(0).address
    p = scene.govern("CredentialRegistry", "withdrawIssuer", issuer, 1)
    assert p["state"] == "EXECUTED"
    member = scene.members[3]
    r = scene.http.post(f"/governance/proposals/{p['proposal_id']}/prepare",
                        json={"sender": member.account.address, "function": "approve"})
    assert r.status_code == 409 and r.json()["contract_error"] == "ProposalNotPending"


def test_a_member_with_no_funds_left_still_proposes_and_approves(scene: Scene) -> None:
    """No party funds a key by hand: a member's own signed step is topped up by the relayer after a
    dry run as the member."""
    rt = scene.rt
    member = scene.members[0].account
    balance = rt.client.balance(member.address)
    gas, price = 21_000, rt.client.fees()["maxFeePerGas"]
    if balance > gas * price:  # send everything but the transfer's own fee away
        rt.client.send(member, {"to": rt.relayer.address, "value": balance - gas * price, "gas": gas,
                                "maxFeePerGas": price, "maxPriorityFeePerGas": min(price, rt.client.fees()["maxPriorityFeePerGas"])})
    assert rt.client.balance(member.address) < 50_000 * price  # less than any governance step costs
    issuer = scene.account(0).address
    p = scene.govern("CredentialRegistry", "authoriseIssuer", issuer, 2)
    assert p["state"] == "EXECUTED" and p["approvals"][0]["address"] == member.address


# ------------------------------------------------------------------ pool cards

def _named(scene: Scene, address: str) -> dict[str, object]:
    entries = scene.http.get("/selection/experts").json()["entries"]
    return next(e for e in entries if e["address"] == address)


def test_an_expert_registered_with_a_pool_card_is_named(scene: Scene) -> None:
    expert = scene.actor().account.address
    p = scene.govern("SelectionBook", "registerExpert", expert, "房屋建筑",
                     card={"name": "张三", "organisation": "市建筑设计研究院"})
    assert p["state"] == "EXECUTED" and p["card"]["name"] == "张三"
    from ledger.crypto.canonical import keccak

    # the salt the members signed is the card's hash: the card is checked against the chain alone
    assert p["salt"] == p["card"]["card_hash"] == "0x" + keccak(p["card"]["content"].encode()).hex()
    assert _named(scene, expert) == {"address": expert, "speciality": "房屋建筑", "name": "张三",
                                     "organisation": "市建筑设计研究院"}
    assert scene.http.get(f"/governance/proposals/{p['proposal_id']}").json()["card"]["name"] == "张三"

    # the database administrator renames the expert: the card no longer fits the salt, so it names nobody
    edited = p["card"]["content"].replace("张三", "王五")
    assert sql(scene, "UPDATE document SET content = ? WHERE kind = 'pool-card' AND key = ?",
               edited.encode(), p["salt"]) == 1
    assert _named(scene, expert)["name"] is None
    assert scene.http.get(f"/governance/proposals/{p['proposal_id']}").json()["card"] is None
    # filing the edited card again is refused; anyone may file the real one back (e.g. from a bundle)
    r = scene.http.post(f"/governance/proposals/{p['proposal_id']}/card", json={"content": edited})
    assert r.status_code == 422 and "not the one proposal" in r.json()["message"], r.text
    r = scene.http.post(f"/governance/proposals/{p['proposal_id']}/card", json={"content": "{not json"})
    assert r.status_code == 422 and "JSON object" in r.json()["message"], r.text
    r = scene.http.post(f"/governance/proposals/{p['proposal_id']}/card", json={"content": p["card"]["content"]})
    assert r.status_code == 200 and r.json()["card"]["name"] == "张三", r.text
    assert _named(scene, expert)["name"] == "张三"


def test_a_member_card_goes_into_the_tenderers_pool(scene: Scene) -> None:
    import random

    from ledger.uscc import generate_uscc

    member, uscc = scene.actor().account.address, generate_uscc(random.Random(7))
    p = scene.govern("SelectionBook", "registerMember", uscc, member, card={"name": "李四"})
    assert p["state"] == "EXECUTED"
    entries = scene.http.get(f"/selection/pools/{uscc}").json()["entries"]
    assert {"address": member, "speciality": None, "name": "李四", "organisation": None} in entries


def test_a_card_that_the_signed_proposal_does_not_carry_is_refused_before_anything_is_sent(scene: Scene) -> None:
    member, expert = scene.members[0], scene.actor().account.address
    r = scene.http.post("/governance/prepare-proposal", json={
        "sender": member.account.address, "contract": "SelectionBook", "function": "registerExpert",
        "args": [expert, "市政"], "card": {"name": "张三"}})
    assert r.status_code == 200, r.text
    prepared = r.json()
    before = len(scene.http.get("/governance/proposals").json())
    # a card naming someone else (another name: another hash, not the salt signed)
    other = prepared["card"]["content"].replace("张三", "冒名者")
    step = member.post("/governance/steps", {"signed_tx": member.sign_tx(prepared["tx"]), "card": other})
    assert step.status_code == 422 and "salt is not the pool card's hash" in step.json()["message"], step.text
    assert len(scene.http.get("/governance/proposals").json()) == before  # nothing was relayed
    # a card with a step that is not the propose
    r = scene.http.post("/governance/prepare-proposal", json={
        "sender": member.account.address, "contract": "CredentialRegistry", "function": "authoriseIssuer",
        "args": [expert, 1]})
    step = member.post("/governance/steps", {"signed_tx": member.sign_tx(r.json()["tx"]),
                                             "card": prepared["card"]["content"]})
    assert step.status_code == 422 and "salt is not the pool card's hash" in step.json()["message"], step.text
    # a card for a call that registers nobody
    r = scene.http.post("/governance/prepare-proposal", json={
        "sender": member.account.address, "contract": "CredentialRegistry", "function": "authoriseIssuer",
        "args": [expert, 1], "card": {"name": "张三"}})
    assert r.status_code == 422 and "registerExpert or registerMember" in r.json()["message"], r.text
    r = scene.http.post("/governance/prepare-proposal", json={
        "sender": member.account.address, "contract": "SelectionBook", "function": "registerExpert",
        "args": [expert, "市政"], "card": {"name": "  "}})
    assert r.status_code == 422 and "needs the person's name" in r.json()["message"], r.text
