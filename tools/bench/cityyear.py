"""`tender-ledger bench audit --city-year`: the issue's synthetic city-year, made in large steps and audited.

`bench audit` generates its workload through the service's use cases, one relayed step at a time
(about 13 s a section here): a city-year of 2,000 sections would take hours. This generator builds
the same kind of chain state with the same contracts and the same rules, in far fewer, larger steps:

- the firms' identities and credentials anchored one batch per kind (as `bench audit`);
- tenders of up to five sections published, many to a block, each with its own deadline: the first
  21 days on, then one every `DEADLINE_STEP` (a year of openings spread over the calendar);
- every firm bids in every section with its per-tender bid key (sealed to the tender's opening key,
  its firm link inside, EIP-712 signed), relayed `RELAY_BATCH` (16) bids to a `submitBidsBySig`
  transaction, many transactions to a block;
- tender by tender, the clock moved past its deadline, two of its three officers release their
  shares, and each bid is opened and judged by the service's own rules (`open_bid`,
  `TenderService.eligibility` on credentials proven against the chain, `check_guarantee`,
  `one_bid_per_firm`); the centre signs each opening report's receipt, records every opening and
  closes every section, many transactions to a block (`ChainClient.send_packed`).

The documents an audit needs (tender files and parameters, batches and sealed copies, envelopes,
opening reports with their receipts) are written to the audit bundle directly. The service's store
is not written: the audit reads only the chain and the bundle. 评定分离 (evaluation and selection)
is not generated: the sections are opened and closed, as in `bench audit`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from eth_account import Account
from eth_account.signers.local import LocalAccount

from api.db.tenders import opening_document
from ledger.audit.bundle import BATCH, ENVELOPE, OPENING, PARAMS, SEALED, TENDER, Bundle, write_bundle
from ledger.audit.chain import open_embedded_readonly
from ledger.chain.client import ChainClient
from ledger.config import Settings
from ledger.crypto import receipts
from ledger.crypto.bid_keys import derive_bid_key, sign_link
from ledger.crypto.bids import BidAuthorisation, authorise_bid, seal_bid
from ledger.crypto.canonical import keccak
from ledger.crypto.officer_box import Dealing, OfficerKey, deal, open_share
from ledger.crypto.sealing import BidPackage
from ledger.documents import DocumentError, Kind, SealedCredential, parse_document
from ledger.model.credential import StoredCredential
from ledger.model.receipt import Mined
from ledger.model.tender import BidEligibility, Opening, Tender
from ledger.rules.eligibility import Verdicts
from ledger.rules.opening import one_bid_per_firm, open_bid, rebuild_opening_key
from ledger.rules.verify import Check, CheckStatus
from ledger.runtime import Runtime, open_runtime
from ledger.service.guarantees import check_guarantee
from ledger.service.proven import ProvenCredentials
from ledger.service.tenders import TenderService, opening_digest, terms_for
from ledger.tenders import TenderParams, tender_id
from tools.bench.audit import (
    CITY_YEAR,
    OFFICERS,
    SECTIONS_PER_TENDER,
    SUBMITTERS,
    THRESHOLD,
    audit_once,
    tender_params,
)
from tools.bench.bids import CredentialMaker, Firm, Ledger, _issuer_of, new_firms, prepare_ledger
from tools.bench.machine import cpu_model, machine

Progress = Callable[[str], None]

# Bids relayed in one `submitBidsBySig` transaction: as many as `bench audit` keeps in flight, so
# at most what the service's relayer batches under that load. TenderBook takes up to 200, but the
# audit's roles family decodes a relayed batch once for each bid in it (quadratic in the batch
# size): full batches would measure that, not a city's bids, which arrive spread over the year.
RELAY_BATCH = SUBMITTERS
DEADLINE_STEP = timedelta(hours=12)  # between one tender's deadline and the next's
FIRST_DEADLINE = timedelta(days=21)
FUNDS = 10**22  # the centre's, to pay for a year of openings


# ---------------------------------------------------------------------- the documents filed


class FiledCredentials:
    """The `CredentialDocuments` port (`ledger.service.proven`) over the batches and sealed copies
    this generator anchored: what the centre's store would hold, proven against the chain by the
    service's own prover before any decision rests on it."""

    def __init__(self) -> None:
        self.ids: dict[bytes, list[bytes]] = {}  # root -> ids
        self.where: dict[bytes, tuple[bytes, tuple[bytes, ...]]] = {}  # id -> (root, proof)
        self.copy: dict[bytes, bytes] = {}  # id -> sealed copy (JSON)

    def file(self, root: bytes, sealed: Sequence[SealedCredential], proofs: Mapping[bytes, tuple[bytes, ...]]) -> None:
        ids = [s.credential_id() for s in sealed]
        self.ids[root] = ids
        for cid, s in zip(ids, sealed, strict=True):
            self.where[cid] = (root, proofs[cid])
            self.copy[cid] = s.to_json().encode()

    def row(self, credential_id: bytes) -> StoredCredential | None:
        where, content = self.where.get(credential_id), self.copy.get(credential_id)
        if where is None or content is None:
            return None
        try:
            sealed = SealedCredential.from_json(content)
            document = sealed.document
        except (DocumentError, ValueError):
            return None
        return StoredCredential(
            credential_id=credential_id, root=where[0], kind=Kind(document.kind), issuer=str(document.issuer),
            subject=str(document.subject), signing_address=getattr(document, "signing_address", None),
            proof=where[1], sealed=sealed, tx_hash=b"", block_number=0, anchored_at=0)

    def rows_bound_to(self, address: str) -> Sequence[StoredCredential]:
        return []  # every identity batch is read from the chain's roots

    def rows_about(self, uscc: str, kind: Kind | None = None) -> Sequence[StoredCredential]:
        return []

    def batch_ids(self, root: bytes) -> list[bytes] | None:
        return self.ids.get(root)

    def copies(self, credential_ids: Sequence[bytes]) -> dict[bytes, bytes]:
        return {cid: self.copy[cid] for cid in credential_ids if cid in self.copy}


