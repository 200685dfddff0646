"""A bidder in the portal, in Debian's headless Chromium: the firm opens its keystore in the browser
(a wrong password first), sees its credentials with their status at the deadline, ticks them, seals
and submits a bid signed in the browser, sees it on the ledger, is shown a tampered prepared
transaction and the page refuses to sign it, then withdraws the bid. Screenshots in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from bidders import keystore
from ledger.documents import Kind
from tests.portal.test_browser import body_text, browser, shot, site  # noqa: F401  (fixtures)
from tests.portal.world import World

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"


def _keystore(tmp_path: Path, world: World) -> Path:
    firm = world.firms[1]
    path = tmp_path / "firm-keystore.json"
    keystore.import_keystore(path, bytes(firm.account.key).hex(), PASSWORD, firm.uscc, "测试建设有限公司",
                             scrypt_n=2**12)
    return path


def test_a_bidder_signs_in_ticks_seals_submits_refuses_a_tampered_tx_and_withdraws_in_the_browser(
        site: tuple[str, World], browser: object, tmp_path: Path) -> None:  # noqa: F811
    base, world = site
    driver = browser
    wait = WebDriverWait(driver, 60)  # type: ignore[arg-type]
    tender = world.open.tid
    path = _keystore(tmp_path, world)

    driver.get(f"{base}/portal/tenders/{tender}?lang=zh")  # type: ignore[attr-defined]
    driver.find_element(By.CLASS_NAME, "bid-link").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    assert "密钥只在本浏览器中解密和使用" in body_text(driver)

    # A wrong password: refused in the page, nothing signed in.
    driver.find_element(By.ID, "keystore").send_keys(str(path))  # type: ignore[attr-defined]
    driver.find_element(By.ID, "password").send_keys("not the password")  # type: ignore[attr-defined]
    driver.find_element(By.ID, "signin-submit").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "signin-status"), "密码错误"))
    shot(driver, tmp_path, "b1-wrong-password")

    # A pasted key that is not a key.
    driver.find_element(By.ID, "keystore").clear()  # type: ignore[attr-defined]
    driver.find_element(By.ID, "private-key").send_keys("0x1234")  # type: ignore[attr-defined]
    driver.find_element(By.ID, "signin-submit").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "signin-status"), "私钥无效"))

    driver.find_element(By.ID, "private-key").clear()  # type: ignore[attr-defined]
    driver.find_element(By.ID, "keystore").send_keys(str(path))  # type: ignore[attr-defined]
    driver.find_element(By.ID, "password").clear()  # type: ignore[attr-defined]
    driver.find_element(By.ID, "password").send_keys(PASSWORD)  # type: ignore[attr-defined]
    driver.find_element(By.ID, "signin-submit").click()  # type: ignore[attr-defined]
    wait.until(lambda d: d.find_element(By.ID, "who").is_displayed() or "：" in d.find_element(By.ID, "signin-status").text)
    assert driver.find_element(By.ID, "who").is_displayed(), body_text(driver)  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "preview-verdict")))
    text = body_text(driver)
    assert world.firms[1].uscc in text and world.firms[1].address in text
    assert "资质" in text and "注册人员" in text and "截止时状态" in text
    assert "开标时应判为合格" in text, text
    # the identity credential is not among the ticks (the firm key names the bidder at opening), and says so
    ids = world.firms[1].ids
    assert not driver.find_elements(By.ID, f"tick-{ids[Kind.IDENTITY]}")  # type: ignore[attr-defined]
    assert driver.find_elements(By.ID, f"tick-{ids[Kind.QUALIFICATION]}")  # type: ignore[attr-defined]
    assert "营业执照无需勾选" in driver.find_element(By.ID, "identity-note").text  # type: ignore[attr-defined]
    heads = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#identity-note + table thead th")]  # type: ignore[attr-defined]
    assert heads[0] == "是否勾选" and "勾选" not in heads[1:]  # its rows have no box to tick
    shot(driver, tmp_path, "b2-signed-in")

    # Unticking the personnel credential: the preview says the section's personnel requirement fails.
    personnel = world.firms[1].ids
    box = driver.find_element(By.ID, f"tick-{personnel[Kind.PERSONNEL]}")  # type: ignore[attr-defined]
    box.click()
    # the preview named 人员要求 before the untick too: wait for the new verdict, not for that word
    wait.until(lambda d: "开标时将判为不合格" in body_text(d))
    assert "人员要求" in driver.find_element(By.ID, "preview").text  # type: ignore[attr-defined]
    shot(driver, tmp_path, "b3-unticked")
    box.click()
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "preview-verdict"), "合格"))

    document = tmp_path / "投标文件.pdf"
    document.write_bytes(b"%PDF bid document")
    driver.find_element(By.ID, "price").send_keys("11250000.50")  # type: ignore[attr-defined]
    driver.find_element(By.ID, "files").send_keys(str(document))  # type: ignore[attr-defined]
    driver.find_element(By.ID, "bid-submit").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "bid-status"), "投标已提交"))
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "mine-state"), "有效投标"))
    shot(driver, tmp_path, "b4-submitted")

    # The server (or anyone between) hands back a prepared transaction to another contract: the
    # page shows it and refuses to sign.
    driver.execute_script("""  
      const real = window.fetch;
      window.fetch = async (url, init) => {
        const response = await real(url, init);
        if (!String(url).startsWith('/tx/prepare')) return response;
        const body = await response.json();
        body.tx.to = '0x000000000000000000000000000000000000dEaD';
        return new Response(JSON.stringify(body), {status: 200, headers: {'content-type': 'application/json'}});
      };""")  # type: ignore[attr-defined]
    driver.find_element(By.ID, "withdraw-tx").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "tx-problems"), "拒绝签名"))
    assert "0x000000000000000000000000000000000000dEaD" in body_text(driver)
    assert not driver.find_element(By.ID, "tx-sign").is_enabled()  # type: ignore[attr-defined]
    shot(driver, tmp_path, "b5-tampered-tx")
    driver.find_element(By.ID, "tx-cancel").click()  # type: ignore[attr-defined]
    assert "有效投标" in driver.find_element(By.ID, "mine-state").text  # type: ignore[attr-defined]

    driver.find_element(By.ID, "withdraw").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "mine-status"), "投标已撤回"))
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "mine-state"), "没有您的有效投标"))
    shot(driver, tmp_path, "b6-withdrawn")

    driver.find_element(By.ID, "lang-switch").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "signin"), "Sign in"))
    assert "never sent to the server" in body_text(driver)
    driver.find_element(By.ID, "keystore").send_keys(str(path))  # type: ignore[attr-defined]
    driver.find_element(By.ID, "password").send_keys(PASSWORD)  # type: ignore[attr-defined]
    driver.find_element(By.ID, "signin-submit").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "preview-verdict")))
    heads = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#identity-note + table thead th")]  # type: ignore[attr-defined]
    assert heads[0] == "Ticked?" and "Tick" not in heads[1:]
    shot(driver, tmp_path, "b7-signed-in-en")
    print(f"\nbidding screenshots: {tmp_path} ({json.dumps(sorted(p.name for p in tmp_path.glob('*.png')))})")
