"""`tender-ledger bench bids`: one sealed-bid section end to end, bid submission throughput, and
eligibility time per bid, on the embedded chain and on an anvil node process.

A "bid submission" is everything from a composed bid package to its commitment being mined:
sealing the package to the tender's opening key, computing the commitment, signing (the
bidder's transaction, or its EIP-712 authorisation for a relayed batch) and the chain
accepting it. The bidder-side cryptography is inside every submission figure.
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.model.tender import Tender
from ledger.chain.client import ChainClient
from ledger.chain.registry import RegistryGateway
from ledger.config import Settings
from ledger.documents import Document, Kind, SealedCredential, parse_document
from ledger.chain.tender_book import TenderBookGateway
from ledger.crypto.bids import authorisation, seal_bid, sign_bid
from ledger.model.tender import Opening, Outcome, SectionStatus
from ledger.rules.eligibility import TickedCredential, check_bid
from ledger.rules.opening import open_bid, rebuild_opening_key
from ledger.service.tenders import publish_with_new_key
from ledger.runtime import Runtime, open_runtime
from ledger.crypto.sealing import BidFile, BidPackage
from ledger.crypto.officer_box import OfficerKey, SealedShare, open_share
from ledger.tenders import TenderParams
from ledger.uscc import generate_uscc
from tools.bench.machine import machine

Progress = Callable[[str], None]

ANVIL = (
    Path(__file__).resolve().parents[2]
    / "node_modules"
    / "@foundry-rs"
    / "anvil-linux-amd64"
    / "bin"
    / "anvil"
)
ANVIL_CHAIN_ID = 31337
MAX_BATCH = 200  # TenderBook.MAX_BATCH
OFFICERS = 5
THRESHOLD = 3
BIDDERS_PER_TENDER = 50  # throughput tenders: this many firms, each bidding on several sections
FUNDS = 10**21
BID_LETTER_BYTES = 4096


# ---------------------------------------------------------------------- realistic credentials

# Ticked into a bid, in this order: the section's three requirements first, then the mix a
# municipal-works bid usually carries (业绩 most, then registered staff, awards, qualifications).
_TICK_ORDER = (Kind.QUALIFICATION, Kind.PERFORMANCE, Kind.PERSONNEL)
_TICK_FILL = (
    Kind.PERFORMANCE,
    Kind.PERSONNEL,
    Kind.PERFORMANCE,
    Kind.AWARD,
    Kind.PERSONNEL,
    Kind.PERFORMANCE,
    Kind.QUALIFICATION,
    Kind.PERSONNEL,
    Kind.PERFORMANCE,
    Kind.AWARD,
)
_SPECIALTIES = (
    ("市政公用工程", "D211"),
    ("建筑工程", "D101"),
    ("公路工程", "D311"),
    ("水利水电工程", "D411"),
)
_PLACES = ("香洲区", "金湾区", "斗门区", "横琴新区", "高新区")
_ROADS = ("情侣路", "迎宾大道", "珠海大道", "九洲大道", "港湾大道", "前山路")
_CLIENTS = ("珠海市香洲区住房和城乡建设局", "珠海交通集团有限公司", "珠海市水务集团有限公司")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
_AWARDS = (
    ("鲁班奖", "国家级", "中国建筑业协会"),
    ("詹天佑奖", "国家级", "中国土木工程学会"),
    ("广东省建设工程金匠奖", "省级", "广东省建筑业协会"),
    ("珠海市优质结构工程奖", "市级", "珠海市建筑业协会"),
)
HOUSING = "housing"  # qualifications and registered personnel
PROJECTS = "projects"  # completed-project records (业绩)
AWARDS = "awards"  # awards


@dataclass
class Firm:
    """A bidder: its own key, its USCC, and the anchored credentials it holds, by id."""

    account: LocalAccount
    uscc: str
    name: str
    held: dict[bytes, TickedCredential] = field(default_factory=dict)


class CredentialMaker:
    """Documents of the shape the registry anchors, with values that vary per firm and serial."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.serial = 0
        self.clients = [(name, generate_uscc(rng)) for name in _CLIENTS]

    def kinds(self, count: int) -> list[tuple[Kind, bool]]:
        """(kind, meets the section's requirement) of `count` ticked credentials."""
        kinds = [(k, True) for k in _TICK_ORDER[:count]]
        while len(kinds) < count:
            kinds.append((_TICK_FILL[(len(kinds) - len(_TICK_ORDER)) % len(_TICK_FILL)], False))
        return kinds

    def document(self, kind: Kind, *, issuer: str, firm: Firm, meets: bool = False) -> Document:
        """One credential about `firm`; with `meets` it satisfies the section's requirement."""
        self.serial += 1
        n, rng = self.serial, self.rng
        start = self.now - timedelta(days=rng.randrange(200, 1500))
        envelope: dict[str, Any] = {
            "kind": int(kind),
            "issuer": issuer,
            "subject": firm.uscc,
            "validFrom": start.isoformat(),
            "issued_at": (start + timedelta(hours=9, minutes=n % 60)).isoformat(),
        }
        if kind in (Kind.QUALIFICATION, Kind.PERSONNEL):
            envelope["validUntil"] = (
                self.now + timedelta(days=rng.randrange(400, 1400))
            ).isoformat()
        specialty, code = _SPECIALTIES[0] if meets else rng.choice(_SPECIALTIES)
        return parse_document(
            {**envelope, **self._claims(kind, firm, n, start.date(), specialty, code, meets)}
        )

    def _claims(
        self, kind: Kind, firm: Firm, n: int, start: date, specialty: str, code: str, meets: bool
    ) -> dict[str, Any]:
        rng, today = self.rng, self.now.date()
        if kind is Kind.QUALIFICATION:
            grade = rng.choice(("一级", "二级") if meets else ("一级", "二级", "三级"))
            return {
                "APT_CERTNO": f"D{rng.choice((1, 2))}44{n:06d}",
                "APT_NAME": f"{specialty}施工总承包{grade}",
                "APT_TYPE_NAME": "建筑业企业资质",
                "APT_CODE": code,
                "grade": grade,
                "issue_date": start.isoformat(),
                "APT_EDATE": (today + timedelta(days=rng.randrange(500, 1500))).isoformat(),
                "APT_GRANT_UNIT": "广东省住房和城乡建设厅"
                if grade == "一级"
                else "珠海市住房和城乡建设局",
            }
        if kind is Kind.PERSONNEL:
            level = "一级" if meets else rng.choice(("一级", "二级"))
            return {
                "person_name": rng.choice(_SURNAMES)
                + rng.choice(_GIVEN)
                + rng.choice(("", *_GIVEN)),
                "registration_type": f"{level}注册建造师",
                "REG_CERTNO": f"粤{1 if level == '一级' else 2}44{rng.randrange(2008, 2024)}{n:08d}",
                "specialty": specialty,
                "expiry_date": (today + timedelta(days=rng.randrange(400, 1200))).isoformat(),
                "registered_employer_uscc": firm.uscc,
                "id_number": f"4404{rng.randrange(10**13):013d}X",
                "seal_no": f"粤1442{n:06d}",
            }
        if kind is Kind.PERFORMANCE:
            amount = Decimal(rng.randrange(600_00 if meets else 80_00, 20_000_00)) / 100
            place, road = rng.choice(_PLACES), rng.choice(_ROADS)
            client_name, client_uscc = self.clients[n % len(self.clients)]
            claims: dict[str, Any] = {
                "PRJNUM": f"4404{start:%y%m}{rng.randrange(1, 4):02d}{n:04d}",
                "project_name": f"珠海市{place}{road}{specialty[:2]}改造工程（第{n % 9 + 1}标段）",
                "client_name": client_name,
                "client_uscc": client_uscc,
                "contract_no": f"HT-{start.year}-{n:04d}",
                "contract_amount_wan": f"{amount:.2f}",
                "EDATE": start.isoformat(),
                "TENDERNUM": f"ZB440400{start.year}{n:05d}",
            }
            if n % 2:
                claims["investment_wan"] = f"{amount * Decimal('1.2'):.2f}"
            return claims
        if kind is Kind.AWARD:
            name, level, body = _AWARDS[n % len(_AWARDS)]
            return {
                "award_name": name,
                "level": level,
                "issuing_body": body,
                "certificate_no": f"JX-{start.year}-{n:04d}",
                "award_date": start.isoformat(),
            }
        raise ValueError(f"no generator for {kind.name}")