@dataclass
class Published:
    tender: Tender
    dealt: Dealing
    bids: dict[int, dict[str, tuple[bytes, bytes, bytes]]] = field(default_factory=dict)
    """section -> bid key -> (commitment, envelope, credential-set commitment)"""


@dataclass
class CityYear:
    sections: int
    bids: int
    credentials: int
    tenders: int = 0
    valid_bids: int = 0
    transactions: int = 0
    blocks: int = 0
    documents: int = 0
    phases: dict[str, float] = field(default_factory=dict)


class _Sender:
    """Calls queued per sender, signed and mined many to a block (`ChainClient.send_packed`); each
    function's gas limit is its first call's estimate with a margin (the calls of one function here
    have one shape), so the first call of each must be executable on the head when queued."""

    def __init__(self, client: ChainClient, work: CityYear) -> None:
        self.client, self.work = client, work
        self.queue: list[tuple[LocalAccount, str, bytes, int]] = []
        self.gas: dict[str, int] = {}

    def known(self, function: str) -> bool:
        return function in self.gas

    def add(self, account: LocalAccount, to: str, function: str, data: bytes) -> None:
        if function not in self.gas:
            self.flush()
            estimate = int(self.client.w3.eth.estimate_gas(
                cast(Any, {"from": account.address, "to": to, "data": "0x" + data.hex()})))
            self.gas[function] = estimate * 5 // 4 + 20_000
        self.queue.append((account, to, data, self.gas[function]))

    def flush(self) -> None:
        if not self.queue:
            return
        before = self.client.block_number()
        self.client.send_packed(self.queue)
        self.work.transactions += len(self.queue)
        self.work.blocks += self.client.block_number() - before
        self.queue = []


# ---------------------------------------------------------------------- generation


def _anchor(rt: Runtime, issuer: LocalAccount, kind: Kind, sealed: list[SealedCredential],
            filed: FiledCredentials, items: list[tuple[str, str, bytes, dict[str, Any]]]) -> None:
    batch = rt.registry.anchor_batch(issuer, sealed, kind)
    filed.file(batch.root, sealed, batch.proofs)
    ids = json.dumps(["0x" + s.credential_id().hex() for s in sealed]).encode()  # as the store files a batch
    items.append((BATCH, "0x" + batch.root.hex(), ids, {}))


