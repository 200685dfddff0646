"""A lottery through the HTTP API: the centre opens a draw whose key it made and split on its own
machine, parties commit sealed seeds and officers release shares with their own transactions, and
anyone has it finished; the draw recomputes from the chain. And what each step refuses."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from ledger.crypto.draw_seal import new_draw_key, point_of, seal_seed
from ledger.crypto.officer_box import OfficerKey, deal, open_share
from ledger.rules.lottery import draw_id
from tests.scenes import Actor, Scene, Tender

HOUR = 3600


@dataclass
class Draw:
    did: str
    body: dict[str, Any]
    parties: list[Actor]
    officers: list[LocalAccount]
    sealed: list[Any]
    seeds: dict[str, bytes] = field(default_factory=dict)


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    with Scene.served(tmp_path_factory.mktemp("draws"), seed=31) as scene:
        yield scene


@pytest.fixture(scope="module")
def tender(scene: Scene) -> Tender:
    return scene.tender()


def open_draw(scene: Scene, tender: Tender, *, round: int, k: int = 1, by: Actor | None = None,
              parties: int = 3) -> tuple[Any, Draw]:
    tid = bytes.fromhex(tender.tid[2:])
    did = draw_id(tid, 0, "selection", round)
    actors = [scene.actor() for _ in range(parties)]
    officers = [scene.account() for _ in range(3)]
    dealing = deal(tender_id=did, officers=[OfficerKey.of_private(bytes(o.key)) for o in officers], threshold=2,
                   new_key=new_draw_key)
    candidates = sorted(os.urandom(32) for _ in range(5))
    body = {"purpose": "selection", "round": round, "parties": [a.account.address for a in actors],
            "candidates": ["0x" + c.hex() for c in candidates], "k": k,
            "public_key": "0x" + dealing.opening_public.hex(), "commit_deadline": scene.rt.client.block_timestamp() + HOUR,
            "officers": list(dealing.officers), "share_hashes": ["0x" + h.hex() for h in dealing.share_hashes],
            "threshold": 2}
    r = (by or scene.centre).post(f"/tenders/{tender.tid}/sections/0/draws", body)
    return r, Draw("0x" + did.hex(), body, actors, officers, list(dealing.sealed))


def commit(scene: Scene, d: Draw, party: Actor, *, signer: Actor | None = None) -> Any:
    seed = os.urandom(32)
    sealed = seal_seed(seed, public=point_of(bytes.fromhex(d.body["public_key"][2:])), draw_id=bytes.fromhex(d.did[2:]),
                       party=party.account.address)
    tx = party.prepare_on("LotteryBook", "commitSeed", d.did, sealed.rx, sealed.ry, "0x" + sealed.ciphertext.hex())
    d.seeds[party.account.address] = seed
    return (signer or party).post(f"/draws/{d.did}/seeds", {"signed_tx": tx})


def release(scene: Scene, d: Draw, n: int = 2) -> None:
    for officer, sealed in list(zip(d.officers, d.sealed, strict=True))[:n]:
        actor = Actor.of(scene.http, officer)
        share = open_share(sealed, bytes(officer.key))
        tx = actor.prepare_on("LotteryBook", "releaseDrawShare", d.did, "0x" + share.to_bytes().hex())
        r = actor.post(f"/draws/{d.did}/shares", {"signed_tx": tx})
        assert r.status_code == 200, r.text


def test_a_draw_runs_through_the_api_and_recomputes_from_the_chain(scene: Scene, tender: Tender) -> None:
    r, d = open_draw(scene, tender, round=1, k=2)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "OPEN" and r.json()["picks"] is None
    for party in d.parties:
        assert scene.rt.client.balance(party.account.address) > 0  # parties here are funded; officers below are not
        c = commit(scene, d, party)
        assert c.status_code == 200, c.text
    early = scene.http.post(f"/draws/{d.did}/finish")
    assert early.status_code == 409 and early.json()["contract_error"] == "SharesMissing"
    release(scene, d)
    done = scene.http.post(f"/draws/{d.did}/finish")
    assert done.status_code == 200, done.text
    view = done.json()
    assert view["status"] == "FINISHED" and len(view["picks"]) == 2 and view["verified"] is True
    assert all(p["committed"] for p in view["parties"])
    assert scene.http.get(f"/draws/{d.did}").json() == view
    again = scene.http.post(f"/draws/{d.did}/finish")
    assert again.status_code == 409


def test_only_the_tenders_centre_opens_a_draw(scene: Scene, tender: Tender) -> None:
    r, _ = open_draw(scene, tender, round=2, by=scene.actor())
    assert r.status_code == 403 and r.json()["contract_error"] == "NotCentre"


def test_a_stranger_a_relabelled_seed_and_a_second_seed_are_refused(scene: Scene, tender: Tender) -> None:
    r, d = open_draw(scene, tender, round=3)
    assert r.status_code == 201, r.text
    stranger = scene.actor()  # refused already when its transaction is prepared (the gas estimate runs it)
    refused = scene.http.post("/tx/prepare", json={"sender": stranger.account.address, "contract": "LotteryBook",
                                                   "function": "commitSeed", "args": [d.did, 1, 2, "0x" + "00" * 32]})
    assert refused.status_code == 403 and refused.json()["contract_error"] == "NotParty", refused.text
    relabelled = commit(scene, d, d.parties[0], signer=d.parties[1])  # 0's transaction sent as 1's request
    assert relabelled.status_code == 403 and relabelled.json()["contract_error"] == "SignerMismatch"
    assert commit(scene, d, d.parties[0]).status_code == 200
    with pytest.raises(AssertionError, match="AlreadyCommitted"):
        commit(scene, d, d.parties[0])  # refused when prepared, so never relayed


def test_a_share_before_the_deadline_is_refused_and_a_missing_party_contributes_zero(scene: Scene, tender: Tender) -> None:
    r, d = open_draw(scene, tender, round=4)
    assert r.status_code == 201, r.text
    assert commit(scene, d, d.parties[0]).status_code == 200
    officer = Actor.of(scene.http, d.officers[0])
    share = open_share(d.sealed[0], bytes(d.officers[0].key))
    with pytest.raises(AssertionError, match="CommitPeriodOpen"):
        officer.prepare_on("LotteryBook", "releaseDrawShare", d.did, "0x" + share.to_bytes().hex())
    scene.rt.client.increase_time(HOUR + 1)
    with pytest.raises(AssertionError, match="CommitClosed"):
        commit(scene, d, d.parties[1])
    release(scene, d)
    view = scene.http.post(f"/draws/{d.did}/finish").json()
    assert view["verified"] is True and view["seeds"][1] == "0x" + "00" * 32 and view["seeds"][2] == "0x" + "00" * 32
