"""The embedded chain's storage-read status (`ledger.chain.registry_state`) against the contract's
own `statusAt` and `anchorOf`, run in the EVM: every path of the rule, at every instant around
every change, and the storage layout constants against the compiler's."""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path

import pytest
from eth_account import Account

from ledger.chain import registry_state as state
from ledger.chain.client import ChainClient
from ledger.chain.embedded import EmbeddedChain
from ledger.chain.registry import RegistryGateway
from ledger.crypto.merkle import MerkleTree, position_of
from ledger.documents import Kind
from ledger.model.credential import ReasonCode

ROOT = Path(__file__).resolve().parents[2]


def evm_status(gw: RegistryGateway, root: bytes, cid: bytes, proof: list[bytes], t: int) -> tuple[int, int]:
    status, reason = gw._view("statusAt(bytes32,bytes32,bytes32[],uint64)", [root, cid, proof, t], ("uint8", "uint16"))
    return int(status), int(reason)


def evm_anchor(gw: RegistryGateway, root: bytes) -> tuple[int, int, int]:
    issuer, kind, at = gw._view("anchorOf(bytes32)", [root], ("address", "uint8", "uint64"))
    return int(issuer, 16), int(kind), int(at)


def test_the_storage_rule_answers_as_the_contract_on_every_path_at_every_instant(tmp_path: Path) -> None:
    admin, issuer = Account.create(), Account.create()
    chain = EmbeddedChain.create(tmp_path / "c.sqlite", chain_id=1337, alloc={a.address: 10**21 for a in (admin, issuer)},
                                 clock="development")
    client = ChainClient.for_embedded(chain)
    try:
        contract, _ = client.deploy("CredentialRegistry", admin.address, sender=admin)
        gw = RegistryGateway.of(client, contract.address)
        gw.authorise_issuer(admin, issuer.address, Kind.QUALIFICATION)
        ids = [os.urandom(32) for _ in range(7)]
        tree = MerkleTree.build(ids)
        root = tree.root
        proofs = {cid: tree.proof(cid) for cid in ids}
        instants = [client.block_timestamp()]

        def step() -> None:
            client.increase_time(50)
            instants.append(client.block_timestamp())

        step()
        gw.anchor_root(issuer, root, Kind.QUALIFICATION)
        step()
        gw.revoke(issuer, root, ids[0], proofs[ids[0]], ReasonCode.FRAUD)
        step()
        gw.suspend(issuer, root, ids[1], proofs[ids[1]], ReasonCode.UNDER_INVESTIGATION)
        step()
        gw.reinstate(issuer, root, ids[1], proofs[ids[1]])
        step()
        gw.suspend(issuer, root, ids[1], proofs[ids[1]], ReasonCode.UNDER_INVESTIGATION)
        gw.suspend(issuer, root, ids[2], proofs[ids[2]], ReasonCode.UNDER_INVESTIGATION)
        step()
        successor = os.urandom(32)
        other = MerkleTree.build([successor, os.urandom(32)])
        gw.anchor_root(issuer, other.root, Kind.QUALIFICATION)
        gw.supersede(issuer, root, ids[3], proofs[ids[3]], other.root, successor, other.proof(successor))
        step()
        # Revocation by leaf position, two at once, then one more of the same region (a second layer).
        positions = {cid: position_of(cid, proofs[cid]) for cid in ids}
        gw.revoke_positions(issuer, root, sorted((positions[ids[5]], positions[ids[6]])), ReasonCode.COURT_ORDER)
        step()
        gw.revoke_positions(issuer, root, [positions[ids[2]]], ReasonCode.EXPIRED_EARLY)
        step()
        cases = [(root, cid, proofs[cid]) for cid in ids]
        cases += [(root, ids[4], proofs[ids[5]]),  # a proof of another id
                  (root, os.urandom(32), proofs[ids[4]]),  # an id never anchored
                  (other.root, ids[4], proofs[ids[4]]),  # a proof into another root
                  (os.urandom(32), ids[4], proofs[ids[4]])]  # a root never anchored
        times = sorted({0, *instants, *(t - 1 for t in instants), *(t + 1 for t in instants), 2**64 - 1})
        checked = 0
        for r, cid, proof in cases:
            for t in times:
                assert state.status_at(chain, gw.address, r, cid, proof, t) == evm_status(gw, r, cid, proof, t), (t,)
                checked += 1
        for r in (root, other.root, os.urandom(32)):
            assert state.anchor_of(chain, gw.address, r) == evm_anchor(gw, r)
        for position in (*positions.values(), 0, 1, 2**64 - 1):
            assert state.revocation_of(chain, gw.address, root, position) == tuple(
                gw._call("revocationAt", root, position))
        assert state.revocation_of(chain, gw.address, root, positions[ids[5]])[1] == ReasonCode.COURT_ORDER
        assert checked > 250
        # And the gateway's own answers (which take the storage path here) are the contract's.
        for r, cid, proof in cases:
            got = gw.status_at(r, cid, proof, instants[-1])
            assert (int(got.status), int(got.reason)) == evm_status(gw, r, cid, proof, instants[-1])
    finally:
        client.close()