def _issuer_of(kind: Kind) -> str:
    return {
        Kind.QUALIFICATION: HOUSING,
        Kind.PERSONNEL: HOUSING,
        Kind.PERFORMANCE: PROJECTS,
        Kind.AWARD: AWARDS,
    }[kind]


# ---------------------------------------------------------------------- the ledger under test


@dataclass
class Ledger:
    """A runtime plus the parties of the benchmark, each with its own key."""

    rt: Runtime
    issuers: dict[str, LocalAccount]
    officers: list[LocalAccount]
    rng: random.Random

    @property
    def client(self) -> ChainClient:
        return self.rt.client

    @property
    def book(self) -> TenderBookGateway:
        return self.rt.tender_book

    @property
    def registry(self) -> RegistryGateway:
        return self.rt.registry

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.client.block_timestamp(), UTC)


def prepare_ledger(rt: Runtime, rng: random.Random) -> Ledger:
    """Fund and authorise the issuers, fund the opening officers."""
    issuers = {name: Account.create() for name in (HOUSING, PROJECTS, AWARDS)}
    officers = [Account.create() for _ in range(OFFICERS)]
    for account in (*issuers.values(), *officers):
        rt.client.fund(rt.relayer, account.address, FUNDS)
    for kind in (Kind.QUALIFICATION, Kind.PERSONNEL, Kind.PERFORMANCE, Kind.AWARD):
        rt.govern(rt.registry, "authoriseIssuer", issuers[_issuer_of(kind)].address, int(kind))
    return Ledger(rt, issuers, officers, rng)


