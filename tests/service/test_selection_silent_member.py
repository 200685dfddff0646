"""集体议事 with a member who never reveals a view: the rule fixed in advance lets the chair decide
once the view round's reveal deadline has passed, the silent member recorded as 未表态 in the
written decision (and by its missing bit in the round's revealed mask on chain). Before the
deadline the chair waits; a written decision that hides or invents a silent member is refused.
The tests run in file order on one section."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.crypto.canonical import keccak
from ledger.errors import Conflict, ValidationFailed
from ledger.model.selection import CommitteeKind, DecisionBasis, Stage
from ledger.rules.selection import NeedDecision, NeedViews, decision_document, view_document, vote_commitment
from tests.selection_scene import HOUR, SECTION, Section, deliberation_section, selection_seats
from tools.cli import main

SEL = CommitteeKind.SELECTION
ZERO = "0x" + "00" * 20
pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def s(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Section]:
    with deliberation_section(tmp_path_factory.mktemp("silent"), seed=67) as section:
        yield section


seats = selection_seats


def decision(s: Section, chair: str, winner: str, views: dict[str, bytes], silent: tuple[str, ...]) -> tuple[bytes, str]:
    doc = decision_document(tender_id=s.tid, section=SECTION, chair=chair, winner=winner,
                            reason="成员未表态，按已表态意见决定", views=views, silent=silent)
    tx = s.tx(s.seats[SEL][chair], "decide", s.tid, SECTION, int(DecisionBasis.CHAIR), 0, winner, bytes(32),
              keccak(doc), 3)
    return doc, tx


def test_a_silent_member_blocks_the_chair_only_until_the_reveal_deadline(s: Section) -> None:
    chair, silent = seats(s)[0], seats(s)[4]
    s.svc.name_chair(signer=s.centre, tender_id=s.tid, section=SECTION, seat=chair)
    s.svc.open_round(signer=s.centre, tender_id=s.tid, section=SECTION, commit_deadline=s.now() + HOUR,
                     reveal_deadline=s.now() + 2 * HOUR)
    listed = list(s.svc.step(s.tid, SECTION).candidates)  # type: ignore[union-attr]
    docs = {}
    for seat in seats(s):  # every member commits a view; all but one reveal it
        docs[seat] = doc = view_document(tender_id=s.tid, section=SECTION, round=1, seat=seat, candidate=listed[0],
                                         reason="施工方案最优", nonce=os.urandom(32))
        c = vote_commitment(tender_id=s.tid, section=SECTION, round=1, seat=seat, candidate=listed[0], salt=keccak(doc))
        s.svc.commit_vote(signer=seat, tender_id=s.tid, section=SECTION,
                          signed_tx=s.tx(s.seats[SEL][seat], "commitVote", s.tid, SECTION, 1, c))
    for seat, doc in docs.items():
        if seat != silent:
            s.svc.reveal_vote(signer=seat, tender_id=s.tid, section=SECTION, view=doc,
                              signed_tx=s.tx(s.seats[SEL][seat], "revealVote", s.tid, SECTION, 1, listed[0],
                                             keccak(doc)))
    assert s.svc.step(s.tid, SECTION) == NeedViews(tuple(listed), (silent,))
    _, found = s.svc.views(s.tid, SECTION)
    views = {seat: h for seat, h, _ in found}
    with pytest.raises(Conflict) as refused:  # the chain refuses the decision before the deadline
        decision(s, chair, listed[0], views, (silent,))
    assert refused.value.error == "ViewsMissing"

    s.svc.book.client.increase_time(2 * HOUR)
    assert s.svc.step(s.tid, SECTION) == NeedDecision(tuple(listed), chair, (silent,))
    for hidden in ((), (silent, seats(s)[1])):  # the silent member left out, or a member with a view added
        doc, tx = decision(s, chair, listed[0], {k: v for k, v in views.items() if k not in hidden}, hidden)
        with pytest.raises(ValidationFailed):
            s.svc.chair_decide(signer=chair, tender_id=s.tid, section=SECTION, signed_tx=tx, decision=doc)
    assert s.svc.book.decision(s.tid, SECTION).winner is None
    doc, tx = decision(s, chair, listed[0], views, (silent,))
    state = s.svc.chair_decide(signer=chair, tender_id=s.tid, section=SECTION, signed_tx=tx, decision=doc)
    assert state.status.stage is Stage.PUBLICITY and state.decision is not None
    assert state.decision.winner == listed[0]


def test_the_audit_replays_the_decision_with_the_silent_member(s: Section, tmp_path: Path) -> None:
    data, bundle, out = s.root / "data", tmp_path / "bundle", tmp_path / "report.json"  # type: ignore[attr-defined]
    assert main(["audit", "export", "--data-dir", str(data), "--out", str(bundle)]) == 0
    main(["audit", "run", "--bundle", str(bundle), "--data-dir", str(data), "--json", str(out), "--quiet",
          "--family", "selection"])
    checks = json.loads(out.read_text(encoding="utf-8"))["checks"]
    assert not [c for c in checks if c["status"] == "fail"], [c for c in checks if c["status"] == "fail"]
    assert any("未表态" in c.get("message", "") for c in checks), checks
