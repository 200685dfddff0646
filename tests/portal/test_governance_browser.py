"""The governance members' desk in Debian's headless Chromium: a member signs in with its own key,
proposes registering an expert named on a pool card, two more members approve at their own desks
and the third approval executes it; the expert pool then lists the expert by that name. A key that
is no member is refused in words; a member takes back an approval and cancels its own proposal.
Screenshots in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_account import Account
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.portal.browsing import by as _by, click, until as _until
from tests.portal.test_accessibility import axe_violations, describe
from tests.portal.test_browser import body_text, browser, shot, site  # noqa: F401  (fixtures)
from tests.portal.world import World

pytestmark = pytest.mark.slow


def _sign_in(driver: object, wait: WebDriverWait, key: bytes) -> None:
    driver.find_element(By.ID, "private-key").send_keys("0x" + key.hex())  # type: ignore[attr-defined]
    driver.find_element(By.ID, "signin-submit").click()  # type: ignore[attr-defined]


def _desk(driver: object, wait: WebDriverWait, base: str, key: bytes, lang: str = "zh") -> None:
    driver.get(f"{base}/portal/governance?lang={lang}")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, key)
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "who")))
    wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "#proposals table, #proposals p")))


def _row(driver: object, text: str) -> object:
    rows = [r for r in driver.find_elements(By.CSS_SELECTOR, "tr[data-proposal]")  # type: ignore[attr-defined]
            if text in r.text]
    assert rows, text
    return rows[0]


def test_members_register_an_expert_by_name_at_their_desks(
        site: tuple[str, World], browser: object, tmp_path: Path) -> None:  # noqa: F811
    base, world = site
    scene, driver = world.scene, browser
    wait = WebDriverWait(driver, 60)  # type: ignore[arg-type]
    members = scene.members

    # a key that is no member of the governance is refused in words
    driver.get(f"{base}/portal/governance?lang=zh")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(Account.create().key))
    _until(driver, wait, "signin-status", "此密钥不是治理成员", tmp_path)

    # the first member proposes: the expert, its speciality and its name on a pool card
    _desk(driver, wait, base, bytes(members[0].account.key))
    assert "已登录：市住房和城乡建设局" in _by(driver, "who").text  # type: ignore[attr-defined]
    expert = Account.create().address
    Select(_by(driver, "action")).select_by_value("registerExpert")
    _by(driver, "address").send_keys(expert)  # type: ignore[attr-defined]
    _by(driver, "speciality").send_keys("房屋建筑")  # type: ignore[attr-defined]
    _by(driver, "person-name").send_keys("王建国")  # type: ignore[attr-defined]
    _by(driver, "organisation").send_keys("市建筑设计研究院")  # type: ignore[attr-defined]
    click(driver, wait, "propose-submit")
    _until(driver, wait, "propose-status", "已提出", tmp_path)
    row = _row(driver, expert)
    assert "专家入库" in row.text and "房屋建筑" in row.text and "名片：王建国（市建筑设计研究院）" in row.text  # type: ignore[attr-defined]
    assert "待批准" in row.text and "1 / 3" in row.text  # type: ignore[attr-defined]
    shot(driver, tmp_path, "governance-proposed-zh")
    violations = axe_violations(driver)
    assert not violations, describe(violations)

    # the second member approves, takes the approval back and approves again; the third executes it
    _by(driver, "signout").click()  # type: ignore[attr-defined]
    _desk(driver, wait, base, bytes(members[1].account.key))
    _row(driver, expert).find_element(By.CSS_SELECTOR, "button[data-function=approve]").click()  # type: ignore[attr-defined]
    _until(driver, wait, "action-status", "已批准", tmp_path)
    _row(driver, expert).find_element(By.CSS_SELECTOR, "button[data-function=revokeApproval]").click()  # type: ignore[attr-defined]
    _until(driver, wait, "action-status", "已撤回批准", tmp_path)
    assert "1 / 3" in _row(driver, expert).text  # type: ignore[attr-defined]
    _row(driver, expert).find_element(By.CSS_SELECTOR, "button[data-function=approve]").click()  # type: ignore[attr-defined]
    _until(driver, wait, "action-status", "已批准", tmp_path)
    _by(driver, "signout").click()  # type: ignore[attr-defined]
    _desk(driver, wait, base, bytes(members[2].account.key), lang="en")
    _row(driver, expert).find_element(By.CSS_SELECTOR, "button[data-function=approve]").click()  # type: ignore[attr-defined]
    _until(driver, wait, "action-status", "executed", tmp_path)
    assert "Executed" in _row(driver, expert).text  # type: ignore[attr-defined]
    shot(driver, tmp_path, "governance-executed-en")
    entries = scene.http.get("/selection/experts").json()["entries"]
    assert {"address": expert, "speciality": "房屋建筑", "name": "王建国", "organisation": "市建筑设计研究院"} in entries

    # a proposal its proposer cancels; bad input is said in words before anything is sent
    Select(_by(driver, "action")).select_by_value("authoriseCentre")
    _by(driver, "address").clear()  # type: ignore[attr-defined]
    _by(driver, "address").send_keys("0x1234")  # type: ignore[attr-defined]
    click(driver, wait, "propose-submit")
    _until(driver, wait, "propose-status", "valid address", tmp_path)
    centre = Account.create().address
    _by(driver, "address").clear()  # type: ignore[attr-defined]
    _by(driver, "address").send_keys(centre)  # type: ignore[attr-defined]
    click(driver, wait, "propose-submit")
    _until(driver, wait, "propose-status", "Proposed", tmp_path)
    _row(driver, centre).find_element(By.CSS_SELECTOR, "button[data-function=cancel]").click()  # type: ignore[attr-defined]
    _until(driver, wait, "action-status", "cancelled", tmp_path)
    assert "Cancelled" in _row(driver, centre).text  # type: ignore[attr-defined]
    assert "Traceback" not in body_text(driver)