def new_firms(ledger: Ledger, count: int, *, funded: bool) -> list[Firm]:
    firms = []
    for i in range(count):
        account = Account.create()
        if funded:
            ledger.client.fund(ledger.rt.relayer, account.address, FUNDS)
        name = f"珠海市{ledger.rng.choice(_PLACES)}第{i + 1}建设工程有限公司"
        firms.append(Firm(account, generate_uscc(ledger.rng), name))
    return firms


def anchor_holdings(ledger: Ledger, firms: Sequence[Firm], per_firm: int) -> None:
    """Give every firm `per_firm` credentials, anchored in one batch per issuer and kind."""
    maker = CredentialMaker(ledger.rng, ledger.now())
    groups: dict[Kind, list[tuple[Firm, SealedCredential]]] = {}
    for firm in firms:
        for kind, meets in maker.kinds(per_firm):
            issuer = ledger.issuers[_issuer_of(kind)]
            document = maker.document(kind, issuer=issuer.address, firm=firm, meets=meets)
            sealed = SealedCredential.seal(document)
            groups.setdefault(kind, []).append((firm, sealed))
    for kind, items in groups.items():
        issuer = ledger.issuers[_issuer_of(kind)]
        batch = ledger.registry.anchor_batch(issuer, [s for _, s in items], kind)
        for firm, sealed in items:
            cid = sealed.credential_id()
            firm.held[cid] = TickedCredential(cid, sealed, batch.root, batch.proof(cid))


