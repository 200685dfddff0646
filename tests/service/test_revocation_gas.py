"""A revocation's gas depends on the second it is mined in: it joins the word of an earlier
revocation of its region made in the same second with the same reason, and otherwise writes a new
word. Estimated in the second of such a revocation and mined in the next, the transaction needs
the new word's gas the estimate did not see; the registry gateway keeps it in hand, for the
transactions it sends and for the ones it prepares for an issuer to sign."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.chain.client import ChainClient
from ledger.chain.embedded import EmbeddedChain
from ledger.chain.registry import REVOKE_AT, RegistryGateway
from ledger.crypto.merkle import MerkleTree, position_of
from ledger.documents import Kind
from ledger.model.credential import ReasonCode


class Setup:
    def __init__(self, client: ChainClient, gw: RegistryGateway, issuer: LocalAccount, tree: MerkleTree,
                 ids: list[bytes]) -> None:
        self.client, self.gw, self.issuer, self.tree, self.ids = client, gw, issuer, tree, ids

    def position(self, i: int) -> int:
        return position_of(self.ids[i], self.tree.proof(self.ids[i]))

    def revoked_in_second(self) -> int:
        """Revoke the first id by its position, in a block stamped T; the next pending block is T too."""
        t = self.client.block_timestamp() + 100
        self.client.set_next_block_timestamp(t)
        self.gw.revoke_positions(self.issuer, self.tree.root, [self.position(0)], ReasonCode.FRAUD)
        assert self.client.block_timestamp() == t
        self.client.set_next_block_timestamp(t)  # estimates now run in second T: they join its word
        return t


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    admin, issuer = Account.create(), Account.create()
    chain = EmbeddedChain.create(tmp_path / "c.sqlite", chain_id=1337,
                                 alloc={a.address: 10**21 for a in (admin, issuer)}, clock="development")
    client = ChainClient.for_embedded(chain)
    try:
        contract, _ = client.deploy("CredentialRegistry", admin.address, sender=admin)
        gw = RegistryGateway.of(client, contract.address)
        gw.authorise_issuer(admin, issuer.address, Kind.QUALIFICATION)
        ids = [os.urandom(32) for _ in range(4)]  # positions 4 … 7: one region
        tree = MerkleTree.build(ids)
        gw.anchor_root(issuer, tree.root, Kind.QUALIFICATION)
        yield Setup(client, gw, issuer, tree, ids)
    finally:
        client.close()


def _mined_a_second_later(s: Setup, t: int, tx: bytes) -> dict[str, int]:
    s.client.set_next_block_timestamp(t + 1)
    receipt = s.client.send_raw(tx)
    assert receipt["status"] == 1
    return {"gas": int(receipt["gasUsed"])}


@pytest.mark.parametrize("how", ["by position", "with its proof"])
def test_a_prepared_revocation_estimated_in_the_second_of_another_is_mined_in_the_next(
        setup: Setup, how: str) -> None:
    s = setup
    t = s.revoked_in_second()
    if how == "by position":
        unsigned = s.gw.prepare_revoke_positions(s.issuer.address, s.tree.root, [s.position(1)], ReasonCode.FRAUD)
        joined = s.client.estimate_gas({"from": s.issuer.address, "to": s.gw.address, "data": unsigned.data})
    else:
        args = (s.tree.root, s.ids[1], list(s.tree.proof(s.ids[1])), int(ReasonCode.FRAUD))
        unsigned = s.gw.prepare(s.issuer.address, "revoke", *args)
        joined = s.client.estimate_gas({"from": s.issuer.address, "to": s.gw.address, "data": unsigned.data})
    signed = s.issuer.sign_transaction(unsigned.for_signing())
    used = _mined_a_second_later(s, t, bytes(signed.raw_transaction))["gas"]
    assert used > joined  # a new word, which the estimate in second T did not pay for
    assert s.gw.revocation_at(s.tree.root, s.position(1))[1] == int(ReasonCode.FRAUD)


def test_a_sent_revocation_keeps_the_new_words_gas_per_region_in_hand(setup: Setup) -> None:
    s = setup
    s.revoked_in_second()
    assert s.gw.headroom(REVOKE_AT, (s.tree.root, [4, 5, 176, 400], 1)) == 3 * s.gw.headroom("revoke", ())
    assert s.gw.headroom("suspend", ()) == 0
    both = sorted([s.position(2), s.position(3)])  # the ids are random, so their leaf order is too
    mined = s.gw.revoke_positions(s.issuer, s.tree.root, both, ReasonCode.FRAUD)
    assert mined.tx_hash
