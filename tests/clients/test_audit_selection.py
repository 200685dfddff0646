"""`tender-ledger audit` over 评定分离: one section taken from its opening to the award (an expert
employed by a bidder excluded, 7 sheets, the shortlist, 票决抽签, an objection answered, a complaint
ruled by the governance); the auditor reruns every step from the chain and the bundle alone, and
each planted fault — a sheet swapped in the centre's store before the export, a sheet swapped in
the bundle, a decision record naming someone the rule does not, a seat holder edited — is named."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledger.audit import words
from ledger.audit.bundle import INDEX, SEAT_HOLDER, SELECTION_RECORD, SELECTION_SHEET, file_name
from ledger.crypto.canonical import canonical_json, keccak
from ledger.documents import Kind
from ledger.model.selection import CommitteeKind, Stage
from ledger.rules.evaluation import ScoreSheet
from tests.ocds import ocds_errors
from tests.scenes import Scene
from tests.selection_scene import DAY, PRICES, SECTION, Section
from tools.cli import main

EV, SEL = CommitteeKind.EVALUATION, CommitteeKind.SELECTION

pytestmark = pytest.mark.slow


@dataclass
class World:
    s: Section
    data: Path
    bundle: Path
    excluded: str
    winner: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with selection_world(tmp_path_factory.mktemp("audit-selection")) as w:
        yield w


@contextmanager
def selection_world(root: Path) -> Iterator[World]:
    """The section taken through the whole of 评定分离 on a served ledger in `root`, and its bundle."""
    with Scene.served(root, seed=61) as scene:
        s = Section.make(scene)
        centre = str(s.rt.centre.address)
        picks = s.committee_draw(EV)
        s.svc.exclude_conflicted(signer=centre, tender_id=s.tid, section=SECTION, kind=EV, expert=picks[0],
                                 credential_id=bytes.fromhex(s.firms[0].ids[Kind.PERSONNEL][2:]))
        s.seat(EV, picks[1:8])
        seats = list(s.seats[EV])
        for seat in seats:
            s.commit_sheet(seat)
        for seat in seats:
            s.reveal_sheet(seat)
        s.submit_shortlist(seats[0])
        decided = s.select()
        s.svc.decide(signer=centre, tender_id=s.tid, section=SECTION, winner=decided.winner)
        s.object_and_answer("第二候选人的项目经理注册证书在截标时已过期。", "经核查，该证书在截标时有效，异议不成立。")
        s.later(3 * DAY + 1)
        complainant = scene.account()
        reason = "定标委员会成员与中标候选人存在利害关系"
        s.svc.complain(signer=complainant.address, tender_id=s.tid, section=SECTION, reason=reason,
                       signed_tx=s.tx(complainant, "complain", s.tid, SECTION, keccak(reason.encode())))
        ruling = "投诉不成立。"
        scene.govern("SelectionBook", "ruleComplaint", "0x" + s.tid.hex(), SECTION, 1, False, int(Stage.EVALUATION),
                     "0x" + keccak(ruling.encode()).hex())
        s.svc.file_ruling(tender_id=s.tid, section=SECTION, complaint_id=1, ruling=ruling)
        state, _ = s.svc.award(signer=centre, tender_id=s.tid, section=SECTION)
        assert state.status.stage is Stage.AWARDED
        data, bundle = root / "data", root / "bundle"
        assert main(["audit", "export", "--data-dir", str(data), "--out", str(bundle)]) == 0
        yield World(s, data, bundle, picks[0], decided.winner)


def audit(world: World, *extra: str, bundle: Path | None = None) -> tuple[int, dict[str, Any]]:
    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"audit-{os.getpid()}-{os.urandom(4).hex()}.json"
    code = main(["audit", "run", "--bundle", str(bundle or world.bundle), "--data-dir", str(world.data),
                 "--json", str(out), "--quiet", *extra])
    report = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    return code, report


def failures(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in report["checks"] if c["status"] == "fail"]


def named(report: dict[str, Any], family: str, prefix: str) -> list[dict[str, Any]]:
    return [c for c in report["checks"] if c["family"] == family and c["name"].startswith(prefix)]


def index(bundle: Path) -> dict[str, Any]:
    return dict(json.loads((bundle / INDEX).read_text(encoding="utf-8")))


def replace_document(bundle: Path, kind: str, key: str, content: bytes) -> None:
    """The bundle's `kind` document under `key` replaced by `content`, renamed and re-indexed by its
    new hash (the index still files it under the on-chain key)."""
    data = index(bundle)
    entry = next(e for e in data["documents"] if e["kind"] == kind and e["key"] == key)
    (bundle / entry["file"]).unlink()
    (bundle / file_name(content)).write_bytes(content)
    entry["file"], entry["keccak"] = file_name(content), "0x" + keccak(content).hex()
    (bundle / INDEX).write_text(json.dumps(data), encoding="utf-8")


def altered_sheet(content: bytes) -> bytes:
    """The same sheet with one bid's first score one point lower."""
    sheet = ScoreSheet.model_validate_json(content)
    bidder = sorted(sheet.scores)[0]
    scores = {b: dict(m) for b, m in sheet.scores.items()}
    code = sorted(scores[bidder])[0]
    scores[bidder][code] = scores[bidder][code] - Decimal(1)
    return canonical_json(ScoreSheet(scores=scores).model_dump(mode="json"))


