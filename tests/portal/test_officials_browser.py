"""Officials in the portal, in Debian's headless Chromium: an issuer signs in with a pasted key, is
told in words what is wrong with a form, anchors a credential, revokes it (zh), imports a batch file
with a progress bar (en); a guarantor issues a guarantee applied for and rejects another (en), then
sees the list in zh; a guarantor issues a 密文 guarantee, refusing a tampered template or prepared
transaction first, which opens VERIFIED with the amount it reveals (zh). Screenshots in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from ledger.model.guarantee import IssuerType
from ledger.uscc import generate_uscc
from tests.portal.browsing import click, redrawn
from tests.portal.test_browser import body_text, browser, shot, site  # noqa: F401  (fixtures)
from tests.portal.world import World

pytestmark = pytest.mark.slow


def _sign_in(driver: object, wait: WebDriverWait, key: bytes) -> None:
    driver.find_element(By.ID, "private-key").send_keys("0x" + key.hex())  # type: ignore[attr-defined]
    driver.find_element(By.ID, "signin-submit").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "who")))


def _fill(driver: object, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = driver.find_element(By.ID, f"f-{name}")  # type: ignore[attr-defined]
        if field.tag_name == "select":
            Select(field).select_by_value(value)
        elif field.get_attribute("type") == "date":
            driver.execute_script("arguments[0].value = arguments[1]", field, value)  # type: ignore[attr-defined]
        else:
            field.clear()
            field.send_keys(value)


def test_an_issuer_anchors_revokes_and_imports_in_the_browser(
        site: tuple[str, World], browser: object, tmp_path: Path) -> None:  # noqa: F811
    base, world = site
    driver = browser
    # the list is redrawn after each step: a row read while it is replaced is read again
    wait = WebDriverWait(driver, 60, ignored_exceptions=(StaleElementReferenceException,))  # type: ignore[arg-type]
    firm = world.firms[2]

    driver.get(f"{base}/portal/issuer?lang=zh")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    # the sign-in loads the issuer's list: drawn before the anchoring below reloads it
    redrawn(driver, wait, "list", lambda: _sign_in(driver, wait, bytes(world.issuer.account.key)))
    assert "可签发：" in body_text(driver) and "获奖" in body_text(driver)
    Select(driver.find_element(By.ID, "kind")).select_by_value("AWARD")  # type: ignore[attr-defined]
    _fill(driver, {"subject": firm.uscc[:-1] + ("0" if firm.uscc[-1] != "0" else "1"), "award_name": "鲁班奖",
                   "issuing_body": "中国建筑业协会", "certificate_no": "LB-2026-042", "award_date": "2025-12-20"})
    driver.find_element(By.ID, "anchor-submit").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "anchor-verdict"), "请更正"))
    text = body_text(driver)
    assert "企业统一社会信用代码" in text and "统一社会信用代码无效" in text
    assert "invalid" in driver.find_element(By.ID, "field-subject").get_attribute("class")  # type: ignore[attr-defined]
    shot(driver, tmp_path, "i1-form-errors-zh")

    _fill(driver, {"subject": firm.uscc})
    # 已存证 is said before the list is loaded again: its first row is the new credential only once
    # the list is drawn again (a row read before is the last one anchored before, or replaced)
    redrawn(driver, wait, "list", lambda: click(driver, wait, "anchor-submit"))
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "anchor-verdict"), "已存证"))
    assert driver.find_element(By.ID, "holder-copy").is_displayed()  # type: ignore[attr-defined]
    row = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "table.issued tbody tr")))
    assert "LB-2026-042" in row.text and "有效" in row.text
    shot(driver, tmp_path, "i2-anchored-zh")

    Select(row.find_element(By.CSS_SELECTOR, "select.reason")).select_by_value("1")
    row.find_element(By.CSS_SELECTOR, "button.revoke").click()
    driver.switch_to.alert.accept()  # type: ignore[attr-defined]
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "change-status"), "已撤销"))
    wait.until(lambda d: "已撤销" in d.find_element(By.CSS_SELECTOR, "table.issued tbody tr").text)
    shot(driver, tmp_path, "i3-revoked-zh")

    # English, a batch file: three awards, with a progress bar
    rows = [{"subject": f.uscc, "validFrom": "2026-01-05T09:00", "issued_at": "2026-01-05T09:00",
             "award_name": "詹天佑奖", "level": "国家级", "issuing_body": "中国土木工程学会",
             "certificate_no": f"ZTY-{n}", "award_date": "2025-11-11"} for n, f in enumerate(world.firms)]
    batch = tmp_path / "awards.json"
    batch.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    driver.find_element(By.ID, "lang-switch").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    redrawn(driver, wait, "list", lambda: _sign_in(driver, wait, bytes(world.issuer.account.key)))
    Select(driver.find_element(By.ID, "kind")).select_by_value("AWARD")  # type: ignore[attr-defined]
    driver.find_element(By.ID, "import-file").send_keys(str(batch))  # type: ignore[attr-defined]
    driver.find_element(By.ID, "import-submit").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "import-verdict"), "Anchored 3 credentials"))
    bar = driver.find_element(By.ID, "import-progress")  # type: ignore[attr-defined]
    assert bar.get_attribute("value") == bar.get_attribute("max")
    wait.until(lambda d: "ZTY-" in d.find_element(By.CSS_SELECTOR, "table.issued tbody").text)
    shot(driver, tmp_path, "i4-imported-en")
    print(f"\nissuer screenshots: {tmp_path}")


def test_a_guarantor_issues_and_rejects_in_the_browser(
        site: tuple[str, World], browser: object, tmp_path: Path) -> None:  # noqa: F811
    base, world = site
    scene = world.scene
    driver = browser
    # the list is redrawn after each step: a row read while it is replaced is read again
    wait = WebDriverWait(driver, 60, ignored_exceptions=(StaleElementReferenceException,))  # type: ignore[arg-type]
    bank = scene.guarantor(IssuerType.BANK, profile={"name": "中国银行珠海分行", "uscc": generate_uscc(scene.rng),
                                                     "red_discount": "0.5"})
    tender = scene.tender(guarantee="200000.00")
    for firm in world.firms[:2]:
        path = f"/tenders/{tender.tid}/sections/0/guarantees/application-template"
        r = firm.actor.http.get(path, params={"issuer": bank.account.address},
                                headers=firm.actor.headers("GET", path, b""))
        assert r.status_code == 200, r.text
        r = firm.actor.post("/guarantees", {"application": r.json()["application"],
                                            "signed_tx": firm.actor.sign_tx(r.json()["tx"])})
        assert r.status_code == 201, r.text
    document = tmp_path / "guarantee.pdf"
    document.write_bytes(b"%PDF-1.7 guarantee BH-2026-7")

    driver.get(f"{base}/portal/guarantor?lang=en")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(bank.account.key))
    assert "中国银行珠海分行" in body_text(driver)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "table.guarantees button.issue")) == 2)
    text = body_text(driver)
    assert "200,000.00 元" in text and "Applied" in text
    applicants = driver.find_element(By.CSS_SELECTOR, "table.guarantees").text  # type: ignore[attr-defined]
    for firm in world.firms[:2]:  # each applicant by its firm's name, its USCC under it
        assert firm.identity is not None and str(firm.identity.document.firm_name) in applicants
        assert firm.uscc in applicants
    shot(driver, tmp_path, "g1-applications-en")

    driver.find_elements(By.CSS_SELECTOR, "table.guarantees button.issue")[0].click()  # type: ignore[attr-defined]
    driver.find_element(By.ID, "g-number").send_keys("BH-2026-7")  # type: ignore[attr-defined]
    driver.find_element(By.ID, "g-document").send_keys(str(document))  # type: ignore[attr-defined]
    driver.find_element(By.ID, "g-issue").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "action-status"), "Guarantee issued"))
    assert "Fee 600.00 元" in body_text(driver)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "table.guarantees button.issue")) == 1)
    shot(driver, tmp_path, "g2-issued-en")

    driver.find_element(By.CSS_SELECTOR, "table.guarantees button.reject").click()  # type: ignore[attr-defined]
    driver.find_element(By.ID, "g-reason").send_keys("申请人资信审核未通过")  # type: ignore[attr-defined]
    driver.find_element(By.ID, "g-reject").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "action-status"), "Application rejected"))
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "table.guarantees button.issue"))

    driver.find_element(By.ID, "lang-switch").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(bank.account.key))
    wait.until(lambda d: "已拒绝" in d.find_element(By.ID, "applications").text)
    text = body_text(driver)
    assert "已开具" in text and "200,000.00 元" in text
    shot(driver, tmp_path, "g3-decided-zh")
    print(f"\nguarantor screenshots: {tmp_path}")


# Wraps the page's fetch: keeps what the desk posts to …/issue (window.__posted) and, while
# window.__tamper is set, lets it change the service's answers (the issue template, the prepared tx).
WATCH = """
  if (!window.__realFetch) window.__realFetch = window.fetch;
  window.__posted = [];
  window.__tamper = arguments[0];
  window.fetch = async (url, init) => {
    const path = String(url);
    if (path.endsWith('/issue') && init && init.body) window.__posted.push(new TextDecoder().decode(init.body));
    const response = await window.__realFetch(url, init);
    const how = window.__tamper;
    if (!how || !response.ok) return response;
    const body = await response.clone().json();
    if (how === 'key' && path.includes('/issue-template')) body.sealing.opening_public_key = '0x' + '42'.repeat(32);
    else if (how === 'commitment' && path.startsWith('/guarantees/tx/prepare')) {
      const d = body.tx.data;  // selector, the id, then the IssueTerms words: termsCommitment is the 8th
      body.tx.data = d.slice(0, 10 + 64 * 8) + '77'.repeat(32) + d.slice(10 + 64 * 9);
    } else return response;
    return new Response(JSON.stringify(body), {status: 200, headers: {'content-type': 'application/json'}});
  };"""


def test_a_guarantor_issues_a_sealed_guarantee_that_opens_verified_and_refuses_tampered_terms(
        site: tuple[str, World], browser: object, tmp_path: Path) -> None:  # noqa: F811
    """密文 through the desk: the terms sealed in the browser to the tender's opening key, only their
    keccak on chain; a template with another opening key, or a prepared transaction with another
    commitment, is refused before anything is signed; at opening the sealed terms open and the
    guarantee is VERIFIED with the amount they reveal. (Runs last in this module: it moves the clock
    past the tender's deadline.)"""
    import base64

    from api.db.guarantees import SqlGuaranteeFiles
    from ledger.crypto.guarantee import terms_commitment

    base, world = site
    scene = world.scene
    driver = browser
    wait = WebDriverWait(driver, 60, ignored_exceptions=(StaleElementReferenceException,))  # type: ignore[arg-type]
    bank = scene.guarantor(IssuerType.BANK, profile={"name": "中国建设银行珠海分行", "uscc": generate_uscc(scene.rng),
                                                     "red_discount": "0"})
    tender = scene.tender(guarantee="150000.00")
    firm = world.firms[2]
    path = f"/tenders/{tender.tid}/sections/0/guarantees/application-template"
    r = firm.actor.http.get(path, params={"issuer": bank.account.address}, headers=firm.actor.headers("GET", path, b""))
    assert r.status_code == 200, r.text
    r = firm.actor.post("/guarantees", {"application": r.json()["application"],
                                        "signed_tx": firm.actor.sign_tx(r.json()["tx"])})
    assert r.status_code == 201, r.text
    gid = str(r.json()["guarantee_id"])
    book = scene.rt.guarantee_book
    document = tmp_path / "密文保函.pdf"
    document.write_bytes(b"%PDF-1.7 sealed guarantee JH-2026-11")

    def view() -> dict[str, object]:
        r = scene.get(bank, f"/guarantees/{gid}")
        assert r.status_code == 200, r.text
        return dict(r.json())

    def issue(tamper: str | None, expect: str) -> None:
        driver.execute_script(WATCH, tamper)  # type: ignore[attr-defined]
        click(driver, wait, "g-issue")  # once enabled again (a refusal re-enables it), found anew
        wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "action-status"), expect))

    driver.get(f"{base}/portal/guarantor?lang=zh")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(bank.account.key))
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "table.guarantees button.issue")) == 1)
    driver.find_element(By.CSS_SELECTOR, "table.guarantees button.issue").click()  # type: ignore[attr-defined]
    assert driver.find_element(By.ID, "g-form-plaintext").is_selected()  # type: ignore[attr-defined]
    driver.find_element(By.ID, "g-form-sealed").click()  # type: ignore[attr-defined]
    driver.find_element(By.ID, "g-number").send_keys("JH-2026-11")  # type: ignore[attr-defined]
    driver.find_element(By.ID, "g-document").send_keys(str(document))  # type: ignore[attr-defined]
    shot(driver, tmp_path, "s1-sealed-form-zh")

    before = scene.rt.client.block_number()
    issue("key", "不是本项目公布的")  # the template names another opening key: nothing sealed, nothing signed
    shot(driver, tmp_path, "s2-other-opening-key-refused-zh")
    issue("commitment", "拒绝签名")  # the prepared transaction commits to other sealed terms
    assert "调用数据不是所请求的调用" in body_text(driver)
    shot(driver, tmp_path, "s2-other-commitment-refused-zh")
    assert driver.execute_script("return window.__posted") == []  # type: ignore[attr-defined]
    assert scene.rt.client.block_number() == before and view()["state"] == "APPLIED"

    issue(None, "已开具密文保函")
    posted = json.loads(driver.execute_script("return window.__posted")[0])  # type: ignore[attr-defined]
    assert set(posted) == {"sealed_terms_b64", "signed_tx"}
    envelope = base64.b64decode(posted["sealed_terms_b64"])
    chain = book.known_guarantee(bytes.fromhex(gid[2:]))
    assert chain.terms_commitment == terms_commitment(envelope)  # the on-chain commitment is the posted terms'
    assert SqlGuaranteeFiles(scene.store).sealed_terms(bytes.fromhex(gid[2:])) == envelope
    issued = view()
    assert (issued["state"], issued["form"], issued["sealed"], issued["amount_fen"], issued["terms"]) == (
        "ISSUED", "SEALED", True, 0, None)
    assert "0x" + chain.terms_commitment.hex() in body_text(driver)
    row = wait.until(lambda d: next((r for r in d.find_elements(By.CSS_SELECTOR, "table.guarantees tbody tr[data-id]")
                                     if "已开具" in r.text), None))
    assert "密文" in row.text and "金额开标时揭示" in row.text and "0.00 元" not in row.text
    shot(driver, tmp_path, "s3-sealed-issued-zh")

    # the firm binds it to its bid; past the deadline the officers release their shares and the
    # centre's check opens the sealed terms with the rebuilt key
    bind = firm.actor.post(f"/tenders/{tender.tid}/sections/0/guarantees/bind",
                           {"signed_tx": scene.guarantee_tx(firm.actor, "bind", gid)})
    assert bind.status_code == 200, bind.text
    assert scene.bid(firm, tender, 0, credentials=[]).status_code == 201
    scene.after_deadline(tender)
    scene.release(tender)
    r = scene.centre.post(f"/tenders/{tender.tid}/sections/0/guarantees/verify", {})
    assert r.status_code == 200, r.text
    assert [c["status"] for c in r.json()["checks"]] == ["VALID"], r.text
    opened = view()
    assert (opened["state"], opened["sealed"], opened["amount_fen"]) == ("VERIFIED", False, 150_000_00)
    terms = opened["terms"]
    assert isinstance(terms, dict) and (terms["guarantee_no"], terms["amount_fen"]) == ("JH-2026-11", 150_000_00)
    assert opened["verification"]["status"] == "VALID"  # type: ignore[index]

    driver.find_element(By.ID, "refresh").click()  # type: ignore[attr-defined]
    row = wait.until(lambda d: next((r for r in d.find_elements(By.CSS_SELECTOR, "table.guarantees tbody tr[data-id]")
                                     if "开标已核验" in r.text), None))
    assert "密文，开标时已揭示" in row.text and "150,000.00 元" in row.text
    shot(driver, tmp_path, "s4-sealed-verified-zh")
    print(f"\nsealed guarantee screenshots: {tmp_path}")
