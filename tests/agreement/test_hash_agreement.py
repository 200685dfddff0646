"""Python and the registry contract compute the same field hashes, credential ids, leaves and roots.

Every value the contract checks and Python computes is compared here on both backends, for
documents of every kind (Chinese text included), partial disclosures and trees of several sizes.
"""

from __future__ import annotations

import os
import random
from typing import Any

import pytest
from web3.contract import Contract

from ledger.crypto.canonical import canonical_json
from ledger.documents import (
    Disclosure,
    Kind,
    SealedCredential,
    field_hash,
)
from ledger.crypto.merkle import MerkleTree, leaf_of, verify_proof
from ledger.uscc import generate_uscc
from tests.conftest import ChainEnv
from tests.scenes import make_document

SAMPLES_PER_KIND = 3


def _sealed_samples() -> list[SealedCredential]:
    rng = random.Random(7)
    issuer = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
    return [
        SealedCredential.seal(
            make_document(kind, issuer=issuer, subject=generate_uscc(rng), n=n),
            bytes(rng.randrange(256) for _ in range(32)),
        )
        for kind in Kind
        for n in range(SAMPLES_PER_KIND)
    ]


SAMPLES = _sealed_samples()


def _partial_disclosures(sealed: SealedCredential) -> list[Disclosure]:
    """Disclosures that each keep at least one field hidden."""
    names = list(sealed.fields())
    disclosures = [
        sealed.disclose([]),
        sealed.disclose(["issuer", "subject", "validFrom"]),
        sealed.disclose(names[::2]),
        sealed.disclose_public(),  # hides the ID number of registered personnel
    ]
    return [d for d in disclosures if d.hidden]


@pytest.fixture
def registry(chain: ChainEnv) -> Contract:
    return chain.deploy("CredentialRegistry", chain.accounts[0].address)  # type: ignore[no-any-return]


def test_every_field_hash_of_every_kind_equals_the_contracts_field_hash(
    chain: ChainEnv, registry: Contract
) -> None:
    for sealed in SAMPLES:
        fields = sealed.fields()
        for name, expected in sealed.field_hashes().items():
            on_chain = chain.client.call(
                registry.functions.fieldHash(
                    sealed.field_salt(name), name, canonical_json(fields[name])
                )
            )
            assert on_chain == expected, (sealed.document.kind.name, name)


def test_field_hashes_of_unusual_names_and_values_agree_with_the_contract(
    chain: ChainEnv, registry: Contract
) -> None:
    values: list[tuple[str, Any]] = [
        ("名称", "珠海市某某建设工程有限公司"),
        ("emoji😀", "🏗️ 工程"),
        ("", ""),
        ("nested", {"b": [1, 2.5, None, True], "a": {"é": "x", "\u20ac": "y", "😀": "z"}}),
        ("number", 1e21),
        ("control", "line\nbreak\t\u0000"),
    ]
    for name, value in values:
        salt = os.urandom(32)
        on_chain = chain.client.call(
            registry.functions.fieldHash(salt, name, canonical_json(value))
        )
        assert on_chain == field_hash(salt, name, value), name


def test_every_credential_id_equals_the_contracts_credential_id_of_its_field_hashes(
    chain: ChainEnv, registry: Contract
) -> None:
    assert {s.document.kind for s in SAMPLES} == set(Kind)
    for sealed in SAMPLES:
        hashes = list(sealed.field_hashes().values())
        assert (
            chain.client.call(registry.functions.credentialIdOf(hashes)) == sealed.credential_id()
        )


def test_partial_disclosures_give_the_same_hashes_and_id_on_chain(
    chain: ChainEnv, registry: Contract
) -> None:
    for sealed in SAMPLES[::2]:
        for disclosure in _partial_disclosures(sealed):
            hashes = disclosure.field_hashes()
            for name, revealed in disclosure.revealed.items():
                on_chain = chain.client.call(
                    registry.functions.fieldHash(
                        revealed.salt, name, canonical_json(revealed.value)
                    )
                )
                assert on_chain == hashes[name]
            on_chain_id = chain.client.call(
                registry.functions.credentialIdOf(list(hashes.values()))
            )
            assert on_chain_id == disclosure.credential_id() == sealed.credential_id()


def test_every_leaf_equals_the_contracts_leaf(chain: ChainEnv, registry: Contract) -> None:
    ids = [s.credential_id() for s in SAMPLES] + [bytes(32), b"\xff" * 32]
    for credential_id in ids:
        assert chain.client.call(registry.functions.leafOf(credential_id)) == leaf_of(credential_id)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 100])
def test_every_proof_of_a_tree_verifies_on_chain_and_a_wrong_one_does_not(
    chain: ChainEnv, registry: Contract, size: int
) -> None:
    rng = random.Random(size)
    ids = [rng.randbytes(32) for _ in range(size)]
    tree = MerkleTree.build(ids)
    verify = registry.functions.verifyMembership
    for credential_id in ids:
        proof = tree.proof(credential_id)
        assert chain.client.call(verify(tree.root, credential_id, proof)) is True
    outsider = rng.randbytes(32)
    proof = tree.proof(ids[0])
    assert (
        chain.client.call(verify(tree.root, outsider, proof))
        is verify_proof(tree.root, outsider, proof)
        is False
    )
    if proof:
        bent = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
        assert chain.client.call(verify(tree.root, ids[0], bent)) is False
        assert verify_proof(tree.root, ids[0], bent) is False
    else:
        # A one-credential tree: the root is the leaf itself and the proof is empty.
        assert tree.root == leaf_of(ids[0])
