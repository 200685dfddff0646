"""Confirmations and reorgs on a real node (anvil): the journal projects only blocks at least
`confirmations` deep, and a reorg of what it projected rolls the store back to the blocks the
node still has, so that the store equals its rebuild from the chain again."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlmodel import SQLModel, select

from api.app import create_app
from api.db.credentials import AnchorRecord
from api.db.journal import Store
from api.db.tenders import BidEnvelope
from api.ops import OpsSettings
from ledger.config import Settings
from ledger.documents import Kind
from ledger.runtime import open_runtime
from tests.nodes import AnvilNode
from tests.scenes import Scene

pytestmark = [pytest.mark.slow, pytest.mark.node]  # a real anvil node: the JSON-RPC path


@pytest.fixture(scope="module")
def node() -> Iterator[AnvilNode]:
    """An anvil of this module's own: its chain is reverted and reorganised under the tests."""
    n = AnvilNode(prune_history=False)
    yield n
    n.stop()


def _settings(node: AnvilNode, data_dir: Path, confirmations: int) -> Settings:
    relayer = Account.create()
    node.set_balance(relayer.address, 10**24)
    return Settings(data_dir=data_dir, rpc_url=node.url, signer_key=relayer.key.hex(),
                    chain_id=node.chain_id, confirmations=confirmations)


@contextmanager
def _served(node: AnvilNode, tmp_path: Path, confirmations: int = 0) -> Iterator[Scene]:
    app = create_app(_settings(node, tmp_path / "data", confirmations), OpsSettings(sync_interval_s=0))
    with TestClient(app) as http:
        yield Scene(http, app.state.runtime)


def _contents(store: Store) -> dict[str, list[Any]]:
    """Every row of every table of the store."""
    with store.session() as s:
        return {t.name: sorted((tuple(r) for r in s.execute(t.select())), key=repr)
                for t in SQLModel.metadata.sorted_tables}


def _assert_equals_its_rebuild(store: Store) -> dict[str, list[Any]]:
    held = _contents(store)
    store.rebuild()
    assert _contents(store) == held
    return held


def _mine(node: AnvilNode, blocks: int) -> None:
    node.rpc("anvil_mine", [hex(blocks)])


def test_a_reorg_that_drops_a_projected_anchor_and_bid_leaves_the_store_equal_to_its_rebuild(
    node: AnvilNode, tmp_path: Path
) -> None:
    with _served(node, tmp_path) as scene:
        issuer = scene.issuer(Kind.IDENTITY, Kind.QUALIFICATION, Kind.PERFORMANCE, Kind.PERSONNEL)
        firm = scene.firm(issuer)
        tender = scene.tender()
        store = scene.store
        fork = node.rpc("evm_snapshot")
        kept_anchors = len(_contents(store)["anchorrecord"])

        late = scene.credential(firm, Kind.PERFORMANCE, issuer=issuer, n=99)
        assert scene.bid(firm, tender).status_code == 201
        with store.session() as s:  # confirmations 0: projected as soon as mined
            assert len(s.exec(select(AnchorRecord)).all()) == kept_anchors + 1
            assert s.exec(select(BidEnvelope)).all()
        assert scene.http.get(f"/credentials/{late}").status_code == 200

        node.rpc("evm_revert", [fork])  # the anchor's and the bid's blocks are gone...
        _mine(node, 4)  # ...and other blocks stand at their heights
        store.reconcile()
        with store.session() as s:
            assert len(s.exec(select(AnchorRecord)).all()) == kept_anchors
            assert not s.exec(select(BidEnvelope)).all()
        assert scene.http.get(f"/credentials/{late}").status_code == 404
        held = _assert_equals_its_rebuild(store)
        assert held["chainevent"] and all(row[-1] is not None for row in held["chainevent"])  # hashes kept

        # The chain moves on after the reorg: what is written now is projected as before.
        again = scene.credential(firm, Kind.PERFORMANCE, issuer=issuer, n=100)
        assert scene.http.get(f"/credentials/{again}").status_code == 200
        _assert_equals_its_rebuild(store)


def test_anvil_reorg_replacing_a_projected_anchor_rolls_the_projection_back(node: AnvilNode, tmp_path: Path) -> None:
    with open_runtime(_settings(node, tmp_path / "data", 0)) as rt:
        store = Store(rt)
        rt.govern(rt.registry, "authoriseIssuer", rt.centre.address, int(Kind.QUALIFICATION))
        store.reconcile()
        root = os.urandom(32)
        rt.registry.anchor_root(rt.centre, root, Kind.QUALIFICATION)
        _mine(node, 1)
        store.reconcile()
        assert store.events("Anchored")
        node.rpc("anvil_reorg", [3, []])  # the last three blocks, the anchor's among them, replaced
        store.reconcile()
        assert not store.events("Anchored")
        with store.session() as s:
            assert s.get(AnchorRecord, (store.chain_key, "0x" + root.hex())) is None
        _assert_equals_its_rebuild(store)


def test_with_two_confirmations_a_block_at_depth_one_is_not_projected(node: AnvilNode, tmp_path: Path) -> None:
    with open_runtime(_settings(node, tmp_path / "data", 2)) as rt:
        store = Store(rt)
        rt.govern(rt.registry, "authoriseIssuer", rt.centre.address, int(Kind.QUALIFICATION))
        _mine(node, 2)
        store.reconcile()
        root = "0x" + os.urandom(32).hex()
        mined = rt.registry.anchor_root(rt.centre, bytes.fromhex(root[2:]), Kind.QUALIFICATION)
        anchored_at = rt.client.block_number()
        for depth in (0, 1):
            _mine(node, depth and 1)
            assert rt.client.block_number() - anchored_at == depth
            store.reconcile()
            with store.session() as s:
                assert s.get(AnchorRecord, (store.chain_key, root)) is None, f"projected at depth {depth}"
        # A reorg above the confirmed blocks touches nothing the store holds.
        node.rpc("anvil_reorg", [1, []])
        store.reconcile()
        _mine(node, 1)  # depth 2: confirmed
        store.reconcile()
        with store.session() as s:
            assert s.get(AnchorRecord, (store.chain_key, root)) is not None
        assert [e.tx_hash for e in store.events("Anchored")] == ["0x" + mined.tx_hash.hex()]
        _assert_equals_its_rebuild(store)


def test_a_write_is_acknowledged_when_mined_and_journalled_once_confirmed(node: AnvilNode, tmp_path: Path) -> None:
    with _served(node, tmp_path, confirmations=2) as scene:
        issuer = scene.issuer(Kind.QUALIFICATION)  # governance steps answer from their receipts too
        firm = scene.firm(issuer, kinds=())
        # The anchor's answer (201) comes from its receipt; the credential's own page proves it
        # against the node's latest block, so it answers at once...
        cid = scene.credential(firm, Kind.QUALIFICATION, issuer=issuer)
        assert scene.http.get(f"/credentials/{cid}").status_code == 200

        def anchored() -> list[Any]:
            return [e for e in scene.http.get("/events", params={"event": "Anchored"}).json()
                    if e["args"]["issuer"] == issuer.account.address]

        # ...while the journal (and what is projected from it) shows it once its block is two deep.
        assert anchored() == []
        _mine(node, 1)
        assert anchored() == []
        _mine(node, 1)
        assert len(anchored()) == 1


def test_confirmations_on_the_embedded_chain_are_refused() -> None:
    with pytest.raises(ValueError, match="embedded chain is final"):
        Settings(confirmations=2)
