"""Credentials through the HTTP API: issuers anchor and change them with their own keys,
anyone verifies; every bad input gets a specific 4xx and leaves chain and store unchanged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from ledger.model.credential import ReasonCode
from ledger.documents import Kind, SealedCredential
from ledger.runtime import Runtime
from ledger.crypto.merkle import MerkleTree
from tests.scenes import FIRM, Actor, Scene, make_document

FUNDS = 10**22


@pytest.fixture
def scene(tmp_path: Path, database_url: str) -> Iterator[Scene]:
    """The service on the embedded chain, with its store on SQLite and on PostgreSQL."""
    with Scene.served(tmp_path, database_url=database_url) as scene:
        yield scene


@pytest.fixture
def service(scene: Scene) -> tuple[TestClient, Runtime]:
    return scene.http, scene.rt


@pytest.fixture
def issuer(scene: Scene) -> Actor:
    """An issuer authorised for qualifications by the admin, through the API."""
    return scene.issuer(Kind.QUALIFICATION, funds=FUNDS)


def _docs(actor: Actor, n: int, start: int = 0, **kw: Any) -> list[SealedCredential]:
    return [
        SealedCredential.seal(make_document(Kind.QUALIFICATION, issuer=actor.account.address, n=start + i, **kw))
        for i in range(n)
    ]


def _state(http: TestClient, rt: Runtime) -> tuple[int, int]:
    return rt.client.block_number(), len(http.get("/events").json())


def test_an_issuer_anchors_a_batch_and_anyone_verifies_a_credential(service, issuer) -> None:  # type: ignore[no-untyped-def]
    http, rt = service
    docs = _docs(issuer, 5)
    r = issuer.anchor(docs)
    assert r.status_code == 201, r.text
    body = r.json()
    assert len(body["credentials"]) == 5 and body["issuer"] == issuer.account.address
    listed = http.get(f"/firms/{FIRM}/credentials").json()
    assert {c["credential_id"] for c in listed} == {c["credential_id"] for c in body["credentials"]}
    assert {c["status"] for c in listed} == {"VALID"}
    report = http.post("/verify", json={"document": docs[2].disclose_public().to_dict(), "expected_subject": FIRM}).json()
    assert report["ok"] is True
    assert [c["name"] for c in report["checks"]][:2] == ["integrity", "anchoring"]


def test_a_revoked_credential_verifies_invalid_with_the_reason(service, issuer) -> None:  # type: ignore[no-untyped-def]
    http, rt = service
    docs = _docs(issuer, 3)
    batch = issuer.anchor(docs).json()
    cred = batch["credentials"][1]
    tx = issuer.prepare("revoke", batch["root"], cred["credential_id"], cred["proof"], 2)
    r = issuer.post(f"/credentials/{cred['credential_id']}/revoke", {"signed_tx": tx})
    assert r.status_code == 200, r.text
    report = http.post("/verify", json={"document": docs[1].to_dict()}).json()
    status = next(c for c in report["checks"] if c["name"] == "status_at")
    assert report["ok"] is False and status["status"] == "INVALID" and "revoked" in status["reason"]
    # beside the sentence, its code and arguments (what the portal words in Chinese), which make it exactly
    assert status["code"] == "verify_revoked" and status["args"]["ground"] == "FRAUD"
    assert status["args"]["ground_code"] == 2 and isinstance(status["args"]["at"], int)
    assert "code" not in status["details"] and status["details"]["reason"] == "FRAUD"
    from ledger.rules.reasons import Reason, sentence
    assert sentence(Reason(status["code"]), status["args"]) == status["reason"]
    assert all(c["code"].startswith("verify_") and "args" in c for c in report["checks"])
    history = http.get(f"/credentials/{cred['credential_id']}/history").json()
    assert [h["event"] for h in history] == ["Anchored", "Revoked"]


def test_an_unsigned_write_is_refused_with_401_and_changes_nothing(service, issuer) -> None:  # type: ignore[no-untyped-def]
    http, rt = service
    before = _state(http, rt)
    r = issuer.post("/credentials", {"documents": [], "signed_tx": "0x00"}, signed=False)
    assert r.status_code == 401 and "missing header" in r.json()["detail"]
    assert _state(http, rt) == before


def test_a_replayed_request_is_refused(service, issuer) -> None:  # type: ignore[no-untyped-def]
    http, rt = service
    docs = [d.to_dict() for d in _docs(issuer, 1)]
    prep = http.post("/credentials/prepare-anchor", json={"documents": docs, "sender": issuer.account.address}).json()
    body = json.dumps({"documents": docs, "signed_tx": issuer.sign_tx(prep["tx"])}).encode()
    headers = {"content-type": "application/json"} | issuer.headers("POST", "/credentials", body)
    assert http.post("/credentials", content=body, headers=headers).status_code == 201
    before = _state(http, rt)
    again = http.post("/credentials", content=body, headers=headers)
    assert again.status_code == 401 and "replay" in again.json()["detail"]
    assert _state(http, rt) == before


def test_an_expired_request_is_refused(service, issuer) -> None:  # type: ignore[no-untyped-def]
    http, rt = service
    r = issuer.post("/credentials", {"documents": [], "signed_tx": "0x00"}, now=1_000_000)
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_anchoring_a_kind_the_issuer_does_not_hold_is_403_and_nothing_is_mined(service, issuer) -> None:  # type: ignore[no-untyped-def]
    http, rt = service
    award = SealedCredential.seal(make_document(Kind.AWARD, issuer=issuer.account.address))
    prep = http.post("/credentials/prepare-anchor", json={"documents": [award.to_dict()], "sender": issuer.account.address})
    assert prep.status_code == 403 and prep.json()["contract_error"] == "NotAuthorised"
    # Even a transaction built by hand (explicit gas) is refused before it reaches the chain.
    root = award.credential_id()
    from eth_utils import keccak

    leaf = keccak(keccak(root))
    tx = {"to": issuer.registry, "data": "0x" + rt.registry.calldata("anchor_wU2", leaf, int(Kind.AWARD)).hex(),
          "gas": 100_000, "nonce": 0, "chainId": issuer.chain_id, "type": 2, **rt.client.fees(), "value": 0}
    before = _state(http, rt)
    r = issuer.post("/credentials", {"documents": [award.to_dict()], "signed_tx": issuer.sign_tx(tx)})
    assert r.status_code == 403, r.text
    assert _state(http, rt) == before


def test_anchoring_the_same_credential_twice_is_409(service, issuer) -> None:  # type: ignore[no-untyped-def]
    http, rt = service
    docs = _docs(issuer, 2)
    assert issuer.anchor(docs).status_code == 201
    before = _state(http, rt)
    again = issuer.anchor([docs[1], *_docs(issuer, 1, start=50)])
    assert again.status_code == 409 and "anchored already" in again.json()["message"]
    assert _state(http, rt) == before


def test_a_transaction_signed_by_another_key_is_403(service, issuer) -> None:  # type: ignore[no-untyped-def]
    http, rt = service
    docs = [d.to_dict() for d in _docs(issuer, 1)]
    prep = http.post("/credentials/prepare-anchor", json={"documents": docs, "sender": issuer.account.address}).json()
    other = Actor.of(http, Account.create())
    r = other.post("/credentials", {"documents": docs, "signed_tx": issuer.sign_tx(prep["tx"])})
    assert r.status_code == 403 and "signed by" in r.json()["message"]


def test_documents_that_do_not_match_the_signed_root_are_422(service, issuer) -> None:  # type: ignore[no-untyped-def]
    http, rt = service
    docs = [d.to_dict() for d in _docs(issuer, 2)]
    prep = http.post("/credentials/prepare-anchor", json={"documents": docs[:1], "sender": issuer.account.address}).json()
    r = issuer.post("/credentials", {"documents": docs, "signed_tx": issuer.sign_tx(prep["tx"])})
    assert r.status_code == 422 and "hash to" in r.json()["message"]


@pytest.mark.parametrize(
    ("mutate", "phrase"),
    [
        (lambda d: d["document"].__setitem__("subject", "911301257502818178"), "check digit"),
        (lambda d: d["document"].__setitem__("validUntil", "2000-01-01T00:00:00+00:00"), "validUntil"),
        (lambda d: d["document"].__setitem__("kind", 42), "kind"),
        (lambda d: d.pop("masterSalt"), "masterSalt"),
    ],
    ids=["invalid-uscc", "until-before-from", "unknown-kind", "no-salt"],
)
def test_a_bad_document_is_422_naming_the_problem(service, issuer, mutate, phrase) -> None:  # type: ignore[no-untyped-def]
    http, rt = service
    doc = _docs(issuer, 1)[0].to_dict()
    mutate(doc)
    before = _state(http, rt)
    r = issuer.post("/credentials", {"documents": [doc], "signed_tx": "0x02"})
    assert r.status_code == 422, r.text
    assert phrase in json.dumps(r.json())
    assert _state(http, rt) == before


def test_malformed_json_is_422(service, issuer) -> None:  # type: ignore[no-untyped-def]
    http, _ = service
    body = b'{"documents": [}'
    headers = {"content-type": "application/json"} | issuer.headers("POST", "/credentials", body)
    r = http.post("/credentials", content=body, headers=headers)
    assert r.status_code == 422 and "json" in r.text.lower()


def test_an_oversized_batch_is_422(service, issuer) -> None:  # type: ignore[no-untyped-def]
    http, _ = service
    r = issuer.post("/credentials", {"documents": [{}] * 10_001, "signed_tx": "0x"})
    assert r.status_code == 422 and "10000" in r.text


def test_revoking_an_unknown_credential_is_404(service, issuer) -> None:  # type: ignore[no-untyped-def]
    http, rt = service
    r = issuer.post("/credentials/0x" + "77" * 32 + "/revoke", {"signed_tx": "0x00"})
    assert r.status_code == 404 and "no anchored credential" in r.json()["message"]


def test_another_issuer_cannot_revoke_a_credential_it_did_not_anchor(service, issuer) -> None:  # type: ignore[no-untyped-def]
    http, rt = service
    batch = issuer.anchor(_docs(issuer, 2)).json()
    cred = batch["credentials"][0]
    intruder = Account.create()
    rt.client.fund(rt.relayer, intruder.address, FUNDS)
    # Preparing the transaction already fails: the contract refuses anyone but the root's issuer.
    r = http.post("/tx/prepare", json={"sender": intruder.address, "function": "revoke",
                                      "args": [batch["root"], cred["credential_id"], cred["proof"], 2]})
    assert r.status_code == 403 and r.json()["contract_error"] == "NotIssuerOf"


def test_the_services_own_keys_cannot_anchor_or_revoke_in_an_issuers_name(service, issuer) -> None:  # type: ignore[no-untyped-def]
    """A compromised service holds the relayer's and the centre's keys and the database, not the
    issuers' keys."""
    from ledger.errors import Unauthorised

    http, rt = service
    batch = issuer.anchor(_docs(issuer, 2)).json()
    forged = SealedCredential.seal(make_document(Kind.QUALIFICATION, issuer=issuer.account.address, n=99))
    cred = batch["credentials"][0]
    for key in (rt.relayer, rt.centre):
        with pytest.raises(Unauthorised):
            rt.registry.anchor_root(key, forged.credential_id(), Kind.QUALIFICATION)
        with pytest.raises(Unauthorised) as info:
            rt.registry.revoke(key, bytes.fromhex(batch["root"][2:]), bytes.fromhex(cred["credential_id"][2:]),
                               [bytes.fromhex(p[2:]) for p in cred["proof"]], ReasonCode(2))
        assert info.value.error == "NotIssuerOf"


