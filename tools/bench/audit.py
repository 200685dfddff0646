"""`tender-ledger bench audit`: how fast an auditor replays the chain and reruns its decisions.

A synthetic workload is generated on a fresh embedded data directory through the service's own use
cases, so the centre's store holds every document an audit needs: `bids` firms, each with its
identity credential and `credentials` further credentials (qualification, 业绩, registered staff,
awards; `tools.bench.bids.CredentialMaker`) anchored by their issuers; `sections` sections (in
tenders of up to `SECTIONS_PER_TENDER`) published with opening keys dealt to three officers; every
firm bids in every section with its per-tender bid key, ticking all its credentials (relayed in
batches by the service's bid relayer); after the one shared deadline two officers per tender release
their shares and the centre opens, checks and closes every section. Generation is timed.

Then the centre exports the audit bundle (`tools.audit_export.export`) and the auditor's audit
(`ledger.audit.run_audit`) replays the chain from genesis and reruns every check: once on the
data directory opened read-only, once through a `tender-ledger node` process serving the same
directory over JSON-RPC. Any failed check is an error: the bench measures a clean audit.

`replay_s` is reading and decoding every event plus building the audit's context (up to the first
check family); `checks_s` the check families and the collusion flags; `events_per_s` is events over
the two together. The issue's city-year is `--sections 2000 --bids 10 --credentials 15`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from api.db.credentials import SqlCredentialFiles
from api.db.journal import Store
from api.deps import bid_relayer, guarantee_check, tender_service
from ledger.audit import run_audit
from ledger.audit.bundle import Bundle
from ledger.audit.chain import DEPLOYMENTS_FILE, ChainView, open_embedded_readonly, read_addresses
from ledger.chain.client import ChainClient
from ledger.config import Settings
from ledger.crypto.bid_keys import derive_bid_key, sign_link
from ledger.crypto.bids import seal_bid, sign_bid
from ledger.crypto.merkle import MerkleTree
from ledger.crypto.officer_box import OfficerKey, deal, open_share
from ledger.crypto.sealing import BidPackage
from ledger.documents import Kind, SealedCredential, parse_document
from ledger.runtime import open_runtime
from ledger.service.credentials import CredentialService
from ledger.tenders import TenderParams, tender_id
from tools.audit_export import export
from tools.bench.bids import (
    CredentialMaker,
    Firm,
    Ledger,
    _issuer_of,
    new_firms,
    prepare_ledger,
    section_params,
)
from tools.bench.machine import cpu_model, machine
from tools.signing import sign

Progress = Callable[[str], None]

SECTIONS_PER_TENDER = 5
OFFICERS, THRESHOLD = 3, 2
CITY_YEAR = {"sections": 2000, "bids": 10, "credentials": 15}
STORE_FILE = "ledger.sqlite"
SUBMITTERS = 16  # bids sent at once, so the service's relayer batches them as it does under load


@dataclass
class Workload:
    sections: int
    bids: int
    credentials: int
    tenders: list[bytes] = field(default_factory=list)
    valid_bids: int = 0
    problems: list[str] = field(default_factory=list)  # why a bid was not eligible, one line each


# ---------------------------------------------------------------------- generation


def _anchor(store: Store, issuer: LocalAccount, kind: Kind, sealed: list[SealedCredential]) -> None:
    """One batch, signed by its issuer, filed and relayed by the service."""
    rt = store.runtime
    root = MerkleTree.build([s.credential_id() for s in sealed]).root
    CredentialService(rt.registry, SqlCredentialFiles(store)).relay_anchor(
        signer=issuer.address, documents=sealed,
        signed_tx=sign(issuer, rt.registry.prepare_anchor(issuer.address, root, kind)))


def _holdings(store: Store, ledger: Ledger, firms: list[Firm], credentials: int) -> dict[str, list[bytes]]:
    """Each firm's identity credential (naming its key) and `credentials` more, one batch per kind;
    the ids of the `credentials`, by firm key."""
    rt = store.runtime
    identity = Account.create()
    rt.client.fund(rt.relayer, identity.address, 10**20)
    rt.govern(rt.registry, "authoriseIssuer", identity.address, int(Kind.IDENTITY))
    now = ledger.now()
    maker = CredentialMaker(ledger.rng, now)
    ids: list[SealedCredential] = []
    groups: dict[Kind, list[tuple[Firm, SealedCredential]]] = {}
    for i, firm in enumerate(firms):
        start = now - timedelta(days=3000 + i)
        ids.append(SealedCredential.seal(parse_document({
            "kind": int(Kind.IDENTITY), "issuer": identity.address, "subject": firm.uscc,
            "validFrom": start.isoformat(), "issued_at": (start + timedelta(hours=9)).isoformat(),
            "firm_name": firm.name, "legal_representative": "张三",
            "registered_address": f"广东省珠海市香洲区迎宾南路{i + 1}号", "registration_type": "有限责任公司",
            "signing_address": firm.account.address})))
        for kind, meets in maker.kinds(credentials):
            issuer = ledger.issuers[_issuer_of(kind)]
            sealed = SealedCredential.seal(maker.document(kind, issuer=issuer.address, firm=firm, meets=meets))
            groups.setdefault(kind, []).append((firm, sealed))
    _anchor(store, identity, Kind.IDENTITY, ids)
    held: dict[str, list[bytes]] = {f.account.address: [] for f in firms}
    for kind, items in groups.items():
        _anchor(store, ledger.issuers[_issuer_of(kind)], kind, [s for _, s in items])
        for firm, sealed in items:
            held[firm.account.address].append(sealed.credential_id())
    return held


def _params(ledger: Ledger, code: str, sections: int, credentials: int) -> TenderParams:
    """bids.section_params' municipal-works tender without a bid guarantee (the guarantees bench
    measures those); its three requirements only when every bid carries the three credentials
    that meet them."""
    data = section_params(ledger, project_code=code, sections=sections).model_dump(mode="json")
    for s in data["sections"]:
        s["bid_guarantee"] = "0"
        if credentials < 3:
            s.update(qualification=[], personnel=[])
            s.pop("performance", None)
    return TenderParams.model_validate(data)


def generate(data_dir: Path, *, sections: int, bids: int, credentials: int, seed: int, say: Progress) -> Workload:
    """The workload, through the service's use cases, on a fresh data directory."""
    rng = random.Random(seed)
    work = Workload(sections, bids, credentials)
    settings = Settings(data_dir=data_dir, rpc_url=None, chain_id=None, chain_clock="development")
    with open_runtime(settings) as rt:
        store = Store(rt)
        store.reconcile()
        ledger = prepare_ledger(rt, rng)
        say(f"generate: {bids} firms, each with an identity and {credentials} credentials")
        firms = new_firms(ledger, bids, funded=False)
        held = _holdings(store, ledger, firms, credentials)
        tenders = tender_service(store)
        chain_id, book = rt.client.chain_id, rt.tender_book.address
        officers = [Account.create() for _ in range(OFFICERS)]
        for o in officers:
            rt.client.fund(rt.relayer, o.address, 10**20)
        published: list[tuple[bytes, int, Any, int]] = []  # (tender id, sections, dealt shares, deadline)
        left = sections
        while left:
            n = min(SECTIONS_PER_TENDER, left)
            left -= n
            code = f"E440400{seed % 10**6:06d}{len(published):05d}"
            params = _params(ledger, code, n, credentials)
            tid = tender_id(code)
            dealt = deal(tender_id=tid, officers=[OfficerKey.of_private(bytes(o.key)) for o in officers],
                         threshold=THRESHOLD)
            details = tenders.publish(signer=rt.centre.address, params=params,
                                      document=f"%PDF-1.7 招标文件 {code}".encode(),
                                      opening_public=dealt.opening_public, share_hashes=dealt.share_hashes,
                                      officers=dealt.officers, threshold=THRESHOLD)
            published.append((tid, n, dealt, int(details.on_chain.terms.deadline)))
        say(f"generate: {len(published)} tender(s) of {sections} section(s) published; "
            f"{sections * bids} bids of {credentials} credential(s)")
        relayer = bid_relayer(store)

        def bid(firm: Firm, tid: bytes, n: int, dealt: Any, deadline: int) -> None:
            """`firm` bids in every section of one tender, its bid key's nonces in order."""
            key = derive_bid_key(firm.account, tid)
            link = sign_link(firm.account, chain_id=chain_id, book_address=book, tender_id=tid,
                             bid_key=key.address)
            for section in range(n):
                price = Decimal(rng.randrange(10_000_000_00, 12_000_000_00)) / 100
                letter = f"投标函：{firm.name}愿以人民币{price:,.2f}元承包本标段。".encode()
                package = BidPackage.create(
                    price=str(price), credential_ids=["0x" + c.hex() for c in held[firm.account.address]],
                    salt="0x" + os.urandom(32).hex(), firm_link=link,
                    files={"投标函.pdf": {"sha256": hashlib.sha256(letter).hexdigest(),
                                          "content": base64.b64encode(letter).decode()}})
                sealed = seal_bid(chain_id=chain_id, book_address=book, tender_id=tid, section=section,
                                  bidder=key.address, opening_public=dealt.opening_public, package=package)
                auth = sign_bid(bidder=key, chain_id=chain_id, book_address=book, sealed=sealed, nonce=section,
                                expiry=deadline)
                tenders.submit_bid(relayer, signer=key.address, tender_id=tid, section=section,
                                   envelope=sealed.envelope,
                                   credential_set_commitment=sealed.credential_set_commitment,
                                   auth={"bidder": key.address, "commitment": sealed.commitment,
                                         "nonce": section, "expiry": auth["expiry"],
                                         "signature": auth["signature"]})

        try:
            with ThreadPoolExecutor(SUBMITTERS) as pool:
                jobs = [pool.submit(bid, firm, *p) for p in published for firm in firms]
                for i, job in enumerate(jobs, 1):
                    job.result()
                    if i % 200 == 0:
                        say(f"generate: {i} of {len(jobs)} firm-tender bids sent")
        finally:
            relayer.stop()
        rt.client.increase_time(max(p[3] for p in published) - rt.client.block_timestamp() + 1)
        say("generate: officers release their shares; the centre opens every section")
        check = guarantee_check(store)
        for i, (tid, n, dealt, _) in enumerate(published, 1):
            for officer, box in list(zip(officers, dealt.sealed, strict=True))[:THRESHOLD]:
                share = open_share(box, bytes(officer.key))
                tx = sign(officer, rt.tender_book.prepare(officer.address, "releaseShare", tid, share.to_bytes()))
                tenders.relay_signed(signer=officer.address, signed_tx=tx, functions=("releaseShare",))
            for section in range(n):
                opened = tenders.open_section(check, signer=rt.centre.address, tender_id=tid, section=section)
                work.valid_bids += opened.valid_bids
                work.problems += [f"{b.bidder}: {b.reason or ''}" + "".join(
                    f"; {c.name}: {c.reason}" for c in (b.eligibility.checks if b.eligibility else ())
                    if c.status.name not in ("VALID", "PASS", "OK")) for b in opened.bids if not b.eligible]
            if i % 20 == 0:
                say(f"generate: {i} of {len(published)} tenders opened")
        work.tenders = [p[0] for p in published]
    if work.valid_bids != sections * bids:
        raise AssertionError(f"{work.valid_bids} of {sections * bids} bids are eligible: {work.problems[:3]}")
    return work