def section_params(ledger: Ledger, *, project_code: str, sections: int) -> TenderParams:
    """A municipal-works tender published now, closing in 21 days, of `sections` like sections."""
    now = ledger.now()
    section = {
        "name": "标段",
        "estimated_price": "12000000.00",
        "bid_guarantee": "200000.00",
        "qualification": [
            {"category": "建筑业企业资质", "name_contains": "市政公用工程", "min_grade": "二级"}
        ],
        "performance": {"count": 1, "min_amount_wan": "500", "within_years": 5},
        "personnel": [{"registration_type": "一级注册建造师", "specialty": "市政", "count": 1}],
    }
    return TenderParams.model_validate(
        {
            "project_code": project_code,
            "title": "珠海市香洲区市政道路改造工程",
            "tenderer": "珠海市香洲区住房和城乡建设局",
            "tenderer_uscc": generate_uscc(ledger.rng),
            "sections": [
                dict(section, code=f"{project_code}{i + 1:03d}", name=f"{i + 1}标段")
                for i in range(sections)
            ],
            "deadline": (now + timedelta(days=21)).isoformat(),
            "bid_validity_days": 90,
            "evaluation_method": "定性评审",
            "shortlist_size": 3,
            "selection": {"method": "直接票决", "committee_size": 7},
        }
    )


def publish(
    ledger: Ledger, params: TenderParams
) -> tuple[Tender, dict[str, SealedShare]]:
    """Publish with a new opening key, each officer's share sealed to its key."""
    return publish_with_new_key(
        ledger.book,
        ledger.rt.centre,
        params=params,
        document=f"%PDF-1.7 招标文件 {params.project_code}".encode(),
        officers=[OfficerKey.of_private(bytes(o.key)) for o in ledger.officers],
        threshold=THRESHOLD,
    )


def compose(rng: random.Random, credential_ids: Sequence[bytes]) -> BidPackage:
    """A bid package as a bidder composes it: price, a bid letter, the ticked credentials."""
    letter = f"投标函：我方愿以人民币{rng.randrange(10_000_000, 12_000_000)}元承包。\n".encode()
    letter += os.urandom(BID_LETTER_BYTES - len(letter))
    return BidPackage(
        price=Decimal(rng.randrange(10_000_000_00, 12_000_000_00)) / 100,
        files={"投标函.pdf": BidFile.of(letter)},
        credential_ids=list(credential_ids),
        salt=secrets.token_bytes(32),
    )


# ---------------------------------------------------------------------- one section end to end


