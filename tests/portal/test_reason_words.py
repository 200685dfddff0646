"""The reasons of a credential's verification and of a bid's opening, in the page's language: the
verify page and the tender page word them from their codes (ledger/rules/reasons.py) in Chinese, and
in English as the ledger says them."""

from __future__ import annotations

import base64
import html
import json
import os
import re
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from api.portal import format as fmt
from api.portal.pages import Page, check_reason, opening_reason
from ledger.documents import Kind, SealedCredential
from ledger.rules.reasons import SENTENCES, Reason, coded, said
from ledger.rules.verify import Check, CheckStatus
from tests.scenes import KINDS, Actor, Firm, Scene, Tender


def visible(page: str) -> str:
    """The text a reader sees (tags dropped, whitespace squeezed)."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def shown(sentence: str) -> str:
    """An English reason as a page shows it (hashes shortened)."""
    return visible(str(fmt.prose(sentence)))


def _page(lang: str) -> Page:
    page = object.__new__(Page)
    page.lang, page.zone, page.chosen = lang, ZoneInfo("Asia/Shanghai"), None
    return page


class Stage:
    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.issuer: Actor = scene.issuer(*KINDS, Kind.AWARD)
        self.firms: list[Firm] = [scene.firm(self.issuer) for _ in range(4)]
        self.careless = self.firms[3]
        # a section opened and evaluated, one of its bids sealed to another key than the tender's
        self.tender: Tender = scene.tender(title="珠海市金湾区道路照明改造工程", guarantee="0")
        for i, firm in enumerate(self.firms):
            r = scene.bid(firm, self.tender, price=f"{9_860_000 + 100_000 * i}.00",
                          sealed_to=os.urandom(32) if firm is self.careless else None)
            assert r.status_code == 201, r.text
        scene.after_deadline(self.tender)
        scene.release(self.tender)
        opened = scene.open(self.tender, 0)
        assert opened.status_code == 200, opened.text
        self.opening = {b["bidder"]: b for b in opened.json()["bids"]}
        r = scene.centre.post(f"/tenders/{self.tender.tid}/sections/0/evaluation",
                              {"report_b64": base64.b64encode(b"%PDF evaluation report").decode()})
        assert r.status_code == 200, r.text

    def sealed(self) -> SealedCredential:
        """A sealed award credential of firms[0], anchored now."""
        sealed = SealedCredential.seal(self.scene.document(self.firms[0], Kind.AWARD, issuer=self.issuer))
        r = self.issuer.anchor([sealed])
        assert r.status_code == 201, r.text
        return sealed

    def verify_page(self, document: dict[str, Any], lang: str, **form: str) -> str:
        self.scene.http.cookies.clear()
        params = {"lang": lang} if lang != "zh" else {}
        r = self.scene.http.post("/portal/verify", data={"document": json.dumps(document, ensure_ascii=False), **form},
                                 params=params)
        assert r.status_code == 200, r.text
        return visible(r.text)

    def reasons(self, document: dict[str, Any], **body: Any) -> list[dict[str, Any]]:
        """The checks of POST /verify for `document`."""
        r = self.scene.http.post("/verify", json={"document": document, **body})
        assert r.status_code == 200, r.text
        return list(r.json()["checks"])


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    with Scene.served(tmp_path_factory.mktemp("reasons"), seed=43) as scene:
        yield Stage(scene)


def test_a_valid_credentials_reasons_are_chinese_on_the_chinese_verify_page(stage: Stage) -> None:
    sealed = stage.sealed().to_dict()
    uscc = stage.firms[0].uscc
    checks = stage.reasons(sealed, expected_subject=uscc)
    assert all(c["status"] == "VALID" and c["code"].startswith("verify_") for c in checks), checks
    zh = stage.verify_page(sealed, "zh", subject=uscc)
    assert "核验通过" in zh
    for c in checks:
        assert shown(c["reason"]) not in zh, c["reason"]  # no English sentence left on the Chinese page
    assert "即单证照批次的根" in zh and "在链上锚定" in zh and "的签发资格" in zh
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d（UTC\+08:00）时有效", zh)
    assert f"证照属于 {uscc}" in zh and "在有效期" in zh
    en = stage.verify_page(sealed, "en", subject=uscc)
    for c in checks:
        if c["name"] in ("integrity", "issuer_authorised", "subject"):  # no time in them: the very sentence
            assert shown(c["reason"]) in en, c["reason"]
    assert "valid at " in en and "root anchored by " in en


def test_a_revoked_credentials_reasons_are_chinese_on_the_chinese_verify_page(stage: Stage) -> None:
    sealed = stage.sealed()
    cid = "0x" + sealed.credential_id().hex()
    summary = stage.scene.http.get(f"/credentials/{cid}").json()
    tx = stage.issuer.prepare("revoke", summary["root"], cid, summary["proof"], 2)
    r = stage.issuer.post(f"/credentials/{cid}/revoke", {"signed_tx": tx})
    assert r.status_code == 200, r.text
    checks = stage.reasons(sealed.to_dict())
    status = next(c for c in checks if c["name"] == "status_at")
    assert status["code"] == "verify_revoked" and status["reason"].startswith("revoked at ")
    zh = stage.verify_page(sealed.to_dict(), "zh")
    assert "核验未通过" in zh and "时已吊销（原因：弄虚作假，代码 2）" in zh
    assert "未指定应持有的企业" in zh
    for c in checks:
        assert shown(c["reason"]) not in zh, c["reason"]
    en = stage.verify_page(sealed.to_dict(), "en")
    assert "(reason FRAUD, code 2)" in en and "no expected subject given" in en


def test_a_tampered_credentials_reasons_are_chinese_on_the_chinese_verify_page(stage: Stage) -> None:
    sealed = stage.sealed().to_dict()
    sealed["document"]["award_name"] = "鲁班奖（伪造）"
    checks = stage.reasons(sealed)
    anchoring = next(c for c in checks if c["name"] == "anchoring")  # its fields hash to an id never anchored
    assert anchoring["status"] == "INVALID" and anchoring["code"] == "verify_never_anchored"
    zh = stage.verify_page(sealed, "zh")
    assert "核验未通过" in zh and "未知证照：根" in zh and "从未在链上锚定" in zh
    assert "根未在链上锚定，无签发机构" in zh and "根未在链上锚定（见“链上存证”）" in zh
    for c in checks:
        assert shown(c["reason"]) not in zh, c["reason"]
    en = stage.verify_page(sealed, "en")
    assert shown(anchoring["reason"]) in en and "the root is not anchored: no issuer" in en


def test_a_bid_sealed_to_another_key_fails_its_opening_in_the_pages_language(stage: Stage) -> None:
    careless = stage.opening[stage.careless.actor.account.address]
    assert careless["outcome"] == "FAILED_BIDDER"
    assert careless["reason"] == SENTENCES[Reason.OPENING_WRONG_KEY]
    stage.scene.http.cookies.clear()
    zh = visible(stage.scene.http.get(f"/portal/tenders/{stage.tender.tid}").text)
    assert "投标文件无法用本项目的开标密钥解密：密文被篡改" in zh
    assert shown(careless["reason"]) not in zh
    stage.scene.http.cookies.clear()
    en = visible(stage.scene.http.get(f"/portal/tenders/{stage.tender.tid}", params={"lang": "en"}).text)
    assert shown(careless["reason"]) in en


def test_an_opening_reason_is_worded_from_the_code_read_back_from_its_sentence() -> None:
    zh, en = _page("zh"), _page("en")
    digest = "0x" + "ab" * 32
    text = said(Reason.OPENING_NOT_REBUILT, ciphertext_hash=digest)[0]
    assert opening_reason(zh, text) == f"平台未保存投标人为本投标所承诺的密文：所存密文（keccak {digest}）与证照集承诺不能还原投标人的链上承诺"
    assert opening_reason(en, text) == text
    assert opening_reason(zh, "decrypted; matches the commitment") == "已解密，与投标人的承诺一致"
    assert opening_reason(zh, "a reason no code says") == "a reason no code says"


def test_a_verification_checks_reason_is_worded_from_its_code() -> None:
    zh, en = _page("zh"), _page("en")
    problems = [coded(Reason.VERIFY_KIND_WRONG, document_kind="PERSONNEL", kind="QUALIFICATION"),
                coded(Reason.VERIFY_ISSUER_HIDDEN)]
    mismatch = Check("issuer_authorised", CheckStatus.INVALID, *said(Reason.VERIFY_ISSUER_MISMATCH, problems=problems))
    assert check_reason(zh, mismatch) == \
        "文件为注册人员证照，但该根锚定的是资质证照；文件的签发机构未披露，无法与锚定该根的签发机构核对"
    assert check_reason(en, mismatch) == mismatch.reason
    expired = Check("validity_window", CheckStatus.INVALID,
                    *said(Reason.VERIFY_EXPIRED, at=1_800_000_000, valid_until="2026-01-01T00:00:00+08:00"))
    assert check_reason(zh, expired) == "2027年1月15日 16:00（UTC+08:00）时已过有效期：失效时间为 2026年1月1日 00:00（UTC+08:00）"
    hidden = Check("validity_window", CheckStatus.INVALID, *said(Reason.VERIFY_VALIDITY_HIDDEN, field="validUntil"))
    assert check_reason(zh, hidden) == "文件的失效时间未披露，无法核对核验时点是否在有效期内"
    assert check_reason(en, hidden) == hidden.reason
    # arguments changed after the sentence was made: the sentence as the ledger said it
    forged = Check(expired.name, expired.status, expired.reason,
                   {**expired.details, "args": {**expired.details["args"], "at": 1_900_000_000}})
    assert check_reason(zh, forged) == expired.reason
