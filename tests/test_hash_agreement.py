"""Python and the registry contract compute the same field hashes, credential ids, leaves and roots.

Every value the contract checks and Python computes is compared here on both backends, for
documents of every kind (Chinese text included), partial disclosures and trees of several sizes.
"""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from web3.contract import Contract

from ledger.crypto.canonical import canonical_json
from ledger.documents import (
    Disclosure,
    Document,
    Kind,
    SealedCredential,
    field_hash,
    parse_document,
)
from ledger.crypto.merkle import MerkleTree, leaf_of, verify_proof
from ledger.uscc import generate_uscc
from tests.conftest import ChainEnv

FIRM = "91350100M000100Y43"
CLIENT_FIRM = "91130125MA07WJNA83"
SAMPLES_PER_KIND = 3


def make_document(
    kind: Kind,
    *,
    issuer: str,
    subject: str = FIRM,
    n: int = 0,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    **overrides: Any,
) -> Document:
    """A valid document of `kind`; `n` varies its values (and which optional fields are set)."""
    start = valid_from or datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=n)
    envelope: dict[str, Any] = {
        "kind": int(kind),
        "issuer": issuer,
        "subject": subject,
        "validFrom": start.isoformat(),
        "issued_at": (start + timedelta(hours=8, minutes=n)).isoformat(),
    }
    until = valid_until if valid_until is not None else start + timedelta(days=5 * 365)
    if n % 3 != 2 or valid_until is not None:  # every third sample is open-ended
        envelope["validUntil"] = until.isoformat()
    claims: dict[Kind, dict[str, Any]] = {
        Kind.IDENTITY: {
            "firm_name": f"珠海市第{n}建设工程有限公司",
            "legal_representative": "张三" if n % 2 else "欧阳·娜娜",
            "registered_address": f"广东省珠海市香洲区某某路{n + 1}号（东座）",
            "registration_type": "有限责任公司",
            "signing_address": "0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2",
        },
        Kind.QUALIFICATION: {
            "APT_CERTNO": f"D2610{n:05d}",
            "APT_NAME": "市政公用工程施工总承包二级",
            "APT_TYPE_NAME": "建筑业企业资质",
            "APT_CODE": "D261",
            "grade": ["特级", "一级", "二级", "甲级"][n % 4],
            "issue_date": "2024-01-01",
            "APT_EDATE": f"{2028 + n % 3}-12-31",
            "APT_GRANT_UNIT": "广东省住房和城乡建设厅",
        },
        Kind.PERSONNEL: {
            "person_name": "李四" if n % 2 else "𠀋太郎",  # a character outside the BMP
            "registration_type": "一级注册建造师",
            "REG_CERTNO": f"粤14420122{n:08d}",
            "specialty": "市政公用工程",
            "expiry_date": "2027-06-30",
            "registered_employer_uscc": subject,
            **(
                {"id_number": "44040019800101123X", "seal_no": f"粤1442{n:06d}"}
                if n % 2 == 0
                else {}
            ),
        },
        Kind.PERFORMANCE: {
            "PRJNUM": f"44040221010101{n:02d}",
            "project_name": f"珠海市某道路改造工程（第{n}标段）",
            "client_name": "珠海市某某建设单位",
            "client_uscc": CLIENT_FIRM,
            "contract_no": f"HT-2021-{n:03d}",
            "contract_amount_wan": f"{1234 + n}.56",
            "EDATE": "2022-12-20",
            **({"TENDERNUM": f"44040221-BJ-{n:03d}", "investment_wan": "1500"} if n % 2 else {}),
            **({"building_area_m2": "12345.678901"} if n % 3 == 0 else {}),
        },
        Kind.AWARD: {
            "award_name": "鲁班奖" if n % 2 else "“詹天佑奖”",
            "level": ["国家级", "省级", "市级"][n % 3],
            "issuing_body": "中国建筑业协会",
            "certificate_no": f"LB-2023-{n:04d}",
            "award_date": "2023-11-15",
            **({"PRJNUM": "4404022101010101"} if n % 2 == 0 else {}),
        },
        Kind.CREDIT: {
            "record_no": f"XY-2024-{n:04d}",
            "record_type": ["bad", "good", "blacklist", "redlist", "joint-punishment"][n % 5],
            "decision": "因串通投标记不良行为一次\n（见附件）",
            "deciding_body": "珠海市住房和城乡建设局",
            "decision_document_no": f"珠建罚〔2024〕{n + 7}号",
            "listed_date": "2024-01-01",
            **({"removal_date": "2025-01-01"} if n % 2 == 0 else {}),
        },
        Kind.CONTRACT_PERFORMANCE: {
            "PRJNUM": f"44040221010101{n:02d}",
            "project_name": "珠海市某道路改造工程",
            "section_code": f"E32030103190057780010{n:02d}",
            "TENDERNUM": "4404022101010101-BJ-001",
            "client_name": "珠海市某某建设单位",
            "client_uscc": CLIENT_FIRM,
            "contract_no": "HT-2021-001",
            "contract_amount_wan": "0.01",
            "rating": ["优秀", "良好", "合格", "不合格"][n % 4],
            "EDATE": "2022-12-20",
            **({"award_id": "0x" + f"{n:02x}" * 32, "score": "95.5"} if n % 2 == 0 else {}),
        },
    }
    return parse_document({**envelope, **claims[kind], **overrides})


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
