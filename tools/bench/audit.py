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

`replay_s` is reading and decoding every event, the times of their blocks and the senders of their
transactions, plus building the audit's context (up to the first check family); `checks_s` the check
families and the collusion flags; `events_per_s` is events over the two together (wall time), and
`events_per_cpu_s` over the auditor's CPU time, which stays put when other work shares the machine. The issue's city-year is `--sections 2000 --bids 10 --credentials 15`.
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
from contextlib import ExitStack, contextmanager
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
WORKLOAD_FILE = "workload.json"  # in a `reuse` directory: the shape it was generated with, and its figures
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


def tender_params(ledger: Ledger, code: str, sections: int, credentials: int) -> TenderParams:
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
            params = tender_params(ledger, code, n, credentials)
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
        t0, c0 = time.perf_counter(), time.process_time()
        report = run_audit(chain, bundle, progress=progress)
        end, cpu = time.perf_counter(), time.process_time() - c0
    finally:
        chain.close()
    if report.failures:
        first = report.failures[0]
        raise AssertionError(f"the audit of a clean workload found {len(report.failures)} failed check(s), "
                             f"the first {first.family}: {first.name}: {first.message}")
    replay = marks.get("checks", end) - t0
    return {"events": report.events, "findings": len(report.failures), "checks_passed": report.counts()["pass"],
            "replay_s": replay, "checks_s": end - t0 - replay, "total_s": end - t0, "cpu_s": cpu}


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


class ReuseError(ValueError):
    """A `reuse` directory that holds something other than this bench's workload of this shape."""


def _workload_in(reuse: Path, shape: dict[str, int]) -> dict[str, Any] | None:
    """The workload recorded in `reuse` (its shape, generation and export figures), None when
    `reuse` is empty or missing; ReuseError when it holds anything else."""
    if not reuse.exists() or (reuse.is_dir() and not any(reuse.iterdir())):
        return None
    if not reuse.is_dir():
        raise ReuseError(f"{reuse} is not a directory")
    try:
        recorded = json.loads((reuse / WORKLOAD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ReuseError(f"{reuse} is neither empty nor an audit workload (no readable {WORKLOAD_FILE})") from None
    if not isinstance(recorded, dict) or recorded.get("shape") != shape:
        got = recorded.get("shape") if isinstance(recorded, dict) else None
        raise ReuseError(f"{reuse} holds a workload of {got}, not {shape}")
    return recorded


def bench_audit(*, progress: Progress | None = None, sections: int = 20, bids: int = 10, credentials: int = 15,
                node: bool = True, seed: int = 20260803, reuse: Path | None = None) -> dict[str, Any]:
    """Every figure of the audit area, as one flat dict (keys name the figure and its unit).

    With `reuse`, the workload lives in that directory and is kept: generated and exported there
    when it is empty (or missing), audited as it is when it already holds this shape's workload
    (then `generation_s` and `export_s` are the recorded ones and `workload_reused` is true)."""
    say = progress or (lambda _m: None)
    if min(sections, bids) < 1 or credentials < 0:
        raise ValueError("sections and bids must be at least 1, credentials at least 0")
    shape = {"sections": sections, "bids": bids, "credentials": credentials, "seed": seed}
    result: dict[str, Any] = {
        "audit_workload": (f"{sections} sections x {bids} bids x {credentials} credentials, opened and "
                           "closed (no 评定分离)"),
        "city_year": "--sections {sections} --bids {bids} --credentials {credentials}".format(**CITY_YEAR),
    }
    recorded = _workload_in(Path(reuse), shape) if reuse is not None else None
    with ExitStack() as stack:
        root = Path(reuse) if reuse is not None else Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="tl-bench-audit-")))
        data_dir, bundle_dir = root / "data", root / "bundle"
        if recorded is not None:
            say(f"generate: reusing the workload in {root}")
            result.update({k: recorded[k] for k in ("generation_s", "export_s", "bundle_documents")})
            result["workload_reused"] = True
        else:
            root.mkdir(parents=True, exist_ok=True)
            t0 = time.perf_counter()
            generate(data_dir, sections=sections, bids=bids, credentials=credentials, seed=seed, say=say)
            result["generation_s"] = round(time.perf_counter() - t0, 3)

            say("export: the audit bundle from the data directory (read-only)")
            t0 = time.perf_counter()
            client = open_embedded_readonly(data_dir)
            try:
                chain = ChainView(client, _addresses(client, data_dir))
                documents = export(chain, f"sqlite:///{data_dir / STORE_FILE}", bundle_dir)
            finally:
                client.close()
            result["export_s"] = round(time.perf_counter() - t0, 3)
            result["bundle_documents"] = documents
            if reuse is not None:  # written last: a directory without it is not a finished workload
                (root / WORKLOAD_FILE).write_text(json.dumps(
                    {"shape": shape, **{k: result[k] for k in ("generation_s", "export_s", "bundle_documents")}},
                    indent=1) + "\n", encoding="utf-8")
        bundle = Bundle.load(bundle_dir)

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
            "audit_cpu_s": round(embedded["cpu_s"], 3),
            "events_per_cpu_s": round(embedded["events"] / max(embedded["cpu_s"], 1e-9), 1),
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
                "audit_cpu_s_node": round(remote["cpu_s"], 3),  # the auditor's own; the node's is its process's
            })
        else:
            result["node_note"] = "not run (node=False)"
    result.update(machine())
    result["machine_cpu"] = cpu_model()
    return result