# ---------------------------------------------------------------------- the honest record


def test_every_step_of_the_selection_reruns_from_the_chain_and_the_bundle(world: World) -> None:
    code, report = audit(world)
    assert failures(report) == [] and code == 0, failures(report)
    assert "selection" in report["families"]
    kinds = {e["kind"] for e in index(world.bundle)["documents"]}
    assert {"selection-sheet", "selection-report", "selection-record", "selection-exclusion", "selection-objection",
            "selection-answer", "selection-complaint", "selection-ruling", SEAT_HOLDER} <= kinds
    passed = [c for c in report["checks"] if c["family"] == "selection" and c["status"] == "pass"]
    names = {c["name"] for c in passed}
    assert {"evaluation committee: draw", "evaluation committee: members", "selection committee: draw",
            "selection committee: members", "公示 period", "objection 1", "answer to objection 1", "complaint 1",
            "ruling on complaint 1", f"award to {world.winner}", f"decision for {world.winner}",
            f"decision for {world.winner}: in the shortlist", f"decision for {world.winner}: record"} <= names
    assert f"evaluation committee: exclusion of {world.excluded}" in names
    assert len([n for n in names if n.startswith("sheet of seat")]) == 7
    assert any(n.startswith("shortlist (revision 0)") for n in names)
    assert any(n == "shortlist (revision 0): report" for n in names)
    assert any(n.startswith("vote round") for n in names)
    by_name = {c["name"]: c["message"] for c in passed}
    assert "票决抽签" in by_name[f"decision for {world.winner}"]
    assert "every figure" in by_name["shortlist (revision 0): report"]
    assert "within its criterion's range" in next(m for n, m in by_name.items() if n.startswith("sheet of seat"))
    assert all(c["evidence"] and c["evidence"][0].get("tx", "").startswith("0x") for c in passed
               if c["name"].startswith(("sheet of", "decision for", "award to")))
    roles = [c for c in report["checks"] if c["family"] == "roles" and c["name"].startswith("SelectionBook.")]
    assert {"SelectionBook.SheetRevealed", "SelectionBook.Decided", "SelectionBook.ComplaintRuled"} <= {
        c["name"] for c in roles}
    # every check says its name and message as a code whose arguments say exactly its English
    assert all(c.get("code") in words.WORDS and words.bound(c["code"], c["args"], c["name"], c["message"])
               for c in report["checks"]), [c for c in report["checks"] if "code" not in c]
    assert {c["code"] for c in passed} >= {"selection.committee_draw", "selection.members", "selection.publicity",
                                           "selection.decision", "selection.record", "selection.award"}


def test_the_selection_family_runs_alone(world: World) -> None:
    code, report = audit(world, "--family", "selection")
    assert code == 0 and report["families"] == ["selection"]
    assert named(report, "selection", "shortlist (revision 0)")


# ---------------------------------------------------------------------- planted faults


def test_a_sheet_edited_in_the_store_before_the_export_is_named(world: World, tmp_path: Path) -> None:
    """The centre edits a revealed sheet in its operational database (the score lowered), then
    exports: the sheet no longer hashes to what the chain revealed, and the shortlist cannot be
    rerun without it."""
    data = tmp_path / "data"
    shutil.copytree(world.data, data, ignore=shutil.ignore_patterns("*.sqlite*", ".lock", ".chain.lock", "node.json"))
    for name in ("chain.sqlite", "ledger.sqlite"):
        with sqlite3.connect(f"file:{world.data / name}?mode=ro", uri=True) as a, sqlite3.connect(data / name) as b:
            a.backup(b)
    with sqlite3.connect(data / "ledger.sqlite") as db:
        key, content = db.execute("SELECT key, content FROM document WHERE kind = ? ORDER BY key LIMIT 1",
                                  (SELECTION_SHEET,)).fetchone()
        db.execute("UPDATE document SET content = ? WHERE kind = ? AND key = ?",
                   (altered_sheet(bytes(content)), SELECTION_SHEET, key))
    bundle = tmp_path / "bundle"
    assert main(["audit", "export", "--data-dir", str(data), "--out", str(bundle)]) == 0
    code, report = audit(world, bundle=bundle)
    assert code == 1
    found = failures(report)
    assert any(f["family"] == "documents" and key in f["name"] and "hashes to" in f["message"] for f in found), found
    sheet = [f for f in found if f["family"] == "selection" and f["name"].startswith("sheet of seat")]
    assert sheet and f"no sheet hashing to {key}" in sheet[0]["message"]
    assert any(f["family"] == "selection" and f["name"].startswith("shortlist") and "lacks the sheet" in f["message"]
               for f in found), found


