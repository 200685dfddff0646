"""No view answers VALID for a credential that is not proven to be in an anchored batch: not for
an id never anchored, not for an id with a proof into another root, not for a document under a root
its issuer anchored for another kind. The chain's own `statusAt` checks the proof; the service's
lists prove every credential before reading its status; `POST /verify` reads no status for what
is not proven."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.crypto.merkle import leaf_of
from ledger.documents import Kind, SealedCredential
from ledger.model.credential import Status
from tests.scenes import Scene, make_document


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Scene]:
    with Scene.served(tmp_path, seed=21) as scene:
        yield scene


def insert_row(scene: Scene, *, like: str, credential_id: str, root: str | None = None, proof: str | None = None,
               sealed: str | None = None, kind: int | None = None) -> None:
    """A DB admin's credential row, copied from the row of `like` with the given columns changed."""
    with sqlite3.connect(scene.rt.datadir.store_file) as db:
        db.execute(
            "INSERT INTO credentialrecord (chain_key, credential_id, root, kind, issuer, subject, signing_address, "
            "proof, sealed, tx_hash, block_number, anchored_at) SELECT chain_key, ?, coalesce(?, root), "
            "coalesce(?, kind), issuer, subject, signing_address, coalesce(?, proof), coalesce(?, sealed), tx_hash, "
            "block_number, anchored_at FROM credentialrecord WHERE credential_id = ?",
            (credential_id, root, kind, proof, sealed, like))


def statuses(scene: Scene, uscc: str) -> Any:
    return scene.http.get(f"/firms/{uscc}/credentials")


def status_at(scene: Scene, root: bytes, credential_id: bytes, proof: list[bytes]) -> Status:
    return scene.rt.registry.status_at(root, credential_id, proof, scene.rt.client.block_timestamp()).status


def test_an_id_never_anchored_is_never_valid(scene: Scene) -> None:
    issuer = scene.issuer(Kind.QUALIFICATION)
    firm = scene.firm(issuer, kinds=(Kind.QUALIFICATION,))
    real = firm.ids[Kind.QUALIFICATION]
    listed = statuses(scene, firm.uscc)
    assert [c["status"] for c in listed.json()] == ["VALID"]
    root = bytes.fromhex(listed.json()[0]["root"][2:])
    never = SealedCredential.seal(scene.document(firm, Kind.QUALIFICATION, issuer=issuer, n=99))
    # The chain: under the anchored root, an id it does not hold is not anchored, whatever the proof.
    assert status_at(scene, root, bytes.fromhex(real[2:]), []) is Status.VALID
    assert status_at(scene, root, never.credential_id(), []) is Status.NOT_ANCHORED
    # Presented to /verify, it is not proven to be under any root: no status is read for it.
    report = scene.http.post("/verify", json={"document": never.to_dict()}).json()
    checks = {c["name"]: c["status"] for c in report["checks"]}
    assert not report["ok"] and checks["status_at"] == "NOT_CHECKED" and checks["anchoring"] == "INVALID"
    # The service: a row for it, filed under the real root, is refused rather than listed VALID.
    insert_row(scene, like=real, credential_id="0x" + never.credential_id().hex(), sealed=never.to_json())
    r = statuses(scene, firm.uscc)
    assert r.status_code == 503 and "does not put it in root" in r.json()["message"], r.text
    for refused in (scene.http.get(f"/credentials/0x{never.credential_id().hex()}"),
                    scene.http.post("/verify", json={"document": never.to_dict()})):
        assert refused.status_code == 503 and "store disagrees with the chain" in refused.json()["message"]


def test_an_id_with_a_proof_against_another_root_is_never_valid(scene: Scene) -> None:
    issuer = scene.issuer(Kind.QUALIFICATION)
    firm = scene.firm(issuer, kinds=())
    batch = [SealedCredential.seal(scene.document(firm, Kind.QUALIFICATION, issuer=issuer, n=n)) for n in (1, 2)]
    other = [SealedCredential.seal(scene.document(firm, Kind.QUALIFICATION, issuer=issuer, n=n)) for n in (3, 4)]
    first, second = issuer.anchor(batch).json(), issuer.anchor(other).json()
    member, proof = first["credentials"][0]["credential_id"], first["credentials"][0]["proof"]
    raw = [bytes.fromhex(p[2:]) for p in proof]
    assert status_at(scene, bytes.fromhex(first["root"][2:]), bytes.fromhex(member[2:]), raw) is Status.VALID
    assert status_at(scene, bytes.fromhex(second["root"][2:]), bytes.fromhex(member[2:]), raw) is Status.NOT_ANCHORED
    # The row of `member` moved under the other root, with its own proof: refused, never VALID.
    with sqlite3.connect(scene.rt.datadir.store_file) as db:
        db.execute("UPDATE credentialrecord SET root = ? WHERE credential_id = ?", (second["root"], member))
    r = statuses(scene, firm.uscc)
    assert r.status_code == 503 and "does not put it in root" in r.json()["message"], r.text
    scene.store.rebuild()
    assert {c["status"] for c in statuses(scene, firm.uscc).json()} == {"VALID"}


def test_a_document_under_a_root_anchored_for_another_kind_is_never_valid(scene: Scene) -> None:
    housing = scene.issuer(Kind.QUALIFICATION)  # may anchor qualifications, not identities
    firm = scene.firm(housing, kinds=(Kind.QUALIFICATION,))
    identity = SealedCredential.seal(make_document(Kind.IDENTITY, issuer=housing.account.address, subject=firm.uscc,
                                                   signing_address=firm.address))
    cid = identity.credential_id()
    # Its id anchored directly on chain as a one-credential QUALIFICATION root.
    scene.rt.registry.anchor_root(housing.account, leaf_of(cid), Kind.QUALIFICATION)
    report = scene.http.post("/verify", json={"document": identity.to_dict()}).json()
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["integrity"]["status"] == "VALID" and checks["issuer_authorised"]["status"] == "INVALID"
    assert "IDENTITY credential" in checks["issuer_authorised"]["reason"]
    assert checks["status_at"]["status"] == "NOT_CHECKED" and not report["ok"]
    # A row claiming it is an identity credential of that root: refused, never listed VALID.
    insert_row(scene, like=firm.ids[Kind.QUALIFICATION], credential_id="0x" + cid.hex(),
               root="0x" + leaf_of(cid).hex(), proof="[]", sealed=identity.to_json(), kind=int(Kind.IDENTITY))
    r = statuses(scene, firm.uscc)
    assert r.status_code == 503 and "anchored by" in r.json()["message"] and "QUALIFICATION" in r.json()["message"]
    # Nor does it bind the firm's key: no identity batch holds it, so the key bids as one no firm is
    # known by (its bid would be judged at opening as no firm's).
    tender = scene.tender()
    bid = scene.bid(firm, tender, credentials=[])
    assert bid.status_code == 201 and bid.json()["firm"] is None, bid.text