@pytest.mark.slow
def test_the_layout_constants_are_the_compilers() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import compile_contracts as c

    settings = copy.deepcopy(c.SETTINGS)
    settings["outputSelection"]["*"]["*"].append("storageLayout")
    c.SETTINGS = settings
    layout = c.solc(c.read_sources())["contracts"]["contracts/CredentialRegistry.sol"]["CredentialRegistry"]["storageLayout"]
    slots = {s["label"]: int(s["slot"]) for s in layout["storage"]}
    assert (slots["_anchors"], slots["_records"], slots["_suspensions"], slots["_revocations"]) == (
        state.ANCHORS_SLOT, state.RECORDS_SLOT, state.SUSPENSIONS_SLOT, state.REVOCATIONS_SLOT)
    members = {t: {m["label"]: (int(m["slot"]), m["offset"]) for m in v["members"]}
               for t, v in layout["types"].items() if "members" in v}

    def bits(struct: str) -> dict[str, tuple[int, int]]:
        found = next(v for t, v in members.items() if f"struct({struct})" in t)
        assert all(slot == 0 for slot, _ in found.values()), f"{struct} no longer fits one word"
        return {name: offset * 8 for name, (_, offset) in found.items()}  # type: ignore[misc]

    for struct, fields in (("Anchor", state.ANCHOR_FIELDS), ("Record", state.RECORD_FIELDS),
                           ("Suspension", state.SUSPENSION_FIELDS)):
        assert bits(struct) == {name: off for name, (off, _) in fields.items()}, struct


def test_an_issuer_whose_address_begins_with_zeros_keeps_all_its_digits(tmp_path: Path) -> None:
    """The storage word holds the address as a number: read back, its leading zeros must stay."""
    admin = Account.create()
    issuer = next(a for a in iter(Account.create, None) if a.address.startswith("0x00"))
    chain = EmbeddedChain.create(tmp_path / "c.sqlite", chain_id=1337, alloc={a.address: 10**21 for a in (admin, issuer)},
                                 clock="development")
    client = ChainClient.for_embedded(chain)
    try:
        contract, _ = client.deploy("CredentialRegistry", admin.address, sender=admin)
        gw = RegistryGateway.of(client, contract.address)
        gw.authorise_issuer(admin, issuer.address, Kind.QUALIFICATION)
        root = os.urandom(32)
        gw.anchor_root(issuer, root, Kind.QUALIFICATION)
        anchor = gw.anchor_of(root)
        assert anchor is not None and anchor.issuer == issuer.address
    finally:
        client.close()


