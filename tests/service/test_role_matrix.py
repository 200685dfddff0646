"""The role matrix: every state-changing function of every deployed contract, called directly on
chain by the keys a compromised service or a single body holds — the relayer (pays gas, holds no
role), the trading centre's own key, and one governance member alone — against a live ledger
with real ids (an anchored credential, a published tender with a bid, a guarantee applied for).

Each call must revert and change nothing. The few functions anyone may call are listed with
why they cannot change an outcome (they act on the caller's own entries only, or carry their
own proof), and are tried separately.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from ledger.chain.contracts import load_artifact
from ledger.chain.gateway import Gateway
from ledger.documents import Kind
from ledger.errors import ContractRevert, LedgerError
from tests.scenes import KINDS, Firm, Scene, Tender

#: Functions open to every key, and why that changes no outcome.
PERMISSIONLESS: dict[tuple[str, str], str] = {
    ("TenderBook", "submitBid"): "a bid in the caller's own name; who it is is judged at opening",
    ("TenderBook", "withdrawBid"): "withdraws the caller's own bid only",
    ("TenderBook", "cancelNonces"): "burns the caller's own signature nonces only",
    ("TenderBook", "submitBidsBySig"): "relays bids that their bidders signed (EIP-712), nothing else",
    ("GuaranteeBook", "applyFor"): "an application in the caller's own name, which only a bank can issue",
    ("GuaranteeBook", "expire"): "marks a guarantee whose end has passed as expired: a fact of block time",
    ("GuaranteeBook", "settleClaim"): "pays a claim the bidder left uncontested past its contest period: "
                                      "a fact of block time and of the bidder's silence",
    ("Governance", "execute"): "makes only a call the threshold of members approved",
    ("CredentialRegistry", "acceptAdmin"): "only the pending admin the governance proposed may accept",
    ("TenderBook", "acceptAdmin"): "only the pending admin the governance proposed may accept",
    ("GuaranteeBook", "acceptAdmin"): "only the pending admin the governance proposed may accept",
}


@dataclass
class Live:
    scene: Scene
    firm: Firm
    tender: Tender
    root: bytes
    credential_id: bytes
    proof: list[bytes]
    guarantee_id: bytes


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with Scene.served(tmp_path_factory.mktemp("matrix")) as scene:
        issuer = scene.issuer(*KINDS)
        firm = scene.firm(issuer)
        tender = scene.tender()
        assert scene.bid(firm, tender).status_code == 201
        cid = firm.ids[Kind.QUALIFICATION]
        cred = scene.http.get(f"/credentials/{cid}").json()
        gid = os.urandom(32)
        yield Live(scene, firm, tender, bytes.fromhex(cred["root"][2:]), bytes.fromhex(cid[2:]),
                   [bytes.fromhex(p[2:]) for p in cred["proof"]], gid)


def _writes() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name in ("Governance", "CredentialRegistry", "TenderBook", "GuaranteeBook", "PerformanceBook",
                 "CheckpointBook"):
        for entry in load_artifact(name)["abi"]:
            if entry["type"] == "function" and entry["stateMutability"] not in ("view", "pure"):
                out.append((name, entry))
    return out


WRITES = _writes()
GUARDED = [(c, e) for c, e in WRITES if (c, e["name"]) not in PERMISSIONLESS]


def _value(live: Live, attacker: str, name: str, abi: dict[str, Any]) -> Any:
    """A plausible argument: the live ledger's real ids where the name says which, the attacker
    itself for any address (authorise myself, appoint myself, bid as myself)."""
    t = abi["type"]
    if t.endswith("[]"):
        inner = dict(abi, type=t[:-2])
        if name in ("proof", "oldProof", "newProof"):
            return live.proof
        return [_value(live, attacker, name, inner)]
    if t == "tuple":
        return tuple(_value(live, attacker, c["name"], c) for c in abi["components"])
    if t == "address":
        return live.firm.address if name == "bidder" else attacker
    if t == "bool":
        return True
    if t.startswith("uint") or t.startswith("int"):
        return {"kind": int(Kind.QUALIFICATION), "threshold": 1, "section": 0, "deadline": 2**40}.get(name, 1)
    if t == "bytes32":
        words = {"tenderId": bytes.fromhex(live.tender.tid[2:]), "root": live.root, "oldRoot": live.root,
                 "credentialId": live.credential_id, "oldId": live.credential_id, "guaranteeId": live.guarantee_id}
        return words.get(name, os.urandom(32))
    if t == "bytes":
        return os.urandom(67)
    if t == "string":
        return "冒名的一方"
    return os.urandom(int(t[5:])) if t.startswith("bytes") else 0


def _snapshot(live: Live) -> dict[str, int]:
    rt = live.scene.rt
    return {name: rt.gateway(name).log_count() for name in rt.addresses}


def _attackers(live: Live) -> dict[str, LocalAccount]:
    rt = live.scene.rt
    return {"relayer": rt.relayer, "centre": rt.centre, "lone governance member": rt.governors[0].account}


#: What the centre's own key may do: its steps on the tenders it published, and nothing else.
CENTRE_STEPS = {("TenderBook", f) for f in ("publishTender", "amendTender", "recordOpening", "closeSection",
                                            "publishEvaluation")} | {
    ("GuaranteeBook", f) for f in ("recordVerification", "recordAward", "recordContractSigned", "claim", "release",
                                   "releaseMany")} | {
    ("PerformanceBook", f) for f in ("recordMilestone", "fileComplaint", "recordCompletion", "acknowledge")} | {
    ("CheckpointBook", "checkpoint")}


@pytest.mark.parametrize(("contract", "entry"), GUARDED, ids=[f"{c}.{e['name']}" for c, e in GUARDED])
def test_no_single_service_or_member_key_can_call(live: Live, contract: str, entry: dict[str, Any]) -> None:
    fn = entry["name"]
    rt = live.scene.rt
    gateway: Gateway = rt.gateway(contract)
    for who, key in _attackers(live).items():
        if who == "centre" and (contract, fn) in CENTRE_STEPS:
            continue  # the centre's own steps: checked against their rules in the tender tests
        if who == "lone governance member" and contract == "Governance" and fn in (
                "propose", "approve", "revokeApproval", "cancel"):
            continue  # a member's own steps: one alone decides nothing (tests/contracts)
        before = _snapshot(live)
        args = [_value(live, key.address, i["name"], i) for i in entry["inputs"]]
        with pytest.raises((ContractRevert, LedgerError)) as info:
            gateway._send(key, fn, *args, gas=3_000_000)
        assert _snapshot(live) == before, f"{who} changed the chain calling {contract}.{fn}"
        err = info.value
        name = getattr(err, "error", type(err).__name__)
        assert name not in ("Panic", "Unknown"), f"{who} calling {contract}.{fn}: {err}"


def test_the_keys_the_service_holds_gain_no_role(live: Live) -> None:
    """After every attempt above, neither service key nor the lone member holds any role."""
    rt = live.scene.rt
    for who, key in _attackers(live).items():
        assert rt.client.call(rt.registry._fn("issuerKinds", key.address)) == 0, who
        assert not rt.guarantee_book.issuer_types(key.address), who
        if who != "centre":
            assert not rt.tender_book.is_centre(key.address), who
    assert rt.tender_book.is_centre(rt.centre.address)


def test_permissionless_functions_are_few_and_named() -> None:
    names = {(c, e["name"]) for c, e in WRITES}
    assert set(PERMISSIONLESS) <= names
    assert len(PERMISSIONLESS) <= 11, json.dumps(sorted(PERMISSIONLESS))
