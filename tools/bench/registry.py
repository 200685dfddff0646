"""`tender-ledger bench registry`: Merkle trees, gas, end-to-end anchoring, verification and
concurrent writers.

The Merkle figure is the issuer's side alone (`ledger.crypto.merkle`, no chain). Every other figure is
measured through the service layer the HTTP API uses (issuer-signed transactions relayed by
`ledger.service.credentials`); the concurrent writers go through a real HTTP server.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from sqlmodel import col, func, select

from api.db.credentials import CredentialRecord
from api.db.events import ChainEvent
from api.db.journal import Store
from api.views import credentials as views
from ledger.config import Settings
from ledger.documents import Kind, SealedCredential, parse_document
from ledger.crypto.merkle import MerkleTree, position_of
from ledger.model.credential import Batch, ReasonCode
from ledger.rules.anchoring import check_batch
from ledger.crypto.requests import sign_request
from ledger.runtime import Runtime, open_runtime
from tools import demo, synthetic
from tools.governance import enact_signed
from api.deps import governance_service
from tools.bench.machine import cpu_model, machine

Progress = Callable[[str], None]

WRITERS = 16
WRITER_BATCHES = 4
WRITER_BATCH_SIZE = 25
MERKLE_LEAVES = 3_000  # about the reference dataset (3,158) in one tree


def bench_registry(
    *,
    progress: Progress | None = None,
    writers: int = WRITERS,
    writer_batches: int = WRITER_BATCHES,
    writer_batch_size: int = WRITER_BATCH_SIZE,
    verify_samples: int = 200,
    scale: float = 1.0,
) -> dict[str, Any]:
    """Every figure of the registry area, as one flat dict (keys name the figure and its unit)."""
    say = progress or (lambda _msg: None)
    result: dict[str, Any] = {}
    say(f"Merkle tree and proofs of {MERKLE_LEAVES:,} credential ids")
    result[f"merkle_tree_and_proofs_ms_{MERKLE_LEAVES}_leaves"] = merkle_ms(MERKLE_LEAVES)
    with tempfile.TemporaryDirectory(prefix="tl-bench-registry-") as tmp:
        say("gas of anchoring and revoking; verification time")
        result.update(gas_and_verify(Path(tmp) / "gas", samples=verify_samples))
        say(f"the demo dataset end to end (scale {scale:g})")
        summary = demo.run_demo(
            demo.DemoOptions(data_dir=Path(tmp) / "demo", scale=scale, sample=0)
        )
        result["demo_dataset_credentials"] = summary["credentials"]
        result["demo_dataset_anchor_s"] = summary["dataset_anchor_s"]
        result["demo_dataset_anchor_cpu_s"] = summary["dataset_anchor_cpu_s"]
        result["demo_dataset_batches"] = summary["batches"]
        result["demo_dataset_gas_per_credential"] = summary["gas_per_credential"]
        say(f"{writers} concurrent writers through the HTTP API")
        outcome = concurrent_writers(
            Path(tmp) / "writers",
            writers=writers,
            batches=writer_batches,
            batch_size=writer_batch_size,
        )
        prefix = f"concurrent_writers_{writers}"
        result[f"{prefix}_requests"] = outcome.requests
        result[f"{prefix}_5xx"] = outcome.server_errors
        result[f"{prefix}_lost"] = len(outcome.lost)
        result[f"{prefix}_duplicated"] = len(outcome.duplicated)
        result[f"{prefix}_credentials"] = outcome.credentials
        result[f"{prefix}_s"] = round(outcome.seconds, 3)
        result[f"{prefix}_batches_per_s"] = round(outcome.accepted / outcome.seconds, 1)
    result.update(machine())
    result["machine_cpu_model"] = cpu_model()
    return result


# ---------------------------------------------------------------------- Merkle trees


def merkle_ms(leaves: int, *, repeat: int = 3) -> float:
    """Best of `repeat`: one tree over `leaves` credential ids built, and every leaf's proof."""
    rng = random.Random(20260731)
    ids = [rng.randbytes(32) for _ in range(leaves)]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        tree = MerkleTree.build(ids)
        proofs = [tree.proof(credential_id) for credential_id in ids]
        best = min(best, time.perf_counter() - t0)
    assert len(proofs) == leaves
    return round(best * 1000, 2)


# ---------------------------------------------------------------------- gas and verification