def _holdings(rt: Runtime, ledger: Ledger, firms: list[Firm], credentials: int, filed: FiledCredentials,
              items: list[tuple[str, str, bytes, dict[str, Any]]]) -> dict[str, list[bytes]]:
    """`bench audit`'s holdings: each firm's identity credential naming its key and `credentials`
    more, one batch per kind; the ids of the `credentials`, by firm key."""
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
    _anchor(rt, identity, Kind.IDENTITY, ids, filed, items)
    held: dict[str, list[bytes]] = {f.account.address: [] for f in firms}
    for kind, group in groups.items():
        _anchor(rt, ledger.issuers[_issuer_of(kind)], kind, [s for _, s in group], filed, items)
        for firm, sealed in group:
            held[firm.account.address].append(sealed.credential_id())
    return held


def generate(data_dir: Path, bundle_dir: Path, *, sections: int, bids: int, credentials: int, seed: int,
             say: Progress) -> CityYear:
    """The city-year on a fresh embedded data directory, its audit bundle in `bundle_dir`."""
    rng = random.Random(seed)
    work = CityYear(sections, bids, credentials)
    items: list[tuple[str, str, bytes, dict[str, Any]]] = []
    filed = FiledCredentials()
    settings = Settings(data_dir=data_dir, rpc_url=None, chain_id=None, chain_clock="development")
    t0 = time.perf_counter()
    with open_runtime(settings) as rt:
        client, book, centre = rt.client, rt.tender_book, rt.centre
        chain_id = client.chain_id
        ledger = prepare_ledger(rt, rng)
        client.fund(rt.relayer, centre.address, FUNDS)
        say(f"generate: {bids} firms, each with an identity and {credentials} credentials")
        firms = new_firms(ledger, bids, funded=False)
        held = _holdings(rt, ledger, firms, credentials, filed, items)
        officers = [Account.create() for _ in range(OFFICERS)]
        for o in officers:
            client.fund(rt.relayer, o.address, 10**20)
        sender = _Sender(client, work)
        work.phases["setup_s"] = time.perf_counter() - t0

        # ------------------------------------------------------------ publication
        t0 = time.perf_counter()
        first = datetime.fromtimestamp(client.block_timestamp(), UTC).replace(microsecond=0) + FIRST_DEADLINE
        published: list[Published] = []
        left = sections
        while left:
            n = min(SECTIONS_PER_TENDER, left)
            left -= n
            code = f"E440400{seed % 10**6:06d}{len(published):05d}"
            data = tender_params(ledger, code, n, credentials).model_dump(mode="json")
            data["deadline"] = (first + DEADLINE_STEP * len(published)).isoformat()
            params = TenderParams.model_validate(data)
            tid = tender_id(code)
            dealt = deal(tender_id=tid, officers=[OfficerKey.of_private(bytes(o.key)) for o in officers],
                         threshold=THRESHOLD)
            document = f"%PDF-1.7 招标文件 {code}".encode()
            terms = terms_for(params, document=document, opening_public=dealt.opening_public,
                              share_hashes=dealt.share_hashes, officers=dealt.officers, threshold=THRESHOLD)
            sender.add(centre, book.address, "publishTender", book.publish_calldata(tid, terms))
            items.append((TENDER, "0x" + keccak(document).hex(), document, {}))
            items.append((PARAMS, "0x" + params.params_hash().hex(), params.model_dump_json().encode(), {}))
            tender = Tender(tender_id=tid, params=params, doc_hash=terms.doc_hash, deadline=terms.deadline,
                            opening_public=dealt.opening_public, officers=dealt.officers, threshold=THRESHOLD,
                            share_hashes=dealt.share_hashes, mined=Mined(b"", 0), issued_at=0)
            published.append(Published(tender, dealt))
        sender.flush()
        work.tenders = len(published)
        work.phases["publish_s"] = time.perf_counter() - t0
        say(f"generate: {len(published)} tender(s) of {sections} section(s) published; "
            f"{sections * bids} bids of {credentials} credential(s) to seal, sign and relay")

        # ------------------------------------------------------------ bids
        t0 = time.perf_counter()
        auths: list[BidAuthorisation] = []

        def relay(final: bool = False) -> None:
            while len(auths) >= RELAY_BATCH or (final and auths):
                batch = auths[:RELAY_BATCH]
                del auths[:RELAY_BATCH]
                sender.add(rt.relayer, book.address, "submitBidsBySig", book.relay_bids_calldata(batch))

        for i, p in enumerate(published, 1):
            tid, deadline = p.tender.tender_id, p.tender.deadline
            for firm in firms:
                key = derive_bid_key(firm.account, tid)
                link = sign_link(firm.account, chain_id=chain_id, book_address=book.address, tender_id=tid,
                                 bid_key=key.address)
                for section in range(len(p.tender.params.sections)):
                    price = Decimal(rng.randrange(10_000_000_00, 12_000_000_00)) / 100
                    letter = f"投标函：{firm.name}愿以人民币{price:,.2f}元承包本标段。".encode()
                    package = BidPackage.create(
                        price=str(price), credential_ids=["0x" + c.hex() for c in held[firm.account.address]],
                        salt="0x" + os.urandom(32).hex(), firm_link=link,
                        files={"投标函.pdf": {"sha256": hashlib.sha256(letter).hexdigest(),
                                              "content": base64.b64encode(letter).decode()}})
                    sealed = seal_bid(chain_id=chain_id, book_address=book.address, tender_id=tid, section=section,
                                      bidder=key.address, opening_public=p.tender.opening_public, package=package)
                    auths.append(authorise_bid(bidder=key, chain_id=chain_id, book_address=book.address,
                                               tender_id=tid, section=section, commitment=sealed.commitment,
                                               nonce=section, expiry=deadline))
                    p.bids.setdefault(section, {})[key.address] = (
                        sealed.commitment, sealed.envelope, sealed.credential_set_commitment)
            relay()
            if i % 20 == 0 or i == len(published):
                relay(final=i == len(published))
                sender.flush()
                say(f"generate: bids of {i} of {len(published)} tenders relayed")
        work.phases["bids_s"] = time.perf_counter() - t0

        # ------------------------------------------------------------ deadlines, shares, openings
        t0 = time.perf_counter()
        documents = ProvenCredentials(rt.registry, filed)
        service = TenderService(book, rt.registry, cast(Any, None), documents, centre, chain_id=chain_id,
                                now=client.block_timestamp, verdicts=Verdicts())
        for i, p in enumerate(published, 1):
            tender, tid = p.tender, p.tender.tender_id
            ahead = tender.deadline + 60 - client.block_timestamp()
            if ahead > 0:
                client.increase_time(ahead)
            shares = []
            for officer, box in list(zip(officers, p.dealt.sealed, strict=True))[:THRESHOLD]:
                share = open_share(box, bytes(officer.key))
                shares.append(share)
                sender.add(officer, book.address, "releaseShare", book.release_share_calldata(tid, share))
            sender.flush()  # the openings are judged after the shares are on chain, as the service does
            opening_key = rebuild_opening_key(tender, shares)
            closes: list[tuple[int, int]] = []
            for section, live in sorted(p.bids.items()):
                judged: list[tuple[str, bytes, bytes, bytes, Opening]] = []
                reports: dict[str, BidEligibility | None] = {}
                for bidder in sorted(live):
                    commitment, envelope, cred_set = live[bidder]
                    opening = open_bid(key=opening_key, chain_id=chain_id, book_address=book.address, tender_id=tid,
                                       section=section, bidder=bidder, envelope=envelope,
                                       credential_set_commitment=cred_set, commitment=commitment)
                    eligibility: BidEligibility | None = None
                    if opening.package is not None:
                        eligibility = service.eligibility(tender, section, bidder, opening.credential_ids,
                                                          firm_link=opening.package.firm_link)
                        g = check_guarantee(rt.guarantee_book, tender=tender, section=section, bidder=bidder,
                                            opening_key=opening_key)
                        failed = g.status in (CheckStatus.INVALID, CheckStatus.ERROR)
                        eligibility = BidEligibility(firm=eligibility.firm, eligible=eligibility.eligible and not failed,
                                                     checks=(*eligibility.checks, Check(g.name, g.status, g.reason)))
                    judged.append((bidder, commitment, envelope, cred_set, opening))
                    reports[bidder] = eligibility
                reports = one_bid_per_firm(reports)
                valid = sum(1 for r in reports.values() if r is not None and r.eligible)
                for bidder, commitment, envelope, cred_set, opening in judged:
                    report = reports[bidder]
                    read = str(opening.package.price) if opening.package else None  # 唱标
                    digest = opening_digest(chain_id=chain_id, book=book.address, tender_id=tid, commitment=commitment,
                                            reason=opening.reason, price=read, eligibility=report)
                    where = {"tender_id": "0x" + tid.hex(), "section": section, "bidder": bidder}
                    items.append((ENVELOPE, "0x" + commitment.hex(), envelope,
                                  {"credential_set_commitment": "0x" + cred_set.hex(), **where}))
                    items.append((OPENING, "0x" + commitment.hex(),
                                  opening_document(reason=opening.reason, price=read, eligibility=report),
                                  {"receipt": "0x" + receipts.sign_receipt(centre, digest).hex(), **where}))
                    sender.add(centre, book.address, "recordOpening", book.opening_calldata(tid, opening))
                work.valid_bids += valid
                closes.append((section, valid))
            for section, valid in closes:
                sender.add(centre, book.address, "closeSection", book.close_calldata(tid, section, valid))
            sender.flush()
            p.bids.clear()
            if i % 20 == 0 or i == len(published):
                say(f"generate: {i} of {len(published)} tenders opened and closed")
        work.phases["openings_s"] = time.perf_counter() - t0

        # ------------------------------------------------------------ the bundle
        t0 = time.perf_counter()
        # the holders' copies: every identity, and every credential, since each is ticked into a bid
        for cid, content in sorted(filed.copy.items()):
            items.append((SEALED, "0x" + cid.hex(), content, {}))
        genesis = "0x" + bytes(client.w3.eth.get_block(0)["hash"]).hex()
        work.documents = write_bundle(bundle_dir, chain_id=chain_id, genesis=genesis,
                                      addresses={k: str(v) for k, v in rt.addresses.items()}, items=items)
        work.phases["bundle_s"] = time.perf_counter() - t0
    if work.valid_bids != sections * bids:
        raise AssertionError(f"{work.valid_bids} of {sections * bids} bids are eligible")
    return work


