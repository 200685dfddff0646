"""Sixteen issuers anchoring at once through a real HTTP server: no 5xx, no acknowledged write
lost (every 201 is in the store and on chain), no write duplicated (each credential once)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from sqlmodel import select

from api.app import create_app
from api.db.credentials import CredentialRecord
from api.serving import serving
from api.db.events import ChainEvent
from api.db.journal import Store
from ledger.config import Settings
from ledger.documents import Kind, SealedCredential, parse_document
from ledger.crypto.merkle import MerkleTree
from ledger.model.credential import Status
from ledger.runtime import open_runtime
from tests.scenes import Actor
from tools import synthetic
from tools.demo import ISSUER_FUNDS

pytestmark = pytest.mark.slow

WRITERS = 16
BATCHES = 4
BATCH_SIZE = 10


def _settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, rpc_url=None, database_url=None, chain_id=None)


@pytest.fixture
def issuers(tmp_path: Path) -> list[LocalAccount]:
    """Sixteen funded issuers, each authorised for qualifications by the governance."""
    accounts = [Account.create() for _ in range(WRITERS)]
    with open_runtime(_settings(tmp_path / "data")) as rt:
        store = Store(rt)
        store.reconcile()
        for account in accounts:
            rt.client.fund(rt.relayer, account.address, ISSUER_FUNDS)
            rt.govern(rt.registry, "authoriseIssuer", account.address, int(Kind.QUALIFICATION))
    return accounts


@contextmanager
def _serve(data_dir: Path) -> Iterator[str]:
    """The HTTP API served by uvicorn on 127.0.0.1 and a free port, in a thread, then stopped."""
    with serving(create_app(_settings(data_dir))) as url:
        yield url


def _batches(account: LocalAccount, n: int) -> list[list[SealedCredential]]:
    dataset = synthetic.generate(scale=0.02)
    documents = synthetic.new_documents(dataset, Kind.QUALIFICATION, BATCHES * BATCH_SIZE, seed=n)
    sealed = [
        SealedCredential.seal(parse_document(d.to_json_dict() | {"issuer": account.address}))
        for d in documents
    ]
    return [sealed[i : i + BATCH_SIZE] for i in range(0, len(sealed), BATCH_SIZE)]


def _write(url: str, account: LocalAccount, batches: list[list[SealedCredential]]) -> list[Any]:
    """Anchor each batch as a real client: prepare, check the root, sign the tx and the request."""
    outcomes: list[Any] = []
    with httpx.Client(base_url=url, timeout=120) as http:
        actor = Actor.of(http, account)  # type: ignore[arg-type]
        for batch in batches:
            docs = [s.to_dict() for s in batch]
            prep = http.post(
                "/credentials/prepare-anchor", json={"documents": docs, "sender": account.address}
            )
            outcomes.append(("prepare", prep.status_code, None, None))
            if prep.status_code != 200:
                continue
            expected_root = MerkleTree.build(s.credential_id() for s in batch).root
            assert prep.json()["root"] == "0x" + expected_root.hex()
            r = actor.post(
                "/credentials", {"documents": docs, "signed_tx": actor.sign_tx(prep.json()["tx"])}
            )
            body = r.json() if r.status_code == 201 else r.text
            outcomes.append(("anchor", r.status_code, body, [s.credential_id() for s in batch]))
    return outcomes


def test_sixteen_concurrent_writers_lose_nothing_and_duplicate_nothing(
    tmp_path: Path, issuers: list[LocalAccount]
) -> None:
    work = {account.address: _batches(account, n) for n, account in enumerate(issuers)}
    with _serve(tmp_path / "data") as url, ThreadPoolExecutor(max_workers=WRITERS) as pool:
        futures = {a.address: pool.submit(_write, url, a, work[a.address]) for a in issuers}
        # .result() re-raises a writer's exception (a failed root check, a broken connection).
        results = {address: f.result(timeout=300) for address, f in futures.items()}
    assert len(results) == WRITERS

    statuses = Counter(status for outcomes in results.values() for _, status, _, _ in outcomes)
    assert not [s for s in statuses if s >= 500], statuses
    acknowledged: dict[str, tuple[str, str]] = {}  # credential id → (root, issuer)
    accepted = 0
    for issuer, outcomes in results.items():
        for step, status, body, ids in outcomes:
            if step != "anchor":
                continue
            # Nothing here conflicts, so every batch must be accepted.
            assert status == 201, body
            accepted += 1
            assert body["issuer"] == issuer
            returned = [c["credential_id"] for c in body["credentials"]]
            assert sorted(returned) == sorted("0x" + i.hex() for i in ids)
            for cid in returned:
                assert cid not in acknowledged, f"{cid} acknowledged twice"
                acknowledged[cid] = (body["root"], issuer)
    assert accepted == WRITERS * BATCHES
    assert len(acknowledged) == WRITERS * BATCHES * BATCH_SIZE

    # The server is stopped: open the same ledger and compare it with what the writers were told.
    with open_runtime(_settings(tmp_path / "data")) as rt:
        store = Store(rt)
        store.reconcile()
        registry = rt.registry
        with store.session() as s:
            records = s.exec(
                select(CredentialRecord).where(
                    CredentialRecord.chain_key == store.chain_key
                )
            ).all()
            anchored = [e for e in s.exec(select(ChainEvent)) if e.name == "Anchored"]
        recorded = Counter(r.credential_id for r in records)
        assert not [c for c, n in recorded.items() if n > 1], "a credential recorded twice"
        assert set(recorded) == set(acknowledged), "recorded and acknowledged credentials differ"
        for r in records:
            assert (r.root, r.issuer) == acknowledged[r.credential_id]
        assert len(anchored) == accepted, "a batch anchored twice, or without a 201"
        roots = dict(acknowledged.values())
        assert len(roots) == accepted
        now = rt.client.block_timestamp()
        for root, anchored_by in roots.items():
            anchor = registry.anchor_of(bytes(HexBytes(root)))
            assert anchor is not None and anchor.kind == Kind.QUALIFICATION
            assert anchor.issuer == anchored_by
        for r in records[:: max(1, len(records) // 40)]:
            proof = [bytes(HexBytes(h)) for h in json.loads(r.proof)]
            status = registry.status_at(bytes(HexBytes(r.root)), bytes(HexBytes(r.credential_id)), proof, now)
            assert status.status is Status.VALID
