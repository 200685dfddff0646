"""`tender-ledger bench guarantees`: issuing e-guarantees end to end through the guarantee use cases
(`ledger.service.guarantees` over the `GuaranteeBookGateway`) on the embedded chain, in a data directory of its own.

"Issuing a guarantee" is everything from the bidder's request to the issued guarantee on chain:
the applicant's credit standing read from the registry, the application filled in from the
tender, the bidder's signed `applyFor` mined, the issuer's terms filled in (fee with the
red-list discount), checked and, for 密文, sealed to the tender's opening key, the applicant's
standing read again, and the issuer's signed `issue` mined. Each transaction is signed by its
own party's key and gas-estimated, as in service.
"""

from __future__ import annotations

import hashlib
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.chain.guarantee_book import GuaranteeBookGateway
from ledger.model.guarantee import Form, IssuerType
from ledger.model.tender import Tender
from ledger.config import Settings
from ledger.crypto.officer_box import OfficerKey
from ledger.chain.registry import RegistryGateway
from ledger.rules.credit import CreditEntry, standing
from ledger.rules.guarantee import prefill_application, prefill_terms
from ledger.documents import CreditCredential, CreditType, Kind, SealedCredential
from ledger.runtime import Runtime, open_runtime
from ledger.service import guarantees as svc
from ledger.service.tenders import publish_with_new_key
from ledger.tenders import TenderParams
from ledger.uscc import generate_uscc
from tools.bench.machine import machine

Progress = Callable[[str], None]
REFERENCE_VOLUME = 56_574  # guarantees issued in the reference deployment
FUNDS = 10**21
RATE_BPS = 30
RED_DISCOUNT = Decimal("0.3")
RED_EVERY = 10  # one firm in ten is red-listed
# Gas limits for the throughput run, above the measured applyFor (102,417) and issue (42,224 明文,
# 42,513 密文) with room to spare; only the gas used is paid.
APPLY_GAS = 200_000
ISSUE_GAS = 150_000


@dataclass
class Setup:
    rt: Runtime
    book: GuaranteeBookGateway
    registry: RegistryGateway
    tender: Tender
    bank: LocalAccount
    firms: list[tuple[LocalAccount, str]]
    credit: dict[str, list[CreditEntry]] = field(default_factory=dict)
    serial: int = 0


def _params(sections: int, now: datetime) -> TenderParams:
    return TenderParams.model_validate({
        "project_code": "E4404000001202600001", "title": "珠海市市政道路年度养护工程",
        "tenderer": "珠海市市政工程管理中心", "tenderer_uscc": generate_uscc(random.Random(1)),
        "sections": [{"code": f"E4404000001202600001{n + 1:03d}", "name": f"第{n + 1}标段",
                      "estimated_price": "12000000.00", "bid_guarantee": "200000.00"} for n in range(sections)],
        "deadline": (now + timedelta(days=25)).isoformat(),
        "bid_validity_days": 90, "evaluation_method": "综合评分", "shortlist_size": 5,
        "selection": {"method": "直接票决", "committee_size": 7},
    })


def _setup(rt: Runtime, *, bidders: int, sections: int, say: Progress) -> Setup:
    # The centre doubles as the credit authority here: a benchmark needs no more parties.
    client, op = rt.client, rt.centre
    book, registry = rt.guarantee_book, rt.registry
    bank = Account.create()
    client.fund(rt.relayer, bank.address, FUNDS)
    rt.govern(book, "authoriseIssuer", bank.address, int(IssuerType.BANK))
    rt.govern(registry, "authoriseIssuer", op.address, int(Kind.CREDIT))
    rng = random.Random(20260801)
    now = datetime.fromtimestamp(client.block_timestamp(), UTC)
    firms = []
    for _ in range(bidders):
        account = Account.create()
        client.fund(rt.relayer, account.address, FUNDS)
        firms.append((account, generate_uscc(rng)))
    say(f"{bidders} firms funded; red-listing one in {RED_EVERY}")
    credit: dict[str, list[CreditEntry]] = {uscc: [] for _, uscc in firms}
    for n, (_, uscc) in enumerate(firms[::RED_EVERY]):
        doc = CreditCredential(
            issuer=op.address, subject=uscc, valid_from=now - timedelta(days=30),
            valid_until=now + timedelta(days=700), issued_at=now - timedelta(days=30), record_no=f"HONG-2026-{n:04d}",
            record_type=CreditType.REDLIST, decision="守信激励：列入建筑市场红名单", deciding_body="珠海市住房和城乡建设局",
            decision_document_no=f"珠建信〔2026〕{n + 1}号", listed_date=(now - timedelta(days=30)).date(),
        )
        sealed = SealedCredential.seal(doc)
        batch = registry.anchor_batch(op, [sealed])
        credit[uscc].append(CreditEntry(sealed.credential_id(), sealed, batch.root))
    officers = [OfficerKey.of_private(bytes(Account.create().key)) for _ in range(3)]
    tender, _ = publish_with_new_key(rt.tender_book, op, params=_params(sections, now),
                                     document=b"%PDF tender documents", officers=officers, threshold=2)
    return Setup(rt, book, registry, tender, bank, firms, credit)


