"""The service on a consortium-like chain: two node URLs (fail-over), nodes that drop connections,
answer 502, lag or all go down, Clique-sized extraData, and a zero gas price network.

The node is a real anvil; in front of it, fault-injecting proxies (tests/faultproxy.py) play two
nodes of one chain. What must hold: reads fail over; a write whose answer was lost is mined once,
or answered 503 and mined once when sent again; a relayed batch of bids survives a drop halfway;
/readyz names the chain while no node answers and recovers; a lagging node is waited for, not
taken for a reorg; and the store always equals its rebuild from the chain."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlmodel import SQLModel

from api.app import create_app
from api.db.journal import Store
from api.ops import OpsSettings
from ledger.config import Settings
from ledger.documents import Kind
from ledger.documents.sealing import SealedCredential
from tests.faultproxy import FaultProxy
from tests.nodes import AnvilNode
from tests.scenes import Actor, Firm, Scene, Tender

pytestmark = [pytest.mark.slow, pytest.mark.node]  # real anvil nodes behind proxies

KINDS = (Kind.IDENTITY, Kind.QUALIFICATION, Kind.PERFORMANCE, Kind.PERSONNEL)


@contextmanager
def _served(url: str, node: AnvilNode, data_dir: Path, *, relayer_funds: int = 10**24) -> Iterator[Scene]:
    relayer = Account.create()
    if relayer_funds:
        node.set_balance(relayer.address, relayer_funds)
    settings = Settings(data_dir=data_dir, rpc_url=url, signer_key=relayer.key.hex(), chain_id=node.chain_id,
                        rpc_timeout_s=2)
    app = create_app(settings, OpsSettings(sync_interval_s=0))
    with TestClient(app) as http:
        yield Scene(http, app.state.runtime)


def _contents(store: Store) -> dict[str, list[Any]]:
    """Every table but the store's log, whose records the service's checkpoint writer numbers in
    the background whenever it runs (a rebuild never touches the log)."""
    with store.session() as s:
        return {t.name: sorted((tuple(r) for r in s.execute(t.select())), key=repr)
                for t in SQLModel.metadata.sorted_tables if t.name != "storelogentry"}


def _assert_equals_its_rebuild(store: Store) -> None:
    held = _contents(store)
    store.rebuild()
    assert _contents(store) == held


@dataclass
class World:
    scene: Scene
    a: FaultProxy
    b: FaultProxy
    issuer: Actor
    firm: Firm
    tender: Tender


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The service on `TL_RPC_URL=a,b`, two proxies in front of one anvil, with an issuer, a firm
    and a tender."""
    node = AnvilNode()
    a, b = FaultProxy(node.url), FaultProxy(node.url)
    try:
        with _served(f"{a.url},{b.url}", node, tmp_path_factory.mktemp("failover") / "data") as scene:
            issuer = scene.issuer(*KINDS)
            yield World(scene, a, b, issuer, scene.firm(issuer), scene.tender())
    finally:
        a.close()
        b.close()
        node.stop()


@pytest.fixture
def w(world: World) -> Iterator[World]:
    yield world
    world.a.heal()
    world.b.heal()


def _anchor(w: World, n: int) -> tuple[list[dict[str, Any]], str, Any]:
    """A new credential's documents, its signed anchor transaction, and the POST that relays it."""
    scene = w.scene
    sealed = SealedCredential.seal(scene.document(w.firm, Kind.PERFORMANCE, issuer=w.issuer, n=n))
    docs = [sealed.to_dict()]
    prep = scene.http.post("/credentials/prepare-anchor", json={"documents": docs, "sender": w.issuer.account.address})
    assert prep.status_code == 200, prep.text
    signed = w.issuer.sign_tx(prep.json()["tx"])
    return docs, signed, lambda: w.issuer.post("/credentials", {"documents": docs, "signed_tx": signed})


def _anchors_of(store: Store, root: str) -> int:
    return sum(1 for e in store.events("Anchored") if json.loads(e.args)["root"] == root)


def test_reads_and_writes_go_on_while_the_first_node_drops_connections_or_answers_502(w: World) -> None:
    scene = w.scene
    for fault in ("down", "status"):
        setattr(w.a, fault, True if fault == "down" else 502)
        before = w.b.counts.total()
        assert scene.http.get(f"/credentials/{w.firm.ids[Kind.QUALIFICATION]}").status_code == 200
        cid = scene.credential(w.firm, Kind.PERFORMANCE, issuer=w.issuer, n=100 + len(fault))
        assert scene.http.get(f"/credentials/{cid}").status_code == 200
        assert w.b.counts.total() > before
        w.a.heal()
    _assert_equals_its_rebuild(scene.store)


def test_an_anchor_whose_answer_was_dropped_is_mined_once(w: World) -> None:
    _, _, post = _anchor(w, 200)
    w.a.drop_after("eth_sendRawTransaction")  # anvil mines it; the service never hears back from a
    r = post()
    assert r.status_code == 201, r.text
    assert w.a.forwarded["eth_sendRawTransaction"] >= 1 and w.b.forwarded["eth_sendRawTransaction"] >= 1
    assert _anchors_of(w.scene.store, r.json()["root"]) == 1, r.json()
    _assert_equals_its_rebuild(w.scene.store)


