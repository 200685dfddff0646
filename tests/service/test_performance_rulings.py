"""履约 in the store and the governance's rulings on 履约 complaints, through the API.

The section is won through the whole of 评定分离 once (the loop test's `win`), its contract signed,
a milestone by the centre, a complaint by the winner with its own key and one by the centre. The
record is read from the store's projection of PerformanceBook's events, every row checked against
the chain: a row a database administrator edits, deletes or inserts is refused (503), never served,
and the record is the chain's again once the store is rebuilt. The governance rules on a complaint
(ruleComplaint, proposed and approved by its members); anyone files the ruling's text, which must
hash to the ruling on chain; the ruling is shown with its complaint. The attacks: a ruling by a key
that is not the governance's, a second ruling, a ruling on a milestone or an unknown entry, a ruling
text that is not the one ruled, and a complaint after its window.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ledger.crypto.canonical import keccak
from ledger.errors import Unauthorised
from tests.scenes import Actor, Scene
from tests.selection_scene import DAY, SECTION, Section
from tests.service.test_performance_loop import unestimated, win

pytestmark = pytest.mark.slow

RULING = "经核查，中标人所述进度款逾期支付属实，责令招标人十日内支付"
MISMATCH = "store disagrees with the chain"


@dataclass
class Performing:
    scene: Scene
    s: Section
    winner: Actor
    base: str

    @property
    def tid(self) -> str:
        return self.s.tender.tid

    def record(self) -> Any:
        return self.scene.http.get(self.base)

    def sql(self, statement: str, *params: Any) -> int:
        with sqlite3.connect(self.scene.rt.datadir.store_file) as db:
            return db.execute(statement, params).rowcount

    def rows(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.scene.rt.datadir.store_file) as db:
            return list(db.execute(statement, params))

    def propose_ruling(self, index: int, upheld: bool, text: str) -> Any:
        member = self.scene.members[0]
        return self.scene.http.post("/governance/prepare-proposal", json={
            "sender": member.account.address, "contract": "PerformanceBook", "function": "ruleComplaint",
            "args": [self.tid, SECTION, index, upheld, "0x" + keccak(text.encode()).hex()]})


@pytest.fixture(scope="module")
def performing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Performing]:
    with Scene.served(tmp_path_factory.mktemp("perf"), seed=61) as scene:
        s = Section.make(scene)
        winner = win(s)
        firm = s.bidders[winner]
        tid, base = s.tender.tid, f"/tenders/{s.tender.tid}/sections/{SECTION}/performance"
        signed = scene.centre.post(f"/tenders/{tid}/sections/{SECTION}/guarantees/contract-signed",
                                   {"signed_at": s.now()})
        assert signed.status_code == 200, signed.text
        winner_key, _ = scene.bid_key(firm, s.tender)
        assert scene.centre.post(base + "/milestones", {"text": "基础工程完工"}).status_code == 201  # 0
        text = "进度款逾期支付"
        tx = winner_key.prepare_on("PerformanceBook", "fileComplaint", tid, SECTION, "0x" + keccak(text.encode()).hex())
        assert winner_key.post(base + "/complaints", {"text": text, "signed_tx": tx}).status_code == 201  # 1
        assert scene.centre.post(base + "/complaints", {"text": "施工现场扬尘"}).status_code == 201  # 2
        yield Performing(scene, s, winner_key, base)


def refused(response: Any, *words: str) -> None:
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["error"] == "StoreMismatch" and MISMATCH in body["message"], body
    for word in words:
        assert word in body["message"], body["message"]


def rebuilt(p: Performing, before: Any) -> None:
    p.scene.store.rebuild()
    after = p.record()
    assert after.status_code == 200 and after.json() == before, after.text


# ---------------------------------------------------------------------- the store's projection


def test_the_record_is_the_stores_projection_and_a_rebuild_makes_it_again(performing: Performing) -> None:
    p = performing
    record = p.record()
    assert record.status_code == 200, record.text
    rows = p.rows("SELECT entry_index, kind, by FROM performanceentryrecord WHERE tender_id = ? ORDER BY entry_index",
                  p.tid)
    assert [(i, k) for i, k, _ in rows] == [(0, 0), (1, 1), (2, 1)] and rows[1][2] == p.winner.account.address
    assert [(e["kind"], e["ruling"]) for e in record.json()["entries"]] == [
        ("MILESTONE", None), ("COMPLAINT", None), ("COMPLAINT", None)]
    rebuilt(p, record.json())


# ---------------------------------------------------------------------- rulings


def test_ruling_by_the_governance_is_filed_and_shown_with_its_complaint(performing: Performing) -> None:
    p = performing
    not_ruled = p.scene.centre.post(p.base + "/complaints/1/ruling", {"text": RULING})
    assert not_ruled.status_code == 409 and not_ruled.json()["contract_error"] == "NotRuled", not_ruled.text

    proposal = p.scene.govern("PerformanceBook", "ruleComplaint", p.tid, SECTION, 1, True,
                              "0x" + keccak(RULING.encode()).hex())
    assert proposal["state"] == "EXECUTED", proposal
    shown = p.record().json()["entries"][1]["ruling"]
    assert shown["upheld"] is True and shown["text"] is None  # ruled on chain; its text not filed yet

    swapped = p.scene.centre.post(p.base + "/complaints/1/ruling", {"text": "投诉不成立"})
    assert swapped.status_code == 422 and "hashes to" in swapped.json()["message"], swapped.text
    filed = p.winner.post(p.base + "/complaints/1/ruling", {"text": RULING})  # anyone may file it
    assert filed.status_code == 200, filed.text
    ruling = filed.json()["ruling"]
    assert ruling["verdict"] == "UPHELD" and ruling["words"] == {"zh": "投诉成立", "en": "upheld"}
    assert ruling["text"] == RULING and ruling["by"] == p.scene.rt.governance.address and ruling["ruled_at"]
    record = p.record().json()
    assert record["entries"][1]["ruling"] == ruling and record["entries"][2]["ruling"] is None
    assert p.rows("SELECT upheld, by FROM performancerulingrecord WHERE tender_id = ?", p.tid) == [
        (1, p.scene.rt.governance.address)]
    rebuilt(p, record)


def test_ruling_by_a_wrong_key_is_refused(performing: Performing) -> None:
    p = performing
    stranger = p.scene.actor()
    r = p.scene.http.post("/governance/prepare-proposal", json={
        "sender": stranger.account.address, "contract": "PerformanceBook", "function": "ruleComplaint",
        "args": [p.tid, SECTION, 2, True, "0x" + keccak(b"x").hex()]})
    assert r.status_code == 403 and r.json()["contract_error"] == "NotMember", r.text  # not even proposed
    # the centre's own key, and the winner's, sent straight to the contract: only the governance rules
    for key in (p.scene.rt.centre, p.winner.account):
        with pytest.raises(Unauthorised, match="NotSupervisor"):
            p.scene.rt.performance_book.rule_complaint(key, bytes.fromhex(p.tid[2:]), SECTION, 2, True, keccak(b"x"))
    assert p.record().json()["entries"][2]["ruling"] is None


def test_second_ruling_on_a_complaint_is_refused(performing: Performing) -> None:
    p = performing
    again = p.propose_ruling(1, False, "投诉不成立")
    assert again.status_code == 409 and again.json()["contract_error"] == "ComplaintAlreadyRuled", again.text
    assert p.record().json()["entries"][1]["ruling"]["upheld"] is True


def test_ruling_on_a_milestone_or_an_unknown_entry_is_refused(performing: Performing) -> None:
    p = performing
    milestone = p.propose_ruling(0, True, RULING)
    assert milestone.status_code == 422 and milestone.json()["contract_error"] == "NotAComplaint", milestone.text
    unknown = p.propose_ruling(99, True, RULING)
    assert unknown.status_code == 404 and unknown.json()["contract_error"] == "UnknownEntry", unknown.text
    filing = p.scene.centre.post(p.base + "/complaints/0/ruling", {"text": RULING})
    assert filing.status_code == 409 and filing.json()["contract_error"] == "NotAComplaint", filing.text
    assert p.scene.centre.post(p.base + "/complaints/99/ruling", {"text": RULING}).status_code == 404


# ---------------------------------------------------------------------- the database administrator


def test_edited_entry_row_is_refused_and_the_rebuild_gives_the_chains(performing: Performing) -> None:
    p = performing
    before = p.record().json()
    other = "进度款已按期支付"
    # the filed document stays; the row is made to name another text
    assert p.sql("UPDATE performanceentryrecord SET document_hash = ? WHERE tender_id = ? AND entry_index = 1",
                 "0x" + keccak(other.encode()).hex(), p.tid) == 1
    refused(p.record(), "entry 1")
    rebuilt(p, before)


def test_deleted_entry_row_is_refused(performing: Performing) -> None:
    p = performing
    before = p.record().json()
    assert p.sql("DELETE FROM performanceentryrecord WHERE tender_id = ? AND entry_index = 2", p.tid) == 1
    refused(p.record(), "2 entries, the chain 3")
    rebuilt(p, before)


def test_edited_ruling_row_cannot_turn_an_upheld_complaint_down(performing: Performing) -> None:
    p = performing
    before = p.record().json()
    assert p.sql("UPDATE performancerulingrecord SET upheld = 0 WHERE tender_id = ?", p.tid) == 1
    refused(p.record(), "ruling on entry 1")
    rebuilt(p, before)


def test_inserted_ruling_row_rules_no_complaint(performing: Performing) -> None:
    p = performing
    before = p.record().json()
    assert p.sql("INSERT INTO performancerulingrecord (chain_key, tender_id, section, entry_index, upheld, ruling_hash, "
                 "by, ruled_at, tx_hash) SELECT chain_key, tender_id, section, 2, 0, ruling_hash, by, ruled_at, tx_hash "
                 "FROM performancerulingrecord WHERE tender_id = ?", p.tid) == 1
    refused(p.record(), "ruling on entry 2")
    rebuilt(p, before)


def test_edited_ruling_text_is_refused(performing: Performing) -> None:
    p = performing
    key = "0x" + keccak(RULING.encode()).hex()
    assert p.sql("UPDATE document SET content = ? WHERE kind = 'performance-ruling' AND key = ?",
                 "投诉不成立".encode(), key) == 1
    refused(p.record(), "performance-ruling")
    assert p.sql("UPDATE document SET content = ? WHERE kind = 'performance-ruling' AND key = ?",
                 RULING.encode(), key) == 1
    assert p.record().json()["entries"][1]["ruling"]["text"] == RULING


# ---------------------------------------------------------------------- the command line


def test_perform_rule_proposes_the_members_approve_and_show_prints_the_ruling(
        performing: Performing, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.server import serving
    from tools.cli import main

    p = performing
    keys = []
    for g in p.scene.rt.governors:
        keys.append(tmp_path / f"{g.slug}.key")
        keys[-1].write_text(g.account.key.hex())
    filer = tmp_path / "filer.key"
    filer.write_text(p.winner.account.key.hex())
    text = tmp_path / "ruling.txt"
    text.write_text("经核查，扬尘治理符合规定，投诉不成立\n", encoding="utf-8")
    with serving(p.scene.http.app, started=True) as url:
        api = ["--api", url]
        assert main(["perform", "rule", p.tid, "2", "--dismissed", "--text-file", str(text),
                     "--key-file", str(keys[0]), *api]) == 0
        out = capsys.readouterr().out
        assert "PerformanceBook.ruleComplaint" in out and "governance approve" in out, out
        assert "perform ruling" in out
        pid = out.split()[0]
        # the same ruling proposed while it waits is the members' to approve, not a second ruling
        for key in keys[1:3]:
            assert main(["governance", "approve", pid, "--key-file", str(key), *api]) == 0
        assert "executed in 0x" in capsys.readouterr().out
        assert main(["perform", "ruling", p.tid, "2", "--text", "另一段文字", "--key-file", str(filer), *api]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ") and "hashes to" in err[0], err
        assert main(["perform", "ruling", p.tid, "2", "--text-file", str(text), "--key-file", str(filer), *api]) == 0
        assert "dismissed (投诉不成立)" in capsys.readouterr().out
        assert main(["perform", "show", p.tid, *api]) == 0
        shown = capsys.readouterr().out
        # a second ruling through the command line: the proposal is refused before any member signs
        assert main(["perform", "rule", p.tid, "2", "--upheld", "--text", "改判", "--key-file", str(keys[0]), *api]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "ComplaintAlreadyRuled" in err[0], err
    assert "upheld (投诉成立): " + RULING in shown and "dismissed (投诉不成立): 经核查，扬尘治理符合规定" in shown, shown
    assert shown.count("ruled ") == 2 and "+" in shown.split("ruled ")[1][:30]  # local time with its offset


# ---------------------------------------------------------------------- the audit


def _audit(bundle: Path, data: Path, out: Path) -> tuple[int, list[dict[str, Any]]]:
    from tools.cli import main

    code = main(["audit", "run", "--bundle", str(bundle), "--data-dir", str(data), "--json", str(out), "--quiet",
                 "--family", "documents", "--family", "performance"])
    return code, list(json.loads(out.read_text(encoding="utf-8"))["checks"])


def test_the_audit_bundle_holds_the_rulings_texts_and_a_swapped_one_is_a_finding(
        performing: Performing, tmp_path: Path) -> None:
    from tools.cli import main

    p = performing
    if p.record().json()["entries"][1]["ruling"] is None:  # run alone: rule on complaint 1 and file its text
        ruled = p.scene.govern("PerformanceBook", "ruleComplaint", p.tid, SECTION, 1, True,
                               "0x" + keccak(RULING.encode()).hex())
        assert ruled["state"] == "EXECUTED", ruled
        assert p.winner.post(p.base + "/complaints/1/ruling", {"text": RULING}).status_code == 200
    data, bundle = p.scene.rt.datadir.path, tmp_path / "bundle"
    assert main(["audit", "export", "--data-dir", str(data), "--out", str(bundle)]) == 0
    key = "0x" + keccak(RULING.encode()).hex()
    index = json.loads((bundle / "index.json").read_text(encoding="utf-8"))
    (entry,) = [d for d in index["documents"] if d["kind"] == "performance-ruling" and d["key"] == key]
    assert (bundle / entry["file"]).read_bytes() == RULING.encode() and entry["file"] == key[2:] + ".bin"
    assert entry["tender_id"] == p.tid and entry["section"] == SECTION and entry["index"] == 1

    code, checks = _audit(bundle, data, tmp_path / "clean.json")
    assert code == 0, [c for c in checks if c["status"] == "fail"]
    (ruling,) = [c for c in checks if c["family"] == "performance" and c["name"] == "ruling on complaint 1"]
    assert ruling["status"] == "pass" and "upheld" in ruling["message"] and "in the bundle" in ruling["message"]
    (text,) = [c for c in checks if c["family"] == "documents" and c["name"] == f"ruling on a 履约 complaint {key}"]
    assert text["status"] == "pass", text

    # another text, filed under its own keccak and indexed as the ruling on complaint 1: the chain holds another hash
    other = "经核查，投诉不成立".encode()
    swapped = tmp_path / "swapped"
    shutil.copytree(bundle, swapped)
    (swapped / entry["file"]).unlink()
    (swapped / (keccak(other).hex() + ".bin")).write_bytes(other)
    entry.update(file=keccak(other).hex() + ".bin", keccak="0x" + keccak(other).hex())
    (swapped / "index.json").write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")
    code, checks = _audit(swapped, data, tmp_path / "swapped.json")
    failed = [c for c in checks if c["status"] == "fail"]
    assert code == 1 and [c["name"] for c in failed] == [f"ruling on a 履约 complaint {key}"], failed
    assert f"the chain holds {key}" in failed[0]["message"]

    # the file itself overwritten with another text, its name and index left alone
    edited = tmp_path / "edited"
    shutil.copytree(bundle, edited)
    (edited / (key[2:] + ".bin")).write_bytes(other)
    code, checks = _audit(edited, data, tmp_path / "edited.json")
    failed = [c for c in checks if c["status"] == "fail"]
    assert code == 1 and [c["name"] for c in failed] == [f"ruling on a 履约 complaint {key}"], failed
    assert "is not the file its name and index say" in failed[0]["message"]


# ---------------------------------------------------------------------- the complaint window (last: it completes)


def test_late_complaint_via_api_is_refused(performing: Performing) -> None:
    p = performing
    params: dict[str, Any] = p.s.tender.params
    evaluation = {"PRJNUM": "4404022101019902", "contract_no": f"HT-{params['project_code']}-1",
                  "contract_amount_wan": "1100", "EDATE": p.scene.now().date().isoformat(), "rating": "合格",
                  "summary": "工期略有延误，质量合格"}
    assert p.scene.centre.post(p.base + "/completion", {"evaluation": evaluation}).status_code == 201
    within = p.scene.centre.post(p.base + "/complaints", {"text": "竣工资料移交不全"})
    assert within.status_code == 201, within.text  # within 30 days of the completion
    p.s.later(30 * DAY + 1)
    late = p.scene.centre.post(p.base + "/complaints", {"text": "保修期内渗漏"})
    assert late.status_code == 409 and late.json()["contract_error"] == "PerformanceComplaintLate", late.text
    text = "尾款未付"
    tx = unestimated(p.scene, p.winner, "fileComplaint", p.s.tid, SECTION, keccak(text.encode()))
    own = p.winner.post(p.base + "/complaints", {"text": text, "signed_tx": tx})
    assert own.status_code == 409 and own.json()["contract_error"] == "PerformanceComplaintLate", own.text
    record = p.record().json()
    assert [e["kind"] for e in record["entries"]] == ["MILESTONE", "COMPLAINT", "COMPLAINT", "COMPLETION", "COMPLAINT"]
    for late_text in ("保修期内渗漏", text):  # nothing is filed for a complaint the contract refused
        assert p.rows("SELECT 1 FROM document WHERE key = ?", "0x" + keccak(late_text.encode()).hex()) == []
