"""`tender-ledger demo`: a whole synthetic deployment on a new ledger, end to end.

Issuers get their own keys and are authorised by the admin; firms are registered by their
identity credentials; the dataset is anchored in batches per issuer and kind, each batch signed
by its issuer's own key and relayed through the credential use cases (`ledger.service.credentials`) exactly as the HTTP API relays it;
some credentials are revoked or suspended; a sample is verified; a summary is printed.

The demo never writes into an existing ledger: it uses a new temporary directory, or the
`--data-dir` given if that directory is new or empty, and always the embedded chain and its own
SQLite store (TL_RPC_URL and TL_DATABASE_URL are ignored, so no real ledger gets synthetic data).
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes

from api.db.credentials import SqlCredentialFiles
from api.db.journal import Store
from api.deps import governance_service
from ledger.config import Settings
from ledger.crypto.merkle import MerkleTree
from ledger.documents import Kind, SealedCredential, parse_document
from ledger.errors import ConfigurationError, ValidationFailed
from ledger.model.credential import ReasonCode
from ledger.rules.anchoring import MAX_BATCH
from ledger.rules.verify import ANCHORING, INTEGRITY, STATUS_AT, VALIDITY_WINDOW, CheckStatus
from ledger.runtime import Runtime, open_runtime
from ledger.service.credentials import CredentialService
from tools import synthetic
from tools.governance import enact_signed
from tools.signing import sign

ISSUER_FUNDS = 10**21  # wei: thousands of anchors at the embedded chain's fees
DEFAULT_BATCH = 500
DEFAULT_SAMPLE = 40
REVOCATIONS = 12  # at scale 1; scaled like the dataset, at least one
SUSPENSIONS = 8

_STATUS_FUNCTIONS = {"revoke": "revoke", "suspend": "suspend"}
_PAST = {"revoke": "revoked", "suspend": "suspended"}


class Progress:
    """One progress line on stderr: rewritten in place on a terminal, a line per step otherwise."""

    def __init__(self, enabled: bool = True, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last = ""
        self._width = 0

    def step(self, message: str) -> None:
        """A new stage: always shown."""
        self._show(message, force=True)

    def update(self, message: str) -> None:
        """Progress within a stage: shown in place on a terminal only."""
        self._show(message, force=False)

    def _show(self, message: str, *, force: bool) -> None:
        if not self.enabled or message == self._last:
            return
        self._last = message
        if self.tty:
            pad = max(0, self._width - len(message))
            self.stream.write("\r… " + message + " " * pad)
            self._width = len(message)
            self.stream.flush()
        elif force:
            print(f"… {message}", file=self.stream, flush=True)

    def done(self) -> None:
        if self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0


@dataclass(frozen=True)
class DemoOptions:
    data_dir: Path | None = None
    seed: int = synthetic.DEFAULT_SEED
    scale: float = 1.0
    as_of: date = synthetic.DEFAULT_AS_OF
    batch_size: int = DEFAULT_BATCH
    sample: int = DEFAULT_SAMPLE

    def check(self) -> None:
        """ValidationFailed for options that cannot work, before anything is created."""
        if not 0 < self.scale <= 100:
            raise ValidationFailed(f"--scale must be above 0 and at most 100, got {self.scale}")
        if not 1 <= self.batch_size <= MAX_BATCH:
            raise ValidationFailed(
                f"--batch-size must be between 1 and {MAX_BATCH:,}, got {self.batch_size}"
            )
        if self.sample < 0:
            raise ValidationFailed(f"--sample must not be negative, got {self.sample}")


@dataclass
class Anchored:
    """Where one anchored credential sits: its batch root, proof and issuer."""

    root: bytes
    proof: tuple[bytes, ...]
    issuer: LocalAccount
    sealed: SealedCredential


@dataclass
class _Tally:
    batches: int = 0
    credentials: int = 0
    gas: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)
    gas_by_kind: dict[str, int] = field(default_factory=dict)


def prepare_data_dir(path: Path | None) -> Path:
    """The directory the demo will use: a new temporary one, or `path` if it is new or empty."""
    if path is None:
        return Path(tempfile.mkdtemp(prefix="tender-ledger-demo-")) / "data"
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        what = "a file" if not path.is_dir() else "not empty"
        raise ConfigurationError(
            f"{path} is {what}: the demo only writes into a new or empty directory, so that no "
            "real ledger gets synthetic data (omit --data-dir to use a new temporary directory)"
        )
    return path


def demo_settings(data_dir: Path) -> Settings:
    """Embedded chain and SQLite in `data_dir`, whatever TL_* variables say, with a development
    clock: a demo ledger is for trying things, including moving past a tender's deadline."""
    return Settings(
        data_dir=data_dir, rpc_url=None, chain_id=None, signer_key=None, database_url=None,
        chain_clock="development",
    )