def test_a_write_in_flight_when_every_node_goes_down_is_a_503_and_mined_once_when_sent_again(w: World) -> None:
    _, signed, post = _anchor(w, 300)
    w.a.drop_after("eth_sendRawTransaction")  # mined, unanswered...
    w.b.down = True  # ...and the other node is gone
    r = post()
    assert r.status_code == 503, r.text
    assert r.json()["error"] == "NodeUnavailable" and "does not answer" in r.json()["message"]
    w.b.down = False
    again = post()  # the issuer sends its request again, with the same signed transaction
    assert again.status_code in (201, 409), again.text  # relayed, or found anchored by the dry run
    root = _root_of(w, signed)
    w.scene.store.reconcile()
    assert _anchors_of(w.scene.store, root) == 1
    _assert_equals_its_rebuild(w.scene.store)


def _root_of(w: World, signed_tx: str) -> str:
    relayed = w.scene.rt.registry.decode_signed(signed_tx)
    return "0x" + bytes(relayed.args["root"]).hex()


def test_a_relayed_batch_of_bids_survives_a_connection_dropped_halfway(w: World) -> None:
    scene = w.scene
    firms = [scene.firm(w.issuer) for _ in range(4)]
    before = len(scene.store.events("BidSubmitted"))
    w.a.drop_after("eth_sendRawTransaction")  # the relayer's batch reaches the node, its answer does not
    w.a.drop_after("eth_getTransactionReceipt", 2)  # and two receipt polls die on the way
    with ThreadPoolExecutor(len(firms)) as pool:
        answers = list(pool.map(lambda f: scene.bid(f, w.tender), firms))
    assert [r.status_code for r in answers] == [201] * len(firms), [r.text for r in answers]
    scene.store.reconcile()
    submitted = scene.store.events("BidSubmitted")[before:]
    assert sorted(json.loads(e.args)["bidder"].lower() for e in submitted) == sorted(
        f.address.lower() for f in firms)  # each bid once
    _assert_equals_its_rebuild(scene.store)


def test_readyz_names_the_chain_while_every_node_is_down_and_recovers(w: World) -> None:
    http = w.scene.http
    assert http.get("/readyz").status_code == 200
    w.a.down = w.b.down = True
    r = http.get("/readyz")
    assert r.status_code == 503
    checks = r.json()["checks"]
    assert not checks["chain"]["ok"] and w.a.url in checks["chain"]["message"] and w.b.url in checks["chain"]["message"]
    assert http.get("/healthz").status_code == 200
    read = http.get("/health")  # the chain's block number: not now, and said so
    assert read.status_code == 503 and read.json()["error"] == "NodeUnavailable", read.text
    w.a.down = w.b.down = False
    assert http.get("/readyz").status_code == 200
    assert http.get("/health").status_code == 200


def test_a_node_that_lags_after_fail_over_is_waited_for_not_taken_for_a_reorg(w: World) -> None:
    scene, store = w.scene, w.scene.store
    cid = scene.credential(w.firm, Kind.PERFORMANCE, issuer=w.issuer, n=400)
    held = _contents(store)
    w.a.down = True
    w.b.lag(3)  # the credential's block and the two before it are not on b yet
    store.reconcile()
    assert _contents(store) == held  # nothing rolled back
    assert scene.http.get("/readyz").status_code == 200
    w.b.heal()  # b catches up
    store.reconcile()
    assert _contents(store) == held
    assert scene.http.get(f"/credentials/{cid}").status_code == 200
    scene.credential(w.firm, Kind.PERFORMANCE, issuer=w.issuer, n=401)
    _assert_equals_its_rebuild(store)


# ---------------------------------------------------------------------------------- PoA extraData
def test_the_service_runs_on_blocks_with_clique_sized_extra_data_through_a_reorg(tmp_path: Path) -> None:
    node = AnvilNode(prune_history=False)
    poa = FaultProxy(node.url)
    poa.extra_data_bytes = 97  # what a Clique node's blocks carry: 32 vanity bytes and a 65-byte seal
    try:
        with _served(poa.url, node, tmp_path / "data") as scene:
            issuer = scene.issuer(*KINDS)
            firm = scene.firm(issuer)
            tender = scene.tender()
            assert scene.bid(firm, tender).status_code == 201
            events = scene.http.get("/events").json()  # each with its block's time, read from its header
            assert events and all(e["block_time"] for e in events)
            fork = node.rpc("evm_snapshot")
            late = scene.credential(firm, Kind.PERFORMANCE, issuer=issuer, n=99)
            node.rpc("evm_revert", [fork])
            node.rpc("anvil_mine", ["0x4"])
            scene.store.reconcile()
            assert scene.http.get(f"/credentials/{late}").status_code == 404
            _assert_equals_its_rebuild(scene.store)
            assert poa.counts["eth_getBlockByNumber"] > 0
    finally:
        poa.close()
        node.stop()


# ---------------------------------------------------------------------------------- zero gas price
def test_on_a_zero_gas_price_network_no_party_ever_needs_funds(tmp_path: Path) -> None:
    node = AnvilNode(options=("--gas-price", "0", "--base-fee", "0", "--disable-min-priority-fee"))
    try:
        with _served(node.url, node, tmp_path / "data", relayer_funds=0) as scene:
            scene.funds = 0  # no key is given anything
            issuer = scene.issuer(*KINDS)
            firm = scene.firm(issuer)
            tender = scene.tender()
            assert scene.bid(firm, tender).status_code == 201
            assert scene.bid(scene.firm(issuer), tender, bid_key=True).status_code == 201  # a sponsored bid key
            rt = scene.rt
            keys = [rt.relayer.address, rt.centre.address, issuer.account.address, firm.address,
                    *(g.account.address for g in rt.governors)]
            assert [rt.client.balance(k) for k in keys] == [0] * len(keys)
            _assert_equals_its_rebuild(scene.store)
    finally:
        node.stop()
