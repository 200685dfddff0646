"""`tender-ledger audit`: the centre exports the bundle, an auditor replays the chain from genesis
(a data directory opened read-only, or a node URL) and reruns every decision; each planted fault —
an edited store row, a swapped bundle document, an envelope left out, an opening report calling a
bid eligible whose credential was revoked before the deadline — makes the audit exit 1 and name it."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ledger.audit import words
from ledger.audit.bundle import ENVELOPE, INDEX, OPENING, file_name
from ledger.crypto import receipts
from ledger.crypto.canonical import keccak
from ledger.crypto.merkle import MerkleTree
from ledger.model.guarantee import Form, GuaranteeTerms, IssuerType
from ledger.model.tender import BidEligibility
from ledger.rules.verify import Check, CheckStatus
from ledger.service.tenders import opening_digest
from ledger.chain.guarantee_book import onchain_terms
from ledger.documents import Kind
from tests.portal.test_pages import visible
from tests.scenes import Actor, Firm, Scene, Tender, tender_params
from tools.cli import main

SECTION_1 = {"code": "E3203010319005778001002", "name": "二标段", "estimated_price": "6000000.00",
             "bid_guarantee": "100000.00", "qualification": [], "personnel": []}
EVIDENCE = b"%PDF the bidder's letter withdrawing its bid after the deadline"


@dataclass
class World:
    scene: Scene
    data: Path
    tender: Tender
    firms: list[Firm]
    revoked: Firm  # its qualification was revoked before the deadline: ineligible
    guarantee: str
    bundle: Path


def _get(actor: Actor, path: str, **params: Any) -> Any:
    return actor.http.get(path, params=params, headers=actor.headers("GET", path, b""))


def _guarantee(scene: Scene, firm: Firm, tender: Tender, bank: Actor) -> str:
    """`firm` applies (with its firm key) for section 1's guarantee from `bank`, which issues it in clear;
    the firm binds it."""
    base = f"/tenders/{tender.tid}/sections/1/guarantees"
    r = _get(firm.actor, f"{base}/application-template", issuer=bank.account.address)
    assert r.status_code == 200, r.text
    r = firm.actor.post("/guarantees", {"application": r.json()["application"],
                                        "signed_tx": firm.actor.sign_tx(r.json()["tx"])})
    assert r.status_code == 201, r.text
    gid = str(r.json()["guarantee_id"])
    r = _get(bank, f"/guarantees/{gid}/issue-template", rate_bps=30)
    assert r.status_code == 200, r.text
    terms = GuaranteeTerms.model_validate({**r.json()["terms"], "guarantee_no": "BH" + os.urandom(4).hex(),
                                           "issuer_type": int(IssuerType.BANK),
                                           "doc_hash": "0x" + hashlib.sha256(gid.encode()).hexdigest()})
    onchain = onchain_terms(terms, Form.PLAINTEXT)
    tx = scene.guarantee_tx(bank, "issue", gid, ["0x" + v.hex() if isinstance(v, bytes) else v for v in onchain])
    r = bank.post(f"/guarantees/{gid}/issue", {"terms": terms.model_dump(mode="json"), "signed_tx": tx})
    assert r.status_code == 200, r.text
    r = firm.actor.post(f"{base}/bind", {"signed_tx": scene.guarantee_tx(firm.actor, "bind", gid)})
    assert r.status_code == 200, r.text
    return gid


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Four firms bid with per-tender bid keys in section 0 (one firm's qualification revoked before the
    deadline); one also bids in section 1 backed by a bank guarantee, which the centre claims on after
    the deadline; 3 of 5 officers release their shares and the centre opens section 0."""
    root = tmp_path_factory.mktemp("audit")
    with Scene.served(root, seed=11) as scene:
        issuer = scene.issuer(Kind.IDENTITY, Kind.QUALIFICATION, Kind.PERFORMANCE, Kind.PERSONNEL)
        firms = [scene.firm(issuer) for _ in range(4)]
        bank = scene.guarantor(IssuerType.BANK)
        scene.govern("SelectionBook", "registerExpert", scene.actor().account.address, "房屋建筑",
                     card={"name": "张三", "organisation": "市建筑设计研究院"})
        tender = scene.tender(sections=[tender_params()["sections"][0], SECTION_1])
        for firm in firms:
            assert scene.bid(firm, tender, bid_key=True).status_code == 201
        revoked = firms[3]
        cid = bytes.fromhex(revoked.ids[Kind.QUALIFICATION][2:])
        tree = MerkleTree.build([cid])
        tx = issuer.prepare("revoke", "0x" + tree.root.hex(), "0x" + cid.hex(),
                            ["0x" + p.hex() for p in tree.proof(cid)], 2)
        assert issuer.post(f"/credentials/0x{cid.hex()}/revoke", {"signed_tx": tx}).status_code == 200
        gid = _guarantee(scene, firms[0], tender, bank)
        assert scene.bid(firms[0], tender, 1, credentials=[]).status_code == 201
        scene.after_deadline(tender)
        scene.release(tender)
        r = scene.open(tender, 0)
        assert r.status_code == 200, r.text
        r = scene.centre.post(f"/guarantees/{gid}/claims", {"cause": "WITHDRAWAL_AFTER_DEADLINE",
                                                            "evidence_b64": base64.b64encode(EVIDENCE).decode()})
        assert r.status_code == 201, r.text
        data = root / "data"
        bundle = root / "bundle"
        assert main(["audit", "export", "--data-dir", str(data), "--out", str(bundle)]) == 0
        yield World(scene, data, tender, firms, revoked, gid, bundle)


