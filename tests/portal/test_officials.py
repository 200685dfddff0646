"""The officials' pages through the service's HTTP stack: the issuer's and the guarantor's desks in
both languages, the field check a form and an imported file go through (errors per field, in words;
malformed input a 422, never a 5xx), and an issuer's own credentials listed with their status."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from ledger.documents import Kind
from tests.portal.test_pages import get, visible
from tests.portal.world import World, build
from tests.scenes import Scene


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with Scene.served(tmp_path_factory.mktemp("portal-officials"), seed=47) as scene:
        yield build(scene)


def award_row(world: World, **changes: Any) -> dict[str, Any]:
    return {"subject": world.firms[0].uscc, "validFrom": "2026-01-05T09:00", "issued_at": "2026-01-05T09:00",
            "award_name": "鲁班奖", "level": "国家级", "issuing_body": "中国建筑业协会", "certificate_no": "LB-2026-001",
            "award_date": "2025-12-20", **changes}


def check(world: World, rows: Any, kind: int = int(Kind.AWARD), lang: str = "zh", issuer: str | None = None) -> Any:
    body = {"kind": kind, "issuer": issuer or world.issuer.account.address, "rows": rows}
    return world.scene.http.post(f"/portal/issuer/check?lang={lang}", content=json.dumps(body).encode(),
                                 headers={"content-type": "application/json"})


def test_the_desks_render_in_chinese_and_english(world: World) -> None:
    zh = visible(get(world, "/portal/issuer").text)
    assert "发证机构：证照存证" in zh and "密钥只在本浏览器中解密和使用" in zh and "签名在本浏览器中完成" in zh
    en = visible(get(world, "/portal/issuer", lang="en").text)
    assert "Issuers: anchoring credentials" in en and "Import a batch" in en
    page = get(world, "/portal/issuer").text
    config = json.loads(page.split('id="issuer-config">', 1)[1].split("</script>", 1)[0])
    award = config["kinds"]["AWARD"]["fields"]
    assert {f["name"]: f["type"] for f in award}["award_date"] == "date"
    assert next(f for f in award if f["name"] == "level")["options"] == ["国家级", "省级", "市级"]
    assert next(f for f in award if f["name"] == "award_name")["label"] == "奖项名称"
    zh = visible(get(world, "/portal/guarantor").text)
    assert "保函机构：电子保函" in zh
    assert "Guarantors: e-guarantees" in visible(get(world, "/portal/guarantor", lang="en").text)


def test_a_valid_row_comes_back_as_the_document_the_ledger_hashes(world: World) -> None:
    r = check(world, [award_row(world, PRJNUM="")])
    assert r.status_code == 200, r.text
    (document,) = r.json()["documents"]
    assert document["kind"] == int(Kind.AWARD) and document["issuer"] == world.issuer.account.address
    assert document["validFrom"] == "2026-01-05T01:00:00Z"  # the portal's zone (UTC+08:00) made explicit
    assert "PRJNUM" not in document  # an empty optional field is left out


def test_bad_fields_are_named_in_words_and_nothing_is_returned(world: World) -> None:
    r = check(world, [award_row(world, subject="91350100M000100Y4X", level="县级"),
                      award_row(world, award_date="2025-13-40", award_name="")])
    assert r.status_code == 422
    errors = r.json()["errors"]
    by_row = {(e["row"], e["field"]): e for e in errors}
    assert "统一社会信用代码无效" in by_row[(0, "subject")]["message"] and by_row[(0, "subject")]["label"] == "企业统一社会信用代码"
    assert by_row[(0, "level")]["label"] == "级别" and "国家级" in by_row[(0, "level")]["message"]
    assert by_row[(1, "award_date")]["message"].startswith("日期格式应为")
    assert (1, "award_date") in by_row and (1, "award_name") in by_row
    r = check(world, [{k: v for k, v in award_row(world).items() if k != "certificate_no"}], lang="en")
    assert r.json()["errors"][0]["message"] == "This field is required."
    assert r.json()["errors"][0]["label"] == "Certificate number"


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"kind": 99, "issuer": "0x1", "rows": [{}]}',
                                  b'{"kind": 4, "issuer": "0x0000000000000000000000000000000000000001", "rows": []}',
                                  b'{"kind": 4, "issuer": "0x0000000000000000000000000000000000000001", "rows": [1]}'])
def test_malformed_checks_are_a_422_with_a_message(world: World, body: bytes) -> None:
    r = world.scene.http.post("/portal/issuer/check", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["message"] or r.json()["errors"], r.text


def test_an_issuers_credentials_are_listed_newest_first_with_their_status(world: World) -> None:
    issuer = world.issuer.account.address
    world.scene.http.cookies.clear()
    r = world.scene.http.get(f"/portal/issuer/{issuer}/credentials")
    assert r.status_code == 200, r.text
    listed = r.json()
    assert listed["total"] >= len(world.firms) * 5 and len(listed["credentials"]) == min(20, listed["total"])
    blocks = [c["anchored"] for c in listed["credentials"]]
    assert blocks == sorted(blocks, reverse=True)
    suspended = world.scene.http.get(f"/portal/issuer/{issuer}/credentials", params={"q": "桥梁维修"}).json()
    assert suspended["total"] == 1
    (row,) = suspended["credentials"]
    assert row["id"] == world.suspended and row["status"] == "SUSPENDED" and row["now"] == ["warn", "已暂停"]
    assert row["what"].startswith("珠海市某桥梁维修工程") and row["proof"] is not None
    stranger = world.scene.http.get("/portal/issuer/0x0000000000000000000000000000000000000001/credentials").json()
    assert stranger["total"] == 0
    r = world.scene.http.get("/portal/issuer/0x12/credentials")
    assert r.status_code == 422 and "0x12" in r.json()["message"]


def firm_name(world: World, firm: Any) -> str:
    assert firm.identity is not None
    return str(firm.identity.document.firm_name)


def test_firm_names_are_looked_up_by_uscc(world: World) -> None:
    from ledger.uscc import generate_uscc

    unknown = generate_uscc(world.scene.rng)
    codes = [world.firms[0].uscc, world.firms[1].uscc, unknown]
    r = world.scene.http.get("/portal/names/firms", params=[("uscc", c) for c in codes] + [("lang", "zh")])
    assert r.status_code == 200, r.text
    assert r.json()["names"] == {world.firms[0].uscc: firm_name(world, world.firms[0]),
                                 world.firms[1].uscc: firm_name(world, world.firms[1]), unknown: None}


@pytest.mark.parametrize(("codes", "words"), [
    ([], "1 至 100"), (["91350100M000100Y40"], "统一社会信用代码无效"), (["x" * 300], "统一社会信用代码无效"),
    (["91350100M000100Y43"] * 101, "1 至 100")])
def test_a_bad_names_request_is_a_422_in_words(world: World, codes: list[str], words: str) -> None:
    r = world.scene.http.get("/portal/names/firms", params=[("uscc", c) for c in codes] + [("lang", "zh")])
    assert r.status_code == 422 and words in r.json()["message"], r.text
    assert len(r.json()["message"]) < 250  # the bad value not echoed whole