def _issue_one(s: Setup, form: Form, *, estimate: bool = True) -> tuple[bytes, int]:
    """Apply for and issue one guarantee through the service functions; its id and gas.

    Without `estimate`, each transaction carries a fixed gas limit instead of a dry run first."""
    client = s.rt.client
    n = s.serial
    s.serial += 1
    account, uscc = s.firms[n % len(s.firms)]
    section = (n // len(s.firms)) % len(s.tender.params.sections)
    credit = standing(s.registry, uscc=uscc, entries=s.credit[uscc], at=client.block_timestamp())
    app = prefill_application(chain_id=client.chain_id, book_address=s.book.address, tender=s.tender,
                              section=section, applicant=account.address, applicant_uscc=uscc,
                              issuer=s.bank.address, application_no=f"SQ-2026-{n:06d}")
    applied = svc.apply_for(s.book, applicant=account, application=app, credit=credit,
                            gas=None if estimate else APPLY_GAS)
    now = client.block_timestamp()
    credit = standing(s.registry, uscc=uscc, entries=s.credit[uscc], at=now)
    terms = prefill_terms(app, guarantee_no=f"BH-2026-{n:06d}", issuer_type=IssuerType.BANK,
                          rate_bps=RATE_BPS, credit=credit, red_discount=RED_DISCOUNT,
                          doc_hash=hashlib.sha256(f"%PDF 保函 {n}".encode()).digest(), start=now)
    issued = svc.issue(s.book, issuer=s.bank, application=app, terms=terms, form=form,
                       credit=credit, red_discount=RED_DISCOUNT, opening_public=s.tender.opening_public,
                       gas=None if estimate else ISSUE_GAS)
    return issued.guarantee_id, applied.mined.gas_used + issued.mined.gas_used


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def bench_guarantees(
    *, guarantees: int = 5_000, latency_samples: int = 50, bidders: int = 50, sections: int = 100,
    progress: Progress | None = None, data_dir: Path | None = None,
) -> dict[str, Any]:
    """Latency of one guarantee (明文 and 密文), then throughput, gas and the reference volume."""
    say = progress or (lambda _msg: None)
    tmp = tempfile.TemporaryDirectory(prefix="tl-bench-guarantees-")
    rt = open_runtime(Settings(data_dir=data_dir or Path(tmp.name) / "data"))
    result: dict[str, Any] = {}
    try:
        s = _setup(rt, bidders=bidders, sections=sections, say=say)
        for form in (Form.PLAINTEXT, Form.SEALED):
            label = "plaintext" if form is Form.PLAINTEXT else "sealed"
            say(f"timing {latency_samples} {label} guarantees one by one")
            times: list[float] = []
            gas_used: list[int] = []
            for _ in range(latency_samples):
                t0 = time.perf_counter()
                gas_used.append(_issue_one(s, form)[1])
                times.append(time.perf_counter() - t0)
            result[f"issue_{label}_median_ms"] = statistics.median(times) * 1000
            result[f"issue_{label}_p95_ms"] = _p95(times) * 1000
            result[f"gas_per_guarantee_{label}"] = round(statistics.mean(gas_used))
            result[f"guarantees_per_s_{label}_gas_estimated"] = latency_samples / sum(times)
        say(f"issuing {guarantees} guarantees back to back")
        gas_total, ids = 0, []
        first_block = rt.client.block_number() + 1
        t0 = time.perf_counter()
        for done in range(1, guarantees + 1):
            gid, gas = _issue_one(s, Form.PLAINTEXT, estimate=False)
            gas_total += gas
            ids.append(gid)
            if done % 1000 == 0:
                say(f"{done} / {guarantees} guarantees")
        elapsed = time.perf_counter() - t0
        rate = guarantees / elapsed
        result |= {
            "throughput_guarantees": guarantees,
            "throughput_elapsed_s": elapsed,
            "guarantees_per_s": rate,
            "gas_per_guarantee_throughput": round(gas_total / guarantees),
            "reference_volume_guarantees": REFERENCE_VOLUME,
            "reference_volume_minutes": REFERENCE_VOLUME / rate / 60,
            "target_issue_s": 1.0,
        }
        issued = {bytes(e.args["guaranteeId"]) for e in s.book.logs(from_block=first_block, event="Issued")}
        result["throughput_issued_on_chain"] = len(issued & set(ids))
        result["blocks"] = rt.client.block_number()
    finally:
        rt.close()
        tmp.cleanup()
    result.update(machine())
    return result
