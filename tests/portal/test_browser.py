"""The portal in a real browser: Debian's headless Chromium driven by Selenium through the jobs a
visitor does — the tender list, a search, a tender, the language switch, a firm, verifying an
uploaded credential — with a screenshot of each page saved in the test's tmp directory."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from api.serving import free_port
from tests.portal.world import World, build, sealed_sample
from tests.scenes import Scene

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, World]]:
    """The scene's app, already started by its TestClient, also served on a real port."""
    with Scene.served(tmp_path_factory.mktemp("portal-browser"), seed=43) as scene:
        world = build(scene)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(scene.http.app, host="127.0.0.1", port=port, log_level="warning",
                                               lifespan="off"))
        thread = threading.Thread(target=server.run, name="portal-browser", daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the portal did not start"
            time.sleep(0.02)
        try:
            yield f"http://127.0.0.1:{port}", world
        finally:
            server.should_exit = True
            thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if CHROMIUM is None or DRIVER is None:
        pytest.fail("chromium and chromium-driver are missing: scripts/test.sh installs them")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,768",
                     "--lang=zh-CN", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def shot(driver: object, tmp_path: Path, name: str) -> None:
    """A screenshot of the whole page (as tall as its content) into the test's tmp directory."""
    height = driver.execute_script("return document.documentElement.scrollHeight")  # type: ignore[attr-defined]
    driver.set_window_size(1366, max(768, min(int(height), 4000)))  # type: ignore[attr-defined]
    driver.save_screenshot(str(tmp_path / f"{name}.png"))  # type: ignore[attr-defined]
    driver.set_window_size(1366, 768)  # type: ignore[attr-defined]


def body_text(driver: object) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").text)  # type: ignore[attr-defined]


def test_a_visitor_finds_a_tender_switches_language_looks_up_a_firm_and_verifies_a_credential(
        site: tuple[str, World], browser: object, tmp_path: Path) -> None:
    base, world = site
    driver = browser
    wait = WebDriverWait(driver, 20)  # type: ignore[arg-type]

    driver.get(base + "/")  # type: ignore[attr-defined]
    wait.until(expected_conditions.title_contains("招标项目"))
    text = body_text(driver)
    assert "招投标信用链" in text and "共 3 个项目" in text and "珠海市香洲区市政道路改造工程" in text
    width = driver.execute_script("return document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= 1366, "the list scrolls sideways on a 1366-pixel screen"
    shot(driver, tmp_path, "1-tenders-zh")

    box = driver.find_element(By.ID, "q")  # type: ignore[attr-defined]
    box.send_keys("香洲 道路")
    box.submit()
    wait.until(expected_conditions.text_to_be_present_in_element((By.CLASS_NAME, "count"), "共 1 个项目"))
    shot(driver, tmp_path, "2-search-zh")

    driver.find_element(By.CLASS_NAME, "tender-link").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "tender-title")))
    text = body_text(driver)
    assert "招标公告" in text and "12,000,000.00 元" in text and "评标结果已公布" in text
    assert "不合格" in text and "人员要求" in text and "（UTC+08:00）" in text
    shot(driver, tmp_path, "3-tender-zh")

    driver.find_element(By.ID, "lang-switch").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "h2"), "Overview"))
    text = body_text(driver)
    assert "Tender notice" in text and "Evaluation published" in text and "Not eligible" in text
    shot(driver, tmp_path, "4-tender-en")

    driver.find_element(By.LINK_TEXT, "Firm credentials").click()  # type: ignore[attr-defined]
    field = wait.until(expected_conditions.presence_of_element_located((By.ID, "uscc")))
    field.send_keys(world.firms[0].uscc)
    field.submit()
    wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "table.credentials")))
    text = body_text(driver)
    assert "Business licence" in text and "Qualification" in text and "广东省住房和城乡建设厅" in text
    assert "Suspended" in text and "Valid" in text  # the language stayed English (the cookie)
    shot(driver, tmp_path, "5-firm-en")

    sample = tmp_path / "award.sealed.json"
    sample.write_text(json.dumps(sealed_sample(world.scene, world).to_dict(), ensure_ascii=False), encoding="utf-8")
    driver.find_element(By.LINK_TEXT, "Verify").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "file"))).send_keys(str(sample))
    wait.until(lambda d: "masterSalt" in d.find_element(By.ID, "document").get_attribute("value"))
    driver.find_element(By.ID, "verify-submit").click()  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "report")))
    text = body_text(driver)
    assert "Verified: the credential is valid at that time." in text
    for check in ("Integrity", "Anchored on chain", "Issuer authorised", "Validity period"):
        assert check in text
    shot(driver, tmp_path, "6-verify-en")

    driver.get(base + f"/portal/draws/{world.draw}?lang=zh")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "draw-verdict")))
    assert "依链上数据重新计算：一致" in body_text(driver)
    shot(driver, tmp_path, "7-draw-zh")

    driver.get(base + "/portal/firms/91350100M000100Y4X")  # type: ignore[attr-defined]
    assert "统一社会信用代码无效" in body_text(driver)
    shot(driver, tmp_path, "8-bad-uscc-zh")
    print(f"\nportal screenshots: {tmp_path}")