def test_a_prepared_transaction_that_is_never_sent_does_not_block_the_next_one(service, issuer) -> None:  # type: ignore[no-untyped-def]
    http, rt = service
    abandoned = http.post("/credentials/prepare-anchor", json={
        "documents": [d.to_dict() for d in _docs(issuer, 1, start=70)], "sender": issuer.account.address})
    assert abandoned.status_code == 200
    r = issuer.anchor(_docs(issuer, 1, start=80))
    assert r.status_code == 201, r.text


def test_a_credential_anchored_directly_on_chain_verifies_through_the_service(service, issuer) -> None:  # type: ignore[no-untyped-def]
    http, rt = service
    sealed = _docs(issuer, 1, start=90)[0]
    rt.registry.anchor_batch(issuer.account, [sealed])
    report = http.post("/verify", json={"document": sealed.to_dict()}).json()
    assert report["ok"] is True, report


def test_a_tampered_field_fails_integrity_against_the_claimed_id(service, issuer) -> None:  # type: ignore[no-untyped-def]
    http, _ = service
    docs = _docs(issuer, 3)
    batch = issuer.anchor(docs).json()
    claimed = docs[1].credential_id()
    tampered = docs[1].disclose_public().to_dict()
    tampered["revealed"]["grade"]["value"] = "特级"  # promote the qualification
    report = http.post("/verify", json={"document": tampered, "credential_id": "0x" + claimed.hex()}).json()
    integrity = next(c for c in report["checks"] if c["name"] == "integrity")
    assert report["ok"] is False and integrity["status"] == "INVALID"
    assert "0x" + claimed.hex() in {c["credential_id"] for c in batch["credentials"]}
    honest = http.post("/verify", json={"document": docs[1].disclose_public().to_dict(),
                                        "credential_id": "0x" + claimed.hex()}).json()
    assert honest["ok"] is True