def run_demo(options: DemoOptions, progress: Progress | None = None) -> dict[str, Any]:
    """Run the whole demo and return its summary; raise LedgerError if a step fails."""
    options.check()
    say = progress or Progress(enabled=False)
    started = time.perf_counter()
    data_dir = prepare_data_dir(options.data_dir)
    say.step(f"generating the synthetic dataset (seed {options.seed}, scale {options.scale:g})")
    dataset = synthetic.generate(seed=options.seed, scale=options.scale, as_of=options.as_of)
    say.step(f"opening a new ledger in {data_dir}")
    with open_runtime(demo_settings(data_dir)) as rt:
        store = Store(rt)
        store.reconcile()
        setup_s = register_issuers(rt, store, dataset, say)
        anchored: dict[bytes, Anchored] = {}
        firms = anchor_batches(
            rt,
            store,
            dataset.batches(options.batch_size, identities=True),
            anchored,
            say,
            what="registering firms (identity credentials)",
        )
        core = anchor_batches(
            rt,
            store,
            dataset.batches(options.batch_size),
            anchored,
            say,
            what="anchoring the dataset",
        )
        changes = change_statuses(rt, store, anchored, options, say)
        verification = verify_sample(rt, store, anchored, changes, options, say)
        extras = write_extras(data_dir, dataset)
        selection, awarded = run_selection(rt, store, dataset, options, say)
        performance = run_performance(rt, store, dataset, options, awarded, say)
        chain_id, block = rt.client.chain_id, rt.client.block_number()
    say.done()
    summary: dict[str, Any] = {
        "data_dir": str(data_dir),
        "chain_id": chain_id,
        "block_number": block,
        "seed": options.seed,
        "scale": options.scale,
        "as_of": options.as_of.isoformat(),
        "issuers": len(dataset.issuers),
        "firms": len(dataset.firms),
        "credentials_by_kind": core.by_kind,
        "credentials": core.credentials,
        "identity_credentials": firms.credentials,
        "batches": core.batches,
        "batch_size": options.batch_size,
        "identity_batches": firms.batches,
        "anchor_gas": core.gas,
        "gas_per_credential": round(core.gas / core.credentials, 1) if core.credentials else 0,
        "gas_per_credential_by_kind": {
            kind: round(core.gas_by_kind[kind] / n, 1) for kind, n in core.by_kind.items()
        },
        "dataset_anchor_s": round(core.seconds, 3),
        "dataset_anchor_cpu_s": round(core.cpu_seconds, 3),
        "credentials_per_s": round(core.credentials / core.seconds, 1) if core.seconds else 0,
        "identity_anchor_s": round(firms.seconds, 3),
        "issuer_setup_s": round(setup_s, 3),
        "revoked": len(changes["revoke"]),
        "suspended": len(changes["suspend"]),
        "verification": verification,
        "issuer_keys": extras["keys"],
        "samples": extras["samples"],
        "selection": selection,
        "performance": performance,
        "total_s": round(time.perf_counter() - started, 3),
    }
    return summary


# ---------------------------------------------------------------------- steps


def credential_service(store: Store) -> CredentialService:
    """The credential use cases on the store's registry and tables, as the HTTP API builds them."""
    return CredentialService(store.runtime.registry, SqlCredentialFiles(store))


def register_issuers(rt: Runtime, store: Store, dataset: synthetic.Dataset, say: Progress) -> float:
    """Fund every issuer's own key (the relayer pays), and have the governance authorise it for
    its kinds: one member proposes, others approve with their own keys, until the threshold."""
    t0 = time.perf_counter()
    service = governance_service(store)
    members = [g.account for g in rt.governors]
    say.step(f"registering {len(dataset.issuers)} issuers, each with its own key, "
             f"each kind approved by {service.threshold()} of the {len(service.members())} governance members")
    for issuer in dataset.issuers:
        rt.client.fund(rt.relayer, issuer.address, ISSUER_FUNDS)
        for kind in issuer.kinds:
            enact_signed(service, members, rt.registry, "authoriseIssuer", issuer.address, int(kind))
    return time.perf_counter() - t0


def anchor_batches(
    rt: Runtime,
    store: Store,
    batches: Any,
    anchored: dict[bytes, Anchored],
    say: Progress,
    *,
    what: str,
) -> _Tally:
    """Anchor each (issuer, kind, credentials) batch with the issuer's own signed transaction."""
    service = credential_service(store)
    work = list(batches)
    total = sum(len(b[2]) for b in work)
    tally = _Tally()
    say.step(f"{what}: {total:,} credentials in {len(work)} batches")
    t0, c0 = time.perf_counter(), time.process_time()
    for issuer, kind, credentials in work:
        # The issuer's side: the root of its batch, and its own signature on the anchor.
        ids = [c.credential_id() for c in credentials]
        root = MerkleTree.build(ids).root
        tx = rt.registry.prepare_anchor(issuer.address, root, kind)
        batch = service.relay_anchor(
            signer=issuer.address, documents=credentials, signed_tx=sign(issuer.account, tx)
        )
        receipt = rt.client.w3.eth.get_transaction_receipt(HexBytes(batch.tx_hash))
        for cid, sealed in zip(ids, credentials, strict=True):
            anchored[cid] = Anchored(batch.root, batch.proofs[cid], issuer.account, sealed)
        tally.batches += 1
        tally.credentials += len(credentials)
        tally.gas += int(receipt["gasUsed"])
        tally.by_kind[kind.name] = tally.by_kind.get(kind.name, 0) + len(credentials)
        tally.gas_by_kind[kind.name] = tally.gas_by_kind.get(kind.name, 0) + int(receipt["gasUsed"])
        say.update(
            f"{what}: {tally.credentials:,} / {total:,} credentials, {tally.batches} / {len(work)} batches"
        )
    tally.seconds = time.perf_counter() - t0
    # The embedded chain runs in this process: CPU time is the cost undisturbed by other load.
    tally.cpu_seconds = time.process_time() - c0
    return tally