def gas_and_verify(data_dir: Path, *, samples: int = 200) -> dict[str, Any]:
    """Anchor gas of a batch of 1 and of 1,000; revocation gas inside the 1,000 (one by leaf position,
    one with its id and proof, 100 at once by position); verify time."""
    dataset = synthetic.generate(scale=0.05)
    issuer = dataset.issuer("housing")
    documents = synthetic.new_documents(dataset, Kind.QUALIFICATION, 1_001)
    sealed = [SealedCredential.seal(d) for d in documents]
    with open_runtime(demo.demo_settings(data_dir)) as rt:
        store = Store(rt)
        store.reconcile()
        authorise(rt, store, issuer.account, [Kind.QUALIFICATION])
        single = anchor(rt, store, issuer.account, sealed[:1])
        thousand = anchor(rt, store, issuer.account, sealed[1:])
        target, proof = next(iter(thousand.proofs.items()))
        service = demo.credential_service(store)
        tx = rt.registry.prepare(
            issuer.address, "revoke", thousand.root, target, list(proof), int(ReasonCode.FRAUD)
        )
        revoked = service.relay_status_change(
            signer=issuer.address,
            credential_id=target,
            action="revoke",
            signed_tx=demo.sign(issuer.account, tx),
        )
        # Revocation by leaf position (outside the verified sample): one, then 100 spread over the batch.
        def positions(items: list[SealedCredential]) -> list[int]:
            return sorted(position_of(i.credential_id(), thousand.proofs[i.credential_id()]) for i in items)

        one = rt.registry.revoke_positions(issuer.account, thousand.root, positions([sealed[400]]), ReasonCode.FRAUD)
        bulk_items = sealed[500::5][:100]
        bulk = rt.registry.revoke_positions(issuer.account, thousand.root, positions(bulk_items), ReasonCode.FRAUD)
        now = rt.client.block_timestamp()
        timings = []
        for item in sealed[2 : 2 + samples]:
            document = item.to_dict()
            t0 = time.perf_counter()
            report = service.verify_document(document, at=now, expected_subject=item.document.subject)
            timings.append(time.perf_counter() - t0)
            assert report.ok, views.report(report)
        return {
            "anchor_gas": gas_of(rt, single.tx_hash),
            "anchor_gas_per_batch_1": gas_of(rt, single.tx_hash),
            "anchor_gas_batch1000": gas_of(rt, thousand.tx_hash),
            "anchor_gas_per_credential_batch1000": round(gas_of(rt, thousand.tx_hash) / 1000, 1),
            "revoke_in_batch_gas": gas_of(rt, one.tx_hash),
            "revoke_with_proof_gas": gas_of(rt, revoked.mined.tx_hash),
            "bulk_revoke_gas_per_credential": round(gas_of(rt, bulk.tx_hash) / len(bulk_items), 1),
            "revoke_proof_hashes": len(proof),
            "verify_ms_median": round(statistics.median(timings) * 1000, 2),
            "verify_samples": len(timings),
        }


def authorise(rt: Runtime, store: Store, issuer: LocalAccount, kinds: list[Kind]) -> None:
    """Fund `issuer` and have the governance authorise it (members' own signed transactions)."""
    rt.client.fund(rt.relayer, issuer.address, demo.ISSUER_FUNDS)
    service = governance_service(store)
    for kind in kinds:
        enact_signed(service, [g.account for g in rt.governors], rt.registry, "authoriseIssuer", issuer.address, int(kind))


def anchor(
    rt: Runtime, store: Store, issuer: LocalAccount, sealed: list[SealedCredential]
) -> Batch:
    kind, ids = check_batch(issuer.address, sealed)
    tx = rt.registry.prepare_anchor(issuer.address, MerkleTree.build(ids).root, kind)
    return demo.credential_service(store).relay_anchor(
        signer=issuer.address, documents=sealed, signed_tx=demo.sign(issuer, tx)
    )


def gas_of(rt: Runtime, tx_hash: bytes) -> int:
    return int(rt.client.w3.eth.get_transaction_receipt(HexBytes(tx_hash))["gasUsed"])


# ---------------------------------------------------------------------- concurrent writers


@dataclass
class WriterOutcome:
    """What the writers were told and what the ledger holds afterwards."""

    requests: int = 0
    server_errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    accepted: int = 0  # 201 responses
    credentials: int = 0  # credentials in accepted batches
    lost: list[str] = field(default_factory=list)  # acknowledged, but not in the DB or on chain
    duplicated: list[str] = field(default_factory=list)  # recorded or anchored more than once
    seconds: float = 0.0


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """The HTTP API on 127.0.0.1 and a free port, in a thread; yields its base URL."""
    from api.app import create_app
    from api.serving import serving

    with serving(create_app(settings), name="tl-bench-server") as url:
        yield url


