"""集体议事 through the service: the centre names the chair, every member commits then reveals a
written view (its salt the view's hash), the chair decides with its written reasons, and the audit
replays it. Each break of the rule is refused before anything is filed or sent. The tests run in
file order on one section."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.crypto.canonical import canonical_json, keccak
from ledger.errors import Conflict, LedgerError, Unauthorised, ValidationFailed
from ledger.model.selection import CommitteeKind, DecisionBasis, Stage
from ledger.rules.selection import NeedDecision, NeedViews, decision_document, view_document, vote_commitment
from ledger.service.selection import VIEW
from tests.selection_scene import HOUR, SECTION, Section, deliberation_section, selection_seats
from tools.cli import main

SEL = CommitteeKind.SELECTION
ZERO = "0x" + "00" * 20
pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def s(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Section]:
    with deliberation_section(tmp_path_factory.mktemp("deliberation"), seed=61) as section:
        yield section


seats = selection_seats


def view(s: Section, seat: str, candidate: str | None, reason: str = "施工方案与报价综合最优") -> bytes:
    return view_document(tender_id=s.tid, section=SECTION, round=1, seat=seat, candidate=candidate, reason=reason,
                         nonce=os.urandom(32))


def commit_view(s: Section, seat: str, document: bytes, candidate: str | None) -> None:
    c = vote_commitment(tender_id=s.tid, section=SECTION, round=1, seat=seat, candidate=candidate, salt=keccak(document))
    s.svc.commit_vote(signer=seat, tender_id=s.tid, section=SECTION,
                      signed_tx=s.tx(s.seats[SEL][seat], "commitVote", s.tid, SECTION, 1, c))


def reveal_tx(s: Section, seat: str, candidate: str | None, salt: bytes) -> str:
    return s.tx(s.seats[SEL][seat], "revealVote", s.tid, SECTION, 1, candidate or ZERO, salt)


def test_the_views_wait_for_a_chair_and_only_a_deliberation_has_one(s: Section) -> None:
    assert isinstance(s.svc.step(s.tid, SECTION), NeedViews)
    with pytest.raises(Conflict) as refused:
        s.svc.open_round(signer=s.centre, tender_id=s.tid, section=SECTION, commit_deadline=s.now() + HOUR,
                         reveal_deadline=s.now() + 2 * HOUR)
    assert refused.value.error == "NoChair"
    with pytest.raises(Unauthorised):
        s.svc.name_chair(signer=seats(s)[0], tender_id=s.tid, section=SECTION, seat=seats(s)[0])
    with pytest.raises(LedgerError) as refused:
        s.svc.name_chair(signer=s.centre, tender_id=s.tid, section=SECTION, seat=s.members[0].address)
    assert refused.value.error == "NotSeat"  # a pool member's own key is no seat
    state = s.svc.name_chair(signer=s.centre, tender_id=s.tid, section=SECTION, seat=seats(s)[1])
    assert state.committees[SEL].chair_index is not None
    s.svc.open_round(signer=s.centre, tender_id=s.tid, section=SECTION, commit_deadline=s.now() + HOUR,
                     reveal_deadline=s.now() + 2 * HOUR)


def test_views_are_committed_then_revealed_with_their_written_reasons(s: Section) -> None:
    listed = list(s.svc.step(s.tid, SECTION).candidates)  # type: ignore[union-attr]
    s.documents = {}  # type: ignore[attr-defined]
    for n, seat in enumerate(seats(s)):
        candidate = None if n == 4 else listed[n % 2]
        doc = view(s, seat, candidate)
        s.documents[seat] = (doc, candidate)  # type: ignore[attr-defined]
        commit_view(s, seat, doc, candidate)
    first, (doc, candidate) = seats(s)[0], s.documents[seats(s)[0]]  # type: ignore[attr-defined]
    # a reveal whose salt is not the view's hash, or naming another candidate than the view: refused, nothing filed
    other = view(s, first, candidate, "另一份理由")
    with pytest.raises(ValidationFailed, match="salt is not the hash"):
        s.svc.reveal_vote(signer=first, tender_id=s.tid, section=SECTION,
                          signed_tx=reveal_tx(s, first, candidate, keccak(doc)), view=other)
    with pytest.raises(ValidationFailed, match="carries the member's written view"):
        s.svc.reveal_vote(signer=first, tender_id=s.tid, section=SECTION,
                          signed_tx=reveal_tx(s, first, candidate, keccak(doc)))
    assert s.svc.files.document(VIEW, keccak(other)) is None
    for seat in seats(s)[:4]:
        doc, candidate = s.documents[seat]  # type: ignore[attr-defined]
        s.svc.reveal_vote(signer=seat, tender_id=s.tid, section=SECTION,
                          signed_tx=reveal_tx(s, seat, candidate, keccak(doc)), view=doc)
    step = s.svc.step(s.tid, SECTION)
    assert isinstance(step, NeedViews) and step.waiting == (seats(s)[4],)


def decision(s: Section, chair: str, winner: str, views: dict[str, bytes]) -> tuple[bytes, str]:
    doc = decision_document(tender_id=s.tid, section=SECTION, chair=chair, winner=winner,
                            reason="综合各成员意见，该单位履约能力最强", views=views)
    tx = s.tx(s.seats[SEL][chair], "decide", s.tid, SECTION, int(DecisionBasis.CHAIR), 0, winner, bytes(32),
              keccak(doc), 3)
    return doc, tx


def test_the_chair_cannot_decide_before_every_view(s: Section) -> None:
    chair = seats(s)[1]
    listed = list(s.svc.step(s.tid, SECTION).candidates)  # type: ignore[union-attr]
    with pytest.raises(Conflict) as refused:  # the chain refuses to even estimate it
        decision(s, chair, listed[0], {})
    assert refused.value.error == "ViewsMissing"
    last = seats(s)[4]
    doc, candidate = s.documents[last]  # type: ignore[attr-defined]
    s.svc.reveal_vote(signer=last, tender_id=s.tid, section=SECTION,
                      signed_tx=reveal_tx(s, last, candidate, keccak(doc)), view=doc)
    assert s.svc.step(s.tid, SECTION) == NeedDecision(tuple(listed), chair)


def test_only_the_chair_decides_naming_every_view_and_a_shortlisted_winner(s: Section) -> None:
    chair, other = seats(s)[1], seats(s)[2]
    listed = list(s.svc.step(s.tid, SECTION).candidates)  # type: ignore[union-attr]
    _, found = s.svc.views(s.tid, SECTION)
    views = {seat: h for seat, h, _ in found}
    assert len(views) == 5
    with pytest.raises(Unauthorised) as refused:
        decision(s, other, listed[1], views)
    assert refused.value.error == "NotChair"
    doc, tx = decision(s, chair, listed[1], dict(list(views.items())[:4]))
    with pytest.raises(ValidationFailed, match="exactly the views"):
        s.svc.chair_decide(signer=chair, tender_id=s.tid, section=SECTION, signed_tx=tx, decision=doc)
    outsider = next(b for b in s.eligible_bids() if b not in listed)
    with pytest.raises(LedgerError) as refused:
        decision(s, chair, outsider, views)
    assert refused.value.error == "NotShortlisted"
    doc, tx = decision(s, chair, listed[1], views)
    lie = decision_document(tender_id=s.tid, section=SECTION, chair=chair, winner=listed[0], reason="另一份",
                            views=views)
    with pytest.raises(ValidationFailed):  # the written decision is not the one the record hash names
        s.svc.chair_decide(signer=chair, tender_id=s.tid, section=SECTION, signed_tx=tx, decision=lie)
    assert s.svc.book.decision(s.tid, SECTION).winner is None
    doc, tx = decision(s, chair, listed[1], views)
    state = s.svc.chair_decide(signer=chair, tender_id=s.tid, section=SECTION, signed_tx=tx, decision=doc)
    assert state.status.stage is Stage.PUBLICITY and state.decision is not None
    assert state.decision.winner == listed[1] and json.loads(state.record or "{}")["chair"] == chair
    assert canonical_json(json.loads(doc)) == doc


def test_the_audit_replays_the_views_and_the_chairs_decision(s: Section, tmp_path: Path) -> None:
    data, bundle, out = s.root / "data", tmp_path / "bundle", tmp_path / "report.json"  # type: ignore[attr-defined]
    assert main(["audit", "export", "--data-dir", str(data), "--out", str(bundle)]) == 0
    main(["audit", "run", "--bundle", str(bundle), "--data-dir", str(data), "--json", str(out), "--quiet",
          "--family", "selection"])
    checks = json.loads(out.read_text(encoding="utf-8"))["checks"]
    assert not [c for c in checks if c["status"] == "fail"]
    winner = s.svc.book.decision(s.tid, SECTION).winner
    mine = [c for c in checks if c["name"] == f"decision for {winner}"]
    assert mine and "the chair" in mine[0]["message"]
    assert [c for c in checks if c["name"] == f"decision for {winner}: views" and c["status"] == "pass"]
