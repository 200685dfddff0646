"""The trading centre's desk in Debian's headless Chromium: the centre is told in words what is wrong
with a form, loads a params.json, publishes a tender whose opening key is made, split and sealed to
three officers in the browser (zh); after the deadline two officers each release their own share
from the file handed to them, the centre opens the section (en); the opening record of an evaluated
section printed (print media). The sealed shares the browser made are opened here with the ledger's
own code, so the two implementations of the format agree. An auditor opens a report file (zh, en).
Screenshots in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pytest
from eth_account import Account
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ledger.crypto.officer_box import OfficerKey, SealedShare, open_share
from ledger.crypto.shares import share_hash
from tests.portal.browsing import by as _by, click, redrawn, until as _until
from tests.portal.test_browser import body_text, browser, shot, site  # noqa: F401  (fixtures)
from tests.portal.world import World
from tests.scenes import tender_params

pytestmark = pytest.mark.slow


def _sign_in(driver: object, wait: WebDriverWait, key: bytes) -> None:
    driver.find_element(By.ID, "private-key").send_keys("0x" + key.hex())  # type: ignore[attr-defined]
    driver.find_element(By.ID, "signin-submit").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "who")))


def _sign_out(driver: object) -> None:
    driver.find_element(By.ID, "signout").click()  # type: ignore[attr-defined]


def test_a_centre_publishes_and_officers_release_their_shares_in_the_browser(
        site: tuple[str, World], browser: object, tmp_path: Path) -> None:  # noqa: F811
    base, world = site
    scene, driver = world.scene, browser
    wait = WebDriverWait(driver, 60)  # type: ignore[arg-type]
    officers = [scene.account() for _ in range(3)]

    driver.get(f"{base}/portal/centre?lang=zh")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(scene.centre.account.key))
    # the empty form: each field said wrong in words, at the field
    _by(driver, "p-bid_validity_days").clear()  # type: ignore[attr-defined]
    _by(driver, "p-bid_validity_days").send_keys("7")  # type: ignore[attr-defined]
    click(driver, wait, "check-params")
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "form-errors"), "参数有误"))
    text = body_text(driver)
    assert "项目名称：必填" in text and "投标有效期（天）：不得小于 30" in text
    assert "invalid" in _by(driver, "p-bid_validity_days").find_element(By.XPATH, "..").get_attribute("class")  # type: ignore[attr-defined]
    shot(driver, tmp_path, "centre-form-errors-zh")

    now = scene.rt.client.block_timestamp()
    from datetime import UTC, datetime, timedelta
    deadline = (datetime.fromtimestamp(now, UTC) + timedelta(days=21)).isoformat()
    params = tender_params(project_code="E4404-BROWSER-1", title="珠海市金湾区道路照明工程", deadline=deadline, guarantee="0")
    (tmp_path / "params.json").write_text(json.dumps(params, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "tender.pdf").write_bytes(b"%PDF tender documents")
    _by(driver, "params-file").send_keys(str(tmp_path / "params.json"))  # type: ignore[attr-defined]
    wait.until(lambda d: _by(d, "p-title").get_attribute("value") == "珠海市金湾区道路照明工程")  # type: ignore[attr-defined]
    _by(driver, "officer-keys").send_keys("\n".join(  # type: ignore[attr-defined]
        OfficerKey.of_private(bytes(o.key)).to_hex() for o in officers))
    _by(driver, "threshold").clear()  # type: ignore[attr-defined]
    _by(driver, "threshold").send_keys("2")  # type: ignore[attr-defined]
    _by(driver, "document").send_keys(str(tmp_path / "tender.pdf"))  # type: ignore[attr-defined]
    click(driver, wait, "publish-submit")
    _until(driver, wait, "publish-status", "已发布", tmp_path)
    shot(driver, tmp_path, "centre-published-zh")
    links = driver.find_elements(By.CSS_SELECTOR, "a.share-link")  # type: ignore[attr-defined]
    sealed = [SealedShare.from_json(unquote(a.get_attribute("href").split(",", 1)[1])) for a in links]
    assert [s.officer for s in sealed] == [o.address for o in officers]
    view = scene.http.get(f"/tenders/{sealed[0].tender_id.hex().join(['0x', ''])}").json()
    assert view["threshold"] == 2 and view["officers"] == [o.address for o in officers]
    for s, o in zip(sealed, officers, strict=True):  # each opens with its officer's key, to the hash on chain
        assert "0x" + share_hash(open_share(s, bytes(o.key))).hex() == view["share_hashes"][s.index - 1]
    # the wrong officer's key does not open a share
    assert Account.create()  # (a stranger's key is refused in the browser below)

    scene.rt.client.increase_time(22 * 86_400)
    files = []
    for s in sealed:
        files.append(tmp_path / f"share-{s.officer}.json")
        files[-1].write_text(s.to_json(), encoding="utf-8")
    tid = view["tender_id"]
    _sign_out(driver)
    driver.get(f"{base}/portal/centre?lang=en&tender={tid}")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(officers[0].key))
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "room-progress"), "Shares released: 0 of 2"))
    _by(driver, "share-file").send_keys(str(files[1]))  # type: ignore[attr-defined]  # another officer's
    click(driver, wait, "release-submit")
    _until(driver, wait, "room-status", "This share is officer", tmp_path)
    _by(driver, "share-file").send_keys(str(files[0]))  # type: ignore[attr-defined]
    click(driver, wait, "release-submit")
    _until(driver, wait, "room-status", "Share released", tmp_path)
    assert "Shares released: 1 of 2" in body_text(driver)
    _sign_out(driver)
    # each sign-in loads the room again: until it is drawn, the room shown is the last key's
    redrawn(driver, wait, "room-facts", lambda: _sign_in(driver, wait, bytes(officers[2].key)))
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "release-form")))
    _by(driver, "share-file").send_keys(str(files[2]))  # type: ignore[attr-defined]
    click(driver, wait, "release-submit")
    _until(driver, wait, "room-status", "Share released", tmp_path)
    shot(driver, tmp_path, "centre-room-released-en")
    _sign_out(driver)
    # the last officer's room already shows 开标 (the shares are in): the centre's own room first,
    # or the load the sign-in started may answer after the opening and draw the room unopened
    redrawn(driver, wait, "room-facts", lambda: _sign_in(driver, wait, bytes(scene.centre.account.key)))
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "open-section")))
    click(driver, wait, "open-section")
    _until(driver, wait, "room-status", "Opened:", tmp_path)
    assert "Failed (too few valid bids)" in body_text(driver)  # no bid came: 流标
    shot(driver, tmp_path, "centre-room-opened-en")


def test_the_opening_record_prints_in_chinese(
        site: tuple[str, World], browser: object, tmp_path: Path) -> None:  # noqa: F811
    base, world = site
    driver = browser
    wait = WebDriverWait(driver, 60)  # type: ignore[arg-type]
    driver.get(f"{base}/portal/centre?lang=zh&tender={world.opened.tid}")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(world.scene.centre.account.key))
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "bids-table")))
    text = body_text(driver)
    assert "10,860,000.50 元" in text and "合格" in text and "不合格" in text
    shot(driver, tmp_path, "centre-room-zh")
    driver.execute_script("window.print = () => {};")  # type: ignore[attr-defined]
    click(driver, wait, "print-record")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})  # type: ignore[attr-defined]
    area = _by(driver, "print-area")
    assert "开标记录表" in area.text and "开标人签字" in area.text  # type: ignore[attr-defined]
    assert not _by(driver, "room-card").is_displayed()  # type: ignore[attr-defined]
    shot(driver, tmp_path, "centre-record-print-zh")
    pdf = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})  # type: ignore[attr-defined]
    import base64
    (tmp_path / "record.pdf").write_bytes(base64.b64decode(pdf["data"]))
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_auditor_opens_a_report_file(
        site: tuple[str, World], browser: object, tmp_path: Path, lang: str) -> None:  # noqa: F811
    from tests.portal.test_audit import TX, report

    base, _ = site
    driver = browser
    wait = WebDriverWait(driver, 30)  # type: ignore[arg-type]
    (tmp_path / "audit.json").write_text(json.dumps(report()), encoding="utf-8")
    driver.get(f"{base}/portal/audit?lang={lang}")  # type: ignore[attr-defined]
    _by(driver, "file").send_keys(str(tmp_path / "audit.json"))  # type: ignore[attr-defined]
    click(driver, wait, "audit-submit")
    wait.until(expected_conditions.presence_of_element_located((By.ID, "verdict")))
    assert ("发现 1 个问题" if lang == "zh" else "1 finding(s)") in _by(driver, "verdict").text  # type: ignore[attr-defined]
    driver.find_element(By.CSS_SELECTOR, f'a[href="#tx-{TX}"]').click()  # type: ignore[attr-defined]
    assert driver.execute_script("return location.hash") == f"#tx-{TX}"  # type: ignore[attr-defined]
    shot(driver, tmp_path, f"audit-{lang}")