# ---------------------------------------------------------------------- the audit


def _addresses(client: ChainClient, data_dir: Path) -> dict[str, str]:
    genesis = "0x" + bytes(client.w3.eth.get_block(0)["hash"]).hex()
    return read_addresses(data_dir / DEPLOYMENTS_FILE, chain_id=client.chain_id, genesis=genesis)


def audit_once(client: ChainClient, data_dir: Path, bundle: Bundle, say: Progress) -> dict[str, Any]:
    """One audit of the chain `client` reads: its timings, and an error naming any failed check."""
    chain = ChainView(client, _addresses(client, data_dir))
    marks: dict[str, float] = {}

    def progress(msg: str) -> None:
        if msg.startswith("checking ") and "checks" not in marks:
            marks["checks"] = time.perf_counter()
        say(f"audit: {msg}")

    try:
        t0 = time.perf_counter()
        report = run_audit(chain, bundle, progress=progress)
        end = time.perf_counter()
    finally:
        chain.close()
    if report.failures:
        first = report.failures[0]
        raise AssertionError(f"the audit of a clean workload found {len(report.failures)} failed check(s), "
                             f"the first {first.family}: {first.name}: {first.message}")
    replay = marks.get("checks", end) - t0
    return {"events": report.events, "findings": len(report.failures), "checks_passed": report.counts()["pass"],
            "replay_s": replay, "checks_s": end - t0 - replay, "total_s": end - t0}


