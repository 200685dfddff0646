"""`tender-ledger bench selection`: a whole 评定分离 run for one 15-bid section, end to end through
the service's use cases (`tools.selection_run`, the code the demo and the tests run), on the
embedded chain and on an anvil node process, with the gas of every step.

The section: 15 firms bid with their per-tender bid keys (each firm's identity credential
anchored by its issuer) and the centre opens them; then, timed as "the run": 7 experts (+2
reserves) drawn from a pool of 200 by a LotteryBook draw, 综合评分 with 8 criteria (7 scored by the
experts, commit then reveal, the price score computed), the unranked shortlist of 5 filed, 7
members drawn from the tenderer's pool, 票决抽签 (a vote round keeping 2, then a draw), the
decision, one objection during 公示 answered, the award. Every draw is a real one: two parties'
seeds sealed to a draw key dealt to three officers, two of whom release their shares.

The run is seeded (`seed`): every key (firms, pools, draw parties and officers, the objector),
every draw seed and every salt comes from it, so the draws pick the same people, the members'
votes split the same way and each run does the same work — the same vote rounds
(`selection_vote_rounds_*`), draws and transactions. Another seed may need another number of
rounds.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from api.db.credentials import SqlCredentialFiles
from api.db.journal import Store
from api.deps import draw_service, selection_service
from ledger.config import Settings
from ledger.crypto.merkle import MerkleTree
from ledger.documents import Kind, SealedCredential, parse_document
from ledger.runtime import open_runtime
from ledger.service.credentials import CredentialService
from ledger.uscc import generate_uscc
from tools.bench.bids import ANVIL, anvil_settings
from tools.bench.machine import cpu_model, machine
from tools.selection_run import (
    Bidder,
    SelectionRun,
    gas_by_step,
    new_account,
    publish_bid_open,
    register_pools,
    selection_params,
)
from tools.signing import sign

Progress = Callable[[str], None]


def _bidders(store: Store, count: int, rng: random.Random) -> list[Bidder]:
    """`count` firms, each with its own key named by its identity credential, anchored in one
    batch by an identity issuer the governance authorises."""
    rt = store.runtime
    issuer = new_account(rng)
    rt.client.fund(rt.relayer, issuer.address, 10**20)
    rt.govern(rt.registry, "authoriseIssuer", issuer.address, int(Kind.IDENTITY))
    now = datetime.fromtimestamp(rt.client.block_timestamp(), UTC)
    firms, sealed = [], []
    for i in range(count):
        account = new_account(rng)
        firm = Bidder(account, generate_uscc(rng), f"珠海市第{i + 1}市政建设工程有限公司")
        firms.append(firm)
        start = now - timedelta(days=3000 + i)
        sealed.append(SealedCredential.seal(parse_document({
            "kind": int(Kind.IDENTITY), "issuer": issuer.address, "subject": firm.uscc,
            "validFrom": start.isoformat(), "issued_at": (start + timedelta(hours=9)).isoformat(),
            "firm_name": firm.name, "legal_representative": "张三", "registered_address": f"广东省珠海市香洲区迎宾南路{i + 1}号",
            "registration_type": "有限责任公司", "signing_address": account.address})))
    root = MerkleTree.build([s.credential_id() for s in sealed]).root
    service = CredentialService(rt.registry, SqlCredentialFiles(store))
    service.relay_anchor(signer=issuer.address, documents=sealed,
                         signed_tx=sign(issuer, rt.registry.prepare_anchor(issuer.address, root, Kind.IDENTITY)))
    return firms


def run_once(settings: Settings, *, suffix: str, bids: int, pool: int, experts: int, criteria: int, shortlist: int,
             members: int, seed: int, say: Progress) -> dict[str, Any]:
    """One section on the chain `settings` names: set-up, then the timed run, then its gas."""
    rng = random.Random(seed)
    out: dict[str, Any] = {}
    with open_runtime(settings) as rt:
        store = Store(rt)
        store.reconcile()
        t0 = time.perf_counter()
        say(f"{suffix}: {bids} firms with identity credentials")
        firms = _bidders(store, bids, rng)
        tenderer = generate_uscc(rng)
        now = datetime.fromtimestamp(rt.client.block_timestamp(), UTC)
        params = selection_params(project_code=f"E44040001202600{rng.randrange(10**4):04d}", tenderer_uscc=tenderer,
                                  deadline=(now + timedelta(days=21)).isoformat(), criteria=criteria,
                                  experts=experts, shortlist=shortlist, members=members)
        prices = [Decimal(rng.randrange(10_500_000_00, 11_900_000_00)) / 100 for _ in firms]
        opened = publish_bid_open(store, params, firms, prices, lambda m: say(f"{suffix}: {m}"), rng=rng)
        if opened.valid_bids != bids:
            raise AssertionError(f"{opened.valid_bids} of {bids} bids are eligible")
        out[f"bid_and_open_s_{suffix}"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        experts_pool, member_pool = register_pools(rt, experts=pool, members=members * 2, tenderer_uscc=tenderer,
                                                   say=lambda m: say(f"{suffix}: {m}"), rng=rng)
        out[f"pool_registration_s_{suffix}"] = round(time.perf_counter() - t0, 3)
        # The journal catches up with the pools' registrations (set-up) before the timed run, as a
        # running service would have long before: otherwise the run's first catch-up pays for it.
        store.reconcile()
        run = SelectionRun(rt=rt, svc=selection_service(store), draws=draw_service(store), tender_id=opened.tender_id,
                           section=0, experts=experts_pool, members=member_pool, rng=rng)
        first = rt.client.block_number() + 1
        t0, c0 = time.perf_counter(), time.process_time()
        result = run.run(lambda m: say(f"{suffix}: {m}"))
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        out[f"selection_end_to_end_s_{suffix}"] = round(elapsed, 3)
        out[f"selection_cpu_s_{suffix}"] = round(cpu, 3)
        out[f"selection_vote_rounds_{suffix}"] = result.vote_rounds
        if suffix == "embedded":
            gas = gas_by_step(rt, first)
            out["selection_transactions"] = sum(len(v) for v in gas.values())
            out["selection_gas_total"] = sum(sum(v) for v in gas.values())
            for step, used in sorted(gas.items()):
                name = step.replace(".", "_")
                out[f"gas_max_{name}"] = max(used)
                out[f"gas_count_{name}"] = len(used)
            out["selection_draws"] = len(result.draws)
            out["selection_shortlist_size"] = len(result.shortlist)
            out["selection_decided_by"] = result.decided.how
    return out


def bench_selection(*, progress: Progress | None = None, bids: int = 15, pool: int = 200, experts: int = 7,
                    criteria: int = 8, shortlist: int = 5, members: int = 7, node: bool = True,
                    seed: int = 20260802) -> dict[str, Any]:
    """Every figure of the selection area, as one flat dict (keys name the figure and its unit)."""
    say = progress or (lambda _m: None)
    result: dict[str, Any] = {
        "selection_section": (f"{bids} bids; {experts} experts (+2 reserves) drawn from {pool}; 综合评分 with "
                              f"{criteria} criteria; shortlist of {shortlist}; 票决抽签 with {members} members; "
                              "one objection answered"),
        "selection_run_includes": ("committee draws, seating, sheets committed and revealed, shortlist, vote round, "
                                   "selection draw, decision, objection and answer, award (every draw: 2 parties' "
                                   "sealed seeds, 2 of 3 officers' shares)"),
    }
    shape = {"bids": bids, "pool": pool, "experts": experts, "criteria": criteria, "shortlist": shortlist,
             "members": members}
    with tempfile.TemporaryDirectory(prefix="tl-bench-selection-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "embedded", rpc_url=None, chain_id=None,
                            chain_clock="development")
        result.update(run_once(settings, suffix="embedded", seed=seed, say=say, **shape))
        if not node:
            result["anvil_note"] = "not run (node=False)"
        elif not ANVIL.exists():
            result["anvil_note"] = f"skipped: {ANVIL} is missing (run `npm ci`)"
        else:
            say("anvil: starting a node")
            with anvil_settings(Path(tmp) / "anvil") as settings:
                result.update(run_once(settings, suffix="anvil", seed=seed, say=say, **shape))
            result["anvil_note"] = "anvil on 127.0.0.1, automine, --prune-history, cancun"
    result.update(machine())
    result["machine_cpu"] = cpu_model()
    return result
