"""Every portal page through the service's own HTTP stack: what it shows in Chinese and in English,
hostile text escaped, and bad input (a malformed USCC or id, an unknown tender, a broken upload)
answered with a readable page and a 4xx, never a 5xx."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import xml.etree.ElementTree as ET

import pytest

from api.portal.messages import MESSAGES
from api.portal.pages import Page, check_label_text, check_reason
from ledger.rules.reasons import coded, said
from ledger.rules.verify import Check, CheckStatus
from ledger.rules.reasons import ARGS, SENTENCES, Reason
from ledger.uscc import uscc_check_digit
from tests.portal.world import HOSTILE, World, build, sealed_sample
from tests.scenes import Scene

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with Scene.served(tmp_path_factory.mktemp("portal"), seed=41) as scene:
        yield build(scene)


def get(world: World, path: str, lang: str = "zh", **params: Any) -> Any:
    """A page as a first-time visitor in `lang` sees it (no cookie from an earlier page)."""
    world.scene.http.cookies.clear()
    return world.scene.http.get(path, params={**params, **({"lang": lang} if lang != "zh" else {})})


def visible(page: str) -> str:
    """The text a reader sees (tags dropped, whitespace squeezed)."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def test_every_label_is_in_both_languages() -> None:
    for key, (zh, en) in MESSAGES.items():
        assert zh.strip() and en.strip(), key
        assert re.findall(r"{(\w+)}", zh) == re.findall(r"{(\w+)}", en) or \
            set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en)), key


def test_every_reason_code_is_worded_in_both_languages() -> None:
    """Every code a check of a bid's eligibility can carry (ledger/rules/reasons.py) has its words,
    with the placeholders its arguments fill."""
    assert set(ARGS) == set(Reason) == set(SENTENCES)
    assert all(set(re.findall(r"{(\w+)}", SENTENCES[code])) <= set(ARGS[code]) for code in Reason)
    for code in Reason:
        zh, en = MESSAGES[f"check.reason.{code.value}"]
        assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en)) <= set(ARGS[code]), code
    assert not [k for k in MESSAGES if k.startswith("check.reason.") and k.removeprefix("check.reason.")
                not in {c.value for c in Reason}]


def _page(lang: str) -> Page:
    """A page in `lang` (Beijing time) for the functions that word values, without a request."""
    page = object.__new__(Page)
    page.lang, page.zone, page.chosen = lang, ZoneInfo("Asia/Shanghai"), None
    return page


def test_a_checks_reason_is_worded_from_its_code_or_left_as_the_ledger_says_it() -> None:
    zh, en = _page("zh"), _page("en")
    met = Check("qualification 建筑业企业资质 市政公用工程 ≥ 二级", CheckStatus.VALID,
                *said(Reason.QUALIFICATION_MET, certificate_no="D123", qualification="市政公用工程施工总承包"))
    assert met.reason == "met by D123 (市政公用工程施工总承包)"
    assert check_reason(zh, met) == "由 D123（市政公用工程施工总承包）满足"
    assert check_reason(en, met) == met.reason
    unmet = Check("qualification x", CheckStatus.INVALID, *said(Reason.QUALIFICATION_UNMET, ticked=[]))
    assert unmet.reason == "no valid qualification meets it (ticked: none ticked)"
    assert check_reason(zh, unmet) == "没有满足要求的有效资质（所勾选：无）"
    revoked = said(Reason.VERIFY_REVOKED, at=1_800_000_000, ground="FRAUD", ground_code=1)[0]
    expired = said(Reason.VERIFY_EXPIRED, at=1_800_000_000, valid_until="2026-12-31T00:00:00+08:00")[0]
    failed = Check("credential 0x01", CheckStatus.INVALID, *said(
        Reason.CREDENTIAL_NOT_VALID, failed=["status_at", "validity_window"],
        detail=f"status_at: {revoked}; validity_window: {expired}"))
    assert check_reason(zh, failed) == (  # each failed verification check by its name, with why
        "截止时间时无效——状态（未撤销/未暂停）：2027年1月15日 16:00（UTC+08:00）时已吊销（原因：弄虚作假，代码 1）；"
        "有效期：2027年1月15日 16:00（UTC+08:00）时已过有效期：失效时间为 2026年12月31日 00:00（UTC+08:00）")
    odd = Check("credential 0x01", CheckStatus.INVALID, *said(  # a detail that is not such a list: as it is
        Reason.CREDENTIAL_NOT_VALID, failed=["status_at"], detail="subject: x; status_at: y"))
    assert check_reason(zh, odd) == "截止时间时无效——subject: x; status_at: y"
    late = Check("guarantee", CheckStatus.INVALID,
                 *said(Reason.GUARANTEE_ENDS_EARLY, end=1_800_000_000, validity_end=1_800_086_400))
    assert late.reason == "the guarantee ends 2027-01-15T08:00:00+00:00, before the bid validity ends " \
        "2027-01-16T08:00:00+00:00"
    assert check_reason(zh, late) == "保函于 2027年1月15日 16:00（UTC+08:00）到期，早于投标有效期届满 2027年1月16日 16:00（UTC+08:00）"
    low = Check("guarantee", CheckStatus.INVALID, *said(Reason.GUARANTEE_AMOUNT_LOW, amount="1000.00",
                                                         required="200000.00"))
    assert check_reason(en, low) == "the amount 1,000.00 元 is below the required 200,000.00 元"
    # a check without a code (projected before codes were kept), with one the portal does not know, or
    # with one that does not say its sentence (which is what the centre signs): the sentence as it is
    assert check_reason(zh, Check("credit", CheckStatus.VALID, "not black-listed at the deadline")) == \
        "not black-listed at the deadline"
    assert check_reason(zh, Check("x", CheckStatus.VALID, "as said", {"code": "nothing_known", "args": {}})) == "as said"
    passed = coded(Reason.NOT_BLACKLISTED)
    assert check_reason(zh, Check("credit", CheckStatus.INVALID, "black-listed at the deadline (B-1)", passed)) == \
        "black-listed at the deadline (B-1)"


