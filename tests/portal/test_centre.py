"""The trading centre's desk through the service's HTTP stack: the page in both languages, the check
a tender's form goes through (errors per field, in words; malformed input a 422, never a 5xx), and
the opening room of a section: the officers' shares released, and the bids shown to a signed
request of the centre only until the evaluation is published (a forged or replayed signature 401)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ledger.crypto.requests import sign_request
from ledger.tenders import tender_id
from tests.portal.test_pages import visible
from tests.scenes import KINDS, Firm, Scene, Tender, tender_params


@dataclass
class Room:
    scene: Scene
    firms: list[Firm]
    opened: Tender  # section 0 opened, not evaluated
    waiting: Tender  # before its deadline, nothing released


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Room]:
    with Scene.served(tmp_path_factory.mktemp("portal-centre"), seed=53) as scene:
        issuer = scene.issuer(*KINDS)
        firms = [scene.firm(issuer) for _ in range(3)]
        opened = scene.tender(title="珠海市香洲区市政道路改造工程")
        for i, firm in enumerate(firms):
            assert scene.bid(firm, opened, price=f"{10_860_000 + 271_350 * i}.50").status_code == 201
        scene.after_deadline(opened)
        scene.release(opened)
        assert scene.open(opened, 0).status_code == 200
        waiting = scene.tender(title="珠海市斗门区排水管网改造工程")
        yield Room(scene, firms, opened, waiting)


def check(room: Room, body: Any, lang: str = "zh", raw: bytes | None = None) -> Any:
    content = raw if raw is not None else json.dumps(body).encode()
    return room.scene.http.post(f"/portal/centre/check?lang={lang}", content=content,
                                headers={"content-type": "application/json"})


def fields(response: Any) -> dict[str, str]:
    return {e["field"]: f"{e['label']}：{e['message']}" for e in response.json()["errors"]}


def signed_get(room: Room, account: Any, path: str, **kw: Any) -> Any:
    chain = room.scene.http.get("/chain").json()
    headers = sign_request(account, chain_id=chain["chain_id"], contract=chain["contracts"]["CredentialRegistry"],
                           method="GET", path=path, body=b"", **kw)
    return room.scene.http.get(path, headers=headers)


def path(tender: Tender | str, section: int | str = 0) -> str:
    tid = tender if isinstance(tender, str) else tender.tid
    return f"/portal/centre/tenders/{tid}/sections/{section}/room"


def test_the_desk_renders_in_chinese_and_english(room: Room) -> None:
    room.scene.http.cookies.clear()
    zh = visible(room.scene.http.get("/portal/centre").text)
    assert "交易中心：发布招标与开标" in zh and "开标室" in zh and "服务器只收到公钥和份额哈希" in zh
    en = visible(room.scene.http.get("/portal/centre?lang=en").text)
    assert "Trading centre: publish and open tenders" in en and "Opening room" in en
    for script in ("centre.js", "officer_box.js", "signer.js"):
        assert room.scene.http.get(f"/portal/static/{script}").status_code == 200
    assert room.scene.http.get("/portal/static/desks.css").status_code == 200


def test_valid_parameters_come_back_with_their_tender_id(room: Room) -> None:
    params = tender_params(project_code="E4404-CHECK-1")
    r = check(room, {"params": params})
    assert r.status_code == 200, r.text
    assert r.json()["tender_id"] == "0x" + tender_id("E4404-CHECK-1").hex() and r.json()["errors"] == []


def test_a_deadline_typed_without_a_zone_is_read_in_the_portals(room: Room) -> None:
    r = check(room, {"params": {**tender_params(), "deadline": "2026-12-22T09:00"}})
    assert r.status_code == 200, r.text
    assert r.json()["params"]["deadline"] == "2026-12-22T09:00:00+08:00"


def test_each_wrong_field_is_named_in_words(room: Room) -> None:
    params = tender_params()
    params.pop("title")
    params["deadline"] = "next tuesday"
    params["bid_validity_days"] = 7
    params["sections"][0]["estimated_price"] = "twelve million"
    params["evaluation_method"] = "抓阄"
    r = check(room, {"params": params})
    assert r.status_code == 422
    found = fields(r)
    assert found["title"] == "项目名称：必填"
    assert found["deadline"].startswith("投标截止时间：请填写日期和时间")
    assert found["bid_validity_days"] == "投标有效期（天）：不得小于 30"
    assert found["sections.0.estimated_price"] == "第 1 标段 · 最高投标限价（元）：请填写数字"
    assert found["evaluation_method"].startswith("评标办法：请从列表中选择")
    en = fields(check(room, {"params": params}, lang="en"))
    assert en["title"] == "Title：Required" or en["title"].endswith("Required")


def test_a_guarantee_over_two_percent_is_refused_at_its_section(room: Room) -> None:
    r = check(room, {"params": tender_params(guarantee="900000.00")})
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert errors[0]["field"] == "sections.0" and "exceeds 2%" in errors[0]["message"]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'{"params": "E123"}', b'{"params": [1]}', b"\xff\xfe", b"",
                                 b'{"params": {"sections": ' * 600])
def test_malformed_bodies_are_422_never_5xx(room: Room, raw: bytes) -> None:
    r = check(room, None, raw=raw)
    assert r.status_code == 422, r.text
    assert r.json()["message"]


def test_an_oversized_body_is_refused(room: Room) -> None:
    r = check(room, None, raw=b'{"params": {"title": "' + b"x" * 1_100_000 + b'"}}')
    assert r.status_code == 413


def test_the_room_before_the_deadline_lists_the_officers_and_no_bids(room: Room) -> None:
    r = room.scene.http.get(path(room.waiting))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "PENDING" and body["released"] == 0 and body["threshold"] == 3
    assert len(body["officers"]) == 5 and not any(o["released"] for o in body["officers"])
    assert body["bids"] is None and body["past_deadline"] is False


def test_the_opened_room_shows_bids_to_the_centre_only(room: Room) -> None:
    anyone = room.scene.http.get(path(room.opened))
    assert anyone.status_code == 200 and anyone.json()["status"] == "CLOSED" and anyone.json()["bids"] is None
    assert anyone.json()["released"] == 3
    stranger = signed_get(room, room.scene.account(), path(room.opened))
    assert stranger.status_code == 200 and stranger.json()["bids"] is None
    centre = signed_get(room, room.scene.centre.account, path(room.opened))
    assert centre.status_code == 200, centre.text
    bids = centre.json()["bids"]
    assert len(bids) == 3 and all(b["eligible"] for b in bids)
    assert min(b["price_yuan"] for b in bids) == "10,860,000.50 元"
    assert {b["uscc"] for b in bids} == {f.uscc for f in room.firms}
    assert all(b["firm"] and b["credentials"] and b["guarantee"]["css"] for b in bids)


def test_a_forged_room_signature_is_401(room: Room) -> None:
    chain = room.scene.http.get("/chain").json()
    headers = sign_request(room.scene.account(), chain_id=chain["chain_id"],
                           contract=chain["contracts"]["CredentialRegistry"], method="GET", path=path(room.opened),
                           body=b"")
    signer_key = next(k for k in headers if k.lower().endswith("signer"))
    headers[signer_key] = room.scene.centre.account.address  # claims to be the centre
    r = room.scene.http.get(path(room.opened), headers=headers)
    assert r.status_code == 401 and "bids" not in r.json()


def test_a_replayed_room_request_is_401(room: Room) -> None:
    chain = room.scene.http.get("/chain").json()
    headers = sign_request(room.scene.centre.account, chain_id=chain["chain_id"],
                           contract=chain["contracts"]["CredentialRegistry"], method="GET", path=path(room.opened),
                           body=b"")
    assert room.scene.http.get(path(room.opened), headers=headers).status_code == 200
    again = room.scene.http.get(path(room.opened), headers=headers)
    assert again.status_code == 401 and "replay" in again.json()["message"]


@pytest.mark.parametrize(("tender", "section", "status"), [
    ("0x1234", "0", 404), ("E3203010319005778", "0", 404), ("0x" + "ab" * 32, "0", 404),
    (None, "9", 404), (None, "-1", 404), (None, "x", 404)])
def test_a_bad_room_address_is_404(room: Room, tender: str | None, section: str, status: int) -> None:
    r = room.scene.http.get(path(tender or room.waiting.tid, section))
    assert r.status_code == status, r.text
    assert r.json()["message"]


def test_the_selection_panel_offers_nothing_before_opening_and_names_an_empty_pool(room: Room) -> None:
    path = f"/portal/centre/tenders/{room.waiting.tid}/sections/0/selection"
    waiting = signed_get(room, room.scene.centre.account, path)
    assert waiting.status_code == 200, waiting.text
    w = waiting.json()
    assert w["section_status"] == "PENDING" and w["draws_due"] == [] and w["shortlist"] is None
    assert not any(c["seated"] for c in w["committees"]) and w["step"] is None
    opened = signed_get(room, room.scene.centre.account, f"/portal/centre/tenders/{room.opened.tid}/sections/0/selection")
    assert opened.status_code == 200, opened.text
    due = opened.json()["draws_due"]  # no expert or member registered in this world: both pools empty
    assert [(d["round"], d["k"], d["candidates"], d["pool_short"]) for d in due] == [(1, 0, [], True), (2, 0, [], True)]