def test_the_credential_lookup_reads_anchored_credentials_as_models(service, issuer) -> None:  # type: ignore[no-untyped-def]
    from api.db.credentials import SqlCredentialLookup

    http, rt = service
    docs = _docs(issuer, 2)
    body = issuer.anchor(docs).json()
    lookup = SqlCredentialLookup(http.app.state.store)  # type: ignore[attr-defined]
    first = lookup.credential(docs[0].credential_id())
    assert first is not None and first.sealed == docs[0] and first.kind is Kind.QUALIFICATION
    assert "0x" + first.root.hex() == body["root"] and first.issuer == issuer.account.address
    assert ["0x" + p.hex() for p in first.proof] == body["credentials"][0]["proof"]
    assert first.anchored_at == rt.client.block_timestamp(body["block_number"])
    assert {c.credential_id for c in lookup.of_subject(FIRM)} == {d.credential_id() for d in docs}
    assert lookup.credit_records_of(FIRM) == [] and lookup.identities_bound_to(issuer.account.address) == []
    assert lookup.credential(bytes(32)) is None


def test_the_credential_tables_are_rebuilt_identically_from_the_chain_and_the_documents(service, issuer) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from api.db.credentials import AnchorRecord, CredentialRecord, IssuerKind

    http, rt = service
    store = http.app.state.store  # type: ignore[attr-defined]
    first = issuer.anchor(_docs(issuer, 4)).json()
    second = issuer.anchor(_docs(issuer, 1, start=10)).json()
    cred = first["credentials"][2]
    for action, reason in (("revoke", [2]), ("suspend", [5])):
        target = first["credentials"][0 if action == "revoke" else 1]
        tx = issuer.prepare(action, first["root"], target["credential_id"], target["proof"], *reason)
        assert issuer.post(f"/credentials/{target['credential_id']}/{action}", {"signed_tx": tx}).status_code == 200
    # A root anchored directly on chain (no documents filed) is an AnchorRecord without credential rows.
    rt.registry.anchor_root(issuer.account, b"\x42" * 32, Kind.QUALIFICATION)
    rt.govern(rt.registry, "withdrawIssuer", issuer.account.address, int(Kind.QUALIFICATION))
    store.reconcile()

    def snapshot() -> dict[str, list[Any]]:
        with store.session() as s:
            return {t.__name__: sorted((r.model_dump() for r in s.exec(select(t))), key=repr)
                    for t in (IssuerKind, AnchorRecord, CredentialRecord)}

    before = snapshot()
    assert len(before["CredentialRecord"]) == 5 and len(before["AnchorRecord"]) == 3
    assert len(before["IssuerKind"]) == 1 and before["IssuerKind"][0]["authorised"] is False
    shown = {path: http.get(path).json() for path in (
        f"/firms/{FIRM}/credentials", f"/credentials/{cred['credential_id']}",
        f"/credentials/{first['credentials'][0]['credential_id']}/history", "/issuers",
        f"/credentials/{second['credentials'][0]['credential_id']}")}
    store.rebuild()
    assert snapshot() == before
    assert {path: http.get(path).json() for path in shown} == shown