@contextmanager
def node_process(data_dir: Path) -> Iterator[str]:
    """`tender-ledger node` on `data_dir` (a free port), stopped with its process group on exit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TL_")}
    log = data_dir.parent / "node.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tools.cli", "node", "--data-dir", str(data_dir),
                                 "--port", "0"], cwd=Path(__file__).resolve().parents[2], env=env,
                                stdout=subprocess.DEVNULL, stderr=out, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"tender-ledger node exited with {proc.returncode}: {log.read_text()}")
            try:
                info = json.loads((data_dir / "node.json").read_text())
            except (OSError, ValueError):
                info = None
            if info is not None and info.get("pid") == proc.pid:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"tender-ledger node did not start within 60 s: {log.read_text()}")
            time.sleep(0.05)
        yield str(info["url"])
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# ---------------------------------------------------------------------- the whole area


def bench_audit(*, progress: Progress | None = None, sections: int = 20, bids: int = 10, credentials: int = 15,
                node: bool = True, seed: int = 20260803) -> dict[str, Any]:
    """Every figure of the audit area, as one flat dict (keys name the figure and its unit)."""
    say = progress or (lambda _m: None)
    if min(sections, bids) < 1 or credentials < 0:
        raise ValueError("sections and bids must be at least 1, credentials at least 0")
    result: dict[str, Any] = {
        "audit_workload": (f"{sections} sections x {bids} bids x {credentials} credentials, opened and "
                           "closed (no 评定分离)"),
        "city_year": "--sections {sections} --bids {bids} --credentials {credentials}".format(**CITY_YEAR),
    }
    with tempfile.TemporaryDirectory(prefix="tl-bench-audit-") as tmp:
        data_dir = Path(tmp) / "data"
        t0 = time.perf_counter()
        generate(data_dir, sections=sections, bids=bids, credentials=credentials, seed=seed, say=say)
        result["generation_s"] = round(time.perf_counter() - t0, 3)

        say("export: the audit bundle from the data directory (read-only)")
        t0 = time.perf_counter()
        client = open_embedded_readonly(data_dir)
        try:
            chain = ChainView(client, _addresses(client, data_dir))
            documents = export(chain, f"sqlite:///{data_dir / STORE_FILE}", Path(tmp) / "bundle")
        finally:
            client.close()
        result["export_s"] = round(time.perf_counter() - t0, 3)
        result["bundle_documents"] = documents
        bundle = Bundle.load(Path(tmp) / "bundle")

        say("audit: the embedded chain, read-only")
        embedded = audit_once(open_embedded_readonly(data_dir), data_dir, bundle, say)
        result.update({
            "events": embedded["events"],
            "findings": embedded["findings"],
            "checks_passed": embedded["checks_passed"],
            "replay_s": round(embedded["replay_s"], 3),
            "checks_s": round(embedded["checks_s"], 3),
            "events_per_s": round(embedded["events"] / embedded["total_s"], 1),
            "audit_total_s": round(embedded["total_s"], 3),
        })
        if node:
            say("audit: through a `tender-ledger node` process on the same data directory")
            with node_process(data_dir) as url:
                remote = audit_once(ChainClient.for_node(url, expected_chain_id=None), data_dir, bundle, say)
            result.update({
                "findings_node": remote["findings"],
                "replay_s_node": round(remote["replay_s"], 3),
                "checks_s_node": round(remote["checks_s"], 3),
                "events_per_s_node": round(remote["events"] / remote["total_s"], 1),
                "audit_total_s_node": round(remote["total_s"], 3),
            })
        else:
            result["node_note"] = "not run (node=False)"
    result.update(machine())
    result["machine_cpu"] = cpu_model()
    return result