def test_a_performance_requirements_label_is_in_the_pages_language() -> None:
    name = "performance ≥ 1 × 500 万元 within 5 years"  # as ledger/rules/eligibility.py names the check
    assert check_label_text(_page("zh"), name) == "业绩要求：近 5 年内不少于 1 项、单项不低于 5,000,000.00 元"
    assert check_label_text(_page("en"), name) == \
        "Performance requirement: at least 1 of 5,000,000.00 元 or more each, within 5 years"


def test_the_root_leads_to_the_portal(world: World) -> None:
    r = world.scene.http.get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/portal"


def test_the_tender_list_in_chinese_and_english(world: World) -> None:
    zh = get(world, "/portal")
    assert zh.status_code == 200 and zh.headers["content-type"].startswith("text/html")
    text = visible(zh.text)
    assert "招投标信用链" in text and "招标项目" in text and "共 3 个项目" in text
    assert "珠海市香洲区市政道路改造工程" in text and "珠海市斗门区排水管网改造工程" in text
    assert "评标结果已公布" in text and "接受投标中" in text
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d（UTC\+08:00）", text)
    en = get(world, "/portal", lang="en")
    text = visible(en.text)
    assert "Tender Credential Ledger" in text and "3 tenders" in text and "Evaluation published" in text
    assert "tl_lang=en" in en.headers["set-cookie"]


def test_the_language_is_remembered_in_a_cookie_and_switched_back(world: World) -> None:
    http = world.scene.http
    http.cookies.clear()
    http.get("/portal", params={"lang": "en"})
    assert "Firm credentials" in visible(http.get("/portal/verify").text)  # no lang: the cookie's
    back = http.get("/portal/verify", params={"lang": "zh"})
    assert "核验证照" in visible(back.text)
    assert "核验证照" in visible(http.get("/portal/verify").text)
    http.cookies.clear()


def test_the_switch_links_to_the_same_page_in_the_other_language(world: World) -> None:
    r = get(world, "/portal", q="斗门")
    link = re.search(r'id="lang-switch" href="([^"]+)"', r.text)
    assert link is not None and link.group(1).replace("&amp;", "&") == "/portal?q=%E6%96%97%E9%97%A8&lang=en"