# ---------------------------------------------------------------------- the planted-fault census


def census_world(data_dir: Path, bundle_dir: Path, *, scale: float, say: Progress) -> Any:
    """The honest world the census plants its faults in: the demo (评定分离 decided, a second tender
    opened with bids the rules refuse) at `scale`, the store's log checkpointed on chain, its bundle
    exported. Its bids are named from the store: an eligible one for the price, an ineligible one
    whose report says a credential was revoked, if any."""
    from api.deps import checkpoint_service
    from tools.audit_census import Honest
    from tools.demo import DemoOptions, demo_settings, run_demo
    from tools.demo import Progress as DemoProgress

    say(f"faults: the honest world (the demo at scale {scale})")
    summary = run_demo(DemoOptions(data_dir=data_dir, scale=scale, sample=3), DemoProgress(enabled=False))
    tender = str(summary["selection"]["tender_id"])
    with open_runtime(demo_settings(data_dir)) as rt:
        store = Store(rt)
        store.reconcile()
        checkpoint_service(store).checkpoint()
        store.reconcile()  # the checkpoint's own event, as the running service would project it
        centre, chain_id, book = rt.centre, rt.client.chain_id, str(rt.tender_book.address)
    client = open_embedded_readonly(data_dir)
    try:
        export(ChainView(client, _addresses(client, data_dir)), f"sqlite:///{data_dir / STORE_FILE}", bundle_dir)
    finally:
        client.close()
    import sqlite3

    with sqlite3.connect(f"file:{data_dir / STORE_FILE}?mode=ro", uri=True) as db:
        eligible = db.execute("SELECT bidder FROM openingrecord WHERE tender_id = ? AND eligible = 1 ORDER BY bidder",
                              (tender,)).fetchone()
        revoked = db.execute("SELECT tender_id, bidder FROM openingrecord WHERE eligible = 0 AND reason LIKE "
                             "'%revoked%' ORDER BY bidder").fetchone()
    if revoked is not None and revoked[0] != tender:
        eligible = None  # the bid-level kinds are planted on one tender: the revoked bid's
    return Honest(data=data_dir, bundle=bundle_dir, centre=centre, chain_id=chain_id, tender_book=book,
                  tender_id=revoked[0] if revoked else tender, bidder=eligible[0] if eligible else None,
                  revoked_bidder=revoked[1] if revoked else None)


def bench_audit_faults(*, progress: Progress | None = None, scale: float = 0.02, node: bool = True) -> dict[str, Any]:
    """The planted-fault census (`tools.audit_census`): every kind planted in a copy of an honest world
    and audited; the kinds planted, detected and the detection rate, and for each kind not planted
    why. The role-less change needs an anvil node (`node=False`, or no anvil installed: not planted)."""
    from tools.audit_census import CENSUS, anvil_world, census, summary
    from tools.localnet import ANVIL

    say = progress or (lambda _m: None)
    result: dict[str, Any] = {"census_world": f"the demo at scale {scale}, its store's log checkpointed; "
                                              "an anvil node for the role-less change"}
    with tempfile.TemporaryDirectory(prefix="tl-bench-faults-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        honest = census_world(root / "data", root / "bundle", scale=scale, say=say)
        worlds = {"*": honest}
        result["census_world_s"] = round(time.perf_counter() - t0, 3)
        with ExitStack() as stack:
            if node and ANVIL.exists():
                say("faults: a world on an anvil node")
                worlds["role-less state change on a node that allows it"] = stack.enter_context(
                    anvil_world(root / "node"))
            t0 = time.perf_counter()
            outcomes = census(worlds, root / "planted", kinds=CENSUS, progress=lambda m: say(f"faults: {m}"))
            result["census_audits_s"] = round(time.perf_counter() - t0, 3)
        result.update(summary(outcomes))
        result["census"] = [o.as_json() for o in outcomes]
    result.update(machine())
    return result
