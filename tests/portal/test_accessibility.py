"""Accessibility basics of every portal page, in Debian's headless Chromium: axe-core (the npm
package, injected into each page as it is served) finds no violation of impact serious or critical
— form fields without labels, text below WCAG AA contrast, controls a keyboard cannot reach,
missing page language or title — in Chinese and in English, on each page a visitor or a bidder
opens, with a verification report and an error shown; and the search, a firm's look-up and the
verify form are used with the keyboard alone (Tab to the field, type, Enter)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.portal.test_browser import body_text, browser, shot, site  # noqa: F401  (fixtures)
from tests.portal.world import World, sealed_sample

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# `npm ci` installs it (package.json's devDependencies); AXE_CORE_JS names another copy.
AXE = Path(os.environ.get("AXE_CORE_JS") or ROOT / "node_modules" / "axe-core" / "axe.min.js")
# WCAG 2.0/2.1 A and AA, the rules axe marks best practice included (landmarks, headings).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page now, serious and critical only."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: `npm ci` installs axe-core (package.json)")
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify({error: String(e)})));",
        TAGS)
    found = json.loads(result)
    assert not isinstance(found, dict), f"axe-core failed: {found}"
    return [v for v in found if v.get("impact") in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']} {v['id']}: {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


def check_page(driver: Any, tmp_path: Path, name: str) -> None:
    violations = axe_violations(driver)
    shot(driver, tmp_path, f"a11y-{name}")
    assert not violations, f"{name}: {driver.current_url}\n{describe(violations)}"


def pages(world: World) -> list[tuple[str, str]]:
    opened, still_open, hostile = world.opened.tid, world.open.tid, world.hostile.tid
    uscc = world.firms[0].uscc
    return [
        ("tenders", "/portal"),
        ("search", "/portal?q=%E9%A6%99%E6%B4%B2"),
        ("search-none", "/portal?q=nothing-matches-this"),
        ("tender-opened", f"/portal/tenders/{opened}"),
        ("tender-open", f"/portal/tenders/{still_open}"),
        ("tender-hostile", f"/portal/tenders/{hostile}"),
        ("firms", "/portal/firms"),
        ("firm", f"/portal/firms/{uscc}"),
        ("firm-at", f"/portal/firms/{uscc}?at=2020-01-01"),
        ("firm-bad-uscc", "/portal/firms/91350100M000100Y4X"),
        ("verify", "/portal/verify"),
        ("draw", f"/portal/draws/{world.draw}"),
        ("bid", f"/portal/tenders/{still_open}/bid?section=0"),
        ("unknown-tender", "/portal/tenders/0x" + "ab" * 32),
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_portal_page_has_no_serious_or_critical_axe_violation(
        site: tuple[str, World], browser: Any, tmp_path: Path, lang: str) -> None:  # noqa: F811
    base, world = site
    failures = []
    for name, path in pages(world):
        browser.get(f"{base}{path}{'&' if '?' in path else '?'}lang={lang}")
        try:
            check_page(browser, tmp_path, f"{name}-{lang}")
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, "\n\n".join(failures)
    print(f"\naccessibility screenshots: {tmp_path}")


def test_the_verify_report_and_the_signed_in_bid_page_have_no_serious_or_critical_axe_violation(
        site: tuple[str, World], browser: Any, tmp_path: Path) -> None:  # noqa: F811
    base, world = site
    wait = WebDriverWait(browser, 60)
    sample = tmp_path / "award.sealed.json"
    sample.write_text(json.dumps(sealed_sample(world.scene, world).to_dict(), ensure_ascii=False), encoding="utf-8")
    browser.get(f"{base}/portal/verify?lang=en")
    browser.find_element(By.ID, "file").send_keys(str(sample))
    wait.until(lambda d: "masterSalt" in d.find_element(By.ID, "document").get_attribute("value"))
    browser.find_element(By.ID, "verify-submit").click()
    wait.until(expected_conditions.presence_of_element_located((By.ID, "report")))
    check_page(browser, tmp_path, "verify-report-en")

    browser.get(f"{base}/portal/tenders/{world.open.tid}/bid?section=0&lang=zh")
    firm = world.firms[2]
    browser.find_element(By.ID, "private-key").send_keys("0x" + bytes(firm.account.key).hex())
    browser.find_element(By.ID, "key-uscc").send_keys(firm.uscc)
    browser.find_element(By.ID, "signin-submit").click()
    wait.until(lambda d: d.find_element(By.ID, "who").is_displayed())
    wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "input[type=checkbox]")))
    # the ticks are drawn first; the sign-in then loads the preview, this firm's bid and the results,
    # each drawn into its box when it answers: the page is checked once all three are there
    wait.until(lambda d: d.execute_script(
        "return ['preview', 'mine', 'results'].every((id) => document.getElementById(id).children.length > 0)"))
    check_page(browser, tmp_path, "bid-signed-in-zh")


def _tab_to(driver: Any, element_id: str, limit: int = 40) -> None:
    """Press Tab from the top of the page until the element has the focus (as a keyboard user does)."""
    driver.find_element(By.TAG_NAME, "body").click()
    for _ in range(limit):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        if driver.switch_to.active_element.get_attribute("id") == element_id:
            return
    raise AssertionError(f"#{element_id} is not reached with Tab on {driver.current_url}")


def test_a_keyboard_user_searches_looks_up_a_firm_and_sees_where_the_focus_is(
        site: tuple[str, World], browser: Any, tmp_path: Path) -> None:  # noqa: F811
    base, world = site
    wait = WebDriverWait(browser, 20)
    browser.get(f"{base}/portal?lang=zh")
    _tab_to(browser, "q")
    focused = browser.switch_to.active_element
    # A visible focus indicator: an outline or a box shadow on the focused field.
    style = browser.execute_script(
        "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth, s.boxShadow];", focused)
    assert style[0] != "none" and style[1] != "0px" or style[2] != "none", f"no focus indicator on #q: {style}"
    focused.send_keys("香洲 道路", Keys.ENTER)
    wait.until(expected_conditions.text_to_be_present_in_element((By.CLASS_NAME, "count"), "共 1 个项目"))

    browser.get(f"{base}/portal/firms?lang=zh")
    _tab_to(browser, "uscc")
    browser.switch_to.active_element.send_keys(world.firms[0].uscc, Keys.ENTER)
    wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "table.credentials")))
    assert world.firms[0].uscc in body_text(browser)
    shot(browser, tmp_path, "keyboard-firm-zh")
