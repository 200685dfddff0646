"""The auditor's desk: an audit report opened from a file reads summary first (the verdict, the
counts, every finding linked to its tender, transaction and block), then each tender's checks and the
transactions cited, in both languages; a file that is not a report is a 422 page saying why, never
a 5xx; text in a report is escaped (a report is a file anyone can hand over)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.audit.model import AuditReport, Evidence, Result, Status, TenderSummary
from ledger.model.timeline import Milestone, Step
from tests.portal.test_pages import SVG, svg_of, svg_texts, visible
from tests.scenes import Scene

TID = "0x" + "ab" * 32
TX = "0x" + "cd" * 32
HOSTILE = '<script>alert("x")</script>'


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with Scene.served(tmp_path_factory.mktemp("portal-audit"), seed=59) as scene:
        yield scene.http


def report(*, failing: bool = True) -> dict[str, Any]:
    r = AuditReport(chain_id=1337, genesis="0x" + "00" * 32, head_block=42, head_time=1_790_000_000,
                    addresses={"TenderBook": "0x" + "11" * 20}, events=120, documents=9)
    r.tenders[TID] = TenderSummary(tender_id=TID, title="珠海市香洲区市政道路改造工程", project_code="E3203010319005778",
                                   issued_at=1_789_000_000, deadline=1_789_900_000,
                                   firms={"0x" + "22" * 20: f"珠海市第一建设工程有限公司 {HOSTILE}"},
                                   timeline=(Milestone(Step.PUBLISHED, 1_789_000_000, number=1),
                                             Milestone(Step.DEADLINE, 1_789_900_000),
                                             Milestone(Step.OPENED, 1_789_900_600, 0, flag="failed")))
    r.results.append(Result("tenders", "params hash", Status.PASS, "the published parameters hash to the chain's",
                            tender=TID, evidence=(Evidence(tx=TX, block=7, time=1_789_000_000),)))
    r.results.append(Result("openings", "opening rerun", Status.FAIL if failing else Status.PASS,
                            f"bid 0x22… decrypts to another price {HOSTILE}", tender=TID, section=0,
                            evidence=(Evidence(tx="0x" + "ef" * 32, block=31, note="OpeningRecorded"),)))
    r.results.append(Result("chain", "genesis", Status.INFO, "the genesis is the one configured"))
    r.results.append(Result(f"family {HOSTILE}", "odd", Status.PASS, "a family name from a file anyone hands over"))
    r.flags.append({"tender": TID, "section": 0, "sign": "same IP", "description": "d", "message": "m"})
    return r.as_json()


def post(http: TestClient, content: bytes, lang: str = "zh") -> Any:
    http.cookies.clear()
    return http.post(f"/portal/audit?lang={lang}", files={"file": ("report.json", content, "application/json")})


def test_the_form_in_chinese_and_english(http: TestClient) -> None:
    http.cookies.clear()
    assert "审计报告" in visible(http.get("/portal/audit").text)
    assert "Audit report" in visible(http.get("/portal/audit?lang=en").text)


def test_a_report_reads_summary_first_with_findings_linked(http: TestClient) -> None:
    r = post(http, json.dumps(report()).encode())
    assert r.status_code == 200, r.text
    text = visible(r.text)
    assert "发现 1 个问题" in text and text.index("摘要") < text.index("问题") < text.index("引用的交易")
    assert "opening rerun" in text and "第 1 标段" in text and "珠海市香洲区市政道路改造工程" in text
    assert f'href="#tx-{TX}"' in r.text and f'id="tx-{TX}"' in r.text and f'href="#tender-{TID}"' in r.text
    assert "<script>alert" not in r.text and "&lt;script&gt;" in r.text


def test_a_clean_report_in_english(http: TestClient) -> None:
    r = post(http, json.dumps(report(failing=False)).encode(), lang="en")
    assert r.status_code == 200
    text = visible(r.text)
    assert "Every check passed" in text and "Transactions cited" in text and "Cannot be proven" in text


def test_the_summary_and_each_tenders_timeline_are_pictures(http: TestClient) -> None:
    page = post(http, json.dumps(report()).encode()).text
    summary = svg_of(page, "summary-picture")
    shown = svg_texts(summary)
    assert [g.get("data-family") for g in summary.iter(f"{SVG}g") if "family" in (g.get("class") or "").split()] == [
        "tenders", "openings", "chain", f"family {HOSTILE}", "合计"]  # the hostile name escaped: the picture parses
    assert "0 通过 · 1 不通过 · 0 无法证明" in shown and "2 通过 · 1 不通过 · 1 无法证明" in shown
    assert "围标串标提示：1 条，需人工复核（不是结论）" in shown
    assert page.index('id="summary-picture"') < page.index('id="findings"')
    timeline = svg_texts(svg_of(page, "timeline-0"))
    assert "发布招标公告" in timeline and "开标 · 第 1 标段 · 流标" in timeline and "现在" in timeline
    en = post(http, json.dumps(report()).encode(), lang="en").text
    assert "All checks" in svg_texts(svg_of(en, "summary-picture"))
    assert "Opening · section 1 · failed (流标)" in svg_texts(svg_of(en, "timeline-0"))


def test_a_report_without_timelines_still_opens_with_its_summary(http: TestClient) -> None:
    old = report()
    for t in old["tenders"].values():
        del t["timeline"]  # a report written before timelines
    page = post(http, json.dumps(old).encode()).text
    assert svg_of(page, "summary-picture") is not None and 'id="timeline-0"' not in page


@pytest.mark.parametrize(("content", "words"), [
    (json.dumps({**report(), "tenders": {TID: {**report()["tenders"][TID], "timeline": [{"step": "coronation",
                                                                                         "at": 1}]}}}).encode(),
     f"tenders.{TID}.timeline.0"),
    (json.dumps({**report(), "tenders": {TID: {**report()["tenders"][TID], "timeline": [{"step": "award",
                                                                                         "at": "soon"}]}}}).encode(),
     "at is not a non-negative whole number"),
    (json.dumps({**report(), "tenders": {TID: {**report()["tenders"][TID], "timeline": ["award"]}}}).encode(),
     f"tenders.{TID}.timeline.0"),
    (b"", "请上传文件"), (b"{oops", "不是 JSON"), (b"[1, 2]", "这不是审计报告"),
    (json.dumps({**report(), "checks": [{"name": "x"}]}).encode(), "checks.0.family"),
    (json.dumps({**report(), "checks": [{**report()["checks"][0], "status": "maybe"}]}).encode(), "checks.0.status"),
    (json.dumps({**report(), "head_block": "many"}).encode(), "head_block"),
    (b"[" * 100_000, "不是 JSON")])
def test_what_is_not_a_report_is_a_422_page(http: TestClient, content: bytes, words: str) -> None:
    r = post(http, content)
    assert r.status_code == 422, r.text[:300]
    assert words in visible(r.text)


def test_a_body_that_is_not_a_form_is_refused(http: TestClient) -> None:
    r = http.post("/portal/audit", content=b"{}", headers={"content-type": "application/json"})
    assert r.status_code == 415


def test_each_bid_key_shows_the_firm_the_report_established_in_both_languages(http: TestClient) -> None:
    """A bid key in a check, a finding or a flag shows with the firm the report's tender names for it
    (the report's own `firms`, nothing looked up); a key it names none for stays a key; a flag's own
    words are shown as given (they name the firms already); family names are in the page's language."""
    known, unknown = "0x" + "ab" * 20, "0x" + "cd" * 20
    r = AuditReport(chain_id=1337, genesis="0x" + "00" * 32, head_block=42, head_time=1_790_000_000,
                    addresses={}, events=1, documents=1)
    r.tenders[TID] = TenderSummary(tender_id=TID, title="珠海市香洲区市政道路改造工程",
                                   firms={known: f"珠海市第一建设工程有限公司 (91440400MA4UJ1234X) {HOSTILE}"})
    r.results.append(Result("eligibility", f"bid of {known.upper().replace('0X', '0x')}", Status.FAIL,
                            f"firm of {known} and {unknown}", tender=TID, section=0,
                            evidence=(Evidence(tx="0x" + "ab" * 32, block=3),)))
    r.results.append(Result("opening", f"price of {unknown}", Status.PASS, "as recorded", tender=TID, section=0))
    r.flags.append({"tender": TID, "section": 0, "sign": "same IP", "description": "one sender",
                    "description_zh": "同一发送方", "bidders": [known, unknown], "message": f"{known} and {unknown}"})
    for lang, family, words in (("zh", "资格审查", "涉及投标："), ("en", "Eligibility", "Bids: ")):
        page = post(http, json.dumps(r.as_json()).encode(), lang=lang)
        assert page.status_code == 200, page.text
        text = visible(page.text)
        firm = "（珠海市第一建设工程有限公司 (91440400MA4UJ1234X)" if lang == "zh" else "(珠海市第一建设工程有限公司 (91440400MA4UJ1234X)"
        assert f"bid of {known.upper().replace('0X', '0x')} {firm}" in text  # the check's name, the key in any case
        assert f"firm of {known} {firm}" in text  # its words, in the tender's checks and in the findings
        assert text.count(f"{known} {firm}") == 3  # its words in the tender and the finding, the flag's bidders
        assert text.count(f"{known.upper().replace('0X', '0x')} {firm}") == 3  # named in the tender, the finding, the transaction
        assert f"price of {unknown} {'开标' if lang == 'zh' else 'Opening'}" in text  # no firm: the key alone
        assert f"{unknown} {firm}" not in text and f"{unknown}（" not in text and f"{unknown} (" not in text
        assert family in text and words in text
        assert ("同一发送方" in text) == (lang == "zh") and ("one sender" in text) == (lang == "en")
        assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
        assert "0x" + "ab" * 32 in page.text  # a transaction hash is not taken for a bid key
    summary = svg_texts(svg_of(post(http, json.dumps(r.as_json()).encode(), lang="zh").text, "summary-picture"))
    assert "资格审查" in summary and "开标" in summary and "eligibility" not in summary


def coded_report(**args: Any) -> dict[str, Any]:
    """A report of one check with a code: the opening report's price of a bid (an amount in 元)
    and one bid period (times), as the audit writes them."""
    from ledger.audit.words import said

    r = AuditReport(chain_id=1337, genesis="0x" + "00" * 32, head_block=42, head_time=1_790_000_000,
                    addresses={}, events=1, documents=1)
    for words in (said("opening.price", bidder="0x" + "22" * 20, price="1234567.5"),
                  said("time.bid_period", issued=1_789_000_000, deadline=1_790_728_000, days="20.00")):
        r.results.append(Result(words.family, words.name, Status.PASS, words.message, tender=TID, code=words.code,
                                args=words.args))
    data = r.as_json()
    for check in data["checks"]:
        check["args"].update({k: v for k, v in args.items() if k in check["args"]})
    return data


def test_a_coded_check_reads_in_the_pages_language(http: TestClient) -> None:
    zh = visible(post(http, json.dumps(coded_report()).encode()).text)
    assert "开标记录唱标 1,234,567.50 元，与投标文件一致" in zh and "的投标报价" in zh
    assert "as the envelope holds" not in zh and "price of" not in zh
    assert "投标期不少于 20 日" in zh and "（20.00 日）" in zh and "（UTC+08:00）" in zh
    en = visible(post(http, json.dumps(coded_report()).encode(), lang="en").text)
    assert "the opening report reads 1,234,567.50 元, as the envelope holds" in en and "bid period ≥ 20 days" in en


def test_a_check_whose_arguments_were_edited_reads_in_the_reports_english(http: TestClient) -> None:
    data = coded_report(price="9999999")  # the arguments no longer say the message
    zh = visible(post(http, json.dumps(data).encode()).text)
    assert "the opening report reads 1234567.5 元, as the envelope holds" in zh
    assert "9,999,999.00" not in zh and "开标记录唱标" not in zh
    data = coded_report()
    data["checks"][0]["code"] = "opening.price_differs"  # another code with the same arguments named
    zh = visible(post(http, json.dumps(data).encode()).text)
    assert "the opening report reads 1234567.5 元, as the envelope holds" in zh and "开标记录唱标" not in zh
    del data["checks"][0]["code"]  # a report written before checks had codes
    assert "as the envelope holds" in visible(post(http, json.dumps(data).encode()).text)


def test_a_failed_checks_reason_and_what_is_not_checked_read_in_chinese(http: TestClient) -> None:
    from ledger.audit.checks import NOT_CHECKED
    from ledger.audit.words import said
    from ledger.rules.reasons import Reason
    from ledger.rules.reasons import said as reason

    r = AuditReport(chain_id=1337, genesis="0x" + "00" * 32, head_block=42, head_time=1_790_000_000, addresses={},
                    events=1, documents=1, not_checked=list(NOT_CHECKED))
    blacklisted = reason(Reason.BLACKLISTED, records=["r-1"])[0]
    words = said("eligibility.ineligible_as_recorded_why", bidder="0x" + "22" * 20, firm="F",
                 failures=[f"credit: {blacklisted}", "identity: a sentence no code says"])
    r.results.append(Result(words.family, words.name, Status.PASS, words.message, tender=TID, code=words.code,
                            args=words.args))
    content = json.dumps(r.as_json()).encode()
    zh = visible(post(http, content).text)
    assert "信用（黑名单）：截止时间时在黑名单中（r-1）；identity: a sentence no code says" in zh
    assert blacklisted not in zh
    assert "信用承诺书和担保机构的资料不在文件包中" in zh and NOT_CHECKED[2] not in zh
    en = visible(post(http, content, lang="en").text)
    assert f"credit: {blacklisted}; identity: a sentence no code says" in en and NOT_CHECKED[2] in en


def test_an_experts_address_shows_the_name_its_pool_card_gives(http: TestClient) -> None:
    """The report's `people` (from the pool cards it checked against their proposals) name an
    expert's address wherever a check's words show it; the report's names are escaped like the rest."""
    expert = "0x" + "ef" * 20
    r = AuditReport(chain_id=1337, genesis="0x" + "00" * 32, head_block=42, head_time=1_790_000_000,
                    addresses={}, events=1, documents=1)
    r.people = {expert: f"张三 (expert) {HOSTILE}"}
    r.results.append(Result("selection", "committee", Status.PASS, f"seat held by {expert}"))
    page = post(http, json.dumps(r.as_json()).encode(), lang="zh")
    assert page.status_code == 200, page.text
    assert f"seat held by {expert} （张三 (expert)" in visible(page.text)
    assert "<script>alert" not in page.text
    older = r.as_json()
    del older["people"]  # a report written before pool cards opens as before
    assert post(http, json.dumps(older).encode(), lang="zh").status_code == 200