def audit(world: World, *extra: str, bundle: Path | None = None, source: list[str] | None = None,
          out: Path | None = None) -> tuple[int, dict[str, Any]]:
    out = out or Path(os.environ.get("TMPDIR", "/tmp")) / f"audit-{os.getpid()}-{os.urandom(4).hex()}.json"
    code = main(["audit", "run", "--bundle", str(bundle or world.bundle), *(source or ["--data-dir", str(world.data)]),
                 "--json", str(out), "--quiet", *extra])
    report = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    return code, report


def failures(report: dict[str, Any]) -> list[dict[str, Any]]:
    checks = report["checks"] + report.get("store", {}).get("checks", [])
    return [c for c in checks if c["status"] == "fail"]


def copy_bundle(world: World, tmp_path: Path) -> Path:
    target = tmp_path / "bundle"
    shutil.copytree(world.bundle, target)
    return target


def entries(bundle: Path) -> list[dict[str, Any]]:
    return list(json.loads((bundle / INDEX).read_text(encoding="utf-8"))["documents"])


def write_entries(bundle: Path, items: list[dict[str, Any]]) -> None:
    index = json.loads((bundle / INDEX).read_text(encoding="utf-8"))
    index["documents"] = items
    (bundle / INDEX).write_text(json.dumps(index), encoding="utf-8")


def refile(bundle: Path, items: list[dict[str, Any]], entry: dict[str, Any], content: bytes) -> None:
    """Replace `entry`'s file by `content`, renamed and re-indexed by its new hash, as a forger would."""
    (bundle / entry["file"]).unlink()
    (bundle / file_name(content)).write_bytes(content)
    entry["file"], entry["keccak"] = file_name(content), "0x" + keccak(content).hex()
    write_entries(bundle, items)


# ---------------------------------------------------------------------- the honest record


