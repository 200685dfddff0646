"""集体议事 on the desks, through the service's HTTP stack: a selection seat's desk carries the
chair (none until the centre names it; the chair's own desk says so) and the views revealed; the
centre's 评定分离 panel shows the stage, the committees, the shortlist by firm name to the centre's
signed request only (by bid key to anyone else), the chair and the step the rule asks for in words;
bad addresses 404, forged signatures 401, never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ledger.crypto.requests import sign_request
from ledger.model.selection import CommitteeKind
from tests.selection_scene import SECTION, Section, deliberation_section, selection_seats

SEL = CommitteeKind.SELECTION


@pytest.fixture(scope="module")
def sec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Section]:
    with deliberation_section(tmp_path_factory.mktemp("portal-deliberation"), seed=79) as section:
        yield section


def signed_get(sec: Section, account: Any, path: str, lang: str = "zh") -> Any:
    chain = sec.scene.http.get("/chain").json()
    headers = sign_request(account, chain_id=chain["chain_id"], contract=chain["contracts"]["CredentialRegistry"],
                           method="GET", path=path, body=b"")
    return sec.scene.http.get(path, params={"lang": lang}, headers=headers)


def desk(sec: Section, seat: str) -> dict[str, Any]:
    r = signed_get(sec, sec.seats[SEL][seat], f"/portal/committee/tenders/{sec.tender.tid}/sections/0/desk")
    assert r.status_code == 200, r.text
    return dict(r.json())


def panel_path(sec: Section, tender: str | None = None, section: str = "0") -> str:
    return f"/portal/centre/tenders/{tender or sec.tender.tid}/sections/{section}/selection"


def test_the_desk_and_the_panel_wait_for_the_chair(sec: Section) -> None:
    d = desk(sec, selection_seats(sec)[0])
    assert d["selection_method"] == "集体议事" and d["max_reason"] == 20_000
    assert d["deliberation"] == {"chair": None, "is_chair": False, "views": [], "silent": [], "deciding": False}
    assert d["step"]["next"] == "views" and d["step"]["words"].startswith("各委员陈述意见")
    r = signed_get(sec, sec.scene.centre.account, panel_path(sec))
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["stage"] == "SELECTION" and p["stage_text"] == "定标中（入围名单已提交）"
    assert p["deliberation"] is True and p["chair"] is None and p["selection_method"] == "集体议事"
    kinds = {c["kind"]: c for c in p["committees"]}
    assert kinds["evaluation"]["size"] == 7 and kinds["selection"]["seats"] == list(sec.rt.selection_book.committee(
        sec.tid, SECTION, SEL).seats)
    assert p["step"]["next"] == "views" and p["rounds"] == [] and p["decision"] is None


def test_the_shortlist_is_named_by_firm_for_the_centre_only(sec: Section) -> None:
    listed = sec.svc.state(sec.tid, SECTION).shortlist
    assert listed is not None
    names = {b: str(f.identity.document.firm_name) for b, f in sec.bidders.items() if f.identity is not None}
    centre = signed_get(sec, sec.scene.centre.account, panel_path(sec)).json()
    assert [c["firm"] for c in centre["shortlist"]] == [names[b] for b in listed.candidates]
    stranger = signed_get(sec, sec.scene.account(0), panel_path(sec)).json()
    assert [c["firm"] for c in stranger["shortlist"]] == list(listed.candidates)  # bid keys: who bid is not told
    anyone = sec.scene.http.get(panel_path(sec)).json()
    assert not set(names.values()) & {c["firm"] for c in anyone["shortlist"]}


def test_the_chair_named_is_shown_on_its_own_desk_and_the_panel(sec: Section) -> None:
    chair, other = selection_seats(sec)[1], selection_seats(sec)[0]
    r = sec.scene.centre.post(f"/tenders/{sec.tender.tid}/sections/0/selection/chair", {"seat": chair})
    assert r.status_code == 201, r.text
    mine = desk(sec, chair)["deliberation"]
    assert mine["chair"] == chair and mine["is_chair"] and not mine["deciding"]  # no decision before the views
    assert not desk(sec, other)["deliberation"]["is_chair"]
    p = signed_get(sec, sec.scene.centre.account, panel_path(sec), lang="en").json()
    assert p["chair"] == chair and p["stage_text"] == "Selection (shortlist filed)"


def test_a_forged_panel_request_is_401(sec: Section) -> None:
    chain = sec.scene.http.get("/chain").json()
    headers = sign_request(sec.scene.account(0), chain_id=chain["chain_id"],
                           contract=chain["contracts"]["CredentialRegistry"], method="GET", path=panel_path(sec),
                           body=b"")
    signer_key = next(k for k in headers if k.lower().endswith("signer"))
    headers[signer_key] = sec.scene.centre.account.address  # claims to be the centre
    r = sec.scene.http.get(panel_path(sec), headers=headers)
    assert r.status_code == 401 and "shortlist" not in r.json()


@pytest.mark.parametrize(("tender", "section"), [
    ("0x1234", "0"), ("E3203010319005778", "0"), ("0x" + "ab" * 32, "0"), (None, "9"), (None, "-1"), (None, "x")])
def test_a_bad_panel_address_is_404(sec: Section, tender: str | None, section: str) -> None:
    r = signed_get(sec, sec.scene.centre.account, panel_path(sec, tender, section))
    assert r.status_code == 404, r.text
    assert r.json()["message"]


def test_the_public_tender_page_shows_the_unranked_shortlist_and_keeps_the_committees_secret(sec: Section) -> None:
    """Anyone reading the tender during selection: how many were shortlisted (which firm holds a
    bid key is told with the results), each committee only by its size until it is revealed, and
    no objection yet."""
    listed = sec.svc.state(sec.tid, SECTION).shortlist
    assert listed is not None
    n = len(listed.candidates)
    for lang, count, secret, none in (
            ("zh", f"已推荐 {n} 名候选人", "名单在结果公布前保密", "未收到异议"),
            ("en", f"{n} candidates shortlisted", "kept secret until the result is published", "No objection was filed")):
        page = sec.scene.http.get(f"/portal/tenders/{sec.tender.tid}", params={"lang": lang})
        assert page.status_code == 200, page.text
        block = page.text[page.text.index('id="selection-0"'):]
        block = block[:block.index("</div>")]
        assert count in block and block.count(secret) == 2, block
        assert none in block
        members = {str(e.address) for e in sec.experts} | {str(m.address) for m in sec.members}
        assert not any(m.lower()[2:10] in block.lower() for m in members)  # no member is named or shown
