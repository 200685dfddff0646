"""The auditor's desk in Chinese words what a check found that is a reason the rules give (why a
bid's opening came to what it did; each check a bid failed) as the other pages word it, from the
code read back from its English; an English sentence no code says reads as it is, an English page
reads as the report says, and arguments that do not say the check's English read as the report's
English. What the report does not check and its evidence's notes read in Chinese too."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from api.portal.audit import CheckRow, ReportDoc, view, worded
from api.portal.pages import Page
from ledger.audit.checks import NOT_CHECKED
from ledger.audit.model import AuditReport, Evidence, Result, Status
from ledger.audit.words import Said, note, said
from ledger.rules.reasons import Reason
from ledger.rules.reasons import said as reason

BIDDER = "0x" + "22" * 20
CID = "0x" + "ab" * 32
ROOT = "0x" + "cd" * 32


def _page(lang: str) -> Page:
    page = object.__new__(Page)
    page.lang, page.zone, page.chosen = lang, ZoneInfo("Asia/Shanghai"), None
    return page


def row(words: Said, status: str = "fail", **args: Any) -> CheckRow:
    """The check `words` says as a report gives it, its arguments changed by `args`."""
    return CheckRow(family=words.family, name=words.name, status=status, message=words.message, code=words.code,
                    args={**words.args, **args})


FAILURES = [f"credit: {reason(Reason.BLACKLISTED, records=['黑名单记录 1'])[0]}",
            f"guarantee: {reason(Reason.GUARANTEE_STARTS_LATE, start=1_789_000_000, deadline=1_788_000_000)[0]}",
            f"credential {CID}: {reason(Reason.TICKED_TWICE)[0]}",
            "identity: a sentence no code says"]


def ineligible() -> Said:
    return said("eligibility.ineligible_as_recorded_why", bidder=BIDDER, firm="珠海市第一建设工程有限公司",
                failures=FAILURES)


def test_each_failed_check_a_reason_the_rules_give_reads_in_chinese() -> None:
    name, message = worded(_page("zh"), row(ineligible()))
    assert name == f"{BIDDER} 的投标"
    assert "信用（黑名单）：截止时间时在黑名单中（黑名单记录 1）" in message
    assert "投标保证金 / 信用承诺书：保函自 2026年9月10日 08:26（UTC+08:00）起生效，晚于投标截止时间 " \
           "2026年8月29日 18:40（UTC+08:00）" in message
    assert f"所勾选证照 {CID}：同一证照勾选了两次" in message  # the credential's id whole
    assert "black-listed" not in message and "the guarantee starts" not in message and "ticked twice" not in message
    # a sentence no code says reads as it is (`{error}` says any sentence: it is not read back as one)
    assert message.endswith("；identity: a sentence no code says）"), message
    assert "无法确认" not in message


def test_a_ticked_credential_that_failed_verification_reads_check_by_check_in_chinese() -> None:
    revoked = reason(Reason.VERIFY_REVOKED, at=1_800_000_000, ground="FRAUD", ground_code=1)[0]
    unproven = reason(Reason.VERIFY_STATUS_UNPROVEN)[0]
    detail = f"integrity: {reason(Reason.VERIFY_NOT_ROOT, credential_id=CID, root=ROOT)[0]}; status_at: {unproven}"
    failures = [f"credential {CID}: {reason(Reason.CREDENTIAL_NOT_VALID, failed=['status_at'], detail=f'status_at: {revoked}')[0]}",
                f"credential {ROOT}: {reason(Reason.CREDENTIAL_NOT_VALID, failed=['integrity', 'status_at'], detail=detail)[0]}"]
    words = said("eligibility.ineligible_as_recorded_why", bidder=BIDDER, firm="珠海市第一建设工程有限公司",
                 failures=failures)
    message = worded(_page("zh"), row(words))[1]
    assert f"所勾选证照 {CID}：截止时间时无效——状态（未撤销/未暂停）：2027年1月15日 16:00（UTC+08:00）时已吊销" in message
    assert f"所勾选证照 {ROOT}：截止时间时无效——内容完整性：" in message
    assert "not valid" not in message and "revoked at" not in message, message
    assert worded(_page("en"), row(words)) == (words.name, words.message)


def test_an_openings_reason_reads_in_chinese() -> None:
    malformed = reason(Reason.OPENING_MALFORMED, detail="bad length")[0]
    again = said("opening.rejected_again", bidder=BIDDER, reason=malformed)
    assert worded(_page("zh"), row(again))[1] == "撤销的重算结果相同：投标文件密文格式错误（bad length）"
    differs = said("opening.outcome_differs", bidder=BIDDER, recorded="FAILED_BIDDER", rerun="FAILED_OTHER",
                   reason=reason(Reason.OPENING_NOT_HELD)[0])
    assert "平台未保存投标人为本投标所承诺的密文" in worded(_page("zh"), row(differs))[1]
    unknown = said("opening.rejected_again", bidder=BIDDER, reason="the envelope was eaten")
    assert worded(_page("zh"), row(unknown))[1] == "撤销的重算结果相同：the envelope was eaten"


def test_an_english_page_reads_as_the_report_says() -> None:
    for words in (ineligible(), said("opening.rejected_again", bidder=BIDDER,
                                     reason=reason(Reason.OPENING_MALFORMED, detail="bad length")[0])):
        assert worded(_page("en"), row(words)) == (words.name, words.message)


def test_arguments_that_do_not_say_the_checks_english_read_as_the_reports_english() -> None:
    words = ineligible()
    edited = row(words, failures=[*FAILURES[:-1], "identity: another sentence"])
    assert worded(_page("zh"), edited) == (words.name, words.message)
    assert "black-listed at the deadline" in words.message


def report_of(*results: Result, not_checked: list[str]) -> ReportDoc:
    r = AuditReport(chain_id=1337, genesis="0x" + "00" * 32, head_block=42, head_time=1_790_000_000, addresses={},
                    events=1, documents=1, not_checked=not_checked)
    r.results.extend(results)
    return ReportDoc.model_validate(r.as_json())


def logged() -> Result:
    words = said("checkpoints.holds", index=3, size=10)
    return Result(words.family, words.name, Status.PASS, words.message, code=words.code, args=words.args,
                  evidence=(Evidence(tx="0x" + "ef" * 32, block=7, note=note("checkpoint", index=3, size=10, root=ROOT)),
                            Evidence(block=8, note="a note the audit never writes")))


def test_what_is_not_checked_and_the_evidences_notes_read_in_chinese() -> None:
    doc = report_of(logged(), not_checked=[*NOT_CHECKED, "something a later version adds"])
    zh = view(doc, _page("zh"))["report"]
    assert zh.not_checked[:2] == ["评定分离：回避的利害关系取自所备案的回避理由（其所列单位为投标企业），其背后的注册人员证照未经证明；不要求提供裁决全文",
                                  "开标时的保函核验取自交易中心的 VerificationRecorded 记录，未依据保函文件重新核验"]
    assert zh.not_checked[-1] == "something a later version adds" and len(zh.not_checked) == len(NOT_CHECKED) + 1
    assert [e.note for e in zh.checks[0].evidence] == [f"检查点 3：10 条记录，根 {ROOT}", "a note the audit never writes"]
    en = view(doc, _page("en"))["report"]
    assert en.not_checked == doc.not_checked and [e.note for e in en.checks[0].evidence] == \
        [e.note for e in doc.checks[0].evidence]