def test_the_honest_record_passes_every_check_from_the_data_directory(world: World, tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    code, report = audit(world, "--html", str(html))
    assert failures(report) == [] and code == 0 and report["ok"] is True
    families = {c["family"] for c in report["checks"] if c["status"] == "pass"}
    assert {"documents", "time", "opening", "eligibility", "guarantees", "roles"} <= families
    tid = world.tender.tid
    eligibility = [c for c in report["checks"] if c["family"] == "eligibility" and c.get("tender") == tid]
    assert len([c for c in eligibility if c["name"].startswith("bid of")]) == 4
    assert any("ineligible as recorded" in c["message"] and "revoked" in c["message"] for c in eligibility)
    assert any(c["name"] == "valid bids (firms) and 流标" and c["status"] == "pass" for c in eligibility)
    claim = next(c for c in report["checks"] if c["family"] == "guarantees" and "WITHDRAWAL_AFTER_DEADLINE" in c["name"])
    assert claim["status"] == "pass" and claim["evidence"][0]["tx"].startswith("0x")
    page = html.read_text(encoding="utf-8")
    assert "<script" not in page and "every check passed" in page and "100,000.00 元" in page
    assert f'id="tender-{tid}"' in page and 'href="#tx-0x' in page
    assert "珠海市第" in page  # the firms by the names their identity documents give
    # the expert the governance registered, by the name on its pool card (checked against the proposal)
    assert list(report["people"].values()) == ["张三 (expert)"] and "张三 (expert)" in page
    # the pictures: the checks by family first, then each tender's timeline as the chain's events give it
    steps = [(m["step"], m.get("section"), m.get("flag")) for m in report["tenders"][tid]["timeline"]]
    closed = next(c for c in eligibility if c["name"] == "valid bids (firms) and 流标")["message"]
    failed = "failed" if "(SectionFailed)" in closed else None  # as the chain closed section 0
    assert steps == [("published", None, None), ("deadline", None, None), ("opened", 0, failed)]
    summary = re.search(r'<svg [^>]*id="summary-picture".*?</svg>', page, flags=re.DOTALL)
    timeline = re.search(r'<svg [^>]*id="timeline-0".*?</svg>', page, flags=re.DOTALL)
    assert summary and timeline and page.index('id="summary-picture"') < page.index("<h3>Findings</h3>")
    shown = " ".join(ET.fromstring(summary.group(0)).itertext())
    assert all(f in shown for f in report["families"]) and "All checks" in shown
    shown = " ".join(ET.fromstring(timeline.group(0)).itertext())
    assert "Notice published" in shown and "Opening · section 1" in shown and "Now" in shown


def _portal(world: World, report: dict[str, Any], lang: str) -> str:
    http = world.scene.http
    http.cookies.clear()
    r = http.post(f"/portal/audit?lang={lang}",
                  files={"file": ("report.json", json.dumps(report).encode(), "application/json")})
    assert r.status_code == 200, r.text
    return visible(r.text)


def test_every_check_carries_its_code_and_the_audit_page_words_it(world: World) -> None:
    """Every result of the audit says its name and message as a code with arguments that say exactly
    its English; the portal's Chinese page shows none of the English messages (but for the English
    text a check found: an error, a rule's reason), the English page shows the report's English."""
    _, report = audit(world)
    checks = report["checks"]
    assert checks and all(c.get("code") in words.WORDS for c in checks), [c for c in checks if "code" not in c]
    assert all(words.bound(c["code"], c["args"], c["name"], c["message"]) for c in checks)
    plain = [c for c in checks if not set(c["args"]) & words.FREE and "0x" not in c["message"]]
    assert {c["family"] for c in plain} >= {"documents", "time", "opening", "roles"}
    zh = _portal(world, report, "zh")
    assert [c["message"] for c in plain if c["message"] in zh] == []
    assert "哈希与链上记录一致" in zh and "投标期不少于 20 日" in zh and "次链上状态变更" in zh
    en = _portal(world, report, "en")
    as_is = [c for c in plain if not set(c["args"]) & (words.TIMES | words.AMOUNTS)]
    assert as_is and [c["message"] for c in as_is if c["message"] not in en] == []
    # a check whose arguments were edited reads in the report's English, not in words it does not back
    period = next(c for c in checks if c["code"] == "time.bid_period")
    period["args"]["days"] = "99.00"
    zh = _portal(world, report, "zh")
    assert period["message"] in zh and "99.00" not in zh


def test_the_store_matches_a_rebuild_from_the_chain(world: World, tmp_path: Path) -> None:
    copy = tmp_path / "store.sqlite"
    _backup(world.data / "ledger.sqlite", copy)
    code, report = audit(world, "--database", f"sqlite:///{copy}")
    assert failures(report) == [] and code == 0
    assert report["store"]["tables"]["openingrecord"] == {"store": 4, "rebuild": 4}  # section 0's four bids


def _backup(src: Path, dst: Path) -> None:
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as a, sqlite3.connect(dst) as b:
        a.backup(b)


# ---------------------------------------------------------------------- planted faults


def test_an_edited_store_row_is_named(world: World, tmp_path: Path) -> None:
    copy = tmp_path / "store.sqlite"
    _backup(world.data / "ledger.sqlite", copy)
    bidder = world.scene.bid_key(world.revoked, world.tender)[0].account.address
    with sqlite3.connect(copy) as db:
        changed = db.execute("UPDATE openingrecord SET eligible = 1 WHERE bidder = ?", (bidder,)).rowcount
        db.execute("DELETE FROM credentialuse WHERE rowid IN (SELECT rowid FROM credentialuse LIMIT 1)")
    assert changed == 1
    code, report = audit(world, "--database", f"sqlite:///{copy}")
    assert code == 1
    names = [f["name"] for f in failures(report)]
    assert any(n.startswith("edited row openingrecord") and bidder in n for n in names), names
    assert any(n.startswith("missing row credentialuse") for n in names), names
    edited = next(f for f in failures(report) if f["name"].startswith("edited row openingrecord"))
    assert "eligible: store 1, chain 0" in edited["message"] or "eligible: store True, chain False" in edited["message"]


def test_a_swapped_bundle_document_is_a_hash_finding(world: World, tmp_path: Path) -> None:
    bundle = copy_bundle(world, tmp_path)
    items = entries(bundle)
    params = next(e for e in items if e["kind"] == "params")
    # The file replaced by other parameters, renamed and re-indexed by its new hash: it no longer
    # hashes to the value the chain holds.
    doc = json.loads((bundle / params["file"]).read_text(encoding="utf-8"))
    doc["sections"][0]["qualification"] = []
    refile(bundle, items, params, json.dumps(doc, ensure_ascii=False).encode())
    code, report = audit(world, bundle=bundle)
    assert code == 1
    found = [f for f in failures(report) if f["family"] == "documents" and params["key"] in f["name"]]
    assert found and "the chain holds " + params["key"] in found[0]["message"]


def test_a_pool_card_naming_someone_else_is_a_document_finding(world: World, tmp_path: Path) -> None:
    """The expert's pool card in the bundle renamed (and re-filed under its new hash, as a forger
    would): it no longer hashes to the salt of the proposal that registered the expert."""
    bundle = copy_bundle(world, tmp_path)
    items = entries(bundle)
    card = next(e for e in items if e["kind"] == "pool-card")
    refile(bundle, items, card, (bundle / card["file"]).read_bytes().replace("张三".encode(), "王五".encode()))
    code, report = audit(world, bundle=bundle)
    assert code == 1
    found = [f for f in failures(report) if f["family"] == "documents" and card["key"] in f["name"]]
    assert found and "the proposal's salt is " + card["key"] in found[0]["message"], failures(report)
    assert report["people"] == {}  # the renamed card names nobody, nor does the real one stand in for it


def test_a_document_swapped_in_place_is_named_by_its_hash(world: World, tmp_path: Path) -> None:
    bundle = copy_bundle(world, tmp_path)
    tender_doc = next(e for e in entries(bundle) if e["kind"] == "tender")
    (bundle / tender_doc["file"]).write_bytes(b"%PDF another tender file")
    code, report = audit(world, bundle=bundle)
    assert code == 1
    assert any(tender_doc["file"] in f["message"] for f in failures(report))


def test_an_envelope_left_out_of_the_bundle_is_a_missing_finding(world: World, tmp_path: Path) -> None:
    bundle = copy_bundle(world, tmp_path)
    items = entries(bundle)
    dropped = next(e for e in items if e["kind"] == ENVELOPE)
    write_entries(bundle, [e for e in items if e is not dropped])
    (bundle / dropped["file"]).unlink()
    code, report = audit(world, bundle=bundle)
    assert code == 1
    names = [f["name"] for f in failures(report)]
    assert f"missing sealed bid envelope {dropped['key']}" in names, names
    assert any(f["family"] == "opening" and "lacks the envelope" in f["message"] for f in failures(report))


def test_an_opening_report_calling_a_revoked_credential_eligible_is_an_eligibility_finding(
        world: World, tmp_path: Path) -> None:
    """The centre (its own key: the receipt still verifies) files a report that calls eligible the bid
    whose qualification was revoked before the deadline: the rerun as of the deadline disagrees."""
    bundle = copy_bundle(world, tmp_path)
    items = entries(bundle)
    bidder = world.scene.bid_key(world.revoked, world.tender)[0].account.address
    entry = next(e for e in items if e["kind"] == OPENING and e["bidder"] == bidder)
    report = json.loads((bundle / entry["file"]).read_text(encoding="utf-8"))
    assert report["eligibility"]["eligible"] is False
    report["eligibility"]["eligible"] = True
    for c in report["eligibility"]["checks"]:
        c["status"] = "VALID"
    content = json.dumps(report).encode()
    e = report["eligibility"]
    eligibility = BidEligibility(firm=e["firm"], eligible=True, checks=tuple(
        Check(c["name"], CheckStatus[c["status"]], c["reason"]) for c in e["checks"]))
    rt = world.scene.rt
    digest = opening_digest(chain_id=rt.client.chain_id, book=rt.tender_book.address,
                            tender_id=bytes.fromhex(world.tender.tid[2:]), commitment=bytes.fromhex(entry["key"][2:]),
                            reason=report["reason"], price=report["price"], eligibility=eligibility)
    (bundle / entry["file"]).unlink()
    (bundle / file_name(content)).write_bytes(content)
    entry.update(file=file_name(content), keccak="0x" + keccak(content).hex(),
                 receipt="0x" + receipts.sign_receipt(rt.centre, digest).hex())
    write_entries(bundle, items)
    code, out = audit(world, bundle=bundle)
    assert code == 1
    found = failures(out)
    assert [f["family"] for f in found] == ["eligibility"], found
    assert found[0]["name"] == f"bid of {bidder}" and "revoked" in found[0]["message"]
    assert "says eligible" in found[0]["message"] and found[0]["evidence"][0]["tx"].startswith("0x")


# ---------------------------------------------------------------------- from a node


@pytest.mark.slow
@pytest.mark.node
def test_the_audit_runs_the_same_over_a_node_url(world: World, tmp_path: Path) -> None:
    """A copy of the data directory (its chain taken with SQLite's backup) served by a real
    `tender-ledger node` process; the auditor gives the node's URL and the bundle's addresses,
    and gets what an audit of the same copy read directly gets."""
    from tests.nodes import LedgerNode

    copy = tmp_path / "data"
    shutil.copytree(world.data, copy, ignore=shutil.ignore_patterns("*.sqlite*", ".lock", ".chain.lock", "node.json"))
    _backup(world.data / "chain.sqlite", copy / "chain.sqlite")
    node = LedgerNode(copy)
    try:
        code, report = audit(world, source=["--rpc-url", node.url, "--addresses", str(world.bundle / "addresses.json")])
    finally:
        assert node.stop() == 0, node.stderr
    # the same copy read directly: the world's own directory may have grown a checkpoint since
    _, direct = audit(world, source=["--data-dir", str(copy)])
    assert failures(report) == [] and code == 0
    assert report["events_replayed"] == direct["events_replayed"] and report["counts"] == direct["counts"]


def test_bad_input_is_one_error_line(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "run", "--bundle", str(tmp_path), "--data-dir", str(world.data)]) == 3
    assert capsys.readouterr().err.startswith("error: ")
    assert main(["audit", "run", "--bundle", str(world.bundle), "--rpc-url", "http://127.0.0.1:9"]) == 3
    assert capsys.readouterr().err.startswith("error: ")