def test_search_finds_by_code_title_and_tenderer_and_pages(world: World) -> None:
    assert "共 1 个项目" in visible(get(world, "/portal", q="斗门区水务局").text)
    assert "共 1 个项目" in visible(get(world, "/portal", q="E3203010319005778-3").text)
    assert "没有符合条件的招标项目" in visible(get(world, "/portal", q="没有这个工程").text)
    assert get(world, "/portal", offset="abc").status_code == 200  # a broken offset is the first page
    listing = world.scene.http.get("/tenders", params={"q": "香洲 道路", "limit": 1}).json()
    assert listing["total"] == 1 and listing["tenders"][0]["title"] == "珠海市香洲区市政道路改造工程"
    assert listing["tenders"][0]["sections"] == [
        {"code": "E3203010319005778001001", "name": "一标段", "status": "EVALUATED"}]
    page = world.scene.http.get("/tenders", params={"limit": 2, "offset": 2}).json()
    assert page["total"] == 3 and len(page["tenders"]) == 1


def test_the_tender_list_api_refuses_a_bad_page_size(world: World) -> None:
    r = world.scene.http.get("/tenders", params={"limit": 0})
    assert r.status_code == 422 and "limit" in r.json()["message"]


def test_a_tender_page_reads_as_its_notice_with_results(world: World) -> None:
    r = get(world, f"/portal/tenders/{world.opened.tid}")
    assert r.status_code == 200
    text = visible(r.text)
    assert "招标公告" in text and "珠海市香洲区住房和城乡建设局" in text
    assert "12,000,000.00 元" in text  # the estimate
    assert "建筑业企业资质·市政公用工程，二级及以上" in text
    assert "近 5 年内完成不少于 1 项、单项合同金额不低于 5,000,000.00 元的类似业绩" in text
    assert "一级注册建造师（市政） 1 名" in text
    assert "开标需 3 / 5 名保管人释放密钥份额" in text
    assert "投标 4 份，有效 3 份" in text
    assert "10,860,000.50 元" in text and "11,674,050.50 元" in text  # prices
    names = [world.scene.http.get(f"/firms/{f.uscc}/credentials").status_code for f in world.firms]
    assert names == [200, 200, 200]
    assert text.count("合格") >= 3 and "不合格" in text
    assert "人员要求：1 × 一级注册建造师 市政" in text and "勾选了 0 名符合要求的注册人员" in text
    assert "ticked" not in text  # the reasons of the checks in words of the page's language
    assert re.search(r"珠海市第\d+建设工程有限公司", text)
    assert "投标保证金" in text and "不要求" in text
    # no raw hash in prose: every 0x value is a shortened one with the full value in its title
    for match in re.finditer(r"0x[0-9a-fA-F]{20,}", text):
        pytest.fail(f"a raw hash in the page's text: {match.group(0)}")
    assert f'title="{world.opened.tid}"' in r.text
    assert "@media print" in world.scene.http.get("/portal/static/portal.css").text


def test_only_a_tender_still_open_for_bids_offers_the_bid_page(world: World) -> None:
    assert "bid-link" not in get(world, f"/portal/tenders/{world.opened.tid}").text  # past its deadline
    open_page = get(world, f"/portal/tenders/{world.open.tid}").text
    assert "bid-link" in open_page and "投标（浏览器内签名）" in visible(open_page)


def test_a_tender_page_in_english(world: World) -> None:
    text = visible(get(world, f"/portal/tenders/{world.opened.tid}", lang="en").text)
    assert "Tender notice" in text and "Sections and requirements" in text
    assert "grade 二级 or higher" in text and "Opening needs 3 of the 5 officers' key shares" in text
    assert "Personnel requirement: 1 × 一级注册建造师 市政" in text and "0 matching registered person(s) ticked" in text
    assert "勾选" not in text
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d \(UTC\+08:00\)", text)


def test_an_amendment_shows_with_its_reason_and_postponement(world: World) -> None:
    text = visible(get(world, f"/portal/tenders/{world.open.tid}").text)
    assert "首次发布" in text and "答疑澄清：调整最高投标限价" in text
    assert "截止时间顺延至" in text and "11,800,000.00 元" in text and "接受投标中" in text
    en = visible(get(world, f"/portal/tenders/{world.open.tid}", lang="en").text)
    assert "Deadline postponed to" in en


def test_a_hostile_title_is_escaped_everywhere(world: World) -> None:
    for path in ("/portal", f"/portal/tenders/{world.hostile.tid}"):
        r = get(world, path)
        assert r.status_code == 200
        assert "<script>alert" not in r.text and "<img src=x" not in r.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in r.text
        assert HOSTILE in visible(r.text)
    hostile_query = get(world, "/portal", q='"><script>alert(2)</script>')
    assert hostile_query.status_code == 200 and "<script>alert(2)" not in hostile_query.text