def change_statuses(
    rt: Runtime,
    store: Store,
    anchored: dict[bytes, Anchored],
    options: DemoOptions,
    say: Progress,
) -> dict[str, list[bytes]]:
    """Revoke some credentials and suspend others, each by its issuer's own transaction."""
    rng = random.Random(f"{options.seed}/status")
    pool = [cid for cid, item in anchored.items() if item.sealed.document.kind is not Kind.IDENTITY]
    n_revoke = max(1, round(REVOCATIONS * options.scale))
    n_suspend = max(1, round(SUSPENSIONS * options.scale))
    chosen = rng.sample(pool, min(len(pool), n_revoke + n_suspend))
    plan = {"revoke": chosen[:n_revoke], "suspend": chosen[n_revoke:]}
    registry = rt.registry
    service = credential_service(store)
    say.step(f"revoking {len(plan['revoke'])} and suspending {len(plan['suspend'])} credentials")
    for action, ids in plan.items():
        for cid in ids:
            item = anchored[cid]
            reason = _reason_for(action, item.sealed.document.kind)
            tx = registry.prepare(
                item.issuer.address, _STATUS_FUNCTIONS[action], item.root, cid, list(item.proof), int(reason)
            )
            service.relay_status_change(
                signer=item.issuer.address,
                credential_id=cid,
                action=action,
                signed_tx=sign(item.issuer, tx),
            )
    return plan


def _reason_for(action: str, kind: Kind) -> ReasonCode:
    if action == "suspend":
        return ReasonCode.UNDER_INVESTIGATION
    return {
        Kind.QUALIFICATION: ReasonCode.FRAUD,
        Kind.PERFORMANCE: ReasonCode.FRAUD,
        Kind.CREDIT: ReasonCode.COURT_ORDER,
    }.get(kind, ReasonCode.ISSUED_IN_ERROR)