class _Writer:
    """One issuer posting batches over HTTP, signing requests and transactions with its key."""

    def __init__(self, url: str, account: LocalAccount, documents: list[list[dict[str, Any]]]):
        import httpx

        self.http = httpx.Client(base_url=url, timeout=120)
        self.account = account
        self.documents = documents
        self.responses: list[tuple[int, Any]] = []

    def run(self) -> None:
        chain = self.http.get("/chain").json()
        chain_id, registry = chain["chain_id"], chain["contracts"]["CredentialRegistry"]
        try:
            for batch in self.documents:
                prep = self.http.post(
                    "/credentials/prepare-anchor",
                    json={"documents": batch, "sender": self.account.address},
                )
                self.responses.append((prep.status_code, None))
                if prep.status_code != 200:
                    continue
                signed_tx = demo.sign(self.account, _tx_from_json(prep.json()["tx"]))
                body = json.dumps({"documents": batch, "signed_tx": signed_tx}).encode()
                headers = {"content-type": "application/json"} | sign_request(
                    self.account,
                    chain_id=chain_id,
                    contract=registry,
                    method="POST",
                    path="/credentials",
                    body=body,
                )
                r = self.http.post("/credentials", content=body, headers=headers)
                self.responses.append((r.status_code, r.json() if r.status_code == 201 else None))
        finally:
            self.http.close()


def _tx_from_json(tx: dict[str, Any]) -> dict[str, Any]:
    out = dict(tx)
    if isinstance(out.get("data"), str):
        out["data"] = bytes.fromhex(out["data"].removeprefix("0x"))
    return out


def concurrent_writers(
    data_dir: Path, *, writers: int = WRITERS, batches: int = WRITER_BATCHES, batch_size: int = 25
) -> WriterOutcome:
    """`writers` issuers anchor `batches` batches each at once; check nothing is lost or doubled."""
    settings = demo.demo_settings(data_dir)
    dataset = synthetic.generate(scale=0.05)
    accounts = [Account.create() for _ in range(writers)]
    with open_runtime(settings) as rt:
        store = Store(rt)
        store.reconcile()
        for account in accounts:
            authorise(rt, store, account, [Kind.QUALIFICATION])
    work = []
    for n, account in enumerate(accounts):
        documents = synthetic.new_documents(
            dataset, Kind.QUALIFICATION, batches * batch_size, seed=n + 1
        )
        rows = [
            SealedCredential.seal(parse_document(d.to_json_dict() | {"issuer": account.address}))
            for d in documents
        ]
        work.append(
            [
                [s.to_dict() for s in rows[i : i + batch_size]]
                for i in range(0, len(rows), batch_size)
            ]
        )
    outcome = WriterOutcome()
    with serve(settings) as url:
        team = [_Writer(url, account, batches) for account, batches in zip(accounts, work, strict=True)]
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=writers) as pool:
            for future in [pool.submit(w.run) for w in team]:
                future.result()
        outcome.seconds = time.perf_counter() - t0
    acknowledged: dict[str, tuple[str, str]] = {}  # credential id → (root, issuer)
    for writer in team:
        for status, body in writer.responses:
            outcome.requests += 1
            outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
            if status >= 500:
                outcome.server_errors += 1
            if status == 201:
                outcome.accepted += 1
                for c in body["credentials"]:
                    if c["credential_id"] in acknowledged:
                        outcome.duplicated.append(c["credential_id"])
                    acknowledged[c["credential_id"]] = (body["root"], writer.account.address)
    outcome.credentials = len(acknowledged)
    check_ledger(settings, acknowledged, outcome)
    return outcome


def check_ledger(
    settings: Settings, acknowledged: dict[str, tuple[str, str]], outcome: WriterOutcome
) -> None:
    """Every acknowledged credential once in the store and under an anchored root on chain."""
    with open_runtime(settings) as rt:
        store = Store(rt)
        store.reconcile()
        registry = rt.registry
        with store.session() as s:
            rows = s.exec(
                select(CredentialRecord.credential_id, CredentialRecord.root).where(
                    CredentialRecord.chain_key == store.chain_key
                )
            ).all()
            anchored_events = s.exec(
                select(func.count())
                .select_from(ChainEvent)
                .where(ChainEvent.chain_key == store.chain_key, col(ChainEvent.name) == "Anchored")
            ).one()
        recorded: dict[str, str] = {}
        for cid, root in rows:
            if cid in recorded:
                outcome.duplicated.append(cid)
            recorded[cid] = root
        roots: dict[str, str] = {}
        for cid, (root, issuer) in acknowledged.items():
            if recorded.get(cid) != root:
                outcome.lost.append(cid)
                continue
            roots[root] = issuer
        for root, issuer in roots.items():
            found = registry.anchor_of(bytes(HexBytes(root)))
            if found is None or found.issuer != issuer:
                outcome.lost.extend(c for c, (r, _) in acknowledged.items() if r == root)
        # Anything recorded or anchored beyond what was acknowledged was written twice or
        # written without the writer being told.
        outcome.duplicated.extend(c for c in recorded if c not in acknowledged)
        if int(anchored_events) != outcome.accepted:
            outcome.duplicated.append(
                f"{anchored_events} Anchored events for {outcome.accepted} accepted batches"
            )
