"""The loop the ledger exists for, end to end: a firm bids with its per-tender bid key, wins through
the whole of 评定分离, signs the contract and performs; the completion evaluation (履约评价) and the
new 业绩 are anchored as credentials by an issuer the governance authorised for those kinds; the
firm ticks the new 业绩 into a later tender's bid, where it is valid at that opening and counts
toward the later section's performance requirement."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ledger.crypto.canonical import keccak
from ledger.documents import Kind, SealedCredential
from ledger.model.selection import CommitteeKind, Stage
from ledger.rules.selection import NeedDraw
from tests.scenes import Scene, tender_params
from tests.selection_scene import DAY, HOUR, SECTION, Section

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


def test_bid_win_perform_and_the_new_performance_credential_counts_in_a_later_tender(tmp_path: Path) -> None:
    with Scene.served(tmp_path, seed=59) as scene:
        s = Section.make(scene)
        winner = win(s)
        firm = s.bidders[winner]  # the bid key's firm, which the public results now show
        results = scene.http.get(f"/tenders/{s.tender.tid}/sections/{SECTION}/results").json()
        awarded = next(b for b in results["bids"] if b["bidder"] == winner)
        assert awarded["eligibility"]["firm"] == firm.uscc

        signed = scene.centre.post(f"/tenders/{s.tender.tid}/sections/{SECTION}/guarantees/contract-signed",
                                   {"signed_at": s.now()})
        assert signed.status_code == 200, signed.text
        s.later(180 * DAY)  # the works are performed

        # 履约评价 and the new 业绩, by an issuer the governance authorised for those kinds only
        authority = scene.issuer(Kind.CONTRACT_PERFORMANCE, Kind.PERFORMANCE)
        params: dict[str, Any] = s.tender.params
        done = scene.now().date().isoformat()
        award_id = keccak(b"".join([s.tid, SECTION.to_bytes(2, "big")]))  # an id naming the award
        contract = {"PRJNUM": "4404022101019901", "contract_no": f"HT-{params['project_code']}-1",
                    "client_uscc": params["tenderer_uscc"], "client_name": params["tenderer"],
                    "contract_amount_wan": "1100", "EDATE": done}
        scene.credential(firm, Kind.CONTRACT_PERFORMANCE, issuer=authority, **contract,
                         project_name=params["title"], section_code=params["sections"][SECTION]["code"],
                         TENDERNUM=params["project_code"], award_id="0x" + award_id.hex(), rating="优秀")
        new_performance = scene.credential(firm, Kind.PERFORMANCE, issuer=authority, **contract,
                                           project_name=params["title"], TENDERNUM=params["project_code"])

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