# ---------------------------------------------------------------------- the bench


def bench_city_year(*, progress: Progress | None = None, sections: int = CITY_YEAR["sections"],
                    bids: int = CITY_YEAR["bids"], credentials: int = CITY_YEAR["credentials"],
                    seed: int = 20260803, data_dir: Path | None = None) -> dict[str, Any]:
    """The city-year generated in large steps, then audited once on the data directory opened
    read-only; its figures as one flat dict. A failed check is an error (findings is 0)."""
    say = progress or (lambda _m: None)
    if min(sections, bids) < 1 or credentials < 0:
        raise ValueError("sections and bids must be at least 1, credentials at least 0")
    result: dict[str, Any] = {
        "audit_workload": (f"city-year: {sections} sections x {bids} bids x {credentials} credentials, opened and "
                           "closed (no 评定分离), generated in large steps"),
    }
    with tempfile.TemporaryDirectory(prefix="tl-bench-cityyear-") as tmp:
        root = data_dir or Path(tmp)
        data, bundle_dir = root / "data", root / "bundle"
        t0, c0 = time.perf_counter(), time.process_time()
        work = generate(data, bundle_dir, sections=sections, bids=bids, credentials=credentials, seed=seed, say=say)
        result["generation_s"] = round(time.perf_counter() - t0, 3)
        result["generation_cpu_s"] = round(time.process_time() - c0, 3)  # on a shared machine, the steadier figure
        result.update({f"generation_{k}": round(v, 3) for k, v in work.phases.items()})
        result.update({"tenders": work.tenders, "transactions": work.transactions, "blocks_packed": work.blocks,
                       "bundle_documents": work.documents})
        bundle = Bundle.load(bundle_dir)
        say("audit: the embedded chain, read-only")
        audited = audit_once(open_embedded_readonly(data), data, bundle, say)
        result.update({
            "events": audited["events"],
            "findings": audited["findings"],
            "checks_passed": audited["checks_passed"],
            "replay_s": round(audited["replay_s"], 3),
            "checks_s": round(audited["checks_s"], 3),
            "audit_wall_s": round(audited["total_s"], 3),
            "audit_cpu_s": round(audited["cpu_s"], 3),
            "events_per_s": round(audited["events"] / audited["total_s"], 1),
            "events_per_cpu_s": round(audited["events"] / max(audited["cpu_s"], 1e-9), 1),
        })
    result.update(machine())
    result["machine_cpu"] = cpu_model()
    return result