def test_an_issuer_without_funds_anchors_and_revokes_with_the_relayer_paying_its_gas(scene: Scene) -> None:
    """No party funds a key by hand: the relayer tops up an authorised issuer's own signed
    transaction, after a dry run as the issuer; a key that may not anchor gets nothing."""
    rt = scene.rt
    issuer = scene.issuer(Kind.QUALIFICATION, funds=0)
    assert rt.client.balance(issuer.account.address) == 0
    docs = _docs(issuer, 2)
    r = issuer.anchor(docs)
    assert r.status_code == 201, r.text
    cid = r.json()["credentials"][0]["credential_id"]
    assert scene.http.get(f"/credentials/{cid}").status_code == 200

    stranger = scene.actor(funds=0)  # authorised for nothing: prepare refuses it, so it signs its own
    mine = [SealedCredential.seal(make_document(Kind.QUALIFICATION, issuer=stranger.account.address, n=90))]
    template = scene.http.post("/credentials/prepare-anchor", json={
        "documents": [d.to_dict() for d in _docs(issuer, 1, start=50)], "sender": issuer.account.address}).json()["tx"]
    registry = rt.client.contract("CredentialRegistry", rt.addresses["CredentialRegistry"])
    root = MerkleTree.build([mine[0].credential_id()]).root
    calldata = registry.functions.anchor_wU2(root, 1)._encode_transaction_data()
    relayer_before = rt.client.balance(rt.relayer.address)
    block = rt.client.block_number()
    refused = stranger.post("/credentials", {"documents": [d.to_dict() for d in mine],
                                             "signed_tx": stranger.sign_tx({**template, "data": calldata})})
    assert refused.status_code in (401, 403) and refused.json()["contract_error"] == "NotAuthorised", refused.text
    assert rt.client.block_number() == block and rt.client.balance(rt.relayer.address) == relayer_before
    assert rt.client.balance(stranger.account.address) == 0
