"""评定分离 through HTTP: the centre, each seat and an objector sign their own requests (and their own
transactions, prepared by the service); every refusal is a 4xx naming its error. One section,
taken one stage further by each test, in file order."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from ledger.crypto.canonical import keccak
from ledger.errors import InvalidArgument
from ledger.model.selection import CommitteeKind, DecisionBasis
from ledger.rules.evaluation import sheet_commitment, sheet_hash
from ledger.rules.selection import vote_commitment
from tests.scenes import Actor, Scene
from tests.selection_scene import DAY, HOUR, SECTION, Section

EV, SEL = CommitteeKind.EVALUATION, CommitteeKind.SELECTION
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def s(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Section]:
    with Scene.served(tmp_path_factory.mktemp("selection-api"), seed=53) as scene:
        yield Section.make(scene)


def base(s: Section) -> str:
    return f"/tenders/{s.tender.tid}/sections/{SECTION}/selection"


def h(b: bytes) -> str:
    return "0x" + b.hex()


def seat_actor(s: Section, kind: CommitteeKind, seat: str) -> Actor:
    return Actor.of(s.scene.http, s.seats[kind][seat])


def prepare_refused(s: Section, sender: str, function: str, *args: Any) -> Any:
    return s.scene.http.post("/tx/prepare", json={"sender": sender, "contract": "SelectionBook",
                                                  "function": function, "args": list(args)})


def seat_over_http(s: Section, kind: CommitteeKind, picks: list[str], size: int) -> Any:
    from ledger.crypto.seat_keys import derive_seat_key

    pool = {p.address: p for p in (s.experts if kind is EV else s.members)}
    s.seats[kind], s.holders[kind] = {}, {}
    seats = []
    for m in picks[:size]:
        key = derive_seat_key(pool[m], s.tid, SECTION, int(kind))
        s.seats[kind][key.address], s.holders[kind][key.address] = key, pool[m]
        seats.append({"member": m, "seat": key.address})
    deadlines = {"commit_deadline": s.now() + DAY, "reveal_deadline": s.now() + 2 * DAY} if kind is EV else {}
    return s.scene.centre.post(f"{base(s)}/committees/{kind.name.lower()}", {"seats": seats, **deadlines})


def test_the_centre_seats_the_evaluation_committee_and_no_one_else_does(s: Section) -> None:
    picks = s.committee_draw(EV)
    stranger = s.scene.actor()
    r = stranger.post(f"{base(s)}/committees/evaluation", {"seats": [{"member": picks[0], "seat": picks[0]}]})
    assert r.status_code == 403 and r.json()["contract_error"] == "NotCentre"
    unsigned = s.scene.http.post(f"{base(s)}/committees/evaluation", json={"seats": []})
    assert unsigned.status_code in (401, 422)
    r = seat_over_http(s, EV, picks, 7)
    assert r.status_code == 201, r.text
    view = r.json()
    assert view["stage"] == "EVALUATION" and view["committees"][0]["size"] == 7
    assert all(seat["holder"] is None for seat in view["committees"][0]["seats"])  # secret until the result


def test_each_seat_commits_and_reveals_its_own_sheet(s: Section) -> None:
    outsider = s.scene.account()
    refused = prepare_refused(s, outsider.address, "commitSheet", s.tender.tid, SECTION, h(os.urandom(32)))
    assert refused.status_code == 403 and refused.json()["contract_error"] == "NotSeat", refused.text
    for seat in s.seats[EV]:
        actor = seat_actor(s, EV, seat)
        sheet, salt = s.sheet(seat), os.urandom(32)
        s.sheets[seat] = (salt, sheet)
        c = sheet_commitment(tender_id=s.tid, section=SECTION, expert=seat, salt=salt, sheet=sheet)
        tx = actor.prepare_on("SelectionBook", "commitSheet", s.tender.tid, SECTION, h(c))
        r = actor.post(f"{base(s)}/sheets/commit", {"signed_tx": tx})
        assert r.status_code == 200, r.text
    first = next(iter(s.seats[EV]))
    salt, _ = s.sheets[first]
    wrong = prepare_refused(s, first, "revealSheet", s.tender.tid, SECTION, h(salt), h(os.urandom(32)))
    assert wrong.status_code == 422 and wrong.json()["contract_error"] == "SheetMismatch", wrong.text
    for seat, (salt, sheet) in s.sheets.items():
        actor = seat_actor(s, EV, seat)
        tx = actor.prepare_on("SelectionBook", "revealSheet", s.tender.tid, SECTION, h(salt), h(sheet_hash(sheet)))
        r = actor.post(f"{base(s)}/sheets/reveal", {"signed_tx": tx, "sheet": sheet.model_dump(mode="json")})
        assert r.status_code == 200, r.text
        assert r.json()["tx_hash"] == h(keccak(bytes.fromhex(tx[2:])))  # the relayed transaction, by its hash


def test_a_seat_files_the_shortlist_the_rule_gives(s: Section) -> None:
    e = s.scene.http.get(f"{base(s)}/evaluation")
    assert e.status_code == 200, e.text
    body = e.json()
    assert len(body["shortlist"]) == 3 and body["filed"] is False and len(body["sheets"]) == 7
    seat = next(iter(s.seats[EV]))
    actor = seat_actor(s, EV, seat)
    outsider = next(b for b in s.bidders if b not in body["shortlist"])
    other = sorted([*body["shortlist"][:2], outsider], key=str.lower)
    tx = actor.prepare_on("SelectionBook", "submitShortlist", s.tender.tid, SECTION, other, body["max_size"],
                          body["report_hash"])
    r = actor.post(f"{base(s)}/shortlist", {"signed_tx": tx})
    assert r.status_code == 422 and "not the one the rule gives" in r.text
    tx = actor.prepare_on("SelectionBook", "submitShortlist", s.tender.tid, SECTION, body["shortlist"],
                          body["max_size"], body["report_hash"])
    r = actor.post(f"{base(s)}/shortlist", {"signed_tx": tx})
    assert r.status_code == 200, r.text
    assert r.json()["selection"]["shortlist"]["candidates"] == body["shortlist"]
    assert r.json()["tx_hash"] == h(keccak(bytes.fromhex(tx[2:])))
    assert s.scene.rt.client.w3.eth.get_transaction_receipt(r.json()["tx_hash"])["status"] == 1  # mined under it


def test_the_selection_committee_votes_then_the_draw_decides(s: Section) -> None:
    r = seat_over_http(s, SEL, s.committee_draw(SEL), 5)
    assert r.status_code == 201, r.text
    step = r.json()["step"]
    assert step["next"] == "vote" and step["round"] == 1
    r = s.scene.centre.post(f"{base(s)}/rounds", {"commit_deadline": s.now() + HOUR, "reveal_deadline": s.now() + 2 * HOUR})
    assert r.status_code == 201, r.text
    assert r.json()["tx_hash"] and r.json()["block_number"], r.text  # the centre's openRound, as mined
    a, b, _ = step["candidates"]
    seats = list(s.seats[SEL])
    salts = {}
    for seat, choice in zip(seats, [a, a, a, b, b], strict=True):
        actor = seat_actor(s, SEL, seat)
        salts[seat] = (os.urandom(32), choice)
        c = vote_commitment(tender_id=s.tid, section=SECTION, round=1, seat=seat, candidate=choice, salt=salts[seat][0])
        tx = actor.prepare_on("SelectionBook", "commitVote", s.tender.tid, SECTION, 1, h(c))
        if seat == seats[0]:  # another seat's request carrying this seat's transaction
            relabelled = seat_actor(s, SEL, seats[1]).post(f"{base(s)}/votes/commit", {"signed_tx": tx})
            assert relabelled.status_code == 403 and relabelled.json()["contract_error"] == "SignerMismatch"
        r = actor.post(f"{base(s)}/votes/commit", {"signed_tx": tx})
        assert r.status_code == 200, r.text
    again = prepare_refused(s, seats[0], "commitVote", s.tender.tid, SECTION, 1, h(os.urandom(32)))
    assert again.status_code == 409 and again.json()["contract_error"] == "SeatAlreadyCommitted", again.text
    for seat, (salt, choice) in salts.items():
        actor = seat_actor(s, SEL, seat)
        tx = actor.prepare_on("SelectionBook", "revealVote", s.tender.tid, SECTION, 1, choice, h(salt))
        r = actor.post(f"{base(s)}/votes/reveal", {"signed_tx": tx})
        assert r.status_code == 200, r.text
    step = r.json()["selection"]["step"]
    assert step["next"] == "draw" and step["candidates"] == [a, b]
    s.draw("selection", 1, step["candidates"], 1)
    decided = s.scene.http.get(base(s)).json()["step"]
    assert decided["next"] == "decided"
    loser = a if decided["winner"] == b else b
    # The centre claiming a basis the tender's 票决抽签 cannot end on (the lowest price, a plain
    # vote): the service prepares no decide of the centre's choosing, and the centre's own
    # transaction is refused by the chain, where the method was fixed with the terms.
    centre = s.scene.centre.account
    forged = prepare_refused(s, centre.address, "decide", s.tender.tid, SECTION, 3, 1, loser, h(bytes(32)),
                             h(keccak(b"record")), 5)
    assert forged.status_code == 422 and "cannot be prepared" in forged.json()["message"], forged.text
    for basis, n in ((DecisionBasis.NTH_LOWEST_PRICE, 1), (DecisionBasis.CLOSEST_TO_AVERAGE, 0),
                     (DecisionBasis.VOTE, 0)):
        with pytest.raises(InvalidArgument) as refused:
            s.rt.selection_book.decide(centre, s.tender_id, SECTION, loser, None, keccak(b"record"), 5, basis=basis, n=n)
        assert refused.value.error == "BasisNotAllowed", refused.value
    r = s.scene.centre.post(f"{base(s)}/decision", {"winner": loser})
    assert r.status_code == 409 and r.json()["contract_error"] == "NotTheRulesWinner"
    r = s.scene.centre.post(f"{base(s)}/decision", {"winner": decided["winner"]})
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["stage"] == "PUBLICITY" and view["decision"]["winner"] == decided["winner"]
    assert all(seat["holder"] for c in view["committees"] for seat in c["seats"])


def guarantee_award(s: Section, body: dict[str, object]) -> Any:
    return s.scene.centre.post(f"/tenders/{s.tender.tid}/sections/{SECTION}/guarantees/award", body)


def test_an_objection_is_answered_and_the_award_waits_for_it(s: Section) -> None:
    decided = s.scene.http.get(base(s)).json()["decision"]["winner"]
    early = guarantee_award(s, {"winner": decided})  # the guarantee award before 公示 ends
    assert early.status_code == 409 and early.json()["contract_error"] == "NotSelected", early.text
    objector = s.scene.actor()
    reason = "对入围名单有异议：请核查第三名的业绩证明"
    tx = objector.prepare_on("SelectionBook", "object", s.tender.tid, SECTION, h(keccak(reason.encode())))
    mismatch = objector.post(f"{base(s)}/objections", {"signed_tx": tx, "reason": reason + "！"})
    assert mismatch.status_code == 422
    r = objector.post(f"{base(s)}/objections", {"signed_tx": tx, "reason": reason})
    assert r.status_code == 201, r.text
    assert r.json()["selection"]["objections"][0]["reason"] == reason
    mined = s.scene.rt.client.w3.eth.get_transaction_receipt(r.json()["tx_hash"])  # the objector's own transaction, named
    assert mined["status"] == 1 and mined["from"] == objector.account.address
    s.later(3 * DAY + 1)
    late = prepare_refused(s, objector.account.address, "object", s.tender.tid, SECTION, h(keccak(b"late")))
    assert late.status_code == 409 and late.json()["contract_error"] == "NotInPublicity", late.text
    paused = s.scene.centre.post(f"{base(s)}/award", {})
    assert paused.status_code == 409 and paused.json()["contract_error"] == "AwardPaused"
    r = s.scene.centre.post(f"{base(s)}/objections/1/answer", {"answer": "经核查，业绩真实有效。"})
    assert r.status_code == 200, r.text
    assert r.json()["tx_hash"] and r.json()["block_number"], r.text
    again = s.scene.centre.post(f"{base(s)}/objections/1/answer", {"answer": "再答"})
    assert again.status_code == 409 and again.json()["contract_error"] == "FilingClosed"


def test_the_award_and_the_published_results(s: Section) -> None:
    r = s.scene.centre.post(f"{base(s)}/award", {})
    assert r.status_code == 200, r.text
    view = r.json()["selection"]
    assert view["stage"] == "AWARDED" and view["winner"] == view["decision"]["winner"]
    results = s.scene.http.get(f"/tenders/{s.tender.tid}/sections/{SECTION}/results")
    assert results.status_code == 200, results.text
    body = results.json()
    assert body["public"] is True and body["selection"]["winner"] == view["winner"]
    assert len(body["evaluation"]["sheets"]) == 7 and body["selection"]["rounds"][0]["votes"]
    # The guarantee award was recorded with the selection's winner; the centre names no other.
    other = next(b for b in s.bidders if b != view["winner"])
    r = guarantee_award(s, {"winner": other})
    assert r.status_code == 409 and r.json()["contract_error"] == "NotTheAwardedWinner", r.text
    r = guarantee_award(s, {})
    assert r.status_code == 409 and r.json()["contract_error"] == "AlreadyAwarded", r.text


def test_a_document_without_canonical_json_is_refused_as_input_not_a_server_error() -> None:
    """An integer beyond ±2^53 has no RFC 8785 form: hashing a written view, sheet or decision
    holding one is a ValidationFailed (422), not a 500 (the schema fuzzer found it on votes/reveal)."""
    from ledger.crypto.canonical import canonical_json
    from ledger.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="canonical JSON"):
        canonical_json({"n": -386808386718644997980160})
    assert canonical_json({"n": 2**53 - 1}) == b'{"n":9007199254740991}'