def svg_of(page: str, ident: str) -> ET.Element:
    """The inline picture `ident` of a page, parsed as XML."""
    found = re.search(rf'<svg [^>]*id="{ident}".*?</svg>', page, flags=re.DOTALL)
    assert found, f"no picture {ident} on the page"
    root = ET.fromstring(found.group(0))
    assert root.get("role") == "img" and root.get("aria-label") and root.findtext(f"{SVG}desc")
    return root


def svg_texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_a_tender_page_draws_its_timeline_from_the_chain(world: World) -> None:
    zh = svg_of(get(world, f"/portal/tenders/{world.opened.tid}").text, "timeline")
    shown = svg_texts(zh)
    for words in ("发布招标公告", "投标截止", "开标 · 第 1 标段", "评标报告公布 · 第 1 标段", "现在", "时区：Asia/Shanghai（UTC+08:00）"):
        assert words in shown, words
    assert "珠海市香洲区市政道路改造工程" in (zh.findtext(f"{SVG}title") or "")
    steps = [g.get("class") for g in zh.iter(f"{SVG}g") if "step" in (g.get("class") or "").split()]
    assert steps == ["step step-published", "step step-deadline", "step step-opened", "step step-report"]
    en = svg_texts(svg_of(get(world, f"/portal/tenders/{world.opened.tid}", lang="en").text, "timeline"))
    assert "Opening · section 1" in en and "Evaluation report published · section 1" in en and "Now" in en


def test_an_amended_tenders_timeline_shows_the_version_and_the_postponed_deadline(world: World) -> None:
    shown = svg_texts(svg_of(get(world, f"/portal/tenders/{world.open.tid}").text, "timeline"))
    assert "澄清修改（第 2 版） · 已顺延" in shown and "投标截止 · 已顺延" in shown


def test_a_hostile_title_is_escaped_in_the_timeline(world: World) -> None:
    page = get(world, f"/portal/tenders/{world.hostile.tid}").text
    root = svg_of(page, "timeline")  # still one picture that parses
    assert HOSTILE in (root.findtext(f"{SVG}title") or "") and not list(root.iter(f"{SVG}script"))


def test_a_firms_page_draws_each_credentials_status_history(world: World) -> None:
    firm = world.firms[0]
    r = get(world, f"/portal/firms/{firm.uscc}")
    root = svg_of(r.text, "history")
    lanes = [g for g in root.iter(f"{SVG}g") if g.get("class") == "lane"]
    rows = len(re.findall(r"<tr>", r.text.split("<tbody>")[1]))
    assert len(lanes) == rows  # one lane per credential in the table
    suspended = [lane for lane in lanes if "业绩 · 珠海市某桥梁维修工程" in " ".join(svg_texts(lane))]
    assert len(suspended) == 1 and "已暂停" in svg_texts(suspended[0])
    assert any(g.get("class") == "segment state-suspended" for g in suspended[0].iter(f"{SVG}g"))
    uses = [g for g in root.iter(f"{SVG}g") if g.get("class") == "use"]
    assert uses and all("第 1 标段" in (g.findtext(f"{SVG}title") or "") for g in uses)  # ticked into the opened bid
    assert world.opened.tid[:8] in (uses[0].findtext(f"{SVG}title") or "")
    asked = svg_of(get(world, f"/portal/firms/{firm.uscc}", lang="en", at="2026-01-01").text, "history")
    assert "asked about 1 Jan 2026" in svg_texts(asked) and "Suspended" in svg_texts(asked)


def test_a_firms_credentials_by_name_grade_issuer_and_status(world: World) -> None:
    firm = world.firms[0]
    r = get(world, f"/portal/firms/{firm.uscc}")
    assert r.status_code == 200
    text = visible(r.text)
    assert re.search(r"珠海市第\d+建设工程有限公司", text)
    for kind in ("营业执照", "资质", "业绩", "注册人员"):
        assert kind in text
    assert "广东省住房和城乡建设厅" in text and "一级" in text
    assert "已暂停" in text and "有效" in text  # the suspended performance record, the others valid
    assert "未具名签发方" in text  # kinds whose document names no issuing body: the shortened key
    assert firm.address not in text