def run_section(
    ledger: Ledger,
    *,
    bids: int,
    credentials: int,
    eligibility_repeats: int = 2,
    say: Progress = lambda _m: None,
) -> dict[str, Any]:
    """Submission, opening and eligibility of one section: `bids` bids of `credentials` each."""
    client, book, centre = ledger.client, ledger.book, ledger.rt.centre
    say(f"section: {bids} firms with {credentials} anchored credentials each")
    firms = new_firms(ledger, bids, funded=True)
    anchor_holdings(ledger, firms, credentials)
    tender, shares = publish(
        ledger, section_params(ledger, project_code="E3204000120260001", sections=1)
    )
    section = tender.params.sections[0]

    say("section: submission")
    envelopes: dict[str, bytes] = {}
    uploaded: dict[str, bytes] = {}  # credential-set commitments, uploaded with the envelopes
    t0 = time.perf_counter()
    for firm in firms:
        package = compose(ledger.rng, list(firm.held))
        sealed = seal_bid(
            chain_id=client.chain_id,
            book_address=book.address,
            tender_id=tender.tender_id,
            section=0,
            bidder=firm.account.address,
            opening_public=tender.opening_public,
            package=package,
        )
        book.submit_bid(firm.account, sealed.tender_id, sealed.section, sealed.commitment)
        envelopes[firm.account.address] = sealed.envelope
        uploaded[firm.account.address] = sealed.credential_set_commitment
    submission = time.perf_counter() - t0

    client.increase_time(tender.deadline - client.block_timestamp() + 60)
    # Each officer opens its own sealed share on its own machine, before the opening.
    opened = {o.address: open_share(shares[o.address], bytes(o.key)) for o in ledger.officers[:THRESHOLD]}

    say("section: opening")
    t0 = time.perf_counter()
    for officer in ledger.officers[:THRESHOLD]:
        book.release_share(officer, tender.tender_id, opened[officer.address])
    released = book.released_shares(tender.tender_id, from_block=tender.mined.block_number)
    key = rebuild_opening_key(tender, released)
    openings = []
    for firm in firms:
        bidder = firm.account.address
        bid = book.bid(tender.tender_id, 0, bidder)
        opening = open_bid(
            key=key,
            chain_id=client.chain_id,
            book_address=book.address,
            tender_id=tender.tender_id,
            section=0,
            bidder=bidder,
            envelope=envelopes[bidder],
            credential_set_commitment=uploaded[bidder],
            commitment=bid.commitment,
        )
        book.record_opening(centre, tender.tender_id, opening)
        openings.append(opening)
    opening_s = time.perf_counter() - t0
    failed = [o for o in openings if o.outcome is not Outcome.DECRYPTED]
    if failed:
        raise AssertionError(f"{len(failed)} bids did not open: {failed[0].reason}")

    say("section: eligibility")
    by_bidder: dict[str, Firm] = {f.account.address: f for f in firms}
    timings: list[float] = []
    eligible = 0
    t0 = time.perf_counter()
    reads = ledger.rt.registry

    def eligible_bid(opening: Opening) -> bool:
        """One bid's eligibility as of the deadline, its time added to `timings`."""
        firm = by_bidder[opening.bidder]
        t1 = time.perf_counter()
        report = check_bid(
            reads,
            section=section,
            bidder=firm.account.address,
            bidder_uscc=firm.uscc,
            deadline=tender.deadline,
            ticked=[firm.held[cid] for cid in opening.credential_ids],
        )
        timings.append(time.perf_counter() - t1)
        return report.eligible

    for opening in openings:
        eligible += eligible_bid(opening)
    eligibility = time.perf_counter() - t0
    if eligible != bids:
        raise AssertionError(f"only {eligible} of {bids} bids were eligible")

    t0 = time.perf_counter()
    status = book.close_section(centre, tender.tender_id, 0, eligible)
    closing = time.perf_counter() - t0
    if status is not SectionStatus.CLOSED:
        raise AssertionError(f"the section ended {status.name}, not CLOSED")

    used = book.credential_uses(tender.tender_id, from_block=tender.mined.block_number)
    # More samples for the per-bid median: the same checks again, on the same chain.
    for _ in range(eligibility_repeats):
        for opening in openings:
            eligible_bid(opening)
    return {
        "section_bids": bids,
        "section_credentials_per_bid": credentials,
        "section_credential_uses_recorded": len(used),
        "section_eligible_bids": eligible,
        "submission_s": round(submission, 3),
        "opening_s": round(opening_s, 3),
        "eligibility_s": round(eligibility, 3),
        "closing_s": round(closing, 3),
        "section_end_to_end_s": round(submission + opening_s + eligibility + closing, 3),
        f"eligibility_ms_per_bid_{credentials}_credentials": round(
            statistics.median(timings) * 1000, 2
        ),
        "eligibility_samples": len(timings),
    }


# ---------------------------------------------------------------------- submission throughput