def verify_sample(
    rt: Runtime,
    store: Store,
    anchored: dict[bytes, Anchored],
    changes: dict[str, list[bytes]],
    options: DemoOptions,
    say: Progress,
) -> dict[str, Any]:
    """Verify untouched, revoked, suspended and tampered credentials; compare with expectations."""
    now = rt.client.block_timestamp()
    changed = {cid: action for action, ids in changes.items() for cid in ids}
    rng = random.Random(f"{options.seed}/verify")
    untouched = [
        item.sealed
        for cid, item in anchored.items()
        if item.sealed.document.kind is not Kind.IDENTITY and cid not in changed
    ]
    sample = rng.sample(untouched, min(len(untouched), options.sample))
    # (case, credential, expected, the id its holder claims — the forged copy claims the original's)
    cases: list[tuple[str, SealedCredential, str, bytes | None]] = []
    for sealed in sample:
        cases.append(("untouched", sealed, "VALID" if _in_window(sealed, now) else "INVALID", None))
    for cid, action in changed.items():
        cases.append((_PAST[action], anchored[cid].sealed, "INVALID", None))
    if sample:
        cases.append(("tampered", _tampered(sample[0]), "INVALID", sample[0].credential_id()))
    say.step(f"verifying {len(cases)} credentials (integrity, proof, status, issuer, validity)")
    results: dict[str, dict[str, int]] = {}
    reasons: dict[str, str] = {}
    mismatches: list[str] = []
    durations: list[float] = []
    service = credential_service(store)
    for case, sealed, expected, claimed in cases:
        t0 = time.perf_counter()
        report = service.verify_document(
            sealed.to_dict(), at=now, expected_subject=sealed.document.subject, credential_id=claimed
        )
        durations.append(time.perf_counter() - t0)
        got = "VALID" if report.ok else "INVALID"
        tally = results.setdefault(case, {"checked": 0, "VALID": 0, "INVALID": 0, "as_expected": 0})
        tally["checked"] += 1
        tally["VALID" if report.ok else "INVALID"] += 1
        failure = _headline(report)
        if case in _PAST.values():
            # Not just invalid: invalid because of the status change, and saying so.
            status = report.check(STATUS_AT)
            if status.status is not CheckStatus.INVALID or case not in status.reason:
                got = f"{got} without a {case} status"
            failure = status.reason
        if case != "untouched" or not report.ok:
            reasons.setdefault(case, failure)
        if got == expected:
            tally["as_expected"] += 1
        else:
            mismatches.append(
                f"{case} {sealed.document.kind.name} 0x{sealed.credential_id().hex()}: expected "
                f"{expected}, got {got} ({failure or 'no failing check'})"
            )
    durations.sort()
    return {
        "at": datetime.fromtimestamp(now, UTC).isoformat(),
        "results": results,
        "reasons": reasons,
        "mismatches": mismatches,
        "verify_ms_median": round(durations[len(durations) // 2] * 1000, 2) if durations else 0,
    }


def _headline(report: Any) -> str:
    """The reason a report is not ok, the most telling check first."""
    failures = {c.name: c for c in report.failures}
    for name in (INTEGRITY, ANCHORING, STATUS_AT, VALIDITY_WINDOW):
        if name in failures:
            return str(failures[name].reason)
    return str(report.failures[0].reason) if report.failures else ""


def _in_window(sealed: SealedCredential, at: int) -> bool:
    document = sealed.document
    start = document.valid_from.timestamp()
    end = document.valid_until.timestamp() if document.valid_until else None
    return start <= at and (end is None or at < end)


def _tampered(sealed: SealedCredential) -> SealedCredential:
    """The same credential with one claim changed, under the same salt: a forged copy."""
    data = sealed.document.to_json_dict()
    name = next(n for n in type(sealed.document).claim_names() if isinstance(data.get(n), str))
    data[name] = data[name] + "（改）"
    return SealedCredential(document=parse_document(data), master_salt=sealed.master_salt)


def write_extras(data_dir: Path, dataset: synthetic.Dataset) -> dict[str, Any]:
    """Issuer keys and not-yet-anchored sample files, for trying `tender-ledger anchor` next."""
    root = data_dir / "demo"
    keys = root / "keys"
    samples = root / "samples"
    keys.mkdir(parents=True, exist_ok=True)
    samples.mkdir(parents=True, exist_ok=True)
    key_files = {}
    for issuer in dataset.issuers:
        path = keys / f"{issuer.slug}.key"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("0x" + bytes(issuer.account.key).hex() + "\n")
        key_files[issuer.slug] = str(path)
    qualifications = synthetic.new_documents(dataset, Kind.QUALIFICATION, 5)
    awards = synthetic.new_documents(dataset, Kind.AWARD, 3, issuer="award-municipal")
    csv_path = samples / "qualifications.csv"
    _write_csv(csv_path, [_without_envelope_extras(d.to_json_dict()) for d in qualifications])
    json_path = samples / "awards.json"
    json_path.write_text(
        json.dumps([d.to_json_dict() for d in awards], ensure_ascii=False, indent=2) + "\n"
    )
    return {"keys": key_files, "samples": {"QUALIFICATION": str(csv_path), "AWARD": str(json_path)}}


def _without_envelope_extras(row: dict[str, Any]) -> dict[str, Any]:
    # The CSV form leaves out what the importer fills in: kind (--kind), issuer (the key) and
    # issued_at (the time of the import); times are shown as Beijing time, as people write them.
    out = {k: v for k, v in row.items() if k not in ("kind", "issuer", "issued_at")}
    for name in ("validFrom", "validUntil"):
        if name in out:
            out[name] = datetime.fromisoformat(out[name]).astimezone(synthetic.BEIJING).isoformat()
    return out


def _write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    import csv

    names: list[str] = []
    for row in rows:
        names.extend(n for n in row if n not in names)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=names)
        writer.writeheader()
        writer.writerows(rows)


# ---------------------------------------------------------------------- output


SELECTION_BIDS = 6


@dataclass(frozen=True)
class Awarded:
    """What the 履约 part takes from the 评定分离 part: the awarded section, its winner (bid key and
    firm), the firms that bid and the tender's parameters."""

    tender_id: bytes
    section: int
    winner: str  # the winning bid key
    firm: Any  # tools.selection_run.Bidder: the winner's firm, its own key
    bidders: list[Any]  # every firm that bid
    price: Decimal  # the winning price, 元
    params: dict[str, Any]


def run_selection(rt: Runtime, store: Store, dataset: synthetic.Dataset, options: DemoOptions,
                  say: Progress) -> tuple[dict[str, Any], Awarded]:
    """One tender section through the whole of 评定分离 (`tools.selection_run`): firms of the dataset
    (none black-listed) bid with their own keys, the section opens, committees are drawn,
    the experts score, the shortlist is filed unranked, the members vote, a draw decides, 公示
    with one objection answered, the award. Returns what the summary shows."""
    from api.db.selection import SqlSelectionFiles
    from api.deps import draw_service, selection_service
    from ledger.crypto.bid_keys import derive_bid_key
    from ledger.service.lottery import audit_draw
    from ledger.service.selection import as_address
    from ledger.uscc import generate_uscc
    from ledger.values import to_hex
    from tools.selection_run import (
        Bidder,
        SelectionRun,
        publish_bid_open,
        register_pools,
        selection_params,
    )

    t0 = time.perf_counter()
    rng = random.Random(f"{options.seed}/selection")
    listed = {c.sealed.document.subject for c in dataset.credentials if c.kind is Kind.CREDIT
              and str(getattr(c.sealed.document, "record_type", "")) in ("blacklist", "joint-punishment")}
    candidates = [(i, f) for i, f in enumerate(dataset.firms) if f.uscc not in listed]
    chosen = rng.sample(candidates, min(SELECTION_BIDS, len(candidates)))
    bidders = [Bidder(synthetic.derived_account(options.seed, f"firm {i}"), f.uscc, f.name) for i, f in chosen]
    now = datetime.fromtimestamp(rt.client.block_timestamp(), UTC)
    tenderer = generate_uscc(rng)  # the tenderer (招标人), whose member pool the selection committee comes from
    params = selection_params(project_code=f"E4404000120269{rng.randrange(10**4):04d}", tenderer_uscc=tenderer,
                              deadline=(now + timedelta(days=21)).isoformat(), criteria=4, experts=5, shortlist=3,
                              members=5)
    prices = [Decimal(rng.randrange(10_800_000, 11_900_000)) for _ in bidders]
    say.step(f"评定分离: tender {params['project_code']}, {len(bidders)} firms bid")
    opened = publish_bid_open(store, params, bidders, prices, say.step)
    if opened.valid_bids < 3:
        raise ValidationFailed(f"only {opened.valid_bids} of {len(bidders)} bids of the 评定分离 section are valid: "
                               f"{'; '.join(opened.problems)}")
    experts, members = register_pools(rt, experts=12, members=8, tenderer_uscc=tenderer, say=say.step,
                                       files=SqlSelectionFiles(store))
    run = SelectionRun(rt=rt, svc=selection_service(store), draws=draw_service(store), tender_id=opened.tender_id,
                       section=0, experts=experts, members=members)
    result = run.run(say.step)
    names = opened.names

    def proof(did: bytes) -> dict[str, Any]:
        audit = audit_draw(rt.lottery_book, did)
        recorded = audit.recorded
        assert recorded is not None
        return {"draw_id": to_hex(did), "purpose": recorded.purpose, "round": recorded.opened.round,
                "parties": list(recorded.opened.parties),
                "seeds": [to_hex(x) for x in audit.seeds or ()],
                "candidates": len(recorded.opened.candidates),
                "picks": [as_address(p) for p in audit.picks or ()],
                "recomputed_ok": audit.ok}

    def name(bid_key: str) -> str:
        return names.get(bid_key, bid_key)

    last = result.draws[-1]
    firm = next(b for b in bidders if derive_bid_key(b.account, opened.tender_id).address == result.winner)
    awarded = Awarded(opened.tender_id, 0, result.winner, firm, bidders, opened.prices[result.winner], params)
    return {
        "tender_id": to_hex(opened.tender_id), "section": 0, "project_code": params["project_code"],
        "bids": len(bidders), "valid_bids": opened.valid_bids,
        "evaluation_method": params["evaluation_method"], "selection_method": params["selection"]["method"],
        "shortlist": sorted(name(b) for b in result.shortlist),
        "winner": result.winner, "winner_firm": name(result.winner),
        "winner_price_yuan": str(opened.prices.get(result.winner, "")),
        "decided_by": result.decided.how,
        "draws": [proof(d) for d in result.draws],
        "firm_of_bid_key": dict(names),
        "decisive_draw": to_hex(last) if result.decided.how == "lottery" else None,
        "objections_answered": 1,
        "seconds": round(time.perf_counter() - t0, 3),
    }, awarded


PERFORMANCE_ISSUER = "housing"  # the housing & construction department records 履约评价 as well
MILESTONES = ("开工：施工许可证已核发，施工单位进场", "主体结构封顶，经监理单位验收合格")


def run_performance(rt: Runtime, store: Store, dataset: synthetic.Dataset, options: DemoOptions, awarded: Awarded,
                    say: Progress) -> dict[str, Any]:
    """履约 of the awarded section, each party with its own key: the centre records the contract
    signing; the centre records a milestone for the tenderer and the winner acknowledges it with its
    bid key; the winner records one of its own; after the works the centre records the completion
    evaluation (履约评价); the governance authorises the housing department for 履约评价, which signs
    and anchors the credential drafted from the completion — a new 业绩 of the winner's firm —; the
    firm ticks it into a second tender's bid, which asks for one such 业绩, and the bid opens valid.
    Returns what the summary shows."""
    from api.deps import guarantee_service, performance_service
    from ledger.crypto.bid_keys import derive_bid_key
    from ledger.crypto.canonical import keccak
    from ledger.model.performance import CompletionEvaluation, EntryKind
    from ledger.uscc import generate_uscc
    from ledger.values import to_hex
    from tools.display import local_time
    from tools.selection_run import publish_bid_open, selection_params

    t0 = time.perf_counter()
    rng = random.Random(f"{options.seed}/performance")
    tid, section, firm = awarded.tender_id, awarded.section, awarded.firm
    centre = rt.centre.address
    winner_key = derive_bid_key(firm.account, tid)
    perf = performance_service(store)
    book = rt.performance_book

    say.step(f"履约: {firm.name} signs the contract; milestones, the completion evaluation, a new 业绩")
    signed_at = rt.client.block_timestamp()
    guarantee_service(store).contract_signed(signer=centre, tender_id=to_hex(tid), section=section,
                                             signed_at=signed_at)
    perf.record(signer=centre, tender_id=tid, section=section, kind=EntryKind.MILESTONE, text=MILESTONES[0])
    tx = sign(winner_key, book.prepare(winner_key.address, "acknowledge", tid, section, 0))
    perf.acknowledge(signer=winner_key.address, tender_id=tid, section=section, index=0, signed_tx=tx)
    rt.client.increase_time(120 * 86_400)
    text = MILESTONES[1]
    tx = sign(winner_key, book.prepare(winner_key.address, "recordMilestone", tid, section,
                                       keccak(text.encode())))
    perf.record(signer=winner_key.address, tender_id=tid, section=section, kind=EntryKind.MILESTONE, text=text,
                signed_tx=tx)
    rt.client.increase_time(180 * 86_400)  # the works are performed and accepted
    done = datetime.fromtimestamp(rt.client.block_timestamp(), synthetic.BEIJING).date()
    amount_wan = (awarded.price / 10_000).quantize(Decimal("0.000001"))
    evaluation = CompletionEvaluation.parse({
        "PRJNUM": f"44040221{rng.randrange(10**8):08d}", "contract_no": f"HT-{awarded.params['project_code']}-1",
        "contract_amount_wan": str(amount_wan), "EDATE": done.isoformat(), "rating": "优秀", "score": "95",
        "summary": "工期、质量、安全文明施工均达合同要求，竣工验收合格"})
    perf.complete(signer=centre, tender_id=tid, section=section, evaluation=evaluation)
    record = perf.record_of(tid, section)

    # The new 业绩: drafted from the completion, signed and anchored by an issuer authorised for 履约评价.
    issuer = next(i for i in dataset.issuers if i.slug == PERFORMANCE_ISSUER)
    members = [g.account for g in rt.governors]
    enact_signed(governance_service(store), members, rt.registry, "authoriseIssuer", issuer.address,
                 int(Kind.CONTRACT_PERFORMANCE))
    now = rt.client.block_timestamp()
    draft = perf.credential_draft(tender_id=tid, section=section, issuer=issuer.address,
                                  issued_at=datetime.fromtimestamp(now, UTC))
    sealed = SealedCredential.seal(draft)
    credential_id = sealed.credential_id()
    root = MerkleTree.build([credential_id]).root
    service = credential_service(store)
    service.relay_anchor(signer=issuer.address, documents=[sealed], signed_tx=sign(
        issuer.account, rt.registry.prepare_anchor(issuer.address, root, Kind.CONTRACT_PERFORMANCE)))
    now = rt.client.block_timestamp()  # verified as of the block that anchored it
    report = service.verify_document(sealed.to_dict(), at=now, expected_subject=firm.uscc)

    # A second tender asks for one 业绩 of at least 1,000 万元 completed within a year: the winner ticks
    # the new one; the other firms bid without one.
    start = datetime.fromtimestamp(now, UTC)
    params = selection_params(project_code=f"E4404000120279{rng.randrange(10**4):04d}",
                              tenderer_uscc=generate_uscc(rng), deadline=(start + timedelta(days=21)).isoformat(),
                              criteria=4, experts=5, shortlist=3, members=5)
    params["title"] = "珠海市香洲区市政道路改造工程（二期）"
    requirement = {"count": 1, "min_amount_wan": "1000", "within_years": 1}
    params["sections"][0]["performance"] = requirement
    ticks = [[to_hex(credential_id)] if b is firm else [] for b in awarded.bidders]
    prices = [Decimal(rng.randrange(10_800_000, 11_900_000)) for _ in awarded.bidders]
    say.step(f"a second tender {params['project_code']} asks for a 业绩 of ≥ 1,000 万元: "
             f"{firm.name} ticks the new one")
    opened = publish_bid_open(store, params, awarded.bidders, prices, say.step, ticks=ticks)
    second_key = derive_bid_key(firm.account, opened.tender_id).address
    checks = opened.checks.get(second_key, [])

    def party(address: str) -> str:
        return "centre (for the tenderer)" if address == record.centre else \
            (f"winner ({firm.name})" if address == record.winner else address)

    return {
        "tender_id": to_hex(tid), "section": section, "project_code": awarded.params["project_code"],
        "winner_firm": firm.name, "winner_uscc": firm.uscc,
        "contract_signed_at": local_time(signed_at),
        "entries": [{"index": e.entry.index, "kind": e.entry.kind.name, "by": party(e.entry.by),
                     "text": e.document.decode() if e.entry.kind is not EntryKind.COMPLETION and e.document else None,
                     "recorded_at": local_time(e.entry.recorded_at),
                     "acknowledged_at": local_time(e.entry.acknowledged_at) if e.entry.acknowledged_at else None}
                    for e in record.entries],
        "evaluation": {"rating": str(evaluation.rating), "score": str(evaluation.score),
                       "contract_amount_wan": str(evaluation.contract_amount_wan),
                       "completion_date": evaluation.completion_date.isoformat(), "summary": evaluation.summary,
                       "evaluation_hash": to_hex(evaluation.hash())},
        "credential": {"credential_id": to_hex(credential_id), "kind": Kind.CONTRACT_PERFORMANCE.name,
                       "issuer": issuer.name, "subject": firm.uscc, "award_id": to_hex(draft.award_id or b""),
                       "valid_from": local_time(int(draft.valid_from.timestamp())),
                       "verified": report.ok, "failures": [str(c.reason) for c in report.failures]},
        "second_tender": {"tender_id": to_hex(opened.tender_id), "project_code": params["project_code"],
                          "requirement": requirement, "bids": len(awarded.bidders), "valid_bids": opened.valid_bids,
                          "winner_bid_key": second_key, "winner_bid_valid": second_key in opened.prices,
                          "winner_ticked": [to_hex(credential_id)],
                          "checks": [{"name": n, "status": st, "reason": r} for n, st, r in checks]},
        "seconds": round(time.perf_counter() - t0, 3),
    }


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as the text the command prints."""
    s, v = summary, summary["verification"]
    lines = [
        f"tender-ledger demo: seed {s['seed']}, scale {s['scale']:g}, data as of {s['as_of']}",
        (
            f"  ledger            {s['data_dir']} (embedded chain {s['chain_id']}, "
            f"{s['block_number']:,} blocks)"
        ),
        f"  issuers           {s['issuers']}, each with its own key",
        (
            f"  firms             {s['firms']} (identity credentials: "
            f"{s['identity_credentials']:,} in {s['identity_batches']} batches, "
            f"{s['identity_anchor_s']:.2f} s)"
        ),
        "  credentials",
    ]
    for kind, n in s["credentials_by_kind"].items():
        gas = s["gas_per_credential_by_kind"][kind]
        lines.append(f"    {kind:<16}{n:>7,}   {gas:>8,.1f} gas each")
    lines += [
        (
            f"    {'total':<16}{s['credentials']:>7,}   {s['gas_per_credential']:>8,.1f} gas each "
            f"({s['anchor_gas']:,} gas in {s['batches']} batches of up to {s['batch_size']})"
        ),
        (
            f"  anchoring         {s['dataset_anchor_s']:.2f} s end to end "
            f"({s['credentials_per_s']:,.0f} credentials/s: hashing, Merkle trees, "
            "transactions, store)"
        ),
        (
            f"  status changes    {s['revoked']} revoked, {s['suspended']} suspended "
            "(by their issuers' own transactions)"
        ),
        f"  verification      at {_local(v['at'])}, median {v['verify_ms_median']:.1f} ms",
    ]
    for case, tally in v["results"].items():
        lines.append(
            f"    {case:<11}{tally['checked']:>4} checked: {tally['VALID']} valid, "
            f"{tally['INVALID']} invalid, {tally['as_expected']} as expected"
        )
        if case in v["reasons"]:
            lines.append(f"      e.g. {v['reasons'][case]}")
    if v["mismatches"]:
        lines.append(f"  UNEXPECTED        {len(v['mismatches'])} results differ from expectation:")
        lines += [f"    {m}" for m in v["mismatches"][:10]]
    anchor = (
        f"  TL_DATA_DIR={s['data_dir']} tender-ledger anchor {s['samples']['QUALIFICATION']} "
        f"--kind qualification --issuer-key {s['issuer_keys']['housing']}"
    )
    lines += _selection_lines(s.get("selection"))
    lines += _performance_lines(s.get("performance"))
    lines += [
        f"  total time        {s['total_s']:.2f} s",
        "",
        "Explore it:",
        f"  TL_DATA_DIR={s['data_dir']} tender-ledger serve",
        anchor,
    ]
    return "\n".join(lines)


def _selection_lines(sel: dict[str, Any] | None) -> list[str]:
    if not sel:
        return []
    lines = [
        (f"  评定分离          tender {sel['project_code']} ({sel['tender_id'][:10]}…), section {sel['section']}: "
         f"{sel['valid_bids']} of {sel['bids']} bids valid, {sel['evaluation_method']} then {sel['selection_method']}"),
        "    shortlist (unranked, 候选人 candidates):",
        *[f"      {n}" for n in sel["shortlist"]],
        (f"    winner (中标人)  {sel['winner_firm']}, 报价 price {Decimal(sel['winner_price_yuan']):,.2f} 元"
         if sel["winner_price_yuan"] else f"    winner (中标人)  {sel['winner_firm']}"),
        f"    decided by      {sel['decided_by']}; {sel['objections_answered']} objection answered during 公示; awarded",
    ]
    for d in sel["draws"]:
        ok = "OK" if d["recomputed_ok"] else "FAILED"
        lines.append(f"    draw {d['purpose']} round {d['round']}: {len(d['picks'])} of {d['candidates']} "
                     f"picked, {len(d['parties'])} parties' seeds, picks recomputed: {ok}  ({d['draw_id']})")
    final = sel["draws"][-1]
    lines.append("    the deciding draw's proof:")
    for party, seed in zip(final["parties"], final["seeds"], strict=False):
        lines.append(f"      party {party} seed {seed}")
    named = sel.get("firm_of_bid_key", {})
    lines.append(f"      picks {', '.join(f'{p} ({named[p]})' if p in named else p for p in final['picks'])}")
    lines.append(f"    record          on chain (SelectionBook, LotteryBook); `tender-ledger lottery verify "
                 f"{final['draw_id']}` recomputes the draw; results: GET /tenders/{sel['tender_id']}"
                 f"/sections/{sel['section']}/results ({sel['seconds']:.1f} s)")
    return lines


def _local(iso: str) -> str:
    from tools.display import local_time

    return local_time(int(datetime.fromisoformat(iso).timestamp()))


def _performance_lines(perf: dict[str, Any] | None) -> list[str]:
    if not perf:
        return []
    lines = [(f"  履约              section {perf['section']} of tender {perf['project_code']}: {perf['winner_firm']} "
              f"({perf['winner_uscc']}) signed the contract {perf['contract_signed_at']}")]
    for e in perf["entries"]:
        if e["kind"] == "COMPLETION":
            continue
        ack = f"; acknowledged {e['acknowledged_at']}" if e["acknowledged_at"] else ""
        lines.append(f"    milestone {e['index']}     {e['recorded_at']} by the {e['by']}: {e['text']}{ack}")
    ev = perf["evaluation"]
    completion = next(e for e in perf["entries"] if e["kind"] == "COMPLETION")
    amount = Decimal(ev["contract_amount_wan"]) * 10_000
    lines.append(f"    completion      {completion['recorded_at']} by the {completion['by']}: 履约评价 {ev['rating']} "
                 f"({ev['score']} points), contract {amount:,.2f} 元, completed {ev['completion_date']}")
    c = perf["credential"]
    verdict = "VALID" if c["verified"] else "INVALID (" + "; ".join(c["failures"]) + ")"
    lines.append(f"    new 业绩 (履约评价 credential) of {perf['winner_firm']}, anchored by {c['issuer']}, valid from "
                 f"{c['valid_from']}; it names the award and the evaluation on chain; verifies: {verdict}")
    lines.append(f"      credential id {c['credential_id']}")
    t = perf["second_tender"]
    r = t["requirement"]
    check = next((x for x in t["checks"] if x["name"].startswith("performance")), None)
    why = f" ({check['name']}: {check['status']}, {check['reason']})" if check else ""
    lines.append(f"    second tender   {t['project_code']} asks for {r['count']} 业绩 of at least "
                 f"{Decimal(r['min_amount_wan']) * 10_000:,.0f} 元 within {r['within_years']} year(s): "
                 f"{perf['winner_firm']} ticks the new 业绩 and its bid opens "
                 f"{'valid' if t['winner_bid_valid'] else 'NOT VALID'}{why}; {t['valid_bids']} of {t['bids']} bids "
                 "valid (the other firms tick no such 业绩)")
    return lines


def performance_problems(summary: dict[str, Any]) -> list[str]:
    """What went unexpectedly in the 履约 part: the new 业绩 must verify and count in the second tender."""
    perf = summary.get("performance")
    if not perf:
        return []
    problems = []
    if not perf["credential"]["verified"]:
        problems.append("the new 业绩 credential does not verify: " + "; ".join(perf["credential"]["failures"]))
    if not perf["second_tender"]["winner_bid_valid"]:
        problems.append("the bid ticking the new 业绩 did not open valid: " + "; ".join(
            f"{c['name']}: {c['reason']}" for c in perf["second_tender"]["checks"] if c["status"] != "VALID"))
    return problems


def main(args: Any) -> int:
    """The `demo` subcommand: run, print the summary, exit 1 if any result was unexpected."""
    as_of = args.as_of if isinstance(args.as_of, date) else synthetic.DEFAULT_AS_OF
    options = DemoOptions(
        data_dir=Path(args.data_dir) if args.data_dir else None,
        seed=args.seed,
        scale=args.scale,
        as_of=as_of,
        batch_size=args.batch_size,
        sample=args.sample,
    )
    try:
        options.check()
    except ValidationFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name in ("TL_RPC_URL", "TL_DATABASE_URL"):
        if os.environ.get(name) and not args.quiet:
            print(
                f"note: {name} is ignored: the demo runs on its own embedded chain", file=sys.stderr
            )
    progress = Progress(enabled=not args.quiet)
    try:
        summary = run_demo(options, progress)
    finally:
        progress.done()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, sort_keys=True))
    else:
        print(format_summary(summary))
    mismatches = summary["verification"]["mismatches"]
    if mismatches:
        print(
            f"error: {len(mismatches)} verification results were not as expected", file=sys.stderr
        )
        return 1
    problems = performance_problems(summary)
    if problems:
        print(f"error: 履约: {'; '.join(problems)}", file=sys.stderr)
        return 1
    return 0
