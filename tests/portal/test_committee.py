"""The desk of the experts and the selection committee through the service's HTTP stack: the page in
both languages; the committees the chain seated, listed for the browser to find its seats; a
section's desk shown only to a request signed by one of its seats (a stranger 403, unsigned 401,
forged or replayed 401), with each bid's opening report a badge per check; bad addresses 404,
never a 5xx."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from ledger.crypto.requests import sign_request
from ledger.model.selection import CommitteeKind
from tests.scenes import Scene
from tests.selection_scene import Section

EV = CommitteeKind.EVALUATION


@pytest.fixture(scope="module")
def sec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Section]:
    with Scene.served(tmp_path_factory.mktemp("portal-committee"), seed=61) as scene:
        s = Section.make(scene)
        s.seat(EV, s.committee_draw(EV)[:7])
        yield s


def desk_path(sec: Section, tender: str | None = None, section: str = "0") -> str:
    return f"/portal/committee/tenders/{tender or sec.tender.tid}/sections/{section}/desk"


def signed_get(sec: Section, account: Any, path: str, lang: str = "zh") -> Any:
    chain = sec.scene.http.get("/chain").json()
    headers = sign_request(account, chain_id=chain["chain_id"], contract=chain["contracts"]["CredentialRegistry"],
                           method="GET", path=path, body=b"")
    return sec.scene.http.get(path, params={"lang": lang}, headers=headers)


@pytest.mark.parametrize(("lang", "words"), [("zh", "评标与定标委员会"), ("en", "Evaluation and selection committees")])
def test_the_desk_renders_in_chinese_and_english(sec: Section, lang: str, words: str) -> None:
    r = sec.scene.http.get(f"/portal/committee?lang={lang}")
    assert r.status_code == 200 and words in r.text
    assert 'href="/portal/committee"' in r.text and "committee.js" in r.text
    assert sec.scene.http.get("/portal/static/committee.js").status_code == 200


def test_the_seated_committees_are_listed_with_their_seats(sec: Section) -> None:
    r = sec.scene.http.get("/portal/committee/seatings")
    assert r.status_code == 200, r.text
    found = [s for s in r.json()["seatings"] if s["tender_id"] == sec.tender.tid]
    assert [(s["section"], s["kind"]) for s in found] == [(0, "evaluation")]
    assert sorted(found[0]["seats"]) == sorted(sec.seats[EV])


def test_a_seat_sees_each_bid_with_a_badge_per_check(sec: Section) -> None:
    seat = next(iter(sec.seats[EV]))
    r = signed_get(sec, sec.seats[EV][seat], desk_path(sec))
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["seat"] == seat and d["kind"] == "evaluation" and d["method"] == "综合评分"
    assert [c["code"] for c in d["criteria"] if c["judged"]] == ["T1", "T2"]
    assert len(d["bids"]) == 4 and all(b["eligible"] for b in d["bids"])
    assert {b["bidder"] for b in d["bids"]} == set(sec.bidders)
    words = {"VALID": ("ok", "有效"), "NOT_CHECKED": ("muted", "未核验")}
    assert all(b["checks"] and all((c["badge"], c["badge_text"]) == words[c["status"]] for c in b["checks"])
               and b["failed"] == 0 for b in d["bids"])
    labels = {c["label"] for b in d["bids"] for c in b["checks"]}
    assert "投标人身份" in labels and not any("&#" in x or "<" in x for x in labels)
    en = signed_get(sec, sec.seats[EV][seat], desk_path(sec), lang="en").json()
    assert en["bids"][0]["checks"][0]["label"] == "Bidder's identity"
    # each check's reason in the desk's language, from its code (no English sentence on the Chinese desk)
    reasons = [c["reason"] for b in d["bids"] for c in b["checks"]]
    assert all(re.search(r"[\u4e00-\u9fff]", r) for r in reasons), reasons
    assert "截止时间时有效，且属于投标人" in reasons and "截止时间时不在黑名单中" in reasons
    english = [c["reason"] for b in en["bids"] for c in b["checks"]]
    assert "valid at the deadline and the bidder's own" in english and "not black-listed at the deadline" in english
    assert not any("within" in x for x in labels)  # a requirement's label in one language
    assert d["sheet"] == {"committed": False, "revealed": False, "sheet_hash": None}
    assert d["committee"]["size"] == 7 and d["committee"]["committed"] == 0


def test_a_stranger_signed_in_is_403(sec: Section) -> None:
    r = signed_get(sec, sec.scene.account(0), desk_path(sec))
    assert r.status_code == 403 and "bids" not in r.json() and r.json()["message"]


def test_the_member_key_itself_is_not_a_seat(sec: Section) -> None:
    seat = next(iter(sec.seats[EV]))
    r = signed_get(sec, sec.holders[EV][seat], desk_path(sec))  # the pool key, not its seat key
    assert r.status_code == 403


def test_an_unsigned_desk_request_is_401(sec: Section) -> None:
    r = sec.scene.http.get(desk_path(sec))
    assert r.status_code == 401 and "bids" not in r.json()


def test_a_forged_desk_signature_is_401(sec: Section) -> None:
    chain = sec.scene.http.get("/chain").json()
    headers = sign_request(sec.scene.account(0), chain_id=chain["chain_id"],
                           contract=chain["contracts"]["CredentialRegistry"], method="GET", path=desk_path(sec),
                           body=b"")
    signer_key = next(k for k in headers if k.lower().endswith("signer"))
    headers[signer_key] = next(iter(sec.seats[EV]))  # claims to be a seat
    r = sec.scene.http.get(desk_path(sec), headers=headers)
    assert r.status_code == 401 and "bids" not in r.json()


def test_a_replayed_desk_request_is_401(sec: Section) -> None:
    seat = next(iter(sec.seats[EV]))
    chain = sec.scene.http.get("/chain").json()
    headers = sign_request(sec.seats[EV][seat], chain_id=chain["chain_id"],
                           contract=chain["contracts"]["CredentialRegistry"], method="GET", path=desk_path(sec),
                           body=b"")
    assert sec.scene.http.get(desk_path(sec), headers=headers).status_code == 200
    again = sec.scene.http.get(desk_path(sec), headers=headers)
    assert again.status_code == 401 and "replay" in again.json()["message"]


@pytest.mark.parametrize(("tender", "section"), [
    ("0x1234", "0"), ("E3203010319005778", "0"), ("0x" + "ab" * 32, "0"), (None, "9"), (None, "-1"), (None, "x")])
def test_a_bad_desk_address_is_404(sec: Section, tender: str | None, section: str) -> None:
    seat = next(iter(sec.seats[EV]))
    r = signed_get(sec, sec.seats[EV][seat], desk_path(sec, tender, section))
    assert r.status_code == 404, r.text
    assert r.json()["message"]


def test_the_centre_panel_offers_the_draw_of_the_committee_not_seated(sec: Section) -> None:
    from ledger.rules.lottery import draw_id

    path = f"/portal/centre/tenders/{sec.tender.tid}/sections/0/selection"
    r = signed_get(sec, sec.scene.centre.account, path)
    assert r.status_code == 200, r.text
    p = r.json()
    assert [c["kind"] for c in p["committees"] if c["seated"]] == ["evaluation"] and p["stage"] == "EVALUATION"
    (due,) = p["draws_due"]  # the evaluation committee is seated: only the selection committee's draw
    pool = sorted(m.address for m in sec.members)
    assert (due["purpose"], due["round"], due["k"], due["opened"]) == ("committee", 2, 6, False)
    assert due["candidates"] == sorted("0x" + "00" * 12 + a[2:].lower() for a in pool)
    assert due["draw_id"] == "0x" + draw_id(sec.tid, 0, "committee", 2).hex()
    assert due["what"] == "定标委员会" and not due["pool_short"]


def test_the_centre_panel_names_each_seats_holder_for_the_centre_only(sec: Section) -> None:
    path = f"/portal/centre/tenders/{sec.tender.tid}/sections/0/selection"
    (ev,) = [c for c in signed_get(sec, sec.scene.centre.account, path).json()["committees"] if c["seated"]]
    assert [h["member"] for h in ev["holders"]] == [sec.holders[EV][s].address for s in ev["seats"]]
    assert all(h["speciality"] == "房屋建筑" for h in ev["holders"])
    # the membership is secret until the committee is revealed: a seat, a stranger, no signature
    seat = next(iter(sec.seats[EV]))
    for r in (signed_get(sec, sec.seats[EV][seat], path), signed_get(sec, sec.scene.account(0), path),
              sec.scene.http.get(path)):
        assert r.status_code == 200, r.text
        (seen,) = [c for c in r.json()["committees"] if c["seated"]]
        assert seen["seats"] == ev["seats"] and seen["holders"] == [None] * 7
        assert not any(h["member"].lower() in r.text.lower() for h in ev["holders"])


def test_a_revealed_sheet_comes_back_on_the_seats_desk(sec: Section) -> None:
    for seat in sec.seats[EV]:
        sec.commit_sheet(seat)
    seat = next(iter(sec.seats[EV]))
    sec.reveal_sheet(seat)
    d = signed_get(sec, sec.seats[EV][seat], desk_path(sec)).json()
    _, sheet = sec.sheets[seat]
    assert d["sheet"]["revealed"] and d["sheet"]["content"] == sheet.model_dump(mode="json")
    assert all(len(v) == 2 and all("." in x for x in v.values()) for v in d["sheet"]["content"]["scores"].values())
    other = next(s for s in sec.seats[EV] if s != seat)  # committed, not revealed: no sheet to show yet
    assert "content" not in signed_get(sec, sec.seats[EV][other], desk_path(sec)).json()["sheet"]