def test_a_sheet_swapped_in_the_bundle_does_not_open_its_commitment(world: World, tmp_path: Path) -> None:
    """The bundle's copy of a sheet replaced by another sheet (a lower score), still filed under the
    revealed sheet hash: a documents finding, and the selection family will not use it."""
    bundle = tmp_path / "bundle"
    shutil.copytree(world.bundle, bundle)
    entry = next(e for e in index(bundle)["documents"] if e["kind"] == SELECTION_SHEET)
    replace_document(bundle, SELECTION_SHEET, entry["key"], altered_sheet((bundle / entry["file"]).read_bytes()))
    code, report = audit(world, bundle=bundle)
    assert code == 1
    found = failures(report)
    assert any(f["family"] == "documents" and f"the chain holds {entry['key']}" in f["message"] for f in found)
    assert any(f["family"] == "selection" and f["name"].startswith("sheet of seat") for f in found)


def test_a_decision_record_naming_another_winner_is_named(world: World, tmp_path: Path) -> None:
    """SelectionBook refuses a winner outside the shortlist or against the tally or draw
    (NotShortlisted, NoMajority, NotDrawWinner); what the centre can still write is the record
    filed under the decision's hash. One naming another winner is caught twice: it does not hash
    to the chain's record hash, and it does not say what the rule gives."""
    bundle = tmp_path / "bundle"
    shutil.copytree(world.bundle, bundle)
    entry = next(e for e in index(bundle)["documents"] if e["kind"] == SELECTION_RECORD)
    record = json.loads((bundle / entry["file"]).read_bytes())
    record["winner"] = next(b for b in world.s.bidders if b != world.winner)
    replace_document(bundle, SELECTION_RECORD, entry["key"], canonical_json(record))
    code, report = audit(world, bundle=bundle)
    assert code == 1
    found = failures(report)
    assert any(f["family"] == "documents" and entry["key"] in f["name"] for f in found)
    assert any(f["family"] == "selection" and f["name"] == f"decision for {world.winner}: record" for f in found)


def test_a_seat_holder_naming_another_member_is_named(world: World, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(world.bundle, bundle)
    entry = next(e for e in index(bundle)["documents"] if e["kind"] == SEAT_HOLDER)
    holder = json.loads((bundle / entry["file"]).read_bytes())
    holder["member"] = world.excluded
    replace_document(bundle, SEAT_HOLDER, entry["key"], canonical_json(holder))
    code, report = audit(world, bundle=bundle)
    assert code == 1
    assert any(f["family"] == "documents" and "link to" in f["message"] for f in failures(report))


# ---------------------------------------------------------------------- publication as OCDS

def test_every_tender_is_published_as_an_ocds_release_package_from_the_chain_and_the_bundle(
        world: World, tmp_path: Path) -> None:
    out = tmp_path / "ocds.json"
    assert main(["audit", "ocds", "--bundle", str(world.bundle), "--data-dir", str(world.data), "--out", str(out),
                 "--quiet"]) == 0
    package = json.loads(out.read_text(encoding="utf-8"))
    assert ocds_errors(package) == []
    assert [r["tag"] for r in package["releases"]] == [["tender"], ["tenderUpdate"], ["award"], ["award"]]
    assert package["releases"][2]["awards"][0]["status"] == "pending"  # decided, in 公示
    release = package["releases"][-1]
    tid = "0x" + world.s.tid.hex()
    assert release["ocid"] == f"ocds-tl0001-{tid[2:]}" and package["version"] == "1.1"
    assert release["tender"]["status"] == "complete"
    assert release["bids"]["statistics"] == [
        {"id": f"{tid}-0-bids", "measure": "bids", "value": 4, "relatedLot": f"{tid}-0"},
        {"id": f"{tid}-0-validBids", "measure": "validBids", "value": 4, "relatedLot": f"{tid}-0"}]
    firm = world.s.bidders[world.winner]
    (award,) = release["awards"]
    assert award["suppliers"][0]["id"] == f"CN-USCC-{firm.uscc}"
    price = dict(zip(world.s.bidders, PRICES, strict=True))[world.winner]
    assert award["value"] == {"amount": int(price), "currency": "CNY"}
    ids = {p["identifier"]["id"] for p in release["parties"]}
    assert all(p["identifier"]["scheme"] == "CN-USCC" for p in release["parties"])
    assert {f.uscc for f in world.s.firms} <= ids and release["tender"]["numberOfTenderers"] == 4
    assert release["tender"]["procuringEntity"]["id"] == f"CN-USCC-{world.s.tender.params['tenderer_uscc']}"


def test_the_ocds_export_refuses_a_bundle_that_is_not_one(world: World, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "ocds", "--bundle", str(tmp_path), "--data-dir", str(world.data)]) == 3
    assert capsys.readouterr().err.startswith("error: ")
