"""Bulk revocation through the HTTP API: an issuer revokes many credentials of one of its batches in
one transaction of its own (`revokeAt_Fni`, by leaf position). Every credential's status follows
(and, as of an instant before, is still valid), its history shows the revocation, the store's
projection equals its rebuild from the chain, an edited revocation row is named by the store audit,
and every attack is a specific 4xx that leaves chain and store as they were."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ledger.audit import Bundle, ChainView, run_audit
from ledger.audit.model import Status
from ledger.crypto.merkle import position_of
from ledger.documents import Kind, SealedCredential
from tests.scenes import FIRM, Actor, Scene, make_document

BATCH = 150
FRAUD = 2


class World:
    """One issuer's batch of 150 qualifications, a second batch of its own and another issuer's batch."""

    def __init__(self, scene: Scene) -> None:
        self.scene, self.http = scene, scene.http
        self.issuer = scene.issuer(Kind.QUALIFICATION)
        self.other = scene.issuer(Kind.QUALIFICATION)
        self.batch = self.anchor(self.issuer, BATCH, 0)
        self.second = self.anchor(self.issuer, 3, 1_000)
        self.foreign = self.anchor(self.other, 3, 2_000)

    def anchor(self, actor: Actor, n: int, start: int) -> dict[str, Any]:
        docs = [SealedCredential.seal(make_document(Kind.QUALIFICATION, issuer=actor.account.address, n=start + i))
                for i in range(n)]
        r = actor.anchor(docs)
        assert r.status_code == 201, r.text
        body: dict[str, Any] = r.json()
        return body

    def ids(self, batch: dict[str, Any]) -> list[str]:
        return [c["credential_id"] for c in batch["credentials"]]

    def prepare(self, actor: Actor, ids: list[str], reason: Any = FRAUD) -> Any:
        return self.http.post("/credentials/prepare-revocation",
                              json={"sender": actor.account.address, "credential_ids": ids, "reason": reason})

    def revoke(self, actor: Actor, ids: list[str], reason: Any = FRAUD, *, tx: str | None = None) -> Any:
        if tx is None:
            prep = self.prepare(actor, ids, reason)
            assert prep.status_code == 200, prep.text
            tx = actor.sign_tx(prep.json()["tx"])
        return actor.post("/credentials/revocations", {"credential_ids": ids, "reason": reason, "signed_tx": tx})

    def statuses(self, at: int | None = None) -> dict[str, tuple[str, int]]:
        listed = self.http.get(f"/firms/{FIRM}/credentials", params={} if at is None else {"at": at}).json()
        return {c["credential_id"]: (c["status"], c["reason"]) for c in listed}

    def state(self) -> tuple[int, list[tuple[Any, ...]]]:
        """How many events the registry logged, and the store's revocation rows: what a refused
        request must leave alone. (Not the chain's head: the service's checkpoint writer may mine a
        block of its own at any time.)"""
        logs = self.scene.rt.client.w3.eth.get_logs({"address": self.scene.rt.registry.address, "fromBlock": 0})
        return len(logs), self.revocation_rows()

    def revocation_rows(self) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.scene.rt.datadir.store_file) as db:
            return list(db.execute("SELECT * FROM revocationrecord ORDER BY credential_id"))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with Scene.served(tmp_path_factory.mktemp("bulk-revocation"), seed=5) as scene:
        yield World(scene)


@pytest.fixture(scope="module")
def revoked(world: World) -> dict[str, Any]:
    """100 credentials spread over the 150 of the batch, revoked in one transaction (ids in no order)."""
    ids = world.ids(world.batch)
    chosen = [cid for i, cid in enumerate(ids) if i % 3 != 2][:100]
    # a minute after the anchoring, so that "the second before the revocation" is after it (blocks
    # may share a second)
    world.scene.rt.client.increase_time(60)
    r = world.revoke(world.issuer, list(reversed(chosen)))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    body["chosen"] = chosen
    body["before"] = int(datetime.fromisoformat(body["revoked_at"]).timestamp()) - 1  # the second before
    return body


def test_an_issuer_revokes_100_credentials_of_a_batch_in_one_transaction(world: World, revoked: dict[str, Any]) -> None:
    assert sorted(revoked["credential_ids"]) == sorted(revoked["chosen"]) and len(revoked["positions"]) == 100
    assert revoked["positions"] == sorted(revoked["positions"]) and revoked["reason_name"] == "fraud"
    receipt = world.scene.rt.client.w3.eth.get_transaction_receipt(revoked["tx_hash"])
    assert receipt["status"] == 1 and receipt["from"] == world.issuer.account.address
    now, then = world.statuses(), world.statuses(at=revoked["before"])
    for cid in world.ids(world.batch):
        assert now[cid] == (("REVOKED", FRAUD) if cid in revoked["chosen"] else ("VALID", 0)), cid
        assert then[cid] == ("VALID", 0), cid  # as of an instant before, still valid


def test_the_positions_are_the_ones_the_credentials_proofs_give(world: World, revoked: dict[str, Any]) -> None:
    proofs = {c["credential_id"]: c["proof"] for c in world.batch["credentials"]}
    for cid, position in zip(revoked["credential_ids"], revoked["positions"], strict=True):
        assert position == position_of(bytes.fromhex(cid[2:]), [bytes.fromhex(p[2:]) for p in proofs[cid]])


def test_a_revoked_credentials_history_shows_the_bulk_revocation(world: World, revoked: dict[str, Any]) -> None:
    cid = revoked["chosen"][7]
    history = world.http.get(f"/credentials/{cid}/history").json()
    assert [e["event"] for e in history] == ["Anchored", "RevokedAt"]
    last = history[-1]
    assert last["tx_hash"] == revoked["tx_hash"] and last["args"]["credentialId"] == cid
    assert last["args"]["reason"] == FRAUD and last["args"]["position"] in revoked["positions"]
    untouched = next(c for c in world.ids(world.batch) if c not in revoked["chosen"])
    assert [e["event"] for e in world.http.get(f"/credentials/{untouched}/history").json()] == ["Anchored"]


def test_the_store_marks_each_revoked_with_time_and_reason_and_equals_its_rebuild(
        world: World, revoked: dict[str, Any]) -> None:
    rows = world.revocation_rows()
    assert len(rows) == 100
    with sqlite3.connect(world.scene.rt.datadir.store_file) as db:
        found = dict(db.execute("SELECT credential_id, reason FROM revocationrecord"))
        times = {t for (t,) in db.execute("SELECT DISTINCT revoked_at FROM revocationrecord")}
    assert set(found) == set(revoked["chosen"]) and set(found.values()) == {FRAUD} and len(times) == 1
    world.scene.store.rebuild()
    assert world.revocation_rows() == rows


def test_an_edited_revocation_row_is_named_by_the_store_audit(world: World, revoked: dict[str, Any],
                                                             tmp_path: Path) -> None:
    from tools.audit_store import diff_store

    copy = tmp_path / "store.sqlite"
    with sqlite3.connect(world.scene.rt.datadir.store_file) as a, sqlite3.connect(copy) as b:
        a.backup(b)
    cid, gone = revoked["chosen"][0], revoked["chosen"][1]
    with sqlite3.connect(copy) as db:
        assert db.execute("UPDATE revocationrecord SET reason = 1 WHERE credential_id = ?", (cid,)).rowcount == 1
        assert db.execute("DELETE FROM revocationrecord WHERE credential_id = ?", (gone,)).rowcount == 1
    chain = ChainView(client=world.scene.rt.client, addresses=dict(world.scene.rt.addresses))
    failed = {r.name: r.message for r in diff_store(chain, f"sqlite:///{copy}").results if r.status is Status.FAIL}
    edited = next(m for n, m in failed.items() if n.startswith("edited row revocationrecord") and cid in n)
    assert "reason: store 1, chain 2" in edited
    assert any(n.startswith("missing row revocationrecord") and gone in n for n in failed), failed


def test_the_audit_replays_the_bulk_revocation_as_the_issuers(world: World, revoked: dict[str, Any],
                                                              tmp_path: Path) -> None:
    chain = ChainView(client=world.scene.rt.client, addresses=dict(world.scene.rt.addresses))
    report = run_audit(chain, Bundle(tmp_path, []), families=["roles"])
    results = {r.name: r for r in report.results}
    assert results["CredentialRegistry.RevokedAt"].status is Status.PASS, report.results
    assert not [r for r in report.results if r.status is Status.FAIL]


# ---------------------------------------------------------------------- attacks


def refused(world: World, response: Any, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    for word in words:
        assert word in body["message"], body


def test_revoking_another_issuers_batch_is_refused(world: World, revoked: dict[str, Any]) -> None:
    before = world.state()
    refused(world, world.prepare(world.issuer, world.ids(world.foreign)), 403, "only the issuer")
    # its own transaction for the other's root fails the estimate; a request naming the other's ids is refused
    tx = world.issuer.sign_tx(world.prepare(world.other, world.ids(world.foreign)).json()["tx"])
    refused(world, world.revoke(world.issuer, world.ids(world.foreign), tx=tx), 403)
    assert world.state() == before


def test_a_non_issuer_cannot_revoke(world: World, revoked: dict[str, Any]) -> None:
    intruder = world.scene.actor()
    ids = world.ids(world.second)
    before = world.state()
    refused(world, world.prepare(intruder, ids), 403, "only the issuer")
    tx = intruder.sign_tx(world.prepare(world.issuer, ids).json()["tx"])  # the issuer's tx, signed by another key
    refused(world, world.revoke(intruder, ids, tx=tx), 403)
    assert world.state() == before


def test_an_id_not_in_the_batch_is_refused(world: World, revoked: dict[str, Any]) -> None:
    before = world.state()
    mixed = world.ids(world.second)[:1] + world.ids(world.batch)[2:3]
    refused(world, world.prepare(world.issuer, mixed), 422, "one batch")
    refused(world, world.prepare(world.issuer, world.ids(world.second)[:1] + ["0x" + "ab" * 32]), 404,
            "no anchored credential")
    # a transaction for some credentials, sent with a request naming others of the same batch
    tx = world.issuer.sign_tx(world.prepare(world.issuer, world.ids(world.second)[:1]).json()["tx"])
    refused(world, world.revoke(world.issuer, world.ids(world.second)[1:2], tx=tx), 422, "positions")
    # … or with another reason
    refused(world, world.revoke(world.issuer, world.ids(world.second)[:1], reason="court_order", tx=tx), 422,
            "reason")
    assert world.state() == before


def test_revoking_a_credential_twice_is_a_conflict(world: World, revoked: dict[str, Any]) -> None:
    before = world.state()
    again = revoked["chosen"][3:5] + [c for c in world.ids(world.batch) if c not in revoked["chosen"]][:1]
    refused(world, world.prepare(world.issuer, again), 409, "revoked already")
    tx = world.issuer.sign_tx(world.prepare(world.issuer, again[2:]).json()["tx"])
    refused(world, world.revoke(world.issuer, again[2:] + again[:1], tx=tx), 422)
    assert world.state() == before


def test_a_replayed_signed_transaction_or_request_is_refused(world: World, revoked: dict[str, Any]) -> None:
    ids = world.ids(world.second)[2:3]
    prep = world.prepare(world.issuer, ids)
    tx = world.issuer.sign_tx(prep.json()["tx"])
    body = {"credential_ids": ids, "reason": FRAUD, "signed_tx": tx}
    import json

    raw = json.dumps(body).encode()
    headers = {"content-type": "application/json"} | world.issuer.headers("POST", "/credentials/revocations", raw)
    first = world.http.post("/credentials/revocations", content=raw, headers=headers)
    assert first.status_code == 200, first.text
    before = world.state()
    refused(world, world.http.post("/credentials/revocations", content=raw, headers=headers), 401)
    refused(world, world.revoke(world.issuer, ids, tx=tx), 409, "revoked already")
    assert world.state() == before
    assert world.statuses()[ids[0]] == ("REVOKED", FRAUD)


@pytest.mark.parametrize("ids, reason, word", [
    ([], FRAUD, "credential_ids"),
    (["0x1234"], FRAUD, "credential_ids"),
    (["zz" * 33], FRAUD, "credential_ids"),
    (None, 0, "reason"),
    (None, "whim", "reason"),
    (None, 70_000, "reason"),
])
def test_malformed_ids_or_reasons_are_422(world: World, revoked: dict[str, Any], ids: Any, reason: Any,
                                          word: str) -> None:
    ids = world.ids(world.second)[:1] if ids is None else ids
    before = world.state()
    refused(world, world.prepare(world.issuer, ids, reason), 422)
    r = world.issuer.post("/credentials/revocations", {"credential_ids": ids, "reason": reason, "signed_tx": "0x00"})
    refused(world, r, 422)
    assert word in r.text
    assert world.state() == before


def test_a_credential_named_twice_is_422(world: World, revoked: dict[str, Any]) -> None:
    one = world.ids(world.second)[:1]
    refused(world, world.prepare(world.issuer, one + one), 422, "named twice")


def test_an_edited_row_of_a_bulk_revoked_credential_is_refused_not_believed(world: World,
                                                                           revoked: dict[str, Any]) -> None:
    """A DB admin moves a bulk-revoked credential's row to another proof (another position): the
    prover refuses it with 503 rather than revoke or show a position the chain never gave it."""
    from api.db.credentials import forget_proofs

    cid, other = revoked["chosen"][0], next(c for c in world.ids(world.batch) if c not in revoked["chosen"])
    with sqlite3.connect(world.scene.rt.datadir.store_file) as db:
        ((proof,),) = list(db.execute("SELECT proof FROM credentialrecord WHERE credential_id = ?", (other,)))
        ((kept,),) = list(db.execute("SELECT proof FROM credentialrecord WHERE credential_id = ?", (cid,)))
        db.execute("UPDATE credentialrecord SET proof = ? WHERE credential_id = ?", (proof, cid))
    forget_proofs(world.scene.store)
    try:
        before = world.state()
        r = world.prepare(world.issuer, [cid])
        assert r.status_code == 503 and r.json()["error"] == "StoreMismatch", r.text
        assert world.http.get(f"/credentials/{cid}/history").status_code == 503
        assert world.state() == before
    finally:
        with sqlite3.connect(world.scene.rt.datadir.store_file) as db:
            db.execute("UPDATE credentialrecord SET proof = ? WHERE credential_id = ?", (kept, cid))
        forget_proofs(world.scene.store)
    assert world.statuses()[cid] == ("REVOKED", FRAUD)