def _throughput_tender(
    ledger: Ledger, count: int, label: str
) -> tuple[Tender, int]:
    sections = -(-count // BIDDERS_PER_TENDER)
    code = f"E3204000120269{label}{ledger.rng.randrange(10**6):06d}"
    tender, _ = publish(ledger, section_params(ledger, project_code=code, sections=sections))
    return tender, sections


def _packages(
    ledger: Ledger, firms: Sequence[Firm], count: int, credentials: int
) -> list[tuple[Firm, int, BidPackage]]:
    """(firm, section, package) for `count` bids: every firm bids on every section in turn."""
    out = []
    for i in range(count):
        ids = [secrets.token_bytes(32) for _ in range(credentials)]
        out.append((firms[i % len(firms)], i // len(firms), compose(ledger.rng, ids)))
    return out


def submissions_single_tx(ledger: Ledger, *, count: int, credentials: int) -> dict[str, float]:
    """`count` bids, each sealed, committed and sent by its bidder's own transaction."""
    client, book = ledger.client, ledger.book
    tender, _ = _throughput_tender(ledger, count, "1")
    firms = new_firms(ledger, min(count, BIDDERS_PER_TENDER), funded=True)
    work = _packages(ledger, firms, count, credentials)
    t0 = time.perf_counter()
    for firm, section, package in work:
        sealed = seal_bid(
            chain_id=client.chain_id,
            book_address=book.address,
            tender_id=tender.tender_id,
            section=section,
            bidder=firm.account.address,
            opening_public=tender.opening_public,
            package=package,
        )
        book.submit_bid(firm.account, sealed.tender_id, sealed.section, sealed.commitment)
    elapsed = time.perf_counter() - t0
    _check_committed(ledger, tender, count)
    return {"per_s": count / elapsed}


def submissions_batched(
    ledger: Ledger, *, count: int, credentials: int, batch: int = MAX_BATCH
) -> dict[str, float]:
    """`count` bids, each sealed and EIP-712 signed by its bidder, relayed `batch` at a time."""
    client, book = ledger.client, ledger.book
    tender, _ = _throughput_tender(ledger, count, "2")
    firms = new_firms(ledger, min(count, BIDDERS_PER_TENDER), funded=False)
    nonces = {f.account.address: 0 for f in firms}
    work = _packages(ledger, firms, count, credentials)
    relayer = ledger.rt.relayer
    seal_s = sign_s = 0.0
    t0 = time.perf_counter()
    for start in range(0, count, batch):
        auths = []
        for firm, section, package in work[start : start + batch]:
            t1 = time.perf_counter()
            sealed = seal_bid(
                chain_id=client.chain_id,
                book_address=book.address,
                tender_id=tender.tender_id,
                section=section,
                bidder=firm.account.address,
                opening_public=tender.opening_public,
                package=package,
            )
            t2 = time.perf_counter()
            auths.append(
                sign_bid(
                    bidder=firm.account,
                    chain_id=client.chain_id,
                    book_address=book.address,
                    sealed=sealed,
                    nonce=nonces[firm.account.address],
                    expiry=tender.deadline,
                )
            )
            nonces[firm.account.address] += 1
            seal_s += t2 - t1
            sign_s += time.perf_counter() - t2
        book.relay_bids(relayer, [authorisation(a) for a in auths])
    elapsed = time.perf_counter() - t0
    _check_committed(ledger, tender, count)
    return {
        "per_s": count / elapsed,
        "seal_ms": seal_s / count * 1000,
        "sign_ms": sign_s / count * 1000,
    }


def _check_committed(ledger: Ledger, tender: Tender, count: int) -> None:
    sections = -(-count // BIDDERS_PER_TENDER)
    total = sum(
        ledger.book.bid_count(tender.tender_id, s)
        for s in range(sections)
    )
    if total != count:
        raise AssertionError(f"{total} of {count} bids are on chain")


def throughput(
    ledger: Ledger,
    *,
    suffix: str,
    single: int,
    batched: int,
    credentials: int,
    batch: int,
    say: Progress,
) -> dict[str, Any]:
    say(f"{suffix}: {single} bids, one transaction each")
    one = submissions_single_tx(ledger, count=single, credentials=credentials)
    say(f"{suffix}: {batched} bids relayed in batches of {batch}")
    many = submissions_batched(ledger, count=batched, credentials=credentials, batch=batch)
    return {
        f"bid_submissions_per_s_single_tx_{suffix}": round(one["per_s"], 1),
        f"bid_submissions_per_s_batched_{suffix}": round(many["per_s"], 1),
        f"bid_seal_and_commitment_ms_{suffix}": round(many["seal_ms"], 3),
        f"bid_eip712_sign_ms_{suffix}": round(many["sign_ms"], 3),
    }


# ---------------------------------------------------------------------- anvil


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rpc(url: str, method: str, params: list[Any]) -> Any:
    body = requests.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=10
    ).json()
    if "error" in body:
        raise RuntimeError(f"{method}: {body['error']}")
    return body["result"]


@contextmanager
def anvil_settings(data_dir: Path) -> Iterator[Settings]:
    """A fresh anvil node and the settings of a data directory on it, whose relayer key anvil funds."""
    with anvil_node() as url:
        operator = Account.create()
        _rpc(url, "anvil_setBalance", [operator.address, hex(10**30)])
        yield Settings(data_dir=data_dir, rpc_url=url, chain_id=ANVIL_CHAIN_ID, signer_key=operator.key.hex())


@contextmanager
def anvil_node(binary: Path = ANVIL) -> Iterator[str]:
    """An anvil process on 127.0.0.1 and a free port, stopped (with its process group) on exit."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            str(binary),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--chain-id",
            str(ANVIL_CHAIN_ID),
            "--hardfork",
            "cancun",
            "--prune-history",
            "--silent",
            "--accounts",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"anvil exited with {proc.returncode}")
            try:
                _rpc(url, "eth_chainId", [])
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise RuntimeError("anvil did not answer within 20 s") from None
                time.sleep(0.05)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# ---------------------------------------------------------------------- the whole area


def bench_bids(
    *,
    progress: Progress | None = None,
    bids: int = 15,
    credentials: int = 20,
    single_tx_bids: int = 300,
    batched_bids: int = 1000,
    node_single_tx_bids: int = 300,
    node_batched_bids: int = 1000,
    batch: int = MAX_BATCH,
    eligibility_repeats: int = 2,
    node: bool = True,
    seed: int = 20260801,
) -> dict[str, Any]:
    """Every figure of the bids area, as one flat dict (keys name the figure and its unit)."""
    say = progress or (lambda _msg: None)
    rng = random.Random(seed)
    result: dict[str, Any] = {
        "submission_includes": "seal (X25519+AES-GCM) + commitment + bidder signature + mined",
        "bid_package": f"price, one {BID_LETTER_BYTES} B file, {credentials} credential ids",
    }
    with tempfile.TemporaryDirectory(prefix="tl-bench-bids-") as tmp:
        with open_runtime(
            # A development clock: opening needs the clock moved past the 20-day bid period.
            Settings(data_dir=Path(tmp) / "embedded", rpc_url=None, chain_id=None, chain_clock="development")
        ) as rt:
            ledger = prepare_ledger(rt, rng)
            result.update(
                run_section(
                    ledger,
                    bids=bids,
                    credentials=credentials,
                    eligibility_repeats=eligibility_repeats,
                    say=say,
                )
            )
            result.update(
                throughput(
                    ledger,
                    suffix="embedded",
                    single=single_tx_bids,
                    batched=batched_bids,
                    credentials=credentials,
                    batch=batch,
                    say=say,
                )
            )
        if not node:
            result["anvil_note"] = "not run (node=False)"
        elif not ANVIL.exists():
            result["anvil_note"] = f"skipped: {ANVIL} is missing (run `npm ci`)"
        else:
            say("anvil: starting a node")
            with anvil_settings(Path(tmp) / "anvil") as settings:
                with open_runtime(settings) as rt:
                    ledger = prepare_ledger(rt, rng)
                    result.update(
                        throughput(
                            ledger,
                            suffix="anvil",
                            single=node_single_tx_bids,
                            batched=node_batched_bids,
                            credentials=credentials,
                            batch=batch,
                            say=say,
                        )
                    )
            result["anvil_note"] = "anvil on 127.0.0.1, automine, --prune-history, cancun"
    result.update(machine())
    return result
