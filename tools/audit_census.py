"""The planted-fault census (issue 11): each kind of tamper the auditor's kit must catch, planted in a
copy of an honest world, and `tender-ledger audit run` must fail naming the RIGHT finding — its
family and its subject — not merely fail.

A world is described by `Honest` (its data directory and bundle, the centre's key, the tender and
bids to plant on); each kind is a function planting it in a copy of the world's store or bundle (or,
for the role-less change, on the node serving the world's chain) and saying which finding names it.
A kind the world cannot host (no revoked bidder, no guarantee claim, no 评定分离 decision, no
checkpoint, no node that allows impersonation) raises `NotPlantable` with why: the census counts it
as not planted, never as detected. `tests/clients/test_audit_census.py` and `tender-ledger bench
audit --faults` both run this table.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from ledger.audit.bundle import (
    ENVELOPE,
    INDEX,
    OPENING,
    PARAMS,
    SELECTION_RECORD,
    TENDER,
    file_name,
)
from ledger.crypto import receipts
from ledger.crypto.canonical import canonical_json, keccak, store_record
from ledger.model.tender import BidEligibility
from ledger.rules.verify import Check, CheckStatus
from ledger.service.tenders import opening_digest

Finding = dict[str, Any]
STORE_FILE = "ledger.sqlite"


class NotPlantable(Exception):
    """The world holds nothing this kind can be planted on (the message says what is missing)."""


@dataclass(frozen=True)
class Honest:
    """An honest world: its audit passes. `source` is how `audit run` reaches its chain (default the
    data directory, read-only); `node` an anvil-style node's JSON-RPC caller when the chain is served by
    one that allows impersonation."""

    data: Path
    bundle: Path
    centre: LocalAccount
    chain_id: int
    tender_book: str
    tender_id: str | None = None  # the opened tender the bid-level kinds are planted on
    revoked_bidder: str | None = None  # a bid key whose opening report is ineligible for a revoked credential
    bidder: str | None = None  # an opened, eligible bid key
    source: list[str] | None = None
    node: Callable[[str, list[Any]], Any] | None = None
    governance: str | None = None  # the contracts' admin (for the role-less change)
    roleless: tuple[str, str] | None = None  # (to, calldata) of a step only the admin may take

    def chain_args(self) -> list[str]:
        return self.source or ["--data-dir", str(self.data)]


@dataclass(frozen=True)
class Planted:
    where: str  # "store", "bundle" or "chain"
    args: list[str]  # more `audit run` arguments (the store with --database)
    bundle: Path | None  # the planted bundle, when the bundle was planted
    is_finding: Callable[[Finding], bool]
    what: str  # one line: what was planted


Planter = Callable[[Honest, Path], Planted]


# ---------------------------------------------------------------------- the worlds' copies


def backup_store(src: Path, dst: Path) -> None:
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as a, sqlite3.connect(dst) as b:
        a.backup(b)


def _store(w: Honest, tmp: Path) -> tuple[Path, list[str]]:
    copy = tmp / "store.sqlite"
    backup_store(w.data / STORE_FILE, copy)
    return copy, ["--database", f"sqlite:///{copy}"]


def copy_bundle(w: Honest, tmp: Path) -> Path:
    target = tmp / "bundle"
    shutil.copytree(w.bundle, target)
    return target


def entries(bundle: Path) -> list[dict[str, Any]]:
    return list(json.loads((bundle / INDEX).read_text(encoding="utf-8"))["documents"])


def write_entries(bundle: Path, items: list[dict[str, Any]]) -> None:
    index = json.loads((bundle / INDEX).read_text(encoding="utf-8"))
    index["documents"] = items
    (bundle / INDEX).write_text(json.dumps(index), encoding="utf-8")


def replace(bundle: Path, entry: dict[str, Any], content: bytes) -> None:
    """`entry`'s file replaced by `content`, renamed and re-indexed by its new hash (call
    `write_entries` after)."""
    (bundle / entry["file"]).unlink()
    (bundle / file_name(content)).write_bytes(content)
    entry.update(file=file_name(content), keccak="0x" + keccak(content).hex())


def _entry(items: Iterable[dict[str, Any]], kind: str, why: str, **match: Any) -> dict[str, Any]:
    found = next((e for e in items if e["kind"] == kind and all(e.get(k) == v for k, v in match.items())), None)
    if found is None:
        raise NotPlantable(why)
    return found


def _need(value: str | None, why: str) -> str:
    if value is None:
        raise NotPlantable(why)
    return value


def _resigned_report(w: Honest, bundle: Path, bidder: str, edit: Callable[[dict[str, Any]], None]) -> None:
    """The centre (its own key: the receipt verifies) files an edited opening report for `bidder`."""
    tender = _need(w.tender_id, "the world names no opened tender")
    items = entries(bundle)
    entry = _entry(items, OPENING, f"the bundle holds no opening report of {bidder}", bidder=bidder)
    report = json.loads((bundle / entry["file"]).read_text(encoding="utf-8"))
    edit(report)
    e = report["eligibility"]
    eligibility = BidEligibility(firm=e["firm"], eligible=e["eligible"], checks=tuple(
        Check(c["name"], CheckStatus[c["status"]], c["reason"]) for c in e["checks"]))
    digest = opening_digest(chain_id=w.chain_id, book=w.tender_book, tender_id=bytes.fromhex(tender[2:]),
                            commitment=bytes.fromhex(entry["key"][2:]), reason=report["reason"],
                            price=report["price"], eligibility=eligibility)
    replace(bundle, entry, json.dumps(report).encode())
    entry["receipt"] = "0x" + receipts.sign_receipt(w.centre, digest).hex()
    write_entries(bundle, items)


# ---------------------------------------------------------------------- the kinds


def edited_row(w: Honest, tmp: Path) -> Planted:
    """An ineligible bid (the revoked bidder's, else the first the store holds) made eligible in the store."""
    copy, args = _store(w, tmp)
    with sqlite3.connect(copy) as db:
        row = db.execute("SELECT bidder FROM openingrecord WHERE eligible = 0 ORDER BY bidder").fetchone()
        bidder = w.revoked_bidder or (row[0] if row else None)
        if bidder is None:
            raise NotPlantable("the store records no ineligible bid")
        if db.execute("UPDATE openingrecord SET eligible = 1 WHERE bidder = ?", (bidder,)).rowcount != 1:
            raise NotPlantable(f"the store has no opening record of {bidder}")
    return Planted("store", args, None, lambda f: f["family"] == "store"
                   and f["name"].startswith("edited row openingrecord") and bidder in f["name"],
                   f"openingrecord.eligible set for {bidder}")


def deleted_record(w: Honest, tmp: Path) -> Planted:
    copy, args = _store(w, tmp)
    with sqlite3.connect(copy) as db:
        row = db.execute("SELECT rowid, bidder FROM credentialuse LIMIT 1").fetchone()
        if row is None:
            raise NotPlantable("the store records no credential use")
        db.execute("DELETE FROM credentialuse WHERE rowid = ?", (row[0],))
    bidder = row[1]
    return Planted("store", args, None, lambda f: f["family"] == "store"
                   and f["name"].startswith("missing row credentialuse") and bidder in f["name"],
                   f"a credentialuse row of {bidder} deleted")


def swapped_document(w: Honest, tmp: Path) -> Planted:
    bundle = copy_bundle(w, tmp)
    entry = _entry(entries(bundle), TENDER, "the bundle holds no tender document")
    (bundle / entry["file"]).write_bytes(b"%PDF another tender file")
    return Planted("bundle", [], bundle, lambda f: f["family"] == "documents" and entry["key"] in f["name"],
                   f"tender file {entry['key']} replaced in place")


def late_bid_in_store(w: Honest, tmp: Path) -> Planted:
    """A bid the chain never took (after the deadline), forced into the store as opened and eligible."""
    copy, args = _store(w, tmp)
    late = "0x" + "5a" * 20
    with sqlite3.connect(copy) as db:
        row = db.execute("SELECT chain_key, tender_id, section FROM openingrecord LIMIT 1").fetchone()
        if row is None:
            raise NotPlantable("the store records no opening")
        db.execute("INSERT INTO openingrecord (chain_key, tender_id, section, bidder, outcome, reason, price, checked, "
                   "firm, eligible, opened_at) VALUES (?, ?, ?, ?, 'DECRYPTED', '', '9000000', 1, NULL, 1, "
                   "'2030-01-01 00:00:00')", (*row, late))
    return Planted("store", args, None, lambda f: f["family"] == "store"
                   and f["name"].startswith("extra row openingrecord") and late in f["name"],
                   f"an opened, eligible bid of {late} the chain never took")


def revoked_marked_valid(w: Honest, tmp: Path) -> Planted:
    bidder = _need(w.revoked_bidder, "no bid in the world is ineligible for a revoked credential")
    bundle = copy_bundle(w, tmp)

    def edit(report: dict[str, Any]) -> None:
        report["eligibility"]["eligible"] = True
        for c in report["eligibility"]["checks"]:
            c["status"] = "VALID"

    _resigned_report(w, bundle, bidder, edit)
    return Planted("bundle", [], bundle, lambda f: f["family"] == "eligibility" and f["name"] == f"bid of {bidder}"
                   and "revoked" in f["message"], f"{bidder}'s opening report re-signed calling it eligible")


def edited_envelope(w: Honest, tmp: Path) -> Planted:
    bundle = copy_bundle(w, tmp)
    items = entries(bundle)
    entry = _entry(items, ENVELOPE, "the bundle holds no sealed envelope")
    content = bytearray((bundle / entry["file"]).read_bytes())
    content[-1] ^= 1
    replace(bundle, entry, bytes(content))
    write_entries(bundle, items)
    return Planted("bundle", [], bundle, lambda f: f["family"] == "documents" and entry["key"] in f["name"],
                   f"one byte of envelope {entry['key']}, re-indexed")


def altered_price(w: Honest, tmp: Path) -> Planted:
    bidder = _need(w.bidder, "the world names no opened bid")
    bundle = copy_bundle(w, tmp)

    def edit(report: dict[str, Any]) -> None:
        report["price"] = str(int(float(report["price"])) - 1000)

    _resigned_report(w, bundle, bidder, edit)
    return Planted("bundle", [], bundle, lambda f: f["family"] == "opening" and f["name"] == f"price of {bidder}",
                   f"{bidder}'s opened price lowered by 1,000 in a re-signed report")


REQUIREMENTS = ("qualification", "personnel", "performance")  # a section's requirements in TenderParams


def removed_requirement(w: Honest, tmp: Path) -> Planted:
    bundle = copy_bundle(w, tmp)
    items = entries(bundle)
    for entry in (e for e in items if e["kind"] == PARAMS):
        doc = json.loads((bundle / entry["file"]).read_text(encoding="utf-8"))
        found = next(((s, k) for s in doc["sections"] for k in REQUIREMENTS if s.get(k)), None)
        if found is not None:
            break
    else:
        raise NotPlantable("no tender in the bundle has a requirement")
    section, key = found
    section[key] = None if key == "performance" else []
    replace(bundle, entry, json.dumps(doc, ensure_ascii=False).encode())
    write_entries(bundle, items)
    return Planted("bundle", [], bundle, lambda f: f["family"] == "documents" and entry["key"] in f["name"],
                   f"the parameters {entry['key']} without their {key} requirement")


def altered_vote_or_draw(w: Honest, tmp: Path) -> Planted:
    """The decision record filed under Decided.recordHash, with one member's vote moved to another
    candidate (or, with no vote rounds, the draws it cites changed). SelectionBook refuses a winner
    against the tally or the draw, so the centre can only alter the record it files."""
    bundle = copy_bundle(w, tmp)
    items = entries(bundle)
    entry = _entry(items, SELECTION_RECORD, "the bundle holds no 评定分离 decision record")
    record = json.loads((bundle / entry["file"]).read_bytes())
    votes = next((r["votes"] for r in record.get("rounds", []) if r.get("votes")), None)
    if votes:
        seat = min(votes)
        others = sorted({c for c in votes.values() if c != votes[seat]} | {record["winner"]} - {votes[seat]})
        votes[seat] = others[0] if others else "0x" + "00" * 20
        what = f"seat {seat}'s vote moved to {votes[seat]}"
    else:
        record["draws"] = ["0x" + "11" * 32, *record.get("draws", [])[1:]]
        what = "the deciding draw replaced"
    replace(bundle, entry, canonical_json(record))
    write_entries(bundle, items)
    winner = record["winner"]
    return Planted("bundle", [], bundle, lambda f: f["family"] == "selection"
                   and f["name"] == f"decision for {winner}: record", f"decision record: {what}")


TIME_FIELDS = ("used_at", "received_at", "filed_at")


def rewritten_journal(w: Honest, tmp: Path) -> Planted:
    """The store's log rewritten under a checkpoint: the first checkpointed record's time changed
    (so the row check and the root both disagree with it)."""
    copy, args = _store(w, tmp)
    with sqlite3.connect(copy) as db:
        try:
            (size,) = db.execute("SELECT COUNT(*) FROM storelogentry WHERE position IS NOT NULL").fetchone()
        except sqlite3.OperationalError:
            raise NotPlantable("the store has no log (storelogentry)") from None
        rows = db.execute("SELECT position, kind, data FROM storelogentry WHERE position IS NOT NULL "
                          "ORDER BY position").fetchall()
        target = next(((p, k, json.loads(d)) for p, k, d in rows if not k.endswith(".deleted")
                       and any(t in json.loads(d).get("fields", {}) for t in TIME_FIELDS)), None)
        if not size or target is None:
            raise NotPlantable("the store's log holds no record to rewrite")
        position, kind, data = target
        fields = dict(data["fields"])
        name = next(t for t in TIME_FIELDS if t in fields)
        fields[name] = "2001-01-01T00:00:00.000000Z"
        db.execute("UPDATE storelogentry SET data = ? WHERE position = ?", (store_record(kind, fields), position))
    return Planted("store", args, None, lambda f: f["family"] == "checkpoints"
                   and (f["name"].startswith("checkpoint ") or f["name"] == "first rewritten record"),
                   f"the store's log record {position} ({kind}) rewritten")


def unclaimable_claim(w: Honest, tmp: Path) -> Planted:
    """GuaranteeBook refuses a claim whose cause the chain does not show (`NotClaimable`), so this
    kind is planted in the store: a second claim on a claimed guarantee, for a refusal to sign by a
    bidder never awarded."""
    copy, args = _store(w, tmp)
    with sqlite3.connect(copy) as db:
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM guaranteeclaim ORDER BY number DESC LIMIT 1").fetchone()
        if row is None:
            raise NotPlantable("the store records no guarantee claim")
        values = dict(row)
        values.update(number=int(values["number"]) + 1, cause="REFUSED_TO_SIGN", tx_hash="0x" + "ab" * 32)
        db.execute(f"INSERT INTO guaranteeclaim ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                   tuple(values.values()))
    gid = str(values["guarantee_id"])
    return Planted("store", args, None, lambda f: f["family"] == "store"
                   and f["name"].startswith("extra row guaranteeclaim") and gid in f["name"],
                   f"a REFUSED_TO_SIGN claim on {gid}, whose applicant was never awarded")


def roleless_change(w: Honest, tmp: Path) -> Planted:
    """On a node that allows it (anvil_impersonateAccount), the governance contract's address — the
    contracts' admin, whose key no one holds — sends authoriseIssuer itself, with no proposal
    executed. The change is planted on the node itself (not in a copy)."""
    if w.node is None or w.governance is None or w.roleless is None:
        raise NotPlantable("the world's chain is not served by a node that allows impersonation")
    to, data = w.roleless
    w.node("anvil_impersonateAccount", [w.governance])
    w.node("anvil_setBalance", [w.governance, hex(10**20)])
    try:
        sent = w.node("eth_sendTransaction", [{"from": w.governance, "to": to, "data": data, "gas": hex(300_000)}])
    finally:
        w.node("anvil_stopImpersonatingAccount", [w.governance])
    receipt = w.node("eth_getTransactionReceipt", [sent])
    if not receipt or int(receipt["status"], 16) != 1:
        raise NotPlantable("the node refused the impersonated transaction")
    return Planted("chain", [], None, lambda f: f["family"] == "roles" and f["name"] == "CredentialRegistry.IssuerAuthorised"
                   and "without an executed governance proposal" in f["message"],
                   f"an issuer authorised by the impersonated governance (tx {sent})")


#: kind -> how to plant it (in a copy of the honest world's store or bundle, or on its node)
CENSUS: dict[str, Planter] = {
    "edited row": edited_row,
    "deleted record": deleted_record,
    "swapped document": swapped_document,
    "bid after the deadline forced into the store": late_bid_in_store,
    "revoked credential marked valid": revoked_marked_valid,
    "edited envelope": edited_envelope,
    "altered price": altered_price,
    "removed requirement": removed_requirement,
    "altered vote or draw": altered_vote_or_draw,
    "rewritten journal history": rewritten_journal,
    "guarantee claim without a claimable cause": unclaimable_claim,
    "role-less state change on a node that allows it": roleless_change,
}


# ---------------------------------------------------------------------- a world on a node


@contextmanager
def anvil_world(root: Path) -> Iterator[Honest]:
    """A small honest world on an anvil node (the contracts deployed by a new data directory's runtime,
    one issuer authorised by an executed governance proposal, its bundle exported), for the kinds
    planted on a node that allows impersonation. The node is stopped on exit."""
    from eth_account import Account

    from api.db.journal import Store
    from ledger.audit.chain import ChainView
    from ledger.config import Settings
    from ledger.documents import Kind
    from ledger.runtime import open_runtime
    from tools.audit_export import export
    from tools.localnet import AnvilNode

    node = AnvilNode(prune_history=False)  # the audit reads roles and thresholds at past blocks
    try:
        relayer = Account.create()
        node.set_balance(relayer.address, 10**24)
        data = root / "data"
        settings = Settings(data_dir=data, rpc_url=node.url, chain_id=node.chain_id,
                            signer_key=relayer.key.hex(), centre_key=Account.create().key.hex())
        with open_runtime(settings) as rt:
            node.set_balance(rt.centre.address, 10**22)
            rt.govern(rt.registry, "authoriseIssuer", Account.create().address, int(Kind.QUALIFICATION))
            store = Store(rt)
            store.reconcile()
            governance = str(rt.governance.address)
            roleless = (str(rt.registry.address), "0x" + rt.registry.calldata(
                "authoriseIssuer", Account.create().address, int(Kind.QUALIFICATION)).hex())
            addresses = {k: str(v) for k, v in rt.addresses.items()}
            centre = rt.centre
            export(ChainView(rt.client, addresses), f"sqlite:///{data / STORE_FILE}", root / "bundle")
        (root / "addresses.json").write_text(json.dumps(addresses), encoding="utf-8")
        yield Honest(data=data, bundle=root / "bundle", centre=centre, chain_id=node.chain_id,
                     tender_book=addresses["TenderBook"],
                     source=["--rpc-url", node.url, "--addresses", str(root / "addresses.json")],
                     node=lambda method, params: node.rpc(method, params), governance=governance, roleless=roleless)
    finally:
        node.stop()


# ---------------------------------------------------------------------- running it


def _audit_command(argv: list[str]) -> int:
    """`tender-ledger audit …` through the audit commands' own parser (not tools.cli, which runs this
    module's bench)."""
    import argparse

    from tools.audit_cli import add_commands

    parser = argparse.ArgumentParser(prog="tender-ledger")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def audit(w: Honest, *extra: str, bundle: Path | None = None, out: Path | None = None) -> tuple[int, Finding]:
    """`tender-ledger audit run` on the world (its chain, `bundle` or its own): the exit code and the
    JSON report."""
    out = out or Path(os.environ.get("TMPDIR", "/tmp")) / f"audit-{os.getpid()}-{os.urandom(4).hex()}.json"
    code = _audit_command(["audit", "run", "--bundle", str(bundle or w.bundle), *w.chain_args(), "--json", str(out),
                 "--quiet", *extra])
    if not out.exists():
        raise RuntimeError(f"`audit run` exited {code} without a report (the chain, addresses or bundle "
                           "could not be used)")
    try:
        report = json.loads(out.read_text(encoding="utf-8"))
    finally:
        out.unlink(missing_ok=True)
    return code, report


def failures(report: Finding) -> list[Finding]:
    checks = report["checks"] + report.get("store", {}).get("checks", [])
    return [c for c in checks if c["status"] == "fail"]


@dataclass
class Outcome:
    kind: str
    planted: bool
    detected: bool = False
    where: str = ""
    what: str = ""  # what was planted, or why it could not be
    found: list[tuple[str, str]] = field(default_factory=list)  # (family, name) of every failure

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "planted": self.planted, "detected": self.detected, "where": self.where,
                "what": self.what, "findings": [f"{a}: {b}" for a, b in self.found]}


def plant_and_audit(kind: str, w: Honest, tmp: Path) -> Outcome:
    """Plant `kind` in a copy of `w` (under `tmp`, which must be empty) and audit it."""
    try:
        planted = CENSUS[kind](w, tmp)
    except NotPlantable as exc:
        return Outcome(kind, False, what=str(exc))
    code, report = audit(w, *planted.args, bundle=planted.bundle)
    found = failures(report)
    detected = code == 1 and any(planted.is_finding(f) for f in found)
    return Outcome(kind, True, detected, planted.where, planted.what, [(f["family"], f["name"]) for f in found])


def census(worlds: dict[str, Honest], tmp: Path, kinds: Iterable[str] | None = None,
           progress: Callable[[str], None] | None = None) -> list[Outcome]:
    """Every kind (or `kinds`) planted in the world `worlds` gives it (by kind, or `"*"` for the
    rest) and audited; each world's own audit must pass first."""
    say = progress or (lambda _m: None)
    clean: dict[int, bool] = {}
    out: list[Outcome] = []
    for i, kind in enumerate(kinds or CENSUS):
        w = worlds.get(kind) or worlds.get("*")
        if w is None:
            out.append(Outcome(kind, False, what="no world given for it"))
            continue
        if id(w) not in clean:
            say(f"the honest world {w.data} audits clean")
            code, report = audit(w)
            if code != 0:
                raise AssertionError(f"the honest world {w.data} does not audit clean: "
                                     f"{[(f['family'], f['name']) for f in failures(report)][:3]}")
            clean[id(w)] = True
        say(f"planted: {kind}")
        where = tmp / f"{i:02d}"
        where.mkdir(parents=True)
        out.append(plant_and_audit(kind, w, where))
    return out


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    planted = [o for o in outcomes if o.planted]
    detected = [o for o in planted if o.detected]
    return {"census_kinds": len(outcomes), "census_planted": len(planted), "census_detected": len(detected),
            "census_detection_rate_pct": round(100 * len(detected) / len(planted), 1) if planted else None,
            "census_not_planted": {o.kind: o.what for o in outcomes if not o.planted},
            "census_missed": [o.kind for o in planted if not o.detected]}
