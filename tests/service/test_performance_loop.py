"""The loop the ledger exists for, end to end: a firm bids with its per-tender bid key, wins through
the whole of 评定分离, signs the contract and performs — milestones, an acknowledgement and a
complaint on PerformanceBook, by the centre for the tenderer and by the winner's own key, with the
attacks a stranger or a replay would try —; the centre records the completion evaluation (履约评价);
an issuer the governance authorised for 履约评价 anchors the credential drafted from it (naming the
award and the evaluation's hash), a new 业绩; the firm ticks it into a later tender's bid, where it is
valid at that opening and counts toward the later section's performance requirement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.crypto.canonical import keccak
from ledger.documents import Kind, SealedCredential, parse_document
from ledger.model.selection import CommitteeKind, Stage
from ledger.rules.performance import award_id
from ledger.rules.selection import NeedDraw
from tests.scenes import Actor, Scene, tender_params
from tests.selection_scene import DAY, HOUR, SECTION, Section
from tools.cli import main

EV, SEL = CommitteeKind.EVALUATION, CommitteeKind.SELECTION

pytestmark = pytest.mark.slow


def win(s: Section) -> str:
    """The whole 评定分离 of the section, every party with its own key; the awarded bid key."""
    centre = s.rt.centre.address
    picks = s.committee_draw(EV)
    s.seat(EV, picks[:7])
    for seat in s.seats[EV]:
        s.commit_sheet(seat)
    for seat in s.seats[EV]:
        s.reveal_sheet(seat)
    s.submit_shortlist(next(iter(s.seats[EV])))
    s.seat(SEL, s.committee_draw(SEL)[:5])
    a, b, _ = s.svc.step(s.tid, SECTION).candidates  # type: ignore[union-attr]
    s.svc.open_round(signer=centre, tender_id=s.tid, section=SECTION, commit_deadline=s.now() + HOUR,
                     reveal_deadline=s.now() + 2 * HOUR)
    seats = list(s.seats[SEL])
    for seat, choice in zip(seats, [a, a, a, b, b], strict=True):
        s.commit_vote(1, seat, choice)
    for seat in seats:
        s.reveal_vote(1, seat)
    step = s.svc.step(s.tid, SECTION)
    assert isinstance(step, NeedDraw)
    s.draw("selection", 1, list(step.candidates), 1)
    s.svc.decide(signer=centre, tender_id=s.tid, section=SECTION)
    s.later(3 * DAY + 1)
    state, _ = s.svc.award(signer=centre, tender_id=s.tid, section=SECTION)
    assert state.status.stage is Stage.AWARDED and state.winner is not None
    return state.winner


def unestimated(scene: Scene, actor: Actor, function: str, *args: Any) -> str:
    """`actor`'s own PerformanceBook transaction, signed without a gas estimate (which would
    revert): what an attacker sends to have the service relay it."""
    book = scene.rt.performance_book
    return actor.sign_tx({"to": book.address, "data": book.calldata(function, *args), "gas": 200_000, "value": 0,
                          "nonce": scene.rt.client.w3.eth.get_transaction_count(actor.account.address),
                          "chainId": scene.rt.client.chain_id, "type": 2, **scene.rt.client.fees()})


def test_bid_win_perform_and_the_new_performance_credential_counts_in_a_later_tender(tmp_path: Path) -> None:
    with Scene.served(tmp_path, seed=59) as scene:
        s = Section.make(scene)
        winner = win(s)
        firm = s.bidders[winner]  # the bid key's firm, which the public results now show
        results = scene.http.get(f"/tenders/{s.tender.tid}/sections/{SECTION}/results").json()
        awarded = next(b for b in results["bids"] if b["bidder"] == winner)
        assert awarded["eligibility"]["firm"] == firm.uscc

        tid, base = s.tender.tid, f"/tenders/{s.tender.tid}/sections/{SECTION}/performance"
        winner_key, _ = scene.bid_key(firm, s.tender)
        assert winner_key.account.address == winner
        loser = next(o for o in s.firms if o is not firm)
        loser_key, _ = scene.bid_key(loser, s.tender)

        # before the contract signing nothing of the performance is recorded
        early = scene.centre.post(base + "/milestones", {"text": "开工"})
        assert early.status_code == 409 and early.json()["contract_error"] == "ContractNotSigned", early.text

        signed = scene.centre.post(f"/tenders/{tid}/sections/{SECTION}/guarantees/contract-signed",
                                   {"signed_at": s.now()})
        assert signed.status_code == 200, signed.text

        # 履约: the centre records milestones for the tenderer, the winner acknowledges with its own key
        m = scene.centre.post(base + "/milestones", {"text": "基础工程完工，经监理验收合格"})
        assert m.status_code == 201 and m.json()["by"] == scene.centre.account.address, m.text
        ack_tx = winner_key.prepare_on("PerformanceBook", "acknowledge", tid, SECTION, 0)
        ack = winner_key.post(base + "/entries/0/acknowledge", {"signed_tx": ack_tx})
        assert ack.status_code == 200 and ack.json()["acknowledged_at"], ack.text
        again = winner_key.post(base + "/entries/0/acknowledge", {
            "signed_tx": unestimated(scene, winner_key, "acknowledge", s.tid, SECTION, 0)})
        assert again.status_code == 403 and again.json()["contract_error"] == "NotAcknowledgeable", again.text
        text = "主体结构封顶"
        tx = winner_key.prepare_on("PerformanceBook", "recordMilestone", tid, SECTION, "0x" + keccak(text.encode()).hex())
        assert winner_key.post(base + "/milestones", {"text": text, "signed_tx": tx}).status_code == 201
        # a complaint by the winner; its text must be the one its hash names
        text = "进度款逾期支付"
        tx = winner_key.prepare_on("PerformanceBook", "fileComplaint", tid, SECTION, "0x" + keccak(text.encode()).hex())
        swapped = winner_key.post(base + "/complaints", {"text": "另一段文字", "signed_tx": tx})
        assert swapped.status_code == 422, swapped.text
        assert winner_key.post(base + "/complaints", {"text": text, "signed_tx": tx}).status_code == 201
        # a losing bidder's own transaction is refused by the contract; the winner's relayed for another signer
        text = "冒充中标人"
        tx = unestimated(scene, loser_key, "recordMilestone", s.tid, SECTION, keccak(text.encode()))
        stranger = loser_key.post(base + "/milestones", {"text": text, "signed_tx": tx})
        assert stranger.status_code == 403 and stranger.json()["contract_error"] == "NotPerformanceParty", stranger.text
        forwarded = loser_key.post(base + "/complaints", {"text": "进度款逾期支付", "signed_tx": winner_key.prepare_on(
            "PerformanceBook", "fileComplaint", tid, SECTION, "0x" + keccak("进度款逾期支付".encode()).hex())})
        assert forwarded.status_code == 403, forwarded.text
        # the centre's steps need the centre's signed request: the winner cannot complete
        s.later(180 * DAY)  # the works are performed
        params: dict[str, Any] = s.tender.params
        done = scene.now().date().isoformat()
        evaluation = {"PRJNUM": "4404022101019901", "contract_no": f"HT-{params['project_code']}-1",
                      "contract_amount_wan": "1100", "EDATE": done, "rating": "优秀", "score": "95",
                      "summary": "工期、质量、安全文明施工均达合同要求"}
        assert winner_key.post(base + "/completion", {"evaluation": evaluation}).status_code == 403
        bad = scene.centre.post(base + "/completion", {"evaluation": {**evaluation, "rating": "极好"}})
        assert bad.status_code == 422 and "rating" in bad.json()["message"], bad.text
        completed = scene.centre.post(base + "/completion", {"evaluation": evaluation})
        assert completed.status_code == 201 and completed.json()["kind"] == "COMPLETION", completed.text
        second = scene.centre.post(base + "/completion", {"evaluation": {**evaluation, "rating": "合格"}})
        assert second.status_code == 409 and second.json()["contract_error"] == "AlreadyCompleted", second.text
        late = scene.centre.post(base + "/milestones", {"text": "竣工后补记"})
        assert late.status_code == 409 and late.json()["contract_error"] == "AlreadyCompleted", late.text

        record = scene.http.get(base).json()
        assert record["winner"] == winner and record["completed"] is True
        assert [(e["kind"], e["by"] == winner) for e in record["entries"]] == [
            ("MILESTONE", False), ("MILESTONE", True), ("COMPLAINT", True), ("COMPLETION", False)]
        assert record["entries"][0]["text"] == "基础工程完工，经监理验收合格"
        assert record["evaluation"]["rating"] == "优秀" and record["evaluation_hash"] == record["entries"][3]["document_hash"]

        # 履约评价, the new 业绩, by an issuer the governance authorised for that kind only: the draft made
        # from the completion names the award and the evaluation's hash, and the winner's firm
        authority = scene.issuer(Kind.CONTRACT_PERFORMANCE)
        draft = scene.http.get(base + "/credential-draft", params={"issuer": authority.account.address})
        assert draft.status_code == 200, draft.text
        document = draft.json()["document"]
        assert document["subject"] == firm.uscc and document["evaluation_hash"] == record["evaluation_hash"]
        assert document["award_id"] == "0x" + award_id(s.tid, SECTION).hex()
        sealed = SealedCredential.seal(parse_document(document))
        anchored = authority.anchor([sealed])
        assert anchored.status_code == 201, anchored.text
        new_performance = anchored.json()["credentials"][0]["credential_id"]
        contract = {"PRJNUM": evaluation["PRJNUM"], "contract_no": evaluation["contract_no"],
                    "client_uscc": params["tenderer_uscc"], "client_name": params["tenderer"],
                    "contract_amount_wan": "1100", "EDATE": done}

        # an issuer not authorised for 业绩 cannot anchor one
        outsider = scene.issuer(Kind.QUALIFICATION)
        forged = SealedCredential.seal(scene.document(firm, Kind.PERFORMANCE, issuer=outsider, **contract))
        refused = scene.http.post("/credentials/prepare-anchor", json={
            "documents": [forged.to_dict()], "sender": outsider.account.address})
        assert refused.status_code == 403 and refused.json()["contract_error"] == "NotAuthorised", refused.text

        # a later tender asks for one 业绩 of at least 1,000 万元 within a year: only the new one qualifies
        sections = tender_params(guarantee="0")["sections"]
        sections[0]["performance"] = {"count": 1, "min_amount_wan": "1000", "within_years": 1}
        later = scene.tender(guarantee="0", sections=sections)
        ticks = [firm.ids[Kind.QUALIFICATION], firm.ids[Kind.PERSONNEL], new_performance]
        r = scene.bid(firm, later, credentials=ticks, bid_key=True)
        assert r.status_code == 201, r.text
        bid_key = r.json()["bidder"]
        for other in s.firms:  # the other firms bid too, with their older 业绩 (900 万元: short of the 1,000)
            if other is not firm:
                assert scene.bid(other, later, bid_key=True).status_code == 201
        scene.after_deadline(later)
        scene.release(later)
        opened = scene.open(later)
        assert opened.status_code == 200, opened.text
        bid = next(b for b in opened.json()["bids"] if b["bidder"] == bid_key)
        assert bid["eligible"] is True and bid["eligibility"]["firm"] == firm.uscc, [c for c in bid["eligibility"]["checks"] if c["status"] != "VALID"]
        assert new_performance in bid["credential_ids"]
        checks = {c["name"]: c for c in bid["eligibility"]["checks"]}
        performance = next(c for name, c in checks.items() if name.startswith("performance"))
        assert performance["status"] == "VALID" and performance["reason"].startswith("1 qualifying")

        # the audit replays the performance record from the chain and checks the credential against it
        data, bundle, out = tmp_path / "data", tmp_path / "bundle", tmp_path / "audit.json"
        assert data.is_dir()
        assert main(["audit", "export", "--data-dir", str(data), "--out", str(bundle)]) == 0
        main(["audit", "run", "--bundle", str(bundle), "--data-dir", str(data), "--json", str(out), "--quiet",
              "--family", "performance"])
        checks = [c for c in json.loads(out.read_text(encoding="utf-8"))["checks"] if c["family"] == "performance"]
        assert len(checks) == 6 and all(c["status"] == "pass" for c in checks), checks
        assert [c["name"] for c in checks][-1] == f"credential {new_performance}"