class _Recording:
    """The chain's storage reads, each slot read noted."""

    def __init__(self, chain: EmbeddedChain) -> None:
        self.chain, self.slots = chain, []  # type: ignore[var-annotated]

    def storage(self, address: str, slot: int, block: str = "latest") -> int:
        self.slots.append(slot)
        return self.chain.storage(address, slot, block)


def _anchored(tmp_path: Path) -> tuple[EmbeddedChain, ChainClient, RegistryGateway, Account, MerkleTree, list[bytes]]:
    admin, issuer = Account.create(), Account.create()
    chain = EmbeddedChain.create(tmp_path / "c.sqlite", chain_id=1337, alloc={a.address: 10**21 for a in (admin, issuer)},
                                 clock="development")
    client = ChainClient.for_embedded(chain)
    contract, _ = client.deploy("CredentialRegistry", admin.address, sender=admin)
    gw = RegistryGateway.of(client, contract.address)
    gw.authorise_issuer(admin, issuer.address, Kind.QUALIFICATION)
    ids = [os.urandom(32) for _ in range(5)]
    tree = MerkleTree.build(ids)
    gw.anchor_root(issuer, tree.root, Kind.QUALIFICATION)
    return chain, client, gw, issuer, tree, ids


def test_first_slots_are_the_words_the_rule_reads_for_a_valid_or_position_revoked_credential(tmp_path: Path) -> None:
    chain, client, gw, issuer, tree, ids = _anchored(tmp_path)

    def read(cid: bytes) -> list[int]:
        reads = _Recording(chain)
        state.status_at(reads, gw.address, tree.root, cid, tree.proof(cid), client.block_timestamp())
        return reads.slots

    try:
        for cid in ids:  # valid, in a region nothing was revoked in: exactly the first words
            assert sorted(read(cid)) == sorted(state.first_slots(tree.root, cid, tree.proof(cid)))
        gw.revoke_positions(issuer, tree.root, [position_of(ids[0], tree.proof(ids[0]))], ReasonCode.FRAUD)
        # revoked: found in its region's first layer (its record is not read)
        assert set(read(ids[0])) < set(state.first_slots(tree.root, ids[0], tree.proof(ids[0])))
        # valid beside it: the first words and the region's next, empty, layer
        first = state.first_slots(tree.root, ids[1], tree.proof(ids[1]))
        assert set(first) < set(read(ids[1])) and len(read(ids[1])) == len(first) + 1
    finally:
        client.close()


def test_an_audit_snapshot_through_a_node_fetches_the_first_words_in_one_batch(tmp_path: Path) -> None:
    import threading

    from ledger.audit.chain import StorageSnapshot
    from ledger.chain.provider import EmbeddedProvider
    from ledger.chain.rpc_server import RpcServer

    chain, client, gw, _issuer, tree, ids = _anchored(tmp_path)
    server = RpcServer(EmbeddedProvider(chain), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    node = ChainClient.for_node(server.url, expected_chain_id=1337)
    try:
        head, t = client.block_number(), client.block_timestamp()
        snapshot = StorageSnapshot(node, head)
        batches: list[int] = []
        real_batch = node.batch
        node.batch = lambda calls: batches.append(len(calls)) or real_batch(calls)  # type: ignore[method-assign]
        slots = [s for cid in ids for s in state.first_slots(tree.root, cid, tree.proof(cid))]
        assert snapshot.prefetch(gw.address, slots) == len(set(slots))  # the anchor and first layer are shared
        assert batches == [len(set(slots))]
        assert snapshot.prefetch(gw.address, slots) == 0  # already read
        for cid in ids:
            assert state.status_at(snapshot, gw.address, tree.root, cid, tree.proof(cid), t) == \
                state.status_at(chain, gw.address, tree.root, cid, tree.proof(cid), t)
        assert batches == [len(set(slots))]  # every word the rule read was fetched
        assert StorageSnapshot(client, head).prefetch(gw.address, slots) == 0  # embedded: read as met
    finally:
        node.close()
        server.httpd.shutdown()
        server.close()
        client.close()