def test_a_firms_status_as_of_a_date(world: World) -> None:
    firm = world.firms[0]
    long_ago = visible(get(world, f"/portal/firms/{firm.uscc}", at="2020-01-01").text)
    assert "截至所选日期" in long_ago and "2020年1月1日" in long_ago and "未存证" in long_ago
    en = visible(get(world, f"/portal/firms/{firm.uscc}", lang="en", at="2020-01-01").text)
    assert "As of the chosen date" in en and "Not anchored" in en and "Suspended" in en


def test_the_firm_form_leads_to_the_firm(world: World) -> None:
    r = world.scene.http.get("/portal/firms", params={"uscc": world.firms[1].uscc, "at": "2026-01-01"},
                             follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/portal/firms/{world.firms[1].uscc}?at=2026-01-01"
    assert "统一社会信用代码" in visible(get(world, "/portal/firms").text)


def test_a_uscc_with_a_wrong_check_digit_is_a_readable_422(world: World) -> None:
    good = world.firms[0].uscc
    wrong = good[:17] + ("A" if uscc_check_digit(good[:17]) != "A" else "B")
    for bad in (wrong, "123", "9144040%3Cscript%3E"):
        r = get(world, f"/portal/firms/{bad}")
        assert r.status_code == 422, bad
        text = visible(r.text)
        assert "输入有误" in text and "统一社会信用代码无效" in text
    assert "Not a valid USCC: bad check digit" in visible(get(world, f"/portal/firms/{wrong}", lang="en").text)
    assert get(world, f"/portal/firms/{good}", at="yesterday").status_code == 422


def test_an_unknown_or_malformed_tender_or_draw_and_an_unknown_page_are_404_pages(world: World) -> None:
    for path in ("/portal/tenders/0x" + "11" * 32, "/portal/tenders/E3203010319005778", "/portal/tenders/0xzz",
                 "/portal/draws/0x" + "22" * 32, "/portal/draws/nothing", "/portal/no/such/page"):
        r = get(world, path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html") and "返回招标项目列表" in r.text, path
    assert "Not found" in visible(get(world, "/portal/tenders/0x" + "11" * 32, lang="en").text)
    # The ledger's refusal in words, in the page's language, not as the error's name and arguments.
    assert "没有这个招标项目。" in visible(get(world, "/portal/tenders/0x" + "11" * 32).text)
    assert "There is no such tender." in visible(get(world, "/portal/tenders/0x" + "11" * 32, lang="en").text)
    assert "UnknownTender" not in get(world, "/portal/tenders/0x" + "11" * 32).text


def test_verifying_an_uploaded_credential_shows_a_badge_per_check(world: World) -> None:
    sealed = sealed_sample(world.scene, world)
    upload = json.dumps(sealed.to_dict(), ensure_ascii=False).encode()
    world.scene.http.cookies.clear()
    r = world.scene.http.post("/portal/verify", files={"file": ("award.sealed.json", upload, "application/json")},
                              data={"document": "", "at": "", "subject": world.firms[0].uscc})
    assert r.status_code == 200, r.text
    text = visible(r.text)
    assert "核验通过" in text
    for label in ("内容完整性", "链上存证", "签发机构授权", "有效期", "持有企业"):
        assert label in text
    assert text.count("有效") >= 5
    # the same through the JSON service, pasted, with another holder expected: the subject check fails
    pasted = world.scene.http.post("/portal/verify", data={"document": upload.decode(), "subject": world.firms[1].uscc,
                                                           "lang": "en"}, params={"lang": "en"})
    text = visible(pasted.text)
    assert pasted.status_code == 200 and "does not verify" in text and "Invalid" in text and "Holder" in text


def test_an_altered_credential_fails_integrity_in_words(world: World) -> None:
    sealed = sealed_sample(world.scene, world).to_dict()
    sealed["document"]["award_name"] = "鲁班奖（伪造）"
    world.scene.http.cookies.clear()
    r = world.scene.http.post("/portal/verify", data={"document": json.dumps(sealed, ensure_ascii=False)})
    assert r.status_code == 200
    assert "核验未通过" in visible(r.text) and "无效" in visible(r.text)


@pytest.mark.parametrize("form, status, words", [
    ({"document": "{not json"}, 422, "上传的内容不是 JSON"),
    ({"document": ""}, 422, "请上传文件或粘贴 JSON"),
    ({"document": '{"kind": 99}'}, 422, "输入有误"),
    ({"document": "[1, 2]"}, 422, "输入有误"),
    ({"document": '{"a": 1}', "at": "tomorrow"}, 422, "日期格式不对"),
    ({"document": '{"a": 1}', "subject": "91350100M000100Y4X"}, 422, "统一社会信用代码无效"),
])
def test_a_broken_upload_is_a_readable_4xx(world: World, form: dict[str, str], status: int, words: str) -> None:
    world.scene.http.cookies.clear()
    r = world.scene.http.post("/portal/verify", data=form)
    assert r.status_code == status, r.text
    assert words in visible(r.text)


def test_a_broken_multipart_body_is_a_4xx_page(world: World) -> None:
    r = world.scene.http.post("/portal/verify", content=b"--x\r\nnot a part",
                              headers={"content-type": "multipart/form-data; boundary=zzz"})
    assert 400 <= r.status_code < 500 and "text/html" in r.headers["content-type"]
    r = world.scene.http.post("/portal/verify", content=b"\xff\xfe", headers={"content-type": "text/plain"})
    assert 400 <= r.status_code < 500


def test_a_draw_shows_parties_candidates_picks_and_its_recomputation(world: World) -> None:
    r = get(world, f"/portal/draws/{world.draw}")
    assert r.status_code == 200
    text = visible(r.text)
    assert "抽签定标" in text and "第 1 轮" in text and "已完成" in text
    assert "依链上数据重新计算：一致" in text
    assert text.count("已提交密封种子") == 2 and "未提交（按 0 计）" in text
    assert "候选（5 个，抽取 2 个）" in text and text.count("中签") == 2
    en = visible(get(world, f"/portal/draws/{world.draw}", lang="en").text)
    assert "Recomputed from the chain: OK" in en
    data = world.scene.http.get(f"/draws/{world.draw}").json()
    for pick in data["picks"]:
        assert f'title="{pick}"' in r.text


def test_no_portal_page_answers_a_5xx(world: World) -> None:
    paths = ["/portal", "/portal/tenders", "/portal/firms", "/portal/verify", "/portal/static/portal.css",
             "/portal/static/portal.js", f"/portal/tenders/{world.opened.tid}", f"/portal/draws/{world.draw}",
             f"/portal/firms/{world.weak.uscc}", "/portal/firms/%00", "/portal/tenders/%F0%9F%98%80",
             "/portal?offset=99999999999999999999", "/portal?q=" + "x" * 5000]
    for path in paths:
        assert world.scene.http.get(path).status_code < 500, path


def test_the_award_lines_times_are_each_kept_on_one_line() -> None:
    from datetime import UTC, datetime, timedelta, timezone
    from pathlib import Path

    from api.portal import format as fmt
    from api.portal.messages import text

    zone = timezone(timedelta(hours=8))
    at, ends = (fmt.when(datetime(2026, 12, d, 1, tzinfo=UTC), zone, "zh") for d in (22, 25))
    out = str(fmt.unbroken(text("zh", "section.award.when", at="{at}", ends="{ends}"), at=at, ends=ends))
    assert out == ('（<span class="nowrap">2026年12月22日 09:00（UTC+08:00）</span> 定标，公示至 '
                   '<span class="nowrap">2026年12月25日 09:00（UTC+08:00）</span>）')
    assert str(fmt.unbroken("{x} <b>", x="<i>")) == '<span class="nowrap">&lt;i&gt;</span> &lt;b&gt;'  # all escaped
    template = (Path(fmt.__file__).parent / "templates" / "tender.html").read_text(encoding="utf-8")
    assert "page.t_unbroken('section.award.when'" in template


@pytest.mark.parametrize(("lang", "words"), [("zh", "联盟治理：提议与批准"), ("en", "Governance: proposals and approvals")])
def test_the_governance_desk_renders_and_is_in_the_navigation(world: World, lang: str, words: str) -> None:
    page = world.scene.http.get("/portal/governance", params={"lang": lang})
    assert page.status_code == 200 and words in page.text
    assert 'href="/portal/governance" aria-current="page"' in page.text
    assert world.scene.http.get("/portal/static/governance.js").status_code == 200