def test_the_audit_paces_the_collector_only_while_it_runs(world: World) -> None:
    """The collector's first threshold is raised for the audit and put back after it, also when
    the audit stops half-way; what the audit finds does not depend on it."""
    import gc

    from ledger.audit import AUDIT_GC_THRESHOLD, run_audit
    from ledger.audit.bundle import Bundle
    from ledger.audit.chain import ChainView, open_embedded_readonly, read_addresses

    bundle = Bundle.load(world.bundle)
    before = gc.get_threshold()
    seen: list[int] = []

    def view() -> ChainView:
        client = open_embedded_readonly(world.data)
        genesis = "0x" + bytes(client.w3.eth.get_block(0)["hash"]).hex()
        return ChainView(client, read_addresses(world.bundle / "addresses.json", chain_id=client.chain_id,
                                                genesis=genesis))

    def stop(message: str) -> None:
        seen.append(gc.get_threshold()[0])
        if message == "checking opening":
            raise KeyboardInterrupt

    chain = view()
    try:
        with pytest.raises(KeyboardInterrupt):
            run_audit(chain, bundle, progress=stop)
    finally:
        chain.close()
    assert seen and min(seen) >= AUDIT_GC_THRESHOLD and gc.get_threshold() == before
    chain = view()
    try:
        report = run_audit(chain, bundle)
    finally:
        chain.close()
    assert gc.get_threshold() == before and report.counts()["pass"] > 0
